"""Tasks over HTTP: the CRUD routes, listing, statistics, export, import jobs and the live stream."""
