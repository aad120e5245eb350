"""SMTP to the real sink, and the real arq worker sending the welcome mail exactly once."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from taskflow.adapters.jobs.queue import connect as connect_queue
from taskflow.adapters.mail.smtp import SmtpMailer
from taskflow.bootstrap import build_services, open_ports
from taskflow.domain.errors import UnavailableError
from taskflow.domain.ports.mail import MailMessage
from taskflow.entrypoints.processes import Child, free_port
from taskflow.settings import Settings
from tests.conftest import mail_messages, run_worker_until_idle

MESSAGE = MailMessage(
    to="ada@example.com", subject="Hi", text="plain body", html="<p>html body</p>", message_id="<m1@taskflow.local>"
)


async def test_a_mail_arrives_with_both_parts_and_its_message_id(mail_sink: tuple[Child, Path]) -> None:
    sink, directory = mail_sink
    await SmtpMailer(sink.url).send(MESSAGE)
    (message,) = mail_messages(directory)
    assert message["Message-ID"] == "<m1@taskflow.local>"
    assert message["To"] == "ada@example.com"
    assert message.get_body(("plain",)).get_content().strip() == "plain body"  # type: ignore[union-attr]
    assert message.get_body(("html",)).get_content().strip() == "<p>html body</p>"  # type: ignore[union-attr]


async def test_an_unreachable_mail_server_is_unavailable() -> None:
    with pytest.raises(UnavailableError):
        await SmtpMailer(f"smtp://127.0.0.1:{free_port()}", timeout_seconds=2).send(MESSAGE)


async def test_the_worker_sends_one_welcome_mail_however_often_it_is_enqueued(
    settings: Settings, mail_sink: tuple[Child, Path], database: AsyncDatabase[Any]
) -> None:
    sink, directory = mail_sink
    worker_config = dataclasses.replace(settings, smtp_url=sink.url, mongodb_database=database.name)
    async with open_ports(worker_config) as ports:
        services = build_services(ports, worker_config)
        pool = connect_queue(worker_config.redis_url, timeout_seconds=1)
        # The session's Redis holds jobs other tests deferred: a burst worker would wait them out.
        await pool.flushdb()
        # Registration enqueues the job; enqueueing it again with its id must not send twice.
        user = await services.registration.register("ada@example.com", "a long enough password", "Ada")
        try:
            await ports.jobs.enqueue("send_welcome_mail", {"user_id": user.id.value}, job_id=f"welcome:{user.id}")
            await run_worker_until_idle(worker_config, pool)
        finally:
            await pool.flushdb()
            await pool.aclose()
    (message,) = mail_messages(directory)
    assert message["To"] == "ada@example.com"
    assert message["Message-ID"] == f"<welcome.{user.id}@taskflow.local>"
