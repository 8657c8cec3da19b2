"""History carries over to a new framework version by requirement: copies, the mapping step, the chain."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from eduinnov.auth.models import Role
from eduinnov.core.errors import ValidationError
from eduinnov.extensions import db
from eduinnov.frameworks import queries, services
from eduinnov.frameworks.models import (
    FrameworkStatus,
    FrameworkVersion,
    GraduationRequirement,
    ObjectiveRule,
    RequirementSuccession,
)
from eduinnov.obe import queries as obe_queries
from eduinnov.obe import reports
from eduinnov.obe import services as obe_services
from eduinnov.obe.models import AchievementResult, ImprovementRecord, ImprovementStatus
from eduinnov.programs.models import Cohort
from eduinnov.reports import pack
from tests.factories import make_cohort, make_framework, make_user
from tests.frameworks.conftest import make_obe_framework


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _requirement(framework: FrameworkVersion, number: int) -> GraduationRequirement:
    return next(r for r in framework.requirements if r.number == number)


@pytest.fixture
def old(program, director):
    """Version 2017 (archived) with a requirement-level record on GR1, a point-level one on 1.1, one on GR3."""
    fw = make_obe_framework(program, "2017", status=FrameworkStatus.ACTIVE)
    cohort = make_cohort(program, 2017)
    gr1, gr3 = _requirement(fw, 1), _requirement(fw, 3)
    obe_services.create_improvement(gr1, user=director, cycle_year=2021, analysis="微积分薄弱", measure="增加习题课",
                                    responsible="数学教研室", cohort=cohort, achievement_value=0.62,
                                    next_cycle_result="2025 届达成 0.74", status=ImprovementStatus.VERIFIED)
    obe_services.create_improvement(gr1, user=director, cycle_year=2020, analysis="建模能力不足", measure="案例教学",
                                    responsible="张老师", point=gr1.indicator_points[0])
    obe_services.create_improvement(gr3, user=director, cycle_year=2021, analysis="设计题得分低", measure="增加项目",
                                    responsible="李老师")
    db.session.commit()
    return fw


def test_a_copied_version_shows_the_earlier_records_as_earlier_cycles(old, director):
    old.objective_rule = ObjectiveRule.MINIMUM
    db.session.commit()
    new = services.clone_framework(old, version="2024", user=director)
    db.session.commit()
    assert new.objective_rule == ObjectiveRule.MINIMUM  # the OBE settings travel with the copy
    new_gr1 = _requirement(new, 1)
    history = obe_queries.list_improvements_of_requirement(new_gr1)
    assert [(r.cycle_year, r.analysis) for r in history] == [(2021, "微积分薄弱"), (2020, "建模能力不足")]
    assert {r.framework_id for r in history} == {old.id}  # the records stay with the version they were made under
    assert obe_queries.list_improvements_of_requirement(new_gr1, across_versions=False) == []
    assert [r.number for r in queries.list_requirement_ancestors(new_gr1)] == [1]
    assert len(obe_queries.list_improvements_across_versions(new)) == 3
    assert db.session.scalar(select(func.count()).select_from(ImprovementRecord)) == 3  # rows kept, none copied
    # and a record added under the new version joins the chain, newest first
    obe_services.create_improvement(new_gr1, user=director, cycle_year=2025, analysis="新一轮", measure="跟踪",
                                    responsible="教学办")
    db.session.commit()
    assert [r.cycle_year for r in obe_queries.list_improvements_of_requirement(new_gr1)] == [2025, 2021, 2020]


def test_the_chain_spans_several_versions(old, director):
    mid = services.clone_framework(old, version="2020", user=director)
    db.session.commit()
    new = services.clone_framework(mid, version="2024", user=director)
    db.session.commit()
    gr3 = _requirement(new, 3)
    assert [a.framework.version for a in queries.list_requirement_ancestors(gr3)] == ["2020", "2017"]
    assert [r.analysis for r in obe_queries.list_improvements_of_requirement(gr3)] == ["设计题得分低"]


@pytest.fixture
def renumbered(program, old, director):
    """A new version written from scratch: old GR1 is now GR2, old GR3 has no counterpart, GR5 is new."""
    new = services.create_framework(program, version="2024", title="2024 版", user=director)
    for number, title in ((2, "工程知识"), (5, "新要求")):
        services.create_requirement(new, number=number, title=title)
    db.session.commit()
    return new


def test_the_mapping_page_proposes_equal_numbers_and_saving_carries_history_over(old, renumbered, login_as,
                                                                                 director):
    browser = login_as(director)
    url = f"/frameworks/{renumbered.id}/lineage"
    page = _text(browser.get(url))
    assert "Carry history over to version 2024" in page and "not carried over" in page
    old_gr1, old_gr3 = _requirement(old, 1), _requirement(old, 3)
    new_gr2, new_gr5 = _requirement(renumbered, 2), _requirement(renumbered, 5)
    rows = queries.get_requirement_mapping(renumbered, old)
    assert [(r.old.number, r.new_id, r.saved) for r in rows] == [(1, None, False), (3, None, False)]  # no GR1/GR3
    detail = _text(browser.get(f"/frameworks/{renumbered.id}"))
    assert "is not carried over to this version yet" in detail

    saved = browser.post(f"{url}?source={old.id}", {f"req_{old_gr1.id}": new_gr2.id, f"req_{old_gr3.id}": 0},
                         token_from=url)
    assert saved.status_code == 302
    links = db.session.execute(select(RequirementSuccession.predecessor_id, RequirementSuccession.successor_id)).all()
    assert links == [(old_gr1.id, new_gr2.id)]
    history = obe_queries.list_improvements_of_requirement(db.session.get(GraduationRequirement, new_gr2.id))
    assert [r.analysis for r in history] == ["微积分薄弱", "建模能力不足"]
    assert obe_queries.list_improvements_of_requirement(db.session.get(GraduationRequirement, new_gr5.id)) == []
    # GR3 of 2017 is listed as not carried over; its record is still there, under 2017
    detail = _text(browser.get(f"/frameworks/{renumbered.id}"))
    assert "Requirements of version 2017 not carried over: GR3 " in " ".join(re.sub(r"<[^>]+>", "", detail).split())
    assert db.session.scalar(select(func.count()).select_from(ImprovementRecord)) == 3
    assert len(obe_queries.list_improvements_of_requirement(db.session.get(GraduationRequirement, old_gr3.id))) == 1
    # the page now shows what is saved
    rows = queries.get_requirement_mapping(renumbered, old)
    assert [(r.old.number, r.new_id, r.saved) for r in rows] == [(1, new_gr2.id, True), (3, None, False)]

    # the improvements page of the new GR2 shows the chain across versions
    chain = _text(browser.get(f"/obe/requirements/{new_gr2.id}/improvements"))
    assert "2017 GR1" in chain and "微积分薄弱" in chain and "建模能力不足" in chain

    # remapping replaces the links (GR1 → GR5 now)
    browser.post(f"{url}?source={old.id}", {f"req_{old_gr1.id}": new_gr5.id, f"req_{old_gr3.id}": new_gr5.id},
                 token_from=url)
    links = sorted(db.session.execute(select(RequirementSuccession.predecessor_id,
                                             RequirementSuccession.successor_id)).all())
    assert links == [(old_gr1.id, new_gr5.id), (old_gr3.id, new_gr5.id)]
    assert len(obe_queries.list_improvements_of_requirement(db.session.get(GraduationRequirement, new_gr5.id))) == 3


def test_a_requirement_of_another_version_is_refused_and_nothing_changes(old, renumbered, login_as, director):
    browser = login_as(director)
    url = f"/frameworks/{renumbered.id}/lineage?source={old.id}"
    old_gr1, old_gr3 = _requirement(old, 1), _requirement(old, 3)
    page = browser.post(url, {f"req_{old_gr1.id}": old_gr3.id, f"req_{old_gr3.id}": 0}, token_from=url)
    assert page.status_code == 200 and "Not a valid choice" in _text(page)
    assert db.session.scalar(select(func.count()).select_from(RequirementSuccession)) == 0
    # a version cannot continue itself nor a later one; the earlier version's page asks for nothing
    assert browser.get(f"/frameworks/{renumbered.id}/lineage?source={renumbered.id}").status_code == 404
    assert browser.get(f"/frameworks/{old.id}/lineage?source={renumbered.id}").status_code == 404
    assert "carried over" not in _text(browser.get(f"/frameworks/{old.id}"))


def test_the_service_checks_completeness_and_loops(old, renumbered, director):
    old_gr1, old_gr3 = _requirement(old, 1), _requirement(old, 3)
    new_gr2 = _requirement(renumbered, 2)
    with pytest.raises(ValidationError, match="where it continues"):
        services.map_requirements(renumbered, old, {old_gr1.id: new_gr2.id}, user=director)
    services.map_requirements(renumbered, old, {old_gr1.id: new_gr2.id, old_gr3.id: None}, user=director)
    back = {r.id: None for r in renumbered.requirements}
    back[new_gr2.id] = old_gr1.id
    with pytest.raises(ValidationError, match="loop"):
        services.map_requirements(old, renumbered, back, user=director)
    assert db.session.scalar(select(func.count()).select_from(RequirementSuccession)) == 1


def test_an_archived_version_cannot_be_mapped(old, renumbered, login_as, director):
    services.activate_framework(renumbered, user=director)  # archives 2017
    db.session.commit()
    mid = services.clone_framework(old, version="2019", user=director)
    services.archive_framework(mid, user=director)
    db.session.commit()
    response = login_as(director).get(f"/frameworks/{mid.id}/lineage?source={old.id}")
    assert response.status_code == 302 and response.location.endswith(f"/frameworks/{mid.id}")


def test_a_director_of_another_program_or_a_teacher_cannot_map(old, renumbered, login_as, other_program, teacher):
    old_gr1, old_gr3 = _requirement(old, 1), _requirement(old, 3)
    data = {f"req_{old_gr1.id}": _requirement(renumbered, 2).id, f"req_{old_gr3.id}": 0}
    url = f"/frameworks/{renumbered.id}/lineage?source={old.id}"
    outsider = login_as(make_user(Role.DIRECTOR, [other_program]))
    assert outsider.get(url).status_code == 404
    assert outsider.post(url, data, token_from="/").status_code == 404
    own_teacher = login_as(teacher)
    assert own_teacher.get(url).status_code in (403, 404)
    assert own_teacher.post(url, data, token_from="/").status_code in (403, 404)
    # a source version of another program is not offered either
    foreign = make_framework(other_program, "2017", status=FrameworkStatus.ACTIVE)
    director = make_user(Role.ADMIN)
    assert login_as(director).get(f"/frameworks/{renumbered.id}/lineage?source={foreign.id}").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(RequirementSuccession)) == 0


def test_the_cohort_trend_follows_renumbered_requirements(program, old, renumbered, director, login_as):
    services.map_requirements(renumbered, old, {_requirement(old, 1).id: _requirement(renumbered, 2).id,
                                                _requirement(old, 3).id: None}, user=director)
    old.entry_year, renumbered.entry_year = 2017, 2021
    services.activate_framework(renumbered, user=director)
    db.session.commit()
    cohorts = {2017: db.session.scalar(select(Cohort).where(Cohort.entry_year == 2017)),
               2021: make_cohort(program, 2021)}
    db.session.commit()
    values = {2017: {_requirement(old, 1).id: 0.61, _requirement(old, 3).id: 0.8},
              2021: {_requirement(renumbered, 2).id: 0.72, _requirement(renumbered, 5).id: 0.9}}
    for year, cohort in cohorts.items():
        framework = old if year == 2017 else renumbered
        db.session.execute(AchievementResult.__table__.delete().where(AchievementResult.cohort_id == cohort.id))
        db.session.add(AchievementResult(cohort_id=cohort.id, framework_id=framework.id, fingerprint="x", data={
            "offerings": {}, "course_objectives": {}, "courses_with_scores": [], "cells": {}, "points": {},
            "students": {},
            "requirements": {str(rid): {"weighted_sum": v, "minimum": v} for rid, v in values[year].items()}}))
    db.session.commit()
    trend = dict((c.entry_year, v) for c, v in reports.cohort_trend(cohorts[2021]))
    # old GR1 (0.61) shows as GR2, old GR3 (not carried over) is left out
    assert trend == {2017: {2: 0.61}, 2021: {2: 0.72, 5: 0.9}}
    # the requirement page of the 2021 cohort shows GR2 across cohorts, 2017's value from the old GR1
    page = _text(login_as(director).get(f"/obe/cohorts/{cohorts[2021].id}/requirements/{_requirement(renumbered, 2).id}"))
    across = " ".join(re.sub(r"<[^>]+>", " ", page[page.index("Across cohorts"):]).split())
    assert across.startswith("Across cohorts") and "SE 2017 0.610" in across and "SE 2021 0.720" in across


def test_the_pack_lists_the_earlier_versions_records_with_their_version(old, director):
    new = services.clone_framework(old, version="2024", user=director)
    cohort = make_cohort(old.program, 2024)
    db.session.commit()
    part = pack._improvements_part(new, cohort)
    assert [p["target"] for p in part] == ["GR3 (v2017)", "GR1 (v2017)", "1.1 (v2017)"]  # 2021, 2021, 2020
    assert part[1]["cohort"] is not None  # another cohort's record: an earlier cycle, kept
