"""Home pages per role: numbers (not link cards) of what waits for the user, each linking to its filtered list."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from werkzeug.datastructures import FileStorage

from eduinnov.achievements import services
from eduinnov.achievements.models import VerificationStatus
from eduinnov.auth.models import Role
from eduinnov.core.models import utcnow
from eduinnov.extensions import db
from eduinnov.obe import services as obe_services
from eduinnov.reports.models import JobState, ReportJob
from tests.achievements.conftest import make_pdf
from tests.factories import make_achievement, make_user
from tests.obe.conftest import make_obe_plan

S = VerificationStatus


def figure(html: str, ident: str) -> tuple[int, str]:
    """The number shown in the figure ``ident`` and the URL it links to."""
    match = re.search(r'<a class="home-figure[^"]*" href="([^"]+)" id="' + ident + r'">.*?display-6[^>]*>(\d+)<',
                      html, re.S)
    assert match, f"no figure {ident}"
    return int(match.group(2)), match.group(1).replace("&amp;", "&")


def _pdf():
    return FileStorage(io.BytesIO(make_pdf()), filename="证书.pdf")


def test_director_home_counts_the_queue_with_age_and_evidence(login_as, director, teacher, program, student,
                                                              other_program):
    make_achievement(other_program, [], title="别的专业")  # not his program: not counted
    old = make_achievement(program, [student], created_by_id=teacher.id, title="旧的",
                           submitted_at=utcnow() - timedelta(days=9))
    make_achievement(program, [student], created_by_id=teacher.id, title="新的", submitted_at=utcnow())
    services.add_evidence(teacher, old, _pdf())
    make_achievement(program, [student], created_by_id=teacher.id, title="草稿", verification_status=S.DRAFT)
    db.session.commit()
    html = login_as(director).get("/").get_data(as_text=True)
    assert figure(html, "fig-queue") == (2, "/achievements/pending")
    assert "Oldest waiting 9 days" in html
    assert figure(html, "fig-queue-with") == (1, "/achievements/pending?evidence=with")
    assert figure(html, "fig-queue-without") == (1, "/achievements/pending?evidence=without")
    # every number's link leads to a list that shows exactly that many items
    b = login_as(director)
    for ident in ("fig-queue", "fig-queue-with", "fig-queue-without"):
        count, url = figure(html, ident)
        page = b.get(url).get_data(as_text=True)
        assert page.count('name="ids"') == count, ident
    assert figure(html, "fig-health") == (0, "/evaluation/?health=failed")


def test_director_home_names_obe_requirements_below_threshold(login_as, director, teacher, program):
    plan = make_obe_plan(program, teacher, students=2)
    rows = [["学号", "作业1", "作业2", "题1", "题2"]] + [[s.student_no, 2, 2, 5, 3] for s in plan.students]
    data = ("\ufeff" + "\n".join(",".join(map(str, r)) for r in rows)).encode()
    obe_services.import_score_sheet(plan.offering, data, "成绩.csv", user=teacher)
    db.session.commit()
    html = login_as(director).get("/").get_data(as_text=True)
    card = re.search(r'id="fig-obe".*?</ul>', html, re.S).group(0)
    assert re.search(r'display-6[^>]*>1<', card)
    assert f"/obe/cohorts/{plan.cohort.id}" in card and "requirements 3" in card


def test_director_home_lists_finished_reports(login_as, director, program):
    job = ReportJob(id="a" * 32, func_path="x:y", title="培养质量报告", state=JobState.FINISHED, owner_id=director.id,
                    program_id=program.id, finished_at=utcnow())
    db.session.add(job)
    db.session.commit()
    html = login_as(director).get("/").get_data(as_text=True)
    card = re.search(r'id="fig-jobs".*?</ul>', html, re.S).group(0)
    assert "培养质量报告" in card and f"/reports/jobs/{job.id}/download" in card


def test_teacher_home_shows_rejections_with_reason_and_declarations_to_review(login_as, teacher, director, program,
                                                                               student):
    make_achievement(program, [student], created_by_id=teacher.id, title="被退回的论文",
                     verification_status=S.REJECTED, verified_by_id=director.id, verified_at=utcnow(),
                     verification_note="请补充检索证明")
    make_achievement(program, [student], created_by_id=teacher.id, title="等待中")
    student_user = make_user(Role.STUDENT, student=student)
    make_achievement(program, [student], created_by_id=student_user.id, declared_by_student=True, title="学生申报")
    html = login_as(teacher).get("/").get_data(as_text=True)
    assert figure(html, "fig-rejected") == (1, "/achievements/?status=rejected&mine=y")
    assert figure(html, "fig-waiting") == (1, "/achievements/?status=pending&mine=y")
    assert figure(html, "fig-review") == (1, "/achievements/review")
    assert "请补充检索证明" in html and "被退回的论文" in html
    listed = login_as(teacher).get("/achievements/?status=pending&mine=y").get_data(as_text=True)
    assert "等待中" in listed and "被退回的论文" not in listed and "学生申报" not in listed


def test_student_home_counts_her_items_by_state(login_as, student, program, director):
    user = make_user(Role.STUDENT, student=student)
    make_achievement(program, [student], created_by_id=user.id, declared_by_student=True, title="草稿",
                     verification_status=S.DRAFT)
    make_achievement(program, [student], title="已认定", verification_status=S.VERIFIED, verified_by_id=director.id,
                     verified_at=utcnow())
    make_achievement(program, [student], created_by_id=user.id, declared_by_student=True, title="被退回",
                     verification_status=S.REJECTED, verified_by_id=director.id, verified_at=utcnow(),
                     verification_note="证书模糊")
    html = login_as(user).get("/").get_data(as_text=True)
    assert figure(html, "fig-draft") == (1, "/achievements/?status=draft")
    assert figure(html, "fig-verified") == (1, "/achievements/?status=verified")
    assert figure(html, "fig-rejected") == (1, "/achievements/?status=rejected")
    assert figure(html, "fig-submitted")[0] == 0
    assert "证书模糊" in html and 'id="declare"' in html
    listed = login_as(user).get("/achievements/?status=verified").get_data(as_text=True)
    assert "已认定" in listed and "草稿" not in listed
