"""Demo transfers: every state a township meets in its first weeks, between the demo townships
and to an organisation off the platform. The article's township (大市聚镇) only sends letters
that are still open, so its census comes out exactly as the article's."""

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.context import tenant_context
from tenants.models import Township
from webapp.auth.models import Role, User
from webapp.branches.models import Branch
from webapp.directory.services import do_add_organisation, do_publish_branch
from webapp.members.models import Member, MemberStatus
from webapp.transfers import crossing
from webapp.transfers.models import IncomingTransfer, Step, Transfer
from webapp.transfers.receipts import do_confirm_receipt
from webapp.transfers.services import do_create, do_decide, do_submit

SHENZHEN = {
    "name": "深圳市南山区科技园某电子公司党支部",
    "division_code": "440305",
    "address": "广东省深圳市南山区科技园",
    "contact_name": "刘书记",
    "phone": "0755-26000000",
    "national_ref": "",
    "accepting": True,
}
REASONS = ("在流入地长期工作并定居", "随子女迁居", "在流入地企业担任管理工作")


def _entry(session: Session, township: Township) -> int:
    with tenant_context(township.id):
        branch = session.scalars(select(Branch).order_by(Branch.id)).first()
        entry = do_publish_branch(
            session,
            None,
            township,
            branch,
            {"name": branch.name, "division_code": township.division_code},
        )
        return entry.id


def _members(session: Session, township: Township, count: int, skip: set[int]) -> list[int]:
    with tenant_context(township.id):
        ids = session.scalars(
            select(Member.id)
            .where(Member.status == MemberStatus.FULL, Member.id.not_in(skip or {0}))
            .order_by(Member.id.desc())
            .limit(count)
        )
        return list(ids)


def _send(
    session: Session,
    township: Township,
    member_id: int,
    organisation_id: int,
    steps: tuple[Step, ...],
    day: date,
    coordinator: Any = None,
) -> Transfer:
    """A transfer submitted on day and approved one step a day."""
    with tenant_context(township.id):
        member = session.get(Member, member_id)
        data = {"organisation_id": organisation_id, "reason": REASONS[member_id % len(REASONS)]}
        transfer = do_create(session, None, township, member, data)
        do_submit(session, None, township, transfer, day)
        for offset, step in enumerate(steps, start=1):
            actor = coordinator if step == Step.COUNTY else None
            when = day + timedelta(days=offset)
            do_decide(session, actor, township, transfer, step, {"approve": True}, when)
        return transfer


def _incoming(session: Session, township: Township, transfer_id: int) -> IncomingTransfer:
    return session.scalar(
        select(IncomingTransfer).where(IncomingTransfer.transfer_id == transfer_id)
    )


def load_demo_transfers(session: Session, today: date) -> None:
    """Transfers in each state, sent by real service calls so the audit log tells them."""
    towns = {t.slug: t for t in session.scalars(select(Township))}
    dashiju, ruao, chengtan = towns["dashiju"], towns["ruao"], towns["chengtan"]
    logins = set(session.scalars(select(User.member_id).where(User.role == Role.MEMBER)))
    coordinator = session.scalar(select(User).where(User.role == Role.COUNTY_COORDINATOR))
    to_ruao, to_chengtan = _entry(session, ruao), _entry(session, chengtan)
    with tenant_context(dashiju.id):
        shenzhen = do_add_organisation(session, None, dashiju, SHENZHEN).id
    both = (Step.BRANCH, Step.TOWNSHIP)

    received, waiting, refused = _members(session, ruao, 3, logins)
    done = _send(session, ruao, received, to_chengtan, both, today - timedelta(days=40))
    _send(session, ruao, waiting, to_chengtan, both, today - timedelta(days=6))
    no = _send(session, ruao, refused, to_chengtan, both, today - timedelta(days=12))
    with tenant_context(chengtan.id):
        row = _incoming(session, chengtan, done.id)
        crossing.receive(session, None, chengtan, row, today - timedelta(days=30))
        reason = "该同志已离开本园区企业，不在本支部所在地工作"
        crossing.refuse(session, None, chengtan, _incoming(session, chengtan, no.id), reason, today)
    with tenant_context(ruao.id):
        do_confirm_receipt(
            session, None, session.get(Transfer, done.id), today - timedelta(days=25)
        )

    (pending_township,) = _members(session, chengtan, 1, logins)
    _send(session, chengtan, pending_township, to_ruao, (Step.BRANCH,), today - timedelta(days=3))

    pending, off_platform, returned = _members(session, dashiju, 3, logins)
    _send(session, dashiju, pending, to_ruao, (), today - timedelta(days=2))
    steps = (*both, Step.COUNTY)
    _send(session, dashiju, off_platform, shenzhen, steps, today - timedelta(days=20), coordinator)
    back = _send(session, dashiju, returned, to_ruao, (), today - timedelta(days=9))
    with tenant_context(dashiju.id):
        note = {"note": "请补充在流入地的居住和就业情况"}
        do_decide(session, None, dashiju, back, Step.BRANCH, note, today - timedelta(days=8))
