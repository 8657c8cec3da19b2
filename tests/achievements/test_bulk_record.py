"""``achievements.services.bulk_record``: the bulk write imports call (issue #14 §3: imports write no model)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from eduinnov.achievements.models import (
    Achievement,
    AchievementKind,
    AchievementParticipant,
    Level,
    ParticipantRole,
    PrizeRank,
    VerificationStatus,
)
from eduinnov.achievements.services import BulkAchievement, bulk_record, clean_values
from eduinnov.auth.models import Role
from eduinnov.core.audit import AuditLog
from eduinnov.core.errors import FieldError, NotAllowed
from eduinnov.extensions import db
from tests.factories import make_cohort, make_student, make_user


def _award(title: str, year: int, students, supervisor_id=None) -> BulkAchievement:
    values = clean_values(AchievementKind.AWARD, {"title": title, "year": year, "competition": "挑战杯",
                                                  "level": Level.NATIONAL, "prize_rank": PrizeRank.FIRST})
    values["supervisor_id"] = supervisor_id  # as the import sets it, after its own lookup
    roles = [ParticipantRole.LEADER] + [ParticipantRole.MEMBER] * (len(students) - 1)
    return BulkAchievement(AchievementKind.AWARD, values,
                           [(s.id, role, rank) for rank, (s, role) in enumerate(zip(students, roles, strict=True), 1)])


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_bulk_record_writes_items_their_students_and_audit_rows_in_order(program, cohort, teacher):
    a, b = make_student(cohort), make_student(cohort)
    items = [_award("智能导盲杖", 2023, [a, b], supervisor_id=teacher.id), _award("作物病害识别", 2024, [b])]
    ids = bulk_record(teacher, program, items)
    db.session.commit()
    first, second = (db.session.get(Achievement, i) for i in ids)
    assert (first.title, first.year, second.title) == ("智能导盲杖", 2023, "作物病害识别")
    assert first.verification_status == VerificationStatus.SUBMITTED and first.created_by_id == teacher.id
    assert first.supervisor_id == teacher.id and first.program_id == program.id
    rows = db.session.execute(select(AchievementParticipant.achievement_id, AchievementParticipant.student_id,
                                     AchievementParticipant.role, AchievementParticipant.rank)
                              .order_by(AchievementParticipant.achievement_id, AchievementParticipant.rank)).all()
    assert [tuple(r) for r in rows] == [(ids[0], a.id, ParticipantRole.LEADER, 1), (ids[0], b.id, ParticipantRole.MEMBER, 2),
                                        (ids[1], b.id, ParticipantRole.LEADER, 1)]
    audit = db.session.scalars(select(AuditLog).where(AuditLog.entity_type == "achievements")
                               .order_by(AuditLog.entity_id)).all()
    assert [(r.entity_id, r.action, r.changes["source"], r.changes["title"]) for r in audit] == [
        (ids[0], "create", "import", "智能导盲杖"), (ids[1], "create", "import", "作物病害识别")]


@pytest.mark.parametrize("who", ["outsider", "foreign student", "foreign supervisor"])
def test_bulk_record_refuses_people_outside_the_program_and_writes_nothing(program, other_program, cohort, teacher, who):
    mine = make_student(cohort)
    theirs = make_student(make_cohort(other_program))
    outsider = make_user(Role.TEACHER, [other_program])
    user, students, supervisor = teacher, [mine], None
    if who == "outsider":
        user = outsider
    elif who == "foreign student":
        students = [mine, theirs]
    else:
        supervisor = outsider.id
    before = (_count(Achievement), _count(AchievementParticipant), _count(AuditLog))
    with pytest.raises(NotAllowed if who == "outsider" else FieldError):
        bulk_record(user, program, [_award("智能导盲杖", 2023, students, supervisor_id=supervisor)])
    db.session.rollback()
    assert (_count(Achievement), _count(AchievementParticipant), _count(AuditLog)) == before


def test_bulk_record_needs_items_distinct_by_kind_title_and_year(program, cohort, teacher):
    s = make_student(cohort)
    with pytest.raises(ValueError, match="distinct"):
        bulk_record(teacher, program, [_award("同名", 2023, [s]), _award("同名", 2023, [s])])
    assert bulk_record(teacher, program, []) == []
