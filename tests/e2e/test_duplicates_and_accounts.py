"""In Chromium: a duplicate DOI warned about and confirmed, a merge, roster invitations, the student type-ahead."""

from __future__ import annotations

import csv
import io

import pytest

from eduinnov.achievements.models import AchievementKind
from eduinnov.auth.models import User
from eduinnov.extensions import db
from tests.factories import make_achievement, make_student

pytestmark = pytest.mark.e2e


def _login(page, live_server, email, password="correct horse battery"):
    page.goto(f"{live_server}/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("form button[type=submit].w-100").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, page.locator(".alert").all_inner_texts()
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()


def test_duplicate_doi_warning_then_merge(page, live_server, teacher, director, program, student, shot,
                                          console_errors):
    old = make_achievement(program, [student], AchievementKind.PUBLICATION, title="基于深度学习的作物病害识别",
                           venue="计算机工程与应用", doi="10.3778/j.issn.1002-8331.2301-0001")
    _login(page, live_server, teacher.email)
    page.goto(f"{live_server}/achievements/new/publication?program={program.id}")
    page.locator("input[name=title]").fill("Crop disease recognition with deep learning")
    page.locator("input[name=venue]").fill("Computer Engineering and Applications")
    page.locator("input[name=doi]").fill("https://doi.org/10.3778/J.ISSN.1002-8331.2301-0001")
    page.locator("select[name=indexing]").select_option("PKU_CORE")
    page.locator("select[name=jcr_quartile]").select_option("Q3")
    page.locator("input[name='participants-0-student_no']").fill(student.student_no)
    page.locator("form button[type=submit].btn-primary").click()
    page.wait_for_load_state()
    warning = page.locator("#duplicates")
    assert warning.is_visible() and "same DOI" in warning.inner_text()
    assert page.locator(f"#duplicates a[href='/achievements/{old.id}']").count() == 1
    assert page.locator("input[name=title]").input_value() == "Crop disease recognition with deep learning"
    shot("duplicate-warning")
    page.locator("input[name=confirm_distinct]").check()
    page.locator("form button[type=submit].btn-primary").click()
    page.wait_for_url(f"{live_server}/achievements/*")
    new_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    page.locator(".user-menu .dropdown-toggle").click()
    page.locator("form[action$='/logout'] button").click()

    _login(page, live_server, director.email)
    page.goto(f"{live_server}/achievements/{old.id}")
    section = page.locator("section#duplicates")
    assert f"#{new_id}" in section.inner_text()
    shot("item-possible-duplicates")
    page.once("dialog", lambda d: d.accept())
    section.locator("button", has_text="Merge into this item").first.click()
    page.wait_for_load_state()
    assert "was merged into this one" in page.content()
    assert "Merged" in page.locator("section", has_text="History").last.inner_text()
    shot("item-after-merge")
    assert console_errors == []


def test_roster_invitation_and_student_type_ahead(page, live_server, admin, director, program, cohort, shot,
                                                  console_errors):
    make_student(cohort, student_no="2022051001", name="张伟", email="zhangwei@stu.edu")
    make_student(cohort, student_no="2022051002", name="张三")
    _login(page, live_server, director.email)
    page.goto(f"{live_server}/programs/{program.id}")
    page.get_by_role("link", name="Accounts").first.click()
    page.wait_for_load_state()
    assert page.locator("#n-without").inner_text() == "2"
    shot("roster-accounts")
    page.locator("select[name=fmt]").select_option("csv")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Create accounts and download the invitation list").click()
    rows = list(csv.DictReader(io.StringIO(open(download_info.value.path(), encoding="utf-8-sig").read())))
    link = next(r["Invitation link"] for r in rows if r["Student number"] == "2022051001")
    page.locator(".user-menu .dropdown-toggle").click()
    page.locator("form[action$='/logout'] button").click()

    page.goto(link.replace("http://localhost", live_server))
    assert "zhangwei@stu.edu" in page.content()
    page.locator("input[name=new]").fill("my own secret 123")
    page.locator("input[name=confirm]").fill("my own secret 123")
    shot("invitation-set-password")
    page.get_by_role("button", name="Set the password").click()
    page.wait_for_url(f"{live_server}/login")
    _login(page, live_server, "zhangwei@stu.edu", "my own secret 123")
    page.goto(link.replace("http://localhost", live_server))
    assert "already used" in page.content()
    page.locator(".user-menu .dropdown-toggle").click()
    page.locator("form[action$='/logout'] button").click()

    _login(page, live_server, admin.email)
    staff = db.session.scalar(db.select(User).where(User.email == director.email))
    page.goto(f"{live_server}/admin/users/{staff.id}")
    box = page.locator("input[name=student_search]")
    box.fill("张")
    box.press_sequentially("三")
    page.locator("#student-options option").first.wait_for(state="attached")
    assert page.locator("#student-options option").first.get_attribute("value") == "2022051002"
    page.goto(f"{live_server}/admin/users?role=student")
    assert "zhangwei@stu.edu" in page.content()
    shot("users-filtered")
    console_errors[:] = [e for e in console_errors if "410" not in e[1]]  # the used link answers 410 on purpose
    assert console_errors == []
