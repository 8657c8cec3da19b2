"""E-mailing notices from a background job (never inside a web request).

The job runs through the report job machinery (:mod:`eduinnov.jobs.services`: the in-process worker,
or RQ when Redis is configured). ``EDUINNOV_SMTP_URL`` names the server:
``smtp://host:25``, ``smtp://user:password@host:587?starttls=1`` or ``smtps://user:password@host:465``.
The sender is ``EDUINNOV_MAIL_FROM`` (default ``eduinnov@localhost``). Each message is written in the
recipient's language and links to the achievement when ``EDUINNOV_BASE_URL`` is set.
"""

from __future__ import annotations

import os
import smtplib
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from eduinnov.core.i18n import default_language, enum_label
from eduinnov.core.models import utcnow
from eduinnov.extensions import db
from eduinnov.jobs.services import report_job, report_progress
from eduinnov.notifications.models import Notification
from eduinnov.notifications.services import describe, smtp_url

__all__ = ["open_smtp", "send_notices"]


def open_smtp(url: str) -> smtplib.SMTP:
    """A connected (and, if the URL carries credentials, logged-in) SMTP client for ``url``."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError(f"EDUINNOV_SMTP_URL must start with smtp:// or smtps://, not {parts.scheme!r}")
    host = parts.hostname or "localhost"
    timeout = float(current_app.config.get("SMTP_TIMEOUT", 30))
    if parts.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(host, parts.port or 465, timeout=timeout)
    else:
        client = smtplib.SMTP(host, parts.port or 25, timeout=timeout)
        if parse_qs(parts.query).get("starttls", ["0"])[0] in ("1", "true", "yes"):
            client.starttls()
    if parts.username:
        client.login(unquote(parts.username), unquote(parts.password or ""))
    return client


def mail_sender() -> str:
    """The From address of every message (``EDUINNOV_MAIL_FROM``)."""
    return current_app.config.get("MAIL_FROM") or os.environ.get("EDUINNOV_MAIL_FROM") or "eduinnov@localhost"


def compose(sender: str, to: str, subject: str, lines: list[str]) -> EmailMessage:
    """A plain-text message of ``lines``."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content("\n".join(lines))
    return msg


def _message(notice: Notification, sender: str, base_url: str | None) -> EmailMessage:
    user = notice.user
    with force_locale(user.locale or default_language()):
        text = describe(notice)
        lines = [text]
        if notice.note:
            lines += ["", _("Reason or note: %(note)s", note=notice.note)]
        if base_url and notice.achievement_id:
            lines += ["", f"{base_url.rstrip('/')}/achievements/{notice.achievement_id}"]
        lines += ["", _("This message was sent by eduinnov; the notice is also on your notifications page.")]
        subject = _("[eduinnov] %(event)s: %(title)s", event=enum_label(notice.event),
                    title=notice.achievement.title if notice.achievement else "—")
    return compose(sender, user.email, subject, lines)


@report_job
def send_notices(notice_ids: list[int]) -> None:
    """E-mail the given notices that were not mailed yet, and record when each was sent."""
    url = smtp_url()
    if not url:
        return None
    sender = mail_sender()
    base_url = current_app.config.get("BASE_URL") or os.environ.get("EDUINNOV_BASE_URL")
    notices = list(db.session.scalars(
        select(Notification).where(Notification.id.in_(notice_ids), Notification.emailed_at.is_(None))
        .order_by(Notification.id)
    ))
    if not notices:
        return None
    client = open_smtp(url)
    try:
        for i, notice in enumerate(notices, start=1):
            if not notice.user.is_active_account:
                continue
            client.send_message(_message(notice, sender, base_url))
            notice.emailed_at = utcnow()
            # Committed at once: a later failure must not make a retry send this message again (and
            # the job's progress is written on another connection, which SQLite would find locked).
            db.session.commit()
            report_progress(i / len(notices))
    finally:
        try:
            client.quit()
        except smtplib.SMTPException:
            pass
    return None
