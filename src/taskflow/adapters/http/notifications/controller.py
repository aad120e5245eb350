"""Your notifications: the inbox newest first, the unread count, marking read, and how each kind reaches you."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Final

from litestar import Controller, Request, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery, JSONBody, Parameter
from litestar.status_codes import HTTP_200_OK

from taskflow.adapters.http.dependencies import Caller, app_state
from taskflow.adapters.http.edge.cursors import decode_cursor, encode_cursor
from taskflow.adapters.http.notifications.schemas import (
    MarkRead,
    NotificationPageResponse,
    NotificationResponse,
    NotificationSettingsPatch,
    NotificationSettingsResponse,
    UnreadCount,
)
from taskflow.adapters.http.openapi.operations import documented
from taskflow.adapters.http.openapi.problem_answers import problem_responses
from taskflow.domain.errors import InvalidValueError
from taskflow.domain.model.notifications import NOTIFICATION_PAGE_MAX, InboxPosition
from taskflow.domain.services.notifications import InboxService

_MILLIS_BYTES: Final = 8
_ID_BYTES: Final = 12


def provide_inbox(request: Request[Any, Any, Any]) -> InboxService:
    return app_state(request).services.inbox


def _encode(position: InboxPosition) -> str:
    millis = int(position.at.timestamp() * 1000)
    return encode_cursor(millis.to_bytes(_MILLIS_BYTES, "big") + bytes.fromhex(position.id))


def _decode(cursor: str) -> InboxPosition:
    raw = decode_cursor(cursor, length=_MILLIS_BYTES + _ID_BYTES)
    millis = int.from_bytes(raw[:_MILLIS_BYTES], "big")
    try:
        at = datetime.fromtimestamp(millis / 1000, UTC)
    except (OverflowError, ValueError, OSError) as error:
        msg = "cursor is not one this API handed out"
        raise InvalidValueError(msg, field="cursor") from error
    return InboxPosition(at, raw[_MILLIS_BYTES:].hex())


class NotificationRoutes(Controller):
    """What both controllers declare: the tag, the security, and the inbox service."""

    tags = ["notifications"]  # noqa: RUF012 - Litestar's declared attribute type
    security = [{"BearerToken": []}]  # noqa: RUF012 - Litestar's declared attribute type
    dependencies = {"inbox": Provide(provide_inbox, sync_to_thread=False)}  # noqa: RUF012 - Litestar's type


class NotificationsController(NotificationRoutes):
    path = "/api/v1/notifications"

    @get(
        "",
        operation_id="listNotifications",
        operation_class=documented(),
        summary="Your notifications, newest first",
        description="What happened that concerns you: a task assigned to you, a change to one assigned to you by "
        "someone else, a new role in a project or your removal from one, a task coming due. Made in the "
        "background a moment after the change; never of your own actions, never of a project you are no longer in. "
        "`unread=true` lists the unread only. New ones also arrive on `GET /tasks/events` as "
        "`notification.created`. Pages follow `next_cursor`.",
        responses=problem_responses(400, 401, 422, 503),
    )
    async def list_notifications(
        self,
        *,
        request: Caller,
        inbox: NamedDependency[InboxService],
        unread: FromQuery[bool] = False,
        limit: Annotated[int, Parameter(ge=1, le=NOTIFICATION_PAGE_MAX)] = 20,
        cursor: Annotated[str | None, Parameter(max_length=40)] = None,
    ) -> NotificationPageResponse:
        page = await inbox.page(
            request.user, unread_only=unread, after=_decode(cursor) if cursor else None, limit=limit
        )
        return NotificationPageResponse(
            items=[NotificationResponse.of(item, page.names) for item in page.items],
            next_cursor=None if page.next_after is None else _encode(page.next_after),
        )

    @get(
        "/unread-count",
        operation_id="countUnreadNotifications",
        operation_class=documented(),
        summary="How many of your notifications are unread",
        responses=problem_responses(401, 503),
    )
    async def unread_count(self, request: Caller, inbox: NamedDependency[InboxService]) -> UnreadCount:
        return UnreadCount(await inbox.unread_count(request.user))

    @post(
        "/read",
        operation_id="markNotificationsRead",
        operation_class=documented(),
        status_code=HTTP_200_OK,
        summary="Mark notifications read",
        description="`ids`: these (ids that are not yours, or not any, change nothing); or `up_to`: this one and "
        "every older one (one that is not yours is a 422). Answers how many stay unread.",
        responses=problem_responses(400, 401, 413, 415, 422, 503),
    )
    async def mark_read(
        self, data: JSONBody[MarkRead], request: Caller, inbox: NamedDependency[InboxService]
    ) -> UnreadCount:
        if (data.ids is None) == (data.up_to is None):
            msg = "send either ids or up_to"
            raise InvalidValueError(msg, field="ids" if data.ids is None else "up_to")
        if data.ids is not None:
            return UnreadCount(await inbox.mark_read(request.user, data.ids))
        assert data.up_to is not None  # noqa: S101 - checked above
        return UnreadCount(await inbox.mark_read_up_to(request.user, data.up_to))


class NotificationSettingsController(NotificationRoutes):
    path = "/api/v1/users/me/notification-settings"

    @get(
        "",
        operation_id="getNotificationSettings",
        operation_class=documented(),
        summary="How each kind of notification reaches you",
        description="Per kind, whether it goes to your inbox and by mail. Unless you chose otherwise: every kind "
        "to the inbox, assignments and due dates by mail too. Mail goes at once for the first notification, and "
        "the ones that follow within five minutes come together in one digest at the end of them.",
        responses=problem_responses(401, 503),
    )
    async def get_settings(self, request: Caller, inbox: NamedDependency[InboxService]) -> NotificationSettingsResponse:
        return NotificationSettingsResponse.of(await inbox.settings(request.user))

    @patch(
        "",
        operation_id="updateNotificationSettings",
        operation_class=documented(),
        summary="Choose how each kind of notification reaches you",
        description="A merge patch: kinds and channels left out stay as they are. Applies to notifications made "
        "from now on. Both channels off: that kind is not kept at all.",
        responses=problem_responses(400, 401, 413, 415, 422, 503),
    )
    async def update_settings(
        self, data: JSONBody[NotificationSettingsPatch], request: Caller, inbox: NamedDependency[InboxService]
    ) -> NotificationSettingsResponse:
        return NotificationSettingsResponse.of(await inbox.change_settings(request.user, data.changes()))
