"""Which framework version a cohort was taught under, for one cohort and for many at once."""

from __future__ import annotations

from sqlalchemy import select

from eduinnov.core.lifecycle import Lifecycle
from eduinnov.extensions import db
from eduinnov.frameworks.models import Course
from eduinnov.obe import queries
from eduinnov.obe.models import CourseOffering
from tests.clients import counting_statements
from tests.factories import make_cohort, make_framework, make_obe_framework, make_program


def _offer(framework, cohort, times: int = 1) -> None:
    course = db.session.scalars(select(Course).where(Course.framework_id == framework.id).order_by(Course.id)).first()
    for n in range(times):
        db.session.add(CourseOffering(course=course, cohort=cohort, term="2023-2024-1", class_name=f"{n + 1}班"))
    db.session.commit()


def test_the_rules_hold_for_one_cohort_and_for_many_in_two_statements(app):
    program = make_program("SE")
    old = make_obe_framework(program, version="2021", status=Lifecycle.ARCHIVED)
    new = make_obe_framework(program, version="2025", status=Lifecycle.ACTIVE)
    dated = make_framework(program, version="2027", status=Lifecycle.ARCHIVED, entry_year=2027)
    make_framework(program, version="2028", entry_year=2028)  # a draft: never picked for its entry year
    most = make_cohort(program, 2021)          # 2 offerings under 2021, 1 under 2025: 2021
    _offer(new, most)
    _offer(old, most, 2)
    tie = make_cohort(program, 2022)           # 1 each: the version of the earliest offering (2025)
    _offer(new, tie)
    _offer(old, tie)
    by_year = make_cohort(program, 2027)       # no offerings: the version for its entry year
    draft_year = make_cohort(program, 2028)    # its year's version is a draft: the active one
    other = make_program("CS")
    only_draft = make_framework(other, version="2024")
    lone = make_cohort(other, 2024)            # nothing but a draft: the newest version
    bare = make_cohort(make_program("EE"), 2024)  # no version at all
    expected = {most.id: old, tie.id: new, by_year.id: dated, draft_year.id: new, lone.id: only_draft,
                bare.id: None}
    cohorts = [most, tie, by_year, draft_year, lone, bare]
    db.session.expire_all()
    for c in cohorts:  # the cohorts as a page has them (loaded); their versions not
        db.session.refresh(c)

    with counting_statements() as statements:
        together = queries.get_frameworks_for_cohorts(cohorts)
    assert together == expected
    assert len(statements) <= 2
    assert {c.id: queries.get_framework_for_cohort(c) for c in cohorts} == expected
    assert queries.get_frameworks_for_cohorts([]) == {}
