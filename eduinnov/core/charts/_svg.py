"""What every chart shares: colours, :class:`ChartData`, ticks, and the low-level SVG helpers."""

from __future__ import annotations

import hashlib
import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from markupsafe import Markup, escape

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
            # Decided once per chart (the values never change): every label and cell asks.
            decimals = self.__dict__.get("_auto_decimals")
            if decimals is None:
                decimals = 0 if all(float(v).is_integer() for v in self.all_values()) else 2
                object.__setattr__(self, "_auto_decimals", decimals)
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


_ATTR_NAMES: dict[str, str] = {}  # keyword → SVG attribute name ("stroke_width" → "stroke-width")


def _attr_name(key: str) -> str:
    name = _ATTR_NAMES.get(key)
    if name is None:
        name = _ATTR_NAMES[key] = key.rstrip("_").replace("_", "-")
    return name


def _value(value: object) -> str:
    """An attribute value as written: floats as :func:`_n`, integers as they are, the rest escaped."""
    if isinstance(value, float):
        return _n(value)  # digits, "-" and ".": nothing to escape
    if isinstance(value, int):
        return str(value)
    return escape(str(value))


def _attrs(**attrs: object) -> str:
    return "".join([f' {_attr_name(key)}="{_value(value)}"' for key, value in attrs.items() if value is not None])


def _text(x: float, y: float, text: str, *, size: int = FONT_SIZE, anchor: str = "middle", fill: str = TEXT,
          weight: str | None = None, rotate: float | None = None, baseline: str | None = None,
          full_text: str | None = None) -> str:
    # The same markup as ``_attrs(x=float(x), y=float(y), font_size=size, text_anchor=anchor, fill=fill,
    # font_weight=weight, transform=..., dominant_baseline=baseline)``, written directly: charts draw
    # dozens of labels each, and the keyword round trip was the costliest part of drawing them.
    parts = [f'<text x="{_n(float(x))}" y="{_n(float(y))}"']
    if size is not None:
        parts.append(f' font-size="{_value(size)}"')
    if anchor is not None:
        parts.append(f' text-anchor="{_value(anchor)}"')
    if fill is not None:
        parts.append(f' fill="{_value(fill)}"')
    if weight is not None:
        parts.append(f' font-weight="{_value(weight)}"')
    if rotate:
        parts.append(f' transform="{escape(f"rotate({_n(rotate)} {_n(x)} {_n(y)})")}"')
    if baseline is not None:
        parts.append(f' dominant-baseline="{_value(baseline)}"')
    tip = f"<title>{escape(full_text)}</title>" if full_text and full_text != text else ""
    parts.append(f">{tip}{escape(text)}</text>")
    return "".join(parts)


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


