"""Dashboard pages: access by role and program, the figures shown, trends, comparison, OBE section, language."""

from __future__ import annotations

import re

import pytest

from eduinnov.auth.models import Role
from eduinnov.extensions import db
from eduinnov.obe import reports as obe_reports
from eduinnov.obe.models import Score
from tests.clients import heading
from tests.factories import make_obe_plan, make_run, make_user


def _urls(data, run):
    c = data.cohort.id
    return [
        f"/dashboards/cohorts/{c}", f"/dashboards/programs/{data.program.id}/trends",
        f"/dashboards/compare?cohort={c}&cohort={data.later.id}",
        f"/dashboards/compare?program={data.program.id}&program={data.other_program.id}",
        f"/dashboards/cohorts/{c}/students/export", f"/dashboards/cohorts/{c}/students/export?format=xlsx",
        f"/dashboards/cohorts/{c}/obe/export", f"/dashboards/runs/{run.id}/export?format=xlsx",
        f"/dashboards/achievements/export?cohort={c}",
    ]


def _says(data, run) -> dict[str, str]:
    """What each of ``_urls`` shows: the page heading, or the file name of an export."""
    pages = ["Cohort dashboard: Software Engineering · SE 2022", "Trends across cohorts: Software Engineering",
             "Compare cohorts or programs", "Compare cohorts or programs", "students-SE-2022.csv",
             "students-SE-2022.xlsx", "obe-SE-2022.csv", f"run-{run.id}-results.xlsx", "achievements.csv"]
    return dict(zip(_urls(data, run), pages, strict=True))


@pytest.fixture
def run(data):
    return make_run(data.cohort, data.students[:3])


def test_members_of_the_program_and_admins_see_every_page(login_as, data, run, teacher, director, admin):
    for user in (teacher, director, admin):
        b = login_as(user)
        for url in _urls(data, run):
            if "compare?program" in url and user is not admin:
                continue  # NUR is not their program (see the cross-program test)
            response = b.get(url)
            assert response.status_code == 200, (user.role, url)
            says = _says(data, run)[url]
            if response.mimetype == "text/html":
                assert heading(response) == says, url
            else:  # an export: named after what it holds, with its header row
                assert response.headers["Content-Disposition"] == f"attachment; filename={says}", url
                if response.mimetype == "text/csv":
                    assert response.get_data(as_text=True).lstrip("\ufeff").split(",")[0] in (
                        "Student number", "Level", "Number"), url


def test_teacher_of_another_program_gets_404_for_every_id(login_as, data, run, other_teacher):
    b = login_as(other_teacher)
    for url in _urls(data, run):
        if "achievements/export" in url:
            continue  # a list: filtered to their own program (checked below)
        if "compare?program" in url:
            url = f"/dashboards/compare?program={data.other_program.id}&program={data.program.id}"
        assert b.get(url).status_code == 404, url
    csv = b.get(f"/dashboards/achievements/export?cohort={data.cohort.id}&program={data.program.id}")
    body = csv.get_data(as_text=True)
    assert csv.status_code == 200 and data.a["a1"].title not in body and data.a["n1"].title in body


def test_students_are_refused_and_anonymous_users_sent_to_login(app, login_as, data, run):
    me = data.students[0]
    b = login_as(make_user(Role.STUDENT, student=me))
    for url in ["/dashboards/", *_urls(data, run)]:
        assert b.get(url).status_code in (403, 404), url
    anonymous = app.test_client()
    for url in ["/dashboards/", *_urls(data, run)]:
        response = anonymous.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_unknown_export_format_is_404(login_as, data, director):
    assert login_as(director).get(f"/dashboards/cohorts/{data.cohort.id}/students/export?format=pdf").status_code == 404


def test_index_opens_the_latest_cohort_of_the_first_program(login_as, data, teacher, other_teacher):
    response = login_as(teacher).get("/dashboards/")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/dashboards/cohorts/{data.later.id}")
    chosen = login_as(teacher).get(f"/dashboards/?cohort={data.cohort.id}")
    assert chosen.headers["Location"].endswith(f"/dashboards/cohorts/{data.cohort.id}")
    assert login_as(other_teacher).get(f"/dashboards/?cohort={data.cohort.id}").status_code == 404


def test_index_without_cohorts_shows_an_empty_state(login_as, program):
    html = login_as(make_user(Role.TEACHER, [program])).get("/dashboards/").get_data(as_text=True)
    assert "have no cohorts yet" in html


def _card(html: str, label: str) -> str:
    match = re.search(re.escape(label) + r'</div>\s*<div class="h4 mb-0">([^<]*)</div>', html)
    assert match, f"no card {label!r}"
    return match.group(1).strip()


def test_dashboard_shows_the_hand_counted_figures_and_the_latest_run(login_as, data, run, teacher):
    html = login_as(teacher).get(f"/dashboards/cohorts/{data.cohort.id}").get_data(as_text=True)
    assert _card(html, "Students") == "4"
    assert _card(html, "Verified achievements") == "5"
    assert _card(html, "Students with at least one verified achievement") == "75.0%"
    assert _card(html, "Training projects per 100 students") == "50.0"
    assert _card(html, "Patents applied for / granted") == "1 / 1"
    assert _card(html, "Publications") == "1"
    assert _card(html, "Students in IUR cooperation") == "50.0%"
    # The latest run: mean, grade of the mean, the radar of the three first-level indicators, grade counts.
    assert _card(html, "Mean score") == "0.650" and _card(html, "Grade of the mean") == "Excellent"
    assert "Research training" in html and "Radar chart" in html
    assert "Excellent: 2; Needs work: 1" in html
    # Every chart has its data table one click away; the CSP holds (no inline styles or scripts).
    assert html.count("<svg") == html.count('<details class="chart-data-details">') >= 7
    assert "style=" not in html and not re.search(r"<script(?![^>]*\bsrc=)", html)


def test_dashboard_without_run_or_participations_says_so(login_as, data, teacher):
    html = login_as(teacher).get(f"/dashboards/cohorts/{data.later.id}").get_data(as_text=True)
    assert "No evaluation of this cohort’s students has been stored yet." in html
    assert "No student of this cohort has an IUR placement" in html


def test_trends_show_each_cohort_by_entry_year(login_as, data, teacher):
    html = login_as(teacher).get(f"/dashboards/programs/{data.program.id}/trends").get_data(as_text=True)
    assert "Line chart" in html
    # The table: one column per entry year, rows of figures.
    assert re.search(r"<th[^>]*>2022</th><th[^>]*>2023</th>", html)
    assert re.search(r"Students</th><td[^>]*>4</td><td[^>]*>2</td>", html)
    assert re.search(r"Patents applied for</th><td[^>]*>1</td><td[^>]*>2</td>", html)
    assert re.search(r"Students with at least one verified achievement</th><td[^>]*>75.0%</td><td[^>]*>50.0%</td>", html)


def test_comparison_of_cohorts_and_of_programs(login_as, data, admin):
    b = login_as(admin)
    html = b.get(f"/dashboards/compare?cohort={data.cohort.id}&cohort={data.later.id}&cohort={data.nur.id}").get_data(as_text=True)
    assert "Bar chart" in html
    assert re.search(r"Verified achievements</th><td[^>]*>5</td><td[^>]*>2</td><td[^>]*>1</td>", html)
    html = b.get(f"/dashboards/compare?program={data.program.id}&program={data.other_program.id}").get_data(as_text=True)
    assert re.search(r"Verified achievements</th><td[^>]*>6</td><td[^>]*>1</td>", html)  # a4 once in SE
    assert re.search(r"Students</th><td[^>]*>6</td><td[^>]*>1</td>", html)
    one = b.get(f"/dashboards/compare?cohort={data.cohort.id}").get_data(as_text=True)
    assert "Choose at least two to compare." in one and "Side by side" not in one


def test_obe_section_matches_the_obe_module_and_marks_values_below_the_threshold(login_as, program, teacher):
    plan = make_obe_plan(program, teacher)
    # Every student: homework 8 + 8 of 20 (0.8), exam 20 + 6 of 40 (0.65): CO1 = 0.3·0.8 + 0.7·0.65 = 0.695.
    for student in plan.students:
        for item, value in zip(plan.items, (8, 8, 20, 6), strict=True):
            db.session.add(Score(item_id=item.id, student_id=student.id, value=value))
    db.session.commit()
    expected = obe_reports.cohort_report(plan.cohort).requirements[0].weighted_sum
    assert expected == pytest.approx(0.695)
    # The section comes with the page (stored results), not in a request of its own.
    html = login_as(teacher).get(f"/dashboards/cohorts/{plan.cohort.id}").get_data(as_text=True)
    assert "GR3: 0.695" in html and "threshold 0.7" in html
    assert "Below the threshold: GR3" in html
    assert 'fill="#D55E00"' in html  # the bar below the threshold is red
    assert "data-fragment" not in html
    assert login_as(teacher).get(f"/dashboards/cohorts/{plan.cohort.id}/obe").status_code == 404


def test_obe_section_without_scores_says_so(login_as, data, teacher):
    html = login_as(teacher).get(f"/dashboards/cohorts/{data.cohort.id}").get_data(as_text=True)
    assert "No achievement degrees for this cohort yet" in html


@pytest.mark.parametrize("lang, present, absent", [
    ("zh", ["国家级", "企业", "优秀", "科研训练"], ["National", "Enterprise", "Research training"]),
    ("en", ["National", "Enterprise", "Excellent", "Research training"], ["国家级", "科研训练"]),
])
def test_charts_follow_the_users_language(login_as, data, run, program, lang, present, absent):
    user = make_user(Role.TEACHER, [program], locale=lang)
    html = login_as(user).get(f"/dashboards/cohorts/{data.cohort.id}").get_data(as_text=True)
    svgs = "".join(re.findall(r"<svg.*?</svg>", html, re.S))
    for text in present:
        assert text in svgs, text
    for text in absent:
        assert text not in svgs, text
    assert f'lang="{"zh-CN" if lang == "zh" else "en"}"' in html


def test_run_and_achievement_list_pages_link_to_their_exports(login_as, data, run, teacher):
    b = login_as(teacher)
    html = b.get(f"/evaluation/runs/{run.id}").get_data(as_text=True)
    assert f'href="/dashboards/runs/{run.id}/export?format=xlsx"' in html
    html = b.get("/achievements/?kind=patent&page=2").get_data(as_text=True)
    link = re.search(r'href="(/dashboards/achievements/export\?[^"]*format=csv[^"]*)"', html).group(1)
    assert "kind=patent" in link and "page=" not in link
    rows = b.get(link.replace("&amp;", "&")).get_data(as_text=True).splitlines()
    assert len(rows) == 1 + 2  # a4 and a5


def test_obe_cohort_page_links_to_the_obe_export(login_as, program, teacher):
    plan = make_obe_plan(program, teacher)
    html = login_as(teacher).get(f"/obe/cohorts/{plan.cohort.id}").get_data(as_text=True)
    assert f'href="/dashboards/cohorts/{plan.cohort.id}/obe/export?format=xlsx"' in html
