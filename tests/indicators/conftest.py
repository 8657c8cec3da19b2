"""Hand-counted data for the indicators tests.

Program SE: cohort 2022 with s1..s4, cohort 2023 with s5 and s6 (withdrawn). Program NUR: one student.

    A1  project national     verified  s1 s2        A7  paper CSSCI        rejected  s3
    A2  project university   verified  s1           A8  patent invention   verified  s2 (granted)
    A3  project provincial   claimed   s3           A9  patent utility     verified  s4 (applied)
    A4  paper SCI            verified  s1 s5        A10 award national     verified  s3 s4
    A5  paper EI             verified  s2           A11 award university   claimed   s1
    A6  paper (no indexing)  verified  s5           A12 award provincial   verified  NUR student

IUR: partner P1 (SE): s1 placement, s1 exchange, s2 joint project; partner P2 (SE): s5 placement.
Ratings (expert_rating): cohort 2022 → 4 and 5; student s1 → 3.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from flask_babel import force_locale

from eduinnov.achievements.models import (
    AchievementKind,
    Indexing,
    Level,
    PatentStatus,
    PatentType,
    VerificationStatus,
)
from eduinnov.auth.models import Role
from eduinnov.extensions import db
from eduinnov.frameworks.models import Participation, ParticipationKind, PartnerKind, PartnerOrganisation
from eduinnov.indicators.models import ManualScore
from eduinnov.programs.models import StudentStatus
from tests.factories import make_achievement, make_cohort, make_student, make_user


@pytest.fixture(autouse=True)
def _english(app):
    """Messages asserted below are the English source texts (outside requests the default is Chinese)."""
    with force_locale("en"):
        yield


@dataclass
class Data:
    program: object
    other_program: object
    c22: object
    c23: object
    s: dict
    nur_student: object
    director: object
    p1: object
    p2: object


def _ach(program, students, kind, status, director, **kw):
    if status != VerificationStatus.SUBMITTED:
        kw.update(verified_by_id=director.id, verified_at=datetime.now(UTC))
    if status == VerificationStatus.REJECTED:
        kw["verification_note"] = "not eligible"
    return make_achievement(program, students, kind, verification_status=status, **kw)


@pytest.fixture
def data(program, other_program, director):
    c22 = make_cohort(program, 2022)
    c23 = make_cohort(program, 2023)
    s = {i: make_student(c22, student_no=f"22000{i}", name=f"s{i}") for i in range(1, 5)}
    s[5] = make_student(c23, student_no="230005", name="s5")
    s[6] = make_student(c23, student_no="230006", name="s6", status=StudentStatus.WITHDRAWN)
    nur = make_student(make_cohort(other_program, 2022), student_no="N00001", name="n1")
    V, C, R = VerificationStatus.VERIFIED, VerificationStatus.SUBMITTED, VerificationStatus.REJECTED
    P, PUB, PAT, AW = AchievementKind.PROJECT, AchievementKind.PUBLICATION, AchievementKind.PATENT, AchievementKind.AWARD
    _ach(program, [s[1], s[2]], P, V, director, level=Level.NATIONAL)
    _ach(program, [s[1]], P, V, director, level=Level.UNIVERSITY)
    _ach(program, [s[3]], P, C, director, level=Level.PROVINCIAL)
    _ach(program, [s[1], s[5]], PUB, V, director, indexing=Indexing.SCI)
    _ach(program, [s[2]], PUB, V, director, indexing=Indexing.EI)
    _ach(program, [s[5]], PUB, V, director)
    _ach(program, [s[3]], PUB, R, director, indexing=Indexing.CSSCI)
    _ach(program, [s[2]], PAT, V, director, patent_type=PatentType.INVENTION, patent_status=PatentStatus.GRANTED)
    _ach(program, [s[4]], PAT, V, director, patent_type=PatentType.UTILITY_MODEL, patent_status=PatentStatus.APPLIED)
    _ach(program, [s[3], s[4]], AW, V, director, level=Level.NATIONAL)
    _ach(program, [s[1]], AW, C, director, level=Level.UNIVERSITY)
    _ach(other_program, [nur], AW, V, make_user(Role.DIRECTOR, [other_program]), level=Level.PROVINCIAL)
    p1 = PartnerOrganisation(program=program, name_zh="甲公司", kind=PartnerKind.ENTERPRISE)
    p2 = PartnerOrganisation(program=program, name_zh="乙研究所", kind=PartnerKind.RESEARCH_INSTITUTE)
    db.session.add_all([
        p1, p2,
        Participation(partner=p1, student=s[1], kind=ParticipationKind.PLACEMENT, title="实习"),
        Participation(partner=p1, student=s[1], kind=ParticipationKind.EXCHANGE, title="交流"),
        Participation(partner=p1, student=s[2], kind=ParticipationKind.JOINT_PROJECT, title="联合项目"),
        Participation(partner=p2, student=s[5], kind=ParticipationKind.PLACEMENT, title="实习"),
        ManualScore(program_id=program.id, metric_key="expert_rating", cohort_id=c22.id, value=4.0),
        ManualScore(program_id=program.id, metric_key="expert_rating", cohort_id=c22.id, value=5.0),
        ManualScore(program_id=program.id, metric_key="expert_rating", student_id=s[1].id, value=3.0),
    ])
    db.session.commit()
    return Data(program, other_program, c22, c23, s, nur, director, p1, p2)

