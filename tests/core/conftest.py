"""Fixtures of the core tests: a brand-new empty database of the same kind as the test database."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from eduinnov import create_app
from eduinnov.config import TestConfig


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


def app_for(url: str, **config):
    """An app on ``url`` (the test configuration otherwise), for migration and upgrade tests."""
    settings = TestConfig()
    settings.SQLALCHEMY_DATABASE_URI = url
    for key, value in config.items():
        setattr(settings, key, value)
    return create_app(settings)
