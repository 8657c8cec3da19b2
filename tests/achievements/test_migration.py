"""The review-loop revision keeps every achievement: claimed → submitted on upgrade, and back on downgrade."""

from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import exc, text

from eduinnov.extensions import db
from tests.factories import app_for

BEFORE, REVISION = "3748bd2b0e6e", "73dfd4c09a4f"
NOW = "2025-03-01 10:00:00"


def _seed(conn) -> None:
    conn.execute(text("INSERT INTO programs (id, code, name_zh, degree_level, created_at, updated_at) "
                      "VALUES (1, 'SE', '软件工程', 'bachelor', :now, :now)"), {"now": NOW})
    conn.execute(text("INSERT INTO users (id, email, name, password_hash, role, is_active_account, session_token,"
                      " created_at, updated_at) VALUES (1, 'd@x.edu', 'D', 'x', 'director', true, 't', :now, :now)"),
                 {"now": NOW})
    rows = [(1, "claimed", None, None, None), (2, "verified", 1, NOW, None), (3, "rejected", 1, NOW, "不清晰"),
            (4, "claimed", None, None, None)]
    for ident, status, by, at, note in rows:
        conn.execute(text(
            "INSERT INTO achievements (id, program_id, kind, title, year, level, verification_status, "
            "verified_by_id, verified_at, verification_note, created_at, updated_at) VALUES "
            "(:id, 1, 'project', :title, 2024, 'university', :status, :by, :at, :note, :now, :now)"),
            {"id": ident, "title": f"项目{ident}", "status": status, "by": by, "at": at, "note": note, "now": NOW})


def _statuses(conn) -> dict[int, str]:
    return dict(conn.execute(text("SELECT id, verification_status FROM achievements ORDER BY id")).all())


def test_upgrade_renames_claimed_and_downgrade_restores_it(empty_database_url):
    app = app_for(empty_database_url)
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            _seed(conn)
        upgrade(revision=REVISION)
        with db.engine.begin() as conn:
            assert _statuses(conn) == {1: "submitted", 2: "verified", 3: "rejected", 4: "submitted"}
            submitted = conn.execute(text("SELECT count(*) FROM achievements WHERE submitted_at IS NOT NULL")).scalar()
            assert submitted == 4
            flags = conn.execute(text("SELECT declared_by_student FROM achievements")).scalars().all()
            assert not any(flags)
            assert conn.execute(text("SELECT evidence_required FROM programs")).scalar() in (True, 1)
        with pytest.raises(exc.IntegrityError), db.engine.begin() as conn:  # the old state is gone
            conn.execute(text("UPDATE achievements SET verification_status = 'claimed' WHERE id = 1"))
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE achievements SET verification_status = 'draft' WHERE id = 4"))
        downgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            assert _statuses(conn) == {1: "claimed", 2: "verified", 3: "rejected", 4: "claimed"}
            note = conn.execute(text("SELECT verification_note FROM achievements WHERE id = 3")).scalar()
            assert note == "不清晰"
        db.engine.dispose()
