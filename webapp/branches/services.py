"""Branch writes: each owns its transaction and writes an audit entry."""

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from tenants.models import Township
from webapp.audit.services import record, snapshot
from webapp.branches.models import Branch, BranchKind


class BranchError(ValueError):
    """A branch change that cannot be made; field names the form field."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def branch_options(session: Session) -> list[tuple[int, str]]:
    """(id, name) of every branch in scope, by name."""
    return [(b.id, b.name) for b in session.scalars(select(Branch).order_by(Branch.name))]


def list_branches(search: str = "", kind: str = "") -> Select[tuple[Branch]]:
    """Branches in scope, filtered by name and kind."""
    stmt = select(Branch)
    if search:
        stmt = stmt.where(Branch.name.contains(search.strip()))
    if kind in (k.value for k in BranchKind):
        stmt = stmt.where(Branch.kind == BranchKind(kind))
    return stmt.order_by(Branch.name)


def check_name_free(session: Session, name: str, branch_id: int | None) -> None:
    stmt = select(func.count(Branch.id)).where(Branch.name == name)
    if branch_id is not None:
        stmt = stmt.where(Branch.id != branch_id)
    if session.scalar(stmt):
        raise BranchError(_("本乡镇已有同名支部"), field="name")


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "kind": BranchKind(data.get("kind") or BranchKind.REGULAR)}


def do_create_branch(
    session: Session, actor: Any, township: Township, data: dict[str, Any]
) -> Branch:
    """Create a branch in township."""
    data = _clean(data)
    check_name_free(session, data["name"], None)
    branch = Branch(tenant_id=township.id, **data)
    session.add(branch)
    session.flush()
    record(
        session,
        actor,
        "branch.created",
        "branch",
        branch.id,
        tenant_id=township.id,
        after=snapshot(branch, Branch.AUDIT_FIELDS),
    )
    session.commit()
    return branch


def do_update_branch(session: Session, actor: Any, branch: Branch, data: dict[str, Any]) -> Branch:
    """Change a branch; the audit entry keeps before and after."""
    data = _clean(data)
    check_name_free(session, data["name"], branch.id)
    before = snapshot(branch, Branch.AUDIT_FIELDS)
    for key, value in data.items():
        setattr(branch, key, value)
    record(
        session,
        actor,
        "branch.updated",
        "branch",
        branch.id,
        tenant_id=branch.tenant_id,
        before=before,
        after=snapshot(branch, Branch.AUDIT_FIELDS),
    )
    session.commit()
    return branch


def do_delete_branch(session: Session, actor: Any, branch: Branch) -> None:
    """Delete an empty branch; a branch with members is refused."""
    from webapp.members.models import Member

    count = session.scalar(select(func.count(Member.id)).where(Member.branch_id == branch.id))
    if count:
        raise BranchError(_("该支部还有 %(count)s 名党员，请先转移党员后再删除", count=count))
    record(
        session,
        actor,
        "branch.deleted",
        "branch",
        branch.id,
        tenant_id=branch.tenant_id,
        before=snapshot(branch, Branch.AUDIT_FIELDS),
    )
    session.delete(branch)
    session.commit()
