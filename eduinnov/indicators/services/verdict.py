"""What a stored run's page, exports, dashboard and PDF say about its verdict: health, grade rule, memberships.

Plain values computed from the run's snapshot alone (a run never changes), translated for the reader.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from flask_babel import gettext as _

from eduinnov.indicators.models import EvaluationRun
from eduinnov.indicators.services.checks import node_memberships, pruned_spec
from eduinnov.indicators.spec import walk

__all__ = ["grade_legend", "health_view", "run_memberships"]


def _grade_name(g: dict[str, Any], english: bool) -> str:
    return (g.get("name_en") if english else g.get("name_zh")) or g.get("name_zh") or g.get("name_en") or ""


def grade_legend(run: EvaluationRun, *, english: bool = False) -> dict[str, Any]:
    """The legend of the grade rule the run actually used, stated once for every place that shows grades.

    Returns
    -------
    dict
        ``rule`` (band / max_membership / confidence), ``text`` (one translated sentence),
        ``grades``: per grade its name, band ``min``/``max`` (band rule) or grade ``value`` (membership
        rules), and ``score_text`` saying how the total score is obtained.
    """
    scale = run.model_snapshot["grade_scale"]
    rule = (run.summary or {}).get("grade_rule", "band")
    root = run.model_snapshot["tree"]
    grades = [{"name": _grade_name(g, english), "min": g["min"], "max": g["max"], "value": g["value"]} for g in scale]
    values = ", ".join(f"{g['name']} {g['value']:g}" for g in grades)
    if rule == "max_membership":
        text = _("Each unit's grade is the grade in which its membership is largest (maximum membership of fuzzy "
                 "comprehensive evaluation), not the band its score falls in; the memberships are shown for "
                 "every unit.")
        score = _("Score = Σ membership × grade value (%(values)s).", values=values)
    elif rule == "confidence":
        lam = (root.get("aggregation_params") or {}).get("lambda")
        text = _("Each unit's grade is the best grade whose cumulative measure, counted from the best grade, "
                 "reaches the confidence λ = %(lam)s (unascertained measure), not the band its score falls in; "
                 "the measures are shown for every unit.", lam=f"{lam:g}" if lam is not None else "?")
        score = _("Score = Σ measure × grade value (%(values)s).", values=values)
    else:
        text = _("Each unit's grade is the score band its total score falls in (a band includes its lower bound).")
        score = ""
    return {"rule": rule, "text": text, "score_text": score, "grades": grades}


def run_memberships(run: EvaluationRun) -> list[list[float]] | None:
    """Per unit (object order) the membership vector behind its grade; None for a band rule."""
    summary = run.summary or {}
    if summary.get("grade_rule", "band") == "band":
        return None
    if summary.get("membership") is not None:
        return summary["membership"]
    ids = [o["id"] for o in run.inputs["objects"]]
    raw = pd.DataFrame(run.inputs["values"], index=pd.Index(ids, dtype="int64"))
    spec = pruned_spec(run.model_snapshot, raw, summary)
    try:
        return node_memberships(spec, run.weights, run.node_scores).get(spec["tree"]["code"])
    except (KeyError, ValueError, IndexError):  # a run stored before exclusions were recorded
        return None


def _names(run: EvaluationRun, english: bool) -> dict[str, str]:
    return {n["code"]: f"{n['code']} {(n.get('name_en') if english and n.get('name_en') else n['name_zh'])}"
            for n, _d, _p in walk(run.model_snapshot["tree"])}


def _pct(v: float) -> str:
    return f"{100 * v:.0f} %"


def health_view(run: EvaluationRun, *, english: bool = False) -> dict[str, Any] | None:
    """The stored health report in plain words, with what to do about each problem (None: run predates it).

    Returns
    -------
    dict
        ``passed``, ``published``, ``review`` (the review row or None), ``excluded`` (names of the
        nodes left out of this run), ``items``: per check ``status`` and a translated ``text`` and
        ``advice``.
    """
    health = (run.summary or {}).get("health")
    if health is None:
        return None
    names = _names(run, english)
    scale = run.model_snapshot["grade_scale"]
    items = []
    for check in health["checks"]:
        key, status, data = check["key"], check["status"], check.get("data") or {}
        text = advice = ""
        if key == "information":
            free = [names.get(f["code"], f["code"]) for f in data.get("leaves", [])]
            zeros = [f"{names.get(f['code'], f['code'])} ({_pct(f['zero_share'])})" for f in data.get("mostly_zero", [])]
            flat = [names.get(c, c) for c in data.get("flat_nodes", [])]
            parts = []
            if free:
                parts.append(_("Same value for every unit (no information): %(names)s; together %(share)s of the "
                               "model's weight.", names="; ".join(free), share=_pct(data.get("weight_share", 0))))
            if zeros:
                parts.append(_("More than 80 %% of the units are zero: %(names)s.", names="; ".join(zeros)))
            if flat:
                parts.append(_("Scores that do not vary: %(names)s.", names="; ".join(flat)))
            text = " ".join(parts) or _("Every leaf varies across the units.")
            if status in ("warn", "fail"):
                advice = _("Add the missing data (achievements, ratings) or drop the leaf from the model; under "
                           "relative scaling such leaves are left out of this run and their weight is shared "
                           "among their siblings.")
        elif key == "distribution":
            k = data.get("grade_index", 1)
            name = _grade_name(scale[k - 1], english) if 0 < k <= len(scale) else "?"
            if status == "fail":
                text = _("%(share)s of the units are graded %(grade)s.", share=_pct(data["share"]), grade=name)
                advice = _("Calibrate the targets: targets nobody reaches put everyone at the bottom, targets "
                           "everybody reaches put everyone at the top.")
            elif status == "info":
                text = _("Only %(n)d units: too few to judge the grade distribution.", n=data.get("n", 0))
            else:
                text = _("No grade holds %(share)s of the units.", share="80 %")
        elif key == "reach":
            if not data:
                text = _("The reachable scores could not be computed for this model.")
            else:
                missing = [_grade_name(scale[g - 1], english) for g in data.get("unreachable", [])]
                span = _("Scores run from %(lo).3f (nothing achieved) to %(hi).3f (every target met).",
                         lo=data["lowest"], hi=data["highest"])
                if missing:
                    text = _("No unit can reach %(grades)s.", grades=", ".join(missing)) + " " + span
                    advice = _("Calibrate the targets or the grade scale so that every grade can be reached.")
                else:
                    text = _("Every grade can be reached.") + " " + span
        elif key == "grade_rule":
            if data.get("rule", "band") == "band":
                text = _("Grades are the score bands shown.")
            elif data.get("differ"):
                text = _("Grades follow the membership rule; for %(n)d unit(s) the score alone would fall in "
                         "another band, so the page shows memberships, not bands, as the rule.", n=data["differ"])
            else:
                text = _("Grades follow the membership rule and agree with the score bands for every unit.")
        elif key == "stability":
            if data:
                text = _("With every weight varied by ±%(spread)s (%(draws)d draws), %(grade)s of the units keep "
                         "their grade in at least 90 %% of the draws, and a unit stays in its rank quarter in "
                         "%(band)s of the draws on average.", spread=_pct(data["spread"]), draws=data["draws"],
                         grade=_pct(data["keep_grade"]), band=_pct(data["keep_band"]))
                if status == "warn":
                    advice = _("The ranking depends on the exact weights: discuss the weights before publishing.")
            else:
                text = _("The rank stability could not be computed.")
        items.append({"key": key, "status": status, "text": text, "advice": advice})
    excluded = [{"name": names.get(e["code"], e["code"]), "parent": names.get(e["parent"], e["parent"]),
                 "value": e.get("value"), "reason": e["reason"]} for e in health.get("excluded", [])]
    return {"passed": bool(health["passed"]), "published": run.is_published, "review": run.review,
            "excluded": excluded, "items": items}
