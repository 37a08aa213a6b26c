"""Demo people around the mobile members: branch officers with logins, the details of each trip
(employer, WeChat, living and study, a family contact), and who contacts whom with the log of
the last four quarters' visits (this quarter's and last quarter's among them)."""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from tenants.models import Township
from webapp.auth.models import Role, User
from webapp.branches.models import Branch
from webapp.demo_names import chinese_name
from webapp.departures.models import Departure, Whereabouts
from webapp.duties.models import Contact, ContactAssignment, ContactChannel
from webapp.duties.periods import quarter_of
from webapp.members.models import Member

EMPLOYERS = ("餐饮有限公司", "机械制造有限公司", "建筑装饰工程有限公司", "物流有限公司", "商贸行")
LIVING = (
    "与同乡合租，居住稳定，身体健康",
    "住单位集体宿舍，生活规律",
    "夫妻二人在外务工，子女在家由老人照看",
    "自购住房，已在当地安家",
    "租住城中村，收入稳定",
)
STUDY = (
    "通过“学习强国”坚持每日学习",
    "参加流入地支部组织的集中学习",
    "每月收到支部寄送的学习资料",
    "通过支部微信群学习家乡动态和文件精神",
)
RELATIONS = ("配偶", "父亲", "母亲", "儿子", "女儿", "兄弟")
SUBSTANCE = (
    "了解在外工作生活情况，传达村里近期重点工作",
    "通报家乡新农村建设进展，提醒按时交纳党费",
    "询问身体和家庭情况，转达支部对三个一的要求",
    "交流近期学习情况，征求对村两委工作的意见建议",
    "告知年底民主评议安排，请其提前准备自评材料",
)
CHANNELS = (
    (ContactChannel.PHONE, 40),
    (ContactChannel.WECHAT, 35),
    (ContactChannel.VIDEO, 10),
    (ContactChannel.VISIT, 10),
    (ContactChannel.LETTER, 5),
)
NOT_REACHED = 0.15  # assigned members not yet contacted this quarter
MISSED_LAST = 0.08  # and those nobody reached in an earlier quarter
HISTORY_QUARTERS = 4  # the log goes back a year: this half-year's 三个一 calls and the last's


@dataclass
class Away:
    """A mobile member of the township with the facts the demo's other records build on."""

    member: Member
    departed_on: date
    stint: Whereabouts
    officer: User | None = None
    engagement: float = 0.7  # how likely they are to join a branch activity from afar
    inflow_branch_id: int | None = None
    contacts: list[dict[str, Any]] = field(default_factory=list)


def insert_rows(
    session: Session, model: Any, rows: list[dict[str, Any]], ids: bool = False
) -> list[int]:
    """Insert rows of model in one executemany; with ids, their new ids in order."""
    if not rows:
        return []
    if not ids:
        session.execute(insert(model.__table__), rows)
        return []
    stmt = insert(model).returning(model.id, sort_by_parameter_order=True)
    return list(session.scalars(stmt, rows))


def branch_code(prefix: str, index: int) -> str:
    """The short code of the township's index-th branch, as used in its officers' login names."""
    return f"{prefix}{index + 1:02d}"


def add_branch_officers(
    session: Session,
    rng: random.Random,
    township: Township,
    prefix: str,
    branches: list[Branch],
    password_hash: str,
    keep_branch_id: int,
) -> dict[int, User]:
    """A secretary (sj_<code>) where a branch has none and a committee member (wy_<code>) for
    most branches; the committee member of each branch that has one, by branch id."""
    existing = {
        (u.branch_id, u.role): u
        for u in session.scalars(select(User).where(User.tenant_id == township.id))
    }
    rows: list[dict[str, Any]] = []
    for i, branch in enumerate(branches):
        code = branch_code(prefix, i)
        if (branch.id, Role.BRANCH_SECRETARY) not in existing:
            branch.secretary_name = branch.secretary_name or chinese_name(rng)
            rows.append(_user(f"sj_{code}", branch, Role.BRANCH_SECRETARY, branch.secretary_name))
        has_committee = (branch.id, Role.COMMITTEE_MEMBER) in existing
        if not has_committee and (i % 10 != 9 or branch.id == keep_branch_id):
            rows.append(_user(f"wy_{code}", branch, Role.COMMITTEE_MEMBER, chinese_name(rng)))
    for row in rows:
        row["password_hash"] = password_hash
    insert_rows(session, User, rows)
    session.flush()
    return {
        u.branch_id: u
        for u in session.scalars(
            select(User)
            .where(User.tenant_id == township.id, User.role == Role.COMMITTEE_MEMBER)
            .order_by(User.id.desc())
        )
    }


def _user(username: str, branch: Branch, role: Role, name: str) -> dict[str, Any]:
    return {
        "username": username,
        "display_name": name,
        "role": role,
        "tenant_id": branch.tenant_id,
        "branch_id": branch.id,
        "is_active_account": True,
        "session_version": 1,
    }


def mobile_members(session: Session, township: Township) -> list[Away]:
    """The township's members away now, with their current stint, by member id."""
    rows = session.execute(
        select(Member, Departure.departed_on, Whereabouts)
        .join(Departure, Departure.member_id == Member.id)
        .join(Whereabouts, Whereabouts.departure_id == Departure.id)
        .where(
            Member.tenant_id == township.id,
            Departure.returned_on.is_(None),
            Whereabouts.valid_to.is_(None),
        )
        .order_by(Member.id)
    )
    return [Away(member, departed, stint) for member, departed, stint in rows]


def fill_trip_details(rng: random.Random, away: list[Away]) -> None:
    """What the branch registers for a member going out: employer, WeChat, living and study
    situation, and a family contact at home."""
    for a in away:
        stint, member = a.stint, a.member
        city = (
            stint.address[3:5] if stint.address.startswith("浙江省") else stint.address[:2]
        ) or ""
        if stint.address:
            stint.employer = (
                f"{city}{rng.choice(['鑫', '华', '顺', '恒', '兴'])}{rng.choice(EMPLOYERS)}"
            )
        stint.wechat = f"wxid_{rng.randrange(10**7, 10**8)}"
        stint.living = rng.choice(LIVING)
        stint.study = rng.choice(STUDY)
        relative = member.name[0] + chinese_name(rng)[1:]
        phone = f"1{rng.choice('3589')}{rng.randrange(10**8, 10**9)}"
        stint.notes = f"家中联系人：{relative}（{rng.choice(RELATIONS)}）{phone}"


def assign_and_contact(
    session: Session,
    rng: random.Random,
    away: list[Away],
    officers: dict[int, User],
    today: date,
    always_reached: int,
) -> None:
    """The branch's committee member contacts each of its mobile members (一季度一访); most were
    reached this quarter and last, some not yet. Members of branches without one stay unassigned."""
    quarters = [quarter_of(today)]
    while len(quarters) < HISTORY_QUARTERS:
        quarters.insert(0, quarters[0].previous())
    skips = [MISSED_LAST] * (len(quarters) - 1) + [NOT_REACHED]
    assignments, contacts = [], []
    for a in away:
        officer = officers.get(a.member.branch_id)
        if officer is None:
            continue
        a.officer = officer
        valid_from = min(a.departed_on + timedelta(days=rng.randrange(1, 8)), today)
        assignments.append(
            {
                "tenant_id": a.member.tenant_id,
                "member_id": a.member.id,
                "officer_id": officer.id,
                "valid_from": valid_from,
            }
        )
        for q, skip in zip(quarters, skips, strict=True):
            first, last = max(q.start, valid_from), min(q.end, today)
            if first > last or (rng.random() < skip and a.member.id != always_reached):
                continue
            for _ in range(1 if rng.random() < 0.75 else 2):
                day = first + timedelta(days=rng.randrange(0, (last - first).days + 1))
                contacts.append(_contact(rng, a, officer, day, today))
    insert_rows(session, ContactAssignment, assignments)
    insert_rows(session, Contact, contacts)


def _contact(rng: random.Random, a: Away, officer: User, day: date, today: date) -> dict[str, Any]:
    channel = rng.choices([c for c, _ in CHANNELS], [w for _, w in CHANNELS])[0]
    follow = rng.random() < 0.2
    row = {
        "tenant_id": a.member.tenant_id,
        "member_id": a.member.id,
        "contacted_on": day,
        "channel": channel,
        "substance": rng.choice(SUBSTANCE),
        "follow_up": "协助办理流入地党组织报到手续" if follow else "",
        "follow_up_due": min(day + timedelta(days=14), today + timedelta(days=14))
        if follow
        else None,
        "logged_by_id": officer.id,
        "logged_by_name": officer.display_name,
    }
    a.contacts.append(row)
    return row
