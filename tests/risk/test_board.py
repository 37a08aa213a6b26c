"""The at-risk rules on hand-built histories, thresholds from settings, and the board page."""

from datetime import date, timedelta

from flask import Flask
from flask.testing import FlaskClient

from tenants.context import tenant_context
from tenants.models import Township
from tests.activities.helpers import activity, payment
from tests.directory.helpers import add_organisation
from tests.duties.helpers import contact, trip
from tests.factories import World, login, make_member
from webapp.activities.models import Attendance, AttendanceMode
from webapp.auth.models import Role, User
from webapp.certificates.models import Certificate, Verification, VerificationSide, add_months
from webapp.departures.models import FlowCategory, Whereabouts
from webapp.dues.models import DuesRate
from webapp.dues.services import add_months as add_month_starts
from webapp.dues.services import month_start
from webapp.extensions import db
from webapp.members.models import Member
from webapp.placements.services import do_end, do_place, do_report_in
from webapp.risk import rules
from webapp.risk.board import compute_board, full_months
from webapp.risk.rules import RED, WARNING, thresholds_of
from webapp.townships import do_update_settings

TODAY = date.today()


def _attend(member, held_on: date, mode: AttendanceMode = AttendanceMode.HOME, branch=None) -> None:
    if branch is None:
        with tenant_context(member.tenant_id):
            branch = db.session.get(type(member), member.id).branch
    activity_id = activity(branch, held_on)
    with tenant_context(member.tenant_id):
        db.session.add(
            Attendance(
                tenant_id=member.tenant_id,
                activity_id=activity_id,
                member_id=member.id,
                mode=mode,
                at_branch_id=branch.id,
            )
        )
        db.session.commit()


def _reasons(world: World, member) -> dict[str, str]:
    tw = world.a
    with tenant_context(tw.township.id):
        township = db.session.get(Township, tw.township.id)
        board = compute_board(db.session, TODAY, thresholds_of(township))
        row = next((r for r in board.rows if r.member.id == member.id), None)
        return {r.rule: r.level for r in row.reasons} if row else {}


def _known_trip(member, departed: date) -> None:
    departure = trip(member, departed)
    with tenant_context(member.tenant_id):
        db.session.add(
            Whereabouts(
                tenant_id=member.tenant_id,
                departure_id=departure.id,
                member_id=member.id,
                valid_from=departed,
                destination_code="310101",
                flow_category=FlowCategory.CROSS_PROVINCE,
            )
        )
        db.session.commit()


def test_full_months() -> None:
    assert full_months(date(2026, 7, 27), date(2026, 11, 26)) == 3
    assert full_months(date(2026, 7, 27), date(2026, 11, 27)) == 4
    assert full_months(date(2026, 12, 1), date(2026, 11, 1)) == 0


def test_no_life_four_months_warns_six_months_red(app: Flask, world: World) -> None:
    tw = world.a
    four, six, recent = (make_member(tw.township, tw.branch) for _ in range(3))
    _attend(four, add_months(TODAY, -4))
    _attend(six, add_months(TODAY, -6))
    _attend(recent, TODAY - timedelta(days=10))
    assert _reasons(world, four)[rules.NO_LIFE] == WARNING
    assert _reasons(world, six)[rules.NO_LIFE] == RED
    assert rules.NO_LIFE not in _reasons(world, recent)
    # an absence with a reason is not organizational life
    absent = make_member(tw.township, tw.branch)
    _attend(absent, TODAY - timedelta(days=3), AttendanceMode.ABSENT)
    assert _reasons(world, absent)[rules.NO_LIFE] == RED


def test_thresholds_from_settings_change_the_result(app: Flask, world: World) -> None:
    tw = world.a
    four = make_member(tw.township, tw.branch)
    _attend(four, add_months(TODAY, -4))
    admin = tw.users[Role.TOWNSHIP_ADMIN]
    with tenant_context(tw.township.id):
        town = db.session.get(Township, tw.township.id)
        do_update_settings(db.session, db.session.get(User, admin.id), town, {"risk_red_months": 4})
    assert _reasons(world, four)[rules.NO_LIFE] == RED
    with tenant_context(tw.township.id):
        town = db.session.get(Township, tw.township.id)
        do_update_settings(
            db.session,
            db.session.get(User, admin.id),
            town,
            {"risk_warn_months": 5, "risk_red_months": 6},
        )
    assert rules.NO_LIFE not in _reasons(world, four)


def test_dues_arrears(app: Flask, world: World) -> None:
    tw = world.a
    behind, paid_up = make_member(tw.township, tw.branch), make_member(tw.township, tw.branch)
    start = add_month_starts(month_start(TODAY), -5)  # six months due, this one included
    with tenant_context(tw.township.id):
        for m in (behind, paid_up):
            db.session.add(
                DuesRate(
                    tenant_id=m.tenant_id, member_id=m.id, monthly_amount=10, start_month=start
                )
            )
        db.session.commit()
    payment(paid_up, start, months=6, amount="60.00")
    payment(behind, start, months=3, amount="30.00")  # three months unpaid: a warning
    assert _reasons(world, behind)[rules.NO_DUES] == WARNING
    assert rules.NO_DUES not in _reasons(world, paid_up)


def test_no_contact_unknown_whereabouts_and_managed_by_neither(app: Flask, world: World) -> None:
    tw = world.a
    lost = make_member(tw.township, tw.branch)
    trip(lost, TODAY - timedelta(days=200))  # no destination recorded
    visited = make_member(tw.township, tw.branch)
    _known_trip(visited, TODAY - timedelta(days=200))
    contact(visited, TODAY - timedelta(days=20))
    stale = make_member(tw.township, tw.branch)
    _known_trip(stale, TODAY - timedelta(days=200))
    contact(stale, TODAY - timedelta(days=120))
    fresh = make_member(tw.township, tw.branch)
    _known_trip(fresh, TODAY - timedelta(days=30))  # away a month: not yet overdue for contact

    got = _reasons(world, lost)
    assert got[rules.UNKNOWN] == RED and got[rules.NO_CONTACT] == WARNING
    assert got[rules.NEITHER] == RED
    got = _reasons(world, visited)
    assert rules.NO_CONTACT not in got and rules.NEITHER not in got and rules.UNKNOWN not in got
    got = _reasons(world, stale)
    assert rules.NO_CONTACT in got and rules.NEITHER in got
    assert rules.NO_CONTACT not in _reasons(world, fresh)


def test_two_neglects_reads_the_placement_and_the_home_contacts_only(
    app: Flask, world: World
) -> None:
    """两不管: away, not reported in at an inflow organisation, not contacted for the period;
    attending once at an inflow branch or an inflow verification is no placement."""
    tw = world.a
    by_life, by_check = make_member(tw.township, tw.branch), make_member(tw.township, tw.branch)
    for m in (by_life, by_check):
        _known_trip(m, TODAY - timedelta(days=200))
    _attend(by_life, TODAY - timedelta(days=50), AttendanceMode.INFLOW, tw.other_branch)
    cert = _certificate(by_check, TODAY - timedelta(days=100))
    with tenant_context(tw.township.id):
        db.session.add(
            Verification(
                tenant_id=tw.township.id,
                certificate_id=cert,
                verified_on=TODAY - timedelta(days=40),
                due_on=TODAY,
                branch_id=tw.other_branch.id,
                side=VerificationSide.INFLOW,
                verifier_name="流入地书记",
            )
        )
        db.session.get(Certificate, cert).last_verified_on = TODAY - timedelta(days=40)
        db.session.commit()
    assert _reasons(world, by_life)[rules.NEITHER] == RED
    assert _reasons(world, by_check)[rules.NEITHER] == RED
    assert rules.CERT_OVERDUE not in _reasons(world, by_check)
    contact(by_life, TODAY - timedelta(days=5))
    assert rules.NEITHER not in _reasons(world, by_life)


def _certificate(member, issued: date) -> int:
    with tenant_context(member.tenant_id):
        cert = Certificate(
            tenant_id=member.tenant_id,
            number=f"T-{member.id}",
            member_id=member.id,
            branch_id=member.branch_id,
            issued_on=issued,
            expires_on=issued + timedelta(days=730),
            reason="外出务工",
        )
        db.session.add(cert)
        db.session.commit()
        return cert.id


def test_certificate_verification_overdue(app: Flask, world: World) -> None:
    tw = world.a
    late, on_time = make_member(tw.township, tw.branch), make_member(tw.township, tw.branch)
    _certificate(late, add_months(TODAY, -7))
    _certificate(on_time, add_months(TODAY, -2))
    assert _reasons(world, late)[rules.CERT_OVERDUE] == WARNING
    assert rules.CERT_OVERDUE not in _reasons(world, on_time)


def test_board_page_filters_and_explains(app: Flask, world: World, client: FlaskClient) -> None:
    tw = world.a
    lost = make_member(tw.township, tw.branch, name="去向不明甲")
    trip(lost, TODAY - timedelta(days=100))
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    body = client.get(f"/t/{tw.township.slug}/risk/?rule=unknown").get_data(as_text=True)
    assert "去向不明甲" in body and "不作任何处理决定" in body and "党章规定" in body
    assert f"/t/{tw.township.slug}/members/{lost.id}" in body
    body = client.get(f"/t/{tw.township.slug}/risk/?rule=unknown&q=没有这个人").get_data(
        as_text=True
    )
    assert "没有符合筛选条件的党员" in body


def test_branch_secretary_sees_only_own_branch(
    app: Flask, world: World, client: FlaskClient
) -> None:
    tw = world.a
    mine = make_member(tw.township, tw.branch, name="本支部乙")
    theirs = make_member(tw.township, tw.other_branch, name="他支部丙")
    for m in (mine, theirs):
        trip(m, TODAY - timedelta(days=100))
    login(client, tw.users[Role.BRANCH_SECRETARY])
    body = client.get(f"/t/{tw.township.slug}/risk/").get_data(as_text=True)
    assert "本支部乙" in body and "他支部丙" not in body
    assert client.get(f"/t/{tw.township.slug}/risk/?branch={tw.other_branch.id}").status_code == 403


def test_api_board(app: Flask, world: World, client: FlaskClient) -> None:
    from tests.factories import token_for

    tw = world.a
    lost = make_member(tw.township, tw.branch)
    trip(lost, TODAY - timedelta(days=100))
    with app.app_context():
        token = token_for(tw.users[Role.TOWNSHIP_ADMIN])
    res = client.get(
        f"/api/v1/t/{tw.township.slug}/risk?rule=unknown",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert res.status_code == 200
    body = res.get_json()
    assert [i["member_id"] for i in body["items"]] == [lost.id]
    assert body["counts"]["unknown"] == 1
    assert "id_number" not in str(body) and "phone" not in str(body)
    other = world.b.users[Role.TOWNSHIP_ADMIN]
    with app.app_context():
        token = token_for(other)
    res = client.get(
        f"/api/v1/t/{tw.township.slug}/risk", headers={"Authorization": f"Bearer {token}"}
    )
    assert res.status_code == 404


def test_settings_form_refuses_red_before_warning(
    app: Flask, world: World, client: FlaskClient
) -> None:
    tw = world.a
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    data = {"long_term_days": "365", "risk_warn_months": "5", "risk_red_months": "4"}
    res = client.post(f"/t/{tw.township.slug}/settings", data=data)
    assert res.status_code == 422 and "红色预警月数应大于预警提醒月数" in res.get_data(as_text=True)
    with tenant_context(tw.township.id):
        assert "risk_red_months" not in (db.session.get(Township, tw.township.id).settings or {})
    data["risk_red_months"] = "6"
    assert client.post(f"/t/{tw.township.slug}/settings", data=data).status_code == 302
    with tenant_context(tw.township.id):
        assert thresholds_of(db.session.get(Township, tw.township.id)).red_months == 6


def test_a_member_reported_in_at_an_inflow_organisation_is_managed(
    app: Flask, world: World
) -> None:
    tw = world.a
    organisation = add_organisation(tw)
    members = {k: make_member(tw.township, tw.branch) for k in ("active", "pending", "ended")}
    for m in members.values():
        _known_trip(m, TODAY - timedelta(days=200))
    with tenant_context(tw.township.id):
        for key, m in members.items():
            member = db.session.get(Member, m.id)
            placed = do_place(
                db.session,
                None,
                member,
                {"organisation_id": organisation.id, "placed_on": TODAY - timedelta(days=150)},
            )
            if key != "pending":
                do_report_in(db.session, None, placed, {"reported_on": TODAY - timedelta(days=140)})
            if key == "ended":
                do_end(
                    db.session,
                    None,
                    placed,
                    {"closed_on": TODAY - timedelta(days=10), "end_reason": "moved_on"},
                )
        db.session.remove()
    assert rules.NEITHER not in _reasons(world, members["active"])
    assert _reasons(world, members["pending"])[rules.NEITHER] == RED  # not reported in yet
    assert _reasons(world, members["ended"])[rules.NEITHER] == RED  # no longer managed there


def _fresh_township(started: date | None):
    from tests.factories import make_branch, make_county, make_township

    township = make_township(make_county())
    if started is not None:
        with tenant_context(township.id):
            town = db.session.get(Township, township.id)
            town.settings = {**(town.settings or {}), "started_on": started.isoformat()}
            db.session.commit()
    return township, make_branch(township)


def _board_of(township) -> dict[int, dict[str, object]]:
    with tenant_context(township.id):
        town = db.session.get(Township, township.id)
        board = compute_board(db.session, TODAY, thresholds_of(town))
        return {row.member.id: {r.rule: r for r in row.reasons} for row in board.rows}


def test_rules_count_from_the_day_the_township_started_using_lianxin(app: Flask) -> None:
    """Day one: nobody is flagged for the years before the township used Lianxin."""
    started = TODAY  # the first day
    township, branch = _fresh_township(started)
    member = make_member(township, branch)  # joined in 2005, never attended anything recorded
    away_member = make_member(township, branch)
    _known_trip(away_member, TODAY - timedelta(days=400))  # left long ago, never contacted
    with tenant_context(township.id):
        db.session.add(
            DuesRate(
                tenant_id=township.id,
                member_id=member.id,
                monthly_amount=10,
                start_month=add_month_starts(month_start(TODAY), -12),
            )
        )
        db.session.commit()
    assert _board_of(township) == {}
    # months later the same silence is a real alarm, counted from the start, saying so
    later = TODAY - timedelta(days=200)
    with tenant_context(township.id):
        town = db.session.get(Township, township.id)
        town.settings = {**town.settings, "started_on": later.isoformat()}
        db.session.commit()
    board = _board_of(township)
    life = board[member.id][rules.NO_LIFE]
    assert life.since == later and "启用连心" in life.detail
    assert life.level == RED
    assert board[member.id][rules.NO_DUES].since == later
    contact_reason = board[away_member.id][rules.NO_CONTACT]
    assert contact_reason.since == later and contact_reason.records_endpoint == "duties.member"
    assert board[away_member.id][rules.NEITHER].level == RED


def test_without_a_start_date_the_first_import_is_the_start(app: Flask) -> None:
    from webapp.imports.models import ImportJob

    township, branch = _fresh_township(None)
    member = make_member(township, branch)
    assert rules.NO_LIFE in _board_of(township)[member.id]  # no start known: since joining
    with tenant_context(township.id):
        job = ImportJob(tenant_id=township.id, filename="花名册.xlsx", content=b"x")
        db.session.add(job)
        db.session.commit()
        assert rules.started_on(db.session.get(Township, township.id)) == TODAY
    assert member.id not in _board_of(township)


def test_each_flag_links_to_the_records_it_read(
    app: Flask, world: World, client: FlaskClient
) -> None:
    tw = world.a
    member = make_member(tw.township, tw.branch, name="记录链接丁")
    _attend(member, add_months(TODAY, -7))
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    body = client.get(f"/t/{tw.township.slug}/risk/?q=记录链接丁").get_data(as_text=True)
    assert "查看记录" in body and f"/t/{tw.township.slug}/activities/" in body
    assert "起算" in body


def test_settings_refuse_a_start_date_in_the_future(
    app: Flask, world: World, client: FlaskClient
) -> None:
    tw = world.a
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    future = (TODAY + timedelta(days=3)).isoformat()
    res = client.post(
        f"/t/{tw.township.slug}/settings", data={"long_term_days": "365", "started_on": future}
    )
    assert res.status_code == 422 and "启用连心日期不能晚于今天" in res.get_data(as_text=True)
    with tenant_context(tw.township.id):
        assert "started_on" not in (db.session.get(Township, tw.township.id).settings or {})
