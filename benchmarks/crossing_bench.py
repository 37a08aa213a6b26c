"""Crossing benchmark: bulk placement of 1,000 members, and the county's flow views over 200
townships with 120,000 mobile members, each as a ratio to the raw SQL it needs, from one run.

    .venv/bin/python -m benchmarks.crossing_bench [--members 120000] [--townships 200]
                                                  [--bulk 1000] [--runs 30] [--keep]

Needs PostgreSQL (LIANXIN_BENCH_PG, default postgresql://postgres@127.0.0.1:5432/postgres). It
creates the database lianxin_bench_crossing (dropped afterwards unless --keep), all in one county
whose coordinator oversees every township. Every member is away; 60% are placed (half reported
in), 8% are in a transfer (in every state), and 4% are letters waiting at another township.
"""

import argparse
import os
import random
import time
from datetime import date, timedelta
from typing import Any

import psycopg

from benchmarks.timing import Stats, paired

PG_ADMIN = os.environ.get("LIANXIN_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
DB_NAME = "lianxin_bench_crossing"
TODAY = date(2026, 12, 1)
STATES = ("draft", "pending_branch", "pending_township", "issued", "received", "refused")


def _url() -> str:
    return (
        PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/" + DB_NAME
    )


def _database(drop_only: bool = False) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def _members(township: Any, branch_id: int, count: int, start: int) -> list[dict[str, Any]]:
    from webapp.crypto import keyring
    from webapp.members.models import Gender, MemberStatus

    rows = []
    for i in range(start, start + count):
        number = f"{township.id:04d}{i:014d}"
        rows.append(
            {
                "tenant_id": township.id,
                "branch_id": branch_id,
                "name": f"党员{township.id}-{i}",
                "gender": Gender.MALE,
                "birth_date": date(1980, 1, 1) + timedelta(days=i % 8000),
                "ethnicity": "汉族",
                "id_number": number,
                "id_number_index": keyring.blind_index(number),
                "phone": "",
                "email": "",
                "join_date": date(2005, 7, 1),
                "status": MemberStatus.FULL,
            }
        )
    return rows


def generate(members: int, townships: int, bulk: int) -> dict[str, Any]:
    """The county, its townships and members (all away), placements, transfers, letters in."""
    from sqlalchemy import insert

    from tenants.context import system_context_unsafe
    from tenants.models import CoordinatorAssignment, County, Township
    from webapp.auth.models import Role
    from webapp.auth.services import do_create_user
    from webapp.branches.models import Branch
    from webapp.departures.models import Departure
    from webapp.directory.models import Organisation, OrganisationKind
    from webapp.extensions import db
    from webapp.members.models import Member
    from webapp.placements.models import Placement
    from webapp.transfers.models import IncomingTransfer, Transfer

    rng = random.Random(11)
    per = members // townships
    with system_context_unsafe():
        county = County(name="基准县", code="330624")
        db.session.add(county)
        db.session.flush()
        coordinator = do_create_user(
            db.session,
            username="bench_county",
            display_name="基准协调员",
            password="bench-password-1",
            role=Role.COUNTY_COORDINATOR,
            county_id=county.id,
        )
        towns, entries, bulk_ids = [], [], []
        for t in range(townships):
            town = Township(
                county_id=county.id, name=f"基准镇{t:03d}", slug=f"x-{t}", division_code="330624"
            )
            db.session.add(town)
            db.session.flush()
            branch = Branch(tenant_id=town.id, name=f"基准支部{t}")
            db.session.add(branch)
            db.session.flush()
            entry = Organisation(
                owner_township_id=town.id,
                branch_id=branch.id,
                kind=OrganisationKind.MOBILE_BRANCH,
                name=f"基准临时党支部{t}",
                division_code="330624",
            )
            db.session.add(entry)
            db.session.add(CoordinatorAssignment(user_id=coordinator.id, township_id=town.id))
            towns.append((town, branch))
            entries.append(entry)
        db.session.flush()
        for t, (town, branch) in enumerate(towns):
            extra = bulk if t == 0 else 0  # the bulk-placement township has unplaced members too
            ids = db.session.scalars(
                insert(Member).returning(Member.id), _members(town, branch.id, per + extra, 0)
            ).all()
            db.session.execute(
                insert(Departure),
                [
                    {"tenant_id": town.id, "member_id": m, "departed_on": date(2025, 9, 1)}
                    for m in ids
                ],
            )
            if t == 0:
                bulk_ids = list(ids[per:])
            other = entries[(t + 1) % townships]
            placements, transfers, incoming = [], [], []
            for i, member_id in enumerate(ids[:per]):
                roll = rng.random()
                if roll < 0.6:
                    placements.append(
                        {
                            "tenant_id": town.id,
                            "member_id": member_id,
                            "organisation_id": other.id,
                            "status": "active" if roll < 0.3 else "pending",
                            "placed_on": date(2025, 9, 15),
                            "reported_on": date(2025, 9, 20) if roll < 0.3 else None,
                            "note": "",
                            "reported_by": "",
                        }
                    )
                elif roll < 0.68:
                    state = STATES[i % len(STATES)]
                    issued = state in ("issued", "received", "refused")
                    transfers.append(
                        {
                            "tenant_id": town.id,
                            "member_id": member_id,
                            "organisation_id": other.id,
                            "receiving_township_id": other.owner_township_id,
                            "needs_county": False,
                            "status": state,
                            "reason": "",
                            "letter_number": f"B-{town.id}-{member_id}" if issued else None,
                            "version": 1 if issued else 0,
                            "dues_paid_to": "",
                            "submitted_on": TODAY - timedelta(days=30),
                            "issued_on": TODAY - timedelta(days=rng.randrange(5, 25))
                            if issued
                            else None,
                            "valid_until": TODAY + timedelta(days=rng.randrange(-10, 30))
                            if issued
                            else None,
                            "receipt_reference": "",
                            "receipt_scan_name": "",
                            "refused_reason": "",
                            "returned_note": "",
                            "received_by": "",
                        }
                    )
                elif roll < 0.72:
                    incoming.append(
                        {
                            "tenant_id": town.id,
                            "branch_id": branch.id,
                            "letter_number": f"IN-{town.id}-{member_id}",
                            "from_name": "外县某镇党委",
                            "member_name": f"转入{member_id}",
                            "status": "waiting",
                            "issued_on": TODAY - timedelta(days=10),
                            "valid_until": TODAY + timedelta(days=20),
                            "refused_reason": "",
                        }
                    )
            for model, rows in ((Placement, placements), (Transfer, transfers)):
                if rows:
                    db.session.execute(insert(model), rows)
            if incoming:
                db.session.execute(insert(IncomingTransfer), incoming)
            db.session.commit()
        result = {
            "township_ids": [t.id for t, _b in towns],
            "first": towns[0][0].id,
            "bulk_ids": bulk_ids,
            "organisation": entries[1 % townships].id,
            "coordinator": coordinator.username,
        }
    db.session.remove()
    return result


FLOOR_SQL = (
    "SELECT tenant_id, status, end_reason, count(*) FROM placements"
    " WHERE tenant_id = ANY(%(ids)s) GROUP BY 1, 2, 3",
    "SELECT organisation_id, status, count(*) FROM placements"
    " WHERE tenant_id = ANY(%(ids)s) AND closed_on IS NULL GROUP BY 1, 2",
    "SELECT tenant_id, status, count(*) FROM transfers WHERE tenant_id = ANY(%(ids)s) GROUP BY 1, 2",
    "SELECT tenant_id, count(*) FROM transfers WHERE tenant_id = ANY(%(ids)s)"
    " AND status = 'issued' AND valid_until < %(today)s GROUP BY 1",
    "SELECT tenant_id, avg(issued_on - submitted_on) FROM transfers WHERE tenant_id = ANY(%(ids)s)"
    " AND issued_on IS NOT NULL GROUP BY 1",
    "SELECT tenant_id, status, count(*) FROM incoming_transfers"
    " WHERE tenant_id = ANY(%(ids)s) GROUP BY 1, 2",
)


def county_view(app: Any, data: dict[str, Any], runs: int) -> list[str]:
    """The flow functions and the HTTP page, each against the raw SQL aggregates they need."""
    from tenants.context import reading_context
    from webapp.extensions import db
    from webapp.placements.services import county_flows
    from webapp.transfers.county import transfer_flows

    ids = data["township_ids"]
    raw = psycopg.connect(PG_ADMIN.rsplit("/", 1)[0] + "/" + DB_NAME)

    def floor() -> None:
        for sql in FLOOR_SQL:
            raw.execute(sql, {"ids": ids, "today": TODAY}).fetchall()

    def functions() -> None:
        with app.app_context(), reading_context(ids):
            transfer_flows(db.session, ids, TODAY)
            county_flows(db.session, ids, TODAY)
            db.session.remove()

    client = app.test_client()
    login = client.post(
        "/login", data={"username": data["coordinator"], "password": "bench-password-1"}
    )
    assert login.status_code == 302, login.get_data(as_text=True)[-1500:]

    def page() -> None:
        for url in ("/county/transfers/", "/county/placements/"):
            assert client.get(url).status_code == 200

    lines = []
    for label, fn in (
        ("flow queries (transfers + placements)", functions),
        ("both county pages", page),
    ):
        app_stats, floor_stats = paired(fn, [floor], runs, 3)
        lines.append(_line(label, app_stats, floor_stats))
    raw.close()
    return lines


def _line(label: str, ours: Stats, floor: Stats) -> str:
    return (
        f"| {label} | {ours.p50:.1f} | {ours.p95:.1f} | {floor.p50:.1f} | {floor.p95:.1f} "
        f"| {ours.p95 / floor.p95:.2f}× |"
    )


def bulk_placement(app: Any, data: dict[str, Any]) -> str:
    """do_bulk_place for the bulk members, against one INSERT of the same rows (rolled back)."""
    from sqlalchemy import select

    from tenants.context import tenant_context
    from webapp.extensions import db
    from webapp.members.models import Member
    from webapp.placements.services import do_bulk_place

    ids = data["bulk_ids"]
    rows = [(data["first"], m, data["organisation"], "pending", TODAY, "", "") for m in ids]
    with psycopg.connect(PG_ADMIN.rsplit("/", 1)[0] + "/" + DB_NAME) as raw:
        start = time.perf_counter()
        with raw.cursor() as cur:
            cur.executemany(
                "INSERT INTO placements (tenant_id, member_id, organisation_id, status, placed_on,"
                " note, reported_by, created_at, updated_at)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, now(), now())",
                rows,
            )
        floor = time.perf_counter() - start
        raw.rollback()
    with app.app_context(), tenant_context(data["first"]):
        members = list(db.session.scalars(select(Member).where(Member.id.in_(ids))))
        start = time.perf_counter()
        results = do_bulk_place(
            db.session, None, members, {"organisation_id": data["organisation"], "placed_on": TODAY}
        )
        ours = time.perf_counter() - start
        placed = sum(1 for _m, why in results if not why)
        db.session.remove()
    return (
        f"| bulk placement of {len(ids)} members ({placed} placed) | {ours * 1000:.0f} | — "
        f"| {floor * 1000:.0f} | — | {ours / floor:.1f}× |"
    )


def letters(app: Any, data: dict[str, Any], count: int) -> str:
    """count letters in one document through the worker's function, against bare WeasyPrint
    rendering the same HTML (the floor: no database, no job, no audit)."""
    from flask import render_template
    from weasyprint import HTML

    from tenants.context import tenant_context
    from tenants.models import Township
    from webapp.auth.models import Role
    from webapp.auth.services import do_create_user
    from webapp.extensions import db
    from webapp.members.models import Member
    from webapp.reports.fetcher import static_base_url
    from webapp.transfers.letters import do_request_letters, letter_contents, render_letters
    from webapp.transfers.models import Step
    from webapp.transfers.services import do_create, do_decide, do_submit

    first, members = data["first"], data["bulk_ids"][-count:]
    with app.app_context(), tenant_context(first):
        township = db.session.get(Township, first)
        officer = do_create_user(
            db.session,
            username="bench_officer",
            display_name="基准组织委员",
            password="bench-password-1",
            role=Role.TOWNSHIP_ADMIN,
            tenant_id=first,
        )
        db.session.commit()
        ids = []
        for member_id in members:
            member = db.session.get(Member, member_id)
            transfer = do_create(
                db.session, None, township, member, {"organisation_id": data["organisation"]}
            )
            do_submit(db.session, None, township, transfer, TODAY)
            for step in (Step.BRANCH, Step.TOWNSHIP):
                do_decide(db.session, None, township, transfer, step, {"approve": True}, TODAY)
            ids.append(transfer.id)
        job = do_request_letters(
            db.session, officer, township, ids, "full", "https://lianxin.example"
        )
        job_id = job.id
        with app.test_request_context():
            contents = letter_contents(db.session, job, township)
            warm = render_template("transfers/letters_pdf.html", letters=contents[:1])
            HTML(string=warm, base_url=static_base_url()).write_pdf()  # fonts loaded for both
            html = render_template("transfers/letters_pdf.html", letters=contents)
            start = time.perf_counter()
            HTML(string=html, base_url=static_base_url()).write_pdf()
            floor = time.perf_counter() - start
            start = time.perf_counter()
            done = render_letters(db.session, job_id)
            ours = time.perf_counter() - start
        pages = done.pages
        db.session.remove()
    return (
        f"| {count} letters in one PDF ({pages} pages) | {ours * 1000:.0f} | — "
        f"| {floor * 1000:.0f} | — | {ours / floor:.2f}× |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=120_000)
    parser.add_argument("--townships", type=int, default=200)
    parser.add_argument("--bulk", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--letters", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    from webapp.crypto import new_key_material

    keys = new_key_material()
    os.environ.update(
        DATABASE_URL=_url(),
        LIANXIN_DATA_KEYS=",".join(keys["data_keys"]),
        LIANXIN_INDEX_KEY=keys["index_key"],
        SECRET_KEY="bench-crossing",
    )
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    _database()
    from alembic import command

    from migrations import alembic_config
    from webapp import create_app

    command.upgrade(alembic_config(os.environ["DATABASE_URL"]), "head")
    app = create_app({"WTF_CSRF_ENABLED": False})
    try:
        with app.app_context():
            t0 = time.perf_counter()
            data = generate(args.members, args.townships, args.bulk + args.letters)
            print(
                f"generated {args.members} mobile members in {args.townships} townships "
                f"in {time.perf_counter() - t0:.1f} s"
            )
        with psycopg.connect(PG_ADMIN.rsplit("/", 1)[0] + "/" + DB_NAME, autocommit=True) as c:
            c.execute("VACUUM ANALYZE")
        print("| measure | ours p50 ms | ours p95 ms | floor p50 ms | floor p95 ms | ratio (p95) |")
        print("|---|---|---|---|---|---|")
        for line in county_view(app, data, args.runs):
            print(line)
        print(letters(app, data, args.letters))
        data["bulk_ids"] = data["bulk_ids"][: -args.letters]  # the others are in a transfer now
        print(bulk_placement(app, data))
    finally:
        if not args.keep:
            from webapp.extensions import db

            with app.app_context():
                db.engine.dispose()
            _database(drop_only=True)


if __name__ == "__main__":
    main()
