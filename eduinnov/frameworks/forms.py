"""Forms of the frameworks domain. Choices of related rows are filled by the views from queries limited
to the same version / program, so a posted id from elsewhere fails as "Not a valid choice"."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FloatField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from eduinnov.core.i18n import enum_choices
from eduinnov.frameworks.models import (
    AggregationRule,
    AgreementStatus,
    CourseCategory,
    ModuleKind,
    ModuleLine,
    ObjectiveRule,
    ParticipationKind,
    PartnerKind,
)


def optional_int(value):
    """Coerce a select value to int, '' / None to None."""
    if value in (None, "", "None"):
        return None
    return int(value)


# --- versions ---

class FrameworkForm(FlaskForm):
    program_id = SelectField(_l("Program"), coerce=optional_int, validators=[InputRequired()])
    version = StringField(_l("Version"), validators=[DataRequired(), Length(max=32)],
                          description=_l("A short label unique within the program, e.g. 2024 or 2024-rev1."))
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    entry_year = IntegerField(_l("Entry year"), validators=[Optional(), NumberRange(1950, 2100)],
                              description=_l("The cohort entry year this version is written for."))
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])


class FrameworkSettingsForm(FlaskForm):
    version = StringField(_l("Version"), validators=[DataRequired(), Length(max=32)])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    entry_year = IntegerField(_l("Entry year"), validators=[Optional(), NumberRange(1950, 2100)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])
    threshold = FloatField(_l("Achievement threshold"), validators=[InputRequired()],
                           description=_l("A value is achieved when it reaches this threshold; "
                                          "greater than 0 and at most 1 (usually 0.7)."))
    aggregation_rule = SelectField(_l("Aggregation rule"), choices=enum_choices(AggregationRule),
                                   description=_l("How the courses supporting an indicator point are combined."))
    objective_rule = SelectField(_l("Course objectives"), choices=enum_choices(ObjectiveRule),
                                 description=_l("How a course's value for an indicator point combines the "
                                                "course objectives that support it."))
    weight_h = FloatField(_l("Weight of H"), validators=[InputRequired(), NumberRange(min=0)])
    weight_m = FloatField(_l("Weight of M"), validators=[InputRequired(), NumberRange(min=0)])
    weight_l = FloatField(_l("Weight of L"), validators=[InputRequired(), NumberRange(min=0)],
                          description=_l("Numbers for strong / medium / weak support, e.g. 3/2/1 or 0.7/0.25/0.05; "
                                         "normalised per indicator point."))

    def validate_threshold(self, field):
        if field.data is not None and not (0 < field.data <= 1):
            raise ValidationError(_l("The threshold must be greater than 0 and at most 1."))


class CloneForm(FlaskForm):
    version = StringField(_l("New version"), validators=[DataRequired(), Length(max=32)],
                          description=_l("Label of the copy; it starts as a draft."))
    title = StringField(_l("Title"), validators=[Optional(), Length(max=200)],
                        description=_l("Leave empty to keep the title of the source version."))


# --- OBE content ---

class RequirementForm(FlaskForm):
    number = IntegerField(_l("Number"), validators=[InputRequired(), NumberRange(min=1, max=99)],
                          description=_l("1–12 in the engineering accreditation standard."))
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    title_en = StringField(_l("Title (English)"), validators=[Optional(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])


class IndicatorPointForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=16)],
                       description=_l("E.g. 3.2 (requirement 3, second point)."))
    position = IntegerField(_l("Position"), validators=[Optional(), NumberRange(min=0, max=999)],
                            description=_l("Order within the requirement; empty puts it last."))
    description = TextAreaField(_l("Description"), validators=[DataRequired(), Length(max=5000)])
    description_en = TextAreaField(_l("Description (English)"), validators=[Optional(), Length(max=5000)])


class CourseForm(FlaskForm):
    code = StringField(_l("Course code"), validators=[DataRequired(), Length(max=32)],
                       description=_l("Unique within this version."))
    name_zh = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=200)])
    credits = FloatField(_l("Credits"), validators=[InputRequired(), NumberRange(min=0, max=100)], default=0)
    category = SelectField(_l("Course category"), choices=enum_choices(CourseCategory),
                           default=CourseCategory.OTHER.value,
                           description=_l("Where the course counts in the credit-structure table of the "
                                          "self-evaluation report."))
    term = IntegerField(_l("Term"), validators=[Optional(), NumberRange(min=1, max=12)],
                        description=_l("Semester 1–12."))
    is_required = BooleanField(_l("Required course"), default=True)
    module_id = SelectField(_l("Module"), coerce=optional_int, validators=[Optional()],
                            description=_l("Where the course sits in the module structure."))


class ObjectiveForm(FlaskForm):
    number = IntegerField(_l("Number"), validators=[InputRequired(), NumberRange(min=1, max=99)])
    description = TextAreaField(_l("Description"), validators=[DataRequired(), Length(max=5000)])
    points = SelectMultipleField(_l("Indicator points supported"), coerce=int, validators=[Optional()],
                                 description=_l("The indicator points this objective gives evidence for."))


class ModuleForm(FlaskForm):
    name_zh = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=200)])
    parent_id = SelectField(_l("Parent module"), coerce=optional_int, validators=[Optional()],
                            description=_l("Empty for a top-level module."))
    kind = SelectField(_l("Kind"), choices=enum_choices(ModuleKind))
    line = SelectField(_l("Line"), choices=enum_choices(ModuleLine, blank=True), validators=[Optional()])
    credits = FloatField(_l("Credits"), validators=[Optional(), NumberRange(min=0, max=500)])
    term = StringField(_l("Terms"), validators=[Optional(), Length(max=32)], description=_l("E.g. 1-2 or 5-7."))
    position = IntegerField(_l("Position"), validators=[Optional(), NumberRange(min=0, max=999)],
                            description=_l("Order among its siblings; empty puts it last."))
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])


class MatrixForm(FlaskForm):
    """Only the CSRF token: the cells are read from the request by name (``cell-<course>-<point>``)."""


# --- IUR partnerships ---

class _DatesMixin:
    def validate_end_date(self, field):
        start = self.start_date.data
        if field.data and start and field.data < start:
            raise ValidationError(_l("The end date cannot be before the start date."))


class PartnerForm(FlaskForm):
    program_id = SelectField(_l("Program"), coerce=optional_int, validators=[InputRequired()])
    name_zh = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=enum_choices(PartnerKind))
    city = StringField(_l("City"), validators=[Optional(), Length(max=100)])
    contact_name = StringField(_l("Contact person"), validators=[Optional(), Length(max=100)])
    contact_email = EmailField(_l("Contact email"), validators=[Optional(), Email(), Length(max=254)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])


class AgreementForm(_DatesMixin, FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    status = SelectField(_l("Status"), choices=enum_choices(AgreementStatus))
    start_date = DateField(_l("Start date"), validators=[Optional()])
    end_date = DateField(_l("End date"), validators=[Optional()])
    scope = TextAreaField(_l("Scope"), validators=[Optional(), Length(max=5000)],
                          description=_l("What the partners cooperate on: placements, joint labs, projects…"))


class PracticeBaseForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    capacity = IntegerField(_l("Capacity"), validators=[Optional(), NumberRange(min=0, max=100000)],
                            description=_l("Students it can host at a time."))
    established_on = DateField(_l("Established on"), validators=[Optional()])


class JointSupervisorForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    title = StringField(_l("Position / title"), validators=[Optional(), Length(max=120)])
    email = EmailField(_l("Email"), validators=[Optional(), Email(), Length(max=254)])
    expertise = StringField(_l("Expertise"), validators=[Optional(), Length(max=200)])


class ParticipationForm(_DatesMixin, FlaskForm):
    student_id = SelectField(_l("Student"), coerce=optional_int, validators=[InputRequired()])
    kind = SelectField(_l("Kind"), choices=enum_choices(ParticipationKind))
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)],
                        description=_l("E.g. the internship position or the project name."))
    practice_base_id = SelectField(_l("Practice base"), coerce=optional_int, validators=[Optional()])
    joint_supervisor_id = SelectField(_l("Joint supervisor"), coerce=optional_int, validators=[Optional()])
    start_date = DateField(_l("Start date"), validators=[Optional()])
    end_date = DateField(_l("End date"), validators=[Optional()])


def requirement_map_form(old_requirements, new_requirements):
    """A form with one select per requirement of the earlier version: the requirement of the newer
    version that continues it, or 0 (not carried over). Field names are ``req_<earlier id>``."""

    class RequirementMapForm(FlaskForm):
        pass

    choices = [(0, _l("— not carried over —"))] + [(r.id, f"GR{r.number} {r.title}") for r in new_requirements]
    for r in old_requirements:
        setattr(RequirementMapForm, f"req_{r.id}",
                SelectField(f"GR{r.number} {r.title}", coerce=int, choices=choices))
    return RequirementMapForm
