"""The cohort dashboard at page speed: a fixed number of statements whatever the size of the university,
and each faster path equal to the slower computation it replaced (kept here as the reference)."""

from __future__ import annotations

import random
import re

import pytest
from markupsafe import escape
from sqlalchemy import and_, case, event, func, select
from sqlalchemy.orm import defer

from eduinnov.achievements.models import (
    Achievement,
    AchievementKind,
    AchievementParticipant,
    Indexing,
    Level,
    PatentStatus,
    VerificationStatus,
)
from eduinnov.auth.models import Role
from eduinnov.core.charts import _svg
from eduinnov.extensions import db
from eduinnov.frameworks.models import Participation, PartnerKind, PartnerOrganisation
from eduinnov.indicators import services as indicator_services
from eduinnov.indicators.models import EvaluationRun, EvaluationUnit
from eduinnov.indicators.queries import published_runs_clause
from eduinnov.programs.models import Cohort, Student, StudentStatus
from eduinnov.reports import queries
from tests.factories import (
    make_achievement,
    make_cohort,
    make_participation,
    make_partner,
    make_program,
    make_run,
    make_student,
    make_user,
    verified,
)

# --- the references: the code the faster paths replaced, unchanged --------------------------------------


def _old_count_headlines(keys, *, group_by="cohort", include_claimed=False):
    """``count_headlines`` as three aggregate queries (before it became one statement)."""
    keys = list(dict.fromkeys(keys))
    out = {k: queries.Headline() for k in keys}
    key = Student.cohort_id if group_by == "cohort" else Cohort.program_id
    statuses = queries._counted_statuses(include_claimed)
    present = Student.status != StudentStatus.WITHDRAWN
    achieved = (
        select(AchievementParticipant.id)
        .join(Achievement, Achievement.id == AchievementParticipant.achievement_id)
        .where(AchievementParticipant.student_id == Student.id, Achievement.program_id + 0 == Cohort.program_id,
               Achievement.verification_status.in_(statuses))
        .exists()
    )
    placed = (
        select(Participation.id)
        .join(PartnerOrganisation, PartnerOrganisation.id == Participation.partner_id)
        .where(Participation.student_id == Student.id, PartnerOrganisation.program_id == Cohort.program_id)
        .exists()
    )
    stmt = (
        select(key, func.count(Student.id), func.sum(case((achieved, 1), else_=0)),
               func.sum(case((placed, 1), else_=0)))
        .select_from(Student).join(Cohort, Cohort.id == Student.cohort_id)
        .where(key.in_(keys), present).group_by(key)
    )
    for k, students, with_achievement, with_participation in db.session.execute(stmt):
        h = out[k]
        h.students, h.with_achievement, h.with_participation = students, with_achievement or 0, with_participation or 0
    stmt = (
        select(key, Achievement.kind, Achievement.level, Achievement.indexing, Achievement.patent_status,
               func.count(func.distinct(Achievement.id)))
        .select_from(Achievement)
        .join(AchievementParticipant, AchievementParticipant.achievement_id == Achievement.id)
        .join(Student, Student.id == AchievementParticipant.student_id)
        .join(Cohort, and_(Cohort.id == Student.cohort_id, Cohort.program_id == Achievement.program_id + 0))
        .where(key.in_(keys), present, Achievement.verification_status.in_(statuses))
        .group_by(key, Achievement.kind, Achievement.level, Achievement.indexing, Achievement.patent_status)
    )
    for k, kind, level, indexing, patent_status, n in db.session.execute(stmt):
        h = out[k]
        h.by_kind[kind] = h.by_kind.get(kind, 0) + n
        if kind in (AchievementKind.PROJECT, AchievementKind.AWARD):
            h.by_kind_level[(kind, level)] = h.by_kind_level.get((kind, level), 0) + n
        if kind == AchievementKind.PUBLICATION:
            h.papers_by_indexing[indexing] = h.papers_by_indexing.get(indexing, 0) + n
        if kind == AchievementKind.PATENT and patent_status == PatentStatus.GRANTED:
            h.patents_granted += n
    stmt = (
        select(key, PartnerOrganisation.kind, func.count(func.distinct(Participation.student_id)))
        .select_from(Participation)
        .join(PartnerOrganisation, PartnerOrganisation.id == Participation.partner_id)
        .join(Student, Student.id == Participation.student_id)
        .join(Cohort, and_(Cohort.id == Student.cohort_id, Cohort.program_id == PartnerOrganisation.program_id))
        .where(key.in_(keys), present).group_by(key, PartnerOrganisation.kind)
    )
    for k, kind, n in db.session.execute(stmt):
        out[k].participation_by_partner_kind[kind] = n
    return out


def _old_student_rows(cohort, *, include_claimed=False):
    """``list_student_rows`` as it was: distinct counts, the statement built per call."""
    statuses = queries._counted_statuses(include_claimed)
    per_kind = {kind.value: func.count(func.distinct(case((Achievement.kind == kind, Achievement.id))))
                for kind in AchievementKind}
    counts = (
        select(AchievementParticipant.student_id.label("student_id"),
               func.count(func.distinct(Achievement.id)).label("achievements"),
               *(col.label(f"n_{name}") for name, col in per_kind.items()))
        .join(Achievement, Achievement.id == AchievementParticipant.achievement_id)
        .join(Student, Student.id == AchievementParticipant.student_id)
        .where(Student.cohort_id == cohort.id, Achievement.program_id == cohort.program_id,
               Achievement.verification_status.in_(statuses))
        .group_by(AchievementParticipant.student_id).subquery()
    )
    placements = (
        select(Participation.student_id.label("student_id"), func.count(Participation.id).label("n"))
        .join(PartnerOrganisation, PartnerOrganisation.id == Participation.partner_id)
        .join(Student, Student.id == Participation.student_id)
        .where(Student.cohort_id == cohort.id, PartnerOrganisation.program_id == cohort.program_id)
        .group_by(Participation.student_id).subquery()
    )
    stmt = (
        select(Student.student_no, Student.name, Student.email, Student.status,
               func.coalesce(counts.c.achievements, 0), *(func.coalesce(counts.c[f"n_{n}"], 0) for n in per_kind),
               func.coalesce(placements.c.n, 0))
        .outerjoin(counts, counts.c.student_id == Student.id)
        .outerjoin(placements, placements.c.student_id == Student.id)
        .where(Student.cohort_id == cohort.id).order_by(Student.student_no)
    )
    rows = []
    for no, name, email, status, total, *rest in db.session.execute(stmt):
        *kinds, n_participations = rest
        row = {"student_no": no, "name": name, "email": email, "status": status, "achievements": total,
               "participations": n_participations}
        row.update(dict(zip(per_kind, kinds, strict=True)))
        rows.append(row)
    return rows


def _old_latest_runs(cohort):
    """The newest published and the newest held run, as the two queries the dashboard made before."""
    def newest(condition):
        return db.session.scalar(
            select(EvaluationRun)
            .where(EvaluationRun.target_cohort_id == cohort.id, EvaluationRun.unit == EvaluationUnit.STUDENT,
                   EvaluationRun.program_id == cohort.program_id, condition)
            .options(defer(EvaluationRun.inputs))
            .order_by(EvaluationRun.created_at.desc(), EvaluationRun.id.desc()).limit(1))
    return newest(published_runs_clause()), newest(~published_runs_clause())


def _old_attrs(**attrs):
    out = []
    for key, value in attrs.items():
        if value is None:
            continue
        name = key.rstrip("_").replace("_", "-")
        if isinstance(value, float):
            out.append(f' {name}="{_svg._n(value)}"')
        elif isinstance(value, int):
            out.append(f' {name}="{value!s}"')
        else:
            out.append(f' {name}="{escape(str(value))}"')
    return "".join(out)


def _old_text(x, y, text, *, size=_svg.FONT_SIZE, anchor="middle", fill=_svg.TEXT, weight=None, rotate=None,
              baseline=None, full_text=None):
    n = _svg._n
    transform = f"rotate({n(rotate)} {n(x)} {n(y)})" if rotate else None
    tip = f"<title>{escape(full_text)}</title>" if full_text and full_text != text else ""
    return (f"<text{_old_attrs(x=float(x), y=float(y), font_size=size, text_anchor=anchor, fill=fill, font_weight=weight, transform=transform, dominant_baseline=baseline)}>"
            f"{tip}{escape(text)}</text>")


# --- random data ------------------------------------------------------------------------------------------

def _random_university(rng: random.Random, director):
    """Two programs (three cohorts), students (some withdrawn), achievements in every state with students
    of several cohorts and programs on them, partners of both programs and IUR participations."""
    programs = [director.memberships[0].program, make_program()]
    cohorts = [make_cohort(programs[0], 2021), make_cohort(programs[0], 2022), make_cohort(programs[1], 2022)]
    students = [make_student(rng.choice(cohorts),
                             status=rng.choice([StudentStatus.ENROLLED] * 4 + [StudentStatus.WITHDRAWN,
                                                                               StudentStatus.GRADUATED]))
                for _ in range(18)]
    statuses = list(VerificationStatus)
    for _ in range(40):
        kind = rng.choice(list(AchievementKind))
        extra = {}
        if kind in (AchievementKind.PROJECT, AchievementKind.AWARD):
            extra["level"] = rng.choice(list(Level))
        if kind == AchievementKind.PUBLICATION:
            extra["indexing"] = rng.choice([*Indexing, None])
        if kind == AchievementKind.PATENT:
            extra["patent_status"] = rng.choice(list(PatentStatus))
        a = make_achievement(rng.choice(programs), rng.sample(students, rng.randint(1, 3)), kind, **extra)
        status = rng.choice(statuses)
        if status != VerificationStatus.DRAFT:
            verified(a, director, status, "random" if status == VerificationStatus.REJECTED else None)
    partners = [make_partner(p, f"伙伴{i}", kind) for i, (p, kind) in
                enumerate((p, rng.choice(list(PartnerKind))) for p in programs for _ in range(3))]
    for s in rng.sample(students, 10):
        for partner in rng.sample(partners, rng.randint(1, 2)):
            make_participation(s, partner, "实习")
    return programs, cohorts


def _as_dict(h: queries.Headline) -> dict:
    return {"students": h.students, "with_achievement": h.with_achievement,
            "with_participation": h.with_participation, "by_kind": h.by_kind, "by_kind_level": h.by_kind_level,
            "papers_by_indexing": h.papers_by_indexing, "patents_granted": h.patents_granted,
            "participation_by_partner_kind": h.participation_by_partner_kind}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_headlines_in_one_statement_equal_the_three_aggregates_on_random_data(director, seed):
    programs, cohorts = _random_university(random.Random(seed), director)
    empty = make_cohort(programs[1], 2030)
    for include_claimed in (False, True):
        keys = [c.id for c in cohorts] + [empty.id]
        new = queries.count_headlines(keys, include_claimed=include_claimed)
        old = _old_count_headlines(keys, include_claimed=include_claimed)
        assert {k: _as_dict(h) for k, h in new.items()} == {k: _as_dict(h) for k, h in old.items()}
        keys = [p.id for p in programs]
        new = queries.count_headlines(keys, group_by="program", include_claimed=include_claimed)
        old = _old_count_headlines(keys, group_by="program", include_claimed=include_claimed)
        assert {k: _as_dict(h) for k, h in new.items()} == {k: _as_dict(h) for k, h in old.items()}
    assert new[programs[0].id].verified_total > 0  # the data did have something to count


@pytest.mark.parametrize("seed", [4, 5])
def test_student_rows_of_the_export_equal_the_distinct_counts_on_random_data(director, seed):
    _programs, cohorts = _random_university(random.Random(seed), director)
    for cohort in cohorts:
        for include_claimed in (False, True):
            new = queries.list_student_rows(cohort, include_claimed=include_claimed)
            assert new == _old_student_rows(cohort, include_claimed=include_claimed)
            assert [list(r) for r in new] == [list(r) for r in _old_student_rows(cohort)]  # same keys, same order
    assert any(r["achievements"] for c in cohorts for r in queries.list_student_rows(c))


def test_latest_runs_in_one_statement_equal_the_two_queries_on_random_runs(data, director):
    rng = random.Random(7)
    cohort = data.cohort
    assert queries.get_latest_runs(cohort) == (None, None) == _old_latest_runs(cohort)
    make_run(data.later, data.later_students)  # another cohort's run never shows
    for _ in range(8):
        run = make_run(cohort, data.students[:3], health_passed=rng.choice([None, True, False]))
        if run.health_passed is False and rng.random() < 0.3:
            indicator_services.review_run(run, "Reviewed: the verdict stands for this cohort.", director)
            db.session.commit()
        new, old = queries.get_latest_runs(cohort), _old_latest_runs(cohort)
        assert [r.id if r else None for r in new] == [r.id if r else None for r in old]
    assert queries.get_latest_student_run(cohort).id == _old_latest_runs(cohort)[0].id


@pytest.mark.parametrize("seed", range(5))
def test_svg_text_and_attributes_are_the_same_markup_as_before(seed):
    rng = random.Random(seed)
    values = [None, 0, 7, -3, True, 0.0, -0.004, 12.5, 1e-9, 123.456789, float(rng.uniform(-500, 500)),
              "middle", "#0072B2", 'a<b>&"c"', "5 3", "深度 学习"]
    for _ in range(200):
        kw = {k: rng.choice(values) for k in ("x1", "stroke_width", "class_", "font_size", "aria_labelledby")}
        assert _svg._attrs(**kw) == _old_attrs(**kw)
        x, y = rng.uniform(-100, 600), rng.choice([0, 3, 14.999, rng.uniform(0, 400)])
        text = rng.choice(["", "SE 2022", "<GR3> & \"x\"", "深度学习", "0.7"])
        opts = {"size": rng.choice([11, 12, 14, 11.5]), "anchor": rng.choice(["start", "end", "middle"]),
                "fill": rng.choice([_svg.TEXT, _svg.MUTED, "#ffffff", "<bad>"]),
                "weight": rng.choice([None, "bold"]), "rotate": rng.choice([None, 0, -35, -90, 12.25]),
                "baseline": rng.choice([None, "middle"]), "full_text": rng.choice([None, text, text + "…", "<t>"])}
        assert _svg._text(x, y, text, **opts) == _old_text(x, y, text, **opts)


# --- the page ---------------------------------------------------------------------------------------------

def _statements(browser, url: str) -> tuple[int, str]:
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        response = browser.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


def test_dashboard_makes_a_fixed_number_of_statements_whatever_the_size(login_as, data, director, admin):
    url = f"/dashboards/cohorts/{data.cohort.id}"
    make_run(data.cohort, data.students[:3])

    def count(who) -> int:
        browser = login_as(who)
        browser.get(url)  # the run's charts are drawn once per process (a stored run never changes)
        return _statements(browser, url)[0]

    small = {who.email: count(who) for who in (admin, director)}
    for i in range(6):  # more programs, cohorts, students and achievements
        p = make_program()
        for year in (2021, 2022):
            c = make_cohort(p, year)
            s = make_student(c)
            verified(make_achievement(p, [s]), admin)
        verified(make_achievement(data.program, [make_student(data.cohort, name=f"新生{i}")]), director)
    large = {who.email: count(who) for who in (admin, director)}
    assert small == large, (small, large)
    # the user, the cohort with its program, the pickers, the headline figures, the runs, three statements
    # of the OBE section (one here: no framework), the unread notifications; a director's programs besides
    assert large[admin.email] <= 8 and large[director.email] <= 10


def test_picker_lists_the_visible_programs_cohorts_newest_first_with_the_shown_one_selected(
        login_as, data, director, admin):
    url = f"/dashboards/cohorts/{data.cohort.id}"
    other = make_program("AAA", name_zh="甲专业", name_en="Alpha")
    make_cohort(other, 2020, label="甲 2020")
    make_program("ZZZ")  # no cohort: no group

    def picker(browser):
        html = _statements(browser, url)[1]
        select_html = html[html.index('<select class="form-select'):html.index("</select>")]
        return re.findall(r'<optgroup label="([^"]*)">|<option value="(\d+)"( selected)?>([^<]*)</option>', select_html)

    seen = picker(login_as(admin))
    assert [g for g, *_rest in seen if g] == ["AAA Alpha", "NUR Nursing", "SE Software Engineering"]
    options = [(cid, selected, name) for _g, cid, selected, name in seen if cid]
    assert options[0][2] == "甲 2020"  # a cohort's label when it has one
    se = options[-2:]  # SE's cohorts, the newest first; the one shown selected
    assert se == [(str(data.later.id), "", "SE 2023"), (str(data.cohort.id), " selected", "SE 2022")]
    mine = picker(login_as(director))
    assert [g for g, *_rest in mine if g] == ["SE Software Engineering"]  # only the programs they belong to

    chinese = make_user(Role.ADMIN, locale="zh")
    assert [g for g, *_rest in picker(login_as(chinese)) if g] == ["AAA 甲专业", "NUR 护理学", "SE 软件工程"]


def test_newer_held_run_is_announced_an_older_one_is_not(login_as, data, director):
    url = f"/dashboards/cohorts/{data.cohort.id}"
    held = make_run(data.cohort, data.students[:3], health_passed=False)
    page = _statements(login_as(director), url)[1]
    assert "held-run" in page and f"/evaluation/runs/{held.id}" in page
    make_run(data.cohort, data.students[:3], health_passed=True)  # a newer published run: nothing waits
    assert "held-run" not in _statements(login_as(director), url)[1]
