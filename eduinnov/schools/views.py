"""Pages of the schools domain: the school list, school forms (administrators), the school dashboard
(deans and administrators), the university comparison (administrators) and their exports.

A school is loaded with ``get_or_404``: a dean of another school gets 404, as for any object outside
the user's programs.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from eduinnov.achievements.models import kind_label
from eduinnov.auth.access import Action, get_or_404, require_role
from eduinnov.auth.models import Role
from eduinnov.core.errors import DomainError
from eduinnov.core.web import export_format, form_error, send_export
from eduinnov.schools import figures, queries, services, tables
from eduinnov.schools.forms import SchoolForm
from eduinnov.schools.models import School

bp = Blueprint("schools", __name__, url_prefix="/schools")



@bp.route("/", endpoint="index")
@login_required
def school_list():
    schools = queries.list_schools_for(current_user)
    if current_user.role != Role.ADMIN and not schools:
        abort(403)
    if current_user.role != Role.ADMIN and len(schools) == 1:
        return redirect(url_for(".dashboard", school_id=schools[0].id))
    programs = queries.list_programs_of([s.id for s in schools])
    by_school: dict[int, list] = {}
    for p in programs:
        by_school.setdefault(p.school_id, []).append(p)
    return render_template("schools/list.html", schools=schools, by_school=by_school)


def _form_choices(form: SchoolForm) -> None:
    form.programs.choices = [(p.id, f"{p.code} {p.display_name}") for p in queries.list_programs_of(None)]
    form.deans.choices = [(u.id, f"{u.name} <{u.email}>") for u in queries.list_staff_users()]


def _save(form: SchoolForm, school: School | None):
    try:
        if school is None:
            school = services.create_school(current_user, code=form.code.data, name_zh=form.name_zh.data,
                                            name_en=form.name_en.data)
        else:
            services.update_school(current_user, school, code=form.code.data, name_zh=form.name_zh.data,
                                   name_en=form.name_en.data)
        services.set_school_programs(current_user, school, form.programs.data or [])
        services.set_school_deans(current_user, school, form.deans.data or [])
    except DomainError as exc:
        form_error(form, exc)
        return None
    return school


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    require_role(current_user, Role.ADMIN)
    form = SchoolForm()
    _form_choices(form)
    if form.validate_on_submit():
        school = _save(form, None)
        if school is not None:
            flash(_("School %(code)s created.", code=school.code), "success")
            return redirect(url_for(".dashboard", school_id=school.id))
    return render_template("schools/form.html", form=form, school=None)


@bp.route("/<int:school_id>/edit", methods=["GET", "POST"])
@login_required
def edit(school_id: int):
    require_role(current_user, Role.ADMIN)
    school = get_or_404(current_user, School, school_id, Action.MANAGE)
    form = SchoolForm(obj=school if request.method == "GET" else None)
    _form_choices(form)
    if request.method == "GET":
        form.programs.data = [p.id for p in school.programs]
        form.deans.data = [d.user_id for d in school.deans]
    if form.validate_on_submit():
        if _save(form, school) is not None:
            flash(_("School %(code)s saved.", code=school.code), "success")
            return redirect(url_for(".dashboard", school_id=school.id))
    return render_template("schools/form.html", form=form, school=school)


@bp.route("/<int:school_id>")
@login_required
def dashboard(school_id: int):
    school = get_or_404(current_user, School, school_id)
    return render_template("schools/dashboard.html", d=figures.school_dashboard(school),
                           deans=queries.list_dean_users(school), kinds=queries.KINDS, kind_label=kind_label,
                           grades_text=figures.run_grades_text)


@bp.route("/<int:school_id>/export")
@login_required
def export(school_id: int):
    fmt = export_format()
    school = get_or_404(current_user, School, school_id)
    return send_export(tables.school_table(school), fmt)


@bp.route("/university")
@login_required
def university():
    require_role(current_user, Role.ADMIN)
    return render_template("schools/university.html", u=figures.university_dashboard(), kinds=queries.KINDS,
                           kind_label=kind_label)


@bp.route("/university/export")
@login_required
def university_export():
    require_role(current_user, Role.ADMIN)
    fmt = export_format()
    return send_export(tables.university_table(), fmt)
