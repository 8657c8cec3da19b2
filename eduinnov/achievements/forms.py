"""Forms of the achievements domain: one form per kind sharing the common fields, filters, evidence."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SearchField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.validators import ValidationError as WTFormsValidationError

from eduinnov.achievements import queries, services
from eduinnov.achievements.models import (
    AchievementKind,
    CasZone,
    Indexing,
    JcrQuartile,
    Level,
    ParticipantRole,
    PatentStatus,
    PatentType,
    PrizeRank,
    ProjectStatus,
    ProjectType,
    VerificationStatus,
)
from eduinnov.core.i18n import enum_choices, enum_label
from eduinnov.core.web import parse_id
from eduinnov.core.widgets import Select

DEFAULT_ROWS = 5
MAX_ROWS = 50
MORE_ROWS = 3


def _optional_int(value):
    return parse_id(value)


class ParticipantForm(Form):
    """One row of the students table (a sub-form: the outer form carries the CSRF token)."""

    student_no = StringField(_l("Student number"), validators=[Optional(), Length(max=32)],
                             filters=[lambda v: v.strip() if isinstance(v, str) else v])
    role = SelectField(_l("Role"), choices=enum_choices(ParticipantRole))
    rank = IntegerField(_l("Rank"), validators=[Optional(), NumberRange(min=1, max=99)])
    is_corresponding = BooleanField(_l("Corresponding author"))


class AchievementForm(FlaskForm):
    """Fields shared by every kind; subclasses add the kind's own fields (see ``FORMS``)."""

    kind: AchievementKind

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=500)])
    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(min=1950, max=2100)],
                        description=_l("The year the achievement is counted in."))
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    supervisor_id = SelectField(_l("Supervising teacher"), coerce=_optional_int,
                                description=_l("A teacher or director of the program."))
    participants = FieldList(FormField(ParticipantForm), min_entries=1, max_entries=MAX_ROWS)
    confirm_distinct = BooleanField(_l("This is a different achievement"),
                                    description=_l("Tick after checking the look-alike items listed above."))

    # Fields shown in the kind's own section, in order (rendered by the template).
    kind_fields: tuple[str, ...] = ()

    def __init__(self, *args, program_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.program_id = program_id
        self.participant_errors: list[str] = []
        self.duplicates: list = []  # look-alike items found on submit (duplicates.Duplicate)
        self.supervisor_id.choices = [("", _l("— none —"))] + [
            (str(u.id), u.name) for u in queries.list_program_teachers(program_id)
        ]
        roles = services.ROLES_BY_KIND[self.kind]
        for entry in self.participants:
            entry.form.role.choices = [(r.value, enum_label(r)) for r in roles]

    @property
    def allows_corresponding(self) -> bool:
        return self.kind == AchievementKind.PUBLICATION

    def add_rows(self, count: int = MORE_ROWS) -> None:
        """Append empty student rows (the "more rows" button; works without JavaScript)."""
        roles = services.ROLES_BY_KIND[self.kind]
        for _i in range(count):
            if len(self.participants.entries) >= MAX_ROWS:
                break
            ranks = [e.form.rank.data for e in self.participants if isinstance(e.form.rank.data, int)]
            entry = self.participants.append_entry({"rank": max(ranks, default=0) + 1,
                                                    "role": roles[-1].value})
            entry.form.role.choices = [(r.value, enum_label(r)) for r in roles]

    def achievement_data(self) -> dict:
        """The column values for the services (common fields and this kind's fields)."""
        data = {name: self[name].data for name in services.COMMON_FIELDS}
        for name in services.KIND_FIELDS[self.kind]:
            data[name] = self[name].data
        return data

    def participant_rows(self) -> list[services.ParticipantInput] | None:
        """The filled student rows as service input, or None after adding errors to the rows.

        Empty rows are ignored. Each student number must be a student of the program; numbers and
        ranks may each appear once.
        """
        filled = [e.form for e in self.participants if e.form.student_no.data]
        if not filled:
            self.participant_errors.append(str(_l("Name at least one student.")))
            return None
        students = queries.get_program_students_by_number(self.program_id, [r.student_no.data for r in filled])
        ok = True
        seen_numbers: set[str] = set()
        seen_ranks: set[int] = set()
        for row in filled:
            number = row.student_no.data
            if number not in students:
                row.student_no.errors.append(str(_l("No student with number %(no)s in this program.", no=number)))
                ok = False
            elif number in seen_numbers:
                row.student_no.errors.append(str(_l("This student is already named in another row.")))
                ok = False
            seen_numbers.add(number)
            if row.rank.errors:
                ok = False
            elif row.rank.data is None:
                row.rank.errors.append(str(_l("Give the rank (1 = first).")))
                ok = False
            elif row.rank.data in seen_ranks:
                row.rank.errors.append(str(_l("Rank %(rank)d is used twice.", rank=row.rank.data)))
                ok = False
            else:
                seen_ranks.add(row.rank.data)
            if row.role.errors:
                ok = False
        if not ok:
            return None
        return [
            services.ParticipantInput(
                student_id=students[row.student_no.data].id, role=ParticipantRole(row.role.data),
                rank=row.rank.data, is_corresponding=self.allows_corresponding and row.is_corresponding.data,
            )
            for row in filled
        ]

    def add_service_error(self, exc: services.FieldError) -> None:
        """Show a service's error next to the field it names (or above the students table)."""
        if exc.field in self and exc.field != "participants":
            self[exc.field].errors = [*self[exc.field].errors, str(exc)]
        else:
            self.participant_errors.append(str(exc))


# Selects that carry a level, an index or a prize start empty: a default would inflate the figures when
# nobody looks (a project left at "national", a paper at "SCI").
_CHOOSE = ("", _l("— choose —"))
_chosen = DataRequired(message=_l("Choose one of the listed values."))


def _validate_doi(form, field):
    try:
        field.data = services.normalise_doi(field.data)
    except services.FieldError as exc:
        raise WTFormsValidationError(str(exc)) from None


class ProjectForm(AchievementForm):
    kind = AchievementKind.PROJECT
    kind_fields = ("level", "project_type", "project_status", "project_number", "start_date", "end_date",
                   "funding")

    level = SelectField(_l("Level"), choices=[_CHOOSE] + [
        c for c in enum_choices(Level) if c[0] in {lv.value for lv in services.PROJECT_LEVELS}
    ], validators=[_chosen])
    project_type = SelectField(_l("Project type"), choices=[_CHOOSE, *enum_choices(ProjectType)],
                               validators=[_chosen])
    project_status = SelectField(_l("Project status"), choices=[_CHOOSE, *enum_choices(ProjectStatus)],
                                 validators=[_chosen])
    project_number = StringField(_l("Project number"), validators=[Optional(), Length(max=64)],
                                 description=_l("The number given when the project was approved."))
    start_date = DateField(_l("Start date"), validators=[Optional()])
    end_date = DateField(_l("End date"), validators=[Optional()],
                         description=_l("Not before the start date."))
    funding = DecimalField(_l("Funding (CNY)"), places=2, validators=[Optional(), NumberRange(min=0)])

    def validate_end_date(self, field):
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise WTFormsValidationError(_l("The end date cannot be before the start date."))


class PublicationForm(AchievementForm):
    kind = AchievementKind.PUBLICATION
    kind_fields = ("venue", "doi", "indexing", "jcr_quartile", "cas_zone")

    venue = StringField(_l("Journal or conference"), validators=[DataRequired(), Length(max=300)])
    doi = StringField(_l("DOI"), validators=[Optional(), Length(max=200), _validate_doi],
                      description=_l("For example 10.1000/xyz123; a https://doi.org/ link is accepted too."))
    indexing = SelectField(_l("Indexing"), choices=[_CHOOSE, *enum_choices(Indexing)], validators=[_chosen],
                           description=_l("The highest index the venue is listed in."))
    jcr_quartile = SelectField(_l("JCR quartile"), choices=[("", _l("— none —")), *enum_choices(JcrQuartile)],
                               validators=[Optional()], description=_l("Journal Citation Reports; Q1 is the top quarter of the category."))
    cas_zone = SelectField(_l("CAS zone"), choices=[("", _l("— none —")), *enum_choices(CasZone)],
                           validators=[Optional()], description=_l("Chinese Academy of Sciences journal ranking (中科院分区)."))


class PatentForm(AchievementForm):
    kind = AchievementKind.PATENT
    kind_fields = ("patent_type", "patent_status", "application_number", "application_date",
                   "grant_number", "grant_date")

    patent_type = SelectField(_l("Patent type"), choices=[_CHOOSE, *enum_choices(PatentType)], validators=[_chosen])
    patent_status = SelectField(_l("Patent status"), choices=[_CHOOSE, *enum_choices(PatentStatus)],
                                validators=[_chosen])
    application_number = StringField(_l("Application number"), validators=[DataRequired(), Length(max=32)])
    application_date = DateField(_l("Application date"), validators=[InputRequired()])
    grant_number = StringField(_l("Grant number"), validators=[Optional(), Length(max=32)],
                               description=_l("Only when the patent is granted."))
    grant_date = DateField(_l("Grant date"), validators=[Optional()],
                           description=_l("Only when the patent is granted."))

    def validate_grant_number(self, field):
        granted = self.patent_status.data == PatentStatus.GRANTED.value
        if granted and not field.data:
            raise WTFormsValidationError(_l("A granted patent needs its grant number."))
        if not granted and field.data:
            raise WTFormsValidationError(_l("Leave empty until the patent is granted."))

    def validate_grant_date(self, field):
        granted = self.patent_status.data == PatentStatus.GRANTED.value
        if granted and not field.data:
            raise WTFormsValidationError(_l("A granted patent needs its grant date."))
        if not granted and field.data:
            raise WTFormsValidationError(_l("Leave empty until the patent is granted."))


class AwardForm(AchievementForm):
    kind = AchievementKind.AWARD
    kind_fields = ("competition", "level", "prize_rank", "award_date")

    competition = StringField(_l("Competition"), validators=[DataRequired(), Length(max=300)])
    level = SelectField(_l("Level"), choices=[_CHOOSE, *enum_choices(Level)], validators=[_chosen])
    prize_rank = SelectField(_l("Prize"), choices=[_CHOOSE, *enum_choices(PrizeRank)], validators=[_chosen])
    award_date = DateField(_l("Award date"), validators=[Optional()])


FORMS: dict[AchievementKind, type[AchievementForm]] = {
    AchievementKind.PROJECT: ProjectForm,
    AchievementKind.PUBLICATION: PublicationForm,
    AchievementKind.PATENT: PatentForm,
    AchievementKind.AWARD: AwardForm,
}


def initial_data(achievement=None, kind: AchievementKind | None = None, rows: int = DEFAULT_ROWS) -> dict:
    """Data to pre-fill a form: the achievement's values, then empty student rows with default ranks."""
    kind = achievement.kind if achievement is not None else kind
    roles = services.ROLES_BY_KIND[kind]
    data: dict = {"participants": []}
    if achievement is not None:
        for name in (*services.COMMON_FIELDS, *services.KIND_FIELDS[kind]):
            value = getattr(achievement, name)
            data[name] = value.value if hasattr(value, "value") else value
        for p in achievement.participants:
            data["participants"].append({"student_no": p.student.student_no, "role": p.role.value,
                                         "rank": p.rank, "is_corresponding": p.is_corresponding})
    filled = len(data["participants"])
    total = min(MAX_ROWS, max(rows, filled + 2))
    for i in range(filled, total):
        role = roles[0] if i == 0 else roles[-1]
        data["participants"].append({"student_no": "", "role": role.value, "rank": i + 1,
                                     "is_corresponding": False})
    return data


class AchievementFilterForm(Form):
    """The filters of the list page (read from the query string)."""

    q = SearchField(_l("Search"), validators=[Optional(), Length(max=100)],
                    description=_l("Title, student name or number, DOI"))
    program = SelectField(_l("Program"), coerce=_optional_int, validate_choice=False, widget=Select())
    kind = SelectField(_l("Kind"), choices=[("", _l("All kinds")), *enum_choices(AchievementKind)],
                       validators=[Optional()], widget=Select())
    status = SelectField(_l("Status"), choices=[("", _l("Any status")), ("pending", _l("Waiting (submitted or reviewed)")),
                                                *enum_choices(VerificationStatus)],
                         validators=[Optional()], widget=Select())
    mine = BooleanField(_l("Recorded or supervised by me"))
    evidence = SelectField(_l("Evidence"), choices=[("", _l("With or without")), ("with", _l("With evidence")),
                                                    ("without", _l("Without evidence"))], validators=[Optional()],
                           widget=Select())
    level = SelectField(_l("Level"), choices=[("", _l("Any level")), *enum_choices(Level)],
                        validators=[Optional()], widget=Select())
    year_from = IntegerField(_l("From year"), validators=[Optional(), NumberRange(min=1950, max=2100)])
    year_to = IntegerField(_l("To year"), validators=[Optional(), NumberRange(min=1950, max=2100)])
    cohort = SelectField(_l("Cohort"), coerce=_optional_int, validate_choice=False, widget=Select())

    def filters(self, user=None) -> queries.AchievementFilters:
        """The valid filters as a query object (invalid ones are ignored and shown as errors)."""
        self.validate()

        def ok(field):
            return field.data if not field.errors and field.data not in ("", None) else None

        def member(enum_cls, field):
            try:
                return enum_cls(ok(field)) if ok(field) else None
            except ValueError:  # " " passes Optional(); anything else not in the list is ignored too
                return None

        program_ids = {v for v, _label in self.program.choices}
        cohort_ids = {v for v, _label in self.cohort.choices}
        return queries.AchievementFilters(
            program_id=ok(self.program) if ok(self.program) in program_ids else None,
            kind=member(AchievementKind, self.kind),
            status=member(VerificationStatus, self.status) if ok(self.status) != "pending" else None,
            pending=ok(self.status) == "pending",
            mine_user_id=user.id if user is not None and self.mine.data else None,
            evidence={"with": True, "without": False}.get(ok(self.evidence)),
            level=member(Level, self.level),
            year_from=ok(self.year_from), year_to=ok(self.year_to),
            cohort_id=ok(self.cohort) if ok(self.cohort) in cohort_ids else None,
            q=ok(self.q),
        )


class EvidenceForm(FlaskForm):
    file = FileField(_l("Evidence file"), validators=[FileRequired(_l("Choose a file to upload."))])
    confirm_distinct = BooleanField(_l("This is a different achievement"),
                                    description=_l("Only when the same file is evidence of another item."))


class MergeForm(FlaskForm):
    other_id = IntegerField(_l("Number of the duplicate item"), validators=[InputRequired(), NumberRange(min=1)],
                            description=_l("Its students, evidence files and history move to this item; "
                                           "the duplicate is deleted."))


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason for rejection"), validators=[Length(max=2000)],
                           description=_l("The person who declared or recorded it will see this."))


class VerifyForm(FlaskForm):
    note = TextAreaField(_l("Reason for verifying without evidence"), validators=[Length(max=2000)],
                         description=_l("Required when there is no evidence file (the program requires "
                                        "evidence); kept with the decision."))


class BatchVerifyForm(FlaskForm):
    """The selected rows of the queue (checkboxes named ``ids``) and one reason for those without evidence."""

    note = TextAreaField(_l("Reason for those without evidence"), validators=[Length(max=2000)],
                         description=_l("Needed only if some of the selected items have no evidence file."))


class QueueFilterForm(Form):
    """Filters of the verification queue (query string)."""

    q = SearchField(_l("Search"), validators=[Optional(), Length(max=100)], description=_l("Title"))
    program = SelectField(_l("Program"), coerce=_optional_int, validate_choice=False)
    kind = SelectField(_l("Kind"), choices=[("", _l("All kinds")), *enum_choices(AchievementKind)],
                       validators=[Optional()])
    evidence = SelectField(_l("Evidence"), choices=[("", _l("With or without")), ("with", _l("With evidence")),
                                                    ("without", _l("Without evidence"))], validators=[Optional()])
    duplicates = BooleanField(_l("Only items with possible duplicates"))

    def filters(self) -> queries.AchievementFilters:
        """The valid filters (invalid ones are ignored)."""
        self.validate()
        program_ids = {v for v, _label in self.program.choices}
        try:
            kind = AchievementKind((self.kind.data or "").strip()) if not self.kind.errors and self.kind.data else None
        except ValueError:  # " " passes Optional(); anything not in the list is ignored
            kind = None
        return queries.AchievementFilters(
            program_id=self.program.data if self.program.data in program_ids else None,
            kind=kind,
            evidence={"with": True, "without": False}.get(self.evidence.data or ""),
            q=(self.q.data or None) if not self.q.errors else None,
        )


class EvidenceSettingForm(FlaskForm):
    evidence_required = BooleanField(_l("Verification needs evidence"),
                                     description=_l("Verifying an item without any evidence file then needs a "
                                                    "written reason."))


class ClaimForm(FlaskForm):
    """A student's claim to be named on an achievement (the role is checked by the service)."""

    role = StringField(_l("Role"), validators=[Length(max=32)])
    note = TextAreaField(_l("Note for the teacher"), validators=[Length(max=2000)],
                         description=_l("For example your author position, or where your name appears."))


class ClaimDecisionForm(FlaskForm):
    note = TextAreaField(_l("Reason (required to refuse)"), validators=[Length(max=2000)])
