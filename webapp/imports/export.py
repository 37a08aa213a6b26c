"""Roster export: members with their current whereabouts, numbers masked unless the actor may see them."""

from collections.abc import Iterator
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import Select, and_, select
from sqlalchemy.orm import Session

from tenants.models import Township
from webapp.audit.services import record
from webapp.auth.permissions import branch_limit, can
from webapp.branches.services import branch_options
from webapp.departures.models import Departure, Whereabouts
from webapp.idnumber import mask_phone
from webapp.imports.excel import HEADERS, table_bytes
from webapp.members.models import Member
from webapp.members.phones import may_call


class ExportRefused(ValueError):
    """An export the actor may not make; the message says why, code is the HTTP answer."""

    def __init__(self, message: str, code: int = 403) -> None:
        super().__init__(message)
        self.code = code


def roster_query(branch_id: int | None) -> Select[Any]:
    """(Member, open Departure | None, current Whereabouts | None) in scope, by branch and name."""
    stmt = (
        select(Member, Departure, Whereabouts)
        .outerjoin(
            Departure, and_(Departure.member_id == Member.id, Departure.returned_on.is_(None))
        )
        .outerjoin(
            Whereabouts,
            and_(Whereabouts.departure_id == Departure.id, Whereabouts.valid_to.is_(None)),
        )
    )
    if branch_id is not None:
        stmt = stmt.where(Member.branch_id == branch_id)
    return stmt.order_by(Member.branch_id, Member.name, Member.id)


def _line(
    member: Member,
    trip: Departure | None,
    stint: Whereabouts | None,
    branch: str,
    full: bool,
    call: bool,
) -> list[Any]:
    def here(attr: str) -> str:
        return (getattr(stint, attr) or "") if stint is not None else ""

    contact = here("phone")
    return [
        member.name,
        member.gender_label,
        member.id_number if full else member.id_number_masked,
        member.birth_date if full else f"{member.birth_year}年",
        member.ethnicity,
        member.phone if call else member.phone_masked,
        member.email,
        member.join_date,
        branch,
        member.status_label,
        trip.departed_on if trip else None,
        here("address"),
        trip.expected_return if trip else None,
        here("occupation"),
        here("industry"),
        here("employer"),
        contact if call else mask_phone(contact),
        here("wechat"),
        here("living"),
        here("study"),
    ]


def export_scope(actor: Any, requested: int | None, branch_ids: set[int]) -> int | None:
    """The branch to export (None: the whole township), or ExportRefused."""
    limit = branch_limit(actor, "roster.export")
    if requested is not None and requested not in branch_ids:
        raise ExportRefused(_("没有这个支部"), 404)
    if limit is not None and requested not in (None, limit):
        raise ExportRefused(_("您只能导出本支部的花名册"))
    return limit if limit is not None else requested


def do_export(
    session: Session, actor: Any, township: Township, branch_id: int | None, ip: str | None
) -> bytes:
    """The roster workbook; one audit entry, a sensitive view when any number is shown in full."""
    names = dict(branch_options(session))
    scope = export_scope(actor, branch_id, set(names))
    shown = {"rows": 0, "full": 0}

    def lines() -> Iterator[list[Any]]:
        for member, trip, stint in session.execute(roster_query(scope)):
            full = can(actor, "member.reveal", member.branch_id)
            call = may_call(session, actor, member)
            shown["rows"] += 1
            shown["full"] += int(full or call)
            yield _line(member, trip, stint, names.get(member.branch_id, ""), full, call)

    with force_locale("zh_CN"):  # the import template's language: an export reads back in
        content = table_bytes("花名册", HEADERS, lines())
    record(
        session,
        actor,
        "roster.exported_full" if shown["full"] else "roster.exported",
        "township",
        township.id,
        tenant_id=township.id,
        after={"branch_id": scope, "members": shown["rows"], "unmasked": shown["full"]},
        ip=ip,
    )
    session.commit()
    return content
