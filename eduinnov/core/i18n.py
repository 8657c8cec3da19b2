"""Language selection and translatable labels for enum values."""

from __future__ import annotations

import enum

from flask import current_app, has_app_context, has_request_context, request
from flask_babel import lazy_gettext
from flask_login import current_user

LANGUAGES = {"zh": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh"

def _label_of(member: enum.Enum) -> object:
    """A ``LabelledEnum`` member's label (defined in its class), else the plain value."""
    label = getattr(member, "label", None)
    return member.value if label is None else label


def enum_label(member: enum.Enum | None) -> str:
    """The label of an enum member in the current language ('' for None)."""
    if member is None:
        return ""
    return str(_label_of(member))


def enum_choices(enum_cls: type[enum.Enum], *, blank: bool = False) -> list[tuple[str, object]]:
    """(value, label) pairs for a select field; labels stay lazy so they follow the language."""
    choices = [(m.value, _label_of(m)) for m in enum_cls]
    if blank:
        choices.insert(0, ("", lazy_gettext("—")))
    return choices


def default_language() -> str:
    """The site's default language: ``DEFAULT_LANGUAGE`` in the config (Chinese unless set)."""
    if has_app_context():
        return current_app.config.get("DEFAULT_LANGUAGE", DEFAULT_LANGUAGE)
    return DEFAULT_LANGUAGE


def select_locale() -> str:
    """The user's chosen language, then the language cookie, then the site default (Chinese)."""
    if not has_request_context():  # CLI commands, imports and service tests
        return default_language()
    if getattr(current_user, "is_authenticated", False) and getattr(current_user, "locale", None):
        return current_user.locale
    lang = request.cookies.get("lang")
    if lang in LANGUAGES:
        return lang
    return default_language()
