"""Accessibility (WCAG 2.1 AA): axe-core in Chromium on every page of every role, zero serious or critical
violations; keyboard focus is visible.

The demo data set is loaded (real pages: charts, matrices, runs, OBE reports). Each role — admin,
director, teacher, student, and the demo school's dean — gets one browser context that logs in and walks the site the way a user
can: from the home page it follows every same-site link and opens each kind of page (one per endpoint:
``/achievements/12`` stands for every achievement), plus the pages reached only through a form, listed
in :data:`EXTRA_PAGES`. axe-core (``axe.min.js`` shipped by the axe-playwright-python package, injected
into the page, nothing from a CDN) runs on each. The staff roles' walk must reach every HTML page of the
app (:func:`test_the_walk_covers_every_page` names any it misses), and a representative set is checked
in English as well as in Chinese.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from eduinnov.extensions import db

pytestmark = pytest.mark.e2e

DEMO_PASSWORD = "eduinnov-demo"
ROLES = {"admin": "admin@demo.edu", "director": "director@demo.edu", "teacher": "teacher@demo.edu",
         "student": "student@demo.edu",
         "dean": "dean@demo.edu"}  # dean of the demo's CSE school: its dashboard and "My schools" on the home page
BLOCKING = {"serious", "critical"}
# Not HTML pages: files, JSON and redirects.
NOT_PAGES = {
    "static", "core.health", "achievements.evidence_download", "dashboards.export_achievements",
    "dashboards.export_obe", "dashboards.export_students", "dashboards.export_run", "indicators.model_yaml",
    "schools.export", "schools.university_export",
    "indicators.template_yaml", "imports.template", "obe.scores_template", "reports.job_status",
    "reports.job_download", "reports.pack_docx", "auth.logout", "auth.language",
    "indicators.consistency",  # JSON for the judgment editor
    "auth.student_lookup",     # JSON for the users page's type-ahead
    "imports.resume",          # a pending preview shown again: exists only between an upload and its confirm
    "invitations.accept",      # reached by a one-time link only: checked in test_invitation_page below
    "dashboards.cohort_obe",   # a fragment the cohort dashboard loads into itself (checked there)
}
SKIP_URL = re.compile(r"/export|\.csv$|\.xlsx$|\.yaml$|/download$|/docx$|/evidence/\d+|/healthz|/logout")
ENGLISH_TOO = 12  # pages per role walked again in English
# The kinds of elements on a page (tag, classes, parent tag), whatever their number and text: a page whose
# kinds another role's walk has already checked in the same language is not checked again.
SIGNATURE_JS = """() => {
    const kinds = new Set();
    for (const el of document.body.querySelectorAll('*')) {
        kinds.add(el.tagName + '.' + [...el.classList].sort().join('.') + '<' + el.parentElement.tagName);
    }
    return document.documentElement.lang + '\\n' + [...kinds].sort().join('\\n');
}"""

_axe = None


def _axe_runner():
    global _axe
    if _axe is None:
        from axe_playwright_python.sync_playwright import Axe

        _axe = Axe()
    return _axe


def _blocking_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page, as readable lines."""
    results = _axe_runner().run(page, options={"resultTypes": ["violations"]})
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        targets = [", ".join(node["target"]) if isinstance(node["target"], list) else str(node["target"])
                   for node in violation["nodes"][:6]]
        summary = violation["nodes"][0].get("failureSummary", "").replace("\n", " ")[:200]
        found.append(f"{violation['id']} ({violation['impact']}, {len(violation['nodes'])} nodes) "
                     f"e.g. {targets}: {summary}")
    return found


def _extra_pages() -> list[str]:
    """Pages no link leads to (reached by submitting a form): their URLs with demo ids."""
    from eduinnov.core.lifecycle import Lifecycle
    from eduinnov.frameworks.models import FrameworkVersion
    from eduinnov.indicators.models import EvaluationRun
    from eduinnov.obe.models import ImprovementRecord, Score

    pages = ["/reports/verify"]
    # The pack page of a cohort with earlier packs (their fingerprints and what moved): see _add_draft_and_job
    from eduinnov.reports.models import ReportSnapshot

    snapshot = db.session.scalar(select(ReportSnapshot).order_by(ReportSnapshot.id.desc()).limit(1))
    pages.append(f"/reports/pack?cohort={snapshot.cohort_id}")
    score = db.session.scalar(select(Score).limit(1))
    pages.append(f"/obe/offerings/{score.item.offering_id}/students/{score.student_id}")
    record = db.session.scalar(select(ImprovementRecord).limit(1))
    pages.append(f"/obe/improvements/{record.id}/edit")
    runs = db.session.scalars(select(EvaluationRun).order_by(EvaluationRun.model_id, EvaluationRun.id)).all()
    a, b = next((a, b) for a, b in zip(runs, runs[1:], strict=False) if a.model_id == b.model_id)
    pages.append(f"/evaluation/compare?a={a.id}&b={b.id}")
    # The draft's content forms (the walk opens one framework page, the active one, whose content is locked)
    draft = db.session.scalar(select(FrameworkVersion).where(FrameworkVersion.status == Lifecycle.DRAFT))
    requirement = draft.requirements[0]
    course = next(c for c in draft.courses if c.objectives)
    pages += [f"/frameworks/{draft.id}", f"/frameworks/requirements/{requirement.id}/edit",
              f"/frameworks/requirements/{requirement.id}/points/new",
              f"/frameworks/points/{requirement.indicator_points[0].id}/edit",
              f"/frameworks/objectives/{course.objectives[0].id}/edit"]
    return pages


def _add_draft_and_job() -> None:
    """What the demo lacks for some pages: a draft framework (its edit pages) and a finished pack job."""
    from flask_babel import force_locale

    from eduinnov.auth.models import User
    from eduinnov.core.lifecycle import Lifecycle
    from eduinnov.core.models import utcnow
    from eduinnov.frameworks.models import FrameworkVersion
    from eduinnov.frameworks.services import clone_framework
    from eduinnov.jobs.models import ReportJob
    from eduinnov.reports.pack import PACK_KIND, build_pack_payload
    from eduinnov.reports.services import PACK_JOB, create_snapshot

    director = db.session.scalar(select(User).where(User.email == ROLES["director"]))
    active = db.session.scalar(select(FrameworkVersion).where(FrameworkVersion.status == Lifecycle.ACTIVE)
                               .order_by(FrameworkVersion.id).limit(1))
    clone_framework(active, version="2027-draft", user=director)
    cohort = active.program.cohorts[0]
    db.session.add(ReportJob(id="a" * 32, func_path=PACK_JOB, args=[active.program_id, cohort.id, None, "zh",
                                                                    director.id],
                             title="认证材料", locale="zh", backend="thread", state="finished", progress=1.0,
                             owner_id=director.id, program_id=active.program_id))
    # Two earlier packs of that cohort, the second with figures that moved
    with force_locale("zh"):
        payload = build_pack_payload(active.program, cohort, None, user=director, lang="zh", taken_at=utcnow())
    create_snapshot(payload, kind=PACK_KIND, program=active.program, cohort=cohort, user=director)
    later = {**payload, "taken_at": utcnow().isoformat(),
             "cohort": {**payload["cohort"], "students": payload["cohort"]["students"] + 1}}
    create_snapshot(later, kind=PACK_KIND, program=active.program, cohort=cohort, user=director)
    db.session.commit()


class Walker:
    """One role's browser context: logs in, walks the site, runs axe once per endpoint."""

    def __init__(self, browser, base: str, app, role: str, email: str, checked: set | None = None) -> None:
        self.base, self.app, self.role = base, app, role
        self.checked = checked if checked is not None else set()  # (endpoint, page signature) already checked
        self.axe_runs = 0
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.adapter = app.url_map.bind("localhost")
        self.seen: dict[str, str] = {}        # endpoint → the URL checked for it
        self.problems: list[str] = []
        self.page.goto(f"{base}/login")
        self.page.locator("input[name=email]").fill(email)
        self.page.locator("input[name=password]").fill(DEMO_PASSWORD)
        self.page.locator("main form button[type=submit]").click()
        self.page.wait_for_url(re.compile(r"^(?!.*/login).*$"))

    def endpoint(self, url: str) -> str | None:
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != self.base or SKIP_URL.search(parts.path):
            return None
        try:
            endpoint, _args = self.adapter.match(parts.path, method="GET")
        except Exception:  # noqa: BLE001 - redirects, 404s and 405s are not pages to walk
            return None
        return None if endpoint in NOT_PAGES else endpoint

    def language(self, code: str) -> None:
        self.page.goto(f"{self.base}/")
        self.page.locator(f"form.lang-switch button[value={code}]").click()
        self.page.wait_for_load_state()

    def check(self, url: str, label: str) -> list[str]:
        """Open ``url`` and run axe; return the same-site links of the page."""
        response = self.page.goto(url)
        if response is None or response.status != 200:
            return []
        if self.page.locator("[data-fragment]").count():
            self.page.wait_for_load_state("networkidle")  # the fragments are part of the page
        key = (self.endpoint(url), self.page.evaluate(SIGNATURE_JS))
        if key not in self.checked:
            self.checked.add(key)
            self.axe_runs += 1
            for problem in _blocking_violations(self.page):
                self.problems.append(f"[{self.role} {label}] {urlsplit(url).path}: {problem}")
        return self.page.eval_on_selector_all("a[href]", "els => els.map(e => e.href.split('#')[0])")

    def walk(self, extra: Iterable[str] = ()) -> None:
        queue = [f"{self.base}/", *(f"{self.base}{p}" for p in extra)]
        while queue:
            url = queue.pop(0)
            endpoint = self.endpoint(url)
            if endpoint is None or endpoint in self.seen:
                continue
            self.seen[endpoint] = url
            queue.extend(self.check(url, "zh"))

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    _add_draft_and_job()
    return result


@pytest.fixture
def walks(demo, browser, live_server, app):
    """Every role's walk (Chinese, the default language), then a representative set again in English."""
    extra = _extra_pages()
    done, checked = {}, set()
    for role, email in ROLES.items():
        walker = Walker(browser, live_server, app, role, email, checked)
        walker.language("zh")
        walker.walk(extra)
        walker.language("en")
        for url in list(walker.seen.values())[:ENGLISH_TOO]:
            walker.check(url, "en")
        walker.close()
        done[role] = walker
    return done


def test_every_page_of_every_role_has_no_serious_or_critical_violation(walks, app):
    problems = [p for walker in walks.values() for p in walker.problems]
    assert not problems, f"{len(problems)} serious/critical axe violations:\n" + "\n".join(problems)
    # The walks reached every page of the app (one test: the demo is loaded and walked once).
    pages = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods} - NOT_PAGES
    pages.discard("auth.login")  # checked logged out, below
    reached = set().union(*(w.seen for w in walks.values()))
    assert pages - reached == set(), f"pages no role's walk reached: {sorted(pages - reached)}"
    assert len(walks["student"].seen) >= 4 and len(walks["teacher"].seen) > 20


def test_login_page_and_keyboard_focus(page, live_server):
    page.goto(f"{live_server}/login")
    assert _blocking_violations(page) == []
    # Tab from the top: the first stop is the skip link or the first control, and focus is drawn.
    page.keyboard.press("Tab")
    focused = page.evaluate("""() => {
        const el = document.activeElement, s = getComputedStyle(el);
        return {tag: el.tagName, outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0,
                shadow: s.boxShadow !== 'none'};
    }""")
    assert focused["tag"] in ("A", "INPUT", "BUTTON") and (focused["outline"] or focused["shadow"]), focused


def test_invitation_page(page, live_server, admin, student):
    """The page where an invited student sets her password (reached by a one-time link, never by a walk)."""
    from eduinnov.auth.invitations import issue_invitation
    from eduinnov.auth.models import Role
    from tests.factories import make_user

    account = make_user(Role.STUDENT, [], email="invited@test.edu", student=student)
    token, _row = issue_invitation(account, created_by=admin)
    db.session.commit()
    response = page.goto(f"{live_server}/invitation/{token}")
    assert response is not None and response.status == 200
    assert page.locator("input[type=password]").count() >= 1  # the set-password form is shown
    assert _blocking_violations(page) == []
