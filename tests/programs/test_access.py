"""Who may open and change what: cross-program ids, roles, students, anonymous users, CSRF."""

import pytest
from sqlalchemy import select

from eduinnov.auth.models import Role
from eduinnov.extensions import db
from eduinnov.programs.models import Cohort, Program, Student
from tests.factories import make_cohort, make_student, make_supervision, make_user

# (method, url template) for everything that touches one object; {s} student, {c} cohort, {p} program.
OBJECT_URLS = [
    ("get", "/programs/students/{s}"),
    ("get", "/programs/students/{s}/edit"),
    ("post", "/programs/students/{s}/edit"),
    ("post", "/programs/students/{s}/delete"),
    ("post", "/programs/students/{s}/supervisors"),
    ("post", "/programs/students/{s}/supervisors/{sup}/delete"),
    ("get", "/programs/{p}"),
    ("get", "/programs/{p}/edit"),
    ("post", "/programs/{p}/delete"),
    ("get", "/programs/{p}/cohorts/new"),
    ("post", "/programs/{p}/cohorts/new"),
    ("get", "/programs/cohorts/{c}/edit"),
    ("post", "/programs/cohorts/{c}/edit"),
    ("post", "/programs/cohorts/{c}/delete"),
]


@pytest.fixture
def foreign(other_program, other_teacher):
    """Objects of program B (the other program)."""
    cohort = make_cohort(other_program, 2021)
    student = make_student(cohort, name="B 学生")
    sup = make_supervision(student, teacher=other_teacher)
    return {"p": other_program.id, "c": cohort.id, "s": student.id, "sup": sup.id}


def _request(browser, method, url):
    if method == "get":
        return browser.get(url)
    return browser.post(url, {"student_no": "HACK", "name": "hack", "entry_year": "2030"},
                        token_from="/account/password")


@pytest.mark.parametrize("method, url", OBJECT_URLS)
@pytest.mark.parametrize("who", ["teacher", "director"])
def test_program_a_staff_get_404_for_program_b_objects(login_as, teacher, director, foreign, method, url, who):
    b = login_as({"teacher": teacher, "director": director}[who])
    response = _request(b, method, url.format(**foreign))
    assert response.status_code == 404
    assert db.session.get(Student, foreign["s"]).name == "B 学生"
    assert db.session.get(Cohort, foreign["c"]) is not None
    assert db.session.get(Program, foreign["p"]) is not None


@pytest.mark.parametrize("method, url", OBJECT_URLS)
def test_a_student_gets_404_for_another_students_objects(login_as, student, foreign, method, url):
    user = make_user(Role.STUDENT, student=student)
    assert _request(login_as(user), method, url.format(**foreign)).status_code == 404


@pytest.mark.parametrize("url", [
    "/programs/students/{s}/edit",
    "/programs/students/{s}/delete",
    "/programs/students/{s}/supervisors",
    "/programs/{p}/edit",
    "/programs/{p}/delete",
    "/programs/{p}/cohorts/new",
    "/programs/cohorts/{c}/edit",
    "/programs/cohorts/{c}/delete",
])
def test_a_student_cannot_change_their_own_program(login_as, student, cohort, program, url):
    user = make_user(Role.STUDENT, student=student)
    b = login_as(user)
    # own program objects are invisible to students (404), own record is visible but not editable (403)
    r = b.post(url.format(s=student.id, p=program.id, c=cohort.id), {"name": "changed"},
               token_from=f"/programs/students/{student.id}")
    assert r.status_code in (403, 404)
    assert r.status_code == (403 if "{s}" in url else 404)
    assert db.session.get(Student, student.id).name != "changed"


def test_student_sees_own_record_but_not_lists(login_as, student, cohort):
    other = make_student(cohort)
    b = login_as(make_user(Role.STUDENT, student=student))
    assert b.get(f"/programs/students/{student.id}").status_code == 200
    assert b.get(f"/programs/students/{other.id}").status_code == 404
    for url in ("/programs/", "/programs/students", "/programs/students/new"):
        assert b.get(url).status_code == 403, url
    home = b.get("/")  # her own home page: her achievements by state, and a link to her record
    assert home.status_code == 200 and f'href="/programs/students/{student.id}"' in home.get_data(as_text=True)


@pytest.mark.parametrize("url", [
    "/programs/{p}/edit", "/programs/new",
])
@pytest.mark.parametrize("who", ["teacher", "director"])
def test_only_admins_edit_programs(login_as, teacher, director, program, url, who):
    b = login_as({"teacher": teacher, "director": director}[who])
    assert b.get(url.format(p=program.id)).status_code == 403


def test_teacher_cannot_delete_students_or_manage_cohorts(login_as, teacher, program, cohort, student):
    b = login_as(teacher)
    token = f"/programs/students/{student.id}"
    assert b.post(f"/programs/students/{student.id}/delete", token_from=token).status_code == 403
    assert b.post(f"/programs/cohorts/{cohort.id}/delete", token_from=token).status_code == 403
    assert b.get(f"/programs/{program.id}/cohorts/new").status_code == 403
    assert db.session.get(Student, student.id) is not None
    # but may edit the student
    assert b.get(f"/programs/students/{student.id}/edit").status_code == 200


def test_admin_sees_every_program_and_student(login_as, admin, program, student, foreign):
    b = login_as(admin)
    for url in (f"/programs/{program.id}", f"/programs/{foreign['p']}", f"/programs/students/{student.id}",
                f"/programs/students/{foreign['s']}", f"/programs/students/{foreign['s']}/edit",
                f"/programs/cohorts/{foreign['c']}/edit", "/programs/new"):
        assert b.get(url).status_code == 200, url
    text = b.get("/programs/students").get_data(as_text=True)
    assert student.student_no in text and "B 学生" in text


@pytest.mark.parametrize("url", [
    "/programs/", "/programs/students", "/programs/students/1", "/programs/1", "/programs/students/new",
    "/programs/new", "/programs/1/cohorts/new",
])
def test_anonymous_users_are_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("path", [
    "/programs/students/new", "/programs/students/{s}/delete", "/programs/cohorts/{c}/delete",
    "/programs/students/{s}/supervisors",
])
def test_forms_without_csrf_token_are_rejected(login_as, director, cohort, student, path):
    b = login_as(director)
    response = b.client.post(path.format(s=student.id, c=cohort.id),
                             data={"student_no": "NOCSRF", "name": "x", "cohort_id": str(cohort.id),
                                   "status": "enrolled"})
    assert response.status_code == 400
    assert db.session.get(Student, student.id) is not None
    assert db.session.get(Cohort, cohort.id) is not None
    assert db.session.scalar(select(Student).where(Student.student_no == "NOCSRF")) is None


def test_get_cannot_change_anything(login_as, director, student):
    b = login_as(director)
    assert b.get(f"/programs/students/{student.id}/delete").status_code == 405
    assert db.session.get(Student, student.id) is not None
