"""Issue #12 (1): the session is renewed at login; nothing planted before it survives, CSRF token included."""

from __future__ import annotations

from tests.clients import csrf_token


def test_login_starts_a_new_session(app, client, teacher):
    with client.session_transaction() as sess:
        sess["planted"] = "attacker's value"
        sess["_flashes"] = [("info", "planted message")]
    before = csrf_token(client, "/login")
    with client.session_transaction() as sess:
        raw_before = sess["csrf_token"]
    response = client.post("/login", data={"email": teacher.email, "password": "correct horse battery",
                                           "csrf_token": before})
    assert response.status_code == 302
    with client.session_transaction() as sess:
        assert "planted" not in sess and "_flashes" not in sess
        assert sess.get("csrf_token") != raw_before
        assert sess.get("_user_id")  # logged in
    # The token known before login no longer works for a state-changing form after it.
    stale = client.post("/logout", data={"csrf_token": before})
    assert stale.status_code == 400
    fresh = client.post("/logout", data={"csrf_token": csrf_token(client, "/account/password")})
    assert fresh.status_code == 302


def test_a_failed_login_keeps_the_anonymous_session(client, teacher):
    token = csrf_token(client, "/login")
    with client.session_transaction() as sess:
        sess["kept"] = 1
    response = client.post("/login", data={"email": teacher.email, "password": "wrong password!!",
                                           "csrf_token": token})
    assert response.status_code == 200
    with client.session_transaction() as sess:
        assert sess.get("kept") == 1 and "_user_id" not in sess
