"""Optimistic locking: two people editing the same record never silently overwrite each other.

Every editable model has a ``row_version`` column that SQLAlchemy uses as its ``version_id_col``: each
UPDATE says ``WHERE id = … AND row_version = <the version this request read>`` and increments it, so of
two saves racing each other the second finds no row and fails (``StaleDataError``, answered 409).

That alone only catches saves that race within milliseconds. The common case is slower: A opens the form,
B opens it, B saves, A saves minutes later. So edit forms carry the version they were rendered from in a
hidden field (``{{ version_field(obj) }}``, name ``row_version``, value ``table:id:version``); when a view
loads the object for a POST (``auth.access.get_or_404`` does it), the posted version is remembered, and
before anything is flushed a save based on an older version is refused with :class:`StaleEdit` — a
``DomainError`` the view shows next to the form, which keeps the user's input — listing the values that are
stored now (the other person's change). The answer is 409; saving again (the form now carries the current
version) replaces the other person's values deliberately.
"""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context, request
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import Integer, event, inspect, text
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column
from sqlalchemy.orm.attributes import flag_modified

from eduinnov.core.errors import DomainError

FIELD = "row_version"
_KEY = "eduinnov.expected_versions"
_FLUSHING = "eduinnov.versions_flushing"
_IGNORED = {"row_version", "updated_at", "created_at"}


class VersionedMixin:
    """A ``row_version`` counter used by SQLAlchemy's optimistic locking (``version_id_col``)."""

    row_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default=text("1"))

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.row_version}


class StaleEdit(DomainError):
    """Someone else saved the record after the form was opened; ``stored`` lists what is stored now."""

    def __init__(self, message: str, stored: list[tuple[str, str]]) -> None:
        super().__init__(message)
        self.stored = stored


def is_versioned(obj: Any) -> bool:
    mapper = inspect(type(obj), raiseerr=False)
    return mapper is not None and mapper.version_id_col is not None


def version_token(obj: Any) -> str:
    return f"{obj.__tablename__}:{obj.id}:{obj.row_version}"


def version_field(obj: Any) -> Markup:
    """The hidden input an edit form carries (a Jinja global)."""
    if obj is None or not is_versioned(obj) or obj.id is None:
        return Markup("")
    return Markup('<input type="hidden" name="%s" value="%s">') % (FIELD, escape(version_token(obj)))


def expect_version(obj: Any, version: int) -> None:
    """Refuse any flush of this session that changes ``obj`` unless it is still at ``version``."""
    session = Session.object_session(obj)
    if session is not None and is_versioned(obj):
        session.info.setdefault(_KEY, {})[id(obj)] = (obj, version)


def expect_posted_version(obj: Any) -> None:
    """If this request posts a ``row_version`` for ``obj``, remember it (see :func:`expect_version`)."""
    if obj is None or not has_request_context() or request.method != "POST" or not is_versioned(obj):
        return
    prefix = f"{obj.__tablename__}:{obj.id}:"
    for value in request.form.getlist(FIELD):
        if value.startswith(prefix):
            number = value[len(prefix):]
            expect_version(obj, int(number) if number.isascii() and number.isdigit() and len(number) < 10 else 0)


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "—"
    text_value = str(getattr(value, "value", value))
    return text_value if len(text_value) <= 80 else text_value[:80] + "…"


def _stored_now(obj: Any) -> list[tuple[str, str]]:
    """The stored value of each column this save would change (it includes the other person's change)."""
    state = inspect(obj)
    out = []
    for attr in state.mapper.column_attrs:
        if attr.key in _IGNORED:
            continue
        history = state.attrs[attr.key].history
        if history.added and history.deleted:
            out.append((attr.key, _shown(history.deleted[0])))
    return out


def stale_message(stored: list[tuple[str, str]]) -> str:
    if stored:
        changes = "; ".join(f"{name}: “{value}”" for name, value in stored)
        return _("Someone else saved this record after you opened it. Stored now: %(changes)s. Your input is "
                 "kept below: check it and save again to replace their version.", changes=changes)
    return _("Someone else saved this record after you opened it. Your input is kept below: check it and save "
             "again to replace their version.")


@event.listens_for(Session, "before_flush")
def _refuse_stale_saves(session: Session, flush_context, instances) -> None:
    session.info.pop(_FLUSHING, None)  # left by a flush that failed
    expected = session.info.get(_KEY)
    if not expected:
        return
    changing = bool(session.new or session.dirty or session.deleted)
    for obj, version in list(expected.values()):
        state = inspect(obj)
        if state.detached or state.transient or not changing:
            continue
        current = state.dict.get("row_version")
        if current is not None and current != version:
            stored = _stored_now(obj)
            # Reported once: the view shows the refusal (the form keeps the user's input) and fails the
            # request. The record goes back to what is stored, so the page shows it, and its version field
            # carries the stored version (saving again then replaces the other person's values on purpose).
            expected.pop(id(obj), None)
            session.expire(obj)
            raise StaleEdit(stale_message(stored), stored)
        if obj not in session.dirty and obj not in session.deleted and "updated_at" in state.dict:
            # Only its children changed (participants, grades): still a new version of the record.
            flag_modified(obj, "updated_at")
        session.info.setdefault(_FLUSHING, set()).add(id(obj))


@event.listens_for(Session, "after_flush_postexec")
def _checked(session: Session, flush_context) -> None:
    """A record saved in this flush had its check: later flushes of the request (the OBE figures stored
    before the commit, say) must neither refuse it against the version it had before our own save nor
    save it again."""
    expected = session.info.get(_KEY)
    for key in session.info.pop(_FLUSHING, ()):
        if expected:
            expected.pop(key, None)


def conflict_status(exc: BaseException | None) -> None:
    """Called by ``core.web.fail_request``: a refused stale save answers 409."""
    if isinstance(exc, StaleEdit) and has_request_context():
        g.response_status = 409
