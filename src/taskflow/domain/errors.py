"""One shallow error tree; the HTTP adapter maps each class to a status once."""

from __future__ import annotations


class TaskflowError(Exception):
    """Base of every error the domain raises on purpose."""

    code = "taskflow-error"
    title = "The request could not be completed"

    def __init__(self, detail: str | None = None) -> None:
        self.detail = detail or self.title
        super().__init__(self.detail)


class InvalidValueError(TaskflowError):
    """A value breaks a business rule; `field` names it where one field is to blame."""

    code = "invalid-value"
    title = "A value is not valid"

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.field = field


class BadRequestError(TaskflowError):
    """The request itself cannot be read."""

    code = "bad-request"
    title = "Bad request"


class InvalidVerificationTokenError(BadRequestError):
    """An e-mail verification token that is wrong, expired, or for an address the account no longer has."""

    code = "invalid-verification-token"
    title = "This verification token does not work: ask for a new one"


class InvalidResetTokenError(BadRequestError):
    """A password-reset token that is wrong, used already or expired: one answer for all three."""

    code = "invalid-reset-token"
    title = "This password-reset token does not work: ask for a new one"


class InvalidEventIdError(BadRequestError):
    """A Last-Event-ID the live stream did not send to this user, or changed."""

    code = "invalid-event-id"
    title = "Last-Event-ID is not an event id this API sent you"


class BodyTooDeepError(BadRequestError):
    """The body nests more deeply than any valid request does."""

    code = "body-too-deep"
    title = "The request body is nested too deeply"


class NotFoundError(TaskflowError):
    """The thing does not exist, or belongs to someone else: the two look the same."""

    code = "not-found"
    title = "Not found"


class TaskNotFoundError(NotFoundError):
    """No task with this id belongs to this owner."""

    code = "task-not-found"
    title = "Task not found"


class ProjectNotFoundError(NotFoundError):
    """No such project, or the caller is not (or no longer) a member: the two look the same."""

    code = "project-not-found"
    title = "Project not found"


class InvitationNotFoundError(NotFoundError):
    """No open invitation with this token for the signed-in account's e-mail: used, expired or never made."""

    code = "invitation-not-found"
    title = "Invitation not found"


class MemberNotFoundError(NotFoundError):
    """The user named is not a member of this project."""

    code = "member-not-found"
    title = "Member not found"


class JobNotFoundError(NotFoundError):
    """No job with this id belongs to this user."""

    code = "job-not-found"
    title = "Job not found"


class UserNotFoundError(NotFoundError):
    """No user with this id exists."""

    code = "user-not-found"
    title = "User not found"


class ConflictError(TaskflowError):
    """The request clashes with the current state."""

    code = "conflict"
    title = "Conflict"


class EmailAlreadyVerifiedError(ConflictError):
    """Nothing to verify: the account's address is verified already."""

    code = "email-already-verified"
    title = "Your e-mail address is verified already"


class LastAdminError(ConflictError):
    """The only active admin cannot delete their account: nobody could administer taskflow after."""

    code = "last-admin"
    title = "You are the last admin: make another admin first"


class OwnerMustTransferError(ConflictError):
    """A project always has its owner: they hand it on before they leave."""

    code = "owner-must-transfer"
    title = "Transfer the project to another member before you leave it"


class MemberLimitError(ConflictError):
    """A project has at most 50 members."""

    code = "member-limit"
    title = "The project has as many members as one project may"


class ProjectLimitError(ConflictError):
    """A user may be in at most 500 projects, owned or joined."""

    code = "project-limit"
    title = "You are in as many projects as one account may be"


class EmailAlreadyRegisteredError(ConflictError):
    """An account with this e-mail address exists already."""

    code = "email-taken"
    title = "E-mail address already registered"


class TaskIdTakenError(ConflictError):
    """A task with this id exists already: a retried create whose first attempt landed."""

    code = "task-exists"
    title = "The task exists already"


class RequestInProgressError(ConflictError):
    """A request with this idempotency key is still running; retry after `retry_after` seconds."""

    code = "idempotency-key-in-use"
    title = "A request with this Idempotency-Key is still being processed"
    retry_after = 1


class SelfLockoutError(ConflictError):
    """An admin may not demote or deactivate their own account."""

    code = "self-lockout"
    title = "You cannot remove your own admin access"


class TaskChangingTooFastError(ConflictError):
    """Every compare-and-set of an update lost to another writer."""

    code = "task-busy"
    title = "The task kept changing while this update was applied; retry"


class InvalidCursorError(InvalidValueError):
    """A listing cursor that is forged, altered, or made for another user, order or filter."""

    code = "invalid-cursor"
    title = "The cursor is not one this listing handed out"


class IdempotencyKeyReusedError(InvalidValueError):
    """The key was first used for another request: keys are one per operation."""

    code = "idempotency-key-reused"
    title = "This Idempotency-Key was used for a different request"

    def __init__(self) -> None:
        super().__init__(
            "the Idempotency-Key was first sent with another method, path or body; use a new key",
            field="Idempotency-Key",
        )


class PreconditionFailedError(TaskflowError):
    """The client's `If-Match` names a version that is no longer the current one."""

    code = "precondition-failed"
    title = "The resource has changed since you read it"


class UnauthenticatedError(TaskflowError):
    """The caller did not prove who it is."""

    code = "unauthenticated"
    title = "Authentication required"


class InvalidCredentialsError(UnauthenticatedError):
    """E-mail or password is wrong, or the account is inactive: one answer for all three."""

    code = "invalid-credentials"
    title = "Invalid e-mail or password"


class InvalidTokenError(UnauthenticatedError):
    """The bearer token is missing, malformed, expired or revoked."""

    code = "invalid-token"
    title = "Invalid or expired token"


class InvalidRefreshTokenError(UnauthenticatedError):
    """The refresh token is unknown, spent, expired or its session was ended."""

    code = "invalid-refresh-token"
    title = "Invalid or expired refresh token"


class ForbiddenError(TaskflowError):
    """The caller is known but may not do this."""

    code = "forbidden"
    title = "Forbidden"


class TooManyRequestsError(TaskflowError):
    """A rate limit is spent; `retry_after` says in how many seconds it refills."""

    code = "too-many-requests"
    title = "Too many requests"

    def __init__(self, *, retry_after: int, detail: str | None = None) -> None:
        super().__init__(detail)
        self.retry_after = max(1, retry_after)


class CrossSiteRequestError(ForbiddenError):
    """A request that spends the web page's session cookie, sent from another site or by no page of ours."""

    code = "cross-site-request"
    title = "This request must come from taskflow's own page"


class WrongPasswordError(ForbiddenError):
    """The current password given to confirm a change is wrong; the token itself is fine."""

    code = "wrong-password"
    title = "The current password is wrong"


class UnavailableError(TaskflowError):
    """A dependency did not answer in time; the client may retry."""

    code = "unavailable"
    title = "Service temporarily unavailable"


class DrainingError(UnavailableError):
    """The process is stopping: a long-lived request (a live stream) goes to another one."""

    code = "draining"
    title = "This server is stopping: reconnect, another one will serve the stream"


class StorageUnavailableError(UnavailableError):
    """The database did not answer within the request's deadline."""

    code = "storage-unavailable"
    title = "Storage temporarily unavailable"
