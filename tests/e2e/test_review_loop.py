"""The review loop in Chromium: a student declares a paper with a PDF certificate, her teacher reviews it, the
director rejects it with a reason, the student reads the notice, corrects and resubmits, the teacher reviews
again and the director verifies it with "verify and next". Screenshots of each role's home page."""

from __future__ import annotations

import re

import pytest

from eduinnov.achievements.models import Achievement, VerificationStatus
from eduinnov.auth.models import Role
from eduinnov.extensions import db
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.e2e

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def _log_in(page, base, email):
    page.context.clear_cookies()
    page.goto(f"{base}/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/")


def _click(page, name: str):
    page.get_by_role("button", name=name, exact=True).click()
    page.wait_for_load_state()


def test_declare_review_reject_resubmit_verify(page, live_server, program, student, teacher, director, shot,
                                               tmp_path, console_errors):
    base = live_server
    student_user = make_user(Role.STUDENT, student=student, name="林晓雨")
    certificate = tmp_path / "录用通知.pdf"
    certificate.write_bytes(PDF)

    # 1. The student declares her paper and attaches the certificate.
    _log_in(page, base, student_user.email)
    shot("loop-home-student-empty")
    page.locator("#declare").click()
    page.get_by_role("link", name="Publication").click()
    page.locator("input[name=title]").fill("面向低代码平台的测试用例生成方法")
    page.locator("input[name=venue]").fill("计算机应用")
    page.locator("select[name=indexing]").select_option("CSCD")
    page.locator("select[name=supervisor_id]").select_option(str(teacher.id))
    assert page.locator("input[name='participants-0-student_no']").input_value() == student.student_no
    shot("loop-student-declares")
    _click(page, "Save and add evidence")
    page.wait_for_url(re.compile(r".*/achievements/\d+$"))
    achievement_id = int(page.url.rsplit("/", 1)[1])
    page.locator("input[type=file]").set_input_files(str(certificate))
    _click(page, "Upload")
    assert "录用通知.pdf" in page.content()
    _click(page, "Submit")
    assert db.session.get(Achievement, achievement_id).verification_status == VerificationStatus.SUBMITTED

    # 2. Her supervisor sees it on his home page and reviews it.
    _log_in(page, base, teacher.email)
    assert page.locator("#unread-count").inner_text() == "1"
    shot("loop-home-teacher")
    page.locator("#fig-review").click()
    page.get_by_role("link", name="面向低代码平台的测试用例生成方法").click()
    _click(page, "Reviewed: pass to the directors")
    assert db.session.get(Achievement, achievement_id).verification_status == VerificationStatus.REVIEWED

    # 3. The director finds it in the queue and rejects it with a reason.
    _log_in(page, base, director.email)
    assert page.locator("#fig-queue .display-6").inner_text() == "1"
    shot("loop-home-director")
    page.locator("#fig-queue").click()
    shot("loop-queue")
    page.get_by_role("link", name="面向低代码平台的测试用例生成方法").click()
    page.locator("textarea[name=reason]").fill("请上传正式录用通知，而不是投稿回执。")
    _click(page, "Reject")
    assert db.session.get(Achievement, achievement_id).verification_status == VerificationStatus.REJECTED

    # 4. The student sees the notice with the reason, corrects the title and submits again.
    _log_in(page, base, student_user.email)
    assert page.locator("#unread-count").is_visible()
    shot("loop-home-student-rejected")
    page.locator("#nav-notifications").click()
    assert "请上传正式录用通知，而不是投稿回执。" in page.content()
    shot("loop-notifications")
    page.locator("form[action$='/read']:has(input[name=open]) button").first.click()
    page.wait_for_url(re.compile(rf".*/achievements/{achievement_id}$"))
    page.get_by_role("link", name="Edit", exact=True).click()
    page.locator("input[name=title]").fill("面向低代码平台的测试用例自动生成方法")
    _click(page, "Save changes")
    _click(page, "Submit again")
    assert db.session.get(Achievement, achievement_id).verification_status == VerificationStatus.SUBMITTED

    # 5. The teacher reviews again; the director verifies with "verify and next".
    _log_in(page, base, teacher.email)
    page.goto(f"{base}/achievements/{achievement_id}")
    _click(page, "Reviewed: pass to the directors")
    _log_in(page, base, director.email)
    page.locator("#fig-queue").click()
    page.get_by_role("link", name="面向低代码平台的测试用例自动生成方法").click()
    _click(page, "Verify and next")
    page.wait_for_url(re.compile(r".*/achievements/pending$"))
    assert "The verification queue is empty." in page.content()

    achievement = db.session.get(Achievement, achievement_id)
    assert achievement.verification_status == VerificationStatus.VERIFIED
    assert achievement.verified_by_id == director.id and achievement.reviewed_by_id == teacher.id
    assert achievement.title == "面向低代码平台的测试用例自动生成方法" and len(achievement.evidence_files) == 1
    page.goto(f"{base}/achievements/{achievement_id}")
    shot("loop-verified-history")
    _log_in(page, base, student_user.email)
    shot("loop-home-student-verified")
    assert console_errors == []
