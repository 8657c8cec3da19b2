"""The one place that decides who may see or change what.

Every view that touches an object loads it through :func:`get_or_404`, which answers 404 both for ids
that do not exist and for objects in programs the user is not a member of — so ids reveal nothing.
Within a visible program, lacking the right to an action gives 403.

Deans (``school_deans``) see every object of their school's programs (VIEW only: EDIT, MANAGE and
VERIFY still come from program membership), and their school itself; nothing of any other school.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any, TypeVar

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import Select, select

from eduinnov.auth.models import MembershipRole, ProgramMembership, Role, User
from eduinnov.core.errors import DomainError
from eduinnov.core.versioning import expect_posted_version
from eduinnov.core.web import parse_id
from eduinnov.extensions import db

T = TypeVar("T")


class Action(enum.Enum):
    VIEW = "view"
    EDIT = "edit"          # teachers and directors: students, achievements they log
    MANAGE = "manage"      # directors: frameworks, partners, cohorts, evaluation models
    VERIFY = "verify"      # directors: accept or reject achievements


def program_ids(user: User, *, role: MembershipRole | None = None) -> set[int]:
    """Ids of the programs this user is a member of (optionally only with ``role``)."""
    return {m.program_id for m in user.memberships if role is None or m.role == role}


def dean_school_ids(user: User) -> set[int]:
    """Ids of the schools this user is dean of (none for students)."""
    if user.role == Role.STUDENT:
        return set()
    return {d.school_id for d in user.deanships}


def dean_program_ids(user: User) -> set[int]:
    """Ids of the programs of the schools this user is dean of (read access only)."""
    if user.role == Role.STUDENT:
        return set()
    return {p.id for d in user.deanships for p in d.school.programs}


def visible_program_ids(user: User) -> set[int] | None:
    """Programs whose data the user may read; ``None`` means all (admins)."""
    if user.role == Role.ADMIN:
        return None
    if user.role == Role.STUDENT:
        return set()
    return program_ids(user) | dean_program_ids(user)


def can(user: User, action: Action, obj: Any) -> bool:
    """Whether ``user`` may perform ``action`` on ``obj`` (anything with a ``program_id``)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.role == Role.ADMIN:
        return True
    if user.role == Role.STUDENT:
        return action == Action.VIEW and _student_owns(user, obj)
    if _is_school(obj):  # a school: its deans see it (its dashboard); only admins change it
        return action == Action.VIEW and obj.id in dean_school_ids(user)
    program_id = obj.program_id
    if program_id is None:  # institution-wide objects (e.g. evaluation model templates): admins only
        return False
    membership = next((m for m in user.memberships if m.program_id == program_id), None)
    if membership is None:
        # A dean reads every object of the school's programs, and changes none of them.
        return action == Action.VIEW and program_id in dean_program_ids(user)
    if action in (Action.VIEW, Action.EDIT):
        return True
    return membership.role == MembershipRole.DIRECTOR


def _is_school(obj: Any) -> bool:
    from eduinnov.schools.models import School

    return isinstance(obj, School)


def _student_owns(user: User, obj: Any) -> bool:
    from eduinnov.achievements.models import Achievement, EvidenceFile
    from eduinnov.programs.models import Student

    sid = user.student_id
    if sid is None:
        return False
    if isinstance(obj, Student):
        return obj.id == sid
    if isinstance(obj, EvidenceFile):
        obj = obj.achievement
    if isinstance(obj, Achievement):
        return any(p.student_id == sid for p in obj.participants)
    return False


def get_or_404(user: User, model: type[T], ident: Any, action: Action = Action.VIEW, *,
               options: Sequence[Any] = ()) -> T:
    """Load ``model`` by primary key and check ``action``: 404 if missing or invisible, 403 if not allowed.

    ``options``: loader options for the statement (e.g. ``joinedload`` of what the page shows at once).
    """
    ident = parse_id(ident)
    if ident is None:
        abort(404)
    obj = db.session.get(model, ident, options=options)
    if obj is None or not can(user, Action.VIEW, obj):
        abort(404)
    if action != Action.VIEW and not can(user, action, obj):
        abort(403)
    expect_posted_version(obj)  # an edit form's row_version: a save based on an older version is refused
    return obj


def require(user: User, action: Action, obj: Any) -> None:
    """Abort with 404/403 unless ``user`` may perform ``action`` on ``obj`` (for objects already loaded)."""
    if not can(user, Action.VIEW, obj):
        abort(404)
    if not can(user, action, obj):
        abort(403)


def restrict_to_programs(user: User, stmt: Select, program_id_column: Any) -> Select:
    """Limit a list query to the programs the user may see."""
    ids = visible_program_ids(user)
    if ids is None:
        return stmt
    return stmt.where(program_id_column.in_(ids or [-1]))


def ensure_allowed(user: User, action: Action, obj: Any) -> None:
    """Raise ``DomainError`` unless ``user`` may perform ``action`` on ``obj``.

    Views already check access with :func:`get_or_404`; services check again so that a CLI command or
    an import cannot act for a user outside their programs.
    """
    if not can(user, action, obj):
        raise DomainError(_("You are not allowed to do this."))


def require_role(user: User, *roles: Role) -> None:
    """Abort 403 unless the user has one of ``roles``."""
    if user.role not in roles:
        abort(403)


def list_directors_of(program_id: int) -> list[User]:
    """Users who direct a program."""
    stmt = (
        select(User)
        .join(ProgramMembership)
        .where(ProgramMembership.program_id == program_id, ProgramMembership.role == MembershipRole.DIRECTOR)
    )
    return list(db.session.scalars(stmt))
