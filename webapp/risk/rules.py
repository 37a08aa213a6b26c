"""The at-risk rules: names, plain-Chinese explanations, and their township-set thresholds."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import func, inspect, select

NO_LIFE = "no_life"
NO_DUES = "no_dues"
NO_CONTACT = "no_contact"
CERT_OVERDUE = "cert_overdue"
UNKNOWN = "unknown"
NEITHER = "neither"

WARNING, RED = "warning", "red"
LEVEL_LABELS = {WARNING: lazy_gettext("提醒"), RED: lazy_gettext("红色预警")}

RULES: dict[str, str] = {
    NO_LIFE: lazy_gettext("连续未参加组织生活"),
    NO_DUES: lazy_gettext("连续未交党费"),
    NO_CONTACT: lazy_gettext("长期未联系"),
    CERT_OVERDUE: lazy_gettext("流动党员证逾期未验证"),
    UNKNOWN: lazy_gettext("去向不明"),
    NEITHER: lazy_gettext("两不管"),
}

# Township settings the rules read, with their defaults; limits live in webapp.townships.
DEFAULTS: dict[str, int] = {
    "risk_warn_months": 3,
    "risk_red_months": 5,
    "risk_contact_days": 90,
    "target_visit_pct": 100,
    "target_three_ones_pct": 90,
    "target_attendance_pct": 80,
}


@dataclass(frozen=True)
class Thresholds:
    """The numbers the board compares against, from the township's settings."""

    warn_months: int = DEFAULTS["risk_warn_months"]
    red_months: int = DEFAULTS["risk_red_months"]
    contact_days: int = DEFAULTS["risk_contact_days"]
    verify_months: int = 6
    started_on: date | None = None  # records before the township used Lianxin are not known


def started_on(township: Any) -> date | None:
    """The day the township started using Lianxin: its 启用日期 setting, else the day of its
    first roster import, else None (the records count in full)."""
    raw = (township.settings or {}).get("started_on")
    if raw:
        return date.fromisoformat(str(raw))
    from webapp.imports.models import ImportJob

    session = inspect(township).session
    if session is None:
        return None
    first = session.scalar(
        select(func.min(ImportJob.created_at)).where(ImportJob.tenant_id == township.id)
    )
    return first.date() if first else None


def setting(township: Any, key: str) -> int:
    """A township's setting for key, or its default."""
    return int((township.settings or {}).get(key, DEFAULTS[key]))


def thresholds_of(township: Any) -> Thresholds:
    """The township's thresholds (defaults where it set none)."""
    from webapp.certificates.services import verify_months

    return Thresholds(
        warn_months=setting(township, "risk_warn_months"),
        red_months=setting(township, "risk_red_months"),
        contact_days=setting(township, "risk_contact_days"),
        verify_months=verify_months(township),
        started_on=started_on(township),
    )


def explanations(t: Thresholds) -> dict[str, str]:
    """Each rule in plain Chinese, with the township's current numbers."""
    since = (
        _("没有更早记录的，从本镇启用连心之日（%(started_on)s）算起。", started_on=t.started_on)
        if t.started_on
        else _("没有更早记录的，从入党（或外出）之日算起。")
    )
    return {
        NO_LIFE: (
            _(
                "党章规定：党员无正当理由，连续六个月不参加党的组织生活，就被认为是自行脱党。党员最近一次参加组织生活（本支部现场、流入地支部或线上）距今满%(warn_months)s个月提醒，满%(red_months)s个月红色预警。%(since)s",
                warn_months=t.warn_months,
                red_months=t.red_months,
                since=since,
            )
        ),
        NO_DUES: (
            _(
                "同样依据党章“连续六个月不交纳党费”的规定：已设定月缴额的党员，欠缴月数满%(warn_months)s个月提醒，满%(red_months)s个月红色预警。预交了党费的不算欠缴；未设定月缴额的党员不参与此项；启用连心之前的月份不计欠缴。",
                warn_months=t.warn_months,
                red_months=t.red_months,
            )
        ),
        NO_CONTACT: (
            _(
                "目前在外的流动党员，最近一次联系记录（电话、微信、视频、走访、书信均可）距今超过%(contact_days)s天；本次外出以来从未联系的，从外出之日算起。%(since)s",
                contact_days=t.contact_days,
                since=since,
            )
        ),
        CERT_OVERDUE: (
            _(
                "有效的流动党员证，自上次验证（或发证）起满%(verify_months)s个月仍未验证。",
                verify_months=t.verify_months,
            )
        ),
        UNKNOWN: _("目前在外、但没有登记去向（目的地）的流动党员：必须找到，不能从统计中漏掉。"),
        NEITHER: (
            _(
                "目前在外的流动党员，没有在流入地组织报到（流入地管理中“已流入”的安排），并且流出地支部超过%(contact_days)s天没有任何联系记录：两头都没人管。%(since)s",
                contact_days=t.contact_days,
                since=since,
            )
        ),
    }


NEVER_DECIDES = lazy_gettext(
    "本页只是提醒，不作任何处理决定：是否属于“无正当理由”、如何处置，"
    "由支部了解情况后按党章和有关规定研究决定。"
)
