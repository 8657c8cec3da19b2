"""Upgrading a populated database keeps every row (issue #12, "Upgrades that keep data").

A database is migrated to the previous release's revision, filled with that release's demo data
(``data/release_<rev>.json``, made by ``data/make_release_fixture.py``) through SQLAlchemy Core inserts
into tables reflected from that revision's schema — not through today's models, which may have
columns the old schema lacks — and then upgraded to head with ``flask db upgrade``'s own function. Every
row of every table is still there with its values, and the app serves pages from it. Runs on SQLite and
PostgreSQL (whichever ``EDUINNOV_TEST_DATABASE_URL`` names), so every revision added after the release
is exercised on populated data in CI.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import MetaData, create_engine, func, insert, select, text

from tests.factories import app_for

PREVIOUS_RELEASE = "3748bd2b0e6e"
FIXTURE = Path(__file__).parent / "data" / f"release_{PREVIOUS_RELEASE}.json"
DEMO_PASSWORD = "eduinnov-demo"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
# Values a later revision renames on purpose, each named by its revision (everything else must stay as it was).
RENAMED = {
    ("achievements", "verification_status"): {"claimed": "submitted"},  # 73dfd4c09a4f: the review loop
}


def _untag(value):
    if isinstance(value, dict) and len(value) == 1:
        (tag, raw), = value.items()
        if tag == "$dt":
            return datetime.fromisoformat(raw)
        if tag == "$d":
            return date.fromisoformat(raw)
        if tag == "$dec":
            return Decimal(raw)
        if tag == "$b64":
            return base64.b64decode(raw)
    return value


def _load_release(url: str) -> dict[str, list[dict]]:
    """Insert the release's rows into the database at ``url`` (at the release's revision); return them."""
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    assert data["revision"] == PREVIOUS_RELEASE
    rows = {name: [{k: _untag(v) for k, v in row.items()} for row in table_rows]
            for name, table_rows in data["tables"].items()}
    engine = create_engine(url)
    meta = MetaData()
    meta.reflect(engine)
    try:
        with engine.begin() as conn:
            for table in meta.sorted_tables:
                if rows.get(table.name):
                    conn.execute(insert(table), rows[table.name])
            if engine.dialect.name == "postgresql":  # explicit ids: move each sequence past them
                for table in meta.sorted_tables:
                    if "id" in table.c and table.c.id.autoincrement is not False and rows.get(table.name) \
                            and isinstance(rows[table.name][0]["id"], int):
                        conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                          f"(SELECT max(id) FROM {table.name}))"))
    finally:
        engine.dispose()
    return rows


def _log_in(client, email: str) -> None:
    token = _CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD, "csrf_token": token})
    assert response.status_code == 302, "the release's account cannot log in after the upgrade"


def test_the_previous_release_revision_is_an_ancestor_of_head(app):
    script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
    heads = script.get_heads()
    assert len(heads) == 1, f"the migrations have several heads {heads}: chain the new revisions"
    assert PREVIOUS_RELEASE in {rev.revision for rev in script.walk_revisions()}


def test_upgrading_the_previous_release_keeps_every_row_and_serves_it(empty_database_url):
    migrated = app_for(empty_database_url)
    with migrated.app_context():
        upgrade(revision=PREVIOUS_RELEASE)
    release = _load_release(empty_database_url)
    assert sum(len(r) for r in release.values()) > 4000 and all(release.values()), "every table holds rows"

    with migrated.app_context():
        upgrade()  # to head: what `flask db upgrade` runs

    engine = create_engine(empty_database_url)
    meta = MetaData()
    meta.reflect(engine)
    try:
        with engine.connect() as conn:
            counts = {name: conn.execute(select(func.count()).select_from(meta.tables[name])).scalar_one()
                      for name in release}
            assert counts == {name: len(rows) for name, rows in release.items()}
            # Every value of every row and column the release had is unchanged (datetimes compared without
            # time zone: PostgreSQL gives them back aware).
            for name, rows in release.items():
                table = meta.tables[name]
                pk = list(table.primary_key.columns)
                stored = {tuple(r._mapping[c.name] for c in pk): r._mapping
                          for r in conn.execute(select(table))}
                for row in rows:
                    now = stored[tuple(row[c.name] for c in pk)]
                    for column, before in row.items():
                        after = now[column]
                        renamed = RENAMED.get((name, column))
                        if renamed and isinstance(before, str):
                            before = renamed.get(before, before)
                        if isinstance(after, datetime) and after.tzinfo is not None:
                            after = after.replace(tzinfo=None)
                        if isinstance(before, float) or isinstance(after, float):
                            assert after == pytest.approx(before), (name, column, row)
                        else:
                            assert after == before, (name, column, row)
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    finally:
        engine.dispose()
    script = ScriptDirectory.from_config(migrated.extensions["migrate"].migrate.get_config())
    assert version == script.get_current_head()

    # The app serves the upgraded data: log in as the release's director, list students, open an achievement.
    student = next(s for s in release["students"] if s["status"] == "enrolled")
    achievement = next(a for a in release["achievements"] if a["verification_status"] == "verified")
    client = migrated.test_client()
    _log_in(client, "director@demo.edu")
    page = client.get(f"/programs/students?q={student['student_no']}")
    assert page.status_code == 200 and student["name"] in page.get_data(as_text=True)
    page = client.get(f"/programs/students/{student['id']}")
    assert page.status_code == 200 and student["student_no"] in page.get_data(as_text=True)
    page = client.get(f"/achievements/{achievement['id']}")
    assert page.status_code == 200 and achievement["title"] in page.get_data(as_text=True)
    run = release["evaluation_runs"][0]
    assert client.get(f"/evaluation/runs/{run['id']}").status_code == 200
    with migrated.app_context():
        from eduinnov.extensions import db
        db.engine.dispose()
