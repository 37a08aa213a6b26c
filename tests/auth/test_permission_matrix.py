"""docs/permissions.md matches the code, and every row of the matrix holds over HTTP, role by role."""

import contextlib
import itertools
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tenants.context import tenant_context
from tests.activities.helpers import (
    probe_attendance,
    probe_contribution,
    probe_dues,
    probe_schedule,
)
from tests.certificates.helpers import probe_issue, probe_verify
from tests.directory.helpers import SHENZHEN, add_organisation
from tests.factories import (
    World,
    login,
    make_branch,
    make_member,
    make_user,
    token_for,
    uid,
    valid_id_number,
)
from tests.placements.helpers import DEPARTED, place_across, publish, send_away
from tests.transfers.probes import (
    probe_approve_branch,
    probe_approve_county,
    probe_approve_township,
    probe_manage,
    probe_receive,
    probe_view,
)
from webapp.auth.models import Role, User
from webapp.auth.permissions import ACTIONS, ALL, MATRIX, OWN_BRANCH, render_markdown
from webapp.departures.services import DepartureInvalid
from webapp.duties.assignments import do_assign
from webapp.duties.periods import half_of
from webapp.duties.services import DutyInvalid
from webapp.extensions import db
from webapp.members.models import Member
from webapp.placements.models import InflowMember
from webapp.placements.services import do_end, open_placement

PHONE = "13912345678"  # tests/factories.make_member's default
DOC = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"


def test_permissions_doc_is_generated_from_the_matrix() -> None:
    assert DOC.read_text(encoding="utf-8") == render_markdown(), (
        "docs/permissions.md is stale: run `lianxin permissions > docs/permissions.md`"
    )


def _member_form(branch_id: int) -> dict[str, str]:
    born = date(1988, 8, 8)
    return {
        "name": "新党员",
        "gender": "male",
        "id_number": valid_id_number(born),
        "birth_date": born.isoformat(),
        "join_date": "2012-07-01",
        "branch_id": str(branch_id),
        "status": "full",
    }


Probe = Callable[[FlaskClient, World, Any, Any, str], tuple[int, bool]]


def _ok(status: int, *good: int) -> tuple[int, bool]:
    return status, status in good


def _get(path: str, good: int = 200) -> Probe:
    def probe(c: FlaskClient, w: World, branch: Any, member: Any, token: str) -> tuple[int, bool]:
        url = path.format(slug=w.a.township.slug, branch=branch.id, member=member.id)
        return _ok(c.get(url).status_code, good)

    return probe


COUNTY_PAGES = (
    "/county/",
    "/county/census/export",
    "/county/placements/export",
    "/county/scorecards/export",
)


def _county_pages(
    c: FlaskClient, w: World, branch: Any, member: Any, token: str
) -> tuple[int, bool]:
    """The picker and every 导出Excel: all answer, or none does (the first answer that differs)."""
    codes = [c.get(url).status_code for url in COUNTY_PAGES]
    return next((code for code in codes if code != codes[0]), codes[0]), set(codes) == {200}


def _create_branch(
    c: FlaskClient, w: World, branch: Any, member: Any, token: str
) -> tuple[int, bool]:
    return _ok(
        c.post(
            f"/t/{w.a.township.slug}/branches/new",
            data={"name": f"新支部{uid()}", "kind": "regular"},
        ).status_code,
        302,
    )


def _delete_branch(
    c: FlaskClient, w: World, branch: Any, member: Any, token: str
) -> tuple[int, bool]:
    victim = make_branch(w.a.township)
    return _ok(c.post(f"/t/{w.a.township.slug}/branches/{victim.id}/delete").status_code, 302)


def _create_member(
    c: FlaskClient, w: World, branch: Any, member: Any, token: str
) -> tuple[int, bool]:
    response = c.post(f"/t/{w.a.township.slug}/members/new", data=_member_form(branch.id))
    return _ok(response.status_code, 302)


def _reveal(c: FlaskClient, w: World, branch: Any, member: Any, token: str) -> tuple[int, bool]:
    return _ok(c.post(f"/t/{w.a.township.slug}/members/{member.id}/reveal").status_code, 200)


def _call(c: FlaskClient, w: World, branch: Any, member: Any, token: str) -> tuple[int, bool]:
    """The row's committee member is made the member's contact first: their reach is their duties."""
    with tenant_context(w.a.township.id):
        try:
            do_assign(
                db.session,
                db.session.get(User, w.a.users[Role.TOWNSHIP_ADMIN].id),
                db.session.get(Member, member.id),
                w.a.users[Role.COMMITTEE_MEMBER].id,
            )
        except DutyInvalid:  # a committee member of another branch cannot be assigned
            db.session.rollback()
        db.session.remove()
    response = c.post(f"/t/{w.a.township.slug}/members/{member.id}/reveal")
    shown = response.status_code == 200 and PHONE in response.text
    # 显示号码 on the duty list follows the same rule
    duty = c.post(f"/t/{w.a.township.slug}/duties/members/{member.id}/phone")
    assert shown == (duty.status_code == 200 and f"tel:{PHONE}" in duty.text), duty.status_code
    return response.status_code, shown


def _add_organisation(
    c: FlaskClient, w: World, branch: Any, member: Any, token: str
) -> tuple[int, bool]:
    data = {**SHENZHEN, "name": f"平台外组织{uid()}"}
    return _ok(c.post(f"/t/{w.a.township.slug}/directory/new", data=data).status_code, 302)


def _place(c: FlaskClient, w: World, branch: Any, member: Any, token: str) -> tuple[int, bool]:
    organisation = add_organisation(w.a, name=f"平台外组织{uid()}")
    with contextlib.suppress(DepartureInvalid):  # already away from an earlier probe
        send_away(w.a, member.id)
    url = f"/t/{w.a.township.slug}/placements/members/{member.id}/new"
    data = {"organisation_id": str(organisation.id), "placed_on": str(DEPARTED)}
    status = c.post(url, data=data).status_code
    if status == 302:  # allowed: end it so the next probe can place again
        with tenant_context(w.a.township.id):
            placement = open_placement(db.session, member.id)
            do_end(db.session, None, placement, {"closed_on": date.today(), "end_reason": "other"})
            db.session.remove()
    return _ok(status, 302)


def _confirm_inflow(
    c: FlaskClient, w: World, branch: Any, member: Any, token: str
) -> tuple[int, bool]:
    """A member of a2 placed at `branch` of township a, whose report-in the caller confirms."""
    incoming = make_member(w.a2.township, w.a2.branch)
    place_across(w.a2, incoming.id, publish(w.a, branch.id))
    with tenant_context(w.a.township.id):
        inflow_id = db.session.scalar(select(InflowMember.id).order_by(InflowMember.id.desc()))
        db.session.remove()
    url = f"/t/{w.a.township.slug}/inflow/{inflow_id}/confirm"
    return _ok(c.post(url, data={"reported_on": str(date.today())}).status_code, 302)


def _request_report(
    c: FlaskClient, w: World, branch: Any, member: Any, token: str
) -> tuple[int, bool]:
    response = c.post(f"/t/{w.a.township.slug}/reports/", data={"branch_id": str(branch.id)})
    return (
        response.status_code,
        response.status_code == 302
        and "/reports/" in response.location
        and not response.location.endswith("/reports/"),
    )


def _create_township(
    c: FlaskClient, w: World, branch: Any, member: Any, token: str
) -> tuple[int, bool]:
    body = {
        "name": "新乡镇",
        "slug": f"new-{uid()}",
        "division_code": "330624",
        "county_id": w.county_a.id,
    }
    status = c.post(
        "/api/v1/townships", json=body, headers={"Authorization": f"Bearer {token}"}
    ).status_code
    return _ok(status, 201)


def _register_departure(
    c: FlaskClient, w: World, branch: Any, member: Any, token: str
) -> tuple[int, bool]:
    url = f"/t/{w.a.township.slug}/members/{member.id}/departure/new"
    response = c.post(url, data={"departed_on": "2026-01-05", "address": "上海市闵行区"})
    if response.status_code == 302:  # allowed: undo so the next probe can register again
        c.post(url.replace("/new", "/return"), data={"returned_on": "2026-02-01"})
    return _ok(response.status_code, 302)


def _assign_duty(
    c: FlaskClient, w: World, branch: Any, member: Any, token: str
) -> tuple[int, bool]:
    officer = make_user(Role.COMMITTEE_MEMBER, w.a.township, branch=branch)
    url = f"/t/{w.a.township.slug}/duties/members/{member.id}/assignment"
    return _ok(c.post(url, data={"officer_id": str(officer.id)}).status_code, 302)


def _log_contact(
    c: FlaskClient, w: World, branch: Any, member: Any, token: str
) -> tuple[int, bool]:
    url = f"/t/{w.a.township.slug}/duties/members/{member.id}/contacts/new"
    data = {
        "contacted_on": date.today().isoformat(),
        "channel": "phone",
        "substance": "电话了解务工和学习情况，传达了支部的消息。",
    }
    return _ok(c.post(url, data=data).status_code, 302)


def _three_ones_item() -> dict[str, str]:
    today = date.today()
    return {
        "half": half_of(today).key,
        "kind": "call",
        "status": "done",
        "happened_on": today.isoformat(),
        "note": "给支部打电话汇报近况",
    }


def _record_three_ones(
    c: FlaskClient, w: World, branch: Any, member: Any, token: str
) -> tuple[int, bool]:
    url = f"/t/{w.a.township.slug}/three-ones/members/{member.id}"
    return _ok(c.post(url, data=_three_ones_item()).status_code, 302)


def _submit_own_three_ones(
    c: FlaskClient, w: World, branch: Any, member: Any, token: str
) -> tuple[int, bool]:
    # acts on the caller's own record only, whichever member the row names
    url = f"/t/{w.a.township.slug}/three-ones/mine"
    return _ok(c.post(url, data=_three_ones_item()).status_code, 302)


PROBES: dict[str, Probe] = {
    "township.view": _get("/t/{slug}/"),
    "branch.view": _get("/t/{slug}/branches/{branch}"),
    "branch.create": _create_branch,
    "branch.update": _get("/t/{slug}/branches/{branch}/edit"),
    "branch.delete": _delete_branch,
    "member.view": _get("/t/{slug}/members/{member}"),
    "member.create": _create_member,
    "member.update": _get("/t/{slug}/members/{member}/edit"),
    "member.reveal": _reveal,
    "member.call": _call,
    "departure.manage": _register_departure,
    "census.view": _get("/t/{slug}/census/"),
    "certificate.manage": probe_issue,
    "certificate.verify": probe_verify,
    "township.settings": _get("/t/{slug}/settings"),
    "duty.assign": _assign_duty,
    "contact.log": _log_contact,
    "three_ones.manage": _record_three_ones,
    "three_ones.submit": _submit_own_three_ones,
    "roster.import": _get("/t/{slug}/imports/"),
    "roster.export": _get("/t/{slug}/imports/export?branch={branch}"),
    "audit.view": _get("/t/{slug}/audit/"),
    "report.request": _request_report,
    "county.view": _county_pages,
    "token.manage": _get("/account/tokens"),
    "township.manage": _create_township,
    "reminder.log": _get("/t/{slug}/reminders/"),
    "reminder.manage": _get("/t/{slug}/reminders/settings"),
    "reminder.preferences": _get("/t/{slug}/reminders/members/{member}/preferences"),
    "notification.inbox": _get("/t/{slug}/notifications/"),
    "activity.manage": probe_schedule,
    "attendance.record": probe_attendance,
    "dues.manage": probe_dues,
    "contribution.manage": probe_contribution,
    "risk.view": _get("/t/{slug}/risk/?branch={branch}"),
    "scorecard.manage": _get("/t/{slug}/risk/scorecards/{branch}/targets"),
    "directory.view": _get("/t/{slug}/directory/"),
    "directory.manage": _add_organisation,
    "placement.manage": _place,
    "inflow.manage": _confirm_inflow,
    "transfer.view": probe_view,
    "transfer.manage": probe_manage,
    "transfer.approve_branch": probe_approve_branch,
    "transfer.approve_township": probe_approve_township,
    "transfer.approve_county": probe_approve_county,
    "transfer.receive": probe_receive,
}


def _subject(world: World, role: Role) -> User:
    if role == Role.PLATFORM_ADMIN:
        return world.platform_admin
    if role == Role.COUNTY_COORDINATOR:
        return world.coordinator_a
    return world.a.users[role]


def test_every_action_has_a_probe() -> None:
    assert set(PROBES) == set(ACTIONS) == set(MATRIX)


@pytest.mark.parametrize(("action", "role"), list(itertools.product(ACTIONS, Role)))
def test_matrix_row(app: Flask, world: World, action: str, role: Role) -> None:
    user = _subject(world, role)
    with app.app_context():
        token = token_for(user)
    client = app.test_client()
    login(client, user)
    reach = MATRIX[action].get(role)
    own = (world.a.branch, world.a.member)
    other = (world.a.other_branch, world.a.other_member)
    status, allowed = PROBES[action](client, world, *own, token)
    if reach in (ALL, OWN_BRANCH):
        assert allowed, f"{role.value} should be able to {action} (own branch), got {status}"
    else:
        assert not allowed and status in (302, 403, 404, 422), (
            f"{role.value} must not {action}: {status}"
        )
    if reach == OWN_BRANCH:
        status, allowed = PROBES[action](client, world, *other, token)
        assert not allowed, f"{role.value} may {action} only in their own branch, got {status}"
    elif reach == ALL:
        status, allowed = PROBES[action](client, world, *other, token)
        assert allowed, f"{role.value} should be able to {action} in any branch, got {status}"
