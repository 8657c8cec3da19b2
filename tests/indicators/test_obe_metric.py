"""The OBE metric reads the OBE module's own cohort report (DOMAIN.md's worked example: GR 3 = 0.72 / 0.695)."""

from __future__ import annotations

import math

import pytest

from eduinnov.indicators.metrics import METRICS, MetricContext
from eduinnov.indicators.models import EvaluationUnit
from eduinnov.obe.reports import cohort_report


def obe(unit, ids, **params):
    m = METRICS["obe_achievement"]
    return m.fn(MetricContext(unit, ids), **m.check_params(params)).to_dict()


def test_cohort_value_follows_the_rule(worked):  # noqa: F811
    cid = worked["cohort"].id
    assert obe(EvaluationUnit.COHORT, [cid], rule="weighted_sum") == {cid: pytest.approx(0.72)}
    assert obe(EvaluationUnit.COHORT, [cid], rule="minimum") == {cid: pytest.approx(0.695)}
    assert obe(EvaluationUnit.COHORT, [cid], requirement=3) == {cid: pytest.approx(0.72)}  # the program's rule
    assert math.isnan(obe(EvaluationUnit.COHORT, [cid], requirement=9)[cid])


def test_student_values_come_from_the_report(worked):  # noqa: F811
    s1, s2 = worked["students"]
    report = cohort_report(worked["cohort"])
    frame = report.student_values["weighted_sum"]
    got = obe(EvaluationUnit.STUDENT, [s1.id, s2.id], rule="weighted_sum")
    assert got == {s1.id: pytest.approx(frame.loc[s1.id].min()), s2.id: pytest.approx(frame.loc[s2.id].min())}


def test_no_framework_gets_the_default(data):
    assert obe(EvaluationUnit.COHORT, [data.c22.id], default=0.5) == {data.c22.id: 0.5}
