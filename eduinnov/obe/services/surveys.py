"""Indirect evaluation: survey results per indicator point (graduate, employer, self)."""

from __future__ import annotations

from flask_babel import gettext as _

from eduinnov.auth.models import User
from eduinnov.core.errors import ValidationError
from eduinnov.extensions import db
from eduinnov.frameworks.models import FrameworkVersion, IndicatorPoint
from eduinnov.obe import queries
from eduinnov.obe.models import SurveyResult, SurveySource
from eduinnov.obe.sheets import MAX_BYTES, MAX_ROWS, SheetError, decode_text
from eduinnov.programs.models import Cohort

_SOURCE_WORDS = {
    "graduate": SurveySource.GRADUATE, "毕业生": SurveySource.GRADUATE, "毕业生调查": SurveySource.GRADUATE,
    "employer": SurveySource.EMPLOYER, "用人单位": SurveySource.EMPLOYER, "雇主": SurveySource.EMPLOYER,
    "self": SurveySource.SELF, "自评": SurveySource.SELF, "学生自评": SurveySource.SELF,
}
_SURVEY_HEADERS = {
    "point": {"indicator_point", "indicatorpoint", "point", "指标点", "指标点编号"},
    "source": {"source", "来源", "调查来源"},
    "value": {"value", "达成度", "评价值", "值"},
    "respondents": {"respondents", "人数", "样本数", "回收份数"},
    "year": {"year", "年份", "年度"},
}


def parse_survey_sheet(data: bytes, cohort: Cohort, framework: FrameworkVersion
                       ) -> tuple[list[tuple[IndicatorPoint, SurveySource, float, int | None, int | None]], list[SheetError]]:
    """Parse a survey CSV (indicator point, source, value 0..1, respondents, year); never writes."""
    import csv
    import io
    import unicodedata

    errors: list[SheetError] = []
    if len(data) > MAX_BYTES:
        return [], [SheetError(None, None, _("The file is larger than %(mb)d MB.", mb=MAX_BYTES // (1024 * 1024)))]
    try:
        text, _enc = decode_text(data)
    except Exception as exc:  # noqa: BLE001 - decode_text raises SheetFormatError with the reason
        return [], [SheetError(None, None, str(exc))]
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return [], [SheetError(None, None, _("The file is empty."))]
    if len(rows) > MAX_ROWS + 1:
        return [], [SheetError(None, None, _("The sheet has more than %(n)d rows.", n=MAX_ROWS))]
    header = [unicodedata.normalize("NFKC", h).strip().casefold().replace(" ", "_") for h in rows[0]]
    col: dict[str, int] = {}
    for key, names in _SURVEY_HEADERS.items():
        for i, h in enumerate(header):
            if h in names or h.replace("_", "") in names:
                col[key] = i
                break
    for key in ("point", "source", "value"):
        if key not in col:
            errors.append(SheetError(1, None, _("missing column “%(name)s”", name=key)))
    if errors:
        return [], errors
    points = {p.code.strip(): p for r in framework.requirements for p in r.indicator_points}
    out, seen = [], {}
    for n, raw in enumerate(rows[1:], start=2):
        cells = [unicodedata.normalize("NFKC", c).strip() for c in raw] + [""] * len(header)
        if not any(cells):
            continue
        code, source_word, value_text = cells[col["point"]], cells[col["source"]], cells[col["value"]]
        point = points.get(code)
        if point is None:
            errors.append(SheetError(n, header[col["point"]], _("no indicator point %(code)s in this framework",
                                                              code=code)))
            continue
        source = _SOURCE_WORDS.get(source_word.casefold())
        if source is None:
            errors.append(SheetError(n, header[col["source"]], _(
                "“%(value)s” is not graduate, employer or self", value=source_word)))
            continue
        try:
            value = float(value_text)
        except ValueError:
            errors.append(SheetError(n, header[col["value"]], _("“%(value)s” is not a number", value=value_text)))
            continue
        if not 0 <= value <= 1:
            errors.append(SheetError(n, header[col["value"]], _(
                "%(value)s is outside 0..1 (divide a 5-point mean by 5)", value=value_text)))
            continue
        extra = []
        for key in ("respondents", "year"):
            text_value = cells[col[key]] if key in col else ""
            if not text_value:
                extra.append(None)
                continue
            try:
                extra.append(int(float(text_value)))
            except ValueError:
                errors.append(SheetError(n, header[col[key]], _("“%(value)s” is not a whole number",
                                                                value=text_value)))
                extra.append(None)
        if (point.id, source) in seen:
            errors.append(SheetError(n, None, _("%(code)s / %(source)s is already in row %(row)d",
                                                code=code, source=source.value, row=seen[(point.id, source)])))
            continue
        seen[(point.id, source)] = n
        out.append((point, source, value, extra[0], extra[1]))
    if not out and not errors:
        errors.append(SheetError(None, None, _("No survey rows under the header.")))
    return out, errors


def import_surveys(cohort: Cohort, data: bytes, *, user: User) -> int:
    """Import survey results for a cohort (all or nothing); a row replaces the same point and source.

    Raises
    ------
    ValidationError
        With every error, one per line; nothing is written.
    """
    framework = queries.get_framework_for_cohort(cohort)
    if framework is None:
        raise ValidationError(_("The cohort's program has no framework version."))
    rows, errors = parse_survey_sheet(data, cohort, framework)
    if errors:
        raise ValidationError("\n".join(str(e) for e in errors))
    existing = {(s.indicator_point_id, s.source): s for s in queries.list_surveys_of_cohort(cohort)}
    for point, source, value, respondents, year in rows:
        record = existing.get((point.id, source)) or SurveyResult(cohort=cohort, indicator_point=point,
                                                                  source=source)
        record.value, record.respondents, record.year = value, respondents, year
        db.session.add(record)
    db.session.flush()
    return len(rows)


def delete_survey(result: SurveyResult, *, user: User) -> None:
    """Delete one survey result."""
    db.session.delete(result)
    db.session.flush()
