"""Importing partner organisations and student participations."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import select

from eduinnov.auth.models import User
from eduinnov.extensions import db
from eduinnov.frameworks.models import Participation, PartnerOrganisation
from eduinnov.frameworks.services import iur as iur_services
from eduinnov.imports import validators as v
from eduinnov.imports.schemas import Row
from eduinnov.imports.services._plan import (
    CREATE,
    SKIP,
    UPDATE,
    PlanRow,
    Preview,
    _call,
    _error,
    _program_students,
)
from eduinnov.programs.models import Program, Student

# --- partners and participations ---


def _plan_partners(preview: Preview, program: Program, user: User, rows: list[Row]) -> None:
    existing = {v.normalise_key(p.name_zh): p for p in
                db.session.scalars(select(PartnerOrganisation).where(PartnerOrganisation.program_id == program.id))}
    fields = ("name_en", "kind", "city", "contact_name", "contact_email", "description")
    seen: dict[str, int] = {}
    for row in rows:
        values = row.values
        key = v.normalise_key(values["name_zh"])
        if key in seen:
            _error(preview, row, row.column("name_zh"), _("%(name)s is also on row %(n)d.", name=values["name_zh"],
                                                          n=seen[key]))
            continue
        seen[key] = row.row
        partner = existing.get(key)
        if partner is None:
            preview.rows.append(PlanRow(row.row, CREATE, values["name_zh"], data=values))
            continue
        changes = [f"{f}: {getattr(partner, f) or '—'} → {values[f]}" for f in fields
                   if f in row.columns and values.get(f) is not None and getattr(partner, f) != values[f]]
        if changes:
            preview.rows.append(PlanRow(row.row, UPDATE, values["name_zh"], changes=changes,
                                        data={**values, "id": partner.id}))
        else:
            preview.rows.append(PlanRow(row.row, SKIP, values["name_zh"], _("Already up to date.")))


def _apply_partners(preview: Preview, program: Program, user: User) -> None:
    fields = ("name_en", "city", "contact_name", "contact_email", "description")
    for plan in preview.rows:
        values = plan.data
        if plan.action == CREATE:
            _call(plan, iur_services.create_partner, program, name_zh=values["name_zh"], kind=values["kind"],
                  user=user, **{f: values.get(f) for f in fields})
        elif plan.action == UPDATE:
            partner = db.session.get(PartnerOrganisation, values["id"])
            merged = {f: values.get(f) if values.get(f) is not None else getattr(partner, f) for f in fields}
            _call(plan, iur_services.update_partner, partner, name_zh=partner.name_zh, kind=values["kind"] or partner.kind,
                  user=user, **merged)


def _plan_participations(preview: Preview, program: Program, user: User, rows: list[Row]) -> None:
    students = {s.student_no.lower(): s for s in _program_students(program)}
    partners: dict[str, int] = {}
    for p in db.session.scalars(select(PartnerOrganisation).where(PartnerOrganisation.program_id == program.id)):
        partners[v.normalise_key(p.name_zh)] = p.id
        if p.name_en:
            partners.setdefault(v.normalise_key(p.name_en), p.id)
    existing = {
        (r.partner_id, r.student_id, r.kind, v.normalise_title(r.title))
        for r in db.session.execute(
            select(Participation.partner_id, Participation.student_id, Participation.kind, Participation.title)
            .join(PartnerOrganisation).where(PartnerOrganisation.program_id == program.id))
    }
    seen: dict[tuple, int] = {}
    for row in rows:
        values = row.values
        student = students.get(values["student_no"].lower())
        if student is None:
            _error(preview, row, row.column("student_no"), _("%(no)s is not a student of this program.",
                                                             no=values["student_no"]))
            continue
        if values.get("name") and re.sub(r"\s", "", values["name"]) != re.sub(r"\s", "", student.name):
            _error(preview, row, row.column("name"), _("%(no)s is %(name)s, not %(given)s.", no=student.student_no,
                                                       name=student.name, given=values["name"]))
            continue
        partner_id = partners.get(v.normalise_key(values["partner"]))
        if partner_id is None:
            _error(preview, row, row.column("partner"), _("%(name)s is not a partner of this program: import or "
                                                          "add the partner first.", name=values["partner"]))
            continue
        start, end = values.get("start_date"), values.get("end_date")
        if start and end and end < start:
            _error(preview, row, row.column("end_date"), _("The end date is before the start date."))
            continue
        key = (partner_id, student.id, values["kind"], v.normalise_title(values["title"]))
        label = f"{student.display} · {values['title']}"
        if key in existing:
            preview.rows.append(PlanRow(row.row, SKIP, label, _("Already recorded.")))
        elif key in seen:
            preview.rows.append(PlanRow(row.row, SKIP, label, _("Same as row %(n)d.", n=seen[key])))
        else:
            seen[key] = row.row
            preview.rows.append(PlanRow(row.row, CREATE, label,
                                        data={**values, "student_id": student.id, "partner_id": partner_id}))


def _apply_participations(preview: Preview, program: Program, user: User) -> None:
    for plan in preview.rows:
        if plan.action != CREATE:
            continue
        values = plan.data
        _call(plan, iur_services.save_participation, db.session.get(PartnerOrganisation, values["partner_id"]),
              student=db.session.get(Student, values["student_id"]), kind=values["kind"], title=values["title"],
              user=user, start_date=values.get("start_date"), end_date=values.get("end_date"))

