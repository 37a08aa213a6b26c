"""Who and what an audit entry is about, by name: the actor with their role, the member, branch,
user or township it concerns. One query per kind for a whole page of entries; a member's name only
where the viewer may see that member (a hidden or unknown one stays "党员 #id")."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.models import Township
from webapp.audit.models import AuditLog
from webapp.auth.models import ROLE_LABELS, User
from webapp.auth.permissions import can
from webapp.branches.models import Branch
from webapp.members.models import Member

ENTITY_LABELS = {
    "member": lazy_gettext("党员"),
    "branch": lazy_gettext("支部"),
    "user": lazy_gettext("用户"),
    "township": lazy_gettext("乡镇"),
    "county": lazy_gettext("县(区)"),
    "transfer": lazy_gettext("组织关系转接"),
    "incoming_transfer": lazy_gettext("转入"),
    "transfer_letter_print": lazy_gettext("介绍信打印"),
    "certificate": lazy_gettext("流动党员证"),
    "certificate_print": lazy_gettext("党员证打印"),
    "import": lazy_gettext("花名册导入"),
    "report": lazy_gettext("报表"),
    "activity": lazy_gettext("组织生活"),
    "contribution": lazy_gettext("三个一、四带头"),
    "support": lazy_gettext("家庭帮扶"),
    "organisation": lazy_gettext("平台外组织"),
    "inflow_member": lazy_gettext("流入党员"),
    "notification": lazy_gettext("提醒"),
    "api_token": lazy_gettext("API令牌"),
}
SYSTEM_ACTOR = lazy_gettext("系统")


@dataclass(frozen=True)
class Line:
    """One entry as the log shows it."""

    entry: AuditLog
    actor: str
    role: str  # 支部书记, 县委组织部协调员（东山镇）…; empty for the system
    target: str  # 党员 张三, 支部 #7 …
    kind: str  # entity_type, for a link where the name is shown
    linked: bool  # the name is shown and the record can be opened


def _ids(entries: Iterable[AuditLog], kind: str) -> set[int]:
    return {e.entity_id for e in entries if e.entity_type == kind and e.entity_id is not None}


def _users(session: Session, ids: set[int]) -> dict[int, Any]:
    if not ids:
        return {}
    stmt = select(User.id, User.display_name, User.role, User.tenant_id).where(User.id.in_(ids))
    return {row.id: row for row in session.execute(stmt)}


def _names(session: Session, model: Any, ids: set[int], *columns: Any) -> dict[int, Any]:
    if not ids:
        return {}
    stmt = select(model.id, model.name, *columns).where(model.id.in_(ids))
    return {row.id: row for row in session.execute(stmt)}


def _snapshot_name(entry: AuditLog) -> str | None:
    """The name an entry itself kept (a deleted branch's), if any."""
    for part in (entry.before, entry.after):
        if isinstance(part, dict) and isinstance(part.get("name"), str):
            return part["name"]
    return None


def audit_lines(
    session: Session, viewer: User, township_id: int, entries: list[AuditLog]
) -> list[Line]:
    """The entries of one township's log with names resolved (members and branches read in the
    township's scope, which the caller holds)."""
    users = _users(session, {e.actor_id for e in entries if e.actor_id} | _ids(entries, "user"))
    members = _names(session, Member, _ids(entries, "member"), Member.branch_id)
    branches = _names(session, Branch, _ids(entries, "branch"))
    towns = _names(
        session,
        Township,
        _ids(entries, "township") | {u.tenant_id for u in users.values() if u.tenant_id},
    )
    may_see_branches = can(viewer, "branch.view")

    def actor(entry: AuditLog) -> tuple[str, str]:
        user = users.get(entry.actor_id) if entry.actor_id else None
        if user is None:
            name = entry.actor_name if entry.actor_name != "system" else SYSTEM_ACTOR
            return name, ""
        role = ROLE_LABELS[user.role]
        if user.tenant_id not in (None, township_id) and user.tenant_id in towns:
            role = f"{role}（{towns[user.tenant_id].name}）"
        return user.display_name, role

    def target(entry: AuditLog) -> tuple[str | None, bool]:
        kind, key = entry.entity_type, entry.entity_id
        if kind == "member" and (m := members.get(key)):
            return (m.name, True) if can(viewer, "member.view", m.branch_id) else (None, False)
        if kind == "branch" and may_see_branches:
            if b := branches.get(key):
                return b.name, True
            deleted = _snapshot_name(entry) if entry.action == "branch.deleted" else None
            return (
                (_("%(deleted)s（已删除）", deleted=deleted), False) if deleted else (None, False)
            )
        if kind == "user" and (u := users.get(key)) and u.tenant_id == township_id:
            return u.display_name, False
        if kind == "township" and (t := towns.get(key)):
            return t.name, False
        return None, False

    lines = []
    for entry in entries:
        name, role = actor(entry)
        label = ENTITY_LABELS.get(entry.entity_type, entry.entity_type)
        shown, linked = target(entry)
        if shown is None:
            shown = f"#{entry.entity_id}" if entry.entity_id is not None else ""
        lines.append(Line(entry, name, role, f"{label} {shown}".strip(), entry.entity_type, linked))
    return lines
