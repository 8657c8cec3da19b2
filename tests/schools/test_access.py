"""Deans: read every object of their school's programs, change none, see nothing of another school."""

from __future__ import annotations

import pytest

from eduinnov.auth.access import Action, can, visible_program_ids
from eduinnov.auth.models import Role
from eduinnov.extensions import db
from eduinnov.programs.models import Program, Student
from eduinnov.schools.models import School
from tests.factories import make_achievement, make_cohort, make_school, make_student, make_user


@pytest.fixture
def campus(program, other_program):
    """School A holds ``program`` and a third program; school B holds ``other_program``; one dean each."""
    third = Program(code="CS", name_zh="计算机", name_en="Computer Science")
    db.session.add(third)
    db.session.commit()
    dean_a = make_user(Role.TEACHER, name="院长甲")
    dean_b = make_user(Role.DIRECTOR, name="院长乙")
    a = make_school("ENG", [program, third], [dean_a], name_zh="工学院")
    b = make_school("MED", [other_program], [dean_b], name_zh="医学院")
    objs = {}
    for key, p in (("a", program), ("a3", third), ("b", other_program)):
        c = make_cohort(p, 2022)
        s = make_student(c, name=f"{key} 学生")
        ach = make_achievement(p, [s])
        objs[key] = {"p": p.id, "c": c.id, "s": s.id, "ach": ach.id}
    return {"a": a, "b": b, "dean_a": dean_a, "dean_b": dean_b, "ids": objs}


READ_URLS = [
    "/programs/{p}",
    "/programs/students/{s}",
    "/dashboards/cohorts/{c}",
    "/dashboards/programs/{p}/trends",
    "/achievements/{ach}",
    "/obe/cohorts/{c}",
]
WRITE_URLS = [
    "/programs/{p}/edit",
    "/programs/students/{s}/edit",
    "/programs/cohorts/{c}/edit",
    "/achievements/{ach}/edit",
]


@pytest.mark.parametrize("url", READ_URLS)
def test_a_dean_reads_every_program_of_the_school_and_gets_404_for_another_school(login_as, campus, url):
    b = login_as(campus["dean_a"])
    for key in ("a", "a3"):  # both programs of school A, though the dean is a member of neither
        assert b.get(url.format(**campus["ids"][key])).status_code == 200, (url, key)
    assert b.get(url.format(**campus["ids"]["b"])).status_code == 404  # the same page, ids of school B


@pytest.mark.parametrize("url", WRITE_URLS)
def test_a_dean_changes_nothing_in_the_school(login_as, campus, url):
    b = login_as(campus["dean_a"])
    assert b.get(url.format(**campus["ids"]["a"])).status_code == 403
    assert b.get(url.format(**campus["ids"]["b"])).status_code == 404
    response = b.post(url.format(**campus["ids"]["a"]), {"name": "hack", "student_no": "HACK", "code": "HACK",
                                                         "name_zh": "hack", "title": "hack"},
                      token_from="/account/password")
    assert response.status_code == 403
    assert db.session.get(Student, campus["ids"]["a"]["s"]).name == "a 学生"
    assert db.session.get(Program, campus["ids"]["a"]["p"]).code != "HACK"


def test_can_gives_deans_view_only(campus, program, other_program):
    dean = campus["dean_a"]
    student = db.session.get(Student, campus["ids"]["a"]["s"])
    for obj in (program, student):
        assert can(dean, Action.VIEW, obj)
        for action in (Action.EDIT, Action.MANAGE, Action.VERIFY):
            assert not can(dean, action, obj)
    assert not can(dean, Action.VIEW, other_program)
    assert can(dean, Action.VIEW, campus["a"]) and not can(dean, Action.MANAGE, campus["a"])
    assert not can(dean, Action.VIEW, campus["b"])
    assert visible_program_ids(dean) == {campus["ids"]["a"]["p"], campus["ids"]["a3"]["p"]}


def test_a_dean_who_directs_a_program_keeps_the_directors_rights_there_only(campus, program, director):
    campus["a"].deans.append(type(campus["a"].deans[0])(user=director))
    db.session.commit()
    third = db.session.get(Program, campus["ids"]["a3"]["p"])
    assert can(director, Action.MANAGE, program)  # membership
    assert can(director, Action.VIEW, third) and not can(director, Action.EDIT, third)  # deanship


def test_a_program_moved_to_another_school_leaves_the_deans_view(login_as, campus, other_program):
    url = f"/programs/{campus['ids']['b']['p']}"
    assert login_as(campus["dean_a"]).get(url).status_code == 404
    other_program.school = campus["a"]
    db.session.commit()
    assert login_as(campus["dean_a"]).get(url).status_code == 200
    assert login_as(campus["dean_b"]).get(url).status_code == 404


def test_lists_show_a_dean_only_the_schools_programs(login_as, campus):
    page = login_as(campus["dean_a"]).get("/programs/").get_data(as_text=True)
    ids = campus["ids"]
    assert f'href="/programs/{ids["a"]["p"]}"' in page and f'href="/programs/{ids["a3"]["p"]}"' in page
    assert f'href="/programs/{ids["b"]["p"]}"' not in page


@pytest.mark.parametrize("url", ["/schools/{id}", "/schools/{id}/export?format=csv", "/schools/{id}/export?format=xlsx"])
def test_school_pages_answer_the_schools_deans_and_admins_and_404_to_everyone_else(login_as, campus, admin,
                                                                                   director, url):
    a, b = campus["a"].id, campus["b"].id
    dean = login_as(campus["dean_a"])
    assert dean.get(url.format(id=a)).status_code == 200
    assert dean.get(url.format(id=b)).status_code == 404
    assert dean.get(url.format(id=999999)).status_code == 404
    assert login_as(admin).get(url.format(id=b)).status_code == 200
    # A program director in school A is not its dean.
    assert login_as(director).get(url.format(id=a)).status_code == 404


def test_school_admin_pages_and_the_university_are_for_admins_only(login_as, campus, admin):
    a = campus["a"].id
    dean = login_as(campus["dean_a"])
    for url in (f"/schools/{a}/edit", "/schools/new", "/schools/university", "/schools/university/export"):
        assert dean.get(url).status_code == 403, url
        assert login_as(admin).get(url).status_code == 200, url
    response = dean.post(f"/schools/{a}/edit", {"code": "HACK", "name_zh": "x"}, token_from="/account/password")
    assert response.status_code == 403
    assert db.session.get(School, a).code == "ENG"


def test_school_list_and_nav_for_deans_admins_and_others(login_as, campus, admin, teacher):
    dean = login_as(campus["dean_a"])
    response = dean.get("/schools/")  # one school: straight to its dashboard
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/schools/{campus['a'].id}")
    assert 'href="/schools/"' in dean.get("/").get_data(as_text=True)
    plain = login_as(teacher)
    assert plain.get("/schools/").status_code == 403
    assert 'href="/schools/"' not in plain.get("/").get_data(as_text=True)
    page = login_as(admin).get("/schools/").get_data(as_text=True)
    assert "ENG" in page and "MED" in page and 'href="/schools/"' in page
    student_user = make_user(Role.STUDENT, student=db.session.get(Student, campus["ids"]["a"]["s"]))
    assert login_as(student_user).get("/schools/").status_code == 403
    assert login_as(student_user).get(f"/schools/{campus['a'].id}").status_code == 404


def test_anonymous_users_are_sent_to_login(app, campus):
    client = app.test_client()
    for url in ("/schools/", f"/schools/{campus['a'].id}", "/schools/university"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_the_program_page_names_its_school_and_links_it_for_those_who_may_open_it(login_as, campus, director):
    url = f"/programs/{campus['ids']['a']['p']}"
    school_link = f'href="/schools/{campus["a"].id}"'
    assert school_link in login_as(campus["dean_a"]).get(url).get_data(as_text=True)
    page = login_as(director).get(url).get_data(as_text=True)  # a director, not the dean: the name only
    assert school_link not in page and campus["a"].name_en in page


def test_a_dean_of_two_schools_gets_a_list_of_both_and_their_home_summaries(login_as, campus):
    dean = campus["dean_a"]
    campus["b"].deans.append(type(campus["b"].deans[0])(user=dean))
    db.session.commit()
    b = login_as(dean)
    page = b.get("/schools/").get_data(as_text=True)
    assert f'href="/schools/{campus["a"].id}"' in page and f'href="/schools/{campus["b"].id}"' in page
    assert "/schools/new" not in page and "/edit" not in page
    home = b.get("/").get_data(as_text=True)
    assert 'id="dean-school-ENG"' in home and 'id="dean-school-MED"' in home
