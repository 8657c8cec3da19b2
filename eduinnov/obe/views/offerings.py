"""The OBE index and course offerings: list, create, edit, delete and the offering's report page."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from eduinnov.auth.access import Action, can, get_or_404, require_role
from eduinnov.auth.decorators import loads
from eduinnov.auth.models import Role
from eduinnov.core.errors import DomainError
from eduinnov.core.pagination import paginate
from eduinnov.core.web import form_error, query_id
from eduinnov.frameworks.models import Course
from eduinnov.obe import figures, queries, reports, services
from eduinnov.obe.forms import OfferingForm
from eduinnov.obe.models import AssessmentType, CourseOffering
from eduinnov.obe.views._blueprint import bp
from eduinnov.programs.models import Cohort


@bp.route("/")
@login_required
def index():
    if current_user.role == Role.STUDENT:
        if current_user.student_id:
            return redirect(url_for("obe.student", student_id=current_user.student_id))
        abort(403)
    cohort_id = query_id("cohort")
    term = request.args.get("term") or None
    q = request.args.get("q", "").strip()
    stmt = queries.list_offerings_stmt(current_user, q=q, cohort_id=cohort_id, term=term)
    page = paginate(stmt, request.args.get("page"), current_app.config.get("PAGE_SIZE", 25))
    cohorts = queries.list_cohorts_for(current_user)
    may_create = current_user.is_admin or any(can(current_user, Action.MANAGE, c) for c in cohorts)
    return render_template("obe/index.html", page=page, cohorts=cohorts, terms=queries.list_terms_for(current_user),
                           q=q, cohort_id=cohort_id, term=term, may_create=may_create)


def _offering_form(offering: CourseOffering | None = None) -> OfferingForm:
    form = OfferingForm(obj=offering)
    cohorts = [c for c in queries.list_cohorts_for(current_user) if can(current_user, Action.MANAGE, c)]
    program_ids = {c.program_id for c in cohorts}
    courses = [c for pid in sorted(program_ids) for c in queries.list_courses_for_offerings(pid)]
    form.cohort_id.choices = [(c.id, f"{c.program.code} · {c.display_name}") for c in cohorts]
    form.course_id.choices = [(c.id, f"{c.framework.program.code} v{c.framework.version} · {c.code} {c.display_name}")
                              for c in courses]
    teachers = {u.id: u for pid in sorted(program_ids) for u in queries.list_teachers_of(pid)}
    form.teacher_id.choices = [("", _("—"))] + [(u.id, f"{u.name} <{u.email}>") for u in teachers.values()]
    if offering is not None:
        form.course_id.choices = [(offering.course_id, f"{offering.course.code} {offering.course.display_name}")]
        form.cohort_id.choices = [(offering.cohort_id, offering.cohort.display_name)]
    return form


@bp.route("/offerings/new", methods=["GET", "POST"])
@login_required
def offering_new():
    require_role(current_user, Role.ADMIN, Role.DIRECTOR)
    form = _offering_form()
    if request.method == "GET":
        form.cohort_id.data = query_id("cohort")
    if form.validate_on_submit():
        cohort = get_or_404(current_user, Cohort, form.cohort_id.data, Action.MANAGE)
        course = get_or_404(current_user, Course, form.course_id.data, Action.MANAGE)
        teacher = _teacher(form.teacher_id.data, cohort.program_id)
        try:
            offering = services.create_offering(course, cohort, form.term.data, user=current_user, teacher=teacher,
                                                class_name=form.class_name.data or "", notes=form.notes.data or None)
        except DomainError as exc:
            form_error(form, exc, "term")
        else:
            flash(_("Offering created. Now add its assessment items."), "success")
            return redirect(url_for("obe.plan", offering_id=offering.id))
    return render_template("obe/offering_form.html", form=form, offering=None)


def _teacher(user_id: int | None, program_id: int):
    if not user_id:
        return None
    allowed = {u.id: u for u in queries.list_teachers_of(program_id)}
    if user_id not in allowed:
        abort(400)  # never trust a posted id: the choices only offer members of the program
    return allowed[user_id]


@bp.route("/offerings/<int:offering_id>/edit", methods=["GET", "POST"])
@login_required
@loads(CourseOffering, "offering_id", Action.MANAGE)
def offering_edit(offering):
    form = _offering_form(offering)
    if form.validate_on_submit():
        try:
            services.update_offering(offering, term=form.term.data, user=current_user,
                                     teacher=_teacher(form.teacher_id.data, offering.program_id),
                                     class_name=form.class_name.data or "", notes=form.notes.data or None)
        except DomainError as exc:
            form_error(form, exc, "term")
        else:
            flash(_("Offering saved."), "success")
            return redirect(url_for("obe.offering", offering_id=offering.id))
    return render_template("obe/offering_form.html", form=form, offering=offering)


@bp.route("/offerings/<int:offering_id>/delete", methods=["POST"])
@login_required
@loads(CourseOffering, "offering_id", Action.MANAGE)
def offering_delete(offering):
    services.delete_offering(offering, user=current_user)
    flash(_("Offering deleted with its plan and scores."), "success")
    return redirect(url_for("obe.index"))


@bp.route("/offerings/<int:offering_id>")
@login_required
@loads(CourseOffering, "offering_id")
def offering(offering):
    report = reports.offering_report(offering)
    numbers = {o.id: o.number for o in report.objectives}
    hists = {oid: figures.achievement_histogram(counts, report.threshold,
                                                title=_("Students by achievement of CO%(n)d", n=numbers.get(oid, 0)))
             for oid, counts in report.histograms.items()}
    bars = figures.achievement_bars([(f"CO{o.number}", report.class_values.get(o.id)) for o in report.objectives],
                                    report.threshold, title=_("Class achievement per objective"),
                                    label_header=_("Course objective"), height=240)
    return render_template("obe/offering.html", offering=offering, report=report, hists=hists, bars=bars,
                           types=list(AssessmentType),
                           improvements=queries.list_improvements_of_course(offering.course),
                           n_scores=queries.count_scores_of_offering(offering))
