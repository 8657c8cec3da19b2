"""Reading teachers' score sheets (CSV / XLSX) as Chinese academic affairs systems export them.

What real sheets look like, and what this module copes with:

* CSV in UTF-8, UTF-8 with a BOM (Excel's "CSV UTF-8"), UTF-16 (Excel's "Unicode text"),
  GBK / GB18030 (Excel's default "CSV" on Chinese Windows) or Big5: detected, not asked for, by the
  imports' one file reader (:mod:`eduinnov.imports.readers`, which also checks xlsx archives);
* title rows above the table (school, course, class, teacher …): the header row is the first one with
  a student-number cell (学号);
* two-row headers with merged cells (平时成绩 over 作业1 / 作业2, 期末考试 over 题1 / 题2): merged
  ranges of an xlsx are filled with their top-left value, blank continuation cells of a CSV are filled
  from the left, and a column matches an item named ``作业1`` or ``平时成绩/作业1``;
* student numbers that Excel turned into numbers (``2021051001.0``, ``2.021051001E+09``), full-width
  digits, stray spaces and the ``'`` text prefix;
* words for missing work (缺考, 缺交 …) and empty cells: no work handed in, which counts 0;
* footer rows (平均分, 任课教师签字 …) under the table: skipped.

Parsing never writes anything: it returns the parsed rows and every error with its row (as Excel
numbers it), column (letter and header) and reason, so the caller can refuse the whole sheet.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _

from eduinnov.imports import readers

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
# An xlsx is a zip: its declared uncompressed size is checked before openpyxl inflates it (zip bombs).
MAX_XLSX_UNCOMPRESSED = 60 * 1024 * 1024
MAX_XLSX_MEMBERS = 500
MAX_XLSX_RATIO = 200
HEADER_SEARCH_ROWS = 30

STUDENT_NO_HEADERS = {"学号", "学生学号", "学籍号", "学生编号", "學號", "學生學號", "學籍號", "學生編號",
                      "studentnumber", "studentno", "studentno.",
                      "studentid", "student_no", "student_id", "no.学号"}
NAME_HEADERS = {"姓名", "学生姓名", "學生姓名", "name", "studentname"}
# Columns a score sheet carries besides the assessment items: ignored, never an "unknown item".
META_HEADERS = NAME_HEADERS | {
    "序号", "编号", "班级", "行政班", "行政班级", "教学班", "性别", "专业", "学院", "院系", "年级", "备注", "总分",
    "总成绩", "总评", "总评成绩", "综合成绩", "最终成绩", "成绩", "等级", "绩点", "考试性质", "修读性质", "考核方式",
    "no", "no.", "#", "class", "gender", "major", "total", "remarks", "remark", "grade", "finalgrade",
}
MISSING_WORDS = {"缺考", "缺交", "未交", "缺", "旷考", "缓考", "absent", "missing", "-", "—", "/"}
FOOTER_WORDS = ("平均", "最高", "最低", "合计", "总计", "统计", "及格率", "签字", "签名", "average", "mean",
                "max", "min", "total", "sum")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_SCIENTIFIC = re.compile(r"\d+(\.\d+)?[eE][+]?\d+")


class SheetFormatError(Exception):
    """The file cannot be read as a score sheet at all (wrong format, encoding, no header)."""


@dataclass(frozen=True)
class SheetError:
    """One problem in the sheet, located as a teacher would find it in Excel."""

    row: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        if self.row is not None and self.column:
            return _("Row %(row)d, column %(column)s: %(reason)s", row=self.row, column=self.column,
                     reason=self.reason)
        if self.row is not None:
            return _("Row %(row)d: %(reason)s", row=self.row, reason=self.reason)
        if self.column:
            return _("Column %(column)s: %(reason)s", column=self.column, reason=self.reason)
        return self.reason


@dataclass(frozen=True)
class SheetRow:
    """One student's row: ``values`` maps item name → score (None: no work handed in)."""

    row: int
    student_no: str
    name: str
    values: dict[str, float | None]


@dataclass
class ParsedSheet:
    """The outcome of parsing: rows, errors, warnings and how the file was read."""

    rows: list[SheetRow] = field(default_factory=list)
    errors: list[SheetError] = field(default_factory=list)
    warnings: list[SheetError] = field(default_factory=list)
    encoding: str | None = None
    header_row: int | None = None
    columns: dict[str, str] = field(default_factory=dict)  # item name → "D (作业1)"
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


# --- reading the file into a grid --------------------------------------------------------------------


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode a text upload with the imports' one decoder; a refusal becomes a :class:`SheetFormatError`."""
    try:
        return readers.decode_text(data)
    except readers.FileRefused as exc:
        raise SheetFormatError(exc.message) from None


def _read_csv(data: bytes) -> tuple[list[list[Any]], str]:
    try:
        rows, encoding = readers.read_csv_rows(data)
    except readers.FileRefused as exc:
        raise SheetFormatError(exc.message) from None
    return [list(r) for r in rows], encoding


def _check_xlsx_archive(data: bytes) -> None:
    """Refuse a workbook that would inflate far beyond a score sheet, without inflating it."""
    try:
        readers.check_xlsx_container(data, max_total=MAX_XLSX_UNCOMPRESSED, max_members=MAX_XLSX_MEMBERS,
                                     max_ratio=MAX_XLSX_RATIO)
    except readers.FileRefused as exc:
        raise SheetFormatError(exc.message) from None


def _read_xlsx(data: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    _check_xlsx_archive(data)
    try:
        wb = load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise SheetFormatError(_("The Excel file could not be read (%(error)s).", error=type(exc).__name__)) from exc
    ws = wb.active
    if ws is None or ws.max_row == 0:
        raise SheetFormatError(_("The workbook is empty."))
    if ws.max_row > MAX_ROWS + HEADER_SEARCH_ROWS:
        raise SheetFormatError(_("The sheet has more than %(n)d rows.", n=MAX_ROWS))
    grid = [list(row) for row in ws.iter_rows(values_only=True)]
    # Merged header cells: every cell of a merged range takes the range's top-left value.
    for rng in ws.merged_cells.ranges:
        value = grid[rng.min_row - 1][rng.min_col - 1] if rng.min_row - 1 < len(grid) else None
        for r in range(rng.min_row - 1, min(rng.max_row, len(grid))):
            for c in range(rng.min_col - 1, rng.max_col):
                if c < len(grid[r]):
                    grid[r][c] = value
    return grid


def read_grid(data: bytes, filename: str) -> tuple[list[list[Any]], str | None]:
    """Read a CSV or XLSX file into a list of rows of raw cell values.

    Parameters
    ----------
    data : bytes
        The uploaded file.
    filename : str
        Only used to tell a user who uploaded an old .xls what to do.

    Returns
    -------
    (grid, encoding) — encoding is None for xlsx.

    Raises
    ------
    SheetFormatError
    """
    if not data:
        raise SheetFormatError(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise SheetFormatError(_("The file is larger than %(mb)d MB.", mb=MAX_BYTES // (1024 * 1024)))
    if data.startswith(b"\xd0\xcf\x11\xe0") or filename.lower().endswith(".xls"):
        raise SheetFormatError(_("Old Excel .xls files are not supported: save the sheet as .xlsx or CSV."))
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data), None
    grid, encoding = _read_csv(data)
    if len(grid) > MAX_ROWS + HEADER_SEARCH_ROWS:
        raise SheetFormatError(_("The sheet has more than %(n)d rows.", n=MAX_ROWS))
    return grid, encoding


# --- cells -------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        if value.is_integer():
            return str(int(value))
    text = unicodedata.normalize("NFKC", str(value))
    return text.replace("\u3000", " ").strip()


def _key(text: str) -> str:
    """Header comparison key: width-folded, case-folded, without whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


def normalise_student_no(value: Any) -> tuple[str, bool]:
    """A student number as text, whatever Excel did to it.

    Returns
    -------
    (number, was_scientific) — ``was_scientific`` flags values such as ``2.021051001E+09`` whose
    digits may have been cut by Excel.
    """
    if isinstance(value, bool):
        return str(value), False
    if isinstance(value, int):
        return str(value), False
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value)), False
        return repr(value), False
    text = re.sub(r"\s+", "", _text(value)).lstrip("'")
    if re.fullmatch(r"\d+\.0+", text):
        return text.split(".")[0], False
    if _SCIENTIFIC.fullmatch(text):
        try:
            number = Decimal(text)
        except InvalidOperation:
            return text, True
        if number == number.to_integral_value():
            return str(int(number)), True
    return text, False


def _parse_score(value: Any) -> tuple[float | None, str | None]:
    """(score, None) or (None, reason); empty cells and words like 缺考 are missing work (None)."""
    if value is None or isinstance(value, bool):
        return None, None if value is None else _("not a number")
    if isinstance(value, int | float):
        if value != value:
            return None, None
        return float(value), None
    text = _text(value)
    if not text or _key(text) in MISSING_WORDS:
        return None, None
    if not _NUMBER.fullmatch(text):
        return None, _("“%(value)s” is not a number", value=text)
    return float(text), None


def _col_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


# --- the table ---------------------------------------------------------------------------------------


def _is_student_no_header(text: str) -> bool:
    key = _key(text)
    return bool(key) and ("学号" in key or key in STUDENT_NO_HEADERS)


def _find_header(grid: list[list[Any]]) -> tuple[int, int]:
    for r, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
        for c, cell in enumerate(row):
            if _is_student_no_header(_text(cell)):
                return r, c
    raise SheetFormatError(
        _("No header row with a student-number column (学号) in the first %(n)d rows.", n=HEADER_SEARCH_ROWS)
    )


def _is_footer(text: str) -> bool:
    key = _key(text)
    return any(word in key for word in FOOTER_WORDS)


def _is_number_like(text: str) -> bool:
    return bool(_NUMBER.fullmatch(text)) or bool(_SCIENTIFIC.fullmatch(text))


def _header_names(grid: list[list[Any]], h: int, sno_col: int, width: int) -> tuple[list[list[str]], list[str], int]:
    """Per column: candidate names (most specific first), display name; and the first data row index."""
    upper = [_text(c) for c in grid[h]] + [""] * (width - len(grid[h]))
    lower: list[str] | None = None
    if h + 1 < len(grid):
        nxt = [_text(c) for c in grid[h + 1]] + [""] * (width - len(grid[h + 1]))
        sno_cell = nxt[sno_col]
        filled = [t for t in nxt if t]
        if filled and (not sno_cell or _key(sno_cell) == _key(upper[sno_col])) \
                and not any(_is_number_like(t) for t in filled):
            lower = nxt
    if lower is None:
        return [[u] if u else [] for u in upper], upper, h + 1
    # A CSV leaves the continuation cells of a merged upper header blank: fill them from the left.
    filled_upper, last = [], ""
    for u, low in zip(upper, lower, strict=True):
        if u:
            last = u
        filled_upper.append(u or (last if low else ""))
    candidates, display = [], []
    for u, low in zip(filled_upper, lower, strict=True):
        if low and u and _key(low) != _key(u):
            candidates.append([f"{u}{sep}{low}" for sep in ("/", "-", "_", "", " ")] + [low])
            display.append(f"{u}/{low}")
        else:
            name = low or u
            candidates.append([name] if name else [])
            display.append(name)
    return candidates, display, h + 2


def parse_score_sheet(
    data: bytes,
    filename: str,
    items: Mapping[str, float],
    students: Mapping[str, str],
) -> ParsedSheet:
    """Parse a score sheet against an assessment plan and a cohort's students; never writes anything.

    Parameters
    ----------
    data : bytes
        The uploaded CSV or XLSX file.
    filename : str
        Its name (for messages).
    items : mapping
        Assessment item name → full marks; each must have a column.
    students : mapping
        Student number → name, the students who may appear.

    Returns
    -------
    ParsedSheet
        ``ok`` only when there are rows and no errors. Errors name the row, the column and the reason.
    """
    result = ParsedSheet()
    try:
        grid, result.encoding = read_grid(data, filename)
        h, sno_col = _find_header(grid)
    except SheetFormatError as exc:
        result.errors.append(SheetError(None, None, str(exc)))
        return result
    result.header_row = h + 1
    width = max(len(r) for r in grid[h:]) if grid[h:] else 0
    candidates, display, first_data = _header_names(grid, h, sno_col, width)
    label = [f"{_col_letter(c)} ({display[c]})" if display[c] else _col_letter(c) for c in range(width)]

    item_keys = {_key(name): name for name in items}
    item_cols: dict[int, str] = {}
    name_col: int | None = None
    for c in range(width):
        if c == sno_col:
            continue
        names = candidates[c]
        match = next((item_keys[_key(n)] for n in names if _key(n) in item_keys), None)
        if match is not None:
            if match in result.columns:
                result.errors.append(SheetError(result.header_row, label[c], _(
                    "a second column for assessment item “%(item)s” (already in column %(other)s)",
                    item=match, other=result.columns[match])))
                continue
            item_cols[c] = match
            result.columns[match] = label[c]
            continue
        keys = [_key(n) for n in names]
        if any(k in NAME_HEADERS for k in keys) and name_col is None:
            name_col = c
        if any(k in META_HEADERS for k in keys):
            result.ignored_columns.append(label[c])
            continue
        if not names:
            if any(c < len(r) and _text(r[c]) for r in grid[first_data:]):
                result.errors.append(SheetError(result.header_row, label[c], _("a column with values but no header")))
            continue
        result.errors.append(SheetError(result.header_row, label[c], _(
            "“%(header)s” is not an assessment item of this offering (add it to the plan, or delete the column)",
            header=display[c])))
    for name in items:
        if name not in result.columns:
            result.errors.append(SheetError(result.header_row, None, _(
                "no column for assessment item “%(item)s”", item=name)))

    seen: dict[str, int] = {}
    sno_label = label[sno_col]
    for r in range(first_data, len(grid)):
        row = grid[r] + [None] * (width - len(grid[r]))
        excel_row = r + 1
        raw_no = row[sno_col]
        sno, scientific = normalise_student_no(raw_no)
        cells = {c: row[c] for c in item_cols}
        if not sno and all(_text(v) == "" for v in row):
            continue  # blank line
        has_scores = any(_parse_score(v)[0] is not None for v in cells.values())
        if not any(ch.isdigit() for ch in sno) and (not has_scores or _is_footer(sno)):
            continue  # footer such as 平均分 / 任课教师签字
        if not sno:
            result.errors.append(SheetError(excel_row, sno_label, _("the student number is empty")))
            continue
        if sno in seen:
            result.errors.append(SheetError(excel_row, sno_label, _(
                "student %(no)s appears twice (also in row %(other)d)", no=sno, other=seen[sno])))
            continue
        seen[sno] = excel_row
        if sno not in students:
            reason = _("no student with number %(no)s in this cohort", no=sno)
            if scientific:
                reason += " " + _("(Excel showed it in scientific notation and may have cut digits: "
                                  "format the column as text and export again)")
            result.errors.append(SheetError(excel_row, sno_label, reason))
            continue
        values: dict[str, float | None] = {}
        for c, item in item_cols.items():
            value, problem = _parse_score(row[c])
            full = items[item]
            if problem is None and value is not None:
                if value < 0:
                    problem = _("%(value)s is negative", value=f"{value:g}")
                elif value > full + 1e-9:
                    problem = _("%(value)s is above the full marks %(full)s", value=f"{value:g}", full=f"{full:g}")
            if problem:
                result.errors.append(SheetError(excel_row, label[c], problem))
            values[item] = value
        name = _text(row[name_col]) if name_col is not None else ""
        if name and students[sno] and _key(name) != _key(students[sno]):
            result.warnings.append(SheetError(excel_row, label[name_col], _(
                "the sheet says %(sheet)s, the records say %(record)s for student %(no)s",
                sheet=name, record=students[sno], no=sno)))
        result.rows.append(SheetRow(excel_row, sno, name or students[sno], values))
        if len(result.rows) > MAX_ROWS:
            result.errors.append(SheetError(None, None, _("More than %(n)d student rows.", n=MAX_ROWS)))
            break
    if not result.rows and not result.errors:
        result.errors.append(SheetError(None, None, _("No student rows under the header row %(row)d.",
                                                      row=result.header_row)))
    return result
