"""Insert-or-update by natural key, so that loading the same data twice changes nothing."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

M = TypeVar("M")


def same_value(current: Any, wanted: Any) -> bool:
    """Whether a stored value already equals the wanted one.

    SQLite hands back naive datetimes for timezone-aware columns and ``Numeric`` columns come back as
    ``Decimal``: both would otherwise look changed on every run and produce a pointless UPDATE (and an
    audit-log row).
    """
    if isinstance(current, datetime) and isinstance(wanted, datetime):
        return _as_utc(current) == _as_utc(wanted)
    if isinstance(current, Decimal | float | int) and isinstance(wanted, Decimal | float | int):
        if isinstance(current, bool) or isinstance(wanted, bool):
            return current is wanted
        return Decimal(str(current)) == Decimal(str(wanted))
    return current == wanted


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Upserter:
    """Find rows by their natural key and create or update them, counting what changed.

    Each model's rows are loaded once (one SELECT) into an index keyed by the natural-key columns, so a
    load of a few thousand rows needs a handful of queries. Key values must be plain column values
    (ids included): flush parents before keying children on their ids.

    Parameters
    ----------
    session
        The session to add new rows to; nothing is committed here.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.created: Counter[str] = Counter()
        self.updated: Counter[str] = Counter()
        self._indexes: dict[tuple[type, tuple[str, ...]], dict[tuple[Any, ...], Any]] = {}

    def _index(self, model: type, fields: tuple[str, ...]) -> dict[tuple[Any, ...], Any]:
        index = self._indexes.get((model, fields))
        if index is None:
            rows = self.session.scalars(select(model)).all()
            index = {tuple(getattr(row, f) for f in fields): row for row in rows}
            self._indexes[(model, fields)] = index
        return index

    def get(self, model: type[M], **key: Any) -> M | None:
        """The row of ``model`` with this natural key, or None."""
        fields = tuple(key)
        return self._index(model, fields).get(tuple(key[f] for f in fields))

    def upsert(self, model: type[M], key: dict[str, Any], values: dict[str, Any] | None = None) -> M:
        """The row of ``model`` with natural key ``key``, created or brought up to ``values``.

        Only attributes whose value differs are assigned, so an unchanged row stays clean: no UPDATE,
        no ``updated_at`` bump, no audit-log entry.
        """
        values = values or {}
        fields = tuple(key)
        index = self._index(model, fields)
        ident = tuple(key[f] for f in fields)
        row = index.get(ident)
        if row is None:
            row = model(**key, **values)
            self.session.add(row)
            index[ident] = row
            self.created[model.__name__] += 1
            return row
        changed = False
        for name, wanted in values.items():
            if not same_value(getattr(row, name), wanted):
                setattr(row, name, wanted)
                changed = True
        if changed:
            self.updated[model.__name__] += 1
        return row

    def flush(self) -> None:
        """Flush pending rows so that their ids can key their children."""
        self.session.flush()
