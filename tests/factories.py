"""Factories shared by every test package: plain functions with defaults, exposed as fixtures (``make_x`` and
a ready ``x``), and the sample files and data sets more than one package builds on.

This is the one place for shared factories: a test module never imports another package's conftest or test
module (``tests/test_layout.py`` checks it). A factory used by one package only may stay in its conftest.
"""

from __future__ import annotations

import email
import email.policy
import io
import itertools
import socket
import struct
import zipfile
import zlib
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from eduinnov import create_app
from eduinnov.achievements.models import (
    Achievement,
    AchievementKind,
    AchievementParticipant,
    Level,
    ParticipantRole,
    VerificationStatus,
)
from eduinnov.auth.models import MembershipRole, ProgramMembership, Role, User
from eduinnov.config import TestConfig
from eduinnov.core.lifecycle import Lifecycle
from eduinnov.core.models import utcnow
from eduinnov.extensions import db
from eduinnov.frameworks.models import (
    Course,
    CourseObjective,
    CourseSupport,
    FrameworkVersion,
    GraduationRequirement,
    IndicatorPoint,
    JointSupervisor,
    Module,
    ModuleKind,
    ModuleLine,
    ObjectiveIndicatorLink,
    Participation,
    ParticipationKind,
    PartnerKind,
    PartnerOrganisation,
    Supervision,
    SupervisorRole,
    SupportStrength,
)
from eduinnov.indicators.models import EvaluationModel, EvaluationRun, EvaluationUnit
from eduinnov.obe import services as obe_services
from eduinnov.obe.models import AssessmentType, CourseOffering
from eduinnov.programs.models import Cohort, Program, Student
from eduinnov.schools.models import School, SchoolDean

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


def make_program(code: str | None = None, **kw) -> Program:
    n = next(_seq)
    program = Program(code=code or f"P{n:03d}", name_zh=kw.pop("name_zh", f"专业{n}"),
                      name_en=kw.pop("name_en", f"Program {n}"), **kw)
    db.session.add(program)
    db.session.commit()
    return program


def make_school(code: str | None = None, programs=(), deans=(), **kw) -> School:
    """A school holding ``programs`` (moved into it), with ``deans`` (users) as its deans."""
    n = next(_seq)
    school = School(code=code or f"S{n:03d}", name_zh=kw.pop("name_zh", f"学院{n}"),
                    name_en=kw.pop("name_en", f"School {n}"), **kw)
    db.session.add(school)
    for program in programs:
        program.school = school
    for user in deans:
        school.deans.append(SchoolDean(user=user))
    db.session.commit()
    return school


def make_cohort(program: Program | None = None, entry_year: int = 2022, **kw) -> Cohort:
    cohort = Cohort(program=program or make_program(), entry_year=entry_year, **kw)
    db.session.add(cohort)
    db.session.commit()
    return cohort


def make_student(cohort: Cohort | None = None, **kw) -> Student:
    n = next(_seq)
    student = Student(cohort=cohort or make_cohort(), student_no=kw.pop("student_no", f"2022{n:06d}"),
                      name=kw.pop("name", f"学生{n}"), **kw)
    db.session.add(student)
    db.session.commit()
    return student


def make_user(role: Role = Role.TEACHER, programs=(), *, email: str | None = None,
              membership: MembershipRole | None = None, student: Student | None = None, **kw) -> User:
    n = next(_seq)
    user = User(email=email or f"{role.value}{n}@test.edu", name=kw.pop("name", f"{role.value} {n}"),
                role=role, student=student, **kw)
    user.set_password(PASSWORD)
    if membership is None:
        membership = MembershipRole.DIRECTOR if role == Role.DIRECTOR else MembershipRole.TEACHER
    for program in programs:
        user.memberships.append(ProgramMembership(program=program, role=membership))
    db.session.add(user)
    db.session.commit()
    return user


def make_framework(program: Program | None = None, version: str = "2024",
                   status: Lifecycle = Lifecycle.DRAFT, **kw) -> FrameworkVersion:
    fw = FrameworkVersion(program=program or make_program(), version=version,
                          title=kw.pop("title", f"培养方案 {version}"), status=status, **kw)
    db.session.add(fw)
    db.session.commit()
    return fw


def make_achievement(program: Program | None = None, students=(), kind: AchievementKind = AchievementKind.PROJECT,
                     **kw) -> Achievement:
    program = program or make_program()
    defaults = {"title": f"成果 {next(_seq)}", "year": 2023}
    if kind in (AchievementKind.PROJECT, AchievementKind.AWARD):
        defaults["level"] = Level.UNIVERSITY
    if kind == AchievementKind.PROJECT:  # what the form requires, so a factory item can be edited as it is
        from eduinnov.achievements.models import ProjectStatus, ProjectType
        defaults["project_type"] = ProjectType.INNOVATION_TRAINING
        defaults["project_status"] = ProjectStatus.APPROVED
    if kind == AchievementKind.PATENT:
        from eduinnov.achievements.models import PatentType
        defaults["patent_type"] = PatentType.INVENTION
    defaults.update(kw)
    achievement = Achievement(program=program, kind=kind, **defaults)
    for rank, student in enumerate(students, start=1):
        achievement.participants.append(
            AchievementParticipant(student=student, rank=rank,
                                   role=ParticipantRole.LEADER if rank == 1 else ParticipantRole.MEMBER)
        )
    db.session.add(achievement)
    db.session.commit()
    return achievement


@pytest.fixture
def program():
    return make_program("SE", name_zh="软件工程", name_en="Software Engineering")


@pytest.fixture
def other_program():
    return make_program("NUR", name_zh="护理学", name_en="Nursing")


@pytest.fixture
def cohort(program):
    return make_cohort(program, 2022)


@pytest.fixture
def student(cohort):
    return make_student(cohort)


@pytest.fixture
def admin():
    return make_user(Role.ADMIN)


@pytest.fixture
def director(program):
    return make_user(Role.DIRECTOR, [program])


@pytest.fixture
def teacher(program):
    return make_user(Role.TEACHER, [program])


@pytest.fixture
def other_teacher(other_program):
    return make_user(Role.TEACHER, [other_program])


def app_for(url: str, **config):
    """An app on ``url`` (the test configuration otherwise), for migration and upgrade tests."""
    settings = TestConfig()
    settings.SQLALCHEMY_DATABASE_URI = url
    for key, value in config.items():
        setattr(settings, key, value)
    return create_app(settings)


def table_counts() -> dict[str, int]:
    """Rows per table (audit log included): equal before and after means nothing was written."""
    return {t.name: db.session.execute(select(func.count()).select_from(t)).scalar_one()
            for t in db.metadata.sorted_tables}


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8", *, bom: bool = False, sep: str = ",") -> bytes:
    text = "\r\n".join(sep.join(cell for cell in row) for row in rows) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(app, monkeypatch):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://127.0.0.1:{port}")
    monkeypatch.setitem(app.config, "MAIL_FROM", "eduinnov@school.test")
    try:
        yield inbox
    finally:
        controller.stop()


def make_obe_framework(program: Program | None = None, version: str = "2024",
                       status: Lifecycle = Lifecycle.DRAFT) -> FrameworkVersion:
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
    if status != Lifecycle.DRAFT and fw.status != status:  # read first: the guard needs the old value
        fw.status = status
        db.session.commit()
    return fw


def make_partner(program: Program, name_zh: str = "华为技术有限公司", kind: PartnerKind = PartnerKind.ENTERPRISE,
                 **kw) -> PartnerOrganisation:
    partner = PartnerOrganisation(program=program, name_zh=name_zh, kind=kind, **kw)
    db.session.add(partner)
    db.session.commit()
    return partner


def make_joint_supervisor(partner, name: str = "李工", **kw) -> JointSupervisor:
    js = JointSupervisor(partner=partner, name=name, **kw)
    db.session.add(js)
    db.session.commit()
    return js


def make_supervision(student, *, teacher=None, joint_supervisor=None, role=SupervisorRole.PRIMARY) -> Supervision:
    sup = Supervision(student=student, teacher=teacher, joint_supervisor=joint_supervisor, role=role)
    db.session.add(sup)
    db.session.commit()
    return sup


def make_participation(student, partner, title: str = "暑期实习", **kw) -> Participation:
    p = Participation(student=student, partner=partner, title=title,
                      kind=kw.pop("kind", ParticipationKind.PLACEMENT), **kw)
    db.session.add(p)
    db.session.commit()
    return p


def make_obe_plan(program, teacher=None, *, students=3, entry_year=2021, student_prefix="2021051"):
    """A framework (GR3 with IP 3.1-3.3), course SE101 with CO1/CO2, an offering with four items."""
    fw = make_framework(program, version=f"v{entry_year}", status=Lifecycle.ACTIVE)
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
    h1 = obe_services.add_item(offering, name="作业1", type=AssessmentType.HOMEWORK, full_marks=10,
                           objective_ids=[co1.id], user=user)
    h2 = obe_services.add_item(offering, name="作业2", type=AssessmentType.HOMEWORK, full_marks=10,
                           objective_ids=[co1.id], user=user)
    e1 = obe_services.add_item(offering, name="题1", type=AssessmentType.EXAM, full_marks=25,
                           objective_ids=[co1.id], user=user)
    e2 = obe_services.add_item(offering, name="题2", type=AssessmentType.EXAM, full_marks=15,
                           objective_ids=[co1.id, co2.id], user=user)
    obe_services.set_type_weights(offering, {co1.id: {AssessmentType.HOMEWORK: 0.3, AssessmentType.EXAM: 0.7}},
                              user=user)
    db.session.commit()
    return SimpleNamespace(framework=fw, requirement=gr, points=points, course=course, co1=co1, co2=co2,
                           cohort=cohort, students=roster, offering=offering, items=[h1, h2, e1, e2])


_runs = itertools.count(1)


def verified(achievement, by, status=VerificationStatus.VERIFIED, note=None):
    decider = by.id  # read before changing the row: loading it would autoflush a half-made decision
    achievement.verified_by_id = decider
    achievement.verified_at = utcnow()
    achievement.verification_note = note
    achievement.verification_status = status
    db.session.commit()
    return achievement


def make_run(cohort, students, *, created_by=None, scores=None, b1=None, health_passed=None) -> EvaluationRun:
    """A stored student run on ``cohort``: goal G with three first-level leaves B1–B3, two grade bands
    (``health_passed=False``: held back by its health check until a director reviews it)."""
    tree = {"code": "G", "name_zh": "创新能力", "name_en": "Innovation ability", "children": [
        {"code": "B1", "name_zh": "科研训练", "name_en": "Research training"},
        {"code": "B2", "name_zh": "学术成果", "name_en": "Publications"},
        {"code": "B3", "name_zh": "学科竞赛", "name_en": "Competitions"},
    ]}
    scale = [{"name_zh": "优秀", "name_en": "Excellent", "min": 0.6, "max": 1.0, "value": 90},
             {"name_zh": "待提高", "name_en": "Needs work", "min": 0.0, "max": 0.6, "value": 60}]
    model = EvaluationModel(program_id=cohort.program_id, name=f"测试模型 {next(_runs)}", unit=EvaluationUnit.STUDENT,
                            grade_scale=scale)
    db.session.add(model)
    db.session.flush()
    ids = [s.id for s in students]
    scores = list(scores or [0.8, 0.5, 0.65])[: len(ids)]
    run = EvaluationRun(
        model=model, program_id=cohort.program_id, model_name="测试模型", model_version=1,
        unit=EvaluationUnit.STUDENT, target_cohort_id=cohort.id, target_label="SE 2022",
        model_snapshot={"unit": "student", "tree": tree, "grade_scale": scale},
        inputs={"objects": [{"id": i, "label": f"学生 ({i})"} for i in ids], "values": {}},
        weights={},
        node_scores={"G": scores, "B1": list(b1 or [0.9, 0.4, 0.7])[: len(ids)], "B2": [0.7, 0.6, 0.6][: len(ids)],
                     "B3": [0.8, 0.5, 0.65][: len(ids)]},
        results=[{"id": i, "label": f"=cmd|学生 ({i})", "score": s, "grade_index": 1 if s >= 0.6 else 2,
                  "grade": "Excellent" if s >= 0.6 else "Needs work", "grade_zh": "优秀" if s >= 0.6 else "待提高",
                  "rank": r}
                 for i, s, r in zip(ids, scores, [1, 3, 2], strict=False)],
        summary={"n": len(ids), "mean": sum(scores) / len(scores), "median": 0.65, "min": 0.5, "max": 0.8,
                 "grade_counts": [2, 1], "mean_grade_index": 1, "grade_rule": "band", "warnings": []},
        fingerprint="f" * 64, created_by_id=created_by.id if created_by else None, health_passed=health_passed,
    )
    db.session.add(run)
    db.session.commit()
    return run


def simple_spec(**overrides) -> dict:
    """A student model: projects (min-max), weighted papers (min-max), weighted awards (target 4) with
    perfectly consistent AHP judgments 2 / 4 / 2 (weights 4/7, 2/7, 1/7)."""
    spec = {
        "name": "Simple student model",
        "unit": "student",
        "grade_scale": [
            {"name_zh": "优秀", "name_en": "Excellent", "min": 0.85, "max": 1.0, "value": 0.925},
            {"name_zh": "良好", "name_en": "Good", "min": 0.7, "max": 0.85, "value": 0.775},
            {"name_zh": "中等", "name_en": "Fair", "min": 0.4, "max": 0.7, "value": 0.55},
            {"name_zh": "较差", "name_en": "Poor", "min": 0.0, "max": 0.4, "value": 0.2},
        ],
        "tree": {
            "code": "G", "name_zh": "创新能力", "weighting": "ahp",
            "judgments": {"L1": {"L2": 2, "L3": 4}, "L2": {"L3": 2}},
            "children": [
                {"code": "L1", "name_zh": "项目", "metric": "projects"},
                {"code": "L2", "name_zh": "论文", "metric": "publications_weighted"},
                {"code": "L3", "name_zh": "获奖", "metric": "awards_weighted",
                 "scaling": {"method": "target", "target": 4}},
            ],
        },
    }
    spec.update(overrides)
    return spec


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def make_png() -> bytes:
    """A real 1×1 PNG image."""
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", pixels)
            + _png_chunk(b"IEND", b""))


def make_pdf(note: str = "") -> bytes:
    """A real one-page PDF with a correct cross-reference table (``note``, a PDF comment, makes its bytes differ)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    if note:
        out.write(b"%" + note.encode() + b"\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def make_docx() -> bytes:
    """A minimal Word document container (zip with [Content_Types].xml and word/)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", '<?xml version="1.0"?><document/>')
    return buf.getvalue()


def _score_csv(rows) -> bytes:
    return ("\ufeff" + "\n".join(",".join(map(str, r)) for r in rows)).encode()


@pytest.fixture
def worked(program, teacher):
    """DOMAIN.md's worked example in the database: GR 3 with IP 3.1 / 3.2 / 3.3 and five courses."""
    fw = make_framework(program, version="2021", status=Lifecycle.ACTIVE)
    gr = GraduationRequirement(framework=fw, number=3, title="设计/开发解决方案")
    ips = {c: IndicatorPoint(requirement=gr, code=c, position=i, description=c)
           for i, c in enumerate(["3.1", "3.2", "3.3"])}
    db.session.add_all([gr, *ips.values()])
    cohort = make_cohort(program, 2021)
    s1 = make_student(cohort, student_no="2021001", name="甲")
    s2 = make_student(cohort, student_no="2021002", name="乙")
    courses = {}

    def course(code, point, support, scores, plan=None):
        c = Course(framework=fw, code=code, name_zh=code, credits=2)
        co = CourseObjective(course=c, number=1, description="CO1")
        db.session.add_all([c, co, CourseSupport(course=c, indicator_point=ips[point], **support)])
        off = CourseOffering(course=c, cohort=cohort, term="2022-2023-1", teacher=teacher)
        db.session.add(off)
        db.session.flush()
        if plan is None:
            obe_services.add_item(off, name="期末", type=AssessmentType.EXAM, full_marks=100, objective_ids=[co.id],
                              user=teacher)
            header = ["学号", "期末"]
        else:
            obe_services.add_item(off, name="作业", type=AssessmentType.HOMEWORK, full_marks=20, objective_ids=[co.id],
                              user=teacher)
            obe_services.add_item(off, name="考试", type=AssessmentType.EXAM, full_marks=40, objective_ids=[co.id],
                              user=teacher)
            obe_services.set_type_weights(off, {co.id: {AssessmentType.HOMEWORK: 0.3, AssessmentType.EXAM: 0.7}},
                                      user=teacher)
            header = ["学号", "作业", "考试"]
        obe_services.import_score_sheet(off, _score_csv([header, *scores]), f"{code}.csv", user=teacher)
        courses[code] = (c, co, off)

    course("C4", "3.1", {"strength": SupportStrength.HIGH}, [["2021001", 81], ["2021002", 81]])
    # Homework full 20 mean 16, exam full 40 mean 26: 0.3·0.8 + 0.7·0.65 = 0.695.
    course("C1", "3.2", {"weight": 0.5}, [["2021001", 18, 30], ["2021002", 14, 22]], plan=True)
    course("C2", "3.2", {"weight": 0.3}, [["2021001", 78], ["2021002", 78]])
    course("C3", "3.2", {"weight": 0.2}, [["2021001", 82], ["2021002", 82]])
    course("C5", "3.3", {"strength": SupportStrength.LOW}, [["2021001", 72], ["2021002", 72]])
    db.session.commit()
    return {"framework": fw, "requirement": gr, "points": ips, "cohort": cohort, "students": (s1, s2),
            "courses": courses}
