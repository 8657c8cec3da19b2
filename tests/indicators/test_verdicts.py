"""Issue 9's acceptance test: nobody-did-anything never outranks, out-grades or tops a populated unit.

Under every built-in template, a cohort (or program) with students but no achievements at all is run
beside populated ones. Before the information-free leaf rule, relative scaling turned "nobody did
anything" into "everyone is the best" (the grey-relation + fuzzy template graded such a cohort Excellent).
"""

from __future__ import annotations

import numpy as np
import pytest

from eduinnov.auth.models import Role
from eduinnov.core.errors import ValidationError
from eduinnov.extensions import db
from eduinnov.indicators import reports as run_reports
from eduinnov.indicators import services
from eduinnov.indicators.yaml_io import list_templates
from tests.factories import make_cohort, make_program, make_student, make_user
from tests.indicators.test_templates import enrich

NOTHING_VARIES = "No indicator of the model varies"


@pytest.fixture
def world(data):
    """``data`` enriched with achievements, plus an SE cohort and a whole program without any achievement."""
    enrich(data, n_students=24, n_achievements=80)
    empty_cohort = make_cohort(data.program, 2025)
    for i in range(8):
        make_student(empty_cohort, student_no=f"25000{i}", name=f"e{i}")
    empty_program = make_program("EMP", name_zh="空", name_en="Empty")
    emp_cohort = make_cohort(empty_program, 2022)
    for i in range(5):
        make_student(emp_cohort, student_no=f"EMP0{i}", name=f"x{i}")
    db.session.commit()
    return data, empty_cohort, empty_program


def _grade_of_mean(run) -> int:
    return run.summary["mean_grade_index"]


@pytest.mark.parametrize("tpl", list_templates(), ids=lambda t: t.key)
def test_an_empty_cohort_never_outranks_nor_outgrades_a_populated_one(world, tpl):
    data, empty_cohort, empty_program = world
    admin = make_user(Role.ADMIN)
    institution = tpl.unit == "program"
    user = admin if institution else data.director
    model = services.import_model(tpl.spec, None if institution else data.program, user, template_key=tpl.key)
    if tpl.unit == "student":
        populated = services.run_evaluation(model, services.Target(cohort=data.c22), user)
        try:
            empty = services.run_evaluation(model, services.Target(cohort=empty_cohort), user)
        except ValidationError as exc:  # refused: nothing varies, so nothing is graded
            assert NOTHING_VARIES in str(exc)
            return
        assert all(r["grade_index"] != 1 for r in empty.results), tpl.key
        assert empty.summary["mean"] <= populated.summary["mean"] + 1e-12, tpl.key
        assert _grade_of_mean(empty) >= _grade_of_mean(populated), tpl.key
        assert empty.health_passed is False  # one grade for everybody, nothing varies
        return
    run = services.run_evaluation(model, services.Target(program=None if institution else data.program), user)
    empty_id = empty_program.id if institution else empty_cohort.id
    ranks = run_reports.display_ranks(run)
    by_id = {r["id"]: (rank, r) for rank, r in zip(ranks, run.results, strict=True)}
    empty_rank, empty_row = by_id[empty_id]
    assert empty_row["grade_index"] != 1, tpl.key
    populated = [oid for oid in by_id if oid != empty_id and _has_achievements(run, oid)]
    assert populated, tpl.key
    for oid in populated:
        rank, row = by_id[oid]
        assert empty_rank >= rank, (tpl.key, row["label"])
        assert empty_row["grade_index"] >= row["grade_index"], (tpl.key, row["label"])
        assert empty_row["score"] <= row["score"] + 1e-12, (tpl.key, row["label"])


def _has_achievements(run, oid) -> bool:
    """Whether any achievement-based leaf of the run is non-zero for this unit."""
    idx = [o["id"] for o in run.inputs["objects"]].index(oid)
    metrics = run.inputs["metrics"]
    return any(np.asarray(v)[idx] > 0 for code, v in run.inputs["values"].items()
               if metrics[code]["metric"] not in ("manual_score", "students", "partners", "joint_supervisors",
                                                  "practice_base_capacity"))
