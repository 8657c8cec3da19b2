"""Request plumbing: one transaction per request, files cleaned up on failure, security headers."""

from __future__ import annotations

import secrets
from io import BytesIO
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from flask import (
    Flask,
    abort,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import AnonymousUserMixin
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter

from eduinnov.core.errors import DomainError, NotAllowed
from eduinnov.core.tabular import ExportTable, render
from eduinnov.core.versioning import StaleEdit, conflict_status, version_field
from eduinnov.extensions import db

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def track_new_file(path: Path) -> None:
    """Remember a file written during this request so it is removed if the request fails."""
    g.setdefault("new_files", []).append(Path(path))


def fail_request(exc: BaseException | None = None) -> None:
    """The view answers with a refusal: roll this request's changes back although the status is < 400.

    Views call it in their ``except DomainError`` handlers, so a service that changed something and then
    refused never leaves half its work behind. A refused stale save (``versioning.StaleEdit``) answers 409.
    """
    g.request_failed = True
    conflict_status(exc)


def refuse(exc: DomainError, category: str = "danger") -> None:
    """Answer a refusal the view caught: fail the request (what the service flushed rolls back), then 403
    when the user may not do this at all (:class:`~eduinnov.core.errors.NotAllowed`), else flash the message;
    the view goes on to redirect or render."""
    fail_request(exc)
    if isinstance(exc, NotAllowed):
        abort(403)
    flash(str(exc), category)


def form_error(form, exc: DomainError, field: str | None = None) -> None:
    """Like :func:`refuse`, but the message goes next to the form field it is about: ``field``, else the
    error's own ``field`` (:class:`~eduinnov.core.errors.FieldError`) when the form has it; a message about
    no field of the form is flashed."""
    fail_request(exc)
    if isinstance(exc, NotAllowed):
        abort(403)
    name = field or getattr(exc, "field", None)
    if name and name in form:
        form[name].errors = [*form[name].errors, str(exc)]
    else:
        flash(str(exc), "danger")


def export_format() -> str:
    """The export format from ``?format=`` (CSV unless xlsx is asked for; anything else is 404)."""
    fmt = request.args.get("format", "csv")
    if fmt not in ("csv", "xlsx"):
        abort(404)
    return fmt


def send_export(table: ExportTable, fmt: str):
    """An export table as a CSV/xlsx download (formula-neutralised by :mod:`eduinnov.core.tabular`), never cached."""
    data, mimetype, name = render(table, fmt)
    response = send_file(BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


def undo_on_failure(action) -> None:
    """Run ``action()`` if this request fails (rolled back), e.g. to give back a claimed import token."""
    g.setdefault("undo_on_failure", []).append(action)


def discard_new_files() -> None:
    """Delete the files this request (or CLI command) wrote and run its undo actions: it failed."""
    for path in g.pop("new_files", []):
        path.unlink(missing_ok=True)
    for action in reversed(g.pop("undo_on_failure", [])):
        try:
            action()
        except Exception:  # clean-up of a failed request never hides why it failed
            pass


def is_safe_redirect(target: str | None) -> bool:
    """True for a relative path on this site (``next=`` must never lead elsewhere)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return False  # browsers drop tabs and newlines ("/\t/evil" is "//evil"); no control character is needed
    ref = urlsplit(request.host_url)
    test = urlsplit(urljoin(request.host_url, target))
    return test.scheme in ("http", "https") and ref.netloc == test.netloc


MAX_ID = 2**31 - 1  # a database INTEGER; path ids are bounded the same way (IdConverter)


def parse_id(value) -> int | None:
    """A database id written in plain ASCII digits and within 1..2**31-1, else None (never an exception)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        text = str(value if value is not None else "").strip()
        if not text or not text.isascii() or not text.isdigit() or len(text) > 10:
            return None
        number = int(text)
    return number if 1 <= number <= MAX_ID else None


def query_id(name: str, args=None) -> int | None:
    """The id in query-string parameter ``name``, bounded like path ids.

    Absent: None. Present but not a valid id (too large, negative, not a number): None, and the page says
    that this filter was ignored. Every list page reads its id filters through this (or ``clean_query_ids``).
    """
    args = request.args if args is None else args
    raw = args.get(name)
    if raw is None or raw == "":
        return None
    ident = parse_id(raw)
    if ident is None:
        _ignored_filter(name, raw)
    return ident


def clean_query_ids(*names: str, args=None) -> MultiDict:
    """A copy of the query string without the id parameters ``names`` whose values are not valid ids
    (each one ignored with a message), for filter forms read from the query string."""
    args = request.args if args is None else args
    cleaned = MultiDict(args)
    for name in names:
        values = [v for v in args.getlist(name) if v == "" or query_id(name, MultiDict({name: v})) is not None]
        cleaned.setlist(name, values)
    return cleaned


def _ignored_filter(name: str, raw: str) -> None:
    seen = g.setdefault("ignored_filters", set())
    if name in seen:
        return
    seen.add(name)
    shown = raw if len(raw) <= 24 else raw[:24] + "…"
    flash(_("The filter “%(name)s” was ignored: “%(value)s” is not a valid id.", name=name, value=shown), "warning")


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: positive and within a database integer, else the route does not match (404)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops > 0:
        # Client address and scheme from the trusted proxies only (login throttling, secure redirects).
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    @app.before_request
    def refuse_nul_bytes():
        # A NUL byte is never valid text: PostgreSQL refuses it in any parameter (a 500 deep in a query),
        # SQLite would store it. Refuse the request up front (400) instead.
        for values in (request.args, request.form if request.method == "POST" else {}):
            for value in (values.values() if hasattr(values, "values") else ()):
                if "\x00" in value:
                    abort(400)
        if "\x00" in request.path:
            abort(404)  # no page has a NUL in its address

    @app.after_request
    def commit_or_roll_back(response):
        # Success commits once; an error status, or a view that answered with a refusal (fail_request),
        # rolls back so a half-done change never lands.
        if response.status_code < 400 and not g.get("request_failed"):
            try:
                db.session.commit()
            except (StaleDataError, StaleEdit) as exc:
                return make_response(_conflict(exc))  # an after_request hook must return a response object
            except Exception as exc:
                if _database_unavailable(exc):
                    return _unavailable(exc)
                db.session.rollback()
                discard_new_files()
                raise
            g.pop("new_files", None)
            g.pop("undo_on_failure", None)
        else:
            db.session.rollback()
            discard_new_files()
        status = g.get("response_status")
        if status and response.status_code == 200:
            response.status_code = status  # e.g. 409: the form is shown again after a refused stale save
        return response

    @app.teardown_request
    def clean_up_on_error(exc):
        if exc is not None:
            db.session.rollback()
            discard_new_files()

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
    app.register_error_handler(StaleDataError, _conflict)
    app.register_error_handler(OperationalError, _unavailable_or_500)
    app.register_error_handler(PoolTimeout, _unavailable_or_500)

    app.jinja_env.globals["new_nonce"] = lambda: secrets.token_urlsafe(8)
    app.jinja_env.globals["version_field"] = version_field


def _refused(error: DomainError):
    """A service refusal that no view caught: show its message where the user came from, never a 500.

    The request is rolled back (raising a DomainError marks it), so nothing of the refused action stays.
    """
    db.session.rollback()
    discard_new_files()
    if request.is_json or request.accept_mimetypes.best == "application/json":
        return {"error": str(error)}, 409
    flash(str(error), "danger")
    back = urlsplit(request.referrer or "")
    target = back.path + (f"?{back.query}" if back.query else "")
    if back.netloc != request.host or not is_safe_redirect(target):
        target = url_for("home.index")
    return redirect(target, 303)


RETRY_AFTER_SECONDS = 10


def _database_unavailable(exc: BaseException) -> bool:
    """The database is locked, busy past its timeouts, or unreachable (not a bug in a query)."""
    if isinstance(exc, PoolTimeout):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if not isinstance(exc, OperationalError):
        return False
    orig = getattr(exc, "orig", None)
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if sqlstate:  # PostgreSQL: by SQLSTATE, whatever the server's message language
        # 08 connection, 53 insufficient resources, 57 operator intervention (57014: statement_timeout),
        # 55P03 lock_timeout, 40P01 deadlock (the transaction was rolled back; trying again works)
        return sqlstate[:2] in ("08", "53", "57") or sqlstate in ("55P03", "40P01")
    if type(orig).__module__.startswith("psycopg"):
        return True  # an OperationalError without SQLSTATE: the connection itself failed
    text = str(orig if orig is not None else exc).lower()
    signs = ("database is locked", "database table is locked", "unable to open database", "disk i/o error",
             "lock timeout", "lock_timeout", "canceling statement", "statement timeout", "connection refused",
             "could not connect", "connection failed", "timeout expired", "server closed the connection",
             "connection is lost", "terminating connection", "no such host", "could not translate host",
             "the database system is starting up", "the database system is shutting down", "too many clients")
    return any(sign in text for sign in signs)


def _unavailable(exc: BaseException):
    """503 with Retry-After: the database is locked or unreachable; nothing of this request was kept.

    The page needs no database: the user is shown as anonymous (reloading them would query it again).
    """
    db.session.rollback()
    discard_new_files()
    g._login_user = AnonymousUserMixin()
    try:
        response = make_response(render_template("errors/unavailable.html", retry_after=RETRY_AFTER_SECONDS), 503)
    except Exception:  # even the page could not be rendered: a plain bilingual answer
        response = make_response("数据库暂时不可用，请稍后重试。The database is unavailable; please try again shortly.",
                                 503, {"Content-Type": "text/plain; charset=utf-8"})
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def _unavailable_or_500(exc: BaseException):
    if _database_unavailable(exc):
        return _unavailable(exc)
    db.session.rollback()
    discard_new_files()
    raise exc


def _conflict(exc: BaseException):
    """Two saves of the same record raced (``StaleDataError`` at flush): the later one is refused with 409."""
    db.session.rollback()
    discard_new_files()
    message = str(exc) if isinstance(exc, StaleEdit) else _(
        "Someone else saved this record at the same moment. Nothing of yours was saved: reload the page, "
        "check their change and save again.")
    if request.is_json or request.accept_mimetypes.best == "application/json":
        return {"error": message}, 409
    return render_template("errors/error.html", code=409, error=None, message=message), 409


def _error_page(code: int):
    def handler(error):
        if code == 500:
            db.session.rollback()
            discard_new_files()
        return render_template("errors/error.html", code=code, error=error), code

    return handler
