"""The main flow in a real browser: a teacher adds a student, logs an achievement with evidence,
and the program director verifies it."""

import re

import pytest

from eduinnov.achievements.models import Achievement, VerificationStatus
from eduinnov.extensions import db
from eduinnov.programs.models import Student
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e

# A minimal valid one-page PDF.
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def _log_in(page, base, email):
    page.goto(f"{base}/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/")


def _log_out(page):
    page.locator(".user-menu .dropdown-toggle").click()
    page.locator("form[action$='/logout'] button").click()
    page.wait_for_url(re.compile(r".*/login$"))


def test_teacher_logs_an_achievement_and_director_verifies_it(page, live_server, program, cohort, teacher,
                                                             director, shot, tmp_path):
    base = live_server
    _log_in(page, base, teacher.email)

    # Add a student.
    page.goto(f"{base}/programs/students/new")
    page.locator("input[name=student_no]").fill("2022059999")
    page.locator("input[name=name]").fill("林晓雨")
    page.locator("select[name=cohort_id]").select_option(str(cohort.id))
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert "林晓雨" in page.content()
    student = db.session.query(Student).filter_by(student_no="2022059999").one()

    # Log a national training project with the new student as leader.
    page.goto(f"{base}/achievements/new/project?program={program.id}")
    page.locator("input[name=title]").fill("基于深度学习的课堂专注度识别")
    page.locator("input[name=year]").fill("2024")
    page.locator("select[name=level]").select_option("national")
    page.locator("select[name=project_type]").select_option("innovation_training")
    page.locator("select[name=project_status]").select_option("approved")
    page.locator("input[name='participants-0-student_no']").fill("2022059999")
    shot("e2e-achievement-form")
    page.get_by_role("button", name=re.compile("^(Record achievement|记录成果|录入成果|保存成果)$")).click()
    page.wait_for_url(re.compile(r".*/achievements/\d+$"))
    achievement_id = int(page.url.rsplit("/", 1)[1])

    # Attach evidence.
    evidence = tmp_path / "立项通知.pdf"
    evidence.write_bytes(PDF)
    page.locator("input[type=file]").set_input_files(str(evidence))
    page.get_by_role("button", name=re.compile("Upload|上传")).click()
    page.wait_for_load_state()
    assert "立项通知.pdf" in page.content()
    _log_out(page)

    # The director verifies it.
    _log_in(page, base, director.email)
    page.goto(f"{base}/achievements/{achievement_id}")
    page.get_by_role("button", name=re.compile("^(Verify|核实|审核通过|认定)$")).click()  # it has evidence
    page.wait_for_load_state()
    shot("e2e-achievement-verified")

    achievement = db.session.get(Achievement, achievement_id)
    assert achievement.verification_status == VerificationStatus.VERIFIED
    assert achievement.verified_by_id == director.id
    assert [p.student_id for p in achievement.participants] == [student.id]
    assert len(achievement.evidence_files) == 1
