"""Factory data for the evidence-pack tests: a small framework with OBE scores, a run, achievements, evidence."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime
from hashlib import sha256
from types import SimpleNamespace

from PIL import Image

from eduinnov.achievements.evidence import evidence_store
from eduinnov.achievements.models import AchievementKind, EvidenceFile, Level, VerificationStatus
from eduinnov.auth.models import Role
from eduinnov.extensions import db
from eduinnov.frameworks.models import (
    Module,
    ModuleKind,
    Participation,
    ParticipationKind,
    PartnerKind,
    PartnerOrganisation,
)
from eduinnov.indicators import services as indicator_services
from eduinnov.obe.models import ImprovementRecord, Score
from tests.factories import make_achievement, make_cohort, make_obe_plan, make_student, make_user, simple_spec

HOSTILE_TITLE = '<img src="http://127.0.0.1:{port}/hostile.png"><script>alert(1)</script>恶意标题'


def image_bytes(size=(60, 40), colour=(0, 114, 178), fmt="PNG") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, fmt)
    return buf.getvalue()


def add_image_evidence(achievement, user, *, name="证书.png", size=(60, 40)) -> EvidenceFile:
    """Store a real PNG file as evidence of ``achievement`` (as the upload service would)."""
    data = image_bytes(size)
    stored = f"{uuid.uuid4().hex}.png"
    evidence_store().put(io.BytesIO(data), key=stored)  # the configured store: a folder or the database
    row = EvidenceFile(achievement=achievement, original_name=name, stored_name=stored, mime_type="image/png",
                       size_bytes=len(data), sha256=sha256(data).hexdigest(), uploaded_by_id=user.id)
    db.session.add(row)
    db.session.commit()
    return row


def _verified(director) -> dict:
    return {"verification_status": VerificationStatus.VERIFIED, "verified_by_id": director.id,
            "verified_at": datetime.now(UTC)}


def make_pack_data(program, other_program, *, port: int = 9, with_run: bool = True, with_scores: bool = True):
    """Program ``program``: framework (GR3, IP 3.1-3.3, SE101), cohort 2022 with three students, modules,
    a partner with a hostile name, an improvement record; three verified achievements (one with an image,
    one with a hostile title), one claimed; ``other_program`` has a verified achievement with an image."""
    director = make_user(Role.DIRECTOR, [program], name="周主任")
    teacher = make_user(Role.TEACHER, [program])
    plan = make_obe_plan(program, teacher, students=3, entry_year=2022, student_prefix="2022051")
    fw, cohort, students = plan.framework, plan.cohort, plan.students
    top = Module(framework=fw, name_zh="阶段化课程学习", kind=ModuleKind.COURSE_LEARNING, position=1)
    child = Module(framework=fw, parent=top, name_zh="专业核心课程", kind=ModuleKind.COURSE_LEARNING, position=1)
    plan.course.module = child
    partner = PartnerOrganisation(program=program, name_zh="<b>甲科技</b>有限公司", kind=PartnerKind.ENTERPRISE,
                                  city="杭州")
    db.session.add_all([top, child, partner,
                        Participation(partner=partner, student=students[0], kind=ParticipationKind.PLACEMENT,
                                      title="实习")])
    db.session.add(ImprovementRecord(framework_version=fw, cohort=cohort, requirement=plan.requirement,
                                     cycle_year=2024, achievement_value=0.66,
                                     analysis="<script>x()</script>实验环节薄弱", measure="增加课程设计", responsible="李老师"))
    if with_scores:
        values = {0: [9, 8, 20, 12], 1: [6, 7, 15, 9], 2: [10, 10, 24, 14]}
        for i, student in enumerate(students):
            for item, value in zip(plan.items, values[i], strict=True):
                db.session.add(Score(item_id=item.id, student_id=student.id, value=value))
    db.session.commit()

    v = _verified(director)
    project = make_achievement(program, [students[0], students[1]], AchievementKind.PROJECT,
                               title="基于知识图谱的课程推荐系统", level=Level.NATIONAL, **v)
    paper = make_achievement(program, [students[1]], AchievementKind.PUBLICATION, title="Deep learning for 软件缺陷预测",
                             **v)
    hostile = make_achievement(program, [students[2]], AchievementKind.AWARD, title=HOSTILE_TITLE.format(port=port),
                               level=Level.PROVINCIAL, **v)
    claimed = make_achievement(program, [students[0]], AchievementKind.PROJECT, title="尚待认定的项目")
    image = add_image_evidence(project, teacher)

    other_cohort = make_cohort(other_program, 2022)
    other_student = make_student(other_cohort, name="外专业学生")
    other_director = make_user(Role.DIRECTOR, [other_program])
    other_achievement = make_achievement(other_program, [other_student], AchievementKind.AWARD, title="护理技能大赛一等奖",
                                         level=Level.NATIONAL, **_verified(other_director))
    other_image = add_image_evidence(other_achievement, other_director, name="外专业证书.png", size=(77, 33))

    run = None
    if with_run:
        model = indicator_services.import_model(simple_spec(), program, director)
        run = indicator_services.run_evaluation(model, indicator_services.Target(cohort=cohort), director)
        db.session.commit()
    return SimpleNamespace(program=program, other_program=other_program, director=director, teacher=teacher,
                           plan=plan, framework=fw, cohort=cohort, students=students, partner=partner,
                           project=project, paper=paper, hostile=hostile, claimed=claimed, image=image,
                           other_achievement=other_achievement, other_image=other_image,
                           other_director=other_director, other_cohort=other_cohort, run=run)
