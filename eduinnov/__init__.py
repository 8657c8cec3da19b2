"""eduinnov: talent-cultivation frameworks, achievements and innovation-ability evaluation."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from eduinnov.config import ROOT, Config, config_from_env

if TYPE_CHECKING:  # the numeric engine (eduinnov.evaluation) must import without Flask
    from flask import Flask

# Each domain's views module exposes ``bp``; CLI modules expose ``cli`` (a click group or command).
BLUEPRINTS = (
    "eduinnov.auth.views",
    "eduinnov.auth.invitation_views",
    "eduinnov.programs.views",
    "eduinnov.frameworks.views",
    "eduinnov.achievements.views",
    "eduinnov.achievements.views.records",
    "eduinnov.obe.views",
    "eduinnov.indicators.views",
    "eduinnov.imports.views",
    "eduinnov.reports.views",
    "eduinnov.reports.dashboard",
    "eduinnov.notifications.views",
    "eduinnov.schools.views",
    "eduinnov.home.views",
    "eduinnov.core.views",
)
CLI_MODULES = (
    "eduinnov.core.cli",
    "eduinnov.achievements.cli",
    "eduinnov.seed",
    "eduinnov.auth.cli",
    "eduinnov.indicators.cli",
    "eduinnov.obe.cli",
    "eduinnov.reports.cli",
    "eduinnov.imports.cli",
)


def create_app(config: Config | None = None) -> Flask:
    """Build the Flask application."""
    from flask import Flask

    config = config or config_from_env()
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder="static",
        instance_path=str(config.INSTANCE_DIR),
    )
    app.config.from_object(config)
    from eduinnov.config import engine_options

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)
    from eduinnov.core.web import IdConverter

    app.url_map.converters["int"] = IdConverter  # before any blueprint adds a rule
    app.config["UPLOAD_DIR"].mkdir(parents=True, exist_ok=True)
    from eduinnov.core.blobs import configured_kind

    configured_kind(app)  # an unknown EDUINNOV_EVIDENCE_STORE stops the start, with the reason

    from eduinnov import models, navigation  # noqa: F401  (models: register every table)
    from eduinnov.auth import login as auth_login
    from eduinnov.core import jinja, web
    from eduinnov.core.i18n import select_locale
    from eduinnov.extensions import babel, csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, default_translation_directories=str(ROOT / "translations"))
    auth_login.init_app(app, login_manager)
    web.init_app(app)
    jinja.init_app(app)
    navigation.init_app(app)

    for name in BLUEPRINTS:
        app.register_blueprint(importlib.import_module(name).bp)
    for name in CLI_MODULES:
        module = importlib.import_module(name)
        for command in getattr(module, "commands", None) or (module.cli,):
            app.cli.add_command(command)
    return app
