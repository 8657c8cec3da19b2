from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    Form,
    HiddenField,
    PasswordField,
    SearchField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from eduinnov.auth.models import Role
from eduinnov.core.i18n import LANGUAGES, enum_choices
from eduinnov.core.web import parse_id


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me logged in on this computer"))
    next = HiddenField()


class LogoutForm(FlaskForm):
    pass


class LanguageForm(FlaskForm):
    lang = SelectField(_l("Language"), choices=list(LANGUAGES.items()))
    next = HiddenField()


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=10, max=200)],
                        description=_l("At least 10 characters."))
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("new", message=_l("The passwords do not match."))])


def _student_id(value):
    """A posted student id: None when empty, -1 (refused by the service) when not a number."""
    if value in (None, ""):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    return int(text) if text.isdigit() and len(text) < 12 else -1


class UserForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Role"), choices=enum_choices(Role))
    student_id = StringField(filters=[_student_id])  # rendered as a hidden input beside the search box
    student_search = StringField(_l("Student record"), validators=[Optional(), Length(max=120)],
                                 description=_l("Only for student accounts: type the student number, or part of "
                                                "the name to see the matches."))
    locale = SelectField(_l("Language"), choices=[("", _l("—"))] + list(LANGUAGES.items()),
                         validators=[Optional()])
    is_active = BooleanField(_l("Active"), default=True)
    password = PasswordField(_l("Password"), validators=[Optional(), Length(min=10, max=200)],
                             description=_l("Leave empty to keep the current password."))


class UserFilterForm(Form):
    """The filters of the users page (read from the query string)."""

    q = SearchField(_l("Search"), validators=[Optional(), Length(max=100)])
    role = SelectField(_l("Role"), choices=[("", _l("All roles")), *enum_choices(Role)], validators=[Optional()])
    program = SelectField(_l("Program"), coerce=parse_id, validate_choice=False)
