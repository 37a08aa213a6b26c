"""Demo data: a county, three townships, branches, members, and a login for each role."""

import random
from datetime import date, timedelta

from sqlalchemy.orm import Session

from tenants.context import tenant_context
from tenants.models import CoordinatorAssignment, County, Township
from webapp.auth.models import Role
from webapp.auth.services import do_create_user, hash_password
from webapp.branches.models import Branch, BranchKind
from webapp.demo_dues import add_contributions, add_dues
from webapp.demo_life import add_activities, add_certificates, add_inflow, add_three_ones
from webapp.demo_names import chinese_name
from webapp.demo_people import (
    add_branch_officers,
    assign_and_contact,
    fill_trip_details,
    mobile_members,
)
from webapp.departures.article import add_article_departures
from webapp.idnumber import check_digit
from webapp.members.models import Gender, Member, MemberStatus
from webapp.placements.demo import load_demo_placements
from webapp.transfers.demo import load_demo_transfers

DEMO_PASSWORD = "lianxin2026"
DEMO_LOGINS = [
    ("admin", "平台管理员", DEMO_PASSWORD),
    ("county", "县委组织部协调员（新昌县，三个乡镇）", DEMO_PASSWORD),
    ("dsj_admin", "大市聚镇 组织委员", DEMO_PASSWORD),
    ("dsj_secretary", "大市聚镇 第一支部书记", DEMO_PASSWORD),
    ("dsj_committee", "大市聚镇 第一支部委员", DEMO_PASSWORD),
    ("dsj_member", "大市聚镇 流动党员", DEMO_PASSWORD),
    ("ra_admin", "儒岙镇 组织委员", DEMO_PASSWORD),
    ("wy_dsj02", "大市聚镇 第二支部委员（各支部 wy_<支部代码>，约九成支部已开通）", DEMO_PASSWORD),
    ("sj_dsj02", "大市聚镇 第二支部书记（各支部 sj_<支部代码>）", DEMO_PASSWORD),
]

VILLAGES = [
    "东溪",
    "西岙",
    "南山",
    "北岭",
    "上宅",
    "下坑",
    "中村",
    "石门",
    "竹林",
    "梅渚",
    "桃源",
    "杏坞",
    "枫桥",
    "柳岸",
    "清水",
    "黄泥",
    "白岩",
    "青山",
    "红旗",
    "新建",
]
TOWNSHIPS = [
    ("大市聚镇", "dashiju", 60, 957),
    ("儒岙镇", "ruao", 12, 160),
    ("澄潭街道", "chengtan", 8, 110),
]
COUNTY = ("新昌县", "330624")
PREFIXES = {"dashiju": "dsj", "ruao": "ra", "chengtan": "ct"}


def id_number_for(rng: random.Random, region: str, born: date, gender: Gender) -> str:
    """A checksum-valid ID number for a birth date and gender (odd sequence digit: male)."""
    seq = rng.randrange(0, 999)
    if (seq % 2 == 1) != (gender == Gender.MALE):
        seq = (seq + 1) % 1000
    first17 = f"{region}{born:%Y%m%d}{seq:03d}"
    return first17 + check_digit(first17)


def make_member(rng: random.Random, township: Township, branch: Branch, used: set[str]) -> Member:
    """A random, valid member of branch."""
    gender = Gender.MALE if rng.random() < 0.72 else Gender.FEMALE
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 52))
    number = id_number_for(rng, township.division_code, born, gender)
    while number in used:
        number = id_number_for(rng, township.division_code, born, gender)
    used.add(number)
    joined = born + timedelta(days=365 * 19 + rng.randrange(0, 365 * 20))
    joined = min(joined, date(2025, 6, 1))
    member = Member(
        tenant_id=township.id,
        branch_id=branch.id,
        name=chinese_name(rng),
        gender=gender,
        birth_date=born,
        ethnicity="汉族",
        phone=f"1{rng.choice('3589')}{rng.randrange(10**8, 10**9)}",
        email="",
        join_date=joined,
        status=MemberStatus.PROBATIONARY if rng.random() < 0.03 else MemberStatus.FULL,
    )
    member.set_id_number(number)
    return member


def _branches(session: Session, township: Township, count: int) -> list[Branch]:
    branches = []
    for i in range(count):
        mobile = i >= count - max(1, count // 15)
        name = (
            f"{township.name}驻{['上海', '杭州', '义乌', '广州'][i % 4]}临时流动党支部"
            if mobile
            else f"{VILLAGES[i % len(VILLAGES)]}村第{i // len(VILLAGES) + 1}党支部"
        )
        branches.append(
            Branch(
                tenant_id=township.id,
                name=name,
                kind=BranchKind.MOBILE if mobile else BranchKind.REGULAR,
                secretary_name="",
                location=township.name,
            )
        )
    session.add_all(branches)
    session.flush()
    return branches


def load_demo(session: Session, seed: int = 20261127) -> None:
    """Create the demo county with its townships, branches, members and logins."""
    rng = random.Random(seed)
    county = County(name=COUNTY[0], code=COUNTY[1])
    session.add(county)
    session.flush()
    admin_kw = {"password": DEMO_PASSWORD, "display_name": "平台管理员"}
    do_create_user(session, username="admin", role=Role.PLATFORM_ADMIN, **admin_kw)
    coordinator = do_create_user(
        session,
        username="county",
        display_name="县委组织部 陈协调",
        password=DEMO_PASSWORD,
        role=Role.COUNTY_COORDINATOR,
        county_id=county.id,
    )
    used: set[str] = set()
    password_hash = hash_password(DEMO_PASSWORD)  # hashed once for the many officer accounts
    for name, slug, n_branches, n_members in TOWNSHIPS:
        township = Township(county_id=county.id, name=name, slug=slug, division_code=COUNTY[1])
        session.add(township)
        session.flush()
        session.add(CoordinatorAssignment(user_id=coordinator.id, township_id=township.id))
        with tenant_context(township.id):
            branches = _branches(session, township, n_branches)
            members = [
                make_member(rng, township, branches[i % n_branches], used) for i in range(n_members)
            ]
            session.add_all(members)
            session.flush()
            add_article_departures(session, township, members, date.today(), seed=len(members))
            login_member = members[0]
            if slug == "dashiju":  # the article's township placed 76 members in two branches
                placed = load_demo_placements(session, township, branches, 76, date.today())
                # the demo member's login shows a member away and placed
                login_member = next((m for m in members if m.id in set(placed[:1])), login_member)
            _township_logins(session, township, slug, branches[0], login_member)
            _township_life(session, township, slug, branches, login_member, password_hash)
            session.commit()
    load_demo_transfers(session, date.today())


def _township_logins(
    session: Session, township: Township, slug: str, branch: Branch, member: Member
) -> None:
    prefix = PREFIXES[slug]
    roles = [
        ("admin", Role.TOWNSHIP_ADMIN, "组织委员"),
        ("secretary", Role.BRANCH_SECRETARY, "支部书记"),
        ("committee", Role.COMMITTEE_MEMBER, "支部委员"),
        ("member", Role.MEMBER, member.name),
    ]
    for suffix, role, label in roles:
        do_create_user(
            session,
            username=f"{prefix}_{suffix}",
            display_name=f"{township.name} {label}",
            password=DEMO_PASSWORD,
            role=role,
            tenant_id=township.id,
            branch_id=(member.branch_id if role == Role.MEMBER else branch.id)
            if role != Role.TOWNSHIP_ADMIN
            else None,
            member_id=member.id if role == Role.MEMBER else None,
        )
    branch.secretary_name = f"{township.name} 支部书记"


def _township_life(
    session: Session,
    township: Township,
    slug: str,
    branches: list[Branch],
    login_member: Member,
    password_hash: str,
) -> None:
    """Officers with logins, trip details, contact duty and visits, certificates, activities,
    三个一, dues and contributions of the last year, all relative to today."""
    today = date.today()
    rng = random.Random(f"{slug}-life")
    officers = add_branch_officers(
        session, rng, township, PREFIXES[slug], branches, password_hash, login_member.branch_id
    )
    away = mobile_members(session, township)
    fill_trip_details(rng, away)
    add_inflow(session, away)
    assign_and_contact(session, rng, away, officers, today, login_member.id)
    add_certificates(session, rng, township, away, today)
    attended = add_activities(session, rng, township, branches, away, today)
    add_three_ones(session, rng, away, attended, today)
    add_dues(session, rng, township, today)
    add_contributions(session, rng, township, away, today)
