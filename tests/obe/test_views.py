"""OBE pages: access per role and program, uploads with preview and confirm, CSRF, forms."""

from __future__ import annotations

import io

import pytest

from eduinnov.auth.models import Role
from eduinnov.extensions import db
from eduinnov.obe.models import (
    AssessmentItem,
    CourseOffering,
    ImprovementRecord,
    Score,
    ScoreImport,
    SurveyResult,
)
from tests.clients import heading
from tests.factories import make_obe_plan, make_user

SHEET = "\ufeff学号,姓名,作业1,作业2,题1,题2\n2021051001,学生1,9,8,20,12\n2021051002,学生2,7,8,10,10\n"


@pytest.fixture
def foreign(other_program):
    return make_obe_plan(other_program, students=1, entry_year=2020, student_prefix="2020999")


def _view_urls(p):
    o, s, gr, c = p.offering, p.students[0], p.requirement, p.cohort
    return [f"/obe/offerings/{o.id}", f"/obe/offerings/{o.id}/students/{s.id}", f"/obe/cohorts/{c.id}",
            f"/obe/cohorts/{c.id}/requirements/{gr.id}", f"/obe/students/{s.id}", f"/obe/cohorts/{c.id}/surveys",
            f"/obe/requirements/{gr.id}/improvements"]


def _upload(b, offering, text=SHEET, name="成绩.csv", encoding="utf-8"):
    return b.post(f"/obe/offerings/{offering.id}/scores/preview",
                  {"sheet": (io.BytesIO(text.encode(encoding)), name)},
                  token_from=f"/obe/offerings/{offering.id}/scores/upload", content_type="multipart/form-data")


def test_teacher_and_director_see_every_page(login_as, plan, teacher, director):
    _upload(login_as(teacher), plan.offering)
    for user in (teacher, director):
        b = login_as(user)
        b.post(f"/obe/offerings/{plan.offering.id}/scores/confirm", {}, token_from="/obe/")  # no token: 400
        headings = ["OBE achievement", "SE101 Introduction to SE", "学生1 (2021051001)",
                    "Graduation requirement achievement: SE 2021", "GR3 设计/开发解决方案",
                    "Graduation requirement achievement: 学生1 (2021051001)", "Indirect evaluation: SE 2021",
                    "Continuous improvement: GR3 设计/开发解决方案"]
        for url, title in zip(["/obe/", *_view_urls(plan)], headings, strict=True):
            assert heading(b.get(url)) == title, url


def test_cross_program_ids_give_404(login_as, plan, foreign, teacher, director):
    for user in (teacher, director):
        b = login_as(user)
        for url in _view_urls(foreign) + [f"/obe/offerings/{foreign.offering.id}/scores/upload",
                                          f"/obe/offerings/{foreign.offering.id}/plan",
                                          f"/obe/items/{foreign.items[0].id}/edit"]:
            assert b.get(url).status_code == 404, url
        for url in [f"/obe/offerings/{foreign.offering.id}/delete", f"/obe/items/{foreign.items[0].id}/delete",
                    f"/obe/offerings/{foreign.offering.id}/scores/confirm"]:
            assert b.post(url, {}, token_from="/obe/").status_code == 404, url
    assert db.session.get(CourseOffering, foreign.offering.id) is not None


def test_offering_list_shows_only_own_programs(login_as, plan, foreign, teacher):
    html = login_as(teacher).get("/obe/").get_data(as_text=True)
    assert plan.cohort.display_name in html and foreign.cohort.display_name not in html


def test_teacher_may_upload_but_not_manage_the_plan(login_as, plan, teacher):
    b = login_as(teacher)
    assert b.get(f"/obe/offerings/{plan.offering.id}/plan").status_code == 403
    assert b.post(f"/obe/items/{plan.items[0].id}/delete", {}, token_from="/obe/").status_code == 403
    assert b.get(f"/obe/offerings/{plan.offering.id}/scores/upload").status_code == 200
    assert db.session.get(AssessmentItem, plan.items[0].id) is not None


def test_students_see_only_their_own_achievement(login_as, plan):
    me, other = plan.students[0], plan.students[1]
    b = login_as(make_user(Role.STUDENT, student=me))
    assert heading(b.get(f"/obe/students/{me.id}")) == f"Graduation requirement achievement: {me.name} ({me.student_no})"
    assert b.get(f"/obe/students/{other.id}").status_code == 404
    assert b.get(f"/obe/offerings/{plan.offering.id}").status_code == 404
    assert b.get(f"/obe/cohorts/{plan.cohort.id}").status_code == 404
    assert b.get("/obe/").status_code == 302


def test_upload_preview_then_confirm_replaces_scores(login_as, plan, teacher):
    b = login_as(teacher)
    response = _upload(b, plan.offering, encoding="utf-8")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "2 student rows read" in html
    assert db.session.query(Score).count() == 0  # preview saves nothing
    import re
    token = re.search(r'name="token"[^>]*value="([0-9a-f]{32})"', html).group(1)
    response = b.post(f"/obe/offerings/{plan.offering.id}/scores/confirm", {"token": token, "filename": "成绩.csv"},
                      token_from=f"/obe/offerings/{plan.offering.id}")
    assert response.status_code == 302
    assert db.session.query(Score).count() == 8
    assert db.session.query(ScoreImport).one().filename == "成绩.csv"
    page = b.get(f"/obe/offerings/{plan.offering.id}").get_data(as_text=True)
    assert "<svg" in page and "weak" in page


def test_upload_errors_are_listed_and_nothing_saved(login_as, plan, teacher):
    bad = "\ufeff学号,姓名,作业1,作业2,题1,题2\n2021051001,学生1,19,8,20,12\n9999,某,1,1,1,1\n"
    html = _upload(login_as(teacher), plan.offering, bad).get_data(as_text=True)
    assert "Row 2, column C (作业1): 19 is above the full marks 10" in html
    assert "Row 3, column A (学号): no student with number 9999" in html
    assert 'name="token"' not in html
    assert db.session.query(Score).count() == 0


def test_confirm_with_a_forged_token_does_nothing(login_as, plan, teacher):
    b = login_as(teacher)
    response = b.post(f"/obe/offerings/{plan.offering.id}/scores/confirm", {"token": "0" * 32},
                      token_from=f"/obe/offerings/{plan.offering.id}")
    assert response.status_code == 302 and "/scores/upload" in response.headers["Location"]
    assert db.session.query(Score).count() == 0


def test_forms_require_csrf(app, login_as, plan, director):
    b = login_as(director)
    response = b.client.post(f"/obe/offerings/{plan.offering.id}/items",
                             data={"name": "实验1", "type": "lab", "full_marks": "10", "objective_ids": [str(plan.co1.id)]})
    assert response.status_code == 400
    assert db.session.query(AssessmentItem).count() == 4


def test_director_adds_item_and_weights_with_validation(login_as, plan, director):
    b = login_as(director)
    url = f"/obe/offerings/{plan.offering.id}/plan"
    response = b.post(f"/obe/offerings/{plan.offering.id}/items",
                      {"name": "实验1", "type": "lab", "full_marks": "10", "objective_ids": [str(plan.co2.id)]},
                      token_from=url)
    assert response.status_code == 302
    response = b.post(f"/obe/offerings/{plan.offering.id}/items",
                      {"name": "实验1", "type": "lab", "full_marks": "10", "objective_ids": [str(plan.co2.id)]},
                      token_from=url)
    assert response.status_code == 422 and "already exists" in response.get_data(as_text=True)
    response = b.post(f"/obe/offerings/{plan.offering.id}/weights",
                      {f"w-{plan.co2.id}-exam": "0.5", f"w-{plan.co2.id}-lab": "0.4"}, token_from=url)
    assert response.status_code == 422 and "add up to 0.9" in response.get_data(as_text=True)
    response = b.post(f"/obe/offerings/{plan.offering.id}/weights",
                      {f"w-{plan.co1.id}-exam": "0.7", f"w-{plan.co1.id}-homework": "0.3",
                       f"w-{plan.co2.id}-exam": "0.6", f"w-{plan.co2.id}-lab": "0.4"}, token_from=url)
    assert response.status_code == 302
    weights = {(w.objective_id, w.type.value): w.weight
               for w in db.session.get(CourseOffering, plan.offering.id).type_weights}
    assert weights[(plan.co2.id, "lab")] == 0.4


def test_director_creates_offering_only_for_own_program(login_as, plan, foreign, director):
    b = login_as(director)
    data = {"course_id": str(plan.course.id), "cohort_id": str(foreign.cohort.id), "term": "2024-2025-1"}
    response = b.post("/obe/offerings/new", data, token_from="/obe/offerings/new")
    assert response.status_code == 200 and "is-invalid" in response.get_data(as_text=True)
    assert db.session.query(CourseOffering).count() == 2
    data["cohort_id"] = str(plan.cohort.id)
    data["term"] = "2024"
    assert "2023-2024-1" in b.post("/obe/offerings/new", data, token_from="/obe/offerings/new").get_data(as_text=True)
    data["term"] = "2024-2025-1"
    response = b.post("/obe/offerings/new", data, token_from="/obe/offerings/new")
    assert response.status_code == 302
    assert db.session.query(CourseOffering).count() == 3


def test_surveys_and_improvements_need_a_director(login_as, plan, teacher, director):
    csv = "指标点,来源,达成度\n3.2,毕业生,0.8\n".encode()
    t = login_as(teacher)
    url = f"/obe/cohorts/{plan.cohort.id}/surveys"
    assert t.post(url + "/import", {"sheet": (io.BytesIO(csv), "s.csv")}, token_from=url,
                  content_type="multipart/form-data").status_code == 403
    d = login_as(director)
    assert d.post(url + "/import", {"sheet": (io.BytesIO(csv), "s.csv")}, token_from=url,
                  content_type="multipart/form-data").status_code == 302
    assert db.session.query(SurveyResult).count() == 1
    imp_url = f"/obe/requirements/{plan.requirement.id}/improvements"
    add_url = imp_url + "/add"
    data = {"target": f"ip-{plan.points[1].id}", "cohort_id": str(plan.cohort.id), "cycle_year": "2025",
            "analysis": "题2 得分率低", "measure": "增加设计类作业", "responsible": "王老师", "status": "planned"}
    assert t.post(add_url, data, token_from=imp_url).status_code == 403
    response = d.post(add_url, data, token_from=imp_url)
    assert response.status_code == 302
    record = db.session.query(ImprovementRecord).one()
    assert record.indicator_point_id == plan.points[1].id and record.requirement_id == plan.requirement.id
    page = d.get(f"/obe/cohorts/{plan.cohort.id}/requirements/{plan.requirement.id}").get_data(as_text=True)
    assert "增加设计类作业" in page
    response = d.post(add_url, {**data, "analysis": ""}, token_from=imp_url)
    assert response.status_code == 422
    assert db.session.query(ImprovementRecord).count() == 1


def test_improvement_target_from_another_program_is_refused(login_as, plan, foreign, director):
    d = login_as(director)
    imp_url = f"/obe/requirements/{plan.requirement.id}/improvements"
    data = {"target": f"ip-{foreign.points[0].id}", "cycle_year": "2025", "analysis": "a", "measure": "m",
            "responsible": "r", "status": "planned"}
    response = d.post(imp_url + "/add", data, token_from=imp_url)
    assert response.status_code in (404, 422)
    assert db.session.query(ImprovementRecord).count() == 0


def test_requirement_of_another_framework_is_404_under_this_cohort(login_as, plan, foreign, admin):
    b = login_as(admin)
    assert b.get(f"/obe/cohorts/{plan.cohort.id}/requirements/{foreign.requirement.id}").status_code == 404
