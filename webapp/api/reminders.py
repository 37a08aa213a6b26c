"""/api/v1/t/<slug>/reminders/...: the delivery log, counts, resend, a member's preferences;
/api/v1/t/<slug>/notifications: the caller's own in-app messages."""

from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import fields, validate

from notifications.models import Channel, Message, RecipientKind, State
from notifications.queries import LogFilters, delivery_log, inbox, stats
from notifications.service import preferences_of
from tenants.access import get_for_write, get_in_tenant
from webapp.api import api_blueprint
from webapp.api.base import Schema
from webapp.api.common import page_of, require_api, unprocessable
from webapp.api.schemas import CHINESE, PageArgs, PageMeta
from webapp.auth.models import Role
from webapp.auth.permissions import can
from webapp.extensions import db
from webapp.members.models import Member
from webapp.reminders.services import ReminderInvalid, do_resend, do_set_preferences

blp = api_blueprint("api_reminders", __name__, "", township=True)


class LogArgs(PageArgs):
    """Filters of the delivery log (q searches the recipient's name)."""

    rule = fields.String(load_default="")
    state = fields.String(load_default="", validate=validate.OneOf(["", *(s.value for s in State)]))
    channel = fields.String(
        load_default="", validate=validate.OneOf(["", *(c.value for c in Channel)])
    )
    date_from = fields.Date(load_default=None, error_messages=CHINESE)
    date_to = fields.Date(load_default=None, error_messages=CHINESE)


class MessageOut(Schema):
    """One message of the log; the address is masked."""

    id = fields.Integer()
    rule = fields.String()
    period = fields.String()
    recipient_kind = fields.Function(lambda m: m.recipient_kind.value)
    recipient_id = fields.Integer()
    recipient_name = fields.String()
    channel = fields.Function(lambda m: m.channel.value)
    address = fields.String(attribute="address_masked")
    state = fields.Function(lambda m: m.state.value)
    state_label = fields.String()
    reason = fields.String()
    error_code = fields.String()
    provider = fields.String()
    attempts = fields.Integer()
    urgent = fields.Boolean()
    subject = fields.String()
    body = fields.String()
    created_at = fields.DateTime()
    next_attempt_at = fields.DateTime()
    sent_at = fields.DateTime()
    delivered_at = fields.DateTime()
    fallback_of_id = fields.Integer(allow_none=True)


class MessagePage(Schema):
    """A page of the log."""

    items = fields.List(fields.Nested(MessageOut))
    meta = fields.Nested(PageMeta)


class PreferenceIn(Schema):
    """How the member wants reminders."""

    channel = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf([c.value for c in Channel], error="应为 sms、email 或 inapp"),
    )
    declines_optional = fields.Boolean(load_default=False, error_messages=CHINESE)
    clear_invalid = fields.Boolean(load_default=False, error_messages=CHINESE)


class PreferenceOut(Schema):
    """The member's choice and whether a provider refused their number or address."""

    channel = fields.String(allow_none=True)
    declines_optional = fields.Boolean()
    phone_invalid = fields.Boolean()
    email_invalid = fields.Boolean()


@blp.route("/reminders/messages")
class Messages(MethodView):
    """提醒记录."""

    @blp.arguments(LogArgs, location="query")
    @blp.response(200, MessagePage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The delivery log, newest first, filtered."""
        require_api("reminder.log")
        filters = LogFilters(
            rule=args["rule"],
            state=args["state"],
            channel=args["channel"],
            date_from=args["date_from"],
            date_to=args["date_to"],
            q=args["q"],
            timezone=g.township.timezone,
        )
        return page_of(delivery_log(filters), args)


@blp.route("/reminders/messages/<int:message_id>")
class OneMessage(MethodView):
    """One message."""

    @blp.response(200, MessageOut)
    def get(self, message_id: int) -> Message:
        """Where the message stands."""
        require_api("reminder.log")
        return get_in_tenant(db.session, Message, message_id)


@blp.route("/reminders/messages/<int:message_id>/resend")
class Resend(MethodView):
    """Queue a failed or suppressed message again."""

    @blp.response(200, MessageOut)
    def post(self, message_id: int) -> Message:
        """422 when the message did not fail."""
        require_api("reminder.manage")
        message = get_for_write(db.session, Message, message_id)
        try:
            return do_resend(db.session, g.api_user, message)
        except ReminderInvalid as exc:
            unprocessable(exc.errors)


@blp.route("/reminders/stats")
class Stats(MethodView):
    """Queue depth and failure counts."""

    def get(self) -> dict[str, int]:
        """Counts of this township, now."""
        require_api("reminder.log")
        return stats(db.session, g.township.timezone).as_dict()


def _member(member_id: int) -> Member:
    member = get_in_tenant(db.session, Member, member_id)
    if not can(g.api_user, "reminder.preferences", member.branch_id):
        abort(404, message="页面或记录不存在")
    return member


def _preference_out(member: Member) -> dict[str, Any]:
    key = (RecipientKind.MEMBER.value, member.id)
    pref = preferences_of(db.session, [key]).get(key)
    return {
        "channel": pref.channel.value if pref and pref.channel else None,
        "declines_optional": bool(pref and pref.declines_optional),
        "phone_invalid": bool(pref and pref.invalid_phone and pref.invalid_phone == member.phone),
        "email_invalid": bool(pref and pref.invalid_email and pref.invalid_email == member.email),
    }


@blp.route("/reminders/members/<int:member_id>/preferences")
class MemberPreferences(MethodView):
    """A member's reminder preferences."""

    @blp.response(200, PreferenceOut)
    def get(self, member_id: int) -> dict[str, Any]:
        """The member's current choice."""
        require_api("reminder.preferences")
        return _preference_out(_member(member_id))

    @blp.arguments(PreferenceIn)
    @blp.response(200, PreferenceOut)
    def put(self, data: dict[str, Any], member_id: int) -> dict[str, Any]:
        """Set the member's channel and whether they take non-essential reminders."""
        require_api("reminder.preferences")
        member = _member(member_id)
        try:
            do_set_preferences(
                db.session, g.api_user, g.township.id, RecipientKind.MEMBER, member.id, data
            )
        except ReminderInvalid as exc:
            unprocessable(exc.errors)
        return _preference_out(member)


@blp.route("/notifications")
class Inbox(MethodView):
    """The caller's in-app messages."""

    @blp.arguments(PageArgs, location="query")
    @blp.response(200, MessagePage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Newest first."""
        require_api("notification.inbox")
        user = g.api_user
        member_id = user.member_id if user.role == Role.MEMBER else None
        return page_of(inbox(member_id, user.id), args)
