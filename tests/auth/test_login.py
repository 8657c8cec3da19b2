"""Login, logout, throttling, redirects and session invalidation."""

import re

from eduinnov.auth.models import LoginAttempt, Role, User
from eduinnov.extensions import db
from tests.clients import csrf_token
from tests.factories import make_user


def test_login_with_correct_password_redirects_home(browser, teacher):
    response = browser.login(teacher.email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert teacher.name in browser.get("/").get_data(as_text=True)


def test_wrong_password_and_unknown_account_get_the_same_message(browser, teacher):
    wrong = browser.login(teacher.email, "wrong password!!").get_data(as_text=True)
    unknown = browser.login("nobody@test.edu", "wrong password!!").get_data(as_text=True)
    assert "Invalid email or password" in wrong or "邮箱或密码不正确" in wrong

    def strip(html: str) -> str:  # the page minus the typed email and the (time-stamped) CSRF token
        main = html.split("<main")[1].split("</main>")[0]
        main = re.sub(r'name="csrf_token"[^>]*value="[^"]*"', "", main)
        return main.replace(teacher.email, "").replace("nobody@test.edu", "")

    assert strip(wrong) == strip(unknown)


def test_login_is_throttled_per_account_even_with_the_right_password(browser, teacher, app):
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit):
        browser.login(teacher.email, "wrong password!!")
    assert db.session.query(LoginAttempt).filter_by(email=teacher.email).count() == limit
    response = browser.login(teacher.email)
    assert response.status_code == 200  # refused, not redirected
    assert "Too many failed attempts" in response.get_data(as_text=True) or "尝试次数过多" in response.get_data(as_text=True)


def test_login_is_throttled_per_address(browser, app):
    users = [make_user(Role.TEACHER) for _ in range(2)]
    limit = app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    for i in range(limit):
        browser.login(f"guess{i}@test.edu", "wrong password!!")
    response = browser.login(users[0].email)
    assert response.status_code == 200


def test_successful_login_clears_account_failures(browser, teacher):
    browser.login(teacher.email, "wrong password!!")
    assert browser.login(teacher.email).status_code == 302
    assert db.session.query(LoginAttempt).filter_by(email=teacher.email).count() == 0


def test_inactive_account_cannot_log_in(browser):
    user = make_user(Role.TEACHER, is_active_account=False)
    assert browser.login(user.email).status_code == 200


def test_next_redirect_only_to_this_site(client, teacher):
    for target, expected in [("/admin/users", "/admin/users"), ("//evil.example/x", "/"),
                             ("https://evil.example/", "/"), ("/\\evil.example", "/")]:
        c = client.application.test_client()
        response = c.post("/login", data={"email": teacher.email, "password": "correct horse battery",
                                          "next": target, "csrf_token": csrf_token(c)})
        assert response.status_code == 302
        assert response.headers["Location"] == expected, target


def test_login_form_requires_csrf(client, teacher):
    response = client.post("/login", data={"email": teacher.email, "password": "correct horse battery"})
    assert response.status_code == 400
    assert db.session.get(User, teacher.id).last_login_at is None


def test_logout_invalidates_a_copied_session_cookie(app, login_as, teacher):
    b = login_as(teacher)
    cookie = b.client.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    assert thief.get("/").status_code == 200
    assert b.post("/logout").status_code == 302
    assert thief.get("/").status_code == 302  # sent to login


def test_logout_invalidates_remember_me_cookie(app, teacher):
    c = app.test_client()
    c.post("/login", data={"email": teacher.email, "password": "correct horse battery", "remember": "y",
                           "csrf_token": csrf_token(c)})
    remember = c.get_cookie("remember_token").value
    thief = app.test_client()
    thief.set_cookie("remember_token", remember)
    assert thief.get("/").status_code == 200
    c.post("/logout", data={"csrf_token": csrf_token(c, "/")})
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remember)
    assert fresh.get("/").status_code == 302


def test_password_change_logs_out_other_sessions_but_not_this_one(app, login_as, teacher):
    mine, other = login_as(teacher), login_as(teacher)
    response = mine.post("/account/password", {"current": "correct horse battery",
                                              "new": "a brand new passphrase", "confirm": "a brand new passphrase"},
                         token_from="/account/password")
    assert response.status_code == 302
    assert mine.get("/").status_code == 200
    assert other.get("/").status_code == 302
    assert db.session.get(User, teacher.id).check_password("a brand new passphrase")


def test_deactivation_logs_the_user_out(app, login_as, teacher, admin):
    victim = login_as(teacher)
    a = login_as(admin)
    response = a.post(f"/admin/users/{teacher.id}", {"name": teacher.name, "role": "teacher", "locale": ""},
                      token_from=f"/admin/users/{teacher.id}")
    assert response.status_code == 302
    assert db.session.get(User, teacher.id).is_active_account is False
    assert victim.get("/").status_code == 302


def test_security_headers_and_cookie_flags(browser, teacher):
    response = browser.login(teacher.email)
    cookie = response.headers.get("Set-Cookie")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = browser.get("/")
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
