"""Account administration: errors land next to the field they are about, and a refused save changes nothing."""

import re

from eduinnov.auth.models import Role, User
from eduinnov.extensions import db


def _field_errors(html: str, field: str) -> str:
    """The invalid-feedback text rendered right after the input named ``field``."""
    errors = r'\s*((?:<div class="invalid-feedback">[^<]*</div>\s*)*)'
    match = (re.search(rf'<select[^>]*name="{field}"[^>]*>.*?</select>' + errors, html, re.S)
             or re.search(rf'<input[^>]*name="{field}"[^>]*>' + errors, html))
    assert match, f"no field {field}"
    return match.group(1)


def test_a_short_password_on_a_new_account_is_reported_under_password(login_as, admin):
    a = login_as(admin)
    response = a.post("/admin/users/new", {"email": "new@test.edu", "name": "New", "role": "teacher",
                                           "password": "short"}, token_from="/admin/users/new")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "10" in _field_errors(html, "password")
    assert not _field_errors(html, "email")
    assert db.session.query(User).filter_by(email="new@test.edu").count() == 0


def test_a_new_account_needs_a_password(login_as, admin):
    a = login_as(admin)
    response = a.post("/admin/users/new", {"email": "new@test.edu", "name": "New", "role": "teacher",
                                           "password": ""}, token_from="/admin/users/new")
    assert response.status_code == 422
    assert _field_errors(response.get_data(as_text=True), "password")
    assert db.session.query(User).filter_by(email="new@test.edu").count() == 0


def test_a_student_account_without_record_is_reported_under_the_record(login_as, admin):
    a = login_as(admin)
    response = a.post("/admin/users/new", {"email": "s@test.edu", "name": "S", "role": "student",
                                           "password": "long enough password"}, token_from="/admin/users/new")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "student record" in _field_errors(html, "student_id")
    assert not _field_errors(html, "email")


def test_a_refused_edit_changes_nothing(login_as, admin, teacher):
    a = login_as(admin)
    response = a.post(f"/admin/users/{teacher.id}", {"name": "Renamed", "role": "director", "is_active": "y",
                                                     "locale": "", "password": "short"},
                      token_from=f"/admin/users/{teacher.id}")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "10" in _field_errors(html, "password")
    assert 'value="Renamed"' in html  # what the admin typed stays in the form
    saved = db.session.get(User, teacher.id)
    assert saved.name != "Renamed" and saved.role == Role.TEACHER


def test_a_taken_email_is_reported_under_email(login_as, admin, teacher):
    a = login_as(admin)
    response = a.post("/admin/users/new", {"email": teacher.email.upper(), "name": "Twin", "role": "teacher",
                                           "password": "long enough password"}, token_from="/admin/users/new")
    assert response.status_code == 422
    assert "already exists" in _field_errors(response.get_data(as_text=True), "email")
    assert db.session.query(User).filter_by(name="Twin").count() == 0


def test_a_valid_edit_is_saved(login_as, admin, teacher, program):
    a = login_as(admin)
    response = a.post(f"/admin/users/{teacher.id}", {"name": "Renamed", "role": "teacher", "is_active": "y",
                                                     "locale": "", f"membership-{program.id}": "director"},
                      token_from=f"/admin/users/{teacher.id}")
    assert response.status_code == 302
    saved = db.session.get(User, teacher.id)
    assert saved.name == "Renamed" and [m.role.value for m in saved.memberships] == ["director"]
