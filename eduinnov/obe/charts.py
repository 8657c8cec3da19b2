"""Geometry for the small server-rendered SVG charts of the OBE pages (no JavaScript, no CDN).

Templates only place the shapes computed here; colours are SVG presentation attributes (the CSP
forbids ``style=`` attributes, not these).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

RED, GREEN, GREY, BLUE = "#dc3545", "#198754", "#adb5bd", "#0d6efd"


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    fill: str
    label: str
    value_text: str
    title: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: list[Bar]
    threshold_x: float | None  # vertical threshold line (histograms: x in px)
    threshold_y: float | None  # horizontal threshold line (bar charts: y in px)
    baseline_y: float
    axis_labels: list[tuple[float, str]]


def histogram(counts: list[int], threshold: float, *, width: int = 320, height: int = 150) -> BarChart:
    """Ten bins of 0.1 from 0 to 1; bins below the threshold in red, the threshold as a line."""
    left, bottom, top = 8, 20, 14
    plot_w, plot_h = width - 2 * left, height - bottom - top
    n = len(counts) or 1
    top_count = max(counts) if counts and max(counts) > 0 else 1
    bars = []
    for i, count in enumerate(counts):
        lo, hi = i / n, (i + 1) / n
        h = plot_h * count / top_count
        bars.append(Bar(
            x=left + plot_w * lo + 1, y=top + plot_h - h, width=plot_w / n - 2, height=h,
            fill=RED if hi <= threshold + 1e-9 else GREEN, label=f"{lo:.1f}", value_text=str(count) if count else "",
            title=f"{lo:.1f}–{hi:.1f}: {count}",
        ))
    axis = [(left + plot_w * i / n, f"{i / n:.1f}") for i in range(0, n + 1, 2)]
    return BarChart(width, height, bars, left + plot_w * threshold, None, top + plot_h, axis)


def value_bars(items: list[tuple[str, float | None]], threshold: float, *, width: int = 560,
               height: int = 220) -> BarChart:
    """Vertical bars of achievement degrees (0..1) with a horizontal threshold line."""
    left, bottom, top = 30, 24, 10
    plot_w, plot_h = width - left - 8, height - bottom - top
    n = len(items) or 1
    slot = plot_w / n
    bars = []
    for i, (label, value) in enumerate(items):
        v = 0.0 if value is None or math.isnan(value) else max(0.0, min(1.0, value))
        h = plot_h * v
        fill = GREY if value is None else (GREEN if value >= threshold - 1e-9 else RED)
        bars.append(Bar(x=left + slot * i + slot * 0.15, y=top + plot_h - h, width=slot * 0.7, height=h,
                        fill=fill, label=label, value_text="—" if value is None else f"{value:.2f}",
                        title=f"{label}: {'—' if value is None else f'{value:.3f}'}"))
    axis = [(top + plot_h * (1 - t), f"{t:.1f}") for t in (0, 0.2, 0.4, 0.6, 0.8, 1.0)]
    return BarChart(width, height, bars, None, top + plot_h * (1 - threshold), top + plot_h, axis)


@dataclass(frozen=True)
class Radar:
    size: int
    center: float
    rings: list[str]  # polygon point lists for 0.2 … 1.0
    threshold_ring: str
    polygon: str
    spokes: list[tuple]  # x1, y1, x2, y2, label, text-anchor, label x, label y


def radar(items: list[tuple[str, float | None]], threshold: float, *, size: int = 320) -> Radar | None:
    """A radar of achievement degrees (at least three axes), with the threshold ring."""
    n = len(items)
    if n < 3:
        return None
    c, r = size / 2, size / 2 - 34

    def point(i: int, v: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * i / n
        return c + r * v * math.cos(angle), c + r * v * math.sin(angle)

    def ring(v: float) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, v) for i in range(n)))

    values = [0.0 if v is None or math.isnan(v) else max(0.0, min(1.0, v)) for _, v in items]
    polygon = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, v) for i, v in enumerate(values)))
    spokes = []
    for i, (label, _v) in enumerate(items):
        x, y = point(i, 1.0)
        lx, ly = point(i, 1.16)
        anchor = "middle" if abs(lx - c) < 5 else ("start" if lx > c else "end")
        spokes.append((c, c, x, y, label, anchor, lx, ly))
    return Radar(size=size, center=c, rings=[ring(v) for v in (0.2, 0.4, 0.6, 0.8, 1.0)],
                 threshold_ring=ring(threshold), polygon=polygon, spokes=spokes)
