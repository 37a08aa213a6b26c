"""Demo data: a county, three townships, branches, members, and a login for each role."""

import random
from datetime import date, timedelta

from sqlalchemy.orm import Session

from tenants.context import tenant_context
from tenants.models import CoordinatorAssignment, County, Township
from webapp.auth.models import Role
from webapp.auth.services import do_create_user
from webapp.branches.models import Branch, BranchKind
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
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英建华文华志强海燕春梅国华红梅德明永明晓东丽华玉兰建国卫东小红金凤宏伟"
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


def chinese_name(rng: random.Random) -> str:
    """A plausible Chinese name."""
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
    return rng.choice(SURNAMES) + given[:2]


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
            session.commit()
    load_demo_transfers(session, date.today())


def _township_logins(
    session: Session, township: Township, slug: str, branch: Branch, member: Member
) -> None:
    prefix = {"dashiju": "dsj", "ruao": "ra", "chengtan": "ct"}[slug]
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
