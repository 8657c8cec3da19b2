"""Services of the programs domain, called directly: constraints, refusals and permissions."""

import pytest
from sqlalchemy import select

from eduinnov.auth.models import MembershipRole, Role
from eduinnov.core.errors import DomainError, ValidationError
from eduinnov.extensions import db
from eduinnov.frameworks.models import Supervision, SupervisorRole
from eduinnov.programs import queries, services
from eduinnov.programs.models import Cohort, DegreeLevel, Program, Student, StudentStatus
from tests.factories import (
    make_achievement,
    make_cohort,
    make_framework,
    make_joint_supervisor,
    make_participation,
    make_partner,
    make_program,
    make_student,
    make_supervision,
    make_user,
)


@pytest.fixture(autouse=True)
def _english(app):
    """Messages are lazy translations: render them in English, as a request with ?lang=en would."""
    with app.test_request_context(headers={"Cookie": "lang=en"}):
        yield


# --- programs ---


def test_create_program_and_code_is_unique_case_insensitively(admin):
    program = services.create_program(admin, code=" CS ", name_zh="计算机科学与技术", name_en="Computer Science",
                                       discipline="", degree_level=DegreeLevel.MASTER)
    db.session.commit()
    assert program.code == "CS" and program.discipline is None and program.degree_level == DegreeLevel.MASTER
    with pytest.raises(ValidationError) as exc:
        services.create_program(admin, code="cs", name_zh="另一个")
    assert exc.value.field == "code"
    assert "already uses the code" in str(exc.value)


def test_update_program_keeps_own_code_but_refuses_anothers(admin, program, other_program):
    services.update_program(admin, program, code=program.code, name_zh="软件工程（新）", name_en=None)
    assert program.name_zh == "软件工程（新）" and program.name_en is None
    with pytest.raises(ValidationError):
        services.update_program(admin, program, code=other_program.code, name_zh="x")


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.TEACHER])
def test_only_admins_manage_programs(program, role):
    user = make_user(role, [program])
    with pytest.raises(DomainError):
        services.create_program(user, code="NEW", name_zh="新专业")
    with pytest.raises(DomainError):
        services.delete_program(user, make_program())


def test_delete_program_refused_while_it_has_students(admin, student, program):
    with pytest.raises(DomainError) as exc:
        services.delete_program(admin, program)
    assert "still has 1 students" in str(exc.value)
    db.session.rollback()
    assert db.session.get(Program, program.id) is not None


@pytest.mark.parametrize("what", ["framework", "achievement", "partner"])
def test_delete_program_refused_while_it_has_other_data(admin, program, what):
    {"framework": lambda: make_framework(program),
     "achievement": lambda: make_achievement(program),
     "partner": lambda: make_partner(program)}[what]()
    with pytest.raises(DomainError):
        services.delete_program(admin, program)


def test_delete_empty_program_removes_its_empty_cohorts(admin, program, cohort, teacher):
    services.delete_program(admin, program)
    db.session.commit()
    assert db.session.get(Program, program.id) is None
    assert db.session.scalars(select(Cohort)).all() == []


# --- cohorts ---


def test_cohort_entry_year_is_unique_per_program(director, program, other_program, admin):
    services.create_cohort(director, program, entry_year=2023, label="SE 2023")
    with pytest.raises(ValidationError) as exc:
        services.create_cohort(director, program, entry_year=2023)
    assert exc.value.field == "entry_year" and "already has a cohort for 2023" in str(exc.value)
    # the same year in another program is fine
    assert services.create_cohort(admin, other_program, entry_year=2023).program_id == other_program.id


@pytest.mark.parametrize("year", [1949, 2101, None])
def test_cohort_entry_year_range(director, program, year):
    with pytest.raises(ValidationError):
        services.create_cohort(director, program, entry_year=year)


def test_update_cohort_to_a_used_year_is_refused(director, program):
    c22 = make_cohort(program, 2022)
    make_cohort(program, 2023)
    services.update_cohort(director, c22, entry_year=2022, label="renamed")  # its own year: fine
    with pytest.raises(ValidationError):
        services.update_cohort(director, c22, entry_year=2023)


def test_teachers_and_other_directors_cannot_manage_cohorts(teacher, program, other_program):
    other_director = make_user(Role.DIRECTOR, [other_program])
    for user in (teacher, other_director):
        with pytest.raises(DomainError):
            services.create_cohort(user, program, entry_year=2024)


def test_delete_cohort_refused_while_it_has_students(director, cohort, student):
    with pytest.raises(DomainError) as exc:
        services.delete_cohort(director, cohort)
    assert "still has 1 students" in str(exc.value)


def test_delete_empty_cohort(director, program):
    cohort = make_cohort(program, 2030)
    services.delete_cohort(director, cohort)
    db.session.commit()
    assert db.session.get(Cohort, cohort.id) is None


# --- students ---


def test_create_student_and_duplicate_number_is_refused(teacher, cohort):
    student = services.create_student(teacher, cohort, student_no=" 2022001 ", name=" 王明 ", email="")
    assert (student.student_no, student.name, student.email) == ("2022001", "王明", None)
    with pytest.raises(ValidationError) as exc:
        services.create_student(teacher, cohort, student_no="2022001", name="李华")
    assert exc.value.field == "student_no" and "already used" in str(exc.value)


def test_teacher_cannot_add_a_student_to_another_programs_cohort(teacher, other_program):
    foreign = make_cohort(other_program, 2022)
    with pytest.raises(ValidationError) as exc:
        services.create_student(teacher, foreign, student_no="X1", name="x")
    assert exc.value.field == "cohort_id"
    assert db.session.scalars(select(Student)).all() == []


def test_update_student_keeps_own_number_and_can_move_cohort(teacher, program, student):
    c23 = make_cohort(program, 2023)
    services.update_student(teacher, student, cohort=c23, student_no=student.student_no, name="新名字",
                            email="a@b.cn", status=StudentStatus.SUSPENDED)
    db.session.commit()
    student = db.session.get(Student, student.id)
    assert (student.cohort_id, student.name, student.status) == (c23.id, "新名字", StudentStatus.SUSPENDED)


def test_update_student_refuses_anothers_number(teacher, cohort, student):
    other = make_student(cohort)
    with pytest.raises(ValidationError):
        services.update_student(teacher, other, cohort=cohort, student_no=student.student_no.lower(), name="x")


def test_teacher_cannot_delete_students_director_can(teacher, director, student):
    with pytest.raises(DomainError):
        services.delete_student(teacher, student)
    make_supervision(student, teacher=teacher)
    account = make_user(Role.STUDENT, student=student)
    services.delete_student(director, student)
    db.session.commit()
    assert db.session.get(Student, student.id) is None
    assert db.session.scalars(select(Supervision)).all() == []
    assert db.session.get(type(account), account.id).student_id is None


def test_delete_student_refused_with_achievements_or_participations(director, program, student):
    make_achievement(program, students=[student])
    with pytest.raises(DomainError, match="named on achievements"):
        services.delete_student(director, student)
    other = make_student(student.cohort)
    make_participation(other, make_partner(program))
    with pytest.raises(DomainError, match="IUR participations"):
        services.delete_student(director, other)


# --- supervisor teams ---


def test_add_teacher_and_joint_supervisor(teacher, director, program, student):
    js = make_joint_supervisor(make_partner(program))
    a = services.add_supervisor(teacher, student, teacher=director, role=SupervisorRole.PRIMARY, discipline="软件测试")
    b = services.add_supervisor(teacher, student, joint_supervisor=js, role=SupervisorRole.INDUSTRY)
    db.session.commit()
    assert [s.id for s in queries.list_supervisions_of(student)] == [a.id, b.id]
    assert a.discipline == "软件测试" and b.teacher is None


def test_supervisor_must_belong_to_the_program(teacher, student, other_program, other_teacher, admin):
    foreign_js = make_joint_supervisor(make_partner(other_program))
    with pytest.raises(ValidationError, match="not a teacher of this program"):
        services.add_supervisor(teacher, student, teacher=other_teacher)
    with pytest.raises(ValidationError, match="partner of this program"):
        services.add_supervisor(teacher, student, joint_supervisor=foreign_js)
    with pytest.raises(ValidationError, match="not a teacher"):
        services.add_supervisor(teacher, student, teacher=admin)  # an admin account is no program teacher
    with pytest.raises(ValidationError):
        services.add_supervisor(teacher, student)


def test_supervisor_cannot_be_added_twice(teacher, student):
    services.add_supervisor(teacher, student, teacher=teacher)
    with pytest.raises(ValidationError, match="already in this student's team"):
        services.add_supervisor(teacher, student, teacher=teacher, role=SupervisorRole.CO_SUPERVISOR)


def test_other_programs_teacher_cannot_change_the_team(other_teacher, teacher, student):
    with pytest.raises(DomainError):
        services.add_supervisor(other_teacher, student, teacher=teacher)
    sup = make_supervision(student, teacher=teacher)
    with pytest.raises(DomainError):
        services.remove_supervisor(other_teacher, sup)
    services.remove_supervisor(teacher, sup)
    db.session.commit()
    assert db.session.get(Supervision, sup.id) is None


def test_supervisor_candidates(program, student, teacher, director, other_teacher, admin):
    inactive = make_user(Role.TEACHER, [program], is_active_account=False)
    js = make_joint_supervisor(make_partner(program))
    make_joint_supervisor(make_partner(make_program()), name="外人")
    teachers, joint = queries.list_supervisor_candidates(student)
    assert {t.id for t in teachers} == {teacher.id, director.id}
    assert inactive not in teachers
    assert joint == [js]


# --- queries ---


def test_list_students_stmt_search_filters_and_visibility(teacher, program, other_program):
    c22, c23 = make_cohort(program, 2021), make_cohort(program, 2023)
    a = make_student(c22, student_no="2021003", name="Wang Fang")
    b = make_student(c23, student_no="2023001", name="Li Lei", status=StudentStatus.GRADUATED)
    c = make_student(c22, student_no="2021001", name="Zhang Wei")
    make_student(make_cohort(other_program, 2021), student_no="2021002", name="Wang Other")

    def ids(**kw):
        return [s.id for s in db.session.scalars(queries.list_students_stmt(teacher, **kw))]

    assert ids() == [c.id, a.id, b.id]  # sorted by student number, other program invisible
    assert ids(search="wang") == [a.id]
    assert ids(search="2023") == [b.id]
    assert ids(search="%") == []  # wildcards are literal
    assert ids(cohort_id=c22.id) == [c.id, a.id]
    assert ids(status=StudentStatus.GRADUATED) == [b.id]
    assert ids(program_id=other_program.id) == []


def test_list_programs_for(admin, program, other_program, teacher):
    student_user = make_user(Role.STUDENT, student=make_student(make_cohort(program, 2020)))
    assert queries.list_programs_for(admin) == [other_program, program]  # by code: NUR, SE
    assert queries.list_programs_for(teacher) == [program]
    assert queries.list_programs_for(student_user) == []
    both = make_user(Role.TEACHER, [program, other_program], membership=MembershipRole.TEACHER)
    assert len(queries.list_programs_for(both)) == 2
