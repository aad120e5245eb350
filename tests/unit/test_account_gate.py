"""Authentication through the account gate, and MongoDB where the gate cannot answer, on fakes."""

from __future__ import annotations

import pytest

from taskflow.domain.errors import InvalidTokenError
from taskflow.domain.model.accounts import User
from taskflow.domain.ports.security import RateRule
from taskflow.domain.services.sessions import TokenPair
from taskflow.domain.values import Role, UserId
from tests.unit.conftest import World, as_principal

PASSWORD = "a long enough password"
CLIENT = "192.0.2.1"
BUDGET = RateRule("user", 2, 3600)


async def _signed_in(world: World) -> TokenPair:
    await world.registration.register("ada@example.com", PASSWORD, "Ada")
    return await world.sign_in.login("ada@example.com", PASSWORD, client=CLIENT)


async def test_a_known_account_is_authenticated_without_reading_it(world: World) -> None:
    pair = await _signed_in(world)
    await world.session_service.authenticate(pair.access.token)  # learns the account
    reads = world.users.gets
    for _ in range(3):
        found = await world.session_service.authenticate(pair.access.token)
        assert found.principal.role is Role.USER
    assert world.users.gets == reads


async def test_the_budget_is_counted_by_the_gate_and_by_the_limiter_when_the_gate_is_down(world: World) -> None:
    pair = await _signed_in(world)
    first = await world.session_service.authenticate(pair.access.token, budget=BUDGET)
    world.gate.down = True
    second = await world.session_service.authenticate(pair.access.token, budget=BUDGET)
    third = await world.session_service.authenticate(pair.access.token, budget=BUDGET)
    assert [d.allowed if d else None for d in (first.budget, second.budget, third.budget)] == [True, True, False]
    assert (await world.session_service.authenticate(pair.access.token)).budget is None


async def test_a_demotion_reaches_the_principal_on_the_next_request(world: World) -> None:
    root = await world.registration.create_admin("root@example.com", PASSWORD, "Root")
    pair = await _signed_in(world)
    ada = (await world.session_service.authenticate(pair.access.token)).principal
    await world.admin.update_user(as_principal(root), ada.id, role=Role.ADMIN)
    assert (await world.session_service.authenticate(pair.access.token)).principal.is_admin
    await world.admin.update_user(as_principal(root), ada.id, role=Role.USER)
    assert not (await world.session_service.authenticate(pair.access.token)).principal.is_admin


async def test_a_deactivation_the_gate_missed_holds_once_it_answers_again(world: World) -> None:
    root = await world.registration.create_admin("root@example.com", PASSWORD, "Root")
    pair = await _signed_in(world)
    ada = (await world.session_service.authenticate(pair.access.token)).principal  # the gate knows Ada active
    world.gate.down = True
    await world.admin.update_user(as_principal(root), ada.id, is_active=False)
    world.gate.down = False  # back with its old facts, but owing an epoch change
    with pytest.raises(InvalidTokenError):
        await world.session_service.authenticate(pair.access.token)


async def test_a_revocation_lost_with_the_gates_data_still_holds(world: World) -> None:
    pair = await _signed_in(world)
    found = await world.session_service.authenticate(pair.access.token)
    await world.session_service.logout(found.claims)  # listed in the gate; the cut-off stays
    world.gate.lose_data()
    with pytest.raises(InvalidTokenError):  # issued before the gate lost data: the session decides
        await world.session_service.authenticate(pair.access.token)


async def test_a_token_from_before_the_gate_lost_data_has_its_session_read_once_and_a_logout_still_holds(
    world: World,
) -> None:
    """Not on every request of its life: once found live, the gate vouches for the session this epoch."""
    pair = await _signed_in(world)
    world.gate.lose_data()  # the token is older than what the gate now holds
    await world.session_service.authenticate(pair.access.token)
    reads = world.sessions.gets
    for _ in range(3):
        await world.session_service.authenticate(pair.access.token)
    assert world.sessions.gets == reads
    found = await world.session_service.authenticate(pair.access.token)
    await world.session_service.logout(found.claims)  # listed in the gate, which vouched for the session
    with pytest.raises(InvalidTokenError):
        await world.session_service.authenticate(pair.access.token)
    world.gate.lose_data()  # and lost again: the session's record decides, as before
    with pytest.raises(InvalidTokenError):
        await world.session_service.authenticate(pair.access.token)


async def test_tokens_issued_after_the_gate_lost_data_need_no_session_read(world: World) -> None:
    await _signed_in(world)
    world.gate.lose_data()
    world.clock.advance(seconds=10)  # past any clock skew between this host and the gate's
    pair = await world.sign_in.login("ada@example.com", PASSWORD, client=CLIENT)
    await world.session_service.authenticate(pair.access.token)
    reads = (world.users.gets, world.sessions.gets)
    await world.session_service.authenticate(pair.access.token)
    assert (world.users.gets, world.sessions.gets) == reads


async def test_a_genuine_token_for_an_account_the_record_lacks_is_refused(world: World) -> None:
    pair = await _signed_in(world)
    claims = world.tokens.verify(pair.access.token)
    stranger = world.tokens.issue(UserId("f" * 24), claims.session_id, now=world.clock.now())
    with pytest.raises(InvalidTokenError):
        await world.session_service.authenticate(stranger.token)


class _KilledError(Exception):
    """The process died here."""


async def test_a_deactivation_whose_process_died_before_the_write_through_still_holds(world: World) -> None:
    root = await world.registration.create_admin("root@example.com", PASSWORD, "Root")
    pair = await _signed_in(world)
    ada = (await world.session_service.authenticate(pair.access.token)).principal  # the gate knows Ada active
    save = world.users.save

    async def dies_after_writing(user: User, *, fields: frozenset[str]) -> None:
        await save(user, fields=fields)
        raise _KilledError

    world.users.save = dies_after_writing  # type: ignore[method-assign]
    with pytest.raises(_KilledError):
        await world.admin.update_user(as_principal(root), ada.id, is_active=False)
    with pytest.raises(InvalidTokenError):  # the gate sends the account to the record, which says inactive
        await world.session_service.authenticate(pair.access.token)
