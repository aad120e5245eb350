"""Accounts over HTTP: registration, sign-in (API and web page), the caller's own account."""
