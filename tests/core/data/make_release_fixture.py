"""Writes ``release_3748bd2b0e6e.json``: the demo data as the release at revision 3748bd2b0e6e stored it.

Run once, at that revision (it was the head when this was written), on a scratch SQLite database:

    EDUINNOV_DATABASE_URL=sqlite:////tmp/release.db .venv/bin/flask db upgrade 3748bd2b0e6e
    EDUINNOV_DATABASE_URL=sqlite:////tmp/release.db .venv/bin/flask seed demo
    .venv/bin/python tests/core/data/make_release_fixture.py /tmp/release.db

It keeps every table's rows, except that the two big leaf tables are cut (the first 800 scores and 100
audit-log rows), and adds one row to each table the demo leaves empty, so that every table of that
schema holds something an upgrade must keep. Values are tagged JSON (``{"$dt": ...}`` for datetimes,
``$d`` dates, ``$dec`` decimals, ``$b64`` bytes); ``tests/core/test_upgrade_keeps_data.py`` inserts them
with SQLAlchemy Core into tables reflected from a database upgraded to that revision.
"""

from __future__ import annotations

import base64
import json
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import MetaData, create_engine, func, insert, select

REVISION = "3748bd2b0e6e"
CUT = {"scores": 800, "audit_log": 100}
WHEN = datetime(2026, 11, 30, 8, 0, 0)


def _extra_rows(conn, tables) -> None:
    """One row in each table the demo leaves empty."""
    def first(table: str) -> int:
        return conn.execute(select(func.min(tables[table].c.id))).scalar_one()

    program, cohort, user, student, achievement = (first(t) for t in ("programs", "cohorts", "users", "students",
                                                                      "achievements"))
    stamps = {"created_at": WHEN, "updated_at": WHEN}
    conn.execute(insert(tables["evidence_files"]), [{
        "achievement_id": achievement, "original_name": "证书.pdf", "stored_name": "a" * 32 + ".pdf",
        "mime_type": "application/pdf", "size_bytes": 1234, "sha256": "0" * 64, "uploaded_by_id": user, **stamps}])
    conn.execute(insert(tables["swot_records"]), [{
        "program_id": program, "year": 2025, "strengths": "校企合作基础好", "weaknesses": "国际交流少",
        "created_by_id": user, **stamps}])
    conn.execute(insert(tables["manual_scores"]), [{
        "program_id": program, "metric_key": "innovation_credits", "cohort_id": None, "student_id": student,
        "value": 0.75, "note": "教师评定", "entered_by_id": user, "entered_at": WHEN}])
    conn.execute(insert(tables["report_jobs"]), [{
        "id": "f" * 32, "func_path": "eduinnov.reports.pack:build_pack", "args": {"cohort_id": cohort},
        "title": "认证材料", "locale": "zh", "backend": "thread", "state": "finished", "progress": 1.0,
        "owner_id": user, "program_id": program, "started_at": WHEN, "finished_at": WHEN, **stamps}])
    conn.execute(insert(tables["report_snapshots"]), [{
        "fingerprint": "e" * 64, "kind": "cohort_dashboard", "payload": {"students": 60, "mean": 0.71},
        "program_id": program, "cohort_id": cohort, "created_by_id": user, "taken_at": WHEN, **stamps}])
    conn.execute(insert(tables["login_attempts"]), [{"email": "someone@demo.edu", "address": "127.0.0.1",
                                                     "created_at": WHEN}])


def _tag(value):
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$dec": str(value)}
    if isinstance(value, bytes):
        return {"$b64": base64.b64encode(value).decode()}
    return value


def main(path: str) -> None:
    engine = create_engine(f"sqlite:///{path}")
    meta = MetaData()
    meta.reflect(engine)
    with engine.begin() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one() == REVISION
        _extra_rows(conn, meta.tables)
    out: dict[str, object] = {"revision": REVISION, "tables": {}}
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            if table.name == "alembic_version":
                continue
            stmt = select(table).order_by(*table.primary_key.columns)
            if table.name in CUT:
                stmt = stmt.limit(CUT[table.name])
            rows = [{k: _tag(v) for k, v in row._mapping.items()} for row in conn.execute(stmt)]
            out["tables"][table.name] = rows
    target = Path(__file__).with_name(f"release_{REVISION}.json")
    with target.open("w", encoding="utf-8") as f:
        f.write(json.dumps({"revision": REVISION})[:-1] + ', "tables": {\n')
        names = list(out["tables"])
        for i, name in enumerate(names):
            f.write(f'"{name}": [\n')
            rows = out["tables"][name]
            f.write(",\n".join(json.dumps(r, ensure_ascii=False, sort_keys=True) for r in rows))
            f.write("\n]" + ("," if i < len(names) - 1 else "") + "\n")
        f.write("}}\n")
    print(target, sum(len(r) for r in out["tables"].values()), "rows")


if __name__ == "__main__":
    main(sys.argv[1])
