"""/ sends each user to their township (or the township picker); /t/<slug>/ is the township home."""

from datetime import date
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from webapp.audit.services import township_log
from webapp.auth.access import accessible_townships
from webapp.auth.decorators import require
from webapp.auth.models import Role
from webapp.auth.permissions import branch_limit, can
from webapp.auth.second_factor import SETTING as SECOND_FACTOR
from webapp.branches.models import Branch, BranchKind
from webapp.certificates.services import verify_months
from webapp.departures.views import long_term_days
from webapp.extensions import db
from webapp.home.forms import SettingsForm
from webapp.home.today import Today, for_committee, for_secretary
from webapp.home.township_today import for_township
from webapp.members.models import Member
from webapp.risk.rules import DEFAULTS as RISK_SETTINGS
from webapp.risk.rules import setting as risk_setting
from webapp.risk.rules import started_on
from webapp.tenancy import township_blueprint
from webapp.townships import TownshipError, do_update_settings
from webapp.transfers.services import TRANSFER_SETTINGS, setting

bp = Blueprint("home", __name__)
township_bp = township_blueprint("township", __name__)


@bp.route("/")
@login_required
def index() -> Any:
    """Straight to the only township, or to the picker when there are several."""
    townships = accessible_townships(db.session, current_user)
    if len(townships) == 1:
        return redirect(url_for("township.home", slug=townships[0].slug))
    return redirect(url_for("county.townships"))


def _township_figures() -> dict[str, int]:
    limit = branch_limit(current_user, "member.view")
    members = select(func.count(Member.id))
    if limit is not None:
        members = members.where(Member.branch_id == limit)
    return {
        "branches": db.session.scalar(select(func.count(Branch.id))) or 0,
        "mobile_branches": db.session.scalar(
            select(func.count(Branch.id)).where(Branch.kind == BranchKind.MOBILE)
        )
        or 0,
        "members": db.session.scalar(members) if can(current_user, "member.view") else 0,
    }


def _today(user: Any) -> Today | None:
    """The role's 今日待办, or None for a member (who keeps their own page)."""
    today = date.today()
    months = verify_months(g.township)
    if user.role == Role.COMMITTEE_MEMBER:
        return for_committee(db.session, user, today, months)
    if user.role == Role.BRANCH_SECRETARY:
        return for_secretary(db.session, user, today, months)
    if branch_limit(user, "member.view") is not None or not can(user, "member.view"):
        return None
    return for_township(db.session, user, g.township, today, months)


@township_bp.route("/")
def home() -> Any:
    """乡镇首页: today's work for the role, figures, shortcuts and recent changes."""
    recent = []
    if can(current_user, "audit.view"):
        recent = db.session.scalars(township_log(g.township.id).limit(8)).all()
    own = db.session.get(Member, current_user.member_id) if current_user.member_id else None
    return render_template(
        "home/township.html",
        figures=_township_figures(),
        recent=recent,
        own=own,
        todo=_today(current_user),
    )


@township_bp.route("/settings", methods=["GET", "POST"])
@require("township.settings")
def settings() -> Any:
    """乡镇设置."""
    form = SettingsForm(
        data={
            "long_term_days": long_term_days(),
            "certificate_verify_months": verify_months(g.township),
            **{k: risk_setting(g.township, k) for k in RISK_SETTINGS},
            **{k: setting(g.township, k, d) for k, d in TRANSFER_SETTINGS.items()},
            "require_second_factor": int(bool((g.township.settings or {}).get(SECOND_FACTOR))),
            "started_on": started_on(g.township),
        }
    )
    if form.validate_on_submit():
        changes = {"long_term_days": form.long_term_days.data}
        if "started_on" in request.form:  # an empty date clears it: the first import counts
            changes["started_on"] = form.started_on.data
        if form.certificate_verify_months.data is not None:
            changes["certificate_verify_months"] = form.certificate_verify_months.data
        for key in (
            *RISK_SETTINGS,
            *TRANSFER_SETTINGS,
            SECOND_FACTOR,
        ):  # left out by an older client: unchanged
            if form[key].data is not None:
                changes[key] = form[key].data
        try:
            do_update_settings(db.session, current_user, g.township, changes)
        except TownshipError as exc:
            form[exc.field].errors = [str(exc)]
        else:
            flash("设置已保存", "success")
            return redirect(url_for(".settings"))
    return render_template("home/settings.html", form=form), (422 if form.errors else 200)
