"""Bulk imports: plan what a file would change (the preview), then carry the plan out (the confirm).

Every import has two steps. :func:`preview_import` reads the file, checks every cell, looks up what
exists in one query per lookup, and returns a :class:`Preview`: each row *created*, *updated* or
*skipped* with the reason, every error with its row, column and reason, and (publications) the authors
that matched no student. It never writes. :func:`run_import` plans again from the same bytes (or, for an
achievement file, takes the plan the preview stored when nothing it was made from has changed), refuses if
there is any error or if the plan differs from the one the user saw, and then writes everything. It
flushes and never commits: the request (or the CLI command) commits once, so a failure anywhere — a
broken row, a database error, a killed process — leaves the database exactly as it was.

Re-importing a file changes nothing: rows are matched to what exists by student number (students),
DOI (publications), patent application number (patents), normalised title + year (other achievements),
name (partners), and student + partner + kind + title (participations).

How rows reach the database
---------------------------
Every row goes through its domain's services, so every rule of those domains applies unchanged and
imports write no model themselves: students, partners, participations and manual scores one call per row
(``create_student``, ``create_partner``, ``save_participation``, ``add_manual_score`` …; such files have
hundreds of rows). Achievements — a program's history can be tens of thousands of rows — are checked with
the achievements domain's own rules (``achievements.services.clean_values``, the function the forms use)
and lookups preloaded once per import (students by number and name, teachers, existing DOIs / application
numbers / titles), then written in one call of ``achievements.services.bulk_record`` (a handful of
executemany statements; 50,000 rows take seconds, see ``bench/bench_imports.py``).

The package: ``_plan`` (the preview and its rows), one module per kind of file (``students``,
``achievements``, ``publications``, ``partners``, ``scores``), ``running`` (preview and confirm), and
``stored`` (the confirm of an achievement file carries out the previewed plan, stored with the upload,
when nothing the plan was made from has changed: no second planning of tens of thousands of rows).
"""

from eduinnov.core.errors import ImportRefused
from eduinnov.imports.schemas import ImportKind as ImportKind
from eduinnov.imports.services._plan import (
    CREATE,
    SKIP,
    UPDATE,
    PlanRow,
    Preview,
    UnmatchedAuthor,
)
from eduinnov.imports.services._plan import _program_students as _program_students  # the author picker
from eduinnov.imports.services.achievements import _apply_achievements as _apply_achievements  # tests wrap it
from eduinnov.imports.services.running import APPLIERS, PLANNERS, may_import, preview_import, run_import
from eduinnov.imports.services.stored import dump_plan, load_plan

__all__ = [
    "APPLIERS", "CREATE", "PLANNERS", "SKIP", "UPDATE", "ImportRefused", "PlanRow", "Preview", "UnmatchedAuthor",
    "dump_plan", "load_plan", "may_import", "preview_import", "run_import",
]
