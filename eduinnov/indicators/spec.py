"""The plain description of a model version (a "spec"): what the YAML file holds and what a run snapshots.

A spec is a dict::

    {"name", "description", "unit", "include_unverified", "grade_scale": [...], "settings": {...},
     "tree": {"code", "name_zh", "name_en", "weighting", "judgments", "children": [...], ...}}

:func:`validate_spec` checks one completely and returns a normalised copy; every error names the node
(by code) and the field. :func:`model_to_spec` reads a stored model into this shape.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Any

from flask_babel import gettext as _

from eduinnov.evaluation.hierarchy import GradeBand, LeafSpec, ModelSpec, NodeSpec, Scaling, judgment_text
from eduinnov.evaluation.params import PARAMS
from eduinnov.indicators.metrics import METRICS, MetricParamError
from eduinnov.indicators.models import (
    MAX_DEPTH,
    AggregationMethod,
    Direction,
    EvaluationModel,
    EvaluationUnit,
    IndicatorNode,
    WeightingMethod,
)

__all__ = ["FUZZY_OPERATORS", "TARGET_MODES", "SpecError", "build_model", "judgment_matrix", "judgment_text",
           "model_to_spec", "parse_judgment", "validate_grade_scale", "validate_spec", "walk"]

#: Fuzzy composition operators (the engine's names).
FUZZY_OPERATORS = ("M(*,+)", "M(^,v)", "M(*,v)", "M(^,+)")
SCALING_METHODS = ("minmax", "target", "range", "none")
#: How a leaf's target (full marks) is set: a fixed value, a percentile of the run, or from earlier cohorts.
TARGET_MODES = ("absolute", "percentile", "calibrated")
OBJECTIVE_FOR_COMBINED = ("entropy", "cv", "critic")
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}$")
MAX_CHILDREN = 15  # Saaty's RI table ends at n = 15


class SpecError(ValueError):
    """The model description is invalid; the message names the node and the field."""


def _fail(node: str | None, field: str, message: str) -> None:
    if node:
        raise SpecError(_("Node %(node)s, field %(field)s: %(message)s", node=node, field=field, message=message))
    raise SpecError(_("Field %(field)s: %(message)s", field=field, message=message))


def parse_judgment(value: Any) -> float:
    """A pairwise judgment as a float: a number or a string such as ``"3"`` or ``"1/5"`` on Saaty's 1/9..9 scale."""
    try:
        if isinstance(value, str):
            v = float(Fraction(value.strip()))
        elif isinstance(value, bool):
            raise ValueError
        else:
            v = float(value)
    except (ValueError, ZeroDivisionError, TypeError):
        raise ValueError(_("%(value)r is not a number or a fraction such as 1/3", value=value)) from None
    if not math.isfinite(v) or v < 1 / 9 - 1e-9 or v > 9 + 1e-9:
        raise ValueError(_("%(value)s is outside Saaty's scale 1/9 … 9", value=value))
    return v


def judgment_matrix(codes: list[str], judgments: dict[str, Any]) -> list[list[float]]:
    """The full reciprocal matrix over ``codes`` from upper-triangle judgments keyed by child codes.

    ``judgments[a][b]`` says how much more important a is than b; the reciprocal is filled in; a pair
    entered in neither direction counts as 1 (equal importance).
    """
    n = len(codes)
    a = [[1.0] * n for _ in range(n)]
    for i, ci in enumerate(codes):
        for j in range(i + 1, n):
            cj = codes[j]
            if cj in (judgments.get(ci) or {}):
                v = parse_judgment(judgments[ci][cj])
            elif ci in (judgments.get(cj) or {}):
                v = 1.0 / parse_judgment(judgments[cj][ci])
            else:
                v = 1.0
            a[i][j], a[j][i] = v, 1.0 / v
    return a


def validate_grade_scale(scale: Any) -> list[dict[str, Any]]:
    """Bands best -> worst, contiguous on [lowest min, 1]; each with a name, ``min < max`` and ``value`` in the band."""
    if not isinstance(scale, list) or len(scale) < 2:
        _fail(None, "grade_scale", _("give at least two grades, best first"))
    out = []
    for k, band in enumerate(scale, start=1):
        if not isinstance(band, dict):
            _fail(None, "grade_scale", _("grade %(k)d must be a mapping with name_zh, name_en, min, max, value", k=k))
        name_zh = str(band.get("name_zh") or "").strip()
        name_en = str(band.get("name_en") or "").strip()
        if not (name_zh or name_en):
            _fail(None, "grade_scale", _("grade %(k)d has no name", k=k))
        try:
            lo, hi = float(band["min"]), float(band["max"])
            value = float(band.get("value", (lo + hi) / 2))
        except (KeyError, TypeError, ValueError):
            _fail(None, "grade_scale", _("grade %(k)d needs numeric min and max (and value)", k=k))
        if not (0 <= lo < hi <= 1):
            _fail(None, "grade_scale", _("grade %(k)d: need 0 ≤ min < max ≤ 1, got %(lo)g–%(hi)g", k=k, lo=lo, hi=hi))
        if not (lo - 1e-9 <= value <= hi + 1e-9):
            _fail(None, "grade_scale", _("grade %(k)d: value %(v)g lies outside its band", k=k, v=value))
        if out and abs(out[-1]["min"] - hi) > 1e-9:
            _fail(None, "grade_scale", _("grade %(k)d must end (max %(hi)g) where grade %(p)d begins (min %(lo)g)",
                                         k=k, hi=hi, p=k - 1, lo=out[-1]["min"]))
        out.append({"name_zh": name_zh or name_en, "name_en": name_en or name_zh, "min": lo, "max": hi, "value": value})
    return out


def _number(node: str, field: str, value: Any, *, lo: float | None = None, hi: float | None = None,
            lo_open: bool = False) -> float:
    try:
        if isinstance(value, bool):
            raise ValueError
        v = float(value)
    except (TypeError, ValueError):
        _fail(node, field, _("must be a number, got %(value)r", value=value))
    if not math.isfinite(v) or (lo is not None and (v <= lo if lo_open else v < lo)) or (hi is not None and v > hi):
        _fail(node, field, _("%(value)g is out of range", value=v))
    return v


def _param(node: str, field: str, method: str, name: str, params: dict[str, Any]) -> float:
    """A method parameter from ``params`` (absent = the default), checked against the engine's registry."""
    p = PARAMS[(method, name)]
    value = params.get(name, p.default)
    v = _number(node, field, value)
    if not p.contains(v):
        _fail(node, field, _("%(value)g is out of range %(interval)s", value=v, interval=p.interval))
    return v


def _anchors(node: str, field: str, value: Any, k: int) -> list[float]:
    if not isinstance(value, list) or len(value) != k:
        _fail(node, field, _("give %(k)d numbers, one per grade, best first", k=k))
    vals = [_number(node, field, v, lo=0, hi=1) for v in value]
    if any(b >= a for a, b in zip(vals, vals[1:], strict=False)):
        _fail(node, field, _("anchors must decrease strictly from the best grade to the worst"))
    return vals


class _Validator:
    def __init__(self, unit: EvaluationUnit, grades: list[dict[str, Any]]):
        self.unit = unit
        self.grades = grades
        self.codes: set[str] = set()

    def node(self, raw: Any, depth: int, where: str) -> dict[str, Any]:
        if not isinstance(raw, dict):
            _fail(where, "node", _("must be a mapping"))
        code = str(raw.get("code") or "").strip()
        if not CODE_RE.match(code):
            _fail(where, "code", _("use 1–32 letters, digits, '.', '_' or '-', got %(code)r", code=code))
        if code in self.codes:
            _fail(code, "code", _("is used twice in this model"))
        self.codes.add(code)
        name_zh = str(raw.get("name_zh") or "").strip()
        name_en = str(raw.get("name_en") or "").strip()
        if not (name_zh or name_en):
            _fail(code, "name_zh", _("give a name (name_zh or name_en)"))
        out: dict[str, Any] = {"code": code, "name_zh": name_zh or name_en, "name_en": name_en or None,
                               "description": (str(raw.get("description")).strip() or None)
                               if raw.get("description") else None}
        children = raw.get("children") or []
        if not isinstance(children, list):
            _fail(code, "children", _("must be a list of nodes"))
        if depth == 0 and not children:
            _fail(code, "children", _("the goal needs at least one indicator"))
        if children:
            if depth >= MAX_DEPTH:
                _fail(code, "children", _("indicators can be nested at most %(n)d levels deep", n=MAX_DEPTH))
            if len(children) > MAX_CHILDREN:
                _fail(code, "children", _("at most %(n)d children per node", n=MAX_CHILDREN))
            if raw.get("metric"):
                _fail(code, "metric", _("only leaves (nodes without children) are bound to a metric"))
            out["children"] = [self.node(c, depth + 1, f"{code}/{i + 1}") for i, c in enumerate(children)]
            out.update(self.inner(code, raw, [c["code"] for c in out["children"]], out["children"]))
        else:
            out.update(self.leaf(code, raw))
        return out

    def leaf(self, code: str, raw: dict[str, Any]) -> dict[str, Any]:
        key = raw.get("metric")
        if not key:
            _fail(code, "metric", _("a leaf needs a metric"))
        metric = METRICS.get(str(key))
        if metric is None:
            _fail(code, "metric", _("unknown metric %(key)r", key=key))
        if self.unit not in metric.units:
            _fail(code, "metric", _("%(key)s does not apply to the unit %(unit)s", key=key, unit=self.unit.value))
        params = raw.get("params") or {}
        if not isinstance(params, dict):
            _fail(code, "params", _("must be a mapping of parameter names to values"))
        try:
            metric.check_params(params)
        except MetricParamError as exc:
            _fail(code, "params", str(exc))
        direction = raw.get("direction") or "benefit"
        if direction not in ("benefit", "cost"):
            _fail(code, "direction", _("must be 'benefit' or 'cost', got %(v)r", v=direction))
        scaling = dict(raw.get("scaling") or {"method": "minmax"})
        method = scaling.get("method", "minmax")
        if method not in SCALING_METHODS:
            _fail(code, "scaling", _("method must be one of %(choices)s", choices=", ".join(SCALING_METHODS)))
        clean: dict[str, Any] = {"method": method}
        if method == "target":
            clean.update(self.target(code, scaling, direction))
        elif method == "range":
            lo = _number(code, "scaling.min", scaling.get("min"))
            hi = _number(code, "scaling.max", scaling.get("max"))
            if hi <= lo:
                _fail(code, "scaling", _("max must be greater than min"))
            clean.update({"min": lo, "max": hi})
        return {"metric": metric.key, "params": dict(params), "direction": direction, "scaling": clean}

    def target(self, code: str, scaling: dict[str, Any], direction: str) -> dict[str, Any]:
        """The target of a leaf scored against one: its mode and the values the mode needs.

        ``absolute``: ``target`` is full marks. ``percentile``: the P-th percentile of the run's own values is
        full marks. ``calibrated``: the P-th percentile of the values of the students of the program's
        ``cohorts`` earlier cohorts. In both relative modes ``target`` is the fallback used when that
        percentile is not positive (nobody, or too few, reached anything).
        """
        mode = scaling.get("mode") or "absolute"
        if mode not in TARGET_MODES:
            _fail(code, "scaling.mode", _("must be one of %(choices)s, got %(v)r",
                                          choices=", ".join(TARGET_MODES), v=mode))
        clean: dict[str, Any] = {"target": _number(code, "scaling.target", scaling.get("target"), lo=0,
                                                   lo_open=True)}
        unknown = sorted(set(scaling) - {"method", "mode", "target", "percentile", "cohorts"})
        if unknown:
            _fail(code, "scaling", _("unknown field %(f)s (a target has mode, target, percentile and cohorts)",
                                     f=unknown[0]))
        if mode == "absolute":
            for extra in ("percentile", "cohorts"):
                if scaling.get(extra) is not None:
                    _fail(code, f"scaling.{extra}", _("only used by the percentile and calibrated modes"))
            return clean
        if direction != "benefit":
            _fail(code, "scaling.mode", _("percentile and calibrated targets are for benefit leaves (larger is "
                                          "better); give a cost leaf an absolute target"))
        clean["mode"] = mode
        clean["percentile"] = _number(code, "scaling.percentile", scaling.get("percentile", 90), lo=50, hi=100)
        if mode == "calibrated":
            if self.unit != EvaluationUnit.STUDENT:
                _fail(code, "scaling.mode", _("calibration from earlier cohorts is for student models; a model of "
                                              "%(unit)s can use a percentile of its own objects", unit=self.unit.value))
            cohorts = scaling.get("cohorts", 3)
            if isinstance(cohorts, bool) or not isinstance(cohorts, int | float) or cohorts != int(cohorts) \
                    or not 1 <= cohorts <= 10:
                _fail(code, "scaling.cohorts", _("give the number of earlier cohorts, 1 to 10, got %(v)r", v=cohorts))
            clean["cohorts"] = int(cohorts)
        elif scaling.get("cohorts") is not None:
            _fail(code, "scaling.cohorts", _("only used by the calibrated mode"))
        return clean

    def inner(self, code: str, raw: dict[str, Any], child_codes: list[str],
              children: list[dict[str, Any]]) -> dict[str, Any]:
        n = len(child_codes)
        try:
            weighting = WeightingMethod(raw.get("weighting") or "equal")
        except ValueError:
            valid = ", ".join(m.value for m in WeightingMethod)
            _fail(code, "weighting", _("must be one of %(choices)s", choices=valid))
        out: dict[str, Any] = {"weighting": weighting.value, "judgments": {}, "weights": {}, "weighting_params": {}}
        params = raw.get("weighting_params") or {}
        if not isinstance(params, dict):
            _fail(code, "weighting_params", _("must be a mapping"))
        if weighting.uses_judgments:
            judgments = raw.get("judgments") or {}
            if not isinstance(judgments, dict):
                _fail(code, "judgments", _("must map a child code to {other child code: judgment}"))
            clean: dict[str, dict[str, str]] = {}
            for a, row in judgments.items():
                if str(a) not in child_codes:
                    _fail(code, "judgments", _("%(c)s is not a child of this node", c=a))
                if not isinstance(row, dict):
                    _fail(code, "judgments", _("the judgments of %(c)s must be a mapping", c=a))
                for b, v in row.items():
                    if str(b) not in child_codes or str(b) == str(a):
                        _fail(code, "judgments", _("%(a)s vs %(b)s: %(b)s is not another child", a=a, b=b))
                    if str(a) in clean.get(str(b), {}):
                        _fail(code, "judgments", _("%(a)s vs %(b)s is entered in both directions", a=a, b=b))
                    try:
                        clean.setdefault(str(a), {})[str(b)] = judgment_text(parse_judgment(v))
                    except ValueError as exc:
                        _fail(code, "judgments", _("%(a)s vs %(b)s: %(err)s", a=a, b=b, err=exc))
            out["judgments"] = clean
        if weighting == WeightingMethod.AHM:
            out["weighting_params"]["beta"] = _param(code, "weighting_params.beta", "ahm", "beta", params)
        if weighting == WeightingMethod.COMBINED:
            objective = params.get("objective", "entropy")
            if objective not in OBJECTIVE_FOR_COMBINED:
                _fail(code, "weighting_params.objective",
                      _("must be one of %(choices)s", choices=", ".join(OBJECTIVE_FOR_COMBINED)))
            method = params.get("method", "linear")
            if method not in ("linear", "multiplicative"):
                _fail(code, "weighting_params.method", _("must be 'linear' or 'multiplicative'"))
            out["weighting_params"] = {"objective": objective, "method": method,
                                       "alpha": _param(code, "weighting_params.alpha", "combine", "alpha", params)}
        if weighting == WeightingMethod.EXPERT:
            weights = raw.get("weights") or {}
            if not isinstance(weights, dict):
                _fail(code, "weights", _("must map each child code to its weight"))
            missing = [c for c in child_codes if c not in weights]
            if missing:
                _fail(code, "weights", _("no weight for %(c)s", c=missing[0]))
            extra = [c for c in weights if c not in child_codes]
            if extra:
                _fail(code, "weights", _("%(c)s is not a child of this node", c=extra[0]))
            clean_w = {c: _number(code, f"weights.{c}", weights[c], lo=0) for c in child_codes}
            if abs(sum(clean_w.values()) - 1) > 1e-6:
                _fail(code, "weights", _("the weights add up to %(s)g; they must add up to 1",
                                         s=round(sum(clean_w.values()), 6)))
            out["weights"] = clean_w
        out.update(self.aggregation(code, raw, child_codes, children, n))
        return out

    def aggregation(self, code: str, raw: dict[str, Any], child_codes: list[str],
                    children: list[dict[str, Any]], n: int) -> dict[str, Any]:
        try:
            agg = AggregationMethod(raw.get("aggregation") or "weighted_sum")
        except ValueError:
            valid = ", ".join(m.value for m in AggregationMethod)
            _fail(code, "aggregation", _("must be one of %(choices)s", choices=valid))
        params = raw.get("aggregation_params") or {}
        if not isinstance(params, dict):
            _fail(code, "aggregation_params", _("must be a mapping"))
        k = len(self.grades)
        clean: dict[str, Any] = {}
        default_anchors = [g["value"] for g in self.grades]
        if agg == AggregationMethod.FUZZY:
            op = params.get("operator", "M(*,+)")
            if op not in FUZZY_OPERATORS:
                _fail(code, "aggregation_params.operator", _("must be one of %(c)s", c=", ".join(FUZZY_OPERATORS)))
            clean = {"operator": op,
                     "anchors": _anchors(code, "aggregation_params.anchors", params.get("anchors", default_anchors), k)}
        elif agg == AggregationMethod.UNASCERTAINED:
            lam = _param(code, "aggregation_params.lambda", "unascertained", "lambda", params)
            anchors = params.get("anchors", default_anchors)
            if isinstance(anchors, dict):
                unknown = [c for c in anchors if c not in child_codes]
                if unknown:
                    _fail(code, "aggregation_params.anchors", _("%(c)s is not a child of this node", c=unknown[0]))
                anchors = {c: _anchors(code, f"aggregation_params.anchors.{c}", anchors.get(c, default_anchors), k)
                           for c in child_codes}
            else:
                anchors = _anchors(code, "aggregation_params.anchors", anchors, k)
            clean = {"lambda": lam, "anchors": anchors}
        elif agg == AggregationMethod.GRA:
            clean = {"rho": _param(code, "aggregation_params.rho", "gra", "rho", params)}
        elif agg == AggregationMethod.PCA:
            retention = params.get("retention", "kaiser")
            if retention not in ("kaiser", "cumulative"):
                _fail(code, "aggregation_params.retention", _("must be 'kaiser' or 'cumulative'"))
            clean = {"retention": retention,
                     "threshold": _param(code, "aggregation_params.threshold", "pca", "threshold", params)}
            if n < 2:
                _fail(code, "aggregation", _("a principal component composite needs at least two children"))
        elif agg == AggregationMethod.COUPLING:
            if n < 2:
                _fail(code, "aggregation", _("coupling coordination needs at least two subsystems (children)"))
            clean = {"floor": _param(code, "aggregation_params.floor", "coupling", "floor", params)}
        return {"aggregation": agg.value, "aggregation_params": clean}


def validate_spec(raw: Any) -> dict[str, Any]:
    """Check a whole model description; return a normalised copy or raise :class:`SpecError`."""
    if not isinstance(raw, dict):
        raise SpecError(_("The model file must be a mapping with name, unit, grade_scale and tree."))
    name = str(raw.get("name") or "").strip()
    if not name:
        _fail(None, "name", _("is required"))
    if len(name) > 200:
        _fail(None, "name", _("at most 200 characters"))
    try:
        unit = EvaluationUnit(raw.get("unit"))
    except ValueError:
        _fail(None, "unit", _("must be one of %(c)s", c=", ".join(u.value for u in EvaluationUnit)))
    grades = validate_grade_scale(raw.get("grade_scale"))
    settings = raw.get("settings") or {}
    if not isinstance(settings, dict):
        _fail(None, "settings", _("must be a mapping"))
    clean_settings: dict[str, Any] = {}
    lq = settings.get("location_quotient")
    if lq:
        if not isinstance(lq, list) or len(lq) < 2:
            _fail(None, "settings.location_quotient", _("list at least two metrics (categories)"))
        for key in lq:
            m = METRICS.get(str(key))
            if m is None or unit not in m.units:
                _fail(None, "settings.location_quotient", _("%(k)s is not a metric of this unit", k=key))
        clean_settings["location_quotient"] = [str(k) for k in lq]
    tree = _Validator(unit, grades).node(raw.get("tree"), 0, "tree")
    return {
        "name": name,
        "description": (str(raw.get("description") or "").strip() or None),
        "unit": unit.value,
        "include_unverified": bool(raw.get("include_unverified", False)),
        "grade_scale": grades,
        "settings": clean_settings,
        "tree": tree,
    }


def walk(node: dict[str, Any], depth: int = 0):
    """Yield ``(node, depth, parent_code)`` for every node of a spec tree, parents first."""
    stack = [(node, depth, None)]
    while stack:
        cur, d, parent = stack.pop()
        yield cur, d, parent
        stack.extend((c, d + 1, cur["code"]) for c in reversed(cur.get("children", [])))


def _node_to_spec(node: IndicatorNode) -> dict[str, Any]:
    out: dict[str, Any] = {"code": node.code, "name_zh": node.name_zh, "name_en": node.name_en}
    if node.description:
        out["description"] = node.description
    if node.children:
        out["weighting"] = (node.weighting or WeightingMethod.EQUAL).value
        if node.judgments:
            out["judgments"] = node.judgments
        if node.weights:
            out["weights"] = node.weights
        if node.weighting_params:
            out["weighting_params"] = node.weighting_params
        out["aggregation"] = (node.aggregation or AggregationMethod.WEIGHTED_SUM).value
        if node.aggregation_params:
            out["aggregation_params"] = node.aggregation_params
        out["children"] = [_node_to_spec(c) for c in node.children]
    else:
        out["metric"] = node.metric_key
        if node.metric_params:
            out["params"] = node.metric_params
        out["direction"] = (node.direction or Direction.BENEFIT).value
        out["scaling"] = node.scaling or {"method": "minmax"}
    return out


def model_to_spec(model: EvaluationModel) -> dict[str, Any]:
    """The stored model as a raw spec (validate it with :func:`validate_spec` before running)."""
    root = model.root
    return {
        "name": model.name,
        "description": model.description,
        "unit": model.unit.value,
        "include_unverified": bool(model.include_unverified),
        "grade_scale": list(model.grade_scale or []),
        "settings": dict(model.settings or {}),
        "tree": _node_to_spec(root) if root is not None else None,
    }


def _build_node(node: dict[str, Any]) -> NodeSpec | LeafSpec:
    if not node.get("children"):
        sc = node.get("scaling") or {}
        return LeafSpec(node["code"], node.get("direction", "benefit"),
                        Scaling(sc.get("method", "minmax"), sc.get("target"), sc.get("min"), sc.get("max")))
    children = tuple(_build_node(c) for c in node["children"])
    codes = [c.code for c in children]
    weighting = node["weighting"]
    wp, ap = node.get("weighting_params") or {}, node.get("aggregation_params") or {}
    kw: dict[str, Any] = {}
    if weighting in ("ahp", "ahp_geometric", "combined", "ahm"):
        kw["judgments"] = tuple(tuple(row) for row in judgment_matrix(codes, node.get("judgments") or {}))
    if weighting == "expert":
        kw["weights"] = tuple(float(node["weights"][c]) for c in codes)
    if "beta" in wp:
        kw["beta"] = float(wp["beta"])
    if weighting == "combined":
        kw.update(objective=wp["objective"], combine_method=wp["method"], alpha=float(wp["alpha"]))
    anchors = ap.get("anchors")
    if isinstance(anchors, dict):
        kw["anchors"] = tuple(tuple(anchors[c]) for c in codes)
    elif anchors is not None:
        kw["anchors"] = tuple(anchors)
    for key, name in (("rho", "rho"), ("operator", "operator"), ("lambda", "lam"), ("retention", "retention"),
                      ("threshold", "threshold"), ("floor", "floor")):
        if key in ap:
            kw[name] = ap[key]
    return NodeSpec(node["code"], children, weighting, node["aggregation"], **kw)


def build_model(spec: dict[str, Any]) -> ModelSpec:
    """The engine's typed, frozen model from a validated spec (see :func:`validate_spec`), built once per run."""
    grades = tuple(GradeBand(g.get("name_en") or g.get("name_zh"), float(g["min"]), float(g["value"]))
                   for g in spec["grade_scale"])
    return ModelSpec(_build_node(spec["tree"]), grades)
