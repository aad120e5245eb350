"""Projects over HTTP: projects, members, roles, invitations and transfers."""
