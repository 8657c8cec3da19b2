"""Account administration refuses bad student links with a message (never a 500); searches treat
``%`` and ``_`` as plain characters."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from eduinnov.auth import services as auth_services
from eduinnov.auth.models import Role, User
from eduinnov.core.errors import ValidationError
from eduinnov.extensions import db
from eduinnov.indicators import queries as indicator_queries
from eduinnov.indicators.models import EvaluationModel
from tests.factories import make_student, make_user


def test_linking_a_student_record_that_already_has_an_account_is_a_form_error(login_as, admin, student, teacher):
    holder = make_user(Role.STUDENT, student=student)
    browser = login_as(admin)
    url = f"/admin/users/{teacher.id}"
    response = browser.post(url, {"name": "renamed", "role": "student", "student_id": str(student.id),
                                  "is_active": "y"}, token_from=url)
    assert response.status_code in (200, 422)
    assert f"already linked to the account {holder.email}" in response.get_data(as_text=True)
    again = db.session.get(User, teacher.id)
    assert again.role == Role.TEACHER and again.student_id is None and again.name != "renamed"


@pytest.mark.parametrize("student_id", ["999999", "99999999999"])
def test_linking_a_missing_student_record_is_a_form_error(login_as, admin, teacher, student_id):
    browser = login_as(admin)
    url = f"/admin/users/{teacher.id}"
    response = browser.post(url, {"name": "x", "role": "student", "student_id": student_id, "is_active": "y"},
                            token_from=url)
    assert response.status_code in (200, 422)
    assert "Choose an existing student record." in response.get_data(as_text=True)
    assert db.session.get(User, teacher.id).role == Role.TEACHER


def test_new_account_for_an_already_linked_student_is_refused(app, student):
    make_user(Role.STUDENT, student=student)
    with force_locale("en"), pytest.raises(ValidationError, match="already linked"):
        auth_services.create_user(email="second@test.edu", name="Second", role=Role.STUDENT,
                                  password="long enough password", student_id=student.id)


def test_staff_accounts_are_not_linked_to_student_records(app, cohort):
    other = make_student(cohort)
    user = auth_services.create_user(email="t@test.edu", name="T", role=Role.TEACHER,
                                     password="long enough password", student_id=other.id)
    assert user.student_id is None


def test_user_search_treats_wildcards_as_text(app):
    make_user(Role.TEACHER, email="plain@test.edu", name="Plain")
    make_user(Role.TEACHER, email="under_score@test.edu", name="Under")
    found = db.session.scalars(auth_services.list_users("_")).all()
    assert [u.email for u in found] == ["under_score@test.edu"]
    assert db.session.scalars(auth_services.list_users("%")).all() == []


def test_model_search_treats_wildcards_as_text(app, world_a, admin):
    world_a.model.name = "100% model"
    db.session.add(EvaluationModel(program_id=world_a.program.id, name="1000 model", unit=world_a.model.unit))
    db.session.commit()
    for q in ("100%", "%"):
        names = [m.name for m in db.session.scalars(indicator_queries.list_models_stmt(admin, q=q))]
        assert names == ["100% model"], q
