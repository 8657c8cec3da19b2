"""Recording many achievements at once (imports of a program's history: tens of thousands of rows).

:func:`record_achievement` costs several queries per item (supervisor check, students check, flush,
audit). :func:`bulk_record` takes items already cleaned by :func:`~.rules.clean_values` (the rules the forms
apply), checks every student and supervisor in one query per 500 ids, then writes achievements (with
``RETURNING`` ids), their participants and their audit-log rows with a handful of SQLAlchemy Core
``insert()`` executemany statements. The audit rows and the duplicate-check keys (``keys.stored_keys``)
are written here because Core inserts bypass the ORM flush hooks that write them for single records. 50,000 items take seconds (``bench/bench_imports.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import insert, select

from eduinnov.achievements.keys import stored_keys
from eduinnov.achievements.models import (
    Achievement,
    AchievementKind,
    AchievementParticipant,
    ParticipantRole,
    VerificationStatus,
)
from eduinnov.achievements.services.rules import _ALL_KIND_FIELDS, may_log_in
from eduinnov.auth.models import ProgramMembership, User
from eduinnov.core import bulk
from eduinnov.core.audit import AuditLog, jsonable
from eduinnov.core.errors import FieldError, NotAllowed
from eduinnov.core.models import utcnow
from eduinnov.extensions import db
from eduinnov.programs.models import Cohort, Program, Student

_IN_CHUNK = 500
_INSERT_CHUNK = 5000
_AS_IS = frozenset({str, int, bool, float})  # audit values JSON holds as they are (no jsonable() call per cell)


@dataclass(frozen=True)
class BulkAchievement:
    """One achievement to record in bulk.

    ``values`` are the kind's columns as :func:`~.rules.clean_values` returns them (plus ``supervisor_id``
    when given); ``participants`` are (student id, role, rank) triples.
    """

    kind: AchievementKind
    values: dict[str, Any]
    participants: Sequence[tuple[int, ParticipantRole, int]] = ()


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _check_people(program: Program, items: Sequence[BulkAchievement]) -> None:
    """Every student named is a student of ``program``, every supervisor one of its teachers (set-wise)."""
    students = sorted({sid for item in items for sid, _role, _rank in item.participants})
    found: set[int] = set()
    for chunk in _chunks(students, _IN_CHUNK):
        found.update(db.session.scalars(
            select(Student.id).join(Cohort).where(Cohort.program_id == program.id, Student.id.in_(chunk))))
    if len(found) != len(students):
        raise FieldError("participants", _("Every student must belong to the achievement's program."))
    supervisors = sorted({item.values["supervisor_id"] for item in items if item.values.get("supervisor_id")})
    found = set()
    for chunk in _chunks(supervisors, _IN_CHUNK):
        found.update(db.session.scalars(select(ProgramMembership.user_id).where(
            ProgramMembership.program_id == program.id, ProgramMembership.user_id.in_(chunk))))
    if len(found) != len(supervisors):
        raise FieldError("supervisor_id", _("The supervisor must be a teacher of this program."))


def bulk_record(user: User, program: Program, items: Sequence[BulkAchievement], *,
                source: str = "import") -> list[int]:
    """Record ``items`` as *submitted* achievements of ``program`` created by ``user``; never commit.

    Parameters
    ----------
    user : User
        The acting user: a teacher or director of ``program``, or an admin (:func:`~.rules.may_log_in`).
    program : Program
        The program every item belongs to.
    items : Sequence[BulkAchievement]
        Cleaned items, distinct by (kind, title, year) — the import skips repeats of a title in a year,
        and ids are matched back by that key (sparing SQLite the one-statement-per-row ``RETURNING``).
    source : str
        Written into each audit row (``changes["source"]``).

    Returns
    -------
    list[int]
        The new achievement ids, in the order of ``items``.

    Raises
    ------
    NotAllowed
        ``user`` may not record achievements in ``program``.
    FieldError
        A named student is not in the program, or a supervisor is not one of its teachers.
    ValueError
        Two items share kind, title and year (a programming error of the caller).
    """
    if not items:
        return []
    if not may_log_in(user, program):
        raise NotAllowed(_("You cannot record achievements in this program."))
    keys = [(item.kind, item.values["title"], item.values["year"]) for item in items]
    if len(set(keys)) != len(keys):
        raise ValueError("bulk_record needs items distinct by (kind, title, year)")
    _check_people(program, items)
    now = utcnow()
    table = Achievement.__table__
    base = dict.fromkeys(("description", "supervisor_id", *_ALL_KIND_FIELDS))
    records = [{**base, **item.values, "program_id": program.id, "kind": item.kind, "created_by_id": user.id,
                "verification_status": VerificationStatus.SUBMITTED, "submitted_at": now, "created_at": now,
                "updated_at": now} for item in items]
    # The duplicate-check keys (derived, not audited) as the ORM's mapper events would fill them.
    rows = [{**rec, **stored_keys(item.kind, rec)} for item, rec in zip(items, records, strict=True)]
    # On PostgreSQL: ids from the sequence and COPY (core/bulk.py), seconds faster for tens of thousands of rows.
    if bulk.uses_copy():
        ids = bulk.insert_rows(table, rows, return_ids=True)
    else:
        id_of: dict[tuple, int] = {}
        for chunk in _chunks(rows, _INSERT_CHUNK):
            result = db.session.execute(
                insert(table).returning(table.c.id, table.c.kind, table.c.title, table.c.year), chunk)
            id_of.update({(AchievementKind(r.kind), r.title, r.year): r.id for r in result})
        ids = [id_of[key] for key in keys]
    participants = [{"achievement_id": achievement_id, "student_id": student_id, "role": role, "rank": rank,
                     "is_corresponding": False}
                    for item, achievement_id in zip(items, ids, strict=True)
                    for student_id, role, rank in item.participants]
    bulk.insert_rows(AchievementParticipant.__table__, participants)
    # jsonable() once per distinct object (the shared timestamp, enum members …), by identity: every object
    # stays referenced by ``records`` until the audit rows are built, so an id is never reused meanwhile.
    as_json: dict[int, Any] = {}

    def json_value(val: Any) -> Any:
        out = as_json.get(id(val), as_json)
        if out is as_json:
            out = as_json[id(val)] = jsonable(val)
        return out

    bulk.insert_rows(AuditLog.__table__, [{
        "created_at": now, "user_id": user.id, "program_id": program.id, "entity_type": "achievements",
        "entity_id": achievement_id, "action": "create",
        "changes": {**{k: val if val.__class__ in _AS_IS else json_value(val) for k, val in rec.items()
                       if val is not None}, "id": achievement_id,
                    "source": source},
    } for rec, achievement_id in zip(records, ids, strict=True)])
    db.session.expire_all()
    return ids
