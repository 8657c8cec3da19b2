"""Security fixtures: two programs, each holding one object of every kind a route can name by id.

``build_world(program)`` fills a program with a cohort, students, a framework (requirements, points,
courses, objectives, modules), partners with all their items, supervisions, achievements with evidence,
an OBE offering with its plan and a survey and improvement record, an evaluation model with a run, a
manual rating, a SWOT record, a finished report job and a notice for the director. Tests then attack program B as members of A.
"""

from __future__ import annotations

import secrets
from datetime import date
from types import SimpleNamespace

import pytest
from flask_babel import force_locale

from eduinnov.achievements import evidence as evidence_files
from eduinnov.achievements.models import (
    AchievementClaim,
    AchievementKind,
    EvidenceFile,
    ParticipantRole,
    PatentTransfer,
    PatentType,
    TransferKind,
)
from eduinnov.auth.models import Role
from eduinnov.extensions import db
from eduinnov.frameworks.models import (
    Agreement,
    JointSupervisor,
    Participation,
    ParticipationKind,
    PartnerKind,
    PartnerOrganisation,
    PracticeBase,
    Supervision,
    SupervisorRole,
)
from eduinnov.indicators import services as indicator_services
from eduinnov.indicators.models import ManualScore, SwotRecord
from eduinnov.jobs.models import JobState, ReportJob
from eduinnov.jobs.services import reports_dir
from eduinnov.notifications.models import NoticeEvent, Notification
from eduinnov.obe import services as obe_services
from eduinnov.obe.models import AssessmentType, CourseOffering, ImprovementRecord, SurveyResult, SurveySource
from tests.factories import (
    make_achievement,
    make_cohort,
    make_obe_framework,
    make_program,
    make_school,
    make_student,
    make_user,
)

SPEC = {
    "name": "Student model",
    "unit": "student",
    "grade_scale": [
        {"name_zh": "好", "name_en": "Good", "min": 0.5, "max": 1.0, "value": 0.75},
        {"name_zh": "差", "name_en": "Poor", "min": 0.0, "max": 0.5, "value": 0.25},
    ],
    "tree": {
        "code": "G", "name_zh": "创新能力", "weighting": "equal",
        "children": [
            # absolute targets: the world's only achievement is claimed, so both leaves are 0 for everyone,
            # and relative (min-max) leaves would leave nothing to evaluate
            {"code": "L1", "name_zh": "项目", "metric": "projects", "scaling": {"method": "target", "target": 1}},
            {"code": "L2", "name_zh": "获奖", "metric": "awards_weighted",
             "scaling": {"method": "target", "target": 4}},
        ],
    },
}


def build_world(program, tag: str) -> SimpleNamespace:
    """One object of every routed kind inside ``program`` (``tag`` keeps numbers and names unique)."""
    director = make_user(Role.DIRECTOR, [program], email=f"director-{tag}@test.edu")
    teacher = make_user(Role.TEACHER, [program], email=f"teacher-{tag}@test.edu")
    # A dean of the program's school: a member of no program, reads all of this one.
    dean = make_user(Role.TEACHER, email=f"dean-{tag}@test.edu")
    school = make_school(f"S{tag.upper()}", [program], [dean])
    cohort = make_cohort(program, 2021)
    students = [make_student(cohort, student_no=f"{tag}2021{i:03d}", name=f"{tag}-student-{i}") for i in (1, 2)]
    student_user = make_user(Role.STUDENT, student=students[0], email=f"student-{tag}@test.edu")
    fw = make_obe_framework(program, version=f"{tag}-2021")
    requirement = fw.requirements[0]
    point = requirement.indicator_points[0]
    course = next(c for c in fw.courses if c.objectives)
    objective = course.objectives[0]
    module = next(m for m in fw.modules)

    partner = PartnerOrganisation(program=program, name_zh=f"{tag}公司", kind=PartnerKind.ENTERPRISE)
    agreement = Agreement(partner=partner, title=f"{tag} agreement")
    base = PracticeBase(partner=partner, name=f"{tag} base")
    joint = JointSupervisor(partner=partner, name=f"{tag} engineer")
    participation = Participation(partner=partner, student=students[0], kind=ParticipationKind.PLACEMENT,
                                  title=f"{tag} placement")
    supervision = Supervision(student=students[0], teacher=teacher, role=SupervisorRole.PRIMARY)
    db.session.add_all([partner, agreement, base, joint, participation, supervision])
    db.session.commit()

    achievement = make_achievement(program, students[:1], title=f"{tag} project")
    evidence = EvidenceFile(achievement=achievement, original_name="proof.pdf",
                            stored_name=f"{secrets.token_hex(16)}.pdf", mime_type="application/pdf",
                            size_bytes=10, sha256="0" * 64)
    db.session.add(evidence)
    evidence_path = evidence_files.path_of(evidence.stored_name)
    evidence_path.write_bytes(b"%PDF-1.4\n%%EOF\n")
    patent = make_achievement(program, students[:1], AchievementKind.PATENT, title=f"{tag} patent",
                              patent_type=PatentType.INVENTION)
    transfer = PatentTransfer(achievement=patent, event_date=date(2024, 5, 1), kind=TransferKind.LICENCE,
                              counterparty=f"{tag} company")
    db.session.add(transfer)

    offering = CourseOffering(course=course, cohort=cohort, term="2022-2023-1", teacher=teacher)
    db.session.add(offering)
    db.session.flush()
    item = obe_services.add_item(offering, name="作业1", type=AssessmentType.HOMEWORK, full_marks=10,
                                 objective_ids=[objective.id], user=director)
    survey = SurveyResult(cohort=cohort, indicator_point=point, source=SurveySource.GRADUATE, value=0.8)
    improvement = ImprovementRecord(framework_id=fw.id, requirement=requirement, cohort=cohort, cycle_year=2025,
                                    analysis="low", measure="more labs", responsible="someone")
    rating = ManualScore(program_id=program.id, metric_key="expert_rating", cohort_id=cohort.id, value=4.0)
    swot = SwotRecord(program_id=program.id, year=2024, strengths="s")
    db.session.add_all([survey, improvement, rating, swot])
    db.session.commit()

    with force_locale("en"):
        model = indicator_services.import_model(SPEC, program, director)
        run = indicator_services.run_evaluation(model, indicator_services.Target(cohort=cohort), director)
    db.session.commit()
    node = next(n for n in model.nodes if n.parent_id is None)

    job_id = secrets.token_hex(16)
    result = reports_dir() / f"{job_id}.pdf"
    result.parent.mkdir(parents=True, exist_ok=True)
    result.write_bytes(b"%PDF-1.4\n%%EOF\n")
    job = ReportJob(id=job_id, func_path="x:y", title="report", state=JobState.FINISHED,
                    owner_id=director.id, program_id=program.id, result_path=result.name)
    notification = Notification(user_id=director.id, event=NoticeEvent.SUBMITTED, achievement_id=achievement.id,
                                actor_id=teacher.id)
    claim = AchievementClaim(achievement=achievement, student=students[1], role=ParticipantRole.MEMBER,
                             note="I was on the team")
    db.session.add_all([job, notification, claim])
    db.session.commit()
    return SimpleNamespace(
        program=program, director=director, teacher=teacher, student_user=student_user, cohort=cohort,
        student=students[0], students=students, framework=fw, requirement=requirement, point=point,
        course=course, objective=objective, module=module, partner=partner, agreement=agreement, base=base,
        joint=joint, participation=participation, supervision=supervision, achievement=achievement,
        evidence=evidence, transfer=transfer, offering=offering, item=item, survey=survey,
        improvement=improvement, rating=rating, swot=swot, model=model, node=node, run=run, job=job,
        notification=notification, claim=claim, school=school, dean=dean,
    )


@pytest.fixture
def world_a():
    return build_world(make_program("PA", name_zh="甲专业", name_en="Program A"), "a")


@pytest.fixture
def world_b():
    return build_world(make_program("PB", name_zh="乙专业", name_en="Program B"), "b")
