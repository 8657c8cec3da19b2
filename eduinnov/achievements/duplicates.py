"""Duplicate achievements: the same DOI, patent number, project number or evidence file, or a near-identical title.

One index of a program's achievements answers every caller: the forms (before saving a new or changed
item), the evidence upload (same file already attached to another item), the imports (each row against
the program and against the earlier rows of the file), and the verification queue and item page
(:func:`list_duplicates_of`, :func:`duplicates_by_achievement`).

Identifiers are compared in a normal form: DOIs lowercase without ``https://doi.org/`` or ``doi:``;
patent numbers as letters and digits without CN / ZL (``patents.number_key``; application and grant
numbers against each other); project numbers NFKC, case-folded, without spaces, dashes or dots.
Titles are compared with rapidfuzz's ``ratio`` over NFKC-normalised, case-folded text keeping only
letters and digits (Chinese characters included), among items of the same kind: a score of
:data:`TITLE_THRESHOLD` (out of 100) or more is "near-identical", unless the numbers in the two titles
differ (parts of a series such as "… (1)" and "… (2)" are different items).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from rapidfuzz import fuzz, process
from sqlalchemy import select

from eduinnov.achievements import patents
from eduinnov.achievements.models import Achievement, AchievementKind, EvidenceFile
from eduinnov.core.audit import AuditLog
from eduinnov.extensions import db

__all__ = [
    "TITLE_THRESHOLD",
    "Duplicate",
    "DuplicateIndex",
    "doi_key",
    "duplicates_by_achievement",
    "find_duplicates",
    "find_evidence_duplicates",
    "history_ids",
    "list_duplicates_of",
    "project_number_key",
    "title_key",
]

TITLE_THRESHOLD = 90.0
# Above this many titles of one kind, a title is compared only with titles sharing its first or last three
# characters (an import of tens of thousands of rows stays fast; a typo at both ends goes unnoticed there).
FULL_SCAN_LIMIT = 5000
_DIGITS = re.compile(r"\d+")
# What str.isalnum() rejects: \w is exactly isalnum() plus the underscore.
_NOT_ALNUM = re.compile(r"[\W_]+")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi\s*[:：]\s*)", re.IGNORECASE)
# Kinds whose identifier columns are compared (a DOI only among publications, and so on).
_ID_FIELDS: dict[str, tuple[AchievementKind, tuple[str, ...]]] = {
    "doi": (AchievementKind.PUBLICATION, ("doi",)),
    "patent": (AchievementKind.PATENT, ("application_number", "grant_number")),
    "project_number": (AchievementKind.PROJECT, ("project_number",)),
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


def title_key(value: Any) -> str:
    """A title as compared: NFKC, case-folded, letters and digits only (punctuation and spaces dropped).

    "基于深度学习的 GPU 调度。" and "基于深度学习的GPU调度" have the same key.
    """
    return _NOT_ALNUM.sub("", _nfkc(value).casefold())


_KEYS = {"doi": doi_key, "patent": patents.number_key, "project_number": project_number_key}


@dataclass(frozen=True)
class Duplicate:
    """An existing achievement that looks like the one being entered, and why (``code``, ``reason``)."""

    achievement_id: int
    title: str
    year: int
    code: str  # doi / patent / project_number / evidence / title
    reason: str
    score: float | None = None

    @property
    def is_exact(self) -> bool:
        """Same identifier or same file (a near-identical title is not exact)."""
        return self.code != "title"


def _reason(code: str, value: str, score: float | None = None) -> str:
    if code == "doi":
        return _("same DOI %(doi)s", doi=value)
    if code == "patent":
        return _("same patent number %(no)s", no=value)
    if code == "project_number":
        return _("same project number %(no)s", no=value)
    if code == "evidence":
        return _("the same evidence file (%(name)s)", name=value)
    return _("near-identical title (%(score)d%% alike)", score=round(score or 0))


@dataclass
class _Entry:
    id: int
    kind: AchievementKind
    title: str
    year: int


@dataclass
class DuplicateIndex:
    """The identifiers and title keys of a program's achievements, loaded once, matched many times.

    Rows added with :meth:`add` (e.g. earlier rows of an import, with negative ids) are matched too.
    """

    entries: dict[int, _Entry] = field(default_factory=dict)
    by_key: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    # Titles by (kind, the numbers in the title): only titles with the same numbers can be near-identical.
    titles: dict[tuple, tuple[list[str], list[int]]] = field(default_factory=dict)
    ends: dict[tuple, list[int]] = field(default_factory=dict)
    exact_titles: dict[tuple[AchievementKind, str], list[int]] = field(default_factory=dict)

    @classmethod
    def load(cls, program_id: int) -> DuplicateIndex:
        """Index every achievement of the program (a single query of a few columns)."""
        index = cls()
        stmt = select(Achievement.id, Achievement.kind, Achievement.title, Achievement.year, Achievement.doi,
                      Achievement.application_number, Achievement.grant_number, Achievement.project_number
                      ).where(Achievement.program_id == program_id).order_by(Achievement.id)
        result = db.session.execute(stmt)
        names = list(result.keys())  # plain dicts: a Row's _asdict() rebuilds its keys every time
        for row in result:
            values = dict(zip(names, row, strict=True))
            index.add(values["id"], AchievementKind(values["kind"]), values)
        return index

    def add(self, achievement_id: int, kind: AchievementKind, values: Mapping[str, Any]) -> None:
        """Index one achievement given by its column values."""
        kind = AchievementKind(kind)
        self.entries[achievement_id] = _Entry(achievement_id, kind, values.get("title") or "",
                                              int(values.get("year") or 0))
        for code, key in self._keys(kind, values):
            self.by_key.setdefault((code, key), []).append(achievement_id)
        key = title_key(values.get("title"))
        block = (kind, *_DIGITS.findall(key))
        keys, ids = self.titles.setdefault(block, ([], []))
        for end in {"<" + key[:3], key[-3:] + ">"}:
            self.ends.setdefault((block, end), []).append(len(keys))
        keys.append(key)
        ids.append(achievement_id)
        self.exact_titles.setdefault((kind, key), []).append(achievement_id)

    def same_title(self, kind: AchievementKind, title: str, year: int) -> int | None:
        """The first indexed item of this kind with the same normalised title in the same year, or None."""
        for other in self.exact_titles.get((AchievementKind(kind), title_key(title)), ()):
            if self.entries[other].year == int(year):
                return other
        return None

    @staticmethod
    def _keys(kind: AchievementKind, values: Mapping[str, Any]) -> Iterable[tuple[str, str]]:
        for code, (code_kind, names) in _ID_FIELDS.items():
            if kind != code_kind:
                continue
            for name in names:
                key = _KEYS[code](values.get(name)) if values.get(name) else None
                if key:
                    yield code, key

    def match(self, kind: AchievementKind, values: Mapping[str, Any], *, exclude: Iterable[int] = (),
              titles: bool = True) -> list[Duplicate]:
        """The indexed achievements that look like ``values`` (identifiers first, then titles, best first).

        ``titles=False`` compares the identifiers only (an import first looks for the item itself).
        """
        kind = AchievementKind(kind)
        skip = set(exclude)
        found: dict[int, Duplicate] = {}
        for code, key in self._keys(kind, values):
            shown = values.get(_ID_FIELDS[code][1][0]) if code != "patent" else key
            for other in self.by_key.get((code, key), ()):
                if other not in skip and other not in found:
                    e = self.entries[other]
                    found[other] = Duplicate(other, e.title, e.year, code, _reason(code, str(shown or key)))
        key = title_key(values.get("title"))
        block = (kind, *_DIGITS.findall(key))
        keys, ids = self.titles.get(block, ([], []))
        if titles and key and keys:
            choices: Any = keys
            if len(keys) > FULL_SCAN_LIMIT:
                positions = {*self.ends.get((block, "<" + key[:3]), ()), *self.ends.get((block, key[-3:] + ">"), ())}
                choices = {pos: keys[pos] for pos in positions}
            # Same numbers by construction of the block: "…研究 (1)" and "…研究 (2)", "V1.0" and "V2.0" are
            # parts of a series, never compared.
            for _choice, score, position in process.extract(key, choices, scorer=fuzz.ratio,
                                                            score_cutoff=TITLE_THRESHOLD, limit=None):
                other = ids[position]
                if other not in skip and other not in found:
                    e = self.entries[other]
                    found[other] = Duplicate(other, e.title, e.year, "title", _reason("title", "", score), score)
        return sorted(found.values(), key=lambda d: (not d.is_exact, -(d.score or 100), d.achievement_id))


def find_duplicates(program_id: int, kind: AchievementKind, values: Mapping[str, Any], *,
                    exclude_id: int | None = None) -> list[Duplicate]:
    """Achievements of the program that look like ``values`` (an item being entered or changed).

    Parameters
    ----------
    program_id : int
        Only this program's items are compared.
    kind : AchievementKind
        Identifiers and titles are compared among items of this kind.
    values : Mapping[str, Any]
        Column values as typed (``title`` and the kind's identifier fields).
    exclude_id : int, optional
        The item being edited (it is not its own duplicate).
    """
    return DuplicateIndex.load(program_id).match(kind, values, exclude=[exclude_id] if exclude_id else [])


def find_evidence_duplicates(program_id: int, sha256: str, *, exclude_id: int | None = None) -> list[Duplicate]:
    """Other achievements of the program that already carry a file with this SHA-256."""
    stmt = (select(Achievement.id, Achievement.title, Achievement.year, EvidenceFile.original_name)
            .join(EvidenceFile, EvidenceFile.achievement_id == Achievement.id)
            .where(Achievement.program_id == program_id, EvidenceFile.sha256 == sha256)
            .order_by(Achievement.id))
    out: dict[int, Duplicate] = {}
    for row in db.session.execute(stmt):
        if row.id != exclude_id and row.id not in out:
            out[row.id] = Duplicate(row.id, row.title, row.year, "evidence", _reason("evidence", row.original_name))
    return list(out.values())


def _sorted(found: Mapping[int, Duplicate]) -> list[Duplicate]:
    return sorted(found.values(), key=lambda d: (not d.is_exact, -(d.score or 100), d.achievement_id))


def _identifiers(achievement: Achievement) -> dict[str, Any]:
    return {name: getattr(achievement, name) for name in
            ("title", "doi", "application_number", "grant_number", "project_number")}


def list_duplicates_of(achievement: Achievement, index: DuplicateIndex | None = None) -> list[Duplicate]:
    """Every other item of the program that looks like ``achievement``: identifiers, title, evidence files."""
    index = index or DuplicateIndex.load(achievement.program_id)
    found = {d.achievement_id: d for d in index.match(achievement.kind, _identifiers(achievement),
                                                      exclude=[achievement.id])}
    for f in achievement.evidence_files:
        for d in find_evidence_duplicates(achievement.program_id, f.sha256, exclude_id=achievement.id):
            found.setdefault(d.achievement_id, d)
    return _sorted(found)


def _evidence_holders(achievements: list[Achievement]) -> dict[tuple[int, str], list[Any]]:
    """(program id, SHA-256) → the items of that program carrying the file, for every file of ``achievements``
    (one query for the lot)."""
    shas = {f.sha256 for a in achievements for f in a.evidence_files}
    if not shas:
        return {}
    stmt = (select(Achievement.id, Achievement.program_id, Achievement.title, Achievement.year,
                   EvidenceFile.sha256, EvidenceFile.original_name)
            .join(EvidenceFile, EvidenceFile.achievement_id == Achievement.id)
            .where(Achievement.program_id.in_({a.program_id for a in achievements}), EvidenceFile.sha256.in_(shas))
            .order_by(Achievement.id))
    out: dict[tuple[int, str], list[Any]] = {}
    for row in db.session.execute(stmt):
        out.setdefault((row.program_id, row.sha256), []).append(row)
    return out


def duplicates_by_achievement(achievements: Iterable[Achievement]) -> dict[int, list[Duplicate]]:
    """For the verification queue: the look-alikes of each listed item.

    A fixed number of queries whatever the number of items: one index per program, and one query for the
    items sharing any of their evidence files (the evidence files themselves should be loaded with the items).
    """
    items = list(achievements)
    indexes: dict[int, DuplicateIndex] = {}
    holders = _evidence_holders(items)
    out: dict[int, list[Duplicate]] = {}
    for a in items:
        index = indexes.get(a.program_id)
        if index is None:
            index = indexes[a.program_id] = DuplicateIndex.load(a.program_id)
        found = {d.achievement_id: d for d in index.match(a.kind, _identifiers(a), exclude=[a.id])}
        for f in a.evidence_files:
            for row in holders.get((a.program_id, f.sha256), ()):
                if row.id != a.id and row.id not in found:
                    found[row.id] = Duplicate(row.id, row.title, row.year, "evidence",
                                              _reason("evidence", row.original_name))
        out[a.id] = _sorted(found)
    return out


def history_ids(achievement_id: int) -> list[int]:
    """The ids whose audit history belongs to this item: itself and every item merged into it (recursively)."""
    ids = [achievement_id]
    seen = {achievement_id}
    frontier = [achievement_id]
    while frontier:
        rows = db.session.scalars(select(AuditLog.changes).where(
            AuditLog.entity_type == Achievement.__tablename__, AuditLog.action == "merge",
            AuditLog.entity_id.in_(frontier)))
        frontier = []
        for changes in rows:
            merged = (changes or {}).get("merged_id")
            if isinstance(merged, int) and merged not in seen:
                seen.add(merged)
                ids.append(merged)
                frontier.append(merged)
    return ids
