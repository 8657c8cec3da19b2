"""Patent transfers, licences and equity contributions (成果转化): the form and the two services."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from eduinnov.achievements.models import Achievement, AchievementKind, PatentTransfer, TransferKind
from eduinnov.achievements.services import FieldError, NotAllowed, may_edit
from eduinnov.auth.models import User
from eduinnov.core.i18n import enum_choices
from eduinnov.extensions import db

__all__ = ["TransferForm", "add_transfer", "remove_transfer"]


class TransferForm(FlaskForm):
    event_date = DateField(_l("Date"), validators=[InputRequired()])
    kind = SelectField(_l("Kind of transfer"), choices=enum_choices(TransferKind))
    counterparty = StringField(_l("Counterparty"), validators=[DataRequired(), Length(max=300)],
                               description=_l("The company or institution that acquired or licensed it."))
    amount = DecimalField(_l("Amount (CNY)"), places=2, validators=[Optional(), NumberRange(min=0)])


def add_transfer(user: User, achievement: Achievement, *, event_date: date, kind: TransferKind | str,
                 counterparty: str, amount: Decimal | None = None) -> PatentTransfer:
    """Record a transfer, licence or equity contribution of a patent.

    Raises
    ------
    NotAllowed
        If the user may not change the achievement.
    FieldError
        Not a patent (``kind``), no counterparty, a negative amount or a date before the application.
    """
    if not may_edit(user, achievement):
        raise NotAllowed(_("You cannot change this achievement."))
    if achievement.kind != AchievementKind.PATENT:
        raise FieldError("kind", _("Only patents have transfers and licences."))
    counterparty = (counterparty or "").strip()
    if not counterparty:
        raise FieldError("counterparty", _("Name the counterparty."))
    if amount is not None and amount < 0:
        raise FieldError("amount", _("The amount cannot be negative."))
    if achievement.application_date and event_date < achievement.application_date:
        raise FieldError("event_date", _("The date cannot be before the patent application date."))
    row = PatentTransfer(achievement=achievement, event_date=event_date, kind=TransferKind(kind),
                         counterparty=counterparty[:300], amount=amount, created_by_id=user.id)
    db.session.add(row)
    db.session.flush()
    return row


def remove_transfer(user: User, transfer: PatentTransfer) -> None:
    """Delete a recorded transfer (audited)."""
    if not may_edit(user, transfer.achievement):
        raise NotAllowed(_("You cannot change this achievement."))
    transfer.achievement.transfers.remove(transfer)
    db.session.delete(transfer)
    db.session.flush()
