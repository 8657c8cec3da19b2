"""Extra factories of the programs domain: partners, joint supervisors, supervisions, participations."""

from __future__ import annotations

import pytest

from eduinnov.auth.models import Role
from eduinnov.extensions import db
from eduinnov.frameworks.models import (
    JointSupervisor,
    Participation,
    ParticipationKind,
    PartnerKind,
    PartnerOrganisation,
    Supervision,
    SupervisorRole,
)
from tests.factories import make_cohort, make_student, make_user


def make_partner(program, name_zh: str = "华为技术有限公司", **kw) -> PartnerOrganisation:
    partner = PartnerOrganisation(program=program, name_zh=name_zh, kind=kw.pop("kind", PartnerKind.ENTERPRISE), **kw)
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


@pytest.fixture
def other_cohort(other_program):
    return make_cohort(other_program, 2022)


@pytest.fixture
def other_student(other_cohort):
    return make_student(other_cohort, name="外专业学生")


@pytest.fixture
def student_user(student):
    return make_user(Role.STUDENT, student=student)
