"""Duplicate achievements: the same DOI, patent number, project number or evidence file, or a near-identical title.

Two ways to one answer. :class:`DuplicateIndex` loads a program's achievements once and matches many
rows, including rows not stored yet (the imports: each row against the program and against the earlier
rows of the file). The forms (before saving a new or changed item), the item page and the verification
queue (:func:`find_duplicates`, :func:`list_duplicates_of`, :func:`duplicates_by_achievement`) ask the
database for the candidates of their few items only, by the comparison keys stored with every row
(:mod:`.keys`, indexed), and score the candidate titles with the same rule. The evidence upload looks
for the same file already attached to another item (:func:`find_evidence_duplicates`).

Identifiers are compared in a normal form: DOIs lowercase without ``https://doi.org/`` or ``doi:``;
patent numbers as letters and digits without CN / ZL (``keys.patent_number_key``; application and grant
numbers against each other); project numbers NFKC, case-folded, without spaces, dashes or dots.
Titles are compared with rapidfuzz's ``ratio`` over NFKC-normalised, case-folded text keeping only
letters and digits (Chinese characters included), among items of the same kind: a score of
:data:`TITLE_THRESHOLD` (out of 100) or more is "near-identical", unless the numbers in the two titles
differ (parts of a series such as "… (1)" and "… (2)" are different items).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from flask_babel import gettext as _
from rapidfuzz import fuzz, process
from sqlalchemy import and_, or_, select, tuple_

from eduinnov.achievements.keys import (
    ID_FIELDS,
    doi_key,
    identifier_keys,
    project_number_key,
    title_key,
    title_numbers,
)
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
# Items looked up together (the queue's "only duplicates" compares the whole queue): bounded IN lists.
_PROBE_CHUNK = 500
# Up to this many title blocks are selected with one (program, kind, numbers) row-value IN.
_ROW_IN_LIMIT = 50
_ID_FIELDS = ID_FIELDS
# The code under which a kind's stored identifier and grant keys are compared.
_CODE_OF_KIND = {AchievementKind(kind): code for code, (kind, _names) in ID_FIELDS.items()}


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
        """Index every achievement of the program (a single query of a few columns, the stored keys: nothing
        is normalised again)."""
        index = cls()
        a = Achievement
        stmt = (select(a.id, a.kind, a.title, a.year, a.title_key, a.title_numbers, a.identifier_key, a.grant_key)
                .where(a.program_id == program_id).order_by(a.id))
        for achievement_id, kind, title, year, key, numbers, identifier, grant in db.session.execute(stmt):
            kind = AchievementKind(kind)
            code = _CODE_OF_KIND.get(kind)
            ids = [(code, k) for k in (identifier, grant) if k] if code else []
            index._insert(achievement_id, kind, title or "", int(year or 0), key or "", numbers or "", ids)
        return index

    def add(self, achievement_id: int, kind: AchievementKind, values: Mapping[str, Any]) -> None:
        """Index one achievement given by its column values."""
        kind = AchievementKind(kind)
        key = title_key(values.get("title"))
        self._insert(achievement_id, kind, values.get("title") or "", int(values.get("year") or 0), key,
                     title_numbers(key), list(self._keys(kind, values)))

    def _insert(self, achievement_id: int, kind: AchievementKind, title: str, year: int, key: str, numbers: str,
                ids: list[tuple[str, str]]) -> None:
        self.entries[achievement_id] = _Entry(achievement_id, kind, title, year)
        for code_key in ids:
            self.by_key.setdefault(code_key, []).append(achievement_id)
        block = (kind, numbers)
        keys, achievement_ids = self.titles.setdefault(block, ([], []))
        for end in {"<" + key[:3], key[-3:] + ">"}:
            self.ends.setdefault((block, end), []).append(len(keys))
        keys.append(key)
        achievement_ids.append(achievement_id)
        self.exact_titles.setdefault((kind, key), []).append(achievement_id)

    def same_title(self, kind: AchievementKind, title: str, year: int) -> int | None:
        """The first indexed item of this kind with the same normalised title in the same year, or None."""
        for other in self.exact_titles.get((AchievementKind(kind), title_key(title)), ()):
            if self.entries[other].year == int(year):
                return other
        return None

    @staticmethod
    def _keys(kind: AchievementKind, values: Mapping[str, Any]) -> Iterable[tuple[str, str]]:
        return identifier_keys(kind, values)

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
        block = (kind, title_numbers(key))
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
        return _sorted(found)


@dataclass
class _Probe:
    """One item whose look-alikes are searched among the stored keys of its program."""

    program_id: int
    kind: AchievementKind
    values: Mapping[str, Any]
    exclude: frozenset[int]
    ids: list[tuple[str, str]] = field(init=False)
    key: str = field(init=False)
    numbers: str = field(init=False)

    def __post_init__(self) -> None:
        self.kind = AchievementKind(self.kind)
        self.ids = list(identifier_keys(self.kind, self.values))
        self.key = title_key(self.values.get("title"))
        self.numbers = title_numbers(self.key)


def _identifier_rows(probes: Sequence[_Probe]) -> dict[tuple[int, AchievementKind, str], list[Any]]:
    """(program, kind, key) → the stored items with that identifier key, in id order (one query)."""
    keys = {key for p in probes for _code, key in p.ids}
    if not keys:
        return {}
    a = Achievement
    stmt = (select(a.id, a.program_id, a.kind, a.title, a.year, a.identifier_key, a.grant_key)
            .where(a.program_id.in_({p.program_id for p in probes}),
                   or_(a.identifier_key.in_(keys), a.grant_key.in_(keys)))
            .order_by(a.id))
    out: dict[tuple[int, AchievementKind, str], list[Any]] = {}
    for row in db.session.execute(stmt):
        for key in {row.identifier_key, row.grant_key} - {None}:
            out.setdefault((row.program_id, AchievementKind(row.kind), key), []).append(row)
    return out


_Blocks = dict[tuple[int, AchievementKind, str], tuple[list[str], list[int]]]


def _title_blocks(probes: Sequence[_Probe]) -> tuple[_Blocks, dict[int, tuple[str, int]]]:
    """(program, kind, numbers) → the title keys and ids of that block, in id order, and each read item's
    (title, year) to name a match with (one query)."""
    numbers: dict[tuple[int, AchievementKind], set[str]] = {}
    for p in probes:
        if p.key:
            numbers.setdefault((p.program_id, p.kind), set()).add(p.numbers)
    if not numbers:
        return {}, {}
    a = Achievement
    blocks = sorted((program_id, kind, n) for (program_id, kind), ns in numbers.items() for n in ns)
    if len(blocks) <= _ROW_IN_LIMIT:  # a page: one statement shape, compiled once
        where = tuple_(a.program_id, a.kind, a.title_numbers).in_(blocks)
    else:
        # One condition per (program, kind) with a list of numbers: a row-value IN of hundreds of blocks costs
        # PostgreSQL's planner 100+ ms; this shape plans in a few.
        where = or_(*(and_(a.program_id == program_id, a.kind == kind, a.title_numbers.in_(sorted(ns)))
                      for (program_id, kind), ns in sorted(numbers.items())))
    # The title and year come with the keys (the title key is about as long as the title): the matches are
    # named without reading their rows a second time.
    stmt = (select(a.id, a.program_id, a.kind, a.title_numbers, a.title_key, a.title, a.year)
            .where(where).order_by(a.id))
    out: _Blocks = {}
    shown: dict[int, tuple[str, int]] = {}
    for achievement_id, program_id, kind, numbers, key, title, year in db.session.execute(stmt):
        keys, ids = out.setdefault((program_id, AchievementKind(kind), numbers), ([], []))
        keys.append(key or "")
        ids.append(achievement_id)
        shown[achievement_id] = (title, year)
    return out, shown


def _title_matches(probes: Sequence[_Probe]) -> tuple[list[list[tuple[int, float]]], dict[int, tuple[str, int]]]:
    """For each probe, the (id, score) of the titles of its block scoring :data:`TITLE_THRESHOLD` or more,
    and the (title, year) of the items compared.

    The same comparison as :meth:`DuplicateIndex.match` (rapidfuzz ``ratio``, the >
    :data:`FULL_SCAN_LIMIT` rule), with every probe of a block scored in one ``cdist`` call.
    """
    blocks, shown = _title_blocks(probes)
    out: list[list[tuple[int, float]]] = [[] for _p in probes]
    members: dict[tuple, list[int]] = {}
    for i, p in enumerate(probes):
        if p.key and (p.program_id, p.kind, p.numbers) in blocks:
            members.setdefault((p.program_id, p.kind, p.numbers), []).append(i)
    for block, positions in members.items():
        keys, ids = blocks[block]
        if len(keys) > FULL_SCAN_LIMIT:
            for i in positions:
                head, tail = probes[i].key[:3], probes[i].key[-3:]
                choices = {pos: k for pos, k in enumerate(keys) if k[:3] == head or k[-3:] == tail}
                out[i] = [(ids[pos], score) for _c, score, pos in process.extract(
                    probes[i].key, choices, scorer=fuzz.ratio, score_cutoff=TITLE_THRESHOLD, limit=None)]
            continue
        scores = process.cdist([probes[i].key for i in positions], keys, scorer=fuzz.ratio,
                               score_cutoff=TITLE_THRESHOLD, dtype=np.float64)
        for row, i in enumerate(positions):
            out[i] = [(ids[pos], float(scores[row, pos])) for pos in np.flatnonzero(scores[row] >= TITLE_THRESHOLD)]
    return out, shown


def _lookup(probes: Sequence[_Probe]) -> list[dict[int, Duplicate]]:
    """The look-alikes of each probe by identifier and title, from the stored keys (two queries per
    :data:`_PROBE_CHUNK` probes): the same as :meth:`DuplicateIndex.match` on an index of the program."""
    out: list[dict[int, Duplicate]] = []
    for start in range(0, len(probes), _PROBE_CHUNK):
        chunk = probes[start:start + _PROBE_CHUNK]
        by_key = _identifier_rows(chunk)
        titles, known = _title_matches(chunk)
        for p, matches in zip(chunk, titles, strict=True):
            found: dict[int, Duplicate] = {}
            for code, key in p.ids:
                shown = p.values.get(_ID_FIELDS[code][1][0]) if code != "patent" else key
                for row in by_key.get((p.program_id, p.kind, key), ()):
                    if row.id not in p.exclude and row.id not in found:
                        found[row.id] = Duplicate(row.id, row.title, row.year, code,
                                                  _reason(code, str(shown or key)))
            for other, score in matches:
                if other not in p.exclude and other not in found:
                    title, year = known[other]
                    found[other] = Duplicate(other, title, year, "title", _reason("title", "", score), score)
            out.append(found)
    return out


def find_duplicates(program_id: int, kind: AchievementKind, values: Mapping[str, Any], *,
                    exclude_id: int | None = None) -> list[Duplicate]:
    """Achievements of the program that look like ``values`` (an item being entered or changed).

    Looked up by the stored keys (:mod:`.keys`): a few indexed queries, not an index of the whole program.

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
    probe = _Probe(program_id, kind, values, frozenset([exclude_id] if exclude_id else []))
    return _sorted(_lookup([probe])[0])


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
    """Every other item of the program that looks like ``achievement``: identifiers, title, evidence files.

    Without ``index``, looked up by the stored keys (:func:`find_duplicates`' few queries).
    """
    if index is None:
        found = _lookup([_Probe(achievement.program_id, achievement.kind, _identifiers(achievement),
                                frozenset([achievement.id]))])[0]
    else:
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

    A fixed number of queries whatever the programs (for up to :data:`_PROBE_CHUNK` items): identifiers
    and title blocks (with their titles) by the stored keys (:func:`find_duplicates`), and one query for the
    items sharing any of their evidence files (the evidence files themselves should be loaded with the items).
    """
    items = list(achievements)
    holders = _evidence_holders(items)
    looked_up = _lookup([_Probe(a.program_id, a.kind, _identifiers(a), frozenset([a.id])) for a in items])
    out: dict[int, list[Duplicate]] = {}
    for a, found in zip(items, looked_up, strict=True):
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
