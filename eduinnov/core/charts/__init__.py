"""Server-side SVG charts: one code path for web pages (inline ``<svg>``) and WeasyPrint PDFs.

Every chart is a plain function taking a :class:`ChartData` and returning the SVG as
:class:`markupsafe.Markup`. The output is deterministic (same data, same bytes), uses only
presentation attributes (``fill=``, ``font-size=``; never ``style=``, so the page CSP holds), escapes
every piece of text, carries a ``<title>`` and a ``<desc>`` listing the data, and names a CJK font first
so Chinese labels render in browsers and in PDFs. ``ChartData.table_html()`` renders the same numbers as
an HTML table to put next to the chart.

Example::

    data = ChartData(labels=["2021级", "2022级"], series={"Papers": [12, 18], "Patents": [3, 5]},
                     label_header=_("Cohort"))
    svg = bar_chart(data, title=_("Achievements by cohort"), y_label=_("Count"))
    table = data.table_html(caption=_("Achievements by cohort"))
"""


from eduinnov.core.charts._svg import (
    ABOVE,
    AXIS,
    BELOW,
    FONT_FAMILY,
    FONT_SIZE,
    GRID,
    MISSING,
    MUTED,
    PALETTE,
    TEXT,
    THRESHOLD,
    ChartData,
    Series,
    nice_ticks,
    text_width,
)
from eduinnov.core.charts.bars import bar_chart, stacked_bar_chart
from eduinnov.core.charts.histogram import bin_values, histogram
from eduinnov.core.charts.lines import line_chart, radar_chart

__all__ = [
    "ABOVE", "AXIS", "BELOW", "FONT_FAMILY", "FONT_SIZE", "GRID", "MISSING", "MUTED", "PALETTE", "TEXT",
    "THRESHOLD", "ChartData", "Series", "bar_chart", "bin_values", "histogram", "line_chart", "nice_ticks",
    "radar_chart", "stacked_bar_chart", "text_width",
]
