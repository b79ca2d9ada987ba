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
        self.state, self.event, self.allowed = state, event, allowed
        allowed_txt = ", ".join(allowed) if allowed else "nothing"
        super().__init__(f"{event} is not allowed in state '{state}' (allowed there: {allowed_txt})")


class PermissionDenied(DondocError):
    """The actor has no right to make this change."""


class ConcurrencyConflict(DondocError):
    """Someone else changed the directive first."""


class StorageUnavailable(DondocError):
    """The database cannot be reached."""


class ExtractionError(DondocError):
    """A notice file cannot be read or yields no text."""
