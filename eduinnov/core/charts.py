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

from __future__ import annotations

import hashlib
import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from markupsafe import Markup, escape

__all__ = [
    "FONT_FAMILY",
    "PALETTE",
    "ChartData",
    "Series",
    "bar_chart",
    "bin_values",
    "histogram",
    "line_chart",
    "radar_chart",
    "stacked_bar_chart",
]

FONT_FAMILY = "'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', 'Microsoft YaHei', 'PingFang SC', sans-serif"
# Okabe–Ito: distinguishable with the common colour-vision deficiencies and in greyscale print.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#8C7A00", "#555555")
TEXT = "#212529"
MUTED = "#6c757d"
GRID = "#dee2e6"
AXIS = "#495057"
THRESHOLD = "#dc3545"
BELOW = "#D55E00"  # below a threshold (vermilion: told apart from ABOVE also with colour-vision deficiencies)
ABOVE = "#009E73"
FONT_SIZE = 12
MISSING = "—"


@dataclass(frozen=True)
class Series:
    """One named row of values (``None`` for a missing value)."""

    name: str
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class ChartData:
    """Category labels and one or more series of values: what a chart draws and its table shows.

    Parameters
    ----------
    labels
        Category labels (x-axis categories, radar axes, histogram bins).
    series
        Either a mapping ``{name: values}`` or a sequence of :class:`Series`; each has one value per label.
    label_header
        Header of the label column in the data table (e.g. "Cohort").
    unit
        Appended to formatted values (e.g. "%"); empty by default.
    decimals
        Decimals shown for values; ``None`` picks 0 for whole numbers, else 2.
    """

    labels: tuple[str, ...]
    series: tuple[Series, ...]
    label_header: str = ""
    unit: str = ""
    decimals: int | None = None

    def __init__(self, labels: Iterable[object], series: Mapping[str, Iterable] | Iterable[Series], *,
                 label_header: str = "", unit: str = "", decimals: int | None = None) -> None:
        labels_t = tuple(str(label) for label in labels)
        if isinstance(series, Mapping):
            series_t = tuple(Series(str(name), _values(vals)) for name, vals in series.items())
        else:
            series_t = tuple(Series(str(s.name), _values(s.values)) for s in series)
        if not series_t:
            raise ValueError("a chart needs at least one series")
        for s in series_t:
            if len(s.values) != len(labels_t):
                raise ValueError(f"series {s.name!r} has {len(s.values)} values for {len(labels_t)} labels")
        object.__setattr__(self, "labels", labels_t)
        object.__setattr__(self, "series", series_t)
        object.__setattr__(self, "label_header", str(label_header))
        object.__setattr__(self, "unit", str(unit))
        object.__setattr__(self, "decimals", decimals)

    # -- numbers -----------------------------------------------------------------------------------
    def all_values(self) -> list[float]:
        return [v for s in self.series for v in s.values if v is not None]

    def format(self, value: float | None, *, unit: bool = True) -> str:
        """A value as shown on the chart and in the table."""
        if value is None:
            return MISSING
        decimals = self.decimals
        if decimals is None:
            decimals = 0 if all(float(v).is_integer() for v in self.all_values()) else 2
        text = f"{value:,.{decimals}f}"
        if text.startswith("-") and float(text.replace(",", "")) == 0:
            text = text[1:]  # no "-0.0"
        return f"{text}{self.unit}" if unit and self.unit else text

    # -- table ---------------------------------------------------------------------------------------
    def table_html(self, *, caption: str | None = None, collapsible: bool = False,
                   css_class: str = "table table-sm table-striped chart-data") -> Markup:
        """The data as an HTML table (Bootstrap classes), optionally inside ``<details>``."""
        head = "".join(f'<th scope="col" class="text-end">{escape(s.name)}</th>' for s in self.series)
        rows = []
        for i, label in enumerate(self.labels):
            cells = "".join(f'<td class="text-end">{escape(self.format(s.values[i]))}</td>' for s in self.series)
            rows.append(f'<tr><th scope="row">{escape(label)}</th>{cells}</tr>')
        cap = f"<caption>{escape(caption)}</caption>" if caption else ""
        table = (
            f'<table class="{escape(css_class)}">{cap}<thead><tr><th scope="col">{escape(self.label_header)}</th>'
            f'{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
        )
        if collapsible:
            summary = escape(_("Data table"))  # outside the f-string, where pybabel can extract it
            table = f'<details class="chart-data-details"><summary>{summary}</summary>{table}</details>'
        return Markup(table)

    def describe(self, kind: str) -> str:
        """A plain-text description of every value, for ``<desc>`` (screen readers, text extraction)."""
        parts = []
        for s in self.series:
            vals = "; ".join(f"{label}: {self.format(v)}" for label, v in zip(self.labels, s.values, strict=True))
            parts.append(f"{s.name} — {vals}" if len(self.series) > 1 or s.name else vals)
        return f"{kind}. " + " | ".join(parts)


def _values(values: Iterable) -> tuple[float | None, ...]:
    out: list[float | None] = []
    for v in values:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            out.append(None)
        else:
            f = float(v)
            if math.isinf(f):
                raise ValueError("chart values must be finite")
            out.append(f)
    return tuple(out)


# -- low-level SVG helpers ----------------------------------------------------------------------------

def _n(x: float) -> str:
    """A coordinate with at most 2 decimals and no trailing zeros (deterministic, compact)."""
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _attrs(**attrs: object) -> str:
    out = []
    for key, value in attrs.items():
        if value is None:
            continue
        name = key.rstrip("_").replace("_", "-")
        if isinstance(value, float):
            value = _n(value)
        out.append(f' {name}="{escape(str(value))}"')
    return "".join(out)


def _text(x: float, y: float, text: str, *, size: int = FONT_SIZE, anchor: str = "middle", fill: str = TEXT,
          weight: str | None = None, rotate: float | None = None, baseline: str | None = None,
          full_text: str | None = None) -> str:
    transform = f"rotate({_n(rotate)} {_n(x)} {_n(y)})" if rotate else None
    tip = f"<title>{escape(full_text)}</title>" if full_text and full_text != text else ""
    return (
        f"<text{_attrs(x=float(x), y=float(y), font_size=size, text_anchor=anchor, fill=fill, font_weight=weight, transform=transform, dominant_baseline=baseline)}>"
        f"{tip}{escape(text)}</text>"
    )


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """Approximate rendered width: CJK and other wide characters are 1 em, others about 0.58 em."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else size * 0.58 for ch in text)


def _truncate(text: str, width: float, size: float = FONT_SIZE) -> str:
    if text_width(text, size) <= width:
        return text
    out = ""
    for ch in text:
        if text_width(out + ch + "…", size) > width:
            break
        out += ch
    return out + "…"


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round axis ticks (steps of 1, 2, 2.5 or 5 × 10^k) covering ``[lo, hi]``."""
    if hi < lo:
        lo, hi = hi, lo
    if hi == lo:
        hi = lo + (abs(lo) or 1.0)
    raw = (hi - lo) / max(count, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step + 1e-9) * step
    ticks = []
    t = start
    while t < hi + step * 0.999:
        ticks.append(round(t, 10))
        t += step
        if len(ticks) > 50:
            break
    return ticks


def _tick_label(value: float, ticks: Sequence[float], unit: str) -> str:
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1
    decimals = 0 if float(step).is_integer() else max(0, min(3, -math.floor(math.log10(step)) + 1))
    text = f"{value:,.{decimals}f}"
    if decimals and "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", "-0.0"):
        text = "0"
    return f"{text}{unit}"


def _chart_id(kind: str, title: str, data: ChartData) -> str:
    digest = hashlib.sha1(repr((kind, title, data.labels, data.series)).encode("utf-8")).hexdigest()
    return f"chart-{digest[:10]}"


def _open_svg(chart_id: str, width: int, height: int, title: str, desc: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg"{_attrs(id=chart_id, class_="chart-svg", width=width, height=height, viewBox=f"0 0 {width} {height}", role="img", aria_labelledby=f"{chart_id}-title {chart_id}-desc", font_family=FONT_FAMILY, font_size=FONT_SIZE)}>',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>',
        f'<rect{_attrs(x=0, y=0, width=width, height=height, fill="#ffffff")}/>',
    ]


def _title_block(parts: list[str], title: str, width: int, show_title: bool) -> float:
    """Draw the visible title; return the y where the plot area may start."""
    if show_title and title:
        parts.append(_text(width / 2, 20, _truncate(title, width - 20, 14), size=14, weight="bold",
                           full_text=title))
        return 34.0
    return 10.0


def _legend(parts: list[str], names: Sequence[str], x0: float, y: float, width: float, *,
            line: bool = False) -> float:
    """A legend wrapped over as many rows as needed; returns the height used."""
    if len(names) <= 1 and not line:
        return 0.0
    x, row = x0, 0
    for i, name in enumerate(names):
        label = _truncate(name, 160)
        w = 18 + text_width(label) + 16
        if x + w > x0 + width and x > x0:
            x, row = x0, row + 1
        yy = y + row * 18
        colour = PALETTE[i % len(PALETTE)]
        if line:
            parts.append(f"<line{_attrs(x1=float(x), y1=yy - 4.0, x2=x + 12.0, y2=yy - 4.0, stroke=colour, stroke_width=2.5)}/>")
        else:
            parts.append(f"<rect{_attrs(x=float(x), y=yy - 10.0, width=12, height=12, fill=colour)}/>")
        parts.append(_text(x + 17, yy, label, anchor="start", full_text=name))
        x += w
    return (row + 1) * 18.0 + 4


class _Plot:
    """The rectangle of a plot area and a linear value scale."""

    def __init__(self, left: float, top: float, right: float, bottom: float, lo: float, hi: float):
        self.left, self.top, self.right, self.bottom = left, top, right, bottom
        self.lo, self.hi = lo, hi

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top

    def y(self, v: float) -> float:
        return self.bottom - (v - self.lo) / (self.hi - self.lo) * self.height

    def x(self, v: float) -> float:
        return self.left + (v - self.lo) / (self.hi - self.lo) * self.width


def _value_range(values: Sequence[float], min_value: float | None, max_value: float | None) -> tuple[float, float]:
    lo = min([0.0, *values]) if min_value is None else min_value
    hi = max([0.0, *values]) if max_value is None else max_value
    if hi == lo:
        hi = lo + 1
    return lo, hi


def _finish(parts: list[str]) -> Markup:
    parts.append("</svg>")
    return Markup("\n".join(parts))


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


# -- histogram ----------------------------------------------------------------------------------------

def bin_values(values: Iterable[float | None], *, bins: int | Sequence[float] = 10,
               value_range: tuple[float, float] | None = None, series_name: str = "",
               label_header: str = "", decimals: int = 0) -> ChartData:
    """Count values into bins; the result is a :class:`ChartData` for :func:`histogram` and its table.

    Parameters
    ----------
    values
        Raw values; ``None`` and NaN are ignored.
    bins
        Number of equal-width bins, or explicit ascending edges (``[0, 60, 70, 80, 90, 100]``).
    value_range
        ``(low, high)`` for equal-width bins (default: min and max of the values).
    decimals
        Decimals in the bin labels ("60–70").

    Each bin is ``[edge_i, edge_i+1)`` except the last, which includes its upper edge.
    """
    clean = [float(v) for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    if isinstance(bins, int):
        if bins < 1:
            raise ValueError("bins must be at least 1")
        lo, hi = value_range or ((min(clean), max(clean)) if clean else (0.0, 1.0))
        if hi == lo:
            hi = lo + 1
        edges = [lo + (hi - lo) * k / bins for k in range(bins + 1)]
    else:
        edges = [float(e) for e in bins]
        if len(edges) < 2 or any(b <= a for a, b in zip(edges, edges[1:], strict=False)):
            raise ValueError("bin edges must be ascending")
    counts = [0] * (len(edges) - 1)
    for v in clean:
        if v < edges[0] or v > edges[-1]:
            continue
        k = next((k for k in range(len(counts)) if v < edges[k + 1]), len(counts) - 1)
        counts[k] += 1
    labels = [f"{edges[k]:.{decimals}f}–{edges[k + 1]:.{decimals}f}" for k in range(len(counts))]
    return ChartData(labels, {series_name: counts}, label_header=label_header, decimals=0)


def histogram(data: ChartData, *, title: str, x_label: str = "", y_label: str = "", width: int = 640,
              height: int = 320, show_values: bool = True, show_title: bool = True, desc: str | None = None,
              chart_id: str | None = None, colours: Sequence[str] | None = None) -> Markup:
    """A histogram from :func:`bin_values`: adjacent bars, one per bin, counts on top (``colours``: one per bin)."""
    return bar_chart(data, title=title, x_label=x_label, y_label=y_label, width=width, height=height,
                     show_values=show_values, show_title=show_title, desc=desc, colours=colours,
                     chart_id=chart_id or _chart_id("histogram", title, data), _gap=0.02, _kind=_("Histogram"))
