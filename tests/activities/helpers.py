"""Builders for branch life, dues and contribution tests; probes for the permission matrix."""

from datetime import date
from decimal import Decimal
from typing import Any

from flask import Flask

from tenants.context import tenant_context
from tests.factories import TownshipWorld
from webapp.activities.models import Activity, ActivityKind
from webapp.branches.models import Branch
from webapp.contributions.models import Contribution, ContributionKind, SupportNeed, SupportRequest
from webapp.dues.models import DuesPayment
from webapp.extensions import db
from webapp.members.models import Member

TODAY = date.today()


def activity(
    branch: Branch,
    held_on: date = TODAY,
    kind: ActivityKind = ActivityKind.LIFE_MEETING,
    title: str = "组织生活会",
) -> int:
    """An activity row of branch (history data), its id."""
    with tenant_context(branch.tenant_id):
        row = Activity(
            tenant_id=branch.tenant_id,
            branch_id=branch.id,
            kind=kind,
            title=title,
            held_on=held_on,
            place="村部会议室",
        )
        db.session.add(row)
        db.session.commit()
        return row.id


def payment(member: Member, first_month: date, months: int = 1, amount: str = "10.00") -> int:
    """A dues payment row at the member's own branch, its id."""
    with tenant_context(member.tenant_id):
        row = DuesPayment(
            tenant_id=member.tenant_id,
            member_id=member.id,
            first_month=first_month,
            months=months,
            amount=Decimal(amount),
            paid_on=TODAY,
            branch_id=member.branch_id,
        )
        db.session.add(row)
        db.session.commit()
        return row.id


def contribution(member: Member) -> int:
    """A pending contribution row, its id."""
    with tenant_context(member.tenant_id):
        row = Contribution(
            tenant_id=member.tenant_id,
            member_id=member.id,
            kind=ContributionKind.GOOD_DEED,
            description="为村里修了一段路",
            happened_on=TODAY,
        )
        db.session.add(row)
        db.session.commit()
        return row.id


def support(member: Member) -> int:
    """An open support request row, its id."""
    with tenant_context(member.tenant_id):
        row = SupportRequest(
            tenant_id=member.tenant_id,
            member_id=member.id,
            need=SupportNeed.FARMING,
            description="家中秋收缺劳力",
            opened_on=TODAY,
        )
        db.session.add(row)
        db.session.commit()
        return row.id


def victim_life_rows(victim: TownshipWorld) -> dict[str, int]:
    """Rows in the victim township for the cross-tenant matrix."""
    return {
        "activity_id": activity(victim.branch),
        "payment_id": payment(victim.member, TODAY.replace(day=1)),
        "contribution_id": contribution(victim.member),
        "support_id": support(victim.member),
    }


def _in_app(c: Any, fn: Any, *args: Any) -> Any:
    app: Flask = c.application
    with app.app_context():
        return fn(*args)


def probe_schedule(c: Any, w: Any, branch: Any, member: Any, token: str) -> tuple[int, bool]:
    """activity.manage: schedule an activity for branch."""
    data = {
        "branch_id": str(branch.id),
        "kind": "party_day",
        "title": "主题党日",
        "held_on": TODAY.isoformat(),
        "place": "村部",
    }
    status = c.post(f"/t/{w.a.township.slug}/activities/new", data=data).status_code
    return status, status == 302


def probe_attendance(c: Any, w: Any, branch: Any, member: Any, token: str) -> tuple[int, bool]:
    """attendance.record: record member as present at an activity of their branch."""
    activity_id = _in_app(c, activity, branch)
    url = f"/t/{w.a.township.slug}/activities/{activity_id}/attendance"
    status = c.post(url, data={f"mode_{member.id}": "home"}).status_code
    return status, status == 302


def probe_dues(c: Any, w: Any, branch: Any, member: Any, token: str) -> tuple[int, bool]:
    """dues.manage: set member's monthly amount."""
    url = f"/t/{w.a.township.slug}/dues/members/{member.id}/rate"
    status = c.post(url, data={"monthly_amount": "10.00", "start_month": "2026-01"}).status_code
    return status, status == 302


def probe_contribution(c: Any, w: Any, branch: Any, member: Any, token: str) -> tuple[int, bool]:
    """contribution.manage: record a contribution of member."""
    data = {
        "member_id": str(member.id),
        "kind": "good_deed",
        "description": "为村里修了一段路",
        "happened_on": TODAY.isoformat(),
    }
    status = c.post(f"/t/{w.a.township.slug}/contributions/new", data=data).status_code
    return status, status == 302


def count(app: Flask, tenant_id: int, model: Any) -> int:
    """Rows of model in one township."""
    from sqlalchemy import func, select

    with app.app_context(), tenant_context(tenant_id):
        try:
            return db.session.scalar(select(func.count()).select_from(model)) or 0
        finally:
            db.session.remove()


def auth(app: Flask, user: Any) -> dict[str, str]:
    """A Bearer header for user."""
    from tests.factories import token_for

    with app.app_context():
        return {"Authorization": f"Bearer {token_for(user)}"}
