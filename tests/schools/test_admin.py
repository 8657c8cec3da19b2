"""Administrators create and edit schools, move programs into them and name deans; bad input changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from eduinnov.auth.models import Role
from eduinnov.core.errors import DomainError
from eduinnov.extensions import db
from eduinnov.programs.models import Program
from eduinnov.schools import services
from eduinnov.schools.models import DEFAULT_SCHOOL_CODE, School, SchoolDean
from tests.factories import make_school, make_user


def test_a_program_created_without_a_school_lands_in_the_default_school(program, other_program):
    default = db.session.scalar(select(School).where(School.code == DEFAULT_SCHOOL_CODE))
    assert default is not None
    assert program.school_id == other_program.school_id == default.id
    assert db.session.scalar(select(db.func.count(School.id))) == 1  # created once, then reused


def test_admin_creates_a_school_with_programs_and_a_dean(login_as, admin, program, other_program):
    dean = make_user(Role.DIRECTOR, name="院长")
    b = login_as(admin)
    response = b.post("/schools/new", {"code": "ENG", "name_zh": "工学院", "name_en": "Engineering",
                                       "programs": [str(program.id)], "deans": [str(dean.id)]},
                      token_from="/schools/new")
    school = db.session.scalar(select(School).where(School.code == "ENG"))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/schools/{school.id}")
    assert [p.code for p in school.programs] == [program.code]
    assert [d.user_id for d in school.deans] == [dean.id]
    assert db.session.get(Program, other_program.id).school.code == DEFAULT_SCHOOL_CODE


def test_editing_moves_programs_in_and_replaces_the_deans(login_as, admin, program, other_program):
    first, second = make_user(Role.TEACHER), make_user(Role.DIRECTOR)
    eng = make_school("ENG", [program], [first])
    med = make_school("MED", [other_program])
    b = login_as(admin)
    url = f"/schools/{med.id}/edit"
    page = b.get(url).get_data(as_text=True)
    assert f'value="{other_program.id}" selected' in page or f'selected value="{other_program.id}"' in page
    response = b.post(url, {"code": "MED", "name_zh": "医学院", "programs": [str(program.id), str(other_program.id)],
                            "deans": [str(second.id)]}, token_from=url)
    assert response.status_code == 302
    assert {p.code for p in db.session.get(School, med.id).programs} == {program.code, other_program.code}
    assert db.session.get(School, eng.id).programs == []
    assert [d.user_id for d in db.session.get(School, med.id).deans] == [second.id]
    assert [d.user_id for d in db.session.get(School, eng.id).deans] == [first.id]


@pytest.mark.parametrize("data, message", [
    ({"code": "MED", "name_zh": "另一个"}, "Another school already uses the code MED."),
    ({"code": "", "name_zh": "x"}, "This field is required."),
    ({"code": "NEW", "name_zh": "x", "programs": ["999999"]}, "is not a valid choice for this field"),
])
def test_bad_input_is_refused_and_changes_nothing(login_as, admin, program, data, message):
    eng = make_school("ENG", [program], name_zh="工学院")
    make_school("MED")
    url = f"/schools/{eng.id}/edit"
    response = login_as(admin).post(url, data, token_from=url)
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    school = db.session.get(School, eng.id)
    assert (school.code, school.name_zh, [p.id for p in school.programs]) == ("ENG", "工学院", [program.id])


def test_a_student_or_admin_cannot_be_dean_and_a_refusal_rolls_everything_back(admin, program, student):
    eng = make_school("ENG", name_zh="工学院")
    student_user = make_user(Role.STUDENT, student=student)
    with pytest.raises(DomainError, match="Deans must be active program directors or teachers"):
        services.set_school_deans(admin, eng, [student_user.id])
    with pytest.raises(DomainError):
        services.set_school_deans(admin, eng, [admin.id])
    db.session.rollback()
    assert db.session.scalar(select(db.func.count(SchoolDean.id))) == 0


def test_a_refused_dean_in_the_form_leaves_names_and_programs_unchanged(login_as, admin, program, student):
    eng = make_school("ENG", name_zh="工学院")
    student_user = make_user(Role.STUDENT, student=student)
    url = f"/schools/{eng.id}/edit"
    b = login_as(admin)
    # The student is not offered as a choice: the form refuses the id before the service is called.
    response = b.post(url, {"code": "ENG2", "name_zh": "新名", "programs": [str(program.id)],
                            "deans": [str(student_user.id)]}, token_from=url)
    assert response.status_code == 200
    school = db.session.get(School, eng.id)
    assert (school.code, school.name_zh, school.programs, school.deans) == ("ENG", "工学院", [], [])


def test_only_admins_may_call_the_services(teacher, program):
    eng = make_school("ENG")
    for call in (lambda: services.create_school(teacher, code="X", name_zh="x"),
                 lambda: services.update_school(teacher, eng, code="X", name_zh="x"),
                 lambda: services.set_school_programs(teacher, eng, [program.id]),
                 lambda: services.set_school_deans(teacher, eng, [])):
        with pytest.raises(DomainError, match="Only administrators can manage schools"):
            call()
