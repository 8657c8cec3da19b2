"""The summary revision on a populated database: every stored document gets its summary and the achievements
index by program and status replaces the one by program and kind; the downgrade undoes both and keeps every
row (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from eduinnov.extensions import db
from tests.factories import app_for

BEFORE = "2e0dc1b06a7e"
SUMMARY = "970a854661a1"
NOW = "2026-01-01 00:00:00+00:00"


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def test_upgrade_fills_the_summary_of_every_stored_document(empty_database_url):
    migrated = app_for(empty_database_url)
    requirements = {"7": {"weighted_sum": 0.65, "achieved_weighted_sum": False, "achieved_minimum": False}}
    document = {"offerings": json.dumps({"3": {"error": None}}), "course_objectives": {"5:9": 0.71},
                "courses_with_scores": [5], "cells": {"4:5": 0.71}, "points": {"4": {"weighted_sum": 0.71}},
                "requirements": requirements, "students": json.dumps({"weighted_sum": {"11": {"7": 0.5}}})}
    with migrated.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO schools (code, name_zh, created_at, updated_at, row_version) "
                              "VALUES ('S', 'S', :t, :t, 1)"), {"t": NOW})
            sid = conn.execute(text("SELECT id FROM schools")).scalar()
            conn.execute(text("INSERT INTO programs (code, name_zh, degree_level, evidence_required, school_id, "
                              "created_at, updated_at, row_version) VALUES ('SE', 'SE', 'bachelor', true, :s, :t, :t, 1)"),
                         {"s": sid, "t": NOW})
            pid = conn.execute(text("SELECT id FROM programs")).scalar()
            conn.execute(text("INSERT INTO cohorts (program_id, entry_year, created_at, updated_at, row_version) "
                              "VALUES (:p, 2022, :t, :t, 1)"), {"p": pid, "t": NOW})
            cid = conn.execute(text("SELECT id FROM cohorts")).scalar()
            conn.execute(text("INSERT INTO framework_versions (program_id, version, title, status, threshold, "
                              "aggregation_rule, weight_h, weight_m, weight_l, created_at, updated_at, row_version) "
                              "VALUES (:p, '2022', 'x', 'active', 0.7, 'weighted_sum', 3, 2, 1, :t, :t, 1)"),
                         {"p": pid, "t": NOW})
            fid = conn.execute(text("SELECT id FROM framework_versions")).scalar()
            conn.execute(text("INSERT INTO obe_results (cohort_id, framework_id, fingerprint, computed_at, data, "
                              "requirements) VALUES (:c, :f, 'x', :t, :d, :r)"),
                         {"c": cid, "f": fid, "t": NOW, "d": json.dumps(document), "r": json.dumps(requirements)})
        upgrade(revision=SUMMARY)
        with db.engine.connect() as conn:
            summary, data = conn.execute(text("SELECT summary, data FROM obe_results")).one()
        indexes_after = {i["name"] for i in inspect(db.engine).get_indexes("achievements")}
        downgrade(revision=BEFORE)
        with db.engine.connect() as conn:
            kept = conn.execute(text("SELECT fingerprint, data FROM obe_results")).all()
        indexes_before = {i["name"] for i in inspect(db.engine).get_indexes("achievements")}
        db.engine.dispose()
    assert _json(summary) == {k: v for k, v in document.items() if k not in ("offerings", "students")}
    assert _json(data) == document
    assert len(kept) == 1 and _json(kept[0].data) == document
    assert "ix_achievements_program_status_kind_year" in indexes_after
    assert "ix_achievements_program_kind" not in indexes_after
    assert "ix_achievements_program_kind" in indexes_before
    assert "ix_achievements_program_status_kind_year" not in indexes_before
