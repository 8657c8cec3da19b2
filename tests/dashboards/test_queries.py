"""Dashboard figures equal the hand-counted factory data (see conftest): verified only, per cohort/program."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from eduinnov.achievements.models import AchievementKind, Indexing, Level
from eduinnov.extensions import db
from eduinnov.frameworks.models import PartnerKind
from eduinnov.reports import queries
from tests.factories import make_student

K = AchievementKind


def test_cohort_headline_counts_verified_achievements_of_present_students(data):
    h = queries.count_headlines([data.cohort.id])[data.cohort.id]
    assert h.students == 4  # s5 withdrew
    assert h.by_kind == {K.PROJECT: 2, K.PUBLICATION: 1, K.PATENT: 1, K.AWARD: 1}  # a7 claimed, a8 rejected, a9 s5
    assert h.verified_total == 5
    assert h.with_achievement == 3 and h.share_with_achievement == pytest.approx(0.75)  # s1, s2, s3
    assert h.projects_per_100 == pytest.approx(50.0)
    assert h.level_count(K.PROJECT, Level.NATIONAL) == 1 and h.level_count(K.PROJECT, Level.PROVINCIAL) == 1
    assert h.level_count(K.PROJECT, Level.UNIVERSITY) == 0 and h.level_count(K.AWARD, Level.NATIONAL) == 1
    assert h.papers_by_indexing == {Indexing.SCI: 1}
    assert (h.patents_applied, h.patents_granted) == (1, 1)


def test_iur_participation_counts_students_of_the_cohort_with_the_programs_partners(data):
    h = queries.count_headlines([data.cohort.id])[data.cohort.id]
    assert h.with_participation == 2  # s1, s2 (s5 withdrew, s3's partner belongs to NUR)
    assert h.share_with_participation == pytest.approx(0.5)
    assert h.participation_by_partner_kind == {PartnerKind.ENTERPRISE: 2, PartnerKind.RESEARCH_INSTITUTE: 1}


def test_claimed_achievements_count_only_when_asked(data):
    h = queries.count_headlines([data.cohort.id], include_claimed=True)[data.cohort.id]
    assert h.by_kind[K.PROJECT] == 3 and h.with_achievement == 4  # a7 (claimed) of s4; a8 stays rejected


def test_an_achievement_shared_by_two_cohorts_counts_once_in_each_and_once_in_the_program(data):
    by_cohort = queries.count_headlines([data.cohort.id, data.later.id, data.nur.id])
    later = by_cohort[data.later.id]
    assert later.students == 2 and later.by_kind == {K.PATENT: 2}
    assert (later.patents_applied, later.patents_granted) == (2, 1)
    assert later.with_achievement == 1 and later.projects_per_100 == 0
    assert by_cohort[data.nur.id].by_kind == {K.PROJECT: 1}

    programs = queries.count_headlines([data.program.id, data.other_program.id], group_by="program")
    se = programs[data.program.id]
    assert se.students == 6 and se.verified_total == 6  # a1–a6, a4 once though two cohorts share it
    assert se.by_kind[K.PATENT] == 2 and se.with_achievement == 4
    assert programs[data.other_program.id].verified_total == 1


def test_empty_cohorts_give_zeros_not_errors(program):
    from tests.factories import make_cohort

    empty = make_cohort(program, 2030)
    h = queries.count_headlines([empty.id])[empty.id]
    assert h.students == 0 and h.verified_total == 0
    assert h.share_with_achievement is None and h.projects_per_100 is None


def test_query_count_does_not_grow_with_the_number_of_students(data):
    def count(keys):
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            queries.count_headlines(keys)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    before = count([data.cohort.id])
    for i in range(30):
        make_student(data.cohort, name=f"新生{i}")
    assert count([data.cohort.id]) == before == count([data.cohort.id, data.later.id, data.nur.id]) == 1


def test_student_rows_count_each_students_verified_achievements(data):
    rows = {r["name"]: r for r in queries.list_student_rows(data.cohort)}
    assert rows["学生1"]["achievements"] == 3 and rows["学生1"]["project"] == 2 and rows["学生1"]["patent"] == 1
    assert rows["学生1"]["participations"] == 2
    assert rows["学生2"]["achievements"] == 2 and rows["学生2"]["award"] == 1
    assert rows["学生4"]["achievements"] == 0  # claimed and rejected only
    assert rows["学生3"]["participations"] == 0  # NUR partner
    assert rows["退学生"]["achievements"] == 1  # listed (status shown) with their own verified project
    assert len(rows) == 5


def test_latest_run_is_the_newest_student_run_of_the_cohort(data, director):
    from tests.factories import make_run

    assert queries.get_latest_student_run(data.cohort) is None
    first = make_run(data.cohort, data.students[:3])
    second = make_run(data.cohort, data.students[:3])
    make_run(data.later, data.later_students)
    assert queries.get_latest_student_run(data.cohort).id == max(first.id, second.id)
