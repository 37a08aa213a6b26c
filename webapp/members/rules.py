"""Every rule a member record must satisfy, in one place for the form, the API and imports."""

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.context import require_scope, system_context_unsafe
from webapp.branches.models import Branch
from webapp.crypto import keyring
from webapp.idnumber import birth_date_of, id_number_problem, normalize
from webapp.inputs import as_id
from webapp.members.models import Gender, Member, MemberStatus

ON_REGISTER = (MemberStatus.FULL, MemberStatus.PROBATIONARY)

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class MemberInvalid(ValueError):
    """Field name -> Chinese message; nothing was written."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def registered_with(session: Session, id_number: str) -> Member | None:
    """The member of the township in scope registered with a valid id_number (blind index)."""
    return session.scalar(
        select(Member).where(Member.id_number_index == keyring.blind_index(id_number))
    )


ELSEWHERE = lazy_gettext("该身份证号已在其他组织登记为党员，请办理组织关系转入")


def active_elsewhere(session: Session, index_values: list[str]) -> set[str]:
    """Which of these blind indexes an active member of another township holds.

    The one read across townships outside a transfer: it answers which numbers, never who or
    where, so that registering a person active elsewhere is refused before the database's
    partial unique index (uq_members_active_id_number) would refuse it.
    """
    if not index_values:
        return set()
    own = require_scope().writable
    with system_context_unsafe():
        stmt = select(Member.id_number_index).where(
            Member.id_number_index.in_(index_values), Member.status.in_(ON_REGISTER)
        )
        if own is not None:
            stmt = stmt.where(Member.tenant_id != own)
        return set(session.scalars(stmt))


def member_problems(
    session: Session,
    data: dict[str, Any],
    member_id: int | None = None,
    *,
    registered: Callable[[str], Member | None] | None = None,
    elsewhere: Callable[[str], bool] | None = None,
) -> dict[str, str]:
    """Field -> message for everything wrong with data; empty when it may be saved.

    registered finds the member already holding an ID number, elsewhere tells whether another
    township holds it active (by default, a query each time; imports pass lookups loaded per
    batch).
    """
    errors: dict[str, str] = {}
    name = (data.get("name") or "").strip()
    if not name:
        errors["name"] = _("请填写姓名")
    elif len(name) > 32:
        errors["name"] = _("姓名不能超过32个字符")
    if data.get("gender") not in {g.value for g in Gender}:
        errors["gender"] = _("请选择性别")
    if data.get("status") not in {s.value for s in MemberStatus}:
        errors["status"] = _("请选择党员状态")
    id_number = normalize(data.get("id_number") or "")
    problem = id_number_problem(id_number) if id_number else _("请填写身份证号")
    if problem:
        errors["id_number"] = problem
    born, joined = data.get("birth_date"), data.get("join_date")
    today = date.today()
    if not isinstance(born, date):
        errors["birth_date"] = _("请填写出生日期")
    elif born > today:
        errors["birth_date"] = _("出生日期不能晚于今天")
    elif not problem and birth_date_of(id_number) != born:
        errors["birth_date"] = _("出生日期与身份证号不一致")
    if not isinstance(joined, date):
        errors["join_date"] = _("请填写入党日期")
    elif joined > today:
        errors["join_date"] = _("入党日期不能晚于今天")
    elif isinstance(born, date) and _age_on(born, joined) < 18:
        errors["join_date"] = _("入党时应年满18周岁，请核对入党日期")
    _handed_over_problems(errors, data)
    phone = (data.get("phone") or "").strip()
    if phone and not PHONE_RE.match(phone):
        errors["phone"] = _("手机号应为11位数字，以1开头")
    email = (data.get("email") or "").strip()
    if email and not EMAIL_RE.match(email):
        errors["email"] = _("电子邮箱格式不正确")
    branch_id = as_id(data.get("branch_id"))
    if branch_id is None or session.get(Branch, branch_id) is None:
        errors["branch_id"] = _("请选择本乡镇的支部")
    if not problem and "id_number" not in errors:
        dup = registered(id_number) if registered else registered_with(session, id_number)
        if dup is not None and dup.id != member_id:
            errors["id_number"] = duplicate_message(dup, branch_id)
        elif data.get("status") in ON_REGISTER and _elsewhere(session, id_number, elsewhere):
            errors["id_number"] = ELSEWHERE
    return errors


def _elsewhere(session: Session, id_number: str, lookup: Callable[[str], bool] | None) -> bool:
    if lookup is not None:
        return lookup(id_number)
    index = keyring.blind_index(id_number)
    return index in active_elsewhere(session, [index])


def _handed_over_problems(errors: dict[str, str], data: dict[str, Any]) -> None:
    """学历, 转正日期 and 预备期满日期: optional, and consistent with the join date."""
    if len((data.get("education") or "").strip()) > 16:
        errors["education"] = _("学历不能超过16个字符")
    joined, today = data.get("join_date"), date.today()
    for key, label in (("full_on", _("转正日期")), ("probation_ends_on", _("预备期满日期"))):
        value = data.get(key)
        if value in (None, ""):
            continue
        if not isinstance(value, date):
            errors[key] = _("%(label)s格式不正确", label=label)
        elif isinstance(joined, date) and value < joined:
            errors[key] = _("%(label)s不能早于入党日期", label=label)
        elif key == "full_on" and value > today:
            errors[key] = _("转正日期不能晚于今天")


def duplicate_message(holder: Member, branch_id: Any) -> str:
    """Already registered: the holder is named only within the branch the record is for."""
    if holder.branch_id == branch_id:
        return _("该身份证号已在本支部登记（党员：%(name)s）", name=holder.name)
    return _("该身份证号已在其他支部登记，请联系乡镇党委核实")


def clean_member_data(data: dict[str, Any]) -> dict[str, Any]:
    """Normalized values ready to assign to a Member."""
    return {
        "name": data["name"].strip(),
        "gender": Gender(data["gender"]),
        "birth_date": data["birth_date"],
        "ethnicity": (data.get("ethnicity") or "汉族").strip() or _("汉族"),
        "phone": (data.get("phone") or "").strip(),
        "email": (data.get("email") or "").strip(),
        "join_date": data["join_date"],
        "branch_id": int(data["branch_id"]),
        "status": MemberStatus(data["status"]),
        # handed over with a transfer; a source that does not carry them leaves them as they are
        **({"education": (data["education"] or "").strip()} if "education" in data else {}),
        **{k: data[k] or None for k in ("full_on", "probation_ends_on") if k in data},
    }
