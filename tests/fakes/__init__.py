"""Honest in-memory ports: they subclass the Protocols, store copies and enforce the same rules.

The unit tests run the domain on them; tests/contract/ runs one suite on each of them and
on the real adapter, so a fake cannot drift from what it stands for.
"""
