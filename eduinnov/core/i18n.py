"""Language selection and translatable labels for enum values."""

from __future__ import annotations

import enum

from flask import current_app, has_app_context, has_request_context, request
from flask_babel import lazy_gettext
from flask_login import current_user

LANGUAGES = {"zh": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh"

_ENUM_LABELS: dict[type[enum.Enum], dict[enum.Enum, object]] = {}


def register_labels(enum_cls: type[enum.Enum], labels: dict[enum.Enum, object]) -> None:
    """Attach translatable labels (``lazy_gettext`` strings) to every member of an enum."""
    missing = set(enum_cls) - set(labels)
    if missing:
        raise ValueError(f"{enum_cls.__name__}: no label for {sorted(m.value for m in missing)}")
    _ENUM_LABELS[enum_cls] = labels


def enum_label(member: enum.Enum | None) -> str:
    """The label of an enum member in the current language ('' for None)."""
    if member is None:
        return ""
    labels = _ENUM_LABELS.get(type(member))
    if labels is None:
        return str(member.value)
    return str(labels[member])


def enum_choices(enum_cls: type[enum.Enum], *, blank: bool = False) -> list[tuple[str, object]]:
    """(value, label) pairs for a select field; labels stay lazy so they follow the language."""
    labels = _ENUM_LABELS.get(enum_cls, {})
    choices = [(m.value, labels.get(m, m.value)) for m in enum_cls]
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
