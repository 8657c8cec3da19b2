"""Audit log: who changed what and when, recorded automatically for models marked ``__audited__``.

Columns named in a model's ``__audit_skip__`` (values derived from other columns) are not recorded.

Also enforces read-only archived framework versions: any change to a row that belongs to an archived
version is refused at flush time, whatever code path tried it.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from typing import Any

from flask import g, has_request_context
from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column

from eduinnov.core.errors import LockedError
from eduinnov.core.models import utcnow
from eduinnov.extensions import db


class AuditLog(db.Model):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    program_id: Mapped[int | None] = mapped_column(Integer, index=True)
    entity_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))  # create / update / delete
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


def jsonable(value: Any) -> Any:
    """``value`` as JSON can hold it in an audit row: enums by value, dates ISO, decimals as text."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def acting_user_id() -> int | None:
    """The id of the user behind the current request or CLI command (set in ``g.actor_id``)."""
    if has_request_context() or _has_app_g():
        return getattr(g, "actor_id", None)
    return None


def _has_app_g() -> bool:
    try:
        g.get("actor_id")
        return True
    except RuntimeError:
        return False


def _program_id(obj: Any) -> int | None:
    try:
        return obj.program_id
    except Exception:  # an object half-built in this flush may not reach its program yet
        return None


def _changes(obj: Any, action: str) -> dict[str, Any]:
    state = inspect(obj)
    out: dict[str, Any] = {}
    skip = getattr(obj, "__audit_skip__", ())  # columns derived from others (e.g. comparison keys)
    for attr in state.mapper.column_attrs:
        if attr.key in ("row_version", "updated_at") or attr.key in skip:  # the locking counter and its touch
            continue
        hist = state.attrs[attr.key].history
        if action == "update":
            if hist.has_changes():
                old = hist.deleted[0] if hist.deleted else None
                new = hist.added[0] if hist.added else None
                out[attr.key] = [jsonable(old), jsonable(new)]
        else:
            out[attr.key] = jsonable(getattr(obj, attr.key))
    return out


def _framework_of(obj: Any) -> Any:
    if getattr(obj, "__tablename__", None) == "framework_versions":
        return None  # a version's own status changes are the lifecycle itself
    try:
        return getattr(obj, "framework", None)
    except Exception:
        return None


def _check_version_change(version: Any, action: str) -> None:
    """An archived version can be neither edited, un-archived nor deleted; archiving it is allowed."""
    hist = inspect(version).attrs["status"].history
    if hist.deleted:  # the status changes in this flush
        old = hist.deleted[0]
        if getattr(old, "value", old) == "archived":
            raise LockedError("This framework version is archived and read-only.")
    elif version.is_archived:
        raise LockedError("This framework version is archived and read-only.")


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    pending: list[tuple[Any, str, dict[str, Any]]] = []
    for action, objs in (("create", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in list(objs):
            framework = _framework_of(obj)
            if framework is not None and getattr(framework, "is_archived", False):
                raise LockedError("This framework version is archived and read-only.")
            if getattr(obj, "__tablename__", None) == "framework_versions" and action != "create":
                _check_version_change(obj, action)
            if not getattr(obj, "__audited__", False):
                continue
            if action == "update" and not session.is_modified(obj, include_collections=False):
                continue
            pending.append((obj, action, _changes(obj, action)))
    session.info.setdefault("audit_pending", []).extend(pending)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, flush_context: Any) -> None:
    pending = session.info.pop("audit_pending", [])
    if not pending:
        return
    user_id = acting_user_id()
    rows = []
    for obj, action, changes in pending:
        entity_id = inspect(obj).identity[0] if inspect(obj).identity else getattr(obj, "id", None)
        if action == "create":
            changes = {k: jsonable(getattr(obj, k, v)) for k, v in changes.items()}
        rows.append({
            "created_at": utcnow(),
            "user_id": user_id,
            "program_id": _program_id(obj),
            "entity_type": obj.__tablename__,
            "entity_id": entity_id,
            "action": action,
            "changes": changes,
        })
    session.connection().execute(AuditLog.__table__.insert(), rows)
