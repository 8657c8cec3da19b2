"""Duplicates caught where they are typed: the form (new and edit), the evidence upload, the item page."""

from __future__ import annotations

import io
import unicodedata
from datetime import date

import pytest
from rapidfuzz import fuzz
from sqlalchemy import func, select

from eduinnov.achievements import duplicates
from eduinnov.achievements.models import Achievement, AchievementKind, EvidenceFile, PatentType
from eduinnov.extensions import db
from tests.factories import make_achievement, make_pdf, make_png


def count() -> int:
    return db.session.scalar(select(func.count(Achievement.id)))


def _paper(student, **kw):
    data = {"title": "Deep learning for crop disease recognition", "year": "2024", "venue": "计算机工程与应用",
            "indexing": "PKU_CORE", "doi": "", "participants-0-student_no": student.student_no,
            "participants-0-role": "author", "participants-0-rank": "1"}
    data.update(kw)
    return data


def _patent(student, **kw):
    data = {"title": "一种智能导盲杖", "year": "2017", "patent_type": "invention", "patent_status": "applied",
            "application_number": "201710601862.3", "application_date": "2017-07-20",
            "participants-0-student_no": student.student_no, "participants-0-role": "inventor",
            "participants-0-rank": "1"}
    data.update(kw)
    return data


# --- normal forms (unit) ---

def test_keys_fold_prefixes_case_punctuation_and_width(app):
    assert duplicates.doi_key("https://doi.org/10.1234/ABC.5") == duplicates.doi_key("doi: 10.1234/abc.5") \
        == "10.1234/abc.5"
    assert duplicates.title_key("基于深度学习的 GPU 调度。") == duplicates.title_key("基于深度学习的ＧＰＵ调度") \
        == "基于深度学习的gpu调度"
    assert duplicates.project_number_key("S 2024-10001") == duplicates.project_number_key("s202410001")


def test_title_threshold_separates_a_suffix_from_a_different_study(app):
    # Worked by hand: ratio = 2·matches / (len a + len b) · 100.
    near = fuzz.ratio(duplicates.title_key("基于深度学习的GPU调度"), duplicates.title_key("基于深度学习的GPU调度方法"))
    assert near == pytest.approx(2 * 12 / (12 + 14) * 100)  # 92.3 ≥ 90: a near-identical title
    far = fuzz.ratio(duplicates.title_key("A study of OBE"), duplicates.title_key("A study of OBE in China"))
    assert far == pytest.approx(2 * 11 / (11 + 18) * 100)  # 75.9 < 90: another study
    assert near >= duplicates.TITLE_THRESHOLD > far


def test_index_finds_each_kind_of_duplicate_within_the_program_only(app, program, other_program, student):
    paper = make_achievement(program, [student], AchievementKind.PUBLICATION, title="Graph neural networks for X",
                             venue="V", doi="10.1234/gnn.1")
    patent = make_achievement(program, [student], AchievementKind.PATENT, title="一种装置",
                              application_number="201710601862.3", patent_type=PatentType.INVENTION)
    project = make_achievement(program, [student], AchievementKind.PROJECT, title="导盲杖项目",
                               project_number="S202410001")
    make_achievement(other_program, [], AchievementKind.PUBLICATION, title="Elsewhere", venue="V", doi="10.9/x")
    find = duplicates.find_duplicates
    assert [(d.achievement_id, d.code) for d in find(program.id, AchievementKind.PUBLICATION, {
        "title": "Other", "doi": "https://doi.org/10.1234/GNN.1"})] == [(paper.id, "doi")]
    assert [(d.achievement_id, d.code) for d in find(program.id, AchievementKind.PATENT, {
        "title": "其他", "grant_number": "ZL 201710601862.3"})] == [(patent.id, "patent")]
    assert [(d.achievement_id, d.code) for d in find(program.id, AchievementKind.PROJECT, {
        "title": "其他", "project_number": "s-2024-10001"})] == [(project.id, "project_number")]
    assert [(d.achievement_id, d.code) for d in find(program.id, AchievementKind.PUBLICATION, {
        "title": "Graph Neural Networks for X."})] == [(paper.id, "title")]
    assert find(program.id, AchievementKind.PUBLICATION, {"title": "Elsewhere", "doi": "10.9/x"}) == []
    assert find(program.id, AchievementKind.PUBLICATION, {"title": "Graph neural networks for X"},
                exclude_id=paper.id) == []


# --- on entry: the form ---

@pytest.mark.parametrize("existing, typed, reason", [
    ({"doi": "10.3778/j.issn.1002-8331.2301-0001", "title": "Something else entirely"},
     {"doi": "https://doi.org/10.3778/J.ISSN.1002-8331.2301-0001"}, "same DOI"),
    ({"doi": None, "title": "Deep learning for crop disease recognition!"}, {}, "near-identical title"),
    ({"doi": None, "title": "基于深度学习的作物病害识别方法研究"},
     {"title": "基于深度学习的作物病害识别方法研究。"}, "near-identical title"),
])
def test_form_warns_names_the_existing_item_and_needs_confirmation(login_as, teacher, program, student, existing,
                                                                  typed, reason):
    old = make_achievement(program, [student], AchievementKind.PUBLICATION, venue="期刊", **existing)
    b = login_as(teacher)
    url = f"/achievements/new/publication?program={program.id}"
    data = _paper(student, **typed)
    response = b.post(url, data, token_from=url)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and count() == 1
    assert reason in html and f'href="/achievements/{old.id}"' in html and "This is a different achievement" in html
    assert 'value="计算机工程与应用"' in html  # the typed input is kept
    assert b.post(url, {**data, "confirm_distinct": "y"}, token_from=url).status_code == 302
    assert count() == 2


def test_patent_number_written_differently_is_caught_in_the_form(login_as, teacher, program, student):
    old = make_achievement(program, [student], AchievementKind.PATENT, title="另一个名字",
                           application_number="CN201710601862.3", patent_type=PatentType.INVENTION)
    b = login_as(teacher)
    url = f"/achievements/new/patent?program={program.id}"
    html = b.post(url, _patent(student, application_number="ZL 2017 1 0601862.3"), token_from=url).get_data(
        as_text=True)
    assert "same patent number 2017106018623" in html and f"/achievements/{old.id}" in html and count() == 1


def test_project_number_is_caught_in_the_form(login_as, teacher, program, student):
    make_achievement(program, [student], AchievementKind.PROJECT, title="别的项目", project_number="S202410001")
    b = login_as(teacher)
    url = f"/achievements/new/project?program={program.id}"
    data = {"title": "完全不同的项目", "year": "2024", "level": "university", "project_type": "innovation_training",
            "project_status": "approved", "project_number": "s2024-10001",
            "participants-0-student_no": student.student_no, "participants-0-role": "leader",
            "participants-0-rank": "1"}
    assert "same project number" in b.post(url, data, token_from=url).get_data(as_text=True) and count() == 1


def test_editing_an_item_does_not_find_itself(login_as, director, program, student):
    a = make_achievement(program, [student], AchievementKind.PUBLICATION, title="Unique title here", venue="V",
                         doi="10.1234/own.1")
    b = login_as(director)
    url = f"/achievements/{a.id}/edit"
    data = _paper(student, title="Unique title here", doi="10.1234/own.1", venue="V2")
    assert b.post(url, data, token_from=url).status_code == 302
    assert db.session.get(Achievement, a.id).venue == "V2"


# --- on entry: the same evidence file ---

def _upload(b, achievement, content, name, **extra):
    url = f"/achievements/{achievement.id}"
    return b.post(f"{url}/evidence", data={"file": (io.BytesIO(content), name), **extra}, token_from=url,
                  content_type="multipart/form-data")


def test_the_same_evidence_file_on_another_item_needs_confirmation(app, login_as, teacher, program, student):
    first = make_achievement(program, [student], AchievementKind.PROJECT, title="项目一", created_by_id=teacher.id)
    second = make_achievement(program, [student], AchievementKind.PROJECT, title="完全不同的二号",
                              created_by_id=teacher.id)
    b = login_as(teacher)
    pdf = make_pdf()
    assert _upload(b, first, pdf, "证书.pdf").status_code == 302
    html = _upload(b, second, pdf, "copy.pdf").get_data(as_text=True)
    assert "The same file is already evidence of" in html and f"#{first.id}" in html
    assert f'href="/achievements/{first.id}"' in html  # the item page lists it under possible duplicates
    assert db.session.scalar(select(func.count(EvidenceFile.id))) == 1
    assert _upload(b, second, make_png(), "other.png").status_code == 302  # another file is fine
    assert _upload(b, second, pdf, "copy.pdf", confirm_distinct="y").status_code == 302
    rows = db.session.scalars(select(EvidenceFile).order_by(EvidenceFile.id)).all()
    assert [r.achievement_id for r in rows] == [first.id, second.id, second.id]
    assert rows[0].sha256 == rows[2].sha256


# --- in the queue / on the item page ---

def test_item_page_and_queue_function_list_look_alikes(login_as, director, program, student):
    a = make_achievement(program, [student], AchievementKind.PUBLICATION, title="Paper A", venue="V", doi="10.1/a")
    b_ = make_achievement(program, [student], AchievementKind.PUBLICATION, title="Totally other", venue="V",
                          doi="10.1/A")
    c = make_achievement(program, [student], AchievementKind.PUBLICATION, title="Unrelated work", venue="V")
    found = duplicates.duplicates_by_achievement([a, b_, c])
    assert [d.achievement_id for d in found[a.id]] == [b_.id]
    assert [d.achievement_id for d in found[b_.id]] == [a.id] and found[c.id] == []
    html = login_as(director).get(f"/achievements/{a.id}").get_data(as_text=True)
    assert "Possible duplicates" in html and f"#{b_.id}" in html and "Merge into this item" in html


def test_import_and_form_give_the_same_patent_message(login_as, teacher, program, student):
    from eduinnov.imports.validators import CellError, parse_patent_application

    with pytest.raises(CellError) as exc:
        parse_patent_application("201710601862.4")
    b = login_as(teacher)
    url = f"/achievements/new/patent?program={program.id}"
    html = b.post(url, _patent(student, application_number="201710601862.4"), token_from=url).get_data(as_text=True)
    assert str(exc.value) in html.replace("&#34;", '"')
    assert "the check digit should be 3" in html and count() == 0


@pytest.mark.parametrize("number, message", [
    ("CN12345", "is not a Chinese patent application number"),
    ("201720601862.9", "The application number says"),  # a utility-model number typed as an invention
])
def test_patent_form_refuses_bad_numbers(login_as, teacher, program, student, number, message):
    from eduinnov.achievements.patents import patent_check_digit

    assert patent_check_digit("201720601862") == "9"
    b = login_as(teacher)
    url = f"/achievements/new/patent?program={program.id}"
    response = b.post(url, _patent(student, application_number=number), token_from=url)
    assert message in response.get_data(as_text=True).replace("&#34;", '"') and count() == 0


def test_grant_number_must_be_this_application_or_a_publication_number(app, teacher, program, student):
    from eduinnov.achievements import services
    from eduinnov.achievements.models import ParticipantRole

    people = [services.ParticipantInput(student_id=student.id, role=ParticipantRole.INVENTOR, rank=1)]
    base = {"title": "一种装置", "year": 2017, "patent_type": "invention", "patent_status": "granted",
            "application_number": "201710601862.3", "application_date": date(2017, 7, 20),
            "grant_date": date(2019, 3, 1)}
    with pytest.raises(services.FieldError, match="is not the grant number of application"):
        services.record_achievement(teacher, program, AchievementKind.PATENT,
                                    {**base, "grant_number": "ZL201710601863.8"}, people)
    with pytest.raises(services.FieldError, match="The grant number says"):
        services.record_achievement(teacher, program, AchievementKind.PATENT,
                                    {**base, "grant_number": "CN107123456U"}, people)
    a = services.record_achievement(teacher, program, AchievementKind.PATENT,
                                    {**base, "grant_number": "cn 107123456 b"}, people)
    assert a.grant_number == "CN107123456B" and a.application_number == "201710601862.3"


def test_titles_that_differ_only_in_their_numbers_are_a_series_not_copies(app, program, student):
    first = make_achievement(program, [student], AchievementKind.PROJECT, title="智慧校园平台建设研究（1）")
    make_achievement(program, [student], AchievementKind.PROJECT, title="Smart campus platform V1.0")
    find = duplicates.find_duplicates
    assert find(program.id, AchievementKind.PROJECT, {"title": "智慧校园平台建设研究（2）"}) == []
    assert find(program.id, AchievementKind.PROJECT, {"title": "Smart campus platform V2.0"}) == []
    assert [d.achievement_id for d in find(program.id, AchievementKind.PROJECT,
                                           {"title": "智慧校园平台建设的研究（1）"})] == [first.id]


def test_title_key_keeps_exactly_what_isalnum_keeps(app):
    # The key is built with one regular expression ([\W_]+ removed); it must equal the character-by-character
    # definition (letters and digits of every script, nothing else) on awkward input.
    samples = ["Deep_learning—V2.0（改进）", "Ｘ线 衍射：α-β 相变 ①②", "e\u0301tude n\u00b0 3 \u00bd", "٣ أرقام ٤", "ⅫⅣ ²³ ¼",
               "tab\tnew\nline_under__score", "", "  ", "中文标点，、。！？《》【】"]
    for text in samples:
        folded = unicodedata.normalize("NFKC", text).strip().casefold()
        assert duplicates.title_key(text) == "".join(ch for ch in folded if ch.isalnum()), text
    assert duplicates.title_key("Deep_learning—V2.0（改进）") == "deeplearningv20改进"


def test_index_of_a_program_loads_its_rows(app, program, other_program, student):
    paper = make_achievement(program, [student], AchievementKind.PUBLICATION, title="Graph networks, part 2",
                             venue="V", doi="10.1234/G.2")
    make_achievement(other_program, [], AchievementKind.PUBLICATION, title="Graph networks, part 2", venue="V",
                     doi="10.1234/g.2")
    index = duplicates.DuplicateIndex.load(program.id)
    assert list(index.entries) == [paper.id]
    assert index.by_key == {("doi", "10.1234/g.2"): [paper.id]}
    assert index.same_title(AchievementKind.PUBLICATION, "graph networks part 2", paper.year) == paper.id
