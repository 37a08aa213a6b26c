"""Schemas of the branch life, dues and contribution API: what goes in, what comes out."""

from marshmallow import fields, validate

from webapp.activities.models import ActivityKind, AttendanceMode
from webapp.api.base import Multiline, Schema
from webapp.api.schemas import CHINESE, PageArgs
from webapp.contributions.models import ContributionKind


class ListArgs(PageArgs):
    """?branch_id= (a branch role always sees its own branch)."""

    branch_id = fields.Integer(load_default=None)


class ActivityIn(Schema):
    """Schedule an activity."""

    branch_id = fields.Integer(required=True, error_messages=CHINESE)
    kind = fields.String(
        required=True, validate=validate.OneOf([k.value for k in ActivityKind], error="类型不正确")
    )
    title = fields.String(required=True, error_messages=CHINESE)
    held_on = fields.Date(required=True, error_messages=CHINESE)
    start_time = fields.Time(load_default=None, error_messages=CHINESE)
    place = fields.String(load_default="")
    online_link = fields.String(load_default="")


class ActivityOut(Schema):
    """An activity."""

    id = fields.Integer()
    branch_id = fields.Integer()
    kind = fields.Function(lambda a: a.kind.value)
    kind_label = fields.String()
    title = fields.String()
    held_on = fields.Date()
    start_time = fields.Time()
    place = fields.String()
    online_link = fields.String()
    cancelled = fields.Function(lambda a: a.cancelled_at is not None)
    cancel_reason = fields.String()


class ActivityPage(Schema):
    """A page of activities."""

    items = fields.List(fields.Nested(ActivityOut))
    meta = fields.Dict()


class EntryIn(Schema):
    """One member's attendance."""

    member_id = fields.Integer(required=True, error_messages=CHINESE)
    mode = fields.String(
        required=True,
        validate=validate.OneOf([m.value for m in AttendanceMode], error="方式不正确"),
    )
    at_branch_id = fields.Integer(load_default=None)
    explanation = Multiline(load_default="")


class AttendanceIn(Schema):
    """Attendance for several members at once."""

    entries = fields.List(fields.Nested(EntryIn), required=True, error_messages=CHINESE)


class AttendanceOut(Schema):
    """One attendance row."""

    member_id = fields.Integer()
    mode = fields.Function(lambda a: a.mode.value)
    at_branch_id = fields.Integer()
    explanation = fields.String()


class ReasonIn(Schema):
    """A reason (cancel, reject)."""

    reason = Multiline(load_default="")


class RateArgs(ListArgs):
    """?start=&end= (default this year)."""

    start = fields.Date(load_default=None, error_messages=CHINESE)
    end = fields.Date(load_default=None, error_messages=CHINESE)


class RateIn(Schema):
    """A member's monthly dues amount (a string or number, at most two decimals)."""

    monthly_amount = fields.Raw(required=True, error_messages=CHINESE)
    start_month = fields.Date(required=True, error_messages=CHINESE)


class BulkRateIn(RateIn):
    """One monthly amount for many members of the township (at most 500 at a time)."""

    member_ids = fields.List(
        fields.Integer(error_messages=CHINESE), required=True, error_messages=CHINESE
    )


class PaymentIn(Schema):
    """A dues payment; branch_id defaults to the member's own branch."""

    first_month = fields.Date(required=True, error_messages=CHINESE)
    months = fields.Integer(load_default=1, error_messages=CHINESE)
    amount = fields.Raw(required=True, error_messages=CHINESE)
    paid_on = fields.Date(required=True, error_messages=CHINESE)
    branch_id = fields.Integer(load_default=None)
    receipt_note = fields.String(load_default="")


class PaymentOut(Schema):
    """A dues payment (amount as a string, never a float)."""

    id = fields.Integer()
    member_id = fields.Integer()
    first_month = fields.Date()
    months = fields.Integer()
    amount = fields.Decimal(as_string=True)
    paid_on = fields.Date()
    branch_id = fields.Integer()
    receipt_note = fields.String()


class PaymentPage(Schema):
    """A page of payments."""

    items = fields.List(fields.Nested(PaymentOut))
    meta = fields.Dict()


class DuesArgs(ListArgs):
    """?arrears=true keeps only members behind."""

    arrears = fields.Boolean(load_default=False)


class ContributionIn(Schema):
    """A contribution of a member."""

    member_id = fields.Integer(required=True, error_messages=CHINESE)
    kind = fields.String(
        required=True,
        validate=validate.OneOf([k.value for k in ContributionKind], error="类别不正确"),
    )
    description = Multiline(required=True, error_messages=CHINESE)
    happened_on = fields.Date(required=True, error_messages=CHINESE)


class ContributionOut(Schema):
    """A contribution and its review."""

    id = fields.Integer()
    member_id = fields.Integer()
    kind = fields.Function(lambda c: c.kind.value)
    kind_label = fields.String()
    description = fields.String()
    happened_on = fields.Date()
    status = fields.Function(lambda c: c.status.value)
    confirmed_by_name = fields.String()
    confirmed_at = fields.DateTime()
    reject_reason = fields.String()


class ContributionPage(Schema):
    """A page of contributions."""

    items = fields.List(fields.Nested(ContributionOut))
    meta = fields.Dict()


class ContributionArgs(ListArgs):
    """?status=pending|confirmed|rejected"""

    status = fields.String(load_default="")


class SupportIn(Schema):
    """A family support request."""

    member_id = fields.Integer(required=True, error_messages=CHINESE)
    need = fields.String(required=True, error_messages=CHINESE)
    description = Multiline(required=True, error_messages=CHINESE)
    opened_on = fields.Date(load_default=None, error_messages=CHINESE)


class ServiceIn(Schema):
    """A service delivered to the family."""

    served_on = fields.Date(required=True, error_messages=CHINESE)
    served_by = fields.String(required=True, error_messages=CHINESE)
    what = Multiline(required=True, error_messages=CHINESE)


class ServiceOut(Schema):
    """A service delivered."""

    served_on = fields.Date()
    served_by = fields.String()
    what = fields.String()


class SupportOut(Schema):
    """A support request with its services."""

    id = fields.Integer()
    member_id = fields.Integer()
    need = fields.Function(lambda r: r.need.value)
    description = fields.String()
    opened_on = fields.Date()
    status = fields.Function(lambda r: r.status.value)
    services = fields.List(fields.Nested(ServiceOut))


class SupportPage(Schema):
    """A page of support requests."""

    items = fields.List(fields.Nested(SupportOut))
    meta = fields.Dict()
