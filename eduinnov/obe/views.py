"""Pages of the OBE domain: offerings and their plans, score uploads, cohort and student achievement,
surveys and continuous-improvement records."""

from __future__ import annotations

import io
import re
import secrets

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.utils import secure_filename

from eduinnov.auth.access import Action, can, get_or_404, require_role
from eduinnov.auth.models import Role
from eduinnov.core.blobs import store_for
from eduinnov.core.errors import DomainError
from eduinnov.core.i18n import enum_label
from eduinnov.core.pagination import paginate
from eduinnov.core.web import fail_request, query_id, undo_on_failure
from eduinnov.extensions import db
from eduinnov.frameworks import queries as framework_queries
from eduinnov.frameworks.models import Course, CourseObjective, GraduationRequirement, IndicatorPoint
from eduinnov.obe import figures, queries, reports, services
from eduinnov.obe.forms import (
    ConfirmForm,
    ImprovementForm,
    ItemForm,
    OfferingForm,
    SurveyUploadForm,
    UploadForm,
    WeightsForm,
)
from eduinnov.obe.models import (
    AssessmentItem,
    AssessmentType,
    CourseOffering,
    ImprovementRecord,
    ImprovementStatus,
    SurveyResult,
    SurveySource,
)
from eduinnov.programs.models import Cohort, Student

bp = Blueprint("obe", __name__, url_prefix="/obe")

STAFF = (Role.ADMIN, Role.DIRECTOR, Role.TEACHER)
PENDING_MAX_AGE = 24 * 3600


def _fail(form, exc: DomainError, field: str | None = None) -> None:
    target = getattr(form, field, None) if form is not None and field else None
    if target is not None:
        target.errors = [*target.errors, str(exc)]
    else:
        flash(str(exc), "danger")


# --- index and offerings ---------------------------------------------------------------------------------


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
            fail_request(exc)
            _fail(form, exc, "term")
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
def offering_edit(offering_id: int):
    offering = get_or_404(current_user, CourseOffering, offering_id, Action.MANAGE)
    form = _offering_form(offering)
    if form.validate_on_submit():
        try:
            services.update_offering(offering, term=form.term.data, user=current_user,
                                     teacher=_teacher(form.teacher_id.data, offering.program_id),
                                     class_name=form.class_name.data or "", notes=form.notes.data or None)
        except DomainError as exc:
            fail_request(exc)
            _fail(form, exc, "term")
        else:
            flash(_("Offering saved."), "success")
            return redirect(url_for("obe.offering", offering_id=offering.id))
    return render_template("obe/offering_form.html", form=form, offering=offering)


@bp.route("/offerings/<int:offering_id>/delete", methods=["POST"])
@login_required
def offering_delete(offering_id: int):
    offering = get_or_404(current_user, CourseOffering, offering_id, Action.MANAGE)
    services.delete_offering(offering, user=current_user)
    flash(_("Offering deleted with its plan and scores."), "success")
    return redirect(url_for("obe.index"))


@bp.route("/offerings/<int:offering_id>")
@login_required
def offering(offering_id: int):
    offering = get_or_404(current_user, CourseOffering, offering_id)
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


# --- assessment plan ------------------------------------------------------------------------------------


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
def plan(offering_id: int):
    offering = get_or_404(current_user, CourseOffering, offering_id, Action.MANAGE)
    return _render_plan(offering)


@bp.route("/offerings/<int:offering_id>/items", methods=["POST"])
@login_required
def item_add(offering_id: int):
    offering = get_or_404(current_user, CourseOffering, offering_id, Action.MANAGE)
    form = _item_form(offering)
    if form.validate_on_submit():
        try:
            services.add_item(offering, name=form.name.data, type=AssessmentType(form.type.data),
                              full_marks=form.full_marks.data, objective_ids=form.objective_ids.data,
                              shares=_shares_from_request(offering), position=form.position.data, user=current_user)
        except DomainError as exc:
            fail_request(exc)
            _fail(form, exc, "name")
        else:
            flash(_("Item “%(name)s” added.", name=form.name.data.strip()), "success")
            return redirect(url_for("obe.plan", offering_id=offering.id))
    return _render_plan(offering, form, 422)


@bp.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def item_edit(item_id: int):
    item = get_or_404(current_user, AssessmentItem, item_id, Action.MANAGE)
    offering = item.offering
    form = _item_form(offering, item)
    if form.validate_on_submit():
        try:
            services.update_item(item, name=form.name.data, type=AssessmentType(form.type.data),
                                 full_marks=form.full_marks.data, objective_ids=form.objective_ids.data,
                                 shares=_shares_from_request(offering), position=form.position.data,
                                 user=current_user)
        except DomainError as exc:
            fail_request(exc)
            _fail(form, exc, "full_marks" if "marks" in str(exc) else "name")
        else:
            flash(_("Item saved."), "success")
            return redirect(url_for("obe.plan", offering_id=offering.id))
    shares = {m.objective_id: m.share for m in item.mappings}
    return render_template("obe/item_form.html", form=form, item=item, offering=offering, shares=shares)


@bp.route("/items/<int:item_id>/delete", methods=["POST"])
@login_required
def item_delete(item_id: int):
    item = get_or_404(current_user, AssessmentItem, item_id, Action.MANAGE)
    offering_id = item.offering_id
    services.delete_item(item, user=current_user)
    flash(_("Item deleted with its scores."), "success")
    return redirect(url_for("obe.plan", offering_id=offering_id))


_WEIGHT_NAME = re.compile(r"^w-(\d+)-([a-z_]+)$")


@bp.route("/offerings/<int:offering_id>/weights", methods=["POST"])
@login_required
def weights_save(offering_id: int):
    offering = get_or_404(current_user, CourseOffering, offering_id, Action.MANAGE)
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
        fail_request(exc)
        db.session.rollback()
        flash(str(exc), "danger")
        return _render_plan(offering, status=422)
    flash(_("Type weights saved."), "success")
    return redirect(url_for("obe.plan", offering_id=offering.id))


# --- score sheets -------------------------------------------------------------------------------------


def _pending_store():
    """Score sheets between preview and confirm, in the configured store (a folder or the database), so the
    confirm may reach another app server than the preview. Each operation takes effect at once."""
    return store_for("obe-pending", autonomous=True)


def _pending_key(offering: CourseOffering, token: str) -> str | None:
    if not re.fullmatch(r"[0-9a-f]{32}", token or ""):
        return None
    return f"{offering.id}-{current_user.id}-{token}"


@bp.route("/offerings/<int:offering_id>/scores/upload", methods=["GET"])
@login_required
def scores_upload_form(offering_id: int):
    offering = get_or_404(current_user, CourseOffering, offering_id, Action.EDIT)
    return render_template("obe/upload.html", offering=offering, form=UploadForm(), parsed=None)


@bp.route("/offerings/<int:offering_id>/scores/preview", methods=["POST"])
@login_required
def scores_upload(offering_id: int):
    offering = get_or_404(current_user, CourseOffering, offering_id, Action.EDIT)
    form = UploadForm()
    if not form.validate_on_submit():
        return render_template("obe/upload.html", offering=offering, form=form, parsed=None), 422
    data = form.sheet.data.read()
    filename = secure_filename(form.sheet.data.filename or "") or "sheet"
    original = (form.sheet.data.filename or filename)[:255]
    parsed = services.preview_score_sheet(offering, data, original)
    confirm = None
    if parsed.ok:
        token = secrets.token_hex(16)
        store, key = _pending_store(), _pending_key(offering, token)
        store.delete_older_than(PENDING_MAX_AGE)  # forgotten previews
        store.put(io.BytesIO(data), key=key)
        undo_on_failure(lambda: store.delete(key))  # removed again if this request fails
        confirm = ConfirmForm(token=token, filename=original)
    return render_template("obe/upload.html", offering=offering, form=UploadForm(), parsed=parsed, confirm=confirm,
                           filename=original)


@bp.route("/offerings/<int:offering_id>/scores/confirm", methods=["POST"])
@login_required
def scores_confirm(offering_id: int):
    offering = get_or_404(current_user, CourseOffering, offering_id, Action.EDIT)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    store, pending = _pending_store(), _pending_key(offering, form.token.data)
    if pending is None or not store.exists(pending):
        flash(_("The preview has expired: upload the sheet again."), "warning")
        return redirect(url_for("obe.scores_upload_form", offering_id=offering.id))
    claimed = pending + ".claimed"
    # One confirm per preview: of several racing for it, one renames the sheet and the others find it gone.
    if not store.rename(pending, claimed):
        flash(_("This import is already being confirmed (a second click, another tab or a colleague): it is "
                "imported once. Check the result before importing again."), "warning")
        return redirect(url_for("obe.offering", offering_id=offering.id))
    undo_on_failure(lambda: store.exists(claimed) and store.rename(claimed, pending))
    filename = form.filename.data or "sheet"
    try:
        record = services.import_score_sheet(offering, b"".join(store.iter_chunks(claimed)), filename,
                                             user=current_user)
    except services.ImportRefused as exc:
        fail_request(exc)
        db.session.rollback()
        return render_template("obe/upload.html", offering=offering, form=UploadForm(), parsed=exc.parsed,
                               confirm=None, filename=filename), 422
    store.delete_on_commit(claimed)
    flash(_("%(n)d students' scores imported from %(file)s; the previous scores were replaced.",
            n=record.row_count, file=filename), "success")
    return redirect(url_for("obe.offering", offering_id=offering.id))


@bp.route("/offerings/<int:offering_id>/scores/template.csv")
@login_required
def scores_template(offering_id: int):
    offering = get_or_404(current_user, CourseOffering, offering_id, Action.EDIT)
    name = secure_filename(f"{offering.course.code}-{offering.term}.csv") or "scores.csv"
    return Response(services.score_template_csv(offering), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={name}"})


@bp.route("/offerings/<int:offering_id>/students/<int:student_id>")
@login_required
def student_scores(offering_id: int, student_id: int):
    offering = get_or_404(current_user, CourseOffering, offering_id)
    student = get_or_404(current_user, Student, student_id)
    if student.cohort_id != offering.cohort_id:
        abort(404)
    return render_template("obe/student_scores.html", data=reports.student_scores(offering, student))


# --- cohorts, requirements and students -----------------------------------------------------------------


def _direct_weight() -> float | None:
    value = request.args.get("direct_weight", type=float)
    if value is None or not 0 <= value <= 1:
        return None
    return value


@bp.route("/shortfalls")
@login_required
def shortfalls():
    """Cohorts of the programs the user directs with graduation requirements below the threshold (the home
    page's figure)."""
    require_role(current_user, *STAFF)
    return render_template("obe/shortfalls.html", shortfalls=reports.list_obe_shortfalls(current_user),
                           limit=reports.MAX_OBE_COHORTS)


@bp.route("/cohorts/<int:cohort_id>")
@login_required
def cohort(cohort_id: int):
    cohort = get_or_404(current_user, Cohort, cohort_id)
    require_role(current_user, *STAFF)
    report = reports.cohort_report(cohort, direct_weight=_direct_weight(), detail=False)
    rule_attr = "weighted_sum" if report.rule.value == "weighted_sum" else "minimum"
    bars = figures.achievement_bars([(f"GR{r.requirement.number}", getattr(r, rule_attr)) for r in report.requirements],
                                    report.threshold, title=_("Requirement achievement"),
                                    series_name=enum_label(report.rule), label_header=_("Requirement"),
                                    width=460, height=300)
    trend = reports.cohort_trend(cohort)
    return render_template("obe/cohort.html", cohort=cohort, report=report, bars=bars, trend=trend,
                           direct_weight=_direct_weight())


@bp.route("/cohorts/<int:cohort_id>/requirements/<int:requirement_id>")
@login_required
def requirement(cohort_id: int, requirement_id: int):
    cohort = get_or_404(current_user, Cohort, cohort_id)
    require_role(current_user, *STAFF)
    requirement = get_or_404(current_user, GraduationRequirement, requirement_id)
    report = reports.cohort_report(cohort)
    row = next((r for r in report.requirements if r.requirement.id == requirement.id), None)
    if row is None:
        abort(404)
    form = _improvement_form(requirement) if can(current_user, Action.MANAGE, requirement) else None
    if form is not None and request.method == "GET":
        form.cohort_id.data = cohort.id
        form.cycle_year.data = cohort.entry_year + 4
        if row.weighted_sum is not None and row.achieved_weighted_sum is False:
            form.achievement_value.data = round(row.weighted_sum, 4)
    across = [(c, values[requirement.number]) for c, values in reports.cohort_trend(cohort)
              if values.get(requirement.number) is not None]
    return render_template("obe/requirement.html", cohort=cohort, report=report, row=row, form=form,
                           history=queries.list_improvements_of_requirement(requirement), sources=list(SurveySource),
                           across=across)


@bp.route("/students/<int:student_id>")
@login_required
def student(student_id: int):
    student = get_or_404(current_user, Student, student_id)
    report = reports.student_report(student)
    rule_index = 1 if report.rule.value == "weighted_sum" else 2
    items = [(f"GR{r[0].number}", r[rule_index]) for r in report.requirements]
    return render_template("obe/student.html", student=student, report=report,
                           radar=figures.achievement_radar(items, report.threshold,
                                                           title=_("Radar of requirement achievement")),
                           bars=figures.achievement_bars(items, report.threshold, title=_("Requirement achievement"),
                                                         label_header=_("Requirement")))


# --- surveys ----------------------------------------------------------------------------------------------


@bp.route("/cohorts/<int:cohort_id>/surveys")
@login_required
def surveys(cohort_id: int):
    cohort = get_or_404(current_user, Cohort, cohort_id)
    require_role(current_user, *STAFF)
    return render_template("obe/surveys.html", cohort=cohort, results=queries.list_surveys_of_cohort(cohort),
                           form=SurveyUploadForm(), errors=None)


@bp.route("/cohorts/<int:cohort_id>/surveys/import", methods=["POST"])
@login_required
def surveys_import(cohort_id: int):
    cohort = get_or_404(current_user, Cohort, cohort_id, Action.MANAGE)
    form = SurveyUploadForm()
    errors = None
    if form.validate_on_submit():
        try:
            n = services.import_surveys(cohort, form.sheet.data.read(), user=current_user)
        except DomainError as exc:
            fail_request(exc)
            db.session.rollback()
            errors = str(exc).split("\n")
        else:
            flash(_("%(n)d survey results imported.", n=n), "success")
            return redirect(url_for("obe.surveys", cohort_id=cohort.id))
    return render_template("obe/surveys.html", cohort=cohort, results=queries.list_surveys_of_cohort(cohort),
                           form=form, errors=errors), 422


@bp.route("/surveys/<int:survey_id>/delete", methods=["POST"])
@login_required
def survey_delete(survey_id: int):
    result = get_or_404(current_user, SurveyResult, survey_id, Action.MANAGE)
    cohort_id = result.cohort_id
    services.delete_survey(result, user=current_user)
    flash(_("Survey result deleted."), "success")
    return redirect(url_for("obe.surveys", cohort_id=cohort_id))


# --- continuous improvement ------------------------------------------------------------------------------


def _improvement_form(requirement: GraduationRequirement, record: ImprovementRecord | None = None) -> ImprovementForm:
    form = ImprovementForm(obj=record)
    choices = [("req", _("GR%(n)d itself", n=requirement.number))]
    choices += [(f"ip-{p.id}", _("Indicator point %(code)s", code=p.code)) for p in requirement.indicator_points]
    choices += [(f"co-{o.id}", f"{o.course.code} {o.course.display_name} CO{o.number}")
                for o in queries.candidate_objectives(requirement)]
    form.target.choices = choices
    form.cohort_id.choices = [("", _("—"))] + [(c.id, c.display_name)
                                               for c in queries.list_cohorts_of_program(requirement.program_id)]
    if record is not None and request.method == "GET":
        form.status.data = record.status.value
        form.target.data = (f"co-{record.objective_id}" if record.objective_id else
                            f"ip-{record.indicator_point_id}" if record.indicator_point_id else "req")
    return form


def _target_of(form: ImprovementForm) -> tuple[IndicatorPoint | None, CourseObjective | None]:
    value = form.target.data or "req"
    if value.startswith("ip-"):
        return get_or_404(current_user, IndicatorPoint, value[3:], Action.MANAGE), None
    if value.startswith("co-"):
        objective = get_or_404(current_user, CourseObjective, value[3:], Action.MANAGE)
        return None, objective
    return None, None


def _improvement_values(form: ImprovementForm) -> dict:
    point, objective = _target_of(form)
    cohort = get_or_404(current_user, Cohort, form.cohort_id.data) if form.cohort_id.data else None
    return dict(point=point, objective=objective, cohort=cohort, cycle_year=form.cycle_year.data,
                analysis=form.analysis.data, measure=form.measure.data, responsible=form.responsible.data,
                achievement_value=form.achievement_value.data, next_cycle_result=form.next_cycle_result.data,
                status=ImprovementStatus(form.status.data))


@bp.route("/requirements/<int:requirement_id>/improvements/add", methods=["POST"])
@login_required
def improvement_add(requirement_id: int):
    requirement = get_or_404(current_user, GraduationRequirement, requirement_id, Action.MANAGE)
    form = _improvement_form(requirement)
    cohort_id = form.cohort_id.data if isinstance(form.cohort_id.data, int) else None
    if form.validate_on_submit():
        try:
            services.create_improvement(requirement, user=current_user, **_improvement_values(form))
        except DomainError as exc:
            fail_request(exc)
            _fail(form, exc, "target")
        else:
            flash(_("Improvement record saved."), "success")
            back = (url_for("obe.requirement", cohort_id=form.cohort_id.data, requirement_id=requirement.id)
                    if form.cohort_id.data else url_for("obe.improvements", requirement_id=requirement.id))
            return redirect(back)
    return render_template("obe/improvement_form.html", form=form, requirement=requirement, record=None,
                           cohort_id=cohort_id), 422


@bp.route("/requirements/<int:requirement_id>/improvements")
@login_required
def improvements(requirement_id: int):
    requirement = get_or_404(current_user, GraduationRequirement, requirement_id)
    require_role(current_user, *STAFF)
    form = _improvement_form(requirement) if can(current_user, Action.MANAGE, requirement) else None
    return render_template("obe/improvements.html", requirement=requirement, form=form,
                           history=queries.list_improvements_of_requirement(requirement),
                           ancestors=framework_queries.list_requirement_ancestors(requirement))


@bp.route("/improvements/<int:record_id>/edit", methods=["GET", "POST"])
@login_required
def improvement_edit(record_id: int):
    record = get_or_404(current_user, ImprovementRecord, record_id, Action.MANAGE)
    requirement = record.requirement
    if requirement is None:
        abort(404)
    form = _improvement_form(requirement, record)
    if form.validate_on_submit():
        try:
            services.update_improvement(record, user=current_user, **_improvement_values(form))
        except DomainError as exc:
            fail_request(exc)
            _fail(form, exc, "target")
        else:
            flash(_("Improvement record saved."), "success")
            return redirect(url_for("obe.improvements", requirement_id=requirement.id))
    return render_template("obe/improvement_form.html", form=form, requirement=requirement, record=record,
                           cohort_id=record.cohort_id)


@bp.route("/improvements/<int:record_id>/delete", methods=["POST"])
@login_required
def improvement_delete(record_id: int):
    record = get_or_404(current_user, ImprovementRecord, record_id, Action.MANAGE)
    requirement_id = record.requirement_id
    services.delete_improvement(record, user=current_user)
    flash(_("Improvement record deleted."), "success")
    if requirement_id:
        return redirect(url_for("obe.improvements", requirement_id=requirement_id))
    return redirect(url_for("obe.index"))
