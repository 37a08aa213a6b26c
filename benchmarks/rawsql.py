"""The raw-SQL floors: the census numbers computed by one hand-written aggregate, grouped by tenant."""

from dataclasses import dataclass
from datetime import date
from typing import Any

import psycopg

CATEGORIES = ("cross_province", "in_province", "in_prefecture", "in_county")

# Members on the register, and the members away on :day with the stint current that day;
# the same rules as webapp.departures.census.mobile_rows, without the ORM or Python loops.
CENSUS_SQL = """
WITH roster AS (
    SELECT id, tenant_id FROM members
    WHERE tenant_id = ANY(%(ids)s) AND status IN ('full', 'probationary') AND join_date <= %(day)s
), away AS (
    SELECT r.tenant_id, d.departed_on, w.flow_category
    FROM departures d
    JOIN roster r ON r.id = d.member_id
    LEFT JOIN whereabouts w ON w.departure_id = d.id AND w.valid_from <= %(day)s
        AND (w.valid_to IS NULL OR w.valid_to > %(day)s)
    WHERE d.tenant_id = ANY(%(ids)s) AND d.departed_on <= %(day)s
        AND (d.returned_on IS NULL OR d.returned_on > %(day)s)
), mobile AS (
    SELECT tenant_id, count(*) AS mobile,
        count(*) FILTER (WHERE flow_category = 'cross_province') AS cross_province,
        count(*) FILTER (WHERE flow_category = 'in_province') AS in_province,
        count(*) FILTER (WHERE flow_category = 'in_prefecture') AS in_prefecture,
        count(*) FILTER (WHERE flow_category = 'in_county') AS in_county,
        count(*) FILTER (WHERE flow_category IS NULL) AS unknown,
        count(*) FILTER (WHERE departed_on <= %(day)s - %(long_term_days)s) AS long_term
    FROM away GROUP BY tenant_id
)
SELECT r.tenant_id, r.members, coalesce(m.mobile, 0), coalesce(m.cross_province, 0),
    coalesce(m.in_province, 0), coalesce(m.in_prefecture, 0), coalesce(m.in_county, 0),
    coalesce(m.unknown, 0), coalesce(m.long_term, 0)
FROM (SELECT tenant_id, count(*) AS members FROM roster GROUP BY tenant_id) r
LEFT JOIN mobile m USING (tenant_id)
ORDER BY r.tenant_id
"""


# Everything the census page shows, in one statement: members per group (branch or township),
# mobile members per group by category and long-term flag, and the three top-10 lists. This is
# the floor the app is compared to: the least work any implementation must ask the database for.
FULL_CENSUS_SQL = """
WITH roster AS (
    SELECT id, {group} AS g FROM members
    WHERE tenant_id = ANY(%(ids)s) AND status IN ('full', 'probationary') AND join_date <= %(day)s
), away AS (
    SELECT r.g, w.flow_category AS category, d.departed_on <= %(day)s - %(long_term_days)s AS lt,
        w.destination_prefecture AS prefecture, w.occupation, w.industry
    FROM departures d
    JOIN roster r ON r.id = d.member_id
    LEFT JOIN whereabouts w ON w.departure_id = d.id AND w.valid_from <= %(day)s
        AND (w.valid_to IS NULL OR w.valid_to > %(day)s)
    WHERE d.tenant_id = ANY(%(ids)s) AND d.departed_on <= %(day)s
        AND (d.returned_on IS NULL OR d.returned_on > %(day)s)
)
SELECT 'members', g::text, NULL, NULL, count(*) FROM roster GROUP BY g
UNION ALL
SELECT 'mobile', g::text, category::text, lt::text, count(*) FROM away GROUP BY g, category, lt
UNION ALL
(SELECT 'destination', prefecture, NULL, NULL, count(*) FROM away WHERE prefecture IS NOT NULL
    GROUP BY prefecture ORDER BY 5 DESC LIMIT 10)
UNION ALL
(SELECT 'occupation', occupation, NULL, NULL, count(*) FROM away WHERE occupation <> ''
    GROUP BY occupation ORDER BY 5 DESC LIMIT 10)
UNION ALL
(SELECT 'industry', industry, NULL, NULL, count(*) FROM away WHERE industry <> ''
    GROUP BY industry ORDER BY 5 DESC LIMIT 10)
"""


@dataclass
class Numbers:
    """The headline census numbers, as the app's JSON reports them."""

    members: int = 0
    mobile: int = 0
    cross_province: int = 0
    in_province: int = 0
    in_prefecture: int = 0
    in_county: int = 0
    unknown: int = 0
    long_term: int = 0

    def plus(self, other: "Numbers") -> "Numbers":
        """Field-wise sum."""
        return Numbers(*(a + b for a, b in zip(self.row(), other.row(), strict=True)))

    def row(self) -> tuple[int, ...]:
        """The numbers in field order."""
        return tuple(self.__dict__.values())


def census_numbers(
    conn: psycopg.Connection[Any], tenant_ids: list[int], day: date, long_term_days: int = 365
) -> tuple[Numbers, dict[int, Numbers]]:
    """Totals and per-tenant numbers from one aggregate query."""
    params = {"ids": tenant_ids, "day": day, "long_term_days": long_term_days}
    rows = conn.execute(CENSUS_SQL, params).fetchall()
    conn.commit()
    per = {row[0]: Numbers(*row[1:]) for row in rows}
    total = Numbers()
    for numbers in per.values():
        total = total.plus(numbers)
    return total, per


@dataclass
class Full:
    """Everything the census page shows: per-group numbers and the top-10 counts."""

    groups: dict[int, Numbers]
    tops: dict[str, list[int]]


def full_census(
    conn: psycopg.Connection[Any],
    tenant_ids: list[int],
    day: date,
    group: str = "branch_id",
    long_term_days: int = 365,
) -> Full:
    """The whole census from FULL_CENSUS_SQL, grouped by branch_id or tenant_id."""
    params = {"ids": tenant_ids, "day": day, "long_term_days": long_term_days}
    rows = conn.execute(FULL_CENSUS_SQL.format(group=group), params).fetchall()  # type: ignore[arg-type]
    conn.commit()
    groups: dict[int, Numbers] = {}
    tops: dict[str, list[int]] = {"destination": [], "occupation": [], "industry": []}
    for kind, key, category, long_term, count in rows:
        if kind in tops:
            tops[kind].append(count)
            continue
        numbers = groups.setdefault(int(key), Numbers())
        if kind == "members":
            numbers.members = count
            continue
        numbers.mobile += count
        if category is None:
            numbers.unknown += count
        else:
            setattr(numbers, category, getattr(numbers, category) + count)
        if long_term == "true":
            numbers.long_term += count
    return Full(groups, {k: sorted(v, reverse=True) for k, v in tops.items()})


def full_from_json(body: dict[str, Any]) -> Full:
    """The same figures read from the app's census JSON (branches or townships)."""
    groups = {}
    for item in body.get("branches") or body.get("townships") or []:
        cats = item["categories"]
        numbers = Numbers(
            item["members"],
            item["mobile"],
            *(cats[c] for c in CATEGORIES),
            item["unclassified"],
            item["long_term"],
        )
        if numbers != Numbers():
            groups[item["id"]] = numbers
    tops = {
        kind: sorted((i["count"] for i in body[key]), reverse=True)
        for kind, key in (
            ("destination", "destinations"),
            ("occupation", "occupations"),
            ("industry", "industries"),
        )
    }
    return Full(groups, tops)


def numbers_from_json(body: dict[str, Any]) -> Numbers:
    """The same numbers read from the app's census JSON."""
    counts = {c["category"]: c["count"] for c in body["categories"]}
    return Numbers(
        body["members"],
        body["mobile"]["count"],
        *(counts[c] for c in CATEGORIES),
        body["unclassified"]["count"],
        body["long_term"]["count"],
    )


def as_app_role(conn: psycopg.Connection[Any], tenant_ids: list[int]) -> None:
    """Make conn behave like the app's: the non-owner role, so row-level security applies."""
    conn.execute("SET ROLE lianxin_app")
    conn.execute(
        "SELECT set_config('lianxin.tenant_ids', %s, false), set_config('lianxin.system', 'off', false)",
        (",".join(str(i) for i in tenant_ids),),
    )
    conn.commit()
