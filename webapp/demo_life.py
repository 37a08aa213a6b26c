"""Demo branch life of the last year: 流动党员证 with their half-yearly checks, activities with
attendance (at home, online, at the inflow branch) and each mobile member's 三个一."""

import random
from collections.abc import Iterable
from datetime import date, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.models import Township
from webapp.activities.models import Activity, ActivityKind, Attendance, AttendanceMode
from webapp.branches.models import Branch
from webapp.certificates.models import (
    Certificate,
    CertificateStatus,
    Verification,
    VerificationSide,
    add_months,
)
from webapp.demo_people import Away, insert_rows
from webapp.directory.models import Organisation
from webapp.duties.models import ContactChannel, ThreeOnesItem, ThreeOnesKind, ThreeOnesStatus
from webapp.duties.periods import Half, half_of
from webapp.members.models import Member, MemberStatus
from webapp.placements.models import Placement, PlacementStatus

UNCERTIFIED = 0.12  # mobile members still without a card
LAPSED = 0.12  # of the cards: the last half-yearly check not done
ONLINE = "https://meeting.tencent.com/dm/"
PLAN = (  # (month offset from today, kind, title, online); 0: earlier this month
    (-11, ActivityKind.PARTY_DAY, "主题党日：重温入党誓词", False),
    (-10, ActivityKind.STUDY, "专题学习：新修订的《中国共产党纪律处分条例》", True),
    (-9, ActivityKind.PARTY_DAY, "主题党日：村庄环境整治志愿服务", False),
    (-7, ActivityKind.PARTY_DAY, "主题党日：走访慰问困难党员", False),
    (-6, ActivityKind.LIFE_MEETING, "年度组织生活会", False),
    (-5, ActivityKind.STUDY, "线上学习：家乡新变化与乡村振兴政策", True),
    (-4, ActivityKind.PARTY_DAY, "主题党日：为民办实事项目推进", False),
    (-3, ActivityKind.HOMECOMING_TRAINING, "流动党员返乡培训", False),
    (-1, ActivityKind.PARTY_DAY, "主题党日：学习贯彻上级会议精神", True),
    (0, ActivityKind.STUDY, "线上微党课：流动党员如何参加组织生活", True),
    (1, ActivityKind.PARTY_DAY, "主题党日：流动党员座谈会", True),
)
ABSENT_HOME = ("生病住院，无法参加", "外出办事，已向支部请假", "照顾生病家人，已请假")
ABSENT_AWAY = (
    "在外务工加班，无法请假，已向支部说明",
    "工地施工期间无网络信号，事后补学了会议内容",
    "值夜班，无法参加线上会议，已向联系人说明",
)
LETTERS = (
    "思想汇报：在外务工的体会",
    "给支部的一封信：介绍在外工作生活情况",
    "思想汇报：学习党的创新理论的收获",
    "给支部的一封信：对家乡建设的几点建议",
)
NOT_DONE = (
    "本半年在外工作繁忙，未能按时给支部写信，下半年补上",
    "春节未能返乡，活动期间在外值班，已向联系人说明情况",
)
ENGAGEMENT = (0.7, 0.35, 0.05)  # a mobile member's chance of joining an activity: most, some, few
CALLS = {ContactChannel.PHONE, ContactChannel.WECHAT, ContactChannel.VIDEO, ContactChannel.VISIT}


def add_inflow(session: Session, away: list[Away]) -> None:
    """Note, for members reported in at an inflow organisation of this township, its branch."""
    rows = session.execute(
        select(Placement.member_id, Organisation.branch_id)
        .join(Organisation, Organisation.id == Placement.organisation_id)
        .where(Placement.status == PlacementStatus.ACTIVE, Organisation.branch_id.is_not(None))
    )
    inflow = dict(rows.tuples().all())
    for a in away:
        a.inflow_branch_id = inflow.get(a.member.id)


def add_certificates(
    session: Session, rng: random.Random, township: Township, away: list[Away], today: date
) -> None:
    """A card for most mobile members, issued through their branch before they left (renewed
    since for those away for years), checked every half year; some checks are overdue."""
    certs, checks, seq = [], [], {}
    for a in away:
        if rng.random() < UNCERTIFIED:
            continue
        issued = a.departed_on - timedelta(days=rng.randrange(1, 10))
        if (today - issued).days > 700:  # away for years: the card renewed since
            issued = today - timedelta(days=rng.randrange(200, 700))
        issued = max(issued, a.member.join_date)
        year = issued.year
        seq[year] = seq.get(year, 0) + 1
        lapsed = rng.random() < LAPSED
        verified = _verifications(rng, a, issued, today, lapsed)
        checks.append(verified)
        certs.append(
            {
                "tenant_id": township.id,
                "number": f"{township.division_code}-{year}-{seq[year]:04d}",
                "member_id": a.member.id,
                "branch_id": a.member.branch_id,
                "inflow_branch_id": a.inflow_branch_id,
                "departure_id": a.stint.departure_id,
                "issued_on": issued,
                "expires_on": add_months(issued, 36),
                "reason": "外出务工" if rng.random() < 0.8 else "外出经商",
                "destination": a.stint.address,
                "destination_code": a.stint.destination_code,
                "status": CertificateStatus.VALID,
                "status_notes": "",
                "last_verified_on": verified[-1]["verified_on"] if verified else None,
                "issued_by": a.officer.id if a.officer else None,
            }
        )
    ids = insert_rows(session, Certificate, certs, ids=True)
    rows = [dict(v, certificate_id=i) for i, vs in zip(ids, checks, strict=True) for v in vs]
    insert_rows(session, Verification, rows)


def _verifications(
    rng: random.Random, a: Away, issued: date, today: date, lapsed: bool
) -> list[dict[str, Any]]:
    out, base = [], issued
    while (due := add_months(base, 6)) <= today + timedelta(days=20):
        if lapsed and (today - due).days < 150:
            break  # the check that fell due lately was not done: overdue
        day = due + timedelta(days=rng.randrange(-20, 12))
        if day > today:
            break
        inflow = a.inflow_branch_id is not None and rng.random() < 0.6
        officer = a.officer.display_name if a.officer else "支部书记"
        out.append(
            {
                "tenant_id": a.member.tenant_id,
                "verified_on": day,
                "due_on": due,
                "branch_id": a.inflow_branch_id if inflow else a.member.branch_id,
                "side": VerificationSide.INFLOW if inflow else VerificationSide.OUTFLOW,
                "verified_by": None if inflow or a.officer is None else a.officer.id,
                "verifier_name": "流入地支部书记" if inflow else officer,
                "notes": "持证人在流入地正常参加组织生活" if inflow else "",
            }
        )
        base = day
    return out


def _month_day(today: date, offset: int, rng: random.Random) -> date:
    if offset == 0:
        return today.replace(day=rng.randrange(1, today.day + 1))
    first = add_months(today.replace(day=1), offset)
    return first.replace(day=rng.randrange(5, 26))


def add_activities(
    session: Session,
    rng: random.Random,
    township: Township,
    branches: list[Branch],
    away: list[Away],
    today: date,
) -> dict[int, list[tuple[date, str, AttendanceMode]]]:
    """Each branch's activities of the last year and the next one planned; who took part and how.
    What each mobile member attended, by member id."""
    by_branch: dict[int, list[Member]] = {}
    for m in session.scalars(
        select(Member)
        .where(Member.status.in_((MemberStatus.FULL, MemberStatus.PROBATIONARY)))
        .order_by(Member.id)
    ):
        by_branch.setdefault(m.branch_id, []).append(m)
    trips = {a.member.id: a for a in away}
    for a in away:
        a.engagement = rng.choices(ENGAGEMENT, [60, 25, 15])[0]
    activities, plans = [], []
    for branch in branches:
        for offset, kind, title, online in PLAN:
            held = _month_day(today, offset, rng)
            code = rng.randrange(10**8, 10**9)
            activities.append(
                {
                    "tenant_id": township.id,
                    "branch_id": branch.id,
                    "kind": kind,
                    "title": title,
                    "held_on": held,
                    "start_time": time(19, 0) if online else time(9, 0),
                    "place": "线上会议" if online else f"{branch.name[:4]}党群服务中心",
                    "online_link": f"{ONLINE}{code}" if online else "",
                    "cancel_reason": "",
                }
            )
            plans.append((branch, held, title, online))
    ids = insert_rows(session, Activity, activities, ids=True)
    rows, attended = [], {}
    for activity_id, (branch, held, title, online) in zip(ids, plans, strict=True):
        if held > today:
            continue
        for m in by_branch.get(branch.id, []):
            trip = trips.get(m.id)
            mode, at, why = _mode(rng, trip if trip and trip.departed_on <= held else None, online)
            rows.append(
                {
                    "tenant_id": township.id,
                    "activity_id": activity_id,
                    "member_id": m.id,
                    "mode": mode,
                    "at_branch_id": at,
                    "explanation": why,
                }
            )
            if trip:
                attended.setdefault(m.id, []).append((held, title, mode))
    insert_rows(session, Attendance, rows)
    return attended


def _mode(
    rng: random.Random, away: Away | None, online: bool
) -> tuple[AttendanceMode, int | None, str]:
    roll = rng.random()
    if away is None:
        if roll < 0.9:
            return (AttendanceMode.ONLINE if online else AttendanceMode.HOME), None, ""
        return AttendanceMode.ABSENT, None, rng.choice(ABSENT_HOME)
    if roll < away.engagement:
        if away.inflow_branch_id and rng.random() < 0.6:
            return AttendanceMode.INFLOW, away.inflow_branch_id, ""
        return AttendanceMode.ONLINE, None, ""
    return AttendanceMode.ABSENT, None, rng.choice(ABSENT_AWAY)


def add_three_ones(
    session: Session,
    rng: random.Random,
    away: list[Away],
    attended: dict[int, list[tuple[date, str, AttendanceMode]]],
    today: date,
) -> None:
    """三个一 of this half-year and the last, from the activities and calls on record and the
    letters received; what is neither done nor explained stays missing."""
    now = half_of(today)
    rows: list[dict[str, Any]] = []
    for half in (now.previous(), now):
        for a in away:
            if a.departed_on > half.end:
                continue
            base = {"tenant_id": a.member.tenant_id, "member_id": a.member.id, "half": half.key}
            base["recorded_by_id"] = a.officer.id if a.officer else None
            base["recorded_by_name"] = a.officer.display_name if a.officer else ""
            base["by_member"] = False
            rows += _items(rng, base, half, today, a, _present(attended, a, half))
    insert_rows(session, ThreeOnesItem, rows)


def _present(
    attended: dict[int, list[tuple[date, str, AttendanceMode]]], a: Away, half: Half
) -> list[tuple[date, str]]:
    return [
        (day, title)
        for day, title, mode in attended.get(a.member.id, [])
        if half.contains(day) and mode != AttendanceMode.ABSENT
    ]


def _items(
    rng: random.Random,
    base: dict[str, Any],
    half: Half,
    today: date,
    a: Away,
    present: list[tuple[date, str]],
) -> Iterable[dict[str, Any]]:
    last = min(half.end, today)
    calls = [c for c in a.contacts if half.contains(c["contacted_on"]) and c["channel"] in CALLS]
    if present:
        day, title = present[0]
        yield _item(base, ThreeOnesKind.ACTIVITY, day, title)
    elif rng.random() < 0.3:
        yield _explained(base, ThreeOnesKind.ACTIVITY, NOT_DONE[1])
    if calls:
        yield _item(base, ThreeOnesKind.CALL, calls[0]["contacted_on"], calls[0]["substance"])
    missing_letter = 0.25 if half.end < today else 0.5
    roll = rng.random()
    if roll < 1 - missing_letter - 0.1:
        day = max(half.start, a.departed_on) + timedelta(days=rng.randrange(0, 60))
        item = _item(base, ThreeOnesKind.LETTER, min(day, last), rng.choice(LETTERS))
        item["by_member"] = rng.random() < 0.5
        yield item
    elif roll < 1 - missing_letter:
        yield _explained(base, ThreeOnesKind.LETTER, NOT_DONE[0])


def _item(base: dict[str, Any], kind: ThreeOnesKind, day: date, note: str) -> dict[str, Any]:
    return dict(
        base,
        kind=kind,
        status=ThreeOnesStatus.DONE,
        happened_on=day,
        note=note[:200],
        explanation="",
    )


def _explained(base: dict[str, Any], kind: ThreeOnesKind, why: str) -> dict[str, Any]:
    return dict(
        base,
        kind=kind,
        status=ThreeOnesStatus.EXPLAINED,
        happened_on=None,
        note="",
        explanation=why,
    )
