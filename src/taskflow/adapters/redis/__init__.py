"""Redis: connection, and later cache, rate limits and revocations."""
