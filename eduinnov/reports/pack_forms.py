"""Forms of the evidence-pack pages (choose cohort, run and language; look up a fingerprint)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from eduinnov.core.i18n import LANGUAGES, enum_choices
from eduinnov.core.web import parse_id
from eduinnov.reports.models import ChapterContent


def _int_or_none(value):
    return parse_id(value)


class PackForm(FlaskForm):
    """Start an evidence pack: the cohort (re-checked in the view), the evaluation run and the language."""

    cohort = SelectField(_l("Cohort"), coerce=_int_or_none, validators=[InputRequired(_l("Choose a cohort."))])
    run = SelectField(_l("Evaluation run"), coerce=_int_or_none,
                      description=_l("The stored run whose model, weights and results the pack shows "
                                     "(the latest one is chosen for you)."))
    lang = SelectField(_l("Language"), choices=list(LANGUAGES.items()),
                       validators=[DataRequired(_l("Choose Chinese or English."))],
                       description=_l("The whole pack, its charts and tables are written in this language."))
    named_ranking = BooleanField(
        _l("Include a named ranking of students"),
        description=_l("Off by default: the report shows distributions, shares and anonymised examples. "
                       "Only program directors may turn it on, with a reason that is stored with the pack."))
    named_ranking_reason = TextAreaField(_l("Reason for naming students"), validators=[Optional(), Length(max=500)])


class VerifyForm(FlaskForm):
    """Look up the snapshot of a fingerprint printed at the end of a PDF."""

    class Meta:
        csrf = False  # a read-only lookup sent with GET

    fingerprint = StringField(
        _l("Fingerprint"),
        validators=[DataRequired(_l("Paste the fingerprint printed at the end of the PDF.")),
                    Length(max=200),
                    Regexp(r"^\s*[0-9a-fA-F\s]{64,}\s*$",
                           message=_l("A fingerprint is 64 hexadecimal characters (0–9, a–f)."))],
        description=_l("The SHA-256 on the last page of an evidence pack: 64 characters, 0–9 and a–f."),
    )


class ChapterForm(FlaskForm):
    """One chapter of an accreditation standard's report structure (admins)."""

    position = IntegerField(_l("Position"), validators=[InputRequired(), NumberRange(min=0, max=99)],
                            description=_l("Order in the report, from 0."))
    number = StringField(_l("Number"), validators=[Optional(), Length(max=16)],
                         description=_l("As printed, e.g. 5 or 附录A; empty for none."))
    name_zh = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=200)])
    content = SelectField(_l("Filled with"), choices=enum_choices(ChapterContent))


class ProgramStandardForm(FlaskForm):
    """Which standard structures a program's self-evaluation report."""

    program = SelectField(_l("Program"), coerce=_int_or_none, validators=[InputRequired()])
    standard = SelectField(_l("Accreditation standard"), coerce=_int_or_none, validators=[InputRequired()])
