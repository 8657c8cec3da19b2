"""The assessment plan of an offering: its items, their objective shares and the type weights."""

from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from eduinnov.auth.access import Action
from eduinnov.auth.decorators import loads
from eduinnov.core.errors import DomainError
from eduinnov.core.web import form_error, refuse
from eduinnov.extensions import db
from eduinnov.obe import reports, services
from eduinnov.obe.forms import ItemForm, WeightsForm
from eduinnov.obe.models import AssessmentItem, AssessmentType, CourseOffering
from eduinnov.obe.views._blueprint import bp


def _item_form(offering: CourseOffering, item: AssessmentItem | None = None) -> ItemForm:
    form = ItemForm(obj=item)
    form.objective_ids.choices = [(o.id, f"CO{o.number} {o.description[:60]}") for o in offering.course.objectives]
    if item is not None and request.method == "GET":
        form.type.data = item.type.value
        form.objective_ids.data = [m.objective_id for m in item.mappings]
    return form


def _shares_from_request(offering: CourseOffering) -> dict[int, float | None]:
    shares: dict[int, float | None] = {}
    for objective in offering.course.objectives:
        raw = request.form.get(f"share-{objective.id}", "").strip()
        if raw:
            try:
                shares[objective.id] = float(raw)
            except ValueError:
                shares[objective.id] = -1.0  # the service refuses it with a clear message
    return shares


def _render_plan(offering: CourseOffering, item_form: ItemForm | None = None, status: int = 200):
    item_form = item_form or _item_form(offering)
    report = reports.offering_report(offering)
    return render_template("obe/plan.html", offering=offering, form=item_form, weights_form=WeightsForm(),
                           report=report, types=list(AssessmentType)), status


@bp.route("/offerings/<int:offering_id>/plan")
@login_required
@loads(CourseOffering, "offering_id", Action.MANAGE)
def plan(offering):
    return _render_plan(offering)


@bp.route("/offerings/<int:offering_id>/items", methods=["POST"])
@login_required
@loads(CourseOffering, "offering_id", Action.MANAGE)
def item_add(offering):
    form = _item_form(offering)
    if form.validate_on_submit():
        try:
            services.add_item(offering, name=form.name.data, type=AssessmentType(form.type.data),
                              full_marks=form.full_marks.data, objective_ids=form.objective_ids.data,
                              shares=_shares_from_request(offering), position=form.position.data, user=current_user)
        except DomainError as exc:
            form_error(form, exc, "name")
        else:
            flash(_("Item “%(name)s” added.", name=form.name.data.strip()), "success")
            return redirect(url_for("obe.plan", offering_id=offering.id))
    return _render_plan(offering, form, 422)


@bp.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
@loads(AssessmentItem, "item_id", Action.MANAGE)
def item_edit(item):
    offering = item.offering
    form = _item_form(offering, item)
    if form.validate_on_submit():
        try:
            services.update_item(item, name=form.name.data, type=AssessmentType(form.type.data),
                                 full_marks=form.full_marks.data, objective_ids=form.objective_ids.data,
                                 shares=_shares_from_request(offering), position=form.position.data,
                                 user=current_user)
        except DomainError as exc:
            form_error(form, exc, "full_marks" if "marks" in str(exc) else "name")
        else:
            flash(_("Item saved."), "success")
            return redirect(url_for("obe.plan", offering_id=offering.id))
    shares = {m.objective_id: m.share for m in item.mappings}
    return render_template("obe/item_form.html", form=form, item=item, offering=offering, shares=shares)


@bp.route("/items/<int:item_id>/delete", methods=["POST"])
@login_required
@loads(AssessmentItem, "item_id", Action.MANAGE)
def item_delete(item):
    offering_id = item.offering_id
    services.delete_item(item, user=current_user)
    flash(_("Item deleted with its scores."), "success")
    return redirect(url_for("obe.plan", offering_id=offering_id))


_WEIGHT_NAME = re.compile(r"^w-(\d+)-([a-z_]+)$")


@bp.route("/offerings/<int:offering_id>/weights", methods=["POST"])
@login_required
@loads(CourseOffering, "offering_id", Action.MANAGE)
def weights_save(offering):
    form = WeightsForm()
    if not form.validate_on_submit():
        abort(400)
    weights: dict[int, dict[AssessmentType, float]] = {}
    try:
        for name, raw in request.form.items():
            match = _WEIGHT_NAME.match(name)
            if not match or not raw.strip():
                continue
            try:
                kind = AssessmentType(match.group(2))
                value = float(raw)
            except ValueError:
                raise DomainError(_("“%(value)s” is not a number between 0 and 1.", value=raw)) from None
            weights.setdefault(int(match.group(1)), {})[kind] = value
        services.set_type_weights(offering, weights, user=current_user)
    except DomainError as exc:
        refuse(exc)
        db.session.rollback()
        return _render_plan(offering, status=422)
    flash(_("Type weights saved."), "success")
    return redirect(url_for("obe.plan", offering_id=offering.id))
