"""Pages of the frameworks domain: rendering, editing happy paths, validation errors, archived versions."""

from datetime import date

import pytest
from sqlalchemy import func, select

from eduinnov.core.lifecycle import Lifecycle
from eduinnov.extensions import db
from eduinnov.frameworks import queries
from eduinnov.frameworks.models import (
    Agreement,
    Course,
    CourseObjective,
    CourseSupport,
    FrameworkVersion,
    GraduationRequirement,
    IndicatorPoint,
    JointSupervisor,
    Module,
    Participation,
    PartnerKind,
    PartnerOrganisation,
    PracticeBase,
    SupportStrength,
)
from tests.clients import heading
from tests.factories import make_cohort, make_framework, make_obe_framework, make_partner, make_student


def _html(response) -> str:
    return response.get_data(as_text=True)


def _invalid_choice(response) -> bool:
    """WTForms' own message, in English or in the Chinese of the default language."""
    html = _html(response)
    messages = ("Not a valid choice", "not a valid choice for this field", "不是有效的选择", "对该字段而言是无效选项")
    return response.status_code == 200 and "is-invalid" in html and any(m in html for m in messages)


def _points(fw):
    return {p.code: p for p in queries.list_indicator_points(db.session.get(FrameworkVersion, fw.id))}


def _courses(fw):
    return {c.code: c for c in db.session.get(FrameworkVersion, fw.id).courses}


# --- rendering ---

def test_framework_page_shows_tree_matrix_and_modules(login_as, director, framework):
    html = _html(login_as(director).get(f"/frameworks/{framework.id}"))
    assert "工程知识" in html and "3.2" in html                     # OBE tree
    assert 'class="matrix-cell support-h"' in html                  # matrix cells with a class per strength
    assert "support-weight" in html and ">0.5<" in html
    assert "Stage-based course learning" in html and "Foundation stage" in html  # module tree (English UI)
    assert f"/frameworks/{framework.id}/matrix" in html             # a director can edit
    assert "<script>" not in html and 'style="' not in html          # CSP: no inline scripts or styles


def test_teacher_sees_the_framework_read_only(login_as, teacher, framework):
    response = login_as(teacher).get(f"/frameworks/{framework.id}")
    html = _html(response)
    assert response.status_code == 200 and "SE201" in html
    assert f"/frameworks/{framework.id}/matrix" not in html
    assert f"/frameworks/{framework.id}/settings" not in html
    assert "/activate" not in html


def test_list_filters_by_program(login_as, admin, program, other_program):
    make_framework(program, "2024", title="软件工程方案")
    make_framework(other_program, "2023", title="护理学方案")
    b = login_as(admin)
    assert "护理学方案" in _html(b.get("/frameworks/")) and "软件工程方案" in _html(b.get("/frameworks/"))
    filtered = _html(b.get(f"/frameworks/?program={program.id}"))
    assert "软件工程方案" in filtered and "护理学方案" not in filtered


def test_teacher_list_shows_only_own_programs(login_as, teacher, program, other_program):
    make_framework(program, "2024", title="软件工程方案")
    make_framework(other_program, "2023", title="护理学方案")
    html = _html(login_as(teacher).get("/frameworks/"))
    assert "软件工程方案" in html and "护理学方案" not in html


@pytest.mark.parametrize("url, title", [
    ("/frameworks/{fw}", "软件工程培养方案 2024"), ("/frameworks/{fw}/settings", "Settings of version 2024"),
    ("/frameworks/{fw}/new-version", "Clone version 2024"), ("/frameworks/{fw}/matrix", "Edit the support matrix"),
    ("/frameworks/{fw}/requirements/new", "New graduation requirement"),
    ("/frameworks/requirements/{req}/edit", "Graduation requirement 1"),
    ("/frameworks/requirements/{req}/points/new", "New indicator point for requirement 1"),
    ("/frameworks/points/{point}/edit", "Indicator point 1.1"), ("/frameworks/{fw}/courses/new", "New course"),
    ("/frameworks/courses/{course}", "MATH101 Calculus"), ("/frameworks/courses/{course}/edit", "Course MATH101"),
    ("/frameworks/courses/{course}/objectives/new", "New objective for MATH101"),
    ("/frameworks/objectives/{objective}/edit", "Objective 1 of MATH101"), ("/frameworks/{fw}/modules/new", "New module"),
    ("/frameworks/modules/{module}/edit", "Module Stage-based course learning"),
    ("/frameworks/new", "New framework version"), ("/frameworks/partners", "IUR partnerships"),
    ("/frameworks/partners/new", "New partner organisation"),
])
def test_director_pages_render(login_as, director, framework, url, title):
    course = framework.courses[0]
    ids = {"fw": framework.id, "req": framework.requirements[0].id,
           "point": framework.requirements[0].indicator_points[0].id, "course": course.id,
           "objective": course.objectives[0].id, "module": framework.modules[0].id}
    assert heading(login_as(director).get(url.format(**ids))) == title


# --- lifecycle through the pages ---

def test_create_framework_then_duplicate_version_is_a_form_error(login_as, director, program):
    b = login_as(director)
    data = {"program_id": program.id, "version": "2025", "title": "2025 方案", "entry_year": "2025"}
    response = b.post("/frameworks/new", data, token_from="/frameworks/new")
    assert response.status_code == 302
    fw = db.session.scalar(select(FrameworkVersion).where(FrameworkVersion.version == "2025"))
    assert fw.status == Lifecycle.DRAFT and fw.entry_year == 2025
    again = b.post("/frameworks/new", data, token_from="/frameworks/new")
    assert again.status_code == 200 and "already has a version 2025" in _html(again)
    assert db.session.scalar(select(func.count(FrameworkVersion.id))) == 1


def test_clone_activate_and_archive_through_the_pages(login_as, director, program, framework):
    b = login_as(director)
    old_active = make_framework(program, "2019", status=Lifecycle.ACTIVE)
    response = b.post(f"/frameworks/{framework.id}/clone", {"version": "2025", "title": ""},
                      token_from=f"/frameworks/{framework.id}/new-version")
    assert response.status_code == 302
    copy = db.session.scalar(select(FrameworkVersion).where(FrameworkVersion.version == "2025"))
    assert len(copy.courses) == 3 and copy.title == framework.title
    taken = b.post(f"/frameworks/{framework.id}/clone", {"version": "2025"},
                   token_from=f"/frameworks/{framework.id}/new-version")
    assert taken.status_code == 200 and "already has a version 2025" in _html(taken)

    assert b.post(f"/frameworks/{copy.id}/activate").status_code == 302
    assert db.session.get(FrameworkVersion, copy.id).status == Lifecycle.ACTIVE
    assert db.session.get(FrameworkVersion, old_active.id).status == Lifecycle.ARCHIVED

    assert b.post(f"/frameworks/{copy.id}/archive").status_code == 302
    assert db.session.get(FrameworkVersion, copy.id).status == Lifecycle.ARCHIVED


def test_delete_only_drafts(login_as, director, program, framework):
    b = login_as(director)
    active = make_framework(program, "2019", status=Lifecycle.ACTIVE)
    response = b.post(f"/frameworks/{active.id}/delete")
    assert response.status_code == 302
    assert "Only draft versions can be deleted" in _html(b.get(response.headers["Location"]))
    assert db.session.get(FrameworkVersion, active.id) is not None
    framework_id = framework.id
    assert b.post(f"/frameworks/{framework_id}/delete").status_code == 302
    assert db.session.get(FrameworkVersion, framework_id) is None


def test_settings_validation_errors_are_shown_and_nothing_changes(login_as, director, framework):
    b = login_as(director)
    url = f"/frameworks/{framework.id}/settings"
    data = {"version": framework.version, "title": "x", "threshold": "1.5", "aggregation_rule": "minimum",
            "weight_h": "3", "weight_m": "2", "weight_l": "-1"}
    response = b.post(url, data, token_from=url)
    html = _html(response)
    assert response.status_code == 200
    assert "greater than 0 and at most 1" in html and "is-invalid" in html
    fresh = db.session.get(FrameworkVersion, framework.id)
    assert fresh.threshold == 0.7 and fresh.title != "x"
    data.update(threshold="0.65", weight_l="0.05")
    assert b.post(url, data, token_from=url).status_code == 302
    fresh = db.session.get(FrameworkVersion, framework.id)
    assert fresh.threshold == 0.65 and fresh.aggregation_rule.value == "minimum" and fresh.weight_l == 0.05


# --- archived versions ---

@pytest.fixture
def archived(program):
    return make_obe_framework(program, "2018", status=Lifecycle.ARCHIVED)


def test_archived_page_offers_no_edit_forms(login_as, director, archived):
    html = _html(login_as(director).get(f"/frameworks/{archived.id}"))
    assert "archived and read-only" in html
    for url in ("/settings", "/matrix", "/requirements/new", "/courses/new", "/modules/new"):
        assert f"/frameworks/{archived.id}{url}" not in html
    assert f"/frameworks/{archived.id}/new-version" in html


@pytest.mark.parametrize("url,data", [
    ("/frameworks/{fw}/settings", {"version": "2018", "title": "changed", "threshold": "0.5",
                                   "aggregation_rule": "minimum", "weight_h": "1", "weight_m": "1", "weight_l": "1"}),
    ("/frameworks/{fw}/requirements/new", {"number": "7", "title": "新要求"}),
    ("/frameworks/requirements/{req}/edit", {"number": "1", "title": "changed"}),
    ("/frameworks/requirements/{req}/delete", {}),
    ("/frameworks/points/{point}/delete", {}),
    ("/frameworks/{fw}/courses/new", {"code": "NEW1", "name_zh": "新课", "credits": "2"}),
    ("/frameworks/courses/{course}/edit", {"code": "CHANGED", "name_zh": "x", "credits": "2"}),
    ("/frameworks/courses/{course}/delete", {}),
    ("/frameworks/courses/{course}/objectives/new", {"number": "9", "description": "x"}),
    ("/frameworks/{fw}/modules/new", {"name_zh": "新模块", "kind": "other"}),
    ("/frameworks/modules/{module}/delete", {}),
    ("/frameworks/{fw}/matrix", {"cell-{course}-{point}": "L"}),
    ("/frameworks/{fw}/activate", {}),
    ("/frameworks/{fw}/delete", {}),
])
def test_posts_on_an_archived_version_change_nothing(login_as, director, archived, url, data):
    from tests.frameworks.test_services import _snapshot
    before = _snapshot(archived)
    course = archived.courses[0]
    ids = {"fw": archived.id, "req": archived.requirements[0].id,
           "point": archived.requirements[0].indicator_points[0].id, "course": course.id,
           "module": archived.modules[0].id}
    b = login_as(director)
    data = {k.format(**ids): v for k, v in data.items()}
    response = b.post(url.format(**ids), data)
    assert response.status_code == 302
    page = _html(b.get(response.headers["Location"]))
    assert "archived" in page and ("read-only" in page or "只读" in page)
    db.session.expire_all()
    assert _snapshot(db.session.get(FrameworkVersion, archived.id)) == before
    assert db.session.get(FrameworkVersion, archived.id).status == Lifecycle.ARCHIVED


# --- OBE content editing ---

def test_requirement_and_point_crud(login_as, director, framework):
    b = login_as(director)
    url = f"/frameworks/{framework.id}/requirements/new"
    assert b.post(url, {"number": "5", "title": "使用现代工具"}, token_from=url).status_code == 302
    req = db.session.scalar(select(GraduationRequirement).where(GraduationRequirement.number == 5))
    duplicate = b.post(url, {"number": "5", "title": "again"}, token_from=url)
    assert duplicate.status_code == 200 and "already exists" in _html(duplicate)

    url = f"/frameworks/requirements/{req.id}/points/new"
    assert b.post(url, {"code": "5.1", "description": "能选用合适的开发工具"}, token_from=url).status_code == 302
    point = db.session.scalar(select(IndicatorPoint).where(IndicatorPoint.code == "5.1"))
    url = f"/frameworks/points/{point.id}/edit"
    assert b.post(url, {"code": "5.1", "description": "改过的描述"}, token_from=url).status_code == 302
    assert db.session.get(IndicatorPoint, point.id).description == "改过的描述"
    req_id, point_id = req.id, point.id
    assert b.post(f"/frameworks/requirements/{req_id}/delete").status_code == 302
    assert db.session.get(GraduationRequirement, req_id) is None
    assert db.session.get(IndicatorPoint, point_id) is None


def test_course_code_unique_within_version_shown_as_form_error(login_as, director, framework):
    b = login_as(director)
    url = f"/frameworks/{framework.id}/courses/new"
    response = b.post(url, {"code": "SE201", "name_zh": "重复", "credits": "2"}, token_from=url)
    assert response.status_code == 200
    assert "A course with code SE201 already exists" in _html(response)
    assert db.session.scalar(select(func.count(Course.id))) == 3


def test_course_module_select_rejects_a_module_of_another_version(login_as, director, program, framework):
    other = make_obe_framework(program, "2030")
    b = login_as(director)
    url = f"/frameworks/{framework.id}/courses/new"
    response = b.post(url, {"code": "NEW1", "name_zh": "新课", "credits": "2", "module_id": other.modules[0].id},
                      token_from=url)
    assert _invalid_choice(response)
    ok = b.post(url, {"code": "NEW1", "name_zh": "新课", "credits": "2", "module_id": framework.modules[0].id},
                token_from=url)
    assert ok.status_code == 302
    assert _courses(framework)["NEW1"].module_id == framework.modules[0].id


def test_objective_with_points_and_foreign_point_refused(login_as, director, program, framework):
    other = make_obe_framework(program, "2030")
    foreign_point = other.requirements[0].indicator_points[0].id
    course = _courses(framework)["SE301"]
    points = _points(framework)
    b = login_as(director)
    url = f"/frameworks/courses/{course.id}/objectives/new"
    bad = b.client.post(url, data={"number": "2", "description": "x", "points": [foreign_point],
                                   "csrf_token": _token(b, url)})
    assert _invalid_choice(bad)
    good = b.client.post(url, data={"number": "2", "description": "能撰写技术文档",
                                    "points": [points["3.1"].id, points["3.2"].id], "csrf_token": _token(b, url)})
    assert good.status_code == 302 and good.headers["Location"].endswith(f"/frameworks/courses/{course.id}")
    objective = db.session.scalar(select(CourseObjective).where(CourseObjective.description == "能撰写技术文档"))
    assert sorted(link.indicator_point.code for link in objective.indicator_links) == ["3.1", "3.2"]


def _token(browser, url):
    from tests.clients import csrf_token
    return csrf_token(browser.client, url)


def test_module_parent_choices_exclude_itself_and_descendants(login_as, director, framework):
    stage = next(m for m in framework.modules if m.name_zh == "阶段式课程学习")
    child = stage.children[0]
    b = login_as(director)
    url = f"/frameworks/modules/{stage.id}/edit"
    html = _html(b.get(url))
    assert f'<option value="{child.id}"' not in html and f'<option value="{stage.id}"' not in html
    response = b.post(url, {"name_zh": stage.name_zh, "kind": "course_learning", "parent_id": child.id},
                      token_from=url)
    assert _invalid_choice(response)
    assert db.session.get(Module, stage.id).parent_id is None


def test_module_create_under_parent(login_as, director, framework):
    practice = next(m for m in framework.modules if m.name_zh == "系统化项目实践训练")
    b = login_as(director)
    url = f"/frameworks/{framework.id}/modules/new"
    response = b.post(url, {"name_zh": "大创项目", "kind": "platform", "line": "out_of_class",
                            "parent_id": practice.id, "credits": "2", "term": "3-6"}, token_from=url)
    assert response.status_code == 302
    module = db.session.scalar(select(Module).where(Module.name_zh == "大创项目"))
    assert module.parent_id == practice.id and module.line.value == "out_of_class"


# --- support matrix grid ---

def test_matrix_grid_saves_all_cells_at_once(login_as, director, framework):
    c, p = _courses(framework), _points(framework)
    b = login_as(director)
    url = f"/frameworks/{framework.id}/matrix"
    html = _html(b.get(url))
    assert f'name="cell-{c["SE201"].id}-{p["3.1"].id}"' in html
    data = {f"cell-{c['SE301'].id}-{p['3.1'].id}": "H", f"weight-{c['SE301'].id}-{p['3.1'].id}": "",
            f"cell-{c['MATH101'].id}-{p['1.2'].id}": "", f"weight-{c['MATH101'].id}-{p['1.2'].id}": "",
            f"cell-{c['SE201'].id}-{p['3.2'].id}": "", f"weight-{c['SE201'].id}-{p['3.2'].id}": "0.8"}
    response = b.post(url, data, token_from=url)
    assert response.status_code == 302 and response.headers["Location"].endswith("#matrix")
    cells = {(s.course.code, s.indicator_point.code): (s.strength, s.weight)
             for s in db.session.scalars(select(CourseSupport))}
    assert cells[("SE301", "3.1")] == (SupportStrength.HIGH, None)
    assert ("MATH101", "1.2") not in cells
    assert cells[("SE201", "3.2")] == (None, 0.8)


def test_matrix_grid_with_an_invalid_cell_saves_nothing_and_names_it(login_as, director, framework):
    c, p = _courses(framework), _points(framework)
    b = login_as(director)
    url = f"/frameworks/{framework.id}/matrix"
    data = {f"cell-{c['SE301'].id}-{p['3.1'].id}": "H",                      # valid
            f"cell-{c['MATH101'].id}-{p['1.1'].id}": "", f"weight-{c['MATH101'].id}-{p['1.1'].id}": "-2"}
    response = b.post(url, data, token_from=url)
    html = _html(response)
    assert response.status_code == 422
    assert "MATH101 × 1.1" in html and "positive number" in html and "cell-invalid" in html
    assert 'value="-2"' in html                                               # the typed value is kept
    assert db.session.scalar(select(func.count(CourseSupport.id))) == 6
    assert not db.session.scalar(select(CourseSupport).where(CourseSupport.course_id == c["SE301"].id,
                                                             CourseSupport.indicator_point_id == p["3.1"].id))


def test_matrix_cell_of_another_framework_is_refused(login_as, director, program, framework):
    other = make_obe_framework(program, "2030")
    p = _points(framework)
    b = login_as(director)
    url = f"/frameworks/{framework.id}/matrix"
    response = b.post(url, {f"cell-{other.courses[0].id}-{p['1.1'].id}": "H"}, token_from=url)
    assert response.status_code == 422 and "not part of this framework version" in _html(response)
    assert db.session.scalar(select(func.count(CourseSupport.id))) == 12


# --- partners ---

def test_partner_list_filters_and_search(login_as, admin, program, other_program):
    make_partner(program, "华为技术有限公司", city="深圳")
    make_partner(program, "中科院软件所", kind=PartnerKind.RESEARCH_INSTITUTE)
    make_partner(other_program, "人民医院", kind=PartnerKind.HOSPITAL)
    b = login_as(admin)
    html = _html(b.get("/frameworks/partners?q=华为"))
    assert "华为技术有限公司" in html and "中科院软件所" not in html
    html = _html(b.get("/frameworks/partners?q=深圳"))
    assert "华为技术有限公司" in html
    html = _html(b.get("/frameworks/partners?kind=hospital"))
    assert "人民医院" in html and "华为技术有限公司" not in html
    html = _html(b.get(f"/frameworks/partners?program={program.id}"))
    assert "人民医院" not in html and "中科院软件所" in html


def test_partner_crud_and_detail(login_as, director, program):
    b = login_as(director)
    response = b.post("/frameworks/partners/new", {"program_id": program.id, "name_zh": "腾讯", "kind": "enterprise",
                                                   "city": "深圳"}, token_from="/frameworks/partners/new")
    assert response.status_code == 302
    partner = db.session.scalar(select(PartnerOrganisation).where(PartnerOrganisation.name_zh == "腾讯"))
    dup = b.post("/frameworks/partners/new", {"program_id": program.id, "name_zh": "腾讯", "kind": "enterprise"},
                 token_from="/frameworks/partners/new")
    assert dup.status_code == 200 and "already has a partner named" in _html(dup)

    base = f"/frameworks/partners/{partner.id}"
    assert b.post(f"{base}/agreements/new", {"title": "联合培养协议", "status": "active", "start_date": "2024-01-01",
                                             "end_date": "2026-12-31"}, token_from=f"{base}/agreements/new").status_code == 302
    bad = b.post(f"{base}/agreements/new", {"title": "倒序", "status": "active", "start_date": "2024-09-01",
                                            "end_date": "2024-01-01"}, token_from=f"{base}/agreements/new")
    assert bad.status_code == 200 and "end date cannot be before the start date" in _html(bad)
    assert b.post(f"{base}/bases/new", {"name": "深圳实践基地", "capacity": "30"},
                  token_from=f"{base}/bases/new").status_code == 302
    assert b.post(f"{base}/supervisors/new", {"name": "张工", "title": "高级工程师"},
                  token_from=f"{base}/supervisors/new").status_code == 302
    html = _html(b.get(base))
    for text in ("联合培养协议", "2026-12-31", "深圳实践基地", "张工"):
        assert text in html
    assert db.session.scalar(select(func.count(Agreement.id))) == 1

    partner_id = partner.id
    assert b.post(f"{base}/delete").status_code == 302
    assert db.session.get(PartnerOrganisation, partner_id) is None
    assert db.session.scalar(select(func.count(PracticeBase.id))) == 0


def test_participation_choices_are_limited_to_program_and_partner(login_as, teacher, director, program,
                                                                  other_program, partner):
    student = make_student(make_cohort(program, 2023), name="李明")
    outsider = make_student(make_cohort(other_program, 2023), name="外人")
    other_partner = make_partner(program, "腾讯")
    db.session.add_all([PracticeBase(partner=other_partner, name="腾讯基地"),
                        JointSupervisor(partner=other_partner, name="王工"),
                        PracticeBase(partner=partner, name="华为基地")])
    db.session.commit()
    foreign_base = db.session.scalar(select(PracticeBase).where(PracticeBase.name == "腾讯基地"))
    own_base = db.session.scalar(select(PracticeBase).where(PracticeBase.name == "华为基地"))
    foreign_sup = db.session.scalar(select(JointSupervisor).where(JointSupervisor.name == "王工"))
    b = login_as(teacher)  # teachers may record participations
    url = f"/frameworks/partners/{partner.id}/participations/new"
    html = _html(b.get(url))
    assert "李明" in html and "外人" not in html and "腾讯基地" not in html
    base_data = {"kind": "placement", "title": "暑期实习", "start_date": "2024-07-01", "end_date": "2024-08-31"}
    for bad in ({"student_id": outsider.id}, {"student_id": student.id, "practice_base_id": foreign_base.id},
                {"student_id": student.id, "joint_supervisor_id": foreign_sup.id}):
        response = b.post(url, base_data | bad, token_from=url)
        assert _invalid_choice(response)
    response = b.post(url, base_data | {"student_id": student.id, "practice_base_id": own_base.id}, token_from=url)
    assert response.status_code == 302
    participation = db.session.scalar(select(Participation))
    assert (participation.student_id, participation.practice_base_id) == (student.id, own_base.id)
    assert participation.start_date == date(2024, 7, 1)


def test_course_category_is_chosen_in_the_editor(login_as, director, framework):
    b = login_as(director)
    url = f"/frameworks/{framework.id}/courses/new"
    assert "Engineering practice and capstone" in _html(b.get(url))
    ok = b.post(url, {"code": "CAP1", "name_zh": "毕业设计", "credits": "8", "category": "practice"}, token_from=url)
    assert ok.status_code == 302
    course = _courses(framework)["CAP1"]
    assert course.category.value == "practice" and course.credits == 8
    edit = f"/frameworks/courses/{course.id}/edit"
    assert '<option selected value="practice">' in _html(b.get(edit)) or \
        '<option value="practice" selected>' in _html(b.get(edit))
    bad = b.post(edit, {"code": "CAP1", "name_zh": "毕业设计", "credits": "8", "category": "astrology"},
                 token_from=edit)
    assert _invalid_choice(bad)
    assert db.session.get(Course, course.id).category.value == "practice"
    assert b.post(edit, {"code": "CAP1", "name_zh": "毕业设计", "credits": "8", "category": "humanities"},
                  token_from=edit).status_code == 302
    assert db.session.get(Course, course.id).category.value == "humanities"
