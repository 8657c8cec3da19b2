"""IUR (产学研) partnerships: partner organisations, agreements, practice bases, joint supervisors,
student participations."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from eduinnov.auth.access import Action
from eduinnov.auth.models import User
from eduinnov.core.errors import ValidationError
from eduinnov.extensions import db
from eduinnov.frameworks.models import (
    Agreement,
    AgreementStatus,
    JointSupervisor,
    Participation,
    ParticipationKind,
    PartnerKind,
    PartnerOrganisation,
    PracticeBase,
)
from eduinnov.frameworks.services._common import (
    check_nonnegative,
    clean_text,
    ensure_allowed,
    require_text,
)
from eduinnov.programs.models import Program, Student


def _check_dates(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and end < start:
        raise ValidationError(_("The end date cannot be before the start date."))


# --- partner organisations ---


def _check_partner_name(program_id: int, name_zh: str, exclude_id: int | None) -> str:
    name_zh = require_text(name_zh, _("Name"))
    stmt = select(PartnerOrganisation.id).where(
        PartnerOrganisation.program_id == program_id, PartnerOrganisation.name_zh == name_zh
    )
    if exclude_id is not None:
        stmt = stmt.where(PartnerOrganisation.id != exclude_id)
    if db.session.scalar(stmt) is not None:
        raise ValidationError(_("This program already has a partner named %(name)s.", name=name_zh))
    return name_zh


def create_partner(
    program: Program, *, name_zh: str, kind: PartnerKind, user: User, name_en: str | None = None,
    city: str | None = None, contact_name: str | None = None, contact_email: str | None = None,
    description: str | None = None,
) -> PartnerOrganisation:
    """Register a partner organisation (enterprise, institute, hospital…) for a program.

    Parameters
    ----------
    program : Program
    name_zh : str
        Name, unique within the program.
    kind : PartnerKind
    user : User
        The acting user; must be allowed to manage the program.
    name_en, city, contact_name, contact_email, description : str, optional

    Returns
    -------
    PartnerOrganisation

    Raises
    ------
    ValidationError
        If the name is empty or already used in the program.
    """
    ensure_allowed(user, Action.MANAGE, program)
    partner = PartnerOrganisation(
        program=program, name_zh=_check_partner_name(program.id, name_zh, None),
        name_en=clean_text(name_en), kind=PartnerKind(kind), city=clean_text(city),
        contact_name=clean_text(contact_name), contact_email=clean_text(contact_email),
        description=clean_text(description),
    )
    db.session.add(partner)
    db.session.flush()
    return partner


def update_partner(
    partner: PartnerOrganisation, *, name_zh: str, kind: PartnerKind, user: User, name_en: str | None = None,
    city: str | None = None, contact_name: str | None = None, contact_email: str | None = None,
    description: str | None = None,
) -> PartnerOrganisation:
    """Change a partner organisation (same checks as creation)."""
    ensure_allowed(user, Action.MANAGE, partner)
    partner.name_zh = _check_partner_name(partner.program_id, name_zh, partner.id)
    partner.name_en = clean_text(name_en)
    partner.kind = PartnerKind(kind)
    partner.city = clean_text(city)
    partner.contact_name = clean_text(contact_name)
    partner.contact_email = clean_text(contact_email)
    partner.description = clean_text(description)
    db.session.flush()
    return partner


def delete_partner(partner: PartnerOrganisation, *, user: User) -> None:
    """Delete a partner with its agreements, practice bases, joint supervisors and participations."""
    ensure_allowed(user, Action.MANAGE, partner)
    db.session.delete(partner)
    db.session.flush()


# --- agreements ---


def save_agreement(
    partner: PartnerOrganisation, *, title: str, user: User, agreement: Agreement | None = None,
    scope: str | None = None, start_date: date | None = None, end_date: date | None = None,
    status: AgreementStatus = AgreementStatus.ACTIVE,
) -> Agreement:
    """Create (``agreement=None``) or update a cooperation agreement of a partner.

    Raises
    ------
    ValidationError
        If the title is empty, the end date is before the start date, or ``agreement`` belongs to
        another partner.
    """
    ensure_allowed(user, Action.MANAGE, partner)
    _check_dates(start_date, end_date)
    if agreement is None:
        agreement = Agreement(partner=partner)
        db.session.add(agreement)
    elif agreement.partner_id != partner.id:
        raise ValidationError(_("This agreement belongs to another partner."))
    agreement.title = require_text(title, _("Title"))
    agreement.scope = clean_text(scope)
    agreement.start_date = start_date
    agreement.end_date = end_date
    agreement.status = AgreementStatus(status)
    db.session.flush()
    return agreement


# --- practice bases ---


def save_practice_base(
    partner: PartnerOrganisation, *, name: str, user: User, base: PracticeBase | None = None,
    address: str | None = None, capacity: int | None = None, established_on: date | None = None,
) -> PracticeBase:
    """Create (``base=None``) or update a practice base (实践基地) run with a partner."""
    ensure_allowed(user, Action.MANAGE, partner)
    if base is None:
        base = PracticeBase(partner=partner)
        db.session.add(base)
    elif base.partner_id != partner.id:
        raise ValidationError(_("This practice base belongs to another partner."))
    base.name = require_text(name, _("Name"))
    base.address = clean_text(address)
    base.capacity = check_nonnegative(capacity, _("Capacity"))
    base.established_on = established_on
    db.session.flush()
    return base


# --- joint supervisors ---


def save_joint_supervisor(
    partner: PartnerOrganisation, *, name: str, user: User, supervisor: JointSupervisor | None = None,
    title: str | None = None, email: str | None = None, expertise: str | None = None,
) -> JointSupervisor:
    """Create (``supervisor=None``) or update a joint (external, 校外) supervisor of a partner."""
    ensure_allowed(user, Action.MANAGE, partner)
    if supervisor is None:
        supervisor = JointSupervisor(partner=partner)
        db.session.add(supervisor)
    elif supervisor.partner_id != partner.id:
        raise ValidationError(_("This supervisor belongs to another partner."))
    supervisor.name = require_text(name, _("Name"))
    supervisor.title = clean_text(title)
    supervisor.email = clean_text(email)
    supervisor.expertise = clean_text(expertise)
    db.session.flush()
    return supervisor


# --- participations ---


def save_participation(
    partner: PartnerOrganisation, *, student: Student, kind: ParticipationKind, title: str, user: User,
    participation: Participation | None = None, practice_base: PracticeBase | None = None,
    joint_supervisor: JointSupervisor | None = None, start_date: date | None = None,
    end_date: date | None = None,
) -> Participation:
    """Record (``participation=None``) or update a student's placement, joint project or exchange.

    Teachers of the program may do this (``Action.EDIT``), not only directors.

    Raises
    ------
    ValidationError
        If the student is not in the partner's program, the practice base or joint supervisor
        belongs to another partner, or the dates are out of order.
    """
    ensure_allowed(user, Action.EDIT, partner)
    if student.program_id != partner.program_id:
        raise ValidationError(_("The student is not in this partner's program."))
    if practice_base is not None and practice_base.partner_id != partner.id:
        raise ValidationError(_("The practice base belongs to another partner."))
    if joint_supervisor is not None and joint_supervisor.partner_id != partner.id:
        raise ValidationError(_("The joint supervisor belongs to another partner."))
    _check_dates(start_date, end_date)
    if participation is None:
        participation = Participation(partner=partner)
        db.session.add(participation)
    elif participation.partner_id != partner.id:
        raise ValidationError(_("This participation belongs to another partner."))
    participation.student = student
    participation.kind = ParticipationKind(kind)
    participation.title = require_text(title, _("Title"))
    participation.practice_base = practice_base
    participation.joint_supervisor = joint_supervisor
    participation.start_date = start_date
    participation.end_date = end_date
    db.session.flush()
    return participation


def delete_partner_item(item: Agreement | PracticeBase | JointSupervisor | Participation, *, user: User) -> None:
    """Delete an agreement, practice base, joint supervisor or participation of a partner.

    Participations may be deleted by teachers (``Action.EDIT``); the other items need ``Action.MANAGE``.
    """
    action = Action.EDIT if isinstance(item, Participation) else Action.MANAGE
    ensure_allowed(user, action, item)
    partner = item.partner
    db.session.delete(item)
    db.session.flush()
    db.session.expire(partner)
