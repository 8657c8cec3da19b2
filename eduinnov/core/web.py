"""Request plumbing: one transaction per request, files cleaned up on failure, security headers."""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from flask import Flask, flash, g, redirect, render_template, request, url_for
from werkzeug.routing import IntegerConverter

from eduinnov.core.errors import DomainError
from eduinnov.extensions import db

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def track_new_file(path: Path) -> None:
    """Remember a file written during this request so it is removed if the request fails."""
    g.setdefault("new_files", []).append(Path(path))


def _remove_new_files() -> None:
    for path in g.pop("new_files", []):
        path.unlink(missing_ok=True)


def is_safe_redirect(target: str | None) -> bool:
    """True for a relative path on this site (``next=`` must never lead elsewhere)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return False  # browsers drop tabs and newlines ("/\t/evil" is "//evil"); no control character is needed
    ref = urlsplit(request.host_url)
    test = urlsplit(urljoin(request.host_url, target))
    return test.scheme in ("http", "https") and ref.netloc == test.netloc


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: positive and within a database integer, else the route does not match (404)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops > 0:
        # Client address and scheme from the trusted proxies only (login throttling, secure redirects).
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    @app.after_request
    def commit_or_roll_back(response):
        # Success commits once; an error status, or a service that refused (DomainError), rolls back
        # so a half-done change never lands.
        if response.status_code < 400 and not g.get("domain_error_raised"):
            try:
                db.session.commit()
            except Exception:
                db.session.rollback()
                _remove_new_files()
                raise
            g.pop("new_files", None)
        else:
            db.session.rollback()
            _remove_new_files()
        return response

    @app.teardown_request
    def clean_up_on_error(exc):
        if exc is not None:
            db.session.rollback()
            _remove_new_files()

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    for code in (400, 403, 404, 405, 413, 500):
        app.register_error_handler(code, _error_page(code))
    app.register_error_handler(DomainError, _refused)

    app.jinja_env.globals["new_nonce"] = lambda: secrets.token_urlsafe(8)


def _refused(error: DomainError):
    """A service refusal that no view caught: show its message where the user came from, never a 500.

    The request is rolled back (raising a DomainError marks it), so nothing of the refused action stays.
    """
    db.session.rollback()
    _remove_new_files()
    if request.is_json or request.accept_mimetypes.best == "application/json":
        return {"error": str(error)}, 409
    flash(str(error), "danger")
    back = urlsplit(request.referrer or "")
    target = back.path + (f"?{back.query}" if back.query else "")
    if back.netloc != request.host or not is_safe_redirect(target):
        target = url_for("home.index")
    return redirect(target, 303)


def _error_page(code: int):
    def handler(error):
        if code == 500:
            db.session.rollback()
            _remove_new_files()
        return render_template("errors/error.html", code=code, error=error), code

    return handler
