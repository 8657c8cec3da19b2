"""Bibliographic files (BibTeX, RIS from WoS and CNKI, EndNote) and matching authors to students."""

from __future__ import annotations

import pytest

from eduinnov.achievements.models import Indexing
from eduinnov.imports import bibliography as bib
from tests.imports.conftest import DATA

STUDENTS = [
    bib.StudentRef(1, "2022051001", "张伟"),
    bib.StudentRef(2, "2022051002", "李娜"),
    bib.StudentRef(3, "2022051003", "王晓明"),
    bib.StudentRef(4, "2022051004", "欧阳娜娜"),
    bib.StudentRef(5, "2022051005", "曾小凡"),
]


@pytest.fixture
def index():
    return bib.StudentIndex(STUDENTS)


def _match(index, text):
    return index.match(bib.parse_author(text, 1))


@pytest.mark.parametrize("text, student_id, how", [
    ("张伟", 1, "name"), ("张 伟", 1, "name"), ("张伟*", 1, "name"), ("张伟1", 1, "name"),
    ("Zhang, Wei", 1, "pinyin"), ("Wei Zhang", 1, "pinyin"), ("ZHANG Wei", 1, "pinyin"), ("zhang wei", 1, "pinyin"),
    ("Wang, Xiaoming", 3, "pinyin"), ("Xiao-Ming Wang", 3, "pinyin"), ("Ouyang, Nana", 4, "pinyin"),
    ("Zeng, Xiaofan", 5, "pinyin"),        # 曾 read zeng as a surname (heteronym)
    ("Li Na", 2, "pinyin"), ("Na Li", 2, "pinyin"),
    ("张伟(2022051001)", 1, "number"), ("Wei Zhang (2022051001)", 1, "number"), ("（2022051003）", 3, "number"),
])
def test_authors_are_matched_by_name_pinyin_or_number(index, text, student_id, how):
    match = _match(index, text)
    assert match.student is not None and match.student.id == student_id
    assert match.how == how


@pytest.mark.parametrize("text, candidates", [
    ("Zhang, W.", {1}), ("Wang, X. M.", {3}), ("Li N", {2}),   # initials only suggest
    ("Smith, John", set()), ("陈建国", set()),
])
def test_initials_and_strangers_are_left_to_the_teacher(index, text, candidates):
    match = _match(index, text)
    assert match.student is None
    assert {c.id for c in match.candidates} == candidates


def test_two_students_with_the_same_name_are_not_guessed():
    index = bib.StudentIndex([*STUDENTS, bib.StudentRef(9, "2023051009", "张伟")])
    for text in ("张伟", "Zhang, Wei"):
        match = _match(index, text)
        assert match.student is None
        assert {c.id for c in match.candidates} == {1, 9}
    assert _match(index, "张伟(2023051009)").student.id == 9


def test_split_authors():
    assert bib.split_authors("Zhang, Wei and Li, Na and others") == ["Zhang, Wei", "Li, Na"]
    assert bib.split_authors("张伟;李娜;") == ["张伟", "李娜"]
    assert bib.split_authors("张伟、李娜、王晓明等") == ["张伟", "李娜", "王晓明等"]
    assert bib.split_authors("张伟,李娜") == ["张伟", "李娜"]


def test_detect_format():
    assert bib.detect_format((DATA / "zotero.bib").read_text()) == "bibtex"
    assert bib.detect_format((DATA / "wos.ris").read_text()) == "ris"
    assert bib.detect_format((DATA / "cnki_endnote.txt").read_text()) == "endnote"
    assert bib.detect_format("题目,作者,期刊\n") is None


def test_bibtex_from_zotero_with_chinese_and_english_authors():
    refs = bib.read_bibtex((DATA / "zotero.bib").read_text())
    assert len(refs) == 4
    first, chinese, proceedings, no_venue = refs
    assert first.doi == "10.1016/j.compag.2024.108712" and first.indexing == Indexing.SCI and first.year == 2024
    assert [a.family for a in first.authors] == ["zhang", "wang", "liu"]
    assert chinese.title == "基于改进YOLOv5的课堂行为识别方法"
    assert [a.chinese for a in chinese.authors] == ["张伟", "李娜", "陈建国"]
    assert chinese.doi == "10.3778/j.issn.1002-8331.2209-0123" and chinese.indexing == Indexing.PKU_CORE
    assert proceedings.title == "Design-based learning in Münster and Shenzhen"
    assert proceedings.venue.startswith("Proceedings of the 2023 ASEE") and proceedings.indexing == Indexing.EI
    assert proceedings.authors[0].text == "Müller, Hans"
    assert no_venue.problems == ["It names no journal or conference."]


def test_malformed_bibtex_entry_becomes_a_problem_not_a_crash():
    text = "@article{ok, title={A}, journal={J}, year={2020}, author={Zhang, Wei}}\n@article{broken, title={B\n"
    refs = bib.read_bibtex(text)
    assert len(refs) == 2
    assert not refs[0].problems
    assert "malformed" in refs[1].problems[0]


def test_ris_from_web_of_science():
    refs = bib.read_ris((DATA / "wos.ris").read_text())
    assert [r.row for r in refs] == [1, 19, 33]
    assert refs[0].venue == "COMPUTERS AND ELECTRONICS IN AGRICULTURE" and refs[0].indexing == Indexing.SCI
    assert refs[1].doi == "10.1109/fie58773.2023.10343001" and refs[1].indexing == Indexing.EI
    assert [a.text for a in refs[1].authors] == ["Li, Na", "Zhang, Wei", "Smith, John A."]
    assert refs[2].indexing is None


def test_ris_from_cnki_with_authors_on_one_line_and_single_space_tags():
    text = (DATA / "cnki.ris").read_text().replace("TY  - JOUR", "TY - JOUR", 1)
    refs = bib.read_ris(text)
    assert len(refs) == 2
    assert [a.chinese for a in refs[0].authors] == ["张伟", "李娜", "陈建国"]
    assert refs[0].venue == "计算机工程与应用" and refs[0].indexing == Indexing.PKU_CORE
    assert [a.chinese for a in refs[1].authors] == ["王晓明", "欧阳娜娜"]


def test_endnote_from_cnki():
    refs = bib.read_endnote((DATA / "cnki_endnote.txt").read_text())
    assert [r.title for r in refs] == ["产教融合背景下软件工程实践教学改革探索", "高校创新创业教育评价指标体系构建"]
    assert refs[0].venue == "计算机教育" and refs[0].year == 2023 and refs[0].indexing is None
    assert refs[1].indexing == Indexing.PKU_CORE
