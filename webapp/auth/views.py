"""Login, logout, change password, API tokens, language."""

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from webapp.auth import second_factor_views
from webapp.auth.decorators import require
from webapp.auth.forms import LoginForm, PasswordForm, TokenForm
from webapp.auth.models import ApiToken, User
from webapp.auth.services import (
    AuthError,
    complete_login,
    do_change_password,
    do_login,
    do_logout,
)
from webapp.auth.throttle import LoginThrottle
from webapp.auth.tokens import do_create_token, do_revoke_token, is_expired, own_token
from webapp.cache import cache_redis
from webapp.extensions import db, login_manager

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The user whose session id (id:version) is still current."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or str(user.session_version) != version or not user.is_active:
        return None
    return user


def _safe_next(target: str | None) -> str:
    if (
        target
        and urlsplit(target).netloc == ""
        and target.startswith("/")
        and not target.startswith("//")
    ):
        return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """登录."""
    form = LoginForm()
    if form.validate_on_submit():
        cfg = current_app.config
        throttle = LoginThrottle(
            cache_redis(),
            cfg["CACHE_NAMESPACE"],
            cfg["LOGIN_MAX_FAILURES"],
            cfg["LOGIN_LOCK_MINUTES"],
        )
        try:
            user = do_login(
                db.session,
                form.username.data,
                form.password.data,
                request.remote_addr or "",
                throttle,
            )
        except AuthError as exc:
            flash(str(exc), "error")
            return render_template("auth/login.html", form=form), 200
        next_url = _safe_next(request.args.get("next"))
        if user.totp_enabled_at is not None:
            return second_factor_views.begin(user, next_url)
        session.clear()
        login_user(user)
        now = datetime.now(UTC).timestamp()
        session["login_at"] = now
        session["seen_at"] = now
        complete_login(db.session, user, request.remote_addr or "")
        return redirect(next_url)
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    """退出: ends this and every other session of the user (the session version moves on)."""
    if current_user.is_authenticated:
        do_logout(db.session, current_user)
    logout_user()
    session.clear()
    flash(_("您已安全退出"), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> Any:
    """修改密码: ends the user's other sessions."""
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            do_change_password(db.session, current_user, form.current.data, form.new.data)
        except AuthError as exc:
            field = form.current if exc.field == "current" else form.new
            field.errors = [*field.errors, str(exc)]
            return render_template("auth/password.html", form=form), 422
        login_user(current_user)
        flash(_("密码已修改，其他设备上的登录已失效"), "success")
        return redirect(url_for("home.index"))
    return render_template("auth/password.html", form=form), (422 if form.errors else 200)


@bp.route("/account/tokens", methods=["GET", "POST"])
@require("token.manage")
def tokens() -> Any:
    """API令牌: list (scope, expiry, last use), create (the clear text is shown once)."""
    form = TokenForm()
    created = None
    if form.validate_on_submit():
        try:
            _token, created = do_create_token(
                db.session, current_user, form.name.data, form.scope.data, form.days.data
            )
        except AuthError as exc:
            getattr(form, exc.field or "name").errors = [str(exc)]
    rows = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.id.desc())
    ).all()
    status = 422 if form.errors else 200
    return render_template(
        "auth/tokens.html", form=form, rows=rows, created=created, is_expired=is_expired
    ), status


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["GET", "POST"])
@require("token.manage")
def revoke_token(token_id: int) -> Any:
    """Revoke one of the user's tokens, after a confirmation page."""
    try:
        token = own_token(db.session, current_user, token_id)
    except AuthError:
        abort(404)
    if request.method == "GET":
        return render_template("auth/token_revoke.html", token=token)
    do_revoke_token(db.session, current_user, token_id)
    flash(_("令牌已吊销"), "success")
    return redirect(url_for("auth.tokens"))


@bp.route("/lang/<code>", methods=["POST"])
def set_language(code: str) -> Any:
    """Switch between 中文 and English."""
    if code not in ("zh_CN", "en"):
        abort(404)
    session["lang"] = code
    return redirect(_safe_next(request.form.get("next")))
