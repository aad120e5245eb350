"""Creates with a request key: a retry after an unknown outcome finds what the first made, never a second."""

from __future__ import annotations

from taskflow.domain.access.principal import Principal
from taskflow.domain.access.roles import ProjectRole
from taskflow.domain.task_files.rows import ImportFormat
from taskflow.domain.values import Role, UserId
from tests.unit.conftest import World

ADA = Principal(UserId("a" * 24), Role.USER)


async def test_a_keyed_project_is_made_once_and_a_retry_after_a_half_made_one_finishes_it(world: World) -> None:
    first = await world.project_service.create(ADA, "Home", request_key="k1")
    again = await world.project_service.create(ADA, "Home", request_key="k1")
    assert again.project == first.project
    assert len(await world.project_service.mine(ADA)) == 1
    # The project stored, the owner's membership not (the first attempt died between them).
    other = (await world.project_service.create(ADA, "Work", request_key="k2")).project
    del world.memberships.memberships[ADA.id, other.id]
    world.membership_gate.lose_data()  # as the gate would be told of a membership that never was
    finished = await world.project_service.create(ADA, "Work", request_key="k2")
    assert (finished.project.id, finished.role) == (other.id, ProjectRole.OWNER)
    assert [view.project.name for view in await world.project_service.mine(ADA)] == ["Home", "Work"]
    assert (await world.project_service.create(ADA, "Home")).project.id != first.project.id  # unkeyed: a new one


async def test_a_keyed_invitation_is_sent_once(world: World) -> None:
    project = (await world.project_service.create(ADA, "Home")).project.id
    first = await world.invitation_service.invite(ADA, project, "bob@example.com", ProjectRole.VIEWER, request_key="k")
    again = await world.invitation_service.invite(ADA, project, "bob@example.com", ProjectRole.VIEWER, request_key="k")
    assert again == first
    assert list(world.invitations.invitations) == [first.id]
    assert len([entry for entry in world.outbox.entries if entry.startswith("invitation:")]) == 1


async def test_a_keyed_import_starts_once(world: World) -> None:
    upload = b"title\nOne\n"
    first = await world.imports.submit(ADA.id, upload, ImportFormat.CSV, dry_run=False, request_key="k")
    again = await world.imports.submit(ADA.id, upload, ImportFormat.CSV, dry_run=False, request_key="k")
    assert again == first
    assert list(world.import_jobs.jobs) == [first.id]
    other = await world.imports.submit(UserId("b" * 24), upload, ImportFormat.CSV, dry_run=False, request_key="k")
    assert other.id != first.id  # keys are per person
