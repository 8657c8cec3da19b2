"""Factories of the frameworks domain: a small realistic OBE framework and IUR partners."""

from __future__ import annotations

import pytest

from eduinnov.extensions import db
from eduinnov.frameworks.models import (
    Course,
    CourseObjective,
    CourseSupport,
    FrameworkStatus,
    FrameworkVersion,
    GraduationRequirement,
    IndicatorPoint,
    Module,
    ModuleKind,
    ModuleLine,
    ObjectiveIndicatorLink,
    PartnerKind,
    PartnerOrganisation,
    SupportStrength,
)
from eduinnov.programs.models import Program
from tests.factories import make_framework, make_program


def make_obe_framework(program: Program | None = None, version: str = "2024",
                       status: FrameworkStatus = FrameworkStatus.DRAFT) -> FrameworkVersion:
    """A small framework: 2 requirements × 2 indicator points, 3 courses with objectives and support
    cells, and a two-level module tree ('3332'-style) holding the courses.

    Requirement 1 (Engineering knowledge): 1.1, 1.2. Requirement 3 (Design/development): 3.1, 3.2.
    Courses: MATH101 (H on 1.1, M on 1.2), SE201 (L on 1.2, H on 3.1, weight 0.5 on 3.2),
    SE301 (M on 3.2). Created as a draft, then given ``status`` (so archived ones can be built).
    """
    fw = make_framework(program or make_program(), version=version, title=f"软件工程培养方案 {version}")
    r1 = GraduationRequirement(framework=fw, number=1, title="工程知识", title_en="Engineering knowledge")
    r3 = GraduationRequirement(framework=fw, number=3, title="设计/开发解决方案",
                               title_en="Design/development of solutions")
    p11 = IndicatorPoint(requirement=r1, code="1.1", position=1, description="掌握数学与自然科学知识")
    p12 = IndicatorPoint(requirement=r1, code="1.2", position=2, description="能将专业知识用于工程问题建模")
    p31 = IndicatorPoint(requirement=r3, code="3.1", position=1, description="能设计满足需求的软件系统")
    p32 = IndicatorPoint(requirement=r3, code="3.2", position=2, description="能在设计中体现创新意识")

    stage = Module(framework=fw, name_zh="阶段式课程学习", name_en="Stage-based course learning",
                   kind=ModuleKind.COURSE_LEARNING, line=ModuleLine.IN_CLASS, credits=120, position=1)
    basics = Module(framework=fw, parent=stage, name_zh="基础阶段", name_en="Foundation stage",
                    kind=ModuleKind.COURSE_LEARNING, line=ModuleLine.IN_CLASS, credits=40, term="1-2", position=1)
    core = Module(framework=fw, parent=stage, name_zh="专业阶段", name_en="Professional stage",
                  kind=ModuleKind.COURSE_LEARNING, line=ModuleLine.IN_CLASS, credits=60, term="3-6", position=2)
    practice = Module(framework=fw, name_zh="系统化项目实践训练", name_en="Systematic project practice",
                      kind=ModuleKind.PROJECT_PRACTICE, line=ModuleLine.BOTH, credits=20, term="5-7", position=2)

    math = Course(framework=fw, module=basics, code="MATH101", name_zh="高等数学", name_en="Calculus",
                  credits=5, term=1)
    design = Course(framework=fw, module=core, code="SE201", name_zh="软件设计", name_en="Software design",
                    credits=3, term=4)
    project = Course(framework=fw, module=practice, code="SE301", name_zh="综合项目实践",
                     name_en="Capstone project", credits=4, term=6)

    o1 = CourseObjective(course=math, number=1, description="掌握微积分的基本概念与计算")
    o2 = CourseObjective(course=design, number=1, description="能运用设计模式完成模块设计")
    o3 = CourseObjective(course=project, number=1, description="能完成一个创新软件项目")
    o1.indicator_links.append(ObjectiveIndicatorLink(indicator_point=p11))
    o2.indicator_links.append(ObjectiveIndicatorLink(indicator_point=p31))
    o3.indicator_links.append(ObjectiveIndicatorLink(indicator_point=p32))

    math.supports += [CourseSupport(indicator_point=p11, strength=SupportStrength.HIGH),
                      CourseSupport(indicator_point=p12, strength=SupportStrength.MEDIUM)]
    design.supports += [CourseSupport(indicator_point=p12, strength=SupportStrength.LOW),
                        CourseSupport(indicator_point=p31, strength=SupportStrength.HIGH),
                        CourseSupport(indicator_point=p32, weight=0.5)]
    project.supports += [CourseSupport(indicator_point=p32, strength=SupportStrength.MEDIUM)]
    db.session.add_all([r1, r3, stage, practice])
    db.session.commit()
    if status != FrameworkStatus.DRAFT and fw.status != status:  # read first: the guard needs the old value
        fw.status = status
        db.session.commit()
    return fw


def make_partner(program: Program, name_zh: str = "华为技术有限公司", kind: PartnerKind = PartnerKind.ENTERPRISE,
                 **kw) -> PartnerOrganisation:
    partner = PartnerOrganisation(program=program, name_zh=name_zh, kind=kind, **kw)
    db.session.add(partner)
    db.session.commit()
    return partner


@pytest.fixture
def framework(program):
    return make_obe_framework(program)


@pytest.fixture
def partner(program):
    return make_partner(program, name_en="Huawei", city="深圳")
