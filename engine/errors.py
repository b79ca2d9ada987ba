"""Exceptions a user can act on, all rooted at DondocError."""

from __future__ import annotations


class DondocError(Exception):
    """Base of every error dondoc raises on purpose; its message is shown to the user."""


class NotFound(DondocError):
    """An id or name that does not exist."""


class InvalidInput(DondocError, ValueError):
    """Input that cannot be understood (a date that does not exist, an empty file …)."""


class TransitionNotAllowed(DondocError):
    """The lifecycle table has no such transition from the current state."""

    def __init__(self, state: str, event: str, allowed: list[str]) -> None:
        from engine.labels import EVENT_LABELS, STATE_LABELS, label

        self.state, self.event, self.allowed = state, event, allowed
        allowed_txt = ", ".join(label(EVENT_LABELS, a).lower() for a in allowed) if allowed else "không thao tác nào"
        super().__init__(f"Không thể “{label(EVENT_LABELS, event).lower()}” khi nhiệm vụ đang ở trạng thái "
                         f"“{label(STATE_LABELS, state).lower()}” (lúc này chỉ có thể: {allowed_txt}).")


class PermissionDenied(DondocError):
    """The actor has no right to make this change."""


class ConcurrencyConflict(DondocError):
    """Someone else changed the directive first."""


class StorageUnavailable(DondocError):
    """The database cannot be reached."""


class ExtractionError(DondocError):
    """A notice file cannot be read or yields no text."""
