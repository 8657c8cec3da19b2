"""The school roll-up and the university comparison: figures hand-counted from the dashboard fixture,
stored OBE results read (not recomputed), held runs skipped, a constant number of queries, exports."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, event, select, update

from eduinnov.achievements.models import AchievementKind, Level
from eduinnov.auth.models import Role
from eduinnov.core.lifecycle import Lifecycle
from eduinnov.extensions import db
from eduinnov.frameworks.models import AggregationRule, GraduationRequirement
from eduinnov.indicators.models import EvaluationRun
from eduinnov.obe import reports as obe_reports
from eduinnov.obe.models import AchievementResult, Score
from eduinnov.programs.models import Program
from eduinnov.schools import queries
from eduinnov.schools.queries import school_rollup, university_rollup
from tests.factories import (
    make_achievement,
    make_cohort,
    make_framework,
    make_obe_plan,
    make_run,
    make_school,
    make_student,
    make_user,
    verified,
)

K = AchievementKind


@pytest.fixture
def schools(data):
    """ENG holds SE (``data.program``), MED holds NUR (``data.other_program``); a dean of ENG."""
    dean = make_user(Role.TEACHER, name="工学院院长")
    eng = make_school("ENG", [data.program], [dean], name_zh="工学院", name_en="School of Engineering")
    med = make_school("MED", [data.other_program], name_zh="医学院", name_en="School of Medicine")
    return eng, med, dean


def _store_obe(cohort, framework, verdicts: dict[int, tuple[bool, bool]]) -> None:
    """A stored OBE document for ``cohort``: requirement id -> (achieved_weighted_sum, achieved_minimum)."""
    db.session.execute(delete(AchievementResult).where(AchievementResult.cohort_id == cohort.id))
    reqs = {str(rid): {"weighted_sum": 0.8 if ws else 0.5, "minimum": 0.8 if mn else 0.5,
                       "achieved_weighted_sum": ws, "achieved_minimum": mn, "rule_changes_verdict": ws != mn}
            for rid, (ws, mn) in verdicts.items()}
    db.session.add(AchievementResult(cohort_id=cohort.id, framework_id=framework.id, fingerprint="x" * 64,
                                     data={"requirements": reqs, "offerings": "{}", "students": "{}"}))
    db.session.commit()


def _framework(program, rule=AggregationRule.WEIGHTED_SUM, numbers=(1, 2, 3)):
    fw = make_framework(program, version="2022", status=Lifecycle.ACTIVE, aggregation_rule=rule)
    reqs = [GraduationRequirement(framework=fw, number=n, title=f"要求{n}") for n in numbers]
    db.session.add_all(reqs)
    db.session.commit()
    return fw, reqs


def test_headline_counts_match_a_hand_count(data, schools):
    eng, _med, _dean = schools
    r = school_rollup(eng)
    assert [p.program.code for p in r.programs] == [data.program.code]
    h = r.programs[0].headline
    # Verified in SE: a1, a2, a9 projects (a9: a student who withdrew later; the achievement stays the
    # program's); a3 paper; a4, a5 patents; a6 award (a7 claimed and a8 rejected are not counted).
    # Students: s1-s4 of 2022 and t1, t2 of 2023 (s5 withdrawn).
    assert h.by_kind == {K.PROJECT: 3, K.PUBLICATION: 1, K.PATENT: 2, K.AWARD: 1}
    assert h.students == 6 and h.verified_per_100 == pytest.approx(100 * 7 / 6)
    assert h.by_year == {2023: 7}  # the factory's year
    assert {c.entry_year: c.students for c in r.programs[0].cohorts} == {2022: 4, 2023: 2}
    assert r.years == [2022, 2023] and r.achievement_years == [2023]


def test_latest_published_run_with_grades_held_runs_skipped(data, schools):
    eng, _med, _dean = schools
    assert school_rollup(eng).programs[0].run is None
    shown = make_run(data.cohort, data.students[:3])
    held = make_run(data.cohort, data.students[:3])
    # Failed its health check, no director's review: not published (stored runs are immutable in the ORM).
    db.session.execute(update(EvaluationRun).where(EvaluationRun.id == held.id)
                       .values(created_at=shown.created_at + timedelta(minutes=5), health_passed=False))
    db.session.commit()
    run = school_rollup(eng).programs[0].run
    assert run.run_id == shown.id
    assert run.n == 3 and run.mean == pytest.approx((0.8 + 0.5 + 0.65) / 3)
    assert run.grades == [("优秀", "Excellent", 2), ("待提高", "Needs work", 1)]
    summary = queries.dean_summaries(schools[2])
    assert summary[0].held_runs == 1 and summary[0].without_run == []


def test_obe_reads_the_stored_verdicts_of_the_newest_cohort_under_the_frameworks_rule(data, schools):
    eng, med, _dean = schools
    fw, (g1, g2, g3) = _framework(data.program)
    _store_obe(data.cohort, fw, {g1.id: (True, True), g2.id: (True, False), g3.id: (False, False)})
    _store_obe(data.later, fw, {g1.id: (False, False), g2.id: (True, True)})
    p = school_rollup(eng).programs[0]
    # Newest cohort with results is 2023: GR1 below under the weighted-sum rule, 2 judged.
    assert (p.obe.entry_year, p.obe.below, p.obe.total, p.obe.rule) == (2023, [1], 2, AggregationRule.WEIGHTED_SUM)
    assert {c.entry_year: (c.obe_below, c.obe_total) for c in p.cohorts} == {2022: (1, 3), 2023: (1, 2)}
    # No scores exist: the figures can only have come from the stored rows (nothing recomputed).
    assert db.session.query(Score).count() == 0
    nur_fw, (n1,) = _framework(data.other_program, AggregationRule.MINIMUM, numbers=(4,))
    _store_obe(data.nur, nur_fw, {n1.id: (True, False)})
    assert school_rollup(med).programs[0].obe.below == [4]  # minimum rule: below, though the weighted sum passes


def test_obe_verdicts_agree_with_the_obe_report_computed_from_scores(program, teacher):
    plan = make_obe_plan(program, teacher)
    values = {"作业1": [8, 6, 3], "作业2": [9, 5, 2], "题1": [20, 15, 8], "题2": [12, 9, 4]}
    for item in plan.items:
        for student, v in zip(plan.students, values[item.name], strict=True):
            db.session.add(Score(item=item, student=student, value=v))
    db.session.commit()
    school = make_school("ENG", [program])
    report = obe_reports.cohort_report(plan.cohort)  # the OBE page's own figures (stores the results)
    db.session.commit()
    expected = sorted(r.requirement.number for r in report.requirements if r.achieved_weighted_sum is False)
    p = school_rollup(school).programs[0]
    assert expected == [3]  # the low scores put GR3 below 0.7 (so the comparison is not vacuous)
    assert p.obe is not None and p.obe.below == expected and p.obe.total == len(report.requirements)
    # The small copy the roll-ups read is stored with the document.
    assert db.session.scalar(select(AchievementResult.requirements)) is not None


def test_university_adds_up_the_programs_of_each_school(data, schools, director):
    eng, med, _dean = schools
    extra = Program(code="ME", name_zh="机械", name_en="Mechanical")
    db.session.add(extra)
    db.session.commit()
    eng.programs.append(extra)
    make_student(make_cohort(extra, 2022))
    db.session.commit()
    u = university_rollup()
    totals = {t.school.code: t for t in u.schools}
    assert totals["ENG"].programs == 2 and totals["ENG"].students == 7
    verified(make_achievement(extra, [], K.AWARD, level=Level.NATIONAL), director)
    totals = {t.school.code: t for t in university_rollup().schools}
    assert totals["ENG"].by_kind == {K.PROJECT: 3, K.PUBLICATION: 1, K.PATENT: 2, K.AWARD: 2}
    assert totals["ENG"].verified_per_100 == pytest.approx(100 * 8 / 7)
    assert totals["MED"].programs == 1 and totals["MED"].students == 1 and totals["MED"].by_kind == {K.PROJECT: 1}
    assert totals["DEFAULT"].programs == 0  # the fixtures' programs were created in the default school


def _count_queries(fn) -> int:
    seen = []

    def count(*_args, **_kw):
        seen.append(1)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_the_rollup_issues_the_same_number_of_queries_for_one_or_many_programs(data, schools):
    eng, _med, _dean = schools
    make_run(data.cohort, data.students[:3])
    one = _count_queries(lambda: school_rollup(db.session.get(type(eng), eng.id)))
    for i in range(4):
        p = Program(code=f"X{i}", name_zh=f"专业{i}")
        db.session.add(p)
        db.session.commit()
        eng.programs.append(p)
        students = [make_student(make_cohort(p, year)) for year in (2021, 2022)]
        make_run(students[0].cohort, students[:1])
    db.session.commit()
    db.session.expire_all()
    many = _count_queries(lambda: school_rollup(db.session.get(type(eng), eng.id)))
    assert many == one <= 12, (one, many)


def test_school_dashboard_page_and_exports(login_as, data, schools, admin):
    eng, _med, dean = schools
    make_run(data.cohort, data.students[:3])
    b = login_as(dean)
    page = b.get(f"/schools/{eng.id}").get_data(as_text=True)
    assert "School of Engineering" in page and data.program.code in page
    assert "<svg" in page and "Excellent 2 · Needs work 1" in page
    assert 'id="school-trends"' in page and "4 students" in page and "mean 0.650" in page
    response = b.get(f"/schools/{eng.id}/export?format=csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 1 and rows[0]["Program code"] == data.program.code
    assert rows[0]["Verified achievements"] == "7" and rows[0]["Students"] == "6"
    xlsx = b.get(f"/schools/{eng.id}/export?format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet.cell(row=2, column=1).value == data.program.code and sheet.cell(row=2, column=4).value == 7
    assert b.get(f"/schools/{eng.id}/export?format=pdf").status_code == 404


def test_exports_neutralise_hostile_names(login_as, data, schools, admin):
    eng, _med, _dean = schools
    eng.name_en = '=HYPERLINK("http://evil.example","x")'
    db.session.commit()
    body = login_as(admin).get("/schools/university/export?format=csv").get_data(as_text=True)
    assert "'=HYPERLINK" in body and ',=HYPERLINK' not in body


def test_university_page_compares_schools(login_as, data, schools, admin):
    page = login_as(admin).get("/schools/university").get_data(as_text=True)
    assert 'id="school-ENG"' in page and 'id="school-MED"' in page and "<svg" in page
    rows = list(csv.reader(io.StringIO(login_as(admin).get("/schools/university/export?format=csv")
                                       .get_data(as_text=True).lstrip("\ufeff"))))
    header, body = rows[0], {r[0]: r for r in rows[1:]}
    assert body["ENG"][header.index("Verified achievements")] == "7"
    assert body["MED"][header.index("Students")] == "1"


def test_home_shows_a_dean_what_waits(login_as, data, schools):
    eng, _med, dean = schools
    fw, (g1, g2, g3) = _framework(data.program)
    _store_obe(data.later, fw, {g1.id: (False, False), g2.id: (False, True), g3.id: (True, True)})
    page = login_as(dean).get("/").get_data(as_text=True)
    assert 'id="dean-school-ENG"' in page
    assert 'id="fig-dean-obe-ENG"' in page
    block = page.split('id="fig-dean-obe-ENG"')[1].split("</a>")[0]
    assert ">2<" in block.replace(" ", "").replace("\n", "") and data.program.code in block


def test_each_cohort_shows_its_latest_run_and_the_program_the_newest_of_them(data, schools):
    eng, _med, _dean = schools
    older = make_run(data.cohort, data.students[:3])
    newer = make_run(data.later, data.later_students, scores=[0.9, 0.4])
    db.session.execute(update(EvaluationRun).where(EvaluationRun.id == newer.id)
                       .values(created_at=older.created_at + timedelta(hours=1)))
    db.session.commit()
    p = school_rollup(eng).programs[0]
    assert {c.entry_year: c.run.run_id for c in p.cohorts} == {2022: older.id, 2023: newer.id}
    assert p.run.run_id == newer.id and p.run.mean == pytest.approx(0.65) and p.run.n == 2


def test_achievements_by_year(data, schools, director):
    eng, _med, _dean = schools
    verified(make_achievement(data.program, data.students[:1], K.AWARD, level=Level.PROVINCIAL, year=2021), director)
    verified(make_achievement(data.program, data.students[:1], K.AWARD, level=Level.PROVINCIAL, year=2021), director)
    r = school_rollup(eng)
    assert r.programs[0].headline.by_year == {2021: 2, 2023: 7}
    assert r.achievement_years == [2021, 2023]


def test_grade_shares_chart_segments_follow_the_counts(app, data, schools):
    import xml.etree.ElementTree as ET

    from eduinnov.core.charts import PALETTE
    from eduinnov.schools.figures import school_dashboard

    eng, _med, _dean = schools
    make_run(data.cohort, data.students[:3])  # grades: 2 excellent, 1 needs work
    with app.test_request_context():
        figures = school_dashboard(db.session.get(type(eng), eng.id)).figures
    grades = next(f for f in figures if "Grade distribution" in f.title)
    root = ET.fromstring(str(grades.svg))
    rects = {fill: [r for r in root.iter("{http://www.w3.org/2000/svg}rect") if r.get("fill") == fill]
             for fill in PALETTE[:2]}
    excellent, needs_work = (float(rects[fill][-1].get("height")) for fill in PALETTE[:2])
    assert excellent == pytest.approx(2 * needs_work, rel=0.02)  # 66.7 % and 33.3 % of one stacked bar
    assert "66.7%" in str(grades.table) and "33.3%" in str(grades.table)
