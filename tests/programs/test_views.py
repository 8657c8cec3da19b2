"""Pages of the programs domain: lists, search, filters, pagination, forms and their messages."""

import pytest
from sqlalchemy import select

from eduinnov.auth.models import Role
from eduinnov.extensions import db
from eduinnov.frameworks.models import Supervision
from eduinnov.programs.models import Cohort, DegreeLevel, Program, Student, StudentStatus
from tests.factories import (
    make_achievement,
    make_cohort,
    make_joint_supervisor,
    make_participation,
    make_partner,
    make_student,
    make_supervision,
    make_user,
)


@pytest.fixture
def en(login_as):
    """``en(user)``: a browser logged in as ``user`` with English pages."""

    def _login(user):
        b = login_as(user)
        b.client.set_cookie("lang", "en")
        return b

    return _login


def html(response) -> str:
    return response.get_data(as_text=True)


# --- programs ---


def test_program_list_and_detail(en, teacher, program, other_program, cohort, student):
    b = en(teacher)
    page = html(b.get("/programs/"))
    assert "Software Engineering" in page and "Nursing" not in page
    detail = b.get(f"/programs/{program.id}")
    assert detail.status_code == 200
    text = html(detail)
    assert f"/programs/students?program={program.id}" in text
    assert f"/frameworks/?program={program.id}" in text
    assert f"/achievements/?program={program.id}" in text
    assert teacher.name in text  # members
    assert f"/programs/{program.id}/cohorts/new" not in text  # teachers do not manage cohorts


def test_admin_creates_edits_and_deletes_a_program(en, admin):
    b = en(admin)
    r = b.post("/programs/new", {"code": "CS", "name_zh": "计算机科学与技术", "name_en": "Computer Science",
                                 "discipline": "Engineering", "degree_level": "master"}, token_from="/programs/new")
    assert r.status_code == 302
    program = db.session.scalar(select(Program).where(Program.code == "CS"))
    assert program.degree_level == DegreeLevel.MASTER
    assert "Program CS created" in html(b.get(r.headers["Location"]))
    r = b.post(f"/programs/{program.id}/edit", {"code": "CST", "name_zh": "计算机", "name_en": "",
                                                "degree_level": "bachelor"}, token_from=f"/programs/{program.id}/edit")
    assert r.status_code == 302
    program = db.session.get(Program, program.id)
    assert (program.code, program.name_en, program.degree_level) == ("CST", None, DegreeLevel.BACHELOR)
    program_id = program.id
    r = b.post(f"/programs/{program_id}/delete", token_from=f"/programs/{program_id}")
    assert r.status_code == 302 and r.headers["Location"] == "/programs/"
    assert db.session.get(Program, program_id) is None


def test_program_form_validation_messages(en, admin, program):
    b = en(admin)
    r = b.post("/programs/new", {"code": "se", "name_zh": "", "degree_level": "bachelor"}, token_from="/programs/new")
    text = html(r)
    assert r.status_code == 200
    assert "Another program already uses the code se" in text
    assert "This field is required" in text
    assert db.session.scalar(select(Program).where(Program.code == "se")) is None


def test_deleting_a_program_with_students_is_refused(en, admin, program, student):
    b = en(admin)
    r = b.post(f"/programs/{program.id}/delete", token_from=f"/programs/{program.id}")
    assert r.status_code == 302
    assert "still has 1 students" in html(b.get(r.headers["Location"]))
    assert db.session.get(Program, program.id) is not None


# --- cohorts ---


def test_director_creates_edits_and_deletes_a_cohort(en, director, program):
    b = en(director)
    url = f"/programs/{program.id}/cohorts/new"
    assert b.post(url, {"entry_year": "2024", "label": "SE 2024 卓越班"}, token_from=url).status_code == 302
    cohort = db.session.scalar(select(Cohort).where(Cohort.program_id == program.id))
    assert (cohort.entry_year, cohort.label) == (2024, "SE 2024 卓越班")
    edit = f"/programs/cohorts/{cohort.id}/edit"
    assert b.post(edit, {"entry_year": "2025", "label": ""}, token_from=edit).status_code == 302
    cohort = db.session.get(Cohort, cohort.id)
    assert (cohort.entry_year, cohort.label) == (2025, None)
    cohort_id = cohort.id
    r = b.post(f"/programs/cohorts/{cohort_id}/delete", token_from=f"/programs/{program.id}")
    assert r.status_code == 302 and db.session.get(Cohort, cohort_id) is None


@pytest.mark.parametrize("year, message", [
    ("2022", "already has a cohort for 2022"),
    ("1949", "Enter a year between 1950 and 2100"),
    ("abc", "Enter the entry year as a number"),
])
def test_cohort_form_validation(en, director, program, cohort, year, message):
    b = en(director)
    url = f"/programs/{program.id}/cohorts/new"
    r = b.post(url, {"entry_year": year}, token_from=url)
    assert r.status_code == 200 and message in html(r)
    assert db.session.scalars(select(Cohort)).all() == [cohort]


def test_deleting_a_cohort_with_students_is_refused(en, director, program, cohort, student):
    b = en(director)
    r = b.post(f"/programs/cohorts/{cohort.id}/delete", token_from=f"/programs/{program.id}")
    assert r.status_code == 302
    assert "still has 1 students" in html(b.get(r.headers["Location"]))
    assert db.session.get(Cohort, cohort.id) is not None


# --- student list ---


@pytest.fixture
def roster(program, other_program):
    c21, c22 = make_cohort(program, 2021), make_cohort(program, 2022)
    return {
        "wang": make_student(c21, student_no="2021003", name="Wang Fang"),
        "li": make_student(c22, student_no="2022001", name="Li Lei", status=StudentStatus.GRADUATED),
        "zhang": make_student(c21, student_no="2021001", name="Zhang Wei"),
        "nurse": make_student(make_cohort(other_program, 2021), student_no="2021002", name="Wang Nurse"),
        "c21": c21, "c22": c22,
    }


def _rows(text: str) -> list[str]:
    return [no for no in ("2021001", "2021002", "2021003", "2022001") if f">{no}</a>" in text]


@pytest.mark.parametrize("query, expected", [
    ("", ["2021001", "2021003", "2022001"]),
    ("?q=WANG", ["2021003"]),
    ("?q=2022", ["2022001"]),
    ("?q=nobody", []),
    ("?status=graduated", ["2022001"]),
    ("?status=bogus", ["2021001", "2021003", "2022001"]),
    ("?program=abc", ["2021001", "2021003", "2022001"]),
])
def test_student_list_search_and_filters(en, teacher, roster, query, expected):
    r = en(teacher).get("/programs/students" + query)
    assert r.status_code == 200
    assert _rows(html(r)) == expected


def test_student_list_cohort_and_program_filters(en, teacher, admin, roster, other_program):
    b = en(teacher)
    assert _rows(html(b.get(f"/programs/students?cohort={roster['c21'].id}"))) == ["2021001", "2021003"]
    # another program's id filters to nothing instead of revealing its students
    assert _rows(html(b.get(f"/programs/students?program={other_program.id}"))) == []
    assert "No students match these filters" in html(b.get(f"/programs/students?program={other_program.id}"))
    assert _rows(html(en(admin).get("/programs/students?q=wang"))) == ["2021002", "2021003"]


def test_student_list_pagination(en, teacher, cohort):
    for i in range(30):
        make_student(cohort, student_no=f"S{i:03d}", name=f"Student {i}")
    b = en(teacher)
    first, second = html(b.get("/programs/students")), html(b.get("/programs/students?page=2"))
    assert ">S000</a>" in first and ">S024</a>" in first and ">S025</a>" not in first
    assert ">S025</a>" in second and ">S029</a>" in second and ">S000</a>" not in second
    assert "Page 1 of 2" in first and "30 records" in first


# --- student forms ---


def test_teacher_adds_and_edits_a_student(en, teacher, cohort, program):
    b = en(teacher)
    r = b.post("/programs/students/new", {"student_no": "2022123", "name": "陈晨", "cohort_id": str(cohort.id),
                                          "email": "chen@stu.edu.cn", "status": "enrolled"},
               token_from="/programs/students/new")
    assert r.status_code == 302
    s = db.session.scalar(select(Student).where(Student.student_no == "2022123"))
    assert r.headers["Location"] == f"/programs/students/{s.id}"
    assert "Student 陈晨 (2022123) added" in html(b.get(r.headers["Location"]))
    c23 = make_cohort(program, 2023)
    url = f"/programs/students/{s.id}/edit"
    r = b.post(url, {"student_no": "2022123", "name": "陈晨晨", "cohort_id": str(c23.id), "email": "",
                     "status": "suspended"}, token_from=url)
    assert r.status_code == 302
    s = db.session.get(Student, s.id)
    assert (s.name, s.cohort_id, s.email, s.status) == ("陈晨晨", c23.id, None, StudentStatus.SUSPENDED)


@pytest.mark.parametrize("data, message", [
    ({"student_no": "DUP"}, "DUP is already used by another student"),
    ({"email": "not-an-email"}, "Enter a valid email address"),
    ({"name": ""}, "This field is required"),
    ({"cohort_id": ""}, "Choose a cohort"),
    ({"cohort_id": "999999"}, "Choose a cohort of a program you teach in"),
])
def test_student_form_validation(en, teacher, cohort, data, message):
    make_student(cohort, student_no="DUP")
    form = {"student_no": "NEW1", "name": "新生", "cohort_id": str(cohort.id), "email": "", "status": "enrolled"}
    form.update(data)
    r = en(teacher).post("/programs/students/new", form, token_from="/programs/students/new")
    assert r.status_code == 200
    text = html(r)
    assert message in text and "is-invalid" in text
    assert db.session.scalar(select(Student).where(Student.student_no == "NEW1")) is None


def test_cohort_select_offers_only_editable_cohorts(en, teacher, cohort, other_program):
    foreign = make_cohort(other_program, 2019)
    text = html(en(teacher).get("/programs/students/new"))
    assert f'value="{cohort.id}"' in text and f'value="{foreign.id}"' not in text


def test_cohort_of_another_program_is_rejected_in_the_student_form(en, teacher, student, other_program):
    foreign = make_cohort(other_program, 2019)
    b = en(teacher)
    r = b.post("/programs/students/new", {"student_no": "X9", "name": "x", "cohort_id": str(foreign.id),
                                          "status": "enrolled"}, token_from="/programs/students/new")
    assert r.status_code == 200 and "Choose a cohort of a program you teach in" in html(r)
    assert db.session.scalar(select(Student).where(Student.student_no == "X9")) is None
    url = f"/programs/students/{student.id}/edit"
    r = b.post(url, {"student_no": student.student_no, "name": student.name, "cohort_id": str(foreign.id),
                     "status": "enrolled"}, token_from=url)
    assert r.status_code == 200
    assert db.session.get(Student, student.id).cohort_id == student.cohort_id


def test_director_deletes_a_student(en, director, program, student):
    student_id, program_id = student.id, program.id
    r = en(director).post(f"/programs/students/{student_id}/delete", token_from=f"/programs/students/{student_id}")
    assert r.status_code == 302 and r.headers["Location"] == f"/programs/students?program={program_id}"
    assert db.session.get(Student, student_id) is None


def test_deleting_a_student_with_achievements_is_refused(en, director, program, student):
    make_achievement(program, students=[student])
    b = en(director)
    r = b.post(f"/programs/students/{student.id}/delete", token_from=f"/programs/students/{student.id}")
    assert r.status_code == 302
    assert "named on achievements" in html(b.get(r.headers["Location"]))
    assert db.session.get(Student, student.id) is not None


# --- student detail and supervisor team ---


def test_student_detail_shows_record_achievements_participations_and_team(en, teacher, program, student):
    make_achievement(program, students=[student], title="基于深度学习的缺陷检测")
    partner = make_partner(program, name_zh="某医院")
    js = make_joint_supervisor(partner, name="赵医生")
    make_participation(student, partner, title="临床信息化实习", joint_supervisor=js)
    make_supervision(student, teacher=teacher)
    text = html(en(teacher).get(f"/programs/students/{student.id}"))
    for fragment in (student.student_no, "Software Engineering", "Enrolled", "基于深度学习的缺陷检测",
                     "Innovation and entrepreneurship training project", "Submitted", "临床信息化实习", "某医院",
                     "赵医生", teacher.name, "Primary supervisor"):
        assert fragment in text, fragment


def test_add_and_remove_supervisors(en, teacher, director, program, student):
    js = make_joint_supervisor(make_partner(program), name="周工")
    b = en(teacher)
    url = f"/programs/students/{student.id}"
    form = b.get(url)
    assert f'value="t-{director.id}"' in html(form) and f'value="j-{js.id}"' in html(form)
    r = b.post(f"{url}/supervisors", {"supervisor": f"t-{director.id}", "role": "primary", "discipline": "软件工程"},
               token_from=url)
    assert r.status_code == 302
    r = b.post(f"{url}/supervisors", {"supervisor": f"j-{js.id}", "role": "industry"}, token_from=url)
    assert r.status_code == 302
    sups = db.session.scalars(select(Supervision).where(Supervision.student_id == student.id)).all()
    assert {(s.teacher_id, s.joint_supervisor_id) for s in sups} == {(director.id, None), (None, js.id)}
    r = b.post(f"{url}/supervisors", {"supervisor": f"t-{director.id}", "role": "co_supervisor"}, token_from=url)
    assert r.status_code == 200 and "already in this student" in html(r)
    sup_id = next(s.id for s in sups if s.teacher_id)
    r = b.post(f"{url}/supervisors/{sup_id}/delete", token_from=url)
    assert r.status_code == 302 and db.session.get(Supervision, sup_id) is None


def test_supervisor_outside_the_program_is_rejected(en, teacher, student, other_program, other_teacher):
    foreign_js = make_joint_supervisor(make_partner(other_program))
    b = en(teacher)
    url = f"/programs/students/{student.id}"
    for value in (f"t-{other_teacher.id}", f"j-{foreign_js.id}", "x-1", ""):
        r = b.post(f"{url}/supervisors", {"supervisor": value, "role": "primary"}, token_from=url)
        assert r.status_code == 200, value
        assert "is-invalid" in html(r)
    assert db.session.scalars(select(Supervision)).all() == []


def test_removing_a_supervision_through_another_students_url_is_404(en, teacher, cohort, student):
    other = make_student(cohort)
    sup = make_supervision(other, teacher=teacher)
    r = en(teacher).post(f"/programs/students/{student.id}/supervisors/{sup.id}/delete",
                         token_from=f"/programs/students/{student.id}")
    assert r.status_code == 404 and db.session.get(Supervision, sup.id) is not None


def test_student_user_sees_no_edit_controls(en, student):
    user = make_user(Role.STUDENT, student=student)
    text = html(en(user).get(f"/programs/students/{student.id}"))
    assert student.student_no in text
    assert "/edit" not in text and "/delete" not in text and "Add a supervisor" not in text


def test_optional_url_omits_links_to_endpoints_that_do_not_exist(app):
    from eduinnov.navigation import optional_url

    with app.test_request_context():
        assert optional_url("programs.list") == "/programs/"
        assert optional_url("achievements.no_such_page", achievement_id=1) is None
