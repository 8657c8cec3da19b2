"""Importing students: matched by student number; new cohorts opened by directors."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from eduinnov.auth.access import Action, can
from eduinnov.auth.models import User
from eduinnov.extensions import db
from eduinnov.imports.schemas import Row
from eduinnov.imports.services._plan import (
    CREATE,
    SKIP,
    UPDATE,
    PlanRow,
    Preview,
    _call,
    _chunks,
    _error,
)
from eduinnov.programs import services as program_services
from eduinnov.programs.models import Cohort, Program, Student, StudentStatus

# --- students ---


def _plan_students(preview: Preview, program: Program, user: User, rows: list[Row]) -> None:
    numbers = sorted({r.values["student_no"].lower() for r in rows})
    existing: dict[str, Any] = {}
    for chunk in _chunks(numbers):
        for rec in db.session.execute(
            select(Student.id, Student.student_no, Student.name, Student.email, Student.status,
                   Cohort.program_id, Cohort.entry_year)
            .join(Cohort).where(func.lower(Student.student_no).in_(chunk))
        ):
            existing[rec.student_no.lower()] = rec
    cohorts = {c.entry_year for c in db.session.scalars(select(Cohort).where(Cohort.program_id == program.id))}
    may_open = can(user, Action.MANAGE, program)
    seen: dict[str, Row] = {}
    for row in rows:
        values = row.values
        key = values["student_no"].lower()
        col_no = row.column("student_no")
        label = f"{values['name']} ({values['student_no']})"
        if key in seen:
            first = seen[key]
            if {k: first.values.get(k) for k in values} == values:
                preview.rows.append(PlanRow(row.row, SKIP, label, _("Same as row %(n)d.", n=first.row)))
            else:
                _error(preview, row, col_no, _("The student number %(no)s is also on row %(n)d with other data.",
                                               no=values["student_no"], n=first.row))
            continue
        seen[key] = row
        year = values["entry_year"]
        rec = existing.get(key)
        if rec is not None and rec.program_id != program.id:
            _error(preview, row, col_no, _("%(no)s is the number of a student of another program.",
                                           no=values["student_no"]))
            continue
        if year not in cohorts and year not in preview.new_cohorts:
            if may_open:
                preview.new_cohorts.append(year)
            else:
                _error(preview, row, row.column("entry_year"),
                       _("%(code)s has no cohort for %(year)d; a program director must open it first.",
                         code=program.code, year=year))
                continue
        if rec is None:
            preview.rows.append(PlanRow(row.row, CREATE, label, data=values))
            continue
        changes = []
        if rec.name != values["name"]:
            changes.append(_("name: %(old)s → %(new)s", old=rec.name, new=values["name"]))
        if values.get("email") and (rec.email or "") != values["email"]:
            changes.append(_("e-mail: %(old)s → %(new)s", old=rec.email or "—", new=values["email"]))
        if values.get("status") and rec.status != values["status"]:
            changes.append(_("status: %(old)s → %(new)s", old=rec.status.value, new=values["status"].value))
        if rec.entry_year != year:
            changes.append(_("cohort: %(old)d → %(new)d", old=rec.entry_year, new=year))
        if changes:
            preview.rows.append(PlanRow(row.row, UPDATE, label, changes=changes, data={**values, "id": rec.id}))
        else:
            preview.rows.append(PlanRow(row.row, SKIP, label, _("Already up to date.")))
    preview.new_cohorts.sort()


def _apply_students(preview: Preview, program: Program, user: User) -> None:
    cohorts = {c.entry_year: c for c in db.session.scalars(select(Cohort).where(Cohort.program_id == program.id))}
    for year in preview.new_cohorts:
        cohorts[year] = program_services.create_cohort(user, program, entry_year=year)
    for plan in preview.rows:
        values = plan.data
        if plan.action == CREATE:
            _call(plan, program_services.create_student, user, cohorts[values["entry_year"]],
                  student_no=values["student_no"], name=values["name"], email=values.get("email"),
                  status=values.get("status") or StudentStatus.ENROLLED)
        elif plan.action == UPDATE:
            student = db.session.get(Student, values["id"])
            _call(plan, program_services.update_student, user, student, cohort=cohorts[values["entry_year"]],
                  student_no=student.student_no, name=values["name"], email=values.get("email") or student.email,
                  status=values.get("status") or student.status)


