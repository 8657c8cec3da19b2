"""Model mixins and column helpers shared by every domain."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from flask_babel import get_locale
from sqlalchemy import DateTime, Enum
from sqlalchemy.orm import Mapped, mapped_column


def utcnow() -> datetime:
    """Timezone-aware current time in UTC."""
    return datetime.now(UTC)


def enum_type(enum_cls: type[enum.Enum], length: int = 32, *, name: str | None = None) -> Enum:
    """A portable enum column: a VARCHAR with a CHECK constraint storing the enum's values.

    The constraint is named after the enum class (lower case) unless ``name`` keeps an older name.
    """
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda e: [m.value for m in e],
        name=name or enum_cls.__name__.lower(),
        validate_strings=True,
    )


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class BilingualMixin:
    """Rows with ``name_zh`` / ``name_en``: ``display_name`` follows the user's language."""

    name_zh: Mapped[str]
    name_en: Mapped[str | None]

    @property
    def display_name(self) -> str:
        return bilingual_name(self.name_zh, self.name_en)


def display_language() -> str:
    """The language names are shown in: the request's locale ("zh" outside a request)."""
    try:
        return str(get_locale() or "zh")
    except RuntimeError:  # outside a request
        return "zh"


def bilingual_name(name_zh: str | None, name_en: str | None, lang: str | None = None) -> str:
    """The name to show of a row with ``name_zh`` / ``name_en`` (``BilingualMixin.display_name``), in ``lang``
    (default: :func:`display_language`; pass it once for many rows read as plain columns)."""
    if (lang or display_language()).startswith("en") and name_en:
        return name_en
    return name_zh or (name_en or "")


class LabelledEnum(str, enum.Enum):  # noqa: UP042 (values are stored and compared as plain str)
    """A str enum whose members carry their translatable label: ``DRAFT = "draft", _l("Draft")``.

    The value is the string stored in the database (``Status("draft")`` looks it up); the label
    (``lazy_gettext``) is shown by ``{{ value|label }}``, ``core.i18n.enum_label`` and ``enum_choices``.
    A member without a label is refused when the class is created.
    """

    def __new__(cls, value: str, label: object = None) -> LabelledEnum:
        if label is None:
            raise TypeError(f"{cls.__name__}: member {value!r} needs a label (NAME = value, lazy label)")
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = label
        return member

    @property
    def label(self) -> object:
        """The member's translatable label (lazy: it follows the current language when rendered)."""
        return self._label

    def __str__(self) -> str:
        return self.value


def autogenerate_filter(dialect_name: str):
    """Alembic's ``include_object`` for a database of ``dialect_name``: an index the models make on one database
    only (``Index(...).ddl_if(dialect="postgresql")``, e.g. trigram indexes) is not expected on another."""

    def include_object(obj, _name, type_, reflected, _compare_to) -> bool:
        condition = getattr(obj, "_ddl_if", None) if type_ == "index" and not reflected else None
        if condition is None or condition.dialect is None:
            return True
        wanted = (condition.dialect,) if isinstance(condition.dialect, str) else tuple(condition.dialect)
        return dialect_name in wanted

    return include_object
