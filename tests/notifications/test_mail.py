"""E-mail of notices: sent by a background job to a real SMTP server (aiosmtpd, started here), never in
the request; nothing is queued when SMTP is not configured."""

from __future__ import annotations

from sqlalchemy import select

from eduinnov.achievements.models import Achievement
from eduinnov.extensions import db
from eduinnov.jobs import services as jobs
from eduinnov.jobs.models import ReportJob
from eduinnov.notifications.models import NoticeEvent, Notification
from tests.factories import free_port

MAIL_JOB = "eduinnov.notifications.mail:send_notices"
FORM = {"title": "基于大模型的代码评审", "year": "2025", "venue": "计算机工程", "indexing": "CSCD",
        "participants-0-role": "author", "participants-0-rank": "1"}


def _declare_and_submit(login_as, student_user, student, teacher):
    b = login_as(student_user)
    data = dict(FORM, supervisor_id=str(teacher.id), **{"participants-0-student_no": student.student_no})
    assert b.post("/achievements/new/publication", data, token_from="/achievements/new/publication").status_code == 302
    a = db.session.scalars(select(Achievement)).one()
    response = b.post(f"/achievements/{a.id}/submit", token_from=f"/achievements/{a.id}")
    assert response.status_code == 302
    return a


def _mail_jobs() -> list[ReportJob]:
    db.session.expire_all()
    return list(db.session.scalars(select(ReportJob).where(ReportJob.func_path == MAIL_JOB)))


def test_notice_is_mailed_by_a_background_job(smtp_server, login_as, student_user, student, teacher):
    a = _declare_and_submit(login_as, student_user, student, teacher)
    (job,) = _mail_jobs()
    assert jobs.wait(job.id, timeout=30)["state"] == "finished"
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert smtp_server.envelopes[0] == ("eduinnov@school.test", [teacher.email])
    assert message["To"] == teacher.email and a.title in message["Subject"]
    body = message.get_content()
    assert f"{student_user.name} submitted “{a.title}” for review." in body
    notice = db.session.scalars(select(Notification).where(Notification.user_id == teacher.id)).one()
    db.session.refresh(notice)
    assert notice.event == NoticeEvent.SUBMITTED and notice.emailed_at is not None


def test_rejection_mail_carries_the_reason_to_the_student(smtp_server, login_as, student_user, student, teacher):
    a = _declare_and_submit(login_as, student_user, student, teacher)
    url = f"/achievements/{a.id}"
    assert login_as(teacher).post(f"{url}/reject", {"reason": "请补充录用通知"}, token_from=url).status_code == 302
    for job in _mail_jobs():
        assert jobs.wait(job.id, timeout=30)["state"] == "finished"
    to_student = [m for m in smtp_server.messages if m["To"] == student_user.email]
    assert len(to_student) == 1 and "请补充录用通知" in to_student[0].get_content()


def test_the_request_never_waits_for_the_mail_server(app, monkeypatch, login_as, student_user, student, teacher):
    monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://127.0.0.1:{free_port()}")  # nothing listens there
    _declare_and_submit(login_as, student_user, student, teacher)  # succeeds: mail is not sent in the request
    (job,) = _mail_jobs()
    assert jobs.wait(job.id, timeout=30)["state"] == "failed"
    notice = db.session.scalars(select(Notification).where(Notification.user_id == teacher.id)).one()
    assert notice.emailed_at is None  # the notice stays in the app


def test_nothing_is_queued_without_smtp(app, monkeypatch, login_as, student_user, student, teacher):
    monkeypatch.setitem(app.config, "SMTP_URL", None)
    monkeypatch.delenv("EDUINNOV_SMTP_URL", raising=False)
    _declare_and_submit(login_as, student_user, student, teacher)
    assert _mail_jobs() == []
    assert db.session.scalars(select(Notification)).one().user_id == teacher.id
