"""Health check of one evaluation run: is its verdict worth showing? Pure functions on plain arrays.

Each check returns a :class:`Check` (key, status, figures, an English reason); :func:`health_report`
collects them. A status is ``"pass"``, ``"warn"`` (shown, does not stop publication), ``"fail"`` (the run
is not published until a reviewer records why it stands) or ``"info"``. What fails:

- **information-free leaves** carrying half or more of the model's overall weight (the verdict then rests
  on less than half of the model); fewer are a warning (they are excluded and reported);
- **the root score does not vary** across the units (everyone gets the same verdict);
- **a degenerate grade distribution**: one grade holds at least 80 % of the units (with 3 units or more);
- **a grade no unit can reach** given the model's targets (from a unit at zero on every indicator to a
  unit at full marks on every indicator), except the lowest grades when even a unit with nothing scores
  above them (e.g. a coupling floor or grey relation's 1/3): that is a warning.

Leaves where more than 80 % of the units are zero, inner nodes whose scores do not vary, grades that
disagree with the score bands (maximum-membership rules) and an unstable ranking are warnings or notes.

Imports only numpy (the engine's rule: no flask, no database).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "DEGENERATE_SHARE", "MIN_UNITS_FOR_DISTRIBUTION", "ZERO_SHARE", "Check", "band_of", "flat_nodes",
    "grade_distribution_check", "grade_rule_check", "health_report", "information_free_check",
    "information_free_leaves", "mostly_zero_leaves", "reach_check", "stability_check", "varies",
]

#: A grade holding at least this share of the units makes the distribution degenerate.
DEGENERATE_SHARE = 0.8
#: A leaf with more than this share of zeros is reported.
ZERO_SHARE = 0.8
#: Below this many units a grade distribution says nothing about the model (two units may well share a grade).
MIN_UNITS_FOR_DISTRIBUTION = 3
#: Information-free leaves carrying at least this share of the overall weight fail the run.
FAIL_WEIGHT_SHARE = 0.5


@dataclass
class Check:
    """One check: ``key``, ``status`` (pass / warn / fail / info), figures for the page and an English reason."""

    key: str
    status: str
    reason: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain values."""
        return asdict(self)


def varies(x: Sequence[float] | np.ndarray) -> bool:
    """Whether values differ across units (more than 1e-12 relative to their magnitude)."""
    a = np.asarray(x, dtype=np.float64)
    if a.size < 2:
        return False
    hi, lo = float(a.max()), float(a.min())
    return hi - lo > 1e-12 * max(1.0, abs(hi), abs(lo))


def information_free_leaves(values: Mapping[str, Sequence[float]]) -> list[dict[str, Any]]:
    """Leaves whose raw value is the same for every unit (all zero included): ``[{"code", "value"}]``."""
    return [{"code": code, "value": float(np.asarray(v, dtype=np.float64)[0]) if len(v) else None}
            for code, v in values.items() if not varies(v)]


def mostly_zero_leaves(values: Mapping[str, Sequence[float]], share: float = ZERO_SHARE) -> list[dict[str, Any]]:
    """Leaves that vary but where more than ``share`` of the units are zero: ``[{"code", "zero_share"}]``."""
    out = []
    for code, v in values.items():
        a = np.asarray(v, dtype=np.float64)
        if a.size and varies(a):
            z = float((a == 0).mean())
            if z > share:
                out.append({"code": code, "zero_share": z})
    return out


def flat_nodes(node_scores: Mapping[str, Sequence[float] | None], inner_codes: Sequence[str]) -> list[str]:
    """Inner nodes (in the given order) whose scores are the same for every unit."""
    return [c for c in inner_codes if node_scores.get(c) is not None and not varies(node_scores[c])]


def information_free_check(free: list[dict[str, Any]], weight_share: float, mostly_zero: list[dict[str, Any]],
                           flat: list[str], root: str, n: int) -> Check:
    """Leaves and nodes that carry no information in this run.

    ``weight_share`` is the overall weight (product of local weights down the tree, as the model gives
    them before exclusion) of the information-free leaves.
    """
    data = {"leaves": free, "weight_share": weight_share, "mostly_zero": mostly_zero, "flat_nodes": flat}
    if n < 2:
        return Check("information", "info", "a single unit: nothing can vary", data)
    if root in flat:
        return Check("information", "fail", "every unit has the same total score", data)
    if free and weight_share >= FAIL_WEIGHT_SHARE - 1e-12:
        return Check("information", "fail", f"leaves carrying {weight_share:.0%} of the model's weight are the "
                     "same for every unit: " + ", ".join(f["code"] for f in free), data)
    if free or mostly_zero or flat:
        parts = []
        if free:
            parts.append("no information in " + ", ".join(f["code"] for f in free))
        if mostly_zero:
            parts.append("more than 80 % zeros in " + ", ".join(f["code"] for f in mostly_zero))
        if flat:
            parts.append("no variation in " + ", ".join(flat))
        return Check("information", "warn", "; ".join(parts), data)
    return Check("information", "pass", "every leaf varies across the units", data)


def grade_distribution_check(counts: Sequence[int], share: float = DEGENERATE_SHARE,
                             min_units: int = MIN_UNITS_FOR_DISTRIBUTION) -> Check:
    """Fails when one grade holds at least ``share`` of the units (with at least ``min_units`` units)."""
    c = np.asarray(counts, dtype=np.int64)
    n = int(c.sum())
    top = int(np.argmax(c)) if c.size else 0
    top_share = float(c[top] / n) if n else 0.0
    data = {"counts": [int(v) for v in c], "n": n, "grade_index": top + 1, "share": top_share}
    if n < min_units:
        return Check("distribution", "info", f"only {n} units: too few to judge the grade distribution", data)
    if top_share >= share - 1e-12:
        return Check("distribution", "fail", f"grade {top + 1} holds {top_share:.0%} of the units", data)
    return Check("distribution", "pass", f"no grade holds {share:.0%} of the units", data)


def band_of(scores: Sequence[float] | np.ndarray, mins: Sequence[float]) -> np.ndarray:
    """1-based band (best first) of each score: the first band whose ``min`` the score reaches."""
    s = np.asarray(scores, dtype=np.float64)
    m = np.asarray(mins, dtype=np.float64)
    reached = s[:, None] >= m[None, :] - 1e-12
    return np.where(reached.any(axis=1), np.argmax(reached, axis=1), m.size - 1) + 1


def reach_check(lowest: float | None, highest: float | None, reached_grades: Sequence[int] | None,
                mins: Sequence[float], rule: str) -> Check:
    """Grades no unit can reach given the targets.

    ``lowest``/``highest`` are the scores of a unit at zero and at full marks on every indicator, and
    ``reached_grades`` the grades met on the way between them (None when they could not be computed).
    With score bands, a band is reachable when it meets [lowest, highest]; with a membership rule, when
    a grade was met on the way.
    """
    k = len(mins)
    if lowest is None or highest is None or reached_grades is None:
        return Check("reach", "info", "the reachable scores could not be computed for this model", {})
    lo, hi = min(lowest, highest), max(lowest, highest)
    if rule == "band":
        uppers = [np.inf] + list(mins[:-1])  # band g spans [mins[g-1], uppers[g-1])
        reach = {g for g in range(1, k + 1) if hi >= mins[g - 1] - 1e-12 and lo < uppers[g - 1] - 1e-12}
        reach = sorted(reach | {int(g) for g in reached_grades})
    else:
        reach = sorted({int(g) for g in reached_grades})
    missing = [g for g in range(1, k + 1) if g not in reach]
    # the lowest grades, when even "nothing achieved" scores above them, only warn
    tail = []
    for g in range(k, 0, -1):
        if g not in missing:
            break
        tail.append(g)
    data = {"lowest": lo, "highest": hi, "reachable": reach, "unreachable": missing, "bottom_only": len(tail) ==
            len(missing)}
    if missing:
        return Check("reach", "warn" if len(tail) == len(missing) else "fail",
                     "grade(s) " + ", ".join(str(g) for g in missing) + " cannot be reached: "
                     f"scores run from {lo:.3f} (nothing achieved) to {hi:.3f} (every target met)", data)
    return Check("reach", "pass", f"every grade can be reached (scores {lo:.3f} to {hi:.3f})", data)


def grade_rule_check(rule: str, scores: Sequence[float], grades: Sequence[int], mins: Sequence[float]) -> Check:
    """The grade rule used and how many units' grades differ from the score band their score falls in.

    With score bands nothing can differ. With maximum membership or the confidence criterion the page
    shows memberships rather than bands, so a difference is a note, not a contradiction.
    """
    bands = band_of(scores, mins) if len(scores) else np.zeros(0, dtype=np.int64)
    differ = [i for i, (b, g) in enumerate(zip(bands, grades, strict=True)) if int(b) != int(g)]
    data = {"rule": rule, "differ": len(differ), "differ_index": differ[:50]}
    if rule == "band":
        return Check("grade_rule", "pass", "grades are the score bands", data)
    if differ:
        return Check("grade_rule", "info", f"grades follow {rule.replace('_', ' ')}; for {len(differ)} unit(s) "
                     "the score alone would fall in another band, so bands are not shown as the rule", data)
    return Check("grade_rule", "pass", f"grades follow {rule.replace('_', ' ')} and agree with the score bands",
                 data)


def stability_check(same_grade: Sequence[float], same_band: Sequence[float], draws: int, spread: float) -> Check:
    """One sentence on how stable grades and rank quarters are under the weight perturbation."""
    g = np.asarray(same_grade, dtype=np.float64)
    b = np.asarray(same_band, dtype=np.float64)
    if g.size == 0:
        return Check("stability", "info", "no units", {})
    keep_grade = float((g >= 0.9).mean())
    keep_band = float(b.mean())
    data = {"draws": draws, "spread": spread, "keep_grade": keep_grade, "keep_band": keep_band}
    reason = (f"with every weight varied by ±{spread:.0%} ({draws} draws), {keep_grade:.0%} of the units keep "
              f"their grade in at least 90 % of the draws and a unit stays in its rank quarter in "
              f"{keep_band:.0%} of the draws on average")
    return Check("stability", "warn" if keep_grade < 0.5 else "info", reason, data)


def health_report(checks: Sequence[Check]) -> dict[str, Any]:
    """``{"passed", "checks": [...], "reasons": [failing reasons]}``; passed = no check failed."""
    failed = [c for c in checks if c.status == "fail"]
    return {"passed": not failed, "checks": [c.to_dict() for c in checks],
            "reasons": [c.reason for c in failed]}
