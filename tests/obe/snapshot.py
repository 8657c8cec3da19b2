"""Every OBE figure of a database as plain JSON, keyed by codes (never by row ids).

Used to record the outputs of the implementation before the stored-results rewrite
(``tests/obe/data/demo_baseline.json``, recorded on ``flask seed demo`` with
``python -m tests.obe.snapshot OUT.json``) and to check the new implementation gives the same numbers.
"""

from __future__ import annotations

import json
import math
import sys
from typing import Any

from sqlalchemy import select

from eduinnov.extensions import db
from eduinnov.obe.models import CourseOffering
from eduinnov.programs.models import Cohort, Program


def _n(value: Any) -> Any:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def _reports():
    """The report functions (their module moved with the rewrite)."""
    try:
        from eduinnov.obe import reports as mod  # the new home
    except ImportError:  # pragma: no cover - the implementation before the rewrite
        from eduinnov.obe import services as mod
    return mod


def cohort_snapshot(cohort: Cohort) -> dict[str, Any]:
    """Requirement, point, course-cell and per-student figures of one cohort under both rules."""
    mod = _reports()
    report = mod.cohort_report(cohort, direct_weight=0.6)
    if report.framework is None:
        return {"framework": None}
    codes = {r.requirement.id: f"GR{r.requirement.number}" for r in report.requirements}
    students = {s.id: s.student_no for s in cohort.students}
    out: dict[str, Any] = {"framework": report.framework.version, "threshold": report.threshold,
                           "rule": report.rule.value, "requirements": {}, "students": {},
                           "courses_without_scores": [c.code for c in report.courses_without_scores]}
    for r in report.requirements:
        out["requirements"][codes[r.requirement.id]] = {
            "weighted_sum": _n(r.weighted_sum), "minimum": _n(r.minimum),
            "achieved_weighted_sum": r.achieved_weighted_sum, "achieved_minimum": r.achieved_minimum,
            "rule_changes_verdict": r.rule_changes_verdict,
            "share_weighted_sum": _n(r.share_weighted_sum), "share_minimum": _n(r.share_minimum),
            "indirect": _n(r.indirect), "combined": _n(r.combined),
            "points": {
                p.point.code: {
                    "weighted_sum": _n(p.weighted_sum), "minimum": _n(p.minimum),
                    "achieved_weighted_sum": p.achieved_weighted_sum, "achieved_minimum": p.achieved_minimum,
                    "indirect": {k: _n(v) for k, v in sorted(p.indirect.items())}, "combined": _n(p.combined),
                    "courses": {
                        c.course.code: {"weight": _n(c.weight), "normalised_weight": _n(c.normalised_weight),
                                        "value": _n(c.value), "linked": c.linked,
                                        "objectives": {f"CO{o.number}": _n(v) for o, v in c.objectives},
                                        "offerings": sorted(f"{o.term}/{o.class_name}" for o in c.offerings)}
                        for c in p.courses
                    },
                }
                for p in r.points
            },
        }
    for rule, frame in sorted(report.student_values.items()):
        for sid, row in frame.iterrows():
            target = out["students"].setdefault(students[sid], {})
            target[rule] = {codes[rid]: _n(v) for rid, v in row.items() if rid in codes}
    return out


def offering_snapshot(offering: CourseOffering) -> dict[str, Any]:
    """Class values, shares, histograms and per-student objective values of one offering."""
    mod = _reports()
    report = mod.offering_report(offering)
    numbers = {o.id: f"CO{o.number}" for o in report.objectives}
    return {
        "class_values": {numbers[k]: _n(v) for k, v in report.class_values.items()},
        "shares": {numbers[k]: _n(v) for k, v in report.shares.items()},
        "histograms": {numbers[k]: v for k, v in report.histograms.items()},
        "per_student": {s.student_no: {numbers[k]: _n(v) for k, v in values.items()}
                        for s, values in report.per_student},
        "plan_problems": [str(p) for p in report.plan_problems],
        "compute_error": report.compute_error,
        "n_students": report.n_students,
    }


def student_snapshot(student) -> dict[str, Any]:
    """One student's requirement values (both rules) and objective values per offering."""
    mod = _reports()
    report = mod.student_report(student)
    return {
        "requirements": {f"GR{r.number}": [_n(a), _n(b)] for r, a, b in report.requirements},
        "offerings": {f"{o.course.code}/{o.term}/{o.class_name}": {f"CO{co.number}": _n(v) for co, v in values}
                      for o, values in report.offerings},
    }


def snapshot() -> dict[str, Any]:
    """Every cohort, offering and (a sample of) student figures in the database."""
    out: dict[str, Any] = {"cohorts": {}, "offerings": {}, "students": {}}
    cohorts = db.session.scalars(select(Cohort).join(Cohort.program).order_by(Program.code, Cohort.entry_year))
    for cohort in cohorts:
        key = f"{cohort.program.code}/{cohort.entry_year}"
        out["cohorts"][key] = cohort_snapshot(cohort)
        for student in sorted(cohort.students, key=lambda s: s.student_no)[:5]:
            out["students"][f"{key}/{student.student_no}"] = student_snapshot(student)
    for offering in db.session.scalars(select(CourseOffering)):
        key = (f"{offering.cohort.program.code}/{offering.cohort.entry_year}/{offering.course.code}/"
               f"{offering.term}/{offering.class_name}")
        out["offerings"][key] = offering_snapshot(offering)
    return out


def main(path: str) -> None:  # pragma: no cover - run by hand to record a baseline
    import os
    import tempfile

    folder = tempfile.mkdtemp(prefix="obe-snapshot-")
    os.environ["EDUINNOV_INSTANCE_DIR"] = folder
    os.environ["EDUINNOV_DATABASE_URL"] = f"sqlite:///{folder}/demo.sqlite3"
    from eduinnov import create_app

    app = create_app()
    with app.app_context():
        db.create_all()
    result = app.test_cli_runner().invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    with app.app_context(), app.test_request_context():
        data = snapshot()
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=1, sort_keys=True)
    print(f"{len(data['cohorts'])} cohorts, {len(data['offerings'])} offerings, {len(data['students'])} students")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1])
