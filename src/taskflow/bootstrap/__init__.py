"""The composition root: the only package that knows which adapter serves which port.

`connections` opens the adapters once per process; `services` builds every use case on
them, one module per area (`accounts`, `work`) on the parts they share (`shared`);
`policies` turns settings into budgets and the request deadline.
"""

from __future__ import annotations

from taskflow.bootstrap.connections import Connections, Ports, Probes, open_connections, open_ports
from taskflow.bootstrap.policies import auth_budget, request_deadline, user_budget
from taskflow.bootstrap.services import build_services

__all__ = [
    "Connections",
    "Ports",
    "Probes",
    "auth_budget",
    "build_services",
    "open_connections",
    "open_ports",
    "request_deadline",
    "user_budget",
]
