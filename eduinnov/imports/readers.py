"""Reading uploaded files into pandas frames of text, safely.

* Size and row limits are checked before anything is parsed (``IMPORT_MAX_BYTES``, ``IMPORT_MAX_ROWS``).
This is the one place where uploaded files are decoded, sniffed and checked: imports and the OBE score
sheets and surveys (``obe.sheets``) read through it.

* Text files (CSV, BibTeX, RIS) are decoded by :func:`decode_text`: a BOM (UTF-8, UTF-16, UTF-32), else
  strict UTF-8 (self-validating), else a legacy Chinese code page — GBK/GB18030 (Excel's "CSV" on
  Simplified Chinese Windows) or Big5 (Traditional Chinese). GB18030 decodes almost any byte pair, so
  a Big5 file "decodes" as GBK mojibake (张三丰 in Big5 gives 眎\ue5fa伦): the candidate whose text is
  everyday Chinese wins, charset-normalizer breaks ties and catches other scripts (Shift_JIS, EUC-KR,
  Windows-125x), and a file that is none of these, or too short to tell, is refused with a message
  naming the encoding. Nothing is ever stored as mojibake.
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
from collections.abc import Callable
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
    """Decode an uploaded text file (CSV, BibTeX, RIS, a score sheet or a survey) — the one decoder.

    UTF-8 (with or without BOM) and UTF-16/UTF-32 (BOM, or the NUL pattern of UTF-16 without one) are
    recognised exactly. Other bytes are a legacy Chinese code page: GBK/GB18030 (Excel on Simplified
    Chinese Windows) or Big5 (Traditional Chinese). Both decode almost any byte pair, so the one whose
    text is plausible Chinese is chosen (:func:`_choose_legacy`); a file that is neither, or that could
    be either, is refused with a message naming what it looks like — never read as mojibake.

    Returns
    -------
    (text, encoding label) — the label is shown in the preview ("UTF-8", "UTF-8 BOM", "GBK/GB18030",
    "Big5", "UTF-16").

    Raises
    ------
    FileRefused
        The bytes are not text in a supported encoding.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "UTF-8 BOM"
        except UnicodeDecodeError as exc:
            raise FileRefused(_("The file says it is UTF-8 but byte %(pos)d is not: save it again as CSV UTF-8.",
                                pos=exc.start + 4)) from None
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return _strict(data, "utf-32", "UTF-32")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _strict(data, "utf-16", "UTF-16")
    if b"\x00" in data[:4096]:
        utf16 = _utf16_without_bom(data)
        if utf16 is None:
            raise FileRefused(_("This is not a text file: upload CSV, XLSX, BibTeX or RIS."))
        return _strict(data, utf16, "UTF-16")
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    return _choose_legacy(data)


def _strict(data: bytes, codec: str, label: str) -> tuple[str, str]:
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        raise FileRefused(_("The file is damaged %(encoding)s text.", encoding=label)) from None
    return text.removeprefix("\ufeff"), label


def _utf16_without_bom(data: bytes) -> str | None:
    """``utf-16-le``/``-be`` when the NULs sit at every other byte, as UTF-16 text without a BOM has them."""
    sample = data[:4096]
    sample = sample[:len(sample) // 2 * 2]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = max(len(sample) // 2, 1)
    if odd > 0.3 * half and even == 0:
        return "utf-16-le"
    if even > 0.3 * half and odd == 0:
        return "utf-16-be"
    return None


# Legacy Chinese code pages, as Python names them, with the label users know.
LEGACY_CODECS = {"gb18030": "GBK/GB18030", "cp950": "Big5"}
_OTHER_ENCODINGS = {  # charset-normalizer's names → what a user recognises
    "cp932": "Shift_JIS", "shift_jis": "Shift_JIS", "shift_jis_2004": "Shift_JIS", "shift_jisx0213": "Shift_JIS",
    "euc_jp": "EUC-JP", "euc_jis_2004": "EUC-JP", "iso2022_jp": "ISO-2022-JP",
    "cp949": "EUC-KR", "euc_kr": "EUC-KR", "johab": "Johab",
    "big5": "Big5", "big5hkscs": "Big5-HKSCS", "cp950": "Big5", "gb2312": "GBK/GB18030", "gbk": "GBK/GB18030",
    "gb18030": "GBK/GB18030", "hz": "HZ",
}
MIN_PLAUSIBLE = 0.6   # share of non-ASCII characters that are ordinary text in the candidate encoding
MIN_MARGIN = 0.25     # how much more plausible the winner must be than the other one


def _plausibility(text: str, codec: str) -> float:
    """Share of the non-ASCII characters that are everyday text in ``codec``'s script.

    GBK bytes read as Big5 give rare level-2 characters; Big5 bytes read as GBK give kana, Cyrillic,
    private-use and extension characters. Everyday text is: for GBK/GB18030 a character of GB2312 (the
    6,763 common simplified characters and the usual punctuation), for Big5 a symbol or a level-1
    character (Big5 A140–C67E, the 5,401 common traditional characters).
    """
    chars = [ch for ch in text if not ch.isascii() and not ch.isspace()]
    if not chars:
        return 1.0
    good = 0
    for ch in chars:
        if codec == "gb18030":
            try:
                code = ch.encode("gb2312")
            except UnicodeEncodeError:
                continue
            # GB2312 rows 4-9 are kana, Greek, Cyrillic, pinyin and box drawing: not what a sheet of
            # Chinese names holds, but what Big5 bytes read as GBK often give
            good += not (0xA4 <= code[0] <= 0xA9)
        else:
            try:
                code = ch.encode("big5")
            except UnicodeEncodeError:
                continue
            good += 0xA140 <= int.from_bytes(code, "big") <= 0xC67E
    return good / len(chars)


def _refuse_unsupported(data: bytes) -> FileRefused:
    """The refusal for bytes in no supported encoding, naming the one charset-normalizer sees if any."""
    from charset_normalizer import from_bytes

    best = from_bytes(data[:65536]).best()
    name = best.encoding.lower() if best is not None else ""
    if name and _OTHER_ENCODINGS.get(name) not in LEGACY_CODECS.values():
        return FileRefused(_("The file's encoding looks like %(encoding)s, which cannot be imported (only UTF-8, "
                             "UTF-16, GBK/GB18030 and Big5 can). Save it from Excel as “CSV UTF-8” or as .xlsx.",
                             encoding=_OTHER_ENCODINGS.get(name, name.upper().replace("_", "-"))))
    return FileRefused(_("The file's encoding is neither UTF-8 nor UTF-16, GBK/GB18030 or Big5 (it has bytes "
                         "none of them can hold). Save it from Excel as “CSV UTF-8” or as .xlsx."))


def _choose_legacy(data: bytes) -> tuple[str, str]:
    """Decode bytes that are not UTF-8 as GBK/GB18030 or Big5, or refuse naming what they look like."""
    from charset_normalizer import from_bytes

    candidates: dict[str, tuple[str, float]] = {}
    for codec in LEGACY_CODECS:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        candidates[codec] = (text, _plausibility(text, codec))
    ranked = sorted(candidates.items(), key=lambda kv: kv[1][1], reverse=True)
    if not ranked or ranked[0][1][1] < MIN_PLAUSIBLE:
        raise _refuse_unsupported(data)
    codec, (text, score) = ranked[0]
    if len(ranked) > 1 and score - ranked[1][1][1] < MIN_MARGIN:
        # Too close to call on the characters alone: let charset-normalizer's chaos measure decide,
        # and only when it sees a clear difference.
        chaos = {m.encoding: m.chaos for m in from_bytes(data[:65536], cp_isolation=list(candidates))}
        first, second = chaos.get(codec, 1.0), chaos.get(ranked[1][0], 1.0)
        if first - second >= 0.1:
            codec, (text, score) = ranked[1]
        elif second - first < 0.1:
            raise FileRefused(_("The file could be in %(first)s or in %(second)s and it is too short to tell "
                                "which. Save it from Excel as “CSV UTF-8” or as .xlsx.",
                                first=LEGACY_CODECS[codec], second=LEGACY_CODECS[ranked[1][0]]))
    _refuse_if_another_script(data, codec)
    return text, LEGACY_CODECS[codec]


_FAMILIES = {"gb18030": {"gb18030", "gbk", "gb2312", "hz"}, "cp950": {"cp950", "big5", "big5hkscs"}}


def _refuse_if_another_script(data: bytes, codec: str) -> None:
    """Refuse when charset-normalizer finds the bytes clearly more coherent in a non-Chinese code page.

    Korean EUC-KR uses the same byte ranges as GB2312, so its Hangul read as GBK are "plausible" common
    characters; the chaos measure of the decoded text tells them apart on all but the shortest files.
    """
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data[:65536]))
    if not matches:
        return
    ours = min((m.chaos for m in matches if m.encoding in _FAMILIES[codec]), default=0.2)
    best = min(matches, key=lambda m: m.chaos)
    if best.encoding not in _FAMILIES["gb18030"] | _FAMILIES["cp950"] and best.chaos <= ours - 0.05:
        raise FileRefused(_("The file's encoding looks like %(encoding)s, which cannot be imported (only UTF-8, "
                            "UTF-16, GBK/GB18030 and Big5 can). Save it from Excel as “CSV UTF-8” or as .xlsx.",
                            encoding=_OTHER_ENCODINGS.get(best.encoding, best.encoding.upper())))


def check_xlsx_container(data: bytes, *, max_total: int | None = None, max_members: int = MAX_XLSX_MEMBERS,
                         max_ratio: int = MAX_XLSX_RATIO) -> int:
    """Inspect an xlsx archive without inflating it; return the number of formula cells in its sheets.

    The limits default to the import ones (``max_total`` from ``IMPORT_MAX_XLSX_UNCOMPRESSED``); the
    OBE score sheets pass smaller ones.

    Raises
    ------
    FileRefused
        Not a zip / not a workbook, too many members, a declared uncompressed size over the limit, or a
        compression ratio only a zip bomb has.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise FileRefused(_("The Excel file is damaged (not a valid .xlsx archive).")) from None
    with archive:
        infos = archive.infolist()
        if len(infos) > max_members:
            raise FileRefused(_("The workbook has too many parts to be a spreadsheet export."))
        total = sum(i.file_size for i in infos)
        if max_total is None:
            max_total = limit("IMPORT_MAX_XLSX_UNCOMPRESSED", MAX_XLSX_UNCOMPRESSED)
        if total > max_total:
            raise FileRefused(_("The workbook would expand to %(size)d MB (limit %(limit)d MB): it was refused "
                                "without opening it.", size=total // 2**20, limit=max_total // 2**20))
        for info in infos:
            if info.file_size > 2**20 and info.file_size > max_ratio * max(info.compress_size, 1):
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


def sniff_delimiter(sample: str) -> str:
    """The delimiter of a CSV sample: comma, tab or semicolon."""
    try:
        return csv.Sniffer().sniff(sample, delimiters=",\t;").delimiter
    except csv.Error:
        return "\t" if sample.count("\t") > sample.count(",") else ","


def read_csv_rows(data: bytes) -> tuple[list[list[str]], str]:
    """Decode (:func:`decode_text`) and split a CSV into rows of text cells; trailing empty rows dropped.

    Returns
    -------
    (rows, encoding label)
    """
    text, encoding = decode_text(data)
    delimiter = sniff_delimiter(text[:8192])
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise FileRefused(_("The CSV file cannot be read: %(error)s", error=str(exc)[:200])) from None
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    return rows, encoding


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
    result = frame.map(_cleaner()) if len(frame) else frame
    if not len(result.columns):
        return result
    empty = (result == "").all(axis=1)
    return result[~empty]


def _cleaner() -> Callable[[Any], Any]:
    """:func:`_clean_cell` for one sheet, each distinct text cleaned once (a sheet repeats "", levels, kinds …)."""
    done: dict[str, str] = {"": ""}

    def clean(value: Any) -> Any:
        if value.__class__ is not str:
            return _clean_cell(value)
        out = done.get(value)
        if out is None:
            out = done[value] = _clean_cell(value)
        return out
    return clean


def _check_rows(count: int) -> None:
    max_rows = limit("IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS)
    if count > max_rows:
        raise FileRefused(_("The file has more than %(n)d rows; split it into several files.", n=max_rows))


def read_csv_table(data: bytes, known_headers: set[str]) -> Table:
    """Read a CSV (comma, tab or semicolon separated) into a :class:`Table`."""
    rows, encoding = read_csv_rows(data)
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
