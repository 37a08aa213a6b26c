"""The operator's view and people's choices, over HTTP: delivery log, resend with confirmation,
settings and wording (bad input refused by name, nothing written), preferences, the bell; the API."""

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from notifications.models import Channel, Message, Preference, RecipientKind, State
from tenants.context import system_context_unsafe, tenant_context
from tenants.models import Township
from tests.factories import login, make_member, token_for
from tests.reminders.helpers import failed_message
from webapp.audit.models import AuditLog
from webapp.auth.models import Role
from webapp.extensions import db
from webapp.reminders.rules import load_rules


def _audit(app, township_id: int, action: str) -> int:
    with app.app_context(), system_context_unsafe():
        count = db.session.scalar(
            select(func.count(AuditLog.id)).where(
                AuditLog.tenant_id == township_id, AuditLog.action == action
            )
        )
        db.session.remove()
        return count


def _message(township_id: int, member, **kw) -> Message:
    values = {
        "tenant_id": township_id,
        "rule": "departure.overdue",
        "recipient_kind": RecipientKind.MEMBER,
        "recipient_id": member.id,
        "recipient_name": member.name,
        "period": kw.pop("period", "2026-03-01"),
        "channel": Channel.SMS,
        "address": member.phone,
        "body": "请报告去向",
        "state": State.SENT,
    }
    values.update(kw)
    with tenant_context(township_id):
        message = Message(**values)
        db.session.add(message)
        db.session.commit()
        db.session.remove()
    return message


def _settings(app, township_id: int) -> dict:
    with app.app_context(), system_context_unsafe():
        settings = dict(db.session.get(Township, township_id).settings or {})
        db.session.remove()
        return settings


def test_delivery_log_filters_counts_and_masks_numbers(app, client, world) -> None:
    tw = world.a
    with app.app_context():
        failed = failed_message(tw.township.id, tw.member)
        for i in range(22):
            _message(tw.township.id, tw.other_member, period=f"p{i}")
        _message(
            tw.township.id,
            tw.member,
            period="q",
            state=State.QUEUED,
            channel=Channel.EMAIL,
            address="a@example.org",
        )
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    base = f"/t/{tw.township.slug}/reminders/"
    page = client.get(base).get_data(as_text=True)
    assert "待发队列" in page and "今日失败" in page and "共 24 条" in page
    assert tw.member.phone not in page and "139****5678" in page
    assert "下一页" in page and client.get(base + "?page=2").status_code == 200
    failed_only = client.get(base + "?state=failed").get_data(as_text=True)
    assert "共 1 条" in failed_only and f"/reminders/{failed.id}" in failed_only
    assert "共 1 条" in client.get(base + "?channel=email").get_data(as_text=True)
    assert "共 24 条" in client.get(base + "?rule=departure.overdue").get_data(as_text=True)
    by_name = client.get(base + f"?q={tw.other_member.name}").get_data(as_text=True)
    assert "共 22 条" in by_name or tw.other_member.name == tw.member.name
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    empty = client.get(base + f"?date_from={tomorrow}").get_data(as_text=True)
    assert "没有符合条件的提醒" in empty and "清除筛选" in empty


def test_empty_log_says_what_happens_next(app, client, world) -> None:
    login(client, world.a2.users[Role.TOWNSHIP_ADMIN])
    page = client.get(f"/t/{world.a2.township.slug}/reminders/").get_data(as_text=True)
    assert "还没有提醒记录" in page and "提醒设置" in page


def test_resend_a_failed_message_after_confirmation(app, client, world) -> None:
    tw = world.a
    with app.app_context():
        failed = failed_message(tw.township.id, tw.member)
        sent = _message(tw.township.id, tw.member, period="sent")
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    url = f"/t/{tw.township.slug}/reminders/{failed.id}"
    page = client.get(url).get_data(as_text=True)
    assert "确认重新发送这条提醒？" in page and "确认重发" in page
    assert tw.member.phone not in page
    response = client.post(url + "/resend")
    assert response.status_code == 302
    with app.app_context(), tenant_context(tw.township.id):
        again = db.session.get(Message, failed.id)
        assert (
            again.state == State.QUEUED and again.attempts == 0 and again.address == tw.member.phone
        )
        db.session.remove()
    assert _audit(app, tw.township.id, "notification.resent") == 1
    # a sent message offers no resend, and refuses one
    assert "确认重发" not in client.get(f"/t/{tw.township.slug}/reminders/{sent.id}").get_data(
        as_text=True
    )
    refused = client.post(
        f"/t/{tw.township.slug}/reminders/{sent.id}/resend", follow_redirects=True
    )
    assert "只有失败或未发送的提醒可以重发" in refused.get_data(as_text=True)
    assert _audit(app, tw.township.id, "notification.resent") == 1


def test_coordinator_reads_the_log_but_cannot_resend(app, client, world) -> None:
    tw = world.a
    with app.app_context():
        failed = failed_message(tw.township.id, tw.member)
    login(client, world.coordinator_a)
    assert client.get(f"/t/{tw.township.slug}/reminders/{failed.id}").status_code == 200
    assert client.post(f"/t/{tw.township.slug}/reminders/{failed.id}/resend").status_code == 403


def _settings_form(**overrides) -> dict[str, str]:
    form = {
        "enabled_departure.overdue": "y",
        "lead_departure.overdue": "2",
        "enabled_whereabouts.unknown_digest": "y",
        "lead_whereabouts.unknown_digest": "1",
        "quiet_hours": "21:30-07:30",
        "sms_per_number_daily": "10",
        "sms_per_township_daily": "500",
        "sign_name": "某某镇党委",
    }
    for key, rule in load_rules().items():  # the other rules as the page shows them
        form.setdefault(f"enabled_{key}", "y")
        form.setdefault(f"lead_{key}", str(rule.lead_days))
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def test_settings_are_saved_and_audited(app, client, world) -> None:
    tw = world.a
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    url = f"/t/{tw.township.slug}/reminders/settings"
    assert "预计返回日期已过" in client.get(url).get_data(as_text=True)
    response = client.post(url, data=_settings_form(**{"enabled_whereabouts.unknown_digest": None}))
    assert response.status_code == 302
    saved = _settings(app, tw.township.id)
    assert saved["reminders"]["rules"]["departure.overdue"] == {"enabled": True, "lead_days": 2}
    assert saved["reminders"]["rules"]["whereabouts.unknown_digest"]["enabled"] is False
    assert saved["notifications"]["quiet_hours"] == "21:30-07:30"
    assert saved["notifications"]["sms_per_number_daily"] == 10
    assert _audit(app, tw.township.id, "reminders.settings_changed") == 1


def test_bad_settings_are_refused_by_field_and_nothing_is_written(app, client, world) -> None:
    tw = world.a
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    before = _settings(app, tw.township.id)
    response = client.post(
        f"/t/{tw.township.slug}/reminders/settings",
        data=_settings_form(
            quiet_hours="25:00-8",
            sms_per_number_daily="500",
            **{"lead_departure.overdue": "abc"},
        ),
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "免打扰时段应写成 21:00-08:00 的格式" in page
    assert "每个号码每日短信上限应为1至50之间的整数" in page
    assert "预计返回日期过后几天提醒应为0至60之间的整数" in page
    assert _settings(app, tw.township.id) == before
    assert _audit(app, tw.township.id, "reminders.settings_changed") == 0


def test_templates_with_unknown_placeholders_are_refused_naming_them(app, client, world) -> None:
    tw = world.a
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    url = f"/t/{tw.township.slug}/reminders/templates?rule=departure.overdue"
    page = client.get(url).get_data(as_text=True)
    assert "${expected_return}" in page and "预计返回日期" in page
    bad = client.post(
        url,
        data={"target": "sms", "sms-channel": "sms", "sms-body": "${name}，您的${due_date}已过"},
    )
    assert bad.status_code == 422
    assert "未知的占位符 ${due_date}" in bad.get_data(as_text=True)
    broken = client.post(
        url, data={"target": "email", "email-subject": "去向", "email-body": "费用 $5"}
    )
    assert broken.status_code == 422 and "$$" in broken.get_data(as_text=True)
    assert "templates" not in _settings(app, tw.township.id).get("reminders", {})
    assert _audit(app, tw.township.id, "reminders.template_changed") == 0

    good = client.post(
        url, data={"target": "sms", "sms-channel": "sms", "sms-body": "${name}同志，请回电支部。"}
    )
    assert good.status_code == 302
    saved = _settings(app, tw.township.id)["reminders"]["templates"]["departure.overdue"]["sms"]
    assert saved == {"subject": "", "body": "${name}同志，请回电支部。"}
    assert "已自定义" in client.get(url).get_data(as_text=True)
    assert client.post(url, data={"target": "reset-sms"}).status_code == 302
    assert (
        "sms" not in _settings(app, tw.township.id)["reminders"]["templates"]["departure.overdue"]
    )
    assert _audit(app, tw.township.id, "reminders.template_changed") == 2


def test_sms_provider_template_mapping(app, client, world) -> None:
    tw = world.a
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    url = f"/t/{tw.township.slug}/reminders/templates?rule=departure.overdue"
    bad = client.post(
        url,
        data={
            "target": "provider",
            "provider-template_id": "SMS_1",
            "provider-params": "name=name\ndate=return_day",
        },
    )
    assert bad.status_code == 422 and "未知的占位符 ${return_day}（变量 date）" in bad.get_data(
        as_text=True
    )
    good = client.post(
        url,
        data={
            "target": "provider",
            "provider-template_id": "SMS_465001",
            "provider-params": "name=name, date=${expected_return}",
        },
    )
    assert good.status_code == 302
    mapping = _settings(app, tw.township.id)["notifications"]["sms_templates"]["departure.overdue"]
    assert mapping == {
        "template_id": "SMS_465001",
        "params": {"name": "name", "date": "expected_return"},
    }
    assert client.get(f"/t/{tw.township.slug}/reminders/templates?rule=nope").status_code == 404


def test_officer_sets_a_members_preferences_within_their_branch(app, client, world) -> None:
    tw = world.a
    login(client, tw.users[Role.BRANCH_SECRETARY])
    url = f"/t/{tw.township.slug}/reminders/members/{tw.member.id}/preferences"
    assert "提醒方式" in client.get(url).get_data(as_text=True)
    assert client.post(url, data={"channel": "email", "declines_optional": "y"}).status_code == 302
    with app.app_context(), tenant_context(tw.township.id):
        pref = db.session.scalar(select(Preference).where(Preference.recipient_id == tw.member.id))
        assert pref.channel == Channel.EMAIL and pref.declines_optional
        db.session.remove()
    assert _audit(app, tw.township.id, "notification.preferences_changed") == 1
    # a number the provider refused is shown as invalid on the member's page
    with app.app_context(), tenant_context(tw.township.id):
        from notifications.service import mark_invalid

        mark_invalid(
            db.session,
            tw.township.id,
            (RecipientKind.MEMBER, tw.member.id),
            Channel.SMS,
            tw.member.phone,
            "aliyun isv.MOBILE_NUMBER_ILLEGAL",
        )
        db.session.commit()
        db.session.remove()
    page = client.get(url).get_data(as_text=True)
    assert "无效" in page and "isv.MOBILE_NUMBER_ILLEGAL" in page and tw.member.phone not in page
    other = f"/t/{tw.township.slug}/reminders/members/{tw.other_member.id}/preferences"
    assert client.get(other).status_code == 404
    assert client.post(url, data={"channel": "fax"}).status_code == 422


def test_the_bell_counts_unread_messages_and_the_inbox_marks_them_read(app, client, world) -> None:
    tw = world.a
    member_user = tw.users[Role.MEMBER]
    with app.app_context():
        for i in range(3):
            _message(
                tw.township.id,
                tw.member,
                period=f"in{i}",
                channel=Channel.INAPP,
                address="",
                state=State.DELIVERED,
                subject=f"请报告去向{i}",
            )
        _message(
            tw.township.id, tw.member, period="mail", channel=Channel.EMAIL, address="x@example.org"
        )
    login(client, member_user)
    home = client.get(f"/t/{tw.township.slug}/").get_data(as_text=True)
    assert re.search(r'class="badge">3<', home)
    inbox = client.get(f"/t/{tw.township.slug}/notifications/").get_data(as_text=True)
    assert inbox.count('class="unread"') == 3 and "请报告去向2" in inbox
    assert client.post(f"/t/{tw.township.slug}/notifications/read").status_code == 302
    assert 'class="badge"' not in client.get(f"/t/{tw.township.slug}/").get_data(as_text=True)
    # another member's messages never show up
    login(client, world.a.users[Role.BRANCH_SECRETARY])
    assert "请报告去向2" not in client.get(f"/t/{tw.township.slug}/notifications/").get_data(
        as_text=True
    )


def test_inbox_empty_state_and_own_preferences(app, client, world) -> None:
    tw = world.a
    admin = tw.users[Role.TOWNSHIP_ADMIN]
    login(client, admin)
    page = client.get(f"/t/{tw.township.slug}/notifications/").get_data(as_text=True)
    assert "暂无站内消息" in page
    url = f"/t/{tw.township.slug}/notifications/preferences"
    bad = client.post(
        url, data={"contact-email": "not-an-email", "contact-phone": "123", "pref-channel": "email"}
    )
    assert bad.status_code == 422
    assert "电子邮箱格式不正确" in bad.get_data(as_text=True)
    assert _audit(app, tw.township.id, "user.contact_changed") == 0
    ok = client.post(
        url,
        data={
            "contact-email": "admin@example.org",
            "contact-phone": "13700001111",
            "pref-channel": "email",
        },
    )
    assert ok.status_code == 302
    with app.app_context(), system_context_unsafe():
        from webapp.auth.models import User

        user = db.session.get(User, admin.id)
        assert (user.email, user.phone) == ("admin@example.org", "13700001111")
        db.session.remove()
    assert _audit(app, tw.township.id, "user.contact_changed") == 1


# -- API ----------------------------------------------------------------------------------------


def test_api_log_stats_resend_and_preferences(app, client, world) -> None:
    tw = world.a
    with app.app_context():
        failed = failed_message(tw.township.id, tw.member)
        sent = _message(tw.township.id, tw.other_member, period="api")
        token = token_for(tw.users[Role.TOWNSHIP_ADMIN])
    headers = {"Authorization": f"Bearer {token}"}
    base = f"/api/v1/t/{tw.township.slug}"
    body = client.get(f"{base}/reminders/messages?state=failed", headers=headers).get_json()
    assert body["meta"]["total"] == 1 and body["items"][0]["id"] == failed.id
    assert body["items"][0]["address"] == "139****5678"
    assert tw.member.phone not in client.get(
        f"{base}/reminders/messages", headers=headers
    ).get_data(as_text=True)
    bad = client.get(f"{base}/reminders/messages?state=lost", headers=headers)
    assert bad.status_code == 422
    stats = client.get(f"{base}/reminders/stats", headers=headers).get_json()
    assert stats["failed_total"] == 1 and "queue_depth" in stats
    refused = client.post(f"{base}/reminders/messages/{sent.id}/resend", headers=headers)
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["json"]["state"] == ["只有失败或未发送的提醒可以重发"]
    resent = client.post(f"{base}/reminders/messages/{failed.id}/resend", headers=headers)
    assert resent.status_code == 200 and resent.get_json()["state"] == "queued"
    url = f"{base}/reminders/members/{tw.member.id}/preferences"
    assert client.put(url, json={"channel": "fax"}, headers=headers).status_code == 422
    put = client.put(url, json={"channel": "inapp", "declines_optional": True}, headers=headers)
    assert put.status_code == 200 and put.get_json()["channel"] == "inapp"
    assert client.get(url, headers=headers).get_json()["declines_optional"] is True


def test_api_inbox_is_the_callers_own(app, client, world) -> None:
    tw = world.a
    with app.app_context():
        _message(
            tw.township.id,
            tw.member,
            period="inbox",
            channel=Channel.INAPP,
            address="",
            state=State.DELIVERED,
        )
        member_token = token_for(tw.users[Role.MEMBER])
        admin_token = token_for(tw.users[Role.TOWNSHIP_ADMIN])
        make_member(tw.township, tw.branch)
    url = f"/api/v1/t/{tw.township.slug}/notifications"
    mine = client.get(url, headers={"Authorization": f"Bearer {member_token}"}).get_json()
    assert mine["meta"]["total"] == 1
    theirs = client.get(url, headers={"Authorization": f"Bearer {admin_token}"}).get_json()
    assert theirs["meta"]["total"] == 0
