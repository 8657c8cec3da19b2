"""Forms of the programs domain."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from eduinnov.core.i18n import enum_choices
from eduinnov.core.web import parse_id
from eduinnov.frameworks.models import SupervisorRole
from eduinnov.programs import queries
from eduinnov.programs.models import DegreeLevel, StudentStatus
from eduinnov.programs.services import MAX_ENTRY_YEAR, MIN_ENTRY_YEAR


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _optional_int(value):
    return parse_id(value)


class ProgramForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)], filters=[_strip],
                       description=_l("Short unique code, e.g. SE or 080902."))
    name_zh = StringField(_l("Chinese name"), validators=[DataRequired(), Length(max=200)], filters=[_strip])
    name_en = StringField(_l("English name"), validators=[Optional(), Length(max=200)], filters=[_strip])
    discipline = StringField(_l("Discipline"), validators=[Optional(), Length(max=120)], filters=[_strip],
                             description=_l("e.g. Computer Science and Technology."))
    degree_level = SelectField(_l("Degree level"), choices=enum_choices(DegreeLevel),
                               default=DegreeLevel.BACHELOR.value)

    def __init__(self, *args, program=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._program = program

    def validate_code(self, field):
        existing = queries.get_program_by_code(field.data or "")
        if existing is not None and existing is not self._program:
            raise ValidationError(_l("Another program already uses the code %(code)s.", code=field.data))


class CohortForm(FlaskForm):
    entry_year = IntegerField(
        _l("Entry year"),
        validators=[DataRequired(message=_l("Enter the entry year as a number.")),
                    NumberRange(MIN_ENTRY_YEAR, MAX_ENTRY_YEAR,
                                message=_l("Enter a year between %(min)s and %(max)s."))],
        description=_l("The year the students of this cohort entered the program."),
    )
    label = StringField(_l("Label"), validators=[Optional(), Length(max=64)], filters=[_strip],
                        description=_l("Optional display name; by default the program code and the year."))


class StudentForm(FlaskForm):
    student_no = StringField(_l("Student number"), validators=[DataRequired(), Length(max=32)], filters=[_strip])
    name = StringField(lazy_pgettext("person", "Name"), validators=[DataRequired(), Length(max=120)], filters=[_strip])
    cohort_id = SelectField(_l("Cohort"), coerce=_optional_int, validate_choice=False,
                            validators=[DataRequired(message=_l("Choose a cohort."))],
                            description=_l("Only cohorts of programs you teach in are listed."))
    email = EmailField(_l("Email"), validators=[Optional(), Email(message=_l("Enter a valid email address.")),
                                                Length(max=254)], filters=[_strip])
    status = SelectField(_l("Status"), choices=enum_choices(StudentStatus), default=StudentStatus.ENROLLED.value)

    def __init__(self, *args, cohorts=(), student=None, **kwargs):
        """``cohorts``: the cohorts the acting user may choose (never trust a posted id)."""
        super().__init__(*args, **kwargs)
        self._cohorts = {c.id: c for c in cohorts}
        self._student = student
        self.cohort_id.choices = [("", _l("— choose —"))] + [
            (c.id, f"{c.program.code} · {c.display_name}") for c in cohorts
        ]

    @property
    def cohort(self):
        """The chosen cohort, if it is one the user may choose."""
        return self._cohorts.get(self.cohort_id.data)

    def validate_cohort_id(self, field):
        if field.data not in self._cohorts:
            raise ValidationError(_l("Choose a cohort of a program you teach in."))

    def validate_student_no(self, field):
        existing = queries.get_student_by_number(field.data or "")
        if existing is not None and existing is not self._student:
            raise ValidationError(_l("%(no)s is already used by another student.", no=field.data))


class StudentFilterForm(FlaskForm):
    """Search and filters of the student list (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), filters=[_strip])
    program = SelectField(_l("Program"), coerce=_optional_int, validate_choice=False)
    cohort = SelectField(_l("Cohort"), coerce=_optional_int, validate_choice=False)
    status = SelectField(_l("Status"), choices=enum_choices(StudentStatus, blank=True), validate_choice=False)

    def __init__(self, *args, programs=(), cohorts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.program.choices = [("", _l("All programs"))] + [(p.id, f"{p.code} {p.display_name}") for p in programs]
        self.cohort.choices = [("", _l("All cohorts"))] + [
            (c.id, f"{c.program.code} · {c.display_name}") for c in cohorts
        ]
        self.status.choices = [("", _l("All statuses"))] + enum_choices(StudentStatus)

    @property
    def status_value(self):
        """The chosen status, or None for all / an unknown value."""
        try:
            return StudentStatus(self.status.data) if self.status.data else None
        except ValueError:
            return None


class SupervisorForm(FlaskForm):
    supervisor = SelectField(_l("Supervisor"), validators=[DataRequired(message=_l("Choose a supervisor."))],
                             validate_choice=False,
                             description=_l("A teacher of this program or a joint supervisor of one of its partners."))
    role = SelectField(_l("Role in the team"), choices=enum_choices(SupervisorRole),
                       default=SupervisorRole.PRIMARY.value)
    discipline = StringField(_l("Discipline"), validators=[Optional(), Length(max=120)], filters=[_strip],
                             description=_l("The supervisor's field in this team, e.g. Machine learning."))

    def __init__(self, *args, teachers=(), joint_supervisors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._teachers = {f"t-{t.id}": t for t in teachers}
        self._joint = {f"j-{j.id}": j for j in joint_supervisors}
        teacher = _l("Teacher")
        joint = _l("Joint supervisor")
        self.supervisor.choices = (
            [("", _l("— choose —"))]
            + [(key, f"{t.name} ({teacher})") for key, t in self._teachers.items()]
            + [(key, f"{j.name} ({joint}, {j.partner.display_name})") for key, j in self._joint.items()]
        )

    @property
    def teacher(self):
        return self._teachers.get(self.supervisor.data)

    @property
    def joint_supervisor(self):
        return self._joint.get(self.supervisor.data)

    def validate_supervisor(self, field):
        if field.data not in self._teachers and field.data not in self._joint:
            raise ValidationError(_l("Choose a teacher of this program or a joint supervisor of its partners."))
