"""Merging a duplicate: every student and file kept, history kept, one audit entry; refusals change nothing."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import func, select

from eduinnov.achievements import merging
from eduinnov.achievements.models import (
    Achievement,
    AchievementKind,
    AchievementParticipant,
    EvidenceFile,
    JcrQuartile,
    PatentTransfer,
    PatentType,
    TransferKind,
)
from eduinnov.achievements.services import NotAllowed
from eduinnov.core.audit import AuditLog
from eduinnov.core.errors import DomainError
from eduinnov.extensions import db
from tests.factories import make_achievement, make_pdf, make_png, make_student


def _upload(b, achievement, content, name):
    url = f"/achievements/{achievement.id}"
    return b.post(f"{url}/evidence", data={"file": (io.BytesIO(content), name), "confirm_distinct": "y"},
                  token_from=url, content_type="multipart/form-data")


def _audit_count() -> int:
    return db.session.scalar(select(func.count(AuditLog.id)))


def test_merge_keeps_every_participant_file_and_the_history(app, login_as, director, teacher, program, cohort):
    s1, s2, s3 = (make_student(cohort, name=n) for n in ("甲", "乙", "丙"))
    keep = make_achievement(program, [s1, s2], AchievementKind.PUBLICATION, title="Paper", venue="V",
                            doi="10.1/p", created_by_id=teacher.id)
    other = make_achievement(program, [s2, s3], AchievementKind.PUBLICATION, title="Paper.", venue="Other V",
                             doi="10.1/other", jcr_quartile=JcrQuartile.Q2, created_by_id=teacher.id)
    b = login_as(director)
    assert _upload(b, keep, make_pdf(), "a.pdf").status_code == 302
    assert _upload(b, other, make_png(), "b.png").status_code == 302
    assert _upload(b, other, make_pdf(), "same-as-a.pdf").status_code == 302
    before = _audit_count()
    other_id = other.id
    response = b.post(f"/achievements/{keep.id}/merge", {"other_id": str(other_id)}, token_from=f"/achievements/{keep.id}")
    assert response.status_code == 302
    assert db.session.get(Achievement, other_id) is None
    kept = db.session.get(Achievement, keep.id)
    # s2 was on both: named once; s3 comes over with its own rank (2 was taken, so 3).
    assert sorted((p.student_id, p.rank) for p in kept.participants) == [(s1.id, 1), (s2.id, 2), (s3.id, 3)]
    assert sorted(f.original_name for f in kept.evidence_files) == ["a.pdf", "b.png", "same-as-a.pdf"]
    assert db.session.scalar(select(func.count(AchievementParticipant.id))) == 3
    # Its own values stay; what it left empty is taken from the merged item.
    assert (kept.venue, kept.doi, kept.jcr_quartile) == ("V", "10.1/p", JcrQuartile.Q2)
    # One audit entry for the whole merge, naming what moved.
    new_rows = db.session.scalars(select(AuditLog).order_by(AuditLog.id).offset(before)).all()
    assert [(r.action, r.entity_id) for r in new_rows] == [("merge", keep.id)]
    assert new_rows[0].changes["merged_id"] == other_id
    assert new_rows[0].changes["students_added"] == [s3.student_no]
    # The merged item's own history (its creation) is shown with the kept item.
    html = b.get(f"/achievements/{keep.id}").get_data(as_text=True)
    assert "Merged" in html and f"#{other_id} Paper." in html and s3.student_no in html
    assert "JCR quartile: Q2" in html
    assert html.count("Created") >= 2


def test_merge_moves_transfers(app, director, program, student):
    keep = make_achievement(program, [student], AchievementKind.PATENT, patent_type=PatentType.INVENTION)
    other = make_achievement(program, [student], AchievementKind.PATENT, patent_type=PatentType.INVENTION)
    db.session.add(PatentTransfer(achievement=other, event_date=date(2024, 1, 2), kind=TransferKind.LICENCE,
                                  counterparty="某公司"))
    db.session.commit()
    result = merging.merge_achievements(director, keep, other)
    db.session.commit()
    assert result["transfers"] == 1
    assert [t.achievement_id for t in db.session.scalars(select(PatentTransfer))] == [keep.id]


def test_merging_items_of_two_programs_is_refused(app, login_as, admin, director, program, other_program, student):
    keep = make_achievement(program, [student], title="同名")
    other = make_achievement(other_program, [], title="同名")
    with pytest.raises(DomainError, match="same program"):
        merging.merge_achievements(admin, keep, other)
    db.session.rollback()
    b = login_as(admin)
    response = b.post(f"/achievements/{keep.id}/merge", {"other_id": str(other.id)},
                      token_from=f"/achievements/{keep.id}")
    assert response.status_code == 302
    assert "Only achievements of the same program can be merged" in b.get(f"/achievements/{keep.id}").get_data(
        as_text=True)
    assert db.session.get(Achievement, other.id) is not None
    # A director of one program cannot even reach the other program's item.
    assert login_as(director).post(f"/achievements/{keep.id}/merge", {"other_id": str(other.id)},
                                   token_from=f"/achievements/{keep.id}").status_code == 404


def test_merge_refusals_change_nothing(app, director, teacher, program, student):
    a = make_achievement(program, [student], title="一")
    b = make_achievement(program, [student], AchievementKind.AWARD, title="二", competition="C")
    with pytest.raises(DomainError, match="same kind"):
        merging.merge_achievements(director, a, b)
    with pytest.raises(DomainError, match="itself"):
        merging.merge_achievements(director, a, a)
    with pytest.raises(NotAllowed):
        merging.merge_achievements(teacher, a, make_achievement(program, [student], title="三"))
    db.session.rollback()
    assert db.session.scalar(select(func.count(Achievement.id))) == 3
    assert db.session.scalar(select(func.count(EvidenceFile.id))) == 0


def test_teacher_cannot_post_a_merge(login_as, teacher, program, student):
    a = make_achievement(program, [student], title="一")
    b = make_achievement(program, [student], title="二")
    response = login_as(teacher).post(f"/achievements/{a.id}/merge", {"other_id": str(b.id)},
                                      token_from=f"/achievements/{a.id}")
    assert response.status_code == 403 and db.session.get(Achievement, b.id) is not None
