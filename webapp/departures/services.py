"""Departure writes: register a trip, record a move, record the return; each audited and validated."""

import re
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tenants.models import Township
from webapp import divisions
from webapp.audit.services import record, snapshot
from webapp.certificates import returns as card
from webapp.departures.models import Departure, FlowCategory, Whereabouts
from webapp.departures.queries import current_departure
from webapp.members.models import Member
from webapp.placements.services import end_on_return

CONTACT_PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TEXT_LIMITS = {"occupation": 64, "industry": 64, "employer": 128, "wechat": 64, "address": 200}


class DepartureInvalid(ValueError):
    """Field name -> Chinese message; nothing was written."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _check_day(errors: dict[str, str], field: str, value: Any, label: str) -> None:
    if not isinstance(value, date):
        errors[field] = _("请填写%(label)s", label=label)
    elif value > date.today():
        errors[field] = _("%(label)s不能晚于今天", label=label)


def _address_problem(problem: str) -> str:
    """The parser's message, naming the 去向地址 field it is about."""
    return _("去向") + problem if problem.startswith("地址") else _("去向地址中") + problem


def destination_fields(home_code: str, address: str) -> tuple[dict[str, Any], str | None]:
    """Division code, province, prefecture and flow category of an address, or a problem.

    The place is kept at the level the address names: a district, or only a city (广东深圳) or a
    province (广东). It is classified as far as that level allows (广东深圳 from 新昌 is 跨省);
    a city or province that holds the home county cannot be, and counts as 去向不明.
    """
    empty = {
        "destination_code": None,
        "destination_province": None,
        "destination_prefecture": None,
        "flow_category": None,
    }
    if not address.strip():
        return empty, None
    parsed = divisions.parse_address(address)
    if parsed.code is None:
        return empty, _address_problem(parsed.problem or _("地址无法识别，请填写省、市、区县"))
    category = divisions.flow_category(home_code, parsed.code)
    province = divisions.province_of(parsed.code)
    prefecture = divisions.prefecture_of(parsed.code)
    return {
        "destination_code": parsed.code,
        "destination_province": province.code if province else None,
        "destination_prefecture": prefecture.code if prefecture else None,
        "flow_category": FlowCategory(category) if category else None,
    }, None


def _stint_fields(
    township: Township, data: dict[str, Any], errors: dict[str, str]
) -> dict[str, Any]:
    """Whereabouts columns from form data; the destination is parsed, never taken on trust."""
    fields: dict[str, Any] = {
        k: (data.get(k) or "").strip()
        for k in ("address", "occupation", "industry", "employer", "phone", "wechat", "email")
    }
    fields.update({k: (data.get(k) or "").strip() for k in ("living", "study", "notes")})
    for key, limit in TEXT_LIMITS.items():
        if len(fields[key]) > limit:
            errors[key] = _("不能超过%(limit)s个字符", limit=limit)
    if fields["phone"] and not CONTACT_PHONE_RE.match(fields["phone"]):
        errors["phone"] = _("联系电话应为11位手机号或带区号的固定电话")
    if fields["email"] and not EMAIL_RE.match(fields["email"]):
        errors["email"] = _("电子邮箱格式不正确")
    address = "" if data.get("whereabouts_unknown") else fields["address"]
    destination, problem = destination_fields(township.division_code, address)
    if not address and not data.get("whereabouts_unknown"):
        problem = _("请填写去向地址；不知去向时请勾选“去向不明”")
    if problem:
        errors["address"] = problem
    fields.update(destination)
    return fields


def _audit_stint(stint: Whereabouts) -> dict[str, Any]:
    view = snapshot(stint, Whereabouts.AUDIT_FIELDS)
    view["phone"] = "***" if stint.phone else ""
    return view


def registration_problems(
    session: Session, township: Township, member: Member | None, data: dict[str, Any]
) -> tuple[dict[str, str], dict[str, Any]]:
    """Field -> message for a 外出登记 (member None: not registered yet) and its stint; no writes."""
    errors: dict[str, str] = {}
    departed = data.get("departed_on")
    _check_day(errors, "departed_on", departed, _("外出日期"))
    expected = data.get("expected_return")
    if isinstance(departed, date) and isinstance(expected, date) and expected < departed:
        errors["expected_return"] = _("预计返回日期不能早于外出日期")
    if member is not None and member.id is not None:
        if current_departure(session, member) is not None:
            errors["departed_on"] = _("该党员已在外，请先登记返回或登记去向变更")
        last_return = session.scalar(
            select(Departure.returned_on)
            .where(Departure.member_id == member.id)
            .order_by(Departure.returned_on.desc())
            .limit(1)
        )
        if isinstance(departed, date) and last_return and departed < last_return:
            errors["departed_on"] = _(
                "外出日期不能早于上次返回日期（%(last_return)s）", last_return=last_return
            )
    fields = _stint_fields(township, data, errors)
    return errors, fields


def add_departure(
    session: Session, actor: Any, township: Township, member: Member, data: dict[str, Any]
) -> Departure:
    """外出登记 in the caller's transaction (validated, audited, not committed)."""
    errors, fields = registration_problems(session, township, member, data)
    if errors:
        raise DepartureInvalid(errors)
    return open_trip(session, actor, township, member, data, fields)


def open_trip(
    session: Session,
    actor: Any,
    township: Township,
    member: Member,
    data: dict[str, Any],
    fields: dict[str, Any],
) -> Departure:
    """Add a trip and its first stint as registration_problems checked them (not flushed)."""
    departed, expected = data["departed_on"], data.get("expected_return")
    trip = Departure(
        tenant_id=township.id, member_id=member.id, departed_on=departed, expected_return=expected
    )
    stint = Whereabouts(tenant_id=township.id, member_id=member.id, valid_from=departed, **fields)
    trip.stints.append(stint)
    session.add(trip)
    record(
        session,
        actor,
        "departure.registered",
        "member",
        member.id,
        tenant_id=township.id,
        after={"departed_on": departed.isoformat(), **_audit_stint(stint)},
    )
    return trip


def do_register_departure(
    session: Session, actor: Any, township: Township, member: Member, data: dict[str, Any]
) -> Departure:
    """外出登记: open a trip with its first whereabouts; refused while a trip is open.

    A trip registered by someone else at the same moment trips the database's one-open-trip
    index (uq_departures_open); that is refused with the message the check above gives.
    """
    try:
        trip = add_departure(session, actor, township, member, data)
        session.commit()
    except IntegrityError:
        session.rollback()
        errors, _fields = registration_problems(session, township, member, data)
        if errors:
            raise DepartureInvalid(errors) from None
        raise
    return trip


def do_move(
    session: Session, actor: Any, township: Township, member: Member, data: dict[str, Any]
) -> Whereabouts:
    """去向变更: close the current stint on the move date and open a new one."""
    errors: dict[str, str] = {}
    moved = data.get("moved_on")
    _check_day(errors, "moved_on", moved, _("变更日期"))
    trip = current_departure(session, member)
    if trip is None:
        errors["moved_on"] = _("该党员当前不在外，请先进行外出登记")
    current = trip.stints[-1] if trip and trip.stints else None
    if isinstance(moved, date) and current is not None and moved <= current.valid_from:
        errors["moved_on"] = _(
            "变更日期应晚于当前去向的开始日期（%(valid_from)s）", valid_from=current.valid_from
        )
    fields = _stint_fields(township, data, errors)
    if errors:
        raise DepartureInvalid(errors)
    before = _audit_stint(current) if current else None
    if current is not None:
        current.valid_to = moved
    stint = Whereabouts(
        tenant_id=township.id, departure_id=trip.id, member_id=member.id, valid_from=moved, **fields
    )
    session.add(stint)
    session.flush()
    record(
        session,
        actor,
        "departure.moved",
        "member",
        member.id,
        tenant_id=township.id,
        before=before,
        after=_audit_stint(stint),
    )
    session.commit()
    return stint


def do_return(session: Session, actor: Any, member: Member, data: dict[str, Any]) -> Departure:
    """返回登记: close the trip and its current stint."""
    errors: dict[str, str] = {}
    returned = data.get("returned_on")
    _check_day(errors, "returned_on", returned, _("返回日期"))
    trip = current_departure(session, member)
    if trip is None:
        errors["returned_on"] = _("该党员当前不在外，无需登记返回")
    elif isinstance(returned, date) and returned < max(
        [trip.departed_on, *(s.valid_from for s in trip.stints)]
    ):
        errors["returned_on"] = _("返回日期不能早于外出日期或最近一次去向变更日期")
    notes = (data.get("notes") or "").strip()
    problem = card.choice_problem(session, member, data.get(card.FIELD))
    if problem:
        errors[card.FIELD] = problem
    if errors:
        raise DepartureInvalid(errors)
    trip.returned_on = returned
    trip.return_notes = notes
    for stint in trip.stints:
        if stint.valid_to is None:
            stint.valid_to = returned
    record(
        session,
        actor,
        "departure.returned",
        "member",
        member.id,
        tenant_id=member.tenant_id,
        after={"returned_on": returned.isoformat(), "notes": notes},
    )
    end_on_return(session, actor, member, returned)
    card.settle_on_return(session, actor, member, returned, data.get(card.FIELD))
    session.commit()
    return trip
