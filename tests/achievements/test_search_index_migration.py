"""Revision 1393e499ff04 (the partial index of students' declarations waiting for review; on PostgreSQL the
trigram indexes of titles and DOIs) keeps every row, its indexes serve the review count and the title search,
and its downgrade removes only those indexes."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from eduinnov.extensions import db
from tests.factories import app_for

BEFORE, REVISION = "20b689d6db49", "1393e499ff04"
NOW = "2025-03-01 10:00:00"
INDEX = "ix_achievements_declared_waiting"
TRIGRAM = {"ix_achievements_title_trgm", "ix_achievements_doi_trgm"}


def _indexes() -> set[str]:
    return {ix["name"] for ix in inspect(db.engine).get_indexes("achievements")}


def test_upgrade_adds_the_declared_waiting_index_and_keeps_every_row(empty_database_url):
    app = app_for(empty_database_url)
    with app.app_context():
        upgrade(revision=BEFORE)
        postgres = db.engine.dialect.name == "postgresql"
        true, false = ("true", "false") if postgres else ("1", "0")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO schools (id, code, name_zh, created_at, updated_at) "
                              "VALUES (1, 'S', '学院', :now, :now)"), {"now": NOW})
            conn.execute(text("INSERT INTO programs (id, code, name_zh, degree_level, school_id, created_at, "
                              "updated_at) VALUES (1, 'SE', '软件工程', 'bachelor', 1, :now, :now)"), {"now": NOW})
            rows = [("submitted", true), ("submitted", false), ("reviewed", true), ("submitted", true)]
            for ident, (status, declared) in enumerate(rows, start=1):
                conn.execute(text(
                    "INSERT INTO achievements (id, program_id, kind, title, title_key, title_numbers, year, level, "
                    f"verification_status, declared_by_student, created_at, updated_at) VALUES (:id, 1, 'project', "
                    f":title, :key, :numbers, 2024, 'university', :status, {declared}, :now, :now)"),
                    {"id": ident, "title": f"项目{ident}", "key": f"项目{ident}", "numbers": str(ident),
                     "status": status, "now": NOW})
        before = _indexes()
        upgrade(revision=REVISION)
        assert _indexes() == before | {INDEX} | (TRIGRAM if postgres else set())
        count = (f"SELECT count(*) FROM achievements WHERE program_id = 1 AND verification_status = 'submitted' "
                 f"AND declared_by_student IS {true}")
        with db.engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM achievements")).scalar() == 4
            assert conn.execute(text(count)).scalar() == 2
            # Both planners can answer the count from the partial index: PostgreSQL once table scans cost more;
            # SQLite refuses "INDEXED BY" an index the WHERE clause does not imply.
            if postgres:
                conn.execute(text("SET LOCAL enable_seqscan = off"))
                assert INDEX in "\n".join(conn.execute(text("EXPLAIN " + count)).scalars())
            else:
                forced = count.replace("FROM achievements", f"FROM achievements INDEXED BY {INDEX}")
                assert conn.execute(text(forced)).scalar() == 2
            if postgres:  # a title search through the trigram index, case ignored as the list's ILIKE does
                search = "SELECT id FROM achievements WHERE title ILIKE '%项目3%' OR doi ILIKE '%项目3%'"
                assert conn.execute(text(search)).scalars().all() == [3]
                conn.execute(text("SET LOCAL enable_seqscan = off"))
                plan = "\n".join(conn.execute(text("EXPLAIN " + search)).scalars())
                assert "ix_achievements_title_trgm" in plan and "ix_achievements_doi_trgm" in plan
        downgrade(revision=BEFORE)
        assert _indexes() == before
        with db.engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM achievements")).scalar() == 4
        db.engine.dispose()
