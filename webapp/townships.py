"""Township and county writes (platform level): create and update, with audit entries."""

from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.context import system_context_unsafe
from tenants.models import County, Township
from webapp.audit.services import record, snapshot

FIELDS = ("name", "slug", "division_code", "county_id")


class TownshipError(ValueError):
    """A township change that cannot be made; field names the input field."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def _check_slug_free(session: Session, slug: str, township_id: int | None) -> None:
    other = session.scalar(select(Township).where(Township.slug == slug))
    if other is not None and other.id != township_id:
        raise TownshipError(_("该标识已被其他乡镇使用"), "slug")


def do_create_county(session: Session, actor: Any, name: str, code: str) -> County:
    """Create a county."""
    if session.scalar(select(County).where(County.code == code)) is not None:
        raise TownshipError(_("该县(区)代码已存在"), "code")
    county = County(name=name, code=code)
    session.add(county)
    session.flush()
    record(
        session,
        actor,
        "county.created",
        "county",
        county.id,
        tenant_id=None,
        after={"name": name, "code": code},
    )
    session.commit()
    return county


def do_create_township(session: Session, actor: Any, data: dict[str, Any]) -> Township:
    """Create a township (a new tenant)."""
    _check_slug_free(session, data["slug"], None)
    township = Township(**{k: data[k] for k in FIELDS})
    session.add(township)
    session.flush()
    with system_context_unsafe():  # platform-level: the audit row belongs to the new tenant
        record(
            session,
            actor,
            "township.created",
            "township",
            township.id,
            tenant_id=township.id,
            after=snapshot(township, FIELDS),
        )
        session.commit()
    return township


def do_update_township(
    session: Session, actor: Any, township: Township, data: dict[str, Any]
) -> Township:
    """Change a township's name, slug, code or county."""
    if "slug" in data:
        _check_slug_free(session, data["slug"], township.id)
    before = snapshot(township, FIELDS)
    for key in FIELDS:
        if key in data:
            setattr(township, key, data[key])
    with system_context_unsafe():  # platform-level change, audited in the township's log
        record(
            session,
            actor,
            "township.updated",
            "township",
            township.id,
            tenant_id=township.id,
            before=before,
            after=snapshot(township, FIELDS),
        )
        session.commit()
    return township


SETTING_LIMITS = {
    "long_term_days": (30, 3650, lazy_gettext("长期在外天数")),
    "certificate_verify_months": (1, 24, lazy_gettext("流动党员证验证间隔月数")),
    "risk_warn_months": (1, 6, lazy_gettext("预警提醒月数")),
    "risk_red_months": (1, 6, lazy_gettext("红色预警月数")),
    "risk_contact_days": (7, 365, lazy_gettext("未联系预警天数")),
    "target_visit_pct": (0, 100, lazy_gettext("走访覆盖率目标")),
    "target_three_ones_pct": (0, 100, lazy_gettext("三个一完成率目标")),
    "target_attendance_pct": (0, 100, lazy_gettext("组织生活参加率目标")),
    "letter_days_in_city": (7, 90, lazy_gettext("市内介绍信有效期天数")),
    "letter_days_out_of_city": (7, 180, lazy_gettext("市外介绍信有效期天数")),
    "transfer_escalate_days": (3, 90, lazy_gettext("转接催办上报天数")),
    "require_second_factor": (
        0,
        1,
        lazy_gettext("两步验证要求"),
    ),  # 1: every officer account must have one
}


DATE_SETTINGS = {"started_on": lazy_gettext("启用连心日期")}  # stored as ISO dates


def _check_date(key: str, value: Any, errors: dict[str, str]) -> Any:
    """An ISO date for a date setting (None clears it), or an error under key."""
    if value is None or value == "":
        return None
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        errors[key] = _("%(value)s应为日期，如2026-01-01", value=DATE_SETTINGS[key])
        return None
    if not date(1990, 1, 1) <= day <= date.today():
        errors[key] = _("%(value)s不能晚于今天，也不能早于1990年", value=DATE_SETTINGS[key])
    return day.isoformat()


def do_update_settings(
    session: Session, actor: Any, township: Township, changes: dict[str, Any]
) -> Township:
    """Change township settings within their limits; a value out of range is refused with its name."""
    errors: dict[str, str] = {}
    changes = dict(changes)
    for key, value in changes.items():
        if key in DATE_SETTINGS:
            changes[key] = _check_date(key, value, errors)
            continue
        low, high, label = SETTING_LIMITS[key]
        if not isinstance(value, int) or not low <= value <= high:
            errors[key] = _(
                "%(label)s应为%(low)s至%(high)s之间的整数", label=label, low=low, high=high
            )
    merged = {**(township.settings or {}), **changes}
    if not errors and merged.get("risk_warn_months", 3) >= merged.get("risk_red_months", 5):
        errors["risk_red_months"] = _("红色预警月数应大于预警提醒月数")
    if (
        not errors
        and merged.get("require_second_factor")
        and getattr(actor, "totp_enabled_at", None) is None
    ):
        errors["require_second_factor"] = _("请先为您自己的账号启用两步验证，再要求全镇启用")
    if errors:
        raise TownshipError(next(iter(errors.values())), next(iter(errors)))
    before = dict(township.settings or {})
    township.settings = {**before, **changes}
    record(
        session,
        actor,
        "township.settings_changed",
        "township",
        township.id,
        tenant_id=township.id,
        before=before,
        after=township.settings,
    )
    session.commit()
    return township
