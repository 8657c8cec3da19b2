"""The achievement list's cohort filter: every cohort labelled with its program, in a fixed number of queries."""

from __future__ import annotations

import re

import pytest

from eduinnov.extensions import db
from tests.clients import get_counting_statements
from tests.factories import make_achievement, make_cohort, make_program, make_student


def _university(n: int) -> None:
    for k in range(n):
        program = make_program(f"P{k:02d}")
        for year in (2022, 2023):
            cohort = make_cohort(program, entry_year=year)
            make_achievement(program, [make_student(cohort)], title=f"项目 {k}-{year}")


def test_cohort_filter_labels_every_cohort_with_its_program_in_fixed_queries(login_as, admin):
    _university(2)
    b = login_as(admin)
    html, few = get_counting_statements(b, "/achievements/")
    options = re.findall(r'<option value="\d+">(P\d\d \d{4})</option>', html)
    assert options == ["P00 2023", "P00 2022", "P01 2023", "P01 2022"]  # by program code, newest first
    for k in range(2, 6):  # four more programs
        program = make_program(f"P{k:02d}")
        make_cohort(program, entry_year=2024)
    html, many = get_counting_statements(b, "/achievements/")
    assert "P05 2024" in html
    assert many == few  # the program of each cohort comes with it, not one query per program


@pytest.mark.parametrize("named_at_most", [1000, 1, 0], ids=["ids", "ids-or-subquery", "subquery"])
def test_search_matches_title_doi_and_any_named_students_name_or_number_once(app, program, other_program, cohort,
                                                                               teacher, admin, monkeypatch,
                                                                               named_at_most):
    from eduinnov.achievements import queries
    from eduinnov.achievements.models import AchievementKind

    # The named students' achievements as a list of ids, or beyond the limit as a sub-query: the same rows.
    monkeypatch.setattr(queries, "SEARCH_NAMED_AT_MOST", named_at_most)

    zhang = make_student(cohort, name="张伟", student_no="2022051001")
    li = make_student(cohort, name="李娜", student_no="2022051002")
    both = make_achievement(program, [zhang, li], title="智能导盲杖")
    paper = make_achievement(program, [li], AchievementKind.PUBLICATION, title="Graph networks", venue="V",
                             doi="10.1234/ZHANG.7")
    alone = make_achievement(program, [], title="张家界旅游")  # nobody named: found by its title only
    elsewhere = make_achievement(other_program, [make_student(make_cohort(other_program))], title="智能导盲杖二")

    def found(user, q):
        stmt = queries.list_achievements_stmt(user, queries.AchievementFilters(q=q))
        return [a.id for a in db.session.scalars(stmt).unique()]

    assert sorted(found(teacher, "张")) == sorted([both.id, alone.id])  # a student's name, a title
    assert found(teacher, "zhang") == [paper.id]  # the DOI, case folded
    assert sorted(found(teacher, "2022051002")) == sorted([paper.id, both.id])  # a student's number
    assert len(found(teacher, "李娜")) == 2  # an item naming the student once, however many match
    assert found(teacher, "导盲") == [both.id]  # the other program's item stays hidden from its teacher
    assert sorted(found(admin, "导盲")) == sorted([both.id, elsewhere.id])
    assert found(teacher, "nobody") == []
