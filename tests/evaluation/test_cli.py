"""The JSON calculator ``python -m eduinnov.evaluation`` run as a subprocess."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}


def calc(*args, stdin=""):
    return subprocess.run([sys.executable, "-m", "eduinnov.evaluation", *args], input=stdin, capture_output=True,
                          text=True, env=ENV, cwd=ROOT, timeout=60)


M = [[70, 3, 12], [85, 5, 9], [60, 8, 15], [90, 2, 10]]

VALID = {
    "ahp": ({"matrix": [[1, 3, 5], ["1/3", 1, 3], ["1/5", "1/3", 1]], "mode": "eigen"},
            ["weights", "lambda_max", "CI", "RI", "CR", "consistent"]),
    "ahm": ({"matrix": [[1, 3], ["1/3", 1]], "beta": 2}, ["mu", "weights"]),
    "entropy": ({"matrix": M, "benefit": [True, True, False]},
                ["normalized", "p", "e", "d", "weights", "scores", "rank"]),
    "cv": ({"matrix": M}, ["mean", "std_population", "std_sample", "cv_population", "cv_sample", "weights",
                           "weights_from_sample_std"]),
    "critic": ({"matrix": M, "benefit": [True, True, False]},
               ["normalized", "std_sample", "std_population", "corr", "conflict", "information", "weights"]),
    "topsis": ({"matrix": M, "weights": [0.5, 0.3, 0.2], "benefit": [True, True, False]},
               ["normalized", "weighted", "ideal", "anti_ideal", "d_plus", "d_minus", "closeness", "rank"]),
    "gra": ({"matrix": M, "benefit": [True, True, False], "rho": 0.5, "normalization": "minmax"},
            ["normalized", "reference", "delta", "delta_min", "delta_max", "coefficients", "grade", "rank"]),
    "fuzzy": ({"kind": "single", "weights": [0.3, 0.5, 0.2], "R": [[0.5, 0.3, 0.2], [0.2, 0.6, 0.2], [0.1, 0.3, 0.6]],
               "operator": "M(*,+)", "grade_values": [90, 75, 60], "grade_labels": ["good", "fair", "poor"]},
              ["B", "B_normalized", "max_membership_grade", "max_membership_label", "score"]),
    "coupling": ({"U": [[0.4, 0.9], [0.5, 0.5]]}, ["C", "T", "D", "grade_index", "grade_label"]),
    "location_quotient": ({"matrix": [[10, 30], [20, 40]]}, ["LQ"]),
    "pca": ({"matrix": M, "retention": "cumulative", "threshold": 0.85},
            ["mean", "std_sample", "corr", "eigenvalues", "variance_share", "cumulative_share", "n_components",
             "eigenvectors", "loadings", "component_scores", "component_weights", "composite", "rank",
             "composite_total_share"]),
    "unascertained": ({"x": [85, 3, 0.5], "anchors": [[90, 80, 70, 60], [1, 2, 4, 8], [0.9, 0.7, 0.5, 0.3]],
                       "weights": [0.5, 0.3, 0.2], "lambda": 0.6, "grade_values": [95, 85, 75, 65],
                       "grade_labels": ["A", "B", "C", "D"]},
                      ["single_measures", "measure", "cumulative", "grade", "grade_label", "score"]),
    "weighted_sum": ({"matrix": M, "weights": [0.5, 0.3, 0.2], "benefit": [True, True, False]}, ["scores", "rank"]),
    "combine": ({"subjective": [0.5, 0.5], "objective": [0.2, 0.8], "method": "linear", "alpha": 0.5}, ["weights"]),
}


@pytest.mark.parametrize("method", sorted(VALID))
def test_valid_call_prints_domain_keys(method):
    payload, keys = VALID[method]
    proc = calc(method, stdin=json.dumps(payload))
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert set(keys) <= set(out)
    assert "NaN" not in proc.stdout


def test_cli_values_and_one_based_indices():
    out = json.loads(calc("topsis", stdin=json.dumps(VALID["topsis"][0])).stdout)
    assert sorted(out["rank"]) == [1, 2, 3, 4]
    gra = json.loads(calc("gra", stdin=json.dumps({"matrix": [[1, 4], [2, 2], [3, 3]], "benefit": [True, False]})).stdout)
    assert gra["rank"] == [3, 1, 2]
    coup = json.loads(calc("coupling", stdin=json.dumps({"U": [[0.25, 0.25]]})).stdout)  # C = 1, T = 0.25, D = 0.5
    assert coup["grade_index"] == [6] and coup["grade_label"] == ["barely coordinated"]
    fz = json.loads(calc("fuzzy", stdin=json.dumps({"kind": "two_level", "top_weights": [1.0],
                                                    "groups": [{"weights": [1.0], "R": [[0.2, 0.8]]}]})).stdout)
    assert fz["max_membership_grade"] == 2 and fz["first_level_max_membership_grade"] == [2]


def test_constant_column_gives_null_free_json():
    proc = calc("critic", stdin=json.dumps({"matrix": [[1, 5, 2], [2, 5, 1], [3, 5, 4]]}))
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["constant_columns"] == [2] and out["corr"][1] == [0.0, 0.0, 0.0]


@pytest.mark.parametrize(("args", "stdin", "needle"), [
    (["topsis"], '{"matrix": [[1, 2], [3, 4]', "invalid JSON"),
    (["topsis"], '{"matrix": [[1, 2], [3, 4]]}', "missing input key 'weights'"),
    (["no_such_method"], "{}", "unknown method 'no_such_method'"),
    (["entropy"], "[1, 2]", "input must be a JSON object"),
    (["entropy"], '{"matrix": [[1, NaN], [2, 3]]}', "matrix contains nan at (1, 2)"),
    (["ahp"], '{"matrix": [[1, 2], [2, 1]]}', "not reciprocal"),
    (["fuzzy"], '{"kind": "three_level"}', "kind must be"),
    ([], "", "usage"),
])
def test_bad_input_exits_2_with_one_stderr_line(args, stdin, needle):
    proc = calc(*args, stdin=stdin)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0]


def test_list_names_every_method():
    proc = calc("--list")
    assert proc.returncode == 0
    names = {line.split()[0] for line in proc.stdout.splitlines()}
    assert {"ahp", "entropy", "cv", "critic", "topsis", "gra", "fuzzy", "coupling", "location_quotient", "pca",
            "ahm", "unascertained", "weighted_sum", "combine"} == names
