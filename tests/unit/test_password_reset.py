"""Password reset on fakes: the same answer for any address, a token that works once for 30 minutes."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from taskflow.domain.errors import (
    InvalidCredentialsError,
    InvalidResetTokenError,
    InvalidValueError,
    TooManyRequestsError,
)
from taskflow.domain.model.accounts import User
from taskflow.domain.services.mail import PASSWORD_RESET_JOB
from taskflow.domain.values import Role
from tests.unit.conftest import SETTINGS, World, as_principal

PASSWORD, NEW = "a long enough password", "another long enough password"


async def _run_jobs(world: World) -> None:
    """What the worker does with the reset jobs queued so far."""
    for job_id, (job, args) in list(world.jobs.jobs.items()):
        if job == PASSWORD_RESET_JOB:
            await world.password_reset_mail.send(
                args["reset_id"], args["email"], datetime.fromisoformat(args["requested_at"])
            )
            del world.jobs.jobs[job_id]


def _token(world: World) -> str:
    found = re.search(r'"token": "([\w-]+)"', world.mailer.sent[-1].text)
    assert found is not None
    return found.group(1)


async def test_a_mailed_token_sets_a_new_password_once_and_ends_every_session(world: World) -> None:
    ada = await world.registration.register("ada@example.com", PASSWORD, "Ada")
    await world.sign_in.login("ada@example.com", PASSWORD, client="c")
    await world.password_reset.request("Ada@Example.com", client="c")
    await _run_jobs(world)
    mail = world.mailer.sent[-1]
    assert (mail.to, mail.subject) == ("ada@example.com", "Reset your taskflow password")
    token = _token(world)
    assert all(token not in repr(reset) for reset in world.password_resets.resets.values())  # only its digest
    await world.password_reset_completion.confirm(token, NEW, client="c")
    assert all(session.revoked_at is not None for session in world.sessions.by_id.values())
    assert world.gate.entries[ada.id]["cut"] >= world.clock.now()  # type: ignore[operator]  # every access token ends too
    with pytest.raises(InvalidCredentialsError):
        await world.sign_in.login("ada@example.com", PASSWORD, client="c")
    await world.sign_in.login("ada@example.com", NEW, client="c")
    with pytest.raises(InvalidResetTokenError):
        await world.password_reset_completion.confirm(token, "yet another long password", client="c")


async def test_any_address_gets_the_same_answer_and_steps_and_only_an_active_account_a_mail(world: World) -> None:
    await world.registration.register("ada@example.com", PASSWORD, "Ada")
    off = await world.registration.register("off@example.com", PASSWORD, "Off")
    await world.admin.update_user(as_principal(await _admin(world)), off.id, is_active=False)
    sent = len(world.mailer.sent)
    for address in ("nobody@example.com", "off@example.com", "ada@example.com"):
        before = dict(world.jobs.jobs)
        await world.password_reset.request(address, client="c")
        (queued,) = [value for key, value in world.jobs.jobs.items() if key not in before]
        assert (queued[0], sorted(queued[1])) == (PASSWORD_RESET_JOB, ["email", "requested_at", "reset_id"])
    await _run_jobs(world)
    assert [mail.to for mail in world.mailer.sent[sent:]] == ["ada@example.com"]
    assert len(world.password_resets.resets) == 1


async def test_a_token_works_for_30_minutes_from_the_asking(world: World) -> None:
    await world.registration.register("ada@example.com", PASSWORD, "Ada")
    await world.password_reset.request("ada@example.com", client="c")
    await _run_jobs(world)
    world.clock.advance(minutes=30)
    with pytest.raises(InvalidResetTokenError):
        await world.password_reset_completion.confirm(_token(world), NEW, client="c")
    sent = len(world.mailer.sent)
    await world.password_reset.request("ada@example.com", client="c")
    world.clock.advance(minutes=31)  # the worker was down for longer than the token would live
    await _run_jobs(world)
    assert len(world.mailer.sent) == sent


async def test_a_refused_password_leaves_the_token_working_and_a_used_one_voids_the_others(world: World) -> None:
    await world.registration.register("ada@example.com", PASSWORD, "Ada")
    await world.password_reset.request("ada@example.com", client="c")
    await _run_jobs(world)
    first = _token(world)
    await world.password_reset.request("ada@example.com", client="c")
    await _run_jobs(world)
    second = _token(world)
    with pytest.raises(InvalidValueError):
        await world.password_reset_completion.confirm(second, "short", client="c")
    await world.password_reset_completion.confirm(second, NEW, client="c")
    with pytest.raises(InvalidResetTokenError):
        await world.password_reset_completion.confirm(first, "yet another long password", client="c")
    with pytest.raises(InvalidResetTokenError):
        await world.password_reset_completion.confirm("not-a-token", "yet another long password", client="c")


async def test_asking_is_limited_per_address_asked_about_and_per_client(world: World) -> None:
    limits = SETTINGS.rate_limits
    for _ in range(limits.resets_per_account.count):
        await world.password_reset.request("nobody@example.com", client="one")
    with pytest.raises(TooManyRequestsError):
        await world.password_reset.request("nobody@example.com", client="two")
    spent = limits.resets_per_account.count
    for number in range(limits.resets_per_address.count - spent):
        await world.password_reset.request(f"p{number}@example.com", client="one")
    with pytest.raises(TooManyRequestsError):  # confirmations count against the same budget
        await world.password_reset_completion.confirm("anything", NEW, client="one")


async def _admin(world: World) -> User:
    root = await world.registration.register("root@example.com", PASSWORD, "Root")
    root.role = Role.ADMIN
    await world.users.save(root, fields=frozenset({"role"}))
    return root
