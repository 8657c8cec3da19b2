"""Bulk inserts of many rows of one table, in the request's transaction: ``COPY`` on PostgreSQL.

SQLAlchemy's ``insert(...).returning(...)`` with a list of rows renders batches of multi-row ``VALUES``
statements; with psycopg 3 each batch's SQL text (thousands of placeholders) is parsed again, which made an
import of 50,000 achievements spend seconds there, and a plain ``executemany`` is one round trip per row
(pipelined). On PostgreSQL these helpers take the new ids from the table's sequence in one query and
``COPY`` the rows on the session's own connection (same transaction: a rollback removes them); on other
databases they fall back to ``executemany`` (SQLite: fast already).

Column defaults are applied as an ORM insert would (Python-side ``default=`` values and callables,
``server_default`` for columns left out), and values go through the column types' bind processing
(enums stored by value, JSON serialised).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Table, insert, text

from eduinnov.extensions import db

__all__ = ["insert_rows", "uses_copy"]


def uses_copy() -> bool:
    """Whether :func:`insert_rows` writes with ``COPY`` here (the session's database is PostgreSQL)."""
    return db.session.get_bind().dialect.name == "postgresql"


def _new_ids(table: Table, n: int) -> list[int]:
    """``n`` fresh ids from the table's sequence, in increasing order (PostgreSQL)."""
    rows = db.session.execute(
        text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
        {"table": table.name, "n": n},
    )
    return sorted(r[0] for r in rows)


def _copy(table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    connection = db.session.connection()
    dialect = connection.dialect
    # Columns NULL in every row and without any default are left out: COPY fills them with NULL anyway.
    given = [name for name in rows[0].keys()
             if not (table.c[name].default is None and table.c[name].server_default is None
                     and all(row[name] is None for row in rows))]
    defaults: dict[str, Any] = {}
    for col in table.columns:
        if col.name in given or col.default is None:
            continue
        if col.default.is_scalar:
            defaults[col.name] = col.default.arg
        elif col.default.is_callable:
            defaults[col.name] = col.default.arg(None)
    names = [*given, *defaults]
    processors = [table.c[name].type._cached_bind_processor(dialect) for name in names]
    # Per row: the given values in one C call, then only the columns with a bind processor (enums, JSON …).
    processed = [(i, p) for i, p in enumerate(processors[:len(given)]) if p is not None]
    pick = itemgetter(*given) if len(given) > 1 else (lambda row: tuple(row[name] for name in given))
    default_values = [processors[i](v) if processors[i] is not None and v is not None else v
                      for i, v in enumerate(defaults.values(), start=len(given))]
    columns = ", ".join(dialect.identifier_preparer.quote(name) for name in names)
    sql = f"COPY {dialect.identifier_preparer.format_table(table)} ({columns}) FROM STDIN"
    raw = connection.connection.dbapi_connection
    with raw.cursor() as cursor, cursor.copy(sql) as copy:
        write_row = copy.write_row
        for row in rows:
            values = [*pick(row), *default_values]
            for i, p in processed:
                if values[i] is not None:
                    values[i] = p(values[i])
            write_row(values)


def insert_rows(table: Table, rows: Sequence[Mapping[str, Any]], *, return_ids: bool = False) -> list[int]:
    """Insert ``rows`` (dicts with the same keys, no ``id``) into ``table``; their new ids in order if asked.

    Flushes the session first so the rows can refer to objects added before. On databases other than
    PostgreSQL, ``return_ids`` runs one ``INSERT … RETURNING`` per row (SQLite matches ids to rows only so).
    """
    if not rows:
        return []
    db.session.flush()
    if uses_copy():
        ids = _new_ids(table, len(rows)) if return_ids else []
        _copy(table, [{**row, "id": i} for row, i in zip(rows, ids, strict=True)] if return_ids else rows)
        return ids
    if not return_ids:
        db.session.execute(insert(table), list(rows))
        return []
    result = db.session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), list(rows))
    return list(result.scalars())
