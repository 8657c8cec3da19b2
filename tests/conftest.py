"""Shared fixtures: one app and schema per session, every table emptied after each test.

The database is SQLite in a temporary folder by default; set EDUINNOV_TEST_DATABASE_URL to run the
same suite on PostgreSQL (`.ci/run` does both).
"""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

import pytest

_TMP = Path(tempfile.mkdtemp(prefix="eduinnov-test-"))
os.environ["EDUINNOV_INSTANCE_DIR"] = str(_TMP / "instance")
os.environ.setdefault("EDUINNOV_UPLOAD_DIR", str(_TMP / "uploads"))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from eduinnov import create_app  # noqa: E402
from eduinnov.config import TestConfig  # noqa: E402
from eduinnov.extensions import db as _db  # noqa: E402
from tests.clients import Browser, IsolatedClient  # noqa: E402

pytest_plugins = ["tests.factories"]


@pytest.fixture(scope="session")
def app():
    app = create_app(TestConfig())
    app.test_client_class = IsolatedClient
    with app.app_context():
        _db.drop_all()
        _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture(autouse=True)
def _app_context(request, app):
    """Each test runs inside an app context and leaves every table empty behind it."""
    with app.app_context():
        yield
        _db.session.rollback()
        _empty_all_tables()
        _db.session.remove()


def _empty_all_tables() -> None:
    tables = list(reversed(_db.metadata.sorted_tables))
    with _db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def browser(client):
    return Browser(client)


@pytest.fixture
def login_as(app):
    """``login_as(user)`` gives a Browser logged in as ``user`` (each call a fresh client)."""

    def _login(user, password: str = "correct horse battery"):
        b = Browser(app.test_client())
        response = b.login(user.email, password)
        assert response.status_code == 302, f"login failed for {user.email}"
        return b

    return _login


@pytest.fixture
def empty_database_url(app, tmp_path):
    """A brand-new empty database of the same kind as the test database (SQLite file or PostgreSQL)."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.sqlite3'}"
        return
    name = f"eduinnov_migrate_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
