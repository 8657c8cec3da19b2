"""Domain errors raised by services; views turn them into form errors or flash messages.

Constructing or raising one has no side effect. A refusal fails the request (its transaction is rolled
back) when it escapes the view (``core.web``'s handler), or when the view that caught it says so with
``core.web.fail_request()`` before answering with the refusal. A service that catches its own refusal
and carries on (an import skipping one bad row) does not fail the request.
"""


class DomainError(Exception):
    """A rule spanning several objects was broken; the message is safe to show to the user."""


class LockedError(DomainError):
    """The object belongs to an archived (read-only) version."""


class ValidationError(DomainError):
    """Input that a form could not check by itself is invalid."""
