"""Competition ranks and the pure health checks (hand-worked values)."""

from __future__ import annotations

import numpy as np
import pytest

from eduinnov.evaluation import competition_rank
from eduinnov.evaluation import health as hc


def test_competition_ranks_share_ties_and_skip():
    assert competition_rank([0.9, 0.8, 0.8, 0.7]).tolist() == [1, 2, 2, 4]
    assert competition_rank([0.7, 0.8, 0.9, 0.8]).tolist() == [4, 2, 1, 2]
    # float noise is a tie; the calculator's first-appearance rule would split these
    assert competition_rank([0.75, 0.7500000000000001, 0.5]).tolist() == [1, 1, 3]
    assert competition_rank([0.639] * 9 + [0.5]).tolist() == [1] * 9 + [10]
    # 1e-9 relative: 1 vs 1 + 2e-9 differ; neighbours in the sorted order are compared (the engine's
    # rule, shared with the calculator's rank), so a run of sub-tolerance steps is one tie group
    assert competition_rank([1.0, 1.0 + 2e-9]).tolist() == [2, 1]
    chain = 1.0 - np.arange(5) * 0.6e-9
    assert competition_rank(chain).tolist() == [1, 1, 1, 1, 1]
    assert competition_rank([0.0, -0.0, 0.0]).tolist() == [1, 1, 1]
    assert competition_rank([]).tolist() == []


def test_information_checks():
    values = {"a": [0, 0, 0, 0, 0], "b": [3, 3, 3, 3, 3], "c": [0, 0, 0, 0, 1], "d": [1, 2, 0, 0, 5]}
    free = hc.information_free_leaves(values)
    assert free == [{"code": "a", "value": 0.0}, {"code": "b", "value": 3.0}]
    # c has 4 zeros of 5 = 80 %: not MORE than 80 %; with one more unit at zero it is
    assert hc.mostly_zero_leaves(values) == []
    assert hc.mostly_zero_leaves({"c": [0, 0, 0, 0, 0, 1]}) == [{"code": "c", "zero_share": 5 / 6}]
    assert hc.flat_nodes({"G": [0.5, 0.5], "B": [0.1, 0.2], "X": None}, ["G", "B", "X"]) == ["G"]
    assert hc.information_free_check(free, 0.3, [], [], "G", 5).status == "warn"
    assert hc.information_free_check(free, 0.5, [], [], "G", 5).status == "fail"
    assert hc.information_free_check([], 0.0, [], ["G"], "G", 5).status == "fail"
    assert hc.information_free_check([], 0.0, [], [], "G", 5).status == "pass"
    assert hc.information_free_check(free, 1.0, [], ["G"], "G", 1).status == "info"


def test_grade_distribution_check():
    assert hc.grade_distribution_check([0, 0, 57]).status == "fail"
    c = hc.grade_distribution_check([1, 0, 0, 4])  # 4 of 5 = 80 %: fails (at least 80 %)
    assert c.status == "fail" and c.data["grade_index"] == 4 and c.data["share"] == pytest.approx(0.8)
    assert hc.grade_distribution_check([2, 0, 0, 3]).status == "pass"
    assert hc.grade_distribution_check([0, 2]).status == "info"  # two units: too few


def test_reach_check_bands_and_membership():
    mins = [0.85, 0.7, 0.55, 0.0]
    assert hc.reach_check(0.0, 1.0, [4, 1], mins, "band").status == "pass"
    top = hc.reach_check(0.0, 0.8, [4, 2], mins, "band")
    assert top.status == "fail" and top.data["unreachable"] == [1]
    bottom = hc.reach_check(0.6, 1.0, [3, 1], mins, "band")  # nothing achieved still scores 0.6
    assert bottom.status == "warn" and bottom.data["unreachable"] == [4]
    # a band touched exactly at its lower bound is reachable; one ended exactly at the lowest score is not
    assert hc.reach_check(0.7, 0.85, [2, 1], mins, "band").data["unreachable"] == [3, 4]
    member = hc.reach_check(0.55, 0.95, [5, 4, 2], [0.9, 0.8, 0.7, 0.6, 0.0], "max_membership")
    assert member.status == "fail" and member.data["unreachable"] == [1, 3]
    assert hc.reach_check(None, None, None, mins, "band").status == "info"


def test_grade_rule_and_stability_checks():
    mins = [0.9, 0.8, 0.7, 0.6, 0.0]
    # the case: 0.727 graded "needs improvement" by maximum membership, band says Medium
    c = hc.grade_rule_check("max_membership", [0.727, 0.55], [5, 5], mins)
    assert c.status == "info" and c.data["differ"] == 1 and c.data["differ_index"] == [0]
    assert hc.grade_rule_check("band", [0.727], [3], mins).status == "pass"
    s = hc.stability_check([1.0, 0.95, 0.5, 0.2], [1.0, 1.0, 0.5, 0.5], 100, 0.15)
    assert s.data["keep_grade"] == 0.5 and s.data["keep_band"] == 0.75 and s.status == "info"
    assert "50%" in s.reason and "75%" in s.reason
    assert hc.stability_check([0.1, 0.2], [1, 1], 100, 0.15).status == "warn"


def test_health_report_fails_on_any_failed_check():
    ok = hc.Check("a", "pass", "fine")
    bad = hc.Check("b", "fail", "broken")
    assert hc.health_report([ok, hc.Check("c", "warn", "hm")])["passed"] is True
    report = hc.health_report([ok, bad])
    assert report["passed"] is False and report["reasons"] == ["broken"]


def test_health_and_ranking_modules_are_pure():
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    code = ("import sys; import eduinnov.evaluation.health; "
            "print(sorted(m for m in ('flask', 'sqlalchemy') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
