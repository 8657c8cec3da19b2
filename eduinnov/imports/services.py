"""Bulk imports: plan what a file would change (the preview), then carry the plan out (the confirm).

Every import has two steps. :func:`preview_import` reads the file, checks every cell, looks up what
exists in one query per lookup, and returns a :class:`Preview`: each row *created*, *updated* or
*skipped* with the reason, every error with its row, column and reason, and (publications) the authors
that matched no student. It never writes. :func:`run_import` plans again from the same bytes, refuses if
there is any error or if the plan differs from the one the user saw, and then writes everything. It
flushes and never commits: the request (or the CLI command) commits once, so a failure anywhere — a
broken row, a database error, a killed process — leaves the database exactly as it was.

Re-importing a file changes nothing: rows are matched to what exists by student number (students),
DOI (publications), patent application number (patents), normalised title + year (other achievements),
name (partners), and student + partner + kind + title (participations).

How rows reach the database
---------------------------
Students, partners, participations and manual scores go through their domains' services
(``create_student``, ``create_partner``, ``save_participation``, ``add_manual_score`` …), one call per
row, so every rule of those domains applies unchanged; such files have hundreds of rows.

Achievements are the exception: a program's achievement history can be tens of thousands of rows, and
``record_achievement`` costs several queries per row (supervisor check, students check, flush, audit).
Here each row is checked with the achievements domain's own rules (``achievements.services._clean``, the
same function the forms use) and with lookups preloaded once per import (students by number and name,
teachers, existing DOIs / application numbers / titles); the rows are then written with SQLAlchemy Core
``insert()`` executemany statements — achievements (with ``RETURNING`` ids), their participants and
their audit-log rows — a handful of statements for the whole file. 50,000 rows take seconds (see
``bench/bench_imports.py``). The audit rows are written here because Core inserts bypass the ORM's
flush hooks that write them for single records.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, insert, select

from eduinnov.achievements import duplicates
from eduinnov.achievements import services as achievement_services
from eduinnov.achievements.models import (
    Achievement,
    AchievementKind,
    AchievementParticipant,
    Indexing,
    ParticipantRole,
    VerificationStatus,
)
from eduinnov.auth.access import Action, can
from eduinnov.auth.models import ProgramMembership, User
from eduinnov.core import bulk
from eduinnov.core.audit import AuditLog, _jsonable
from eduinnov.core.errors import DomainError, ValidationError
from eduinnov.core.models import utcnow
from eduinnov.extensions import db
from eduinnov.frameworks.models import Participation, PartnerOrganisation
from eduinnov.frameworks.services import iur as iur_services
from eduinnov.imports import bibliography as bib
from eduinnov.imports import validators as v
from eduinnov.imports.readers import FileRefused, Table, check_size, decode_text, read_table
from eduinnov.imports.schemas import ACHIEVEMENT_KIND_OF, ImportKind, Issue, Row, schema_for
from eduinnov.indicators.models import ManualScore
from eduinnov.indicators.services import add_manual_score
from eduinnov.programs import services as program_services
from eduinnov.programs.models import Cohort, Program, Student, StudentStatus

__all__ = [
    "CREATE", "SKIP", "UPDATE", "ImportRefused", "PlanRow", "Preview", "UnmatchedAuthor", "may_import",
    "preview_import", "run_import",
]

CREATE, UPDATE, SKIP = "create", "update", "skip"
_IN_CHUNK = 500


class ImportRefused(DomainError):
    """The import was not carried out; ``preview`` holds the errors (and what the file would have done)."""

    def __init__(self, preview: Preview, message: str | None = None, *, retry: bool = False) -> None:
        super().__init__(message or _("The file has %(n)d problem(s); nothing was imported.", n=len(preview.errors)))
        self.preview = preview
        self.retry = retry  # the file itself is fine: confirming again (new choices, new plan) may work


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


# --- access -------------------------------------------------------------------------------------------------


def may_import(user: User, program: Program, kind: ImportKind) -> bool:
    """Whether ``user`` may import ``kind`` into ``program``.

    Teachers and directors of the program (and admins) import students, achievements, participations and
    scores (``Action.EDIT``); partner organisations need a director (``Action.MANAGE``), as in the forms.
    """
    action = Action.MANAGE if ImportKind(kind) == ImportKind.PARTNERS else Action.EDIT
    return can(user, action, program)


# --- planning ------------------------------------------------------------------------------------------------


def preview_import(kind: ImportKind | str, program: Program, user: User, data: bytes, filename: str) -> Preview:
    """Read ``data`` as ``kind`` and plan the import into ``program`` without writing anything.

    Parameters
    ----------
    kind : ImportKind or str
        What the file holds (``students``, ``achievements``, ``publications`` …).
    program : Program
        The program the rows go into.
    user : User
        The acting user (checked with :func:`may_import`; cohorts are opened only for directors/admins).
    data : bytes
        The uploaded file.
    filename : str
        The original file name (shown back, and used to recognise ``.xls``).

    Returns
    -------
    Preview
        Never raises for bad content: file-level problems are ``errors`` without a row.

    Raises
    ------
    DomainError
        The user may not import this kind into this program.
    """
    kind = ImportKind(kind)
    if not may_import(user, program, kind):
        raise DomainError(_("You are not allowed to import this into %(program)s.", program=program.code))
    preview = Preview(kind=kind, program_id=program.id, filename=filename)
    try:
        if kind == ImportKind.PUBLICATIONS:
            _plan_publications(preview, program, user, data, filename)
        else:
            schema = schema_for(kind)
            table = read_table(data, filename, schema.known_headers())
            _describe(preview, table)
            partial: list[Row] = []
            rows, errors, warnings = schema.parse(table, partial)
            preview.errors += errors
            preview.warnings += warnings
            if not any(e.row is None for e in errors):
                # Every problem in one pass: the rows that parsed are planned (their unknown students,
                # duplicates … reported now, not after the cell errors are fixed), and the references of the
                # rows with cell errors are checked too.
                PLANNERS[kind](preview, program, user, rows)
                _check_references(preview, program, kind, partial)
    except FileRefused as exc:
        preview.errors.append(Issue(None, None, exc.message))
    if preview.errors:
        preview.errors.sort(key=lambda e: (e.row is not None, e.row or 0))
    preview.plan_digest = preview.fingerprint
    return preview


def _check_references(preview: Preview, program: Program, kind: ImportKind, rows: list[Row]) -> None:
    """The students and supervisor named by rows that also have cell errors (reported with them)."""
    if not rows or (kind != ImportKind.ACHIEVEMENTS and kind not in ACHIEVEMENT_KIND_OF):
        return
    lookups = _Lookups.load(program)
    fixed = ACHIEVEMENT_KIND_OF.get(kind)
    for row in rows:
        row_kind = fixed or row.values.get("kind")
        if row.values.get("students") and row_kind is not None:
            _participants, problems = _parse_participants(row.values["students"], row_kind, lookups.students)
            for problem in problems:
                _error(preview, row, row.column("students"), problem)
        supervisor = row.values.get("supervisor")
        if supervisor and lookups.teachers_by_key.get(v.normalise_key(supervisor)) is None:
            _error(preview, row, row.column("supervisor"), _("%(name)s is not a teacher of this program.",
                                                             name=supervisor))


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
    )
    return [bib.StudentRef(r.id, r.student_no, r.name) for r in rows]


def _error(preview: Preview, row: Row | int, column: str | None, reason: str) -> None:
    number = row.row if isinstance(row, Row) else row
    preview.errors.append(Issue(number, column, reason))


# --- students ---


def _plan_students(preview: Preview, program: Program, user: User, rows: list[Row]) -> None:
    numbers = sorted({r.values["student_no"].lower() for r in rows})
    existing: dict[str, Any] = {}
    for chunk in _chunks(numbers):
        for rec in db.session.execute(
            select(Student.id, Student.student_no, Student.name, Student.email, Student.status,
                   Cohort.program_id, Cohort.entry_year)
            .join(Cohort).where(func.lower(Student.student_no).in_(chunk))
        ):
            existing[rec.student_no.lower()] = rec
    cohorts = {c.entry_year for c in db.session.scalars(select(Cohort).where(Cohort.program_id == program.id))}
    may_open = can(user, Action.MANAGE, program)
    seen: dict[str, Row] = {}
    for row in rows:
        values = row.values
        key = values["student_no"].lower()
        col_no = row.column("student_no")
        label = f"{values['name']} ({values['student_no']})"
        if key in seen:
            first = seen[key]
            if {k: first.values.get(k) for k in values} == values:
                preview.rows.append(PlanRow(row.row, SKIP, label, _("Same as row %(n)d.", n=first.row)))
            else:
                _error(preview, row, col_no, _("The student number %(no)s is also on row %(n)d with other data.",
                                               no=values["student_no"], n=first.row))
            continue
        seen[key] = row
        year = values["entry_year"]
        rec = existing.get(key)
        if rec is not None and rec.program_id != program.id:
            _error(preview, row, col_no, _("%(no)s is the number of a student of another program.",
                                           no=values["student_no"]))
            continue
        if year not in cohorts and year not in preview.new_cohorts:
            if may_open:
                preview.new_cohorts.append(year)
            else:
                _error(preview, row, row.column("entry_year"),
                       _("%(code)s has no cohort for %(year)d; a program director must open it first.",
                         code=program.code, year=year))
                continue
        if rec is None:
            preview.rows.append(PlanRow(row.row, CREATE, label, data=values))
            continue
        changes = []
        if rec.name != values["name"]:
            changes.append(_("name: %(old)s → %(new)s", old=rec.name, new=values["name"]))
        if values.get("email") and (rec.email or "") != values["email"]:
            changes.append(_("e-mail: %(old)s → %(new)s", old=rec.email or "—", new=values["email"]))
        if values.get("status") and rec.status != values["status"]:
            changes.append(_("status: %(old)s → %(new)s", old=rec.status.value, new=values["status"].value))
        if rec.entry_year != year:
            changes.append(_("cohort: %(old)d → %(new)d", old=rec.entry_year, new=year))
        if changes:
            preview.rows.append(PlanRow(row.row, UPDATE, label, changes=changes, data={**values, "id": rec.id}))
        else:
            preview.rows.append(PlanRow(row.row, SKIP, label, _("Already up to date.")))
    preview.new_cohorts.sort()


def _apply_students(preview: Preview, program: Program, user: User) -> None:
    cohorts = {c.entry_year: c for c in db.session.scalars(select(Cohort).where(Cohort.program_id == program.id))}
    for year in preview.new_cohorts:
        cohorts[year] = program_services.create_cohort(user, program, entry_year=year)
    for plan in preview.rows:
        values = plan.data
        if plan.action == CREATE:
            _call(plan, program_services.create_student, user, cohorts[values["entry_year"]],
                  student_no=values["student_no"], name=values["name"], email=values.get("email"),
                  status=values.get("status") or StudentStatus.ENROLLED)
        elif plan.action == UPDATE:
            student = db.session.get(Student, values["id"])
            _call(plan, program_services.update_student, user, student, cohort=cohorts[values["entry_year"]],
                  student_no=student.student_no, name=values["name"], email=values.get("email") or student.email,
                  status=values.get("status") or student.status)


def _call(plan: PlanRow, service, *args, **kwargs):
    """Call a domain service for one row; its refusal becomes an error on that row."""
    try:
        return service(*args, **kwargs)
    except ValidationError as exc:
        raise _RowFailed(plan.row, getattr(exc, "field", None), str(exc)) from exc


class _RowFailed(Exception):
    def __init__(self, row: int, column: str | None, reason: str) -> None:
        super().__init__(reason)
        self.row, self.column, self.reason = row, column, reason


# --- achievements ---


@dataclass
class _Lookups:
    """Everything an achievement import looks up, loaded once."""

    students: bib.StudentIndex
    teachers_by_key: dict[str, int]
    index: duplicates.DuplicateIndex

    @classmethod
    def load(cls, program: Program) -> _Lookups:
        teachers: dict[str, int] = {}
        for rec in db.session.execute(
            select(User.id, User.name, User.email).join(ProgramMembership)
            .where(ProgramMembership.program_id == program.id)
        ):
            teachers[v.normalise_key(rec.email)] = rec.id
            teachers.setdefault(v.normalise_key(rec.name), rec.id)
        return cls(bib.StudentIndex(_program_students(program)), teachers, duplicates.DuplicateIndex.load(program.id))


def _duplicate_reason(dup: duplicates.Duplicate, values: Mapping[str, Any]) -> str:
    if dup.code == "doi":
        return _("An achievement with the DOI %(doi)s is already recorded", doi=values.get("doi"))
    if dup.code == "patent":
        return _("A patent with the application number %(no)s is already recorded",
                 no=values.get("application_number") or values.get("grant_number"))
    if dup.code == "project_number":
        return _("A project with the number %(no)s is already recorded", no=values.get("project_number"))
    return _("An achievement with this title and year is already recorded")


_PLAIN_NUMBER = re.compile(r"[A-Za-z]{0,2}\d{6,}")
_SPLIT_STUDENTS = re.compile(r"[;、/|\n]|,(?![^()]*\))")


def _parse_participants(text: str, kind: AchievementKind, index: bib.StudentIndex) -> tuple[list[tuple[int, str]], list[str]]:
    """(student id, display) per name in a cell, and the reasons for those not found."""
    found: list[tuple[int, str]] = []
    problems: list[str] = []
    for position, part in enumerate((p.strip() for p in _SPLIT_STUDENTS.split(text) if p.strip()), start=1):
        if _PLAIN_NUMBER.fullmatch(part):  # the common case in big sheets: no name parsing needed
            student = index.by_no.get(part.lower())
            if student is None:
                problems.append(_("%(no)s is not a student of this program.", no=part))
            elif any(sid == student.id for sid, _d in found):
                problems.append(_("%(name)s is named twice.", name=part))
            else:
                found.append((student.id, student.display))
            continue
        author = bib.parse_author(part, position)
        match = index.match(author)
        if match.student is None and author.student_no and not author.chinese and not author.family and not author.tokens:
            problems.append(_("%(no)s is not a student of this program.", no=author.student_no))
        elif match.student is None and match.candidates:
            problems.append(_("%(name)s matches several students (%(list)s): add the student number, e.g. "
                              "%(name)s(%(no)s).", name=part, list=", ".join(c.display for c in match.candidates[:4]),
                              no=match.candidates[0].student_no))
        elif match.student is None:
            problems.append(_("%(name)s is not a student of this program.", name=part))
        elif any(sid == match.student.id for sid, _d in found):
            problems.append(_("%(name)s is named twice.", name=part))
        else:
            found.append((match.student.id, match.student.display))
    return found, problems


def _roles_for(kind: AchievementKind, count: int) -> list[ParticipantRole]:
    if kind == AchievementKind.PUBLICATION:
        return [ParticipantRole.AUTHOR] * count
    if kind == AchievementKind.PATENT:
        return [ParticipantRole.INVENTOR] * count
    return [ParticipantRole.LEADER] + [ParticipantRole.MEMBER] * (count - 1) if count else []


_DATE_FOR_YEAR = ("start_date", "application_date", "award_date")


def _check_achievement(kind: AchievementKind, values: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None, str | None]:
    """Clean values by the achievements domain's rules: (values, None, None) or (None, field, reason)."""
    data = dict(values)
    if isinstance(data.get("application_number"), tuple):
        number, encoded = data["application_number"]
        data["application_number"] = number
        if data.get("patent_type") is None:
            data["patent_type"] = encoded
        elif kind == AchievementKind.PATENT and data["patent_type"] != encoded:
            return None, "patent_type", achievement_services.patent_type_mismatch(encoded)
    if data.get("year") is None:
        derived = next((data[f] for f in _DATE_FOR_YEAR if isinstance(data.get(f), date)), None)
        if derived is None:
            return None, "year", _("Give the year (or a start, application or award date).")
        data["year"] = derived.year
    if kind == AchievementKind.PUBLICATION and data.get("indexing") is None:
        data["indexing"] = Indexing.OTHER
    try:
        return achievement_services._clean(kind, data), None, None
    except achievement_services.FieldError as exc:
        return None, exc.field, str(exc)


def _plan_achievements(preview: Preview, program: Program, user: User, rows: list[Row]) -> None:
    fixed = ACHIEVEMENT_KIND_OF.get(preview.kind)
    lookups = _Lookups.load(program)
    in_file: dict[tuple, int] = {}
    for row in rows:
        kind = fixed or row.values["kind"]
        # Every problem of the row at once: its fields, its students and its supervisor.
        values, bad_field, reason = _check_achievement(kind, row.values)
        failed = values is None
        if failed:
            _error(preview, row, row.column(bad_field) or bad_field, reason)
        participants, problems = _parse_participants(row.values.get("students") or "", kind, lookups.students)
        for problem in problems:
            _error(preview, row, row.column("students"), problem)
        failed = failed or bool(problems)
        supervisor = row.values.get("supervisor")
        supervisor_id = lookups.teachers_by_key.get(v.normalise_key(supervisor)) if supervisor else None
        if supervisor and supervisor_id is None:
            _error(preview, row, row.column("supervisor"),
                   _("%(name)s is not a teacher of this program.", name=supervisor))
            failed = True
        if failed:
            continue
        if supervisor:
            values["supervisor_id"] = supervisor_id
        _plan_one_achievement(preview, row.row, kind, values, participants, lookups, in_file)


def _plan_one_achievement(preview: Preview, row_number: int, kind: AchievementKind, values: dict[str, Any],
                          participants: list[tuple[int, str]], lookups: _Lookups, in_file: dict[tuple, int],
                          ranks: list[int] | None = None) -> PlanRow:
    """Skip the row when it is an item already recorded (or an earlier row); warn when it only looks alike.

    Same DOI, patent number, project number, or same normalised title in the same year: the row is that
    item (re-importing a file changes nothing). A near-identical title only: the row is created if the
    person confirms (``run_import(confirm_duplicates=True)``), and the preview names the look-alike items.
    Earlier rows of the file are indexed with negative ids (``-row``).
    """
    label = values["title"]
    plan: PlanRow
    index = lookups.index
    # The item itself first (identifiers, then the same title in the same year); look-alikes only for new rows.
    same_id = next(iter(index.match(kind, values, titles=False)), None)
    same = same_id.achievement_id if same_id is not None else index.same_title(kind, values["title"], values["year"])
    if same is not None and same > 0:
        what = (_duplicate_reason(same_id, values) if same_id is not None
                else _("An achievement with this title and year is already recorded"))
        plan = PlanRow(row_number, SKIP, label, _("%(what)s (#%(id)d).", what=what, id=same))
    elif same is not None:
        plan = PlanRow(row_number, SKIP, label, _("Same as row %(n)d.", n=-same))
    else:
        found = index.match(kind, values)
        lookups.index.add(-row_number, kind, values)
        roles = _roles_for(kind, len(participants))
        plan = PlanRow(row_number, CREATE, label, data={
            "kind": kind, "values": values,
            "participants": [(sid, role, rank) for (sid, _d), role, rank in
                             zip(participants, roles, ranks or range(1, len(participants) + 1), strict=True)],
        })
        plan.changes = [", ".join(d for _s, d in participants)]
        similar = [d for d in found if not d.is_exact]
        if similar:
            plan.data["similar"] = [(d.achievement_id, d.title) for d in similar]
            named = "; ".join(
                _("#%(id)d “%(title)s”", id=d.achievement_id, title=d.title) if d.achievement_id > 0
                else _("row %(n)d “%(title)s”", n=-d.achievement_id, title=d.title) for d in similar[:3])
            preview.warnings.append(Issue(row_number, None, _(
                "Looks like %(items)s (near-identical title): confirm it is a different achievement, or remove "
                "the row.", items=named)))
    preview.rows.append(plan)
    return plan


def _apply_achievements(preview: Preview, program: Program, user: User) -> None:
    """Write the planned achievements with a few executemany statements (see the module docstring)."""
    planned = [p for p in preview.rows if p.action == CREATE]
    if not planned:
        return
    now = utcnow()
    table = Achievement.__table__
    base = {c: None for c in ("description", "supervisor_id", *achievement_services._ALL_KIND_FIELDS)}
    records = []
    for plan in planned:
        rec = {**base, **plan.data["values"], "program_id": program.id, "kind": plan.data["kind"],
               "created_by_id": user.id, "verification_status": VerificationStatus.SUBMITTED,
               "submitted_at": now, "created_at": now, "updated_at": now}
        records.append(rec)
    # RETURNING in batches; rows are matched back by (kind, title, year), unique within a plan (duplicates
    # by normalised title + year are skipped), which spares the one-statement-per-row fallback that
    # sort_by_parameter_order needs on SQLite.
    # On PostgreSQL: ids from the sequence and COPY (core/bulk.py), seconds faster for tens of thousands of rows.
    id_of: dict[tuple, int] = {}
    for chunk in _chunks(records, 5000) if not bulk.uses_copy() else ():
        result = db.session.execute(insert(table).returning(table.c.id, table.c.kind, table.c.title, table.c.year),
                                    chunk)
        id_of.update({(AchievementKind(r.kind), r.title, r.year): r.id for r in result})
    ids = (bulk.insert_rows(table, records, return_ids=True) if bulk.uses_copy()
           else [id_of[(AchievementKind(rec["kind"]), rec["title"], rec["year"])] for rec in records])
    participants = []
    for plan, achievement_id in zip(planned, ids, strict=True):
        for student_id, role, rank in plan.data["participants"]:
            participants.append({"achievement_id": achievement_id, "student_id": student_id, "role": role,
                                 "rank": rank, "is_corresponding": False})
    bulk.insert_rows(AchievementParticipant.__table__, participants)
    audit = [{
        "created_at": now, "user_id": user.id, "program_id": program.id, "entity_type": "achievements",
        "entity_id": achievement_id, "action": "create",
        "changes": {**{k: _jsonable(val) for k, val in rec.items() if val is not None}, "id": achievement_id,
                    "source": "import"},
    } for rec, achievement_id in zip(records, ids, strict=True)]
    bulk.insert_rows(AuditLog.__table__, audit)
    db.session.expire_all()


# --- publications from bibliographic files ---


def _plan_publications(preview: Preview, program: Program, user: User, data: bytes, filename: str) -> None:
    check_size(data)
    fmt = None
    quartiles: dict[int, dict[str, Any]] = {}  # spreadsheet rows: JCR / CAS columns (bibliographic files have none)
    if not data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        text, encoding = decode_text(data)
        fmt = bib.detect_format(text)
    if fmt is None:  # a spreadsheet with an authors column
        schema = schema_for(ImportKind.PUBLICATIONS)
        table = read_table(data, filename, schema.known_headers())
        _describe(preview, table)
        rows, errors, warnings = schema.parse(table)
        preview.errors += errors
        preview.warnings += warnings
        if errors:
            return
        refs = []
        for row in rows:
            ref = bib.Reference(row=row.row, source=_("row %(n)d", n=row.row), title=row.values["title"],
                                year=row.values.get("year"), venue=row.values.get("venue") or "",
                                doi=row.values.get("doi"), indexing=row.values.get("indexing"),
                                authors=[bib.parse_author(a, i) for i, a in
                                         enumerate(bib.split_authors(row.values["authors"]), start=1)])
            if ref.year is None:
                _error(preview, row, row.column("year") or _("year"), _("This cell is empty."))
            if not ref.venue:
                _error(preview, row, row.column("venue") or _("venue"), _("Give the journal or conference."))
            refs.append(ref)
            quartiles[row.row] = {k: row.values.get(k) for k in ("jcr_quartile", "cas_zone")}
        if preview.errors:
            return
        strict = True
    else:
        preview.fmt = {"bibtex": "BibTeX", "ris": "RIS", "endnote": "EndNote"}.get(fmt, fmt)
        preview.encoding = encoding
        # Count first: a huge file is refused before the (CPU-heavy) parsing and LaTeX decoding.
        if bib.count_records(text, fmt) > _max_rows():
            raise FileRefused(_("The file has more than %(n)d records; split it.", n=_max_rows()))
        try:
            refs = bib.read_references(text, fmt)
        except v.CellError as exc:
            raise FileRefused(str(exc)) from None
        if len(refs) > _max_rows():
            raise FileRefused(_("The file has more than %(n)d records; split it.", n=_max_rows()))
        if not refs:
            raise FileRefused(_("No reference could be read from the file."))
        strict = False
    lookups = _Lookups.load(program)
    in_file: dict[tuple, int] = {}
    missing_indexing = 0
    for ref in refs:
        if ref.problems:  # bibliographic exports: an unusable record is skipped, not fatal
            preview.rows.append(PlanRow(ref.row, SKIP, ref.title or ref.source, " ".join(ref.problems)))
            continue
        values, bad_field, reason = _check_achievement(AchievementKind.PUBLICATION, {
            "title": ref.title, "year": ref.year, "venue": ref.venue, "doi": ref.doi, "indexing": ref.indexing,
            **quartiles.get(ref.row, {})})
        if values is None:
            if strict:
                _error(preview, ref.row, bad_field, reason)
            else:
                preview.rows.append(PlanRow(ref.row, SKIP, ref.title, reason))
            continue
        if ref.indexing is None:
            missing_indexing += 1
        matched: list[tuple[int, str]] = []
        ranks: list[int] = []
        unmatched: list[UnmatchedAuthor] = []
        for author in ref.authors:
            match = lookups.students.match(author)
            if match.student is not None and all(match.student.id != sid for sid, _d in matched):
                matched.append((match.student.id, match.student.display))
                ranks.append(author.position)
            elif match.student is None:
                unmatched.append(UnmatchedAuthor(f"{ref.row}-{author.position}", ref.row, author.position,
                                                 author.text, ref.title,
                                                 [(c.id, c.display) for c in match.candidates]))
        plan = _plan_one_achievement(preview, ref.row, AchievementKind.PUBLICATION, values, matched, lookups,
                                     in_file, ranks)
        if plan.action == CREATE:
            plan.data["unmatched"] = [u.key for u in unmatched]
            preview.unmatched += unmatched
            if not matched:
                plan.changes = []
                plan.reason = _("No author matched a student: choose one below, or the publication is skipped.")
    if missing_indexing:
        preview.warnings.append(Issue(None, None, _("%(n)d publication(s) do not say where they are indexed: they "
                                                    "are recorded as “Other”; correct them afterwards.",
                                                    n=missing_indexing)))


def _max_rows() -> int:
    from eduinnov.imports.readers import DEFAULT_MAX_ROWS, limit

    return limit("IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS)


def _resolve_authors(preview: Preview, program: Program, resolutions: Mapping[str, Any]) -> None:
    """Apply the teacher's choices for unmatched authors; publications left with no student are skipped."""
    allowed = {s.id: s for s in _program_students(program)} if preview.unmatched else {}
    by_key = {u.key: u for u in preview.unmatched}
    for plan in preview.rows:
        if plan.action != CREATE or plan.data.get("kind") != AchievementKind.PUBLICATION:
            continue
        people = list(plan.data["participants"])
        for key in plan.data.get("unmatched", []):
            choice = resolutions.get(key) or resolutions.get(by_key[key].field_name)
            if choice in (None, "", "0", 0):
                continue
            try:
                student = allowed[int(choice)]
            except (KeyError, TypeError, ValueError):
                preview.errors.append(Issue(plan.row, _("authors"), _("The student chosen for %(name)s is not in this "
                                                                      "program.", name=by_key[key].name)))
                continue
            if any(sid == student.id for sid, _r, _k in people):
                preview.errors.append(Issue(plan.row, _("authors"), _("%(student)s is chosen for two authors of "
                                                                      "“%(title)s”.", student=student.display,
                                                                      title=plan.label)))
                continue
            people.append((student.id, ParticipantRole.AUTHOR, by_key[key].position))
            plan.changes = [", ".join(filter(None, [*plan.changes, student.display]))]
        people.sort(key=lambda p: p[2])
        plan.data["participants"] = people
        if not people:
            plan.action = SKIP
            plan.reason = _("No author is a student of the program.")


# --- partners and participations ---


def _plan_partners(preview: Preview, program: Program, user: User, rows: list[Row]) -> None:
    existing = {v.normalise_key(p.name_zh): p for p in
                db.session.scalars(select(PartnerOrganisation).where(PartnerOrganisation.program_id == program.id))}
    fields = ("name_en", "kind", "city", "contact_name", "contact_email", "description")
    seen: dict[str, int] = {}
    for row in rows:
        values = row.values
        key = v.normalise_key(values["name_zh"])
        if key in seen:
            _error(preview, row, row.column("name_zh"), _("%(name)s is also on row %(n)d.", name=values["name_zh"],
                                                          n=seen[key]))
            continue
        seen[key] = row.row
        partner = existing.get(key)
        if partner is None:
            preview.rows.append(PlanRow(row.row, CREATE, values["name_zh"], data=values))
            continue
        changes = [f"{f}: {getattr(partner, f) or '—'} → {values[f]}" for f in fields
                   if f in row.columns and values.get(f) is not None and getattr(partner, f) != values[f]]
        if changes:
            preview.rows.append(PlanRow(row.row, UPDATE, values["name_zh"], changes=changes,
                                        data={**values, "id": partner.id}))
        else:
            preview.rows.append(PlanRow(row.row, SKIP, values["name_zh"], _("Already up to date.")))


def _apply_partners(preview: Preview, program: Program, user: User) -> None:
    fields = ("name_en", "city", "contact_name", "contact_email", "description")
    for plan in preview.rows:
        values = plan.data
        if plan.action == CREATE:
            _call(plan, iur_services.create_partner, program, name_zh=values["name_zh"], kind=values["kind"],
                  user=user, **{f: values.get(f) for f in fields})
        elif plan.action == UPDATE:
            partner = db.session.get(PartnerOrganisation, values["id"])
            merged = {f: values.get(f) if values.get(f) is not None else getattr(partner, f) for f in fields}
            _call(plan, iur_services.update_partner, partner, name_zh=partner.name_zh, kind=values["kind"] or partner.kind,
                  user=user, **merged)


def _plan_participations(preview: Preview, program: Program, user: User, rows: list[Row]) -> None:
    students = {s.student_no.lower(): s for s in _program_students(program)}
    partners: dict[str, int] = {}
    for p in db.session.scalars(select(PartnerOrganisation).where(PartnerOrganisation.program_id == program.id)):
        partners[v.normalise_key(p.name_zh)] = p.id
        if p.name_en:
            partners.setdefault(v.normalise_key(p.name_en), p.id)
    existing = {
        (r.partner_id, r.student_id, r.kind, v.normalise_title(r.title))
        for r in db.session.execute(
            select(Participation.partner_id, Participation.student_id, Participation.kind, Participation.title)
            .join(PartnerOrganisation).where(PartnerOrganisation.program_id == program.id))
    }
    seen: dict[tuple, int] = {}
    for row in rows:
        values = row.values
        student = students.get(values["student_no"].lower())
        if student is None:
            _error(preview, row, row.column("student_no"), _("%(no)s is not a student of this program.",
                                                             no=values["student_no"]))
            continue
        if values.get("name") and re.sub(r"\s", "", values["name"]) != re.sub(r"\s", "", student.name):
            _error(preview, row, row.column("name"), _("%(no)s is %(name)s, not %(given)s.", no=student.student_no,
                                                       name=student.name, given=values["name"]))
            continue
        partner_id = partners.get(v.normalise_key(values["partner"]))
        if partner_id is None:
            _error(preview, row, row.column("partner"), _("%(name)s is not a partner of this program: import or "
                                                          "add the partner first.", name=values["partner"]))
            continue
        start, end = values.get("start_date"), values.get("end_date")
        if start and end and end < start:
            _error(preview, row, row.column("end_date"), _("The end date is before the start date."))
            continue
        key = (partner_id, student.id, values["kind"], v.normalise_title(values["title"]))
        label = f"{student.display} · {values['title']}"
        if key in existing:
            preview.rows.append(PlanRow(row.row, SKIP, label, _("Already recorded.")))
        elif key in seen:
            preview.rows.append(PlanRow(row.row, SKIP, label, _("Same as row %(n)d.", n=seen[key])))
        else:
            seen[key] = row.row
            preview.rows.append(PlanRow(row.row, CREATE, label,
                                        data={**values, "student_id": student.id, "partner_id": partner_id}))


def _apply_participations(preview: Preview, program: Program, user: User) -> None:
    for plan in preview.rows:
        if plan.action != CREATE:
            continue
        values = plan.data
        _call(plan, iur_services.save_participation, db.session.get(PartnerOrganisation, values["partner_id"]),
              student=db.session.get(Student, values["student_id"]), kind=values["kind"], title=values["title"],
              user=user, start_date=values.get("start_date"), end_date=values.get("end_date"))


# --- manual indicator scores ---


def _plan_scores(preview: Preview, program: Program, user: User, rows: list[Row]) -> None:
    students = {s.student_no.lower(): s for s in _program_students(program)}
    cohorts = {c.entry_year: c.id for c in db.session.scalars(select(Cohort).where(Cohort.program_id == program.id))}
    existing = {
        (r.metric_key, r.cohort_id, r.student_id, round(r.value, 9))
        for r in db.session.execute(select(ManualScore.metric_key, ManualScore.cohort_id, ManualScore.student_id,
                                           ManualScore.value).where(ManualScore.program_id == program.id))
    }
    seen: dict[tuple, int] = {}
    for row in rows:
        values = row.values
        if bool(values.get("student_no")) == bool(values.get("entry_year")):
            _error(preview, row, row.column("student_no") or row.column("entry_year"),
                   _("Give either a student number or a cohort year, not both."))
            continue
        if values.get("student_no"):
            student = students.get(values["student_no"].lower())
            if student is None:
                _error(preview, row, row.column("student_no"), _("%(no)s is not a student of this program.",
                                                                 no=values["student_no"]))
                continue
            target, label = (None, student.id), student.display
        else:
            cohort_id = cohorts.get(values["entry_year"])
            if cohort_id is None:
                _error(preview, row, row.column("entry_year"), _("%(code)s has no cohort for %(year)d.",
                                                                 code=program.code, year=values["entry_year"]))
                continue
            target, label = (cohort_id, None), _("Cohort %(year)d", year=values["entry_year"])
        key = (values["metric_key"], *target, round(values["value"], 9))
        label = f"{values['metric_key']} · {label} · {values['value']:g}"
        if key in existing:
            preview.rows.append(PlanRow(row.row, SKIP, label, _("This rating is already recorded.")))
        elif key in seen:
            preview.rows.append(PlanRow(row.row, SKIP, label, _("Same as row %(n)d.", n=seen[key])))
        else:
            seen[key] = row.row
            preview.rows.append(PlanRow(row.row, CREATE, label,
                                        data={**values, "cohort_id": target[0], "student_id": target[1]}))


def _apply_scores(preview: Preview, program: Program, user: User) -> None:
    for plan in preview.rows:
        if plan.action != CREATE:
            continue
        values = plan.data
        _call(plan, add_manual_score, program, key=values["metric_key"], value=values["value"], user=user,
              cohort=db.session.get(Cohort, values["cohort_id"]) if values["cohort_id"] else None,
              student=db.session.get(Student, values["student_id"]) if values["student_id"] else None,
              note=values.get("note"))


PLANNERS = {
    ImportKind.STUDENTS: _plan_students,
    ImportKind.ACHIEVEMENTS: _plan_achievements,
    ImportKind.PROJECTS: _plan_achievements,
    ImportKind.PATENTS: _plan_achievements,
    ImportKind.AWARDS: _plan_achievements,
    ImportKind.PARTNERS: _plan_partners,
    ImportKind.PARTICIPATIONS: _plan_participations,
    ImportKind.SCORES: _plan_scores,
}
APPLIERS = {
    ImportKind.STUDENTS: _apply_students,
    ImportKind.ACHIEVEMENTS: _apply_achievements,
    ImportKind.PROJECTS: _apply_achievements,
    ImportKind.PATENTS: _apply_achievements,
    ImportKind.AWARDS: _apply_achievements,
    ImportKind.PUBLICATIONS: _apply_achievements,
    ImportKind.PARTNERS: _apply_partners,
    ImportKind.PARTICIPATIONS: _apply_participations,
    ImportKind.SCORES: _apply_scores,
}


# --- carrying it out -------------------------------------------------------------------------------------


def run_import(kind: ImportKind | str, program: Program, user: User, data: bytes, filename: str, *,
               resolutions: Mapping[str, Any] | None = None, expected_fingerprint: str | None = None,
               confirm_duplicates: bool = False) -> Preview:
    """Plan the import again from ``data`` and carry it out; flush, never commit.

    Parameters
    ----------
    kind, program, user, data, filename
        As for :func:`preview_import`.
    resolutions : Mapping[str, Any], optional
        Publications: unmatched author key (``UnmatchedAuthor.key`` or its ``field_name``) → student id, or
        empty to leave the author out. Ids outside the program are refused. Unmentioned authors are left out.
    expected_fingerprint : str, optional
        The :attr:`Preview.fingerprint` the user confirmed; when the new plan differs (someone changed the
        data in between), the import is refused so that the user sees the new preview first.
    confirm_duplicates : bool
        The person confirmed that rows with a near-identical title (:attr:`Preview.similar_rows`) are
        different achievements; without it such an import is refused.

    Returns
    -------
    Preview
        The plan that was carried out (its counts are what was created, updated and skipped).

    Raises
    ------
    ImportRefused
        The file has errors, a chosen student is not in the program, the plan changed since the preview,
        or a domain service refused a row. Nothing was written — but the caller must roll back the
        session (the request does so on any error status; the CLI does it itself).
    DomainError
        The user may not import this kind into this program.
    """
    preview = preview_import(kind, program, user, data, filename)
    if not preview.ok:
        raise ImportRefused(preview)
    if expected_fingerprint is not None and preview.plan_digest != expected_fingerprint:
        raise ImportRefused(preview, _("The data changed since the preview (someone else imported or edited "
                                       "records): check the new preview and confirm again."), retry=True)
    if preview.needs_confirmation and not confirm_duplicates:
        raise ImportRefused(preview, _("%(n)d row(s) look like achievements already recorded: check them and tick "
                                       "“These are different achievements” to import them.",
                                       n=len(preview.similar_rows)), retry=True)
    if preview.kind == ImportKind.PUBLICATIONS:
        _resolve_authors(preview, program, resolutions or {})
        if not preview.ok:
            raise ImportRefused(preview, _("Some choices for unmatched authors are not possible: choose again."),
                                retry=True)
    try:
        APPLIERS[preview.kind](preview, program, user)
    except _RowFailed as exc:
        preview.errors.append(Issue(exc.row, exc.column, exc.reason))
        raise ImportRefused(preview) from exc
    db.session.flush()
    return preview
