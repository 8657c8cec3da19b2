"""Revision 20b689d6db49 (indexes for the achievement list) keeps every row, and its downgrade restores the
former index of achievements by program."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from eduinnov.extensions import db
from tests.factories import app_for

BEFORE, REVISION = "f1c874de50d6", "20b689d6db49"
NOW = "2025-03-01 10:00:00"


def _indexes(table: str) -> set[str]:
    return {ix["name"] for ix in inspect(db.engine).get_indexes(table)}


def _counts(conn) -> tuple[int, int, int]:
    return tuple(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()
                 for t in ("achievements", "students", "programs"))


def test_upgrade_adds_the_list_indexes_and_downgrade_restores_the_program_index(empty_database_url):
    app = app_for(empty_database_url)
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO schools (id, code, name_zh, created_at, updated_at) "
                              "VALUES (1, 'S', '学院', :now, :now)"), {"now": NOW})
            conn.execute(text("INSERT INTO programs (id, code, name_zh, degree_level, school_id, created_at, "
                              "updated_at) VALUES (1, 'SE', '软件工程', 'bachelor', 1, :now, :now)"), {"now": NOW})
            conn.execute(text("INSERT INTO cohorts (id, program_id, entry_year, created_at, updated_at) "
                              "VALUES (1, 1, 2022, :now, :now)"), {"now": NOW})
            conn.execute(text("INSERT INTO students (id, student_no, name, cohort_id, status, created_at, "
                              "updated_at) VALUES (1, '2022001', '张伟', 1, 'enrolled', :now, :now)"), {"now": NOW})
            for ident, status in enumerate(("submitted", "draft", "submitted"), start=1):
                conn.execute(text(
                    "INSERT INTO achievements (id, program_id, kind, title, title_key, title_numbers, year, level, "
                    "verification_status, created_at, updated_at) VALUES (:id, 1, 'project', :title, :key, "
                    ":numbers, 2024, 'university', :status, :now, :now)"),
                    {"id": ident, "title": f"项目{ident}", "key": f"项目{ident}", "numbers": str(ident), "status": status, "now": NOW})
        assert "ix_achievements_program_id" in _indexes("achievements")
        upgrade(revision=REVISION)
        names = _indexes("achievements")
        assert {"ix_achievements_program_year_id", "ix_achievements_awaiting_program",
                "ix_achievements_created_by_id"} <= names
        assert "ix_achievements_program_id" not in names
        postgres = db.engine.dialect.name == "postgresql"
        assert ({"ix_students_name_trgm", "ix_students_student_no_trgm"} <= _indexes("students")) == postgres
        with db.engine.begin() as conn:
            assert _counts(conn) == (3, 1, 1)
            waiting = conn.execute(text(
                "SELECT count(*) FROM achievements WHERE verification_status = 'reviewed' OR "
                "(verification_status = 'submitted' AND declared_by_student IS "
                f"{'false' if postgres else '0'})")).scalar()
            assert waiting == 2
            found = conn.execute(text("SELECT id FROM students WHERE lower(name) LIKE '%张%'")).scalars().all()
            assert found == [1]
        downgrade(revision=BEFORE)
        names = _indexes("achievements")
        assert "ix_achievements_program_id" in names
        assert not names & {"ix_achievements_program_year_id", "ix_achievements_awaiting_program",
                            "ix_achievements_created_by_id"}
        assert not _indexes("students") & {"ix_students_name_trgm", "ix_students_student_no_trgm"}
        with db.engine.begin() as conn:
            assert _counts(conn) == (3, 1, 1)
        db.engine.dispose()
