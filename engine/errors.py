"""Domain errors: each says what was wrong and what to do; only webapp maps them to HTTP."""
from __future__ import annotations

from typing import Any


class CaseworksError(Exception):
    code = "error"

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(CaseworksError):
    code = "not_found"


class CaseNotFound(NotFound):
    code = "case_not_found"


class WorkItemNotFound(NotFound):
    code = "work_item_not_found"


class ValidationFailed(CaseworksError):
    """Input does not satisfy a schema; details carries field-level errors."""

    code = "validation_failed"


class InvalidDocument(ValidationFailed):
    """An upload that is not a document we can read (empty, a program, an unsupported type)."""

    code = "invalid_document"


class DocumentTooLarge(CaseworksError):
    code = "document_too_large"


class Conflict(CaseworksError):
    code = "conflict"


class TaskAlreadyClaimed(Conflict):
    code = "task_already_claimed"


class StaleWorkItem(Conflict):
    code = "stale_work_item"


class IdempotencyConflict(Conflict):
    code = "idempotency_conflict"


class NoSuchMessage(Conflict):
    code = "no_waiting_message"


class ConcurrentUpdate(Conflict):
    code = "concurrent_update"


class PermissionDenied(CaseworksError):
    code = "forbidden"


class FourEyesViolation(PermissionDenied):
    code = "four_eyes_violation"


class AuthenticationRequired(CaseworksError):
    code = "unauthorized"


class ProcessError(CaseworksError):
    """A process definition is invalid or a step failed; the case stays retryable."""

    code = "process_error"


class ServiceTaskFailed(ProcessError):
    code = "service_task_failed"


class DatabaseNotMigrated(CaseworksError):
    code = "database_not_migrated"


class TooManyAttempts(CaseworksError):
    """Too many failed sign-ins for a user name or from one address; ``retry_after`` seconds until the next."""

    code = "too_many_attempts"

    def __init__(self, message: str, retry_after: int, details: Any = None) -> None:
        super().__init__(message, details)
        self.retry_after = retry_after


class ServiceBusy(CaseworksError):
    """A bounded resource (password hashing) stayed busy too long; the same request later will work."""

    code = "busy"
    retry_after = 5
