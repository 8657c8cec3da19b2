"""Previewing and carrying out an import: who may import, plan every row, refuse or write."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from eduinnov.auth.access import Action, can
from eduinnov.auth.models import User
from eduinnov.core.errors import DomainError
from eduinnov.core.memory import paused_gc
from eduinnov.extensions import db
from eduinnov.imports import validators as v
from eduinnov.imports.readers import FileRefused, read_table
from eduinnov.imports.schemas import ACHIEVEMENT_KIND_OF, ImportKind, Issue, Row, schema_for
from eduinnov.imports.services._plan import (
    Preview,
    _describe,
    _error,
    _RowFailed,
    refusal,
)
from eduinnov.imports.services.achievements import (
    _apply_achievements,
    _Lookups,
    _parse_participants,
    _plan_achievements,
)
from eduinnov.imports.services.partners import (
    _apply_participations,
    _apply_partners,
    _plan_participations,
    _plan_partners,
)
from eduinnov.imports.services.publications import _plan_publications, _resolve_authors
from eduinnov.imports.services.scores import _apply_scores, _plan_scores
from eduinnov.imports.services.stored import inputs_digest
from eduinnov.imports.services.students import _apply_students, _plan_students
from eduinnov.programs.models import Program

# --- access -------------------------------------------------------------------------------------------------


def may_import(user: User, program: Program, kind: ImportKind) -> bool:
    """Whether ``user`` may import ``kind`` into ``program``.

    Teachers and directors of the program (and admins) import students, achievements, participations and
    scores (``Action.EDIT``); partner organisations need a director (``Action.MANAGE``), as in the forms.
    """
    action = Action.MANAGE if ImportKind(kind) == ImportKind.PARTNERS else Action.EDIT
    return can(user, action, program)


# --- planning ------------------------------------------------------------------------------------------------


def preview_import(kind: ImportKind | str, program: Program, user: User, data: bytes, filename: str) -> Preview:
    """Read ``data`` as ``kind`` and plan the import into ``program`` without writing anything.

    Parameters
    ----------
    kind : ImportKind or str
        What the file holds (``students``, ``achievements``, ``publications`` …).
    program : Program
        The program the rows go into.
    user : User
        The acting user (checked with :func:`may_import`; cohorts are opened only for directors/admins).
    data : bytes
        The uploaded file.
    filename : str
        The original file name (shown back, and used to recognise ``.xls``).

    Returns
    -------
    Preview
        Never raises for bad content: file-level problems are ``errors`` without a row.

    Raises
    ------
    DomainError
        The user may not import this kind into this program.
    """
    with paused_gc():  # millions of live objects for a big file: see core/memory.py
        return _preview(ImportKind(kind), program, user, data, filename)


def _preview(kind: ImportKind, program: Program, user: User, data: bytes, filename: str) -> Preview:
    if not may_import(user, program, kind):
        raise DomainError(_("You are not allowed to import this into %(program)s.", program=program.code))
    preview = Preview(kind=kind, program_id=program.id, filename=filename)
    before = inputs_digest(kind, program, user, data, filename)
    try:
        if kind == ImportKind.PUBLICATIONS:
            _plan_publications(preview, program, user, data, filename)
        else:
            schema = schema_for(kind)
            table = read_table(data, filename, schema.known_headers())
            _describe(preview, table)
            partial: list[Row] = []
            rows, errors, warnings = schema.parse(table, partial)
            preview.errors += errors
            preview.warnings += warnings
            if not any(e.row is None for e in errors):
                # Every problem in one pass: the rows that parsed are planned (their unknown students,
                # duplicates … reported now, not after the cell errors are fixed), and the references of the
                # rows with cell errors are checked too.
                PLANNERS[kind](preview, program, user, rows)
                _check_references(preview, program, kind, partial)
    except FileRefused as exc:
        preview.errors.append(Issue(None, None, exc.message))
    if preview.errors:
        preview.errors.sort(key=lambda e: (e.row is not None, e.row or 0))
    preview.plan_digest = preview.fingerprint
    # The plan may be reused by the confirm only if nothing it read changed while it was being made.
    if before and preview.ok and inputs_digest(kind, program, user, data, filename) == before:
        preview.inputs_digest = before
    return preview


def _check_references(preview: Preview, program: Program, kind: ImportKind, rows: list[Row]) -> None:
    """The students and supervisor named by rows that also have cell errors (reported with them)."""
    if not rows or (kind != ImportKind.ACHIEVEMENTS and kind not in ACHIEVEMENT_KIND_OF):
        return
    lookups = _Lookups.load(program)
    fixed = ACHIEVEMENT_KIND_OF.get(kind)
    for row in rows:
        row_kind = fixed or row.values.get("kind")
        if row.values.get("students") and row_kind is not None:
            _participants, problems = _parse_participants(row.values["students"], row_kind, lookups.students)
            for problem in problems:
                _error(preview, row, row.column("students"), problem)
        supervisor = row.values.get("supervisor")
        if supervisor and lookups.teachers_by_key.get(v.normalise_key(supervisor)) is None:
            _error(preview, row, row.column("supervisor"), _("%(name)s is not a teacher of this program.",
                                                             name=supervisor))



def _reusable(stored: Preview | None, kind: ImportKind, program: Program, user: User, data: bytes,
              filename: str) -> Preview | None:
    """``stored`` if it is the plan :func:`preview_import` would make now, else None (plan again)."""
    if stored is None or not stored.inputs_digest or not stored.ok:
        return None
    if stored.kind != kind or stored.program_id != program.id or stored.filename != filename:
        return None
    if not may_import(user, program, kind):
        raise DomainError(_("You are not allowed to import this into %(program)s.", program=program.code))
    if inputs_digest(kind, program, user, data, filename) != stored.inputs_digest:
        return None
    return stored


PLANNERS = {
    ImportKind.STUDENTS: _plan_students,
    ImportKind.ACHIEVEMENTS: _plan_achievements,
    ImportKind.PROJECTS: _plan_achievements,
    ImportKind.PATENTS: _plan_achievements,
    ImportKind.AWARDS: _plan_achievements,
    ImportKind.PARTNERS: _plan_partners,
    ImportKind.PARTICIPATIONS: _plan_participations,
    ImportKind.SCORES: _plan_scores,
}
APPLIERS = {
    ImportKind.STUDENTS: _apply_students,
    ImportKind.ACHIEVEMENTS: _apply_achievements,
    ImportKind.PROJECTS: _apply_achievements,
    ImportKind.PATENTS: _apply_achievements,
    ImportKind.AWARDS: _apply_achievements,
    ImportKind.PUBLICATIONS: _apply_achievements,
    ImportKind.PARTNERS: _apply_partners,
    ImportKind.PARTICIPATIONS: _apply_participations,
    ImportKind.SCORES: _apply_scores,
}


# --- carrying it out -------------------------------------------------------------------------------------


def run_import(kind: ImportKind | str, program: Program, user: User, data: bytes, filename: str, *,
               resolutions: Mapping[str, Any] | None = None, expected_fingerprint: str | None = None,
               confirm_duplicates: bool = False, stored: Preview | None = None) -> Preview:
    """Plan the import again from ``data`` (or take the stored plan) and carry it out; flush, never commit.

    Parameters
    ----------
    kind, program, user, data, filename
        As for :func:`preview_import`.
    resolutions : Mapping[str, Any], optional
        Publications: unmatched author key (``UnmatchedAuthor.key`` or its ``field_name``) → student id, or
        empty to leave the author out. Ids outside the program are refused. Unmentioned authors are left out.
    expected_fingerprint : str, optional
        The :attr:`Preview.fingerprint` the user confirmed; when the new plan differs (someone changed the
        data in between), the import is refused so that the user sees the new preview first.
    confirm_duplicates : bool
        The person confirmed that rows with a near-identical title (:attr:`Preview.similar_rows`) are
        different achievements; without it such an import is refused.
    stored : Preview, optional
        The plan the preview stored (``stored.load_plan``). It is carried out instead of planning again
        only when everything it was made from is unchanged (:func:`~.stored.inputs_digest`: same file,
        user, program, day, language, and the same students, teachers and achievements in the database).

    Returns
    -------
    Preview
        The plan that was carried out (its counts are what was created, updated and skipped).

    Raises
    ------
    ImportRefused
        The file has errors, a chosen student is not in the program, the plan changed since the preview,
        or a domain service refused a row. Nothing was written — but the caller must roll back the
        session (the request does so on any error status; the CLI does it itself).
    DomainError
        The user may not import this kind into this program.
    """
    with paused_gc():
        return _run(ImportKind(kind), program, user, data, filename, resolutions, expected_fingerprint,
                    confirm_duplicates, stored)


def _run(kind: ImportKind, program: Program, user: User, data: bytes, filename: str,
         resolutions: Mapping[str, Any] | None, expected_fingerprint: str | None, confirm_duplicates: bool,
         stored: Preview | None) -> Preview:
    preview = _reusable(stored, kind, program, user, data, filename)
    if preview is None:
        preview = preview_import(kind, program, user, data, filename)
    if not preview.ok:
        raise refusal(preview)
    if expected_fingerprint is not None and preview.plan_digest != expected_fingerprint:
        raise refusal(preview, _("The data changed since the preview (someone else imported or edited "
                                       "records): check the new preview and confirm again."), retry=True)
    if preview.needs_confirmation and not confirm_duplicates:
        raise refusal(preview, _("%(n)d row(s) look like achievements already recorded: check them and tick "
                                       "“These are different achievements” to import them.",
                                       n=len(preview.similar_rows)), retry=True)
    if preview.kind == ImportKind.PUBLICATIONS:
        _resolve_authors(preview, program, resolutions or {})
        if not preview.ok:
            raise refusal(preview, _("Some choices for unmatched authors are not possible: choose again."),
                                retry=True)
    try:
        APPLIERS[preview.kind](preview, program, user)
    except _RowFailed as exc:
        preview.errors.append(Issue(exc.row, exc.column, exc.reason))
        raise refusal(preview) from exc
    db.session.flush()
    return preview
