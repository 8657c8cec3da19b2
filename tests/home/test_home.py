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
from eduinnov.jobs.models import JobState, ReportJob
from eduinnov.obe import services as obe_services
from tests.clients import counting_statements, figure
from tests.factories import make_achievement, make_obe_plan, make_pdf, make_user

S = VerificationStatus


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
    assert figure(html, "fig-health")[0] == 0  # no evaluation run is held back by its health check


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
    # the total links to the list of those cohorts, which adds up to the same number
    link = re.search(r'id="fig-obe-count" href="([^"]+)">\s*<div class="display-6[^>]*>(\d+)<', html)
    assert link.group(1) == "/obe/shortfalls"
    page = login_as(director).get(link.group(1)).get_data(as_text=True)
    assert page.count('class="obe-shortfall"') == 1 and f"/obe/cohorts/{plan.cohort.id}" in page
    assert sum(map(int, re.findall(r'class="shortfall-below">(\d+)<', page))) == int(link.group(2)) == 1
    assert 'class="obe-shortfall"' not in login_as(teacher).get(link.group(1)).get_data(as_text=True)


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


def _clear_pending_imports():
    import shutil

    from eduinnov.imports.storage import pending_dir
    shutil.rmtree(pending_dir())


def test_director_home_counts_unconfirmed_imports_and_links_to_them(login_as, director, teacher, program):
    from sqlalchemy import func, select

    from eduinnov.programs.models import Student
    from tests.factories import csv_bytes
    _clear_pending_imports()
    roster = csv_bytes([["学号", "姓名", "入学年份"], ["2022000001", "学生甲", "2022"], ["2022000002", "学生乙", "2022"]])
    upload = f"/imports/{program.id}/students"
    b = login_as(director)
    for name in ("名单一.csv", "名单二.csv"):
        assert b.post(f"{upload}/preview", {"file": (io.BytesIO(roster), name)}, token_from=upload,
                      content_type="multipart/form-data").status_code == 200
    t = login_as(teacher)  # a colleague's preview is not his
    t.post(f"{upload}/preview", {"file": (io.BytesIO(roster), "别人的.csv")}, token_from=upload,
           content_type="multipart/form-data")
    count, url = figure(b.get("/").get_data(as_text=True), "fig-imports")
    assert (count, url) == (2, "/imports/#pending-imports")
    page = b.get(url).get_data(as_text=True)
    assert page.count("pending-import\"") == count and "名单一.csv" in page and "别人的.csv" not in page
    # resume one: the preview again, with its confirm button; confirming imports and the figure goes down
    resume, left = re.findall(r'href="(/imports/\d+/students/pending/[^"]+)"', page)
    shown = b.get(resume).get_data(as_text=True)
    token = re.search(r'name="token"[^>]*value="([^"]+)"', shown).group(1)
    assert token in resume
    assert b.post(f"{upload}/confirm", {"token": token}, token_from=resume).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Student)) == 2
    assert figure(b.get("/").get_data(as_text=True), "fig-imports")[0] == 1
    assert b.get(f"{upload}/pending/{token}").status_code == 302  # confirmed: gone
    assert login_as(teacher).get(left).status_code == 302  # not the teacher's upload: nothing shown
    assert b.get(left).status_code == 200


def test_finished_reports_figure_links_to_the_jobs_it_counts(login_as, director, teacher, program):
    def job(n, state, days_ago, owner=director):
        db.session.add(ReportJob(id=f"{n:032x}", func_path="x:y", title=f"报告{n}", state=state, owner_id=owner.id,
                                 program_id=program.id, finished_at=utcnow() - timedelta(days=days_ago)))
    job(1, JobState.FINISHED, 1)
    job(2, JobState.FINISHED, 3)
    job(3, JobState.FINISHED, 30)  # too old for the figure
    job(4, JobState.FAILED, 1)
    job(5, JobState.FINISHED, 1, owner=teacher)  # someone else's
    db.session.commit()
    b = login_as(director)
    html = b.get("/").get_data(as_text=True)
    link = re.search(r'id="fig-jobs-count" href="([^"]+)">\s*<div class="display-6[^>]*>(\d+)<', html)
    count, url = int(link.group(2)), link.group(1).replace("&amp;", "&")
    assert (count, url) == (2, "/reports/jobs/?state=finished&days=14")
    page = b.get(url).get_data(as_text=True)
    assert page.count('class="report-job"') == count and "报告1" in page and "报告2" in page
    assert "报告3" not in page and "报告4" not in page and "报告5" not in page
    everything = b.get("/reports/jobs/").get_data(as_text=True)
    assert everything.count('class="report-job"') == 4 and "报告5" not in everything


def test_home_and_notifications_pages_count_the_unread_notices_once(login_as, director, program):
    from eduinnov.notifications.models import NoticeEvent, Notification

    achievement = make_achievement(program, [], title="论文A")
    db.session.add(Notification(user_id=director.id, event=NoticeEvent.SUBMITTED, achievement_id=achievement.id))
    db.session.commit()
    browser = login_as(director)
    for url in ("/", "/notifications/"):
        with counting_statements() as seen:
            html = browser.get(url).get_data(as_text=True)
        assert re.search(r'id="unread-count">1<', html), url  # the navbar still shows the count
        assert sum("count(notifications.id)" in s for s in seen) == 1, url
