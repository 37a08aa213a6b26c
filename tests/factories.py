"""Builders for test data; every name is unique so tests share one database safely."""

import functools
import itertools
import random
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask.testing import FlaskClient

from tenants.context import system_context_unsafe, tenant_context
from tenants.models import CoordinatorAssignment, County, Township
from webapp.auth.models import Role, TokenScope, User
from webapp.auth.services import hash_password
from webapp.auth.tokens import do_create_token
from webapp.branches.models import Branch, BranchKind
from webapp.demo import chinese_name, id_number_for
from webapp.extensions import db
from webapp.members.models import Gender, Member, MemberStatus

PASSWORD = "testpass123"
_seq = itertools.count(random.randrange(10**5))
_rng = random.Random()
_issued: set[str] = set()


def uid() -> str:
    return uuid.uuid4().hex[:8]


def valid_id_number(born: date = date(1985, 6, 15), gender: Gender = Gender.MALE) -> str:
    """A checksum-valid ID number not handed out before in this run.

    Its region (嵊州市) is one that the demo and the small scale data never use, so numbers stay
    unique among active members across every township of the run's shared database.
    """
    while True:
        number = id_number_for(_rng, "330683", born, gender)
        if number not in _issued:
            _issued.add(number)
            return number


def make_county() -> County:
    with system_context_unsafe():
        county = County(name=f"县{uid()}", code=f"{next(_seq) % 1000000:06d}")
        db.session.add(county)
        db.session.commit()
    return county


def make_township(county: County, name: str | None = None, reminders_on: bool = True) -> Township:
    """A township; its reminder rules are on (as after an officer's preview) unless reminders_on
    is False (a township as it starts: every rule off)."""
    from webapp.reminders.rules import load_rules

    rules = {key: {"enabled": True} for key in load_rules()} if reminders_on else {}
    with system_context_unsafe():
        slug = f"t-{uid()}"
        township = Township(
            county_id=county.id,
            name=name or f"镇{slug}",
            slug=slug,
            division_code="330624",
            settings={"reminders": {"rules": rules}} if rules else {},
        )
        db.session.add(township)
        db.session.commit()
    return township


def make_branch(
    township: Township, name: str | None = None, kind: BranchKind = BranchKind.REGULAR
) -> Branch:
    with tenant_context(township.id):
        branch = Branch(tenant_id=township.id, name=name or f"支部{uid()}", kind=kind)
        db.session.add(branch)
        db.session.commit()
    return branch


def make_member(
    township: Township, branch: Branch, name: str | None = None, phone: str = "13912345678"
) -> Member:
    with tenant_context(township.id):
        # at least 18 on the join date below (2005-07-01), as the member rules require
        born = date(1960, 1, 1) + timedelta(days=_rng.randrange(0, 365 * 27))
        member = Member(
            tenant_id=township.id,
            branch_id=branch.id,
            name=name or chinese_name(_rng),
            gender=Gender.MALE,
            birth_date=born,
            join_date=date(2005, 7, 1),
            phone=phone,
            status=MemberStatus.FULL,
        )
        member.set_id_number(valid_id_number(born))
        db.session.add(member)
        db.session.commit()
    return member


def make_user(
    role: Role,
    township: Township | None = None,
    branch: Branch | None = None,
    county: County | None = None,
    assigned: list[Township] | None = None,
    member: Member | None = None,
) -> User:
    with system_context_unsafe():
        user = User(
            username=f"u{uid()}",
            display_name=f"用户{uid()[:4]}",
            password_hash=_password_hash(),
            role=role,
            tenant_id=township.id if township else None,
            county_id=county.id if county else None,
            branch_id=branch.id if branch else None,
            member_id=member.id if member else None,
        )
        db.session.add(user)
        db.session.flush()
        for t in assigned or []:
            db.session.add(CoordinatorAssignment(user_id=user.id, township_id=t.id))
        db.session.commit()
    return user


@functools.cache
def _password_hash() -> str:
    """argon2id is slow on purpose; hash the shared test password once."""
    return hash_password(PASSWORD)


def token_for(user: User, scope: TokenScope = TokenScope.WRITE) -> str:
    return do_create_token(db.session, user, "test", scope)[1]


def login(client: FlaskClient, user: User, password: str = PASSWORD) -> None:
    response = client.post("/login", data={"username": user.username, "password": password})
    assert response.status_code == 302, response.data[:500]


@dataclass
class TownshipWorld:
    """One township with two branches, members in each, and a user of every township role."""

    township: Township
    branch: Branch
    other_branch: Branch
    empty_branch: Branch
    member: Member
    other_member: Member
    users: dict[Role, User] = field(default_factory=dict)


@dataclass
class World:
    """County A (townships a, a2) and county B (township b) with coordinators of each."""

    county_a: County
    county_b: County
    a: TownshipWorld
    a2: TownshipWorld
    b: TownshipWorld
    coordinator_a: User
    coordinator_b: User
    platform_admin: User


def build_township(county: County) -> TownshipWorld:
    township = make_township(county)
    branch, other, empty = make_branch(township), make_branch(township), make_branch(township)
    member = make_member(township, branch)
    other_member = make_member(township, other)
    tw = TownshipWorld(township, branch, other, empty, member, other_member)
    for role in (Role.TOWNSHIP_ADMIN, Role.BRANCH_SECRETARY, Role.COMMITTEE_MEMBER, Role.MEMBER):
        tw.users[role] = make_user(
            role,
            township,
            branch=None if role == Role.TOWNSHIP_ADMIN else branch,
            member=member if role == Role.MEMBER else None,
        )
    return tw


def build_world() -> World:
    county_a, county_b = make_county(), make_county()
    a, a2, b = build_township(county_a), build_township(county_a), build_township(county_b)
    return World(
        county_a=county_a,
        county_b=county_b,
        a=a,
        a2=a2,
        b=b,
        coordinator_a=make_user(
            Role.COUNTY_COORDINATOR, county=county_a, assigned=[a.township, a2.township]
        ),
        coordinator_b=make_user(Role.COUNTY_COORDINATOR, county=county_b, assigned=[b.township]),
        platform_admin=make_user(Role.PLATFORM_ADMIN),
    )


def build_article_township(name: str = "文章镇", seed: int = 7) -> tuple[Township, User]:
    """The source article's township: 60 branches, 957 members, 195 away; and its admin."""
    from webapp.demo import make_member as make_demo_member
    from webapp.departures.article import add_article_departures

    township = make_township(make_county(), name=name)
    with tenant_context(township.id):
        branches = [Branch(tenant_id=township.id, name=f"第{i + 1}党支部") for i in range(60)]
        db.session.add_all(branches)
        db.session.flush()
        rng, used = random.Random(seed), set()
        members = [make_demo_member(rng, township, branches[i % 60], used) for i in range(957)]
        for member in members:  # one person, one active register: numbers unique in the run
            member.set_id_number(valid_id_number(member.birth_date, member.gender))
        db.session.add_all(members)
        db.session.flush()
        add_article_departures(db.session, township, members, date.today())
        db.session.commit()
    return township, make_user(Role.TOWNSHIP_ADMIN, township)
