"""Revision 4e14a2ea2778 on a populated database: existing versions are linked by equal number, rows kept."""

from __future__ import annotations

from datetime import datetime

from flask_migrate import downgrade, upgrade
from sqlalchemy import MetaData, func, insert, select

from eduinnov.extensions import db
from tests.factories import app_for

BEFORE = "7a1f86061090"
REVISION = "4e14a2ea2778"


def test_existing_versions_are_linked_in_creation_order_by_equal_number(empty_database_url):
    migrated = app_for(empty_database_url)
    with migrated.app_context():
        upgrade(revision=BEFORE)
        meta = MetaData()
        meta.reflect(db.engine)
        programs, versions, reqs = (meta.tables[n] for n in ("programs", "framework_versions",
                                                             "graduation_requirements"))
        now = datetime(2026, 1, 1)
        with db.engine.begin() as conn:
            conn.execute(insert(programs), [{"id": 1, "code": "SE", "name_zh": "软件工程", "degree_level": "bachelor", "created_at": now,
                                             "updated_at": now}])
            conn.execute(insert(versions), [
                {"id": v, "program_id": 1, "version": label, "title": label, "status": status, "threshold": 0.7,
                 "aggregation_rule": "weighted_sum", "weight_h": 3, "weight_m": 2, "weight_l": 1,
                 "created_at": datetime(year, 1, 1), "updated_at": now}
                for v, label, status, year in ((7, "2021", "active", 2021), (3, "2017", "archived", 2017),
                                               (9, "2024", "draft", 2024))])
            conn.execute(insert(reqs), [
                {"id": rid, "framework_id": fid, "number": n, "title": f"GR{n}", "created_at": now, "updated_at": now}
                for rid, fid, n in ((30, 3, 1), (31, 3, 2), (32, 3, 13), (70, 7, 1), (71, 7, 2), (90, 9, 2))])
        upgrade(revision=REVISION)
        meta = MetaData()
        meta.reflect(db.engine)
        with db.engine.connect() as conn:
            links = sorted(conn.execute(select(meta.tables["requirement_successions"].c.predecessor_id,
                                               meta.tables["requirement_successions"].c.successor_id)).all())
            rules = set(conn.execute(select(meta.tables["framework_versions"].c.objective_rule)).scalars())
            kept = conn.execute(select(func.count()).select_from(meta.tables["graduation_requirements"])).scalar()
        # 2017 → 2021 (created in that order, whatever the ids), then 2021 → 2024; GR13 has no successor
        assert links == [(30, 70), (31, 71), (71, 90)]
        assert rules == {"mean"} and kept == 6
        downgrade(revision=BEFORE)
        meta = MetaData()
        meta.reflect(db.engine)
        assert "requirement_successions" not in meta.tables
        assert "objective_rule" not in meta.tables["framework_versions"].c
        with db.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(meta.tables["graduation_requirements"])).scalar() == 6
        db.engine.dispose()
