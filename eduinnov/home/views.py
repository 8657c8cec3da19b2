"""The home page: per role, the numbers that say what needs the user now, each linking to its list."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from eduinnov.achievements import queries as achievement_queries
from eduinnov.achievements.models import VerificationStatus
from eduinnov.achievements.services import may_declare
from eduinnov.auth.access import program_ids
from eduinnov.auth.models import MembershipRole, Role
from eduinnov.home import queries
from eduinnov.notifications.services import count_unread
from eduinnov.schools.queries import dean_summaries

bp = Blueprint("home", __name__)


@bp.route("/", endpoint="index")
@login_required
def index():
    user = current_user
    directs = user.role == Role.ADMIN or bool(program_ids(user, role=MembershipRole.DIRECTOR))
    context = {"unread": count_unread(user), "Status": VerificationStatus, "directs": directs,
               "is_student": user.role == Role.STUDENT}
    if user.role == Role.STUDENT:
        context.update(
            by_status=queries.student_summary(user), rejected=queries.list_recent_rejections(user),
            may_declare=may_declare(user),
        )
        return render_template("home/student.html", **context)
    mine = achievement_queries.count_by_status(user, mine=True)
    context.update(
        deanships=dean_summaries(user),
        mine=mine, rejected=queries.list_recent_rejections(user),
        to_review=achievement_queries.count_review_queue(user),
        claims_waiting=achievement_queries.count_pending_claims(user),
    )
    if directs:
        summary = achievement_queries.queue_summary(user)
        finished_count, finished = queries.list_finished_jobs(user)
        context.update(
            queue=summary, oldest_days=queries.oldest_age_days(summary.oldest),
            health_failed=queries.failed_health_runs(user), obe=queries.list_obe_shortfalls(user),
            pending_imports=queries.count_pending_imports(user), finished_count=finished_count,
            finished=finished,
        )
    else:
        context["pending_imports"] = queries.count_pending_imports(user)
    return render_template("home/staff.html", **context)
