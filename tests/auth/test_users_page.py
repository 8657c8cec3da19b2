"""The users page: filters by role and program, search; linking a student record by type-ahead or plain search."""

from __future__ import annotations

import re

from eduinnov.auth.models import MembershipRole, Role, User
from eduinnov.extensions import db
from tests.factories import make_cohort, make_student, make_user


def _emails(html: str) -> list[str]:
    return re.findall(r'<td><a href="/admin/users/\d+">([^<]+)</a></td>', html)


def test_filters_by_role_program_and_search(login_as, admin, program, other_program, cohort):
    t1 = make_user(Role.TEACHER, [program], email="t1@test.edu", name="王老师")
    make_user(Role.TEACHER, [other_program], email="t2@test.edu", name="李老师")
    d1 = make_user(Role.DIRECTOR, [program], email="d1@test.edu", membership=MembershipRole.DIRECTOR)
    s1 = make_user(Role.STUDENT, email="s1@test.edu", student=make_student(cohort, name="张同学"))
    make_user(Role.STUDENT, email="s2@test.edu", student=make_student(make_cohort(other_program, 2022)))
    b = login_as(admin)
    assert _emails(b.get("/admin/users?role=teacher").get_data(as_text=True)) == ["t1@test.edu", "t2@test.edu"]
    in_program = _emails(b.get(f"/admin/users?program={program.id}").get_data(as_text=True))
    assert in_program == sorted([t1.email, d1.email, s1.email])
    both = _emails(b.get(f"/admin/users?program={program.id}&role=student").get_data(as_text=True))
    assert both == ["s1@test.edu"]
    assert _emails(b.get("/admin/users?q=王").get_data(as_text=True)) == ["t1@test.edu"]
    # Bad filter values are ignored, not errors.
    assert b.get("/admin/users?role=pirate&program=abc").status_code == 200


def test_type_ahead_json_lists_matching_students(login_as, admin, teacher, cohort):
    make_student(cohort, student_no="2022051001", name="张伟")
    make_student(cohort, student_no="2022051002", name="张三")
    make_student(cohort, student_no="2021051003", name="李四")
    b = login_as(admin)
    found = b.get("/admin/users/students.json?q=张").get_json()
    assert [s["student_no"] for s in found] == ["2022051001", "2022051002"]
    assert b.get("/admin/users/students.json?q=20220510").get_json()[0]["student_no"] == "2022051001"
    assert b.get("/admin/users/students.json?q=%25").get_json() == []
    assert login_as(teacher).get("/admin/users/students.json?q=张").status_code == 403


def test_linking_by_number_or_unique_name_without_javascript(login_as, admin, teacher, cohort):
    zhang = make_student(cohort, student_no="2022051001", name="张伟")
    make_student(cohort, student_no="2022051002", name="张三")
    b = login_as(admin)
    url = f"/admin/users/{teacher.id}"
    base = {"name": "学生账号", "role": "student", "is_active": "y", "student_id": ""}
    response = b.post(url, {**base, "student_search": "张"}, token_from=url)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Several student records match" in html and "2022051002" in html
    assert db.session.get(User, teacher.id).role == Role.TEACHER
    assert "No student record matches" in b.post(url, {**base, "student_search": "赵"}, token_from=url).get_data(
        as_text=True)
    assert b.post(url, {**base, "student_search": "张伟"}, token_from=url).status_code == 302
    assert db.session.get(User, teacher.id).student_id == zhang.id
    page = b.get(url).get_data(as_text=True)
    assert 'value="2022051001"' in page and 'data-typeahead="/admin/users/students.json"' in page
    assert "<script>" not in page  # the type-ahead is a file, allowed by the CSP
