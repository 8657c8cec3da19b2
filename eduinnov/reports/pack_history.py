"""Earlier evidence packs of a cohort and what changed between them.

Every pack stores its data as a fingerprinted :class:`~eduinnov.reports.models.ReportSnapshot`. The pack
page lists a cohort's snapshots, newest first, and for each the figures that moved since the pack before
it: students, the evaluation run and its mean score, the OBE threshold, rule and each graduation
requirement's achievement under both rules, verified achievements (in all and by kind), improvement
records and partners. Figures are read from the stored payloads only, never recomputed, so the list says
what the packs that went out said.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from eduinnov.extensions import db
from eduinnov.programs.models import Cohort
from eduinnov.reports.models import ReportSnapshot
from eduinnov.reports.pack import PACK_KIND

__all__ = ["Change", "PackEntry", "figures_of", "list_cohort_packs", "pack_changes", "pack_history"]

#: Earlier packs shown on the pack page.
HISTORY_LIMIT = 10
_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Change:
    """One figure that moved between two packs (``before`` / ``after`` ready to print; None = absent)."""

    key: str
    label: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class PackEntry:
    """A stored pack of the cohort and its changes against the pack before it (None for the first one)."""

    snapshot: ReportSnapshot
    changes: list[Change] | None


def list_cohort_packs(cohort: Cohort, limit: int = HISTORY_LIMIT + 1) -> list[ReportSnapshot]:
    """The evidence-pack snapshots of ``cohort``, newest first."""
    stmt = (select(ReportSnapshot)
            .where(ReportSnapshot.cohort_id == cohort.id, ReportSnapshot.program_id == cohort.program_id,
                   ReportSnapshot.kind == PACK_KIND)
            .order_by(ReportSnapshot.taken_at.desc(), ReportSnapshot.id.desc())
            .limit(limit))
    return list(db.session.scalars(stmt))


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def figures_of(payload: Mapping[str, Any]) -> dict[str, tuple[str, Any, str]]:
    """The comparable figures of a pack payload: key → (label, value, kind), kind "int", "ratio" or "text".

    Texts that depend on the pack's language (grade names, rule labels) are keyed with the language, so
    packs in different languages never report them as changed.
    """
    lang = str(payload.get("lang") or "")
    out: dict[str, tuple[str, Any, str]] = {}
    cohort = payload.get("cohort") or {}
    out["students"] = (_("Students in the cohort"), cohort.get("students"), "int")
    framework = payload.get("framework") or {}
    if framework:
        out["framework"] = (_("Framework version"), framework.get("version"), "text")
    evaluation = payload.get("evaluation") or {}
    if evaluation:
        out["run"] = (_("Evaluation run"), f'#{evaluation.get("run_id")} {evaluation.get("model_name") or ""}'
                      f' v{evaluation.get("model_version")}', "text")
        summary = evaluation.get("summary") or {}
        out["run.mean"] = (_("Mean score"), summary.get("mean"), "ratio")
        out[f"run.mean_grade.{lang}"] = (_("Grade of the mean"), summary.get("mean_grade"), "text")
    obe = payload.get("obe") or {}
    if obe:
        out["obe.threshold"] = (_("Achievement threshold"), obe.get("threshold"), "ratio")
        out["obe.rule"] = (_("Aggregation rule"), obe.get("rule"), "text")
        for req in obe.get("requirements") or []:
            number = req.get("number")
            out[f"obe.gr{number}.ws"] = (_("GR%(n)s (weighted sum)", n=number), req.get("weighted_sum"), "ratio")
            out[f"obe.gr{number}.min"] = (_("GR%(n)s (minimum)", n=number), req.get("minimum"), "ratio")
    achievements = payload.get("achievement_summary") or {}
    out["achievements"] = (_("Verified achievements"), achievements.get("total"), "int")
    for kind in achievements.get("by_kind") or []:
        out[f"achievements.{kind.get('kind')}"] = (kind.get("label") or kind.get("kind"), kind.get("count"), "int")
    out["achievements.students"] = (_("Students with an achievement"), achievements.get("students_with_achievement"),
                                    "int")
    out["improvements"] = (_("Improvement records"), len(payload.get("improvements") or []), "int")
    out["partners"] = (_("IUR partners"), len(payload.get("partners") or []), "int")
    return out


def _display(value: Any, kind: str) -> str | None:
    if value is None:
        return None
    if kind == "ratio":
        number = _number(value)
        return None if number is None else f"{number:.3f}"
    if kind == "int":
        number = _number(value)
        return None if number is None else f"{number:.0f}"
    return str(value)


def _same(before: Any, after: Any, kind: str) -> bool:
    if kind in ("ratio", "int"):
        a, b = _number(before), _number(after)
        if a is None or b is None:
            return a is None and b is None
        return abs(a - b) <= _TOLERANCE * max(1.0, abs(a), abs(b))
    return (before or None) == (after or None)


def pack_changes(older: Mapping[str, Any], newer: Mapping[str, Any]) -> list[Change]:
    """The figures that differ between two pack payloads, in the order of the newer pack's figures.

    A figure present in only one of them (a requirement added, an evaluation chapter dropped) counts as
    changed, shown with "—" on the missing side; language-dependent texts compare only within a language.
    """
    before, after = figures_of(older), figures_of(newer)
    keys = list(after) + [k for k in before if k not in after]
    changes = []
    for key in keys:
        label, new_value, kind = after.get(key) or before[key]
        old_value = before[key][1] if key in before else None
        if key.startswith("run.mean_grade.") and (key not in before or key not in after):
            continue  # another language: not comparable
        if _same(old_value, new_value if key in after else None, kind):
            continue
        changes.append(Change(key, str(label), _display(old_value, kind), _display(new_value, kind)
                              if key in after else None))
    return changes


def pack_history(cohort: Cohort, limit: int = HISTORY_LIMIT) -> list[PackEntry]:
    """The cohort's latest ``limit`` packs, newest first, each with its changes since the pack before it."""
    snapshots = list_cohort_packs(cohort, limit + 1)
    entries = []
    for i, snapshot in enumerate(snapshots[:limit]):
        previous = snapshots[i + 1] if i + 1 < len(snapshots) else None
        entries.append(PackEntry(snapshot, pack_changes(previous.payload, snapshot.payload)
                                 if previous is not None else None))
    return entries
