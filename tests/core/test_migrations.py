"""The Alembic migrations build, from an empty database, exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from eduinnov.core.models import autogenerate_filter
from eduinnov.extensions import db
from tests.factories import app_for


def test_upgrade_from_empty_matches_the_models(empty_database_url):
    migrated = app_for(empty_database_url)
    with migrated.app_context():
        upgrade()
        with db.engine.connect() as conn:
            opts = {"compare_type": True, "include_object": autogenerate_filter(conn.dialect.name)}
            diff = compare_metadata(MigrationContext.configure(conn, opts=opts), db.metadata)
        tables = set(inspect(db.engine).get_table_names())
        db.engine.dispose()
    assert diff == [], f"models and migrations disagree: {diff}"
    assert set(db.metadata.tables) <= tables


def test_downgrade_to_base_removes_everything(empty_database_url):
    migrated = app_for(empty_database_url)
    with migrated.app_context():
        upgrade()
        downgrade(revision="base")
        tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        db.engine.dispose()
    assert tables == set()
