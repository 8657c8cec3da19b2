"""Line and radar charts."""

from __future__ import annotations

import math

from flask_babel import gettext as _
from markupsafe import Markup, escape

from eduinnov.core.charts._svg import (
    AXIS,
    GRID,
    MUTED,
    PALETTE,
    TEXT,
    THRESHOLD,
    ChartData,
    _attrs,
    _chart_id,
    _finish,
    _legend,
    _n,
    _open_svg,
    _text,
    _title_block,
    _truncate,
    _value_range,
    nice_ticks,
    text_width,
)
from eduinnov.core.charts.bars import (
    _category_label,
    _category_plot,
    _value_axis_vertical,
)

# -- line chart ---------------------------------------------------------------------------------------

def line_chart(data: ChartData, *, title: str, x_label: str = "", y_label: str = "", width: int = 640,
               height: int = 360, show_values: bool = True, show_title: bool = True,
               min_value: float | None = None, max_value: float | None = None, desc: str | None = None,
               chart_id: str | None = None) -> Markup:
    """A trend: one line with markers per series across the labels (e.g. cohorts or years).

    Missing values break the line. The value axis starts at 0 unless ``min_value`` says otherwise.
    """
    kind = _("Line chart")
    chart_id = chart_id or _chart_id("line", title, data)
    lo, hi = _value_range(data.all_values(), min_value, max_value)
    ticks = nice_ticks(lo, hi)
    lo, hi = min(lo, ticks[0]), max(hi, ticks[-1])
    parts = _open_svg(chart_id, width, height, title, desc or data.describe(kind))
    top = _title_block(parts, title, width, show_title)
    top += _legend(parts, [s.name for s in data.series], 16, top + 10, width - 32, line=True)
    plot, rotate = _category_plot(data.labels, width, height, top, lo, hi, x_label, y_label, ticks, data.unit)
    _value_axis_vertical(parts, plot, ticks, data.unit, y_label)
    band = plot.width / max(len(data.labels), 1)
    for i, label in enumerate(data.labels):
        _category_label(parts, plot, band, i, label, rotate)
    parts.append(f"<line{_attrs(x1=plot.left, y1=plot.bottom, x2=plot.right, y2=plot.bottom, stroke=AXIS)}/>")
    markers = ("circle", "square", "diamond", "triangle")
    for j, s in enumerate(data.series):
        colour = PALETTE[j % len(PALETTE)]
        runs: list[list[tuple[float, float]]] = [[]]
        for i, v in enumerate(s.values):
            if v is None:
                runs.append([])
                continue
            runs[-1].append((plot.left + band * (i + 0.5), plot.y(v)))
        for run in runs:
            if len(run) > 1:
                pts = " ".join(f"{_n(x)},{_n(y)}" for x, y in run)
                parts.append(f"<polyline{_attrs(points=pts, fill='none', stroke=colour, stroke_width=2.5, stroke_linejoin='round')}/>")
        for i, v in enumerate(s.values):
            if v is None:
                continue
            x, y = plot.left + band * (i + 0.5), plot.y(v)
            parts.append(_marker(markers[j % len(markers)], x, y, colour, f"{data.labels[i]} · {s.name}: {data.format(v)}"))
            if show_values:
                parts.append(_text(x, y - 8, data.format(v), size=11, fill=colour if len(data.series) > 1 else TEXT))
    if x_label:
        parts.append(_text(plot.left + plot.width / 2, height - 8, x_label, fill=AXIS))
    return _finish(parts)


def _marker(shape: str, x: float, y: float, colour: str, tip: str) -> str:
    tip_el = f"<title>{escape(tip)}</title>"
    if shape == "square":
        return f"<rect{_attrs(x=x - 4.0, y=y - 4.0, width=8, height=8, fill=colour)}>{tip_el}</rect>"
    if shape == "diamond":
        pts = f"{_n(x)},{_n(y - 5)} {_n(x + 5)},{_n(y)} {_n(x)},{_n(y + 5)} {_n(x - 5)},{_n(y)}"
        return f"<polygon{_attrs(points=pts, fill=colour)}>{tip_el}</polygon>"
    if shape == "triangle":
        pts = f"{_n(x)},{_n(y - 5)} {_n(x + 5)},{_n(y + 4)} {_n(x - 5)},{_n(y + 4)}"
        return f"<polygon{_attrs(points=pts, fill=colour)}>{tip_el}</polygon>"
    return f"<circle{_attrs(cx=float(x), cy=float(y), r=4.5, fill=colour)}>{tip_el}</circle>"


# -- radar --------------------------------------------------------------------------------------------

def radar_chart(data: ChartData, *, title: str, max_value: float | None = None, width: int = 520,
                height: int | None = None, show_values: bool = False, show_title: bool = True,
                rings: int = 4, desc: str | None = None, chart_id: str | None = None,
                threshold: float | None = None) -> Markup:
    """A radar (spider) chart: one axis per label (e.g. first-level indicators), one polygon per series.

    Values run from 0 at the centre to ``max_value`` (default: a round number above the largest value)
    at the rim. Needs at least three labels. ``threshold`` draws a dashed red ring at that value.
    """
    if len(data.labels) < 3:
        raise ValueError("a radar chart needs at least three axes")
    if any(v < 0 for v in data.all_values()):
        raise ValueError("radar charts need non-negative values")
    kind = _("Radar chart")
    chart_id = chart_id or _chart_id("radar", title, data)
    top_value = max_value if max_value is not None else nice_ticks(0.0, max(data.all_values() or [1.0]), rings)[-1]
    label_room = min(130.0, max(text_width(lb) for lb in data.labels) + 10)
    radius = max(40.0, (width - 2 * label_room) / 2)
    legend_rows = _legend([], [s.name for s in data.series], 16, 0, width - 32)
    height = height or int((34 if show_title and title else 10) + legend_rows + 2 * radius + 70)
    parts = _open_svg(chart_id, width, height, title, desc or data.describe(kind))
    top = _title_block(parts, title, width, show_title)
    top += _legend(parts, [s.name for s in data.series], 16, top + 10, width - 32)
    radius = max(40.0, min(radius, (height - top - 70) / 2))
    cx, cy = width / 2, top + 30 + radius
    n = len(data.labels)

    def point(i: int, value: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * i / n
        r = radius * max(0.0, min(value / top_value, 1.0)) if top_value else 0.0
        return cx + r * math.cos(angle), cy + r * math.sin(angle)

    for k in range(1, rings + 1):
        ring_value = top_value * k / rings
        pts = " ".join(f"{_n(x)},{_n(y)}" for x, y in (point(i, ring_value) for i in range(n)))
        parts.append(f"<polygon{_attrs(points=pts, fill='none', stroke=GRID)}/>")
        # Ring values sit just right of the first axis, below the ring line, clear of the axis label.
        x, y = point(0, ring_value)
        parts.append(_text(x + 4, y + 11, data.format(ring_value), anchor="start", size=10, fill=MUTED))
    for i, label in enumerate(data.labels):
        x, y = point(i, top_value)
        parts.append(f"<line{_attrs(x1=cx, y1=cy, x2=x, y2=y, stroke=GRID)}/>")
        lx, ly = point(i, top_value * 1.06)
        anchor = "middle" if abs(lx - cx) < 1 else ("start" if lx > cx else "end")
        parts.append(_text(lx, ly + (4 if abs(lx - cx) >= 1 else (-4 if ly < cy else 14)),
                           _truncate(label, label_room), anchor=anchor, full_text=label))
    if threshold is not None:
        pts = " ".join(f"{_n(x)},{_n(y)}" for x, y in (point(i, threshold) for i in range(n)))
        parts.append(f"<polygon{_attrs(points=pts, fill='none', stroke=THRESHOLD, stroke_width=1.5, stroke_dasharray='5 3')}/>")
    for j, s in enumerate(data.series):
        colour = PALETTE[j % len(PALETTE)]
        pts_list = [point(i, v or 0.0) for i, v in enumerate(s.values)]
        pts = " ".join(f"{_n(x)},{_n(y)}" for x, y in pts_list)
        parts.append(f"<polygon{_attrs(points=pts, fill=colour, fill_opacity=0.15, stroke=colour, stroke_width=2)}/>")
        for i, (x, y) in enumerate(pts_list):
            v = s.values[i]
            if v is None:
                continue
            parts.append(f"<circle{_attrs(cx=x, cy=y, r=3.5, fill=colour)}><title>{escape(f'{data.labels[i]} · {s.name}: {data.format(v)}')}</title></circle>")
            if show_values:
                parts.append(_text(x, y - 7, data.format(v), size=10, fill=colour))
    return _finish(parts)


