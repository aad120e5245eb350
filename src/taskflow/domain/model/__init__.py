"""What taskflow keeps: accounts and sessions, tasks, projects, import jobs, the audit trail, what a listing asks."""
