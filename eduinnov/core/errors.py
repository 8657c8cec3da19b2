"""Domain errors raised by services; views turn them into form errors or flash messages.

Raising one inside a request marks the request: its transaction is rolled back at the end even if the
view catches the error and answers normally (``core.web``), so a service that changed something and
then refused never leaves half its work behind.
"""

from flask import g, has_request_context


class DomainError(Exception):
    """A rule spanning several objects was broken; the message is safe to show to the user."""

    def __init__(self, *args) -> None:
        super().__init__(*args)
        if has_request_context():
            g.domain_error_raised = True


class LockedError(DomainError):
    """The object belongs to an archived (read-only) version."""


class ValidationError(DomainError):
    """Input that a form could not check by itself is invalid."""
