"""Forms of the indicators domain. Choices of programs, cohorts and students are filled by the views from
queries limited to what the user may act on, so a posted id from elsewhere fails as "Not a valid choice"."""

from __future__ import annotations

import json

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FieldList,
    FloatField,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from eduinnov.core.i18n import enum_choices
from eduinnov.evaluation.params import PARAMS
from eduinnov.indicators.models import AggregationMethod, Direction, EvaluationUnit, WeightingMethod
from eduinnov.indicators.spec import FUZZY_OPERATORS


def optional_int(value):
    """Coerce a select value to int, '' / None to None."""
    if value in (None, "", "None"):
        return None
    return int(value)


def _json_mapping(form, field):
    if not (field.data or "").strip():
        field.parsed = {}
        return
    try:
        value = json.loads(field.data)
    except ValueError as exc:
        raise ValidationError(_l("Not valid JSON: %(error)s", error=str(exc))) from None
    if not isinstance(value, dict):
        raise ValidationError(_l("Write a JSON object such as {\"levels\": [\"national\"]}."))
    field.parsed = value


def _number_list(form, field):
    text = (field.data or "").strip()
    if not text:
        field.parsed = None
        return
    try:
        field.parsed = [float(v) for v in text.replace("，", ",").split(",") if v.strip()]
    except ValueError:
        raise ValidationError(_l("Write numbers separated by commas, e.g. 0.95, 0.85, 0.75.")) from None


class ModelForm(FlaskForm):
    program_id = SelectField(_l("Program"), coerce=optional_int,
                             description=_l("The program the model belongs to; institution-wide models are for "
                                            "administrators."))
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    unit = SelectField(_l("Unit of evaluation"), choices=enum_choices(EvaluationUnit), validators=[InputRequired()],
                       description=_l("What gets a score and a grade: each student of a cohort, each cohort of a "
                                      "program, each program (institution-wide) or each IUR partner."))
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])


class GradeForm(Form):
    name_zh = StringField(_l("Name (Chinese)"), validators=[Optional(), Length(max=40)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=60)])
    min = FloatField(_l("From"), validators=[Optional(), NumberRange(0, 1)])
    max = FloatField(_l("To"), validators=[Optional(), NumberRange(0, 1)])
    value = FloatField(_l("Grade value"), validators=[Optional(), NumberRange(0, 1)])


class ModelSettingsForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    include_unverified = BooleanField(_l("Count claimed (not yet verified) achievements too"),
                                      description=_l("Off by default: only verified achievements count. Rejected "
                                                     "ones never count."))
    grades = FieldList(FormField(GradeForm), min_entries=10, max_entries=10)

    def grade_scale(self) -> list[dict]:
        """The non-empty grade rows, best first."""
        out = []
        for row in self.grades:
            d = row.data
            if not (d["name_zh"] or d["name_en"]) and d["min"] is None and d["max"] is None:
                continue
            out.append({"name_zh": d["name_zh"], "name_en": d["name_en"], "min": d["min"], "max": d["max"],
                        "value": d["value"] if d["value"] is not None else None})
        for g in out:
            if g["value"] is None:
                g.pop("value")
        return out


class CopyForm(FlaskForm):
    program_id = SelectField(_l("Into program"), coerce=optional_int)
    name = StringField(_l("Name of the copy"), validators=[DataRequired(), Length(max=200)])


class ImportForm(FlaskForm):
    program_id = SelectField(_l("Program"), coerce=optional_int)
    file = FileField(_l("YAML file"), validators=[FileRequired()],
                     description=_l("A file downloaded from a model page (or written by hand in the same shape)."))


class NodeAddForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)],
                       description=_l("Short and unique in the model, e.g. B2 or C2.1."))
    name_zh = StringField(_l("Name (Chinese)"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=200)])
    metric_key = SelectField(_l("Metric"), validators=[Optional()],
                             description=_l("Choose a metric for a leaf; leave empty for a group of indicators."))


class ParamRange:
    """WTForms validator: the bounds of a method parameter from the engine's registry (as the YAML check)."""

    def __init__(self, method: str, name: str):
        self.param = PARAMS[(method, name)]

    def __call__(self, form, field):
        if field.data is not None and not self.param.contains(float(field.data)):
            raise ValidationError(_l("Must lie in %(interval)s.", interval=self.param.interval))


def param_field(label, method: str, name: str, description=None) -> FloatField:
    """A float field for a method parameter: registry default and bounds."""
    return FloatField(label, validators=[Optional(), ParamRange(method, name)], default=PARAMS[(method, name)].default,
                      description=description)


class NodeForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])
    name_zh = StringField(_l("Name (Chinese)"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    # leaves
    metric_key = SelectField(_l("Metric"), validators=[Optional()])
    metric_params = TextAreaField(_l("Metric parameters (JSON)"), validators=[Optional(), _json_mapping],
                                  description=_l("e.g. {\"levels\": [\"national\", \"provincial\"]}; empty for the "
                                                 "defaults listed beside the metric."))
    direction = SelectField(_l("Direction"), choices=enum_choices(Direction), default="benefit")
    scaling_method = SelectField(_l("Scoring of the raw value"), choices=[
        ("minmax", _l("Relative: min-max over the evaluated objects")),
        ("target", _l("Against a target: value ÷ target, at most 1")),
        ("range", _l("Linear between a minimum and a maximum")),
        ("none", _l("Already a 0–1 value")),
    ], default="minmax", description=_l("Relative scoring cannot grade a leaf that has the same value for every unit "
                                        "of a run: such a leaf is left out of that run. Give a target when "
                                        "“nobody reached it” must count."))
    scaling_target = FloatField(_l("Target"), validators=[Optional(), NumberRange(min=0)],
                                description=_l("Full marks. With a percentile or a calibrated target: the value used "
                                               "when that percentile is 0."))
    target_mode = SelectField(_l("How the target is set"), choices=[
        ("absolute", _l("Absolute: the value given")),
        ("percentile", _l("Cohort percentile: the percentile of the objects evaluated")),
        ("calibrated", _l("Calibrated: the percentile of the program's earlier cohorts (student models)")),
    ], default="absolute")
    target_percentile = FloatField(_l("Percentile"), validators=[Optional(), NumberRange(min=50, max=100)],
                                   default=90)
    target_cohorts = IntegerField(_l("Earlier cohorts"), validators=[Optional(), NumberRange(min=1, max=10)],
                                  default=3)
    scaling_min = FloatField(_l("Minimum"), validators=[Optional()])
    scaling_max = FloatField(_l("Maximum"), validators=[Optional()])
    # inner nodes
    weighting = SelectField(_l("Weighting"), choices=enum_choices(WeightingMethod), default="equal")
    beta = param_field(_l("AHM β"), "ahm", "beta", description=_l("Conversion parameter of AHM (≥ 1, usually 2)."))
    objective = SelectField(_l("Objective method to combine with AHP"),
                            choices=[("entropy", _l("Entropy")), ("cv", _l("Coefficient of variation")),
                                     ("critic", "CRITIC")], default="entropy")
    combine_method = SelectField(_l("Combination"), choices=[("linear", _l("Linear: α·AHP + (1−α)·objective")),
                                                             ("multiplicative", _l("Multiplicative"))],
                                 default="linear")
    alpha = param_field(_l("α (share of AHP)"), "combine", "alpha")
    aggregation = SelectField(_l("Aggregation"), choices=enum_choices(AggregationMethod), default="weighted_sum")
    operator = SelectField(_l("Fuzzy operator"), choices=[(o, o) for o in FUZZY_OPERATORS], default="M(*,+)")
    anchors = StringField(_l("Grade anchors"), validators=[Optional(), _number_list],
                          description=_l("One score per grade, best first, decreasing (default: the grade values)."))
    lam = param_field(_l("Confidence λ"), "unascertained", "lambda")
    rho = param_field(_l("Distinguishing coefficient ρ"), "gra", "rho")
    retention = SelectField(_l("Components kept"), choices=[("kaiser", _l("Eigenvalue > 1 (Kaiser)")),
                                                            ("cumulative", _l("Cumulative share ≥ threshold"))],
                            default="kaiser")
    threshold = param_field(_l("Cumulative share threshold"), "pca", "threshold")
    floor = param_field(_l("Smallest subsystem score"), "coupling", "floor")


class RunForm(FlaskForm):
    cohort_id = SelectField(_l("Cohort"), coerce=optional_int, validators=[Optional()])
    program_id = SelectField(_l("Program"), coerce=optional_int, validators=[Optional()])


class ManualScoreForm(FlaskForm):
    program_id = SelectField(_l("Program"), coerce=optional_int, validators=[InputRequired()])
    key = StringField(_l("Rating key"), validators=[DataRequired(), Length(max=64)], default="expert_rating",
                      description=_l("The name a model's manual-score leaf refers to, e.g. expert_rating or "
                                     "ethics_rating."))
    cohort_id = SelectField(_l("Cohort"), coerce=optional_int, validators=[Optional()])
    student_no = StringField(_l("Student number"), validators=[Optional(), Length(max=32)],
                             description=_l("Rate a student instead of a whole cohort."))
    value = FloatField(_l("Value"), validators=[InputRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)],
                         description=_l("Who rated and how (expert panel, survey of 40 employers …)."))


class SwotForm(FlaskForm):
    program_id = SelectField(_l("Program"), coerce=optional_int, validators=[InputRequired()])
    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(1950, 2100)])
    strengths = TextAreaField(_l("Strengths (S)"), validators=[Optional(), Length(max=5000)])
    weaknesses = TextAreaField(_l("Weaknesses (W)"), validators=[Optional(), Length(max=5000)])
    opportunities = TextAreaField(_l("Opportunities (O)"), validators=[Optional(), Length(max=5000)])
    threats = TextAreaField(_l("Threats (T)"), validators=[Optional(), Length(max=5000)])
    so_measures = TextAreaField(_l("SO measures: use strengths to seize opportunities"),
                                validators=[Optional(), Length(max=5000)])
    wo_measures = TextAreaField(_l("WO measures: overcome weaknesses through opportunities"),
                                validators=[Optional(), Length(max=5000)])
    st_measures = TextAreaField(_l("ST measures: use strengths against threats"),
                                validators=[Optional(), Length(max=5000)])
    wt_measures = TextAreaField(_l("WT measures: reduce weaknesses and avoid threats"),
                                validators=[Optional(), Length(max=5000)])


class SensitivityForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form: it computes, it changes nothing

    draws = IntegerField(_l("Draws"), validators=[Optional(), NumberRange(10, 2000)], default=300)
    spread = FloatField(_l("Perturbation (±)"), validators=[Optional(), NumberRange(0.01, 0.5)],
                        default=PARAMS[("sensitivity", "spread")].default,
                        description=_l("0.10–0.20 means each weight varies by ±10–20 %."))
    seed = IntegerField(_l("Seed"), validators=[Optional(), NumberRange(0, 2**31 - 1)], default=1)


class RunReviewForm(FlaskForm):
    reason = TextAreaField(_l("Why this verdict stands"), validators=[DataRequired(), Length(min=20, max=5000)],
                           description=_l("Recorded with your name and the time, and shown with the run."))
