"""Importing achievements (projects, patents, awards, publications from spreadsheets)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from eduinnov.achievements import duplicates
from eduinnov.achievements import services as achievement_services
from eduinnov.achievements.models import (
    AchievementKind,
    Indexing,
    ParticipantRole,
)
from eduinnov.auth.models import ProgramMembership, User
from eduinnov.core.errors import ValidationError
from eduinnov.extensions import db
from eduinnov.imports import bibliography as bib
from eduinnov.imports import validators as v
from eduinnov.imports.schemas import ACHIEVEMENT_KIND_OF, Issue, Row
from eduinnov.imports.services._plan import (
    CREATE,
    SKIP,
    PlanRow,
    Preview,
    _error,
    _program_students,
    _RowFailed,
)
from eduinnov.programs.models import Program

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
        return achievement_services.clean_values(kind, data), None, None
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
    """Write the planned achievements through the achievements domain's :func:`bulk_record`."""
    planned = [p for p in preview.rows if p.action == CREATE]
    try:
        achievement_services.bulk_record(user, program, [
            achievement_services.BulkAchievement(p.data["kind"], p.data["values"], p.data["participants"])
            for p in planned])
    except ValidationError as exc:  # a student or supervisor left the program since the plan was made
        raise _RowFailed(None, getattr(exc, "field", None), str(exc)) from exc
