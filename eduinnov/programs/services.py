"""Actions of the programs domain: programs, cohorts, students and supervisor teams.

Every action takes the acting ``user``, checks that the user may perform it (views check first; this is
the second line), changes models, ``flush()``es and never commits. Broken rules raise
:class:`~eduinnov.core.errors.ValidationError` (bad input) or :class:`~eduinnov.core.errors.DomainError`
(the action is not possible in the current state), with a translatable message for the user.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete

from eduinnov.auth.access import Action, can, ensure_allowed
from eduinnov.auth.models import Role, User
from eduinnov.core.errors import DomainError, FieldError
from eduinnov.core.text import clean_text
from eduinnov.extensions import db
from eduinnov.frameworks.models import JointSupervisor, Supervision, SupervisorRole
from eduinnov.programs import queries
from eduinnov.programs.models import Cohort, DegreeLevel, Program, Student, StudentStatus

MIN_ENTRY_YEAR = 1950
MAX_ENTRY_YEAR = 2100


def _require_admin(user: User) -> None:
    if not (user.is_authenticated and user.is_active and user.role == Role.ADMIN):
        raise DomainError(_l("Only administrators can manage programs."))


# --- programs ---

def _check_program_values(code: str | None, name_zh: str | None, program: Program | None = None) -> str:
    code = clean_text(code)
    if not code:
        raise FieldError("code", _l("Enter the program code."))
    if not clean_text(name_zh):
        raise FieldError("name_zh", _l("Enter the program's Chinese name."))
    existing = queries.get_program_by_code(code)
    if existing is not None and existing is not program:
        raise FieldError("code", _l("Another program already uses the code %(code)s.", code=code))
    return code


def create_program(
    user: User,
    *,
    code: str,
    name_zh: str,
    name_en: str | None = None,
    discipline: str | None = None,
    degree_level: DegreeLevel = DegreeLevel.BACHELOR,
) -> Program:
    """Create a degree program (administrators only).

    Parameters
    ----------
    user : User
        The acting administrator.
    code : str
        Unique program code (compared case-insensitively).
    name_zh, name_en : str
        Chinese name (required) and English name.
    discipline : str, optional
        Discipline or field, free text.
    degree_level : DegreeLevel

    Returns
    -------
    Program
        The new program, flushed.

    Raises
    ------
    DomainError
        The user is not an administrator.
    ValidationError
        Code or Chinese name missing, or the code is taken.
    """
    _require_admin(user)
    code = _check_program_values(code, name_zh)
    program = Program(code=code, name_zh=name_zh.strip(), name_en=clean_text(name_en),
                      discipline=clean_text(discipline), degree_level=degree_level)
    db.session.add(program)
    db.session.flush()
    return program


def update_program(
    user: User,
    program: Program,
    *,
    code: str,
    name_zh: str,
    name_en: str | None = None,
    discipline: str | None = None,
    degree_level: DegreeLevel = DegreeLevel.BACHELOR,
) -> Program:
    """Change a program's code, names, discipline and degree level (administrators only).

    Raises
    ------
    DomainError
        The user is not an administrator.
    ValidationError
        Code or Chinese name missing, or the code belongs to another program.
    """
    _require_admin(user)
    program.code = _check_program_values(code, name_zh, program)
    program.name_zh = name_zh.strip()
    program.name_en = clean_text(name_en)
    program.discipline = clean_text(discipline)
    program.degree_level = degree_level
    db.session.flush()
    return program


def delete_program(user: User, program: Program) -> None:
    """Delete an empty program (administrators only) with its empty cohorts and memberships.

    Raises
    ------
    DomainError
        The user is not an administrator, or the program still has students, framework versions,
        achievements or partner organisations.
    """
    _require_admin(user)
    n = queries.count_students(program_id=program.id)
    if n:
        raise DomainError(_l("The program %(code)s still has %(n)d students: move or delete them first.",
                             code=program.code, n=n))
    if queries.count_frameworks(program.id):
        raise DomainError(_l("The program %(code)s still has cultivation frameworks: delete them first.",
                             code=program.code))
    if queries.count_achievements(program.id):
        raise DomainError(_l("The program %(code)s still has achievements: delete them first.", code=program.code))
    if queries.count_partners(program.id):
        raise DomainError(_l("The program %(code)s still has partner organisations: delete them first.",
                             code=program.code))
    db.session.delete(program)
    db.session.flush()


# --- cohorts ---

def _check_cohort_values(program: Program, entry_year: int | None, cohort: Cohort | None = None) -> int:
    if entry_year is None or not (MIN_ENTRY_YEAR <= int(entry_year) <= MAX_ENTRY_YEAR):
        raise FieldError("entry_year", _l("Enter a year between %(lo)d and %(hi)d.",
                                             lo=MIN_ENTRY_YEAR, hi=MAX_ENTRY_YEAR))
    entry_year = int(entry_year)
    existing = queries.get_cohort(program.id, entry_year)
    if existing is not None and existing is not cohort:
        raise FieldError("entry_year", _l("The program %(code)s already has a cohort for %(year)d.",
                                             code=program.code, year=entry_year))
    return entry_year


def create_cohort(user: User, program: Program, *, entry_year: int, label: str | None = None) -> Cohort:
    """Open a cohort (the students entering a program in one year).

    Parameters
    ----------
    user : User
        A director of the program or an administrator (``Action.MANAGE``).
    program : Program
    entry_year : int
        Between 1950 and 2100, unique within the program.
    label : str, optional
        Display name such as "SE 2024 (experimental class)".

    Returns
    -------
    Cohort
        The new cohort, flushed.

    Raises
    ------
    DomainError
        The user may not manage the program.
    ValidationError
        Year out of range or already used in this program.
    """
    ensure_allowed(user, Action.MANAGE, program)
    entry_year = _check_cohort_values(program, entry_year)
    cohort = Cohort(program=program, entry_year=entry_year, label=clean_text(label))
    db.session.add(cohort)
    db.session.flush()
    return cohort


def update_cohort(user: User, cohort: Cohort, *, entry_year: int, label: str | None = None) -> Cohort:
    """Change a cohort's entry year and label (directors of the program, administrators).

    Raises
    ------
    DomainError
        The user may not manage the program.
    ValidationError
        Year out of range or used by another cohort of the program.
    """
    ensure_allowed(user, Action.MANAGE, cohort)
    cohort.entry_year = _check_cohort_values(cohort.program, entry_year, cohort)
    cohort.label = clean_text(label)
    db.session.flush()
    return cohort


def delete_cohort(user: User, cohort: Cohort) -> None:
    """Delete a cohort without students (directors of the program, administrators).

    Raises
    ------
    DomainError
        The user may not manage the program, or the cohort still has students.
    """
    ensure_allowed(user, Action.MANAGE, cohort)
    n = queries.count_students(cohort_id=cohort.id)
    if n:
        raise DomainError(_l("The cohort %(name)s still has %(n)d students: move or delete them first.",
                             name=cohort.display_name, n=n))
    db.session.delete(cohort)
    db.session.flush()


# --- students ---

def _check_student_values(user: User, cohort: Cohort, student_no: str | None, name: str | None,
                          student: Student | None = None) -> str:
    if not can(user, Action.EDIT, cohort):
        raise FieldError("cohort_id", _l("Choose a cohort of a program you teach in."))
    student_no = clean_text(student_no)
    if not student_no:
        raise FieldError("student_no", _l("Enter the student number."))
    if not clean_text(name):
        raise FieldError("name", _l("Enter the student's name."))
    existing = queries.get_student_by_number(student_no)
    if existing is not None and existing is not student:
        raise FieldError("student_no", _l("%(no)s is already used by another student.", no=student_no))
    return student_no


def create_student(
    user: User,
    cohort: Cohort,
    *,
    student_no: str,
    name: str,
    email: str | None = None,
    status: StudentStatus = StudentStatus.ENROLLED,
) -> Student:
    """Add a student to a cohort.

    Parameters
    ----------
    user : User
        A teacher or director of the cohort's program, or an administrator (``Action.EDIT``).
    cohort : Cohort
    student_no : str
        Unique student number (compared case-insensitively).
    name : str
    email : str, optional
    status : StudentStatus

    Returns
    -------
    Student
        The new student, flushed.

    Raises
    ------
    ValidationError
        The user may not edit the cohort's program, a required value is missing, or the number is taken.
    """
    student_no = _check_student_values(user, cohort, student_no, name)
    student = Student(cohort=cohort, student_no=student_no, name=name.strip(), email=clean_text(email), status=status)
    db.session.add(student)
    db.session.flush()
    return student


def update_student(
    user: User,
    student: Student,
    *,
    cohort: Cohort,
    student_no: str,
    name: str,
    email: str | None = None,
    status: StudentStatus = StudentStatus.ENROLLED,
) -> Student:
    """Change a student's record, possibly moving them to another cohort the user may edit.

    Raises
    ------
    DomainError
        The user may not edit the student's current program.
    ValidationError
        The user may not edit the new cohort's program, a required value is missing, or the number
        belongs to another student.
    """
    ensure_allowed(user, Action.EDIT, student)
    student_no = _check_student_values(user, cohort, student_no, name, student)
    student.cohort = cohort
    student.student_no = student_no
    student.name = name.strip()
    student.email = clean_text(email)
    student.status = status
    db.session.flush()
    return student


def delete_student(user: User, student: Student) -> None:
    """Delete a student record and their supervisor team (directors of the program, administrators).

    A linked student account is kept but unlinked. Students named on achievements or IUR participations
    are not deleted: those records are outcomes the program reports on.

    Raises
    ------
    DomainError
        The user may not manage the program, or the student has achievements or IUR participations.
    """
    ensure_allowed(user, Action.MANAGE, student)
    if queries.count_achievements_of(student):
        raise DomainError(_l("%(name)s is named on achievements: remove them from those achievements first, "
                             "or set the status to Withdrawn instead.", name=student.display_name))
    if queries.count_participations_of(student):
        raise DomainError(_l("%(name)s has IUR participations: delete those first, "
                             "or set the status to Withdrawn instead.", name=student.display_name))
    db.session.execute(delete(Supervision).where(Supervision.student_id == student.id))
    if student.account is not None:
        student.account.student_id = None
    db.session.delete(student)
    db.session.flush()


# --- supervisor teams ---

def add_supervisor(
    user: User,
    student: Student,
    *,
    teacher: User | None = None,
    joint_supervisor: JointSupervisor | None = None,
    role: SupervisorRole = SupervisorRole.PRIMARY,
    discipline: str | None = None,
) -> Supervision:
    """Add a teacher of the program or a partner's joint supervisor to a student's supervisor team.

    Parameters
    ----------
    user : User
        A teacher or director of the student's program, or an administrator (``Action.EDIT``).
    student : Student
    teacher : User, optional
        An active teacher or director account that is a member of the student's program.
    joint_supervisor : JointSupervisor, optional
        A joint supervisor of one of the program's partner organisations. Exactly one of ``teacher``
        and ``joint_supervisor`` is given.
    role : SupervisorRole
    discipline : str, optional
        The supervisor's discipline in this team.

    Returns
    -------
    Supervision
        The new team member, flushed.

    Raises
    ------
    DomainError
        The user may not edit the student.
    ValidationError
        Neither or both supervisors given, a supervisor outside the program, or already in the team.
    """
    ensure_allowed(user, Action.EDIT, student)
    if (teacher is None) == (joint_supervisor is None):
        raise FieldError("supervisor", _l("Choose one teacher or one joint supervisor."))
    program_id = student.program_id
    if teacher is not None:
        if not queries.is_program_teacher(teacher, program_id):
            raise FieldError("supervisor", _l("%(name)s is not a teacher of this program.",
                                                   name=teacher.name))
        existing = queries.find_supervision(student, teacher_id=teacher.id)
        name = teacher.name
    else:
        if joint_supervisor.program_id != program_id:
            raise FieldError("supervisor", _l("%(name)s does not work for a partner of this program.",
                                                   name=joint_supervisor.name))
        existing = queries.find_supervision(student, joint_supervisor_id=joint_supervisor.id)
        name = joint_supervisor.name
    if existing is not None:
        raise FieldError("supervisor", _l("%(name)s is already in this student's team.", name=name))
    supervision = Supervision(student=student, teacher=teacher, joint_supervisor=joint_supervisor,
                              role=role, discipline=clean_text(discipline))
    db.session.add(supervision)
    db.session.flush()
    return supervision


def remove_supervisor(user: User, supervision: Supervision) -> None:
    """Remove a member from a student's supervisor team.

    Raises
    ------
    DomainError
        The user may not edit the student.
    """
    ensure_allowed(user, Action.EDIT, supervision.student)
    db.session.delete(supervision)
    db.session.flush()
