"""Framework versions: list, create, the framework page, settings, clone, activate, archive, delete."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from eduinnov.auth.access import Action, can, get_or_404, require_role
from eduinnov.auth.models import Role
from eduinnov.core.errors import DomainError
from eduinnov.core.pagination import paginate
from eduinnov.core.web import fail_request
from eduinnov.frameworks import queries, services
from eduinnov.frameworks.forms import CloneForm, FrameworkForm, FrameworkSettingsForm
from eduinnov.frameworks.models import AggregationRule, FrameworkStatus, FrameworkVersion, ObjectiveRule
from eduinnov.frameworks.views._blueprint import bp
from eduinnov.frameworks.views._helpers import int_arg, locked_redirect
from eduinnov.programs.models import Program

STAFF = (Role.ADMIN, Role.DIRECTOR, Role.TEACHER)


@bp.route("/")
@login_required
def list():
    require_role(current_user, *STAFF)
    programs = queries.list_programs_for(current_user)
    program_id = int_arg("program")
    try:
        status = FrameworkStatus(request.args.get("status")) if request.args.get("status") else None
    except ValueError:
        status = None
    stmt = queries.list_frameworks_stmt(current_user, program_id=program_id, status=status)
    page = paginate(stmt, request.args.get("page"))
    manageable = queries.list_programs_for(current_user, Action.MANAGE)
    return render_template(
        "frameworks/list.html", page=page, programs=programs, program_id=program_id, status=status,
        statuses=FrameworkStatus, can_create=bool(manageable),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    require_role(current_user, *STAFF)
    programs = queries.list_programs_for(current_user, Action.MANAGE)
    if not programs:
        abort(403)
    form = FrameworkForm()
    form.program_id.choices = [(p.id, f"{p.code} {p.display_name}") for p in programs]
    if request.method == "GET" and request.args.get("program"):
        form.program_id.data = int_arg("program")
    if form.validate_on_submit():
        program = get_or_404(current_user, Program, form.program_id.data, Action.MANAGE)
        try:
            framework = services.create_framework(
                program, version=form.version.data, title=form.title.data, user=current_user,
                entry_year=form.entry_year.data, notes=form.notes.data,
            )
        except DomainError as exc:
            fail_request(exc)
            form.version.errors.append(str(exc))
        else:
            flash(_("Draft version %(version)s created.", version=framework.version), "success")
            return redirect(url_for("frameworks.detail", framework_id=framework.id))
    return render_template("frameworks/create.html", form=form)


@bp.route("/<int:framework_id>")
@login_required
def detail(framework_id: int):
    framework = get_or_404(current_user, FrameworkVersion, framework_id)
    can_manage = can(current_user, Action.MANAGE, framework)
    source = queries.get_default_source(framework) if framework.requirements else None
    lineage = {"source": source, "linked": source is not None and queries.has_carried_over(framework),
               "missing": queries.list_requirements_not_carried_over(framework) if source is not None else []}
    return render_template(
        "frameworks/detail.html",
        framework=framework,
        lineage=lineage,
        counts=queries.count_framework_contents(framework),
        tree=queries.get_obe_tree(framework),
        matrix=queries.get_support_matrix(framework),
        modules=queries.get_module_tree(framework),
        can_manage=can_manage,
        can_edit_content=can_manage and not framework.is_archived,
        active=queries.get_active_framework(framework.program_id),
    )


@bp.route("/<int:framework_id>/settings", methods=["GET", "POST"])
@login_required
def edit(framework_id: int):
    framework = get_or_404(current_user, FrameworkVersion, framework_id, Action.MANAGE)
    if (locked := locked_redirect(framework)) is not None:
        return locked
    form = FrameworkSettingsForm(obj=framework)
    if request.method == "GET":
        form.aggregation_rule.data = framework.aggregation_rule.value
        form.objective_rule.data = framework.objective_rule.value
    if form.validate_on_submit():
        try:
            services.update_framework_settings(
                framework, version=form.version.data, title=form.title.data, entry_year=form.entry_year.data,
                notes=form.notes.data, threshold=form.threshold.data,
                aggregation_rule=AggregationRule(form.aggregation_rule.data), weight_h=form.weight_h.data,
                weight_m=form.weight_m.data, weight_l=form.weight_l.data,
                objective_rule=ObjectiveRule(form.objective_rule.data),
            )
        except DomainError as exc:
            fail_request(exc)
            form.version.errors.append(str(exc))
        else:
            flash(_("Settings saved."), "success")
            return redirect(url_for("frameworks.detail", framework_id=framework.id))
    return render_template("frameworks/settings.html", form=form, framework=framework)


@bp.route("/<int:framework_id>/new-version")
@login_required
def new_from(framework_id: int):
    """The form that copies a version into a new draft (it posts to ``frameworks.clone``)."""
    framework = get_or_404(current_user, FrameworkVersion, framework_id, Action.MANAGE)
    return render_template("frameworks/clone.html", form=CloneForm(), framework=framework)


@bp.route("/<int:framework_id>/clone", methods=["POST"])
@login_required
def clone(framework_id: int):
    framework = get_or_404(current_user, FrameworkVersion, framework_id, Action.MANAGE)
    form = CloneForm()
    if form.validate_on_submit():
        try:
            copy = services.clone_framework(framework, version=form.version.data, title=form.title.data,
                                            user=current_user)
        except DomainError as exc:
            fail_request(exc)
            form.version.errors.append(str(exc))
        else:
            flash(_("Version %(source)s copied into the new draft %(version)s.",
                    source=framework.version, version=copy.version), "success")
            return redirect(url_for("frameworks.detail", framework_id=copy.id))
    return render_template("frameworks/clone.html", form=form, framework=framework)


@bp.route("/<int:framework_id>/activate", methods=["POST"])
@login_required
def activate(framework_id: int):
    framework = get_or_404(current_user, FrameworkVersion, framework_id, Action.MANAGE)
    try:
        previous = services.activate_framework(framework, user=current_user)
    except DomainError as exc:
        fail_request(exc)
        flash(str(exc), "danger")
    else:
        if previous is not None:
            flash(_("Version %(version)s is now active; version %(previous)s was archived.",
                    version=framework.version, previous=previous.version), "success")
        else:
            flash(_("Version %(version)s is now active.", version=framework.version), "success")
    return redirect(url_for("frameworks.detail", framework_id=framework.id))


@bp.route("/<int:framework_id>/archive", methods=["POST"])
@login_required
def archive(framework_id: int):
    framework = get_or_404(current_user, FrameworkVersion, framework_id, Action.MANAGE)
    try:
        services.archive_framework(framework, user=current_user)
    except DomainError as exc:
        fail_request(exc)
        flash(str(exc), "danger")
    else:
        flash(_("Version %(version)s archived; it is now read-only.", version=framework.version), "success")
    return redirect(url_for("frameworks.detail", framework_id=framework.id))


@bp.route("/<int:framework_id>/delete", methods=["POST"])
@login_required
def delete(framework_id: int):
    framework = get_or_404(current_user, FrameworkVersion, framework_id, Action.MANAGE)
    program_id, version = framework.program_id, framework.version
    try:
        services.delete_framework(framework, user=current_user)
    except DomainError as exc:
        fail_request(exc)
        flash(str(exc), "danger")
        return redirect(url_for("frameworks.detail", framework_id=framework.id))
    flash(_("Draft version %(version)s deleted.", version=version), "success")
    return redirect(url_for("frameworks.list", program=program_id))
