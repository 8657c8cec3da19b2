"""The review loop as services: student declarations, teacher review, verify (one or many), reject, resubmit,
with history, notices and the evidence rule."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from eduinnov.achievements import queries, review, services
from eduinnov.achievements.models import Achievement, AchievementKind, ParticipantRole, VerificationStatus
from eduinnov.achievements.services import FieldError, NotAllowed, ParticipantInput
from eduinnov.auth.models import MembershipRole, Role
from eduinnov.core.audit import AuditLog
from eduinnov.core.errors import DomainError
from eduinnov.extensions import db
from eduinnov.notifications.models import NoticeEvent, Notification
from tests.factories import make_pdf, make_student, make_user

PAPER = {"title": "面向低代码平台的测试用例生成方法", "year": 2025, "venue": "计算机应用", "indexing": "CSCD"}
S = VerificationStatus


def author(student, rank=1):
    return ParticipantInput(student_id=student.id, role=ParticipantRole.AUTHOR, rank=rank)


def notices(user) -> list[tuple[NoticeEvent, int | None]]:
    rows = db.session.scalars(select(Notification).where(Notification.user_id == user.id).order_by(Notification.id))
    return [(n.event, n.achievement_id) for n in rows]


def attach_pdf(user, achievement):
    return services.add_evidence(user, achievement, FileStorage(io.BytesIO(make_pdf(f"item {achievement.id}")),
                                                                   filename="证书.pdf"))


@pytest.fixture
def declaration(student_user, student, teacher, director):
    """A student's submitted paper declaration with a PDF certificate, supervised by ``teacher``."""
    a = services.declare_achievement(student_user, AchievementKind.PUBLICATION,
                                     dict(PAPER, supervisor_id=teacher.id), [author(student)], draft=True)
    attach_pdf(student_user, a)
    assert notices(teacher) == []  # a draft concerns nobody yet
    review.submit_achievement(student_user, a)
    db.session.commit()
    return a


def test_student_declares_her_own_paper_and_her_supervisor_is_notified(declaration, student_user, teacher,
                                                                       director, program):
    a = db.session.get(Achievement, declaration.id)
    assert a.program_id == program.id and a.declared_by_student and a.created_by_id == student_user.id
    assert a.verification_status == S.SUBMITTED and a.submitted_at is not None
    assert a.needs_review and not a.awaits_verification
    assert notices(teacher) == [(NoticeEvent.SUBMITTED, a.id)]
    assert notices(director) == []  # directors are asked only once a teacher has reviewed it
    assert notices(student_user) == []  # never told of her own action


def test_a_student_cannot_declare_for_a_classmate_alone(student_user, cohort):
    classmate = make_student(cohort, name="同班同学")
    before = db.session.scalar(select(db.func.count(Achievement.id)))
    with pytest.raises(FieldError) as exc:
        services.declare_achievement(student_user, AchievementKind.PUBLICATION, PAPER, [author(classmate)])
    assert exc.value.field == "participants" and "name yourself" in str(exc.value)
    db.session.rollback()
    assert db.session.scalar(select(db.func.count(Achievement.id))) == before


def test_student_may_name_co_authors_with_herself(student_user, student, cohort):
    classmate = make_student(cohort, name="合作者")
    a = services.declare_achievement(student_user, AchievementKind.PUBLICATION, PAPER,
                                     [author(student), author(classmate, 2)])
    assert sorted(p.student_id for p in a.participants) == sorted([student.id, classmate.id])


def test_teacher_cannot_declare_and_student_cannot_record(teacher, student_user, program, student):
    with pytest.raises(NotAllowed):
        services.declare_achievement(teacher, AchievementKind.PUBLICATION, PAPER, [author(student)])
    with pytest.raises(NotAllowed):
        services.record_achievement(student_user, program, AchievementKind.PUBLICATION, PAPER, [author(student)])


def test_teacher_verifying_is_refused_and_changes_nothing(declaration, teacher):
    review.review_achievement(teacher, declaration)
    with pytest.raises(NotAllowed):
        review.verify_achievement(teacher, declaration, "看过了")
    assert declaration.verification_status == S.REVIEWED


def test_declaration_must_be_reviewed_before_a_director_verifies(declaration, director):
    with pytest.raises(DomainError, match="review"):
        review.verify_achievement(director, declaration)
    assert declaration.verification_status == S.SUBMITTED


def test_full_loop_with_history_and_notices(declaration, student_user, teacher, director, student):
    a = declaration
    review.review_achievement(teacher, a)
    assert a.verification_status == S.REVIEWED and a.reviewed_by_id == teacher.id
    assert (NoticeEvent.REVIEWED, a.id) in notices(director)
    assert (NoticeEvent.REVIEWED, a.id) in notices(student_user)

    review.reject_achievement(director, a, "请上传录用通知，而不是投稿回执")
    db.session.commit()
    assert a.verification_status == S.REJECTED and a.verified_by_id == director.id
    assert notices(student_user)[-1] == (NoticeEvent.REJECTED, a.id)
    note = db.session.scalars(select(Notification.note).where(Notification.user_id == student_user.id)
                              .order_by(Notification.id.desc())).first()
    assert note == "请上传录用通知，而不是投稿回执"

    # The student may now edit her rejected declaration, and submit it again.
    assert services.may_edit(student_user, a)
    services.update_achievement(student_user, a, dict(PAPER, title="面向低代码平台的测试用例自动生成方法",
                                                      supervisor_id=teacher.id), [author(student)])
    assert a.verification_status == S.REJECTED  # stays rejected until resubmitted
    review.submit_achievement(student_user, a)
    assert a.verification_status == S.SUBMITTED and a.verification_note is None and a.reviewed_by_id is None
    assert notices(teacher)[-1] == (NoticeEvent.RESUBMITTED, a.id)
    review.review_achievement(teacher, a)
    review.verify_achievement(director, a)  # has evidence: no reason needed
    db.session.commit()
    a = db.session.get(Achievement, a.id)
    assert a.verification_status == S.VERIFIED and a.verified_by_id == director.id
    assert notices(student_user)[-1] == (NoticeEvent.VERIFIED, a.id)

    # The history says what changed, in order, with the reason (who: see the view tests, where the
    # request names the acting user).
    statuses = [[c for c in e.changes if c[0] == "verification_status"] for e in reversed(queries.get_audit_history(a))]
    transitions = [(c[0][1], c[0][2]) for c in statuses if c]
    assert transitions == [
        (None, "draft"), ("draft", "submitted"), ("submitted", "reviewed"), ("reviewed", "rejected"),
        ("rejected", "submitted"), ("submitted", "reviewed"), ("reviewed", "verified"),
    ]
    changes = {c for e in queries.get_audit_history(a) for c in e.changes}
    assert ("verification_note", None, "请上传录用通知，而不是投稿回执") in changes
    assert ("title", PAPER["title"], "面向低代码平台的测试用例自动生成方法") in changes
    assert [e.action for e in queries.get_audit_history(a)].count("evidence_added") == 1


def test_student_cannot_edit_once_submitted_or_verified(declaration, student_user, teacher, director, student):
    assert not services.may_edit(student_user, declaration)
    with pytest.raises(NotAllowed):
        services.update_achievement(student_user, declaration, PAPER, [author(student)])
    review.review_achievement(teacher, declaration)
    review.verify_achievement(director, declaration)
    with pytest.raises(NotAllowed):
        services.update_achievement(student_user, declaration, dict(PAPER, title="改"), [author(student)])
    with pytest.raises(NotAllowed):
        review.submit_achievement(student_user, declaration)
    assert declaration.title == PAPER["title"] and declaration.verification_status == S.VERIFIED


def test_teacher_returns_a_declaration_with_a_reason(declaration, teacher, student_user):
    with pytest.raises(FieldError):
        review.reject_achievement(teacher, declaration, "  ")
    review.reject_achievement(teacher, declaration, "作者顺序与论文不符")
    assert declaration.verification_status == S.REJECTED
    assert notices(student_user) == [(NoticeEvent.RETURNED, declaration.id)]


def test_other_programs_teacher_cannot_review(declaration, other_teacher):
    with pytest.raises(NotAllowed):
        review.review_achievement(other_teacher, declaration)


def test_draft_is_submitted_later_and_only_then_notifies(program, teacher, director, student):
    a = services.record_achievement(teacher, program, AchievementKind.PUBLICATION, PAPER, [author(student)],
                                    draft=True)
    assert a.verification_status == S.DRAFT and a.submitted_at is None
    assert notices(director) == []
    assert queries.count_pending_verification(director) == 0
    review.submit_achievement(teacher, a)
    assert a.awaits_verification and notices(director) == [(NoticeEvent.SUBMITTED, a.id)]
    with pytest.raises(DomainError):
        review.submit_achievement(teacher, a)  # already submitted


def test_verifying_without_evidence_needs_a_reason_unless_the_program_says_otherwise(achievement, director,
                                                                                    program):
    with pytest.raises(FieldError) as exc:
        review.verify_achievement(director, achievement)
    assert exc.value.field == "note" and achievement.verification_status == S.SUBMITTED
    review.verify_achievement(director, achievement, "原件已在学院核对")
    assert achievement.verification_note == "原件已在学院核对"
    review.reopen_achievement(director, achievement)
    review.set_evidence_required(director, program, False)
    review.verify_achievement(director, achievement)
    assert achievement.is_verified


def test_only_directors_change_the_evidence_setting(program, teacher):
    with pytest.raises(NotAllowed):
        review.set_evidence_required(teacher, program, False)
    assert program.evidence_required is True


def test_batch_verify_is_all_or_nothing(program, teacher, director, student, other_achievement):
    with_file = services.record_achievement(teacher, program, AchievementKind.PUBLICATION, PAPER, [author(student)])
    attach_pdf(teacher, with_file)
    without = services.record_achievement(teacher, program, AchievementKind.PUBLICATION,
                                          dict(PAPER, title="第二篇"), [author(student)])
    with pytest.raises(FieldError, match="1 of the selected"):
        review.verify_many(director, [with_file, without])
    assert with_file.verification_status == S.SUBMITTED and without.verification_status == S.SUBMITTED
    with pytest.raises(NotAllowed):  # an item of another program spoils the batch
        review.verify_many(director, [with_file, other_achievement], "已核对")
    assert review.verify_many(director, [with_file, without], "纸质证明已核对") == 2
    assert with_file.verification_note is None and without.verification_note == "纸质证明已核对"
    assert with_file.is_verified and without.is_verified


def test_queue_summary_counts_and_splits_by_evidence(program, teacher, director, student, declaration):
    first = services.record_achievement(teacher, program, AchievementKind.PUBLICATION, PAPER, [author(student)])
    attach_pdf(teacher, first)
    services.record_achievement(teacher, program, AchievementKind.PUBLICATION, dict(PAPER, title="二"),
                                [author(student)])
    services.record_achievement(teacher, program, AchievementKind.PUBLICATION, dict(PAPER, title="三"),
                                [author(student)], draft=True)
    attach_pdf(teacher, first)  # a second file: the item still counts once
    summary = queries.queue_summary(director)
    # The student's declaration waits for a teacher, the draft for its author: neither is counted.
    assert (summary.count, summary.with_evidence, summary.without_evidence) == (2, 1, 1)
    waiting = [first, *db.session.scalars(select(Achievement).where(Achievement.title == "二"))]
    naive = [(a.submitted_at or a.created_at).replace(tzinfo=None) for a in waiting]  # as each database returns it
    assert summary.oldest.replace(tzinfo=None) == min(naive)
    assert queries.count_review_queue(teacher) == 1
    without = queries.AchievementFilters(evidence=False)
    assert [a.title for a in queries.list_pending_verification(director, without)] == ["二"]


def test_evidence_removal_is_audited(declaration, student_user, director):
    file = declaration.evidence_files[0]
    with pytest.raises(NotAllowed):  # submitted: the student waits, she cannot change it
        services.remove_evidence(student_user, file)
    services.remove_evidence(director, file)
    db.session.commit()
    rows = db.session.scalars(select(AuditLog).where(AuditLog.entity_id == declaration.id,
                                                     AuditLog.action == "evidence_removed")).all()
    assert len(rows) == 1 and rows[0].user_id == director.id and rows[0].changes["evidence"] == "证书.pdf"


def test_supervisorless_declaration_goes_to_the_programs_teachers(student_user, student, program, teacher):
    colleague = make_user(Role.TEACHER, [program])
    director_only = make_user(Role.DIRECTOR, [program], membership=MembershipRole.DIRECTOR)
    a = services.declare_achievement(student_user, AchievementKind.AWARD,
                                     {"title": "蓝桥杯", "year": 2025, "competition": "蓝桥杯", "level": "provincial",
                                      "prize_rank": "second"},
                                     [ParticipantInput(student_id=student.id, role=ParticipantRole.LEADER, rank=1)])
    assert (NoticeEvent.SUBMITTED, a.id) in notices(teacher)
    assert (NoticeEvent.SUBMITTED, a.id) in notices(colleague)
    assert notices(director_only) == []


def test_student_cannot_remove_herself_when_correcting(declaration, student_user, director, student, cohort):
    review.review_achievement(make_user(Role.TEACHER, [declaration.program]), declaration)
    review.reject_achievement(director, declaration, "补充作者")
    classmate = make_student(cohort, name="另一位同学")
    with pytest.raises(FieldError):
        services.update_achievement(student_user, declaration, PAPER, [author(classmate)])
    db.session.rollback()
    assert [p.student_id for p in db.session.get(Achievement, declaration.id).participants] == [student.id]
