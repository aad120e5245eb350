"""Password hashing (argon2-cffi) and access tokens (PyJWT)."""
