"""Notifications over HTTP: the inbox, its unread count, marking read, and each person's settings."""
