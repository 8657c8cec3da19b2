"""Forms of the imports pages: the upload and the confirmation (a token; never row data)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, HiddenField
from wtforms.validators import DataRequired, Regexp

EXTENSIONS = ["csv", "txt", "xlsx", "xls", "bib", "ris", "enw"]


class UploadForm(FlaskForm):
    file = FileField(_l("File"), validators=[
        FileRequired(message=_l("Choose a file.")),
        FileAllowed(EXTENSIONS, _l("Upload a .csv, .xlsx, .bib, .ris or .enw file.")),
    ], description=_l("CSV (UTF-8 or GBK) or Excel .xlsx; for publications also BibTeX (.bib), RIS (.ris) or "
                      "EndNote (.enw / .txt). Nothing is saved until you confirm the preview."))


class ConfirmForm(FlaskForm):
    """The confirm step posts the token of the stored upload and, for publications, one
    ``author-<row>-<position>`` choice per unmatched author (checked by the service)."""

    token = HiddenField(validators=[DataRequired(), Regexp(r"^[A-Za-z0-9_-]{32}$")])
    confirm_duplicates = BooleanField(_l("These are different achievements: import them"))
