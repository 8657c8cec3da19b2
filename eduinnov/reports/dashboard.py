"""Dashboards: a cohort's figures, trends across a program's cohorts, comparisons, and the exports.

Only members of a program (teachers and directors) and administrators see its dashboards; students get
403, and ids of other programs' cohorts, runs or programs answer 404. Every page and file is read
afresh from the database: nothing is cached.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from eduinnov.achievements import queries as achievement_queries
from eduinnov.achievements.forms import AchievementFilterForm
from eduinnov.achievements.models import Indexing
from eduinnov.auth.access import Action, get_or_404
from eduinnov.auth.decorators import loads, staff_required
from eduinnov.core.web import clean_query_ids, export_format, parse_id, send_export
from eduinnov.indicators.models import EvaluationRun
from eduinnov.programs.models import Cohort, Program
from eduinnov.reports import figures, queries, tables

bp = Blueprint("dashboards", __name__, url_prefix="/dashboards")

MAX_COMPARED = 8


def _choices() -> tuple[list[queries.ProgramChoice], dict[int, list[queries.CohortChoice]]]:
    return queries.list_dashboard_choices(current_user)


def _ids(name: str) -> list[int]:
    out = []
    for value in request.args.getlist(name):
        ident = parse_id(value)
        if ident is None:
            abort(404)
        out.append(ident)
    return list(dict.fromkeys(out))


@bp.route("/")
@login_required
@staff_required
def index():
    wanted = request.args.get("cohort")
    if wanted:
        cohort = get_or_404(current_user, Cohort, wanted)
        return redirect(url_for(".cohort", cohort_id=cohort.id))
    programs, cohorts = _choices()
    visible = [c for program in programs for c in cohorts.get(program.id, [])]
    newest = queries.newest_cohort_with_data([c.id for c in visible])
    if newest is None and visible:  # nothing recorded anywhere yet: the newest cohort of the first program
        newest = next(cohorts[p.id][-1].id for p in programs if cohorts.get(p.id))
    if newest is not None:
        return redirect(url_for(".cohort", cohort_id=newest))
    return render_template("dashboards/empty.html", programs=programs)


@bp.route("/cohorts/<int:cohort_id>")
@login_required
@staff_required
@loads(Cohort, "cohort_id", options=(joinedload(Cohort.program),))
def cohort(cohort):
    programs, cohorts = _choices()
    return render_template("dashboards/cohort.html", d=figures.cohort_dashboard(cohort), programs=programs,
                           cohorts=cohorts, indexing=Indexing)


@bp.route("/programs/<int:program_id>/trends")
@login_required
@staff_required
@loads(Program, "program_id")
def trends(program):
    programs, _cohorts = _choices()
    return render_template("dashboards/trends.html", t=figures.program_trends(program), programs=programs)


@bp.route("/compare")
@login_required
@staff_required
def compare():
    cohort_ids, program_ids = _ids("cohort"), _ids("program")
    programs, cohorts = _choices()
    result, mode = None, "program" if program_ids and not cohort_ids else "cohort"
    chosen = program_ids if mode == "program" else cohort_ids
    if len(chosen) > MAX_COMPARED:
        flash(_("Compare at most %(n)d at a time; the first %(n)d are shown.", n=MAX_COMPARED), "warning")
        chosen = chosen[:MAX_COMPARED]
    model = Program if mode == "program" else Cohort
    items = [get_or_404(current_user, model, i) for i in chosen]
    if len(items) == 1:
        flash(_("Choose at least two to compare."), "info")
    elif len(items) > 1:
        result = figures.compare(items, group_by=mode)
    return render_template("dashboards/compare.html", result=result, mode=mode, chosen=set(chosen),
                           programs=programs, cohorts=cohorts)


# --- exports ---------------------------------------------------------------------------------------------

@bp.route("/cohorts/<int:cohort_id>/students/export")
@login_required
@staff_required
def export_students(cohort_id: int):
    fmt = export_format()
    cohort = get_or_404(current_user, Cohort, cohort_id, options=(joinedload(Cohort.program),))
    return send_export(tables.students_table(cohort), fmt)


@bp.route("/achievements/export")
@login_required
@staff_required
def export_achievements():
    fmt = export_format()
    form = AchievementFilterForm(clean_query_ids("program", "cohort"))
    form.program.choices = [(None, "")] + [(p.id, p.code) for p in achievement_queries.list_visible_programs(current_user)]
    form.cohort.choices = [(None, "")] + [(c.id, "") for c in achievement_queries.list_visible_cohorts(current_user)]
    stmt = achievement_queries.list_achievements_stmt(current_user, form.filters())
    return send_export(tables.achievements_table(tables.load_achievements(stmt)), fmt)


@bp.route("/runs/<int:run_id>/export")
@login_required
@staff_required
def export_run(run_id: int):
    fmt = export_format()
    run = get_or_404(current_user, EvaluationRun, run_id, Action.VIEW)
    return send_export(tables.run_results_table(run), fmt)


@bp.route("/cohorts/<int:cohort_id>/obe/export")
@login_required
@staff_required
def export_obe(cohort_id: int):
    fmt = export_format()
    cohort = get_or_404(current_user, Cohort, cohort_id, options=(joinedload(Cohort.program),))
    return send_export(tables.obe_table(cohort), fmt)
