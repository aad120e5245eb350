"""Who a request acts for: enough to route and authorise it, not the account itself."""

from __future__ import annotations

from dataclasses import dataclass

# Runtime imports: Litestar resolves a Principal's annotations when it injects one.
from taskflow.domain.values import Role, UserId


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request acts for: enough to route and authorise it, not the account itself.

    Handlers that need the account (profile, password, administration) load it.
    """

    id: UserId
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN
