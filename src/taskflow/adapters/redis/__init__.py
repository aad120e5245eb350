"""Redis: the task cache and users' last writes, rate limits, the revocation list."""
