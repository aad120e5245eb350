"""Administration rules, on fakes."""

from __future__ import annotations

import pytest

from taskflow.domain.errors import ForbiddenError, InvalidTokenError, SelfLockoutError
from taskflow.domain.model.accounts import User
from taskflow.domain.model.tasks import TaskDraft
from taskflow.domain.ports.accounts import UserFilter
from taskflow.domain.values import Role, TaskStatus
from tests.unit.conftest import World, as_principal, me

PASSWORD = "a long enough password"
CLIENT = "192.0.2.1"


async def _admin(world: World) -> User:
    return await world.registration.create_admin("root@example.com", PASSWORD, "Root")


async def test_only_admins_may_administer(world: World) -> None:
    user = await world.registration.register("ada@example.com", PASSWORD, "Ada")
    with pytest.raises(ForbiddenError):
        await world.admin.list_users(as_principal(user), UserFilter(), after=None, limit=10)
    with pytest.raises(ForbiddenError):
        await world.admin.update_user(as_principal(user), user.id, role=Role.ADMIN)
    with pytest.raises(ForbiddenError):
        await world.admin.stats(as_principal(user))


async def test_deactivation_revokes_the_accounts_tokens_at_once(world: World) -> None:
    root = await _admin(world)
    ada = await world.registration.register("ada@example.com", PASSWORD, "Ada")
    grant = await world.sign_in.login("ada@example.com", PASSWORD, client=CLIENT)
    world.clock.advance(seconds=1)
    await world.admin.update_user(as_principal(root), ada.id, is_active=False)
    with pytest.raises(InvalidTokenError):
        await world.session_service.authenticate(grant.access.token)


async def test_an_admin_cannot_lock_themselves_out(world: World) -> None:
    root = await _admin(world)
    with pytest.raises(SelfLockoutError):
        await world.admin.update_user(as_principal(root), root.id, role=Role.USER)
    with pytest.raises(SelfLockoutError):
        await world.admin.update_user(as_principal(root), root.id, is_active=False)
    assert (await world.users.get(root.id)).role is Role.ADMIN


async def test_pages_cover_every_match_once_in_id_order(world: World) -> None:
    root = await _admin(world)
    for i in range(5):
        await world.registration.register(f"user{i}@example.com", PASSWORD, f"U{i}")
    seen, after = [], None
    while True:
        page = await world.admin.list_users(as_principal(root), UserFilter(email_prefix="USER"), after=after, limit=2)
        seen += [u.email.value for u in page.items]
        if page.next_after is None:
            break
        after = page.next_after
    assert seen == [f"user{i}@example.com" for i in range(5)]


async def test_stats_count_users_and_every_status(world: World) -> None:
    root = await _admin(world)
    ada = await world.registration.register("ada@example.com", PASSWORD, "Ada")
    await world.task_service.create(me(ada.id), TaskDraft(title="a"))
    await world.task_service.create(me(root.id), TaskDraft(title="b", status=TaskStatus.DONE))
    stats = await world.admin.stats(as_principal(root))
    assert (stats.users.total, stats.users.active, stats.users.admins) == (2, 2, 1)
    assert stats.tasks_by_status == {TaskStatus.TODO: 1, TaskStatus.IN_PROGRESS: 0, TaskStatus.DONE: 1}
    assert stats.tasks_total == 2


async def test_a_user_may_rename_themselves(world: World) -> None:
    ada = await world.registration.register("ada@example.com", PASSWORD, "Ada")
    await world.accounts.update_profile(ada, name="Ada L.")
    assert (await world.users.get(ada.id)).name == "Ada L."
