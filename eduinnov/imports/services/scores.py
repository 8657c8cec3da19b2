"""Importing manual indicator scores."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from eduinnov.auth.models import User
from eduinnov.extensions import db
from eduinnov.imports.schemas import Row
from eduinnov.imports.services._plan import (
    CREATE,
    SKIP,
    PlanRow,
    Preview,
    _call,
    _error,
    _program_students,
)
from eduinnov.indicators.models import ManualScore
from eduinnov.indicators.services import add_manual_score
from eduinnov.programs.models import Cohort, Program, Student

# --- manual indicator scores ---


def _plan_scores(preview: Preview, program: Program, user: User, rows: list[Row]) -> None:
    students = {s.student_no.lower(): s for s in _program_students(program)}
    cohorts = {c.entry_year: c.id for c in db.session.scalars(select(Cohort).where(Cohort.program_id == program.id))}
    existing = {
        (r.metric_key, r.cohort_id, r.student_id, round(r.value, 9))
        for r in db.session.execute(select(ManualScore.metric_key, ManualScore.cohort_id, ManualScore.student_id,
                                           ManualScore.value).where(ManualScore.program_id == program.id))
    }
    seen: dict[tuple, int] = {}
    for row in rows:
        values = row.values
        if bool(values.get("student_no")) == bool(values.get("entry_year")):
            _error(preview, row, row.column("student_no") or row.column("entry_year"),
                   _("Give either a student number or a cohort year, not both."))
            continue
        if values.get("student_no"):
            student = students.get(values["student_no"].lower())
            if student is None:
                _error(preview, row, row.column("student_no"), _("%(no)s is not a student of this program.",
                                                                 no=values["student_no"]))
                continue
            target, label = (None, student.id), student.display
        else:
            cohort_id = cohorts.get(values["entry_year"])
            if cohort_id is None:
                _error(preview, row, row.column("entry_year"), _("%(code)s has no cohort for %(year)d.",
                                                                 code=program.code, year=values["entry_year"]))
                continue
            target, label = (cohort_id, None), _("Cohort %(year)d", year=values["entry_year"])
        key = (values["metric_key"], *target, round(values["value"], 9))
        label = f"{values['metric_key']} · {label} · {values['value']:g}"
        if key in existing:
            preview.rows.append(PlanRow(row.row, SKIP, label, _("This rating is already recorded.")))
        elif key in seen:
            preview.rows.append(PlanRow(row.row, SKIP, label, _("Same as row %(n)d.", n=seen[key])))
        else:
            seen[key] = row.row
            preview.rows.append(PlanRow(row.row, CREATE, label,
                                        data={**values, "cohort_id": target[0], "student_id": target[1]}))


def _apply_scores(preview: Preview, program: Program, user: User) -> None:
    for plan in preview.rows:
        if plan.action != CREATE:
            continue
        values = plan.data
        _call(plan, add_manual_score, program, key=values["metric_key"], value=values["value"], user=user,
              cohort=db.session.get(Cohort, values["cohort_id"]) if values["cohort_id"] else None,
              student=db.session.get(Student, values["student_id"]) if values["student_id"] else None,
              note=values.get("note"))

