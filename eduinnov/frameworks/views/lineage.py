"""Carrying history over between versions: which requirement of this version continues each earlier one."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from eduinnov.auth.access import Action, get_or_404
from eduinnov.core.errors import DomainError
from eduinnov.core.web import fail_request
from eduinnov.frameworks import queries, services
from eduinnov.frameworks.forms import requirement_map_form
from eduinnov.frameworks.models import FrameworkVersion
from eduinnov.frameworks.views._blueprint import bp
from eduinnov.frameworks.views._helpers import int_arg, locked_redirect


@bp.route("/<int:framework_id>/lineage", methods=["GET", "POST"])
@login_required
def lineage(framework_id: int):
    """Map the requirements of an earlier version (``?source=``) to this version's; equal numbers proposed."""
    framework = get_or_404(current_user, FrameworkVersion, framework_id, Action.MANAGE)
    if (locked := locked_redirect(framework)) is not None:
        return locked
    sources = queries.list_source_versions(framework)
    source_id = int_arg("source")
    source = (get_or_404(current_user, FrameworkVersion, source_id) if source_id is not None
              else queries.get_default_source(framework))
    if source is not None and source not in sources:
        abort(404)  # only an earlier version of the same program can be continued
    if source is None:
        flash(_("This program has no other version to carry history over from."), "info")
        return redirect(url_for("frameworks.detail", framework_id=framework.id))
    rows = queries.get_requirement_mapping(framework, source)
    form = requirement_map_form([r.old for r in rows], framework.requirements)()
    if request.method == "GET":
        for row in rows:
            form[f"req_{row.old.id}"].data = row.new_id or 0
    if form.validate_on_submit():
        mapping = {row.old.id: form[f"req_{row.old.id}"].data or None for row in rows}
        try:
            services.map_requirements(framework, source, mapping, user=current_user)
        except DomainError as exc:
            fail_request(exc)
            flash(str(exc), "danger")
        else:
            dropped = sum(1 for v in mapping.values() if v is None)
            flash(_("Requirements of version %(v)s mapped; %(n)d not carried over.", v=source.version, n=dropped),
                  "success")
            return redirect(url_for("frameworks.detail", framework_id=framework.id))
    return render_template("frameworks/lineage.html", framework=framework, source=source, sources=sources,
                           rows=rows, form=form)
