"""Reading files: encodings, delimiters, title rows, xlsx safety (zip bombs, formulas), size and row limits."""

from __future__ import annotations

import io
import zipfile

import pytest

from eduinnov.imports.readers import FileRefused, check_xlsx_container, decode_text, read_table
from eduinnov.imports.schemas import ImportKind, schema_for
from tests.factories import csv_bytes
from tests.imports.conftest import xlsx_bytes, zip_bomb_xlsx

ROSTER = [["学号", "姓名", "入学年份", "邮箱"], ["2023051001", "赵六", "2023", "zl@stu.example.edu.cn"],
          ["2023051002", "钱七", "2023", ""]]
KNOWN = schema_for(ImportKind.STUDENTS).known_headers()


@pytest.mark.parametrize("encoding, bom, label", [
    ("utf-8", False, "UTF-8"), ("utf-8", True, "UTF-8 BOM"), ("gbk", False, "GBK/GB18030"),
    ("gb18030", False, "GBK/GB18030"), ("utf-16", False, "UTF-16"),
])
def test_encodings_are_detected(encoding, bom, label):
    table = read_table(csv_bytes(ROSTER, encoding, bom=bom), "roster.csv", KNOWN)
    assert table.encoding == label
    assert table.frame["姓名"].tolist() == ["赵六", "钱七"]


def test_gb18030_only_characters_survive():
    # 㐀 (U+3400) is in GB18030 but not in GBK: such names (rare characters) must still be read.
    rows = [["学号", "姓名", "入学年份"], ["2023051003", "王㐀", "2023"]]
    table = read_table(csv_bytes(rows, "gb18030"), "r.csv", KNOWN)
    assert table.frame["姓名"].tolist() == ["王㐀"]


def test_broken_encoding_is_refused_with_a_message():
    data = "学号,姓名\n".encode() + b"\xff\xfe\xfa\x80\x81,\x80\n"
    data = b"x" + data  # no BOM: neither valid UTF-8 nor GB18030
    with pytest.raises(FileRefused) as exc:
        read_table(data + b"\xff\xff\xff", "r.csv", KNOWN)
    assert "neither UTF-8 nor UTF-16, GBK/GB18030 or Big5" in str(exc.value)


def test_binary_file_is_refused():
    with pytest.raises(FileRefused, match="not a text file"):
        decode_text(b"\x00\x01\x02garbage" * 10)


@pytest.mark.parametrize("sep", [",", "\t", ";"])
def test_delimiters_are_sniffed(sep):
    table = read_table(csv_bytes(ROSTER, sep=sep), "r.csv", KNOWN)
    assert list(table.frame.columns[:3]) == ["学号", "姓名", "入学年份"]


def test_full_width_digits_and_spaces_are_normalised():
    rows = [["学号", "姓名", "入学年份"], ["２０２３０５１００１", "　赵　六　", "２０２３"]]
    frame = read_table(csv_bytes(rows, "gbk"), "r.csv", KNOWN).frame
    assert frame.iloc[0].tolist() == ["2023051001", "赵 六", "2023"]


def test_title_rows_above_the_header_are_skipped_and_rows_keep_sheet_numbers():
    data = xlsx_bytes(ROSTER, title_rows=[["示范大学 2023 级软件工程专业学生名单"], ["制表：教务处"]])
    table = read_table(data, "roster.xlsx", KNOWN)
    assert table.header_row == 3
    assert table.frame.index.tolist() == [4, 5]


def test_blank_rows_are_ignored():
    rows = [ROSTER[0], ROSTER[1], ["", "", "", ""], ROSTER[2]]
    table = read_table(csv_bytes(rows), "r.csv", KNOWN)
    assert table.frame.index.tolist() == [2, 4]


def test_zip_bomb_is_refused_without_inflating(monkeypatch):
    bomb = zip_bomb_xlsx(300)
    assert len(bomb) < 2 * 1024 * 1024  # small on disk
    import openpyxl

    def must_not_open(*a, **k):
        raise AssertionError("openpyxl must not open a zip bomb")

    monkeypatch.setattr(openpyxl, "load_workbook", must_not_open)
    with pytest.raises(FileRefused) as exc:
        read_table(bomb, "bomb.xlsx", KNOWN)
    assert "refused without opening it" in str(exc.value)


def test_highly_compressed_member_is_refused_even_under_the_total_limit():
    bomb = zip_bomb_xlsx(20)  # 20 MB of zeros: under the total limit, but a ratio no sheet has
    with pytest.raises(FileRefused, match="compressed"):
        check_xlsx_container(bomb)


def test_zip_that_is_not_a_workbook():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(FileRefused, match="not an Excel workbook"):
        read_table(buf.getvalue(), "x.xlsx", KNOWN)


def test_damaged_xlsx():
    with pytest.raises(FileRefused, match="damaged"):
        read_table(b"PK\x03\x04 this is not really a zip", "x.xlsx", KNOWN)


def test_old_xls_is_explained():
    with pytest.raises(FileRefused, match=r"\.xls files are not supported"):
        read_table(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls", KNOWN)


def test_formula_cells_are_read_as_saved_values_never_evaluated():
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["学号", "姓名", "入学年份"])
    ws.append(["2023051001", '=HYPERLINK("http://evil.example/steal","点我")', 2023])
    ws.append(["2023051002", "=1+1", "=2000+23"])
    buf = io.BytesIO()
    wb.save(buf)
    table = read_table(buf.getvalue(), "f.xlsx", KNOWN)
    assert table.formula_cells == 3
    # openpyxl wrote no cached values: the cells read as empty, and no formula text reaches the rows.
    assert table.frame["姓名"].tolist() == ["", ""]
    assert table.frame["入学年份"].tolist()[1] == ""


def test_oversize_file_is_refused(app):
    app.config["IMPORT_MAX_BYTES"] = 1000
    try:
        with pytest.raises(FileRefused) as exc:
            read_table(csv_bytes(ROSTER * 100), "big.csv", KNOWN)
        assert "the limit is" in str(exc.value)
    finally:
        app.config.pop("IMPORT_MAX_BYTES")


@pytest.mark.parametrize("maker", ["csv", "xlsx"])
def test_row_limit(app, maker):
    rows = [ROSTER[0]] + [[f"2023{i:06d}", "某", "2023"] for i in range(30)]
    data = csv_bytes(rows) if maker == "csv" else xlsx_bytes(rows)
    app.config["IMPORT_MAX_ROWS"] = 20
    try:
        with pytest.raises(FileRefused, match="more than 20 rows"):
            read_table(data, f"r.{maker}", KNOWN)
    finally:
        app.config.pop("IMPORT_MAX_ROWS")


def test_empty_file():
    with pytest.raises(FileRefused, match="empty"):
        read_table(b"", "r.csv", KNOWN)


def test_bibliography_over_the_record_limit_is_refused_before_parsing(app, monkeypatch, program, teacher):
    """A huge BibTeX file is refused on a cheap count; the costly parser never runs."""
    from eduinnov.imports import bibliography, services

    def parser_must_not_run(*args, **kwargs):
        raise AssertionError("parsed before the record limit was checked")

    monkeypatch.setattr(bibliography, "read_references", parser_must_not_run)
    entry = "@article{k%d, title={T%d}, author={Zhang, Wei}, journal={J}, year={2023}}\n"
    data = "".join(entry % (i, i) for i in range(30)).encode()
    app.config["IMPORT_MAX_ROWS"] = 20
    try:
        preview = services.preview_import("publications", program, teacher, data, "refs.bib")
        assert [e.reason for e in preview.errors] == ["The file has more than 20 records; split it."]
    finally:
        app.config.pop("IMPORT_MAX_ROWS")


def test_cleaning_a_sheet_once_per_distinct_cell_equals_cleaning_every_cell():
    import random
    from datetime import date

    import pandas as pd

    from eduinnov.imports import readers

    rng = random.Random(5)
    pool = ["", " ", "国家级", "国家级 ", "ＡＢＣ　１２", "a\tb\x01c", None, 3, 2.5, date(2024, 3, 1), "张伟; 李娜"]
    frame = pd.DataFrame([[rng.choice(pool) for _ in range(6)] for _ in range(500)], dtype=object)
    frame.index = range(2, 502)
    expected = frame.map(readers._clean_cell)
    expected = expected[~(expected == "").all(axis=1)]
    pd.testing.assert_frame_equal(readers._normalise_frame(frame), expected)
