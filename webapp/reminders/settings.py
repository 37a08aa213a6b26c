"""A township's reminder settings: which rules run with what lead time, reworded templates, SMS
template ids, quiet hours and caps. Stored in township.settings; read here and nowhere else."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from notifications.channels import sms_templates_setting
from notifications.models import Channel
from notifications.policy import TOWNSHIP_LIMITS, Policy
from notifications.templates import MessageTemplate, SmsTemplate
from tenants.models import Township
from webapp.reminders.rules import Rule


def _section(township: Township, name: str) -> dict[str, Any]:
    return dict((township.settings or {}).get(name) or {})


@dataclass(frozen=True)
class RuleSetting:
    """Whether a rule runs in the township, and its lead time there."""

    enabled: bool
    lead_days: int


def clamped_lead(rule: Rule, given: Any) -> int:
    """given as a lead time within the rule's range; the rule's default when it is no number."""
    low, high = rule.lead_range
    try:
        return min(high, max(low, int(given)))
    except (TypeError, ValueError):
        return rule.lead_days


def rule_setting(township: Township, rule: Rule) -> RuleSetting:
    """The township's choice for rule, or the rule's defaults."""
    own = (_section(township, "reminders").get("rules") or {}).get(rule.key) or {}
    lead = clamped_lead(rule, own.get("lead_days", rule.lead_days))
    return RuleSetting(bool(own.get("enabled", rule.enabled_by_default)), lead)


def templates_for(township: Township, rule: Rule) -> dict[Channel, MessageTemplate]:
    """The rule's templates with the township's rewordings in place."""
    own = (_section(township, "reminders").get("templates") or {}).get(rule.key) or {}
    merged = dict(rule.templates)
    for channel in rule.templates:
        override = own.get(channel.value)
        if override and override.get("body"):
            merged[channel] = MessageTemplate(override.get("subject", ""), override["body"])
    return merged


def is_reworded(township: Township, rule: Rule, channel: Channel) -> bool:
    """Has the township its own wording for this rule and channel?"""
    own = (_section(township, "reminders").get("templates") or {}).get(rule.key) or {}
    return bool((own.get(channel.value) or {}).get("body"))


def sms_template_for(township: Township, config: Mapping[str, Any], rule: Rule) -> SmsTemplate:
    """The provider template of rule: the township's, else the deployment's (SMS_TEMPLATES)."""
    own = (_section(township, "notifications").get("sms_templates") or {}).get(rule.key)
    if own:
        return SmsTemplate.from_dict(own)
    return SmsTemplate.from_dict(sms_templates_setting(config.get("SMS_TEMPLATES")).get(rule.key))


@dataclass(frozen=True)
class Delivery:
    """The township's delivery settings as the settings form shows them."""

    quiet_hours: str
    sms_per_number_daily: int
    sms_per_township_daily: int
    sign_name: str
    max_per_number: int
    max_per_township: int


def delivery_settings(township: Township, config: Mapping[str, Any]) -> Delivery:
    """Quiet hours, caps (with the deployment's maxima) and the SMS signature."""
    policy = Policy.for_township(config, township)
    return Delivery(
        quiet_hours=f"{policy.quiet_start:%H:%M}-{policy.quiet_end:%H:%M}",
        sms_per_number_daily=policy.sms_per_number_daily,
        sms_per_township_daily=policy.sms_per_township_daily,
        sign_name=str(_section(township, "notifications").get("sign_name") or ""),
        max_per_number=min(
            TOWNSHIP_LIMITS["sms_per_number_daily"][1],
            int(config.get("NOTIFY_SMS_PER_NUMBER_DAILY", 50)),
        ),
        max_per_township=int(config.get("NOTIFY_SMS_PER_TOWNSHIP_DAILY", 5000)),
    )
