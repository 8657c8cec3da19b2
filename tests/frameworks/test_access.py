"""Who may see and change what: cross-program ids, teachers vs directors, students, anonymous, CSRF."""

import pytest
from sqlalchemy import func, select

from eduinnov.auth.models import Role
from eduinnov.extensions import db
from eduinnov.frameworks.models import (
    Agreement,
    FrameworkVersion,
    JointSupervisor,
    Participation,
    ParticipationKind,
    PartnerOrganisation,
    PracticeBase,
)
from eduinnov.programs.models import Student
from tests.clients import heading
from tests.factories import make_cohort, make_obe_framework, make_partner, make_student, make_user


@pytest.fixture
def world(program):
    """A framework and a partner (with one of each child) in program A (``program``)."""
    fw = make_obe_framework(program)
    partner = make_partner(program)
    student = make_student(make_cohort(program, 2023))
    base, sup = PracticeBase(partner=partner, name="基地"), JointSupervisor(partner=partner, name="张工")
    agreement = Agreement(partner=partner, title="协议")
    participation = Participation(partner=partner, student=student, kind=ParticipationKind.PLACEMENT, title="实习")
    db.session.add_all([base, sup, agreement, participation])
    db.session.commit()
    course = fw.courses[0]
    return {
        "fw": fw.id, "req": fw.requirements[0].id, "point": fw.requirements[0].indicator_points[0].id,
        "course": course.id, "objective": course.objectives[0].id, "module": fw.modules[0].id,
        "partner": partner.id, "agreement": agreement.id, "base": base.id, "supervisor": sup.id,
        "participation": participation.id, "student": student.id,
    }


VIEW_URLS = ["/frameworks/{fw}", "/frameworks/courses/{course}", "/frameworks/partners/{partner}"]

MANAGE_GET_URLS = [
    "/frameworks/{fw}/settings", "/frameworks/{fw}/new-version", "/frameworks/{fw}/matrix",
    "/frameworks/{fw}/requirements/new", "/frameworks/requirements/{req}/edit",
    "/frameworks/requirements/{req}/points/new", "/frameworks/points/{point}/edit",
    "/frameworks/{fw}/courses/new", "/frameworks/courses/{course}/edit",
    "/frameworks/courses/{course}/objectives/new", "/frameworks/objectives/{objective}/edit",
    "/frameworks/{fw}/modules/new", "/frameworks/modules/{module}/edit",
    "/frameworks/partners/{partner}/edit", "/frameworks/partners/{partner}/agreements/new",
    "/frameworks/agreements/{agreement}/edit", "/frameworks/partners/{partner}/bases/new",
    "/frameworks/bases/{base}/edit", "/frameworks/partners/{partner}/supervisors/new",
    "/frameworks/supervisors/{supervisor}/edit",
]

MANAGE_POST_URLS = [
    ("/frameworks/{fw}/settings", {"version": "2024", "title": "hacked", "threshold": "0.5",
                                   "aggregation_rule": "minimum", "weight_h": "1", "weight_m": "1", "weight_l": "1"}),
    ("/frameworks/{fw}/clone", {"version": "9999"}),
    ("/frameworks/{fw}/activate", {}),
    ("/frameworks/{fw}/archive", {}),
    ("/frameworks/{fw}/delete", {}),
    ("/frameworks/{fw}/matrix", {"cell-{course}-{point}": "L"}),
    ("/frameworks/{fw}/requirements/new", {"number": "9", "title": "hacked"}),
    ("/frameworks/requirements/{req}/edit", {"number": "1", "title": "hacked"}),
    ("/frameworks/requirements/{req}/delete", {}),
    ("/frameworks/points/{point}/delete", {}),
    ("/frameworks/{fw}/courses/new", {"code": "HACK", "name_zh": "hacked", "credits": "1"}),
    ("/frameworks/courses/{course}/delete", {}),
    ("/frameworks/objectives/{objective}/delete", {}),
    ("/frameworks/{fw}/modules/new", {"name_zh": "hacked", "kind": "other"}),
    ("/frameworks/modules/{module}/delete", {}),
    ("/frameworks/partners/{partner}/edit", {"name_zh": "hacked", "kind": "other"}),
    ("/frameworks/partners/{partner}/delete", {}),
    ("/frameworks/partners/{partner}/agreements/new", {"title": "hacked", "status": "active"}),
    ("/frameworks/agreements/{agreement}/delete", {}),
    ("/frameworks/bases/{base}/delete", {}),
    ("/frameworks/supervisors/{supervisor}/delete", {}),
]

EDIT_POST_URLS = [
    ("/frameworks/partners/{partner}/participations/new", {"student_id": "{student}", "kind": "exchange",
                                                           "title": "hacked"}),
    ("/frameworks/participations/{participation}/delete", {}),
]


def _fill(template, ids):
    return template.format(**ids)


def _counts():
    return (db.session.scalar(select(func.count(FrameworkVersion.id))),
            db.session.scalar(select(func.count(PartnerOrganisation.id))),
            db.session.scalar(select(func.count(Participation.id))),
            db.session.scalar(select(func.count(Agreement.id))))


@pytest.mark.parametrize("url", VIEW_URLS + MANAGE_GET_URLS)
def test_teacher_of_another_program_gets_404_by_id(login_as, other_teacher, world, url):
    assert login_as(other_teacher).get(_fill(url, world)).status_code == 404


@pytest.mark.parametrize("url,data", MANAGE_POST_URLS + EDIT_POST_URLS)
def test_teacher_of_another_program_cannot_post_by_id(login_as, other_teacher, world, url, data):
    before = _counts()
    b = login_as(other_teacher)
    response = b.post(_fill(url, world), {k.format(**world): v.format(**world) for k, v in data.items()})
    assert response.status_code == 404
    assert _counts() == before


def test_director_of_another_program_gets_404(login_as, other_program, world):
    other_director = make_user(Role.DIRECTOR, [other_program])
    b = login_as(other_director)
    assert b.get(_fill("/frameworks/{fw}", world)).status_code == 404
    assert b.post(_fill("/frameworks/{fw}/archive", world)).status_code == 404
    assert db.session.get(FrameworkVersion, world["fw"]).status.value == "draft"


@pytest.mark.parametrize("url", VIEW_URLS)
def test_teacher_of_the_program_can_view(login_as, teacher, world, url):
    expected = {"/frameworks/{fw}": "软件工程培养方案 2024", "/frameworks/courses/{course}": "MATH101 Calculus",
                "/frameworks/partners/{partner}": "华为技术有限公司"}[url]
    assert expected in heading(login_as(teacher).get(_fill(url, world)))


@pytest.mark.parametrize("url", MANAGE_GET_URLS)
def test_teacher_of_the_program_gets_403_on_edit_pages(login_as, teacher, world, url):
    assert login_as(teacher).get(_fill(url, world)).status_code == 403


@pytest.mark.parametrize("url,data", MANAGE_POST_URLS)
def test_teacher_of_the_program_gets_403_on_edit_posts(login_as, teacher, world, url, data):
    before = _counts()
    b = login_as(teacher)
    response = b.post(_fill(url, world), {k.format(**world): v.format(**world) for k, v in data.items()})
    assert response.status_code == 403
    assert _counts() == before
    fw = db.session.get(FrameworkVersion, world["fw"])
    assert fw.title != "hacked" and fw.status.value == "draft"


def test_teacher_may_record_participations(login_as, teacher, world):
    b = login_as(teacher)
    url = _fill("/frameworks/partners/{partner}/participations/new", world)
    response = b.post(url, {"student_id": world["student"], "kind": "exchange", "title": "交换学习"}, token_from=url)
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(Participation.id))) == 2


def test_teacher_cannot_create_versions_or_partners(login_as, teacher, world, program):
    b = login_as(teacher)
    assert b.get("/frameworks/new").status_code == 403
    response = b.post("/frameworks/new", {"program_id": program.id, "version": "2030", "title": "x"})
    assert response.status_code == 403
    assert b.get("/frameworks/partners/new").status_code == 302  # sent back with an explanation
    assert _counts()[0] == 1


def test_director_cannot_create_in_a_program_they_do_not_direct(login_as, director, other_program):
    b = login_as(director)
    response = b.post("/frameworks/new", {"program_id": other_program.id, "version": "2030", "title": "x"},
                      token_from="/frameworks/new")
    assert response.status_code == 200  # not one of the choices
    assert db.session.scalar(select(func.count(FrameworkVersion.id))) == 0


@pytest.mark.parametrize("url", ["/frameworks/", "/frameworks/partners", "/frameworks/new"])
def test_students_are_refused_the_lists(login_as, student, url):
    account = make_user(Role.STUDENT, student=student)
    assert login_as(account).get(url).status_code == 403


@pytest.mark.parametrize("url", VIEW_URLS + MANAGE_GET_URLS)
def test_students_get_404_on_objects(login_as, world, url):
    account = make_user(Role.STUDENT, student=db.session.get(Student, world["student"]))
    assert login_as(account).get(_fill(url, world)).status_code == 404


@pytest.mark.parametrize("url", ["/frameworks/", "/frameworks/partners", "/frameworks/{fw}", "/frameworks/{fw}/matrix",
                                 "/frameworks/partners/{partner}"])
def test_anonymous_is_sent_to_login(client, world, url):
    response = client.get(_fill(url, world))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_anonymous_post_changes_nothing(client, world):
    response = client.post(_fill("/frameworks/{fw}/archive", world))
    assert response.status_code in (302, 400)
    assert db.session.get(FrameworkVersion, world["fw"]).status.value == "draft"


@pytest.mark.parametrize("url,data", [
    ("/frameworks/{fw}/archive", {}),
    ("/frameworks/{fw}/matrix", {"cell-{course}-{point}": "L"}),
    ("/frameworks/{fw}/requirements/new", {"number": "9", "title": "no token"}),
    ("/frameworks/partners/{partner}/delete", {}),
])
def test_posts_without_csrf_token_are_rejected(login_as, director, world, url, data):
    b = login_as(director)
    before = _counts()
    response = b.client.post(_fill(url, world), data={k.format(**world): v for k, v in data.items()})
    assert response.status_code == 400
    assert _counts() == before
    assert db.session.get(FrameworkVersion, world["fw"]).status.value == "draft"
    assert len(db.session.get(FrameworkVersion, world["fw"]).requirements) == 2


def test_admin_sees_and_manages_every_program(login_as, admin, world):
    b = login_as(admin)
    assert b.get(_fill("/frameworks/{fw}/settings", world)).status_code == 200
    assert b.post(_fill("/frameworks/{fw}/activate", world)).status_code == 302
    assert db.session.get(FrameworkVersion, world["fw"]).status.value == "active"
