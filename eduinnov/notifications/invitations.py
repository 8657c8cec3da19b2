"""E-mailing roster invitations (accounts made by ``auth.invitations``) from a background job (never inside a web request).

The job receives account ids, not links: it issues each account's one-time invitation itself (the
earlier open link of that account stops working) and mails it at once, so a link exists only in the
student's mailbox; the database keeps its SHA-256 as for any invitation. Same server settings as the
notices (:mod:`eduinnov.notifications.mail`).
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app, url_for
from flask_babel import force_locale, format_datetime
from flask_babel import gettext as _
from sqlalchemy import select

from eduinnov.auth.invitations import issue_invitation
from eduinnov.auth.models import User
from eduinnov.core.i18n import default_language
from eduinnov.extensions import db
from eduinnov.jobs.services import enqueue, report_job, report_progress
from eduinnov.notifications.mail import compose, mail_sender, open_smtp
from eduinnov.notifications.services import smtp_url

__all__ = ["queue_invitations", "send_invitations"]

JOB = "eduinnov.notifications.invitations:send_invitations"


def _message(account: User, link: str, expires, sender: str) -> EmailMessage:
    with force_locale(account.locale or default_language()):
        subject = _("[eduinnov] Your account: set your password")
        lines = [
            _("Dear %(name)s,", name=account.name), "",
            _("An eduinnov account was made for you. Your login e-mail is %(email)s. Open this link to choose "
              "your password (it works once, until %(date)s):", email=account.email,
              date=format_datetime(expires, "yyyy-MM-dd HH:mm")), "",
            link, "",
            _("If you did not expect this message, ignore it."),
        ]
    return compose(sender, account.email, subject, lines)


@report_job
def send_invitations(user_ids: list[int], actor_id: int | None, base_url: str) -> None:
    """Issue and e-mail a one-time invitation to each given account still waiting for its first password."""
    url = smtp_url()
    if not url:
        return None
    sender = mail_sender()
    actor = db.session.get(User, actor_id) if actor_id else None
    accounts = [u for u in db.session.scalars(select(User).where(User.id.in_(user_ids)).order_by(User.id))
                if u.is_active_account and not u.has_password]
    if not accounts:
        return None
    client = open_smtp(url)
    try:
        for i, account in enumerate(accounts, start=1):
            token, row = issue_invitation(account, created_by=actor)
            with current_app.test_request_context(base_url=base_url):
                link = url_for("invitations.accept", token=token, _external=True)
            db.session.flush()
            client.send_message(_message(account, link, row.expires_at, sender))
            # Committed once mailed: the link in the mailbox is the one that works.
            db.session.commit()
            report_progress(i / len(accounts))
    finally:
        try:
            client.quit()
        except smtplib.SMTPException:
            pass
    return None


def queue_invitations(user_ids: list[int], actor: User, base_url: str, *, title: str,
                      program_id: int | None) -> str:
    """Hand the accounts to :func:`send_invitations`, run once the request commits; return the job id."""
    return enqueue(JOB, list(user_ids), actor.id, base_url, title=title, owner=actor, program_id=program_id)
