"""The public page a card's QR code opens: no login, signed token, and nothing personal on it."""

from datetime import timedelta

from tests.certificates.helpers import TODAY, issue, issue_form
from tests.factories import login
from webapp.auth.models import Role
from webapp.certificates.public import certificate_id_of, public_token
from webapp.idnumber import mask_id_number, mask_phone


def _token(app, certificate_id: int) -> str:
    with app.test_request_context():
        return public_token(certificate_id)


def test_public_page_shows_validity_and_township_only(app, world) -> None:
    tw = world.a
    cert = issue(app, tw, inflow_branch_id=tw.empty_branch.id, destination="上海市闵行区")
    response = app.test_client().get(f"/v/{_token(app, cert.id)}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "有效" in body and tw.township.name in body
    assert cert.issued_on.isoformat() in body and cert.expires_on.isoformat() in body
    member = tw.member
    leaks = {
        "name": member.name,
        "id number": member.id_number,
        "masked id number": mask_id_number(member.id_number),
        "phone": member.phone,
        "masked phone": mask_phone(member.phone),
        "branch": tw.branch.name,
        "inflow branch": tw.empty_branch.name,
        "destination": "闵行",
        "certificate number": cert.number,
        "reason": cert.reason,
    }
    for what, value in leaks.items():
        assert value not in body, f"the public page shows the {what}"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_public_page_says_when_a_card_is_no_longer_valid(app, client, world) -> None:
    tw = world.a
    cert = issue(app, tw)
    token = _token(app, cert.id)
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    client.post(f"/t/{tw.township.slug}/certificates/{cert.id}/replace", data=issue_form())
    anonymous = app.test_client()
    body = anonymous.get(f"/v/{token}").get_data(as_text=True)
    assert "已作废" in body and 'class="verdict bad"' in body
    expired = issue(
        app,
        world.a2,
        issued_on=TODAY - timedelta(days=400),
        expires_on=TODAY - timedelta(days=1),
    )
    assert "已过有效期" in anonymous.get(f"/v/{_token(app, expired.id)}").get_data(as_text=True)


def test_tampered_or_unknown_tokens_are_404(app, world) -> None:
    cert = issue(app, world.a)
    client = app.test_client()
    token = _token(app, cert.id)
    payload, signature = token.split(".")
    forged_payload = _token(app, cert.id + 1).split(".")[0]
    for bad in (
        f"{payload}.{signature[:-2]}xx",
        f"{forged_payload}.{signature}",
        payload,
        "garbage",
        _token(app, 987654321),
    ):
        response = client.get(f"/v/{bad}")
        assert response.status_code == 404, bad
        assert world.a.township.name not in response.get_data(as_text=True)
    with app.app_context():
        assert certificate_id_of(token) == cert.id
        assert certificate_id_of(f"{payload}.{signature[:-2]}xx") is None


def test_token_is_bound_to_the_secret_key_and_salt(app, world) -> None:
    from itsdangerous import URLSafeSerializer

    cert = issue(app, world.a)
    with app.app_context():
        other_key = URLSafeSerializer("another-secret", salt="lianxin.certificate.public-check")
        other_salt = URLSafeSerializer(app.config["SECRET_KEY"], salt="something-else")
        for token in (other_key.dumps(cert.id), other_salt.dumps(cert.id)):
            assert certificate_id_of(token) is None
            assert app.test_client().get(f"/v/{token}").status_code == 404
        assert (
            certificate_id_of(
                URLSafeSerializer(
                    app.config["SECRET_KEY"], salt="lianxin.certificate.public-check"
                ).dumps("1")
            )
            is None
        )
