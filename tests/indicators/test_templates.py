"""YAML export/import, validation messages, and every built-in template running to a grade."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from eduinnov.achievements.models import (
    AchievementKind,
    Indexing,
    Level,
    PatentStatus,
    PatentType,
    VerificationStatus,
)
from eduinnov.auth.models import Role
from eduinnov.core.errors import ValidationError
from eduinnov.extensions import db
from eduinnov.frameworks.models import Participation, ParticipationKind
from eduinnov.indicators import services
from eduinnov.indicators.spec import SpecError, model_to_spec, validate_spec
from eduinnov.indicators.yaml_io import dump_model, list_templates, parse_yaml
from tests.factories import make_achievement, make_cohort, make_program, make_student, make_user, simple_spec


def enrich(data, n_students: int = 12, n_achievements: int = 40, seed: int = 3) -> None:
    """Add a seeded random mix of achievements, a third cohort and a third program to ``data``."""
    rng = random.Random(seed)
    c24 = make_cohort(data.program, 2024)
    pool = [make_student(rng.choice([data.c22, data.c23, c24])) for _ in range(n_students)] + list(data.s.values())[:5]
    third = make_program("ME", name_zh="机械", name_en="Mechanical")
    me_cohort = make_cohort(third, 2022)
    me = [make_student(me_cohort) for _ in range(3)]
    kinds = list(AchievementKind)
    for i in range(n_achievements):
        kind = kinds[i % 4]
        kw = {"verification_status": VerificationStatus.VERIFIED, "verified_by_id": data.director.id,
              "verified_at": datetime.now(UTC)}
        if kind in (AchievementKind.PROJECT, AchievementKind.AWARD):
            kw["level"] = rng.choice(list(Level))
            kw["funding"] = rng.choice([0, 5000, 20000]) if kind == AchievementKind.PROJECT else None
        if kind == AchievementKind.PUBLICATION:
            kw["indexing"] = rng.choice(list(Indexing))
        if kind == AchievementKind.PATENT:
            kw.update(patent_type=rng.choice(list(PatentType)), patent_status=rng.choice(list(PatentStatus)))
        program, people = (third, me) if i % 7 == 0 else (data.program, pool)
        make_achievement(program, rng.sample(people, 2), kind, **kw)
    for st in rng.sample(pool, 5):
        db.session.add(Participation(partner=data.p1, student=st, kind=ParticipationKind.PLACEMENT, title="实习"))
    db.session.commit()


def test_yaml_round_trip(data):
    model = services.import_model(simple_spec(), data.program, data.director)
    services.set_judgments(model.root, {("L1", "L2"): "3", ("L1", "L3"): "5", ("L2", "L3"): "1/2"}, data.director)
    text = dump_model(model)
    assert "judgments:" in text and "1/2" in text
    spec = parse_yaml(text)
    copy = services.import_model(spec, data.program, data.director)
    assert copy.version == 2  # same name in the same program: the next version
    assert validate_spec(model_to_spec(copy)) == validate_spec(model_to_spec(model))


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda s: s["tree"].update(weighting="magic"), "Node G, field weighting"),
    (lambda s: s["tree"]["judgments"]["L1"].update(L2=11), "Node G, field judgments: L1 vs L2"),
    (lambda s: s["tree"]["children"][0].update(metric="nope"), "Node L1, field metric: unknown metric"),
    (lambda s: s["tree"]["children"][0].update(metric="projects_per_100"), "Node L1, field metric"),
    (lambda s: s["tree"]["children"][1].update(params={"weights": {"SCI": "x"}}), "Node L2, field params"),
    (lambda s: s["tree"]["children"][2].update(code="L1"), "Node L1, field code"),
    (lambda s: s["tree"].update(weighting="expert", weights={"L1": 0.5, "L2": 0.2, "L3": 0.2}),
     "Node G, field weights: the weights add up to 0.9"),
    (lambda s: s["grade_scale"][1].update(max=0.8), "grade_scale"),
    (lambda s: s.update(unit="galaxy"), "Field unit"),
    (lambda s: s["tree"]["children"][2].update(scaling={"method": "target"}), "Node L3, field scaling.target"),
])
def test_validation_names_node_and_field(app, mutate, message):
    spec = simple_spec()
    mutate(spec)
    with pytest.raises(SpecError) as exc:
        validate_spec(spec)
    assert message in str(exc.value)


def test_depth_limit_and_yaml_syntax(app):
    spec = simple_spec()
    node = spec["tree"]["children"][0]
    for depth in range(4):
        child = {"code": f"D{depth}", "name_zh": "深", "metric": "projects"}
        node.pop("metric", None)
        node["children"] = [child]
        node = child
    with pytest.raises(SpecError, match="at most 4 levels"):
        validate_spec(spec)
    with pytest.raises(SpecError, match="line 2"):
        parse_yaml("name: x\n  unit: [student\n")


def test_invalid_import_creates_nothing(data):
    from eduinnov.indicators.models import EvaluationModel

    spec = simple_spec()
    spec["tree"]["children"][0]["metric"] = "nope"
    with pytest.raises(ValidationError, match="L1"):
        services.import_model(spec, data.program, data.director)
    assert db.session.query(EvaluationModel).count() == 0


@pytest.mark.parametrize("tpl", list_templates(), ids=lambda t: t.key)
def test_every_template_runs_to_a_grade(data, tpl):
    enrich(data)
    admin = make_user(Role.ADMIN)
    institution = tpl.unit == "program"
    user = admin if institution else data.director
    model = services.import_model(tpl.spec, None if institution else data.program, user, template_key=tpl.key)
    target = (services.Target(cohort=data.c22) if tpl.unit == "student"
              else services.Target(program=None if institution else data.program))
    run = services.run_evaluation(model, target, user)
    scale = [g["name_en"] for g in tpl.spec["grade_scale"]]
    assert run.results and all(r["grade"] in scale for r in run.results)
    assert all(0 <= r["score"] <= 1 for r in run.results)
    if tpl.key == "ahm_unascertained":
        assert tpl.count_nodes() == (4, 15, 45)
        assert run.summary["grade_rule"] == "confidence"
    if tpl.key == "ahp_fuzzy":
        assert tpl.count_nodes() == (5, 9)
        assert run.summary["grade_rule"] == "max_membership"
    if tpl.key == "pca_coupling_lq":
        lq = run.summary["location_quotient"]
        assert lq["categories"] == ["projects", "publications", "patents", "awards"]
        assert any(v is not None and v > 1 for row in lq["LQ"] for v in row)


def test_program_template_cannot_go_into_a_program(data):
    tpl = next(t for t in list_templates() if t.unit == "program")
    with pytest.raises(ValidationError, match="institution-wide"):
        services.import_model(tpl.spec, data.program, data.director)
