"""Ports: what the domain needs from the outside, as Protocols adapters subclass.

One module per area, each value type beside the port that exchanges it.
"""
