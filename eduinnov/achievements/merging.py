"""Merging two records of the same achievement into one (a director's action on a duplicate).

The kept item receives the other item's students (those it did not name yet), its evidence files, its
patent transfers, and the values of the columns it left empty; the other item is deleted. The whole merge is one audit entry on the kept item
(action ``merge``) holding a snapshot of the removed item, and the removed item's own history stays in
the audit log and is shown with the kept item (``duplicates.history_ids``).
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, inspect, select, update

from eduinnov.achievements.keys import KEY_INPUTS, stored_keys
from eduinnov.achievements.models import Achievement, AchievementParticipant, EvidenceFile, PatentTransfer
from eduinnov.achievements.services import COMMON_FIELDS, KIND_FIELDS, NotAllowed
from eduinnov.auth.access import Action, can
from eduinnov.auth.models import User
from eduinnov.core.audit import AuditLog, jsonable
from eduinnov.core.errors import DomainError
from eduinnov.core.models import utcnow
from eduinnov.extensions import db
from eduinnov.programs.models import Student

__all__ = ["MergeResult", "merge_achievements"]


class MergeResult(dict):
    """What a merge moved: ``students`` (numbers added), ``files`` (names moved), ``transfers`` (count)."""


def _snapshot(achievement: Achievement) -> dict[str, Any]:
    return {attr.key: jsonable(getattr(achievement, attr.key))
            for attr in inspect(Achievement).column_attrs if getattr(achievement, attr.key) is not None}


def merge_achievements(user: User, keep: Achievement, other: Achievement) -> MergeResult:
    """Merge ``other`` into ``keep``: students, evidence and transfers move over, ``other`` is deleted.

    Parameters
    ----------
    user : User
        A director of the program (or an admin).
    keep : Achievement
        The record that stays (its own values are kept; only its empty columns are filled from ``other``).
    other : Achievement
        The duplicate record that goes.

    Returns
    -------
    MergeResult
        The student numbers added to ``keep``, the evidence file names moved, the number of transfers moved.

    Raises
    ------
    NotAllowed
        Unless the user may verify both items.
    DomainError
        For the same item twice, items of two programs or of two kinds. Nothing is changed.
    """
    if not (can(user, Action.VERIFY, keep) and can(user, Action.VERIFY, other)):
        raise NotAllowed(_("Only the program's directors can merge achievements."))
    if keep.id == other.id:
        raise DomainError(_("An achievement cannot be merged with itself."))
    if keep.program_id != other.program_id:
        raise DomainError(_("Only achievements of the same program can be merged."))
    if keep.kind != other.kind:
        raise DomainError(_("Only achievements of the same kind can be merged."))

    db.session.flush()
    kept_students = {p.student_id for p in keep.participants}
    used_ranks = {p.rank for p in keep.participants}
    next_rank = max(used_ranks, default=0) + 1
    added: list[int] = []
    for p in sorted(other.participants, key=lambda p: p.rank):
        if p.student_id in kept_students:
            continue
        rank = p.rank if p.rank not in used_ranks else next_rank
        used_ranks.add(rank)
        next_rank = max(used_ranks) + 1
        db.session.execute(update(AchievementParticipant).where(AchievementParticipant.id == p.id)
                           .values(achievement_id=keep.id, rank=rank))
        kept_students.add(p.student_id)
        added.append(p.student_id)
    numbers = dict(db.session.execute(select(Student.id, Student.student_no)
                                      .where(Student.id.in_(added or [-1]))).all())
    # Columns the kept item left empty take the other item's values (its own values always win).
    filled = {name: getattr(other, name) for name in (*COMMON_FIELDS, *KIND_FIELDS[keep.kind])
              if name not in ("title", "year") and getattr(keep, name) in (None, "")
              and getattr(other, name) not in (None, "")}
    files = [f.original_name for f in other.evidence_files]
    transfers = len(other.transfers)
    snapshot = _snapshot(other)
    other_id, other_title = other.id, other.title

    # Core statements: the moves and the deletion are recorded by the one audit row below, not row by row.
    db.session.execute(update(EvidenceFile).where(EvidenceFile.achievement_id == other_id)
                       .values(achievement_id=keep.id))
    db.session.execute(update(PatentTransfer).where(PatentTransfer.achievement_id == other_id)
                       .values(achievement_id=keep.id))
    db.session.execute(delete(AchievementParticipant).where(AchievementParticipant.achievement_id == other_id))
    db.session.expunge(other)
    db.session.execute(delete(Achievement).where(Achievement.id == other_id))
    now = utcnow()
    # A filled identifier changes the kept item's duplicate-check keys (Core update: no mapper event).
    inputs = {name: filled.get(name, getattr(keep, name)) for name in KEY_INPUTS}
    db.session.execute(update(Achievement).where(Achievement.id == keep.id)
                       .values(updated_at=now, **filled, **stored_keys(keep.kind, inputs)))
    db.session.execute(AuditLog.__table__.insert().values(
        created_at=now, user_id=user.id, program_id=keep.program_id, entity_type=Achievement.__tablename__,
        entity_id=keep.id, action="merge",
        changes={"merged_id": other_id, "merged_title": other_title, "merged": snapshot,
                 "students_added": [numbers.get(s) for s in added], "evidence_moved": files,
                 "transfers_moved": transfers, "fields_filled": {k: jsonable(v) for k, v in filled.items()}},
    ))
    db.session.expire(keep)
    return MergeResult(students=[numbers.get(s) for s in added], files=files, transfers=transfers)
