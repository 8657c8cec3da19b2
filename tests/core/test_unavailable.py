"""Issue #12 (7): a locked or unreachable database answers 503 with Retry-After after a bounded wait, and
nothing of the request is kept. The lock test runs on the database under test: SQLite (an exclusive lock
held by another connection, past the busy timeout) or PostgreSQL (a table lock held by another
connection, past lock_timeout) when EDUINNOV_TEST_DATABASE_URL names one."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time

import pytest
from sqlalchemy import text

from eduinnov import create_app
from eduinnov.auth.models import Role
from eduinnov.config import TestConfig, engine_options
from eduinnov.extensions import db
from eduinnov.programs.models import Program
from tests.clients import IsolatedClient, csrf_token
from tests.factories import make_user

PG_URL = os.environ.get("EDUINNOV_TEST_DATABASE_URL", "")


def test_engine_options_bound_every_wait():
    sqlite = engine_options({"SQLALCHEMY_DATABASE_URI": "sqlite:///x.db", "DB_LOCK_TIMEOUT": 2.5})
    assert sqlite["connect_args"] == {"timeout": 2.5}
    pg = engine_options({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u@h/d", "DB_LOCK_TIMEOUT": 3,
                         "DB_STATEMENT_TIMEOUT": 60, "DB_CONNECT_TIMEOUT": 4,
                         "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True}})
    assert pg["connect_args"] == {"connect_timeout": 4, "options": "-c lock_timeout=3000 -c statement_timeout=60000"}
    assert pg["pool_pre_ping"] is True and pg["pool_timeout"] == 6


@pytest.fixture
def short_wait_app(tmp_path):
    """An app on the database under test whose lock wait is 0.5 s, and a way to hold a lock on it."""
    config = TestConfig()
    if not PG_URL.startswith("postgresql"):
        config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'locked.sqlite3'}"
    config.DB_LOCK_TIMEOUT = 0.5
    app = create_app(config)
    app.test_client_class = IsolatedClient
    with app.app_context():
        if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            db.create_all()

            @contextlib.contextmanager
            def hold_lock():
                other = sqlite3.connect(tmp_path / "locked.sqlite3", isolation_level=None)
                other.execute("BEGIN EXCLUSIVE")  # another process holds the database
                try:
                    yield
                finally:
                    other.execute("ROLLBACK")
                    other.close()
        else:
            @contextlib.contextmanager
            def hold_lock():
                with db.engine.connect() as other:  # another connection holds the table
                    other.execute(text("LOCK TABLE programs IN ACCESS EXCLUSIVE MODE"))
                    try:
                        yield
                    finally:
                        other.rollback()
        yield app, hold_lock
        db.session.remove()
        db.engine.dispose()


def test_a_locked_database_answers_503_and_keeps_nothing(short_wait_app):
    app, hold_lock = short_wait_app
    admin = make_user(Role.ADMIN)
    client = app.test_client()
    assert client.post("/login", data={"email": admin.email, "password": "correct horse battery",
                                       "csrf_token": csrf_token(client, "/login")}).status_code == 302
    token = csrf_token(client, "/programs/new")
    with hold_lock():
        started = time.monotonic()
        response = client.post("/programs/new", data={
            "csrf_token": token, "code": "LOCKED", "name_zh": "锁住", "degree_level": "bachelor"})
        waited = time.monotonic() - started
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "10"
    assert "The database is busy or unreachable right now. Nothing of what you sent was saved." in \
        response.get_data(as_text=True)
    assert waited < 8  # bounded by the configured wait, not an endless hang
    assert db.session.query(Program).filter_by(code="LOCKED").count() == 0
    # Once the lock is gone the same action works.
    ok = client.post("/programs/new", data={"csrf_token": csrf_token(client, "/programs/new"), "code": "LOCKED",
                                            "name_zh": "锁住", "degree_level": "bachelor"})
    assert ok.status_code == 302
    assert db.session.query(Program).filter_by(code="LOCKED").count() == 1


@pytest.mark.parametrize("url", [
    "sqlite:///{tmp}/missing-dir/x.sqlite3",
    "postgresql+psycopg://postgres@127.0.0.1:1/eduinnov",  # nothing listens on port 1
])
def test_an_unreachable_database_answers_503(tmp_path, url):
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = url.format(tmp=tmp_path)
    config.WTF_CSRF_ENABLED = False
    config.DB_CONNECT_TIMEOUT = 2
    app = create_app(config)
    app.test_client_class = IsolatedClient
    started = time.monotonic()
    response = app.test_client().post("/login", data={"email": "a@b.c", "password": "x" * 12})
    assert response.status_code == 503 and response.headers["Retry-After"] == "10"
    assert "Nothing of what you sent was saved" in response.get_data(as_text=True)
    assert time.monotonic() - started < 10
    with app.app_context():
        db.engine.dispose()


class _PgError(Exception):
    def __init__(self, message, sqlstate):
        super().__init__(message)
        self.sqlstate = sqlstate


@pytest.mark.parametrize("message, sqlstate, unavailable", [
    ("锁超时", "55P03", True),  # a server with Chinese messages: decided by SQLSTATE
    ("canceling statement due to statement timeout", "57014", True),
    ("terminating connection due to administrator command", "57P01", True),
    ("sorry, too many clients already", "53300", True),
    ("deadlock detected", "40P01", True),
    ("connection failure", "08006", True),
    ("division by zero", "22012", False),  # a bug, not an outage: stays a 500
    ("database is locked", None, True),  # SQLite
    ("unable to open database file", None, True),
    ("no such table: programs", None, False),
])
def test_what_counts_as_the_database_being_unavailable(message, sqlstate, unavailable):
    from sqlalchemy.exc import OperationalError

    from eduinnov.core.web import _database_unavailable

    orig = _PgError(message, sqlstate) if sqlstate else sqlite3.OperationalError(message)
    assert _database_unavailable(OperationalError("SELECT 1", {}, orig)) is unavailable
