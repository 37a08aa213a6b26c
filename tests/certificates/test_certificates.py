"""Issue, verify, replace, report lost, hand back: through the web pages, validated and audited."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tenants.context import tenant_context
from tests.certificates.helpers import TODAY, actions, counts, issue, issue_form, load
from tests.factories import login, make_member, make_user
from webapp.auth.models import Role
from webapp.certificates.models import Certificate, CertificateStatus, VerificationSide
from webapp.extensions import db


def _departure(client, slug: str, member_id: int) -> None:
    response = client.post(
        f"/t/{slug}/members/{member_id}/departure/new",
        data={
            "departed_on": (TODAY - timedelta(days=40)).isoformat(),
            "expected_return": (TODAY + timedelta(days=200)).isoformat(),
            "address": "广东省广州市天河区",
            "occupation": "快递员",
        },
    )
    assert response.status_code == 302


def test_issue_copies_the_current_whereabouts_and_numbers_the_card(app, client, world) -> None:
    tw = world.a
    slug = tw.township.slug
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    _departure(client, slug, tw.member.id)
    form = client.get(f"/t/{slug}/members/{tw.member.id}/certificates/new").get_data(as_text=True)
    assert "广东省广州市天河区" in form
    assert (TODAY + timedelta(days=200)).isoformat() in form  # duration: the expected return

    response = client.post(
        f"/t/{slug}/members/{tw.member.id}/certificates/new",
        data=issue_form(destination="广东省广州市天河区", inflow_branch_id=str(tw.empty_branch.id)),
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    cert_id = int(response.location.rsplit("/", 1)[1])
    cert = load(app, tw.township.id, cert_id)
    assert cert.number == f"330624-{cert.issued_on.year}-0001"
    assert cert.branch_id == tw.branch.id and cert.inflow_branch_id == tw.empty_branch.id
    assert cert.destination_code == "440106" and cert.departure_id is not None
    assert cert.status == CertificateStatus.VALID
    assert actions(app, tw.township.id, cert_id) == ["certificate.issued"]

    second = client.post(
        f"/t/{slug}/members/{tw.other_member.id}/certificates/new", data=issue_form()
    )
    assert load(app, tw.township.id, int(second.location.rsplit("/", 1)[1])).number.endswith(
        "-0002"
    )
    page = client.get(f"/t/{slug}/members/{tw.member.id}").get_data(as_text=True)
    assert 'id="certificates"' in page and cert.number in page and "下次验证" in page


def test_one_valid_certificate_per_member_and_unique_numbers(app, client, world) -> None:
    tw = world.a
    slug = tw.township.slug
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    first = issue(app, tw, number="QX-7")
    before = counts(app, tw.township.id)
    again = client.post(f"/t/{slug}/members/{tw.member.id}/certificates/new", data=issue_form())
    assert again.status_code == 422 and "已持有有效的流动党员证" in again.get_data(as_text=True)
    taken = client.post(
        f"/t/{slug}/members/{tw.other_member.id}/certificates/new", data=issue_form(number="qx-7")
    )
    assert taken.status_code == 422 and "该证号已被使用" in taken.get_data(as_text=True)
    assert counts(app, tw.township.id) == before
    # the same number in another township is fine: numbers are unique per township
    other = issue(app, world.a2, number="QX-7")
    assert other.number == first.number
    # and the database itself refuses a second valid certificate or a duplicate number
    with app.app_context(), tenant_context(tw.township.id):
        for number, member_id in (("QX-8", tw.member.id), ("QX-7", tw.other_member.id)):
            db.session.add(
                Certificate(
                    tenant_id=tw.township.id,
                    number=number,
                    member_id=member_id,
                    branch_id=tw.branch.id,
                    issued_on=TODAY,
                    expires_on=TODAY + timedelta(days=30),
                    reason="测试",
                )
            )
            with pytest.raises(IntegrityError):
                db.session.flush()
            db.session.rollback()
        db.session.remove()


def test_bad_issue_input_is_refused_field_by_field(app, client, world) -> None:
    tw = world.a
    url = f"/t/{tw.township.slug}/members/{tw.member.id}/certificates/new"
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    before = counts(app, tw.township.id)
    cases = [
        ({"issued_on": (TODAY + timedelta(days=1)).isoformat()}, "发证日期不能晚于今天"),
        ({"issued_on": "1990-01-01"}, "发证日期不能早于入党日期"),
        ({"issued_on": "2026-02-30"}, "不是有效的日期值"),
        ({"issued_on": ""}, "请填写发证日期"),
        ({"expires_on": (TODAY - timedelta(days=20)).isoformat()}, "有效期至应晚于发证日期"),
        ({"expires_on": (TODAY + timedelta(days=3000)).isoformat()}, "有效期不能超过5年"),
        ({"number": "证-1"}, "证号只能包含数字、字母"),
        ({"number": "A" * 40}, "证号只能包含数字、字母"),
        ({"number": "-12"}, "证号只能包含数字、字母"),
        ({"reason": "  "}, "请填写外出事由"),
        ({"reason": "务" * 101}, "外出事由不能超过100个字符"),
        ({"destination": "地" * 201}, "外出去向不能超过200个字符"),
        ({"inflow_branch_id": str(tw.branch.id)}, "流入地支部不能是党员所在的支部"),
        ({"inflow_branch_id": str(world.b.branch.id)}, "请选择本乡镇的支部"),
        ({"inflow_branch_id": "x"}, "请选择本乡镇的支部"),
    ]
    for extra, message in cases:
        response = client.post(url, data=issue_form(**extra))
        body = response.get_data(as_text=True)
        assert response.status_code == 422, extra
        assert message in body, (extra, message)
        assert "未保存任何内容" in body
    assert counts(app, tw.township.id) == before


def test_replacement_chain_only_the_last_is_valid(app, client, world) -> None:
    tw = world.a
    slug = tw.township.slug
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    a = issue(app, tw)
    response = client.post(
        f"/t/{slug}/certificates/{a.id}/replace", data=issue_form(notes="证件破损")
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    b_id = int(response.location.rsplit("/", 1)[1])
    response = client.post(f"/t/{slug}/certificates/{b_id}/replace", data=issue_form())
    c_id = int(response.location.rsplit("/", 1)[1])
    a, b, c = (load(app, tw.township.id, i) for i in (a.id, b_id, c_id))
    assert [x.status for x in (a, b, c)] == [
        CertificateStatus.VOIDED,
        CertificateStatus.VOIDED,
        CertificateStatus.VALID,
    ]
    assert (a.replaced_by_id, b.replaces_id, b.replaced_by_id, c.replaces_id) == (
        b.id,
        a.id,
        c.id,
        b.id,
    )
    assert a.status_notes == "证件破损"
    page = client.get(f"/t/{slug}/certificates/{a.id}").get_data(as_text=True)
    chain = page.split('id="chain"')[1].split("</section>")[0]
    assert chain.index(a.number) < chain.index(b.number) < chain.index(c.number)
    assert actions(app, tw.township.id, a.id) == ["certificate.issued", "certificate.replaced"]
    # a voided certificate is replaced no more; a replacement can't predate the card it replaces
    before = counts(app, tw.township.id)
    for data, message in (
        (issue_form(issued_on=(TODAY - timedelta(days=11)).isoformat()), "换证日期不能早于原证"),
        (issue_form(notes="破" * 501), "换证说明不能超过500个字符"),
    ):
        refused = client.post(f"/t/{slug}/certificates/{c.id}/replace", data=data)
        assert refused.status_code == 422 and message in refused.get_data(as_text=True)
    assert load(app, tw.township.id, c.id).status == CertificateStatus.VALID
    again = client.post(f"/t/{slug}/certificates/{a.id}/replace", data=issue_form())
    assert again.status_code == 422 and "该证已换发新证" in again.get_data(as_text=True)
    assert counts(app, tw.township.id) == before


def test_loss_then_reissue_and_return(app, client, world) -> None:
    tw = world.a
    slug = tw.township.slug
    login(client, tw.users[Role.BRANCH_SECRETARY])
    cert = issue(app, tw)
    bad = client.post(f"/t/{slug}/certificates/{cert.id}/loss", data={"lost_on": "2001-01-01"})
    assert bad.status_code == 422 and "挂失日期不能早于发证日期" in bad.get_data(as_text=True)
    lost = client.post(
        f"/t/{slug}/certificates/{cert.id}/loss",
        data={"lost_on": TODAY.isoformat(), "notes": "在工地遗失"},
    )
    assert lost.status_code == 302
    assert load(app, tw.township.id, cert.id).status == CertificateStatus.LOST
    member_page = client.get(f"/t/{slug}/members/{tw.member.id}").get_data(as_text=True)
    assert "补发新证" in member_page
    # a lost certificate can't be handed back, but a replacement can be issued
    before = counts(app, tw.township.id)
    back = client.post(
        f"/t/{slug}/certificates/{cert.id}/return", data={"returned_on": TODAY.isoformat()}
    )
    assert back.status_code == 422 and "该证已挂失，不能交回" in back.get_data(as_text=True)
    assert counts(app, tw.township.id) == before
    new = client.post(
        f"/t/{slug}/certificates/{cert.id}/replace", data=issue_form(issued_on=TODAY.isoformat())
    )
    assert new.status_code == 302
    new_id = int(new.location.rsplit("/", 1)[1])
    old = load(app, tw.township.id, cert.id)
    assert old.status == CertificateStatus.LOST and old.replaced_by_id == new_id
    returned = client.post(
        f"/t/{slug}/certificates/{new_id}/return",
        data={"returned_on": TODAY.isoformat(), "notes": "返乡创业"},
    )
    assert returned.status_code == 302
    assert load(app, tw.township.id, new_id).status == CertificateStatus.RETURNED
    assert actions(app, tw.township.id, new_id) == ["certificate.issued", "certificate.returned"]
    assert actions(app, tw.township.id, cert.id) == [
        "certificate.issued",
        "certificate.lost",
        "certificate.replaced",
    ]


def test_verify_sets_the_next_due_date_and_is_audited(app, client, world) -> None:
    tw = world.a
    slug = tw.township.slug
    cert = issue(app, tw, issued_on=date(2024, 8, 31), expires_on=date(2029, 8, 30))
    login(client, tw.users[Role.COMMITTEE_MEMBER])
    page = client.get(f"/t/{slug}/certificates/{cert.id}").get_data(as_text=True)
    assert "2025-02-28" in page  # 08-31 + 6 months
    response = client.post(
        f"/t/{slug}/certificates/{cert.id}/verify",
        data={
            "verified_on": "2025-03-03",
            "branch_id": str(tw.branch.id),
            "verifier_name": "李支委",
            "notes": "按时参加组织生活",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    after = load(app, tw.township.id, cert.id)
    assert after.last_verified_on == date(2025, 3, 3) and after.due_on() == date(2025, 9, 3)
    with app.app_context(), tenant_context(tw.township.id):
        check = db.session.get(Certificate, cert.id).verifications[0]
        assert check.side == VerificationSide.OUTFLOW and check.due_on == date(2025, 2, 28)
        assert check.late and check.verifier_name == "李支委"
        db.session.remove()
    assert actions(app, tw.township.id, cert.id)[-1] == "certificate.verified"
    page = client.get(f"/t/{slug}/certificates/{cert.id}").get_data(as_text=True)
    assert "李支委" in page and "逾期验证" in page and "2025-09-03" in page


@pytest.mark.parametrize("ending", ["void", "loss", "return"])
def test_verifying_a_certificate_out_of_service_changes_nothing(app, client, world, ending):
    tw = world.a
    slug = tw.township.slug
    cert = issue(app, tw)
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    if ending == "void":
        assert (
            client.post(f"/t/{slug}/certificates/{cert.id}/replace", data=issue_form()).status_code
            == 302
        )
        label = "已作废"
    elif ending == "loss":
        client.post(f"/t/{slug}/certificates/{cert.id}/loss", data={"lost_on": TODAY.isoformat()})
        label = "已挂失"
    else:
        client.post(
            f"/t/{slug}/certificates/{cert.id}/return", data={"returned_on": TODAY.isoformat()}
        )
        label = "已交回"
    before, row = counts(app, tw.township.id), load(app, tw.township.id, cert.id)
    response = client.post(
        f"/t/{slug}/certificates/{cert.id}/verify",
        data={"verified_on": TODAY.isoformat(), "branch_id": str(tw.branch.id)},
    )
    assert response.status_code == 422
    assert f"该证{label}，不能验证" in response.get_data(as_text=True)
    after = load(app, tw.township.id, cert.id)
    assert counts(app, tw.township.id) == before
    assert (after.status, after.last_verified_on, after.updated_at) == (
        row.status,
        row.last_verified_on,
        row.updated_at,
    )


def test_bad_verification_input(app, client, world) -> None:
    tw = world.a
    slug = tw.township.slug
    cert = issue(app, tw, issued_on=TODAY - timedelta(days=100))
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    url = f"/t/{slug}/certificates/{cert.id}/verify"
    ok = {"verified_on": (TODAY - timedelta(days=5)).isoformat(), "branch_id": str(tw.branch.id)}
    assert client.post(url, data=ok).status_code == 302
    before = counts(app, tw.township.id)
    cases = [
        ({"verified_on": (TODAY + timedelta(days=1)).isoformat()}, "验证日期不能晚于今天"),
        ({"verified_on": (TODAY - timedelta(days=101)).isoformat()}, "验证日期不能早于发证日期"),
        ({"verified_on": (TODAY - timedelta(days=5)).isoformat()}, "验证日期应晚于上次验证日期"),
        ({"verified_on": "not a date"}, "不是有效的日期值"),
        ({"branch_id": str(tw.other_branch.id)}, "请选择该证的流出地支部或流入地支部"),
        ({"branch_id": "-1"}, "请选择该证的流出地支部或流入地支部"),
        ({"verifier_name": "名" * 33}, "请填写验证人姓名"),
        ({"notes": "好" * 501}, "说明不能超过500个字符"),
    ]
    for extra, message in cases:
        data = {**ok, "verified_on": TODAY.isoformat(), **extra}
        response = client.post(url, data=data)
        assert response.status_code == 422, extra
        assert message in response.get_data(as_text=True), message
    assert counts(app, tw.township.id) == before


def test_outflow_and_inflow_branch_both_see_and_verify(app, client, world) -> None:
    tw = world.a
    slug = tw.township.slug
    cert = issue(app, tw, inflow_branch_id=tw.empty_branch.id)
    with app.app_context():
        inflow_secretary = make_user(Role.BRANCH_SECRETARY, tw.township, branch=tw.empty_branch)
        third = make_user(Role.BRANCH_SECRETARY, tw.township, branch=tw.other_branch)
    login(client, inflow_secretary)
    assert client.get(f"/t/{slug}/certificates/{cert.id}").status_code == 200
    listing = client.get(f"/t/{slug}/certificates/").get_data(as_text=True)
    assert cert.number in listing
    # the inflow secretary verifies for their own branch, not for the outflow branch
    url = f"/t/{slug}/certificates/{cert.id}/verify"
    form = client.get(url).get_data(as_text=True)
    assert tw.empty_branch.name in form and tw.branch.name not in form.split("<select")[1]
    wrong = client.post(
        url, data={"verified_on": TODAY.isoformat(), "branch_id": str(tw.branch.id)}
    )
    assert wrong.status_code == 422 and "您只能以本支部的名义验证" in wrong.get_data(as_text=True)
    right = client.post(
        url, data={"verified_on": TODAY.isoformat(), "branch_id": str(tw.empty_branch.id)}
    )
    assert right.status_code == 302
    with app.app_context(), tenant_context(tw.township.id):
        side = db.session.get(Certificate, cert.id).verifications[0].side
        db.session.remove()
    assert side == VerificationSide.INFLOW
    # ...but may not manage it: that is the outflow branch's card
    assert client.get(f"/t/{slug}/certificates/{cert.id}/loss").status_code == 404
    login(client, third)
    assert client.get(f"/t/{slug}/certificates/{cert.id}").status_code == 404
    assert client.get(f"/t/{slug}/certificates/{cert.id}/verify").status_code == 404
    assert cert.number not in client.get(f"/t/{slug}/certificates/").get_data(as_text=True)


def test_due_list_filters_and_pages(app, client, world) -> None:
    tw = world.a
    slug = tw.township.slug
    members = [make_member(tw.township, tw.branch) for _ in range(23)]
    overdue = [issue(app, tw, m, issued_on=TODAY - timedelta(days=200)) for m in members[:21]]
    upcoming = issue(app, tw, members[21], issued_on=TODAY - timedelta(days=170))
    later = issue(app, tw, members[22], issued_on=TODAY - timedelta(days=10))
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    base = f"/t/{slug}/certificates/due"
    page1 = client.get(base).get_data(as_text=True)
    assert "共 22 条" in page1 and "逾期" in page1 and later.number not in page1
    page2 = client.get(f"{base}?page=2").get_data(as_text=True)
    assert "第 2 / 2 页" in page2
    only_overdue = client.get(f"{base}?state=overdue&page=2").get_data(as_text=True)
    assert "共 21 条" in only_overdue
    soon = client.get(f"{base}?state=upcoming").get_data(as_text=True)
    assert "共 1 条" in soon and upcoming.number in soon
    wide = client.get(f"{base}?state=upcoming&window=200").get_data(as_text=True)
    assert later.number in wide
    found = client.get(f"{base}?q={overdue[3].number}").get_data(as_text=True)
    assert "共 1 条" in found
    none = client.get(f"{base}?branch={tw.other_branch.id}").get_data(as_text=True)
    assert "没有符合条件的待验证证件" in none
    # the interval is a township setting: at 12 months nothing issued 200 days ago is due
    saved = client.post(
        f"/t/{slug}/settings", data={"long_term_days": "365", "certificate_verify_months": "12"}
    )
    assert saved.status_code == 302
    assert "没有符合条件的待验证证件" in client.get(base).get_data(as_text=True)
    bad = client.post(
        f"/t/{slug}/settings", data={"long_term_days": "365", "certificate_verify_months": "0"}
    )
    assert bad.status_code == 422 and "1至24" in bad.get_data(as_text=True)


def test_register_list_search_and_empty_state(app, client, world) -> None:
    tw = world.a2
    slug = tw.township.slug
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    empty = client.get(f"/t/{slug}/certificates/").get_data(as_text=True)
    assert "还没有发放流动党员证" in empty
    cert = issue(app, tw)
    body = client.get(f"/t/{slug}/certificates/?q={tw.member.name}").get_data(as_text=True)
    assert cert.number in body and 'name="ids"' in body
    assert "没有符合条件的证件" in client.get(f"/t/{slug}/certificates/?status=lost").get_data(
        as_text=True
    )
    login(client, tw.users[Role.COMMITTEE_MEMBER])
    assert 'name="ids"' not in client.get(f"/t/{slug}/certificates/").get_data(as_text=True)


def test_member_role_and_coordinator_cannot_write(app, client, world) -> None:
    tw = world.a
    cert = issue(app, tw)
    before = counts(app, tw.township.id)
    for user in (tw.users[Role.MEMBER], world.coordinator_a):
        login(client, user)
        for path, data in (
            (
                f"certificates/{cert.id}/verify",
                {"verified_on": TODAY.isoformat(), "branch_id": str(tw.branch.id)},
            ),
            (f"certificates/{cert.id}/loss", {"lost_on": TODAY.isoformat()}),
            (f"members/{tw.other_member.id}/certificates/new", issue_form()),
            ("certificates/print", {"ids": str(cert.id)}),
        ):
            status = client.post(f"/t/{tw.township.slug}/{path}", data=data).status_code
            assert status in (403, 404), (user.role, path, status)
    assert counts(app, tw.township.id)[:2] == before[:2]  # logging in is audited; nothing else
    assert actions(app, tw.township.id, cert.id) == ["certificate.issued"]
    assert load(app, tw.township.id, cert.id).status == CertificateStatus.VALID


def test_print_request_refuses_cards_out_of_service(app, client, world) -> None:
    tw = world.a
    slug = tw.township.slug
    cert = issue(app, tw)
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    client.post(f"/t/{slug}/certificates/{cert.id}/loss", data={"lost_on": TODAY.isoformat()})
    before = counts(app, tw.township.id)
    response = client.post(f"/t/{slug}/certificates/print", data={"ids": [str(cert.id)]})
    assert response.status_code == 302
    assert "只能打印有效的证件" in client.get(response.location).get_data(as_text=True)
    nothing = client.post(
        f"/t/{slug}/certificates/print", data={"ids": ["x"]}, follow_redirects=True
    )
    assert "请至少选择一张证件" in nothing.get_data(as_text=True)
    assert counts(app, tw.township.id) == before
    with app.app_context(), tenant_context(tw.township.id):
        assert (
            db.session.scalar(select(Certificate.status).where(Certificate.id == cert.id))
            == CertificateStatus.LOST
        )
        db.session.remove()
