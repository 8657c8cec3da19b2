"""Evaluation pages: models and templates, the tree editor with AHP judgments, runs, comparison,
sensitivity, manual ratings and SWOT records (blueprint ``indicators``, under /evaluation)."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from eduinnov.auth.access import Action, can, get_or_404, require_role
from eduinnov.auth.models import Role
from eduinnov.core.errors import DomainError
from eduinnov.core.lifecycle import Lifecycle
from eduinnov.core.pagination import paginate
from eduinnov.core.web import fail_request, query_id
from eduinnov.evaluation.params import default
from eduinnov.indicators import queries, services
from eduinnov.indicators.forms import (
    CopyForm,
    ImportForm,
    ManualScoreForm,
    ModelForm,
    ModelSettingsForm,
    NodeAddForm,
    NodeForm,
    RunForm,
    RunReviewForm,
    SensitivityForm,
    SwotForm,
)
from eduinnov.indicators.metrics import METRICS, describe_params, metric_choices
from eduinnov.indicators.models import (
    AggregationMethod,
    EvaluationModel,
    EvaluationRun,
    EvaluationUnit,
    IndicatorNode,
    ManualScore,
    SwotRecord,
    WeightingMethod,
)
from eduinnov.indicators.spec import SpecError, judgment_matrix, judgment_text
from eduinnov.indicators.yaml_io import dump_model, dump_spec, get_template, list_templates, parse_yaml
from eduinnov.programs.models import Cohort, Program
from eduinnov.programs.queries import get_student_by_number

bp = Blueprint("indicators", __name__, url_prefix="/evaluation")

STAFF = (Role.ADMIN, Role.DIRECTOR, Role.TEACHER)


@bp.app_template_global("describe_params")
def _describe_params(metric_key, params):
    return describe_params(metric_key, params)


@bp.app_template_filter("method_label")
def _method_label(value) -> str:
    """The label of a weighting or aggregation method given by its stored value ('ahp' → "AHP (eigenvector)")."""
    from eduinnov.core.i18n import enum_label

    for enum_cls in (WeightingMethod, AggregationMethod):
        try:
            return enum_label(enum_cls(getattr(value, "value", value)))
        except ValueError:
            continue
    return str(value or "")


SAATY = ["9", "8", "7", "6", "5", "4", "3", "2", "1", "1/2", "1/3", "1/4", "1/5", "1/6", "1/7", "1/8", "1/9"]


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _program_choices(action: Action = Action.MANAGE, *, institution: bool = True) -> list[tuple]:
    choices = [(p.id, f"{p.code} {p.display_name}") for p in queries.list_programs_for(current_user, action)]
    if institution and current_user.role == Role.ADMIN:
        choices.insert(0, ("", _("Institution-wide (administrators)")))
    return choices


def _program_or_none(program_id: int | None, action: Action = Action.MANAGE) -> Program | None:
    """The chosen program (checked), or None for institution-wide (administrators only)."""
    if program_id is None:
        if current_user.role != Role.ADMIN:
            abort(403)
        return None
    return get_or_404(current_user, Program, program_id, action)


def _locked(model: EvaluationModel):
    if not model.is_archived:
        return None
    flash(_("This version is archived and read-only. Make a new version to change it."), "warning")
    return redirect(url_for("indicators.detail", model_id=model.id))


# ---------------------------------------------------------------------------------------------------------
# Models and templates
# ---------------------------------------------------------------------------------------------------------


@bp.route("/", endpoint="list")
@login_required
def list_models():
    require_role(current_user, *STAFF)
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
def create():
    require_role(current_user, *STAFF)
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
            fail_request(exc)
            form.unit.errors.append(str(exc))
        else:
            flash(_("Model “%(name)s” created. Add its indicators below.", name=model.name), "success")
            return redirect(url_for("indicators.detail", model_id=model.id))
    return render_template("indicators/create.html", form=form)


@bp.route("/templates/<key>")
@login_required
def template(key: str):
    require_role(current_user, *STAFF)
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
def template_yaml(key: str):
    require_role(current_user, *STAFF)
    tpl = get_template(key)
    if tpl is None:
        abort(404)
    return _yaml_response(dump_spec(tpl.spec, header=f"eduinnov built-in template {tpl.key}"), f"{tpl.key}.yaml")


def _yaml_response(text: str, filename: str) -> Response:
    return Response(text, mimetype="application/x-yaml",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/templates/<key>/copy", methods=["POST"])
@login_required
def copy_template(key: str):
    require_role(current_user, *STAFF)
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
        fail_request(exc)
        flash(str(exc), "danger")
        return redirect(url_for("indicators.template", key=key))
    flash(_("Template copied as a draft. Adjust targets, judgments and weights, then activate it."), "success")
    return redirect(url_for("indicators.detail", model_id=model.id))


@bp.route("/import", methods=["POST"])
@login_required
def import_yaml():
    require_role(current_user, *STAFF)
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
def detail(model_id: int):
    model = get_or_404(current_user, EvaluationModel, model_id)
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
def edit(model_id: int):
    model = get_or_404(current_user, EvaluationModel, model_id, Action.MANAGE)
    if (locked := _locked(model)) is not None:
        return locked
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
            fail_request(exc)
            form.grades.errors = [*form.grades.errors, str(exc)] if isinstance(form.grades.errors, list) else [str(exc)]
        else:
            flash(_("Settings saved."), "success")
            return redirect(url_for("indicators.detail", model_id=model.id))
    return render_template("indicators/settings.html", form=form, model=model)


def _lifecycle(model_id: int, action, message: str, *, redirect_to_new: bool = False):
    model = get_or_404(current_user, EvaluationModel, model_id, Action.MANAGE)
    try:
        result = action(model, current_user)
    except DomainError as exc:
        fail_request(exc)
        flash(str(exc), "danger")
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
def delete(model_id: int):
    model = get_or_404(current_user, EvaluationModel, model_id, Action.MANAGE)
    try:
        services.delete_model(model, current_user)
    except DomainError as exc:
        fail_request(exc)
        flash(str(exc), "danger")
        return redirect(url_for("indicators.detail", model_id=model.id))
    flash(_("Draft deleted."), "success")
    return redirect(url_for("indicators.list"))


@bp.route("/models/<int:model_id>/copy", methods=["POST"])
@login_required
def copy(model_id: int):
    model = get_or_404(current_user, EvaluationModel, model_id)
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
        fail_request(exc)
        flash(str(exc), "danger")
        return redirect(url_for("indicators.detail", model_id=model.id))
    flash(_("Copied as a new draft."), "success")
    return redirect(url_for("indicators.detail", model_id=new.id))


@bp.route("/models/<int:model_id>.yaml")
@login_required
def model_yaml(model_id: int):
    model = get_or_404(current_user, EvaluationModel, model_id)
    return _yaml_response(dump_model(model), f"model-{model.id}-v{model.version}.yaml")


# ---------------------------------------------------------------------------------------------------------
# Nodes
# ---------------------------------------------------------------------------------------------------------


@bp.route("/nodes/<int:node_id>/add", methods=["POST"])
@login_required
def node_add(node_id: int):
    parent = get_or_404(current_user, IndicatorNode, node_id, Action.MANAGE)
    model = parent.model
    if (locked := _locked(model)) is not None:
        return locked
    form = NodeAddForm()
    form.metric_key.choices = [("", "")] + metric_choices(model.unit)
    if form.validate_on_submit():
        try:
            node = services.add_node(parent, code=form.code.data, name_zh=form.name_zh.data, name_en=form.name_en.data,
                                     metric_key=form.metric_key.data or None, user=current_user)
        except DomainError as exc:
            fail_request(exc)
            flash(str(exc), "danger")
        else:
            flash(_("Indicator %(code)s added under %(parent)s.", code=node.code, parent=parent.code), "success")
            return redirect(url_for("indicators.detail", model_id=model.id, _anchor=f"node-{node.id}"))
    else:
        for name, errors in form.errors.items():
            flash(f"{getattr(form, name).label.text}: {'; '.join(str(e) for e in errors)}", "danger")
    return redirect(url_for("indicators.detail", model_id=model.id, _anchor=f"node-{parent.id}"))


def _fill_node_form(form: NodeForm, node: IndicatorNode) -> None:
    form.code.data, form.name_zh.data, form.name_en.data = node.code, node.name_zh, node.name_en
    form.description.data = node.description
    form.metric_key.data = node.metric_key or ""
    form.metric_params.data = json.dumps(node.metric_params, ensure_ascii=False) if node.metric_params else ""
    form.direction.data = node.direction.value if node.direction else "benefit"
    scaling = node.scaling or {"method": "minmax"}
    form.scaling_method.data = scaling.get("method", "minmax")
    form.scaling_target.data = scaling.get("target")
    form.target_mode.data = scaling.get("mode", "absolute")
    form.target_percentile.data = scaling.get("percentile", 90)
    form.target_cohorts.data = scaling.get("cohorts", 3)
    form.scaling_min.data, form.scaling_max.data = scaling.get("min"), scaling.get("max")
    form.weighting.data = (node.weighting or WeightingMethod.EQUAL).value
    wp = node.weighting_params or {}
    form.beta.data = wp.get("beta", default("ahm", "beta"))
    form.objective.data = wp.get("objective", "entropy")
    form.combine_method.data = wp.get("method", "linear")
    form.alpha.data = wp.get("alpha", default("combine", "alpha"))
    form.aggregation.data = node.aggregation.value if node.aggregation else "weighted_sum"
    ap = node.aggregation_params or {}
    form.operator.data = ap.get("operator", "M(*,+)")
    anchors = ap.get("anchors")
    form.anchors.data = ", ".join(f"{a:g}" for a in anchors) if isinstance(anchors, list) else ""
    form.lam.data = ap.get("lambda", default("unascertained", "lambda"))
    form.rho.data = ap.get("rho", default("gra", "rho"))
    form.retention.data = ap.get("retention", "kaiser")
    form.threshold.data = ap.get("threshold", default("pca", "threshold"))
    form.floor.data = ap.get("floor", default("coupling", "floor"))


def _or_default(value, method: str, name: str):
    return value if value is not None else default(method, name)


def _node_kwargs(form: NodeForm, node: IndicatorNode) -> dict:
    method = form.scaling_method.data
    scaling = {"method": method}
    if method == "target":
        scaling["target"] = form.scaling_target.data
        if form.target_mode.data in ("percentile", "calibrated"):
            scaling.update({"mode": form.target_mode.data, "percentile": form.target_percentile.data or 90})
            if form.target_mode.data == "calibrated":
                scaling["cohorts"] = form.target_cohorts.data or 3
    elif method == "range":
        scaling.update({"min": form.scaling_min.data, "max": form.scaling_max.data})
    weighting = form.weighting.data
    wparams = {}
    if weighting == "ahm":
        wparams = {"beta": _or_default(form.beta.data, "ahm", "beta")}
    elif weighting == "combined":
        wparams = {"objective": form.objective.data, "method": form.combine_method.data,
                   "alpha": _or_default(form.alpha.data, "combine", "alpha")}
    agg = form.aggregation.data
    aparams: dict = {}
    anchors = getattr(form.anchors, "parsed", None)
    if agg == "fuzzy":
        aparams = {"operator": form.operator.data}
    elif agg == "unascertained":
        aparams = {"lambda": _or_default(form.lam.data, "unascertained", "lambda")}
        old = (node.aggregation_params or {}).get("anchors")
        if anchors is None and isinstance(old, dict):
            aparams["anchors"] = old  # per-child anchors (from YAML) are kept unless replaced here
    elif agg == "gra":
        aparams = {"rho": _or_default(form.rho.data, "gra", "rho")}
    elif agg == "pca":
        aparams = {"retention": form.retention.data,
                   "threshold": _or_default(form.threshold.data, "pca", "threshold")}
    elif agg == "coupling":
        aparams = {"floor": _or_default(form.floor.data, "coupling", "floor")}
    if anchors is not None and agg in ("fuzzy", "unascertained"):
        aparams["anchors"] = anchors
    weights = None
    if weighting == "expert":
        weights = {c.code: request.form.get(f"w-{c.code}", "") for c in node.children}
    return dict(code=form.code.data, name_zh=form.name_zh.data, name_en=form.name_en.data,
                description=form.description.data, metric_key=form.metric_key.data or None,
                metric_params=getattr(form.metric_params, "parsed", {}), direction=form.direction.data,
                scaling=scaling, weighting=weighting, weighting_params=wparams, weights=weights,
                aggregation=agg, aggregation_params=aparams)


@bp.route("/nodes/<int:node_id>", methods=["GET", "POST"])
@login_required
def node(node_id: int):
    node = get_or_404(current_user, IndicatorNode, node_id)
    model = node.model
    can_edit = can(current_user, Action.MANAGE, node) and not model.is_archived
    form = NodeForm()
    form.metric_key.choices = [("", _("— none —"))] + metric_choices(model.unit)
    if request.method == "POST":
        if not can(current_user, Action.MANAGE, node):
            abort(403)
        if (locked := _locked(model)) is not None:
            return locked
        if form.validate_on_submit():
            try:
                services.update_node(node, user=current_user, **_node_kwargs(form, node))
            except DomainError as exc:
                fail_request(exc)
                flash(str(exc), "danger")
            else:
                flash(_("Indicator %(code)s saved.", code=node.code), "success")
                return redirect(url_for("indicators.node", node_id=node.id))
    else:
        _fill_node_form(form, node)
    codes = [c.code for c in node.children]
    report = services.judgment_report(node) if node.children and len(node.children) > 1 else None
    matrix = judgment_matrix(codes, node.judgments or {}) if len(codes) > 1 else None
    return render_template(
        "indicators/node.html", node=node, model=model, form=form, can_edit=can_edit, report=report,
        matrix=[[judgment_text(v) for v in row] for row in matrix] if matrix else None, codes=codes,
        saaty=SAATY, metrics=[m for m in METRICS.values() if model.unit in m.units],
        uses_judgments=bool(node.weighting and node.weighting.uses_judgments),
    )


def _posted_judgments(node: IndicatorNode, source) -> dict[tuple[str, str], str]:
    codes = [c.code for c in node.children]
    out = {}
    for i, a in enumerate(codes):
        for b in codes[i + 1:]:
            value = source.get(f"j-{a}-{b}")
            if value not in (None, ""):
                out[(a, b)] = value
    return out


@bp.route("/nodes/<int:node_id>/judgments", methods=["POST"])
@login_required
def judgments(node_id: int):
    node = get_or_404(current_user, IndicatorNode, node_id, Action.MANAGE)
    if (locked := _locked(node.model)) is not None:
        return locked
    try:
        services.set_judgments(node, _posted_judgments(node, request.form), current_user)
    except DomainError as exc:
        fail_request(exc)
        flash(str(exc), "danger")
        return redirect(url_for("indicators.node", node_id=node.id, _anchor="judgments"))
    report = services.judgment_report(node)
    if report.get("consistent", True):
        flash(_("Judgments saved. CR = %(cr).3f: consistent.", cr=report.get("CR", 0.0)), "success")
    else:
        mi = report.get("most_inconsistent") or {}
        flash(_("Judgments saved, but CR = %(cr).3f ≥ 0.10: not consistent. Revise %(row)s vs %(col)s "
                "(now %(value)s; about %(suggested)s would agree with the other judgments).",
                cr=report["CR"], row=mi.get("row"), col=mi.get("col"), value=mi.get("value"),
                suggested=mi.get("suggested")), "warning")
    return redirect(url_for("indicators.node", node_id=node.id, _anchor="judgments"))


@bp.route("/nodes/<int:node_id>/consistency")
@login_required
def consistency(node_id: int):
    """JSON for the live check in the editor: weights and CR of the judgments in the query string."""
    node = get_or_404(current_user, IndicatorNode, node_id)
    return jsonify(services.judgment_report(node, _posted_judgments(node, request.args)))


@bp.route("/nodes/<int:node_id>/delete", methods=["POST"])
@login_required
def node_delete(node_id: int):
    node = get_or_404(current_user, IndicatorNode, node_id, Action.MANAGE)
    model = node.model
    if (locked := _locked(model)) is not None:
        return locked
    code = node.code
    try:
        services.delete_node(node, current_user)
    except DomainError as exc:
        fail_request(exc)
        flash(str(exc), "danger")
    else:
        flash(_("Indicator %(code)s deleted.", code=code), "success")
    return redirect(url_for("indicators.detail", model_id=model.id))


@bp.route("/nodes/<int:node_id>/move/<direction>", methods=["POST"])
@login_required
def node_move(node_id: int, direction: str):
    node = get_or_404(current_user, IndicatorNode, node_id, Action.MANAGE)
    if direction not in ("up", "down"):
        abort(404)
    if (locked := _locked(node.model)) is not None:
        return locked
    services.move_node(node, -1 if direction == "up" else 1, current_user)
    return redirect(url_for("indicators.detail", model_id=node.model_id, _anchor=f"node-{node.id}"))


# ---------------------------------------------------------------------------------------------------------
# Runs
# ---------------------------------------------------------------------------------------------------------


@bp.route("/models/<int:model_id>/run", methods=["POST"])
@login_required
def run(model_id: int):
    model = get_or_404(current_user, EvaluationModel, model_id, Action.MANAGE)
    targets = queries.unit_targets(current_user, model)
    form = RunForm()
    form.cohort_id.choices = [(c.id, c.display_name) for c in targets.get("cohorts", [])]
    form.program_id.choices = [(p.id, p.display_name) for p in targets.get("programs", [])]
    if not form.validate_on_submit():
        flash(_("Choose what to evaluate from the list."), "danger")
        return redirect(url_for("indicators.detail", model_id=model.id, _anchor="run"))
    cohort = get_or_404(current_user, Cohort, form.cohort_id.data) if form.cohort_id.data else None
    program = get_or_404(current_user, Program, form.program_id.data) if form.program_id.data else None
    try:
        stored = services.run_evaluation(model, services.Target(cohort=cohort, program=program), current_user)
    except DomainError as exc:
        fail_request(exc)
        flash(str(exc), "danger")
        return redirect(url_for("indicators.detail", model_id=model.id, _anchor="run"))
    flash(_("Evaluation stored: %(n)d evaluated, mean score %(mean).3f.", n=stored.summary["n"],
            mean=stored.summary["mean"]), "success")
    return redirect(url_for("indicators.run_detail", run_id=stored.id))


@bp.route("/runs")
@login_required
def runs():
    require_role(current_user, *STAFF)
    page = paginate(queries.list_runs_stmt(current_user, model_id=query_id("model")),
                    request.args.get("page"))
    return render_template("indicators/runs.html", page=page)


@bp.route("/runs/<int:run_id>")
@login_required
def run_detail(run_id: int):
    run = get_or_404(current_user, EvaluationRun, run_id)
    sform = SensitivityForm(request.args)
    sensitivity = None
    if request.args.get("sensitivity") and sform.validate():
        try:
            sensitivity = services.run_sensitivity(run, draws=sform.draws.data or 300, spread=sform.spread.data or default("sensitivity", "spread"),
                                                   seed=sform.seed.data if sform.seed.data is not None else 1)
        except DomainError as exc:
            fail_request(exc)
            flash(str(exc), "danger")
    swot_program = run.program_id
    english = _english()
    return render_template(
        "indicators/run.html", run=run, view=services.run_view(run), sform=sform, sensitivity=sensitivity,
        others=queries.runs_to_compare(current_user, run), swot=queries.get_swot(swot_program),
        can_delete=False, verified=services.fingerprint_of(run) == run.fingerprint,
        can_write_swot=bool(run.program_id) and can(current_user, Action.MANAGE, run),
        health=services.health_view(run, english=english), legend=services.grade_legend(run, english=english),
        memberships=services.run_memberships(run), review_form=RunReviewForm(),
        can_review=can(current_user, Action.MANAGE, run),
    )


def _english() -> bool:
    return str(get_locale() or "zh").startswith("en")


@bp.route("/runs/<int:run_id>/review", methods=["POST"])
@login_required
def run_review(run_id: int):
    run = get_or_404(current_user, EvaluationRun, run_id, Action.MANAGE)
    form = RunReviewForm()
    if not form.validate_on_submit():
        flash(_("Say in at least 20 characters why this verdict stands despite the failed checks."), "danger")
        return redirect(url_for("indicators.run_detail", run_id=run.id, _anchor="health"))
    try:
        services.review_run(run, form.reason.data, current_user)
    except DomainError as exc:
        fail_request(exc)
        flash(str(exc), "danger")
        return redirect(url_for("indicators.run_detail", run_id=run.id, _anchor="health"))
    flash(_("Review recorded: the run is now published."), "success")
    return redirect(url_for("indicators.run_detail", run_id=run.id, _anchor="health"))


@bp.route("/compare")
@login_required
def compare():
    require_role(current_user, *STAFF)
    run_a = get_or_404(current_user, EvaluationRun, request.args.get("a"))
    run_b = get_or_404(current_user, EvaluationRun, request.args.get("b"))
    try:
        comparison = services.compare_runs(run_a, run_b)
    except DomainError as exc:
        fail_request(exc)
        flash(str(exc), "danger")
        return redirect(url_for("indicators.run_detail", run_id=run_a.id))
    return render_template("indicators/compare.html", a=run_a, b=run_b, cmp=comparison)


# ---------------------------------------------------------------------------------------------------------
# Manual ratings and SWOT
# ---------------------------------------------------------------------------------------------------------


@bp.route("/ratings", methods=["GET", "POST"])
@login_required
def ratings():
    require_role(current_user, *STAFF)
    programs = queries.list_programs_for(current_user, Action.EDIT)
    form = ManualScoreForm()
    form.program_id.choices = [(p.id, f"{p.code} {p.display_name}") for p in programs]
    cohorts = queries.list_cohorts_for(current_user, action=Action.EDIT)
    form.cohort_id.choices = [("", _("— rate a student instead —"))] + [
        (c.id, f"{c.program.code} {c.display_name}") for c in cohorts]
    if request.method == "GET" and request.args.get("program"):
        form.program_id.data = query_id("program")
    if form.validate_on_submit():
        program = get_or_404(current_user, Program, form.program_id.data, Action.EDIT)
        cohort = get_or_404(current_user, Cohort, form.cohort_id.data, Action.EDIT) if form.cohort_id.data else None
        student = None
        if form.student_no.data:
            student = get_student_by_number(form.student_no.data.strip())
            if student is None or not can(current_user, Action.EDIT, student):
                form.student_no.errors.append(_("No student with this number in your programs."))
        if not form.student_no.errors:
            try:
                services.add_manual_score(program, key=form.key.data, value=form.value.data, user=current_user,
                                          cohort=None if student else cohort, student=student, note=form.note.data)
            except DomainError as exc:
                fail_request(exc)
                form.value.errors.append(str(exc))
            else:
                flash(_("Rating saved."), "success")
                return redirect(url_for("indicators.ratings", program=program.id))
    page = paginate(queries.list_manual_scores_stmt(current_user, program_id=query_id("program"),
                                                    key=request.args.get("key") or None), request.args.get("page"))
    return render_template("indicators/ratings.html", form=form, page=page, keys=queries.list_manual_keys(current_user),
                           programs=programs, program_id=query_id("program"))


@bp.route("/ratings/<int:score_id>/delete", methods=["POST"])
@login_required
def rating_delete(score_id: int):
    score = get_or_404(current_user, ManualScore, score_id, Action.EDIT)
    program_id = score.program_id
    services.delete_manual_score(score, current_user)
    flash(_("Rating deleted."), "success")
    return redirect(url_for("indicators.ratings", program=program_id))


@bp.route("/swot")
@login_required
def swot_list():
    require_role(current_user, *STAFF)
    program_id = query_id("program")
    return render_template("indicators/swot_list.html", records=queries.list_swot_records(current_user, program_id),
                           programs=queries.list_programs_for(current_user), program_id=program_id,
                           can_create=bool(queries.list_programs_for(current_user, Action.MANAGE)))


@bp.route("/swot/new", methods=["GET", "POST"])
@bp.route("/swot/<int:record_id>/edit", methods=["GET", "POST"])
@login_required
def swot_edit(record_id: int | None = None):
    require_role(current_user, *STAFF)
    record = get_or_404(current_user, SwotRecord, record_id, Action.MANAGE) if record_id else None
    programs = queries.list_programs_for(current_user, Action.MANAGE)
    if not programs:
        abort(403)
    form = SwotForm(obj=record)
    form.program_id.choices = [(p.id, f"{p.code} {p.display_name}") for p in programs]
    if request.method == "GET" and record is None:
        form.program_id.data = query_id("program")
        form.year.data = _int(request.args.get("year"))
    if form.validate_on_submit():
        program = get_or_404(current_user, Program, form.program_id.data, Action.MANAGE)
        if record is not None and (program.id != record.program_id or form.year.data != record.year):
            form.year.errors.append(_("Program and year of an existing record cannot change; create a new one."))
        else:
            existing = queries.get_swot(program.id, form.year.data)
            if record is None and existing is not None:
                form.year.errors.append(_("%(program)s already has a SWOT record for %(year)d; edit it instead.",
                                          program=program.code, year=form.year.data))
            else:
                texts = {f: getattr(form, f).data for f in services.SWOT_FIELDS}
                try:
                    saved = services.save_swot(program, form.year.data, current_user, **texts)
                except DomainError as exc:
                    fail_request(exc)
                    form.strengths.errors.append(str(exc))
                else:
                    flash(_("SWOT record saved."), "success")
                    return redirect(url_for("indicators.swot_list", program=saved.program_id))
    return render_template("indicators/swot_form.html", form=form, record=record)


@bp.route("/swot/<int:record_id>/delete", methods=["POST"])
@login_required
def swot_delete(record_id: int):
    record = get_or_404(current_user, SwotRecord, record_id, Action.MANAGE)
    program_id = record.program_id
    services.delete_swot(record, current_user)
    flash(_("SWOT record deleted."), "success")
    return redirect(url_for("indicators.swot_list", program=program_id))


from eduinnov.indicators import views_targets  # noqa: E402,F401  (the suggest-targets routes on bp)
