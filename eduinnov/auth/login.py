"""Flask-Login wiring: users are loaded by their rotating session token, never by their id."""

from __future__ import annotations

from flask import Flask, g
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user
from sqlalchemy import select

from eduinnov.auth.models import User
from eduinnov.extensions import db


def init_app(app: Flask, login_manager: LoginManager) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(token: str) -> User | None:
        user = db.session.scalar(select(User).where(User.session_token == token))
        if user is None or not user.is_active:
            return None
        return user

    @app.before_request
    def remember_actor():
        # The audit log reads the acting user from here (services never see the request).
        g.actor_id = current_user.id if current_user.is_authenticated else None
