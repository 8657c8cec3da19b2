"""SVG charts: well-formed, escaped, CSP-safe, labelled, deterministic; data tables next to them."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from eduinnov.core.charts import (
    ChartData,
    Series,
    bar_chart,
    bin_values,
    histogram,
    line_chart,
    nice_ticks,
    radar_chart,
    stacked_bar_chart,
)

NS = {"svg": "http://www.w3.org/2000/svg"}
HOSTILE = '<script>alert("x")</script>'
DATA = ChartData(["2021级", "2022级", HOSTILE], {"论文": [12, 18, 7], "专利 & <b>": [3, None, 4]},
                 label_header="年级")
RADAR = ChartData(["创新意识", "创新思维", "创新能力", HOSTILE],
                  [Series("2021级", (0.6, 0.7, 0.5, 0.8)), Series("2022级", (0.7, 0.6, 0.75, 0.55))])


def _charts():
    return {
        "bar": bar_chart(DATA, title="成果 <i>", x_label="年级", y_label="数量"),
        "hbar": bar_chart(DATA, title="成果", horizontal=True, x_label="年级", y_label="数量"),
        "stacked": stacked_bar_chart(ChartData(DATA.labels, {"A": [1, 2, 3], "B": [4, 0, None]}), title="堆叠"),
        "line": line_chart(DATA, title="趋势", y_label="分"),
        "radar": radar_chart(RADAR, title="一级指标", max_value=1),
        "histogram": histogram(bin_values([55, 61, 65, 72, 88, 99, 100], bins=[0, 60, 70, 80, 90, 100]),
                               title="分布", x_label="总分", y_label="人数"),
    }


@pytest.mark.parametrize("kind", list(_charts()))
def test_chart_is_wellformed_labelled_and_safe(kind):
    svg = str(_charts()[kind])
    root = ET.fromstring(svg)  # escaping mistakes would make this invalid XML
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.find("svg:title", NS).text
    assert root.find("svg:desc", NS).text
    assert "Noto Sans CJK SC" in root.get("font-family")
    assert root.get("role") == "img"
    assert "style=" not in svg  # CSP: presentation attributes only
    assert not root.findall(".//svg:script", NS) and "<script" not in svg
    assert not root.findall(".//svg:foreignObject", NS)
    texts = " ".join("".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert any("\u4e00" <= ch <= "\u9fff" for ch in texts)  # Chinese labels are real text


def test_hostile_labels_stay_text():
    svg = str(bar_chart(DATA, title=HOSTILE))
    root = ET.fromstring(svg)
    assert root.find("svg:title", NS).text == HOSTILE
    assert "&lt;script&gt;" in svg


def test_output_is_deterministic_and_ids_differ_between_charts():
    first, second = _charts(), _charts()
    assert all(str(first[k]) == str(second[k]) for k in first)
    ids = {ET.fromstring(str(svg)).get("id") for svg in first.values()}
    assert len(ids) == len(first)


def test_values_and_legend_are_drawn():
    svg = str(bar_chart(DATA, title="t"))
    texts = ["".join(t.itertext()) for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")]
    assert "18" in texts and "论文" in texts and "专利 & <b>" in texts
    # the missing value draws no bar: 5 values → 5 bars (each has a tooltip title)
    bars = [r for r in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}rect") if r.find("svg:title", NS) is not None]
    assert len(bars) == 5


def test_table_html_escapes_and_lists_every_value():
    html = str(DATA.table_html(caption="数据 <caption>"))
    assert "<th scope=\"col\">年级</th>" in html
    assert "&lt;script&gt;" in html and "<script" not in html
    assert "专利 &amp; &lt;b&gt;" in html
    assert html.count("<tr>") == 4
    assert "—" in html  # missing value
    assert "<details" in str(DATA.table_html(collapsible=True))


def test_formatting_units_and_decimals():
    data = ChartData(["a", "b"], {"rate": [0.5, 12.34]}, unit="%", decimals=1)
    assert data.format(12.34) == "12.3%"
    assert data.format(None) == "—"
    assert ChartData(["a"], {"n": [3]}).format(3) == "3"
    assert ChartData(["a", "b"], {"n": [3, 2.5]}).format(3) == "3.00"


def test_histogram_binning():
    data = bin_values([0, 59.9, 60, 69, 70, 100, None, float("nan"), 101], bins=[0, 60, 70, 100])
    assert data.labels == ("0–60", "60–70", "70–100")
    assert data.series[0].values == (2, 2, 2)  # 100 is in the last bin, 101 is outside
    equal = bin_values([1, 2, 3, 4], bins=3)
    assert sum(equal.series[0].values) == 4


@pytest.mark.parametrize("make", [
    lambda: ChartData(["a", "b"], {"x": [1]}),                       # length mismatch
    lambda: ChartData(["a"], {}),                                    # no series
    lambda: ChartData(["a"], {"x": [float("inf")]}),                 # infinite value
    lambda: radar_chart(ChartData(["a", "b"], {"x": [1, 2]}), title="t"),   # radar needs 3 axes
    lambda: stacked_bar_chart(ChartData(["a"], {"x": [-1]}), title="t"),   # stacks need >= 0
    lambda: bin_values([1], bins=[3, 2]),
])
def test_invalid_input_is_refused(make):
    with pytest.raises(ValueError):
        make()


def test_negative_bars_grow_down_from_zero():
    svg = str(bar_chart(ChartData(["a", "b"], {"delta": [-3.5, 2]}), title="t"))
    assert "-3.50" in svg


def test_nice_ticks():
    assert nice_ticks(0, 100) == [0, 20, 40, 60, 80, 100]
    assert nice_ticks(0, 1, 4) == [0, 0.25, 0.5, 0.75, 1.0]
    assert nice_ticks(0, 0) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
