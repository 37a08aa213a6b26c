"""Benchmark-scale data: counties of 30 townships, ~5,000 members each, article-like departures."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.orm import Session

from tenants.context import system_context_unsafe
from tenants.models import County, Township
from webapp import divisions
from webapp.branches.models import Branch, BranchKind
from webapp.crypto import keyring
from webapp.demo import VILLAGES, chinese_name, id_number_for
from webapp.departures.article import JOBS
from webapp.departures.models import Departure, Whereabouts
from webapp.departures.services import destination_fields
from webapp.members.models import Gender, Member, MemberStatus, phone_index_of

TOWNSHIP_SIZE = 5000
PER_COUNTY = 30
BRANCHES = 60
BATCH = 10_000
MOBILE_SHARE = 195 / 957  # the article's township: 195 of 957 members away
LONG_TERM_SHARE = 38 / 195
MOVED_SHARE = 0.10  # mobile members whose trip has an earlier stint elsewhere
RETURNED_SHARE = 0.06  # members at home whose history holds a finished trip
UNKNOWN = "unknown"
# the article's mix of mobile members: 40 / 9 / 14 / 128 / 4 of 195
MIX = (
    ("cross_province", 40),
    ("in_province", 9),
    ("in_prefecture", 14),
    ("in_county", 128),
    (UNKNOWN, 4),
)
HOME_PROVINCES = ("330000", "320000", "350000", "360000", "340000")  # 浙江 first
ARTICLE_COUNTY = "330624"  # 新昌县, the article's county, comes first when unused
BIG_CITIES = (("310100", 30), ("440100", 20), ("440300", 20), ("110100", 10), ("320500", 20))
TOWN_STEMS = (
    *("城关", "七星", "南明", "羽林", "沙溪", "镜岭", "回山", "东茗", "小将", "梅渚"),
    *("新林", "双彩", "城南", "澄潭", "儒岙", "大市聚", "石溪", "长乐", "甘霖", "黄泽"),
    *("崇仁", "三界", "仙岩", "金庭", "北漳", "谷来", "通源", "贵门", "王院", "竹溪"),
)
CITIES = ("上海", "杭州", "义乌", "广州", "深圳", "苏州")
BLANK_STINT = dict.fromkeys(("employer", "wechat", "email", "living", "study", "notes"), "")
Echo = Callable[[str], Any]


@dataclass
class ScaleResult:
    """What generate() made: ids by county, the benchmark township, row counts, time taken."""

    county_ids: list[int] = field(default_factory=list)
    township_ids: list[list[int]] = field(default_factory=list)
    bench_township_id: int = 0
    bench_slug: str = ""
    members: int = 0
    departures: int = 0
    whereabouts: int = 0
    seconds: float = 0.0


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """total split in proportion to weights, as integers summing to total (largest remainder)."""
    whole = sum(weights)
    exact = [total * w / whole for w in weights]
    counts = [int(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: exact[i] - counts[i], reverse=True)
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def township_sizes(total: int, size: int, rng: random.Random) -> list[int]:
    """Member counts per township: the first exactly size (the benchmark's), the rest around it."""
    first = min(size, total)
    rest = total - first
    others = max(round(rest / size), 1) if rest else 0
    return [first, *apportion(rest, [rng.uniform(0.7, 1.3) for _ in range(others)])]


def _counties(parent: str) -> list[divisions.Division]:
    """Real county-level divisions below parent (no NBS functional zones)."""
    return [c for c in divisions.children(parent) if divisions.is_leaf(c.code) and not c.functional]


def home_counties(session: Session, count: int, rng: random.Random) -> list[divisions.Division]:
    """count real county codes not yet used by a county, each with a neighbour in its prefecture."""
    used = set(session.scalars(select(County.code)))
    candidates: list[divisions.Division] = []
    for province in HOME_PROVINCES:
        pool = [
            c
            for p in divisions.children(province)
            if len(_counties(p.code)) > 1
            for c in _counties(p.code)
        ]
        rng.shuffle(pool)
        candidates += sorted(pool, key=lambda c: c.code != ARTICLE_COUNTY)
    chosen = [c for c in candidates if c.code not in used][:count]
    if len(chosen) < count:
        raise ValueError(f"only {len(chosen)} unused county codes left for {count} counties")
    return chosen


@cache
def _pools(home: str) -> dict[str, tuple[list[str], list[float]]]:
    """Destination codes and weights by flow category for a home county."""
    d = divisions.get(home)
    if d is None or d.prefecture_code is None:
        raise ValueError(f"not a county-level code: {home}")
    province, prefecture = d.province_code, d.prefecture_code
    cross = [
        (c.code, weight / len(_counties(city)))
        for city, weight in BIG_CITIES
        if not city.startswith(province[:2])
        for c in _counties(city)
    ]
    others = [
        c.code
        for p in divisions.children(province)
        if p.code != prefecture
        for c in (_counties(p.code) or ([p] if divisions.is_leaf(p.code) else []))
    ]
    near = [c.code for c in _counties(prefecture) if c.code != home]
    return {
        "cross_province": ([c for c, _ in cross], [w for _, w in cross]),
        "in_province": (others, [1.0] * len(others)),
        "in_prefecture": (near, [1.0] * len(near)),
        "in_county": ([home], [1.0]),
    }


@cache
def destination(home: str, code: str) -> tuple[str, dict[str, Any]]:
    """The address and derived destination fields for a code, computed once per pair."""
    address = divisions.full_name(code) or ""
    fields, problem = destination_fields(home, address)
    if problem or fields["destination_code"] != code:
        raise ValueError(f"{address!r} does not parse back to {code}: {problem}")
    return address, fields


def pick_destination(rng: random.Random, home: str, category: str) -> tuple[str, dict[str, Any]]:
    """A random real destination of the category ("unknown": no address at all)."""
    if category == UNKNOWN:
        return "", destination_fields(home, "")[0]
    codes, weights = _pools(home)[category]
    address, fields = destination(home, rng.choices(codes, weights)[0])
    if fields["flow_category"] != category:
        raise ValueError(f"{address} from {home} is {fields['flow_category']}, not {category}")
    return address, fields


def reserve_ids(session: Session, table: Table, count: int) -> list[int]:
    """count fresh primary keys for table (from its sequence on PostgreSQL, else after max(id))."""
    if count == 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        seq = session.execute(
            text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name}
        ).scalar_one()
        stmt = text("SELECT nextval(CAST(:seq AS regclass)) FROM generate_series(1, :n)")
        return list(session.scalars(stmt, {"seq": seq, "n": count}))
    start = (session.scalar(select(func.max(table.c.id))) or 0) + 1
    return list(range(start, start + count))


def bulk_insert(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Give rows fresh ids, then Core executemany in batches (EncryptedString encrypts numbers)."""
    for row, new_id in zip(rows, reserve_ids(session, table, len(rows)), strict=True):
        row["id"] = new_id
    for i in range(0, len(rows), BATCH):
        session.execute(insert(table), rows[i : i + BATCH])


def _branch_rows(
    rng: random.Random, town: Township, count: int, now: datetime
) -> tuple[list[dict[str, Any]], list[float]]:
    mobile_from = count - max(1, count // 15)
    rows, weights = [], []
    for i in range(count):
        mobile = i >= mobile_from
        j = i - mobile_from
        name = (
            f"{town.name}驻{CITIES[j % len(CITIES)]}临时流动党支部{'' if j < len(CITIES) else j}"
            if mobile
            else f"{VILLAGES[i % len(VILLAGES)]}村第{i // len(VILLAGES) + 1}党支部"
        )
        kind = BranchKind.MOBILE if mobile else BranchKind.REGULAR
        fixed = {"tenant_id": town.id, "phone": "", "location": town.name, "created_at": now}
        rows.append({**fixed, "name": name, "kind": kind.value, "updated_at": now})
        rows[-1]["secretary_name"] = chinese_name(rng)
        weights.append(0.3 if mobile else rng.uniform(0.4, 1.6))
    return rows, weights


def _member_rows(
    rng: random.Random,
    town: Township,
    branch_ids: list[int],
    weights: list[float],
    size: int,
    used: set[str],
    now: datetime,
) -> list[dict[str, Any]]:
    """Member rows as make_member builds them; id_number and phone stay plain for EncryptedString."""
    rows = []
    fixed = {"tenant_id": town.id, "ethnicity": "汉族", "email": "", "created_at": now}
    for branch_id in rng.choices(branch_ids, weights, k=size):
        gender = Gender.MALE if rng.random() < 0.72 else Gender.FEMALE
        born = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 52))
        number = id_number_for(rng, town.division_code, born, gender)
        while number in used:
            number = id_number_for(rng, town.division_code, born, gender)
        used.add(number)
        joined = min(born + timedelta(days=365 * 19 + rng.randrange(0, 365 * 20)), date(2025, 6, 1))
        status = MemberStatus.PROBATIONARY if rng.random() < 0.03 else MemberStatus.FULL
        phone = f"1{rng.choice('3589')}{rng.randrange(10**8, 10**9)}"
        rows.append(
            {
                **fixed,
                "branch_id": branch_id,
                "name": chinese_name(rng),
                "gender": gender.value,
                "birth_date": born,
                "id_number": number,
                "id_number_index": keyring.blind_index(number),
                "phone": phone,
                "phone_index": phone_index_of(phone),
                "join_date": joined,
                "status": status.value,
                "updated_at": now,
            }
        )
    return rows


@dataclass
class _Trips:
    """Departure and whereabouts rows of one township, ids assigned later."""

    departures: list[dict[str, Any]] = field(default_factory=list)
    stints: list[dict[str, Any]] = field(default_factory=list)

    def trip(self, base: dict[str, Any], departed: date, returned: date | None) -> int:
        """Add a trip; returns its index (the stints refer to it until it has an id)."""
        expected = departed + timedelta(days=365)
        row = dict(base, departed_on=departed, expected_return=expected, returned_on=returned)
        self.departures.append({**row, "return_notes": ""})
        return len(self.departures) - 1

    def stint(
        self, base: dict[str, Any], trip: int, span: tuple[date, date | None], where: Any
    ) -> None:
        """Add a whereabouts row of trip for the dates span, at where (address, fields)."""
        address, fields = where
        row = dict(base, departure_id=trip, valid_from=span[0], valid_to=span[1], address=address)
        self.stints.append({**row, **fields, **BLANK_STINT})


def _trip_rows(
    rng: random.Random, town: Township, members: list[dict[str, Any]], today: date, now: datetime
) -> _Trips:
    """Open trips for ~20% of members in the article's mix, and finished trips for a few more."""
    home = town.division_code
    n_mobile = round(len(members) * MOBILE_SHARE)
    n_returned = round((len(members) - n_mobile) * RETURNED_SHARE)
    picked = rng.sample(members, n_mobile + n_returned)
    categories = [
        c
        for (c, _), k in zip(MIX, apportion(n_mobile, [w for _, w in MIX]), strict=True)
        for _ in range(k)
    ]
    rng.shuffle(categories)
    long_term = set(rng.sample(range(n_mobile), round(n_mobile * LONG_TERM_SHARE)))
    out = _Trips()
    for i, member in enumerate(picked):
        occupation, industry = rng.choice(JOBS)
        base = {"tenant_id": town.id, "member_id": member["id"], "created_at": now}
        base["updated_at"] = now
        stint_base = {**base, "occupation": occupation, "industry": industry}
        stint_base["phone"] = member["phone"]
        if i >= n_mobile:
            departed = today - timedelta(days=rng.randrange(400, 1500))
            returned = departed + timedelta(days=rng.randrange(30, 300))
            trip = out.trip(base, departed, returned)
            where = pick_destination(rng, home, rng.choice(MIX[:4])[0])
            out.stint(stint_base, trip, (departed, returned), where)
            continue
        days = rng.randrange(400, 2000) if i in long_term else rng.randrange(20, 330)
        departed = today - timedelta(days=days)
        trip = out.trip(base, departed, None)
        start = departed
        if rng.random() < MOVED_SHARE:
            start = departed + timedelta(days=rng.randrange(1, days))
            earlier = pick_destination(rng, home, rng.choice(MIX[:4])[0])
            out.stint(stint_base, trip, (departed, start), earlier)
        out.stint(stint_base, trip, (start, None), pick_destination(rng, home, categories[i]))
    return out


def _township(
    session: Session,
    rng: random.Random,
    town: Township,
    size: int,
    used: set[str],
    today: date,
) -> tuple[int, int]:
    """Branches, members and trips of one township; returns (departures, whereabouts)."""
    now = datetime.now(UTC)
    branches, weights = _branch_rows(rng, town, BRANCHES, now)
    bulk_insert(session, Branch.__table__, branches)
    branch_ids = [row["id"] for row in branches]
    members = _member_rows(rng, town, branch_ids, weights, size, used, now)
    bulk_insert(session, Member.__table__, members)
    trips = _trip_rows(rng, town, members, today, now)
    bulk_insert(session, Departure.__table__, trips.departures)
    for row in trips.stints:
        row["departure_id"] = trips.departures[row["departure_id"]]["id"]
    bulk_insert(session, Whereabouts.__table__, trips.stints)
    return len(trips.departures), len(trips.stints)


def _new_township(session: Session, county: County, j: int, prefix: str) -> Township:
    """The j-th township of county, named like a real one, on the county's division code."""
    stem = TOWN_STEMS[j % len(TOWN_STEMS)] + ("" if j < len(TOWN_STEMS) else str(j))
    town = Township(
        county_id=county.id,
        name=stem + ("街道" if j < 3 else "镇" if j % 5 else "乡"),
        slug=f"{prefix}-{county.code}-{j + 1:02d}",
        division_code=county.code,
        settings={},
    )
    session.add(town)
    session.flush()
    return town


def generate(
    session: Session,
    members: int,
    *,
    township_size: int = TOWNSHIP_SIZE,
    per_county: int = PER_COUNTY,
    seed: int = 20261127,
    today: date | None = None,
    prefix: str = "scale",
    echo: Echo = print,
) -> ScaleResult:
    """Create counties, townships, branches, members and trips totalling members; commits per township."""
    if members < 1:
        raise ValueError("members must be at least 1")
    rng = random.Random(seed)
    today = today or date.today()
    sizes = township_sizes(members, township_size, rng)
    n_counties = -(-len(sizes) // per_county)
    result = ScaleResult()
    started = time.perf_counter()
    echo(f"scale: {members:,} members in {len(sizes)} townships, {n_counties} counties")
    used: set[str] = set()
    done = 0
    with system_context_unsafe():
        homes = home_counties(session, n_counties, rng)
        for c, home in enumerate(homes):
            county = County(name=home.name, code=home.code)
            session.add(county)
            session.flush()
            result.county_ids.append(county.id)
            result.township_ids.append([])
            chunk = sizes[c * per_county : (c + 1) * per_county]
            for j, size in enumerate(chunk):
                town = _new_township(session, county, j, prefix)
                trips, stints = _township(session, rng, town, size, used, today)
                session.commit()
                result.township_ids[-1].append(town.id)
                if not result.bench_township_id:
                    result.bench_township_id, result.bench_slug = town.id, town.slug
                result.members += size
                result.departures += trips
                result.whereabouts += stints
                done += 1
                if done == 1 or done % 10 == 0 or done == len(sizes):
                    elapsed = time.perf_counter() - started
                    echo(
                        f"  [{done}/{len(sizes)}] {home.name} {town.name}: {result.members:,} members, "
                        f"{result.departures:,} trips ({elapsed:.0f}s, {result.members / elapsed:,.0f}/s)"
                    )
    result.seconds = time.perf_counter() - started
    return result
