"""What the school dashboard and the university comparison show: the roll-ups as charts with data tables.

Charts come from :mod:`eduinnov.core.charts` (as on the program dashboards); each travels with its data
table. Labels are translated when a figure is built. Nothing is cached.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import get_locale
from flask_babel import gettext as _

from eduinnov.achievements.models import kind_label
from eduinnov.core.charts import ChartData, bar_chart, line_chart, stacked_bar_chart
from eduinnov.core.figures import Figure, make_figure
from eduinnov.schools.models import School
from eduinnov.schools.queries import (
    KINDS,
    ProgramRollup,
    RunStatus,
    SchoolRollup,
    UniversityRollup,
    school_rollup,
    university_rollup,
)

__all__ = ["SchoolDashboard", "UniversityDashboard", "grade_name", "run_grades_text", "school_dashboard",
           "university_dashboard"]


def _english() -> bool:
    return str(get_locale() or "zh").startswith("en")


def grade_name(name_zh: str, name_en: str) -> str:
    """A grade's name in the user's language."""
    if _english():
        return name_en or name_zh
    return name_zh or name_en


def run_grades_text(run: RunStatus) -> str:
    """"Excellent 3 · Good 10 · …": the run's grade distribution as one line."""
    return " · ".join(f"{grade_name(zh, en)} {n}" for zh, en, n in run.grades)


@dataclass
class SchoolDashboard:
    """Everything the school dashboard shows."""

    school: School
    rollup: SchoolRollup
    figures: list[Figure]


def _kinds_figure(rows: list[tuple[str, dict]], *, title: str, header: str) -> Figure:
    data = ChartData([name for name, _k in rows], {kind_label(k): [by_kind.get(k, 0) for _n, by_kind in rows]
                                                   for k in KINDS}, label_header=header)
    return make_figure(title, stacked_bar_chart(data, title=title, show_title=False, y_label=_("Count")), data)


def _obe_figure(programs: list[ProgramRollup]) -> Figure | None:
    judged = [p for p in programs if p.obe is not None]
    if not judged:
        return None
    title = _("Graduation requirements below the threshold (newest cohort with results)")
    data = ChartData([p.program.code for p in judged],
                     {_("Below the threshold"): [len(p.obe.below) for p in judged],
                      _("Achieved"): [p.obe.total - len(p.obe.below) for p in judged]},
                     label_header=_("Program"))
    return make_figure(title, stacked_bar_chart(data, title=title, show_title=False, y_label=_("Requirements")),
                       data)


def _grades_figure(programs: list[ProgramRollup]) -> Figure | None:
    """Shares of students per grade of each program's latest run (grades matched by name: models differ)."""
    runs = [(p.program.code, p.run) for p in programs if p.run is not None and p.run.n]
    if not runs:
        return None
    names: list[str] = []
    for _c, run in runs:
        for zh, en, _n in run.grades:
            if grade_name(zh, en) not in names:
                names.append(grade_name(zh, en))
    series = {}
    for name in names:
        series[name] = [next((100.0 * n / run.n for zh, en, n in run.grades if grade_name(zh, en) == name), None)
                        for _c, run in runs]
    title = _("Grade distribution of the latest evaluation run: shares of students")
    data = ChartData([c for c, _r in runs], series, label_header=_("Program"), unit="%", decimals=1)
    return make_figure(title, stacked_bar_chart(data, title=title, show_title=False, show_totals=False,
                                                max_value=100.0), data)


def _trend_figures(r: SchoolRollup) -> list[Figure]:
    out = []
    if r.achievement_years:
        title = _("Verified achievements by year and program")
        data = ChartData([str(y) for y in r.achievement_years],
                         {p.program.code: [p.headline.by_year.get(y, 0) for y in r.achievement_years]
                          for p in r.programs}, label_header=_("Year"))
        out.append(make_figure(title, line_chart(data, title=title, show_title=False, min_value=0.0,
                                                 y_label=_("Count")), data))
    obe_series = {}
    for p in r.programs:
        by_year = {c.entry_year: c for c in p.cohorts if c.obe_below is not None}
        if by_year:
            obe_series[p.program.code] = [by_year[y].obe_below if y in by_year else None for y in r.years]
    if obe_series:
        title = _("Graduation requirements below the threshold by entry year")
        data = ChartData([str(y) for y in r.years], obe_series, label_header=_("Entry year"), decimals=0)
        out.append(make_figure(title, line_chart(data, title=title, show_title=False, min_value=0.0,
                                                 y_label=_("Requirements")), data))
    return out


def school_dashboard(school: School) -> SchoolDashboard:
    """The school roll-up with its charts (access is checked by the caller)."""
    r = school_rollup(school)
    figures: list[Figure] = []
    if r.programs:
        figures.append(_kinds_figure([(p.program.code, p.headline.by_kind) for p in r.programs],
                                     title=_("Verified achievements by kind and program"), header=_("Program")))
        for fig in (_obe_figure(r.programs), _grades_figure(r.programs)):
            if fig is not None:
                figures.append(fig)
        figures.extend(_trend_figures(r))
    return SchoolDashboard(school=school, rollup=r, figures=figures)


@dataclass
class UniversityDashboard:
    """The administrators' comparison of schools."""

    rollup: UniversityRollup
    figures: list[Figure]


def university_dashboard() -> UniversityDashboard:
    """Every school's totals side by side, with charts."""
    u = university_rollup()
    figures: list[Figure] = []
    schools = [t for t in u.schools if t.programs]
    if schools:
        figures.append(_kinds_figure([(t.school.code, t.by_kind) for t in schools],
                                     title=_("Verified achievements by kind and school"), header=_("School")))
        title = _("Verified achievements per 100 students")
        data = ChartData([t.school.code for t in schools], {title: [t.verified_per_100 for t in schools]},
                         label_header=_("School"), decimals=1)
        figures.append(make_figure(title, bar_chart(data, title=title, show_title=False, min_value=0.0), data))
    judged = [t for t in schools if t.obe_judged_programs]
    if judged:
        title = _("Graduation requirements below the threshold by school")
        data = ChartData([t.school.code for t in judged],
                         {_("Below the threshold"): [t.obe_below for t in judged],
                          _("Achieved"): [t.obe_total - t.obe_below for t in judged]},
                         label_header=_("School"))
        figures.append(make_figure(title, stacked_bar_chart(data, title=title, show_title=False,
                                                            y_label=_("Requirements")), data))
    return UniversityDashboard(rollup=u, figures=figures)
