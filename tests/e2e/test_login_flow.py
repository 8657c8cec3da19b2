"""Logging in and switching language in a real browser."""

import pytest

pytestmark = pytest.mark.e2e


def test_login_switch_language_and_logout(page, live_server, teacher, shot):
    page.goto(f"{live_server}/")
    assert "/login" in page.url
    page.get_by_label("邮箱").fill(teacher.email) if page.get_by_label("邮箱").count() else page.get_by_label("Email").fill(teacher.email)
    page.locator("input[name=password]").fill("correct horse battery")
    page.locator("form button[type=submit].w-100").click()
    page.wait_for_url(f"{live_server}/")
    assert teacher.name in page.content()
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    page.locator(".user-menu .dropdown-toggle").click()  # Log out sits in the user menu
    assert page.get_by_role("button", name="Log out").is_visible()
    shot("home-en")
    page.get_by_role("button", name="中文").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.locator(".user-menu .dropdown-toggle").click()
    page.locator("form[action$='/logout'] button").click()
    page.wait_for_url(f"{live_server}/login")
