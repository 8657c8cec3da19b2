"""The tree editor: add, edit, move and delete indicator nodes; AHP judgments and consistency."""

from __future__ import annotations

import json

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from eduinnov.auth.access import Action, can
from eduinnov.auth.decorators import loads
from eduinnov.core.errors import DomainError
from eduinnov.core.web import refuse
from eduinnov.evaluation.params import default
from eduinnov.indicators import services
from eduinnov.indicators.forms import (
    NodeAddForm,
    NodeForm,
)
from eduinnov.indicators.metrics import METRICS, metric_choices
from eduinnov.indicators.models import (
    IndicatorNode,
    WeightingMethod,
)
from eduinnov.indicators.spec import judgment_matrix, judgment_text
from eduinnov.indicators.views._blueprint import bp
from eduinnov.indicators.views._helpers import SAATY, _locked, unlocked

# ---------------------------------------------------------------------------------------------------------
# Nodes
# ---------------------------------------------------------------------------------------------------------


@bp.route("/nodes/<int:node_id>/add", methods=["POST"])
@login_required
@loads(IndicatorNode, "node_id", Action.MANAGE, name="parent", unlocked=unlocked())
def node_add(parent):
    model = parent.model
    form = NodeAddForm()
    form.metric_key.choices = [("", "")] + metric_choices(model.unit)
    if form.validate_on_submit():
        try:
            node = services.add_node(parent, code=form.code.data, name_zh=form.name_zh.data, name_en=form.name_en.data,
                                     metric_key=form.metric_key.data or None, user=current_user)
        except DomainError as exc:
            refuse(exc)
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
@loads(IndicatorNode, "node_id")
def node(node):
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
                refuse(exc)
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
@loads(IndicatorNode, "node_id", Action.MANAGE, unlocked=unlocked())
def judgments(node):
    try:
        services.set_judgments(node, _posted_judgments(node, request.form), current_user)
    except DomainError as exc:
        refuse(exc)
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
@loads(IndicatorNode, "node_id")
def consistency(node):
    """JSON for the live check in the editor: weights and CR of the judgments in the query string."""
    return jsonify(services.judgment_report(node, _posted_judgments(node, request.args)))


@bp.route("/nodes/<int:node_id>/delete", methods=["POST"])
@login_required
@loads(IndicatorNode, "node_id", Action.MANAGE, unlocked=unlocked())
def node_delete(node):
    model = node.model
    code = node.code
    try:
        services.delete_node(node, current_user)
    except DomainError as exc:
        refuse(exc)
    else:
        flash(_("Indicator %(code)s deleted.", code=code), "success")
    return redirect(url_for("indicators.detail", model_id=model.id))


@bp.route("/nodes/<int:node_id>/move/<direction>", methods=["POST"])
@login_required
@loads(IndicatorNode, "node_id", Action.MANAGE)
def node_move(node, direction: str):
    if direction not in ("up", "down"):
        abort(404)
    if (locked := _locked(node.model)) is not None:
        return locked
    services.move_node(node, -1 if direction == "up" else 1, current_user)
    return redirect(url_for("indicators.detail", model_id=node.model_id, _anchor=f"node-{node.id}"))


