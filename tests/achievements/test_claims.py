"""Co-authors claim membership of a recorded achievement instead of declaring it again; a teacher decides."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from eduinnov.achievements import claims, queries, review
from eduinnov.achievements.models import (
    Achievement,
    AchievementClaim,
    AchievementKind,
    ClaimStatus,
    ParticipantRole,
    VerificationStatus,
)
from eduinnov.achievements.services import FieldError, NotAllowed
from eduinnov.auth.models import Role
from eduinnov.core.errors import DomainError
from eduinnov.extensions import db
from eduinnov.notifications.models import NoticeEvent, Notification
from tests.clients import figure
from tests.factories import make_achievement, make_cohort, make_student, make_user


@pytest.fixture
def coauthor(cohort):
    return make_user(Role.STUDENT, student=make_student(cohort, name="合作作者"))


@pytest.fixture
def paper(program, student, teacher):
    return make_achievement(program, [student], AchievementKind.PUBLICATION, created_by_id=teacher.id,
                            supervisor_id=teacher.id, title="面向低代码平台的测试方法", doi="10.1234/lowcode.1")


def _events(user):
    return [n.event for n in db.session.scalars(select(Notification).where(Notification.user_id == user.id))]


def test_coauthor_finds_and_claims_then_teacher_accepts(paper, coauthor, teacher):
    found = queries.list_claimable(coauthor, "10.1234/LOWCODE")
    assert [a.id for a in found] == [paper.id]
    claim = claims.claim_membership(coauthor, paper, "author", "第二作者")
    assert claim.status == ClaimStatus.PENDING and _events(teacher) == [NoticeEvent.CLAIMED]
    assert queries.list_pending_claims(teacher) == [claim]
    with pytest.raises(DomainError):
        claims.claim_membership(coauthor, paper, "author")  # already waiting
    claims.decide_claim(teacher, claim, True)
    db.session.commit()
    a = db.session.get(Achievement, paper.id)
    assert [(p.student_id, p.rank, p.role) for p in a.participants][-1] == (
        coauthor.student_id, 2, ParticipantRole.AUTHOR)
    assert _events(coauthor) == [NoticeEvent.CLAIM_ACCEPTED]
    assert queries.list_claimable(coauthor, "lowcode") == []  # named now: nothing left to claim


def test_refusing_needs_a_reason_and_the_student_may_claim_again(paper, coauthor, teacher):
    claim = claims.claim_membership(coauthor, paper, "author")
    with pytest.raises(FieldError):
        claims.decide_claim(teacher, claim, False)
    claims.decide_claim(teacher, claim, False, "作者名单中没有你")
    assert claim.status == ClaimStatus.REFUSED and len(paper.participants) == 1
    assert _events(coauthor) == [NoticeEvent.CLAIM_REFUSED]
    again = claims.claim_membership(coauthor, paper, "author", "附上作者页")
    assert again.id == claim.id and again.is_pending


def test_claims_are_refused_outside_the_students_program_and_for_drafts(paper, other_program, teacher, coauthor,
                                                                       program, student):
    outsider = make_user(Role.STUDENT, student=make_student(make_cohort(other_program, 2022)))
    with pytest.raises(NotAllowed):
        claims.claim_membership(outsider, paper, "author")
    draft = make_achievement(program, [student], AchievementKind.PUBLICATION, title="草稿",
                             verification_status=VerificationStatus.DRAFT)
    with pytest.raises(NotAllowed):
        claims.claim_membership(coauthor, draft, "author")
    with pytest.raises(FieldError):
        claims.claim_membership(coauthor, paper, "inventor")  # not a role of a paper
    with pytest.raises(NotAllowed):
        claims.claim_membership(teacher, paper, "author")  # staff record, they do not claim
    assert db.session.scalar(select(func.count(AchievementClaim.id))) == 0


def test_verified_items_take_a_director_to_accept(paper, coauthor, teacher, director):
    review.verify_achievement(director, paper, "原件已核对")
    claim = claims.claim_membership(coauthor, paper, "author")
    assert NoticeEvent.CLAIMED in _events(director)
    with pytest.raises(NotAllowed):
        claims.decide_claim(teacher, claim, True)
    assert queries.list_pending_claims(teacher) == [] and queries.count_pending_claims(teacher) == 0
    assert queries.list_pending_claims(director) == [claim] and queries.count_pending_claims(director) == 1
    claims.decide_claim(director, claim, True)
    assert paper.is_verified and len(paper.participants) == 2


def test_claim_pages(login_as, paper, coauthor, teacher, other_teacher):
    b = login_as(coauthor)
    page = b.get("/achievements/claim?q=低代码").get_data(as_text=True)
    assert paper.title in page
    response = b.post(f"/achievements/{paper.id}/claim", {"role": "author", "note": "二作"},
                      token_from="/achievements/claim?q=x")
    assert response.status_code == 302
    claim = db.session.scalars(select(AchievementClaim)).one()
    assert login_as(other_teacher).post(f"/achievements/claims/{claim.id}/decide", {"decision": "accept"},
                                        token_from="/achievements/").status_code == 404
    t = login_as(teacher)
    assert "合作作者" in t.get("/achievements/review").get_data(as_text=True)
    html = t.get("/").get_data(as_text=True)
    assert figure(html, "fig-claims")[0] == 1
    assert t.post(f"/achievements/claims/{claim.id}/decide", {"decision": "accept"},
                  token_from=f"/achievements/{paper.id}").status_code == 302
    assert db.session.get(AchievementClaim, claim.id).status == ClaimStatus.ACCEPTED
    assert login_as(teacher).get("/achievements/claim").status_code == 403


def test_claim_of_another_programs_item_is_404(login_as, coauthor, other_achievement):
    response = login_as(coauthor).post(f"/achievements/{other_achievement.id}/claim", {"role": "member"},
                                       token_from="/achievements/claim")
    assert response.status_code == 404
    assert db.session.scalar(select(func.count(AchievementClaim.id))) == 0
