"""The MongoDB adapter on a real server (SecantusDB)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from bson import ObjectId
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from taskflow.adapters.mongo.account_records import MongoAccountRecords
from taskflow.adapters.mongo.client import connect, create_indexes
from taskflow.adapters.mongo.errors import duplicates_of
from taskflow.adapters.mongo.idempotency import MongoIdempotencyStore
from taskflow.adapters.mongo.jobs import MongoImportJobRepository
from taskflow.adapters.mongo.migrations import (
    backfill_priority_rank_across_users,
    backfill_task_places_across_users,
    drop_retired_task_indexes,
)
from taskflow.adapters.mongo.outbox import MongoOutbox
from taskflow.adapters.mongo.repositories import MongoSessionRepository
from taskflow.adapters.mongo.schema.idempotency_keys import IdempotencyKeyDocument
from taskflow.adapters.mongo.schema.invitations import InvitationDocument, invitation_to_document
from taskflow.adapters.mongo.schema.memberships import MembershipDocument, membership_to_document
from taskflow.adapters.mongo.schema.outbox import OutboxDocument
from taskflow.adapters.mongo.schema.projects import ProjectDocument, project_to_document
from taskflow.adapters.mongo.schema.sessions import SessionDocument, session_to_document
from taskflow.adapters.mongo.schema.tasks import TaskDocument, task_to_document
from taskflow.adapters.mongo.schema.users import UserDocument, user_to_document
from taskflow.adapters.mongo.task_listing import RETIRED_TASK_INDEXES
from taskflow.adapters.stores.tasks.mongo import MongoTaskRepository
from taskflow.domain.access.roles import ProjectRole
from taskflow.domain.errors import StorageUnavailableError
from taskflow.domain.model.accounts import Session, new_user
from taskflow.domain.model.jobs import ImportJob, JobState
from taskflow.domain.model.projects import Invitation, Membership, Project
from taskflow.domain.model.task_queries import TaskFilter, TaskOrder
from taskflow.domain.model.tasks import Task, TaskDraft
from taskflow.domain.ports.idempotency import RecordedResponse
from taskflow.domain.ports.jobs import OutboxEntry
from taskflow.domain.task_files.rows import ImportFormat
from taskflow.domain.values import Email, Priority, ProjectId, SessionId, TaskId, UserId
from taskflow.settings import Settings
from tests.contract.conftest import own

NOW = datetime(2026, 3, 1, tzinfo=UTC)
ADA = UserId("a" * 24)


async def test_migration_creates_the_declared_indexes_and_is_idempotent(database: AsyncDatabase[Any]) -> None:
    await database.tasks.create_index([("user_id", 1), ("created_at", -1)], name="renamed_since")
    await create_indexes(database)  # a second run changes nothing and does not fail
    users = {ix["name"]: ix async for ix in await database.users.list_indexes()}
    tasks = {ix["name"]: ix async for ix in await database.tasks.list_indexes()}
    assert users["email_unique"]["unique"] is True
    assert dict(users["email_unique"]["key"]) == {"email": 1}
    assert dict(tasks["place_created_at_id"]["key"]) == {"user_id": 1, "project_id": 1, "created_at": 1, "_id": 1}
    assert set(tasks) == {
        "_id_",
        "place_created_at_id",
        "place_updated_at_id",
        "place_due_at_id",
        "place_priority_id",
        "due_at",
    }
    keys = {ix["name"]: ix async for ix in await database.idempotency_keys.list_indexes()}
    assert (dict(keys["user_key"]["key"]), keys["user_key"]["unique"]) == ({"user_id": 1, "key": 1}, True)
    assert (dict(keys["expires_ttl"]["key"]), keys["expires_ttl"]["expireAfterSeconds"]) == ({"expires_at": 1}, 0)
    sessions = {ix["name"]: ix async for ix in await database.refresh_tokens.list_indexes()}
    assert dict(sessions["user"]["key"]) == {"user_id": 1}
    assert dict(sessions["expires_ttl"]["key"]) == {"expires_at": 1}
    assert sessions["expires_ttl"]["expireAfterSeconds"] == 0
    outbox = {ix["name"]: ix async for ix in await database.outbox.list_indexes()}
    assert dict(outbox["state_created"]["key"]) == {"state": 1, "created_at": 1}
    assert (dict(outbox["done_ttl"]["key"]), outbox["done_ttl"]["expireAfterSeconds"]) == ({"done_at": 1}, 604800)


@pytest.mark.usefixtures("database")  # binds the Beanie documents, which validation needs
async def test_the_raw_mapping_agrees_with_the_declared_documents() -> None:
    task = Task.create(TaskId("1" * 24), ADA, TaskDraft(title="x", due_at=NOW, tags=("a",)), now=NOW)
    user = new_user(ADA, Email("ada@example.com"), "Ada", "hash", now=NOW)
    assert TaskDocument.model_validate(task_to_document(task)).title == "x"
    assert UserDocument.model_validate(user_to_document(user)).email == "ada@example.com"
    assert set(task_to_document(task)) - {"_id"} == set(TaskDocument.model_fields) - {"id", "revision_id"}
    assert set(user_to_document(user)) - {"_id"} == set(UserDocument.model_fields) - {"id", "revision_id"}
    session = Session(
        id=SessionId("5" * 32),
        user_id=ADA,
        token_digest="d",
        created_at=NOW,
        refreshed_at=NOW,
        expires_at=NOW,
        ends_at=NOW,
    )
    assert SessionDocument.model_validate(session_to_document(session)).id == "5" * 32
    assert set(session_to_document(session)) - {"_id"} == set(SessionDocument.model_fields) - {"id", "revision_id"}
    project = Project(id=ProjectId("6" * 24), space=ADA, name="Home", owner_id=ADA, created_at=NOW, updated_at=NOW)
    membership = Membership(user_id=ADA, project_id=project.id, space=ADA, role=ProjectRole.OWNER, joined_at=NOW)
    assert ProjectDocument.model_validate(project_to_document(project)).name == "Home"
    assert MembershipDocument.model_validate(membership_to_document(membership)).role == "owner"
    assert set(project_to_document(project)) - {"_id"} == set(ProjectDocument.model_fields) - {"id", "revision_id"}
    assert MembershipDocument.model_validate(membership_to_document(membership)).id == f"{ADA}:{project.id}"
    assert set(membership_to_document(membership)) - {"_id"} == set(MembershipDocument.model_fields) - {
        "id",
        "revision_id",
    }
    invitation = Invitation(
        id="7" * 24,
        project_id=project.id,
        space=ADA,
        project_name="Home",
        email=Email("bob@example.com"),
        role=ProjectRole.EDITOR,
        invited_by=ADA,
        token_digest="d",
        created_at=NOW,
        expires_at=NOW,
    )
    assert InvitationDocument.model_validate(invitation_to_document(invitation)).id == "7" * 24
    assert set(invitation_to_document(invitation)) - {"_id"} == set(InvitationDocument.model_fields) - {
        "id",
        "revision_id",
    }


@pytest.fixture
async def failing_finds(
    database: AsyncDatabase[Any], admin_client: AsyncMongoClient[Any], settings: Settings
) -> AsyncIterator[AsyncDatabase[Any]]:
    """Every find fails as if the server were shutting down, seen through a client of its own.

    After such an error the driver marks the server unknown until its next heartbeat.
    """
    fail_point = {
        "configureFailPoint": "failCommand",
        "mode": "alwaysOn",
        "data": {"failCommands": ["find"], "errorCode": 91, "errorLabels": ["RetryableWriteError"]},
    }
    client: AsyncMongoClient[Any] = connect(settings.mongodb_uri, timeout_seconds=1)
    await admin_client.admin.command(fail_point)
    try:
        yield client[database.name]
    finally:
        await admin_client.admin.command({"configureFailPoint": "failCommand", "mode": "off"})
        await client.close()


async def test_a_server_shutting_down_is_storage_unavailable(failing_finds: AsyncDatabase[Any]) -> None:
    with pytest.raises(StorageUnavailableError) as caught:
        await MongoTaskRepository(failing_finds).get(own(ADA), TaskId("1" * 24))
    assert caught.value.__cause__ is not None  # the driver error is kept as the cause


async def test_a_dropped_connection_during_an_insert_is_retried_once(
    database: AsyncDatabase[Any], admin_client: AsyncMongoClient[Any]
) -> None:
    await admin_client.admin.command(
        {
            "configureFailPoint": "failCommand",
            "mode": {"times": 1},
            "data": {"failCommands": ["insert"], "closeConnection": True},
        }
    )
    task = Task.create(TaskId("2" * 24), ADA, TaskDraft(title="retried"), now=NOW)
    await MongoTaskRepository(database).add(own(ADA), task)
    assert await database.tasks.count_documents({"user_id": task_to_document(task)["user_id"]}) == 1


async def test_migration_replaces_the_space_only_indexes_and_gives_older_tasks_their_place(
    database: AsyncDatabase[Any],
) -> None:
    # A database as issue 17 left it: sort indexes led by user_id alone, tasks with no place fields.
    for name, field in (("user_created_at_id", "created_at"), ("user_priority_id", "priority_rank")):
        await database.tasks.create_index([("user_id", 1), (field, 1), ("_id", 1)], name=name)
    older = task_to_document(Task.create(TaskId("2" * 24), ADA, TaskDraft(title="older"), now=NOW))
    del older["project_id"], older["assignee_id"]
    await database.tasks.insert_one(older)
    assert await drop_retired_task_indexes(database) == ["user_created_at_id", "user_priority_id"]
    assert await backfill_task_places_across_users(database) == 1
    names = {ix["name"] async for ix in await database.tasks.list_indexes()}
    assert not names & set(RETIRED_TASK_INDEXES)
    assert await database.tasks.count_documents({"_id": older["_id"], "project_id": None, "assignee_id": None}) == 1
    assert await database.tasks.count_documents({"project_id": {"$exists": False}}) == 0
    # Idempotent: a second deploy changes nothing.
    assert await drop_retired_task_indexes(database) == []
    assert await backfill_task_places_across_users(database) == 0
    listed = await MongoTaskRepository(database).list_page(own(ADA), TaskFilter(), TaskOrder(), after=None, limit=10)
    assert [task.title for task in listed] == ["older"]


async def test_migration_backfills_the_priority_rank_of_older_tasks(database: AsyncDatabase[Any]) -> None:
    older = task_to_document(
        Task.create(TaskId("2" * 24), ADA, TaskDraft(title="x", priority=Priority.URGENT), now=NOW)
    )
    del older["priority_rank"]
    await database.tasks.insert_one(older)
    await database.tasks.insert_one(task_to_document(Task.create(TaskId("3" * 24), ADA, TaskDraft(title="y"), now=NOW)))
    assert await backfill_priority_rank_across_users(database) == 1
    backfilled = await database.tasks.find_one({"_id": older["_id"]})
    assert backfilled is not None
    assert backfilled["priority_rank"] == 3  # urgent, the top rank
    assert await backfill_priority_rank_across_users(database) == 0


async def test_idempotency_keys_are_stored_as_their_document_declares(database: AsyncDatabase[Any]) -> None:
    store = MongoIdempotencyStore(database)
    await store.claim(ADA, "k", "f", now=NOW, lease_until=NOW, expires_at=NOW)
    await store.complete(ADA, "k", RecordedResponse(status=204, headers=(), body=b""))
    raw = await database.idempotency_keys.find_one({"key": "k"})
    assert raw is not None
    assert set(raw) - {"_id"} == set(IdempotencyKeyDocument.model_fields) - {"id", "revision_id"}
    assert IdempotencyKeyDocument.model_validate(raw).response == {"status": 204, "headers": [], "body": b""}


@pytest.mark.usefixtures("database")  # binds the Beanie documents, which validation needs
async def test_outbox_entries_are_stored_as_their_document_declares(database: AsyncDatabase[Any]) -> None:
    outbox = MongoOutbox(database)
    await outbox.add(OutboxEntry(id="welcome:x", job="send_welcome_mail", args={"user_id": "x"}, created_at=NOW))
    pending = await database.outbox.find_one({"_id": "welcome:x"})
    await outbox.mark_done("welcome:x", at=NOW)
    done = await database.outbox.find_one({"_id": "welcome:x"})
    assert pending is not None
    assert done is not None
    assert set(pending) - {"_id"} == set(OutboxDocument.model_fields) - {"id", "revision_id"}
    assert OutboxDocument.model_validate(pending).state == "pending"
    assert OutboxDocument.model_validate(done).done_at == NOW


async def test_an_accounts_records_are_erased_and_nobody_elses(database: AsyncDatabase[Any]) -> None:
    bob = UserId("b" * 24)
    sessions, keys = MongoSessionRepository(database), MongoIdempotencyStore(database)
    jobs, outbox = MongoImportJobRepository(database), MongoOutbox(database)
    for number, user in enumerate((ADA, bob)):
        await sessions.add(
            Session(
                id=SessionId(f"{number}" * 32),
                user_id=user,
                token_digest="d",
                created_at=NOW,
                refreshed_at=NOW,
                expires_at=NOW,
                ends_at=NOW,
            )
        )
        await keys.claim(user, "k", "f", now=NOW, lease_until=NOW, expires_at=NOW)
        job = ImportJob(
            id=f"job-{number}", owner=user, format=ImportFormat.CSV, dry_run=False, state=JobState.QUEUED,
            created_at=NOW, updated_at=NOW,
        )  # fmt: skip
        await jobs.add(job, b"title\n")
        for entry_id, args in (
            (f"welcome:{user}", {"user_id": user.value}),
            (f"import:{job.id}", {"import_id": job.id}),
            (f"reminder:{number}", {"owner": user.value, "task_id": "t", "due_at": "x"}),
        ):
            await outbox.add(OutboxEntry(id=entry_id, job="j", args=args, created_at=NOW))
    await outbox.add(OutboxEntry(id=f"erase:{ADA}", job="erase_account", args={"user_id": ADA.value}, created_at=NOW))
    assert await MongoAccountRecords(database).erase(ADA, keep_entry=f"erase:{ADA}") == 7
    assert await MongoAccountRecords(database).erase(ADA, keep_entry=f"erase:{ADA}") == 0
    assert await sessions.get(SessionId("0" * 32)) is None
    assert await sessions.get(SessionId("1" * 32)) is not None
    assert await database.idempotency_keys.distinct("user_id") == [ObjectId(bob.value)]
    assert (await jobs.get("job-0"), await jobs.upload("job-0")) == (None, b"")
    assert await jobs.upload("job-1") == b"title\n"
    assert sorted(await database.outbox.distinct("_id")) == sorted(
        [f"erase:{ADA}", f"welcome:{bob}", "import:job-1", "reminder:1"]
    )


def test_a_bulk_write_refused_only_as_duplicates_is_a_replay_and_anything_else_is_raised() -> None:
    """The one reading of an unordered bulk write's failures that insert_new, the directory and imports share."""
    replayed = BulkWriteError({"writeErrors": [{"index": 0, "code": 11000}, {"index": 2, "code": 11000}]})
    assert duplicates_of(replayed) == {0, 2}
    unacknowledged = BulkWriteError({"writeErrors": [], "writeConcernErrors": [{"code": 64, "errmsg": "timed out"}]})
    with pytest.raises(StorageUnavailableError):  # the writes may not last: they must come again
        duplicates_of(unacknowledged)
    refused = BulkWriteError({"writeErrors": [{"index": 1, "code": 11000}, {"index": 3, "code": 121}]})
    with pytest.raises(BulkWriteError):
        duplicates_of(refused)
