"""Demo dues (a rate for every member, most paid up, some months behind), and what mobile
members gave back: 三个一、四带头 contributions and the support their families at home got."""

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.models import Township
from webapp.contributions.models import (
    Contribution,
    ContributionKind,
    ReviewStatus,
    SupportNeed,
    SupportRequest,
    SupportService,
    SupportStatus,
)
from webapp.demo_people import Away, insert_rows
from webapp.dues.models import DuesPaidMonth, DuesPayment, DuesRate
from webapp.dues.services import add_months, month_start, months_between
from webapp.members.models import Member, MemberStatus

RATES = (
    (Decimal("0.20"), 25),
    (Decimal("2.00"), 30),
    (Decimal("5.00"), 25),
    (Decimal("10.00"), 15),
)
RATES += ((Decimal("20.00"), 5),)
BEHIND = ((0, 85), (1, 6), (2, 4), (4, 3), (6, 2))  # months unpaid up to this month, and weight
DEEDS = {
    ContributionKind.ACTIVIST: "推荐同厂青年工人为入党积极分子，经常与其交流思想",
    ContributionKind.BUSINESS_INFO: "向村里传递了外地农产品收购的信息，帮助村民销售高山茶叶",
    ContributionKind.GOOD_DEED: "出资修缮村口道路路灯",
    ContributionKind.VILLAGE_PLANNING: "返乡期间参加村庄规划座谈会，提出停车场选址建议",
    ContributionKind.VILLAGE_BUILDING: "春节返乡参加村庄环境整治义务劳动",
    ContributionKind.HOMETOWN_SUPPORT: "为村小学捐赠图书和体育器材",
    ContributionKind.RETURN_BUSINESS: "带着在外学到的技术回村创办竹编加工作坊",
}
NEEDS = (
    (SupportNeed.FARMING, "家中老人无力完成茶园采摘，需要帮工", "党员志愿服务队帮助采茶两天"),
    (SupportNeed.SAFETY, "雨季老屋漏雨，存在安全隐患", "村两委联系施工队修补屋顶"),
    (SupportNeed.LIVING, "独居老母亲行动不便，需要定期照看", "网格员每周上门看望，代购生活用品"),
    (SupportNeed.OTHER, "孩子入学手续需要在家乡办理", "村干部陪同家属到镇中心小学办理"),
)
# the branch's review, in turn: most confirmed, some waiting, one in fifteen not accepted
REVIEWS = (*[ReviewStatus.CONFIRMED] * 10, *[ReviewStatus.PENDING] * 4, ReviewStatus.REJECTED)
CONTRIBUTING = 0.3  # mobile members with a contribution on record
SUPPORTED = 0.1  # mobile members whose family asked for help


def add_dues(session: Session, rng: random.Random, township: Township, today: date) -> None:
    """Every member's monthly rate from a year ago and the payments that cover it, quarterly or
    by half-year; most paid up to this month, a few behind (some for months)."""
    members = session.scalars(
        select(Member)
        .where(Member.status.in_((MemberStatus.FULL, MemberStatus.PROBATIONARY)))
        .order_by(Member.id)
    ).all()
    current = month_start(today)
    start = add_months(current, -11)
    rates, payments, covers = [], [], []
    for m in members:
        amount = rng.choices([a for a, _ in RATES], [w for _, w in RATES])[0]
        rates.append({"tenant_id": township.id, "member_id": m.id, "monthly_amount": amount})
        rates[-1]["start_month"] = start
        behind = rng.choices([b for b, _ in BEHIND], [w for _, w in BEHIND])[0]
        through = add_months(current, -behind)
        chunk = 3 if rng.random() < 0.7 else 6
        first = start
        while first <= through:
            months = min(chunk, months_between(first, through))
            paid_on = min(first + timedelta(days=rng.randrange(0, 25)), today)
            payments.append(
                {
                    "tenant_id": township.id,
                    "member_id": m.id,
                    "first_month": first,
                    "months": months,
                    "amount": amount * months,
                    "paid_on": paid_on,
                    "branch_id": m.branch_id,
                    "receipt_note": rng.choice(("现金", "微信转账", "银行转账")),
                }
            )
            covers.append([add_months(first, i) for i in range(months)])
            first = add_months(first, months)
    insert_rows(session, DuesRate, rates)
    ids = insert_rows(session, DuesPayment, payments, ids=True)
    rows = [
        {"tenant_id": township.id, "payment_id": pid, "member_id": p["member_id"], "month": month}
        for pid, p, months in zip(ids, payments, covers, strict=True)
        for month in months
    ]
    insert_rows(session, DuesPaidMonth, rows)


def add_contributions(
    session: Session, rng: random.Random, township: Township, away: list[Away], today: date
) -> None:
    """三个一、四带头 of the last year, most confirmed by the branch, some waiting, one refused;
    and family support requests with what the service teams did."""
    kinds = list(DEEDS)
    rows, requests, services = [], [], []
    for n, a in enumerate(away):
        if rng.random() < CONTRIBUTING:
            kind = kinds[n % len(kinds)]
            day = today - timedelta(days=rng.randrange(5, 360))
            status = REVIEWS[len(rows) % len(REVIEWS)]
            if status == ReviewStatus.CONFIRMED and a.officer is None:
                status = ReviewStatus.PENDING  # no committee member to confirm it yet
            confirmed = status == ReviewStatus.CONFIRMED
            rows.append(
                {
                    "tenant_id": township.id,
                    "member_id": a.member.id,
                    "kind": kind,
                    "description": DEEDS[kind],
                    "happened_on": day,
                    "status": status,
                    "confirmed_by_id": a.officer.id if confirmed else None,
                    "confirmed_by_name": a.officer.display_name if confirmed else "",
                    "confirmed_at": _at(day + timedelta(days=3)) if confirmed else None,
                    "reject_reason": "经核实为村集体出资，不作为个人带头事项"
                    if status == ReviewStatus.REJECTED
                    else "",
                }
            )
        if rng.random() < SUPPORTED:
            need, what, service = NEEDS[n % len(NEEDS)]
            opened = today - timedelta(days=rng.randrange(3, 300))
            status = rng.choice(list(SupportStatus))
            requests.append(
                {
                    "tenant_id": township.id,
                    "member_id": a.member.id,
                    "need": need,
                    "description": what,
                    "opened_on": opened,
                    "status": status,
                }
            )
            served = [] if status == SupportStatus.OPEN else [service]
            if status == SupportStatus.CLOSED:
                served.append("回访家属，问题已解决，党员本人表示满意")
            services.append((opened, served))
    insert_rows(session, Contribution, rows)
    ids = insert_rows(session, SupportRequest, requests, ids=True)
    insert_rows(
        session,
        SupportService,
        [
            {
                "tenant_id": township.id,
                "request_id": rid,
                "served_on": min(opened + timedelta(days=2 + 5 * i), today),
                "served_by": "村党员志愿服务队",
                "what": what,
            }
            for rid, (opened, served) in zip(ids, services, strict=True)
            for i, what in enumerate(served)
        ],
    )


def _at(day: date) -> datetime:
    return datetime.combine(day, time(2, 0), tzinfo=UTC)
