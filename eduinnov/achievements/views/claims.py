"""Pages for membership claims: a student finds an achievement of her program and claims to be on it; a
teacher (or director) accepts or refuses the claim."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from eduinnov.achievements import claims, forms, queries
from eduinnov.achievements.models import Achievement, AchievementClaim
from eduinnov.achievements.services import FieldError, NotAllowed, may_declare
from eduinnov.achievements.views._blueprint import bp
from eduinnov.auth.access import get_or_404
from eduinnov.auth.decorators import loads
from eduinnov.core.errors import DomainError
from eduinnov.core.web import refuse
from eduinnov.extensions import db


def _claimable_or_404(achievement_id: int) -> Achievement:
    """An achievement of the student's own program (404 for others, as for a missing id)."""
    if not may_declare(current_user):
        get_or_404(current_user, Achievement, achievement_id)  # 404 outside the user's programs
        abort(403)
    achievement = db.session.get(Achievement, achievement_id) if 0 < achievement_id < 2**31 else None
    if achievement is None or achievement.program_id != current_user.student.cohort.program_id:
        abort(404)
    return achievement


@bp.route("/claim")
@login_required
def claim_search():
    if not may_declare(current_user):
        abort(403)
    text = (request.args.get("q") or "").strip()[:100]
    results = queries.list_claimable(current_user, text)
    return render_template("achievements/claim_search.html", q=text, results=results,
                           roles={a.id: claims.claim_roles(a) for a in results})


@bp.route("/<int:achievement_id>/claim", methods=["POST"])
@login_required
def claim(achievement_id: int):
    achievement = _claimable_or_404(achievement_id)
    form = forms.ClaimForm()
    if not form.validate():
        flash(_("The form has expired; please try again."), "danger")
        return redirect(url_for(".claim_search"))
    try:
        claims.claim_membership(current_user, achievement, form.role.data or "", form.note.data)
    except DomainError as exc:  # FieldError included
        refuse(exc)
        return redirect(url_for(".claim_search", q=request.form.get("q", "")))
    flash(_("Your claim was sent to the teachers of your program. You will be notified of the decision."),
          "success")
    return redirect(url_for(".list"))


@bp.route("/claims/<int:claim_id>/decide", methods=["POST"])
@login_required
@loads(AchievementClaim, "claim_id", name="item")
def claim_decide(item):
    form = forms.ClaimDecisionForm()
    back = redirect(url_for(".detail", achievement_id=item.achievement_id, _anchor="claims"))
    if not form.validate():
        flash(_("The form has expired; please try again."), "danger")
        return back
    try:
        claims.decide_claim(current_user, item, request.form.get("decision") == "accept", form.note.data)
    except NotAllowed as exc:
        refuse(exc)
    except FieldError as exc:
        refuse(exc)
        return back
    except DomainError as exc:
        refuse(exc)
        return back
    flash(_("The claim was accepted: the student is now named on the achievement.") if item.status.value ==
          "accepted" else _("The claim was refused; the student sees your reason."), "success")
    return back
