from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from eduinnov.auth.models import Role
from eduinnov.core.i18n import LANGUAGES, enum_choices


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


class UserForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Role"), choices=enum_choices(Role))
    student_id = SelectField(_l("Student record"), coerce=lambda v: int(v) if v else None, validate_choice=False,
                             description=_l("Only for student accounts."))
    locale = SelectField(_l("Language"), choices=[("", _l("—"))] + list(LANGUAGES.items()),
                         validators=[Optional()])
    is_active = BooleanField(_l("Active"), default=True)
    password = PasswordField(_l("Password"), validators=[Optional(), Length(min=10, max=200)],
                             description=_l("Leave empty to keep the current password."))
