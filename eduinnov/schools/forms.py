"""Forms of the schools domain."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class SchoolForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)], filters=[_strip],
                       description=_l("Short unique code, e.g. CS or NUR."))
    name_zh = StringField(_l("Chinese name"), validators=[DataRequired(), Length(max=200)], filters=[_strip])
    name_en = StringField(_l("English name"), validators=[Optional(), Length(max=200)], filters=[_strip])
    programs = SelectMultipleField(
        _l("Programs"), coerce=int, validators=[Optional()],
        description=_l("Programs chosen here move into this school (a program belongs to one school). "
                       "To take a program out, add it to another school."))
    deans = SelectMultipleField(
        _l("Deans"), coerce=int, validators=[Optional()],
        description=_l("Deans see every program of the school, read-only, and the school dashboard."))
