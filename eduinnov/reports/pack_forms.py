"""Forms of the evidence-pack pages (choose cohort, run and language; look up a fingerprint)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Regexp

from eduinnov.core.i18n import LANGUAGES
from eduinnov.core.web import parse_id


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
