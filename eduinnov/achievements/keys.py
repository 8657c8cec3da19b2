"""Comparison keys of achievements: the normal forms duplicates are matched on, stored with every row.

Identifiers are compared in a normal form: DOIs lowercase without ``https://doi.org/`` or ``doi:``;
patent numbers as letters and digits without CN / ZL (application and grant numbers against each other);
project numbers NFKC, case-folded, without spaces, dashes or dots. Titles are compared as NFKC-normalised,
case-folded text keeping only letters and digits (Chinese characters included), and only with titles
holding the same numbers (parts of a series such as "… (1)" and "… (2)" are different items).

:func:`stored_keys` gives the values of the derived columns of ``achievements`` (``title_key``,
``title_numbers``, ``identifier_key``, ``grant_key``). The ORM fills them on every insert and update
(``models``: mapper events); Core writes call :func:`stored_keys` themselves (``services.bulk``,
``merging``). This module imports no model, so the models can import it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = [
    "KEY_COLUMNS",
    "KEY_INPUTS",
    "doi_key",
    "identifier_keys",
    "patent_number_key",
    "project_number_key",
    "stored_keys",
    "title_key",
    "title_numbers",
]

KEY_COLUMNS = ("title_key", "title_numbers", "identifier_key", "grant_key")
# The columns (besides the kind) the keys are derived from.
KEY_INPUTS = ("title", "doi", "application_number", "grant_number", "project_number")
_DIGITS = re.compile(r"\d+")
# What str.isalnum() rejects: \w is exactly isalnum() plus the underscore.
_NOT_ALNUM = re.compile(r"[\W_]+")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi\s*[:：]\s*)", re.IGNORECASE)
# Identifier columns compared per kind (by the kind's value) under one code; the first column of each is
# the kind's ``identifier_key``, a patent's grant number its ``grant_key``.
ID_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "doi": ("publication", ("doi",)),
    "patent": ("patent", ("application_number", "grant_number")),
    "project_number": ("project", ("project_number",)),
}


def _nfkc(value: Any) -> str:
    return unicodedata.normalize("NFKC", str(value or "")).strip()


def doi_key(value: Any) -> str | None:
    """``https://doi.org/10.1234/ABC`` and ``doi:10.1234/abc`` → ``10.1234/abc``; empty → None."""
    text = _DOI_PREFIX.sub("", _nfkc(value)).strip().lower()
    return text or None


def project_number_key(value: Any) -> str | None:
    """A project number without spaces, dashes, dots or case: ``S 2024-10001`` → ``s202410001``."""
    text = re.sub(r"[\s\-_.·/]", "", _nfkc(value).casefold())
    return text or None


def patent_number_key(value: Any) -> str | None:
    """A comparison key for any spelling of a patent number: letters and digits, no CN/ZL prefix, uppercase.

    ``CN 201710601862.3``, ``ZL201710601862.3`` and ``2017106018623`` share the key ``2017106018623``.
    """
    if value is None:
        text = ""
    else:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", str(value))).strip()
    text = re.sub(r"[^0-9A-Z]", "", text.upper())
    text = re.sub(r"^(?:CN|ZL)", "", text)
    return text or None


def title_key(value: Any) -> str:
    """A title as compared: NFKC, case-folded, letters and digits only (punctuation and spaces dropped).

    "基于深度学习的 GPU 调度。" and "基于深度学习的GPU调度" have the same key.
    """
    return _NOT_ALNUM.sub("", _nfkc(value).casefold())


def title_numbers(key: str) -> str:
    """The numbers in a title key, space-separated (``"研究12v20"`` → ``"12 20"``): only titles with the
    same numbers can be near-identical."""
    return " ".join(_DIGITS.findall(key))


_KEYS = {"doi": doi_key, "patent": patent_number_key, "project_number": project_number_key}


def _kind_value(kind: Any) -> str:
    return str(getattr(kind, "value", kind))


def identifier_keys(kind: Any, values: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """The (code, key) pairs compared for an item of ``kind`` with these column values, in a fixed order
    (a patent's application number before its grant number)."""
    kind = _kind_value(kind)
    for code, (code_kind, names) in ID_FIELDS.items():
        if kind != code_kind:
            continue
        for name in names:
            key = _KEYS[code](values.get(name)) if values.get(name) else None
            if key:
                yield code, key


def stored_keys(kind: Any, values: Mapping[str, Any]) -> dict[str, str | None]:
    """The derived key columns of an achievement of ``kind`` with these column values."""
    key = title_key(values.get("title"))
    out: dict[str, str | None] = {"title_key": key, "title_numbers": title_numbers(key),
                                  "identifier_key": None, "grant_key": None}
    kind = _kind_value(kind)
    for code, (code_kind, names) in ID_FIELDS.items():
        if kind == code_kind:
            for column, name in zip(("identifier_key", "grant_key"), names, strict=False):
                out[column] = _KEYS[code](values.get(name)) if values.get(name) else None
    return out
