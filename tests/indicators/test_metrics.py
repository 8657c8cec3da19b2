"""Each metric against the hand-counted data of conftest.py (claimed and rejected records excluded)."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import event

from eduinnov.extensions import db
from eduinnov.indicators.metrics import METRICS, MetricContext, MetricParamError
from eduinnov.indicators.models import EvaluationUnit

S, C, P, R = EvaluationUnit.STUDENT, EvaluationUnit.COHORT, EvaluationUnit.PROGRAM, EvaluationUnit.PARTNER


def value(unit, ids, metric_key, *, include_unverified=False, **params):
    ctx = MetricContext(unit, ids, include_unverified=include_unverified)
    m = METRICS[metric_key]
    return m.fn(ctx, **m.check_params(params)).to_dict()


def students(data, *nums):
    return [data.s[n].id for n in nums]


def test_projects_counts_only_verified(data):
    assert value(C, [data.c22.id, data.c23.id], "projects") == {data.c22.id: 2, data.c23.id: 0}
    assert value(C, [data.c22.id], "projects", include_unverified=True) == {data.c22.id: 3}
    assert value(C, [data.c22.id], "projects", levels=["national"]) == {data.c22.id: 1}
    s = students(data, 1, 2, 3, 4)
    assert value(S, s, "projects") == dict(zip(s, [2, 1, 0, 0], strict=True))
    assert value(P, [data.program.id, data.other_program.id], "projects") == {data.program.id: 2,
                                                                             data.other_program.id: 0}


def test_projects_per_100_uses_non_withdrawn_students(data):
    # 2022: 2 projects / 4 students; 2023: s6 is withdrawn, so 1 student and no project
    assert value(C, [data.c22.id, data.c23.id], "projects_per_100") == {data.c22.id: 50.0, data.c23.id: 0.0}
    assert value(C, [data.c22.id], "projects", per_100=True) == {data.c22.id: 50.0}


def test_share_of_students_with_an_achievement(data):
    got = value(C, [data.c22.id, data.c23.id], "students_with_achievement_share", kinds=["project"])
    assert got == {data.c22.id: 0.5, data.c23.id: 0.0}  # s1, s2 of 4 (s3's project is only claimed)
    got = value(C, [data.c22.id, data.c23.id], "students_with_achievement_share")
    assert got == {data.c22.id: 1.0, data.c23.id: 1.0}


def test_publications_weighted_by_indexing(data):
    # 2022: SCI (s1) 5 + EI (s2) 3; the CSSCI paper is rejected. 2023: SCI (s5) 5 + unindexed 1
    assert value(C, [data.c22.id, data.c23.id], "publications_weighted") == {data.c22.id: 8.0, data.c23.id: 6.0}
    assert value(C, [data.c22.id, data.c23.id], "publications_weighted",
                 weights={"SCI": 10}) == {data.c22.id: 10.0, data.c23.id: 10.0}
    s = students(data, 1, 2, 3, 5)
    assert value(S, s, "publications_weighted") == dict(zip(s, [5.0, 3.0, 0.0, 6.0], strict=True))
    assert value(C, [data.c22.id], "publications", indexing=["SCI", "EI"]) == {data.c22.id: 2}
    assert value(C, [data.c23.id], "publications", indexing=["OTHER"]) == {data.c23.id: 1}


def test_patents_applied_and_granted(data):
    assert value(C, [data.c22.id], "patents") == {data.c22.id: 2}
    assert value(C, [data.c22.id], "patents", status="granted") == {data.c22.id: 1}
    assert value(C, [data.c22.id], "patents", status="granted", types=["utility_model"]) == {data.c22.id: 0}
    assert value(C, [data.c22.id], "patents", types=["utility_model"]) == {data.c22.id: 1}


def test_awards_weighted_by_level_count_shared_awards_once(data):
    # the national award names s3 and s4 of the same cohort: it counts once (4); the claimed one not at all
    assert value(C, [data.c22.id], "awards_weighted") == {data.c22.id: 4.0}
    s = students(data, 1, 3, 4)
    assert value(S, s, "awards_weighted") == dict(zip(s, [0.0, 4.0, 4.0], strict=True))
    assert value(P, [data.program.id, data.other_program.id], "awards_weighted") == {
        data.program.id: 4.0, data.other_program.id: 2.0}
    assert value(C, [data.c22.id], "awards", levels=["national"]) == {data.c22.id: 1}


def test_student_achievements_by_kind(data):
    s = students(data, 1, 2, 3, 4)
    assert value(S, s, "achievements") == dict(zip(s, [3, 3, 1, 2], strict=True))
    assert value(S, s, "achievements", include_unverified=True) == dict(zip(s, [4, 3, 2, 2], strict=True))
    assert value(S, s, "achievements", kinds=["patent"]) == dict(zip(s, [0, 1, 0, 1], strict=True))
    assert value(S, s, "achievements", kinds=["project"], levels=["national"]) == dict(zip(s, [1, 1, 0, 0],
                                                                                          strict=True))


def test_iur_participation(data):
    assert value(C, [data.c22.id, data.c23.id], "iur_participation_rate") == {data.c22.id: 0.5, data.c23.id: 1.0}
    s = students(data, 1, 2, 3)
    assert value(S, s, "iur_participations") == dict(zip(s, [2, 1, 0], strict=True))
    assert value(R, [data.p1.id, data.p2.id], "iur_participations") == {data.p1.id: 3, data.p2.id: 1}
    assert value(R, [data.p1.id, data.p2.id], "students") == {data.p1.id: 2, data.p2.id: 1}
    # achievements of the students who took part with each partner: P1 has s1 and s2
    assert value(R, [data.p1.id, data.p2.id], "achievements") == {data.p1.id: 5, data.p2.id: 2}
    assert value(C, [data.c22.id], "partners") == {data.c22.id: 2}


def test_manual_scores_mean_and_default(data):
    got = value(C, [data.c22.id, data.c23.id], "manual_score")
    assert got[data.c22.id] == 4.5 and math.isnan(got[data.c23.id])
    assert value(C, [data.c23.id], "manual_score", default=3) == {data.c23.id: 3.0}
    assert value(S, [data.s[1].id], "manual_score") == {data.s[1].id: 3.0}
    assert value(C, [data.c22.id], "manual_score", key="other_key", default=0) == {data.c22.id: 0.0}


def test_bad_parameters_name_the_parameter(data):
    with pytest.raises(MetricParamError, match="levels"):
        value(C, [data.c22.id], "projects", levels=["galactic"])
    with pytest.raises(MetricParamError, match="unknown parameter 'colour'"):
        METRICS["projects"].check_params({"colour": "red"})
    with pytest.raises(MetricParamError, match="status"):
        value(C, [data.c22.id], "patents", status="pending")


def test_each_metric_is_one_query(data):
    ids, cohorts = students(data, 1, 2, 3, 4), [data.c22.id, data.c23.id]
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        value(S, ids, "publications_weighted")
        value(C, cohorts, "awards")
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 2
