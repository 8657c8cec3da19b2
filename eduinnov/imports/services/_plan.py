"""What an import plans: the preview, its rows and unmatched authors, the refusal, and the helpers every planner uses."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from eduinnov.core.errors import ImportRefused, ValidationError
from eduinnov.extensions import db
from eduinnov.imports import bibliography as bib
from eduinnov.imports.readers import Table
from eduinnov.imports.schemas import ImportKind, Issue, Row
from eduinnov.programs.models import Cohort, Program, Student

CREATE, UPDATE, SKIP = "create", "update", "skip"
_IN_CHUNK = 500


def refusal(preview: Preview, message: str | None = None, *, retry: bool = False) -> ImportRefused:
    """The refusal of an import: ``preview`` holds the errors (and what the file would have done)."""
    return ImportRefused(preview, message or _("The file has %(n)d problem(s); nothing was imported.",
                                               n=len(preview.errors)), retry=retry)


@dataclass
class PlanRow:
    """What one row of the file does: ``action`` (create / update / skip), a label, the reason or changes."""

    row: int
    action: str
    label: str
    reason: str = ""
    changes: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class UnmatchedAuthor:
    """An author of an imported publication that matched no student (or several): the teacher decides."""

    key: str
    row: int
    position: int
    name: str
    title: str
    candidates: list[tuple[int, str]] = field(default_factory=list)

    @property
    def field_name(self) -> str:
        return f"author-{self.key}"


@dataclass
class Preview:
    """The plan of an import, shown before anything is written and returned after it was carried out."""

    kind: ImportKind
    program_id: int
    filename: str
    fmt: str = ""
    encoding: str | None = None
    rows: list[PlanRow] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    unmatched: list[UnmatchedAuthor] = field(default_factory=list)
    new_cohorts: list[int] = field(default_factory=list)
    header_row: int | None = None
    plan_digest: str = ""  # the fingerprint of the plan as previewed, before any author choices
    inputs_digest: str = ""  # what the plan was made from (``stored.inputs_digest``); "" if it may not be reused

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def similar_rows(self) -> list[PlanRow]:
        """Rows to create whose title is near-identical to an item already recorded or an earlier row."""
        return [r for r in self.rows if r.action == CREATE and r.data.get("similar")]

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.similar_rows)

    @property
    def counts(self) -> dict[str, int]:
        out = {CREATE: 0, UPDATE: 0, SKIP: 0}
        for row in self.rows:
            out[row.action] += 1
        return out

    @property
    def fingerprint(self) -> str:
        """A digest of the plan (rows, actions, reasons): confirm refuses when it differs from the preview's."""
        h = hashlib.sha256()
        for row in self.rows:
            h.update(f"{row.row}|{row.action}|{row.label}|{row.reason}|{';'.join(row.changes)}\n".encode())
        for author in self.unmatched:
            h.update(f"u|{author.key}|{author.name}\n".encode())
        h.update(",".join(map(str, self.new_cohorts)).encode())
        return h.hexdigest()[:32]


def _describe(preview: Preview, table: Table) -> None:
    preview.fmt = table.fmt.upper()
    preview.encoding = table.encoding
    preview.header_row = table.header_row


def _chunks(items: list[Any], size: int = _IN_CHUNK) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _program_students(program: Program) -> list[bib.StudentRef]:
    rows = db.session.execute(
        select(Student.id, Student.student_no, Student.name).join(Cohort).where(Cohort.program_id == program.id)
        .order_by(Student.student_no, Student.id)  # candidates for an ambiguous name are listed in this order
    )
    return [bib.StudentRef(r.id, r.student_no, r.name) for r in rows]


def _error(preview: Preview, row: Row | int, column: str | None, reason: str) -> None:
    number = row.row if isinstance(row, Row) else row
    preview.errors.append(Issue(number, column, reason))


def _call(plan: PlanRow, service, *args, **kwargs):
    """Call a domain service for one row; its refusal becomes an error on that row."""
    try:
        return service(*args, **kwargs)
    except ValidationError as exc:
        raise _RowFailed(plan.row, getattr(exc, "field", None), str(exc)) from exc


class _RowFailed(Exception):
    def __init__(self, row: int | None, column: str | None, reason: str) -> None:
        super().__init__(reason)
        self.row, self.column, self.reason = row, column, reason


