"""The view prelude said once: ``auth.decorators.loads`` / ``staff_required`` and ``core.web.refuse`` /
``form_error`` (issue #14 §4)."""

from __future__ import annotations

import pytest
from flask import g, get_flashed_messages
from flask_login import login_user
from flask_wtf import FlaskForm
from werkzeug.exceptions import Forbidden, NotFound
from wtforms import StringField

from eduinnov.auth.access import Action
from eduinnov.auth.decorators import is_staff, loads, staff_required
from eduinnov.auth.models import Role
from eduinnov.core.errors import DomainError, FieldError, NotAllowed
from eduinnov.core.web import form_error, refuse
from eduinnov.programs.models import Program
from tests.factories import make_user


@loads(Program, "program_id", Action.MANAGE)
def _manage(program, *, extra=None):
    return ("managed", program.id, extra)


@loads(Program, "program_id", name="target", unlocked=lambda p: "read-only" if p.code == "NUR" else None)
def _view(target):
    return ("viewed", target.id)


@staff_required
def _staff_page():
    return "staff page"


def test_loads_injects_the_checked_object_instead_of_its_id(app, director, program, other_program):
    with app.test_request_context("/"):
        login_user(director)
        assert _manage(program_id=program.id, extra=1) == ("managed", program.id, 1)
        with pytest.raises(NotFound):  # another program: invisible
            _manage(program_id=other_program.id)
        with pytest.raises(NotFound):
            _manage(program_id=10**6)


def test_loads_answers_403_when_the_object_is_visible_but_the_action_is_not_allowed(app, teacher, program):
    with app.test_request_context("/"):
        login_user(teacher)
        assert _view(program_id=program.id) == ("viewed", program.id)
        with pytest.raises(Forbidden):
            _manage(program_id=program.id)


def test_loads_returns_the_locked_answer_without_running_the_view(app, admin, program, other_program):
    with app.test_request_context("/"):
        login_user(admin)
        assert _view(program_id=other_program.id) == "read-only"
        assert _view(program_id=program.id) == ("viewed", program.id)


def test_staff_required_lets_staff_in_and_refuses_students(app, teacher, student, program):
    pupil = make_user(Role.STUDENT, student=student)
    assert is_staff(teacher) and not is_staff(pupil)
    with app.test_request_context("/"):
        login_user(teacher)
        assert _staff_page() == "staff page"
    with app.test_request_context("/"):
        login_user(pupil)
        with pytest.raises(Forbidden):
            _staff_page()


def test_refuse_fails_the_request_then_answers_403_or_flashes(app):
    with app.test_request_context("/"):
        with pytest.raises(Forbidden):
            refuse(NotAllowed("no"))
        assert g.request_failed is True
    with app.test_request_context("/"):
        refuse(DomainError("The cohort already exists."), "warning")
        assert g.request_failed is True
        assert get_flashed_messages(with_categories=True) == [("warning", "The cohort already exists.")]


class _Form(FlaskForm):
    class Meta:
        csrf = False

    name = StringField()


def test_form_error_puts_the_message_next_to_its_field_or_flashes_it(app):
    with app.test_request_context("/", method="POST"):
        form = _Form()
        form_error(form, FieldError("name", "Taken."))
        form_error(form, DomainError("Also this."), "name")
        form_error(form, FieldError("elsewhere", "Not a field of this form."))
        assert form.name.errors == ["Taken.", "Also this."]
        assert get_flashed_messages() == ["Not a field of this form."]
        assert g.request_failed is True
