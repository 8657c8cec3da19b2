"""Behind a reverse proxy: the login throttle counts the visitor's address, not the proxy's.

Only with ``EDUINNOV_PROXY_HOPS`` set are X-Forwarded-* headers believed; otherwise a visitor could
choose her address (and dodge the per-address throttle) by sending the header herself.
"""

from __future__ import annotations

from sqlalchemy import select

from eduinnov import config as config_module
from eduinnov import create_app
from eduinnov.auth.models import LoginAttempt
from eduinnov.extensions import db
from tests.clients import IsolatedClient, csrf_token


def _failed_login_address(app, monkeypatch, hops: str) -> str:
    monkeypatch.setenv("EDUINNOV_PROXY_HOPS", hops)
    cfg = config_module.TestConfig()
    cfg.PROXY_HOPS = int(hops)  # class attributes are read at import; set it as the environment would
    proxied = create_app(cfg)
    proxied.test_client_class = IsolatedClient
    client = proxied.test_client()
    headers = {"X-Forwarded-For": "203.0.113.7"}
    token = csrf_token(client, "/login")
    client.post("/login", data={"email": "nobody@test.edu", "password": "wrong", "csrf_token": token},
                headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    return db.session.scalar(select(LoginAttempt.address).where(LoginAttempt.email == "nobody@test.edu"))


def test_behind_a_trusted_proxy_the_visitor_address_is_throttled(app, monkeypatch):
    assert _failed_login_address(app, monkeypatch, "1") == "203.0.113.7"


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored(app, monkeypatch):
    assert _failed_login_address(app, monkeypatch, "0") == "127.0.0.1"
