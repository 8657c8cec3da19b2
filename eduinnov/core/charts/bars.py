"""Bar charts: grouped (vertical or horizontal) and stacked."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _
from markupsafe import Markup, escape

from eduinnov.core.charts._svg import (
    AXIS,
    GRID,
    MUTED,
    PALETTE,
    THRESHOLD,
    ChartData,
    _attrs,
    _chart_id,
    _finish,
    _legend,
    _open_svg,
    _Plot,
    _text,
    _tick_label,
    _title_block,
    _truncate,
    _value_range,
    nice_ticks,
    text_width,
)

# -- bar charts ---------------------------------------------------------------------------------------

def bar_chart(data: ChartData, *, title: str, x_label: str = "", y_label: str = "", horizontal: bool = False,
              width: int = 640, height: int | None = None, show_values: bool = True, show_title: bool = True,
              min_value: float | None = None, max_value: float | None = None, desc: str | None = None,
              chart_id: str | None = None, threshold: float | None = None, threshold_label: str | None = None,
              colours: Sequence[str] | None = None, _gap: float = 0.25, _kind: str | None = None) -> Markup:
    """A bar chart: one bar per label, grouped side by side when there are several series.

    Parameters
    ----------
    data
        Labels and series; missing values (``None``) draw no bar.
    title
        Shown above the chart and in ``<title>``.
    x_label, y_label
        Axis titles (the category axis and the value axis for vertical bars; swapped meaning for
        horizontal bars: ``x_label`` still names the category axis).
    horizontal
        Bars grow to the right, categories run down the left side (better for long labels).
    width, height
        Size in px; ``height`` defaults from the number of bars for horizontal charts, else 360.
    show_values
        Print each value at the end of its bar.
    min_value, max_value
        Fix the value axis (e.g. 0..100 for percentages); by default it covers 0 and every value.
    threshold, threshold_label
        Draw a dashed red reference line at this value (e.g. an achievement threshold), labelled
        ``threshold_label`` (default: the formatted value).
    colours
        One fill colour per label instead of the palette (single-series charts, e.g. red below a
        threshold); the data table and ``<desc>`` carry the same information as text.
    """
    kind = _kind or _("Bar chart")
    chart_id = chart_id or _chart_id("bar", title, data)
    values = data.all_values()
    if colours is not None and len(colours) != len(data.labels):
        raise ValueError("colours needs one colour per label")
    lo, hi = _value_range(values + ([threshold] if threshold is not None else []), min_value, max_value)
    ticks = nice_ticks(lo, hi)
    lo, hi = min(lo, ticks[0]), max(hi, ticks[-1])
    n_series = len(data.series)
    names = [s.name for s in data.series]

    if horizontal:
        band_h = max(22.0, 12.0 + 14.0 * n_series)
        height = height or int(band_h * len(data.labels) + 130 + (18 if n_series > 1 else 0))
    height = height or 360
    parts = _open_svg(chart_id, width, height, title, desc or data.describe(kind))
    top = _title_block(parts, title, width, show_title)
    top += _legend(parts, names, 16, top + 10, width - 32)
    if threshold is not None:
        # A legend entry for the reference line, above the plot where no bar or value label can hide it.
        text = threshold_label or data.format(threshold)
        x1 = width - 16 - text_width(text, 11)
        parts.append(f"<line{_attrs(x1=x1 - 26, y1=top + 8.0, x2=x1 - 6, y2=top + 8.0, stroke=THRESHOLD, stroke_width=1.5, stroke_dasharray='5 3')}/>")
        parts.append(_text(width - 16, top + 12, text, anchor="end", size=11, fill=THRESHOLD))
        top += 18

    if horizontal:
        label_w = min(width * 0.35, max((text_width(lb) for lb in data.labels), default=0) + 12)
        left = 16 + (18 if x_label else 0) + label_w
        plot = _Plot(left, top + 8, width - 24 - (48 if show_values else 0), height - 46 - (16 if y_label else 0), lo, hi)
        _value_axis_horizontal(parts, plot, ticks, data.unit, y_label)
        band = plot.height / max(len(data.labels), 1)
        bar_h = band * (1 - _gap) / n_series
        for i, label in enumerate(data.labels):
            y0 = plot.top + band * i + band * _gap / 2
            parts.append(_text(plot.left - 8, plot.top + band * (i + 0.5), _truncate(label, label_w - 4),
                               anchor="end", baseline="middle", full_text=label))
            for j, s in enumerate(data.series):
                v = s.values[i]
                if v is None:
                    continue
                x0, x1 = sorted((plot.x(0.0 if lo <= 0 <= hi else lo), plot.x(v)))
                yy = y0 + bar_h * j
                parts.append(_bar(x0, yy, x1 - x0, bar_h, colours[i] if colours else PALETTE[j % len(PALETTE)],
                                  f"{label} · {s.name}: {data.format(v)}"))
                if show_values:
                    parts.append(_text(x1 + 4 if v >= 0 else x0 - 4, yy + bar_h / 2, data.format(v),
                                       anchor="start" if v >= 0 else "end", baseline="middle", size=11))
        if x_label:
            parts.append(_text(18, plot.top + plot.height / 2, x_label, rotate=-90, fill=AXIS))
        parts.append(f"<line{_attrs(x1=plot.x(0.0 if lo <= 0 <= hi else lo), y1=plot.top, x2=plot.x(0.0 if lo <= 0 <= hi else lo), y2=plot.bottom, stroke=AXIS)}/>")
        if threshold is not None:
            tx = plot.x(threshold)
            parts.append(f"<line{_attrs(x1=tx, y1=plot.top - 4, x2=tx, y2=plot.bottom, stroke=THRESHOLD, stroke_width=1.5, stroke_dasharray='5 3')}/>")
        return _finish(parts)

    plot, rotate = _category_plot(data.labels, width, height, top, lo, hi, x_label, y_label, ticks, data.unit)
    _value_axis_vertical(parts, plot, ticks, data.unit, y_label)
    band = plot.width / max(len(data.labels), 1)
    bar_w = band * (1 - _gap) / n_series
    zero = plot.y(0.0 if lo <= 0 <= hi else lo)
    for i, label in enumerate(data.labels):
        x0 = plot.left + band * i + band * _gap / 2
        _category_label(parts, plot, band, i, label, rotate)
        for j, s in enumerate(data.series):
            v = s.values[i]
            if v is None:
                continue
            y0, y1 = sorted((zero, plot.y(v)))
            xx = x0 + bar_w * j
            parts.append(_bar(xx, y0, bar_w, y1 - y0, colours[i] if colours else PALETTE[j % len(PALETTE)],
                              f"{label} · {s.name}: {data.format(v)}"))
            if show_values and text_width(data.format(v), 11) <= bar_w + band * _gap:
                parts.append(_text(xx + bar_w / 2, y0 - 4 if v >= 0 else y1 + 13, data.format(v), size=11))
    parts.append(f"<line{_attrs(x1=plot.left, y1=zero, x2=plot.right, y2=zero, stroke=AXIS)}/>")
    if threshold is not None:
        ty = plot.y(threshold)
        parts.append(f"<line{_attrs(x1=plot.left, y1=ty, x2=plot.right, y2=ty, stroke=THRESHOLD, stroke_width=1.5, stroke_dasharray='5 3')}/>")
    if x_label:
        parts.append(_text(plot.left + plot.width / 2, height - 8, x_label, fill=AXIS))
    return _finish(parts)


def _bar(x: float, y: float, w: float, h: float, colour: str, tip: str) -> str:
    return f"<rect{_attrs(x=float(x), y=float(y), width=float(max(w, 0.0)), height=float(max(h, 0.0)), fill=colour)}><title>{escape(tip)}</title></rect>"


def _category_plot(labels: Sequence[str], width: int, height: int, top: float, lo: float, hi: float,
                   x_label: str, y_label: str, ticks: Sequence[float], unit: str) -> tuple[_Plot, bool]:
    tick_w = max(text_width(_tick_label(t, ticks, unit), 11) for t in ticks)
    left = 16 + (20 if y_label else 0) + tick_w + 8
    band = (width - left - 16) / max(len(labels), 1)
    longest = max((text_width(lb) for lb in labels), default=0)
    rotate = longest > band - 4
    label_h = min(longest * 0.6 + 12, 110) if rotate else 20
    bottom = height - 12 - label_h - (18 if x_label else 0)
    return _Plot(left, top + 8, width - 16, bottom, lo, hi), rotate


def _category_label(parts: list[str], plot: _Plot, band: float, i: int, label: str, rotate: bool) -> None:
    cx = plot.left + band * (i + 0.5)
    if rotate:
        parts.append(_text(cx, plot.bottom + 14, _truncate(label, 150), anchor="end", rotate=-35, full_text=label))
    else:
        parts.append(_text(cx, plot.bottom + 16, _truncate(label, band - 2), full_text=label))


def _value_axis_vertical(parts: list[str], plot: _Plot, ticks: Sequence[float], unit: str, label: str) -> None:
    for t in ticks:
        y = plot.y(t)
        parts.append(f"<line{_attrs(x1=plot.left, y1=y, x2=plot.right, y2=y, stroke=GRID)}/>")
        parts.append(_text(plot.left - 6, y, _tick_label(t, ticks, unit), anchor="end", baseline="middle", size=11, fill=MUTED))
    parts.append(f"<line{_attrs(x1=plot.left, y1=plot.top, x2=plot.left, y2=plot.bottom, stroke=AXIS)}/>")
    if label:
        parts.append(_text(18, plot.top + plot.height / 2, label, rotate=-90, fill=AXIS))


def _value_axis_horizontal(parts: list[str], plot: _Plot, ticks: Sequence[float], unit: str, label: str) -> None:
    for t in ticks:
        x = plot.x(t)
        parts.append(f"<line{_attrs(x1=x, y1=plot.top, x2=x, y2=plot.bottom, stroke=GRID)}/>")
        parts.append(_text(x, plot.bottom + 16, _tick_label(t, ticks, unit), size=11, fill=MUTED))
    parts.append(f"<line{_attrs(x1=plot.left, y1=plot.bottom, x2=plot.right, y2=plot.bottom, stroke=AXIS)}/>")
    if label:
        parts.append(_text(plot.left + plot.width / 2, plot.bottom + 36, label, fill=AXIS))


def stacked_bar_chart(data: ChartData, *, title: str, x_label: str = "", y_label: str = "", width: int = 640,
                      height: int = 360, show_values: bool = True, show_title: bool = True,
                      show_totals: bool = True, max_value: float | None = None, desc: str | None = None,
                      chart_id: str | None = None) -> Markup:
    """A vertical stacked bar chart: each series is a segment, each label a column (values ≥ 0).

    Segment values are printed inside segments tall enough to hold them; the column total above.
    """
    if any(v < 0 for v in data.all_values()):
        raise ValueError("stacked bar charts need non-negative values")
    kind = _("Stacked bar chart")
    chart_id = chart_id or _chart_id("stacked", title, data)
    totals = [sum(s.values[i] or 0.0 for s in data.series) for i in range(len(data.labels))]
    lo, hi = _value_range(totals, 0.0, max_value)
    ticks = nice_ticks(lo, hi)
    hi = max(hi, ticks[-1])
    parts = _open_svg(chart_id, width, height, title, desc or data.describe(kind))
    top = _title_block(parts, title, width, show_title)
    top += _legend(parts, [s.name for s in data.series], 16, top + 10, width - 32)
    plot, rotate = _category_plot(data.labels, width, height, top + (14 if show_totals else 0), lo, hi,
                                  x_label, y_label, ticks, data.unit)
    _value_axis_vertical(parts, plot, ticks, data.unit, y_label)
    band = plot.width / max(len(data.labels), 1)
    bar_w = band * 0.6
    for i, label in enumerate(data.labels):
        x0 = plot.left + band * i + band * 0.2
        _category_label(parts, plot, band, i, label, rotate)
        acc = 0.0
        for j, s in enumerate(data.series):
            v = s.values[i]
            if not v:
                continue
            y_top, y_bottom = plot.y(acc + v), plot.y(acc)
            parts.append(_bar(x0, y_top, bar_w, y_bottom - y_top, PALETTE[j % len(PALETTE)],
                              f"{label} · {s.name}: {data.format(v)}"))
            if show_values and y_bottom - y_top >= 14 and text_width(data.format(v), 11) <= bar_w:
                parts.append(_text(x0 + bar_w / 2, (y_top + y_bottom) / 2, data.format(v), size=11,
                                   fill="#ffffff", baseline="middle"))
            acc += v
        if show_totals:
            parts.append(_text(x0 + bar_w / 2, plot.y(acc) - 4, data.format(totals[i]), size=11, weight="bold"))
    parts.append(f"<line{_attrs(x1=plot.left, y1=plot.bottom, x2=plot.right, y2=plot.bottom, stroke=AXIS)}/>")
    if x_label:
        parts.append(_text(plot.left + plot.width / 2, height - 8, x_label, fill=AXIS))
    return _finish(parts)


