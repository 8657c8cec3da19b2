"""The exported tables: columns (headers in the user's language) and rows for CSV and xlsx.

Each function returns an :class:`ExportTable`; :func:`render` turns it into file bytes through
:mod:`eduinnov.core.tabular`, which neutralises formula injection. Rows are plain values read with a
fixed number of queries (no query per student or per achievement).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import get_locale, pgettext
from flask_babel import gettext as _

from eduinnov.achievements.models import Achievement, AchievementKind
from eduinnov.core.i18n import enum_label
from eduinnov.core.tabular import Column, ExportTable, Format, render, stem
from eduinnov.extensions import db
from eduinnov.indicators.models import EvaluationRun
from eduinnov.indicators.reports import ranked_results
from eduinnov.indicators.services import grade_legend, run_memberships
from eduinnov.indicators.spec import walk
from eduinnov.obe import reports as obe_reports
from eduinnov.programs.models import Cohort
from eduinnov.reports import queries
from eduinnov.reports.figures import kind_label

__all__ = ["ExportTable", "Format", "achievements_table", "obe_table", "render", "run_results_table",
           "students_table"]



def _english() -> bool:
    return str(get_locale() or "zh").startswith("en")


def students_table(cohort: Cohort) -> ExportTable:
    """The students of a cohort with counts of their verified achievements (by kind) and IUR participations."""
    columns = [
        Column("student_no", _("Student number")), Column("name", pgettext("person", "Name")),
        Column("status", _("Status")),
        Column("email", _("Email")), Column("achievements", _("Verified achievements")),
        *(Column(k.value, kind_label(k)) for k in AchievementKind),
        Column("participations", _("IUR participations")),
    ]
    return ExportTable(columns, queries.list_student_rows(cohort), sheet_title=cohort.display_name,
                       stem=stem("students", cohort.program.code, cohort.entry_year))


def achievements_table(achievements: Iterable[Achievement]) -> ExportTable:
    """Achievements (participants, supervisor and program already loaded) with every kind's fields."""
    columns = [
        Column("id", _("Number")), Column("program", _("Program")), Column("kind", _("Kind")),
        Column("title", _("Title")), Column("year", _("Year")), Column("status", _("Verification")),
        Column("students", _("Students")), Column("student_numbers", _("Student number")),
        Column("supervisor", _("Supervising teacher")), Column("level", _("Level")),
        Column("project_type", _("Project type")), Column("project_status", _("Project status")),
        Column("project_number", _("Project number")), Column("venue", _("Journal or conference")),
        Column("indexing", _("Indexing")), Column("doi", _("DOI")), Column("patent_type", _("Patent type")),
        Column("patent_status", _("Patent status")), Column("application_number", _("Application number")),
        Column("grant_number", _("Grant number")), Column("competition", _("Competition")),
        Column("prize_rank", _("Prize")),
    ]
    rows = []
    for a in achievements:
        rows.append({
            "id": a.id, "program": a.program.code, "kind": a.kind, "title": a.title, "year": a.year,
            "status": a.verification_status,
            "students": "; ".join(p.student.name for p in a.participants),
            "student_numbers": "; ".join(p.student.student_no for p in a.participants),
            "supervisor": a.supervisor.name if a.supervisor else None, "level": a.level,
            "project_type": a.project_type, "project_status": a.project_status, "project_number": a.project_number,
            "venue": a.venue, "indexing": a.indexing, "doi": a.doi, "patent_type": a.patent_type,
            "patent_status": a.patent_status, "application_number": a.application_number,
            "grant_number": a.grant_number, "competition": a.competition, "prize_rank": a.prize_rank,
        })
    return ExportTable(columns, rows, sheet_title=_("Achievements"), stem="achievements")


def _rounded(value: Any, places: int = 4) -> Any:
    """A score as shown (4 decimals), without float noise such as 0.8499999999999999 in either format."""
    if isinstance(value, float) and value == value:  # not NaN
        return round(value, places)
    return value


def run_results_table(run: EvaluationRun) -> ExportTable:
    """Per evaluated object of a stored run: rank, score, grade and every indicator's score (tree order)."""
    english = _english()
    nodes = [(node["code"], (node.get("name_en") or node["name_zh"]) if english else node["name_zh"])
             for node, depth, _parent in walk(run.model_snapshot["tree"]) if depth > 0]
    legend = grade_legend(run, english=english)
    memberships = run_memberships(run)
    member_columns = [Column(f"member:{k}", _("Membership: %(grade)s", grade=g["name"]), "0.0000")
                      for k, g in enumerate(legend["grades"])] if memberships else []
    # The evaluated object: a student, a cohort or a program ("Evaluated" alone is the count on the run page).
    columns = [Column("rank", _("Rank")), Column("label", _("Evaluated object")), Column("score", _("Score"), "0.0000"),
               Column("grade", _("Grade")), Column("rule", _("Grade rule")), *member_columns,
               *(Column(f"node:{code}", f"{code} {name}", "0.0000") for code, name in nodes)]
    rule = {"band": _("score band"), "max_membership": _("maximum membership"),
            "confidence": _("confidence criterion")}.get(legend["rule"], legend["rule"])
    rows = []
    position = {o["id"]: i for i, o in enumerate(run.inputs["objects"])}
    for res in ranked_results(run):  # competition ranks: ties share a rank
        i = position[res["id"]]
        row = {"rank": res["rank"], "label": res["label"], "score": _rounded(res["score"]), "rule": rule,
               "grade": res["grade"] if english else res.get("grade_zh") or res["grade"]}
        for k, v in enumerate(memberships[i] if memberships else []):
            row[f"member:{k}"] = _rounded(v)
        for code, _name in nodes:
            values = run.node_scores.get(code)
            row[f"node:{code}"] = _rounded(values[i]) if values else None
        rows.append(row)
    return ExportTable(columns, rows, sheet_title=f"{run.model_name} {run.id}", stem=stem("run", run.id, "results"))


def obe_table(cohort: Cohort) -> ExportTable:
    """Requirement and indicator-point achievement of a cohort under both rules, with the threshold."""
    report = obe_reports.cohort_report(cohort)
    english = _english()

    def verdict(achieved: bool | None) -> str | None:
        return None if achieved is None else (_("achieved") if achieved else _("not achieved"))

    columns = [
        Column("level", _("Level")), Column("code", _("Code")), Column("title", _("Description")),
        Column("weighted_sum", _("Weighted sum"), "0.000"), Column("achieved_weighted_sum", _("Verdict (weighted sum)")),
        Column("minimum", _("Minimum"), "0.000"), Column("achieved_minimum", _("Verdict (minimum)")),
        Column("share_weighted_sum", _("Students ≥ threshold (weighted sum)"), "0.0%"),
        Column("share_minimum", _("Students ≥ threshold (minimum)"), "0.0%"),
        Column("threshold", _("Threshold"), "0.00"), Column("rule", _("Program rule")),
    ]
    rows: list[dict[str, Any]] = []
    common = {"threshold": report.threshold, "rule": enum_label(report.rule)}
    for r in report.requirements:
        req = r.requirement
        rows.append({**common, "level": _("Requirement"), "code": f"GR{req.number}",
                     "title": (req.title_en or req.title) if english else req.title,
                     "weighted_sum": r.weighted_sum, "achieved_weighted_sum": verdict(r.achieved_weighted_sum),
                     "minimum": r.minimum, "achieved_minimum": verdict(r.achieved_minimum),
                     "share_weighted_sum": r.share_weighted_sum, "share_minimum": r.share_minimum})
        for p in r.points:
            pt = p.point
            rows.append({**common, "level": _("Indicator point"), "code": pt.code,
                         "title": (pt.description_en or pt.description) if english else pt.description,
                         "weighted_sum": p.weighted_sum, "achieved_weighted_sum": verdict(p.achieved_weighted_sum),
                         "minimum": p.minimum, "achieved_minimum": verdict(p.achieved_minimum)})
    return ExportTable(columns, rows, sheet_title=_("OBE achievement"),
                       stem=stem("obe", cohort.program.code, cohort.entry_year))


def load_achievements(stmt: Any) -> list[Achievement]:
    """Run an achievements list statement (its eager loads included) for an export."""
    return list(db.session.scalars(stmt).unique())
