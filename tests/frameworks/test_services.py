"""Services of the frameworks domain, called directly."""

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from eduinnov.auth.models import Role
from eduinnov.core.errors import DomainError, LockedError, ValidationError
from eduinnov.core.lifecycle import Lifecycle
from eduinnov.extensions import db
from eduinnov.frameworks import queries, services
from eduinnov.frameworks.models import (
    AggregationRule,
    Course,
    CourseSupport,
    FrameworkVersion,
    IndicatorPoint,
    Module,
    ModuleKind,
    ObjectiveIndicatorLink,
    ParticipationKind,
    PartnerKind,
    SupportStrength,
)
from eduinnov.frameworks.services import CellInput, MatrixError
from tests.factories import (
    make_cohort,
    make_framework,
    make_obe_framework,
    make_partner,
    make_student,
    make_user,
)


def _snapshot(fw: FrameworkVersion) -> dict:
    """The content of a version by codes (independent of ids)."""
    return {
        "settings": (fw.threshold, fw.aggregation_rule, fw.weight_h, fw.weight_m, fw.weight_l, fw.entry_year),
        "requirements": [(r.number, r.title, [(p.code, p.description) for p in r.indicator_points])
                         for r in fw.requirements],
        "courses": [(c.code, c.name_zh, c.credits, c.module.name_zh if c.module else None,
                     sorted((s.indicator_point.code, s.strength, s.weight) for s in c.supports),
                     [(o.number, sorted(link.indicator_point.code for link in o.indicator_links))
                      for o in c.objectives]) for c in fw.courses],
        "modules": queries.get_module_tree(fw),
    }


def _strip_ids(tree):
    if isinstance(tree, list):
        return [_strip_ids(x) for x in tree]
    if isinstance(tree, dict):
        return {k: _strip_ids(v) for k, v in tree.items() if k != "id"}
    return tree


# --- lifecycle ---

def test_create_framework_is_a_draft_and_version_labels_are_unique(program, director):
    fw = services.create_framework(program, version=" 2025 ", title="方案 2025", user=director, entry_year=2025)
    assert fw.status == Lifecycle.DRAFT and fw.version == "2025"
    with pytest.raises(ValidationError, match="2025"):
        services.create_framework(program, version="2025", title="again", user=director)


def test_create_framework_refused_to_a_teacher(program, teacher):
    with pytest.raises(DomainError):
        services.create_framework(program, version="2025", title="x", user=teacher)


def test_clone_copies_the_whole_tree_with_links_to_the_copy(program, director):
    source = make_obe_framework(program, status=Lifecycle.ARCHIVED)
    copy = services.clone_framework(source, version="2025", user=director)
    db.session.commit()
    db.session.expire_all()
    source, copy = db.session.get(FrameworkVersion, source.id), db.session.get(FrameworkVersion, copy.id)

    assert copy.status == Lifecycle.DRAFT and copy.id != source.id
    assert _strip_ids(_snapshot(copy)) == _strip_ids(_snapshot(source))
    # Every link of the copy points to rows of the copy, none to the source.
    copy_points = {p.id for r in copy.requirements for p in r.indicator_points}
    copy_modules = {m.id for m in copy.modules}
    assert len(copy_points) == 4 and len(copy_modules) == 4
    for course in copy.courses:
        assert course.module_id in copy_modules
        assert {s.indicator_point_id for s in course.supports} <= copy_points
        for objective in course.objectives:
            assert {link.indicator_point_id for link in objective.indicator_links} <= copy_points
    for module in copy.modules:
        assert module.parent_id is None or module.parent_id in copy_modules
    # The source still has its own rows.
    assert db.session.scalar(select(func.count(CourseSupport.id))) == 12
    assert db.session.scalar(select(func.count(ObjectiveIndicatorLink.id))) == 6
    assert all(c.framework_id == source.id for c in source.courses)


def test_clone_needs_a_new_version_label(framework, director):
    with pytest.raises(ValidationError):
        services.clone_framework(framework, version=framework.version, user=director)


def test_activate_archives_the_previous_active_version(program, director):
    old = make_framework(program, "2020", status=Lifecycle.ACTIVE)
    new = make_framework(program, "2024")
    previous = services.activate_framework(new, user=director)
    db.session.commit()
    assert previous.id == old.id
    assert db.session.get(FrameworkVersion, old.id).status == Lifecycle.ARCHIVED
    assert db.session.get(FrameworkVersion, old.id).archived_at is not None
    fresh = db.session.get(FrameworkVersion, new.id)
    assert fresh.status == Lifecycle.ACTIVE and fresh.activated_at is not None
    assert queries.get_active_framework(program.id).id == new.id


def test_activate_works_whatever_the_id_order(program, director):
    first = make_framework(program, "2024")
    later = make_framework(program, "2020", status=Lifecycle.ACTIVE)  # higher id, currently active
    services.activate_framework(first, user=director)
    db.session.commit()
    assert db.session.get(FrameworkVersion, later.id).status == Lifecycle.ARCHIVED


def test_only_one_active_version_per_program_in_the_database(program, other_program):
    make_framework(program, "2020", status=Lifecycle.ACTIVE)
    make_framework(other_program, "2020", status=Lifecycle.ACTIVE)  # other programs are independent
    db.session.add(FrameworkVersion(program=program, version="2021", title="x", status=Lifecycle.ACTIVE))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_archived_versions_cannot_be_activated_or_deleted(program, director):
    fw = make_framework(program, status=Lifecycle.ARCHIVED)
    with pytest.raises(LockedError):
        services.activate_framework(fw, user=director)
    with pytest.raises(DomainError):
        services.delete_framework(fw, user=director)
    with pytest.raises(DomainError):
        services.archive_framework(fw, user=director)


def test_only_drafts_can_be_deleted(program, director):
    active = make_framework(program, "2020", status=Lifecycle.ACTIVE)
    with pytest.raises(DomainError):
        services.delete_framework(active, user=director)
    draft = make_obe_framework(program, "2024")
    services.delete_framework(draft, user=director)
    db.session.commit()
    assert db.session.get(FrameworkVersion, draft.id) is None
    assert db.session.scalar(select(func.count(Course.id))) == 0
    assert db.session.scalar(select(func.count(Module.id))) == 0


def test_update_settings_validates_threshold_and_weights(framework):
    with pytest.raises(ValidationError):
        services.update_framework_settings(framework, title="t", entry_year=None, notes=None, threshold=0,
                                           aggregation_rule=AggregationRule.MINIMUM, weight_h=3, weight_m=2, weight_l=1)
    with pytest.raises(ValidationError):
        services.update_framework_settings(framework, title="t", entry_year=None, notes=None, threshold=1.2,
                                           aggregation_rule=AggregationRule.MINIMUM, weight_h=3, weight_m=2, weight_l=1)
    with pytest.raises(ValidationError):
        services.update_framework_settings(framework, title="t", entry_year=None, notes=None, threshold=0.7,
                                           aggregation_rule=AggregationRule.MINIMUM, weight_h=-1, weight_m=2, weight_l=1)
    services.update_framework_settings(framework, title="New", entry_year=2024, notes="n", threshold=1,
                                       aggregation_rule=AggregationRule.MINIMUM, weight_h=0.7, weight_m=0.25,
                                       weight_l=0.05)
    db.session.commit()
    fresh = db.session.get(FrameworkVersion, framework.id)
    assert (fresh.title, fresh.threshold, fresh.aggregation_rule, fresh.weight_l) == (
        "New", 1.0, AggregationRule.MINIMUM, 0.05)


# --- archived versions are read-only ---

@pytest.fixture
def archived(program):
    return make_obe_framework(program, status=Lifecycle.ARCHIVED)


@pytest.mark.parametrize("action", [
    lambda fw: services.update_framework_settings(fw, title="x", entry_year=None, notes=None, threshold=0.5,
                                                  aggregation_rule=AggregationRule.MINIMUM, weight_h=1,
                                                  weight_m=1, weight_l=1),
    lambda fw: services.create_requirement(fw, number=5, title="x"),
    lambda fw: services.update_requirement(fw.requirements[0], number=1, title="changed"),
    lambda fw: services.delete_requirement(fw.requirements[0]),
    lambda fw: services.create_indicator_point(fw.requirements[0], code="1.9", description="x"),
    lambda fw: services.delete_indicator_point(fw.requirements[0].indicator_points[0]),
    lambda fw: services.create_course(fw, code="NEW1", name_zh="x"),
    lambda fw: services.update_course(fw.courses[0], code="X", name_zh="x"),
    lambda fw: services.delete_course(fw.courses[0]),
    lambda fw: services.create_objective(fw.courses[0], number=9, description="x"),
    lambda fw: services.create_module(fw, name_zh="x", kind=ModuleKind.OTHER),
    lambda fw: services.delete_module(fw.modules[0]),
    lambda fw: services.save_support_matrix(fw, {}),
], ids=["settings", "req-create", "req-update", "req-delete", "point-create", "point-delete", "course-create",
        "course-update", "course-delete", "objective-create", "module-create", "module-delete", "matrix"])
def test_services_refuse_to_edit_an_archived_version(archived, action):
    before = _snapshot(archived)
    with pytest.raises(LockedError):
        action(archived)
    db.session.rollback()
    assert _snapshot(db.session.get(FrameworkVersion, archived.id)) == before


@pytest.mark.parametrize("change", [
    lambda fw: setattr(fw, "title", "changed"),
    lambda fw: setattr(fw.courses[0], "name_zh", "changed"),
    lambda fw: setattr(fw.requirements[0].indicator_points[0], "description", "changed"),
    lambda fw: fw.courses[0].supports[0].__setattr__("strength", SupportStrength.LOW),
    lambda fw: db.session.add(Course(framework=fw, code="SNEAK", name_zh="x")),
    lambda fw: db.session.delete(fw.modules[0]),
    lambda fw: setattr(fw, "status", Lifecycle.DRAFT),
])
def test_the_flush_guard_refuses_direct_changes_to_an_archived_version(archived, change):
    change(archived)
    with pytest.raises(LockedError):
        db.session.flush()
    db.session.rollback()


# --- OBE content ---

def test_course_code_is_unique_within_a_version_only(program, framework):
    with pytest.raises(ValidationError, match="MATH101"):
        services.create_course(framework, code="MATH101", name_zh="again")
    other = make_framework(program, "2030")
    assert services.create_course(other, code="MATH101", name_zh="fine").id


def test_course_module_must_belong_to_the_same_version(program, framework):
    other = make_obe_framework(program, "2030")
    with pytest.raises(ValidationError):
        services.create_course(framework, code="NEW", name_zh="x", module=other.modules[0])


def test_objective_links_are_replaced_and_checked(program, framework):
    course = next(c for c in framework.courses if c.code == "SE201")
    points = {p.code: p for p in queries.list_indicator_points(framework)}
    objective = services.create_objective(course, number=2, description="团队协作",
                                          points=[points["3.1"], points["3.2"]])
    services.update_objective(objective, number=2, description="团队协作", points=[points["1.2"]])
    db.session.commit()
    assert [link.indicator_point.code for link in objective.indicator_links] == ["1.2"]
    foreign = make_obe_framework(program, "2030")
    with pytest.raises(ValidationError):
        services.update_objective(objective, number=2, description="x",
                                  points=[foreign.requirements[0].indicator_points[0]])


def test_deleting_an_indicator_point_removes_its_cells_and_links(framework):
    point = next(p for p in queries.list_indicator_points(framework) if p.code == "3.2")
    services.delete_indicator_point(point)
    db.session.commit()
    assert db.session.get(IndicatorPoint, point.id) is None
    assert db.session.scalar(select(func.count(CourseSupport.id))) == 4
    assert db.session.scalar(select(func.count(ObjectiveIndicatorLink.id))) == 2


def test_module_parent_cycle_is_refused(framework):
    stage = next(m for m in framework.modules if m.name_zh == "阶段式课程学习")
    child = stage.children[0]
    with pytest.raises(ValidationError):
        services.update_module(stage, name_zh=stage.name_zh, kind=stage.kind, parent=child)
    with pytest.raises(ValidationError):
        services.update_module(stage, name_zh=stage.name_zh, kind=stage.kind, parent=stage)
    db.session.rollback()
    assert db.session.get(Module, stage.id).parent_id is None
    assert services.module_descendant_ids(stage) == {stage.id} | {c.id for c in stage.children}


def test_module_can_move_to_another_branch(framework):
    practice = next(m for m in framework.modules if m.kind == ModuleKind.PROJECT_PRACTICE)
    basics = next(m for m in framework.modules if m.name_zh == "基础阶段")
    services.update_module(basics, name_zh="基础阶段", kind=basics.kind, parent=practice)
    db.session.commit()
    assert db.session.get(Module, basics.id).parent_id == practice.id


def test_module_parent_from_another_version_is_refused(program, framework):
    other = make_obe_framework(program, "2030")
    with pytest.raises(ValidationError):
        services.create_module(framework, name_zh="x", kind=ModuleKind.OTHER, parent=other.modules[0])


def test_deleting_a_module_keeps_its_courses(framework):
    stage = next(m for m in framework.modules if m.name_zh == "阶段式课程学习")
    services.delete_module(stage)
    db.session.commit()
    assert db.session.scalar(select(func.count(Module.id))) == 1
    assert {c.code: c.module_id for c in db.session.scalars(select(Course))}["MATH101"] is None
    assert db.session.scalar(select(func.count(Course.id))) == 3


# --- support matrix ---

def _ids(framework):
    courses = {c.code: c.id for c in framework.courses}
    points = {p.code: p.id for p in queries.list_indicator_points(framework)}
    return courses, points


def test_matrix_save_creates_updates_and_deletes(framework):
    c, p = _ids(framework)
    counts = services.save_support_matrix(framework, {
        (c["SE301"], p["3.1"]): CellInput("h", ""),          # new
        (c["MATH101"], p["1.2"]): CellInput("L", None),      # M -> L
        (c["SE201"], p["1.2"]): CellInput("", ""),           # removed
        (c["SE201"], p["3.2"]): CellInput("", "0.75"),       # weight changed
        (c["MATH101"], p["1.1"]): CellInput("H", None),      # unchanged
    })
    db.session.commit()
    assert counts == {"created": 1, "updated": 2, "deleted": 1}
    matrix = queries.get_support_matrix(db.session.get(FrameworkVersion, framework.id))
    labels = {(row["course"].code, pt.code): (cell["label"] if cell else None)
              for row in matrix.rows for pt, cell in zip(matrix.points, row["cells"], strict=True)}
    assert labels[("SE301", "3.1")] == "H"
    assert labels[("MATH101", "1.2")] == "L"
    assert labels[("SE201", "1.2")] is None
    assert labels[("SE201", "3.2")] == "0.75"


def test_matrix_save_is_all_or_nothing_and_names_the_bad_cells(program, framework):
    c, p = _ids(framework)
    foreign = make_obe_framework(program, "2030")
    foreign_course = foreign.courses[0].id
    with pytest.raises(MatrixError) as info:
        services.save_support_matrix(framework, {
            (c["SE301"], p["3.1"]): CellInput("H", ""),      # valid, must not be saved
            (c["SE201"], p["3.1"]): CellInput("X", ""),
            (c["SE301"], p["1.1"]): CellInput("", "-1"),
            (c["MATH101"], p["1.1"]): CellInput("", "abc"),
            (foreign_course, p["1.1"]): CellInput("H", ""),
        })
    assert set(info.value.cell_errors) == {(c["SE201"], p["3.1"]), (c["SE301"], p["1.1"]),
                                           (c["MATH101"], p["1.1"]), (foreign_course, p["1.1"])}
    message = str(info.value)
    assert "SE201 × 3.1" in message and "SE301 × 1.1" in message and "MATH101 × 1.1" in message
    db.session.rollback()
    assert db.session.scalar(select(func.count(CourseSupport.id))) == 12  # 6 per framework, unchanged
    assert not db.session.scalar(select(CourseSupport).where(
        CourseSupport.course_id == c["SE301"], CourseSupport.indicator_point_id == p["3.1"]))


def test_queries_build_tree_and_matrix(framework):
    tree = queries.get_obe_tree(framework)
    assert [r["number"] for r in tree] == [1, 3]
    point_12 = tree[0]["points"][1]
    assert [(c["code"], c["label"]) for c in point_12["courses"]] == [("MATH101", "M"), ("SE201", "L")]
    matrix = queries.get_support_matrix(framework)
    assert [pt.code for pt in matrix.points] == ["1.1", "1.2", "3.1", "3.2"]
    assert [len(points) for _, points in matrix.groups] == [2, 2]
    assert matrix.column_counts[matrix.points[3].id] == 2
    modules = queries.get_module_tree(framework)
    assert [m["name"] for m in modules] == ["Stage-based course learning", "Systematic project practice"]  # test default: English
    assert [ch["courses"][0]["code"] for ch in modules[0]["children"]] == ["MATH101", "SE201"]


# --- IUR ---

def test_partner_names_are_unique_per_program(program, other_program, director, admin):
    services.create_partner(program, name_zh="华为", kind=PartnerKind.ENTERPRISE, user=director)
    with pytest.raises(ValidationError):
        services.create_partner(program, name_zh="华为", kind=PartnerKind.ENTERPRISE, user=director)
    with pytest.raises(DomainError):  # the director does not manage the other program
        services.create_partner(other_program, name_zh="华为", kind=PartnerKind.ENTERPRISE, user=director)
    assert services.create_partner(other_program, name_zh="华为", kind=PartnerKind.ENTERPRISE, user=admin).id


def test_agreement_dates_must_be_ordered(partner, director):
    with pytest.raises(ValidationError):
        services.save_agreement(partner, title="合作协议", user=director, start_date=date(2024, 9, 1),
                                end_date=date(2024, 1, 1))
    agreement = services.save_agreement(partner, title="合作协议", user=director, start_date=date(2024, 1, 1),
                                        end_date=date(2026, 12, 31))
    assert agreement.partner_id == partner.id


def test_participation_checks_student_base_and_supervisor(program, other_program, partner, director, teacher):
    student = make_student(make_cohort(program, 2023))
    outsider = make_student(make_cohort(other_program, 2023))
    other_partner = make_partner(program, name_zh="腾讯")
    foreign_base = services.save_practice_base(other_partner, name="腾讯基地", user=director)
    foreign_sup = services.save_joint_supervisor(other_partner, name="王工", user=director)
    base = services.save_practice_base(partner, name="华为基地", user=director)
    kw = {"kind": ParticipationKind.PLACEMENT, "title": "暑期实习", "user": teacher}
    with pytest.raises(ValidationError):
        services.save_participation(partner, student=outsider, **kw)
    with pytest.raises(ValidationError):
        services.save_participation(partner, student=student, practice_base=foreign_base, **kw)
    with pytest.raises(ValidationError):
        services.save_participation(partner, student=student, joint_supervisor=foreign_sup, **kw)
    with pytest.raises(ValidationError):
        services.save_participation(partner, student=student, start_date=date(2024, 7, 1),
                                    end_date=date(2024, 6, 1), **kw)
    done = services.save_participation(partner, student=student, practice_base=base, **kw)  # a teacher may
    assert done.practice_base_id == base.id
    with pytest.raises(DomainError):  # but a teacher may not add practice bases
        services.save_practice_base(partner, name="x", user=teacher)


def test_teacher_of_another_program_cannot_record_participations(partner, program):
    stranger = make_user(Role.TEACHER)
    student = make_student(make_cohort(program, 2023))
    with pytest.raises(DomainError):
        services.save_participation(partner, student=student, kind=ParticipationKind.EXCHANGE, title="x",
                                    user=stranger)


def test_clone_keeps_each_courses_category(program, director):
    from eduinnov.frameworks.models import CourseCategory

    source = make_obe_framework(program)
    source.courses[0].category = CourseCategory.MATH_SCIENCE
    db.session.commit()
    copy = services.clone_framework(source, version="2031", user=director)
    db.session.commit()
    by_code = {c.code: c.category for c in db.session.get(FrameworkVersion, copy.id).courses}
    assert by_code[source.courses[0].code] == CourseCategory.MATH_SCIENCE
    assert all(by_code[c.code] == c.category for c in source.courses)
    assert CourseCategory.OTHER in by_code.values()  # the server default of the others
