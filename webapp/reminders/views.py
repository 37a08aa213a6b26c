"""Reminder pages for officers: the delivery log, one message (resend), settings, wording, and a
member's reminder preferences."""

from datetime import date
from typing import Any

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from notifications.models import (
    CHANNEL_LABELS,
    STATE_LABELS,
    Message,
    Preference,
    RecipientKind,
)
from notifications.queries import LogFilters, delivery_log, rules_in_log, stats
from notifications.service import preferences_of
from tenants.access import get_for_write, get_in_tenant
from tenants.db import utcnow
from webapp.auth.decorators import require
from webapp.auth.permissions import can
from webapp.extensions import db
from webapp.members.models import Member
from webapp.pagination import paginate
from webapp.reminders.catch_up import CATCH_UP_LABELS, PER_DAY_RANGE, calendar, preview
from webapp.reminders.engine import rule_choices, rule_label
from webapp.reminders.forms import DeliveryForm, PreferenceForm, SmsTemplateForm, TemplateForm
from webapp.reminders.receipts import callback_urls, do_rotate_secret, shared_callback_urls
from webapp.reminders.rules import load_rules
from webapp.reminders.services import (
    ReminderInvalid,
    do_resend,
    do_reset_template,
    do_save_sms_template,
    do_save_template,
    do_set_preferences,
    do_update_settings,
)
from webapp.reminders.settings import (
    clamped_lead,
    delivery_settings,
    is_reworded,
    rule_setting,
    sms_template_for,
    templates_for,
)
from webapp.tenancy import township_blueprint
from webapp.urls import public_base_url

bp = township_blueprint("reminders", __name__, "/reminders")


def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.route("/")
@require("reminder.log")
def index() -> Any:
    """提醒记录: the delivery log with filters, failure counts and queue depth."""
    args = request.args
    filters = LogFilters(
        rule=args.get("rule", ""),
        state=args.get("state", ""),
        channel=args.get("channel", ""),
        date_from=_day("date_from"),
        date_to=_day("date_to"),
        q=args.get("q", "").strip(),
        timezone=g.township.timezone,
    )
    page = paginate(db.session, delivery_log(filters))
    rules = dict(rule_choices())
    for key in rules_in_log(db.session):
        rules.setdefault(key, key)
    return render_template(
        "reminders/index.html",
        page=page,
        f=filters,
        counts=stats(db.session, g.township.timezone),
        rules=rules,
        states=STATE_LABELS,
        channels=CHANNEL_LABELS,
        rule_label=rule_label,
    )


@bp.route("/<int:message_id>")
@require("reminder.log")
def show(message_id: int) -> Any:
    """One message: where it stands, why, and (when it failed) a resend."""
    message = get_in_tenant(db.session, Message, message_id)
    fallback = None
    if message.fallback_of_id:
        fallback = db.session.get(Message, message.fallback_of_id)
    return render_template("reminders/show.html", m=message, rule_label=rule_label, origin=fallback)


@bp.route("/<int:message_id>/resend", methods=["POST"])
@require("reminder.manage")
def resend(message_id: int) -> Any:
    """Queue a failed or suppressed message again (the page asked for confirmation)."""
    message = get_for_write(db.session, Message, message_id)
    try:
        do_resend(db.session, current_user, message)
    except ReminderInvalid as exc:
        db.session.rollback()
        flash("；".join(map(str, exc.errors.values())), "error")
    else:
        flash(_("已重新排队发送，稍后刷新查看结果"), "success")
    return redirect(url_for(".show", message_id=message.id))


def _rules_data() -> dict[str, dict[str, Any]]:
    return {
        key: {
            "enabled": request.form.get(f"enabled_{key}") == "y",
            "lead_days": request.form.get(f"lead_{key}", ""),
        }
        for key in load_rules()
    }


@bp.route("/settings", methods=["GET", "POST"])
@require("reminder.manage")
def settings() -> Any:
    """提醒设置: rules on/off with their lead time; quiet hours, caps, SMS signature."""
    delivery = delivery_settings(g.township, current_app.config)
    form = DeliveryForm(data=delivery.__dict__)
    errors: dict[str, str] = {}
    if form.is_submitted():
        data = {**form.data_for_service(), "rules": _rules_data()}
        maxima = {
            "sms_per_number_daily": delivery.max_per_number,
            "sms_per_township_daily": delivery.max_per_township,
        }
        switching = _switching_on(data["rules"])
        confirmed = request.form.get("confirmed") == "1"
        if switching and not confirmed and form.validate():
            return _confirm_page(switching, data["rules"], {})
        choices = {
            r.key: (request.form.get(f"catch_up_{r.key}"), request.form.get(f"per_day_{r.key}"))
            for r in switching
        }
        try:
            if not form.validate():
                raise ReminderInvalid({})
            do_update_settings(db.session, current_user, g.township, data, maxima, choices)
        except ReminderInvalid as exc:
            db.session.rollback()
            errors = exc.errors
            if switching and any(k.startswith(("catch_up_", "per_day_")) for k in errors):
                return _confirm_page(switching, data["rules"], errors)
            form.attach_errors(errors)
        else:
            flash(_("提醒设置已保存"), "success")
            return redirect(url_for(".settings"))
    rules = [(rule, rule_setting(g.township, rule)) for rule in load_rules().values()]
    status = 422 if form.errors or errors else 200
    base = public_base_url()
    receipts = callback_urls(g.township, base, current_app.config["SMS_PROVIDER"])
    shared = shared_callback_urls(base, current_app.config["SMS_PROVIDER"])
    return render_template(
        "reminders/settings.html",
        form=form,
        rules=rules,
        errors=errors,
        delivery=delivery,
        receipts=receipts,
        shared_receipts=shared,
    ), status


def _switching_on(rules_in: dict[str, dict[str, Any]]) -> list[Any]:
    """The rules this submission turns on that are off now."""
    return [
        rule
        for key, rule in load_rules().items()
        if rules_in[key]["enabled"] and not rule_setting(g.township, rule).enabled
    ]


def _confirm_page(switching: list[Any], rules_in: dict[str, Any], errors: dict[str, str]) -> Any:
    """开启提醒前确认: who would get what now, how the backlog goes, what follows this week."""
    now = utcnow()
    previews = [
        preview(
            db.session, g.township, rule, clamped_lead(rule, rules_in[rule.key]["lead_days"]), now
        )
        for rule in switching
    ]
    skip = {"csrf_token", "confirmed"}
    fields = [
        (k, v)
        for k, v in request.form.items(multi=True)
        if k not in skip and not k.startswith(("catch_up_", "per_day_"))
    ]
    return render_template(
        "reminders/confirm_rules.html",
        previews=previews,
        fields=fields,
        errors=errors,
        modes=CATCH_UP_LABELS,
        channel_labels=CHANNEL_LABELS,
        per_day_range=PER_DAY_RANGE,
    ), (422 if errors else 200)


@bp.route("/calendar")
@require("reminder.log")
def week() -> Any:
    """未来7天提醒日历: what the switched-on rules will send each day, if nothing changes."""
    days = calendar(db.session, g.township, utcnow())
    return render_template("reminders/calendar.html", days=days)


@bp.route("/settings/receipts", methods=["POST"])
@require("reminder.manage")
def rotate_receipts() -> Any:
    """Make a new receipt secret: the callback URLs change and the old ones stop working."""
    do_rotate_secret(db.session, current_user, g.township)
    flash(_("已生成新的回执地址，请到短信服务商控制台更新回调地址"), "success")
    return redirect(url_for(".settings") + "#receipts")


def _save_wording(rule: Any, target: str, form: Any) -> None:
    """Save what the posted form (target) asks for: a channel's wording, a reset, the SMS id."""
    channels = {c.value for c in rule.templates}
    if target.startswith("reset-") and target[6:] in channels:
        do_reset_template(db.session, current_user, g.township, rule.key, target[6:])
    elif form is None or not form.validate():
        raise ReminderInvalid({} if form is not None else {"target": _("表单已过期，请刷新后重试")})
    elif target == "provider":
        do_save_sms_template(
            db.session,
            current_user,
            g.township,
            rule.key,
            form.template_id.data or "",
            form.params.data or "",
        )
    else:
        do_save_template(
            db.session,
            current_user,
            g.township,
            rule.key,
            target,
            form.subject.data or "",
            form.body.data or "",
        )


@bp.route("/templates", methods=["GET", "POST"])
@require("reminder.manage")
def templates() -> Any:
    """One rule's wording per channel and its SMS provider template (?rule=...)."""
    rule = load_rules().get(request.args.get("rule", ""))
    if rule is None:
        abort(404)
    forms = {}
    current = templates_for(g.township, rule)
    for channel in rule.templates:
        template = current[channel]
        forms[channel] = TemplateForm(
            prefix=channel.value,
            data={"channel": channel.value, "subject": template.subject, "body": template.body},
        )
    sms = sms_template_for(g.township, current_app.config, rule)
    params_text = "\n".join(f"{k}={v}" for k, v in sms.params.items())
    sms_form = SmsTemplateForm(
        prefix="provider", data={"template_id": sms.template_id, "params": params_text}
    )
    targets: dict[str, Any] = {c.value: f for c, f in forms.items()} | {"provider": sms_form}
    if request.method == "POST":
        target = request.form.get("target", "")
        form = targets.get(target)
        try:
            _save_wording(rule, target, form)
        except ReminderInvalid as exc:
            db.session.rollback()
            if form is not None:
                form.attach_errors(exc.errors)
            else:
                flash("；".join(map(str, exc.errors.values())), "error")
        else:
            flash(
                _("已恢复默认模板") if target.startswith("reset-") else _("模板已保存"), "success"
            )
            return redirect(url_for(".templates", rule=rule.key))
    failed = any(f.errors for f in [*forms.values(), sms_form])
    return render_template(
        "reminders/templates.html",
        rule=rule,
        forms=forms,
        sms_form=sms_form,
        reworded={c: is_reworded(g.township, rule, c) for c in rule.templates},
        labels=CHANNEL_LABELS,
    ), (422 if failed else 200)


@bp.route("/members/<int:member_id>/preferences", methods=["GET", "POST"])
@require("reminder.preferences")
def member_preferences(member_id: int) -> Any:
    """A member's reminder channel and choices, set by an officer on their behalf."""
    member = get_in_tenant(db.session, Member, member_id)
    if not can(current_user, "reminder.preferences", member.branch_id):
        abort(404)
    key = (RecipientKind.MEMBER.value, member.id)
    pref: Preference | None = preferences_of(db.session, [key]).get(key)
    form = PreferenceForm(
        data={
            "channel": pref.channel.value if pref and pref.channel else "",
            "declines_optional": bool(pref and pref.declines_optional),
        }
    )
    if form.validate_on_submit():
        try:
            do_set_preferences(
                db.session,
                current_user,
                g.township.id,
                RecipientKind.MEMBER,
                member.id,
                form.data_for_service(),
            )
        except ReminderInvalid as exc:
            db.session.rollback()
            form.attach_errors(exc.errors)
        else:
            flash(_("提醒方式已保存"), "success")
            return redirect(url_for(".member_preferences", member_id=member.id))
    recent = db.session.scalars(
        delivery_log(LogFilters())
        .where(Message.recipient_kind == RecipientKind.MEMBER, Message.recipient_id == member.id)
        .limit(10)
    ).all()
    return render_template(
        "reminders/member_preferences.html",
        member=member,
        form=form,
        pref=pref,
        recent=recent,
        rule_label=rule_label,
    ), (422 if form.errors else 200)
