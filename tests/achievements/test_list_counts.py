"""The achievement list at university scale: counted only so far, a capped "waiting" badge, a search that
skips lower() when the text has no case, filter options read as columns (issue 13 §2)."""

from __future__ import annotations

import random
import re
import sys

import pytest
from sqlalchemy import func, or_, select

from eduinnov.achievements import queries
from eduinnov.achievements.models import (
    Achievement,
    AchievementKind,
    AchievementParticipant,
    VerificationStatus,
)
from eduinnov.achievements.views import pages
from eduinnov.auth.models import Role
from eduinnov.extensions import db
from eduinnov.programs.models import Cohort, Program, Student
from tests.clients import get_counting_statements
from tests.factories import make_achievement, make_cohort, make_program, make_student, make_user


def test_caseless_text_has_no_character_that_anything_lowercases_into():
    # lower(column) LIKE '%text%' and column LIKE '%text%' find the same rows when no character of the text
    # is the lower case of another one: checked over every code point (Python's full case mapping; glibc and
    # PostgreSQL use the simple one, a subset).
    caseless = {chr(x) for x in range(sys.maxunicode + 1) if queries.is_caseless(chr(x))}
    assert {"深", "智", "0", "9", " ", "-", ".", "/", "（", "。", "ア", "한"} <= caseless
    assert not caseless & {"a", "Z", "é", "Ω", "ǅ", "ⅰ", "ⓐ", "\u0307"}
    for x in range(sys.maxunicode + 1):
        lowered = chr(x).lower()
        if lowered != chr(x):
            assert not caseless & set(lowered), hex(x)
    assert queries.is_caseless("深度学习 2022-05") and not queries.is_caseless("深度Learning")


def _found_as_before(text: str) -> set[int]:
    """The search as it was written before: lower() on every title, DOI, student name and number."""
    pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"

    def like(col):
        return func.lower(col).like(pattern, escape="\\")

    by_student = (select(AchievementParticipant.achievement_id)
                  .join(Student, Student.id == AchievementParticipant.student_id)
                  .where(or_(like(Student.name), like(Student.student_no))))
    return set(db.session.scalars(select(Achievement.id).where(
        or_(like(Achievement.title), like(Achievement.doi), Achievement.id.in_(by_student)))))


def test_search_finds_the_same_rows_as_lower_like_on_random_titles(admin):
    rng = random.Random(13)
    alphabet = "深度学习智慧校园 AaBbÉé-_%0123"
    program = make_program()
    cohort = make_cohort(program)
    students = [make_student(cohort, name="".join(rng.choices(alphabet, k=3)),
                             student_no=f"S{n:04d}{rng.choice('aB')}") for n in range(6)]
    for _ in range(60):
        make_achievement(program, rng.sample(students, rng.randint(0, 2)), AchievementKind.PUBLICATION, venue="V",
                         title="".join(rng.choices(alphabet, k=rng.randint(3, 12))),
                         doi=rng.choice([None, f"10.1/{''.join(rng.choices(alphabet, k=4))}"]))
    texts = ["深度", "学习 ", "a", "A", "É", "é-", "_", "%", "0", "12", "S000", "s000", "Ab", "智慧校园", "b_"]
    texts += ["".join(rng.choices(alphabet, k=rng.randint(1, 3))) for _ in range(40)]
    checked_both = {True: 0, False: 0}
    for text in texts:
        if not text.strip():
            continue
        found = {a.id for a in db.session.scalars(
            queries.list_achievements_stmt(admin, queries.AchievementFilters(q=text))).unique()}
        assert found == _found_as_before(text.strip()), text
        checked_both[queries.is_caseless(text.strip())] += 1
    assert checked_both[True] > 5 and checked_both[False] > 5


def test_pagination_counts_only_up_to_the_bound_and_keeps_next_pages(app):
    from eduinnov.core.pagination import paginate

    program = make_program()
    cohort = make_cohort(program)
    for n in range(30):
        make_student(cohort, student_no=f"2022{n:06d}")
    stmt = select(Student).order_by(Student.student_no)
    first = paginate(stmt, 1, per_page=5, count_at_most=10)
    assert (first.total, first.more, first.pages, first.has_next) == (10, True, 2, True)
    assert [s.student_no for s in first.items] == [f"2022{n:06d}" for n in range(5)]
    fourth = paginate(stmt, 4, per_page=5, count_at_most=10)  # past the bound: counted up to the asked page
    assert (fourth.page, fourth.total, fourth.more, fourth.has_next) == (4, 20, True, True)
    assert fourth.items[0].student_no == "2022000015"
    last = paginate(stmt, 6, per_page=5, count_at_most=10)  # the end reached: exact again
    assert (last.page, last.total, last.more, last.has_next) == (6, 30, False, False)
    beyond = paginate(stmt, 9, per_page=5, count_at_most=10)  # clamped to the last page, as without a bound
    assert (beyond.page, beyond.total, beyond.more) == (6, 30, False)
    absurd = paginate(stmt, "99999999999999999999", per_page=5, count_at_most=10)
    assert (absurd.page, absurd.total, absurd.more) == (6, 30, False)
    exact = paginate(stmt, 1, per_page=5)
    assert (exact.total, exact.more, exact.pages) == (30, False, 6)
    assert paginate(stmt, 1, per_page=5, count_at_most=30).more is False


@pytest.fixture
def small_pages(monkeypatch):
    """The list with 2 rows a page and counting stopped at 2 rows past the asked page."""
    real = pages.paginate

    def paginate(stmt, page, per_page=25, **kw):
        return real(stmt, page, per_page=2, **kw)

    monkeypatch.setattr(pages, "paginate", paginate)
    monkeypatch.setattr(pages, "LIST_COUNT_AT_MOST", 2)


def test_list_pages_past_the_count_bound(login_as, admin, small_pages):
    program = make_program()
    for n in range(5):
        make_achievement(program, title=f"成果{n}", year=2020 + n)
    b = login_as(admin)
    first = b.get("/achievements/").get_data(as_text=True)
    assert "More than 2 records" in first and "Page 1 of more than 1" in first
    assert re.findall(r'href="[^"]*[?&]page=(\d+)', first) == ["2"]
    assert re.findall(r">(成果\d)<", first) == ["成果4", "成果3"]
    third = b.get("/achievements/?page=3").get_data(as_text=True)  # the last page: counted to the end
    assert "5 records" in third and "Page 3 of 3" in third
    assert re.findall(r">(成果\d)<", third) == ["成果0"]
    filtered = b.get("/achievements/?q=%E6%88%90%E6%9E%9C4").get_data(as_text=True)
    assert "1 record<" in filtered and "More than" not in filtered


def test_waiting_badge_counts_up_to_its_cap(login_as, admin, director, program, monkeypatch):
    for n in range(3):
        make_achievement(program, title=f"待认定{n}", verification_status=VerificationStatus.SUBMITTED)
    make_achievement(program, title="学生申报", verification_status=VerificationStatus.SUBMITTED,
                     declared_by_student=True)  # waits for a teacher, not a director
    assert queries.count_pending_verification(admin) == 3
    assert queries.count_pending_verification(admin, at_most=2) == 2
    assert queries.count_pending_verification(director, at_most=10) == 3

    def badge(user):
        html = login_as(user).get("/achievements/").get_data(as_text=True)
        return re.search(r'badge text-bg-warning">([^<]*)<', html).group(1)

    assert badge(director) == "3"
    monkeypatch.setattr(pages, "BADGE_AT_MOST", 2)
    assert badge(director) == "2+"
    monkeypatch.setattr(pages, "BADGE_AT_MOST", 3)
    assert badge(admin) == "3"


def test_filter_options_are_the_programs_and_cohorts_names(admin, director, program, other_program):
    from flask_babel import force_locale

    make_cohort(program, 2023)
    make_cohort(program, 2024, label="卓越班")
    make_cohort(other_program, 2022)
    make_program("ZZ")  # no cohort yet: still a program to filter by
    for user in (admin, director):
        programs = list(db.session.scalars(queries.restrict_to_programs(user, select(Program), Program.id)
                                           .order_by(Program.code)))
        cohorts = queries.list_visible_cohorts(user)
        for lang in ("zh", "en"):
            with force_locale(lang):
                assert queries.list_filter_choices(user) == (
                    [(p.id, f"{p.code} {p.display_name}") for p in programs],
                    [(c.id, c.display_name) for c in cohorts])
    assert [label for _id, label in queries.list_filter_choices(director)[1]] == ["卓越班", "SE 2023"]
    assert queries.has_programs_for_logging(admin) and queries.has_programs_for_logging(director)
    assert queries.has_programs_for_logging(admin, queries.list_filter_choices(admin)[0])
    assert not queries.has_programs_for_logging(admin, [])
    db.session.execute(Cohort.__table__.delete())
    programs, cohorts = queries.list_filter_choices(admin)
    assert [label.split()[0] for _id, label in programs] == ["NUR", "SE", "ZZ"] and cohorts == []


def test_list_page_takes_a_fixed_small_number_of_statements(login_as, admin):
    def grow(k: int) -> None:
        program = make_program(f"G{k:02d}")
        cohort = make_cohort(program)
        supervisor = make_user(Role.TEACHER, [program])
        for n in range(3):
            make_achievement(program, [make_student(cohort), make_student(cohort)], supervisor_id=supervisor.id,
                             verification_status=VerificationStatus.SUBMITTED, title=f"成果{k}-{n}")

    grow(0)
    b = login_as(admin)
    _html, few = get_counting_statements(b, "/achievements/")
    for k in range(1, 8):
        grow(k)
    html, many = get_counting_statements(b, "/achievements/")
    assert "成果7-2" in html and "成果0-0" in html
    # the user, the filter's programs with their cohorts, the count, the rows (with supervisor and program), their
    # students, the waiting badge, the unread notices
    assert many == few <= 7
