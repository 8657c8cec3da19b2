"""Never trust a posted id: forms on program A's pages that name an object of program B change nothing.

Each case is posted twice by A's director: with B's id (nothing may change, no server error) and, as a
control, with the matching id of A (the change happens) — so the refusal is the id's doing, not a form
that is invalid anyway. List filters naming B's program, cohort or model show none of B's data.
"""

from __future__ import annotations

import io

import pytest

from tests.clients import csrf_token
from tests.security.test_idor import _snapshot


def _participation(a, o):
    return {"student_id": a.student.id, "kind": "placement", "title": "new placement"}


CASES = {
    # name: (url of A's page, data naming the related world ``o``)
    "student_new cohort": (lambda a: "/programs/students/new",
                           lambda a, o: {"student_no": "X0001", "name": "new", "cohort_id": o.cohort.id,
                                         "status": "enrolled"}),
    "student_edit cohort": (lambda a: f"/programs/students/{a.students[1].id}/edit",
                            lambda a, o: {"student_no": a.students[1].student_no, "name": "renamed",
                                          "cohort_id": o.cohort.id, "status": "enrolled"}),
    "supervisor_add joint supervisor": (lambda a: f"/programs/students/{a.students[1].id}/supervisors",
                                        lambda a, o: {"supervisor": f"j-{o.joint.id}", "role": "primary"}),
    "supervisor_add teacher": (lambda a: f"/programs/students/{a.students[1].id}/supervisors",
                               lambda a, o: {"supervisor": f"t-{o.director.id}", "role": "primary"}),
    "framework create program": (lambda a: "/frameworks/new",
                                 lambda a, o: {"program_id": o.program.id, "version": "new", "title": "t"}),
    "partner_new program": (lambda a: "/frameworks/partners/new",
                            lambda a, o: {"program_id": o.program.id, "name_zh": "新伙伴", "kind": "enterprise"}),
    "participation student": (lambda a: f"/frameworks/partners/{a.partner.id}/participations/new",
                              lambda a, o: {**_participation(a, o), "student_id": o.student.id}),
    "participation practice base": (lambda a: f"/frameworks/partners/{a.partner.id}/participations/new",
                                    lambda a, o: {**_participation(a, o), "practice_base_id": o.base.id}),
    "participation joint supervisor": (lambda a: f"/frameworks/partners/{a.partner.id}/participations/new",
                                       lambda a, o: {**_participation(a, o), "joint_supervisor_id": o.joint.id}),
    "course module": (lambda a: f"/frameworks/{a.framework.id}/courses/new",
                      lambda a, o: {"code": "NEW1", "name_zh": "新课", "credits": "1", "is_required": "y",
                                    "module_id": o.module.id}),
    "module parent": (lambda a: f"/frameworks/{a.framework.id}/modules/new",
                      lambda a, o: {"name_zh": "新模块", "kind": "course_learning", "parent_id": o.module.id}),
    "objective points": (lambda a: f"/frameworks/courses/{a.course.id}/objectives/new",
                         lambda a, o: {"number": "9", "description": "new", "points": o.point.id}),
    "matrix cell": (lambda a: f"/frameworks/{a.framework.id}/matrix",
                    lambda a, o: {f"cell-{o.course.id}-{o.point.id}": "H", f"weight-{o.course.id}-{o.point.id}": "0.33"}),
    "achievement student": (lambda a: f"/achievements/new/award?program={a.program.id}",
                            lambda a, o: {"title": "挑战杯", "year": "2024", "competition": "挑战杯", "level": "national",
                                          "prize_rank": "first", "participants-0-student_no": o.student.student_no,
                                          "participants-0-role": "leader", "participants-0-rank": "1"}),
    "achievement supervisor": (lambda a: f"/achievements/new/award?program={a.program.id}",
                               lambda a, o: {"title": "挑战杯", "year": "2024", "competition": "挑战杯",
                                             "level": "national", "prize_rank": "first",
                                             "supervisor_id": o.teacher.id,
                                             "participants-0-student_no": a.student.student_no,
                                             "participants-0-role": "leader", "participants-0-rank": "1"}),
    "offering cohort": (lambda a: "/obe/offerings/new",
                        lambda a, o: {"course_id": a.course.id, "cohort_id": o.cohort.id, "term": "2030-2031-1"}),
    "offering course": (lambda a: "/obe/offerings/new",
                        lambda a, o: {"course_id": o.course.id, "cohort_id": a.cohort.id, "term": "2030-2031-1"}),
    "offering teacher": (lambda a: "/obe/offerings/new",
                         lambda a, o: {"course_id": a.course.id, "cohort_id": a.cohort.id, "term": "2030-2031-1",
                                       "teacher_id": o.director.id}),
    "offering_edit teacher": (lambda a: f"/obe/offerings/{a.offering.id}/edit",
                              lambda a, o: {"term": a.offering.term, "teacher_id": o.director.id}),
    "assessment item objective": (lambda a: f"/obe/offerings/{a.offering.id}/items",
                                  lambda a, o: {"name": "新项", "type": "exam", "full_marks": "10",
                                                "objective_ids": o.objective.id}),
    "type weights objective": (lambda a: f"/obe/offerings/{a.offering.id}/weights",
                               lambda a, o: {f"w-{o.objective.id}-homework": "1"}),
    "improvement point": (lambda a: f"/obe/requirements/{a.requirement.id}/improvements/add",
                          lambda a, o: {"target": f"ip-{o.point.id}", "cycle_year": "2026", "analysis": "x",
                                        "measure": "x", "responsible": "x", "status": "planned"}),
    "improvement objective": (lambda a: f"/obe/requirements/{a.requirement.id}/improvements/add",
                              lambda a, o: {"target": f"co-{o.objective.id}", "cycle_year": "2026", "analysis": "x",
                                            "measure": "x", "responsible": "x", "status": "planned"}),
    "improvement cohort": (lambda a: f"/obe/requirements/{a.requirement.id}/improvements/add",
                           lambda a, o: {"target": "req", "cohort_id": o.cohort.id, "cycle_year": "2026",
                                         "analysis": "x", "measure": "x", "responsible": "x", "status": "planned"}),
    "evaluation model program": (lambda a: "/evaluation/new",
                                 lambda a, o: {"program_id": o.program.id, "name": "new model", "unit": "student"}),
    "template copy program": (lambda a: "/evaluation/templates/ahp_fuzzy/copy",
                              lambda a, o: {"program_id": o.program.id, "name": "copy"}),
    "model copy program": (lambda a: f"/evaluation/models/{a.model.id}/copy",
                           lambda a, o: {"program_id": o.program.id, "name": "copy"}),
    "run cohort": (lambda a: f"/evaluation/models/{a.model.id}/run", lambda a, o: {"cohort_id": o.cohort.id}),
    "rating cohort": (lambda a: "/evaluation/ratings",
                      lambda a, o: {"program_id": a.program.id, "key": "expert_rating", "cohort_id": o.cohort.id,
                                    "value": "3"}),
    "rating student": (lambda a: "/evaluation/ratings",
                       lambda a, o: {"program_id": a.program.id, "key": "expert_rating",
                                     "student_no": o.student.student_no, "value": "3"}),
    "rating program": (lambda a: "/evaluation/ratings",
                       lambda a, o: {"program_id": o.program.id, "key": "expert_rating", "cohort_id": o.cohort.id,
                                     "value": "3"}),
    "swot program": (lambda a: "/evaluation/swot/new",
                     lambda a, o: {"program_id": o.program.id, "year": "2030", "strengths": "s"}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_posted_id_of_another_program_changes_nothing(login_as, world_a, world_b, case):
    url_of, data_of = CASES[case]
    browser = login_as(world_a.director)
    token = csrf_token(browser.client, "/account/password")
    url = url_of(world_a)

    before = _snapshot()
    response = browser.client.post(url, data={**data_of(world_a, world_b), "csrf_token": token})
    assert response.status_code < 500
    after = _snapshot()
    assert {t for t in before if before[t] != after[t]} == set(), f"{case}: B's id was accepted"

    response = browser.client.post(url, data={**data_of(world_a, world_a), "csrf_token": token})
    assert response.status_code == 302, f"{case}: the control with A's id failed ({response.status_code})"
    assert _snapshot() != after


def test_yaml_import_into_another_program_is_refused(login_as, world_a, world_b):
    browser = login_as(world_a.director)
    token = csrf_token(browser.client, "/account/password")
    yaml_text = "name: Imported\nunit: student\ntree:\n  code: G\n  name_zh: 创新\n  metric: projects\n"

    def post(program):
        return browser.client.post("/evaluation/import", data={
            "program_id": program.id, "csrf_token": token,
            "file": (io.BytesIO(yaml_text.encode()), "model.yaml")}, content_type="multipart/form-data")

    before = _snapshot()
    assert post(world_b.program).status_code < 500
    assert _snapshot() == before


LIST_PAGES = [
    "/programs/students?program={program}&cohort={cohort}",
    "/achievements/?program={program}&cohort={cohort}",
    "/frameworks/?program={program}",
    "/frameworks/partners?program={program}",
    "/obe/?cohort={cohort}",
    "/evaluation/?program={program}",
    "/evaluation/runs?model={model}",
    "/evaluation/ratings?program={program}",
    "/evaluation/swot?program={program}",
    "/evaluation/compare?a={run}&b={run}",
]


@pytest.mark.parametrize("url", LIST_PAGES)
@pytest.mark.parametrize("who", ["teacher", "director"])
def test_list_filters_naming_another_program_show_none_of_its_data(login_as, world_a, world_b, url, who):
    browser = login_as(getattr(world_a, who))
    b = world_b
    response = browser.get(url.format(program=b.program.id, cohort=b.cohort.id, model=b.model.id, run=b.run.id))
    assert response.status_code in (200, 404)
    html = response.get_data(as_text=True)
    for marker in (b.student.name, b.achievement.title, b.partner.name_zh, b.framework.version, b.director.email):
        assert marker not in html, f"{url} shows {marker!r}"
