"""Achievement-degree formulas against DOMAIN.md's worked example (Fan Yu, 高等工程教育研究 2023(2):80-86)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from eduinnov.obe import compute
from eduinnov.obe.compute import Rule


def _plan():
    """CO1: homework H1, H2 (full 10 each) weight 0.3; exam items E1 (25), E2 (15) weight 0.7.
    CO2: exam E2 only (pooled, no type weights)."""
    items = pd.DataFrame({"full_marks": [10.0, 10.0, 25.0, 15.0],
                          "type": ["homework", "homework", "exam", "exam"]}, index=["H1", "H2", "E1", "E2"])
    mappings = pd.DataFrame({"item": ["H1", "H2", "E1", "E2", "E2"],
                             "objective": ["CO1", "CO1", "CO1", "CO1", "CO2"],
                             "share": [np.nan] * 5})
    weights = pd.DataFrame({"objective": ["CO1", "CO1"], "type": ["homework", "exam"], "weight": [0.3, 0.7]})
    return items, mappings, weights


def test_worked_example_course_objective_is_0_695():
    # Homework full 20 with class mean 16, exam full 40 with class mean 26: 0.3·0.8 + 0.7·0.65 = 0.695.
    items, mappings, weights = _plan()
    scores = pd.DataFrame(  # two students; class means: H1+H2 = 16, E1+E2 = 26
        {"H1": [9.0, 7.0], "H2": [8.0, 8.0], "E1": [20.0, 10.0], "E2": [12.0, 10.0]}, index=["s1", "s2"])
    result = compute.course_objective_achievement(scores, items, mappings, weights)
    assert result.class_values["CO1"] == pytest.approx(0.695)
    assert compute.achieved(result.class_values["CO1"], 0.7) is False
    assert "CO1" in result.weak_objectives


def test_per_student_values_by_hand_and_missing_work_counts_zero():
    items, mappings, weights = _plan()
    scores = pd.DataFrame({"H1": [10.0, np.nan], "H2": [6.0, 4.0], "E1": [20.0, 5.0], "E2": [12.0, np.nan]},
                          index=["s1", "s2"])
    result = compute.course_objective_achievement(scores, items, mappings, weights, threshold=0.7)
    # s1: homework 16/20 = 0.8, exam 32/40 = 0.8 → 0.3·0.8 + 0.7·0.8 = 0.80; CO2: 12/15 = 0.8
    # s2: homework (0+4)/20 = 0.2, exam (5+0)/40 = 0.125 → 0.06 + 0.0875 = 0.1475; CO2: 0/15 = 0
    assert result.per_student.loc["s1", "CO1"] == pytest.approx(0.80)
    assert result.per_student.loc["s2", "CO1"] == pytest.approx(0.1475)
    assert result.per_student.loc["s1", "CO2"] == pytest.approx(0.8)
    assert result.per_student.loc["s2", "CO2"] == pytest.approx(0.0)
    # class: homework mean 10/20 = 0.5, exam mean 18.5/40 = 0.4625 → 0.15 + 0.32375 = 0.47375
    assert result.class_values["CO1"] == pytest.approx(0.47375)
    assert result.share_at_or_above["CO1"] == pytest.approx(0.5)
    assert result.share_at_or_above["CO2"] == pytest.approx(0.5)


def test_shares_of_an_item_split_between_objectives():
    items = pd.DataFrame({"full_marks": [20.0, 10.0], "type": ["exam", "exam"]}, index=["Q1", "Q2"])
    mappings = pd.DataFrame({"item": ["Q1", "Q2", "Q1"], "objective": ["CO1", "CO1", "CO2"],
                             "share": [0.5, np.nan, 0.5]})
    scores = pd.DataFrame({"Q1": [10.0], "Q2": [10.0]}, index=["s"])
    result = compute.course_objective_achievement(scores, items, mappings, pd.DataFrame(
        {"objective": ["CO1"], "type": ["exam"], "weight": [1.0]}))
    # CO1: (0.5·10 + 10) / (0.5·20 + 10) = 15/20; CO2: 5/10
    assert result.class_values["CO1"] == pytest.approx(0.75)
    assert result.class_values["CO2"] == pytest.approx(0.5)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_mean_of_per_student_values_equals_the_class_value(seed):
    rng = np.random.default_rng(seed)
    items, mappings, weights = _plan()
    full = items["full_marks"].to_numpy()
    data = rng.uniform(0, 1, size=(37, 4)) * full
    data[rng.uniform(size=data.shape) < 0.1] = np.nan  # missing work
    scores = pd.DataFrame(data, columns=items.index, index=[f"s{i}" for i in range(37)])
    result = compute.course_objective_achievement(scores, items, mappings, weights)
    assert np.allclose(result.per_student.mean().to_numpy(), result.class_values.to_numpy())


def test_plan_errors_are_refused():
    items, mappings, _ = _plan()
    bad = pd.DataFrame({"objective": ["CO1", "CO1"], "type": ["homework", "exam"], "weight": [0.3, 0.6]})
    with pytest.raises(ValueError, match="sum to 1"):
        compute.course_objective_achievement(pd.DataFrame(), items, mappings, bad)
    lab = pd.DataFrame({"objective": ["CO1", "CO1"], "type": ["lab", "exam"], "weight": [0.3, 0.7]})
    with pytest.raises(ValueError, match="no item of that type"):
        compute.course_objective_achievement(pd.DataFrame({"H1": [1.0]}), items, mappings, lab)


def _worked_support() -> pd.DataFrame:
    """GR 3: IP 3.1 (one course, 0.81), IP 3.2 (three courses 0.5/0.3/0.2: 0.695/0.78/0.82), IP 3.3 (0.72)."""
    return pd.DataFrame([
        ("GR3", "3.1", "C4", 3.0, 0.81),
        ("GR3", "3.2", "C1", 0.5, 0.695),
        ("GR3", "3.2", "C2", 0.3, 0.78),
        ("GR3", "3.2", "C3", 0.2, 0.82),
        ("GR3", "3.3", "C5", 1.0, 0.72),
    ], columns=["requirement", "point", "course", "weight", "value"])


def test_worked_example_indicator_point_under_both_rules():
    support = _worked_support()
    ip = support[support["point"] == "3.2"].set_index("course")
    assert compute.indicator_point(ip["value"], ip["weight"], Rule.WEIGHTED_SUM) == pytest.approx(0.7455)
    assert compute.indicator_point(ip["value"], ip["weight"], Rule.MINIMUM) == pytest.approx(0.695)
    # H/M/L numbers need not sum to 1: 5/3/2 normalise to the same 0.5/0.3/0.2.
    assert compute.indicator_point(ip["value"], ip["weight"] * 10, Rule.WEIGHTED_SUM) == pytest.approx(0.7455)


def test_worked_example_requirement_verdict_flips_with_the_rule():
    result = compute.cohort_achievement(_worked_support(), threshold=0.7)
    assert result.points.loc["3.2", "weighted_sum"] == pytest.approx(0.7455)
    assert result.points.loc["3.2", "minimum"] == pytest.approx(0.695)
    gr3 = result.requirements.loc["GR3"]
    assert gr3["weighted_sum"] == pytest.approx(0.72)
    assert gr3["minimum"] == pytest.approx(0.695)
    assert result.requirements.at["GR3", "achieved_weighted_sum"] is True
    assert result.requirements.at["GR3", "achieved_minimum"] is False
    assert bool(gr3["rule_changes_verdict"]) is True
    assert result.rule_sensitive == ["GR3"]
    assert compute.rule_sensitive_requirements(result.requirements, 0.7) == ["GR3"]
    # At a threshold of 0.65 both rules agree: no flag.
    assert compute.cohort_achievement(_worked_support(), threshold=0.65).rule_sensitive == []


def test_course_without_data_is_left_out_and_weights_renormalised():
    support = _worked_support()
    support.loc[support["course"] == "C3", "value"] = np.nan
    result = compute.cohort_achievement(support)
    assert result.points.loc["3.2", "weighted_sum"] == pytest.approx((0.5 * 0.695 + 0.3 * 0.78) / 0.8)
    assert result.points.loc["3.2", "n_courses_with_data"] == 2
    assert result.points.loc["3.2", "n_courses"] == 3


def test_course_value_mean_or_minimum_and_requirement_minimum():
    values = pd.Series({"CO1": 0.6, "CO2": 0.8, "CO3": 0.9})
    assert compute.course_value(values, ["CO1", "CO2"]) == pytest.approx(0.7)
    assert compute.course_value(values, ["CO1", "CO2"], compute.CourseValueRule.MINIMUM) == pytest.approx(0.6)
    assert np.isnan(compute.course_value(values, ["CO9"]))
    assert compute.requirement_value([0.81, 0.7455, 0.72]) == pytest.approx(0.72)
    assert compute.achieved(0.3 * 0.8 + 0.7 * 0.65 + 0.005, 0.7) is True  # 0.7 despite binary rounding
    assert compute.achieved(float("nan"), 0.7) is None


def test_student_requirement_values_match_the_hand_computation():
    support = _worked_support().drop(columns="value")
    course_values = pd.DataFrame([
        ("a", "3.1", "C4", 0.9), ("a", "3.2", "C1", 0.6), ("a", "3.2", "C2", 0.8), ("a", "3.2", "C3", 1.0),
        ("a", "3.3", "C5", 0.75),
        ("b", "3.1", "C4", 0.5), ("b", "3.2", "C1", 0.9), ("b", "3.3", "C5", np.nan),
    ], columns=["student", "point", "course", "value"])
    ws = compute.student_achievement(support, course_values, Rule.WEIGHTED_SUM)
    mn = compute.student_achievement(support, course_values, Rule.MINIMUM)
    # a: IP3.2 ws = 0.5·0.6 + 0.3·0.8 + 0.2·1.0 = 0.74 → GR3 = min(0.9, 0.74, 0.75) = 0.74; min rule 0.6
    assert ws.loc["a", "GR3"] == pytest.approx(0.74)
    assert mn.loc["a", "GR3"] == pytest.approx(0.6)
    # b: only C1 for 3.2 (0.9), no value for 3.3 → GR3 = min(0.5, 0.9) = 0.5
    assert ws.loc["b", "GR3"] == pytest.approx(0.5)
    assert compute.share_at_or_above(ws["GR3"], 0.7) == pytest.approx(0.5)


def test_inputs_are_not_mutated():
    support = _worked_support()
    before = support.copy()
    compute.cohort_achievement(support)
    pd.testing.assert_frame_equal(support, before)


def test_compute_does_not_import_flask():
    # eduinnov/__init__ imports flask, so load compute.py by itself, as a pure engine module.
    code = ("import importlib.util, sys; spec = importlib.util.spec_from_file_location('c', 'eduinnov/obe/compute.py');"
            " m = importlib.util.module_from_spec(spec); sys.modules['c'] = m; spec.loader.exec_module(m);"
            " assert 'flask' not in sys.modules and 'sqlalchemy' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
