"""Services of the achievements domain, per kind, with the validation failures and the verification flow."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from eduinnov.achievements import queries, review, services
from eduinnov.achievements.models import (
    Achievement,
    AchievementKind,
    AchievementParticipant,
    Indexing,
    Level,
    ParticipantRole,
    PatentStatus,
    VerificationStatus,
)
from eduinnov.achievements.services import FieldError, NotAllowed, ParticipantInput
from eduinnov.auth.models import Role
from eduinnov.core.errors import DomainError
from eduinnov.extensions import db
from tests.factories import make_student, make_user

PROJECT = {"title": "基于深度学习的导盲系统", "year": 2024, "level": "national", "project_type": "innovation_training",
           "project_status": "in_progress", "project_number": "202410001", "start_date": date(2024, 5, 1),
           "end_date": date(2025, 5, 1), "funding": Decimal("20000")}
PUBLICATION = {"title": "A study of OBE", "year": 2024, "venue": "高等工程教育研究", "indexing": "CSSCI",
               "doi": "https://doi.org/10.1234/ABC.5678"}
PATENT = {"title": "一种导盲杖", "year": 2024, "patent_type": "utility_model", "patent_status": "applied",
          "application_number": "CN202420000001.5", "application_date": date(2024, 3, 1)}
AWARD = {"title": "挑战杯", "year": 2023, "competition": "挑战杯全国大学生课外学术科技作品竞赛", "level": "provincial",
         "prize_rank": "first", "award_date": date(2023, 11, 20)}


def one(student, role=ParticipantRole.LEADER, rank=1, **kw):
    return [ParticipantInput(student_id=student.id, role=role, rank=rank, **kw)]


def count():
    return db.session.scalar(select(func.count()).select_from(Achievement))


# --- recording, per kind ---

def test_record_project(program, student, teacher):
    a = services.record_achievement(teacher, program, AchievementKind.PROJECT, dict(PROJECT, supervisor_id=teacher.id),
                                    one(student))
    db.session.commit()
    a = db.session.get(Achievement, a.id)
    assert a.level == Level.NATIONAL and a.funding == Decimal("20000.00")
    assert a.verification_status == VerificationStatus.SUBMITTED
    assert a.created_by_id == teacher.id and a.supervisor_id == teacher.id
    assert [(p.student_id, p.role, p.rank) for p in a.participants] == [(student.id, ParticipantRole.LEADER, 1)]


def test_record_publication_normalises_the_doi_and_ignores_other_kinds_fields(program, student, teacher):
    data = dict(PUBLICATION, level="national", grant_number="X1")  # foreign fields are dropped
    a = services.record_achievement(teacher, program, AchievementKind.PUBLICATION, data,
                                    one(student, ParticipantRole.AUTHOR, is_corresponding=True))
    assert a.doi == "10.1234/abc.5678"
    assert a.indexing == Indexing.CSSCI
    assert a.level is None and a.grant_number is None
    assert a.participants[0].is_corresponding is True


@pytest.mark.parametrize("doi", ["10.12/abc", "doi 10.1234/abc", "11.1234/abc", "10.1234/", "10.1234/a b",
                                 "https://example.com/10.1234/abc"])
def test_bad_doi_is_refused(program, student, teacher, doi):
    with pytest.raises(FieldError) as exc:
        services.record_achievement(teacher, program, AchievementKind.PUBLICATION, dict(PUBLICATION, doi=doi),
                                    one(student, ParticipantRole.AUTHOR))
    assert exc.value.field == "doi"
    assert count() == 0


@pytest.mark.parametrize("typed, stored", [("10.1000/XYZ123", "10.1000/xyz123"),
                                           ("doi:10.1000/xyz123", "10.1000/xyz123"),
                                           ("  https://dx.doi.org/10.1000/xyz123 ", "10.1000/xyz123"),
                                           ("", None)])
def test_doi_normalisation(typed, stored):
    assert services.normalise_doi(typed) == stored


def test_patent_applied_must_not_carry_grant_data(program, student, teacher):
    data = dict(PATENT, grant_number="ZL202420000001.5", grant_date=date(2024, 9, 1))
    with pytest.raises(FieldError) as exc:
        services.record_achievement(teacher, program, AchievementKind.PATENT, data,
                                    one(student, ParticipantRole.INVENTOR))
    assert exc.value.field == "grant_number"
    assert count() == 0


def test_patent_granted_needs_grant_data(program, student, teacher):
    with pytest.raises(FieldError) as exc:
        services.record_achievement(teacher, program, AchievementKind.PATENT, dict(PATENT, patent_status="granted"),
                                    one(student, ParticipantRole.INVENTOR))
    assert exc.value.field == "grant_number"
    data = dict(PATENT, patent_status="granted", grant_number="ZL202420000001.5", grant_date=date(2024, 9, 1))
    a = services.record_achievement(teacher, program, AchievementKind.PATENT, data,
                                    one(student, ParticipantRole.INVENTOR))
    assert a.patent_status == PatentStatus.GRANTED and a.grant_number == "ZL202420000001.5"


def test_project_end_before_start_is_refused(program, student, teacher):
    data = dict(PROJECT, start_date=date(2024, 5, 1), end_date=date(2024, 4, 30))
    with pytest.raises(FieldError) as exc:
        services.record_achievement(teacher, program, AchievementKind.PROJECT, data, one(student))
    assert exc.value.field == "end_date"
    assert count() == 0


@pytest.mark.parametrize("change, field", [
    ({"funding": Decimal("-1")}, "funding"),
    ({"level": None}, "level"),
    ({"level": "international"}, "level"),
    ({"year": 1900}, "year"),
    ({"title": "  "}, "title"),
    ({"project_type": "nonsense"}, "project_type"),
])
def test_project_field_rules(program, student, teacher, change, field):
    with pytest.raises(FieldError) as exc:
        services.record_achievement(teacher, program, AchievementKind.PROJECT, dict(PROJECT, **change), one(student))
    assert exc.value.field == field


def test_award_needs_level_and_prize(program, student, teacher):
    with pytest.raises(FieldError) as exc:
        services.record_achievement(teacher, program, AchievementKind.AWARD, dict(AWARD, level=""), one(student))
    assert exc.value.field == "level"
    a = services.record_achievement(teacher, program, AchievementKind.AWARD, AWARD, one(student))
    assert a.level == Level.PROVINCIAL


def test_duplicate_student_is_refused(program, student, teacher):
    rows = [ParticipantInput(student.id, ParticipantRole.LEADER, 1),
            ParticipantInput(student.id, ParticipantRole.MEMBER, 2)]
    with pytest.raises(FieldError, match="twice") as exc:
        services.record_achievement(teacher, program, AchievementKind.PROJECT, PROJECT, rows)
    assert exc.value.field == "participants"
    assert count() == 0


def test_duplicate_or_zero_rank_is_refused(program, cohort, student, teacher):
    other = make_student(cohort)
    for ranks in ((1, 1), (0, 1)):
        rows = [ParticipantInput(student.id, ParticipantRole.LEADER, ranks[0]),
                ParticipantInput(other.id, ParticipantRole.MEMBER, ranks[1])]
        with pytest.raises(FieldError):
            services.record_achievement(teacher, program, AchievementKind.PROJECT, PROJECT, rows)
    assert count() == 0


def test_student_of_another_program_is_refused(program, student, teacher, other_student):
    rows = [ParticipantInput(student.id, ParticipantRole.LEADER, 1),
            ParticipantInput(other_student.id, ParticipantRole.MEMBER, 2)]
    with pytest.raises(FieldError, match="program"):
        services.record_achievement(teacher, program, AchievementKind.PROJECT, PROJECT, rows)
    assert count() == 0
    assert db.session.scalar(select(func.count()).select_from(AchievementParticipant)) == 0


def test_at_least_one_student(program, teacher):
    with pytest.raises(FieldError, match="at least one"):
        services.record_achievement(teacher, program, AchievementKind.PROJECT, PROJECT, [])


def test_role_must_fit_the_kind(program, student, teacher):
    with pytest.raises(FieldError):
        services.record_achievement(teacher, program, AchievementKind.PUBLICATION, PUBLICATION,
                                    one(student, ParticipantRole.LEADER))


def test_supervisor_must_be_a_member_of_the_program(program, student, teacher, other_teacher):
    with pytest.raises(FieldError) as exc:
        services.record_achievement(teacher, program, AchievementKind.PROJECT,
                                    dict(PROJECT, supervisor_id=other_teacher.id), one(student))
    assert exc.value.field == "supervisor_id"


def test_teacher_of_another_program_cannot_record(program, student, other_teacher):
    with pytest.raises(NotAllowed):
        services.record_achievement(other_teacher, program, AchievementKind.PROJECT, PROJECT, one(student))
    assert count() == 0


# --- editing ---

def test_creator_edits_a_claimed_achievement_and_replaces_students(achievement, cohort, student, teacher):
    second = make_student(cohort)
    # Swap ranks and add a student: rows are updated in place (no unique clash on achievement+student).
    rows = [ParticipantInput(second.id, ParticipantRole.LEADER, 1), ParticipantInput(student.id, ParticipantRole.MEMBER, 2)]
    reset = services.update_achievement(teacher, achievement, dict(PROJECT, title="新题目"), rows)
    db.session.commit()
    a = db.session.get(Achievement, achievement.id)
    assert reset is False and a.title == "新题目"
    assert [(p.student_id, p.rank) for p in a.participants] == [(second.id, 1), (student.id, 2)]


def test_failed_edit_changes_nothing(achievement, teacher, student):
    with pytest.raises(FieldError):
        services.update_achievement(teacher, achievement, dict(PROJECT, title="改了", funding=-5), one(student))
    db.session.rollback()
    assert db.session.get(Achievement, achievement.id).title == "智能导盲杖"


def test_teacher_cannot_edit_after_a_decision(achievement, teacher, director, student):
    review.verify_achievement(director, achievement, "已核对原件")
    assert not services.may_edit(teacher, achievement)
    with pytest.raises(NotAllowed):
        services.update_achievement(teacher, achievement, PROJECT, one(student))


def test_other_teacher_of_the_program_cannot_edit(achievement, program, student):
    colleague = make_user(Role.TEACHER, [program])
    assert not services.may_edit(colleague, achievement)
    with pytest.raises(NotAllowed):
        services.update_achievement(colleague, achievement, PROJECT, one(student))


def test_director_edit_of_a_verified_achievement_resets_it_to_submitted(achievement, director, student):
    review.verify_achievement(director, achievement, "已核对原件")
    db.session.commit()
    reset = services.update_achievement(director, achievement, dict(PROJECT, title="更正后的题目"), one(student))
    db.session.commit()
    a = db.session.get(Achievement, achievement.id)
    assert reset is True
    assert a.verification_status == VerificationStatus.SUBMITTED
    assert a.verified_by_id is None and a.verified_at is None
    changes = [e.changes for e in queries.get_audit_history(a) if e.action == "update"]
    assert ("verification_status", "verified", "submitted") in changes[0]


def test_saving_without_change_keeps_the_decision(program, director, student):
    achievement = services.record_achievement(director, program, AchievementKind.PROJECT, PROJECT, one(student))
    review.verify_achievement(director, achievement, "已核对原件")
    db.session.commit()
    fields = (*services.COMMON_FIELDS, *services.KIND_FIELDS[achievement.kind])
    data = {name: getattr(achievement, name) for name in fields}
    assert services.update_achievement(director, achievement, data, one(student)) is False
    assert achievement.verification_status == VerificationStatus.VERIFIED


# --- verification ---

def test_teacher_cannot_verify(achievement, teacher):
    with pytest.raises(NotAllowed):
        review.verify_achievement(teacher, achievement, "已核对原件")
    assert achievement.verification_status == VerificationStatus.SUBMITTED


def test_director_verifies_recording_who_and_when(achievement, director):
    review.verify_achievement(director, achievement, "已核对原件")
    db.session.commit()
    a = db.session.get(Achievement, achievement.id)
    assert a.verification_status == VerificationStatus.VERIFIED
    assert a.verified_by_id == director.id and a.verified_at is not None
    with pytest.raises(DomainError):
        review.verify_achievement(director, a, "已核对原件")  # already decided


def test_reject_needs_a_reason(achievement, director):
    with pytest.raises(FieldError) as exc:
        review.reject_achievement(director, achievement, "   ")
    assert exc.value.field == "reason"
    assert achievement.verification_status == VerificationStatus.SUBMITTED
    review.reject_achievement(director, achievement, "证书扫描件不清晰")
    db.session.commit()
    a = db.session.get(Achievement, achievement.id)
    assert a.verification_status == VerificationStatus.REJECTED
    assert a.verification_note == "证书扫描件不清晰" and a.verified_by_id == director.id


def test_reopen_returns_to_claimed(achievement, director, admin):
    review.reject_achievement(admin, achievement, "重复录入")
    review.reopen_achievement(director, achievement)
    assert achievement.is_pending and achievement.verification_note is None
    with pytest.raises(DomainError):
        review.reopen_achievement(director, achievement)


def test_director_of_another_program_cannot_verify(achievement, other_director):
    with pytest.raises(NotAllowed):
        review.verify_achievement(other_director, achievement, "已核对原件")


# --- deleting ---

def test_creator_deletes_while_claimed_but_not_after_a_decision(achievement, teacher, director):
    assert services.may_delete(teacher, achievement)
    review.verify_achievement(director, achievement, "已核对原件")
    assert not services.may_delete(teacher, achievement)
    with pytest.raises(NotAllowed):
        services.delete_achievement(teacher, achievement)
    services.delete_achievement(director, achievement)
    db.session.commit()
    assert count() == 0


# --- queries ---

def test_list_is_limited_to_the_users_programs_and_filters(program, cohort, student, teacher, admin,
                                                           achievement, other_achievement):
    pub = services.record_achievement(teacher, program, AchievementKind.PUBLICATION, PUBLICATION,
                                      one(student, ParticipantRole.AUTHOR))
    db.session.commit()

    def ids(user, **filters):
        stmt = queries.list_achievements_stmt(user, queries.AchievementFilters(**filters))
        return {a.id for a in db.session.scalars(stmt).unique()}

    assert ids(teacher) == {achievement.id, pub.id}
    assert ids(admin) == {achievement.id, pub.id, other_achievement.id}
    assert ids(teacher, kind=AchievementKind.PUBLICATION) == {pub.id}
    assert ids(teacher, q="10.1234/ABC") == {pub.id}
    assert ids(teacher, q=student.student_no) == {achievement.id, pub.id}
    assert ids(teacher, q="导盲") == {achievement.id}
    assert ids(teacher, q="%") == set()
    assert ids(teacher, cohort_id=cohort.id) == {achievement.id, pub.id}
    assert ids(teacher, year_from=2024) == {pub.id}
    assert ids(teacher, level=Level.UNIVERSITY) == {achievement.id}
    assert ids(teacher, program_id=other_achievement.program_id) == set()


def test_students_list_only_what_they_are_named_on(cohort, student, student_user, achievement, program, teacher):
    make_student(cohort)
    other = make_student(cohort)
    services.record_achievement(teacher, program, AchievementKind.AWARD, AWARD, one(other))
    db.session.commit()
    stmt = queries.list_achievements_stmt(student_user)
    assert [a.id for a in db.session.scalars(stmt).unique()] == [achievement.id]


def test_pending_verification_is_for_directors_of_the_program(achievement, other_achievement, director, teacher,
                                                              admin):
    assert [a.id for a in queries.list_pending_verification(director)] == [achievement.id]
    assert queries.list_pending_verification(teacher) == []
    assert {a.id for a in queries.list_pending_verification(admin)} == {achievement.id, other_achievement.id}
    review.verify_achievement(director, achievement, "已核对原件")
    assert queries.list_pending_verification(director) == []
    assert queries.count_pending_verification(admin) == 1
