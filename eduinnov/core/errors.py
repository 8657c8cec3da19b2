"""Domain errors raised by services; views turn them into form errors or flash messages."""


class DomainError(Exception):
    """A rule spanning several objects was broken; the message is safe to show to the user."""


class LockedError(DomainError):
    """The object belongs to an archived (read-only) version."""


class ValidationError(DomainError):
    """Input that a form could not check by itself is invalid."""
