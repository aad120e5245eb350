"""The request edge: what every request passes through around its handler, whatever its feature.

Context and access log, admission (bearer token, budgets, deadline), body checks, guards,
problem+json, conditional requests, idempotency keys, consistency tokens, client addresses.
"""
