"""Reading uploaded files into pandas frames of text, safely.

* Size and row limits are checked before anything is parsed (``IMPORT_MAX_BYTES``, ``IMPORT_MAX_ROWS``).
* Text files (CSV, BibTeX, RIS) are decoded by a fixed cascade: a BOM (UTF-8, UTF-16), else strict UTF-8,
  else strict GB18030 — a superset of GBK/GB2312, which Excel on Chinese Windows writes for "CSV". Strict
  decoding means a file in neither is refused instead of being read as mojibake. (Statistical detectors
  such as charset-normalizer guess between GBK, Big5 and Shift-JIS on short Chinese files; the cascade
  never has to guess, because UTF-8 is self-validating and everything else a Chinese office writes is GBK.)
* An xlsx is a zip archive. Before openpyxl sees it, the archive's central directory is checked: the
  declared uncompressed sizes (total and per member) and the compression ratio. Python's ``zipfile`` stops
  reading a member at its declared size (and fails its CRC if the data goes on), so a declared size is a
  real bound: a "zip bomb" workbook is refused without inflating it. The workbook is then opened with
  ``read_only=True`` (streamed) and ``data_only=True``: formula cells give the value Excel last saved and
  are never evaluated; a formula with no saved value reads as empty.
* Cells are normalised (NFKC: full-width digits, letters and spaces become ASCII) and held in a pandas
  frame indexed by the sheet's row numbers, so that every message can name the row Excel shows.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from flask import current_app, has_app_context
from flask_babel import gettext as _

from eduinnov.imports.validators import normalise_key

DEFAULT_MAX_BYTES = 16 * 1024 * 1024
DEFAULT_MAX_ROWS = 50_000
MAX_XLSX_UNCOMPRESSED = 200 * 1024 * 1024   # all members together, as declared
MAX_XLSX_RATIO = 150                         # per member larger than 1 MB: uncompressed / compressed
MAX_XLSX_MEMBERS = 2000
HEADER_SEARCH_ROWS = 15


class FileRefused(Exception):
    """The file as a whole cannot be imported (format, encoding, size, structure); nothing was read into the DB."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass
class Table:
    """A sheet read as text: ``frame`` has one column per header cell and the sheet's row numbers as index."""

    frame: pd.DataFrame
    fmt: str
    encoding: str | None = None
    header_row: int = 1
    formula_cells: int = 0
    headers: list[str] = field(default_factory=list)


def limit(name: str, default: int) -> int:
    """A configurable limit (``IMPORT_MAX_BYTES`` …) from the app config, else the default."""
    if has_app_context():
        return int(current_app.config.get(name, default))
    return default


def check_size(data: bytes) -> None:
    """Refuse an empty file or one over ``IMPORT_MAX_BYTES``."""
    if not data:
        raise FileRefused(_("The file is empty."))
    max_bytes = limit("IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)
    if len(data) > max_bytes:
        raise FileRefused(_("The file is %(size).1f MB; the limit is %(limit).1f MB. Split it into smaller files.",
                            size=len(data) / 2**20, limit=max_bytes / 2**20))


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode text bytes: BOM, else strict UTF-8, else strict GB18030 (GBK).

    Returns
    -------
    (text, encoding label) — the label is shown in the preview ("UTF-8", "UTF-8 BOM", "GBK/GB18030", "UTF-16").

    Raises
    ------
    FileRefused
        The bytes are valid in none of these encodings (e.g. a damaged or binary file).
    """
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "UTF-8 BOM"
        except UnicodeDecodeError as exc:
            raise FileRefused(_("The file says it is UTF-8 but byte %(pos)d is not: save it again as CSV UTF-8.",
                                pos=exc.start + 4)) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            raise FileRefused(_("The file is damaged UTF-16 text.")) from None
    if b"\x00" in data[:4096]:
        raise FileRefused(_("This is not a text file: upload CSV, XLSX, BibTeX or RIS."))
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "GBK/GB18030"
    except UnicodeDecodeError as exc:
        raise FileRefused(_("The file's encoding is neither UTF-8 nor GBK (unreadable bytes near byte %(pos)d). "
                            "Save it from Excel as “CSV UTF-8” or as .xlsx.", pos=exc.start + 1)) from None


def check_xlsx_container(data: bytes) -> int:
    """Inspect an xlsx archive without inflating it; return the number of formula cells in its sheets.

    Raises
    ------
    FileRefused
        Not a zip / not a workbook, too many members, a declared uncompressed size over the limit, or a
        compression ratio only a zip bomb has.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise FileRefused(_("The Excel file is damaged (not a valid .xlsx archive).")) from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_XLSX_MEMBERS:
            raise FileRefused(_("The workbook has too many parts to be a spreadsheet export."))
        total = sum(i.file_size for i in infos)
        max_total = limit("IMPORT_MAX_XLSX_UNCOMPRESSED", MAX_XLSX_UNCOMPRESSED)
        if total > max_total:
            raise FileRefused(_("The workbook would expand to %(size)d MB (limit %(limit)d MB): it was refused "
                                "without opening it.", size=total // 2**20, limit=max_total // 2**20))
        for info in infos:
            if info.file_size > 2**20 and info.file_size > MAX_XLSX_RATIO * max(info.compress_size, 1):
                raise FileRefused(_("The workbook is compressed %(ratio)d times, which no real spreadsheet is: "
                                    "it was refused without opening it.",
                                    ratio=info.file_size // max(info.compress_size, 1)))
        names = {i.filename for i in infos}
        if "xl/workbook.xml" not in names:
            raise FileRefused(_("This zip file is not an Excel workbook (.xlsx)."))
        formulas = 0
        for name in names:
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = archive.read(name)  # bounded by the checks above
                formulas += len(re.findall(rb"<(?:\w+:)?f[ >/]", xml))
        return formulas


def _sniff_delimiter(sample: str) -> str:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",\t;").delimiter
    except csv.Error:
        return "\t" if sample.count("\t") > sample.count(",") else ","


def _clean_header(value: Any) -> str:
    text = "" if value is None else str(value)
    text = re.sub(r"[（(][^）)]*[）)]", "", text)  # 学号（必填） → 学号
    return normalise_key(text)


def _find_header(rows: list[list[Any]], known: set[str]) -> int:
    """Index of the first row that names at least two known columns (title rows above are skipped)."""
    best, best_hits = 0, 0
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        hits = sum(1 for cell in row if _clean_header(cell) in known)
        if hits >= 2 or (hits and hits == len([c for c in row if str(c or "").strip()])):
            return i
        if hits > best_hits:
            best, best_hits = i, hits
    return best


def _frame_from_rows(rows: list[list[Any]], header_index: int, first_row_number: int) -> tuple[pd.DataFrame, list[str]]:
    header = ["" if c is None else str(c).strip() for c in rows[header_index]]
    body = rows[header_index + 1:]
    width = max([len(header)] + [len(r) for r in body]) if body else len(header)
    header = header + [""] * (width - len(header))
    names = [h if h else f"#{i + 1}" for i, h in enumerate(header)]
    seen: dict[str, int] = {}
    for i, n in enumerate(names):  # duplicate headers: keep both, the second gets a suffix
        if n in seen:
            seen[n] += 1
            names[i] = f"{n}~{seen[n]}"
        else:
            seen[n] = 0
    padded = [list(r) + [None] * (width - len(r)) for r in body]
    frame = pd.DataFrame(padded, columns=names, dtype=object)
    frame.index = range(first_row_number + header_index + 1, first_row_number + header_index + 1 + len(frame))
    return frame, header


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean_cell(value: Any) -> Any:
    """NFKC text (full-width digits, letters, spaces → ASCII), control characters dropped, spaces collapsed."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return value  # numbers and dates from an xlsx keep their type
    if not value.isascii():
        value = unicodedata.normalize("NFKC", value)
    if not value.isprintable():
        value = _CONTROL.sub("", value)
    return " ".join(value.split())


def _normalise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell cleaned by :func:`_clean_cell`; rows with no value at all dropped (keeping sheet row numbers)."""
    result = frame.map(_clean_cell) if len(frame) else frame
    if not len(result.columns):
        return result
    empty = (result == "").all(axis=1)
    return result[~empty]


def _check_rows(count: int) -> None:
    max_rows = limit("IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS)
    if count > max_rows:
        raise FileRefused(_("The file has more than %(n)d rows; split it into several files.", n=max_rows))


def read_csv_table(data: bytes, known_headers: set[str]) -> Table:
    """Read a CSV (comma, tab or semicolon separated) into a :class:`Table`."""
    text, encoding = decode_text(data)
    delimiter = _sniff_delimiter(text[:8192])
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise FileRefused(_("The CSV file cannot be read: %(error)s", error=str(exc)[:200])) from None
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    if not rows:
        raise FileRefused(_("The file is empty."))
    header_index = _find_header(rows, known_headers)
    _check_rows(len(rows) - header_index - 1)
    frame, headers = _frame_from_rows(rows, header_index, 1)
    return Table(_normalise_frame(frame), "csv", encoding, header_index + 1, 0, headers)


def read_xlsx_table(data: bytes, known_headers: set[str]) -> Table:
    """Read the first sheet of an xlsx (after :func:`check_xlsx_container`) into a :class:`Table`."""
    from openpyxl import load_workbook

    formulas = check_xlsx_container(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise FileRefused(_("The Excel file could not be read (%(error)s).", error=type(exc).__name__)) from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise FileRefused(_("The workbook has no sheet."))
        max_rows = limit("IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS)
        rows: list[list[Any]] = []
        for values in sheet.iter_rows(values_only=True):
            rows.append(list(values))
            if len(rows) > max_rows + HEADER_SEARCH_ROWS:
                _check_rows(len(rows))
        while rows and all(v is None or str(v).strip() == "" for v in rows[-1]):
            rows.pop()
    finally:
        workbook.close()
    if not rows:
        raise FileRefused(_("The first sheet of the workbook is empty."))
    header_index = _find_header(rows, known_headers)
    _check_rows(len(rows) - header_index - 1)
    frame, headers = _frame_from_rows(rows, header_index, 1)
    return Table(_normalise_frame(frame), "xlsx", None, header_index + 1, formulas, headers)


def read_table(data: bytes, filename: str, known_headers: set[str]) -> Table:
    """Read an uploaded CSV or XLSX (decided by content, not by name) into a :class:`Table`.

    Parameters
    ----------
    data : bytes
        The whole upload.
    filename : str
        Only used to explain old ``.xls`` files.
    known_headers : set[str]
        Normalised header names of the schema, to find the header row below title rows.

    Raises
    ------
    FileRefused
    """
    check_size(data)
    if data.startswith(b"\xd0\xcf\x11\xe0") or filename.lower().endswith(".xls"):
        raise FileRefused(_("Old Excel .xls files are not supported: save the sheet as .xlsx or CSV."))
    if data.startswith(b"PK\x03\x04") or filename.lower().endswith(".xlsx"):
        return read_xlsx_table(data, known_headers)
    return read_csv_table(data, known_headers)


def clean_header(value: Any) -> str:
    """The comparison form of a header cell (brackets, ``*``, spaces and case dropped)."""
    return _clean_header(value)
