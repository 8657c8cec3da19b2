"""Framework versions: list, create, the framework page, settings, clone, activate, archive, delete."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from eduinnov.auth.access import Action, can, get_or_404
from eduinnov.auth.decorators import loads, staff_required
from eduinnov.core.errors import DomainError
from eduinnov.core.lifecycle import Lifecycle
from eduinnov.core.pagination import paginate
from eduinnov.core.web import form_error, refuse
from eduinnov.frameworks import queries, services
from eduinnov.frameworks.forms import CloneForm, FrameworkForm, FrameworkSettingsForm
from eduinnov.frameworks.models import AggregationRule, FrameworkVersion, ObjectiveRule
from eduinnov.frameworks.views._blueprint import bp
from eduinnov.frameworks.views._helpers import int_arg, unlocked
from eduinnov.programs.models import Program


@bp.route("/")
@login_required
@staff_required
def list():
    programs = queries.list_programs_for(current_user)
    program_id = int_arg("program")
    try:
        status = Lifecycle(request.args.get("status")) if request.args.get("status") else None
    except ValueError:
        status = None
    stmt = queries.list_frameworks_stmt(current_user, program_id=program_id, status=status)
    page = paginate(stmt, request.args.get("page"))
    manageable = queries.list_programs_for(current_user, Action.MANAGE)
    return render_template(
        "frameworks/list.html", page=page, programs=programs, program_id=program_id, status=status,
        statuses=Lifecycle, can_create=bool(manageable),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
@staff_required
def create():
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
            form_error(form, exc, "version")
        else:
            flash(_("Draft version %(version)s created.", version=framework.version), "success")
            return redirect(url_for("frameworks.detail", framework_id=framework.id))
    return render_template("frameworks/create.html", form=form)


@bp.route("/<int:framework_id>")
@login_required
@loads(FrameworkVersion, "framework_id")
def detail(framework):
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
@loads(FrameworkVersion, "framework_id", Action.MANAGE, unlocked=unlocked())
def edit(framework):
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
            form_error(form, exc, "version")
        else:
            flash(_("Settings saved."), "success")
            return redirect(url_for("frameworks.detail", framework_id=framework.id))
    return render_template("frameworks/settings.html", form=form, framework=framework)


@bp.route("/<int:framework_id>/new-version")
@login_required
@loads(FrameworkVersion, "framework_id", Action.MANAGE)
def new_from(framework):
    """The form that copies a version into a new draft (it posts to ``frameworks.clone``)."""
    return render_template("frameworks/clone.html", form=CloneForm(), framework=framework)


@bp.route("/<int:framework_id>/clone", methods=["POST"])
@login_required
@loads(FrameworkVersion, "framework_id", Action.MANAGE)
def clone(framework):
    form = CloneForm()
    if form.validate_on_submit():
        try:
            copy = services.clone_framework(framework, version=form.version.data, title=form.title.data,
                                            user=current_user)
        except DomainError as exc:
            form_error(form, exc, "version")
        else:
            flash(_("Version %(source)s copied into the new draft %(version)s.",
                    source=framework.version, version=copy.version), "success")
            return redirect(url_for("frameworks.detail", framework_id=copy.id))
    return render_template("frameworks/clone.html", form=form, framework=framework)


@bp.route("/<int:framework_id>/activate", methods=["POST"])
@login_required
@loads(FrameworkVersion, "framework_id", Action.MANAGE)
def activate(framework):
    try:
        previous = services.activate_framework(framework, user=current_user)
    except DomainError as exc:
        refuse(exc)
    else:
        if previous is not None:
            flash(_("Version %(version)s is now active; version %(previous)s was archived.",
                    version=framework.version, previous=previous.version), "success")
        else:
            flash(_("Version %(version)s is now active.", version=framework.version), "success")
    return redirect(url_for("frameworks.detail", framework_id=framework.id))


@bp.route("/<int:framework_id>/archive", methods=["POST"])
@login_required
@loads(FrameworkVersion, "framework_id", Action.MANAGE)
def archive(framework):
    try:
        services.archive_framework(framework, user=current_user)
    except DomainError as exc:
        refuse(exc)
    else:
        flash(_("Version %(version)s archived; it is now read-only.", version=framework.version), "success")
    return redirect(url_for("frameworks.detail", framework_id=framework.id))


@bp.route("/<int:framework_id>/delete", methods=["POST"])
@login_required
@loads(FrameworkVersion, "framework_id", Action.MANAGE)
def delete(framework):
    program_id, version = framework.program_id, framework.version
    try:
        services.delete_framework(framework, user=current_user)
    except DomainError as exc:
        refuse(exc)
        return redirect(url_for("frameworks.detail", framework_id=framework.id))
    flash(_("Draft version %(version)s deleted.", version=version), "success")
    return redirect(url_for("frameworks.list", program=program_id))
