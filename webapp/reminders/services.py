"""Reminder writes, each validated and audited: settings, wording, resend, people's choices."""

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from notifications.models import Channel, Message, Preference, RecipientKind
from notifications.policy import TOWNSHIP_LIMITS, parse_hhmm
from notifications.service import (
    EMAIL_RE,
    PHONE_RE,
    preference_for,
    reopen,
    set_preference,
)
from notifications.templates import (
    SmsTemplate,
    TemplateInvalid,
    check_message,
    check_sms,
    parse_sms_params,
)
from tenants.db import utcnow
from tenants.models import Township
from webapp.audit.services import record
from webapp.auth.models import User
from webapp.idnumber import mask_phone
from webapp.jobs import enqueue_after_commit
from webapp.members.models import Member
from webapp.reminders.catch_up import FROM_NOW, PACED, hold_backlog, parse_choice
from webapp.reminders.engine import DISPATCH_TASK
from webapp.reminders.rules import load_rules
from webapp.reminders.settings import rule_setting


class ReminderInvalid(ValueError):
    """Field name -> Chinese message; nothing was written."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _store(township: Township, section: str, values: dict[str, Any]) -> None:
    """Replace one section of township.settings (a new dict, so the JSON change is seen)."""
    township.settings = {**(township.settings or {}), section: values}


def _int_in(errors: dict[str, str], key: str, value: Any, low: int, high: int, label: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = low - 1
    if not low <= number <= high:
        errors[key] = f"{label}应为{low}至{high}之间的整数"
    return number


def do_update_settings(
    session: Session,
    actor: Any,
    township: Township,
    data: Mapping[str, Any],
    maxima: Mapping[str, int],
    catch_up: Mapping[str, tuple[str, Any]] | None = None,
) -> Township:
    """Rules on/off with their lead time; quiet hours, caps and the SMS signature.

    A rule switched on holds its backlog as the officer chose in catch_up (rule key -> (mode,
    per day); by default nothing already due is sent), in the same transaction."""
    errors: dict[str, str] = {}
    rules_in = data.get("rules") or {}
    rules_out: dict[str, dict[str, Any]] = {}
    for key, rule in load_rules().items():
        given = rules_in.get(key) or {}
        low, high = rule.lead_range
        lead = _int_in(
            errors,
            f"lead_{key}",
            given.get("lead_days", rule.lead_days),
            low,
            high,
            rule.lead_label,
        )
        rules_out[key] = {"enabled": bool(given.get("enabled")), "lead_days": lead}
    quiet = str(data.get("quiet_hours") or "").replace("–", "-").replace(" ", "")
    start, _, end = quiet.partition("-")
    if parse_hhmm(start) is None or parse_hhmm(end) is None:
        errors["quiet_hours"] = "免打扰时段应写成 21:00-08:00 的格式"
    caps = {}
    for key, (low, high, label) in TOWNSHIP_LIMITS.items():
        caps[key] = _int_in(
            errors, key, data.get(key), low, min(high, maxima.get(key, high)), label
        )
    sign_name = str(data.get("sign_name") or "").strip()
    if len(sign_name) > 12:
        errors["sign_name"] = "短信签名不能超过12个字符"
    if errors:
        raise ReminderInvalid(errors)
    switched_on = [k for k, v in rules_out.items() if v["enabled"] and not _is_on(township, k)]
    choices = {
        k: parse_choice(errors, k, *(catch_up or {}).get(k, (FROM_NOW, 0))) for k in switched_on
    }
    if errors:
        raise ReminderInvalid(errors)
    now = utcnow()
    for key, value in rules_out.items():
        old = ((township.settings or {}).get("reminders") or {}).get("rules", {}).get(key) or {}
        if key in switched_on:
            value["since"] = now.isoformat(timespec="seconds")
        elif value["enabled"] and old.get("since"):
            value["since"] = old["since"]
    before = {k: (township.settings or {}).get(k) for k in ("reminders", "notifications")}
    reminders = dict((township.settings or {}).get("reminders") or {})
    reminders["rules"] = rules_out
    notifications = dict((township.settings or {}).get("notifications") or {})
    notifications.update(quiet_hours=f"{start}-{end}", sign_name=sign_name, **caps)
    _store(township, "reminders", reminders)
    _store(township, "notifications", notifications)
    after = {k: (township.settings or {}).get(k) for k in ("reminders", "notifications")}
    record(
        session,
        actor,
        "reminders.settings_changed",
        "township",
        township.id,
        tenant_id=township.id,
        before=before,
        after=after,
    )
    for key, (mode, per_day) in choices.items():
        held = hold_backlog(session, township, load_rules()[key], mode, per_day, now)
        record(
            session,
            actor,
            "reminders.rule_enabled",
            "township",
            township.id,
            tenant_id=township.id,
            after={"rule": key, "catch_up": mode, "per_day": per_day, "backlog": held},
        )
    session.commit()
    if any(mode == PACED for mode, _ in choices.values()):
        enqueue_after_commit(session, DISPATCH_TASK, township.id)
    return township


def _is_on(township: Township, key: str) -> bool:
    return rule_setting(township, load_rules()[key]).enabled


def _rule(key: str) -> Any:
    rule = load_rules().get(key)
    if rule is None:
        raise ReminderInvalid({"rule": "没有这条提醒规则"})
    return rule


def do_save_template(
    session: Session,
    actor: Any,
    township: Township,
    rule_key: str,
    channel: str,
    subject: str,
    body: str,
) -> Township:
    """Reword one rule's message for one channel; an unknown placeholder is refused by name."""
    rule = _rule(rule_key)
    if channel not in {c.value for c in rule.templates}:
        raise ReminderInvalid({"channel": "该规则没有这个渠道的模板"})
    try:
        check_message(subject, body, rule.placeholders)
    except TemplateInvalid as exc:
        raise ReminderInvalid(exc.errors) from exc
    reminders = dict((township.settings or {}).get("reminders") or {})
    templates = {k: dict(v) for k, v in (reminders.get("templates") or {}).items()}
    before = templates.get(rule.key, {}).get(channel)
    templates.setdefault(rule.key, {})[channel] = {"subject": subject, "body": body}
    reminders["templates"] = templates
    _store(township, "reminders", reminders)
    record(
        session,
        actor,
        "reminders.template_changed",
        "township",
        township.id,
        tenant_id=township.id,
        before={"rule": rule.key, "channel": channel, "template": before},
        after={
            "rule": rule.key,
            "channel": channel,
            "template": {"subject": subject, "body": body},
        },
    )
    session.commit()
    return township


def do_reset_template(
    session: Session, actor: Any, township: Township, rule_key: str, channel: str
) -> Township:
    """Go back to the rule's own wording for one channel."""
    rule = _rule(rule_key)
    reminders = dict((township.settings or {}).get("reminders") or {})
    templates = {k: dict(v) for k, v in (reminders.get("templates") or {}).items()}
    before = templates.get(rule.key, {}).pop(channel, None)
    reminders["templates"] = templates
    _store(township, "reminders", reminders)
    record(
        session,
        actor,
        "reminders.template_changed",
        "township",
        township.id,
        tenant_id=township.id,
        before={"rule": rule.key, "channel": channel, "template": before},
        after={"rule": rule.key, "channel": channel, "template": None},
    )
    session.commit()
    return township


def do_save_sms_template(
    session: Session,
    actor: Any,
    township: Township,
    rule_key: str,
    template_id: str,
    params_text: str,
) -> Township:
    """The provider's approved template id for a rule and its variables (name=placeholder)."""
    rule = _rule(rule_key)
    try:
        sms = SmsTemplate(template_id.strip(), parse_sms_params(params_text))
        check_sms(sms, rule.placeholders)
    except TemplateInvalid as exc:
        raise ReminderInvalid(exc.errors) from exc
    notifications = dict((township.settings or {}).get("notifications") or {})
    mapping = dict(notifications.get("sms_templates") or {})
    before = mapping.get(rule.key)
    mapping[rule.key] = sms.as_dict()
    notifications["sms_templates"] = mapping
    _store(township, "notifications", notifications)
    record(
        session,
        actor,
        "reminders.sms_template_changed",
        "township",
        township.id,
        tenant_id=township.id,
        before={"rule": rule.key, "sms": before},
        after={"rule": rule.key, "sms": sms.as_dict()},
    )
    session.commit()
    return township


def current_address(session: Session, message: Message) -> str | None:
    """The recipient's address for the message's channel as it is now (a corrected number)."""
    if message.channel == Channel.INAPP:
        return None
    target = (
        session.get(Member, message.recipient_id)
        if message.recipient_kind == RecipientKind.MEMBER
        else session.get(User, message.recipient_id)
    )
    if target is None:
        return None
    return (target.phone if message.channel == Channel.SMS else target.email) or None


def do_resend(session: Session, actor: Any, message: Message) -> Message:
    """Queue a failed or suppressed message again (to the recipient's current address)."""
    if not message.resendable:
        raise ReminderInvalid({"state": "只有失败或未发送的提醒可以重发"})
    before = {
        "state": message.state.value,
        "reason": message.reason,
        "address": message.address_masked,
    }
    address = current_address(session, message)
    if message.channel != Channel.INAPP and not (address or message.address):
        label = "手机号" if message.channel == Channel.SMS else "电子邮箱"
        raise ReminderInvalid({"address": f"接收人没有登记{label}，请先补充联系方式"})
    if address is not None and message.channel == Channel.SMS and not PHONE_RE.match(address):
        raise ReminderInvalid({"address": "接收人的手机号格式不正确，请先修改党员信息"})
    reopen(session, message, address)
    record(
        session,
        actor,
        "notification.resent",
        "notification",
        message.id,
        tenant_id=message.tenant_id,
        before=before,
        after={"state": message.state.value, "address": message.address_masked},
    )
    enqueue_after_commit(session, DISPATCH_TASK, message.tenant_id)
    session.commit()
    return message


def _preference_view(pref: Preference) -> dict[str, Any]:
    return {
        "channel": pref.channel.value if pref.channel else None,
        "declines_optional": pref.declines_optional,
        "invalid_phone": mask_phone(pref.invalid_phone),
        "invalid_email": "***" if pref.invalid_email else "",
    }


def do_set_preferences(
    session: Session,
    actor: Any,
    tenant_id: int,
    kind: RecipientKind,
    ident: int,
    data: Mapping[str, Any],
) -> Preference:
    """A recipient's channel and whether they take non-essential reminders."""
    channel = data.get("channel") or None
    if channel is not None and channel not in {c.value for c in Channel}:
        raise ReminderInvalid({"channel": "请选择短信、电子邮件或站内消息"})
    pref = preference_for(session, tenant_id, kind, ident)
    before = _preference_view(pref)
    set_preference(
        session,
        tenant_id,
        kind,
        ident,
        Channel(channel) if channel else None,
        bool(data.get("declines_optional")),
        clear_invalid=bool(data.get("clear_invalid")),
    )
    entity = "member" if kind == RecipientKind.MEMBER else "user"
    record(
        session,
        actor,
        "notification.preferences_changed",
        entity,
        ident,
        tenant_id=tenant_id,
        before=before,
        after=_preference_view(pref),
    )
    session.commit()
    return pref


def do_update_contact(
    session: Session, actor: Any, user: User, tenant_id: int, data: Mapping[str, Any]
) -> User:
    """An officer's own e-mail and mobile number, for reminders addressed to them."""
    email = str(data.get("email") or "").strip()
    phone = str(data.get("phone") or "").strip()
    errors: dict[str, str] = {}
    if email and not EMAIL_RE.match(email):
        errors["email"] = "电子邮箱格式不正确"
    if phone and not PHONE_RE.match(phone):
        errors["phone"] = "手机号应为11位数字，以1开头"
    if errors:
        raise ReminderInvalid(errors)
    before = {"email": "***" if user.email else "", "phone": mask_phone(user.phone)}
    user.email, user.phone = email or None, phone or None
    record(
        session,
        actor,
        "user.contact_changed",
        "user",
        user.id,
        tenant_id=tenant_id,
        before=before,
        after={"email": "***" if email else "", "phone": mask_phone(phone)},
    )
    session.commit()
    return user
