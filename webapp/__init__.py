"""Lianxin web application: create_app() builds it; importing this module does nothing else."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask, flash, redirect, request, session, url_for
from flask_babel import get_locale, gettext, lazy_gettext
from flask_login import current_user, logout_user
from werkzeug.middleware.proxy_fix import ProxyFix

from webapp import redaction
from webapp.config import from_env
from webapp.crypto import keyring
from webapp.extensions import babel, csrf, db, login_manager
from webapp.i18n import select_locale
from webapp.inputs import BoundedIntConverter
from webapp.safejson import SafeJSONProvider, SafeRequest


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app; config overrides what the environment says."""
    app = Flask(__name__, instance_relative_config=True)
    app.request_class = SafeRequest
    app.json = SafeJSONProvider(app)
    app.url_map.converters["int"] = BoundedIntConverter
    settings = from_env(Path(app.instance_path))
    settings.update(config or {})
    app.config.update(settings)
    if hops := int(app.config["LIANXIN_TRUSTED_PROXIES"]):
        # only the configured hops' X-Forwarded-For/-Proto are believed; the Host stays as sent
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    keyring.configure(app.config["DATA_KEYS"], app.config["INDEX_KEY"])
    redaction.install()

    db.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("请先登录")
    login_manager.session_protection = "strong"

    from webapp import headers, templating, tenancy
    from webapp.errors import register_error_handlers

    tenancy.init_app(app)
    headers.init_app(app)
    templating.init_app(app)
    _register_blueprints(app)
    register_error_handlers(app)
    _install_session_timeouts(app)
    from webapp.auth import second_factor_views

    second_factor_views.init_app(app)
    app.jinja_env.globals["get_locale"] = get_locale

    from workers.celery_app import celery_init_app

    celery_init_app(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from webapp.activities.views import bp as activities_bp
    from webapp.api import init_api
    from webapp.audit.views import bp as audit_bp
    from webapp.auth.second_factor_views import bp as two_factor_bp
    from webapp.auth.views import bp as auth_bp
    from webapp.branches.views import bp as branches_bp
    from webapp.certificates.public import bp as certificates_public_bp
    from webapp.certificates.views import bp as certificates_bp
    from webapp.contributions.views import bp as contributions_bp
    from webapp.contributions.views import support_bp
    from webapp.county.views import bp as county_bp
    from webapp.departures.views import bp as departures_bp
    from webapp.directory.views import bp as directory_bp
    from webapp.dues.views import bp as dues_bp
    from webapp.duties.three_ones_views import bp as three_ones_bp
    from webapp.duties.views import bp as duties_bp
    from webapp.health import bp as health_bp
    from webapp.home.views import bp as home_bp
    from webapp.home.views import township_bp
    from webapp.imports.views import bp as imports_bp
    from webapp.members.views import bp as members_bp
    from webapp.placements.inflow_views import bp as inflow_bp
    from webapp.placements.views import bp as placements_bp
    from webapp.reminders.inbox import bp as notifications_bp
    from webapp.reminders.receipts import bp as sms_receipts_bp
    from webapp.reminders.views import bp as reminders_bp
    from webapp.reports.views import bp as reports_bp
    from webapp.risk.views import bp as risk_bp
    from webapp.risk.views import county_bp as risk_county_bp
    from webapp.transfers.county_views import bp as county_transfers_bp
    from webapp.transfers.incoming_views import bp as incoming_bp
    from webapp.transfers.letter_views import bp as letters_bp
    from webapp.transfers.public import bp as letters_public_bp
    from webapp.transfers.views import bp as transfers_bp

    for bp in (
        auth_bp,
        two_factor_bp,
        home_bp,
        township_bp,
        branches_bp,
        directory_bp,
        members_bp,
        departures_bp,
        placements_bp,
        inflow_bp,
        transfers_bp,
        incoming_bp,
        letters_public_bp,
        letters_bp,
        duties_bp,
        three_ones_bp,
        certificates_bp,
        certificates_public_bp,
        reports_bp,
        imports_bp,
        reminders_bp,
        activities_bp,
        dues_bp,
        contributions_bp,
        support_bp,
        notifications_bp,
        sms_receipts_bp,
        audit_bp,
        county_bp,
        county_transfers_bp,
        risk_bp,
        risk_county_bp,
        health_bp,
    ):
        app.register_blueprint(bp)
    init_api(app)


def _install_session_timeouts(app: Flask) -> None:
    idle = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
    absolute = timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"])

    @app.before_request
    def _enforce_timeouts() -> Any:
        if request.endpoint in ("static", "health.healthz") or not current_user.is_authenticated:
            return None
        if request.path.startswith("/api/"):
            return None
        now = datetime.now(UTC).timestamp()
        login_at = session.get("login_at", 0)
        seen_at = session.get("seen_at", 0)
        if now - login_at > absolute.total_seconds() or now - seen_at > idle.total_seconds():
            logout_user()
            session.clear()
            flash(gettext("登录已超时，请重新登录"), "warning")
            return redirect(url_for("auth.login", next=request.full_path))
        session["seen_at"] = now
        return None
