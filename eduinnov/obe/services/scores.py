"""Score sheets: preview, all-or-nothing import, blank template."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import delete

from eduinnov.auth.models import User
from eduinnov.core.errors import ImportRefused
from eduinnov.extensions import db
from eduinnov.obe.models import CourseOffering, Score, ScoreImport
from eduinnov.obe.sheets import ParsedSheet, SheetError, parse_score_sheet


def _sheet_inputs(offering: CourseOffering) -> tuple[dict[str, float], dict[str, str]]:
    items = {i.name: i.full_marks for i in offering.items}
    students = {s.student_no: s.name for s in offering.cohort.students}
    return items, students


def preview_score_sheet(offering: CourseOffering, data: bytes, filename: str) -> ParsedSheet:
    """Parse a sheet against the offering's plan and cohort without saving anything."""
    items, students = _sheet_inputs(offering)
    if not items:
        parsed = ParsedSheet()
        parsed.errors.append(SheetError(None, None, _("Add the assessment items before importing scores.")))
        return parsed
    return parse_score_sheet(data, filename, items, students)


def import_score_sheet(offering: CourseOffering, data: bytes, filename: str, *, user: User) -> ScoreImport:
    """Replace all of an offering's scores with those of a sheet, all or nothing.

    The sheet is parsed again (students or the plan may have changed since the preview). On any error
    nothing is written and :class:`ImportRefused` carries the errors.
    """
    parsed = preview_score_sheet(offering, data, filename)
    if not parsed.ok:
        raise ImportRefused(parsed, _("The sheet has %(n)d error(s); nothing was saved.", n=len(parsed.errors)))
    item_ids = {i.name: i.id for i in offering.items}
    student_ids = {s.student_no: s.id for s in offering.cohort.students}
    db.session.execute(delete(Score).where(Score.item_id.in_(list(item_ids.values()))))
    rows = [
        {"item_id": item_ids[name], "student_id": student_ids[row.student_no], "value": value}
        for row in parsed.rows for name, value in row.values.items()
    ]
    if rows:
        db.session.execute(Score.__table__.insert(), rows)
    record = ScoreImport(offering=offering, user=user, filename=filename[:255], row_count=len(parsed.rows),
                         item_count=len(item_ids), encoding=parsed.encoding or "XLSX")
    db.session.add(record)
    db.session.flush()
    db.session.expire_all()
    return record


def score_template_csv(offering: CourseOffering) -> bytes:
    """A blank score sheet for the offering (UTF-8 with BOM so Excel shows the Chinese): 学号, 姓名, items."""
    import csv
    import io

    from eduinnov.core.spreadsheet import neutralise

    out = io.StringIO()
    writer = csv.writer(out)
    # Item names are typed by teachers: "=SUM(…)" or "＝1" must stay text when Excel opens the sheet.
    writer.writerow(["学号", "姓名", *[neutralise(i.name) for i in offering.items]])
    for student in offering.cohort.students:
        writer.writerow([neutralise(student.student_no), neutralise(student.name), *[""] * len(offering.items)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
