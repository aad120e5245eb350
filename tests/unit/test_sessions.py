"""Sessions, refresh-token rotation, revocation and the login throttle, on fakes."""

from __future__ import annotations

import pytest

from taskflow.domain.errors import (
    InvalidCredentialsError,
    InvalidRefreshTokenError,
    InvalidTokenError,
    InvalidValueError,
    TooManyRequestsError,
    WrongPasswordError,
)
from taskflow.domain.model.accounts import User
from taskflow.domain.services.sessions import TokenPair
from tests.unit.conftest import LIMITS, World, as_principal

PASSWORD = "a long enough password"
NEW_PASSWORD = "another long password"
CLIENT = "192.0.2.1"


async def _account(world: World, pair: TokenPair) -> User:
    """The account a pair's access token is accepted for."""
    return await world.users.get((await world.session_service.authenticate(pair.access.token)).principal.id)


async def _signed_in(world: World, email: str = "ada@example.com") -> TokenPair:
    await world.registration.register(email, PASSWORD, "Ada")
    return await world.sign_in.login(email, PASSWORD, client=CLIENT)


async def test_refresh_rotates_the_token_and_the_new_pair_works(world: World) -> None:
    first = await _signed_in(world)
    second = await world.session_service.refresh(first.refresh_token)
    assert second.refresh_token != first.refresh_token
    assert second.refresh_token.split(".")[0] == first.refresh_token.split(".")[0]  # same session
    assert (await _account(world, second)).email.value == "ada@example.com"
    assert await world.session_service.refresh(second.refresh_token)


async def test_a_spent_refresh_token_revokes_the_whole_session_and_is_recorded(world: World) -> None:
    first = await _signed_in(world)
    second = await world.session_service.refresh(first.refresh_token)
    with pytest.raises(InvalidRefreshTokenError):
        await world.session_service.refresh(first.refresh_token)
    with pytest.raises(InvalidRefreshTokenError):
        await world.session_service.refresh(second.refresh_token)  # the thief's pair dies too
    with pytest.raises(InvalidTokenError):
        await world.session_service.authenticate(second.access.token)
    assert [event for event, _ in world.security_log.events] == ["refresh_token_reuse"]


async def test_reuse_is_recorded_once_and_other_sessions_survive_it(world: World) -> None:
    first = await _signed_in(world)
    other = await world.sign_in.login("ada@example.com", PASSWORD, client=CLIENT)
    await world.session_service.refresh(first.refresh_token)
    for _ in range(2):
        with pytest.raises(InvalidRefreshTokenError):
            await world.session_service.refresh(first.refresh_token)
    assert len(world.security_log.events) == 1
    assert await world.session_service.refresh(other.refresh_token)


@pytest.mark.parametrize(
    "token",
    ["", "nonsense", "a" * 32, "0" * 32 + ".", "0" * 31 + ".secret-000000000000000000000001", "x.y.z"],
)
async def test_malformed_or_unknown_refresh_tokens_are_refused(world: World, token: str) -> None:
    await _signed_in(world)
    with pytest.raises(InvalidRefreshTokenError):
        await world.session_service.refresh(token)
    assert world.security_log.events == []


async def test_an_access_token_is_not_a_refresh_token(world: World) -> None:
    pair = await _signed_in(world)
    with pytest.raises(InvalidRefreshTokenError):
        await world.session_service.refresh(pair.access.token)


async def test_sessions_expire_when_idle_and_at_their_absolute_end(world: World) -> None:
    pair = await _signed_in(world)
    world.clock.advance(days=15)
    with pytest.raises(InvalidRefreshTokenError):
        await world.session_service.refresh(pair.refresh_token)
    pair = await world.sign_in.login("ada@example.com", PASSWORD, client=CLIENT)
    for _ in range(3):  # refreshed every 10 days, never idle, still ends at 30
        world.clock.advance(days=10)
        if _ == 2:
            with pytest.raises(InvalidRefreshTokenError):
                await world.session_service.refresh(pair.refresh_token)
        else:
            pair = await world.session_service.refresh(pair.refresh_token)


async def test_logout_revokes_the_access_token_and_the_session(world: World) -> None:
    pair = await _signed_in(world)
    found = await world.session_service.authenticate(pair.access.token)
    await world.session_service.logout(found.claims)
    with pytest.raises(InvalidTokenError):
        await world.session_service.authenticate(pair.access.token)
    with pytest.raises(InvalidRefreshTokenError):
        await world.session_service.refresh(pair.refresh_token)


async def test_logout_holds_when_the_revocation_list_is_down_and_after_it_returns(world: World) -> None:
    pair = await _signed_in(world)
    other = await world.sign_in.login("ada@example.com", PASSWORD, client=CLIENT)
    found = await world.session_service.authenticate(pair.access.token)
    world.gate.down = True
    await world.session_service.logout(found.claims)
    with pytest.raises(InvalidTokenError):  # the session record decides while the list is down
        await world.session_service.authenticate(pair.access.token)
    world.gate.down = False
    with pytest.raises(InvalidTokenError):  # the list came back without the entry: the cut-off holds
        await world.session_service.authenticate(pair.access.token)
    assert [event for event, _ in world.security_log.events] == ["revocation_list_unavailable"]
    world.clock.advance(seconds=1)
    assert await world.session_service.refresh(other.refresh_token)  # other sessions refresh once


async def test_a_revocation_made_while_the_list_was_up_holds_when_it_goes_down(world: World) -> None:
    pair = await _signed_in(world)
    found = await world.session_service.authenticate(pair.access.token)
    await world.session_service.logout(found.claims)
    world.gate.down = True
    with pytest.raises(InvalidTokenError):
        await world.session_service.authenticate(pair.access.token)


async def test_password_change_ends_every_session_and_opens_a_new_one(world: World) -> None:
    mine = await _signed_in(world)
    other = await world.sign_in.login("ada@example.com", PASSWORD, client=CLIENT)
    user = await _account(world, mine)
    new_pair = await world.password_change.change(user, current=PASSWORD, new=NEW_PASSWORD)
    for old in (mine, other):
        with pytest.raises(InvalidTokenError):
            await world.session_service.authenticate(old.access.token)
        with pytest.raises(InvalidRefreshTokenError):
            await world.session_service.refresh(old.refresh_token)
    # issued in the same millisecond as the cut-off, and still valid
    assert await _account(world, new_pair) == user
    with pytest.raises(InvalidCredentialsError):
        await world.sign_in.login("ada@example.com", PASSWORD, client=CLIENT)
    assert await world.sign_in.login("ada@example.com", NEW_PASSWORD, client=CLIENT)


async def test_password_change_needs_the_current_password_and_a_good_new_one(world: World) -> None:
    pair = await _signed_in(world)
    user = await _account(world, pair)
    with pytest.raises(WrongPasswordError):
        await world.password_change.change(user, current="not the password", new=NEW_PASSWORD)
    with pytest.raises(InvalidValueError) as caught:
        await world.password_change.change(user, current=PASSWORD, new="PasswordPassword123")
    assert caught.value.field == "new_password"
    assert await _account(world, pair) == user  # nothing changed


async def test_registration_rejects_a_common_password(world: World) -> None:
    with pytest.raises(InvalidValueError) as caught:
        await world.registration.register("ada@example.com", "PASSWORDpassword123", "Ada")
    assert caught.value.field == "password"


async def test_failed_logins_are_limited_per_account_from_any_address(world: World) -> None:
    await world.registration.register("ada@example.com", PASSWORD, "Ada")
    for attempt in range(LIMITS.login_failures_per_account.count):
        with pytest.raises(InvalidCredentialsError):
            await world.sign_in.login("ada@example.com", "wrong password!!", client=f"192.0.2.{attempt}")
    with pytest.raises(TooManyRequestsError) as caught:  # even the right password, from elsewhere
        await world.sign_in.login("ADA@example.com", PASSWORD, client="198.51.100.7")
    assert 0 < caught.value.retry_after <= LIMITS.login_failures_per_account.window_seconds
    world.clock.advance(seconds=LIMITS.login_failures_per_account.window_seconds)
    assert await world.sign_in.login("ada@example.com", PASSWORD, client=CLIENT)


async def test_unknown_accounts_are_limited_like_known_ones(world: World) -> None:
    for _ in range(LIMITS.login_failures_per_account.count):
        with pytest.raises(InvalidCredentialsError):
            await world.sign_in.login("nobody@example.com", PASSWORD, client=CLIENT)
    with pytest.raises(TooManyRequestsError):
        await world.sign_in.login("nobody@example.com", PASSWORD, client="198.51.100.7")


async def test_failed_logins_are_limited_per_address_across_accounts(world: World) -> None:
    for i in range(LIMITS.login_failures_per_address.count):
        with pytest.raises(InvalidCredentialsError):
            await world.sign_in.login(f"user{i}@example.com", PASSWORD, client=CLIENT)
    await world.registration.register("ada@example.com", PASSWORD, "Ada")
    with pytest.raises(TooManyRequestsError):
        await world.sign_in.login("ada@example.com", PASSWORD, client=CLIENT)
    assert await world.sign_in.login("ada@example.com", PASSWORD, client="198.51.100.7")


async def test_successful_logins_do_not_use_up_the_budgets(world: World) -> None:
    await world.registration.register("ada@example.com", PASSWORD, "Ada")
    for _ in range(LIMITS.login_failures_per_address.count * 2):
        assert await world.sign_in.login("ada@example.com", PASSWORD, client=CLIENT)


async def test_wrong_current_passwords_count_against_the_account(world: World) -> None:
    pair = await _signed_in(world)
    user = await _account(world, pair)
    for _ in range(LIMITS.login_failures_per_account.count):
        with pytest.raises(WrongPasswordError):
            await world.password_change.change(user, current="not the password", new=NEW_PASSWORD)
    with pytest.raises(TooManyRequestsError):
        await world.password_change.change(user, current=PASSWORD, new=NEW_PASSWORD)


async def test_refresh_fails_for_a_deactivated_account(world: World) -> None:
    root = await world.registration.create_admin("root@example.com", PASSWORD, "Root")
    pair = await _signed_in(world)
    user = await _account(world, pair)
    await world.admin.update_user(as_principal(root), user.id, is_active=False)
    await world.admin.update_user(as_principal(root), user.id, is_active=True)
    with pytest.raises(InvalidRefreshTokenError):  # reactivation does not revive old sessions
        await world.session_service.refresh(pair.refresh_token)
