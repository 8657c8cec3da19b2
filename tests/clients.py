"""Test clients and page readers shared by every test package: an isolated client per request, CSRF tokens,
a browser that logs in through the form, the home page's figures and the two-editors conflict check."""

from __future__ import annotations

import contextvars
import html as html_lib
import re
from collections.abc import Iterator
from contextlib import contextmanager

from flask.testing import FlaskClient
from sqlalchemy import event

from eduinnov.core.versioning import FIELD
from eduinnov.extensions import db as _db
from tests.formdata import form_data


class IsolatedClient(FlaskClient):
    """Each request runs in a fresh context, as in production: its own app context, ``g`` and DB session.

    (Flask would otherwise reuse the test's app context, sharing ``g`` — and Flask-Login's cached user —
    and the SQLAlchemy session between the test and every request.) Afterwards the test's own session
    is expired so that it reads what the request committed.
    """

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        _db.session.expire_all()
        return response


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, url: str = "/login") -> str:
    """A valid CSRF token for this client's session, read from a rendered page."""
    html = client.get(url).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no csrf token on {url}"
    return match.group(1)


class Browser:
    """A test client that logs in through the real login form and sends CSRF tokens like a browser."""

    def __init__(self, client):
        self.client = client

    def login(self, email: str, password: str = "correct horse battery", remember: bool = False):
        return self.client.post("/login", data={
            "email": email, "password": password, "remember": "y" if remember else "",
            "csrf_token": csrf_token(self.client, "/login"),
        })

    def get(self, url, **kw):
        return self.client.get(url, **kw)

    def post(self, url, data=None, *, token_from: str = "/", **kw):
        data = dict(data or {})
        data.setdefault("csrf_token", csrf_token(self.client, token_from))
        return self.client.post(url, data=data, **kw)


def figure(html: str, ident: str) -> tuple[int, str]:
    """The number shown in the figure ``ident`` and the URL it links to."""
    match = re.search(r'<a class="home-figure[^"]*" href="([^"]+)" id="' + ident + r'">.*?display-6[^>]*>(\d+)<',
                      html, re.S)
    assert match, f"no figure {ident}"
    return int(match.group(2)), match.group(1).replace("&amp;", "&")


def two_editors(login_as, user_a, user_b, url):
    a, b = login_as(user_a), login_as(user_b)
    return a, b, a.get(url).get_data(as_text=True), b.get(url).get_data(as_text=True)


def save_conflict(login_as, user_a, user_b, url, field, mine, theirs, extra=None):
    """B saves ``theirs`` first; A (who opened the form before) saves ``mine``: 409, then A saves again."""
    a, b, page_a, page_b = two_editors(login_as, user_a, user_b, url)
    data_b = {**form_data(page_b), field: theirs, **(extra or {})}
    saved = b.post(url, data_b)
    assert saved.status_code in (302, 303), saved.get_data(as_text=True)[:2000]
    data_a = {**form_data(page_a), field: mine, **(extra or {})}
    refused = a.post(url, data_a)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409, page[:2000]
    text = html_lib.unescape(page)
    assert "Someone else saved this record after you opened it" in text
    assert f"“{theirs}”" in text  # the other person's change is shown
    kept = form_data(page)
    assert kept[field] == mine  # the user's input is kept in the form
    assert kept[FIELD] != data_a[FIELD]  # ... which now carries the current version
    again = a.post(url, kept)
    assert again.status_code in (302, 303), again.get_data(as_text=True)[:2000]
    return page


def heading(response) -> str:
    """The page's ``<h1>`` as plain text (tags removed, spaces collapsed), asserting the page rendered (200)."""
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:2000]
    match = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    assert match, "the page has no <h1>"
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", match.group(1)))).strip()


@contextmanager
def counting_statements() -> Iterator[list[str]]:
    """The SQL statements run inside the ``with`` block, in order (their text), e.g. to bound a page's cost."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(_db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(_db.engine, "before_cursor_execute", record)


def get_counting_statements(browser, url: str) -> tuple[str, int]:
    """GET ``url`` with ``browser``: the page's HTML and how many SQL statements the request ran."""
    with counting_statements() as seen:
        html = browser.get(url).get_data(as_text=True)
    return html, len(seen)
