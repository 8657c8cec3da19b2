"""The one formula-injection neutraliser for every CSV and xlsx the application writes.

A spreadsheet runs a cell as a formula when its text starts with ``=``, ``+``, ``-`` or ``@`` (OWASP
"CSV injection"); a leading tab or carriage return hides such a start from a naive check, and so do
spaces and control characters that a spreadsheet drops when it opens the file. Office suites also fold
compatibility characters, and so may any program the file passes through: a full-width ``＝1`` (U+FF1D,
what a Chinese input method types), a small ``﹦1`` (U+FE66) or a full-width space before ``=`` become
``=1``. So the trigger is looked for in the text as it is and after Unicode NFKC normalisation (which
folds all of those to ASCII), past leading blanks, control and format characters, whatever path the
value came in by (a form, an import, the database).

A dangerous value keeps its text and gets a leading apostrophe, which spreadsheets read as "this is
text". Numbers, dates and booleans stay what they are, so negative numbers remain numbers.

Every export goes through :func:`neutralise`: ``core.tabular`` (dashboard and run exports, OBE
exports), the import templates (``imports.schemas``) and the OBE score-sheet template.
"""

from __future__ import annotations

import math
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

__all__ = ["DANGEROUS_PREFIXES", "is_dangerous", "neutralise"]

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
# What a spreadsheet may skip before the first character it interprets: whitespace, control and
# format characters (zero-width space, BOM, bidi marks …).
_SKIPPED_CATEGORIES = {"Cc", "Cf", "Zs", "Zl", "Zp"}


def is_dangerous(text: str) -> bool:
    """Whether ``text`` would start a formula in a spreadsheet (checked raw and after NFKC)."""
    if text.startswith(DANGEROUS_PREFIXES):
        return True
    folded = text if text.isascii() else unicodedata.normalize("NFKC", text)
    for ch in folded:
        if ch in DANGEROUS_PREFIXES:
            return True
        if unicodedata.category(ch) not in _SKIPPED_CATEGORIES:
            return False
    return False


def neutralise(value: Any) -> Any:
    """A cell value safe for spreadsheets: numbers and dates unchanged, everything else text.

    Text that :func:`is_dangerous` flags is prefixed with ``'``. ``None`` and NaN become empty cells,
    enums their label text, booleans stay booleans.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | Decimal):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, datetime | date):
        return value
    if isinstance(value, Enum):
        from eduinnov.core.i18n import enum_label

        value = enum_label(value)
    if _is_numpy_number(value):
        return neutralise(value.item())
    text = str(value)
    return "'" + text if is_dangerous(text) else text


def _is_numpy_number(value: Any) -> bool:
    return type(value).__module__ == "numpy" and hasattr(value, "item") and getattr(value, "ndim", None) == 0
