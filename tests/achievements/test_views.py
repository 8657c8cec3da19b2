"""Pages: routing, access (including cross-program ids and students), forms, verification, CSRF."""

from __future__ import annotations

import io

import pytest

from eduinnov.achievements.models import Achievement, AchievementKind, EvidenceFile, VerificationStatus
from eduinnov.auth.models import Role
from eduinnov.extensions import db
from tests.clients import heading
from tests.factories import make_achievement, make_pdf, make_student, make_user


def _evidence(achievement) -> EvidenceFile:
    row = EvidenceFile(achievement_id=achievement.id, original_name="a.pdf", stored_name="0" * 32 + ".pdf",
                       mime_type="application/pdf", size_bytes=1, sha256="0" * 64)
    db.session.add(row)
    db.session.commit()
    return row


def publication_form(student, **overrides) -> dict:
    data = {
        "title": "面向工程教育认证的达成度评价", "year": "2024", "description": "", "supervisor_id": "",
        "venue": "高等工程教育研究", "doi": "10.1234/ABC", "indexing": "CSSCI",
        "participants-0-student_no": student.student_no, "participants-0-role": "author",
        "participants-0-rank": "1", "participants-0-is_corresponding": "y",
        "participants-1-student_no": "", "participants-1-role": "author", "participants-1-rank": "2",
    }
    data.update(overrides)
    return data


# --- list and detail ---

def test_list_shows_the_teachers_programs_only(login_as, teacher, achievement, other_achievement):
    html = login_as(teacher).get("/achievements/").get_data(as_text=True)
    assert achievement.title in html
    assert other_achievement.title not in html


def test_list_filters_and_search(login_as, teacher, program, student, achievement):
    make_achievement(program, [student], AchievementKind.PUBLICATION, title="论文甲", doi="10.1000/abc", year=2021)
    b = login_as(teacher)
    html = b.get("/achievements/?kind=publication").get_data(as_text=True)
    assert "论文甲" in html and achievement.title not in html
    html = b.get("/achievements/?q=10.1000").get_data(as_text=True)
    assert "论文甲" in html and achievement.title not in html
    html = b.get("/achievements/?year_from=2022&year_to=2030&status=claimed").get_data(as_text=True)
    assert "论文甲" not in html and achievement.title in html
    # Bad filter values are ignored, never a 500.
    assert b.get("/achievements/?year_from=abc&program=xyz&kind=zzz&page=-3").status_code == 200


def test_student_sees_only_achievements_naming_them(login_as, student_user, cohort, program, achievement):
    other = make_achievement(program, [make_student(cohort)], title="别人的成果")
    b = login_as(student_user)
    html = b.get("/achievements/").get_data(as_text=True)
    assert achievement.title in html and "别人的成果" not in html
    assert b.get(f"/achievements/{achievement.id}").status_code == 200
    assert b.get(f"/achievements/{other.id}").status_code == 404
    assert b.get(f"/achievements/{achievement.id}/edit").status_code == 403
    assert b.get("/achievements/new").status_code == 200  # she may declare her own
    assert b.get("/achievements/pending").status_code == 403
    assert b.get("/achievements/review").status_code == 403


def test_detail_shows_history_and_rejection_reason(login_as, teacher, director, achievement):
    d = login_as(director)
    url = f"/achievements/{achievement.id}"
    assert d.post(f"{url}/reject", {"reason": "缺少结题证明"}, token_from=url).status_code == 302
    html = login_as(teacher).get(url).get_data(as_text=True)
    assert "缺少结题证明" in html
    assert director.name in html  # who decided, and in the history


# --- access by id across programs ---

CROSS = [
    ("GET", "/achievements/{a}"), ("GET", "/achievements/{a}/edit"), ("POST", "/achievements/{a}/edit"),
    ("POST", "/achievements/{a}/delete"), ("POST", "/achievements/{a}/verify"), ("POST", "/achievements/{a}/reject"),
    ("POST", "/achievements/{a}/reopen"), ("POST", "/achievements/{a}/evidence"),
    ("GET", "/achievements/evidence/{f}"), ("POST", "/achievements/evidence/{f}/delete"),
]


@pytest.mark.parametrize("who", ["teacher", "director", "student_user", "other_teacher_of_nursing"])
def test_other_programs_objects_are_404(request, login_as, other_achievement, achievement, who):
    """Ids of another program's achievement and evidence: 404 for every page, nothing changes."""
    if who == "other_teacher_of_nursing":
        # The mirror case: a teacher of the other program trying this program's ids.
        user, target = request.getfixturevalue("other_teacher"), achievement
    else:
        user, target = request.getfixturevalue(who), other_achievement
    f = _evidence(target)
    b = login_as(user)
    for method, pattern in CROSS:
        url = pattern.format(a=target.id, f=f.id)
        response = b.get(url) if method == "GET" else b.post(url, {"reason": "x"}, token_from="/achievements/")
        assert response.status_code == 404, (method, url, response.status_code)
    assert db.session.get(Achievement, target.id).verification_status == VerificationStatus.SUBMITTED
    assert db.session.get(EvidenceFile, f.id) is not None


def test_create_in_another_program_is_404(login_as, teacher, other_program):
    assert login_as(teacher).get(f"/achievements/new/project?program={other_program.id}").status_code == 404


def test_unknown_kind_is_404(login_as, teacher):
    assert login_as(teacher).get("/achievements/new/thesis").status_code == 404


# --- verification through the pages ---

@pytest.mark.parametrize("action", ["verify", "reject", "reopen"])
def test_teacher_cannot_take_decisions(login_as, teacher, achievement, action):
    url = f"/achievements/{achievement.id}"
    response = login_as(teacher).post(f"{url}/{action}", {"reason": "x"}, token_from=url)
    assert response.status_code == 403
    assert db.session.get(Achievement, achievement.id).verification_status == VerificationStatus.SUBMITTED


def test_director_verifies_and_who_when_is_recorded(login_as, director, achievement):
    url = f"/achievements/{achievement.id}"
    response = login_as(director).post(f"{url}/verify", {"note": "已核对原件"}, token_from=url)
    assert response.status_code == 302
    a = db.session.get(Achievement, achievement.id)
    assert a.verification_status == VerificationStatus.VERIFIED
    assert a.verified_by_id == director.id and a.verified_at is not None


def test_reject_without_reason_is_refused(login_as, director, achievement):
    url = f"/achievements/{achievement.id}"
    response = login_as(director).post(f"{url}/reject", {"reason": "  "}, token_from=url)
    assert response.status_code == 200
    assert "Give the reason" in response.get_data(as_text=True) or "理由" in response.get_data(as_text=True)
    assert db.session.get(Achievement, achievement.id).verification_status == VerificationStatus.SUBMITTED


def test_admin_reopens_a_decision(login_as, admin, director, achievement):
    url = f"/achievements/{achievement.id}"
    login_as(director).post(f"{url}/verify", {"note": "已核对原件"}, token_from=url)
    assert login_as(admin).post(f"{url}/reopen", token_from=url).status_code == 302
    assert db.session.get(Achievement, achievement.id).verification_status == VerificationStatus.SUBMITTED


def test_pending_page_lists_claimed_achievements_for_directors(login_as, director, teacher, achievement):
    assert achievement.title in login_as(director).get("/achievements/pending").get_data(as_text=True)
    assert login_as(teacher).get("/achievements/pending").status_code == 403


# --- create and edit forms ---

def test_create_publication(login_as, teacher, program, student):
    b = login_as(teacher)
    url = f"/achievements/new/publication?program={program.id}"
    response = b.post(url, publication_form(student, supervisor_id=str(teacher.id)), token_from=url)
    assert response.status_code == 302
    a = db.session.query(Achievement).one()
    assert a.kind == AchievementKind.PUBLICATION and a.doi == "10.1234/abc"
    assert a.supervisor_id == teacher.id and a.created_by_id == teacher.id
    assert [(p.student_id, p.is_corresponding) for p in a.participants] == [(student.id, True)]
    assert response.headers["Location"] == f"/achievements/{a.id}"


def test_teacher_with_one_program_needs_no_program_parameter(login_as, teacher, student):
    b = login_as(teacher)
    page = b.get("/achievements/new/award")
    assert heading(page) == "New: Competition award"
    assert 'name="competition"' in page.get_data(as_text=True) and 'name="program_id"' not in page.get_data(as_text=True)
    response = b.post("/achievements/new/award", {
        "title": "挑战杯", "year": "2024", "competition": "挑战杯", "level": "national", "prize_rank": "first",
        "participants-0-student_no": student.student_no, "participants-0-role": "leader",
        "participants-0-rank": "1",
    }, token_from="/achievements/new/award")
    assert response.status_code == 302


def test_bad_doi_keeps_the_typed_input(login_as, teacher, program, student):
    b = login_as(teacher)
    url = f"/achievements/new/publication?program={program.id}"
    response = b.post(url, publication_form(student, doi="doi 12.34/xx"), token_from=url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "not a valid DOI" in html
    assert "面向工程教育认证的达成度评价" in html and student.student_no in html and "doi 12.34/xx" in html
    assert db.session.query(Achievement).count() == 0


@pytest.mark.parametrize("rows, message", [
    ({"participants-0-student_no": "NOPE"}, "No student with number NOPE"),
    ({"participants-1-student_no": "{same}", "participants-1-rank": "2"}, "already named"),
    ({"participants-1-student_no": "{second}", "participants-1-rank": "1"}, "used twice"),
    ({"participants-0-student_no": ""}, "at least one student"),
    ({"participants-1-student_no": "{foreign}", "participants-1-rank": "2"}, "No student with number"),
])
def test_student_rows_are_validated(login_as, teacher, program, cohort, student, other_student, rows, message):
    second = make_student(cohort)
    subst = {"same": student.student_no, "second": second.student_no, "foreign": other_student.student_no}
    rows = {k: v.format(**subst) for k, v in rows.items()}
    b = login_as(teacher)
    url = f"/achievements/new/publication?program={program.id}"
    response = b.post(url, publication_form(student, **rows), token_from=url)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.query(Achievement).count() == 0


def test_more_rows_keeps_input_and_adds_rows(login_as, teacher, program, student):
    b = login_as(teacher)
    url = f"/achievements/new/publication?program={program.id}"
    response = b.post(url, publication_form(student, more_rows="1"), token_from=url)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "participants-4-student_no" in html and "participants-5-student_no" not in html  # 2 posted + 3
    assert student.student_no in html and "面向工程教育认证的达成度评价" in html
    assert db.session.query(Achievement).count() == 0
    assert 'name="participants-6-student_no"' in b.get(url + "&rows=7").get_data(as_text=True)


def test_patent_grant_rules_in_the_form(login_as, teacher, program, student):
    b = login_as(teacher)
    url = f"/achievements/new/patent?program={program.id}"
    data = {"title": "一种装置", "year": "2024", "patent_type": "invention", "patent_status": "applied",
            "application_number": "CN202410000001.X", "application_date": "2024-01-05", "grant_number": "ZL202410000001.X",
            "grant_date": "", "participants-0-student_no": student.student_no, "participants-0-role": "inventor",
            "participants-0-rank": "1"}
    html = b.post(url, data, token_from=url).get_data(as_text=True)
    assert "Leave empty until the patent is granted" in html
    data.update(patent_status="granted", grant_date="2024-09-01")
    assert b.post(url, data, token_from=url).status_code == 302


def test_project_end_before_start_in_the_form(login_as, teacher, program, student):
    url = f"/achievements/new/project?program={program.id}"
    data = {"title": "大创", "year": "2024", "level": "national", "project_type": "innovation_training",
            "project_status": "approved", "start_date": "2024-06-01", "end_date": "2024-01-01",
            "participants-0-student_no": student.student_no, "participants-0-role": "leader",
            "participants-0-rank": "1"}
    response = login_as(teacher).post(url, data, token_from=url)
    assert "The end date cannot be before the start date" in response.get_data(as_text=True)


def test_edit_by_director_resets_a_verified_achievement(login_as, director, program, student):
    a = make_achievement(program, [student], AchievementKind.AWARD, competition="互联网+", prize_rank="first",
                         verification_status=VerificationStatus.VERIFIED, verified_by_id=director.id,
                         verified_at=db.func.now())
    url = f"/achievements/{a.id}/edit"
    b = login_as(director)
    form = b.get(url).get_data(as_text=True)
    assert student.student_no in form  # pre-filled
    response = b.post(url, {
        "title": "互联网+ 大赛（更正）", "year": "2023", "competition": "互联网+", "level": "national",
        "prize_rank": "second", "participants-0-student_no": student.student_no, "participants-0-role": "leader",
        "participants-0-rank": "1",
    }, token_from=url)
    assert response.status_code == 302
    a = db.session.get(Achievement, a.id)
    assert a.title == "互联网+ 大赛（更正）"
    assert a.verification_status == VerificationStatus.SUBMITTED and a.verified_by_id is None
    history = b.get(f"/achievements/{a.id}").get_data(as_text=True)
    assert "互联网+ 大赛（更正）" in history


def test_teacher_cannot_edit_or_delete_a_verified_achievement(login_as, teacher, director, achievement):
    url = f"/achievements/{achievement.id}"
    login_as(director).post(f"{url}/verify", {"note": "已核对原件"}, token_from=url)
    b = login_as(teacher)
    assert b.get(f"{url}/edit").status_code == 403
    assert b.post(f"{url}/delete", token_from=url).status_code == 403
    assert db.session.get(Achievement, achievement.id) is not None


def test_creator_deletes_a_claimed_achievement(login_as, teacher, achievement):
    url = f"/achievements/{achievement.id}"
    achievement_id = achievement.id
    response = login_as(teacher).post(f"{url}/delete", token_from=url)
    assert response.status_code == 302
    db.session.expunge_all()
    assert db.session.get(Achievement, achievement_id) is None


def test_colleague_who_is_not_the_creator_cannot_delete(login_as, program, achievement):
    colleague = make_user(Role.TEACHER, [program])
    url = f"/achievements/{achievement.id}"
    assert login_as(colleague).post(f"{url}/delete", token_from=url).status_code == 403


# --- CSRF ---

@pytest.mark.parametrize("path", ["verify", "delete", "evidence"])
def test_posts_without_csrf_token_are_refused(login_as, director, achievement, path):
    b = login_as(director)
    data = {"file": (io.BytesIO(make_pdf()), "a.pdf")} if path == "evidence" else {}
    response = b.client.post(f"/achievements/{achievement.id}/{path}", data=data)
    assert response.status_code == 400
    a = db.session.get(Achievement, achievement.id)
    assert a is not None and a.verification_status == VerificationStatus.SUBMITTED and not a.evidence_files


def test_create_without_csrf_token_is_refused(login_as, teacher, program, student):
    b = login_as(teacher)
    response = b.client.post(f"/achievements/new/publication?program={program.id}", data=publication_form(student))
    assert response.status_code == 400
    assert db.session.query(Achievement).count() == 0
