"""OBE figures: achievement degrees as charts with their data tables, for the OBE pages and the dashboards."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _

from eduinnov.core.charts import ABOVE, BELOW, ChartData, bar_chart, histogram, radar_chart
from eduinnov.core.figures import Figure, make_figure
from eduinnov.core.i18n import enum_label
from eduinnov.frameworks.models import AggregationRule
from eduinnov.obe import reports
from eduinnov.programs.models import Cohort

__all__ = ["ObeSection", "achievement_bars", "achievement_histogram", "achievement_radar", "obe_section"]


def _verdict_colours(values: Sequence[float | None], threshold: float) -> list[str]:
    return [BELOW if v is not None and v < threshold - 1e-9 else ABOVE for v in values]


def achievement_bars(items: Sequence[tuple[str, float | None]], threshold: float, *, title: str,
                     series_name: str = "", label_header: str = "", width: int | None = None,
                     height: int = 280, table: ChartData | None = None) -> Figure:
    """Achievement degrees (0..1) as bars, red below ``threshold``, with the threshold as a dashed line.

    Parameters
    ----------
    items
        ``(label, value)`` pairs (``None``: no value, no bar).
    table
        The data table to show (default: the charted values); e.g. both aggregation rules.
    """
    labels = [label for label, _v in items]
    values = [v for _label, v in items]
    data = ChartData(labels, {series_name or _("Achievement degree"): values}, label_header=label_header,
                     decimals=3)
    svg = bar_chart(data, title=title, min_value=0.0, max_value=1.0, threshold=threshold,
                    threshold_label=_("threshold %(t)s", t=f"{threshold:g}"), show_title=False,
                    colours=_verdict_colours(values, threshold), width=width or max(320, 60 * len(items) + 90),
                    height=height, y_label=_("Achievement degree"))
    return make_figure(title, svg, table or data)


def achievement_histogram(counts: Sequence[int], threshold: float, *, title: str, width: int = 360,
                          height: int = 200) -> Figure:
    """Students by achievement degree in ten bins of 0.1; bins below ``threshold`` in red."""
    n = len(counts)
    labels = [f"{i / n:.1f}–{(i + 1) / n:.1f}" for i in range(n)]
    data = ChartData(labels, {_("Students"): counts}, label_header=_("Achievement degree"), decimals=0)
    colours = [BELOW if (i + 1) / n <= threshold + 1e-9 else ABOVE for i in range(n)]
    svg = histogram(data, title=title, width=width, height=height, show_title=False, colours=colours,
                    y_label=_("Students"))
    return make_figure(title, svg, data)


def achievement_radar(items: Sequence[tuple[str, float | None]], threshold: float, *, title: str,
                      series_name: str = "") -> Figure | None:
    """A radar of achievement degrees with the threshold ring (``None`` with fewer than three axes)."""
    if len(items) < 3:
        return None
    data = ChartData([label for label, _v in items], {series_name or _("Achievement degree"): [v for _l, v in items]},
                     decimals=3)
    svg = radar_chart(data, title=title, max_value=1.0, threshold=threshold, show_title=False, width=420)
    return make_figure(title, svg, data)


@dataclass
class ObeSection:
    """Graduation-requirement achievement of a cohort (program rule charted, both rules in the table)."""

    threshold: float
    rule: AggregationRule
    figure: Figure
    below: list[str]
    framework_version: str


def obe_section(cohort: Cohort) -> ObeSection | None:
    """Graduation-requirement achievement of a cohort (None when there is nothing to show).

    The figures are the stored results (one query), so the cohort dashboard shows this section with
    the page.
    """
    report = reports.cohort_report(cohort, detail=False, extras=False)
    if report.framework is None or not report.requirements:
        return None
    program_rule = report.rule == AggregationRule.WEIGHTED_SUM
    values = [(f"GR{r.requirement.number}", r.weighted_sum if program_rule else r.minimum) for r in report.requirements]
    if all(v is None for _l, v in values):
        return None
    table = ChartData([f"GR{r.requirement.number} {r.requirement.title}" for r in report.requirements],
                      {_("Weighted sum"): [r.weighted_sum for r in report.requirements],
                       _("Minimum"): [r.minimum for r in report.requirements]},
                      label_header=_("Requirement"), decimals=3)
    figure = achievement_bars(values, report.threshold, title=_("Graduation requirement achievement"),
                              series_name=enum_label(report.rule), label_header=_("Requirement"), table=table)
    below = [label for label, v in values if v is not None and v < report.threshold - 1e-9]
    return ObeSection(threshold=report.threshold, rule=report.rule, figure=figure, below=below,
                      framework_version=report.framework.version)
