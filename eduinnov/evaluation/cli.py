"""JSON calculator: ``python -m eduinnov.evaluation METHOD < input.json``.

Reads one JSON object on stdin with the DOMAIN.md input keys of METHOD and prints the result object
(DOMAIN.md output keys, plus a few extras) on stdout. Bad input prints one line on stderr and exits 2.
``--list`` prints the method names.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from typing import Any

from . import aggregation as agg
from . import weighting as wt
from .results import Result
from .validation import EvaluationInputError

__all__ = ["METHODS", "run", "main"]

EXIT_USAGE = 2


# Absent parameters are passed as None: each method then takes its default from .params.PARAMS.


def _req(data: Mapping[str, Any], key: str, method: str) -> Any:
    if key not in data:
        raise EvaluationInputError(f"{method}: missing input key {key!r}")
    return data[key]


def _ahp(d: Mapping[str, Any]) -> dict[str, Any]:
    matrix = _req(d, "matrix", "ahp")
    mode = d.get("mode", "eigen")
    out = wt.ahp_weights(matrix, mode).to_dict()
    worst = wt.most_inconsistent_judgment(matrix, mode)
    out["most_inconsistent"] = None if worst is None else worst.to_dict()
    return out


def _fuzzy(d: Mapping[str, Any]) -> dict[str, Any]:
    kind = d.get("kind", "single")
    common = {"operator": d.get("operator", "M(*,+)"), "grade_values": d.get("grade_values"),
              "grade_labels": d.get("grade_labels")}
    if kind == "single":
        res: Result = agg.fuzzy_evaluate(_req(d, "weights", "fuzzy"), _req(d, "R", "fuzzy"), **common)
    elif kind == "two_level":
        res = agg.fuzzy_evaluate_two_level(_req(d, "groups", "fuzzy"), _req(d, "top_weights", "fuzzy"), **common)
    else:
        raise EvaluationInputError(f"fuzzy: kind must be 'single' or 'two_level', got {kind!r}")
    out = res.to_dict()
    out["kind"] = kind
    return out


METHODS: dict[str, tuple[str, Callable[[Mapping[str, Any]], dict[str, Any]]]] = {
    "ahp": ("AHP weights and consistency (matrix, mode)", _ahp),
    "ahm": ("AHM weights (matrix, beta)",
            lambda d: wt.ahm_weights(_req(d, "matrix", "ahm"), d.get("beta")).to_dict()),
    "entropy": ("entropy weights and scores (matrix, benefit)",
                lambda d: wt.entropy_weights(_req(d, "matrix", "entropy"), d.get("benefit")).to_dict()),
    "cv": ("coefficient-of-variation weights (matrix)",
           lambda d: wt.cv_weights(_req(d, "matrix", "cv")).to_dict()),
    "critic": ("CRITIC weights (matrix, benefit)",
               lambda d: wt.critic_weights(_req(d, "matrix", "critic"), d.get("benefit")).to_dict()),
    "combine": ("combined subjective/objective weights (subjective, objective, method, alpha)",
                lambda d: wt.combine_weights(_req(d, "subjective", "combine"), _req(d, "objective", "combine"),
                                             method=d.get("method", "linear"), alpha=d.get("alpha")).to_dict()),
    "topsis": ("TOPSIS closeness and rank (matrix, weights, benefit)",
               lambda d: agg.topsis(_req(d, "matrix", "topsis"), _req(d, "weights", "topsis"),
                                    d.get("benefit")).to_dict()),
    "gra": ("grey relational grades (matrix, benefit, rho, normalization, weights)",
            lambda d: agg.grey_relational(_req(d, "matrix", "gra"), d.get("benefit"), rho=d.get("rho"),
                                          normalization=d.get("normalization", "minmax"),
                                          weights=d.get("weights")).to_dict()),
    "fuzzy": ("fuzzy comprehensive evaluation (kind single: weights, R; two_level: groups, top_weights)", _fuzzy),
    "coupling": ("coupling coordination degree (U, alpha)",
                 lambda d: agg.coupling_coordination(_req(d, "U", "coupling"), d.get("alpha")).to_dict()),
    "location_quotient": ("location quotient (matrix)",
                          lambda d: agg.location_quotient(_req(d, "matrix", "location_quotient")).to_dict()),
    "pca": ("PCA composite (matrix, retention, threshold)",
            lambda d: agg.pca_composite(_req(d, "matrix", "pca"), d.get("retention", "kaiser"),
                                        d.get("threshold")).to_dict()),
    "unascertained": ("unascertained measure (x, anchors, weights, lambda, grade_values, grade_labels)",
                      lambda d: agg.unascertained_measure(
                          _req(d, "x", "unascertained"), _req(d, "anchors", "unascertained"),
                          _req(d, "weights", "unascertained"), d.get("lambda"), d.get("grade_values"),
                          d.get("grade_labels")).to_dict()),
    "weighted_sum": ("weighted sum (matrix, weights, benefit, normalization)",
                     lambda d: agg.weighted_sum(_req(d, "matrix", "weighted_sum"), _req(d, "weights", "weighted_sum"),
                                                d.get("benefit"), normalization=d.get("normalization", "minmax")
                                                ).to_dict()),
}


def run(method: str, data: Any) -> dict[str, Any]:
    """Run ``method`` on a decoded JSON object and return the JSON-ready result."""
    if method not in METHODS:
        raise EvaluationInputError(f"unknown method {method!r}; use --list to see the methods")
    if not isinstance(data, Mapping):
        raise EvaluationInputError(f"{method}: input must be a JSON object, got {type(data).__name__}")
    return METHODS[method][1](data)


def _fail(message: str) -> int:
    print("error: " + " ".join(str(message).split()), file=sys.stderr)
    return EXIT_USAGE


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status (0, or 2 for bad input or usage)."""
    args = sys.argv[1:] if argv is None else argv
    if args in (["--list"], ["-l"]):
        width = max(map(len, METHODS))
        for name, (summary, _) in METHODS.items():
            print(f"{name:<{width}}  {summary}")
        return 0
    if len(args) != 1 or args[0].startswith("-"):
        return _fail("usage: python -m eduinnov.evaluation METHOD < input.json  (or --list)")
    method = args[0]
    if method not in METHODS:
        return _fail(f"unknown method {method!r}; use --list to see the methods")
    try:
        data = json.load(sys.stdin)
    except json.JSONDecodeError as exc:
        return _fail(f"invalid JSON on stdin: {exc}")
    try:
        result = run(method, data)
    except ValueError as exc:  # EvaluationInputError and numeric conversion errors
        return _fail(str(exc))
    except (TypeError, KeyError) as exc:
        return _fail(f"{method}: malformed input ({exc})")
    json.dump(result, sys.stdout, ensure_ascii=False, allow_nan=False)
    sys.stdout.write("\n")
    return 0
