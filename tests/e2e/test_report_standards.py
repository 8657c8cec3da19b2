"""The self-evaluation report as users meet it: the admin's standards page and the pack form's opt-in."""

import pytest

from tests.factories import PASSWORD, make_user
from tests.reports.packdata import make_pack_data

pytestmark = pytest.mark.e2e


def _log_in(page, base, email):
    page.goto(f"{base}/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/")


def test_admin_edits_the_chapter_list_and_a_director_sees_the_opt_in(page, live_server, program, other_program,
                                                                     shot, console_errors):
    from eduinnov.auth.models import Role

    base = live_server
    d = make_pack_data(program, other_program)
    admin = make_user(Role.ADMIN)
    _log_in(page, base, admin.email)
    page.goto(f"{base}/reports/standards")
    page.get_by_role("button", name="Store the built-in standards").click()
    page.wait_for_url(f"{base}/reports/standards")
    rows = page.locator("form[id^=chapter-]")
    assert rows.count() == 10 + 13  # engineering and nursing chapters
    first_names = [rows.nth(i).locator("input[name$=name_en]").input_value() for i in range(10)]
    assert first_names[:3] == ["Program overview", "Students", "Program educational objectives"]
    shot("report-standards")
    page.context.clear_cookies()
    _log_in(page, base, d.director.email)
    page.goto(f"{base}/reports/pack?cohort={d.cohort.id}")
    assert page.get_by_label("Include a named ranking of students").is_checked() is False
    shot("report-pack-form")
    assert console_errors == []
