"""The audit trail on the real stack: entries with the client address and request id, read by admins only."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from bson import ObjectId
from pymongo import AsyncMongoClient, ReadPreference

from taskflow.entrypoints.migration import migrate
from taskflow.settings import Settings
from tests.api.conftest import Account, Register, assert_problem, new_account, serve

AUDIT = "/api/v1/admin/audit"


async def test_a_failed_sign_in_and_a_role_change_are_found_by_filters_with_address_and_request_id(
    client: httpx.AsyncClient, register: Register, make_admin: Callable[[], Awaitable[Account]]
) -> None:
    root, ada = await make_admin(), await register()
    await asyncio.sleep(0.05)
    started = datetime.now(UTC)
    wrong = {"email": ada.email, "password": "not the password, but long"}
    failed = await client.post("/api/v1/auth/login", json=wrong, headers={"X-Request-ID": "audit-test-0001"})
    assert failed.status_code == 401
    promoted = await client.patch(f"/api/v1/admin/users/{ada.id}", json={"role": "admin"}, headers=root.auth)
    assert promoted.status_code == 200

    page = await client.get(AUDIT, params={"target": ada.id, "kind": "sign_in_failed"}, headers=root.auth)
    ((entry,),) = [page.json()["items"]]
    assert (entry["actor_id"], entry["target_id"], entry["address"]) == (None, ada.id, "127.0.0.1")
    assert (entry["request_id"], entry["detail"]) == ("audit-test-0001", {"email": ada.email})
    changed = await client.get(AUDIT, params={"actor": root.id, "kind": "role_changed"}, headers=root.auth)
    assert [(e["target_id"], e["detail"]) for e in changed.json()["items"]] == [
        (ada.id, {"before": "user", "after": "admin"})
    ]
    in_window = {"target": ada.id, "since": started.isoformat(), "until": datetime.now(UTC).isoformat()}
    kinds = [e["kind"] for e in (await client.get(AUDIT, params=in_window, headers=root.auth)).json()["items"]]
    # Newest first: the first read above (it asked for Ada's entries), the change, the failure; the
    # account was made before `started`.
    assert kinds == ["admin_read_audit", "role_changed", "sign_in_failed"]
    reads = await client.get(AUDIT, params={"actor": root.id, "kind": "admin_read_audit"}, headers=root.auth)
    assert len(reads.json()["items"]) == 3  # the three reads above


async def test_pages_follow_the_cursor_and_bad_filters_and_callers_are_refused(
    client: httpx.AsyncClient, register: Register, make_admin: Callable[[], Awaitable[Account]]
) -> None:
    root = await make_admin()
    users = [await register() for _ in range(3)]
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"kind": "account_created", "limit": 2, **({"cursor": cursor} if cursor else {})}
        body = (await client.get(AUDIT, params=params, headers=root.auth)).json()
        seen += [e["target_id"] for e in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen.index(users[2].id) < seen.index(users[1].id) < seen.index(users[0].id)  # newest first
    assert len(seen) == len(set(seen))
    for bad in ({"cursor": "nope"}, {"actor": "x"}, {"kind": "nothing"}, {"limit": 0}, {"since": "yesterday"}):
        assert_problem(await client.get(AUDIT, params=bad, headers=root.auth), 422)
    assert_problem(await client.get(AUDIT, headers=users[0].auth), 403, "forbidden")
    assert_problem(await client.get(AUDIT), 401)


async def test_entries_are_kept_for_the_configured_retention_and_then_removed_by_the_ttl_index(
    settings: Settings,
) -> None:
    """The TTL index removes an entry once its `expires_at` (its time plus TASKFLOW_AUDIT_RETENTION_DAYS) passes."""
    kept_for = dataclasses.replace(settings, audit_retention_days=3)
    await migrate(kept_for)
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(settings.mongodb_uri)
    audit = mongo[settings.mongodb_database].get_collection("audit", read_preference=ReadPreference.PRIMARY)
    try:
        indexes = {index["name"]: index async for index in await audit.list_indexes()}
        assert (dict(indexes["expires_ttl"]["key"]), indexes["expires_ttl"]["expireAfterSeconds"]) == (
            {"expires_at": 1},
            0,
        )
        async with serve(kept_for) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
            ada, bob = await new_account(client), await new_account(client)
        entries: dict[str, dict[str, Any]] = {}
        for account in (ada, bob):
            entry = await audit.find_one({"target": ObjectId(account.id), "kind": "account_created"})
            assert entry is not None
            assert entry["expires_at"] - entry["at"] == timedelta(days=3)
            entries[account.id] = entry
        # Three days pass for Ada's entry: the next TTL pass (forced here, not waited for) removes it alone.
        await audit.update_one({"_id": entries[ada.id]["_id"]}, {"$set": {"expires_at": datetime.now(UTC)}})
        assert (await mongo.admin.command({"secantusAdmin.pruneTtl": 1}))["pruned"] >= 1
        assert await audit.find_one({"_id": entries[ada.id]["_id"]}) is None
        assert await audit.find_one({"_id": entries[bob.id]["_id"]}) is not None
    finally:
        await mongo.close()
