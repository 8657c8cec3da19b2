"""Configuration, cookies and response headers.

* The production configuration refuses to start without a strong ``EDUINNOV_SECRET_KEY`` and marks
  every cookie ``Secure`` (with HSTS on every response).
* Every kind of response carries the security headers: pages, redirects, JSON, downloads, static files
  and every error page (400, 403, 404, 405, 413 and an unexpected 500).
"""

from __future__ import annotations

import io

import pytest

from eduinnov import config as config_module
from eduinnov import create_app
from eduinnov.auth.models import Role
from tests.clients import CSRF_RE, IsolatedClient
from tests.factories import make_user

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def _assert_secure_headers(response, where: str) -> None:
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, f"{where}: {name}"
    csp = response.headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in csp or "default-src 'none'" in csp, f"{where}: CSP {csp!r}"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, where


@pytest.mark.parametrize("key", [None, "", "short", "x" * 31])
def test_production_refuses_to_start_without_a_strong_secret_key(monkeypatch, key):
    if key is None:
        monkeypatch.delenv("EDUINNOV_SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("EDUINNOV_SECRET_KEY", key)
    monkeypatch.setenv("EDUINNOV_ENV", "production")
    with pytest.raises(RuntimeError, match="EDUINNOV_SECRET_KEY"):
        config_module.config_from_env()


def test_production_never_falls_back_to_the_instance_key_file(monkeypatch, tmp_path):
    monkeypatch.setenv("EDUINNOV_INSTANCE_DIR", str(tmp_path))
    (tmp_path / "secret_key").write_text("k" * 64)  # what development would have generated
    monkeypatch.delenv("EDUINNOV_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError):
        config_module.ProductionConfig()


def test_an_unknown_environment_name_is_refused(monkeypatch):
    monkeypatch.setenv("EDUINNOV_ENV", "prod")
    with pytest.raises(RuntimeError, match="EDUINNOV_ENV"):
        config_module.config_from_env()


@pytest.fixture
def production_client(app, monkeypatch):
    """A production-configured app on the test database."""
    monkeypatch.setenv("EDUINNOV_SECRET_KEY", "s" * 48)
    cfg = config_module.ProductionConfig()
    cfg.SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
    prod = create_app(cfg)
    prod.test_client_class = IsolatedClient
    return prod.test_client()


def test_production_cookies_are_secure_and_responses_ask_for_https(production_client):
    user = make_user(Role.TEACHER)
    client = production_client
    html = client.get("/login", base_url="https://localhost").get_data(as_text=True)
    token = CSRF_RE.search(html).group(1)
    https = {"base_url": "https://localhost", "headers": {"Referer": "https://localhost/login"}}
    response = client.post("/login", data={"email": user.email, "password": "correct horse battery",
                                           "remember": "y", "csrf_token": token}, **https)
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    names = {c.split("=", 1)[0] for c in cookies}
    assert {"session", "remember_token"} <= names
    for cookie in cookies:
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    # The session was renewed at login (session fixation): the pre-login token is void, a fresh one works.
    assert client.post("/language", data={"lang": "en", "csrf_token": token}, **https).status_code == 400
    token = CSRF_RE.search(client.get("/", base_url="https://localhost").get_data(as_text=True)).group(1)
    lang = client.post("/language", data={"lang": "en", "csrf_token": token}, **https)
    assert lang.status_code == 302
    assert all("Secure" in c for c in lang.headers.getlist("Set-Cookie"))


def test_every_kind_of_response_carries_the_security_headers(app, login_as, world_a, monkeypatch):
    browser = login_as(world_a.director)
    checks = {
        "page": browser.get("/"),
        "redirect": browser.client.get("/login"),
        "json": browser.get(f"/evaluation/nodes/{world_a.node.id}/consistency"),
        "health": browser.client.get("/healthz"),
        "yaml download": browser.get(f"/evaluation/models/{world_a.model.id}.yaml"),
        "csv download": browser.get(f"/obe/offerings/{world_a.offering.id}/scores/template.csv"),
        "evidence download": browser.get(f"/achievements/evidence/{world_a.evidence.id}"),
        "static": browser.get("/static/js/app.js"),
        "404": browser.get("/no/such/page"),
        "403": browser.get("/admin/users"),
        "405": browser.get(f"/achievements/{world_a.achievement.id}/delete"),
        "400": browser.client.post(f"/achievements/{world_a.achievement.id}/delete"),
    }
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    checks["413"] = browser.post(f"/achievements/{world_a.achievement.id}/evidence",
                                 {"file": (io.BytesIO(b"%PDF-" + b"0" * 4096), "big.pdf")},
                                 token_from="/account/password", content_type="multipart/form-data")
    assert checks["redirect"].status_code == 302
    for name, code in (("404", 404), ("403", 403), ("405", 405), ("400", 400), ("413", 413)):
        assert checks[name].status_code == code, name
    for name, response in checks.items():
        if name not in ("404", "403", "405", "400", "413", "redirect"):
            assert response.status_code == 200, f"{name}: {response.status_code}"
        _assert_secure_headers(response, name)
    assert checks["evidence download"].headers["Content-Disposition"].startswith("attachment")
    assert checks["yaml download"].headers["Content-Disposition"].startswith("attachment")


def test_an_unexpected_error_page_carries_the_headers_and_no_traceback(monkeypatch):
    app = create_app(config_module.TestConfig())
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret detail")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    _assert_secure_headers(response, "500")
    body = response.get_data(as_text=True)
    assert "secret detail" not in body and "Traceback" not in body
