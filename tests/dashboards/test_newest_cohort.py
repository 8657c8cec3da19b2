"""The dashboard opens on the newest cohort that has data; a first-year cohort says so instead of falling to 0."""

from __future__ import annotations

from datetime import date

from eduinnov.reports.figures import in_first_year
from tests.factories import make_cohort, make_student


def _this_years_entry() -> int:
    today = date.today()
    return today.year if today.month >= 9 else today.year - 1


def test_index_skips_a_newer_cohort_without_data(login_as, data, teacher):
    empty = make_cohort(data.program, 2024)
    make_student(empty)
    response = login_as(teacher).get("/dashboards/")
    assert response.headers["Location"].endswith(f"/dashboards/cohorts/{data.later.id}")
    assert empty.id != data.later.id


def test_index_without_any_data_opens_the_newest_cohort(login_as, program, teacher):
    old, new = make_cohort(program, 2020), make_cohort(program, 2021)
    response = login_as(teacher).get("/dashboards/")
    assert response.headers["Location"].endswith(f"/dashboards/cohorts/{new.id}") and old.id != new.id


def test_first_year_by_the_academic_calendar(program):
    cohort = make_cohort(program, 2024)
    assert in_first_year(cohort, date(2024, 9, 1)) and in_first_year(cohort, date(2025, 8, 31))
    assert not in_first_year(cohort, date(2025, 9, 1))


def test_first_year_cohort_is_named_not_drawn_as_a_fall(login_as, data, teacher):
    fresh = make_cohort(data.program, _this_years_entry())
    make_student(fresh)
    b = login_as(teacher)
    html = b.get(f"/dashboards/cohorts/{fresh.id}").get_data(as_text=True)
    assert f"The {fresh.entry_year} cohort is in its first year" in html
    trends = b.get(f"/dashboards/programs/{data.program.id}/trends").get_data(as_text=True)
    assert f"The {fresh.entry_year} cohort is in its first year of study: it is left out of the charts" in trends
    charts = trends.split("Headline figures by entry year")[0]
    assert f">{fresh.entry_year}<" not in charts  # no point on any line
    assert ">2023<" in charts  # the other cohorts are drawn
    # An older cohort's page has no such note.
    assert "first year" not in b.get(f"/dashboards/cohorts/{data.later.id}").get_data(as_text=True)
