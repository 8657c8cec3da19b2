"""Exports of the school roll-up (one row per program) and the university comparison (one row per school).

Rendered by :func:`eduinnov.core.tabular.render`, which neutralises
text a spreadsheet would run as a formula (a school or program name is user input).
"""

from __future__ import annotations

from flask_babel import gettext as _

from eduinnov.achievements.models import kind_label
from eduinnov.core.i18n import enum_label
from eduinnov.core.tabular import Column, ExportTable, stem
from eduinnov.schools.figures import run_grades_text
from eduinnov.schools.models import School
from eduinnov.schools.queries import KINDS, school_rollup, university_rollup

__all__ = ["school_table", "university_table"]


def _kind_columns() -> list[Column]:
    return [Column(f"kind_{k.value}", kind_label(k)) for k in KINDS]


def school_table(school: School) -> ExportTable:
    """One row per program of ``school``: students, verified achievements by kind, OBE and latest run."""
    r = school_rollup(school)
    columns = [
        Column("code", _("Program code")), Column("name", _("Program")), Column("students", _("Students")),
        Column("verified", _("Verified achievements")), *_kind_columns(),
        Column("per_100", _("Verified achievements per 100 students"), number_format="0.0"),
        Column("obe_cohort", _("OBE cohort (entry year)")), Column("obe_rule", _("Aggregation rule")),
        Column("obe_threshold", _("Threshold")), Column("obe_total", _("Requirements judged")),
        Column("obe_below", _("Requirements below the threshold")),
        Column("run_model", _("Latest evaluation run: model")), Column("run_target", _("Evaluated")),
        Column("run_date", _("Run at")), Column("run_n", _("Students evaluated")),
        Column("run_mean", _("Mean score"), number_format="0.000"), Column("run_grades", _("Grade distribution")),
    ]
    rows = []
    for p in r.programs:
        h, obe, run = p.headline, p.obe, p.run
        row = {"code": p.program.code, "name": p.program.display_name, "students": h.students,
               "verified": h.verified_total,
               "per_100": None if h.verified_per_100 is None else round(h.verified_per_100, 2),
               **{f"kind_{k.value}": h.by_kind.get(k, 0) for k in KINDS}}
        if obe is not None:
            row.update(obe_cohort=obe.entry_year, obe_rule=enum_label(obe.rule), obe_threshold=obe.threshold,
                       obe_total=obe.total, obe_below=", ".join(f"GR{n}" for n in obe.below) or "0")
        if run is not None:
            row.update(run_model=run.model_name, run_target=run.target_label, run_date=run.created_at,
                       run_n=run.n, run_mean=None if run.mean is None else round(run.mean, 4),
                       run_grades=run_grades_text(run))
        rows.append(row)
    return ExportTable(columns, rows, sheet_title=school.code, stem=stem("school", school.code))


def university_table() -> ExportTable:
    """One row per school: programs, students, verified achievements by kind, OBE shortfalls, runs."""
    u = university_rollup()
    columns = [
        Column("code", _("School code")), Column("name", _("School")), Column("programs", _("Programs")),
        Column("students", _("Students")), Column("verified", _("Verified achievements")), *_kind_columns(),
        Column("per_100", _("Verified achievements per 100 students"), number_format="0.0"),
        Column("obe_programs", _("Programs with OBE results")), Column("obe_total", _("Requirements judged")),
        Column("obe_below", _("Requirements below the threshold")),
        Column("runs", _("Programs with a published evaluation run")),
    ]
    rows = []
    for t in u.schools:
        rows.append({"code": t.school.code, "name": t.school.display_name, "programs": t.programs,
                     "students": t.students, "verified": t.verified_total,
                     **{f"kind_{k.value}": t.by_kind.get(k, 0) for k in KINDS},
                     "per_100": None if t.verified_per_100 is None else round(t.verified_per_100, 2),
                     "obe_programs": t.obe_judged_programs, "obe_total": t.obe_total, "obe_below": t.obe_below,
                     "runs": t.programs_with_run})
    return ExportTable(columns, rows, sheet_title=_("Schools"), stem=stem("university", "schools"))
