"""CSV and Excel (xlsx) exports, safe against formula injection and readable in Chinese.

An export is a list of :class:`Column` (a key and an already translated header) and rows (mappings
keyed by column key, or a pandas DataFrame). Every cell goes through the one neutraliser,
:func:`eduinnov.core.spreadsheet.neutralise`: text that a spreadsheet would run as a formula (``=``,
``+``, ``-``, ``@``, tab or carriage return first, also after NFKC folding: ``＝1``) gets a leading
apostrophe; real numbers (int, float, Decimal) stay numbers, negative ones included.

CSV is UTF-8 with a byte-order mark so that Excel on Windows reads Chinese correctly; xlsx has a bold,
frozen header row and column widths fitted to the content (CJK characters counted double).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Literal

from eduinnov.core.spreadsheet import DANGEROUS_PREFIXES, neutralise

__all__ = [
    "CSV_MIMETYPE",
    "DANGEROUS_PREFIXES",
    "XLSX_MIMETYPE",
    "Column",
    "ExportTable",
    "Format",
    "columns_from_dataframe",
    "render",
    "stem",
    "neutralise",
    "to_csv",
    "to_xlsx",
]

CSV_MIMETYPE = "text/csv"  # Werkzeug adds "; charset=utf-8" to every text/* type (once)
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_COLUMN_WIDTH = 60


@dataclass(frozen=True)
class Column:
    """One exported column.

    Parameters
    ----------
    key
        Key of the value in each row mapping (or DataFrame column name).
    header
        The header in the user's language (pass ``_("Student number")``; it is converted to ``str``).
    number_format
        Excel number format for numeric cells (e.g. ``"0.00"``, ``"0%"``); ignored in CSV.
    width
        Fixed Excel column width in characters; fitted to the content when ``None``.
    """

    key: str
    header: Any
    number_format: str | None = None
    width: float | None = None


def _rows(columns: Sequence[Column], rows: Iterable[Mapping[str, Any]] | Any) -> Iterable[list[Any]]:
    if _is_dataframe(rows):
        rows = rows.to_dict("records")
    for row in rows:
        yield [neutralise(row.get(c.key)) for c in columns]


def _is_dataframe(obj: Any) -> bool:
    return type(obj).__name__ == "DataFrame" and hasattr(obj, "to_dict")


def columns_from_dataframe(frame: Any, headers: Mapping[str, Any] | None = None) -> list[Column]:
    """Columns for every DataFrame column, with translated ``headers`` where given (else the name)."""
    headers = headers or {}
    return [Column(str(name), headers.get(str(name), str(name))) for name in frame.columns]


def _local(value: datetime) -> datetime:
    """A stored moment (UTC) in the configured display zone, as every page shows it."""
    try:
        from flask_babel import to_user_timezone

        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)  # stored times are UTC (SQLite returns them naive)
        return to_user_timezone(value).replace(tzinfo=None)
    except RuntimeError:  # outside an app context
        return value


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        text = f"{value:.10f}".rstrip("0").rstrip(".")
        return "0" if text == "-0" else text
    if isinstance(value, datetime):
        return _local(value).isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def to_csv(columns: Sequence[Column], rows: Iterable[Mapping[str, Any]] | Any) -> bytes:
    """The export as CSV bytes: UTF-8 with BOM, CRLF line ends, header row first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(str(c.header)) for c in columns])
    for row in _rows(columns, rows):
        writer.writerow([_csv_text(v) for v in row])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def _display_width(value: Any) -> float:
    text = _csv_text(value)
    longest = max((sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
                   for line in text.splitlines() or [""]), default=0)
    return longest


def to_xlsx(columns: Sequence[Column], rows: Iterable[Mapping[str, Any]] | Any, *, sheet_title: str = "Sheet1") -> bytes:
    """The export as an xlsx workbook: bold frozen header, fitted widths, text cells never formulas.

    Every text cell is written with the string data type explicitly, so even a value that slipped past
    :func:`neutralise` could never become a formula.
    """
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, TYPE_STRING
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _sheet_title(sheet_title)
    widths = [0.0] * len(columns)
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="E7EEF5")
    for j, column in enumerate(columns, start=1):
        header = neutralise(str(column.header))
        cell = sheet.cell(row=1, column=j)
        cell.value = header
        cell.data_type = TYPE_STRING
        cell.font = header_font
        cell.fill = header_fill
        cell.alignment = Alignment(vertical="center", wrap_text=False)
        widths[j - 1] = _display_width(header)
    for i, values in enumerate(_rows(columns, rows), start=2):
        for j, value in enumerate(values, start=1):
            cell = sheet.cell(row=i, column=j)
            if isinstance(value, datetime):
                value = _local(value)  # Excel has no time zones: the display zone, as on the pages
            if isinstance(value, str):
                value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters xlsx cannot hold
            cell.value = value
            if isinstance(value, str):
                cell.data_type = TYPE_STRING
            elif columns[j - 1].number_format and isinstance(value, int | float | Decimal):
                cell.number_format = columns[j - 1].number_format
            widths[j - 1] = max(widths[j - 1], _display_width(value))
    for j, column in enumerate(columns, start=1):
        width = column.width if column.width is not None else min(MAX_COLUMN_WIDTH, max(8.0, widths[j - 1] + 2))
        sheet.column_dimensions[get_column_letter(j)].width = width
    sheet.freeze_panes = "A2"
    if columns:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(sheet.max_row, 1)}"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _sheet_title(title: str) -> str:
    """Excel sheet names: at most 31 characters, none of ``[]:*?/\\``."""
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in str(title)).strip("'") or "Sheet1"
    return cleaned[:31]


# -- a whole export: columns, rows, sheet title and file name ------------------------------------------------

Format = Literal["csv", "xlsx"]
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class ExportTable:
    """Columns, rows, a sheet title and an ASCII file name stem."""

    columns: list[Column]
    rows: list[dict[str, Any]]
    sheet_title: str
    stem: str


def render(table: ExportTable, fmt: Format) -> tuple[bytes, str, str]:
    """File bytes, MIME type and download name of an export in ``fmt``."""
    if fmt == "csv":
        return to_csv(table.columns, table.rows), CSV_MIMETYPE, f"{table.stem}.csv"
    return to_xlsx(table.columns, table.rows, sheet_title=table.sheet_title), XLSX_MIMETYPE, f"{table.stem}.xlsx"


def stem(*parts: object) -> str:
    """An ASCII file-name stem from ``parts`` (unsafe characters become ``_``)."""
    return "-".join(_UNSAFE_NAME.sub("_", str(p)).strip("_") or "x" for p in parts)
