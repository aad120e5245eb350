"""Registration, login and authentication rules, on fakes."""

from __future__ import annotations

import pytest

from taskflow.domain.errors import (
    EmailAlreadyRegisteredError,
    InvalidCredentialsError,
    InvalidTokenError,
    InvalidValueError,
    UnavailableError,
)
from taskflow.domain.services.mail import WELCOME_JOB
from taskflow.domain.values import Email, Role, UserId
from tests.unit.conftest import World

PASSWORD = "a long enough password"
CLIENT = "192.0.2.1"


async def test_email_is_unique_whatever_its_case(world: World) -> None:
    await world.registration.register("Ada@Example.com", PASSWORD, "Ada")
    with pytest.raises(EmailAlreadyRegisteredError):
        await world.registration.register("ada@example.COM", PASSWORD, "Other")


@pytest.mark.parametrize(
    ("email", "password", "name", "field"),
    [
        ("not-an-email", PASSWORD, "Ada", "email"),
        ("ada@example.com", "short", "Ada", "password"),
        ("ada@example.com", "é" * 513, "Ada", "password"),  # 1,026 bytes: over the byte limit
        ("ada@example.com", PASSWORD, "   ", "name"),
    ],
)
async def test_registration_rejects_bad_values_naming_the_field(
    world: World, email: str, password: str, name: str, field: str
) -> None:
    with pytest.raises(InvalidValueError) as caught:
        await world.registration.register(email, password, name)
    assert caught.value.field == field
    assert await world.users.find_by_email(Email("ada@example.com")) is None


async def test_registration_records_and_enqueues_one_welcome_mail_per_account(world: World) -> None:
    user = await world.registration.register("ada@example.com", PASSWORD, "Ada")
    entry_id = f"welcome:{user.id}"
    assert world.jobs.jobs == {entry_id: (WELCOME_JOB, {"user_id": user.id.value})}
    assert list(world.outbox.entries) == [entry_id]
    assert world.outbox.entries[entry_id].args == {"user_id": user.id.value}


async def test_registration_while_the_queue_is_down_leaves_the_mail_to_the_sweeper(world: World) -> None:
    world.jobs.down = True
    user = await world.registration.register("ada@example.com", PASSWORD, "Ada")
    assert (await world.users.get(user.id)).email.value == "ada@example.com"
    world.jobs.down = False
    assert await world.outbox_service.sweep() == 0  # within the grace period: the first enqueue may still run
    world.clock.advance(seconds=31)
    assert await world.outbox_service.sweep() == 1
    assert world.jobs.jobs == {f"welcome:{user.id}": (WELCOME_JOB, {"user_id": user.id.value})}


async def test_the_welcome_mail_is_sent_once_and_its_entry_done(world: World) -> None:
    user = await world.registration.register("ada@example.com", PASSWORD, "Ada")
    await world.welcome_mail.send(user.id)
    await world.welcome_mail.send(user.id)  # arq ran the job again
    (mail,) = world.mailer.sent
    assert mail.message_id == f"<welcome.{user.id}@taskflow.local>"
    assert mail.to == "ada@example.com"
    world.clock.advance(hours=1)
    assert await world.outbox_service.sweep() == 0


async def test_a_registration_that_failed_after_its_entry_sends_nothing(world: World) -> None:
    await world.registration.register("ada@example.com", PASSWORD, "Ada")
    with pytest.raises(EmailAlreadyRegisteredError):
        await world.registration.register("ADA@example.com", PASSWORD, "Impostor")
    (orphan,) = [entry for entry in world.outbox.entries.values() if entry.id not in world.jobs.jobs]
    await world.welcome_mail.send(UserId(orphan.args["user_id"]))
    assert world.mailer.sent == []
    assert await world.outbox.is_done(orphan.id)


async def test_a_mail_server_failure_leaves_the_entry_pending_for_a_retry(world: World) -> None:
    user = await world.registration.register("ada@example.com", PASSWORD, "Ada")
    world.mailer.down = True
    with pytest.raises(UnavailableError):
        await world.welcome_mail.send(user.id)
    assert not await world.outbox.is_done(f"welcome:{user.id}")
    world.mailer.down = False
    await world.welcome_mail.send(user.id)
    assert len(world.mailer.sent) == 1


async def test_login_returns_a_token_that_authenticates_the_account(world: World) -> None:
    user = await world.registration.register("ada@example.com", PASSWORD, "Ada")
    grant = await world.sign_in.login("ADA@example.com", PASSWORD, client=CLIENT)
    assert (await world.session_service.authenticate(grant.access.token)).principal.id == user.id


async def test_unknown_email_wrong_password_and_inactive_fail_alike_and_cost_one_verify(world: World) -> None:
    user = await world.registration.register("ada@example.com", PASSWORD, "Ada")
    stored = await world.users.get(user.id)
    stored.is_active = False
    await world.users.save(stored, fields=frozenset({"is_active"}))
    await world.registration.register("bob@example.com", PASSWORD, "Bob")
    attempts = [
        ("nobody@example.com", PASSWORD),
        ("bob@example.com", "wrong password!!"),
        ("ada@example.com", PASSWORD),
    ]
    for email, password in attempts:
        before = world.hasher.verifications
        with pytest.raises(InvalidCredentialsError) as caught:
            await world.sign_in.login(email, password, client=CLIENT)
        assert str(caught.value) == "Invalid e-mail or password"
        assert world.hasher.verifications == before + 1


async def test_tokens_issued_before_the_cut_off_are_refused(world: World) -> None:
    user = await world.registration.register("ada@example.com", PASSWORD, "Ada")
    grant = await world.sign_in.login("ada@example.com", PASSWORD, client=CLIENT)
    world.clock.advance(seconds=5)
    stored = await world.users.get(user.id)
    stored.tokens_valid_after = world.clock.now()
    await world.users.save(stored, fields=frozenset({"tokens_valid_after"}))
    with pytest.raises(InvalidTokenError):
        await world.session_service.authenticate(grant.access.token)


async def test_create_admin_promotes_an_existing_account_and_keeps_its_password(world: World) -> None:
    user = await world.registration.register("ada@example.com", PASSWORD, "Ada")
    admin = await world.registration.create_admin("ada@example.com", "ignored password", "Ignored")
    assert admin.id == user.id
    assert (await world.users.get(user.id)).role is Role.ADMIN
    assert await world.sign_in.login("ada@example.com", PASSWORD, client=CLIENT)


async def test_create_admin_creates_a_missing_account_as_admin(world: World) -> None:
    admin = await world.registration.create_admin("root@example.com", PASSWORD, "Root")
    assert (await world.users.get(admin.id)).role is Role.ADMIN


async def test_login_rehashes_a_password_hashed_at_an_old_cost(world: World) -> None:
    user = await world.registration.register("ada@example.com", PASSWORD, "Ada")
    old_hash = (await world.users.get(user.id)).password_hash
    world.hasher.cost = 2
    await world.sign_in.login("ada@example.com", PASSWORD, client=CLIENT)
    new_hash = (await world.users.get(user.id)).password_hash
    assert new_hash != old_hash
    assert not world.hasher.needs_rehash(new_hash)
    await world.sign_in.login("ada@example.com", PASSWORD, client=CLIENT)  # the new hash verifies, and stays
    assert (await world.users.get(user.id)).password_hash == new_hash
