"""The verification queue at university scale: a fixed, small number of statements whatever the programs,
creators, participants and evidence files on the page (issue 13 §2)."""

from __future__ import annotations

import io
import re

from werkzeug.datastructures import FileStorage

from eduinnov.achievements import services
from eduinnov.achievements.models import VerificationStatus
from eduinnov.auth.models import MembershipRole, ProgramMembership, Role
from eduinnov.extensions import db
from tests.clients import get_counting_statements
from tests.factories import make_achievement, make_cohort, make_pdf, make_program, make_student, make_user


def _upload(content: bytes) -> FileStorage:
    return FileStorage(io.BytesIO(content), filename="证明.pdf")


def _grow(k: int, director) -> None:
    """One more program directed by ``director``, with its own creator, students and evidence files."""
    program = make_program(f"Q{k:02d}")
    director.memberships.append(ProgramMembership(program=program, role=MembershipRole.DIRECTOR))
    db.session.commit()
    cohort = make_cohort(program)
    creator = make_user(Role.TEACHER, [program])
    for n in range(3):
        a = make_achievement(program, [make_student(cohort), make_student(cohort)], created_by_id=creator.id,
                             verification_status=VerificationStatus.SUBMITTED, title=f"待核{k}-{n}")
        if n == 0:
            services.add_evidence(creator, a, _upload(make_pdf() + f"%{a.id}".encode()))
    db.session.commit()


def test_queue_takes_a_fixed_small_number_of_statements(login_as, admin):
    director = make_user(Role.DIRECTOR, [make_program("Q99")])
    _grow(0, director)
    for user in (admin, director):
        _html, few = get_counting_statements(login_as(user), "/achievements/pending")
        assert few <= 12, few
    for k in range(1, 6):
        _grow(k, director)
    for user, bound in ((admin, 8), (director, 10)):
        html, many = get_counting_statements(login_as(user), "/achievements/pending")
        assert "待核5-2" in html and "待核0-0" in html
        # every row names its students and its creator, and counts its files
        row = re.search(r'name="ids" value="\d+"[^>]*aria-label="[^"]*待核3-0".*?</tr>', html, re.S).group(0)
        assert "teacher " in row and ">1</span>" in row and row.count("学生") == 2
        # the user, the programs (filter and evidence settings; each row finds its program among them), the count,
        # the rows with their creator, participants and students (one statement), evidence files, the duplicate
        # look-up (items sharing a file, title blocks with their titles; no identifiers here), the unread notices;
        # for a director, their memberships and deanships too
        assert many <= bound, (user.role, many)
