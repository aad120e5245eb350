"""Administration over HTTP: accounts, the audit trail and system-wide figures. Admins only."""
