"""Fixtures of the account tests: the real local SMTP server of the notification tests (invitations by e-mail)."""

from __future__ import annotations

from tests.notifications.conftest import smtp_server  # noqa: F401 (a fixture, used by name)
