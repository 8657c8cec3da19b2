"""Chart geometry: what the SVG draws is where the numbers say it should be.

Each test reads the drawn shapes back (bars with their tooltip, axis and grid lines, tick labels,
markers, polygon vertices) and checks them against the values: a bar of value v is v/(top tick) of the
plot height tall and stands on the zero line, ticks sit on round values at equal steps, line markers and
radar vertices sit at their values. Coordinates are written with 2 decimals, hence the 0.02 tolerance.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest

from eduinnov.core.charts import (
    AXIS,
    GRID,
    MUTED,
    ChartData,
    bar_chart,
    bin_values,
    histogram,
    line_chart,
    radar_chart,
    stacked_bar_chart,
)

SVG = "{http://www.w3.org/2000/svg}"
TOL = 0.02


def _root(markup) -> ET.Element:
    return ET.fromstring(str(markup))


def _f(el: ET.Element, name: str) -> float:
    return float(el.get(name))


def _bars(root: ET.Element) -> dict[str, tuple[float, float, float, float]]:
    """``{tooltip: (x, y, width, height)}`` of every bar (rects carrying a tooltip)."""
    return {r.find(SVG + "title").text: (_f(r, "x"), _f(r, "y"), _f(r, "width"), _f(r, "height"))
            for r in root.iter(SVG + "rect") if r.find(SVG + "title") is not None}


def _of(shapes: dict, label: str, series: str):
    """The shape whose tooltip is ``label · series: <value>``."""
    (hit,) = [v for k, v in shapes.items() if k.startswith(f"{label} · {series}: ")]
    return hit


def _lines(root: ET.Element, stroke: str) -> list[tuple[float, float, float, float]]:
    return [(_f(e, "x1"), _f(e, "y1"), _f(e, "x2"), _f(e, "y2")) for e in root.iter(SVG + "line")
            if e.get("stroke") == stroke]


def _vertical_plot(root: ET.Element) -> tuple[float, float, float]:
    """``(left, top, bottom)`` of a plot with a vertical value axis (the axis line from top to bottom)."""
    (left, top, _x2, bottom), = [ln for ln in _lines(root, AXIS) if ln[0] == ln[2]]
    return left, top, bottom


def _tick_labels(root: ET.Element) -> list[tuple[str, float, float]]:
    """``(text, x, y)`` of the value-axis tick labels (small muted text)."""
    return [(t.text, _f(t, "x"), _f(t, "y")) for t in root.iter(SVG + "text")
            if t.get("fill") == MUTED and t.get("font-size") == "11"]


VALUES = {"a": 10.0, "b": 5.0, "c": 2.5, "d": 20.0, "e": 7.25}


def test_vertical_bars_are_value_over_top_tick_of_the_plot_height_and_stand_on_zero():
    root = _root(bar_chart(ChartData(list(VALUES), {"n": list(VALUES.values())}), title="t"))
    left, top, bottom = _vertical_plot(root)
    height = bottom - top
    bars = _bars(root)
    assert len(bars) == len(VALUES)
    xs = []
    for label, v in VALUES.items():
        x, y, w, h = _of(bars, label, "n")
        assert h == pytest.approx(v / 20.0 * height, abs=TOL)  # ticks 0..20: the top tick is the plot top
        assert y + h == pytest.approx(bottom, abs=TOL)  # stands on the zero line (here the plot bottom)
        xs.append((x, w))
    assert _of(bars, "d", "n")[1] == pytest.approx(top, abs=TOL)  # the largest value reaches the top tick
    widths = {round(w, 2) for _x, w in xs}
    assert len(widths) == 1  # equal widths
    steps = [b[0] - a[0] for a, b in zip(xs, xs[1:], strict=False)]
    assert max(steps) - min(steps) < TOL and all(x > left for x, _w in xs)  # evenly spaced, right of the axis


def test_vertical_value_axis_ticks_sit_at_round_values_with_equal_steps():
    root = _root(bar_chart(ChartData(list(VALUES), {"n": list(VALUES.values())}), title="t"))
    left, top, bottom = _vertical_plot(root)
    ticks = _tick_labels(root)
    assert [t for t, _x, _y in ticks] == ["0", "5", "10", "15", "20"]
    grid = sorted((ln[1] for ln in _lines(root, GRID)), reverse=True)
    for (text, x, y), gy in zip(ticks, grid, strict=True):
        expected = bottom - float(text) / 20.0 * (bottom - top)
        assert y == pytest.approx(expected, abs=TOL) and gy == pytest.approx(expected, abs=TOL)
        assert x < left  # labels left of the axis
    assert grid[0] == pytest.approx(bottom, abs=TOL) and grid[-1] == pytest.approx(top, abs=TOL)


def test_horizontal_bars_are_value_over_top_tick_of_the_plot_width_and_start_at_zero():
    root = _root(bar_chart(ChartData(list(VALUES), {"n": list(VALUES.values())}), title="t", horizontal=True))
    (left, axis_y, right, _y2), = [ln for ln in _lines(root, AXIS) if ln[1] == ln[3]]
    bars = _bars(root)
    for label, v in VALUES.items():
        x, y, w, h = _of(bars, label, "n")
        assert x == pytest.approx(left, abs=TOL)
        assert w == pytest.approx(v / 20.0 * (right - left), abs=TOL)
        assert y + h <= axis_y
    ticks = _tick_labels(root)
    assert [t for t, _x, _y in ticks] == ["0", "5", "10", "15", "20"]
    for text, x, _y in ticks:
        assert x == pytest.approx(left + float(text) / 20.0 * (right - left), abs=TOL)
    ys = sorted(b[1] for b in bars.values())
    assert ys == [_of(bars, k, "n")[1] for k in VALUES]  # first label on top


def test_negative_bars_hang_from_the_zero_line_in_proportion():
    root = _root(bar_chart(ChartData(["a", "b"], {"d": [-3.5, 2.0]}), title="t"))
    _left, top, bottom = _vertical_plot(root)
    ticks = [float(t) for t, _x, _y in _tick_labels(root)]
    assert ticks == [-4.0, -2.0, 0.0, 2.0]
    unit = (bottom - top) / 6.0  # px per unit on an axis from -4 to 2
    zero = bottom - 4.0 * unit
    (_x1, zy, _x2, zy2), = [ln for ln in _lines(root, AXIS) if ln[1] == ln[3]]
    assert zy == pytest.approx(zero, abs=TOL)
    bars = _bars(root)
    _x, y, _w, h = _of(bars, "a", "d")
    assert y == pytest.approx(zero, abs=TOL) and h == pytest.approx(3.5 * unit, abs=TOL)
    _x, y, _w, h = _of(bars, "b", "d")
    assert y + h == pytest.approx(zero, abs=TOL) and h == pytest.approx(2.0 * unit, abs=TOL)


def test_grouped_bars_sit_side_by_side_with_heights_in_proportion():
    data = ChartData(["2021", "2022"], {"papers": [12, 18], "patents": [3, 6]})
    root = _root(bar_chart(data, title="t", min_value=0, max_value=20))
    _left, top, bottom = _vertical_plot(root)
    bars = _bars(root)
    for (label, series, v) in (("2021", "papers", 12), ("2022", "papers", 18), ("2021", "patents", 3),
                               ("2022", "patents", 6)):
        _x, y, _w, h = _of(bars, label, series)
        assert h == pytest.approx(v / 20 * (bottom - top), abs=TOL)
    p, q = _of(bars, "2021", "papers"), _of(bars, "2021", "patents")
    assert q[0] == pytest.approx(p[0] + p[2], abs=TOL)  # the second series right next to the first


def test_stacked_segments_are_in_proportion_and_each_starts_where_the_one_below_ends():
    data = ChartData(["a", "b"], {"A": [1, 2], "B": [4, 0], "C": [0.5, 3]})
    root = _root(stacked_bar_chart(data, title="t"))
    _left, top, bottom = _vertical_plot(root)
    assert [t for t, _x, _y in _tick_labels(root)] == ["0", "2", "4", "6"]  # totals 5.5 and 5
    unit = (bottom - top) / 6.0
    bars = _bars(root)
    assert len(bars) == 5  # zero segments draw nothing
    for label, segments in (("a", [("A", 1), ("B", 4), ("C", 0.5)]), ("b", [("A", 2), ("C", 3)])):
        base = bottom
        for name, v in segments:
            _x, y, _w, h = _of(bars, label, name)
            assert h == pytest.approx(v * unit, abs=TOL)
            assert y + h == pytest.approx(base, abs=TOL)
            base = y


def test_histogram_bars_are_counts_in_proportion_and_adjacent():
    data = bin_values([55, 61, 65, 72, 74, 76, 79, 88, 99, 100], bins=[0, 60, 70, 80, 90, 100])
    assert data.series[0].values == (1, 2, 4, 1, 2)
    root = _root(histogram(data, title="t"))
    left, top, bottom = _vertical_plot(root)
    ticks = [float(t) for t, _x, _y in _tick_labels(root)]
    assert ticks[0] == 0 and ticks[-1] == 4 and len(set(b - a for a, b in zip(ticks, ticks[1:], strict=False))) == 1
    bars = sorted(_bars(root).values())
    assert [round(h / (bottom - top) * 4, 2) for _x, _y, _w, h in bars] == [1, 2, 4, 1, 2]
    gaps = [b[0] - (a[0] + a[2]) for a, b in zip(bars, bars[1:], strict=False)]
    assert all(0 <= g < 0.05 * bars[0][2] for g in gaps)  # adjacent bins: almost no gap


def test_line_markers_sit_at_their_values_and_the_line_joins_them():
    data = ChartData(["2019", "2020", "2021", "2022"], {"s": [40, None, 65, 80]})
    root = _root(line_chart(data, title="t", min_value=0, max_value=100))
    left, top, bottom = _vertical_plot(root)
    markers = {c.find(SVG + "title").text: (_f(c, "cx"), _f(c, "cy")) for c in root.iter(SVG + "circle")}
    for label, v in (("2019", 40), ("2021", 65), ("2022", 80)):
        _cx, cy = _of(markers, label, "s")
        assert cy == pytest.approx(bottom - v / 100 * (bottom - top), abs=TOL)
    band = _of(markers, "2022", "s")[0] - _of(markers, "2021", "s")[0]
    assert _of(markers, "2021", "s")[0] - _of(markers, "2019", "s")[0] == pytest.approx(2 * band, abs=TOL)
    (line,) = [p for p in root.iter(SVG + "polyline")]  # the missing 2020 breaks the line: 2021-2022 only
    pts = [tuple(map(float, p.split(","))) for p in line.get("points").split()]
    assert pts == [pytest.approx(_of(markers, "2021", "s"), abs=TOL), pytest.approx(_of(markers, "2022", "s"), abs=TOL)]


def test_radar_vertices_are_value_over_max_of_the_radius_along_their_axis():
    data = ChartData(["a", "b", "c", "d"], {"s": [0.5, 1.0, 0.25, 0.8]})
    root = _root(radar_chart(data, title="t", max_value=1))
    spokes = [ln for ln in _lines(root, GRID)]
    assert len(spokes) == 4
    cx, cy = spokes[0][0], spokes[0][1]
    radius = math.hypot(spokes[0][2] - cx, spokes[0][3] - cy)
    assert all(math.hypot(x2 - x1, y2 - y1) == pytest.approx(radius, abs=TOL * 2) for x1, y1, x2, y2 in spokes)
    assert radius > 0.4 * float(root.get("width"))  # the rim uses the width left beside the short labels
    vertices = {c.find(SVG + "title").text: (_f(c, "cx"), _f(c, "cy")) for c in root.iter(SVG + "circle")}
    for i, (label, v) in enumerate(zip(data.labels, data.series[0].values, strict=True)):
        x, y = _of(vertices, label, "s")
        assert math.hypot(x - cx, y - cy) == pytest.approx(v * radius, abs=TOL * 2)
        angle = -math.pi / 2 + 2 * math.pi * i / 4  # first axis straight up, then clockwise
        assert (x - cx, y - cy) == pytest.approx((v * radius * math.cos(angle), v * radius * math.sin(angle)), abs=TOL * 2)
    rings = [p for p in root.iter(SVG + "polygon") if p.get("stroke") == GRID and p.get("fill") == "none"]
    ring_radii = sorted(math.hypot(*(a - b for a, b in zip(map(float, p.get("points").split()[0].split(",")),
                                                           (cx, cy), strict=True))) for p in rings)
    assert ring_radii == pytest.approx([radius / 4, radius / 2, 3 * radius / 4, radius], abs=TOL * 2)


def test_every_bar_has_a_tooltip_naming_label_series_and_value():
    root = _root(bar_chart(ChartData(["x", "y"], {"n": [3, 2.5]}), title="t"))
    assert sorted(_bars(root)) == ["x · n: 3.00", "y · n: 2.50"]
