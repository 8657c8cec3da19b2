"""IUR partnerships: partner organisations and their agreements, practice bases, joint supervisors
and student participations. Directors manage; teachers view and record participations."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from eduinnov.auth.access import Action, can, get_or_404
from eduinnov.auth.decorators import loads, staff_required
from eduinnov.core.errors import DomainError
from eduinnov.core.pagination import paginate
from eduinnov.core.web import form_error, refuse
from eduinnov.frameworks import queries, services
from eduinnov.frameworks.forms import (
    AgreementForm,
    JointSupervisorForm,
    ParticipationForm,
    PartnerForm,
    PracticeBaseForm,
)
from eduinnov.frameworks.models import (
    Agreement,
    AgreementStatus,
    JointSupervisor,
    Participation,
    ParticipationKind,
    PartnerKind,
    PartnerOrganisation,
    PracticeBase,
)
from eduinnov.frameworks.views._blueprint import bp
from eduinnov.frameworks.views._helpers import int_arg
from eduinnov.programs.models import Program, Student


def _to_partner(partner: PartnerOrganisation, anchor: str | None = None):
    return redirect(url_for("frameworks.partner_detail", partner_id=partner.id, _anchor=anchor))


@bp.route("/partners")
@login_required
@staff_required
def partners():
    program_id = int_arg("program")
    try:
        kind = PartnerKind(request.args.get("kind")) if request.args.get("kind") else None
    except ValueError:
        kind = None
    q = request.args.get("q", "").strip()
    stmt = queries.list_partners_stmt(current_user, program_id=program_id, kind=kind, search=q)
    page = paginate(stmt, request.args.get("page"))
    return render_template(
        "frameworks/partners.html", page=page, programs=queries.list_programs_for(current_user),
        program_id=program_id, kind=kind, q=q, kinds=PartnerKind,
        can_create=bool(queries.list_programs_for(current_user, Action.MANAGE)),
    )


def _partner_form(partner: PartnerOrganisation | None = None) -> PartnerForm:
    form = PartnerForm(obj=partner)
    if partner is None:
        programs = queries.list_programs_for(current_user, Action.MANAGE)
        form.program_id.choices = [(p.id, f"{p.code} {p.display_name}") for p in programs]
    else:
        form.program_id.choices = [(partner.program_id, partner.program.code)]
        form.program_id.data = partner.program_id
        if request.method == "GET":
            form.kind.data = partner.kind.value
    return form


def _partner_values(form: PartnerForm) -> dict:
    return {
        "name_zh": form.name_zh.data, "name_en": form.name_en.data, "kind": PartnerKind(form.kind.data),
        "city": form.city.data, "contact_name": form.contact_name.data,
        "contact_email": form.contact_email.data, "description": form.description.data,
    }


@bp.route("/partners/new", methods=["GET", "POST"])
@login_required
@staff_required
def partner_new():
    form = _partner_form()
    if not form.program_id.choices:
        flash(_("Only program directors can add partner organisations."), "warning")
        return redirect(url_for("frameworks.partners"))
    if request.method == "GET" and request.args.get("program"):
        form.program_id.data = int_arg("program")
    if form.validate_on_submit():
        program = get_or_404(current_user, Program, form.program_id.data, Action.MANAGE)
        try:
            partner = services.create_partner(program, user=current_user, **_partner_values(form))
        except DomainError as exc:
            form_error(form, exc, "name_zh")
        else:
            flash(_("Partner %(name)s added.", name=partner.display_name), "success")
            return _to_partner(partner)
    return render_template("frameworks/partner_form.html", form=form, partner=None)


@bp.route("/partners/<int:partner_id>")
@login_required
@loads(PartnerOrganisation, "partner_id")
def partner_detail(partner):
    participations = sorted(partner.participations, key=lambda p: (p.start_date is None, p.start_date, p.id))
    return render_template(
        "frameworks/partner.html", partner=partner, participations=participations,
        can_manage=can(current_user, Action.MANAGE, partner), can_edit=can(current_user, Action.EDIT, partner),
    )


@bp.route("/partners/<int:partner_id>/edit", methods=["GET", "POST"])
@login_required
@loads(PartnerOrganisation, "partner_id", Action.MANAGE)
def partner_edit(partner):
    form = _partner_form(partner)
    if form.validate_on_submit():
        try:
            services.update_partner(partner, user=current_user, **_partner_values(form))
        except DomainError as exc:
            form_error(form, exc, "name_zh")
        else:
            flash(_("Partner %(name)s saved.", name=partner.display_name), "success")
            return _to_partner(partner)
    return render_template("frameworks/partner_form.html", form=form, partner=partner)


@bp.route("/partners/<int:partner_id>/delete", methods=["POST"])
@login_required
@loads(PartnerOrganisation, "partner_id", Action.MANAGE)
def partner_delete(partner):
    name, program_id = partner.display_name, partner.program_id
    try:
        services.delete_partner(partner, user=current_user)
    except DomainError as exc:
        refuse(exc)
        return _to_partner(partner)
    flash(_("Partner %(name)s deleted.", name=name), "success")
    return redirect(url_for("frameworks.partners", program=program_id))


# --- items of a partner: one generic form page for each kind ---

def _item_page(partner: PartnerOrganisation, form, heading: str, anchor: str, save, error_field,
               delete_url: str | None = None, edited=None):
    if form.validate_on_submit():
        try:
            message = save()
        except DomainError as exc:
            form_error(form, exc, error_field.short_name)
        else:
            flash(message, "success")
            return _to_partner(partner, anchor)
    return render_template("frameworks/partner_item_form.html", partner=partner, form=form, heading=heading,
                           back_url=url_for("frameworks.partner_detail", partner_id=partner.id, _anchor=anchor),
                           delete_url=delete_url, edited=edited)


def _delete_item(item, anchor: str, message: str):
    partner = item.partner
    try:
        services.delete_partner_item(item, user=current_user)
    except DomainError as exc:
        refuse(exc)
    else:
        flash(message, "success")
    return _to_partner(partner, anchor)


# agreements

@bp.route("/partners/<int:partner_id>/agreements/new", methods=["GET", "POST"], endpoint="partner_agreement_new")
@bp.route("/agreements/<int:agreement_id>/edit", methods=["GET", "POST"], endpoint="partner_agreement_edit")
@login_required
def agreement_form(partner_id: int | None = None, agreement_id: int | None = None):
    agreement = get_or_404(current_user, Agreement, agreement_id, Action.MANAGE) if agreement_id else None
    partner = agreement.partner if agreement else get_or_404(
        current_user, PartnerOrganisation, partner_id, Action.MANAGE)
    form = AgreementForm(obj=agreement)
    if agreement is not None and request.method == "GET":
        form.status.data = agreement.status.value

    def save():
        saved = services.save_agreement(
            partner, agreement=agreement, user=current_user, title=form.title.data, scope=form.scope.data,
            start_date=form.start_date.data, end_date=form.end_date.data,
            status=AgreementStatus(form.status.data),
        )
        return _("Agreement %(title)s saved.", title=saved.title)

    heading = agreement.title if agreement else _("New agreement")
    delete_url = url_for("frameworks.partner_agreement_delete", agreement_id=agreement.id) if agreement else None
    return _item_page(partner, form, heading, "agreements", save, form.end_date, delete_url, edited=agreement)


@bp.route("/agreements/<int:agreement_id>/delete", methods=["POST"], endpoint="partner_agreement_delete")
@login_required
@loads(Agreement, "agreement_id", Action.MANAGE)
def agreement_delete(agreement):
    return _delete_item(agreement, "agreements", _("Agreement %(title)s deleted.", title=agreement.title))


# practice bases

@bp.route("/partners/<int:partner_id>/bases/new", methods=["GET", "POST"], endpoint="partner_base_new")
@bp.route("/bases/<int:base_id>/edit", methods=["GET", "POST"], endpoint="partner_base_edit")
@login_required
def base_form(partner_id: int | None = None, base_id: int | None = None):
    base = get_or_404(current_user, PracticeBase, base_id, Action.MANAGE) if base_id else None
    partner = base.partner if base else get_or_404(current_user, PartnerOrganisation, partner_id, Action.MANAGE)
    form = PracticeBaseForm(obj=base)

    def save():
        saved = services.save_practice_base(
            partner, base=base, user=current_user, name=form.name.data, address=form.address.data,
            capacity=form.capacity.data, established_on=form.established_on.data,
        )
        return _("Practice base %(name)s saved.", name=saved.name)

    heading = base.name if base else _("New practice base")
    delete_url = url_for("frameworks.partner_base_delete", base_id=base.id) if base else None
    return _item_page(partner, form, heading, "bases", save, form.name, delete_url, edited=base)


@bp.route("/bases/<int:base_id>/delete", methods=["POST"], endpoint="partner_base_delete")
@login_required
@loads(PracticeBase, "base_id", Action.MANAGE)
def base_delete(base):
    return _delete_item(base, "bases", _("Practice base %(name)s deleted.", name=base.name))


# joint supervisors

@bp.route("/partners/<int:partner_id>/supervisors/new", methods=["GET", "POST"],
          endpoint="partner_supervisor_new")
@bp.route("/supervisors/<int:supervisor_id>/edit", methods=["GET", "POST"], endpoint="partner_supervisor_edit")
@login_required
def supervisor_form(partner_id: int | None = None, supervisor_id: int | None = None):
    supervisor = get_or_404(current_user, JointSupervisor, supervisor_id, Action.MANAGE) if supervisor_id else None
    partner = supervisor.partner if supervisor else get_or_404(
        current_user, PartnerOrganisation, partner_id, Action.MANAGE)
    form = JointSupervisorForm(obj=supervisor)

    def save():
        saved = services.save_joint_supervisor(
            partner, supervisor=supervisor, user=current_user, name=form.name.data, title=form.title.data,
            email=form.email.data, expertise=form.expertise.data,
        )
        return _("Joint supervisor %(name)s saved.", name=saved.name)

    heading = supervisor.name if supervisor else _("New joint supervisor")
    delete_url = (url_for("frameworks.partner_supervisor_delete", supervisor_id=supervisor.id)
                  if supervisor else None)
    return _item_page(partner, form, heading, "supervisors", save, form.name, delete_url, edited=supervisor)


@bp.route("/supervisors/<int:supervisor_id>/delete", methods=["POST"], endpoint="partner_supervisor_delete")
@login_required
@loads(JointSupervisor, "supervisor_id", Action.MANAGE)
def supervisor_delete(supervisor):
    return _delete_item(supervisor, "supervisors", _("Joint supervisor %(name)s deleted.", name=supervisor.name))


# student participations (teachers of the program may record them)

def _participation_form(partner: PartnerOrganisation, participation: Participation | None) -> ParticipationForm:
    form = ParticipationForm(obj=participation)
    students = queries.list_students_of_program(partner.program_id)
    if participation is not None and participation.student not in students:
        students.insert(0, participation.student)
    form.student_id.choices = [("", _("— choose a student —"))] + [(s.id, s.display_name) for s in students]
    form.practice_base_id.choices = [("", _("— none —"))] + [(b.id, b.name) for b in partner.practice_bases]
    form.joint_supervisor_id.choices = [("", _("— none —"))] + [
        (s.id, f"{s.name} ({s.title})" if s.title else s.name) for s in partner.joint_supervisors
    ]
    if participation is not None and request.method == "GET":
        form.kind.data = participation.kind.value
    return form


def _child_of(partner: PartnerOrganisation, model, ident: int | None):
    """A practice base / joint supervisor chosen in the form, re-checked to belong to ``partner``."""
    if ident is None:
        return None
    obj = get_or_404(current_user, model, ident)
    if obj.partner_id != partner.id:
        raise DomainError(_("The chosen item belongs to another partner."))
    return obj


@bp.route("/partners/<int:partner_id>/participations/new", methods=["GET", "POST"],
          endpoint="partner_participation_new")
@bp.route("/participations/<int:participation_id>/edit", methods=["GET", "POST"],
          endpoint="partner_participation_edit")
@login_required
def participation_form(partner_id: int | None = None, participation_id: int | None = None):
    participation = (get_or_404(current_user, Participation, participation_id, Action.EDIT)
                     if participation_id else None)
    partner = participation.partner if participation else get_or_404(
        current_user, PartnerOrganisation, partner_id, Action.EDIT)
    form = _participation_form(partner, participation)

    def save():
        student = get_or_404(current_user, Student, form.student_id.data)
        saved = services.save_participation(
            partner, participation=participation, user=current_user, student=student,
            kind=ParticipationKind(form.kind.data), title=form.title.data,
            practice_base=_child_of(partner, PracticeBase, form.practice_base_id.data),
            joint_supervisor=_child_of(partner, JointSupervisor, form.joint_supervisor_id.data),
            start_date=form.start_date.data, end_date=form.end_date.data,
        )
        return _("Participation of %(student)s saved.", student=saved.student.display_name)

    heading = participation.title if participation else _("New student participation")
    delete_url = (url_for("frameworks.partner_participation_delete", participation_id=participation.id)
                  if participation else None)
    return _item_page(partner, form, heading, "participations", save, form.student_id, delete_url, edited=participation)


@bp.route("/participations/<int:participation_id>/delete", methods=["POST"],
          endpoint="partner_participation_delete")
@login_required
@loads(Participation, "participation_id", Action.EDIT)
def participation_delete(participation):
    return _delete_item(participation, "participations",
                        _("Participation %(title)s deleted.", title=participation.title))
