"""Score-sheet imports with real-looking sheets: GBK and BOM CSV, xlsx with title and merged header rows."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from eduinnov.extensions import db
from eduinnov.obe import reports, services
from eduinnov.obe.models import Score, ScoreImport
from eduinnov.obe.sheets import normalise_student_no


def _csv(rows, encoding="utf-8"):
    text = "\r\n".join(",".join(str(c) for c in r) for r in rows) + "\r\n"
    return text.encode(encoding)


TITLE = ["XX大学课程成绩登记表", "", "", "", "", ""]
META = ["课程：软件工程导论", "", "任课教师：王老师", "", "", ""]
HEADER = ["学号", "姓名", "作业1", "作业2", "题1", "题2"]
DATA = [["2021051001", "学生1", 9, 8, 20, 12],
        ["2021051002", "学生2", 7, 8, 10, 10],
        ["2021051003", "学生3", "", 6, "缺考", 0]]


def _scores():
    return {(s.student.student_no, s.item.name): s.value for s in db.session.query(Score)}


def test_gbk_csv_with_title_rows_imports_every_score(plan, teacher):
    data = _csv([TITLE, META, HEADER, *DATA, ["平均分", "", 8, 7.3, 15, 11], ["任课教师签字：", "", "", "", "", ""]],
                "gbk")
    parsed = services.preview_score_sheet(plan.offering, data, "成绩.csv")
    assert parsed.errors == [] and parsed.encoding == "GBK/GB18030" and parsed.header_row == 3
    assert [r.row for r in parsed.rows] == [4, 5, 6]
    record = services.import_score_sheet(plan.offering, data, "成绩.csv", user=teacher)
    db.session.commit()
    scores = _scores()
    assert len(scores) == 12
    assert scores[("2021051001", "题1")] == 20
    assert scores[("2021051003", "作业1")] is None and scores[("2021051003", "题1")] is None  # missing work
    assert record.row_count == 3 and record.encoding == "GBK/GB18030"
    # The class value of CO1: homework (17+15+6)/3/20, exam (32+20+0)/3/40.
    report = reports.offering_report(plan.offering)
    expected = 0.3 * (38 / 3 / 20) + 0.7 * (52 / 3 / 40)
    assert report.class_values[plan.co1.id] == pytest.approx(expected)


def test_utf8_bom_csv_with_full_width_digits_and_float_student_numbers(plan, teacher):
    rows = [HEADER, ["２０２１０５１００１", "学生1", "９", "8", "20", "12"],
            ["2021051002.0", "学生2", 7, 8, 10, 10], ["2.021051003E+09", "学生3", 1, 1, 1, 1]]
    data = b"\xef\xbb\xbf" + _csv(rows)
    parsed = services.preview_score_sheet(plan.offering, data, "scores.csv")
    assert parsed.errors == [] and parsed.encoding == "UTF-8 BOM"
    assert [r.student_no for r in parsed.rows] == ["2021051001", "2021051002", "2021051003"]
    assert parsed.rows[0].values["作业1"] == 9


def _xlsx_two_row_header(student_cell=2021051001.0, extra=None):
    wb = Workbook()
    ws = wb.active
    ws.append(["2023-2024学年第一学期 软件工程导论 成绩表"])
    ws.merge_cells("A1:G1")
    ws.append(["学号", "姓名", "平时成绩", None, "期末考试", None, "总评"])
    ws.append([None, None, "作业1", "作业2", "题1", "题2", None])
    for rng in ("A2:A3", "B2:B3", "C2:D2", "E2:F2", "G2:G3"):
        ws.merge_cells(rng)
    ws.append([student_cell, "学生1", 9, 8, 20, 12, 80])
    ws.append([2021051002, "学生2", 7, 8, 10, 10, 60])
    if extra:
        ws.append(extra)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_with_title_row_and_merged_two_row_header(plan, teacher):
    data = _xlsx_two_row_header()
    parsed = services.preview_score_sheet(plan.offering, data, "成绩.xlsx")
    assert parsed.errors == [], [str(e) for e in parsed.errors]
    assert parsed.header_row == 2
    assert parsed.columns["作业1"].startswith("C") and parsed.columns["题2"].startswith("F")
    assert [r.student_no for r in parsed.rows] == ["2021051001", "2021051002"]
    services.import_score_sheet(plan.offering, data, "成绩.xlsx", user=teacher)
    db.session.commit()
    assert _scores()[("2021051002", "题1")] == 10


def test_items_may_be_named_group_slash_column(plan, teacher):
    plan.items[0].name = "平时成绩/作业1"
    db.session.commit()
    parsed = services.preview_score_sheet(plan.offering, _xlsx_two_row_header(), "成绩.xlsx")
    assert parsed.errors == []
    assert "平时成绩/作业1" in parsed.rows[0].values


BAD_CASES = [
    ("above full marks", [["2021051001", "学生1", 11, 8, 20, 12]], 2, "C (作业1)", "above the full marks 10"),
    ("negative", [["2021051001", "学生1", 1, -2, 20, 12]], 2, "D (作业2)", "negative"),
    ("non-numeric", [["2021051001", "学生1", 1, 2, "优", 12]], 2, "E (题1)", "is not a number"),
    ("unknown student", [["2099000001", "某某", 1, 2, 3, 4]], 2, "A (学号)", "no student with number 2099000001"),
    ("duplicate student", [["2021051001", "学生1", 1, 2, 3, 4], ["2021051001", "学生1", 1, 2, 3, 4]], 3,
     "A (学号)", "appears twice (also in row 2)"),
]


@pytest.mark.parametrize("case,rows,row,column,reason", BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_errors_name_row_column_and_reason_and_nothing_is_saved(plan, teacher, case, rows, row, column, reason):
    good = _csv([HEADER, ["2021051002", "学生2", 1, 1, 1, 1]])
    services.import_score_sheet(plan.offering, good, "first.csv", user=teacher)
    db.session.commit()
    before = _scores()
    data = _csv([HEADER, *rows], "gbk")
    with pytest.raises(services.ImportRefused) as info:
        services.import_score_sheet(plan.offering, data, "bad.csv", user=teacher)
    db.session.rollback()
    errors = info.value.parsed.errors
    assert any(e.row == row and e.column == column and reason in e.reason for e in errors), [str(e) for e in errors]
    assert f"Row {row}, column {column}: " in str(errors[0])
    assert _scores() == before
    assert db.session.query(ScoreImport).count() == 1


def test_unknown_item_column_is_refused_with_its_header(plan, teacher):
    data = _csv([HEADER + ["实验1"], ["2021051001", "学生1", 1, 2, 3, 4, 5]])
    parsed = services.preview_score_sheet(plan.offering, data, "x.csv")
    assert [(e.row, e.column) for e in parsed.errors] == [(1, "G (实验1)")]
    assert "not an assessment item" in parsed.errors[0].reason
    with pytest.raises(services.ImportRefused):
        services.import_score_sheet(plan.offering, data, "x.csv", user=teacher)
    assert db.session.query(Score).count() == 0


def test_missing_item_column_and_missing_header_are_refused(plan):
    parsed = services.preview_score_sheet(plan.offering, _csv([HEADER[:-1], ["2021051001", "学生1", 1, 2, 3]]), "x.csv")
    assert any("no column for assessment item “题2”" in e.reason for e in parsed.errors)
    parsed = services.preview_score_sheet(plan.offering, _csv([["编号", "分数"], ["1", "2"]]), "x.csv")
    assert not parsed.ok and "学号" in parsed.errors[0].reason


def test_old_xls_and_garbage_are_refused_clearly(plan):
    parsed = services.preview_score_sheet(plan.offering, b"\xd0\xcf\x11\xe0" + b"\0" * 100, "old.xls")
    assert ".xlsx" in parsed.errors[0].reason
    parsed = services.preview_score_sheet(plan.offering, bytes(range(256)) * 4, "x.csv")
    assert not parsed.ok


def test_reimport_replaces_the_offerings_scores(plan, teacher):
    services.import_score_sheet(plan.offering, _csv([HEADER, *DATA]), "a.csv", user=teacher)
    db.session.commit()
    services.import_score_sheet(plan.offering, _csv([HEADER, ["2021051002", "学生2", 10, 10, 25, 15]]), "b.csv",
                                user=teacher)
    db.session.commit()
    scores = _scores()
    assert {k[0] for k in scores} == {"2021051002"}
    assert scores[("2021051002", "题1")] == 25
    assert db.session.query(ScoreImport).count() == 2


def test_name_mismatch_is_a_warning_not_an_error(plan):
    parsed = services.preview_score_sheet(plan.offering, _csv([HEADER, ["2021051001", "张三", 1, 1, 1, 1]]), "x.csv")
    assert parsed.ok and "张三" in parsed.warnings[0].reason


@pytest.mark.parametrize("raw,expected", [
    (2021051001.0, "2021051001"), ("2021051001.0", "2021051001"), ("2.021051001E+09", "2021051001"),
    ("２０２１０５１００１", "2021051001"), (" '2021051001 ", "2021051001"), (2021051001, "2021051001"),
])
def test_student_numbers_that_look_like_numbers(raw, expected):
    assert normalise_student_no(raw)[0] == expected
