"""Services against the database: the worked example end to end, plans, surveys, improvement records, CLI."""

from __future__ import annotations

import json

import pytest

from eduinnov.core.errors import ValidationError
from eduinnov.extensions import db
from eduinnov.frameworks.models import (
    AggregationRule,
    Course,
    CourseObjective,
    GraduationRequirement,
    IndicatorPoint,
)
from eduinnov.obe import reports, services
from eduinnov.obe.models import AssessmentType, CourseOffering, ImprovementStatus, SurveyResult
from tests.factories import make_cohort, make_framework


def _csv(rows):
    return ("\ufeff" + "\n".join(",".join(map(str, r)) for r in rows)).encode()


def test_worked_example_end_to_end(worked):
    report = reports.cohort_report(worked["cohort"])
    (gr3,) = report.requirements
    assert gr3.weighted_sum == pytest.approx(0.72) and gr3.minimum == pytest.approx(0.695)
    assert gr3.achieved_weighted_sum is True and gr3.achieved_minimum is False
    assert gr3.rule_changes_verdict and report.rule_sensitive == [gr3]
    ip32 = next(p for p in gr3.points if p.point.code == "3.2")
    assert ip32.weighted_sum == pytest.approx(0.7455) and ip32.minimum == pytest.approx(0.695)
    assert [round(c.normalised_weight, 3) for c in ip32.courses] == [0.5, 0.3, 0.2]
    assert ip32.courses[0].value == pytest.approx(0.695)
    # Per student: s1 IP3.2 = 0.5·0.795 + 0.3·0.78 + 0.2·0.82 = 0.7955 → GR3 0.72; s2 → 0.6955.
    assert gr3.share_weighted_sum == pytest.approx(0.5) and gr3.share_minimum == pytest.approx(0.5)
    s1, s2 = worked["students"]
    student = reports.student_report(s2)
    assert student.requirements[0][1] == pytest.approx(0.6955)
    assert student.requirements[0][2] == pytest.approx(0.595)


def test_cli_prints_both_rules_and_the_flag(app, worked):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["obe", "compute", "--cohort", str(worked["cohort"].id)])
    assert result.exit_code == 0, result.output
    assert "0.7200" in result.output and "0.6950" in result.output and "RULE CHANGES VERDICT" in result.output
    result = runner.invoke(args=["obe", "compute", "--cohort", str(worked["cohort"].id), "--json"])
    data = json.loads(result.output)
    gr = data["requirements"][0]
    assert gr["weighted_sum"] == pytest.approx(0.72) and gr["minimum"] == pytest.approx(0.695)
    assert gr["rule_changes_verdict"] is True and data["threshold"] == 0.7
    ip = next(p for p in gr["indicator_points"] if p["code"] == "3.2")
    assert ip["weighted_sum"] == pytest.approx(0.7455)
    missing = runner.invoke(args=["obe", "compute", "--cohort", "999999"])
    assert missing.exit_code != 0 and "no cohort" in missing.output


def test_the_program_rule_and_threshold_come_from_the_framework(worked):
    worked["framework"].aggregation_rule = AggregationRule.MINIMUM
    worked["framework"].threshold = 0.65
    db.session.commit()
    report = reports.cohort_report(worked["cohort"])
    assert report.rule == AggregationRule.MINIMUM and report.threshold == 0.65
    assert report.requirements[0].achieved_minimum is True and not report.requirements[0].rule_changes_verdict


def test_type_weights_must_sum_to_one_and_match_mapped_types(plan, teacher):
    with pytest.raises(ValidationError, match="add up to 0.9"):
        services.set_type_weights(plan.offering, {plan.co1.id: {AssessmentType.HOMEWORK: 0.3,
                                                                AssessmentType.EXAM: 0.6}}, user=teacher)
    with pytest.raises(ValidationError, match="no lab item"):
        services.set_type_weights(plan.offering, {plan.co2.id: {AssessmentType.LAB: 1.0}}, user=teacher)
    db.session.rollback()
    weights = {(w.objective_id, w.type) for w in db.session.get(CourseOffering, plan.offering.id).type_weights}
    assert weights == {(plan.co1.id, AssessmentType.HOMEWORK), (plan.co1.id, AssessmentType.EXAM)}


def test_item_validation(plan, teacher):
    with pytest.raises(ValidationError, match="already exists"):
        services.add_item(plan.offering, name="作业1 ", type=AssessmentType.HOMEWORK, full_marks=10,
                          objective_ids=[plan.co1.id], user=teacher)
    with pytest.raises(ValidationError, match="above 0"):
        services.add_item(plan.offering, name="x", type=AssessmentType.HOMEWORK, full_marks=0,
                          objective_ids=[plan.co1.id], user=teacher)
    other = CourseObjective(course=Course(framework=plan.framework, code="X9", name_zh="X"), number=1,
                            description="x")
    db.session.add(other)
    db.session.flush()
    with pytest.raises(ValidationError, match="objectives of this course"):
        services.add_item(plan.offering, name="x", type=AssessmentType.HOMEWORK, full_marks=5,
                          objective_ids=[other.id], user=teacher)


def test_full_marks_cannot_drop_below_a_recorded_score(plan, teacher):
    services.import_score_sheet(plan.offering, _csv([["学号", "作业1", "作业2", "题1", "题2"],
                                                     ["2021051001", 9, 1, 1, 1]]), "a.csv", user=teacher)
    db.session.commit()
    item = plan.items[0]
    with pytest.raises(ValidationError, match="up to 9"):
        services.update_item(item, name=item.name, type=item.type, full_marks=8, objective_ids=[plan.co1.id],
                             user=teacher)


def test_offering_course_and_cohort_must_share_the_program(plan, other_program, teacher):
    foreign = make_cohort(other_program, 2021)
    with pytest.raises(ValidationError, match="different programs"):
        services.create_offering(plan.course, foreign, "2022-2023-1", user=teacher)
    with pytest.raises(ValidationError, match="already offered"):
        services.create_offering(plan.course, plan.cohort, plan.offering.term, user=teacher)


def test_survey_import_all_or_nothing_and_replace(plan, director):
    good = _csv([["指标点", "来源", "达成度", "人数", "年份"], ["3.2", "毕业生", "0.82", "40", "2025"],
                 ["3.2", "employer", "0.78", "12", "2025"]])
    assert services.import_surveys(plan.cohort, good, user=director) == 2
    db.session.commit()
    bad = _csv([["indicator_point", "source", "value"], ["3.2", "self", "0.9"], ["9.9", "self", "0.5"],
                ["3.1", "self", "4.2"]])
    with pytest.raises(ValidationError) as info:
        services.import_surveys(plan.cohort, bad, user=director)
    message = str(info.value)
    assert "Row 3, column indicator_point: no indicator point 9.9" in message
    assert "Row 4, column value: 4.2 is outside 0..1" in message
    db.session.rollback()
    assert db.session.query(SurveyResult).count() == 2
    services.import_surveys(plan.cohort, _csv([["指标点", "来源", "达成度"], ["3.2", "毕业生", "0.9"]]),
                            user=director)
    db.session.commit()
    values = {(s.source.value, s.value) for s in db.session.query(SurveyResult)}
    assert values == {("graduate", 0.9), ("employer", 0.78)}
    report = reports.cohort_report(plan.cohort, direct_weight=0.8)
    ip = report.requirements[0].points[1]
    assert ip.indirect == {"graduate": 0.9, "employer": 0.78}


def test_improvement_records_history_and_targets(plan, director, other_program):
    record = services.create_improvement(plan.requirement, user=director, cycle_year=2024,
                                         analysis="需求分析题得分低", measure="增加案例教学", responsible="王老师",
                                         point=plan.points[1], objective=plan.co1, cohort=plan.cohort,
                                         achievement_value=0.64)
    services.create_improvement(plan.requirement, user=director, cycle_year=2025, analysis="a", measure="m",
                                responsible="r", status=ImprovementStatus.VERIFIED, next_cycle_result="0.74")
    db.session.commit()
    from eduinnov.obe import queries
    history = queries.list_improvements_of_requirement(plan.requirement)
    assert [r.cycle_year for r in history] == [2025, 2024]
    assert record.program_id == plan.requirement.program_id and record.target_label == "SE101 CO1"
    with pytest.raises(ValidationError, match="another program"):
        services.create_improvement(plan.requirement, user=director, cycle_year=2024, analysis="a", measure="m",
                                    responsible="r", cohort=make_cohort(other_program, 2020))
    foreign_gr = GraduationRequirement(framework=make_framework(other_program), number=1, title="x")
    foreign_ip = IndicatorPoint(requirement=foreign_gr, code="1.1", description="x")
    db.session.add_all([foreign_gr, foreign_ip])
    db.session.flush()
    with pytest.raises(ValidationError, match="another program"):
        services.create_improvement(plan.requirement, user=director, cycle_year=2024, analysis="a", measure="m",
                                    responsible="r", point=foreign_ip)
