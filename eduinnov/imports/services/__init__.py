"""Bulk imports: plan what a file would change (the preview), then carry the plan out (the confirm).

Every import has two steps. :func:`preview_import` reads the file, checks every cell, looks up what
exists in one query per lookup, and returns a :class:`Preview`: each row *created*, *updated* or
*skipped* with the reason, every error with its row, column and reason, and (publications) the authors
that matched no student. It never writes. :func:`run_import` plans again from the same bytes, refuses if
there is any error or if the plan differs from the one the user saw, and then writes everything. It
flushes and never commits: the request (or the CLI command) commits once, so a failure anywhere — a
broken row, a database error, a killed process — leaves the database exactly as it was.

Re-importing a file changes nothing: rows are matched to what exists by student number (students),
DOI (publications), patent application number (patents), normalised title + year (other achievements),
name (partners), and student + partner + kind + title (participations).

How rows reach the database
---------------------------
Students, partners, participations and manual scores go through their domains' services
(``create_student``, ``create_partner``, ``save_participation``, ``add_manual_score`` …), one call per
row, so every rule of those domains applies unchanged; such files have hundreds of rows.

Achievements are the exception: a program's achievement history can be tens of thousands of rows, and
``record_achievement`` costs several queries per row (supervisor check, students check, flush, audit).
Here each row is checked with the achievements domain's own rules (``achievements.services._clean``, the
same function the forms use) and with lookups preloaded once per import (students by number and name,
teachers, existing DOIs / application numbers / titles); the rows are then written with SQLAlchemy Core
``insert()`` executemany statements — achievements (with ``RETURNING`` ids), their participants and
their audit-log rows — a handful of statements for the whole file. 50,000 rows take seconds (see
``bench/bench_imports.py``). The audit rows are written here because Core inserts bypass the ORM's
flush hooks that write them for single records.


The package: ``_plan`` (the preview and its rows), one module per kind of file (``students``,
``achievements``, ``publications``, ``partners``, ``scores``), and ``running`` (preview and confirm).
"""

from eduinnov.imports.schemas import ImportKind as ImportKind
from eduinnov.imports.services._plan import (
    CREATE,
    SKIP,
    UPDATE,
    ImportRefused,
    PlanRow,
    Preview,
    UnmatchedAuthor,
)
from eduinnov.imports.services._plan import _program_students as _program_students  # the author picker
from eduinnov.imports.services.achievements import _apply_achievements as _apply_achievements  # tests wrap it
from eduinnov.imports.services.running import APPLIERS, PLANNERS, may_import, preview_import, run_import

__all__ = [
    "APPLIERS", "CREATE", "PLANNERS", "SKIP", "UPDATE", "ImportRefused", "PlanRow", "Preview", "UnmatchedAuthor",
    "may_import", "preview_import", "run_import",
]
