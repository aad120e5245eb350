"""Memberships checked without a MongoDB read: every project request asks for one (decision 0029).

The membership gate is written through on every change, here, so no service can forget;
what it does not know is read from the record and then stored. Each change is announced
to the gate first (`begin`: "unknown, take no fill"), so a process that dies between the
record's change and its write-through leaves the gate reading the record, not stale. An
ended membership is stored as ended (not forgotten), so a fill that read it just before
the removal cannot bring it back, and the removal holds on the very next request on every
process.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskflow.domain.access.roles import ProjectRole
from taskflow.domain.errors import UnavailableError
from taskflow.domain.ports.projects import MembershipRepository

if TYPE_CHECKING:
    from taskflow.domain.access.grants import Grant
    from taskflow.domain.model.projects import Membership
    from taskflow.domain.ports.gates import MembershipGate
    from taskflow.domain.values import ProjectId, UserId


class GatedMembershipRepository(MembershipRepository):
    def __init__(self, memberships: MembershipRepository, gate: MembershipGate) -> None:
        self._memberships = memberships
        self._gate = gate

    async def add(self, membership: Membership) -> bool:
        await self._gate.begin(membership.user_id, membership.project_id)
        added = await self._memberships.add(membership)
        # A member already: the stored membership stays as it was, and is what the gate holds.
        kept = membership if added else await self._memberships.find(membership.user_id, membership.project_id)
        await self._gate.record(membership.user_id, membership.project_id, kept)
        return added

    async def find(self, user_id: UserId, project_id: ProjectId) -> Membership | None:
        try:
            reading = await self._gate.read(user_id, project_id)
        except UnavailableError:
            return await self._memberships.find(user_id, project_id)
        if reading.known:
            return reading.membership
        membership = await self._memberships.find(user_id, project_id)
        if membership is not None:  # a non-member is not stored: strangers would fill the gate
            await self._gate.fill(membership, seen=reading.seen)
        return membership

    async def of_user(self, user_id: UserId) -> list[Membership]:
        return await self._memberships.of_user(user_id)

    async def count_of_user(self, user_id: UserId) -> int:
        return await self._memberships.count_of_user(user_id)

    async def of_project(self, grant: Grant) -> list[Membership]:
        return await self._memberships.of_project(grant)

    async def set_role(
        self, user_id: UserId, project_id: ProjectId, role: ProjectRole, *, by: UserId | None = None
    ) -> Membership | None:
        await self._gate.begin(user_id, project_id)
        changed = await self._memberships.set_role(user_id, project_id, role, by=by)
        await self._gate.record(user_id, project_id, changed)  # None: no member (any more)
        return changed

    async def remove(self, user_id: UserId, project_id: ProjectId, *, by: UserId | None = None) -> bool:
        await self._gate.begin(user_id, project_id)
        removed = await self._memberships.remove(user_id, project_id, by=by)
        await self._gate.record(user_id, project_id, None)  # removed now, or no member before
        return removed

    async def remove_all(self, grant: Grant, *, by: UserId | None = None) -> int:
        """One member at a time, each written through: someone who joins meanwhile is found next round.

        The owner goes last: while their membership stands, a deletion that died half way is
        found again by whoever retries it (the owner's account erasure does).
        """
        removed = 0
        while members := await self._memberships.of_project(grant):
            in_order = sorted(members, key=lambda member: member.role is ProjectRole.OWNER)
            this_round = sum([await self.remove(member.user_id, member.project_id, by=by) for member in in_order])
            if not this_round:  # listed but gone: a read older than the removals, not a member to end
                break
            removed += this_round
        return removed
