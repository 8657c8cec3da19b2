"""Forms of the OBE domain."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    FloatField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from eduinnov.core.i18n import enum_choices
from eduinnov.core.web import parse_id
from eduinnov.obe.models import AssessmentType, ImprovementStatus


def _int_or_none(value):
    if value in (None, "", "None"):
        return None
    ident = parse_id(value)
    if ident is None:
        raise ValueError(value)  # WTForms shows "not a valid choice"
    return ident


class OfferingForm(FlaskForm):
    course_id = SelectField(_l("Course"), coerce=_int_or_none, validators=[DataRequired()])
    cohort_id = SelectField(_l("Cohort"), coerce=_int_or_none, validators=[DataRequired()])
    term = StringField(_l("Term"), validators=[DataRequired(), Length(max=32),
                                               Regexp(r"^\d{4}-\d{4}-[123]$", message=_l("Write the term as 2023-2024-1."))],
                       description=_l("Academic year and semester, e.g. 2023-2024-1."))
    class_name = StringField(_l("Class"), validators=[Optional(), Length(max=64)],
                             description=_l("Only when the cohort is taught in parallel classes, e.g. 软工2101."))
    teacher_id = SelectField(_l("Teacher"), coerce=_int_or_none, validators=[Optional()])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ItemForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=64)],
                       description=_l("Exactly the column header of the score sheet, e.g. 作业1 or 期末考试/题3."))
    type = SelectField(_l("Type"), choices=enum_choices(AssessmentType))
    full_marks = FloatField(_l("Full marks"), validators=[DataRequired(), NumberRange(min=0.01, max=10000)])
    position = IntegerField(_l("Position"), validators=[Optional(), NumberRange(min=0, max=1000)],
                            description=_l("Order of the item in the tables (left to right)."))
    objective_ids = MultiCheckboxField(_l("Course objectives assessed"), coerce=int,
                                       validators=[DataRequired(message=_l("Choose at least one objective."))])


class WeightsForm(FlaskForm):
    """Only CSRF: the weight inputs are named ``w-<objective id>-<type>``, one per mapped type."""


class UploadForm(FlaskForm):
    sheet = FileField(_l("Score sheet"), validators=[
        FileRequired(message=_l("Choose a file.")),
        FileAllowed(["csv", "xlsx", "txt"], _l("A .csv or .xlsx file, please (save old .xls files as .xlsx).")),
    ], description=_l("One row per student, one column per assessment item; title rows above the table are fine."))


class ConfirmForm(FlaskForm):
    token = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9a-f]{32}$")])
    filename = HiddenField(validators=[Optional(), Length(max=255)])


class SurveyUploadForm(FlaskForm):
    sheet = FileField(_l("Survey results (CSV)"), validators=[
        FileRequired(message=_l("Choose a file.")), FileAllowed(["csv", "txt"], _l("A .csv file, please.")),
    ], description=_l("Columns: 指标点 / indicator_point, 来源 / source (graduate, employer, self), "
                      "达成度 / value (0..1), optional 人数 / respondents and 年份 / year."))


class ImprovementForm(FlaskForm):
    target = SelectField(_l("About"), description=_l("The requirement itself, one of its indicator points, "
                                                     "or a course objective behind them."))
    cohort_id = SelectField(_l("Cohort"), coerce=_int_or_none, validators=[Optional()])
    cycle_year = IntegerField(_l("Cycle (year)"), validators=[DataRequired(), NumberRange(min=1950, max=2100)])
    achievement_value = FloatField(_l("Achievement degree found"), validators=[Optional(), NumberRange(min=0, max=1)],
                                   description=_l("The figure that called for the measure, 0..1."))
    analysis = TextAreaField(_l("Analysis"), validators=[DataRequired(), Length(max=5000)],
                             description=_l("Why the objective or requirement was not reached."))
    measure = TextAreaField(_l("Measure"), validators=[DataRequired(), Length(max=5000)])
    responsible = StringField(_l("Responsible"), validators=[DataRequired(), Length(max=120)])
    next_cycle_result = TextAreaField(_l("Result in the next cycle"), validators=[Optional(), Length(max=5000)])
    status = SelectField(_l("Status"), choices=enum_choices(ImprovementStatus))
