"""/api/v1/t/<slug>/...: branch life (activities, attendance, rates), dues, contributions, support."""

from datetime import date
from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import abort

from tenants.access import get_in_tenant
from webapp.activities.models import Activity
from webapp.activities.queries import list_activities, member_rates
from webapp.activities.services import (
    LifeInvalid,
    do_cancel_activity,
    do_record_attendance,
    do_schedule_activity,
)
from webapp.api import api_blueprint
from webapp.api.common import page_of, require_api, unprocessable
from webapp.api.life_schemas import (
    ActivityIn,
    ActivityOut,
    ActivityPage,
    AttendanceIn,
    AttendanceOut,
    BulkRateIn,
    ContributionArgs,
    ContributionIn,
    ContributionOut,
    ContributionPage,
    DuesArgs,
    ListArgs,
    PaymentIn,
    PaymentOut,
    PaymentPage,
    RateArgs,
    RateIn,
    ReasonIn,
    ServiceIn,
    SupportIn,
    SupportOut,
    SupportPage,
)
from webapp.api.schemas import PageArgs
from webapp.auth.permissions import branch_limit, can
from webapp.contributions.models import Contribution, SupportRequest
from webapp.contributions.services import (
    do_add_service,
    do_open_support,
    do_record_contribution,
    do_review_contribution,
    list_contributions,
    list_support,
)
from webapp.dues.models import DuesPayment
from webapp.dues.queries import payments_of, standings
from webapp.dues.services import (
    do_delete_payment,
    do_record_payment,
    do_set_bulk_rates,
    do_set_rate,
)
from webapp.extensions import db
from webapp.members.models import Member

blp = api_blueprint("api_life", __name__, "", township=True)
NOT_FOUND = "页面或记录不存在"


def _member(member_id: Any, action: str) -> Member:
    member = get_in_tenant(db.session, Member, member_id)
    if not can(g.api_user, action, member.branch_id):
        abort(404, message=NOT_FOUND)
    return member


def _branch_arg(args: dict[str, Any]) -> int | None:
    limit = branch_limit(g.api_user, "member.view")
    return limit if limit is not None else args.get("branch_id")


def _call(service: Any, *params: Any) -> Any:
    try:
        return service(db.session, g.api_user, *params)
    except LifeInvalid as exc:
        db.session.rollback()
        unprocessable(exc.errors)


@blp.route("/activities")
class Activities(MethodView):
    """组织生活."""

    @blp.arguments(ListArgs, location="query")
    @blp.response(200, ActivityPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Activities, newest first."""
        require_api("member.view")
        return page_of(list_activities(args["q"], _branch_arg(args)), args)

    @blp.arguments(ActivityIn)
    @blp.response(201, ActivityOut)
    def post(self, data: dict[str, Any]) -> Any:
        """Schedule an activity."""
        require_api("activity.manage")
        allowed = lambda b: can(g.api_user, "activity.manage", b)  # noqa: E731
        return _call(do_schedule_activity, g.township.id, data, allowed)


def _activity(activity_id: int, action: str) -> Activity:
    activity = get_in_tenant(db.session, Activity, activity_id)
    if not can(g.api_user, action, activity.branch_id):
        abort(404, message=NOT_FOUND)
    return activity


@blp.route("/activities/<int:activity_id>")
class ActivityOne(MethodView):
    """One activity."""

    @blp.response(200, ActivityOut)
    def get(self, activity_id: int) -> Any:
        """The activity."""
        return _activity(activity_id, "member.view")


@blp.route("/activities/<int:activity_id>/attendance")
class ActivityAttendance(MethodView):
    """Attendance of an activity."""

    @blp.arguments(AttendanceIn)
    @blp.response(200, AttendanceOut(many=True))
    def post(self, data: dict[str, Any], activity_id: int) -> Any:
        """Record attendance (all entries or none)."""
        activity = _activity(activity_id, "attendance.record")
        return _call(do_record_attendance, activity, data["entries"])


@blp.route("/activities/<int:activity_id>/cancel")
class ActivityCancel(MethodView):
    """Cancel an activity."""

    @blp.arguments(ReasonIn)
    @blp.response(200, ActivityOut)
    def post(self, data: dict[str, Any], activity_id: int) -> Any:
        """Cancel with a reason."""
        activity = _activity(activity_id, "activity.manage")
        return _call(do_cancel_activity, activity, data["reason"])


@blp.route("/attendance-rates")
class AttendanceRates(MethodView):
    """参加率 per member."""

    @blp.arguments(RateArgs, location="query")
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Each member's expected, attended and absent counts over the range."""
        require_api("member.view")
        year = date.today().year
        start, end = args["start"] or date(year, 1, 1), args["end"] or date(year, 12, 31)
        if end < start:
            unprocessable({"end": "结束日期不能早于开始日期"})
        stmt = member_rates(db.session, start, end, _branch_arg(args), args["q"])
        page = page_of(stmt, args, rows=True)
        page["items"] = [
            {
                "member_id": m.id,
                "name": m.name,
                "branch": b,
                "expected": e,
                "attended": a,
                "absent": ab,
                "rate": round(100 * a / e, 1) if e else None,
            }
            for m, b, e, a, ab in page["items"]
        ]
        return page


def _standing_dict(s: Any) -> dict[str, Any]:
    return {
        "member_id": s.member.id,
        "name": s.member.name,
        "branch_id": s.member.branch_id,
        "monthly_amount": str(s.rate.monthly_amount) if s.rate else None,
        "start_month": s.rate.start_month.isoformat() if s.rate else None,
        "months_due": s.due,
        "months_paid": s.paid,
        "arrears_months": s.arrears,
        "last_paid_on": s.last_paid_on.isoformat() if s.last_paid_on else None,
        "months_since_payment": s.months_since_payment,
    }


@blp.route("/dues")
class Dues(MethodView):
    """Every member's dues standing."""

    @blp.arguments(DuesArgs, location="query")
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Standings, by name."""
        require_api("member.view")
        rows = standings(db.session, date.today(), _branch_arg(args), args["q"], args["arrears"])
        first = (args["page"] - 1) * args["per_page"]
        return {
            "items": [_standing_dict(s) for s in rows[first : first + args["per_page"]]],
            "meta": {"page": args["page"], "per_page": args["per_page"], "total": len(rows)},
        }


@blp.route("/dues/rates")
class BulkRates(MethodView):
    """批量设定月缴党费."""

    @blp.arguments(BulkRateIn)
    def put(self, data: dict[str, Any]) -> dict[str, Any]:
        """Set one monthly amount for every member listed; all or nothing."""
        members = [_member(i, "dues.manage") for i in sorted(set(data["member_ids"]))]
        _call(do_set_bulk_rates, members, data)
        return {"updated": len(members)}


@blp.route("/members/<int:member_id>/dues")
class MemberDues(MethodView):
    """A member's dues standing and monthly amount."""

    def get(self, member_id: int) -> dict[str, Any]:
        """The member's standing today."""
        member = _member(member_id, "member.view")
        return _standing_dict(standings(db.session, date.today(), member_id=member.id)[0])

    @blp.arguments(RateIn)
    def put(self, data: dict[str, Any], member_id: int) -> dict[str, Any]:
        """Set the monthly amount."""
        member = _member(member_id, "dues.manage")
        _call(do_set_rate, member, data)
        return _standing_dict(standings(db.session, date.today(), member_id=member.id)[0])


@blp.route("/members/<int:member_id>/dues/payments")
class MemberPayments(MethodView):
    """A member's dues payments."""

    @blp.arguments(PageArgs, location="query")
    @blp.response(200, PaymentPage)
    def get(self, args: dict[str, Any], member_id: int) -> dict[str, Any]:
        """Payments, newest month first."""
        member = _member(member_id, "member.view")
        return page_of(payments_of(member.id), args)

    @blp.arguments(PaymentIn)
    @blp.response(201, PaymentOut)
    def post(self, data: dict[str, Any], member_id: int) -> Any:
        """Record a payment (at the home branch or an inflow branch)."""
        member = _member(member_id, "dues.manage")
        return _call(do_record_payment, member, data)


@blp.route("/dues/payments/<int:payment_id>")
class Payment(MethodView):
    """One payment."""

    @blp.response(204)
    def delete(self, payment_id: int) -> None:
        """Delete a payment entered by mistake."""
        payment = get_in_tenant(db.session, DuesPayment, payment_id)
        _member(payment.member_id, "dues.manage")
        do_delete_payment(db.session, g.api_user, payment)


@blp.route("/contributions")
class Contributions(MethodView):
    """三个一、四带头."""

    @blp.arguments(ContributionArgs, location="query")
    @blp.response(200, ContributionPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Contributions, newest first."""
        require_api("member.view")
        return page_of(list_contributions(args["q"], _branch_arg(args), args["status"]), args)

    @blp.arguments(ContributionIn)
    @blp.response(201, ContributionOut)
    def post(self, data: dict[str, Any]) -> Any:
        """Record a contribution; it waits for the branch to confirm."""
        require_api("contribution.manage")
        member = _member(data["member_id"], "contribution.manage")
        return _call(do_record_contribution, member, data)


def _contribution(contribution_id: int) -> Contribution:
    row = get_in_tenant(db.session, Contribution, contribution_id)
    _member(row.member_id, "contribution.manage")
    return row


@blp.route("/contributions/<int:contribution_id>/confirm")
class ContributionConfirm(MethodView):
    """The branch confirms."""

    @blp.response(200, ContributionOut)
    def post(self, contribution_id: int) -> Any:
        """Confirm a pending contribution."""
        return _call(do_review_contribution, _contribution(contribution_id), True)


@blp.route("/contributions/<int:contribution_id>/reject")
class ContributionReject(MethodView):
    """The branch sends back."""

    @blp.arguments(ReasonIn)
    @blp.response(200, ContributionOut)
    def post(self, data: dict[str, Any], contribution_id: int) -> Any:
        """Reject a pending contribution with a reason."""
        return _call(do_review_contribution, _contribution(contribution_id), False, data["reason"])


@blp.route("/support")
class Support(MethodView):
    """家庭帮扶."""

    @blp.arguments(ContributionArgs, location="query")
    @blp.response(200, SupportPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Requests, newest first."""
        require_api("member.view")
        return page_of(list_support(args["q"], _branch_arg(args), args["status"]), args)

    @blp.arguments(SupportIn)
    @blp.response(201, SupportOut)
    def post(self, data: dict[str, Any]) -> Any:
        """Open a request for a member's family."""
        require_api("contribution.manage")
        member = _member(data["member_id"], "contribution.manage")
        return _call(do_open_support, member, data)


@blp.route("/support/<int:support_id>/services")
class SupportServices(MethodView):
    """Services delivered."""

    @blp.arguments(ServiceIn)
    @blp.response(201, SupportOut)
    def post(self, data: dict[str, Any], support_id: int) -> Any:
        """Record a service delivered."""
        row = get_in_tenant(db.session, SupportRequest, support_id)
        _member(row.member_id, "contribution.manage")
        _call(do_add_service, row, data)
        return row
