"""The chart options the dashboards and OBE pages rely on: threshold line and ring, colours per bar."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from eduinnov.core.charts import ABOVE, BELOW, THRESHOLD, ChartData, bar_chart, radar_chart
from eduinnov.obe.figures import achievement_bars, achievement_histogram

NS = "{http://www.w3.org/2000/svg}"


def _dashed(svg: str) -> list[ET.Element]:
    root = ET.fromstring(svg)
    return [e for e in root.iter() if e.get("stroke") == THRESHOLD and e.get("stroke-dasharray")]


def test_threshold_line_sits_at_its_value_and_is_labelled(app):
    data = ChartData(["GR1", "GR2"], {"A": [0.8, 0.5]})
    svg = str(bar_chart(data, title="t", min_value=0, max_value=1, threshold=0.7, threshold_label="threshold 0.7",
                        width=400, height=300))
    lines = [e for e in _dashed(svg) if e.tag == NS + "line"]
    plot_line = max(lines, key=lambda e: float(e.get("x2")) - float(e.get("x1")))
    root = ET.fromstring(svg)
    axis = [e for e in root.iter(NS + "line") if e.get("stroke") == "#495057"]
    top = min(float(e.get("y1")) for e in axis)
    bottom = max(float(e.get("y2")) for e in axis)
    assert float(plot_line.get("y1")) == pytest.approx(bottom - 0.7 * (bottom - top), abs=0.6)
    assert "threshold 0.7" in svg


def test_colours_per_label_and_their_count_is_checked(app):
    data = ChartData(["a", "b"], {"x": [1, 2]})
    svg = str(bar_chart(data, title="t", colours=["#111111", "#222222"]))
    assert re.search(r'<rect[^>]*fill="#111111"', svg) and re.search(r'<rect[^>]*fill="#222222"', svg)
    with pytest.raises(ValueError):
        bar_chart(data, title="t", colours=["#111111"])


def test_radar_threshold_ring(app):
    data = ChartData(["a", "b", "c"], {"x": [0.5, 0.9, 0.8]})
    assert [e.tag for e in _dashed(str(radar_chart(data, title="t", max_value=1, threshold=0.7)))] == [NS + "polygon"]
    assert _dashed(str(radar_chart(data, title="t", max_value=1))) == []


def test_achievement_bars_are_red_below_the_threshold_and_keep_missing_values_out(app):
    with app.test_request_context():
        fig = achievement_bars([("GR1", 0.65), ("GR2", 0.7), ("GR3", None)], 0.7, title="GR")
    bars = re.findall(r'<rect x="[^"]+" y="[^"]+" width="[^"]+" height="[^"]+" fill="(#[0-9A-F]{6})"><title>([^<]*)', str(fig.svg))
    assert bars == [(BELOW, "GR1 · Achievement degree: 0.650"), (ABOVE, "GR2 · Achievement degree: 0.700")]
    assert "<details" in fig.table and "—" in fig.table  # GR3 in the table, without a value


def test_achievement_histogram_colours_bins_up_to_the_threshold(app):
    with app.test_request_context():
        fig = achievement_histogram([0, 0, 0, 0, 0, 0, 1, 2, 3, 4], 0.7, title="CO1")
    fills = re.findall(r'<rect x="[^"]+" y="[^"]+" width="[^"]+" height="[^"]+" fill="(#[0-9A-F]{6})">', str(fig.svg))
    assert fills == [BELOW] * 7 + [ABOVE] * 3
