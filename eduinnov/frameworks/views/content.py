"""Editing the content of a version: requirements, indicator points, courses, objectives, modules and
the support matrix. Directors (``Action.MANAGE``) edit; archived versions refuse every change."""

from collections.abc import Callable

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import Field

from eduinnov.auth.access import Action, can, get_or_404
from eduinnov.auth.decorators import loads
from eduinnov.core.errors import DomainError
from eduinnov.core.web import fail_request, form_error, refuse
from eduinnov.frameworks import queries, services
from eduinnov.frameworks.forms import (
    CourseForm,
    IndicatorPointForm,
    MatrixForm,
    ModuleForm,
    ObjectiveForm,
    RequirementForm,
)
from eduinnov.frameworks.models import (
    Course,
    CourseCategory,
    CourseObjective,
    FrameworkVersion,
    GraduationRequirement,
    IndicatorPoint,
    Module,
    ModuleKind,
    ModuleLine,
)
from eduinnov.frameworks.views._blueprint import bp
from eduinnov.frameworks.views._helpers import back_to, int_arg, locked_redirect, unlocked


def _form_page(form, framework: FrameworkVersion, heading: str, anchor: str, save: Callable[[], str],
               error_field: Field, *, back_url: str | None = None, delete_url: str | None = None,
               done_url: str | None = None, edited=None):
    """Validate ``form``, call ``save`` (which returns the flash message) and go back to the framework
    page (or ``done_url``); a domain error from the service is shown next to ``error_field`` and
    nothing is saved."""
    if form.validate_on_submit():
        try:
            message = save()
        except DomainError as exc:
            form_error(form, exc, error_field.short_name)
        else:
            flash(message, "success")
            return redirect(done_url) if done_url else back_to(framework, anchor)
    back_url = back_url or url_for("frameworks.detail", framework_id=framework.id, _anchor=anchor)
    return render_template("frameworks/item_form.html", form=form, framework=framework, heading=heading,
                           back_url=back_url, delete_url=delete_url, edited=edited)


def _delete(framework: FrameworkVersion, anchor: str, action: Callable[[], None], message: str,
            done_url: str | None = None):
    if (locked := locked_redirect(framework, anchor)) is not None:
        return locked
    try:
        action()
    except DomainError as exc:
        refuse(exc)
    else:
        flash(message, "success")
    return redirect(done_url) if done_url else back_to(framework, anchor)


# --- graduation requirements ---

@bp.route("/<int:framework_id>/requirements/new", methods=["GET", "POST"])
@login_required
@loads(FrameworkVersion, "framework_id", Action.MANAGE, unlocked=unlocked("obe"))
def requirement_new(framework):
    form = RequirementForm()
    if request.method == "GET":
        form.number.data = max((r.number for r in framework.requirements), default=0) + 1

    def save():
        req = services.create_requirement(framework, number=form.number.data, title=form.title.data,
                                          title_en=form.title_en.data, description=form.description.data)
        return _("Graduation requirement %(number)d added.", number=req.number)

    return _form_page(form, framework, _("New graduation requirement"), "obe", save, form.number)


@bp.route("/requirements/<int:requirement_id>/edit", methods=["GET", "POST"])
@login_required
@loads(GraduationRequirement, "requirement_id", Action.MANAGE, name="req", unlocked=unlocked("obe"))
def requirement_edit(req):
    framework = req.framework
    form = RequirementForm(obj=req)

    def save():
        services.update_requirement(req, number=form.number.data, title=form.title.data,
                                    title_en=form.title_en.data, description=form.description.data)
        return _("Graduation requirement %(number)d saved.", number=req.number)

    return _form_page(form, framework, _("Graduation requirement %(number)d", number=req.number), "obe", save,
                      form.number, delete_url=url_for("frameworks.requirement_delete", requirement_id=req.id), edited=req)


@bp.route("/requirements/<int:requirement_id>/delete", methods=["POST"])
@login_required
@loads(GraduationRequirement, "requirement_id", Action.MANAGE, name="req")
def requirement_delete(req):
    return _delete(req.framework, "obe", lambda: services.delete_requirement(req),
                   _("Graduation requirement %(number)d deleted.", number=req.number))


# --- indicator points ---

@bp.route("/requirements/<int:requirement_id>/points/new", methods=["GET", "POST"])
@login_required
@loads(GraduationRequirement, "requirement_id", Action.MANAGE, name="req", unlocked=unlocked("obe"))
def point_new(req):
    framework = req.framework
    form = IndicatorPointForm()
    if request.method == "GET":
        form.code.data = f"{req.number}.{len(req.indicator_points) + 1}"

    def save():
        point = services.create_indicator_point(req, code=form.code.data, description=form.description.data,
                                                description_en=form.description_en.data,
                                                position=form.position.data)
        return _("Indicator point %(code)s added.", code=point.code)

    return _form_page(form, framework, _("New indicator point for requirement %(number)d", number=req.number),
                      "obe", save, form.code)


@bp.route("/points/<int:point_id>/edit", methods=["GET", "POST"])
@login_required
@loads(IndicatorPoint, "point_id", Action.MANAGE, unlocked=unlocked("obe"))
def point_edit(point):
    framework = point.framework
    form = IndicatorPointForm(obj=point)

    def save():
        services.update_indicator_point(point, code=form.code.data, description=form.description.data,
                                        description_en=form.description_en.data, position=form.position.data)
        return _("Indicator point %(code)s saved.", code=point.code)

    return _form_page(form, framework, _("Indicator point %(code)s", code=point.code), "obe", save, form.code,
                      delete_url=url_for("frameworks.point_delete", point_id=point.id), edited=point)


@bp.route("/points/<int:point_id>/delete", methods=["POST"])
@login_required
@loads(IndicatorPoint, "point_id", Action.MANAGE)
def point_delete(point):
    return _delete(point.framework, "obe", lambda: services.delete_indicator_point(point),
                   _("Indicator point %(code)s deleted.", code=point.code))


# --- courses and objectives ---

def _course_form(framework: FrameworkVersion, course: Course | None = None) -> CourseForm:
    form = CourseForm(obj=course)
    if course is not None and request.method == "GET":
        form.category.data = course.category.value
    form.module_id.choices = [("", _("— none —"))] + [
        (m.id, queries.module_path(m)) for m in queries.list_modules(framework)
    ]
    return form


def _module_in(framework: FrameworkVersion, module_id: int | None) -> Module | None:
    """The chosen module, re-checked to be in this version (the choices already are)."""
    if module_id is None:
        return None
    module = get_or_404(current_user, Module, module_id)
    if module.framework_id != framework.id:
        raise DomainError(_("The module belongs to another framework version."))
    return module


@bp.route("/<int:framework_id>/courses/new", methods=["GET", "POST"])
@login_required
@loads(FrameworkVersion, "framework_id", Action.MANAGE, unlocked=unlocked("courses"))
def course_new(framework):
    form = _course_form(framework)
    if request.method == "GET" and request.args.get("module"):
        form.module_id.data = int_arg("module")

    def save():
        course = services.create_course(
            framework, code=form.code.data, name_zh=form.name_zh.data, name_en=form.name_en.data,
            credits=form.credits.data, term=form.term.data, is_required=form.is_required.data,
            module=_module_in(framework, form.module_id.data), category=CourseCategory(form.category.data),
        )
        return _("Course %(code)s added.", code=course.code)

    return _form_page(form, framework, _("New course"), "courses", save, form.code)


@bp.route("/courses/<int:course_id>")
@login_required
@loads(Course, "course_id")
def course_detail(course):
    framework = course.framework
    can_edit_content = can(current_user, Action.MANAGE, course) and not framework.is_archived
    supports = sorted(course.supports, key=lambda s: (s.indicator_point.requirement.number,
                                                      s.indicator_point.position))
    return render_template("frameworks/course.html", course=course, framework=framework, supports=supports,
                           can_edit_content=can_edit_content)


@bp.route("/courses/<int:course_id>/edit", methods=["GET", "POST"])
@login_required
@loads(Course, "course_id", Action.MANAGE, unlocked=unlocked("courses"))
def course_edit(course):
    framework = course.framework
    form = _course_form(framework, course)

    def save():
        services.update_course(
            course, code=form.code.data, name_zh=form.name_zh.data, name_en=form.name_en.data,
            credits=form.credits.data, term=form.term.data, is_required=form.is_required.data,
            module=_module_in(framework, form.module_id.data), category=CourseCategory(form.category.data),
        )
        return _("Course %(code)s saved.", code=course.code)

    course_url = url_for("frameworks.course_detail", course_id=course.id)
    return _form_page(form, framework, _("Course %(code)s", code=course.code), "courses", save, form.code,
                      back_url=course_url, done_url=course_url,
                      delete_url=url_for("frameworks.course_delete", course_id=course.id), edited=course)


@bp.route("/courses/<int:course_id>/delete", methods=["POST"])
@login_required
@loads(Course, "course_id", Action.MANAGE)
def course_delete(course):
    return _delete(course.framework, "courses", lambda: services.delete_course(course),
                   _("Course %(code)s deleted.", code=course.code))


def _objective_form(course: Course, objective: CourseObjective | None = None) -> ObjectiveForm:
    form = ObjectiveForm(obj=objective)
    form.points.choices = [(p.id, f"{p.code} {p.description}")
                           for p in queries.list_indicator_points(course.framework)]
    if objective is not None and request.method == "GET":
        form.points.data = [link.indicator_point_id for link in objective.indicator_links]
    return form


def _points_in(framework: FrameworkVersion, ids: list[int]) -> list[IndicatorPoint]:
    """The chosen indicator points, re-checked to be in this version (the choices already are)."""
    points = {p.id: p for p in queries.list_indicator_points(framework)}
    if any(i not in points for i in ids):
        raise DomainError(_("An indicator point does not belong to this framework version."))
    return [points[i] for i in ids]


@bp.route("/courses/<int:course_id>/objectives/new", methods=["GET", "POST"])
@login_required
@loads(Course, "course_id", Action.MANAGE, unlocked=unlocked("courses"))
def objective_new(course):
    framework = course.framework
    form = _objective_form(course)
    if request.method == "GET":
        form.number.data = max((o.number for o in course.objectives), default=0) + 1

    def save():
        objective = services.create_objective(course, number=form.number.data, description=form.description.data,
                                              points=_points_in(framework, form.points.data or []))
        return _("Objective %(number)d of %(code)s added.", number=objective.number, code=course.code)

    course_url = url_for("frameworks.course_detail", course_id=course.id)
    return _form_page(form, framework, _("New objective for %(code)s", code=course.code), "courses", save,
                      form.number, back_url=course_url, done_url=course_url)


@bp.route("/objectives/<int:objective_id>/edit", methods=["GET", "POST"])
@login_required
@loads(CourseObjective, "objective_id", Action.MANAGE, unlocked=unlocked("courses"))
def objective_edit(objective):
    course, framework = objective.course, objective.framework
    form = _objective_form(course, objective)

    def save():
        services.update_objective(objective, number=form.number.data, description=form.description.data,
                                  points=_points_in(framework, form.points.data or []))
        return _("Objective %(number)d of %(code)s saved.", number=objective.number, code=course.code)

    course_url = url_for("frameworks.course_detail", course_id=course.id)
    heading = _("Objective %(number)d of %(code)s", number=objective.number, code=course.code)
    return _form_page(form, framework, heading, "courses", save, form.number, back_url=course_url,
                      done_url=course_url,
                      delete_url=url_for("frameworks.objective_delete", objective_id=objective.id),
                      edited=objective)


@bp.route("/objectives/<int:objective_id>/delete", methods=["POST"])
@login_required
@loads(CourseObjective, "objective_id", Action.MANAGE)
def objective_delete(objective):
    course = objective.course
    return _delete(objective.framework, "courses", lambda: services.delete_objective(objective),
                   _("Objective %(number)d of %(code)s deleted.", number=objective.number, code=course.code),
                   done_url=url_for("frameworks.course_detail", course_id=course.id))


# --- modules ---

def _module_form(framework: FrameworkVersion, module: Module | None = None) -> ModuleForm:
    form = ModuleForm(obj=module)
    excluded = services.module_descendant_ids(module) if module is not None else set()
    form.parent_id.choices = [("", _("— top level —"))] + [
        (m.id, queries.module_path(m)) for m in queries.list_modules(framework) if m.id not in excluded
    ]
    if module is not None and request.method == "GET":
        form.kind.data = module.kind.value
        form.line.data = module.line.value if module.line else ""
    return form


def _module_values(framework: FrameworkVersion, form: ModuleForm) -> dict:
    return {
        "name_zh": form.name_zh.data, "name_en": form.name_en.data, "kind": ModuleKind(form.kind.data),
        "parent": _module_in(framework, form.parent_id.data),
        "line": ModuleLine(form.line.data) if form.line.data else None, "credits": form.credits.data,
        "term": form.term.data, "position": form.position.data, "description": form.description.data,
    }


@bp.route("/<int:framework_id>/modules/new", methods=["GET", "POST"])
@login_required
@loads(FrameworkVersion, "framework_id", Action.MANAGE, unlocked=unlocked("modules"))
def module_new(framework):
    form = _module_form(framework)
    if request.method == "GET" and request.args.get("parent"):
        form.parent_id.data = int_arg("parent")

    def save():
        module = services.create_module(framework, **_module_values(framework, form))
        return _("Module %(name)s added.", name=module.display_name)

    return _form_page(form, framework, _("New module"), "modules", save, form.parent_id)


@bp.route("/modules/<int:module_id>/edit", methods=["GET", "POST"])
@login_required
@loads(Module, "module_id", Action.MANAGE, unlocked=unlocked("modules"))
def module_edit(module):
    framework = module.framework
    form = _module_form(framework, module)

    def save():
        services.update_module(module, **_module_values(framework, form))
        return _("Module %(name)s saved.", name=module.display_name)

    return _form_page(form, framework, _("Module %(name)s", name=module.display_name), "modules", save,
                      form.parent_id, delete_url=url_for("frameworks.module_delete", module_id=module.id),
                      edited=module)


@bp.route("/modules/<int:module_id>/delete", methods=["POST"])
@login_required
@loads(Module, "module_id", Action.MANAGE)
def module_delete(module):
    return _delete(module.framework, "modules", lambda: services.delete_module(module),
                   _("Module %(name)s and its sub-modules deleted; their courses were kept.",
                     name=module.display_name))


# --- support matrix ---

def _posted_cells() -> dict[tuple[int, int], services.CellInput]:
    """Every ``cell-<course>-<point>`` / ``weight-<course>-<point>`` pair in the request, as typed."""
    keys: set[tuple[int, int]] = set()
    for name in request.form:
        prefix, _sep, rest = name.partition("-")
        if prefix not in ("cell", "weight"):
            continue
        course_id, _sep, point_id = rest.partition("-")
        try:
            keys.add((int(course_id), int(point_id)))
        except ValueError:
            continue
    return {
        (c, p): services.CellInput(request.form.get(f"cell-{c}-{p}"), request.form.get(f"weight-{c}-{p}"))
        for c, p in keys
    }


@bp.route("/<int:framework_id>/matrix", methods=["GET", "POST"])
@login_required
@loads(FrameworkVersion, "framework_id", Action.MANAGE, unlocked=unlocked("matrix"))
def matrix(framework):
    form = MatrixForm()
    posted: dict = {}
    cell_errors: dict = {}
    if form.validate_on_submit():
        cells = _posted_cells()
        try:
            counts = services.save_support_matrix(framework, cells)
        except services.MatrixError as exc:
            fail_request(exc)
            cell_errors, posted = exc.cell_errors, cells
            flash(str(exc), "danger")
        except DomainError as exc:
            fail_request(exc)
            posted = cells
            flash(str(exc), "danger")
        else:
            flash(_("Support matrix saved: %(created)d added, %(updated)d changed, %(deleted)d removed.",
                    **counts), "success")
            return back_to(framework, "matrix")
    # 422 rolls the request back as well: an invalid grid never leaves anything behind.
    status = 422 if posted else 200
    return render_template("frameworks/matrix_edit.html", framework=framework, form=form,
                           matrix=queries.get_support_matrix(framework), posted=posted,
                           cell_errors=cell_errors), status
