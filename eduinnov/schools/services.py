"""Actions of the schools domain: create and edit schools, assign programs to them, name their deans.

Administrators only. Every action takes the acting ``user``, checks it, changes models, ``flush()``es and
never commits; bad input raises :class:`FieldError` (a ``ValidationError`` naming its form field) and
changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from eduinnov.auth.models import Role, User
from eduinnov.core.errors import DomainError, FieldError
from eduinnov.core.text import clean_text
from eduinnov.extensions import db
from eduinnov.programs.models import Program
from eduinnov.schools import queries
from eduinnov.schools.models import School, SchoolDean

__all__ = ["FieldError", "create_school", "set_school_deans", "set_school_programs", "update_school"]

MAX_CODE = 32
MAX_NAME = 200


def _require_admin(user: User) -> None:
    if not (user.is_authenticated and user.is_active and user.role == Role.ADMIN):
        raise DomainError(_l("Only administrators can manage schools."))


def _check_values(code: str | None, name_zh: str | None, name_en: str | None,
                  school: School | None = None) -> tuple[str, str, str | None]:
    code, name_zh, name_en = clean_text(code), clean_text(name_zh), clean_text(name_en)
    if not code:
        raise FieldError("code", _l("Enter the school code."))
    if len(code) > MAX_CODE:
        raise FieldError("code", _l("The code is at most %(n)d characters.", n=MAX_CODE))
    if not name_zh:
        raise FieldError("name_zh", _l("Enter the school's Chinese name."))
    if len(name_zh) > MAX_NAME or (name_en and len(name_en) > MAX_NAME):
        raise FieldError("name_zh" if len(name_zh) > MAX_NAME else "name_en",
                         _l("A name is at most %(n)d characters.", n=MAX_NAME))
    existing = queries.get_school_by_code(code)
    if existing is not None and existing is not school:
        raise FieldError("code", _l("Another school already uses the code %(code)s.", code=code))
    return code, name_zh, name_en


def create_school(user: User, *, code: str, name_zh: str, name_en: str | None = None) -> School:
    """Create a school (administrators only).

    Raises
    ------
    DomainError
        The user is not an administrator.
    FieldError
        Code or Chinese name missing or too long, or the code is taken.
    """
    _require_admin(user)
    code, name_zh, name_en = _check_values(code, name_zh, name_en)
    school = School(code=code, name_zh=name_zh, name_en=name_en)
    db.session.add(school)
    db.session.flush()
    return school


def update_school(user: User, school: School, *, code: str, name_zh: str, name_en: str | None = None) -> School:
    """Change a school's code and names (administrators only); raises like :func:`create_school`."""
    _require_admin(user)
    school.code, school.name_zh, school.name_en = _check_values(code, name_zh, name_en, school)
    db.session.flush()
    return school


def set_school_programs(user: User, school: School, program_ids: Iterable[int]) -> list[Program]:
    """Move the given programs into ``school`` (administrators only).

    A program belongs to exactly one school, so programs are only ever moved *into* a school (from
    wherever they were); leaving a program out of the list does not take it out of this school.

    Raises
    ------
    FieldError
        An id that is not a program.
    """
    _require_admin(user)
    ids = list(dict.fromkeys(program_ids))
    programs = list(db.session.scalars(select(Program).where(Program.id.in_(ids or [-1])))) if ids else []
    if len(programs) != len(ids):
        raise FieldError("programs", _l("Choose programs from the list."))
    for program in programs:
        if program.school_id != school.id:
            program.school = school
    db.session.flush()
    return programs


def set_school_deans(user: User, school: School, user_ids: Iterable[int]) -> list[User]:
    """Make exactly these users the deans of ``school`` (administrators only).

    Deans must be active staff accounts (program directors or teachers): a dean reads every program of
    the school, so a student account or an administrator (who sees everything anyway) is refused.

    Raises
    ------
    FieldError
        An id that is not an active director or teacher account.
    """
    _require_admin(user)
    ids = list(dict.fromkeys(user_ids))
    users = list(db.session.scalars(select(User).where(User.id.in_(ids or [-1])))) if ids else []
    if len(users) != len(ids) or any(u.role not in (Role.DIRECTOR, Role.TEACHER) or not u.is_active_account
                                     for u in users):
        raise FieldError("deans", _l("Deans must be active program directors or teachers."))
    wanted = {u.id for u in users}
    for dean in list(school.deans):
        if dean.user_id not in wanted:
            school.deans.remove(dean)
    present = {d.user_id for d in school.deans}
    for u in users:
        if u.id not in present:
            school.deans.append(SchoolDean(user=u))
    db.session.flush()
    return users
