"""The evidence pack is one click away (menu, cohort dashboard, OBE cohort page) and lists earlier packs
with their fingerprints and the figures that moved."""

from __future__ import annotations

import copy
import html as html_lib
import re
from datetime import UTC, datetime

import pytest
from flask_babel import force_locale

from eduinnov.achievements.models import AchievementKind, VerificationStatus
from eduinnov.auth.models import Role
from eduinnov.extensions import db
from eduinnov.reports import pack_history, services
from tests.factories import make_achievement, make_student, make_user
from tests.reports.packdata import make_pack_data


def _payload(students=30, gr3=(0.72, 0.695), total=12, lang="en") -> dict:
    return {
        "lang": lang, "cohort": {"students": students}, "framework": {"version": "2021"},
        "evaluation": {"run_id": 7, "model_name": "AHP", "model_version": 1,
                       "summary": {"mean": 0.5, "mean_grade": "Good" if lang == "en" else "良好"}},
        "obe": {"threshold": 0.7, "rule": "weighted_sum",
                "requirements": [{"number": 3, "weighted_sum": gr3[0], "minimum": gr3[1]}]},
        "achievement_summary": {"total": total, "students_with_achievement": 9,
                                "by_kind": [{"kind": "project", "label": "Projects", "count": 5},
                                            {"kind": "award", "label": "Awards", "count": total - 5}]},
        "improvements": [{"id": 1}], "partners": [{"name": "A"}, {"name": "B"}],
    }


def test_changes_name_exactly_the_figures_that_moved(app):
    old = _payload()
    new = _payload(students=32, gr3=(0.75, 0.695), total=15)
    new["obe"]["requirements"].append({"number": 4, "weighted_sum": 0.81, "minimum": None})
    new["evaluation"]["summary"]["mean"] = 0.5 + 1e-12  # float noise is not a change
    with force_locale("en"):
        changes = pack_history.pack_changes(old, new)
    assert [(c.key, c.before, c.after) for c in changes] == [
        ("students", "30", "32"),
        ("obe.gr3.ws", "0.720", "0.750"),
        ("obe.gr4.ws", None, "0.810"),
        ("achievements", "12", "15"),
        ("achievements.award", "7", "10"),
    ]
    assert changes[1].label == "GR3 (weighted sum)"
    with force_locale("en"):
        assert pack_history.pack_changes(old, copy.deepcopy(old)) == []
        # the same data in another language: grade names differ but are not compared
        assert pack_history.pack_changes(old, _payload(lang="zh")) == []
        # an evaluation chapter dropped: its figures are reported as gone
        dropped = _payload()
        dropped["evaluation"] = None
        gone = {(c.key, c.before, c.after) for c in pack_history.pack_changes(old, dropped)}
    assert gone == {("run", "#7 AHP v1", None), ("run.mean", "0.500", None)}


def test_pack_page_lists_earlier_packs_with_fingerprints_and_what_moved(program, other_program, login_as):
    d = make_pack_data(program, other_program, with_run=False, with_scores=False)
    first = services.prepare_evidence_pack(program, d.cohort, None, lang="en", user=d.director).snapshot
    db.session.commit()
    make_student(d.cohort, name="新同学")
    make_achievement(program, [d.students[0]], AchievementKind.AWARD, title="新获奖",
                     verification_status=VerificationStatus.VERIFIED, verified_by_id=d.director.id,
                     verified_at=datetime.now(UTC))
    second = services.prepare_evidence_pack(program, d.cohort, None, lang="en", user=d.director).snapshot
    db.session.commit()
    assert first.fingerprint != second.fingerprint

    page = login_as(d.director).get(f"/reports/pack?cohort={d.cohort.id}").get_data(as_text=True)
    section = page[page.index('id="pack-history"'):]
    section = section[section.index("<tbody>"):section.index("</tbody>")]
    rows = re.findall(r"<tr>(.*?)</tr>", section, flags=re.S)
    assert len(rows) == 2
    newest, oldest = (html_lib.unescape(re.sub(r"<[^>]+>|\s+", " ", r)) for r in rows)
    assert second.fingerprint[:16] in newest and first.fingerprint[:16] in oldest
    assert f'href="/reports/verify?fingerprint={second.fingerprint}"' in rows[0]
    assert "Students in the cohort : 3 → 4" in re.sub(r"\s+", " ", newest)
    assert "Verified achievements : 3 → 4" in newest
    assert "Competition award : 1 → 2" in newest
    assert "Students with an achievement" not in newest  # the award's student had one already: unchanged
    assert "The first pack of this cohort." in oldest

    # another program's cohort has no packs to show here, and its page is not reachable
    assert login_as(d.director).get(f"/reports/pack?cohort={d.other_cohort.id}").status_code == 404


def _nav(html: str) -> str:
    return html[html.index('<ul class="navbar-nav'):html.index("</ul>", html.index('<ul class="navbar-nav'))]


@pytest.mark.parametrize(("role", "in_menu"), [(Role.ADMIN, True), (Role.DIRECTOR, True), (Role.TEACHER, False)])
def test_the_pack_is_in_the_menu_for_directors_and_admins(program, login_as, role, in_menu):
    user = make_user(role, [program] if role != Role.ADMIN else [])
    nav = _nav(login_as(user).get("/reports/pack").get_data(as_text=True) if role != Role.TEACHER
               else login_as(user).get("/programs/").get_data(as_text=True))
    assert ('href="/reports/pack"' in nav) is in_menu
    if in_menu:
        assert 'active" aria-current="page" href="/reports/pack"' in nav


def test_cohort_dashboard_and_obe_cohort_page_link_to_the_cohorts_pack(program, other_program, login_as):
    d = make_pack_data(program, other_program, with_run=False, with_scores=True)
    link = f'href="/reports/pack?cohort={d.cohort.id}"'
    for user in (d.director, d.teacher):
        b = login_as(user)
        for url in (f"/dashboards/cohorts/{d.cohort.id}", f"/obe/cohorts/{d.cohort.id}"):
            response = b.get(url)
            assert response.status_code == 200, url
            assert link in response.get_data(as_text=True), (user.role, url)
        assert b.get(f"/reports/pack?cohort={d.cohort.id}").status_code == 200  # the link leads somewhere
