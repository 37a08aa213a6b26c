"""Directory reads and writes: search across townships; each entry changed only by its owner."""

import re
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import Select, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tenants.models import Township
from webapp.audit.services import record, snapshot
from webapp.branches.models import Branch, BranchKind
from webapp.branches.services import BranchError, check_name_free
from webapp.directory.models import Organisation, OrganisationKind
from webapp.divisions.registry import full_name, get, normalize_code, registry

PHONE_RE = re.compile(r"^[0-9\-]{7,20}$")
LIMITS = {"name": 64, "address": 200, "contact_name": 32, "national_ref": 32}
LABELS = {
    "name": lazy_gettext("组织名称"),
    "address": lazy_gettext("地址"),
    "contact_name": lazy_gettext("联系人"),
    "national_ref": lazy_gettext("全国党员管理信息系统编号"),
}


class DirectoryError(ValueError):
    """Entry data that cannot be stored: every problem, by field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(next(iter(errors.values())))
        self.errors = errors


def search(q: str = "", place: str = "", kind: str = "", accepting: bool = False) -> Select[Any]:
    """Entries of every township by name (or contact), place (code or its prefix) and kind."""
    stmt = select(Organisation).join(Township, Township.id == Organisation.owner_township_id)
    if q := q.strip():
        stmt = stmt.where(
            or_(
                Organisation.name.contains(q),
                Organisation.address.contains(q),
                Township.name.contains(q),
            )
        )
    if place := place.strip():
        prefixes = _place_prefixes(place)
        stmt = stmt.where(or_(*(Organisation.division_code.startswith(p) for p in prefixes)))
    if kind in {k.value for k in OrganisationKind}:
        stmt = stmt.where(Organisation.kind == OrganisationKind(kind))
    if accepting:
        stmt = stmt.where(Organisation.accepting.is_(True))
    return stmt.order_by(Organisation.division_code, Organisation.name, Organisation.id)


def _prefix(code: str) -> str:
    """The code's significant digits: 330000 -> 33, 330600 -> 3306, 330624 -> 330624."""
    while code.endswith("00") and len(code) > 2:
        code = code[:-2]
    return code


def _place_prefixes(place: str) -> list[str]:
    """Code prefixes of the divisions a place (a code, or part of a name) stands for."""
    code = normalize_code(place)
    if code is not None:
        return [_prefix(code)]
    named = sorted({_prefix(d.code) for d in registry().by_code.values() if place in d.name})
    return named[:50] or ["-"]  # "-" matches no code: an unknown place finds nothing


def place_name(code: str) -> str:
    """The division's full name, for the directory's 所在地 column."""
    return full_name(code) or code


def problems(data: dict[str, Any]) -> tuple[dict[str, str], dict[str, Any]]:
    """Every problem of data by field, and the cleaned values."""
    errors: dict[str, str] = {}
    clean = {k: str(data.get(k) or "").strip() for k in (*LIMITS, "phone", "division_code")}
    if not clean["name"]:
        errors["name"] = _("请填写组织名称")
    for key, limit in LIMITS.items():
        if len(clean[key]) > limit:
            errors[key] = _("%(value)s不超过%(limit)s个字符", value=LABELS[key], limit=limit)
    code = normalize_code(clean["division_code"])
    if not clean["division_code"]:
        errors["division_code"] = _("请填写所在地的行政区划代码（6位）")
    elif len(clean["division_code"]) not in (6, 9, 12) or code is None or get(code) is None:
        errors["division_code"] = _("行政区划代码不存在，请填写6位县级代码，如 330624（新昌县）")
    else:
        clean["division_code"] = code
    if clean["phone"] and not PHONE_RE.match(clean["phone"]):
        errors["phone"] = _("联系电话只能包含数字和“-”，7至20位")
    clean["accepting"] = bool(data.get("accepting", True))
    return errors, clean


def owned(session: Session, township: Township, organisation_id: int) -> Organisation | None:
    """The entry when township maintains it, else None (the page answers 404)."""
    entry = session.get(Organisation, organisation_id)
    return entry if entry is not None and entry.owner_township_id == township.id else None


def do_add_organisation(
    session: Session, actor: Any, township: Township, data: dict[str, Any]
) -> Organisation:
    """添加平台外组织."""
    errors, clean = problems(data)
    if errors:
        raise DirectoryError(errors)
    entry = Organisation(owner_township_id=township.id, kind=OrganisationKind.OFF_PLATFORM, **clean)
    session.add(entry)
    session.flush()
    _audit(session, actor, township, "directory.added", entry, None)
    session.commit()
    return entry


def do_update_organisation(
    session: Session, actor: Any, township: Township, entry: Organisation, data: dict[str, Any]
) -> Organisation:
    """Change an entry the township maintains."""
    errors, clean = problems(data)
    if errors:
        raise DirectoryError(errors)
    before = snapshot(entry, Organisation.AUDIT_FIELDS)
    for key, value in clean.items():
        setattr(entry, key, value)
    _audit(session, actor, township, "directory.updated", entry, before)
    session.commit()
    return entry


def do_publish_branch(
    session: Session, actor: Any, township: Township, branch: Branch, data: dict[str, Any]
) -> Organisation:
    """List one of the township's branches in the directory (or change its entry)."""
    entry = session.scalar(select(Organisation).where(Organisation.branch_id == branch.id))
    if entry is not None:
        return do_update_organisation(session, actor, township, entry, data)
    errors, clean = problems(data)
    if errors:
        raise DirectoryError(errors)
    kind = (
        OrganisationKind.MOBILE_BRANCH
        if branch.kind == BranchKind.MOBILE
        else OrganisationKind.BRANCH
    )
    entry = Organisation(owner_township_id=township.id, branch_id=branch.id, kind=kind, **clean)
    session.add(entry)
    session.flush()
    _audit(session, actor, township, "directory.published", entry, None)
    session.commit()
    return entry


def branch_entry(session: Session, branch: Branch) -> Organisation | None:
    """The branch's directory entry, if it has one."""
    return session.scalar(select(Organisation).where(Organisation.branch_id == branch.id))


def _audit(
    session: Session,
    actor: Any,
    township: Township,
    action: str,
    entry: Organisation,
    before: dict[str, Any] | None,
) -> None:
    record(
        session,
        actor,
        action,
        "organisation",
        entry.id,
        tenant_id=township.id,
        before=before,
        after=snapshot(entry, Organisation.AUDIT_FIELDS),
    )


def do_create_mobile_branch(
    session: Session, actor: Any, township: Township, data: dict[str, Any]
) -> Branch:
    """新建流动党员临时党支部: the branch and its directory entry, in one transaction."""
    errors, clean = problems(data)
    host = str(data.get("host") or "").strip()
    if not host:
        errors["host"] = _("请填写依托单位")
    elif len(host) > 64:
        errors["host"] = _("依托单位不超过64个字符")
    if errors:
        raise DirectoryError(errors)
    try:
        check_name_free(session, clean["name"], None)
    except BranchError as exc:
        raise DirectoryError({"name": str(exc)}) from None
    branch = Branch(
        tenant_id=township.id,
        name=clean["name"],
        kind=BranchKind.MOBILE,
        secretary_name=str(data.get("secretary_name") or "").strip()[:32],
        phone=clean["phone"],
        location=f"{host} · {clean['address']}".strip(" ·")[:128],
    )
    session.add(branch)
    try:
        session.flush()
    except IntegrityError:  # the same name created at the same moment
        session.rollback()
        raise DirectoryError({"name": _("本乡镇已有同名支部")}) from None
    record(
        session,
        actor,
        "branch.created",
        "branch",
        branch.id,
        tenant_id=township.id,
        after=snapshot(branch, Branch.AUDIT_FIELDS),
    )
    clean["address"] = f"{host}，{clean['address']}" if clean["address"] else host
    clean["contact_name"] = clean["contact_name"] or branch.secretary_name
    entry = Organisation(
        owner_township_id=township.id,
        branch_id=branch.id,
        kind=OrganisationKind.MOBILE_BRANCH,
        **clean,
    )
    session.add(entry)
    session.flush()
    _audit(session, actor, township, "directory.published", entry, None)
    session.commit()
    return branch
