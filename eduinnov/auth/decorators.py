"""Named access decorators for views: load-and-check once, and the staff predicate.

indico's RH classes load the object named by the URL and check access once, before the handler runs
(``modules/events/registration/controllers/management/__init__.py``); CTFd names its access rules as
decorators (``utils/decorators``). Here both stay plain function views::

    @bp.route("/<int:achievement_id>/review", methods=["POST"])
    @login_required
    @loads(Achievement, "achievement_id", Action.EDIT)
    def review_item(achievement):
        ...

    @bp.route("/ratings")
    @login_required
    @staff_required
    def ratings():
        ...
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from flask import abort
from flask_login import current_user

from eduinnov.auth.access import Action, get_or_404
from eduinnov.auth.models import Role, User

__all__ = ["STAFF_ROLES", "is_staff", "loads", "staff_required"]

#: Who works on programs (as opposed to students and partners): admins, directors and teachers.
STAFF_ROLES = (Role.ADMIN, Role.DIRECTOR, Role.TEACHER)


def is_staff(user: User) -> bool:
    """Whether ``user`` is an admin, a director or a teacher (a signed-in member of staff)."""
    return bool(getattr(user, "is_authenticated", False)) and user.role in STAFF_ROLES


def staff_required(view: Callable) -> Callable:
    """Answer 403 unless the current user is staff (:func:`is_staff`); put it below ``@login_required``."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any):
        if not is_staff(current_user):
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def loads(model: type, arg: str, action: Action = Action.VIEW, *, name: str | None = None,
          unlocked: Callable[[Any], Any] | None = None,
          options: Sequence[Any] = ()) -> Callable[[Callable], Callable]:
    """Load the object the URL names, check access once, and call the view with the object.

    Parameters
    ----------
    model : type
        The model class to load.
    arg : str
        The URL argument holding its id (``"achievement_id"``); the view does not receive it.
    action : Action
        Checked with :func:`eduinnov.auth.access.get_or_404`: 404 when the object is missing or in a program
        the user cannot see, 403 when it is visible but ``action`` is not allowed.
    name : str, optional
        The view's keyword for the object; by default ``arg`` without ``_id`` (``achievement``).
    unlocked : callable, optional
        ``unlocked(obj)`` returns a response (a redirect with the read-only message) when the object may not
        be changed, else None; the view runs only in the second case.
    options : sequence, optional
        Loader options for loading the object (``joinedload(Cohort.program)``: one statement, not two).
    """
    keyword = name or arg.removesuffix("_id")

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any):
            obj = get_or_404(current_user, model, kwargs.pop(arg), action, options=options)
            if unlocked is not None and (refused := unlocked(obj)) is not None:
                return refused
            return view(*args, **kwargs, **{keyword: obj})

        return wrapper

    return decorator
