"""What the use cases of several areas share: the records behind their gates, access, sessions, the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from taskflow.adapters.stores.memberships import GatedMembershipRepository
from taskflow.adapters.stores.users import GatedUserRepository
from taskflow.domain.access.service import AccessService
from taskflow.domain.services.outbox import OutboxService
from taskflow.domain.services.passwords import NewPasswords, PasswordPolicy
from taskflow.domain.services.sessions import SessionPolicy, SessionService
from taskflow.domain.services.stats_refresh import StatsRefresh

if TYPE_CHECKING:
    from taskflow.bootstrap.connections import Ports
    from taskflow.domain.ports.accounts import UserRepository
    from taskflow.domain.ports.projects import MembershipRepository
    from taskflow.settings import Settings


@dataclass(frozen=True, slots=True)
class Shared:
    users: UserRepository
    """Written through to the account gate on every change."""
    memberships: MembershipRepository
    """Written through to the membership gate on every change."""
    access: AccessService
    sessions: SessionService
    outbox: OutboxService
    stats: StatsRefresh
    passwords: NewPasswords


def shared_parts(ports: Ports, settings: Settings) -> Shared:
    users = GatedUserRepository(ports.users, ports.gate)
    memberships = GatedMembershipRepository(ports.memberships, ports.membership_gate)
    sessions = SessionService(
        users=users,
        sessions=ports.sessions,
        tokens=ports.tokens,
        gate=ports.gate,
        gateless_limiter=ports.local_limiter,
        secrets=ports.secrets,
        clock=ports.clock,
        security_log=ports.security_log,
        audit=ports.audit,
        policy=SessionPolicy(
            idle=timedelta(days=settings.refresh_token_idle_days),
            absolute=timedelta(days=settings.session_max_days),
        ),
        access_ttl=timedelta(seconds=settings.access_token_ttl_seconds),
    )
    return Shared(
        users=users,
        memberships=memberships,
        access=AccessService(memberships),
        sessions=sessions,
        outbox=OutboxService(
            ports.outbox, ports.jobs, ports.clock, grace=timedelta(seconds=settings.outbox_sweep_seconds)
        ),
        stats=StatsRefresh(ports.jobs, ports.clock, debounce=timedelta(seconds=settings.stats_debounce_seconds)),
        passwords=NewPasswords(PasswordPolicy(settings.password_min_length, ports.common_passwords), ports.hasher),
    )
