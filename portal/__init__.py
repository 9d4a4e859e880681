"""The provider portal for Individual Support Plans."""
from pathlib import Path

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from portal.config import PROJECT_ROOT, check_config, engine_options, finish_config, load_config
from portal.extensions import babel, csrf, db, login_manager, migrate


def create_app(test_config=None, instance_path=None):
    app = Flask(__name__, instance_path=instance_path or str(PROJECT_ROOT / "instance"),
                instance_relative_config=False)
    app.config.update(load_config(app.instance_path))
    if test_config:
        app.config.update(test_config)
    finish_config(app.config, app.instance_path, explicit=set(test_config or ()))
    check_config(app.config)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    register_extensions(app)
    register_templates(app)
    register_security(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app)
    return app


def register_extensions(app):
    db.init_app(app)
    with app.app_context():
        _tune_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app)  # staff pages are English; customer pages choose their words per language
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = None
    # Sessions are checked against the database (portal.security.sessions); IP/UA binding only logs
    # out people on mobile networks.
    login_manager.session_protection = None

    from portal.security.sessions import load_user_for_token

    login_manager.user_loader(load_user_for_token)

    @login_manager.unauthorized_handler
    def sign_in_again():
        from flask import flash, redirect, request, url_for

        from portal.drafts import stash_expired_post

        if stash_expired_post():
            flash("You were signed out, so your changes were not saved yet. Sign in again to get them back.")
        target = request.full_path if request.method == "GET" else request.path
        return redirect(url_for("auth.sign_in", next=target.rstrip("?")))


def _tune_sqlite(engine, busy_timeout_ms):
    """SQLite enforces foreign keys only when asked, per connection; waiting beats 'database is locked'."""
    if engine.dialect.name != "sqlite":
        return
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


def register_templates(app):
    from govuk_frontend_wtf.main import WTFormsHelpers

    from portal import template_helpers, templating, widgets

    app.jinja_loader = ChoiceLoader([
        FileSystemLoader(str(PROJECT_ROOT / "templates")),
        PrefixLoader({
            "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
            "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
        }),
    ])
    templating.register(app)  # before any template is loaded: each keeps the class it was made with
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    WTFormsHelpers(app)
    template_helpers.register(app)
    widgets.register(app)


def register_security(app):
    from portal import headers
    from portal.security import network

    network.register(app)
    headers.register(app)


def register_blueprints(app):
    from portal import converters

    converters.register(app)  # before any route is added: rules bind their converters when added
    from portal.views import (
        admin, api, auth, caseload, cohorts, consents, customers, documents, employer_signing, health, home, hours,
        in_work, inspection_reports, inspections, jobs, mi, packs, plan_progress, plan_reviews, plan_signing, plans,
        policy, queue, referrals, signing, staff, verify,
    )
    # imported for the routes they add to the plans, inspections and hours blueprints
    del plan_progress, plan_reviews, plan_signing, inspection_reports, jobs

    for module in (auth, home, queue, admin, staff, referrals, caseload, customers, consents, plans, documents, hours, cohorts,
                   packs, inspections, mi, policy, signing, verify, health, api, in_work, employer_signing):
        app.register_blueprint(module.bp)


def register_error_handlers(app):
    from portal import errors

    errors.register(app)


def register_commands(app):
    from portal import cli

    cli.register(app)
