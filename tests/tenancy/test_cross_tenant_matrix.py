"""Every tenant-scoped URL, asked by another township's user or another county's coordinator: 404.

The matrix is built from the app's URL map: an endpoint that is neither tenant-scoped (a <slug> or
an object id in its URL) nor listed in NOT_TENANT with a reason fails test_every_endpoint_is_covered.
"""

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from tenants.context import system_context_unsafe, tenant_context
from tests.activities.helpers import victim_life_rows
from tests.certificates.helpers import victim_certificate_rows
from tests.directory.helpers import victim_directory_rows
from tests.duties.helpers import victim_duty_rows
from tests.factories import TownshipWorld, World, login, token_for
from tests.placements.helpers import victim_inflow_rows, victim_placement_rows
from tests.reminders.helpers import victim_message_rows
from tests.transfers.helpers import victim_transfer_rows
from tests.transfers.letter_helpers import victim_letter_rows
from webapp.audit.models import AuditLog
from webapp.auth.models import ApiToken, Role, User
from webapp.extensions import db
from webapp.imports.models import ImportJob, ImportStatus
from webapp.members.models import Member
from webapp.reports.models import Report, ReportStatus

NOT_TENANT = {
    "static": "static files",
    "auth.login": "before login",
    "auth.logout": "ends the caller's own session",
    "auth.change_password": "acts on the caller's own account only",
    "auth.tokens": "lists and creates the caller's own tokens only",
    "auth.set_language": "a session preference",
    "two_factor.verify": "before login: the account whose password was right (tests/auth/test_second_factor.py)",
    "two_factor.setup": "acts on the caller's own account only",
    "two_factor.disable": "acts on the caller's own account only",
    "home.index": "redirects to the caller's own township (test_home_redirects_to_own_township)",
    "county.townships": "lists assigned townships only (test_township_picker_lists_only_assigned)",
    "county.census": "sums assigned townships only (test_county_census_sums_only_assigned)",
    "county.placements": "counts assigned townships' placements only (tests/placements/test_county.py)",
    "county.census_export": "exports assigned townships only (tests/county/test_exports.py)",
    "county.placements_export": "exports assigned townships only (tests/county/test_exports.py)",
    "county.scorecards_export": "exports assigned townships only (tests/county/test_exports.py)",
    "api_county.CountyCensus": "sums assigned townships only (test_county_census_sums_only_assigned)",
    "risk_county.county_scorecards": "scores assigned townships only (test_county_scorecards_show_only_assigned)",
    "county_transfers.index": "counts and queues assigned townships' transfers only (tests/transfers/test_views.py)",
    "county_transfers.export": "exports assigned townships' flows only (tests/transfers/test_views.py)",
    "letters_public.check": "public QR check by random token: number, validity and status only (tests/transfers/test_views.py)",
    "health.healthz": "no tenant data",
    "api-docs.openapi_json": "the API description",
    "api_townships.Townships": "list filtered by reach (test_api_township_list_is_filtered); create is platform-level",
    "certificates_public.check": "public QR check by signed token: validity and township only (test_public_certificate_check_leaks_nothing)",
    "sms_receipts.receive": "provider receipts, keyed by the township's receipt secret (tests/notifications/test_receipts.py)",
    "sms_receipts.receive_shared": "shared SMS account's receipts, keyed by SMS_RECEIPT_SECRET; each applied in its message's township (tests/notifications/test_receipts_shared.py)",
}

# URL argument -> how to find the victim's object of that kind
OBJECT_PARAMS: dict[str, Callable[[TownshipWorld, dict[str, Any]], int]] = {
    "branch_id": lambda tw, extra: tw.branch.id,
    "member_id": lambda tw, extra: tw.member.id,
    "report_id": lambda tw, extra: extra["report_id"],
    "token_id": lambda tw, extra: extra["token_id"],
    "import_id": lambda tw, extra: extra["import_id"],
    "certificate_id": lambda tw, extra: extra["certificate_id"],
    "print_id": lambda tw, extra: extra["print_id"],
    "contact_id": lambda tw, extra: extra["contact_id"],
    "message_id": lambda tw, extra: extra["message_id"],
    "activity_id": lambda tw, extra: extra["activity_id"],
    "payment_id": lambda tw, extra: extra["payment_id"],
    "contribution_id": lambda tw, extra: extra["contribution_id"],
    "support_id": lambda tw, extra: extra["support_id"],
    "organisation_id": lambda tw, extra: extra["organisation_id"],
    "placement_id": lambda tw, extra: extra["placement_id"],
    "inflow_id": lambda tw, extra: extra["inflow_id"],
    "transfer_id": lambda tw, extra: extra["transfer_id"],
    "incoming_id": lambda tw, extra: extra["incoming_id"],
    "letter_print_id": lambda tw, extra: extra["letter_print_id"],
}


def _rules(app: Flask) -> list[Any]:
    return [r for r in app.url_map.iter_rules() if r.endpoint not in NOT_TENANT]


def test_every_endpoint_is_covered(app: Flask) -> None:
    uncovered = [
        r.endpoint
        for r in _rules(app)
        if "slug" not in r.arguments and not (r.arguments & OBJECT_PARAMS.keys())
    ]
    unknown = [
        (r.endpoint, sorted(r.arguments - OBJECT_PARAMS.keys() - {"slug"}))
        for r in _rules(app)
        if r.arguments - OBJECT_PARAMS.keys() - {"slug"}
    ]
    assert not uncovered, f"endpoints missing from the cross-tenant matrix: {uncovered}"
    assert not unknown, f"URL arguments the matrix cannot fill: {unknown}"


def _victim_extras(world: World) -> dict[str, Any]:
    victim = world.a
    with tenant_context(victim.township.id):
        report = Report(
            tenant_id=victim.township.id,
            title="花名册",
            status=ReportStatus.DONE,
            pdf=b"%PDF-1.7 secret",
            progress=100,
        )
        db.session.add(report)
        job = ImportJob(
            tenant_id=victim.township.id,
            filename="花名册.xlsx",
            content=b"PK secret",
            status=ImportStatus.PREVIEWED,
            valid_rows=1,
            errors=[{"row": 2, "column": "姓名", "problem": "秘密"}],
        )
        db.session.add(job)
        db.session.commit()
    token_for(victim.users[Role.TOWNSHIP_ADMIN])
    token_id = db.session.scalar(
        select(ApiToken.id).where(ApiToken.user_id == victim.users[Role.TOWNSHIP_ADMIN].id)
    )
    extras = {"report_id": report.id, "token_id": token_id, "import_id": job.id}
    return (
        extras
        | victim_certificate_rows(victim)
        | victim_duty_rows(victim)
        | victim_message_rows(victim)
        | victim_life_rows(victim)
        | victim_directory_rows(victim)
        | victim_placement_rows(victim)
        | victim_inflow_rows(victim, world.a2)
        | victim_transfer_rows(victim, world.a2)
        | victim_letter_rows(victim, world.a2)
    )


def _fingerprint(world: World) -> tuple[Any, ...]:
    """What an attacker must not change in the victim township."""
    victim = world.a
    db.session.expire_all()
    with system_context_unsafe():
        audit = db.session.scalar(
            select(func.count(AuditLog.id)).where(AuditLog.tenant_id == victim.township.id)
        )
        member = db.session.get(Member, victim.member.id)
        tokens = db.session.scalar(
            select(func.count(ApiToken.id)).where(
                ApiToken.revoked_at.is_(None),
                ApiToken.user_id == victim.users[Role.TOWNSHIP_ADMIN].id,
            )
        )
        result = (audit, member.name, member.phone, member.branch_id, tokens)
        db.session.rollback()
    return result


MISSING = {
    "report_id": 987654321,
    "token_id": 987654321,
    "import_id": 987654321,
    "missing": True,
}


def _ask(
    client: Any,
    app: Flask,
    rule: Any,
    method: str,
    slug: str,
    victim: TownshipWorld | None,
    ids: dict[str, Any],
    token: str,
) -> int:
    values: dict[str, Any] = {"slug": slug} if "slug" in rule.arguments else {}
    for name in rule.arguments - {"slug"}:
        values[name] = 987654321 if victim is None else OBJECT_PARAMS[name](victim, ids)
    url = rule.build(values, append_unknown=False)[1]
    headers = {"Authorization": f"Bearer {token}"} if url.startswith("/api/") else {}
    kwargs = {"json": {}} if url.startswith("/api/") and method != "GET" else {}
    return client.open(url, method=method, headers=headers, **kwargs).status_code


def _attackers(world: World) -> list[tuple[str, User, TownshipWorld]]:
    return [
        ("other township's admin", world.b.users[Role.TOWNSHIP_ADMIN], world.b),
        ("other township's secretary", world.b.users[Role.BRANCH_SECRETARY], world.b),
        ("other county's coordinator", world.coordinator_b, world.b),
    ]


@pytest.mark.parametrize("attacker_index", [0, 1, 2])
def test_matrix_every_tenant_url_answers_404(app: Flask, world: World, attacker_index: int) -> None:
    with app.app_context():
        extra = _victim_extras(world)
        label, attacker, own = _attackers(world)[attacker_index]
        token = token_for(attacker)
        before = _fingerprint(world)
    client = app.test_client()
    login(client, attacker)
    checked = 0
    for rule in _rules(app):
        variants = [(world.a.township.slug, extra, None)]
        if rule.arguments & OBJECT_PARAMS.keys() and "slug" in rule.arguments:
            # own township, victim's object id: the same answer as for an id that does not exist
            variants.append((own.township.slug, extra, MISSING))
        for slug, ids, baseline in variants:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                status = _ask(client, app, rule, method, slug, world.a, ids, token)
                expected = 404
                if baseline is not None:
                    expected = _ask(client, app, rule, method, slug, None, baseline, token)
                    # 422: an API body is validated before the lookup, the same for any id
                    assert expected in (403, 404, 422), (
                        f"{rule.endpoint}: missing id gave {expected}"
                    )
                assert status == expected, (
                    f"{label}: {method} {rule.rule} ({slug}) answered {status}, not {expected}"
                )
                checked += 1
    assert checked >= 30
    with app.app_context():
        assert _fingerprint(world) == before, "an attacker's request changed the victim's data"


def test_lists_never_show_another_townships_rows(app: Flask, world: World) -> None:
    client = app.test_client()
    login(client, world.b.users[Role.TOWNSHIP_ADMIN])
    victim_name = world.a.member.name
    body = client.get(f"/t/{world.b.township.slug}/members/?q={victim_name}").get_data(as_text=True)
    assert f">{victim_name}</a>" not in body or world.b.member.name == victim_name
    with app.app_context():
        token = token_for(world.b.users[Role.TOWNSHIP_ADMIN])
    api = client.get(
        f"/api/v1/t/{world.b.township.slug}/members?per_page=100",
        headers={"Authorization": f"Bearer {token}"},
    ).get_json()
    assert {m["id"] for m in api["items"]} == {world.b.member.id, world.b.other_member.id}
    branches = client.get(
        f"/api/v1/t/{world.b.township.slug}/branches?per_page=100",
        headers={"Authorization": f"Bearer {token}"},
    ).get_json()
    assert world.a.branch.id not in {b["id"] for b in branches["items"]}


def test_township_picker_lists_only_assigned(app: Flask, world: World) -> None:
    client = app.test_client()
    login(client, world.coordinator_b)
    body = client.get("/county/").get_data(as_text=True)
    assert world.b.township.name in body
    assert world.a.township.name not in body and world.a2.township.name not in body
    login(client, world.coordinator_a)
    body = client.get("/county/").get_data(as_text=True)
    assert world.a.township.name in body and world.a2.township.name in body
    assert world.b.township.name not in body


def test_api_township_list_is_filtered(app: Flask, world: World) -> None:
    with app.app_context():
        token = token_for(world.coordinator_b)
    body = (
        app.test_client()
        .get("/api/v1/townships?per_page=100", headers={"Authorization": f"Bearer {token}"})
        .get_json()
    )
    assert [t["slug"] for t in body["items"]] == [world.b.township.slug]


def test_home_redirects_to_own_township(app: Flask, world: World) -> None:
    client = app.test_client()
    login(client, world.b.users[Role.TOWNSHIP_ADMIN])
    assert client.get("/").location.endswith(f"/t/{world.b.township.slug}/")


def test_public_certificate_check_leaks_nothing(app: Flask, world: World) -> None:
    from webapp.certificates.public import public_token
    from webapp.idnumber import mask_id_number, mask_phone

    victim = world.a
    with app.app_context():
        cert_id = victim_certificate_rows(victim)["certificate_id"]
    with app.test_request_context():
        token = public_token(cert_id)
    anonymous, outsider = app.test_client(), app.test_client()
    login(outsider, world.b.users[Role.TOWNSHIP_ADMIN])
    member = victim.member
    for client in (anonymous, outsider):
        response = client.get(f"/v/{token}")
        body = response.get_data(as_text=True)
        assert response.status_code == 200 and victim.township.name in body and "有效" in body
        for secret in (
            member.name,
            member.id_number,
            mask_id_number(member.id_number),
            member.phone,
            mask_phone(member.phone),
            victim.branch.name,
            "VICTIM-1",
        ):
            assert secret not in body
        # change a signature character that is not the last one: the last may carry only padding bits
        cut = token.rindex(".") + 2
        tampered = token[:cut] + ("A" if token[cut] != "A" else "B") + token[cut + 1 :]
        assert client.get(f"/v/{tampered}").status_code == 404
