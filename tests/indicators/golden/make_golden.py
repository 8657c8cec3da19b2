"""Record every built-in template run on the demo cohorts, with sensitivity, as a golden file.

Run once from a checkout (``.venv/bin/python -m tests.indicators.golden.make_golden``): it seeds the demo
data into a scratch SQLite database, evaluates every template on every target it fits and writes
``demo_runs.json`` beside this file: per case the validated spec, the raw leaf values (the input), the
outcome, the sensitivity report and SHA-256 digests of the Monte Carlo score/grade arrays.
``test_golden.py`` checks the current code against it bit for bit, and against the file recorded before
the engine moved (``demo_runs_before.json.gz``) up to the documented rounding-level changes.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
import os
import tempfile
from pathlib import Path

import numpy as np

#: The golden file of the current code (``demo_runs_before.json.gz`` was recorded, by the same script, from
#: the code before issue #14 moved the hierarchy into the engine and issue #9 §5 changed ties and AHP).
OUT = Path(__file__).with_name("demo_runs.json.gz")

#: Variants of the student templates that exercise the methods the templates do not use.
VARIANTS = {
    "topsis": {"aggregation": ("weighted_sum", "topsis")},
    "entropy": {"weighting": ("expert", "entropy"), "aggregation": ("gra", "topsis")},
    "critic": {"weighting": ("ahp", "critic")},
    "geometric": {"weighting": ("ahp", "ahp_geometric")},
    "max_min": {"operator": ("M(*,+)", "M(^,v)")},
    "max_prod": {"operator": ("M(*,+)", "M(*,v)")},
    "bounded": {"operator": ("M(*,+)", "M(^,+)")},
    "minmax": {"scaling": ("target", "minmax"), "aggregation": ("weighted_sum", "pca")},
    "combined": {"weighting": ("ahp", "combined")},
}


def variant(spec: dict, change: dict) -> dict:
    """A copy of a raw spec with the given (old, new) replacements on every node."""
    import copy

    out = copy.deepcopy(spec)

    def visit(node: dict) -> None:
        if node.get("children"):
            for key in ("weighting", "aggregation"):
                if key in change and node.get(key, "weighted_sum" if key == "aggregation" else "equal") == change[key][0]:
                    node[key] = change[key][1]
                    if change[key][1] == "pca":
                        node["aggregation_params"] = {"retention": "cumulative", "threshold": 0.8}
                    if change[key][1] == "combined":
                        node["weighting_params"] = {"objective": "entropy", "method": "linear", "alpha": 0.6}
            params = node.get("aggregation_params") or {}
            if "operator" in change and node.get("aggregation") == "fuzzy":
                if params.get("operator", "M(*,+)") == change["operator"][0]:
                    node["aggregation_params"] = {**params, "operator": change["operator"][1]}
            for c in node["children"]:
                visit(c)
        elif "scaling" in change and (node.get("scaling") or {}).get("method") == change["scaling"][0]:
            node["scaling"] = {"method": change["scaling"][1]}

    visit(out["tree"])
    return out


def digest(a: np.ndarray) -> str:
    """SHA-256 of an array's dtype, shape and bytes (C order)."""
    a = np.ascontiguousarray(a)
    return hashlib.sha256(f"{a.dtype.str}{a.shape}".encode() + a.tobytes()).hexdigest()


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="eduinnov-golden-"))
    os.environ["EDUINNOV_INSTANCE_DIR"] = str(tmp / "instance")
    os.environ["EDUINNOV_UPLOAD_DIR"] = str(tmp / "uploads")
    os.environ["EDUINNOV_TEST_DATABASE_URL"] = f"sqlite:///{tmp / 'golden.sqlite3'}"
    from sqlalchemy import select

    from eduinnov import create_app
    from eduinnov.config import TestConfig
    from eduinnov.extensions import db
    from eduinnov.indicators.models import EvaluationUnit
    from eduinnov.indicators.services.compute import ComputeError, evaluate_spec, sensitivity, simulate
    from eduinnov.indicators.services.runs import Target, list_objects, load_leaf_values
    from eduinnov.indicators.spec import validate_spec
    from eduinnov.indicators.yaml_io import list_templates
    from eduinnov.programs.models import Cohort, Program
    from eduinnov.seed.loader import load_demo

    app = create_app(TestConfig())
    cases = []
    with app.app_context():
        db.create_all()
        load_demo()
        db.session.commit()
        programs = db.session.scalars(select(Program).order_by(Program.code)).all()
        cohorts = db.session.scalars(select(Cohort).order_by(Cohort.program_id, Cohort.entry_year)).all()
        jobs = [(tpl.key, tpl.spec, None) for tpl in list_templates()]
        jobs += [(f"{tpl.key}+{name}", variant(tpl.spec, change), (2022, 2023))
                 for tpl in list_templates() if tpl.unit == "student" for name, change in VARIANTS.items()]
        for key, raw_spec, years in jobs:
            try:
                spec = validate_spec(raw_spec)
            except ValueError as exc:
                print(key, "invalid variant:", exc)
                continue
            unit = EvaluationUnit(spec["unit"])
            if unit == EvaluationUnit.STUDENT:
                targets = [(f"cohort {c.program.code} {c.entry_year}", Target(cohort=c)) for c in cohorts
                           if years is None or c.entry_year in years]
            elif unit == EvaluationUnit.PROGRAM:
                targets = [("all programs", Target())]
            else:
                targets = [(f"program {p.code}", Target(program=p)) for p in programs]
            for label, target in targets:
                ids = [i for i, _l in list_objects(unit, target)]
                if not ids:
                    continue
                raw = load_leaf_values(spec, ids)
                case = {"template": key, "target": label, "spec": spec, "ids": ids,
                        "raw": {c: [None if np.isnan(v) else float(v) for v in raw[c]] for c in raw.columns}}
                try:
                    outcome = evaluate_spec(spec, raw)
                except ComputeError as exc:
                    case["error"] = str(exc)
                    cases.append(case)
                    continue
                case["outcome"] = dataclasses.asdict(outcome)
                for seed, draws, spread in ((1, 500, 0.15), (20240601, 60, 0.3)):
                    rep = sensitivity(spec, raw, outcome, draws=draws, spread=spread, seed=seed)
                    scores, grades, used, _f = simulate(spec, raw, outcome, draws=draws, spread=spread, seed=seed)
                    case.setdefault("sensitivity", []).append({
                        "draws": draws, "spread": spread, "seed": seed, "report": rep,
                        "scores_sha256": digest(scores), "grades_sha256": digest(np.asarray(grades, dtype=np.int64)),
                        "weights_sha256": {k: digest(v) for k, v in sorted(used.items())}})
                cases.append(case)
                print(key, label, len(ids), "objects")
    text = json.dumps({"cases": cases}, ensure_ascii=False, sort_keys=True, allow_nan=False) + "\n"
    OUT.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
    print(f"{len(cases)} cases -> {OUT}")


if __name__ == "__main__":
    main()
