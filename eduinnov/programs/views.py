"""Pages of the programs domain: programs, cohorts, students and students' supervisor teams."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from eduinnov.auth.access import Action, can, get_or_404, require_role
from eduinnov.auth.decorators import loads, staff_required
from eduinnov.auth.models import Role
from eduinnov.core.errors import DomainError
from eduinnov.core.pagination import paginate
from eduinnov.core.web import clean_query_ids, form_error, query_id, refuse
from eduinnov.frameworks.models import Supervision, SupervisorRole
from eduinnov.programs import queries, services
from eduinnov.programs.forms import CohortForm, ProgramForm, StudentFilterForm, StudentForm, SupervisorForm
from eduinnov.programs.models import Cohort, DegreeLevel, Program, Student, StudentStatus

bp = Blueprint("programs", __name__, url_prefix="/programs")


# --- programs ---

@bp.route("/", endpoint="list")
@login_required
@staff_required
def program_list():
    programs = queries.list_programs_for(current_user)
    counts = queries.count_students_by_program([p.id for p in programs])
    roles = {m.program_id: m.role for m in current_user.memberships}
    return render_template("programs/list.html", programs=programs, counts=counts, roles=roles)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    require_role(current_user, Role.ADMIN)
    form = ProgramForm()
    if form.validate_on_submit():
        try:
            program = services.create_program(
                current_user, code=form.code.data, name_zh=form.name_zh.data, name_en=form.name_en.data,
                discipline=form.discipline.data, degree_level=DegreeLevel(form.degree_level.data),
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            flash(_("Program %(code)s created. Add its cohorts next.", code=program.code), "success")
            return redirect(url_for("programs.detail", program_id=program.id))
    return render_template("programs/program_form.html", form=form, program=None)


@bp.route("/<int:program_id>")
@login_required
@loads(Program, "program_id")
def detail(program):
    return render_template(
        "programs/detail.html", program=program, counts=queries.count_students_by_cohort(program),
        members=queries.list_members(program), total=queries.count_students(program_id=program.id),
        n_frameworks=queries.count_frameworks(program.id), n_achievements=queries.count_achievements(program.id),
    )


@bp.route("/<int:program_id>/edit", methods=["GET", "POST"])
@login_required
@loads(Program, "program_id")
def edit(program):
    require_role(current_user, Role.ADMIN)
    form = ProgramForm(obj=program, program=program)
    if request.method == "GET":
        form.degree_level.data = program.degree_level.value
    if form.validate_on_submit():
        try:
            services.update_program(
                current_user, program, code=form.code.data, name_zh=form.name_zh.data, name_en=form.name_en.data,
                discipline=form.discipline.data, degree_level=DegreeLevel(form.degree_level.data),
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            flash(_("Program %(code)s saved.", code=program.code), "success")
            return redirect(url_for("programs.detail", program_id=program.id))
    return render_template("programs/program_form.html", form=form, program=program)


@bp.route("/<int:program_id>/delete", methods=["POST"])
@login_required
def delete(program_id: int):
    program = get_or_404(current_user, Program, program_id)
    require_role(current_user, Role.ADMIN)
    code = program.code
    try:
        services.delete_program(current_user, program)
    except DomainError as exc:
        refuse(exc)
        return redirect(url_for("programs.detail", program_id=program_id))
    flash(_("Program %(code)s deleted.", code=code), "success")
    return redirect(url_for("programs.list"))


# --- cohorts ---

@bp.route("/<int:program_id>/cohorts/new", methods=["GET", "POST"])
@login_required
@loads(Program, "program_id", Action.MANAGE)
def cohort_new(program):
    form = CohortForm()
    if form.validate_on_submit():
        try:
            cohort = services.create_cohort(current_user, program, entry_year=form.entry_year.data,
                                            label=form.label.data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            flash(_("Cohort %(name)s created.", name=cohort.display_name), "success")
            return redirect(url_for("programs.detail", program_id=program.id))
    return render_template("programs/cohort_form.html", form=form, program=program, cohort=None)


@bp.route("/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
@login_required
@loads(Cohort, "cohort_id", Action.MANAGE)
def cohort_edit(cohort):
    form = CohortForm(obj=cohort)
    if form.validate_on_submit():
        try:
            services.update_cohort(current_user, cohort, entry_year=form.entry_year.data, label=form.label.data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            flash(_("Cohort %(name)s saved.", name=cohort.display_name), "success")
            return redirect(url_for("programs.detail", program_id=cohort.program_id))
    return render_template("programs/cohort_form.html", form=form, program=cohort.program, cohort=cohort)


@bp.route("/cohorts/<int:cohort_id>/delete", methods=["POST"])
@login_required
@loads(Cohort, "cohort_id", Action.MANAGE)
def cohort_delete(cohort):
    program_id, name = cohort.program_id, cohort.display_name
    try:
        services.delete_cohort(current_user, cohort)
    except DomainError as exc:
        refuse(exc)
    else:
        flash(_("Cohort %(name)s deleted.", name=name), "success")
    return redirect(url_for("programs.detail", program_id=program_id))


# --- students ---

@bp.route("/students")
@login_required
@staff_required
def students():
    form = StudentFilterForm(clean_query_ids("program", "cohort"), programs=queries.list_programs_for(current_user),
                             cohorts=queries.list_cohorts_for(current_user))
    stmt = queries.list_students_stmt(current_user, search=form.q.data, program_id=form.program.data,
                                      cohort_id=form.cohort.data, status=form.status_value)
    page = paginate(stmt, request.args.get("page"))
    may_add = bool(queries.list_cohorts_for(current_user, Action.EDIT))
    return render_template("programs/students.html", page=page, form=form, may_add=may_add)


def _student_form(student: Student | None = None) -> StudentForm:
    form = StudentForm(obj=student, student=student, cohorts=queries.list_cohorts_for(current_user, Action.EDIT))
    if request.method == "GET":
        if student is not None:
            form.status.data = student.status.value
        elif request.args.get("cohort"):
            form.cohort_id.data = query_id("cohort")
    return form


@bp.route("/students/new", methods=["GET", "POST"])
@login_required
@staff_required
def student_new():
    form = _student_form()
    if form.validate_on_submit():
        try:
            student = services.create_student(
                current_user, form.cohort, student_no=form.student_no.data, name=form.name.data,
                email=form.email.data, status=StudentStatus(form.status.data),
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            flash(_("Student %(name)s added.", name=student.display_name), "success")
            return redirect(url_for("programs.student_detail", student_id=student.id))
    return render_template("programs/student_form.html", form=form, student=None)


@bp.route("/students/<int:student_id>")
@login_required
@loads(Student, "student_id")
def student_detail(student):
    return _render_student(student)


def _render_student(student: Student, supervisor_form: SupervisorForm | None = None):
    if supervisor_form is None and can(current_user, Action.EDIT, student):
        supervisor_form = _supervisor_form(student)
    return render_template(
        "programs/student_detail.html", student=student,
        achievements=queries.list_achievements_of(student),
        participations=queries.list_participations_of(student),
        supervisions=queries.list_supervisions_of(student),
        supervisor_form=supervisor_form,
    )


@bp.route("/students/<int:student_id>/edit", methods=["GET", "POST"])
@login_required
@loads(Student, "student_id", Action.EDIT)
def student_edit(student):
    form = _student_form(student)
    if form.validate_on_submit():
        try:
            services.update_student(
                current_user, student, cohort=form.cohort, student_no=form.student_no.data, name=form.name.data,
                email=form.email.data, status=StudentStatus(form.status.data),
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            flash(_("Student %(name)s saved.", name=student.display_name), "success")
            return redirect(url_for("programs.student_detail", student_id=student.id))
    return render_template("programs/student_form.html", form=form, student=student)


@bp.route("/students/<int:student_id>/delete", methods=["POST"])
@login_required
def student_delete(student_id: int):
    student = get_or_404(current_user, Student, student_id, Action.MANAGE)
    program_id, name = student.program_id, student.display_name
    try:
        services.delete_student(current_user, student)
    except DomainError as exc:
        refuse(exc)
        return redirect(url_for("programs.student_detail", student_id=student_id))
    flash(_("Student %(name)s deleted.", name=name), "success")
    return redirect(url_for("programs.students", program=program_id))


# --- supervisor teams ---

def _supervisor_form(student: Student) -> SupervisorForm:
    teachers, joint = queries.list_supervisor_candidates(student)
    return SupervisorForm(teachers=teachers, joint_supervisors=joint)


@bp.route("/students/<int:student_id>/supervisors", methods=["POST"])
@login_required
@loads(Student, "student_id", Action.EDIT)
def supervisor_add(student):
    form = _supervisor_form(student)
    if form.validate_on_submit():
        try:
            supervision = services.add_supervisor(
                current_user, student, teacher=form.teacher, joint_supervisor=form.joint_supervisor,
                role=SupervisorRole(form.role.data), discipline=form.discipline.data,
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            flash(_("%(name)s added to the supervisor team.", name=supervision.supervisor_name), "success")
            return redirect(url_for("programs.student_detail", student_id=student.id) + "#supervisors")
    return _render_student(student, form)


@bp.route("/students/<int:student_id>/supervisors/<int:supervision_id>/delete", methods=["POST"])
@login_required
@loads(Student, "student_id", Action.EDIT)
def supervisor_remove(student, supervision_id: int):
    supervision = get_or_404(current_user, Supervision, supervision_id, Action.EDIT)
    if supervision.student_id != student.id:
        abort(404)
    name = supervision.supervisor_name
    services.remove_supervisor(current_user, supervision)
    flash(_("%(name)s removed from the supervisor team.", name=name), "success")
    return redirect(url_for("programs.student_detail", student_id=student.id) + "#supervisors")
