"""The records an account leaves in MongoDB besides itself, its tasks and its memberships."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bson import ObjectId
from pymongo import ReadPreference

from taskflow.adapters.mongo.errors import translate_errors
from taskflow.adapters.mongo.schema.idempotency_keys import IDEMPOTENCY_KEYS
from taskflow.adapters.mongo.schema.import_uploads import IMPORT_UPLOADS
from taskflow.adapters.mongo.schema.jobs import JOBS
from taskflow.adapters.mongo.schema.notifications import MAIL_WINDOWS, NOTIFICATION_SETTINGS, NOTIFICATIONS
from taskflow.adapters.mongo.schema.outbox import OUTBOX
from taskflow.adapters.mongo.schema.password_resets import PASSWORD_RESETS
from taskflow.adapters.mongo.schema.sessions import SESSIONS
from taskflow.domain.ports.accounts import AccountRecords

if TYPE_CHECKING:
    from pymongo.asynchronous.database import AsyncDatabase

    from taskflow.adapters.mongo.raw import Raw
    from taskflow.domain.values import UserId


class MongoAccountRecords(AccountRecords):
    """Each step is one delete by the account's id, so running it again after a crash finishes the job."""

    def __init__(self, database: AsyncDatabase[Raw]) -> None:
        self._database = database.with_options(read_preference=ReadPreference.PRIMARY)

    async def erase(self, user_id: UserId, *, keep_entry: str) -> int:
        owner = {"user_id": ObjectId(user_id.value)}
        erased = 0
        with translate_errors():
            jobs = [raw["_id"] async for raw in self._database[JOBS].find(owner, {"_id": 1})]
            # Uploads first: a job whose upload is gone is still found (and erased) by a second run.
            erased += (await self._database[IMPORT_UPLOADS].delete_many({"_id": {"$in": jobs}})).deleted_count
            for collection in (JOBS, SESSIONS, IDEMPOTENCY_KEYS, PASSWORD_RESETS, NOTIFICATIONS):
                erased += (await self._database[collection].delete_many(owner)).deleted_count
            for collection in (NOTIFICATION_SETTINGS, MAIL_WINDOWS):
                erased += (await self._database[collection].delete_one({"_id": owner["user_id"]})).deleted_count
            naming = {
                "$or": [
                    {"args.user_id": user_id.value},
                    {"args.owner": user_id.value},
                    {"args.import_id": {"$in": jobs}},
                ]
            }
            outbox = await self._database[OUTBOX].delete_many({**naming, "_id": {"$ne": keep_entry}})
            erased += outbox.deleted_count
        return erased
