"""Login, logout, password, language; account administration for admins."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select

from eduinnov.auth import services
from eduinnov.auth.access import require_role
from eduinnov.auth.forms import LanguageForm, LoginForm, LogoutForm, PasswordForm, UserFilterForm, UserForm
from eduinnov.auth.models import MembershipRole, Role, User
from eduinnov.core.errors import DomainError
from eduinnov.core.i18n import LANGUAGES
from eduinnov.core.pagination import paginate
from eduinnov.core.versioning import expect_posted_version
from eduinnov.core.web import fail_request, form_error, is_safe_redirect, refuse
from eduinnov.extensions import db
from eduinnov.programs.models import Program, Student

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        cfg = current_app.config
        try:
            user = services.authenticate(
                form.email.data, form.password.data, request.remote_addr or "unknown",
                max_per_account=cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
                max_per_address=cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"],
                window=cfg["LOGIN_FAILURE_WINDOW"],
            )
        except services.LoginRefused as exc:
            refuse(exc)
            return render_template("auth/login.html", form=form), 200
        target = form.next.data
        # A new session at login (session fixation): nothing planted before it, CSRF token included, survives.
        session.clear()
        login_user(user, remember=form.remember.data)
        return redirect(target if is_safe_redirect(target) else url_for("home.index"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    form = LogoutForm()
    if not form.validate_on_submit():
        abort(400)
    services.log_out_everywhere(current_user)
    logout_user()
    flash(_("You have been logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/language", methods=["POST"])
def language():
    form = LanguageForm()
    if not form.validate_on_submit() or form.lang.data not in LANGUAGES:
        abort(400)
    if current_user.is_authenticated:
        current_user.locale = form.lang.data
    target = form.next.data
    response = redirect(target if is_safe_redirect(target) else url_for("home.index"))
    response.set_cookie("lang", form.lang.data, max_age=365 * 24 * 3600, httponly=True, samesite="Lax",
                        secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    return response


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current.data, form.new.data)
        except DomainError as exc:
            form_error(form, exc, "current")
        else:
            # The token changed: log in again with it so this browser stays logged in, others do not.
            login_user(current_user._get_current_object())
            flash(_("Your password has been changed. Other sessions were logged out."), "success")
            return redirect(url_for("home.index"))
    return render_template("auth/password.html", form=form)


# --- administration of accounts (admins only) ---

def _user_form(user: User | None = None) -> UserForm:
    form = UserForm(obj=user)
    if user is not None and request.method == "GET":
        form.role.data = user.role.value
        form.is_active.data = user.is_active_account
        form.locale.data = user.locale or ""
        form.student_id.data = user.student_id
        form.student_search.data = user.student.student_no if user.student else ""
    return form


def _resolve_student(form: UserForm) -> bool:
    """The typed student record (number, or part of a name with exactly one match) into ``student_id``.

    The page always posts ``student_search``; a post without it (a script) gives ``student_id`` directly.
    """
    if "student_search" not in request.form:
        return True
    text = (form.student_search.data or "").strip()
    if not text:
        form.student_id.data = None
        return True
    exact = db.session.scalar(select(Student).where(func.lower(Student.student_no) == text.lower()))
    matches = [exact] if exact is not None else services.search_students(text, limit=11)
    if len(matches) == 1:
        form.student_id.data = matches[0].id
        form.student_search.data = matches[0].student_no
        return True
    if not matches:
        form.student_id.errors.append(_("No student record matches “%(text)s”.", text=text))
    else:
        shown = ", ".join(f"{s.student_no} {s.name}" for s in matches[:10])
        form.student_id.errors.append(_("Several student records match “%(text)s”: %(list)s. Type the student "
                                        "number.", text=text, list=shown))
    return False


@bp.route("/admin/users")
@login_required
def users():
    require_role(current_user, Role.ADMIN)
    filters = UserFilterForm(request.args)
    filters.program.choices = [(None, _("All programs"))] + [
        (p.id, f"{p.code} {p.display_name}") for p in db.session.scalars(select(Program).order_by(Program.code))]
    filters.validate()
    role = Role(filters.role.data) if filters.role.data and not filters.role.errors else None
    stmt = services.list_users(filters.q.data if not filters.q.errors else None, role=role,
                               program_id=filters.program.data)
    page = paginate(stmt, request.args.get("page"))
    return render_template("auth/users.html", page=page, q=request.args.get("q", ""), filters=filters)


@bp.route("/admin/users/students.json")
@login_required
def student_lookup():
    """Type-ahead for linking an account to a student record: up to 20 matches as JSON."""
    require_role(current_user, Role.ADMIN)
    found = services.search_students(request.args.get("q", "")[:100])
    return jsonify([{"id": s.id, "student_no": s.student_no, "name": s.name,
                     "label": f"{s.name} · {s.cohort.program.code} {s.cohort.display_name}",
                     "has_account": s.account is not None} for s in found])


def _check_account_fields(form: UserForm, *, new: bool) -> bool:
    """Checks the form cannot make by itself, each reported under its own field; True when all pass."""
    ok = True
    if new or form.password.data:
        try:
            services.check_password_strength(form.password.data or "")
        except DomainError as exc:
            form_error(form, exc, "password")
            ok = False
    if form.role.data == Role.STUDENT.value and not form.student_id.data:
        form.student_id.errors.append(_("A student account must be linked to a student record."))
        ok = False
    return ok


@bp.route("/admin/users/new", methods=["GET", "POST"])
@login_required
def user_new():
    require_role(current_user, Role.ADMIN)
    form = _user_form()
    form.password.flags.required = True
    form.password.description = _("At least 10 characters.")
    if form.validate_on_submit() and _resolve_student(form) and _check_account_fields(form, new=True):
        try:
            user = services.create_user(
                email=form.email.data, name=form.name.data, role=Role(form.role.data),
                password=form.password.data or "", locale=form.locale.data or None,
                student_id=form.student_id.data,
            )
        except DomainError as exc:
            # Left to the service: a taken email, or a student record missing or linked to another account.
            fail_request(exc)
            taken = services.get_user_by_email(form.email.data.strip().lower()) is not None
            (form.email if taken else form.student_id).errors.append(str(exc))
        else:
            flash(_("Account created."), "success")
            return redirect(url_for("auth.user_edit", user_id=user.id))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/user_form.html", form=form, user=None), status


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@login_required
def user_edit(user_id: int):
    require_role(current_user, Role.ADMIN)
    user = db.session.get(User, user_id) or abort(404)
    expect_posted_version(user)
    form = _user_form(user)
    programs = list(db.session.scalars(select(Program).order_by(Program.code)))
    if form.validate_on_submit() and _resolve_student(form) and _check_account_fields(form, new=False):
        try:
            memberships = {}
            for program in programs:
                value = request.form.get(f"membership-{program.id}", "")
                if value:
                    memberships[program.id] = MembershipRole(value)
        except ValueError:
            flash(_("Choose a membership from the list."), "danger")
        else:
            try:
                services.update_user(
                    user, name=form.name.data, role=Role(form.role.data), is_active=form.is_active.data,
                    locale=form.locale.data or None, student_id=form.student_id.data,
                )
                if form.password.data:
                    user.set_password(form.password.data)
                services.set_memberships(user, memberships)
            except DomainError as exc:
                fail_request(exc)
                form.student_id.errors.append(str(exc))  # update_user refuses only student links
            else:
                flash(_("Account saved."), "success")
                return redirect(url_for("auth.user_edit", user_id=user.id))
    if request.method == "POST":
        # Refused: the 422 rolls the request back; the form shows what the admin chose, not the stored values.
        current = {p.id: request.form.get(f"membership-{p.id}", "") for p in programs}
        status = 422
    else:
        current = {m.program_id: m.role.value for m in user.memberships}
        status = 200
    return render_template("auth/user_form.html", form=form, user=user, programs=programs,
                           memberships=current, MembershipRole=MembershipRole), status
