"""Named reads of the programs domain: programs, cohorts, students and their supervisor teams."""

from __future__ import annotations

from sqlalchemy import Select, case, func, or_, select

from eduinnov.achievements.models import Achievement, AchievementParticipant
from eduinnov.auth.access import Action, can, restrict_to_programs
from eduinnov.auth.models import ProgramMembership, Role, User
from eduinnov.extensions import db
from eduinnov.frameworks.models import (
    FrameworkVersion,
    JointSupervisor,
    Participation,
    PartnerOrganisation,
    Supervision,
    SupervisorRole,
)
from eduinnov.programs.models import Cohort, Program, Student, StudentStatus


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# --- programs ---

def list_programs_for(user: User) -> list[Program]:
    """Programs the user may see, ordered by code.

    Parameters
    ----------
    user : User
        The acting user; admins see every program, directors and teachers the programs they are
        members of, students none.

    Returns
    -------
    list[Program]
    """
    stmt = restrict_to_programs(user, select(Program), Program.id).order_by(Program.code)
    return list(db.session.scalars(stmt))


def get_program_by_code(code: str) -> Program | None:
    """The program with this code (case-insensitive), or None."""
    return db.session.scalar(select(Program).where(func.lower(Program.code) == code.strip().lower()))


def list_members(program: Program) -> list[ProgramMembership]:
    """Memberships of a program with their users, directors first, then by name."""
    stmt = (
        select(ProgramMembership)
        .join(ProgramMembership.user)
        .where(ProgramMembership.program_id == program.id)
        .order_by(ProgramMembership.role, User.name)
    )
    return list(db.session.scalars(stmt))


def count_students_by_cohort(program: Program) -> dict[int, int]:
    """Number of students in each cohort of a program, keyed by cohort id (cohorts without students: 0)."""
    rows = db.session.execute(
        select(Cohort.id, func.count(Student.id))
        .outerjoin(Student, Student.cohort_id == Cohort.id)
        .where(Cohort.program_id == program.id)
        .group_by(Cohort.id)
    )
    return {cohort_id: int(n) for cohort_id, n in rows}


def count_students_by_program(program_ids: list[int]) -> dict[int, int]:
    """Number of students in each of these programs, keyed by program id (programs without students: absent)."""
    rows = db.session.execute(
        select(Cohort.program_id, func.count(Student.id))
        .join(Student, Student.cohort_id == Cohort.id)
        .where(Cohort.program_id.in_(program_ids or [-1]))
        .group_by(Cohort.program_id)
    )
    return {program_id: int(n) for program_id, n in rows}


def count_students(*, program_id: int | None = None, cohort_id: int | None = None) -> int:
    """Number of students, optionally only in one program or one cohort."""
    stmt = select(func.count(Student.id)).join(Student.cohort)
    if program_id is not None:
        stmt = stmt.where(Cohort.program_id == program_id)
    if cohort_id is not None:
        stmt = stmt.where(Student.cohort_id == cohort_id)
    return int(db.session.scalar(stmt) or 0)


def count_achievements(program_id: int) -> int:
    """Number of achievements recorded for a program."""
    return int(db.session.scalar(select(func.count(Achievement.id)).where(Achievement.program_id == program_id)) or 0)


def count_frameworks(program_id: int) -> int:
    """Number of framework versions of a program."""
    stmt = select(func.count(FrameworkVersion.id)).where(FrameworkVersion.program_id == program_id)
    return int(db.session.scalar(stmt) or 0)


def count_partners(program_id: int) -> int:
    """Number of IUR partner organisations of a program."""
    stmt = select(func.count(PartnerOrganisation.id)).where(PartnerOrganisation.program_id == program_id)
    return int(db.session.scalar(stmt) or 0)


# --- cohorts ---

def get_cohort(program_id: int, entry_year: int) -> Cohort | None:
    """The cohort of a program that entered in ``entry_year``, or None."""
    return db.session.scalar(
        select(Cohort).where(Cohort.program_id == program_id, Cohort.entry_year == entry_year)
    )


def list_cohorts_for(user: User, action: Action = Action.VIEW) -> list[Cohort]:
    """Cohorts of the programs on which ``user`` may perform ``action``, by program code then year.

    Parameters
    ----------
    user : User
        The acting user.
    action : Action
        ``Action.EDIT`` for the cohort choices of the student form; ``Action.VIEW`` for filters.

    Returns
    -------
    list[Cohort]
    """
    stmt = restrict_to_programs(user, select(Cohort).join(Cohort.program), Cohort.program_id)
    stmt = stmt.order_by(Program.code, Cohort.entry_year.desc())
    cohorts = db.session.scalars(stmt)
    return [c for c in cohorts if action == Action.VIEW or can(user, action, c)]


# --- students ---

def get_student_by_number(student_no: str) -> Student | None:
    """The student with this student number (case-insensitive, surrounding spaces ignored), or None."""
    return db.session.scalar(select(Student).where(func.lower(Student.student_no) == student_no.strip().lower()))


def list_students_stmt(
    user: User,
    search: str | None = None,
    program_id: int | None = None,
    cohort_id: int | None = None,
    status: StudentStatus | None = None,
) -> Select:
    """A select of the students the user may see, filtered and sorted by student number.

    Parameters
    ----------
    user : User
        The acting user; the statement never returns students of programs the user cannot see.
    search : str, optional
        Case-insensitive part of the name or the student number.
    program_id, cohort_id : int, optional
        Only this program / this cohort.
    status : StudentStatus, optional
        Only students with this status.

    Returns
    -------
    Select
        Ready for ``core.pagination.paginate``.
    """
    stmt = select(Student).join(Student.cohort)
    stmt = restrict_to_programs(user, stmt, Cohort.program_id)
    if user.role == Role.STUDENT:
        stmt = stmt.where(Student.id == (user.student_id or -1))
    search = (search or "").strip()
    if search:
        pattern = f"%{_escape_like(search.lower())}%"
        stmt = stmt.where(or_(func.lower(Student.name).like(pattern, escape="\\"),
                              func.lower(Student.student_no).like(pattern, escape="\\")))
    if program_id is not None:
        stmt = stmt.where(Cohort.program_id == program_id)
    if cohort_id is not None:
        stmt = stmt.where(Student.cohort_id == cohort_id)
    if status is not None:
        stmt = stmt.where(Student.status == status)
    return stmt.order_by(Student.student_no)


def list_achievements_of(student: Student) -> list[Achievement]:
    """Achievements naming the student, newest year first."""
    stmt = (
        select(Achievement)
        .join(AchievementParticipant)
        .where(AchievementParticipant.student_id == student.id)
        .order_by(Achievement.year.desc(), Achievement.title)
    )
    return list(db.session.scalars(stmt))


def count_achievements_of(student: Student) -> int:
    """Number of achievements naming the student."""
    stmt = select(func.count(AchievementParticipant.id)).where(AchievementParticipant.student_id == student.id)
    return int(db.session.scalar(stmt) or 0)


def list_participations_of(student: Student) -> list[Participation]:
    """The student's IUR placements, joint projects and exchanges, newest first."""
    stmt = (
        select(Participation)
        .where(Participation.student_id == student.id)
        .order_by(Participation.start_date.desc(), Participation.id.desc())
    )
    return list(db.session.scalars(stmt))


def count_participations_of(student: Student) -> int:
    """Number of IUR participations of the student."""
    stmt = select(func.count(Participation.id)).where(Participation.student_id == student.id)
    return int(db.session.scalar(stmt) or 0)


# --- supervisor teams ---

def list_supervisions_of(student: Student) -> list[Supervision]:
    """The student's supervisor team, primary supervisors first."""
    rank = case({r: i for i, r in enumerate(SupervisorRole)}, value=Supervision.role, else_=len(SupervisorRole))
    stmt = select(Supervision).where(Supervision.student_id == student.id).order_by(rank, Supervision.id)
    return list(db.session.scalars(stmt))


def find_supervision(student: Student, *, teacher_id: int | None = None,
                     joint_supervisor_id: int | None = None) -> Supervision | None:
    """The student's supervision by this teacher or joint supervisor, or None."""
    stmt = select(Supervision).where(Supervision.student_id == student.id)
    if teacher_id is not None:
        stmt = stmt.where(Supervision.teacher_id == teacher_id)
    else:
        stmt = stmt.where(Supervision.joint_supervisor_id == joint_supervisor_id)
    return db.session.scalar(stmt)


def list_supervisor_candidates(student: Student) -> tuple[list[User], list[JointSupervisor]]:
    """Who may join the student's supervisor team.

    Parameters
    ----------
    student : Student

    Returns
    -------
    tuple[list[User], list[JointSupervisor]]
        Active teacher and director accounts that are members of the student's program, by name; and
        the joint supervisors of that program's partner organisations, by partner then name.
    """
    program_id = student.program_id
    teachers = db.session.scalars(
        select(User)
        .join(ProgramMembership, ProgramMembership.user_id == User.id)
        .where(ProgramMembership.program_id == program_id, User.role.in_((Role.TEACHER, Role.DIRECTOR)),
               User.is_active_account.is_(True))
        .order_by(User.name)
    )
    joint = db.session.scalars(
        select(JointSupervisor)
        .join(JointSupervisor.partner)
        .where(PartnerOrganisation.program_id == program_id)
        .order_by(PartnerOrganisation.name_zh, JointSupervisor.name)
    )
    return list(teachers), list(joint)


def is_program_teacher(user: User, program_id: int) -> bool:
    """Whether ``user`` is an active teacher or director account and a member of the program."""
    return (
        user.is_active_account
        and user.role in (Role.TEACHER, Role.DIRECTOR)
        and any(m.program_id == program_id for m in user.memberships)
    )

