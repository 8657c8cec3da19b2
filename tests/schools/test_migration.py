"""The schools revision on a populated database: every program kept, in the default school; stored OBE
results get their small requirements copy; the downgrade keeps every program (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from eduinnov.extensions import db
from tests.factories import app_for

BEFORE = "7a1f86061090"
SCHOOLS = "0634e31897a0"
NOW = "2026-01-01 00:00:00+00:00"


def test_upgrade_puts_every_program_in_the_default_school_and_copies_obe_verdicts(empty_database_url):
    migrated = app_for(empty_database_url)
    requirements = {"7": {"weighted_sum": 0.65, "achieved_weighted_sum": False, "achieved_minimum": False}}
    with migrated.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            for code in ("SE", "NUR"):
                conn.execute(text("INSERT INTO programs (code, name_zh, degree_level, evidence_required, created_at, "
                                  "updated_at, row_version) VALUES (:c, :c, 'bachelor', true, :t, :t, 1)"),
                             {"c": code, "t": NOW})
            pid = conn.execute(text("SELECT id FROM programs WHERE code = 'SE'")).scalar()
            conn.execute(text("INSERT INTO cohorts (program_id, entry_year, created_at, updated_at, row_version) "
                              "VALUES (:p, 2022, :t, :t, 1)"), {"p": pid, "t": NOW})
            cid = conn.execute(text("SELECT id FROM cohorts")).scalar()
            conn.execute(text("INSERT INTO framework_versions (program_id, version, title, status, threshold, "
                              "aggregation_rule, weight_h, weight_m, weight_l, created_at, updated_at, row_version) "
                              "VALUES (:p, '2022', 'x', 'active', 0.7, 'weighted_sum', 3, 2, 1, :t, :t, 1)"),
                         {"p": pid, "t": NOW})
            fid = conn.execute(text("SELECT id FROM framework_versions")).scalar()
            conn.execute(text("INSERT INTO obe_results (cohort_id, framework_id, fingerprint, computed_at, data) "
                              "VALUES (:c, :f, 'x', :t, :d)"),
                         {"c": cid, "f": fid, "t": NOW,
                          "d": json.dumps({"offerings": "{}", "requirements": requirements, "students": "{}"})})
        upgrade(revision=SCHOOLS)
        with db.engine.connect() as conn:
            schools = conn.execute(text("SELECT code, name_en FROM schools")).all()
            placed = conn.execute(text("SELECT p.code FROM programs p JOIN schools s ON s.id = p.school_id "
                                       "WHERE s.code = 'DEFAULT' ORDER BY p.code")).scalars().all()
            copied = conn.execute(text("SELECT requirements FROM obe_results")).scalar()
        downgrade(revision=BEFORE)
        with db.engine.connect() as conn:
            kept = conn.execute(text("SELECT code FROM programs ORDER BY code")).scalars().all()
        db.engine.dispose()
    assert [tuple(s) for s in schools] == [("DEFAULT", "Default school")]
    assert placed == ["NUR", "SE"]
    assert (json.loads(copied) if isinstance(copied, str) else copied) == requirements
    assert kept == ["NUR", "SE"]


def test_upgrade_of_an_empty_database_creates_no_school(empty_database_url):
    migrated = app_for(empty_database_url)
    with migrated.app_context():
        upgrade(revision=SCHOOLS)
        with db.engine.connect() as conn:
            count = conn.execute(text("SELECT COUNT(*) FROM schools")).scalar()
        db.engine.dispose()
    assert count == 0
