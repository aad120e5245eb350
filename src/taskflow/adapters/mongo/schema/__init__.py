"""The collections, one module each: its Beanie document, its name, and its mapping to and from the domain.

A document declares the collection's fields and named indexes (`taskflow migrate` creates
them); the repositories read and write raw BSON through the module's mapping (decision 0005).
"""

from __future__ import annotations

from taskflow.adapters.mongo.schema.audit import AuditDocument
from taskflow.adapters.mongo.schema.change_consumers import ChangeConsumerDocument
from taskflow.adapters.mongo.schema.idempotency_keys import IdempotencyKeyDocument
from taskflow.adapters.mongo.schema.import_uploads import ImportUploadDocument
from taskflow.adapters.mongo.schema.invitations import InvitationDocument
from taskflow.adapters.mongo.schema.jobs import ImportJobDocument
from taskflow.adapters.mongo.schema.memberships import MembershipDocument
from taskflow.adapters.mongo.schema.notifications import (
    MailWindowDocument,
    NotificationDocument,
    NotificationSettingsDocument,
)
from taskflow.adapters.mongo.schema.outbox import OutboxDocument
from taskflow.adapters.mongo.schema.password_resets import PasswordResetDocument
from taskflow.adapters.mongo.schema.projects import ProjectDocument
from taskflow.adapters.mongo.schema.sessions import SessionDocument
from taskflow.adapters.mongo.schema.task_activity import TaskActivityDocument
from taskflow.adapters.mongo.schema.task_directory import TaskDirectoryDocument
from taskflow.adapters.mongo.schema.tasks import TaskDocument
from taskflow.adapters.mongo.schema.users import UserDocument

DOCUMENTS = (
    UserDocument,
    TaskDocument,
    SessionDocument,
    IdempotencyKeyDocument,
    OutboxDocument,
    ImportJobDocument,
    ImportUploadDocument,
    ProjectDocument,
    MembershipDocument,
    InvitationDocument,
    PasswordResetDocument,
    AuditDocument,
    ChangeConsumerDocument,
    TaskActivityDocument,
    TaskDirectoryDocument,
    NotificationDocument,
    NotificationSettingsDocument,
    MailWindowDocument,
)
