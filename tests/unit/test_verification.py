"""E-mail verification on fakes: a signed token, nothing stored, 7 days, bound to the address."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from taskflow.domain.errors import EmailAlreadyVerifiedError, InvalidVerificationTokenError, TooManyRequestsError
from taskflow.domain.model.accounts import User
from taskflow.domain.services.mail import VERIFICATION_JOB
from taskflow.domain.values import Email
from tests.unit.conftest import SETTINGS, World

PASSWORD = "a long enough password"


def _token(world: World) -> str:
    found = re.search(r'"token": "([\w.-]+)"', world.mailer.sent[-1].text)
    assert found is not None
    return found.group(1)


async def _welcomed(world: World, name: str = "ada") -> User:
    user = await world.registration.register(f"{name}@example.com", PASSWORD, name.title())
    await world.welcome_mail.send(user.id)
    return user


async def test_the_welcome_mail_carries_a_token_that_verifies_the_address_and_again_changes_nothing(
    world: World,
) -> None:
    ada = await _welcomed(world)
    assert not (await world.users.get(ada.id)).email_verified
    token = _token(world)
    await world.verification.verify(token)
    assert (await world.users.get(ada.id)).email_verified
    await world.verification.verify(token)
    assert (await world.users.get(ada.id)).email_verified
    with pytest.raises(EmailAlreadyVerifiedError):
        await world.verification.request(await world.users.get(ada.id))


async def test_a_wrong_tampered_or_expired_token_is_one_error(world: World) -> None:
    ada = await _welcomed(world)
    await _welcomed(world, "bob")
    bobs = _token(world)
    token = f"{ada.id}.{bobs.split('.')[1]}.{bobs.split('.')[2]}"  # Bob's signature on Ada's id
    user_part, issued, mac = _token_of(world, ada).split(".")
    for wrong in (
        "nonsense",
        "a.b.c",
        token,
        f"{user_part}.{int(issued) + 1}.{mac}",  # a later issue date, to live longer
        f"{'f' * 24}.{issued}.{mac}",
    ):
        with pytest.raises(InvalidVerificationTokenError):
            await world.verification.verify(wrong)
    world.clock.advance(days=7)
    with pytest.raises(InvalidVerificationTokenError):
        await world.verification.verify(_token_of(world, ada))
    assert not (await world.users.get(ada.id)).email_verified


async def test_a_token_for_an_address_the_account_no_longer_has_does_not_verify_it(world: World) -> None:
    ada = await _welcomed(world)
    token = _token(world)
    stored = await world.users.get(ada.id)
    stored.email = Email("ada@elsewhere.example")
    await world.users.save(stored, fields=frozenset({"email"}))
    with pytest.raises(InvalidVerificationTokenError):
        await world.verification.verify(token)


async def test_asking_again_mails_a_new_token_a_few_times_an_hour(world: World) -> None:
    ada = await _welcomed(world)
    for _ in range(SETTINGS.rate_limits.verifications_per_user.count):
        await world.verification.request(ada)
        world.clock.advance(seconds=1)
    with pytest.raises(TooManyRequestsError):
        await world.verification.request(ada)
    jobs = [args for job, args in world.jobs.jobs.values() if job == VERIFICATION_JOB]
    assert len(jobs) == SETTINGS.rate_limits.verifications_per_user.count
    await world.verification.send(ada.id, datetime.fromisoformat(jobs[-1]["issued_at"]))
    assert world.mailer.sent[-1].subject == "Confirm your e-mail address for taskflow"
    await world.verification.verify(_token(world))
    assert (await world.users.get(ada.id)).email_verified


def _token_of(world: World, user: User) -> str:
    """The welcome mail's token of `user` (the last mail to them)."""
    mail = next(mail for mail in reversed(world.mailer.sent) if mail.to == user.email.value)
    found = re.search(r'"token": "([\w.-]+)"', mail.text)
    assert found is not None
    return found.group(1)
