"""The audit trail on fakes: each security-relevant change leaves one entry, and none is acknowledged without it."""

from __future__ import annotations

import pytest

from taskflow.domain.errors import ForbiddenError, InvalidCredentialsError, UnavailableError
from taskflow.domain.model.accounts import User
from taskflow.domain.model.audit import AuditFilter, AuditKind
from taskflow.domain.ports.accounts import UserFilter
from taskflow.domain.values import Role
from tests.unit.conftest import World, as_principal

PASSWORD = "a long enough password"


async def _admin(world: World) -> User:
    root = await world.registration.register("root@example.com", PASSWORD, "Root")
    root.role = Role.ADMIN
    await world.users.save(root, fields=frozenset({"role"}))
    return root


async def test_sign_ins_and_failed_ones_are_entries_and_no_entry_holds_the_password(world: World) -> None:
    ada = await world.registration.register("ada@example.com", PASSWORD, "Ada")
    await world.sign_in.login("ada@example.com", PASSWORD, client="c")
    for email in ("ada@example.com", "nobody@example.com"):
        with pytest.raises(InvalidCredentialsError):
            await world.sign_in.login(email, "the wrong password, long", client="c")
    kinds = [(entry.kind, entry.actor, entry.target) for entry in world.audit.entries]
    assert kinds == [
        (AuditKind.ACCOUNT_CREATED, ada.id, ada.id),
        (AuditKind.SIGN_IN, ada.id, ada.id),
        (AuditKind.SIGN_IN_FAILED, None, ada.id),
        (AuditKind.SIGN_IN_FAILED, None, None),
    ]
    assert world.audit.entries[-1].detail == {"email": "nobody@example.com"}
    assert not [entry for entry in world.audit.entries if "password" in repr(entry).lower()]


async def test_role_and_access_changes_say_what_they_were_and_admin_reads_are_entries(world: World) -> None:
    root, ada = await _admin(world), await world.registration.register("ada@example.com", PASSWORD, "Ada")
    await world.admin.update_user(as_principal(root), ada.id, role=Role.ADMIN, is_active=False)
    await world.admin.update_user(as_principal(root), ada.id, role=Role.ADMIN)  # no change, no entry
    await world.admin.list_users(as_principal(root), UserFilter(email_prefix="ad"), after=None, limit=10)
    changes = [
        (e.kind, e.actor, e.target, e.detail) for e in world.audit.entries if e.kind != AuditKind.ACCOUNT_CREATED
    ]
    assert changes[:2] == [
        (AuditKind.ROLE_CHANGED, root.id, ada.id, {"before": "user", "after": "admin"}),
        (AuditKind.ACTIVE_CHANGED, root.id, ada.id, {"before": "true", "after": "false"}),
    ]
    assert changes[2][:2] == (AuditKind.ADMIN_READ_ACCOUNTS, root.id)
    assert changes[2][3]["email_prefix"] == "ad"


async def test_a_change_whose_entry_cannot_be_written_is_not_acknowledged(world: World) -> None:
    root, ada = await _admin(world), await world.registration.register("ada@example.com", PASSWORD, "Ada")
    world.audit.down = True
    with pytest.raises(UnavailableError):
        await world.admin.update_user(as_principal(root), ada.id, is_active=False)
    with pytest.raises(UnavailableError):
        await world.sign_in.login("ada@example.com", PASSWORD, client="c")  # no tokens without the entry
    with pytest.raises(UnavailableError):
        await world.registration.register("bob@example.com", PASSWORD, "Bob")


async def test_deletion_erasure_password_and_verification_changes_are_entries(world: World) -> None:
    ada = await world.registration.register("ada@example.com", PASSWORD, "Ada")
    await world.password_change.change(ada, current=PASSWORD, new="another long enough password")
    await world.verification.verify(world.verification.token(ada, issued_at=world.clock.now()))
    await world.accounts.delete(await world.users.get(ada.id), password="another long enough password")
    world.clock.advance(minutes=1)
    await world.erasure.erase(ada.id)
    assert [entry.kind for entry in world.audit.entries if entry.target == ada.id] == [
        AuditKind.ACCOUNT_CREATED,
        AuditKind.PASSWORD_CHANGED,
        AuditKind.EMAIL_VERIFIED,
        AuditKind.ACCOUNT_DELETED,
        AuditKind.ACCOUNT_ERASED,
    ]
    assert world.audit.entries[-1].actor is None  # the system erased it


async def test_only_admins_read_the_trail_filtered_and_in_pages_and_each_read_is_an_entry(world: World) -> None:
    root = await _admin(world)
    users = [await world.registration.register(f"u{n}@example.com", PASSWORD, f"U{n}") for n in range(3)]
    with pytest.raises(ForbiddenError):
        await world.admin.audit(as_principal(users[0]), AuditFilter(), after=None, limit=10)
    created = AuditFilter(kind=AuditKind.ACCOUNT_CREATED)
    first = await world.admin.audit(as_principal(root), created, after=None, limit=2)
    second = await world.admin.audit(as_principal(root), created, after=first.next_after, limit=2)
    targets = [entry.target for entry in [*first.items, *second.items]]
    assert targets == [users[2].id, users[1].id, users[0].id, root.id]  # newest first, each once
    assert second.next_after is None
    one = await world.admin.audit(as_principal(root), AuditFilter(target=users[1].id), after=None, limit=10)
    assert [entry.kind for entry in one.items] == [AuditKind.ACCOUNT_CREATED]
    assert world.audit.kinds().count(AuditKind.ADMIN_READ_AUDIT) == 3
