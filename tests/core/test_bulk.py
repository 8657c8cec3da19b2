"""Bulk inserts (core/bulk.py): COPY on PostgreSQL, executemany elsewhere; the same rows either way."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from eduinnov.achievements.keys import stored_keys
from eduinnov.achievements.models import (
    Achievement,
    AchievementKind,
    AchievementParticipant,
    Level,
    ParticipantRole,
)
from eduinnov.core import bulk
from eduinnov.core.audit import AuditLog
from eduinnov.extensions import db


def _records(program, n: int) -> list[dict]:
    return [{"program_id": program.id, "kind": AchievementKind.PROJECT, "title": f"项目 {i}", "year": 2020 + i % 5,
             "level": Level.PROVINCIAL if i % 2 else Level.NATIONAL, "funding": None, "description": None,
             **stored_keys(AchievementKind.PROJECT, {"title": f"项目 {i}"})}
            for i in range(n)]


def test_insert_rows_returns_the_ids_in_row_order_and_applies_defaults(app, program):
    ids = bulk.insert_rows(Achievement.__table__, _records(program, 7), return_ids=True)
    assert len(ids) == len(set(ids)) == 7
    rows = {a.id: a for a in db.session.scalars(select(Achievement).where(Achievement.id.in_(ids)))}
    for i, achievement_id in enumerate(ids):
        a = rows[achievement_id]
        assert (a.title, a.year) == (f"项目 {i}", 2020 + i % 5)
        assert a.level == (Level.PROVINCIAL if i % 2 else Level.NATIONAL)  # stored by value, read back as the enum
        assert a.row_version == 1 and a.created_at is not None and a.updated_at is not None
        assert a.verification_status.value == "submitted"  # the column's Python-side default
        assert a.declared_by_student is False  # server default
    # The sequence moved past the new ids: an ORM insert afterwards gets a fresh id.
    later = Achievement(program_id=program.id, kind=AchievementKind.PROJECT, title="后来", year=2024,
                        level=Level.UNIVERSITY)
    db.session.add(later)
    db.session.flush()
    assert later.id not in ids


def test_insert_rows_without_ids_and_json_columns(app, program, student):
    [achievement_id] = bulk.insert_rows(Achievement.__table__, _records(program, 1), return_ids=True)
    assert bulk.insert_rows(AchievementParticipant.__table__, [
        {"achievement_id": achievement_id, "student_id": student.id, "role": ParticipantRole.LEADER, "rank": 1,
         "is_corresponding": False}]) == []
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    bulk.insert_rows(AuditLog.__table__, [{
        "created_at": when, "user_id": None, "program_id": program.id, "entity_type": "achievements",
        "entity_id": achievement_id, "action": "create", "changes": {"title": "项目 0", "year": 2020, "n": [1, 2]}}])
    participant = db.session.scalar(select(AchievementParticipant).where(
        AchievementParticipant.achievement_id == achievement_id))
    assert (participant.student_id, participant.role, participant.rank) == (student.id, ParticipantRole.LEADER, 1)
    log = db.session.scalar(select(AuditLog).where(AuditLog.entity_type == "achievements",
                                                   AuditLog.entity_id == achievement_id))
    assert log.changes == {"title": "项目 0", "year": 2020, "n": [1, 2]}
    assert log.created_at.replace(tzinfo=UTC) == when


def test_nothing_to_insert(app):
    assert bulk.insert_rows(Achievement.__table__, [], return_ids=True) == []
