"""The source article's census (section 一) as data: used by the demo township and its test."""

import random
from datetime import date, timedelta

from sqlalchemy.orm import Session

from tenants.models import Township
from webapp.departures.models import Departure, Whereabouts
from webapp.departures.services import destination_fields
from webapp.members.models import Member

# (address, how many): 40 cross-province, 9 in-province, 14 same prefecture, 128 same county,
# and 4 whose whereabouts are unknown -- 195 mobile members of 957.
DESTINATIONS = [
    ("上海市闵行区莘庄镇", 15),
    ("上海市浦东新区张江镇", 10),
    ("广东省广州市天河区", 10),
    ("广东省广州市番禺区", 5),
    ("浙江省杭州市萧山区", 5),
    ("浙江省义乌市稠城街道", 4),
    ("浙江省绍兴市越城区", 8),
    ("浙江省嵊州市", 6),
    ("浙江省绍兴市新昌县七星街道", 128),
    ("", 4),
]
LONG_TERM = 38
JOBS = [
    ("厨师", "住宿和餐饮业"),
    ("车间工人", "制造业"),
    ("装修工", "建筑业"),
    ("个体经营", "批发和零售业"),
    ("货车司机", "交通运输业"),
    ("保安", "居民服务业"),
    ("快递员", "交通运输业"),
    ("机修工", "制造业"),
]


ARTICLE_MEMBERS = 957


def add_article_departures(
    session: Session, township: Township, members: list[Member], today: date, seed: int = 1
) -> int:
    """Send members away in the article's proportions (exactly its counts for 957 members)."""
    rng = random.Random(seed)
    scale = len(members) / ARTICLE_MEMBERS
    addresses = [address for address, n in DESTINATIONS for _ in range(round(n * scale))]
    chosen = rng.sample(members, len(addresses))
    long_term = set(rng.sample(range(len(chosen)), round(LONG_TERM * scale)))
    for i, (member, address) in enumerate(zip(chosen, addresses, strict=True)):
        days = rng.randrange(400, 2000) if i in long_term else rng.randrange(20, 330)
        departed = today - timedelta(days=days)
        trip = Departure(
            tenant_id=township.id,
            member_id=member.id,
            departed_on=departed,
            expected_return=departed + timedelta(days=365),
        )
        session.add(trip)
        session.flush()
        destination, problem = destination_fields(township.division_code, address)
        if problem:
            raise ValueError(f"article address {address!r}: {problem}")
        occupation, industry = rng.choice(JOBS)
        session.add(
            Whereabouts(
                tenant_id=township.id,
                departure_id=trip.id,
                member_id=member.id,
                valid_from=departed,
                address=address,
                occupation=occupation,
                industry=industry,
                phone=member.phone,
                **destination,
            )
        )
    session.flush()
    return len(chosen)
