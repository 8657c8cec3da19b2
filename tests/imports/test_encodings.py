"""Every uploaded text file goes through one decoder: real GBK, GB18030, Big5 and UTF-16 bytes of Chinese
names are read as the names they are, or refused with a message naming the encoding — never stored as
mojibake (issue #12 §3: a Big5 roster used to be stored as 眎\\ue5fa伦 for 張三豐)."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from eduinnov.extensions import db
from eduinnov.imports.readers import FileRefused, decode_text, read_table
from eduinnov.imports.schemas import ImportKind, schema_for
from eduinnov.obe import sheets
from eduinnov.programs.models import Student
from tests.factories import make_user, table_counts

KNOWN = schema_for(ImportKind.STUDENTS).known_headers()
TRADITIONAL = [["學號", "姓名", "入學年份"], ["2022051001", "張三豐", "2022"], ["2022051002", "陳美玲", "2022"],
               ["2022051003", "黃志強", "2022"]]
SIMPLIFIED = [["学号", "姓名", "入学年份"], ["2022051001", "张三丰", "2022"], ["2022051002", "陈美玲", "2022"],
              ["2022051003", "欧阳娜娜", "2022"]]


def _csv(rows, codec: str, sep: str = ",") -> bytes:
    return ("\r\n".join(sep.join(r) for r in rows) + "\r\n").encode(codec)


def test_the_big5_bytes_of_the_issue_are_read_as_big5():
    data = _csv(TRADITIONAL, "big5")
    assert data.decode("gb18030").count("\ue5fa") == 1  # what the old GB18030 fallback produced
    text, label = decode_text(data)
    assert label == "Big5" and "張三豐" in text and "\ue5fa" not in text


@pytest.mark.parametrize("rows, codec, label", [
    (SIMPLIFIED, "gbk", "GBK/GB18030"),
    (SIMPLIFIED, "gb18030", "GBK/GB18030"),
    (TRADITIONAL, "big5", "Big5"),
    (TRADITIONAL, "cp950", "Big5"),
    (SIMPLIFIED, "utf-16", "UTF-16"),       # with BOM, as Excel's "Unicode text"
    (SIMPLIFIED, "utf-16-le", "UTF-16"),    # without BOM
    (TRADITIONAL, "utf-16-be", "UTF-16"),
    (SIMPLIFIED, "utf-8-sig", "UTF-8 BOM"),
    (TRADITIONAL, "utf-8", "UTF-8"),
])
def test_rosters_in_every_supported_encoding_keep_their_names(rows, codec, label):
    table = read_table(_csv(rows, codec), "roster.csv", KNOWN)
    assert table.encoding == label
    assert table.frame["姓名"].tolist() == [r[1] for r in rows[1:]]
    assert table.frame.iloc[:, 0].tolist() == [r[0] for r in rows[1:]]


def test_a_single_short_big5_or_gbk_name_is_still_told_apart():
    assert decode_text("張三豐\r\n".encode("big5")) == ("張三豐\r\n", "Big5")
    assert decode_text("张三\r\n".encode("gbk")) == ("张三\r\n", "GBK/GB18030")
    # GB18030-only rare characters (not in GBK) in names survive
    roster = "学号,姓名\r\n1,王㐀\r\n2,李喆\r\n"
    assert decode_text(roster.encode("gb18030")) == (roster, "GBK/GB18030")


@pytest.mark.parametrize("text, codec, named", [
    ("学籍番号,氏名\r\n1,山田太郎\r\n2,佐藤花子\r\n", "shift_jis", "Shift_JIS"),
    ("학번,이름\r\n1,김철수\r\n2,이영희\r\n", "euc_kr", "EUC-KR"),
])
def test_other_scripts_are_refused_naming_the_encoding(text, codec, named):
    with pytest.raises(FileRefused) as exc:
        decode_text(text.encode(codec))
    assert named in str(exc.value) and "CSV UTF-8" in str(exc.value)


def test_bytes_no_supported_encoding_can_hold_are_refused():
    with pytest.raises(FileRefused, match="neither UTF-8 nor UTF-16, GBK/GB18030 or Big5"):
        decode_text("学号,姓名\n".encode() + b"\x81\xff\x81\xff\xfe\xfe\xff\n")


def test_damaged_utf16_is_refused():
    with pytest.raises(FileRefused, match="damaged UTF-16"):
        decode_text(b"\xff\xfe" + "学号".encode("utf-16-le") + b"\x00\xd8")  # a lone surrogate


def test_a_big5_roster_uploaded_through_the_page_stores_the_real_names(login_as, program, cohort):
    from eduinnov.auth.models import Role

    b = login_as(make_user(Role.TEACHER, [program], locale="en"))
    url = f"/imports/{program.id}/students"
    preview = b.post(f"{url}/preview", {"file": (io.BytesIO(_csv(TRADITIONAL, "big5")), "名單.csv")},
                     token_from=url, content_type="multipart/form-data")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Big5" in html and "張三豐" in html
    token = html.split('name="token"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    done = b.post(f"{url}/confirm", {"token": token}, token_from=url)
    assert done.status_code == 302
    names = {s.student_no: s.name for s in db.session.scalars(select(Student))}
    assert names == {"2022051001": "張三豐", "2022051002": "陳美玲", "2022051003": "黃志強"}


def test_a_shift_jis_roster_is_refused_on_the_page_and_nothing_is_written(login_as, program, cohort):
    from eduinnov.auth.models import Role

    b = login_as(make_user(Role.TEACHER, [program], locale="en"))
    before = table_counts()
    url = f"/imports/{program.id}/students"
    data = "学籍番号,氏名,入学年\r\n2022051001,山田太郎,2023\r\n".encode("shift_jis")
    response = b.post(f"{url}/preview", {"file": (io.BytesIO(data), "roster.csv")}, token_from=url,
                      content_type="multipart/form-data")
    assert response.status_code == 422 and "Shift_JIS" in response.get_data(as_text=True)
    assert table_counts() == before


# --- the OBE score sheets read through the same decoder -----------------------------------------------


@pytest.mark.parametrize("codec, label", [("big5", "Big5"), ("utf-16", "UTF-16"), ("gbk", None)])
def test_score_sheets_use_the_one_decoder(app, codec, label):
    rows = [["學號", "姓名", "實驗1"], ["2021051001", "張三豐", "9"], ["2021051002", "陳美玲", "缺考"]]
    if codec == "gbk":  # GBK has 张 but not 張: the simplified sheet
        rows = [["学号", "姓名", "实验1"], ["2021051001", "张三丰", "9"], ["2021051002", "陈美玲", "缺考"]]
        label = "GBK/GB18030"
    sep = "\t" if codec == "utf-16" else ","
    students = {"2021051001": rows[1][1], "2021051002": rows[2][1]}
    with app.test_request_context():
        parsed = sheets.parse_score_sheet(_csv(rows, codec, sep), "scores.csv", {rows[0][2]: 10}, students)
    assert parsed.errors == [] and parsed.encoding == label
    assert [(r.student_no, r.name, r.values) for r in parsed.rows] == [
        ("2021051001", rows[1][1], {rows[0][2]: 9.0}), ("2021051002", rows[2][1], {rows[0][2]: None})]


def test_a_score_sheet_in_another_script_is_refused_naming_it(app):
    data = "学籍番号,氏名,実験1\r\n2021051001,山田太郎,9\r\n".encode("shift_jis")
    with app.test_request_context():
        parsed = sheets.parse_score_sheet(data, "scores.csv", {"実験1": 10}, {"2021051001": "山田太郎"})
    assert not parsed.ok and parsed.rows == []
    # Too short for charset-normalizer to tell Shift_JIS from EUC-KR: refused all the same, naming one
    assert "looks like" in str(parsed.errors[0]) and "cannot be imported" in str(parsed.errors[0])


def test_score_sheets_check_that_a_zip_is_a_workbook(app):
    buf = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("word/document.xml", "<document/>")
    with app.test_request_context(), pytest.raises(sheets.SheetFormatError, match="not an Excel workbook"):
        sheets.read_grid(buf.getvalue(), "scores.xlsx")
