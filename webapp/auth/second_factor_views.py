"""两步验证 pages: the code after the password, setting it up, turning it off; and the rule that
an account a township requires it of does nothing else until it is set up."""

from datetime import UTC, datetime
from typing import Any

from flask import (
    Blueprint,
    Flask,
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

from webapp.auth import second_factor
from webapp.auth.forms import CodeForm, DisableSecondFactorForm
from webapp.auth.models import LoginAttempt, User
from webapp.auth.services import AuthError, complete_login
from webapp.auth.throttle import LoginThrottle, ThrottleUnavailable
from webapp.cache import cache_redis
from webapp.extensions import db

bp = Blueprint("two_factor", __name__)

PENDING = "pending_login"  # the account whose password was right, waiting for its code
PASSED = "second_factor"  # this session passed (or set up) the second factor
PENDING_SECONDS = 300
EXEMPT = frozenset(
    {
        "static",
        "health.healthz",
        "auth.login",
        "auth.logout",
        "auth.set_language",
        "two_factor.verify",
        "two_factor.setup",
    }
)


def begin(user: User, next_url: str) -> Any:
    """After the right password of an account with a second factor: ask for the code."""
    session.clear()
    now = datetime.now(UTC).timestamp()
    session[PENDING] = {"id": user.get_id(), "at": now, "next": next_url}
    return redirect(url_for("two_factor.verify"))


def _pending_user() -> tuple[User | None, str]:
    pending = session.get(PENDING) or {}
    at = pending.get("at", 0)
    if datetime.now(UTC).timestamp() - at > PENDING_SECONDS:
        return None, ""
    user_id, _sep, version = str(pending.get("id", "")).partition(":")
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or str(user.session_version) != version or not user.is_active:
        return None, ""
    return user, pending.get("next") or url_for("home.index")


def _throttle() -> LoginThrottle:
    cfg = current_app.config
    return LoginThrottle(
        cache_redis(),
        f"{cfg['CACHE_NAMESPACE']}:second-factor",
        cfg["LOGIN_MAX_FAILURES"],
        cfg["LOGIN_LOCK_MINUTES"],
    )


def _start_session(user: User) -> None:
    login_user(user)
    now = datetime.now(UTC).timestamp()
    session["login_at"] = now
    session["seen_at"] = now
    session[PASSED] = True


@bp.route("/login/second-factor", methods=["GET", "POST"])
def verify() -> Any:
    """两步验证: the code from the authenticator app, after the right password."""
    user, next_url = _pending_user()
    if user is None:
        session.pop(PENDING, None)
        flash(_("请重新输入用户名和密码"), "warning")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if not form.validate_on_submit():
        return render_template("auth/second_factor.html", form=form), (422 if form.errors else 200)
    ip = request.remote_addr or ""
    throttle = _throttle()
    try:
        if not throttle.reserve(user.username, ip):
            form.code.errors = [_("验证码错误次数过多，请稍后再试")]
            return render_template("auth/second_factor.html", form=form), 429
        if not second_factor.check_code(db.session, user, form.code.data):
            db.session.add(LoginAttempt(username=user.username, ip=ip))
            db.session.commit()
            form.code.errors = [_("验证码不正确或已使用过，请输入手机上当前显示的6位数字")]
            return render_template("auth/second_factor.html", form=form), 422
        throttle.succeeded(user.username, ip)
    except ThrottleUnavailable:
        flash(_("登录服务暂时不可用，请稍后再试"), "error")
        return render_template("auth/second_factor.html", form=form), 503
    session.clear()
    _start_session(user)
    complete_login(db.session, user, ip, second_factor=True)
    return redirect(next_url)


@bp.route("/account/second-factor", methods=["GET", "POST"])
@login_required
def setup() -> Any:
    """两步验证设置: a QR code and the secret, confirmed by one code; or its state once on."""
    user = current_user._get_current_object()
    if user.totp_enabled_at is not None:
        return render_template(
            "auth/second_factor_on.html", required=second_factor.required(db.session, user)
        )
    try:
        secret = second_factor.start_setup(db.session, user)
    except AuthError as exc:
        flash(str(exc), "info")
        return redirect(url_for("home.index"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            second_factor.confirm_setup(db.session, user, form.code.data, request.remote_addr)
        except AuthError as exc:
            form.code.errors = [str(exc)]
        else:
            _start_session(user)  # the session version moved on: other sessions are over
            flash(_("两步验证已启用，以后登录时需输入手机上的验证码"), "success")
            return redirect(url_for("two_factor.setup"))
    uri = second_factor.provisioning_uri(user, secret)
    return render_template(
        "auth/second_factor_setup.html",
        form=form,
        qr=second_factor.qr_data_uri(uri),
        secret=second_factor.grouped(secret),
        required=second_factor.required(db.session, user),
    ), (422 if form.errors else 200)


@bp.route("/account/second-factor/disable", methods=["GET", "POST"])
@login_required
def disable() -> Any:
    """关闭两步验证, with the password and a current code."""
    user = current_user._get_current_object()
    if user.totp_enabled_at is None:
        return redirect(url_for("two_factor.setup"))
    form = DisableSecondFactorForm()
    if form.validate_on_submit():
        try:
            second_factor.disable(
                db.session, user, form.password.data, form.code.data, request.remote_addr
            )
        except AuthError as exc:
            getattr(form, exc.field or "code").errors = [str(exc)]
        else:
            login_user(user)
            session.pop(PASSED, None)
            flash(_("两步验证已关闭"), "success")
            return redirect(url_for("two_factor.setup"))
    return render_template("auth/second_factor_off.html", form=form), (422 if form.errors else 200)


def init_app(app: Flask) -> None:
    """Hold an account its township requires a second factor of at the setup page until it has one."""

    @app.before_request
    def _require_second_factor() -> Any:
        if request.endpoint in EXEMPT or request.path.startswith("/api/"):
            return None
        if not current_user.is_authenticated or session.get(PASSED):
            return None
        if current_user.totp_enabled_at is not None:  # turned on elsewhere: log in again
            logout_user()
            session.clear()
            return redirect(url_for("auth.login"))
        if second_factor.required(db.session, current_user):
            flash(_("本乡镇要求启用两步验证，请先完成设置"), "warning")
            return redirect(url_for("two_factor.setup"))
        return None
