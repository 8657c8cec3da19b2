"""Accounts for a roster: bulk creation, the invitation list, one-time links that expire; no password in clear."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from eduinnov.auth import invitations
from eduinnov.auth.models import Invitation, Role, User
from eduinnov.core.errors import DomainError
from eduinnov.core.models import utcnow
from eduinnov.extensions import db
from eduinnov.programs.models import StudentStatus
from tests.factories import make_student, make_user

PASSWORD = "a brand new secret"


@pytest.fixture
def roster(cohort):
    return [make_student(cohort, student_no="2022051001", name="张伟", email="zhang@stu.edu"),
            make_student(cohort, student_no="2022051002", name="=HYPERLINK(\"x\")"),
            make_student(cohort, student_no="2022051003", name="李娜")]


def _download(b, cohort, fmt="csv"):
    url = f"/programs/cohorts/{cohort.id}/accounts"
    return b.post(url, {"fmt": fmt}, token_from=url)


def _rows(response) -> list[dict]:
    text = response.get_data().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_director_creates_accounts_and_downloads_one_link_each(login_as, director, cohort, roster):
    existing = make_user(Role.STUDENT, student=roster[2])  # already has an account with a password
    b = login_as(director)
    page = b.get(f"/programs/cohorts/{cohort.id}/accounts").get_data(as_text=True)
    assert re.search(r'id="n-without">2<', page) and re.search(r'id="n-active">1<', page)
    response = _download(b, cohort)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "no-store" in response.headers["Cache-Control"]
    rows = _rows(response)
    assert [r["Student number"] for r in rows] == ["2022051001", "2022051002"]
    assert rows[0]["Login e-mail"] == "zhang@stu.edu"
    assert rows[1]["Login e-mail"] == "2022051002@students.invalid"
    assert rows[1]["Name"].startswith("'=")  # formula-safe
    accounts = db.session.scalars(select(User).where(User.role == Role.STUDENT).order_by(User.email)).all()
    assert len(accounts) == 3 and db.session.get(User, existing.id).has_password
    new = [u for u in accounts if u.id != existing.id]
    assert all(not u.has_password and u.student_id for u in new)
    # Only hashes are stored: no token (and no password) appears in the database.
    tokens = [r["Invitation link"].rsplit("/", 1)[1] for r in rows]
    stored = db.session.scalars(select(Invitation.token_hash)).all()
    assert sorted(stored) == sorted(invitations.token_hash(t) for t in tokens)
    assert not set(tokens) & set(stored)
    # A new account cannot log in before its owner sets a password (whatever is typed).
    assert not new[0].check_password("") and not new[0].check_password("!unset")


def test_invitation_sets_the_password_once(app, client, login_as, director, cohort, roster):
    rows = _rows(_download(login_as(director), cohort))
    link = rows[0]["Invitation link"].replace("http://localhost", "")
    page = client.get(link)
    assert page.status_code == 200 and "zhang@stu.edu" in page.get_data(as_text=True)
    from tests.clients import csrf_token

    token = csrf_token(client, link)
    short = client.post(link, data={"csrf_token": token, "new": "short", "confirm": "short"})
    assert short.status_code == 200 and "10" in short.get_data(as_text=True)
    done = client.post(link, data={"csrf_token": token, "new": PASSWORD, "confirm": PASSWORD})
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    user = db.session.scalar(select(User).where(User.email == "zhang@stu.edu"))
    assert user.check_password(PASSWORD) and PASSWORD not in user.password_hash
    again = client.get(link)
    assert again.status_code == 410 and "already used" in again.get_data(as_text=True)
    reuse = client.post(link, data={"csrf_token": token, "new": "another secret!", "confirm": "another secret!"})
    assert reuse.status_code == 410
    assert db.session.scalar(select(User).where(User.email == "zhang@stu.edu")).check_password(PASSWORD)


def test_expired_unknown_and_replaced_links_are_refused_clearly(app, client, login_as, director, cohort, roster):
    b = login_as(director)
    first = _rows(_download(b, cohort))[0]["Invitation link"].replace("http://localhost", "")
    second = _rows(_download(b, cohort))[0]["Invitation link"].replace("http://localhost", "")
    assert "replaced by a newer one" in client.get(first).get_data(as_text=True)
    row = db.session.scalar(select(Invitation).join(User, User.id == Invitation.user_id).where(
        Invitation.revoked_at.is_(None), User.email == "zhang@stu.edu"))
    row.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    expired = client.get(second)
    assert expired.status_code == 410 and "expired on" in expired.get_data(as_text=True)
    assert client.get("/invitation/not-a-real-token").status_code == 404
    unknown = client.get("/invitation/" + "A" * 43)
    assert unknown.status_code == 410 and "not valid" in unknown.get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.email == "zhang@stu.edu"))
    assert not user.has_password


def test_xlsx_list_and_withdrawn_students(login_as, director, cohort, roster):
    make_student(cohort, student_no="2022051009", name="退学", status=StudentStatus.WITHDRAWN)
    response = _download(login_as(director), cohort, "xlsx")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    numbers = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert numbers == ["2022051001", "2022051002", "2022051003"]


@pytest.fixture
def other_director(other_program):
    return make_user(Role.DIRECTOR, [other_program])


def test_only_directors_of_the_program(login_as, teacher, other_director, cohort, roster):
    assert login_as(teacher).get(f"/programs/cohorts/{cohort.id}/accounts").status_code == 403
    assert login_as(other_director).get(f"/programs/cohorts/{cohort.id}/accounts").status_code == 404
    with pytest.raises(DomainError):
        invitations.create_roster_accounts(teacher, cohort)
    assert db.session.scalar(select(func.count(User.id)).where(User.role == Role.STUDENT)) == 0


def test_an_email_taken_by_another_account_changes_nothing(app, director, cohort, roster):
    make_user(Role.TEACHER, email="zhang@stu.edu")
    with pytest.raises(DomainError, match="zhang@stu.edu"):
        invitations.create_roster_accounts(director, cohort)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Invitation.id))) == 0


def test_after_a_student_import_the_director_is_pointed_to_the_accounts(login_as, director, program, cohort):
    from tests.factories import csv_bytes

    b = login_as(director)
    upload_url = f"/imports/{program.id}/students"
    data = csv_bytes([["学号", "姓名", "入学年份"], ["2022059001", "新生甲", "2022"]])
    html = b.post(f"{upload_url}/preview", {"file": (io.BytesIO(data), "r.csv")}, token_from=upload_url,
                  content_type="multipart/form-data").get_data(as_text=True)
    token = re.search(r'name="token"[^>]*value="([^"]+)"', html) or re.search(r'value="([^"]+)"[^>]*name="token"',
                                                                               html)
    done = b.post(f"{upload_url}/confirm", {"token": token.group(1)}, token_from=upload_url)
    page = b.get(done.headers["Location"]).get_data(as_text=True)
    assert "open “Accounts” on their cohort" in page.replace("&#34;", '"').replace("&#39;", "'")
    assert f"/programs/cohorts/{cohort.id}/accounts" in page


# --- e-mailing the invitations (a background job, a real SMTP server) ---

INVITE_JOB = "eduinnov.notifications.invitations:send_invitations"


def _mail_roster(b, cohort):
    url = f"/programs/cohorts/{cohort.id}/accounts"
    return b.post(url, {"fmt": "csv", "send": "mail"}, token_from=url)


def _invite_jobs():
    from eduinnov.jobs.models import ReportJob
    db.session.expire_all()
    return list(db.session.scalars(select(ReportJob).where(ReportJob.func_path == INVITE_JOB)))


def test_director_has_the_invitations_emailed_by_a_background_job(smtp_server, client, login_as, director, cohort,
                                                                  roster):
    from eduinnov.jobs import services as jobs
    make_student(cohort, student_no="2022051004", name="王芳", email="wang@stu.edu")
    b = login_as(director)
    assert "e-mail the invitations" in b.get(f"/programs/cohorts/{cohort.id}/accounts").get_data(as_text=True)
    response = _mail_roster(b, cohort)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    # the two students with an e-mail address are queued; the two without are listed as not sent, with a link
    assert page.count('class="list-group-item mail-queued"') == 2 and "zhang@stu.edu" in page
    assert page.count('class="mail-not-sent"') == 2 and "李娜" in page and "2022051003" in page
    assert len(re.findall(r"/invitation/[A-Za-z0-9_-]{43}", page)) == 2
    assert smtp_server.messages == []  # nothing is sent inside the request
    (job,) = _invite_jobs()
    assert not any("/invitation/" in str(a) for a in job.args)  # no link in the job's stored arguments
    assert jobs.wait(job.id, timeout=30)["state"] == "finished"
    assert sorted(rcpt for _from, (rcpt,) in smtp_server.envelopes) == ["wang@stu.edu", "zhang@stu.edu"]
    message = next(m for m in smtp_server.messages if m["To"] == "zhang@stu.edu")
    link = re.search(r"https?://\S+/invitation/[A-Za-z0-9_-]{43}", message.get_content()).group(0)
    # the mailed link is the one that works, once
    path = re.sub(r"^https?://[^/]+", "", link)
    from tests.clients import csrf_token
    token = csrf_token(client, path)
    done = client.post(path, data={"csrf_token": token, "new": PASSWORD, "confirm": PASSWORD})
    assert done.status_code == 302
    assert db.session.scalar(select(User).where(User.email == "zhang@stu.edu")).check_password(PASSWORD)
    assert client.get(path).status_code == 410
    # only hashes are stored: no invitation row carries the token itself
    assert all(len(h) == 64 and h not in link for h in db.session.scalars(select(Invitation.token_hash)))


def test_emailing_is_offered_only_with_a_mail_server(app, monkeypatch, login_as, director, cohort, roster):
    monkeypatch.setitem(app.config, "SMTP_URL", None)
    monkeypatch.delenv("EDUINNOV_SMTP_URL", raising=False)
    b = login_as(director)
    assert "e-mail the invitations" not in b.get(f"/programs/cohorts/{cohort.id}/accounts").get_data(as_text=True)
    response = _mail_roster(b, cohort)
    assert response.status_code == 302 and _invite_jobs() == []
    assert db.session.scalar(select(func.count()).select_from(User).where(User.role == Role.STUDENT)) == 0


def test_teachers_cannot_have_invitations_emailed(smtp_server, login_as, teacher, cohort, roster):
    assert _mail_roster(login_as(teacher), cohort).status_code in (403, 404)
    assert _invite_jobs() == [] and smtp_server.messages == []
