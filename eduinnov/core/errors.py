"""Domain errors raised by services; views turn them into form errors or flash messages.

Constructing or raising one has no side effect. A refusal fails the request (its transaction is rolled
back) when it escapes the view (``core.web``'s handler), or when the view that caught it says so with
``core.web.fail_request()`` before answering with the refusal. A service that catches its own refusal
and carries on (an import skipping one bad row) does not fail the request.
"""


class DomainError(Exception):
    """A rule spanning several objects was broken; the message is safe to show to the user."""


class NotAllowed(DomainError):
    """The user may see the object but not perform this action on it (views answer 403)."""


class LockedError(DomainError):
    """The object belongs to an archived (read-only) version."""


class ValidationError(DomainError):
    """Input that a form could not check by itself is invalid."""


class FieldError(ValidationError):
    """Invalid input in one field; ``field`` names the form field the message belongs next to."""

    def __init__(self, field: str, message) -> None:
        super().__init__(message)
        self.field = field
        self.message = message  # may be a lazy string: rendered in the language of the request

    def __str__(self) -> str:
        return str(self.message)


class ImportRefused(DomainError):
    """A file was refused as a whole and nothing was written.

    ``report`` holds what the file would have done and every problem found (an import preview, a parsed
    score sheet); ``retry`` says the file itself is fine and confirming again may work (new choices, new
    plan).
    """

    def __init__(self, report, message, *, retry: bool = False) -> None:
        super().__init__(message)
        self.report = report
        self.retry = retry

    @property
    def preview(self):
        """The import preview (:mod:`eduinnov.imports`) the refusal carries."""
        return self.report

    @property
    def parsed(self):
        """The parsed score sheet (:mod:`eduinnov.obe`) the refusal carries."""
        return self.report
