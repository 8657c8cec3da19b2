"""Cross-program access by id: every route of the app, tried with the ids of another program's objects.

The routes come from ``app.url_map``; each route argument is mapped to an object of program B (or, for
routes naming two objects, one of B and the others of A). Members of program A (teacher, director, and a
student of A) and the dean of A's school must get 404 for all of them, by GET and by POST with a valid CSRF token and a form full
of plausible values and B's ids, and the database and the upload folder must stay exactly as they were.
A new route whose argument is not in the map fails :func:`test_every_object_argument_is_mapped`, so the
walk keeps covering the whole app.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import select

from eduinnov import config, create_app
from eduinnov.extensions import db
from tests.clients import csrf_token

_APP = create_app(config.TestConfig())
RULES = sorted((r for r in _APP.url_map.iter_rules() if r.endpoint != "static"), key=lambda r: r.rule)

# Route argument -> attribute of the world built by tests/security/conftest.py.
OBJECT_ARGS = {
    "program_id": "program", "cohort_id": "cohort", "student_id": "student", "achievement_id": "achievement",
    "file_id": "evidence", "model_id": "model", "node_id": "node", "score_id": "rating", "run_id": "run",
    "framework_id": "framework", "agreement_id": "agreement", "base_id": "base", "course_id": "course",
    "module_id": "module", "objective_id": "objective", "participation_id": "participation",
    "partner_id": "partner", "point_id": "point", "requirement_id": "requirement", "supervisor_id": "joint",
    "supervision_id": "supervision", "offering_id": "offering", "item_id": "item", "survey_id": "survey",
    "user_id": "director", "job_id": "job", "notification_id": "notification", "claim_id": "claim",
    "transfer_id": "transfer", "school_id": "school", "record_id": None,  # record_id: see _object_attr
}
# Arguments that are not object ids, with a value that makes the route match a real page.
PLAIN_ARGS = {"kind": "students", "direction": "up", "key": "ahp_fuzzy", "fmt": "csv", "token": "0" * 43,
              # accreditation standards and their chapters belong to no program: admin-only pages
              "standard_id": "1", "chapter_id": "1"}
# Routes only administrators reach at all: 403 before any object is looked at.
ADMIN_ONLY = {"auth.user_edit", "schools.edit"}
BLUEPRINTS = sorted({r.endpoint.split(".")[0] for r in RULES})


def _object_attr(rule, arg: str) -> str:
    if arg == "record_id":
        return "swot" if rule.endpoint.startswith("indicators.") else "improvement"
    return OBJECT_ARGS[arg]


def _ident(world, attr: str) -> str:
    obj = getattr(world, attr)
    return str(obj.id)


def _object_args(rule) -> list[str]:
    return [a for a in rule.arguments if a in OBJECT_ARGS]


def _urls(rule, a, b) -> list[str]:
    """B's ids in every object argument; for several object arguments also each one alone from B."""
    args = _object_args(rule)
    variants = [set(args)]
    if len(args) > 1:
        variants += [{arg} for arg in args]
    urls = []
    for from_b in variants:
        path = rule.rule
        for arg in rule.arguments:
            if arg in OBJECT_ARGS:
                value = _ident(b if arg in from_b else a, _object_attr(rule, arg))
            else:
                value = PLAIN_ARGS[arg]
            path = re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?" + arg + ">", value, path)
        urls.append(path)
    return urls


def _hostile_form(b) -> dict:
    """Plausible values for every form of the app, naming B's objects wherever an id is asked for."""
    return {
        "name": "hacked", "title": "hacked", "name_zh": "hacked", "name_en": "hacked", "code": "HACK",
        "version": "hack", "description": "hacked", "student_no": b.student.student_no, "entry_year": "2030",
        "label": "hack", "status": "enrolled", "email": "hack@example.com", "year": "2024", "term": "2023-2024-1",
        "full_marks": "10", "type": "homework", "objective_ids": str(b.objective.id), "points": str(b.point.id),
        "number": "9", "cycle_year": "2025", "analysis": "x", "measure": "x", "responsible": "x", "target": "req",
        "reason": "x", "role": "primary", "kind": "placement", "supervisor": f"t-{b.teacher.id}",
        "program_id": str(b.program.id), "cohort_id": str(b.cohort.id), "student_id": str(b.student.id),
        "course_id": str(b.course.id), "teacher_id": str(b.teacher.id), "module_id": str(b.module.id),
        "parent_id": str(b.module.id), "practice_base_id": str(b.base.id),
        "joint_supervisor_id": str(b.joint.id), "key": "expert_rating", "value": "5", "token": "0" * 32,
        f"cell-{b.course.id}-{b.point.id}": "H", f"share-{b.objective.id}": "1",
        f"w-{b.objective.id}-homework": "1", "strengths": "x", "lang": "en",
        "other_id": str(b.achievement.id), "event_date": "2024-06-01", "counterparty": "x", "amount": "1",
        "fmt": "csv",
    }


def _snapshot() -> dict[str, list]:
    """Every row of every table (the throttling table aside), to compare before and after."""
    db.session.expire_all()
    out = {}
    for table in db.metadata.sorted_tables:
        if table.name == "login_attempts":
            continue
        out[table.name] = sorted(map(repr, db.session.execute(select(table)).all()))
    return out


def _files() -> set[str]:
    root = Path(current_app.config["UPLOAD_DIR"])
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def _expected(rule, who: str) -> set[int]:
    """Staff of A: 404, as for an id that does not exist. A's student may also meet 403 first: staff-only
    pages refuse students by role, and her own record is visible but not hers to change."""
    if rule.endpoint in ADMIN_ONLY:
        return {403}
    # The dean of A's school likewise: she may not change A's objects, so a route naming one of A's objects
    # (and one of B's) may refuse her 403 for A's before it looks at B's id.
    if who == "dean" and len(_object_args(rule)) > 1:
        return {403, 404}
    return {403, 404} if who == "student_user" else {404}


def test_every_object_argument_is_mapped():
    unknown = {(r.endpoint, a) for r in RULES for a in r.arguments if a not in OBJECT_ARGS and a not in PLAIN_ARGS}
    assert unknown == set(), "map these route arguments to an object of the security world"


def test_the_walk_reaches_most_routes():
    with_objects = [r for r in RULES if _object_args(r)]
    assert len(with_objects) >= 80


@pytest.mark.parametrize("blueprint", BLUEPRINTS)
@pytest.mark.parametrize("who", ["teacher", "director", "student_user", "dean"])
def test_members_of_a_get_404_for_every_object_of_b(login_as, world_a, world_b, who, blueprint):
    rules = [r for r in RULES if r.endpoint.split(".")[0] == blueprint and _object_args(r)]
    if not rules:
        return
    browser = login_as(getattr(world_a, who))
    token = csrf_token(browser.client, "/account/password")
    form = _hostile_form(world_b)
    rows, files = _snapshot(), _files()
    failures = []
    for rule in rules:
        for url in _urls(rule, world_a, world_b):
            for method in sorted(rule.methods & {"GET", "POST"}):
                if method == "GET":
                    response = browser.client.get(url)
                else:
                    response = browser.client.post(url, data={**form, "csrf_token": token})
                if response.status_code not in _expected(rule, who):
                    failures.append(f"{method} {url} ({rule.endpoint}): {response.status_code}")
                after = _snapshot()
                changed = sorted(t for t in rows if rows[t] != after[t])
                if changed:
                    failures.append(f"{method} {url} ({rule.endpoint}) changed {changed}")
                    rows = after
    assert failures == []
    assert _files() == files


@pytest.mark.parametrize("who", ["teacher", "director", "dean"])
def test_the_walk_is_not_vacuous_own_objects_open(login_as, world_a, world_b, who):
    """The same GET pages with A's own ids answer 200 or 403 for A's members (so 404 above means something)."""
    browser = login_as(getattr(world_a, who))
    opened = 0
    for rule in RULES:
        if "GET" not in rule.methods or not _object_args(rule) or rule.endpoint in ADMIN_ONLY:
            continue
        if rule.endpoint.startswith("schools.") and who != "dean":
            continue  # a school's pages are its deans' (and admins'): members of a program get 404
        url = _urls(rule, world_a, world_a)[0]
        response = browser.client.get(url)
        if rule.endpoint.startswith("reports."):
            # Report jobs are their owner's alone (A's director), and each page wants its own kind of job.
            assert response.status_code in (200, 302, 404), f"{url}: {response.status_code}"
            continue
        assert response.status_code in (200, 302, 403), f"{url}: {response.status_code}"
        opened += response.status_code == 200
    assert opened >= (20 if who == "dean" else 30)  # a dean reads (200) what members may change (403 for her)
