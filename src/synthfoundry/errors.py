"""Domain errors.

Services raise these; the API maps each one to an HTTP status exactly once (``api/problems.py``),
the CLI prints them, and library users catch them. Nothing outside ``api/`` knows about HTTP.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar


class SynthfoundryError(Exception):
    """Base of every error this package raises on purpose."""

    code: ClassVar[str] = "error"
    title: ClassVar[str] = "Error"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(SynthfoundryError):
    code = "not_found"
    title = "Not found"


class Conflict(SynthfoundryError):
    code = "conflict"
    title = "Conflict"


class InvalidState(SynthfoundryError):
    """The object exists but is in a state that does not allow the action."""

    code = "invalid_state"
    title = "Invalid state"


class NotAuthenticated(SynthfoundryError):
    """No credentials, or credentials that are invalid, expired or revoked."""

    code = "not_authenticated"
    title = "Not authenticated"


class RateLimited(SynthfoundryError):
    code = "rate_limited"
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after_seconds: int) -> None:
        super().__init__(detail)
        self.retry_after_seconds = retry_after_seconds


class QuotaExceeded(SynthfoundryError):
    """A per-user limit, such as concurrent jobs, is reached."""

    code = "quota_exceeded"
    title = "Quota exceeded"


class PermissionDenied(SynthfoundryError):
    code = "permission_denied"
    title = "Permission denied"


class InvalidInput(SynthfoundryError):
    """The caller's data is wrong; ``field`` names the offending field or column when known, and
    ``field_errors`` lists ``(field, message)`` for each problem when there are several."""

    code = "invalid_input"
    title = "Invalid input"

    def __init__(
        self,
        detail: str,
        *,
        field: str | None = None,
        field_errors: Sequence[tuple[str, str]] = (),
        **extra: Any,
    ) -> None:
        super().__init__(detail, **extra)
        self.field = field
        self.field_errors = list(field_errors) or ([(field, detail)] if field is not None else [])


class PayloadTooLarge(SynthfoundryError):
    code = "payload_too_large"
    title = "Payload too large"


class UnsupportedMediaType(SynthfoundryError):
    code = "unsupported_media_type"
    title = "Unsupported media type"


class ServiceUnavailable(SynthfoundryError):
    """A dependency (database, storage, broker) cannot be reached right now."""

    code = "service_unavailable"
    title = "Service unavailable"


class ConfigurationError(SynthfoundryError):
    code = "configuration_error"
    title = "Configuration error"


class IdempotencyKeyReused(InvalidInput):
    """An ``Idempotency-Key`` came back with a request other than the one it first named."""

    code = "idempotency_key_reused"
    title = "Idempotency key reused"


class IdempotencyInProgress(Conflict):
    """The first request with this ``Idempotency-Key`` is still running; retry shortly."""

    code = "idempotency_in_progress"
    title = "Request in progress"
