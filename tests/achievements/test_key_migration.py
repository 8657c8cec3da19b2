"""The duplicate-check keys revision fills the keys of every existing achievement, and its downgrade drops them."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from eduinnov.achievements.keys import stored_keys
from eduinnov.extensions import db
from tests.factories import app_for

BEFORE, REVISION = "970a854661a1", "f1c874de50d6"
NOW = "2025-03-01 10:00:00"
ROWS = [  # id, kind, title, doi, application number, grant number, project number
    (1, "publication", "Graph networks, part 2", "https://doi.org/10.1/ABC", None, None, None),
    (2, "patent", "一种智能导盲杖（1）", None, "CN 201710601862.3", "ZL201710601862.3", None),
    (3, "project", "基于深度学习的 ＧＰＵ 调度。", None, None, None, "S 2024-10001"),
    (4, "award", "挑战杯 V2.0", "10.1/ignored-on-an-award", None, None, None),
]


def test_upgrade_fills_the_keys_of_every_row_and_downgrade_drops_them(empty_database_url):
    rows = ROWS + [(100 + i, "award", f"奖项 {i}", None, None, None, None) for i in range(5003)]  # > one batch
    app = app_for(empty_database_url)
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO schools (id, code, name_zh, created_at, updated_at) "
                              "VALUES (1, 'CS', '计算机学院', :now, :now)"), {"now": NOW})
            conn.execute(text("INSERT INTO programs (id, code, name_zh, degree_level, school_id, created_at, updated_at)"
                              " VALUES (1, 'SE', '软件工程', 'bachelor', 1, :now, :now)"), {"now": NOW})
            conn.execute(text(
                    "INSERT INTO achievements (id, program_id, kind, title, year, level, patent_type, doi, "
                "application_number, grant_number, project_number, verification_status, created_at, updated_at) "
                "VALUES (:id, 1, :kind, :title, 2024, :level, :ptype, :doi, :app, :grant, :project, 'draft', :now, "
                ":now)"),
                [{"id": ident, "kind": kind, "title": title, "doi": doi, "app": application, "grant": grant,
                  "project": project, "now": NOW, "level": "national" if kind in ("project", "award") else None,
                  "ptype": "invention" if kind == "patent" else None}
                 for ident, kind, title, doi, application, grant, project in rows])
        upgrade(revision=REVISION)
        with db.engine.begin() as conn:
            stored = {r.id: r for r in conn.execute(text(
                "SELECT id, title_key, title_numbers, identifier_key, grant_key FROM achievements ORDER BY id"))}
        assert len(stored) == len(rows)
        for ident, kind, title, doi, application, grant, project in rows:
            expected = stored_keys(kind, {"title": title, "doi": doi, "application_number": application,
                                          "grant_number": grant, "project_number": project})
            row = stored[ident]
            assert {"title_key": row.title_key, "title_numbers": row.title_numbers,
                    "identifier_key": row.identifier_key, "grant_key": row.grant_key} == expected
        assert stored[2].identifier_key == stored[2].grant_key == "2017106018623"
        assert (stored[3].title_key, stored[4].identifier_key) == ("基于深度学习的gpu调度", None)
        downgrade(revision=BEFORE)
        columns = {c["name"] for c in inspect(db.engine).get_columns("achievements")}
        with db.engine.begin() as conn:
            titles = conn.execute(text("SELECT title FROM achievements ORDER BY id")).scalars().all()
        db.engine.dispose()
    assert not columns & {"title_key", "title_numbers", "identifier_key", "grant_key"}
    assert titles == [r[2] for r in rows]
