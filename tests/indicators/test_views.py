"""Evaluation pages: routing, access by role and program, CSRF, the editor, runs and forms."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from eduinnov.auth.models import Role
from eduinnov.extensions import db
from eduinnov.indicators import services
from eduinnov.indicators.models import EvaluationModel, EvaluationRun, IndicatorNode, ManualScore, SwotRecord
from tests.clients import heading
from tests.factories import make_user, simple_spec


@pytest.fixture
def en(login_as):
    def _login(user):
        b = login_as(user)
        b.client.set_cookie("lang", "en")
        return b
    return _login


def html(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def setup(data):
    model = services.import_model(simple_spec(), data.program, data.director)
    run = services.run_evaluation(model, services.Target(cohort=data.c22), data.director)
    admin = make_user(Role.ADMIN)
    inst = services.import_model(simple_spec(name="Institution model"), None, admin)
    record = services.save_swot(data.program, 2024, data.director, strengths="Strong supervisors")
    db.session.commit()
    return {"model": model, "run": run, "node": model.root.children[0], "inst": inst, "admin": admin,
            "swot": record, "teacher": make_user(Role.TEACHER, [data.program]),
            "other_director": make_user(Role.DIRECTOR, [data.other_program])}


def urls(s):
    m, r, n = s["model"], s["run"], s["node"]
    return [f"/evaluation/models/{m.id}", f"/evaluation/nodes/{n.id}", f"/evaluation/runs/{r.id}",
            f"/evaluation/models/{m.id}.yaml", f"/evaluation/nodes/{m.root.id}/consistency",
            f"/evaluation/compare?a={r.id}&b={r.id}"]


def test_pages_for_the_director(en, data, setup):
    b = en(data.director)
    for url in ["/evaluation/", "/evaluation/runs", "/evaluation/ratings", "/evaluation/swot", "/evaluation/new",
                "/evaluation/templates/ahp_fuzzy", "/evaluation/templates/ahp_fuzzy.yaml",
                f"/evaluation/models/{setup['model'].id}/settings", *urls(setup)]:
        assert b.get(url).status_code == 200, url
    page = html(b.get(f"/evaluation/runs/{setup['run'].id}?sensitivity=1&draws=50&spread=0.15&seed=3"))
    assert "s1 (220001)" in page and "Same grade" in page and "Strong supervisors" in page and "verified" in page


@pytest.mark.parametrize("who", ["other_director", "teacher_elsewhere"])
def test_other_programs_get_404(en, data, setup, who):
    user = setup["other_director"] if who == "other_director" else make_user(Role.TEACHER, [data.other_program])
    b = en(user)
    for url in urls(setup) + [f"/evaluation/models/{setup['inst'].id}"]:
        assert b.get(url).status_code == 404, url
    r = b.post(f"/evaluation/models/{setup['model'].id}/run", {"cohort_id": data.c22.id}, token_from="/evaluation/")
    assert r.status_code == 404
    page = html(b.get("/evaluation/"))
    assert "Simple student model" not in page and "Institution model" not in page


def test_teacher_views_but_cannot_manage(en, data, setup):
    b = en(setup["teacher"])
    assert setup["model"].name in heading(b.get(f"/evaluation/models/{setup['model'].id}"))
    run_page = b.get(f"/evaluation/runs/{setup['run'].id}")
    assert heading(run_page) == f"{setup['run'].model_name} v{setup['run'].model_version}"
    assert setup["run"].target_label in run_page.get_data(as_text=True)
    m = setup["model"]
    for url in [f"/evaluation/models/{m.id}/run", f"/evaluation/models/{m.id}/activate",
                f"/evaluation/nodes/{m.root.id}/judgments", f"/evaluation/nodes/{setup['node'].id}/delete"]:
        assert b.post(url, {"cohort_id": data.c22.id}, token_from="/evaluation/").status_code == 403, url
    assert b.get(f"/evaluation/models/{m.id}/settings").status_code == 403


def test_students_and_anonymous_are_kept_out(en, client, data, setup):
    from tests.factories import make_user as mk
    student_user = mk(Role.STUDENT, student=data.s[1])
    b = en(student_user)
    assert b.get("/evaluation/").status_code == 403
    assert b.get(f"/evaluation/runs/{setup['run'].id}").status_code == 404
    assert client.get("/evaluation/").status_code == 302


def test_institution_models_are_for_admins(en, data, setup):
    assert en(setup["admin"]).get(f"/evaluation/models/{setup['inst'].id}").status_code == 200
    assert en(data.director).get(f"/evaluation/models/{setup['inst'].id}").status_code == 404


def test_csrf_is_required(en, data, setup):
    b = en(data.director)
    r = b.client.post(f"/evaluation/models/{setup['model'].id}/run", data={"cohort_id": data.c22.id})
    assert r.status_code == 400
    assert db.session.query(EvaluationRun).count() == 1


def test_director_copies_a_template_edits_judgments_and_runs(en, data, setup):
    b = en(data.director)
    r = b.post("/evaluation/templates/outcomes_3332/copy", {"program_id": data.program.id, "name": "Our 3332"},
               token_from="/evaluation/templates/outcomes_3332")
    assert r.status_code == 302
    model = db.session.scalar(select(EvaluationModel).where(EvaluationModel.name == "Our 3332"))
    assert model.program_id == data.program.id and model.template_key == "outcomes_3332"
    root = model.root
    # an inconsistent matrix: P >> A, A >> T, but T >> P
    r = b.post(f"/evaluation/nodes/{root.id}/judgments", {"j-P-A": "5", "j-P-T": "1/5", "j-A-T": "5"},
               token_from=f"/evaluation/nodes/{root.id}")
    page = html(b.get(r.headers["Location"]))
    assert "not consistent" in page and "Revise" in page
    report = b.get(f"/evaluation/nodes/{root.id}/consistency?j-P-A=5&j-P-T=1/5&j-A-T=5").get_json()
    assert report["CR"] >= 0.1 and not report["consistent"] and report["most_inconsistent"]["row"] in ("P", "A")
    live = b.get(f"/evaluation/nodes/{root.id}/consistency?j-P-A=2&j-P-T=3&j-A-T=2").get_json()
    assert live["consistent"] and set(live["weights"]) == {"P", "A", "T"}
    assert b.get(f"/evaluation/nodes/{root.id}/consistency?j-P-A=12").get_json()["error"]
    # the live check stores nothing
    assert db.session.get(IndicatorNode, root.id).judgments == {"P": {"A": "5", "T": "1/5"}, "A": {"T": "5"}}
    r = b.post(f"/evaluation/models/{model.id}/run", {"program_id": data.program.id},
               token_from=f"/evaluation/models/{model.id}")
    assert r.status_code == 302 and "/evaluation/runs/" in r.headers["Location"]
    page = html(b.get(r.headers["Location"]))
    assert "SE 2022" in page and "CR" in page


def test_editor_adds_edits_and_deletes_nodes(en, data, setup):
    b = en(data.director)
    model = setup["model"]
    r = b.post(f"/evaluation/nodes/{model.root.id}/add", {"code": "L4", "name_zh": "产学研", "metric_key": "iur_participations"},
               token_from=f"/evaluation/models/{model.id}")
    assert r.status_code == 302
    node = db.session.scalar(select(IndicatorNode).where(IndicatorNode.code == "L4"))
    assert node.metric_key == "iur_participations"
    form = {"code": "L4", "name_zh": "产学研实践", "metric_key": "iur_participations",
            "metric_params": '{"kinds": ["placement"]}', "direction": "benefit", "scaling_method": "target",
            "scaling_target": "2"}
    r = b.post(f"/evaluation/nodes/{node.id}", form, token_from=f"/evaluation/nodes/{node.id}")
    assert r.status_code == 302
    node = db.session.get(IndicatorNode, node.id)
    assert node.metric_params == {"kinds": ["placement"]} and node.scaling == {"method": "target", "target": 2.0}
    bad = b.post(f"/evaluation/nodes/{node.id}", {**form, "metric_params": '{"kinds": ["telepathy"]}'},
                 token_from=f"/evaluation/nodes/{node.id}")
    assert bad.status_code == 200 and "kinds" in html(bad)
    assert db.session.get(IndicatorNode, node.id).metric_params == {"kinds": ["placement"]}
    # expert weights must add up to 1: the message says so and nothing changes
    root_form = {"code": "G", "name_zh": "创新能力", "weighting": "expert", "aggregation": "weighted_sum",
                 "w-L1": "0.5", "w-L2": "0.3", "w-L3": "0.1", "w-L4": "0.05"}
    r = b.post(f"/evaluation/nodes/{model.root.id}", root_form, token_from=f"/evaluation/nodes/{model.root.id}")
    assert "add up to 0.95" in html(r)
    r = b.post(f"/evaluation/nodes/{node.id}/delete", {}, token_from=f"/evaluation/models/{model.id}")
    assert r.status_code == 302
    assert db.session.scalar(select(IndicatorNode.id).where(IndicatorNode.code == "L4")) is None


def test_archived_model_pages_stay_viewable_but_locked(en, data, setup):
    b = en(data.director)
    model = setup["model"]
    services.activate_model(model, data.director)
    services.archive_model(model, data.director)
    db.session.commit()
    assert b.get(f"/evaluation/runs/{setup['run'].id}").status_code == 200
    assert "archived" in html(b.get(f"/evaluation/models/{model.id}"))
    r = b.post(f"/evaluation/nodes/{setup['node'].id}", {"code": "L1", "name_zh": "x", "metric_key": "projects",
                                                         "direction": "benefit", "scaling_method": "minmax"},
               token_from=f"/evaluation/nodes/{setup['node'].id}")
    assert r.status_code == 302 and db.session.get(IndicatorNode, setup["node"].id).name_zh == "项目"


def test_yaml_upload(en, data, setup):
    b = en(data.director)
    text = html(b.get(f"/evaluation/models/{setup['model'].id}.yaml"))
    r = b.post("/evaluation/import", {"program_id": data.program.id,
                                      "file": (io.BytesIO(text.encode()), "model.yaml")},
               token_from="/evaluation/", content_type="multipart/form-data")
    assert r.status_code == 302
    assert db.session.query(EvaluationModel).filter_by(name="Simple student model").count() == 2
    bad = text.replace("metric: projects", "metric: astrology", 1)
    r = b.post("/evaluation/import", {"program_id": data.program.id, "file": (io.BytesIO(bad.encode()), "m.yaml")},
               token_from="/evaluation/", content_type="multipart/form-data")
    assert r.status_code == 302
    assert "Node L1, field metric" in html(b.get(r.headers["Location"]))
    assert db.session.query(EvaluationModel).filter_by(name="Simple student model").count() == 2


def test_ratings_recheck_posted_ids(en, data, setup):
    b = en(setup["teacher"])
    other_cohort = data.nur_student.cohort
    r = b.post("/evaluation/ratings", {"program_id": data.program.id, "key": "expert_rating",
                                       "cohort_id": other_cohort.id, "value": "4"}, token_from="/evaluation/ratings")
    assert r.status_code == 200 and "Not a valid choice" in html(r)
    r = b.post("/evaluation/ratings", {"program_id": data.program.id, "key": "expert_rating", "cohort_id": "",
                                       "student_no": data.nur_student.student_no, "value": "4"},
               token_from="/evaluation/ratings")
    assert "No student with this number" in html(r)
    before = db.session.query(ManualScore).count()
    r = b.post("/evaluation/ratings", {"program_id": data.program.id, "key": "ethics_rating", "cohort_id": "",
                                       "student_no": data.s[2].student_no, "value": "4.5", "note": "panel"},
               token_from="/evaluation/ratings")
    assert r.status_code == 302 and db.session.query(ManualScore).count() == before + 1


def test_swot_create_duplicate_and_access(en, data, setup):
    b = en(data.director)
    r = b.post("/evaluation/swot/new", {"program_id": data.program.id, "year": 2024, "threats": "x"},
               token_from="/evaluation/swot/new")
    assert r.status_code == 200 and "already has a SWOT record for 2024" in html(r)
    r = b.post("/evaluation/swot/new", {"program_id": data.program.id, "year": 2025, "threats": "Budget cuts",
                                        "wt_measures": "Share equipment"}, token_from="/evaluation/swot/new")
    assert r.status_code == 302
    assert db.session.scalar(select(SwotRecord).where(SwotRecord.year == 2025)).wt_measures == "Share equipment"
    other = en(setup["other_director"])
    assert other.get(f"/evaluation/swot/{setup['swot'].id}/edit").status_code == 404
    r = other.post("/evaluation/swot/new", {"program_id": data.program.id, "year": 2026, "threats": "x"},
                   token_from="/evaluation/swot/new")
    assert r.status_code == 200 and "Not a valid choice" in html(r)
    assert en(setup["teacher"]).get("/evaluation/swot/new").status_code == 403


def test_new_model_form_validation(en, data, setup):
    b = en(data.director)
    r = b.post("/evaluation/new", {"program_id": data.program.id, "name": "", "unit": "cohort"},
               token_from="/evaluation/new")
    assert r.status_code == 200 and re.search(r"invalid-feedback[^<]*>[^<]*required", html(r))
    r = b.post("/evaluation/new", {"program_id": data.program.id, "name": "Programs", "unit": "program"},
               token_from="/evaluation/new")
    assert "institution-wide" in html(r)
    r = b.post("/evaluation/new", {"program_id": "", "name": "Mine", "unit": "cohort"}, token_from="/evaluation/new")
    assert r.status_code == 200 and "Not a valid choice" in html(r)
