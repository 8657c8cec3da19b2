"""Job status and download endpoints: only the requester (and admins) see a job; ids reveal nothing."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from eduinnov.auth.models import ProgramMembership, Role
from eduinnov.jobs import services as jobs
from tests.factories import make_user

FUNCS = "tests.reports.jobfuncs"


@pytest.fixture
def finished_job(db, teacher, program):
    job_id = jobs.enqueue(f"{FUNCS}:write_text", "成果报告 content", 1, 0.0, title="成果报告 2022/级",
                          owner=teacher, program_id=program.id)
    db.session.commit()
    assert jobs.wait(job_id, timeout=60)["state"] == "finished"
    return job_id


def test_owner_sees_status_and_downloads(login_as, teacher, finished_job):
    browser = login_as(teacher)
    response = browser.get(f"/reports/jobs/{finished_job}")
    assert response.status_code == 200
    data = response.get_json()
    assert data["state"] == "finished" and data["progress"] == 1.0
    assert data["download_url"] == f"/reports/jobs/{finished_job}/download"
    assert "result_path" not in data  # server paths stay on the server

    download = browser.get(data["download_url"])
    assert download.status_code == 200
    assert download.get_data().decode("utf-8") == "成果报告 content"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "成果报告 2022_级.txt" in unquote(disposition)  # named after the title, "/" made safe


def test_admin_may_see_any_job(login_as, admin, finished_job):
    response = login_as(admin).get(f"/reports/jobs/{finished_job}")
    assert response.status_code == 200
    data = response.get_json()
    assert data["id"] == finished_job and data["state"] == "finished"
    assert data["download_url"] == f"/reports/jobs/{finished_job}/download"


@pytest.mark.parametrize("who", ["other_teacher", "director_same_program", "student"])
@pytest.mark.parametrize("suffix", ["", "/download"])
def test_other_users_get_404(login_as, finished_job, request, who, suffix, program, student):
    if who == "other_teacher":
        user = request.getfixturevalue("other_teacher")
    elif who == "director_same_program":
        user = make_user(Role.DIRECTOR, [program])
    else:
        user = make_user(Role.STUDENT, student=student)
    assert login_as(user).get(f"/reports/jobs/{finished_job}{suffix}").status_code == 404


def test_owner_who_left_the_program_loses_access(db, login_as, teacher, finished_job):
    db.session.query(ProgramMembership).filter_by(user_id=teacher.id).delete()
    db.session.commit()
    assert login_as(teacher).get(f"/reports/jobs/{finished_job}").status_code == 404


@pytest.mark.parametrize("job_id", ["0" * 32, "not-an-id", "../../etc/passwd", "A" * 32])
def test_unknown_or_malformed_ids_are_404(login_as, teacher, job_id):
    assert login_as(teacher).get(f"/reports/jobs/{job_id}").status_code == 404


def test_anonymous_is_sent_to_login(client, finished_job):
    response = client.get(f"/reports/jobs/{finished_job}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_unfinished_job_has_no_download(db, login_as, teacher):
    job_id = jobs.enqueue(f"{FUNCS}:write_text", "x", owner=teacher)  # not committed to the worker yet...
    db.session.commit()  # ...now it runs, but takes about a second
    browser = login_as(teacher)
    data = browser.get(f"/reports/jobs/{job_id}").get_json()
    assert data["state"] in ("queued", "running") and data["download_url"] is None
    assert browser.get(f"/reports/jobs/{job_id}/download").status_code == 404
    jobs.wait(job_id, timeout=60)
