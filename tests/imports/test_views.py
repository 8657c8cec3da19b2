"""Import pages: access, upload → preview → confirm, errors shown, unmatched authors, tokens, CSRF."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from eduinnov.achievements.models import Achievement
from eduinnov.auth.models import Role
from eduinnov.extensions import db
from eduinnov.programs.models import Student
from tests.factories import csv_bytes, make_user, table_counts
from tests.imports.conftest import DATA, zip_bomb_xlsx

ROSTER = csv_bytes([["学号", "姓名", "入学年份"], ["2022051101", "孙八", "2022"], ["2022051102", "周九", "2022"]], "gbk")
TOKEN_RE = re.compile(r'name="token"[^>]*value="([^"]+)"')


@pytest.fixture
def en_teacher(program):
    return make_user(Role.TEACHER, [program], locale="en")


@pytest.fixture
def en_director(program):
    return make_user(Role.DIRECTOR, [program], locale="en")


def _upload(b, program, kind, data, name):
    url = f"/imports/{program.id}/{kind}"
    return b.post(f"{url}/preview", {"file": (io.BytesIO(data), name)}, token_from=url,
                  content_type="multipart/form-data")


def _token(response) -> str:
    match = TOKEN_RE.search(response.get_data(as_text=True))
    assert match, "no confirm form on the page"
    return match.group(1)


def test_index_lists_the_programs_and_kinds(login_as, en_teacher, program, other_program):
    html = login_as(en_teacher).get("/imports/").get_data(as_text=True)
    assert "Software Engineering" in html or "软件工程" in html
    assert f"/imports/{program.id}/students" in html
    assert f"/imports/{other_program.id}/" not in html
    assert f"/imports/{program.id}/partners" not in html  # directors only
    assert "/imports/templates/students.xlsx" in html


def test_upload_preview_confirm_roster(login_as, en_teacher, program, cohort):
    b = login_as(en_teacher)
    page = b.get(f"/imports/{program.id}/students")
    assert page.status_code == 200 and "学号" in page.get_data(as_text=True)
    before = table_counts()
    response = _upload(b, program, "students", ROSTER, "名单.csv")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 to create, 0 to update, 0 to skip" in html and "GBK/GB18030" in html and "孙八 (2022051101)" in html
    assert table_counts() == before  # the preview writes nothing
    token = _token(response)
    done = b.post(f"/imports/{program.id}/students/confirm", {"token": token}, token_from=f"/imports/{program.id}/students")
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/programs/{program.id}")
    assert {s.student_no for s in db.session.scalars(select(Student))} == {"2022051101", "2022051102"}
    # The token is spent: confirming twice does not import twice.
    again = b.post(f"/imports/{program.id}/students/confirm", {"token": token}, token_from=f"/imports/{program.id}/students")
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/imports/{program.id}/students")
    assert db.session.query(Student).count() == 2


def test_preview_with_errors_shows_them_and_offers_no_confirm(login_as, en_teacher, program, cohort):
    b = login_as(en_teacher)
    bad = csv_bytes([["学号", "姓名", "入学年份"], ["2022051101", "", "2022"], ["2022051102", "周九", "二〇二二"]])
    response = _upload(b, program, "students", bad, "bad.csv")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Row 2, column 姓名: This cell is empty." in html
    assert "Row 3, column 入学年份: “二〇二二” is not a year such as 2023." in html
    assert "nothing was saved" in html and 'name="token"' not in html


@pytest.mark.parametrize("data, name, message", [
    ("学号,姓名\n".encode() + b"2022,\x81\xff\x81\xff\n", "x.csv", "neither UTF-8 nor UTF-16, GBK/GB18030 or Big5"),
    (zip_bomb_xlsx(210), "bomb.xlsx", "refused without opening it"),
    (b"\xd0\xcf\x11\xe0" + b"\x00" * 64, "old.xls", ".xls files are not supported"),
])
def test_hostile_files_are_refused_with_a_message(login_as, en_teacher, program, data, name, message):
    before = table_counts()
    response = _upload(login_as(en_teacher), program, "students", data, name)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert table_counts() == before


def test_oversize_upload_is_refused(app, login_as, en_teacher, program):
    app.config["IMPORT_MAX_BYTES"] = 100
    try:
        response = _upload(login_as(en_teacher), program, "students", ROSTER * 10, "big.csv")
    finally:
        app.config.pop("IMPORT_MAX_BYTES")
    assert response.status_code == 422 and "the limit is" in response.get_data(as_text=True)


def test_unmatched_authors_are_chosen_on_the_confirm_step(login_as, en_teacher, program, roster):
    b = login_as(en_teacher)
    response = _upload(b, program, "publications", (DATA / "zotero.bib").read_bytes(), "zotero.bib")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "4 author(s) matched no student" in html and "Liu, Jianguo" in html and "陈建国" in html
    fields = re.findall(r'<select class="form-select form-select-sm" name="(author-[0-9-]+)"', html)
    assert len(fields) == 4
    li_field = re.search(r'Li, N\..*?name="(author-[0-9-]+)"', html, re.S).group(1)
    data = {"token": _token(response), li_field: str(roster["li"].id)}
    done = b.post(f"/imports/{program.id}/publications/confirm", data, token_from=f"/imports/{program.id}/publications")
    assert done.status_code == 302
    paper = db.session.scalar(select(Achievement).where(Achievement.title.like("Design-based%")))
    assert [p.student.name for p in paper.participants] == ["欧阳娜娜", "李娜"]


def test_a_posted_student_of_another_program_is_refused(login_as, en_teacher, program, roster, other_student):
    b = login_as(en_teacher)
    response = _upload(b, program, "publications", (DATA / "zotero.bib").read_bytes(), "zotero.bib")
    field = re.findall(r'name="(author-[0-9-]+)"', response.get_data(as_text=True))[0]
    before = table_counts()
    done = b.post(f"/imports/{program.id}/publications/confirm", {"token": _token(response), field: other_student.id},
                  token_from=f"/imports/{program.id}/publications")
    assert done.status_code == 422 and "is not in this program" in done.get_data(as_text=True)
    assert table_counts() == before
    # The teacher may choose again on the same page: the new token works.
    retry = b.post(f"/imports/{program.id}/publications/confirm", {"token": _token(done), field: ""},
                   token_from=f"/imports/{program.id}/publications")
    assert retry.status_code == 302
    assert db.session.query(Achievement).count() == 3


def test_a_token_is_bound_to_its_user(login_as, en_teacher, program, cohort):
    response = _upload(login_as(en_teacher), program, "students", ROSTER, "r.csv")
    token = _token(response)
    other = login_as(make_user(Role.TEACHER, [program], locale="en"))
    done = other.post(f"/imports/{program.id}/students/confirm", {"token": token}, token_from="/imports/")
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/imports/{program.id}/students")
    assert db.session.query(Student).count() == 0


def test_interrupted_confirm_leaves_the_database_as_it_was(login_as, en_teacher, program, roster, monkeypatch):
    from eduinnov.imports import services

    b = login_as(en_teacher)
    response = _upload(b, program, "publications", (DATA / "cnki.ris").read_bytes(), "cnki.ris")
    before = table_counts()
    real = services._apply_achievements

    def crash(preview, program, user):
        real(preview, program, user)
        raise RuntimeError("worker killed")

    monkeypatch.setitem(services.APPLIERS, services.ImportKind.PUBLICATIONS, crash)
    with pytest.raises(RuntimeError):
        b.post(f"/imports/{program.id}/publications/confirm", {"token": _token(response)},
               token_from=f"/imports/{program.id}/publications")
    assert table_counts() == before


@pytest.mark.parametrize("url, method", [
    ("/imports/{pid}/students", "get"), ("/imports/{pid}/achievements", "get"),
    ("/imports/{pid}/students/preview", "post"), ("/imports/{pid}/students/confirm", "post"),
])
def test_other_programs_get_404(login_as, other_teacher, program, url, method):
    b = login_as(other_teacher)
    url = url.format(pid=program.id)
    response = b.get(url) if method == "get" else b.post(url, {"token": "x" * 32}, token_from="/imports/")
    assert response.status_code == 404


def test_students_cannot_import(login_as, student_user, program):
    b = login_as(student_user)
    assert b.get("/imports/").status_code == 403
    assert b.get(f"/imports/{program.id}/students").status_code == 404


def test_partners_are_for_directors(login_as, en_teacher, en_director, program):
    assert login_as(en_teacher).get(f"/imports/{program.id}/partners").status_code == 403
    assert login_as(en_director).get(f"/imports/{program.id}/partners").status_code == 200


def test_unknown_kind_is_404(login_as, en_teacher, program):
    assert login_as(en_teacher).get(f"/imports/{program.id}/grades").status_code == 404
    assert login_as(en_teacher).get("/imports/templates/grades.csv").status_code == 404


def test_preview_without_csrf_is_refused(login_as, en_teacher, program, cohort):
    b = login_as(en_teacher)
    response = b.client.post(f"/imports/{program.id}/students/preview",
                             data={"file": (io.BytesIO(ROSTER), "r.csv")}, content_type="multipart/form-data")
    assert response.status_code == 400


def test_confirm_without_csrf_is_refused(login_as, en_teacher, program, cohort):
    b = login_as(en_teacher)
    token = _token(_upload(b, program, "students", ROSTER, "r.csv"))
    response = b.client.post(f"/imports/{program.id}/students/confirm", data={"token": token})
    assert response.status_code == 400
    assert db.session.query(Student).count() == 0


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("lang, header", [("zh", "学号"), ("en", "student_no")])
def test_templates_download(login_as, en_teacher, fmt, lang, header):
    response = login_as(en_teacher).get(f"/imports/templates/students.{fmt}?lang={lang}")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    if fmt == "csv":
        assert response.data.startswith(b"\xef\xbb\xbf") and header in response.data.decode("utf-8-sig")
    else:
        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(response.data))
        assert wb.worksheets[0]["A1"].value == header and len(wb.worksheets) == 2


def test_menu_has_the_import_entry(login_as, en_teacher):
    html = login_as(en_teacher).get("/imports/").get_data(as_text=True)
    assert 'href="/imports/"' in html
