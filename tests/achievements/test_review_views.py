"""The review loop through the pages: a student declares with a certificate, a teacher reviews, the director
rejects and then verifies with "verify and next"; the queue, batch verification, access and bad input."""

from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from eduinnov.achievements import queries
from eduinnov.achievements.models import Achievement, AchievementKind, VerificationStatus
from eduinnov.auth.models import Role
from eduinnov.extensions import db
from eduinnov.notifications.models import Notification
from tests.factories import make_achievement, make_pdf, make_student, make_user

S = VerificationStatus
FORM = {"title": "基于大模型的代码评审", "year": "2025", "venue": "计算机工程", "indexing": "CSCD", "doi": "",
        "participants-0-student_no": "", "participants-0-role": "author", "participants-0-rank": "1"}


def declare(b, student, **extra):
    data = dict(FORM, **{"participants-0-student_no": student.student_no}, **extra)
    return b.post("/achievements/new/publication", data, token_from="/achievements/new/publication")


def test_new_form_preselects_no_level_or_indexing(login_as, teacher):
    html = login_as(teacher).get("/achievements/new/publication").get_data(as_text=True)
    indexing = re.search(r'<select[^>]*name="indexing".*?</select>', html, re.S).group(0)
    assert "selected" not in indexing and '<option value="">' in indexing
    html = login_as(teacher).get("/achievements/new/project").get_data(as_text=True)
    level = re.search(r'<select[^>]*name="level".*?</select>', html, re.S).group(0)
    assert "selected" not in level and '<option value="">' in level


def test_form_left_at_its_defaults_is_refused(login_as, teacher, student):
    b = login_as(teacher)
    data = dict(FORM, indexing="", **{"participants-0-student_no": student.student_no})
    response = b.post("/achievements/new/publication", data, token_from="/achievements/new/publication")
    assert response.status_code == 200 and "Choose one of the listed values" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Achievement.id))) == 0


def test_student_declares_uploads_and_submits(login_as, student_user, student, teacher):
    b = login_as(student_user)
    response = declare(b, student, supervisor_id=str(teacher.id))
    assert response.status_code == 302
    a = db.session.scalars(select(Achievement)).one()
    assert a.verification_status == S.DRAFT and a.declared_by_student and a.created_by_id == student_user.id
    url = f"/achievements/{a.id}"
    response = b.post(f"{url}/evidence", {"file": (io.BytesIO(make_pdf()), "录用证明.pdf")}, token_from=url,
                      content_type="multipart/form-data")
    assert response.status_code == 302
    assert b.post(f"{url}/submit", token_from=url).status_code == 302
    a = db.session.get(Achievement, a.id)
    assert a.verification_status == S.SUBMITTED and len(a.evidence_files) == 1
    # the student now waits: no edit, no second submit, no verify
    assert b.get(f"{url}/edit").status_code == 403
    assert b.post(f"{url}/verify", {"note": "x"}, token_from=url).status_code == 403
    assert b.post(f"{url}/review", token_from=url).status_code == 403
    assert db.session.get(Achievement, a.id).verification_status == S.SUBMITTED


def test_student_declaring_for_a_classmate_gets_a_message_and_nothing_is_saved(login_as, student_user, cohort):
    classmate = make_student(cohort, name="同班同学")
    response = declare(login_as(student_user), classmate)
    assert response.status_code == 200
    assert "name yourself among the students" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Achievement.id))) == 0


def test_student_cannot_edit_a_verified_item(login_as, student_user, student, program, director):
    a = make_achievement(program, [student], created_by_id=student_user.id, declared_by_student=True,
                         verification_status=S.VERIFIED, verified_by_id=director.id,
                         verified_at=db.func.now())
    b = login_as(student_user)
    url = f"/achievements/{a.id}"
    assert b.get(f"{url}/edit").status_code == 403
    assert b.post(f"{url}/edit", dict(FORM, title="改"), token_from=url).status_code == 403
    assert b.post(f"{url}/submit", token_from=url).status_code == 403
    assert db.session.get(Achievement, a.id).verification_status == S.VERIFIED


def test_teacher_reviews_then_director_rejects_then_verifies_with_history(login_as, student_user, student, teacher,
                                                                          director):
    b = login_as(student_user)
    declare(b, student, supervisor_id=str(teacher.id))
    a = db.session.scalars(select(Achievement)).one()
    url = f"/achievements/{a.id}"
    b.post(f"{url}/evidence", {"file": (io.BytesIO(make_pdf()), "证书.pdf")}, token_from=url,
           content_type="multipart/form-data")
    b.post(f"{url}/submit", token_from=url)

    t = login_as(teacher)
    assert a.title in t.get("/achievements/review").get_data(as_text=True)
    assert t.post(f"{url}/verify", {"note": "x"}, token_from=url).status_code == 403  # a teacher verifying
    assert t.post(f"{url}/review", token_from=url).status_code == 302
    assert db.session.get(Achievement, a.id).verification_status == S.REVIEWED

    d = login_as(director)
    response = d.post(f"{url}/reject", {"reason": ""}, token_from=url)
    assert response.status_code == 200 and "Give the reason" in response.get_data(as_text=True)
    assert d.post(f"{url}/reject", {"reason": "DOI 与论文不符"}, token_from=url).status_code == 302
    html = b.get("/notifications/").get_data(as_text=True)
    assert "DOI 与论文不符" in html and "rejected" in html
    assert b.post(f"{url}/edit", dict(FORM, title="基于大模型的代码评审方法", supervisor_id=str(teacher.id),
                                      **{"participants-0-student_no": student.student_no}),
                  token_from=f"{url}/edit").status_code == 302
    b.post(f"{url}/submit", token_from=url)
    t.post(f"{url}/review", token_from=url)
    response = d.post(f"{url}/verify", {"next": "1"}, token_from=url)
    assert response.status_code == 302 and response.headers["Location"].endswith("/achievements/pending")
    a = db.session.get(Achievement, a.id)
    assert a.verification_status == S.VERIFIED and a.title == "基于大模型的代码评审方法"
    page = d.get(url).get_data(as_text=True)
    for who in (student_user.name, teacher.name, director.name):
        assert who in page
    assert "DOI 与论文不符" in page and "Evidence added" in page


def test_verify_and_next_goes_to_the_oldest_remaining_item(login_as, director, program, student, teacher):
    items = [make_achievement(program, [student], created_by_id=teacher.id, title=f"待认定 {i}") for i in range(3)]
    d = login_as(director)
    url = f"/achievements/{items[0].id}"
    response = d.post(f"{url}/verify", {"next": "1", "note": "原件已核对"}, token_from=url)
    assert response.status_code == 302
    assert f"/achievements/{items[1].id}" in response.headers["Location"]


def test_verify_without_evidence_asks_for_a_reason_and_changes_nothing(login_as, director, achievement):
    url = f"/achievements/{achievement.id}"
    response = login_as(director).post(f"{url}/verify", token_from=url)
    assert response.status_code == 200 and "has no evidence file" in response.get_data(as_text=True)
    assert db.session.get(Achievement, achievement.id).verification_status == S.SUBMITTED


def test_queue_shows_evidence_age_and_declarer_and_filters(login_as, director, program, student, teacher):
    make_achievement(program, [student], created_by_id=teacher.id, title="没有证明的项目")
    d = login_as(director)
    html = d.get("/achievements/pending").get_data(as_text=True)
    assert "没有证明的项目" in html and teacher.name in html and "0 days" in html
    assert "没有证明的项目" not in d.get("/achievements/pending?evidence=with").get_data(as_text=True)
    assert "没有证明的项目" in d.get("/achievements/pending?evidence=without").get_data(as_text=True)


def test_batch_verify_one_confirmation_all_or_nothing(login_as, director, program, student, teacher):
    a1 = make_achievement(program, [student], created_by_id=teacher.id, title="一")
    a2 = make_achievement(program, [student], created_by_id=teacher.id, title="二")
    d = login_as(director)
    response = d.post("/achievements/pending/verify", {"ids": [str(a1.id), str(a2.id)]},
                      token_from="/achievements/pending")
    assert response.status_code == 302
    assert {db.session.get(Achievement, i).verification_status for i in (a1.id, a2.id)} == {S.SUBMITTED}
    assert "no evidence file" in d.get("/achievements/pending").get_data(as_text=True)
    d.post("/achievements/pending/verify", {"ids": [str(a1.id), str(a2.id)], "note": "学院存档原件"},
           token_from="/achievements/pending")
    assert {db.session.get(Achievement, i).verification_status for i in (a1.id, a2.id)} == {S.VERIFIED}


def test_batch_verify_refuses_teachers_and_other_programs(login_as, director, teacher, achievement,
                                                          other_achievement):
    response = login_as(teacher).post("/achievements/pending/verify", {"ids": [str(achievement.id)], "note": "x"},
                                      token_from="/achievements/")
    assert response.status_code == 403
    response = login_as(director).post("/achievements/pending/verify",
                                       {"ids": [str(achievement.id), str(other_achievement.id)], "note": "x"},
                                       token_from="/achievements/pending")
    assert response.status_code == 404
    assert db.session.get(Achievement, achievement.id).verification_status == S.SUBMITTED


def test_list_filters_used_by_the_home_page(login_as, teacher, program, student, director):
    mine = make_achievement(program, [student], created_by_id=teacher.id, title="我的被退回",
                            verification_status=S.REJECTED, verified_by_id=director.id,
                            verified_at=db.func.now(), verification_note="缺少证明")
    make_achievement(program, [student], created_by_id=director.id, title="别人的被退回",
                     verification_status=S.REJECTED, verified_by_id=director.id, verified_at=db.func.now(),
                     verification_note="x")
    html = login_as(teacher).get("/achievements/?status=rejected&mine=y").get_data(as_text=True)
    assert mine.title in html and "别人的被退回" not in html
    pending = login_as(teacher).get("/achievements/?status=pending").get_data(as_text=True)
    assert mine.title not in pending


def test_director_turns_the_evidence_rule_off(login_as, director, teacher, program):
    url = f"/achievements/programs/{program.id}/evidence-setting"
    assert login_as(teacher).post(url, {}, token_from="/achievements/").status_code == 403
    assert login_as(director).post(url, {}, token_from="/achievements/pending").status_code == 302
    assert db.session.get(type(program), program.id).evidence_required is False


def test_notices_are_listed_counted_and_marked_read(login_as, student_user, student, teacher, director):
    b = login_as(student_user)
    declare(b, student, supervisor_id=str(teacher.id))
    a = db.session.scalars(select(Achievement)).one()
    b.post(f"/achievements/{a.id}/submit", token_from=f"/achievements/{a.id}")
    t = login_as(teacher)
    home = t.get("/").get_data(as_text=True)
    assert re.search(r'id="unread-count">1<', home)
    notice = db.session.scalars(select(Notification).where(Notification.user_id == teacher.id)).one()
    other = login_as(director)
    assert other.post(f"/notifications/{notice.id}/read", token_from="/notifications/").status_code == 404
    assert t.post(f"/notifications/{notice.id}/read", {"open": "1"}, token_from="/notifications/").headers[
        "Location"].endswith(f"/achievements/{a.id}")
    assert db.session.get(Notification, notice.id).read_at is not None
    assert 'id="unread-count"' not in t.get("/").get_data(as_text=True)
    assert t.get(f"/notifications/{notice.id}/read").status_code == 405


def test_review_queue_lists_only_declarations_of_the_teachers_programs(login_as, other_teacher, program, student,
                                                                       student_user):
    make_achievement(program, [student], created_by_id=student_user.id, declared_by_student=True, title="学生申报")
    assert "学生申报" not in login_as(other_teacher).get("/achievements/review").get_data(as_text=True)
    assert queries.count_review_queue(other_teacher) == 0


def test_admin_sees_every_queue(login_as, program, student, teacher):
    admin = make_user(Role.ADMIN)
    make_achievement(program, [student], created_by_id=teacher.id, title="管理员可见", kind=AchievementKind.PROJECT)
    assert "管理员可见" in login_as(admin).get("/achievements/pending").get_data(as_text=True)


def _pdf_upload(data: bytes | None = None):
    from werkzeug.datastructures import FileStorage
    return FileStorage(io.BytesIO(data or make_pdf()), filename="证书.pdf")


def test_queue_names_possible_duplicates_and_filters_on_them(login_as, director, program, student, teacher):
    from eduinnov.achievements import services
    pub = AchievementKind.PUBLICATION
    first = make_achievement(program, [student], kind=pub, created_by_id=teacher.id, title="深度学习在教育评价中的应用",
                             doi="10.1234/EDU.1", verification_status=S.VERIFIED,
                             verified_by_id=director.id, verified_at=func.now())
    by_doi = make_achievement(program, [student], kind=pub, created_by_id=teacher.id, title="另一个题目",
                              doi="https://doi.org/10.1234/edu.1")
    by_title = make_achievement(program, [student], kind=pub, created_by_id=teacher.id,
                                title="深度学习在教育评价中的应用。")
    lone = make_achievement(program, [student], created_by_id=teacher.id, title="独一无二的项目")
    services.add_evidence(teacher, lone, _pdf_upload())
    same_file = make_achievement(program, [student], created_by_id=teacher.id, title="完全不同的课题")
    services.add_evidence(teacher, same_file, _pdf_upload(), allow_duplicate=True)
    db.session.commit()
    d = login_as(director)
    html = d.get("/achievements/pending").get_data(as_text=True)
    rows = {m.group(1): m.group(0) for m in re.finditer(r'name="ids" value="(\d+)".*?</tr>', html, re.S)}
    assert len(rows) == 4
    # each look-alike is named with a link to it
    assert f'/achievements/{first.id}"' in rows[str(by_doi.id)] and "same DOI" in rows[str(by_doi.id)]
    assert f'/achievements/{first.id}"' in rows[str(by_title.id)] and "near-identical title" in rows[str(by_title.id)]
    assert f'/achievements/{same_file.id}"' in rows[str(lone.id)] and "same evidence file" in rows[str(lone.id)]
    assert f'/achievements/{lone.id}"' in rows[str(same_file.id)]
    # the filter keeps the items with a possible duplicate
    unique = make_achievement(program, [student], created_by_id=teacher.id, title="没有相似项的项目")
    only = d.get("/achievements/pending?duplicates=y").get_data(as_text=True)
    assert sorted(re.findall(r'name="ids" value="(\d+)"', only)) == sorted(
        str(a.id) for a in (by_doi, by_title, lone, same_file))
    assert f'value="{unique.id}"' not in only
    assert "checked" in re.search(r'<input[^>]*name="duplicates"[^>]*>', only).group(0)
    assert f'value="{unique.id}"' in d.get("/achievements/pending").get_data(as_text=True)


def test_queue_looks_up_duplicates_in_one_batch_not_per_row(app, login_as, director, program, student, teacher):
    from sqlalchemy import event

    from eduinnov.achievements import services

    def queries_for_page():
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731 (statement)
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert login_as(director).get("/achievements/pending").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return [s for s in seen if "evidence_files" in s or "achievements.doi" in s]

    def add(n):
        for i in range(n):
            a = make_achievement(program, [student], created_by_id=teacher.id, title=f"课题 {len(str(i))} 第{i}号")
            services.add_evidence(teacher, a, _pdf_upload(make_pdf() + f"%{a.id}".encode()))
        db.session.commit()

    add(2)
    few = queries_for_page()
    add(6)
    assert len(queries_for_page()) == len(few)
