"""What the dashboards show: figures, charts and their data tables, assembled from the report queries.

Charts come from :mod:`eduinnov.core.charts` only (the same code path as the PDFs); every chart
travels with its data table (:class:`Figure`). Labels are translated when a figure is built, so pages
follow the user's language. Nothing here is cached: each page reads the database afresh.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

import numpy as np
from flask_babel import get_locale
from flask_babel import gettext as _

from eduinnov.achievements.models import AchievementKind, Indexing, Level, kind_label
from eduinnov.core.charts import (
    ChartData,
    bar_chart,
    bin_values,
    histogram,
    line_chart,
    radar_chart,
)
from eduinnov.core.figures import Figure
from eduinnov.core.figures import make_figure as _figure
from eduinnov.core.i18n import enum_label
from eduinnov.extensions import db
from eduinnov.frameworks.models import PartnerKind
from eduinnov.indicators.models import EvaluationRun
from eduinnov.indicators.services import grade_legend
from eduinnov.obe.figures import ObeSection, obe_section
from eduinnov.programs.models import Cohort, Program
from eduinnov.reports import queries
from eduinnov.reports.queries import Headline

__all__ = [
    "CohortDashboard",
    "Comparison",
    "Figure",
    "Trends",
    "cohort_dashboard",
    "compare",
    "program_trends",
]

KINDS = (AchievementKind.PROJECT, AchievementKind.PUBLICATION, AchievementKind.PATENT, AchievementKind.AWARD)
LEVELS = (Level.INTERNATIONAL, Level.NATIONAL, Level.PROVINCIAL, Level.UNIVERSITY)
INDEXINGS = (*Indexing, None)



def _lang() -> str:
    return str(get_locale() or "zh")


def _name(entry: dict[str, Any]) -> str:
    """The name of a snapshot entry (grade band, indicator node) in the user's language."""
    if _lang().startswith("en"):
        return entry.get("name_en") or entry.get("name_zh") or ""
    return entry.get("name_zh") or entry.get("name_en") or ""


def indexing_label(indexing: Indexing | None) -> str:
    return enum_label(indexing) if indexing is not None else _("Not recorded")



# --- cohort dashboard --------------------------------------------------------------------------------

@dataclass
class RunSection:
    """The latest evaluation run of a cohort, ready to show."""

    run: EvaluationRun
    n: int
    mean: float
    grade: str
    radar: Figure | None
    first_level: Figure | None
    grades: Figure
    scores: Figure
    legend: dict[str, Any] | None = None


@dataclass
class CohortDashboard:
    """Everything the cohort dashboard shows."""

    program: Program
    cohort: Cohort
    headline: Headline
    kinds: Figure
    levels: Figure
    indexing: Figure
    participation: Figure | None
    run: RunSection | None
    obe: ObeSection | None
    held_run: EvaluationRun | None = None  # newer than ``run``, held back by its failed health check
    first_year: bool = False


def _kinds_figure(h: Headline) -> Figure:
    title = _("Verified achievements by kind")
    data = ChartData([kind_label(k) for k in KINDS], {_("Verified achievements"): [h.by_kind.get(k, 0) for k in KINDS]},
                     label_header=_("Kind"))
    return _figure(title, bar_chart(data, title=title, show_title=False, width=480, height=300, y_label=_("Count")), data)


def _levels_figure(h: Headline) -> Figure:
    title = _("Training projects and competition awards by level")
    data = ChartData([enum_label(lv) for lv in LEVELS],
                     {kind_label(k): [h.level_count(k, lv) for lv in LEVELS]
                      for k in (AchievementKind.PROJECT, AchievementKind.AWARD)},
                     label_header=_("Level"))
    return _figure(title, bar_chart(data, title=title, show_title=False, width=480, height=300, y_label=_("Count")), data)


def _indexing_figure(h: Headline) -> Figure:
    title = _("Verified publications by indexing")
    data = ChartData([indexing_label(i) for i in INDEXINGS],
                     {_("Publications"): [h.papers_by_indexing.get(i, 0) for i in INDEXINGS]},
                     label_header=_("Indexing"))
    return _figure(title, bar_chart(data, title=title, horizontal=True, show_title=False, width=480), data)


def _participation_figure(h: Headline) -> Figure | None:
    if not h.students:
        return None
    title = _("Students in IUR placements, projects or exchanges, by kind of partner")
    kinds = list(PartnerKind)
    data = ChartData([enum_label(k) for k in kinds],
                     {_("Share of students"): [100.0 * h.participation_by_partner_kind.get(k, 0) / h.students
                                               for k in kinds],
                      _("Students"): [h.participation_by_partner_kind.get(k, 0) for k in kinds]},
                     label_header=_("Kind of partner"), decimals=1)
    chart = ChartData(data.labels, [data.series[0]], label_header=data.label_header, unit="%", decimals=1)
    svg = bar_chart(chart, title=title, horizontal=True, show_title=False, min_value=0.0,
                    max_value=max(10.0, *(v or 0 for v in chart.all_values())))
    return _figure(title, svg, data)


def _run_section(run: EvaluationRun) -> RunSection:
    """The run's figures, memoised per run, fingerprint and language: a stored run is immutable (the
    indicators flush guard refuses any update), so its charts can be drawn once per worker process."""
    parts = _run_figures(run.id, run.fingerprint, str(get_locale() or "zh"))
    return RunSection(run=run, **parts)


@lru_cache(maxsize=128)
def _run_figures(run_id: int, fingerprint: str, lang: str) -> dict[str, Any]:
    run = db.session.get(EvaluationRun, run_id)
    spec = run.model_snapshot
    scale = spec["grade_scale"]
    summary = run.summary
    first = spec["tree"].get("children", [])
    means = [(_name(node) or node["code"], float(np.mean(run.node_scores[node["code"]])))
             for node in first if run.node_scores.get(node["code"])]
    radar = first_level = None
    if len(means) >= 3 and all(v >= 0 for _n, v in means):
        title = _("First-level indicators: mean scores")
        data = ChartData([n for n, _v in means], {_("Mean score"): [v for _n, v in means]},
                         label_header=_("Indicator"), decimals=3)
        top = 1.0 if all(v <= 1.0 for _n, v in means) else None
        radar = _figure(title, radar_chart(data, title=title, max_value=top, show_title=False, width=440), data)
    elif means:
        title = _("First-level indicators: mean scores")
        data = ChartData([n for n, _v in means], {_("Mean score"): [v for _n, v in means]},
                         label_header=_("Indicator"), decimals=3)
        first_level = _figure(title, bar_chart(data, title=title, show_title=False, width=480, height=300), data)
    title = _("Grade distribution")
    gdata = ChartData([_name(g) for g in scale], {_("Students"): summary["grade_counts"]}, label_header=_("Grade"))
    grades = _figure(title, bar_chart(gdata, title=title, show_title=False, width=480, height=300, y_label=_("Students")), gdata)
    title = _("Distribution of total scores")
    sdata = bin_values([r["score"] for r in run.results], bins=10, series_name=_("Students"),
                       label_header=_("Score"), decimals=2)
    scores = _figure(title, histogram(sdata, title=title, show_title=False, width=480, height=300, y_label=_("Students")), sdata)
    return dict(n=summary["n"], mean=summary["mean"], grade=_name(scale[summary["mean_grade_index"] - 1]),
                radar=radar, first_level=first_level, grades=grades, scores=scores,
                legend=grade_legend(run, english=lang.startswith("en")))


def cohort_dashboard(cohort: Cohort) -> CohortDashboard:
    """The headline figures, latest evaluation run, IUR participation and OBE section of a cohort.

    Parameters
    ----------
    cohort : Cohort
        Access is checked by the caller.

    Returns
    -------
    CohortDashboard
    """
    headline = queries.count_headlines([cohort.id])[cohort.id]
    run, held = queries.get_latest_runs(cohort)
    return CohortDashboard(
        program=cohort.program, cohort=cohort, headline=headline,
        kinds=_kinds_figure(headline), levels=_levels_figure(headline), indexing=_indexing_figure(headline),
        participation=_participation_figure(headline),
        run=_run_section(run) if run is not None else None,
        obe=obe_section(cohort),
        held_run=held if held is not None and (run is None or (held.created_at, held.id) > (run.created_at, run.id))
        else None,
        first_year=in_first_year(cohort),
    )


# --- trends and comparison ------------------------------------------------------------------------------

@dataclass(frozen=True)
class FigureTable:
    """Headline figures (rows) of several cohorts or programs (columns), values already formatted."""

    header: str
    names: list[str]
    rows: list[tuple[str, list[str]]]


def _count(v: int | None) -> str:
    return "—" if v is None else f"{v:,d}"


def _pct(share: float | None) -> str:
    return "—" if share is None else f"{100 * share:.1f}%"


def _rate(v: float | None) -> str:
    return "—" if v is None else f"{v:.1f}"


def figure_table(items: Sequence[tuple[str, Headline]], *, header: str) -> FigureTable:
    """Every headline figure for several cohorts or programs, in display form (the comparison table)."""
    hs = [h for _n, h in items]
    rows: list[tuple[str, list[str]]] = [
        (_("Students"), [_count(h.students) for h in hs]),
        (_("Verified achievements"), [_count(h.verified_total) for h in hs]),
        *((kind_label(k), [_count(h.by_kind.get(k, 0)) for h in hs]) for k in KINDS),
        (_("Students with at least one verified achievement"), [_pct(h.share_with_achievement) for h in hs]),
        (_("Training projects per 100 students"), [_rate(h.projects_per_100) for h in hs]),
        *((_("Training projects: %(level)s", level=enum_label(lv)),
           [_count(h.level_count(AchievementKind.PROJECT, lv)) for h in hs]) for lv in LEVELS),
        *((_("Competition awards: %(level)s", level=enum_label(lv)),
           [_count(h.level_count(AchievementKind.AWARD, lv)) for h in hs]) for lv in LEVELS),
        (_("Patents applied for"), [_count(h.patents_applied) for h in hs]),
        (_("Patents granted"), [_count(h.patents_granted) for h in hs]),
        *((_("Publications: %(indexing)s", indexing=indexing_label(i)),
           [_count(h.papers_by_indexing.get(i, 0)) for h in hs]) for i in INDEXINGS),
        (_("Students in IUR cooperation"), [_pct(h.share_with_participation) for h in hs]),
    ]
    return FigureTable(header=header, names=[n for n, _h in items], rows=rows)


@dataclass
class Trends:
    """Headline figures of every cohort of a program, oldest first."""

    program: Program
    cohorts: list[Cohort]
    headlines: dict[int, Headline]
    figures: list[Figure]
    table: FigureTable
    first_year: list[Cohort] = field(default_factory=list)


def in_first_year(cohort: Cohort, today: date | None = None) -> bool:
    """Whether ``cohort`` is still in its first year of study (academic years start on 1 September)."""
    today = today or date.today()
    return today < date(cohort.entry_year + 1, 9, 1)


def program_trends(program: Program) -> Trends:
    """Line charts of the headline figures across the cohorts of ``program`` (by entry year).

    A cohort still in its first year is left out of the lines (a gap, not a fall to zero) and named in
    ``first_year`` so the page can say why.
    """
    cohorts = [c for c in queries.list_cohorts_of([program.id])]
    headlines = queries.count_headlines([c.id for c in cohorts])
    first_year = [c for c in cohorts if in_first_year(c)]
    charted = [c for c in cohorts if c not in first_year]
    labels = [str(c.entry_year) for c in charted]
    hs = [headlines[c.id] for c in charted]
    figures = []
    if charted:
        title = _("Verified achievements by kind and entry year")
        data = ChartData(labels, {kind_label(k): [h.by_kind.get(k, 0) for h in hs] for k in KINDS},
                         label_header=_("Entry year"))
        figures.append(_figure(title, line_chart(data, title=title, show_title=False, y_label=_("Count")), data))
        title = _("Shares of students by entry year")
        data = ChartData(labels, {
            _("With a verified achievement"): [None if h.share_with_achievement is None
                                                          else 100 * h.share_with_achievement for h in hs],
            _("In IUR cooperation"): [None if h.share_with_participation is None
                                      else 100 * h.share_with_participation for h in hs],
        }, label_header=_("Entry year"), unit="%", decimals=1)
        figures.append(_figure(title, line_chart(data, title=title, show_title=False, min_value=0.0,
                                                 max_value=100.0), data))
        title = _("Training projects per 100 students by entry year")
        data = ChartData(labels, {_("Training projects per 100 students"): [h.projects_per_100 for h in hs]},
                         label_header=_("Entry year"), decimals=1)
        figures.append(_figure(title, line_chart(data, title=title, show_title=False), data))
        title = _("Publications and patents by entry year")
        data = ChartData(labels, {
            **{indexing_label(i): [h.papers_by_indexing.get(i, 0) for h in hs] for i in (Indexing.SCI, Indexing.EI)},
            _("Publications"): [h.papers for h in hs],
            _("Patents applied for"): [h.patents_applied for h in hs],
            _("Patents granted"): [h.patents_granted for h in hs],
        }, label_header=_("Entry year"))
        figures.append(_figure(title, line_chart(data, title=title, show_title=False, y_label=_("Count")), data))
    table = figure_table([(str(c.entry_year), headlines[c.id]) for c in cohorts], header=_("Entry year"))
    return Trends(program=program, cohorts=cohorts, headlines=headlines, figures=figures, table=table,
                  first_year=first_year)


@dataclass
class Comparison:
    """Side-by-side headline figures of two or more cohorts or programs."""

    names: list[str]
    figures: list[Figure]
    table: FigureTable


def compare(items: Sequence[Cohort] | Sequence[Program], *, group_by: queries.GroupBy) -> Comparison:
    """Grouped bars and a table of the headline figures of the given cohorts (or programs).

    Parameters
    ----------
    items
        Cohorts (``group_by="cohort"``) or programs (``group_by="program"``: all their cohorts pooled,
        each achievement counted once per program). Access is checked by the caller.
    """
    headlines = queries.count_headlines([i.id for i in items], group_by=group_by)
    if group_by == "cohort":
        names = [f"{c.program.code} {c.display_name}" if c.label else c.display_name for c in items]
    else:
        names = [f"{p.code} {p.display_name}" for p in items]
    pairs = [(name, headlines[i.id]) for name, i in zip(names, items, strict=True)]
    title = _("Verified achievements by kind")
    data = ChartData([kind_label(k) for k in KINDS], {n: [h.by_kind.get(k, 0) for k in KINDS] for n, h in pairs},
                     label_header=_("Kind"))
    figures = [_figure(title, bar_chart(data, title=title, show_title=False, y_label=_("Count")), data)]
    title = _("Students with achievements and in IUR cooperation (%)")
    data = ChartData([_("With a verified achievement"), _("In IUR cooperation")],
                     {n: [None if h.share_with_achievement is None else 100 * h.share_with_achievement,
                          None if h.share_with_participation is None else 100 * h.share_with_participation]
                      for n, h in pairs}, label_header=_("Share of students"), unit="%", decimals=1)
    figures.append(_figure(title, bar_chart(data, title=title, show_title=False, min_value=0.0, max_value=100.0),
                           data))
    title = _("Training projects per 100 students")
    data = ChartData([n for n, _h in pairs], {title: [h.projects_per_100 for _n, h in pairs]},
                     label_header=_("Compared"), decimals=1)
    figures.append(_figure(title, bar_chart(data, title=title, show_title=False), data))
    table = figure_table(pairs, header=_("Compared"))
    return Comparison(names=names, figures=figures, table=table)
