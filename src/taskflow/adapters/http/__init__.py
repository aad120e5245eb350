"""The Litestar application: controllers, schemas, problem+json, middleware."""
