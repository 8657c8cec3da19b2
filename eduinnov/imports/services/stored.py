"""Confirming an achievement import from the plan its preview stored, when nothing it read has changed.

Planning 50,000 achievement rows (reading, checking every cell, matching students, duplicate checks) takes
seconds, and the confirm used to do it all again only to compare the new plan with the previewed one. The
plan is a pure function of its inputs: the file and its name, the kind, the program, the acting user, the
day (dates in the future), the language of the messages, the import limits, and what the planner reads from
the database — the program's students, its teachers, and the identifiers and titles of its achievements.
:func:`inputs_digest` hashes all of them (the database part in one query per table: an aggregate on
PostgreSQL); when the confirm computes the same digest as the preview, the stored plan *is* the plan it
would make, and it is carried out without planning again. Any difference (an achievement added, a title
edited, a student renamed …) and the confirm plans again and compares fingerprints, exactly as before.

The plan is stored with the upload (``storage.save_pending(plan=...)``) as a pickle signed with the app's
secret key (HMAC-SHA256): a plan that was not written by this app is never unpickled.

Only the achievement kinds whose planner is :func:`~.achievements._plan_achievements` are stored (the
kinds of files with tens of thousands of rows); publications (whose authors are chosen at confirm),
rosters, partners and score sheets plan again, as they always did.
"""

from __future__ import annotations

import hashlib
import hmac
import pickle
import zlib
from datetime import date

from flask import current_app
from flask_babel import get_locale
from sqlalchemy import select, text

from eduinnov.achievements.models import Achievement
from eduinnov.auth.models import ProgramMembership, User
from eduinnov.core.memory import paused_gc
from eduinnov.extensions import db
from eduinnov.imports.schemas import ImportKind
from eduinnov.imports.services._plan import Preview
from eduinnov.programs.models import Cohort, Program, Student

__all__ = ["REUSABLE", "dump_plan", "inputs_digest", "load_plan"]

REUSABLE = frozenset({ImportKind.ACHIEVEMENTS, ImportKind.PROJECTS, ImportKind.PATENTS, ImportKind.AWARDS})
_LIMITS = ("IMPORT_MAX_BYTES", "IMPORT_MAX_ROWS", "IMPORT_MAX_XLSX_UNCOMPRESSED")
_FORMAT = b"eduinnov-plan-1"


def _rows_digest(stmt, pg_sql: str, program_id: int) -> str:
    """A digest of the rows of ``stmt`` (ordered): one aggregate query on PostgreSQL, hashed here elsewhere."""
    if db.session.get_bind().dialect.name == "postgresql":
        return db.session.execute(text(pg_sql), {"program": program_id}).scalar() or ""
    h = hashlib.sha256()
    for row in db.session.execute(stmt):
        h.update(repr(tuple(row)).encode("utf-8"))
    return h.hexdigest()


def _database_digest(program: Program) -> str:
    """What the achievement planner reads of ``program``: its achievements, students and teachers."""
    a = Achievement
    parts = [
        _rows_digest(
            select(a.id, a.kind, a.title, a.year, a.doi, a.application_number, a.grant_number, a.project_number)
            .where(a.program_id == program.id).order_by(a.id),
            "SELECT md5(string_agg(ROW(id, kind, title, year, doi, application_number, grant_number, "
            "project_number)::text, E'\\n' ORDER BY id)) FROM achievements WHERE program_id = :program",
            program.id),
        _rows_digest(
            select(Student.id, Student.student_no, Student.name).join(Cohort)
            .where(Cohort.program_id == program.id).order_by(Student.id),
            "SELECT md5(string_agg(ROW(s.id, s.student_no, s.name)::text, E'\\n' ORDER BY s.id)) FROM students s "
            "JOIN cohorts c ON c.id = s.cohort_id WHERE c.program_id = :program",
            program.id),
        _rows_digest(
            select(User.id, User.name, User.email).join(ProgramMembership)
            .where(ProgramMembership.program_id == program.id).order_by(User.id, ProgramMembership.id),
            "SELECT md5(string_agg(ROW(u.id, u.name, u.email)::text, E'\\n' ORDER BY u.id, m.id)) FROM users u "
            "JOIN program_memberships m ON m.user_id = u.id WHERE m.program_id = :program",
            program.id),
    ]
    return "|".join(parts)


def inputs_digest(kind: ImportKind, program: Program, user: User, data: bytes, filename: str) -> str:
    """Everything the plan of ``data`` depends on, hashed; "" for kinds whose plans are not stored.

    Parameters
    ----------
    kind, program, user, data, filename
        As for :func:`~.running.preview_import`.

    Returns
    -------
    str
        Equal digests (in the same database) mean equal plans.
    """
    if kind not in REUSABLE:
        return ""
    config = current_app.config
    h = hashlib.sha256()
    for part in (kind.value, program.id, user.id, filename, date.today().isoformat(), str(get_locale()),
                 *(config.get(name) for name in _LIMITS), _database_digest(program)):
        h.update(repr(part).encode("utf-8") + b"\0")
    h.update(hashlib.sha256(data).digest())
    return h.hexdigest()


def _signature(payload: bytes) -> bytes:
    key = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    return hmac.new(key, _FORMAT + payload, hashlib.sha256).digest()


def dump_plan(preview: Preview) -> bytes | None:
    """The plan to store with the upload (signed), or None when it may not be reused (errors, other kinds)."""
    if not preview.ok or not preview.inputs_digest or preview.kind not in REUSABLE:
        return None
    with paused_gc():  # the pickler's memo holds a tuple per object: see core/memory.py
        payload = zlib.compress(pickle.dumps(preview, protocol=pickle.HIGHEST_PROTOCOL), 1)
    return _signature(payload) + payload


def load_plan(blob: bytes | None) -> Preview | None:
    """The stored plan, or None when there is none or its signature is not this app's."""
    if not blob or len(blob) < 32:
        return None
    signature, payload = blob[:32], blob[32:]
    if not hmac.compare_digest(signature, _signature(payload)):
        return None
    try:
        with paused_gc():  # hundreds of thousands of objects, none of them garbage: see core/memory.py
            preview = pickle.loads(zlib.decompress(payload))  # noqa: S301 — signed by this app (above)
    except Exception:  # noqa: BLE001 — a plan from an older version of the code: plan again
        return None
    return preview if isinstance(preview, Preview) else None
