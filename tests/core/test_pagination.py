"""Issue #12 (small defects): "1 record" / "N records", and no link to page 0 or past the last page."""

from __future__ import annotations

import re

from tests.factories import make_student


def test_one_record_is_singular(login_as, director, student):
    html = login_as(director).get("/programs/students").get_data(as_text=True)
    assert "1 record<" in html and "1 records" not in html


def test_page_links_stay_within_the_pages(app, login_as, director, cohort):
    for i in range(30):
        make_student(cohort, student_no=f"20229{i:05d}", name=f"学生{i}")
    b = login_as(director)
    first = b.get("/programs/students").get_data(as_text=True)
    assert "30 records" in first
    pages = [int(p) for p in re.findall(r'href="[^"]*[?&]page=(-?\d+)', first)]
    assert pages == [2]  # "Next" only; "Previous" is not a link on page 1
    last = b.get("/programs/students?page=2").get_data(as_text=True)
    assert [int(p) for p in re.findall(r'href="[^"]*[?&]page=(-?\d+)', last)] == [1]
