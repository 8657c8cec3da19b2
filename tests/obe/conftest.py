"""OBE fixtures: a framework with one requirement, courses with objectives, an offering and its plan."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from eduinnov.extensions import db
from eduinnov.frameworks.models import (
    Course,
    CourseObjective,
    CourseSupport,
    FrameworkStatus,
    GraduationRequirement,
    IndicatorPoint,
    ObjectiveIndicatorLink,
)
from eduinnov.obe import services
from eduinnov.obe.models import AssessmentType, CourseOffering
from tests.factories import make_cohort, make_framework, make_student


def make_obe_plan(program, teacher=None, *, students=3, entry_year=2021, student_prefix="2021051"):
    """A framework (GR3 with IP 3.1-3.3), course SE101 with CO1/CO2, an offering with four items."""
    fw = make_framework(program, version=f"v{entry_year}", status=FrameworkStatus.ACTIVE)
    gr = GraduationRequirement(framework=fw, number=3, title="设计/开发解决方案")
    points = [IndicatorPoint(requirement=gr, code=f"3.{i}", position=i, description=f"指标点 3.{i}")
              for i in (1, 2, 3)]
    course = Course(framework=fw, code="SE101", name_zh="软件工程导论", name_en="Introduction to SE", credits=3)
    co1 = CourseObjective(course=course, number=1, description="掌握需求分析方法")
    co2 = CourseObjective(course=course, number=2, description="能够设计软件架构")
    db.session.add_all([gr, *points, course, co1, co2])
    db.session.add_all([
        CourseSupport(course=course, indicator_point=points[1], weight=0.5),
        ObjectiveIndicatorLink(objective=co1, indicator_point=points[1]),
    ])
    cohort = make_cohort(program, entry_year)
    roster = [make_student(cohort, student_no=f"{student_prefix}{i:03d}", name=f"学生{i}")
              for i in range(1, students + 1)]
    offering = CourseOffering(course=course, cohort=cohort, term=f"{entry_year + 1}-{entry_year + 2}-1",
                              teacher=teacher)
    db.session.add(offering)
    db.session.flush()
    user = teacher
    h1 = services.add_item(offering, name="作业1", type=AssessmentType.HOMEWORK, full_marks=10,
                           objective_ids=[co1.id], user=user)
    h2 = services.add_item(offering, name="作业2", type=AssessmentType.HOMEWORK, full_marks=10,
                           objective_ids=[co1.id], user=user)
    e1 = services.add_item(offering, name="题1", type=AssessmentType.EXAM, full_marks=25,
                           objective_ids=[co1.id], user=user)
    e2 = services.add_item(offering, name="题2", type=AssessmentType.EXAM, full_marks=15,
                           objective_ids=[co1.id, co2.id], user=user)
    services.set_type_weights(offering, {co1.id: {AssessmentType.HOMEWORK: 0.3, AssessmentType.EXAM: 0.7}},
                              user=user)
    db.session.commit()
    return SimpleNamespace(framework=fw, requirement=gr, points=points, course=course, co1=co1, co2=co2,
                           cohort=cohort, students=roster, offering=offering, items=[h1, h2, e1, e2])


@pytest.fixture
def plan(program, teacher):
    return make_obe_plan(program, teacher)
