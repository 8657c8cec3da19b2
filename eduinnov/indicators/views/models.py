"""Evaluation models and templates: list, create, import/export YAML, settings, lifecycle."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from eduinnov.auth.access import Action, can, get_or_404
from eduinnov.auth.decorators import loads, staff_required
from eduinnov.auth.models import Role
from eduinnov.core.errors import DomainError
from eduinnov.core.lifecycle import Lifecycle
from eduinnov.core.pagination import paginate
from eduinnov.core.web import fail_request, form_error, query_id, refuse
from eduinnov.indicators import queries, services
from eduinnov.indicators.forms import (
    CopyForm,
    ImportForm,
    ModelForm,
    ModelSettingsForm,
    NodeAddForm,
    RunForm,
)
from eduinnov.indicators.metrics import METRICS, metric_choices
from eduinnov.indicators.models import (
    EvaluationModel,
    EvaluationUnit,
)
from eduinnov.indicators.spec import SpecError
from eduinnov.indicators.views._blueprint import bp
from eduinnov.indicators.views._helpers import _program_choices, _program_or_none, unlocked
from eduinnov.indicators.yaml_io import dump_model, dump_spec, get_template, list_templates, parse_yaml

# ---------------------------------------------------------------------------------------------------------
# Models and templates
# ---------------------------------------------------------------------------------------------------------


@bp.route("/", endpoint="list")
@login_required
@staff_required
def list_models():
    program_id = query_id("program")
    try:
        status = Lifecycle(request.args.get("status")) if request.args.get("status") else None
    except ValueError:
        status = None
    q = (request.args.get("q") or "").strip() or None
    held = queries.list_held_runs(current_user) if request.args.get("health") == "failed" else None
    page = paginate(queries.list_models_stmt(current_user, program_id=program_id, status=status, q=q),
                    request.args.get("page"))
    manageable = _program_choices()
    copy_form = CopyForm()
    copy_form.program_id.choices = manageable
    return render_template(
        "indicators/list.html", page=page, templates=list_templates(), programs=queries.list_programs_for(current_user),
        program_id=program_id, status=status, statuses=Lifecycle, q=q, can_create=bool(manageable),
        copy_form=copy_form, import_form=_import_form(manageable), held=held,
    )


def _import_form(choices):
    form = ImportForm()
    form.program_id.choices = choices
    return form


@bp.route("/new", methods=["GET", "POST"])
@login_required
@staff_required
def create():
    choices = _program_choices()
    if not choices:
        abort(403)
    form = ModelForm()
    form.program_id.choices = choices
    if request.method == "GET" and request.args.get("program"):
        form.program_id.data = query_id("program")
    if form.validate_on_submit():
        program = _program_or_none(form.program_id.data)
        try:
            model = services.create_model(program, name=form.name.data, unit=EvaluationUnit(form.unit.data),
                                          description=form.description.data, user=current_user)
        except DomainError as exc:
            form_error(form, exc, "unit")
        else:
            flash(_("Model “%(name)s” created. Add its indicators below.", name=model.name), "success")
            return redirect(url_for("indicators.detail", model_id=model.id))
    return render_template("indicators/create.html", form=form)


@bp.route("/templates/<key>")
@login_required
@staff_required
def template(key: str):
    tpl = get_template(key)
    if tpl is None:
        abort(404)
    form = CopyForm()
    form.program_id.choices = _program_choices(institution=tpl.unit == EvaluationUnit.PROGRAM.value)
    if tpl.unit == EvaluationUnit.PROGRAM.value:
        form.program_id.choices = [c for c in form.program_id.choices if c[0] == ""]
    form.name.data = tpl.name
    return render_template("indicators/template.html", tpl=tpl, form=form, metrics=METRICS)


@bp.route("/templates/<key>.yaml")
@login_required
@staff_required
def template_yaml(key: str):
    tpl = get_template(key)
    if tpl is None:
        abort(404)
    return _yaml_response(dump_spec(tpl.spec, header=f"eduinnov built-in template {tpl.key}"), f"{tpl.key}.yaml")


def _yaml_response(text: str, filename: str) -> Response:
    return Response(text, mimetype="application/x-yaml",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/templates/<key>/copy", methods=["POST"])
@login_required
@staff_required
def copy_template(key: str):
    tpl = get_template(key)
    if tpl is None:
        abort(404)
    form = CopyForm()
    form.program_id.choices = _program_choices()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash("; ".join(str(e) for e in errors), "danger")
        return redirect(url_for("indicators.template", key=key))
    program = _program_or_none(form.program_id.data)
    try:
        model = services.import_model(tpl.spec, program, current_user, name=form.name.data, template_key=tpl.key)
    except DomainError as exc:
        refuse(exc)
        return redirect(url_for("indicators.template", key=key))
    flash(_("Template copied as a draft. Adjust targets, judgments and weights, then activate it."), "success")
    return redirect(url_for("indicators.detail", model_id=model.id))


@bp.route("/import", methods=["POST"])
@login_required
@staff_required
def import_yaml():
    form = _import_form(_program_choices())
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash("; ".join(str(e) for e in errors), "danger")
        return redirect(url_for("indicators.list"))
    program = _program_or_none(form.program_id.data)
    try:
        spec = parse_yaml(form.file.data.read(512 * 1024))
        model = services.import_model(spec, program, current_user)
    except (SpecError, DomainError) as exc:
        fail_request(exc)
        flash(_("The file was not imported: %(error)s", error=str(exc)), "danger")
        return redirect(url_for("indicators.list"))
    flash(_("Imported “%(name)s” as draft version %(v)d.", name=model.name, v=model.version), "success")
    return redirect(url_for("indicators.detail", model_id=model.id))


@bp.route("/models/<int:model_id>")
@login_required
@loads(EvaluationModel, "model_id")
def detail(model):
    can_manage = can(current_user, Action.MANAGE, model) if model.program_id else current_user.role == Role.ADMIN
    add_form = NodeAddForm()
    add_form.metric_key.choices = [("", _("— none: a group of indicators —"))] + metric_choices(model.unit)
    run_form = RunForm()
    targets = queries.unit_targets(current_user, model)
    run_form.cohort_id.choices = [(c.id, f"{c.program.code} {c.display_name}") for c in targets.get("cohorts", [])]
    run_form.program_id.choices = [(p.id, f"{p.code} {p.display_name}") for p in targets.get("programs", [])]
    copy_form = CopyForm()
    copy_form.program_id.choices = _program_choices(institution=True)
    copy_form.name.data = model.name
    tree = queries.node_tree(model)
    consistency = {n.id: services.judgment_report(n) for n, _d in tree
                   if n.children and n.weighting and n.weighting.uses_judgments and len(n.children) > 1}
    return render_template(
        "indicators/detail.html", model=model, tree=tree, can_manage=can_manage,
        can_edit=can_manage and not model.is_archived, problems=services.model_problems(model),
        add_form=add_form, run_form=run_form, copy_form=copy_form, targets=targets,
        runs=queries.list_runs_of_model(current_user, model), consistency=consistency, metrics=METRICS,
        max_depth=4,
    )


@bp.route("/models/<int:model_id>/settings", methods=["GET", "POST"])
@login_required
@loads(EvaluationModel, "model_id", Action.MANAGE, unlocked=unlocked())
def edit(model):
    form = ModelSettingsForm()
    if request.method == "GET":
        form.name.data, form.description.data = model.name, model.description
        form.include_unverified.data = model.include_unverified
        for row, grade in zip(form.grades, model.grade_scale or [], strict=False):
            row.form.name_zh.data, row.form.name_en.data = grade.get("name_zh"), grade.get("name_en")
            row.form.min.data, row.form.max.data, row.form.value.data = grade["min"], grade["max"], grade.get("value")
    if form.validate_on_submit():
        try:
            services.update_model(model, name=form.name.data, description=form.description.data,
                                  grade_scale=form.grade_scale(), include_unverified=form.include_unverified.data,
                                  user=current_user)
        except DomainError as exc:
            form_error(form, exc, "grades")
        else:
            flash(_("Settings saved."), "success")
            return redirect(url_for("indicators.detail", model_id=model.id))
    return render_template("indicators/settings.html", form=form, model=model)


def _lifecycle(model_id: int, action, message: str, *, redirect_to_new: bool = False):
    model = get_or_404(current_user, EvaluationModel, model_id, Action.MANAGE)
    try:
        result = action(model, current_user)
    except DomainError as exc:
        refuse(exc)
        return redirect(url_for("indicators.detail", model_id=model.id))
    flash(message, "success")
    target = result if redirect_to_new and result is not None else model
    return redirect(url_for("indicators.detail", model_id=target.id))


@bp.route("/models/<int:model_id>/activate", methods=["POST"])
@login_required
def activate(model_id: int):
    return _lifecycle(model_id, services.activate_model,
                      _("Version activated; the previously active version of this model is archived."))


@bp.route("/models/<int:model_id>/archive", methods=["POST"])
@login_required
def archive(model_id: int):
    return _lifecycle(model_id, services.archive_model, _("Version archived. It is read-only now; its runs remain."))


@bp.route("/models/<int:model_id>/new-version", methods=["POST"])
@login_required
def new_version(model_id: int):
    return _lifecycle(model_id, services.new_version, _("New draft version created."), redirect_to_new=True)


@bp.route("/models/<int:model_id>/delete", methods=["POST"])
@login_required
@loads(EvaluationModel, "model_id", Action.MANAGE)
def delete(model):
    try:
        services.delete_model(model, current_user)
    except DomainError as exc:
        refuse(exc)
        return redirect(url_for("indicators.detail", model_id=model.id))
    flash(_("Draft deleted."), "success")
    return redirect(url_for("indicators.list"))


@bp.route("/models/<int:model_id>/copy", methods=["POST"])
@login_required
@loads(EvaluationModel, "model_id")
def copy(model):
    form = CopyForm()
    form.program_id.choices = _program_choices()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash("; ".join(str(e) for e in errors), "danger")
        return redirect(url_for("indicators.detail", model_id=model.id))
    program = _program_or_none(form.program_id.data)
    try:
        new = services.copy_model(model, program, current_user, name=form.name.data)
    except DomainError as exc:
        refuse(exc)
        return redirect(url_for("indicators.detail", model_id=model.id))
    flash(_("Copied as a new draft."), "success")
    return redirect(url_for("indicators.detail", model_id=new.id))


@bp.route("/models/<int:model_id>.yaml")
@login_required
@loads(EvaluationModel, "model_id")
def model_yaml(model):
    return _yaml_response(dump_model(model), f"model-{model.id}-v{model.version}.yaml")


