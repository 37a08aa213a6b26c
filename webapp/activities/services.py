"""Activity writes: schedule, cancel, record attendance; each validated, audited, committed."""

from datetime import date, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.db import utcnow
from webapp.activities.models import Activity, ActivityKind, Attendance, AttendanceMode
from webapp.audit.services import record, snapshot
from webapp.branches.models import Branch, BranchKind
from webapp.duties.links import sync_for
from webapp.duties.models import ThreeOnesKind
from webapp.inputs import as_id, text_problem
from webapp.members.models import Member, MemberStatus

ACTIVE = (MemberStatus.FULL, MemberStatus.PROBATIONARY)


class LifeInvalid(ValueError):
    """Field name -> Chinese message; nothing was written."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _text(data: dict[str, Any], key: str) -> str:
    return str(data.get(key) or "").strip()


def _branch_in_scope(session: Session, value: Any) -> Branch | None:
    branch_id = as_id(value)
    return session.get(Branch, branch_id) if branch_id else None


def activity_problems(session: Session, data: dict[str, Any]) -> tuple[dict[str, str], dict]:
    """Field -> message for a new activity, and its clean columns; no writes."""
    errors: dict[str, str] = {}
    branch = _branch_in_scope(session, data.get("branch_id"))
    if branch is None:
        errors["branch_id"] = "请选择本乡镇的支部"
    kind = data.get("kind")
    if kind not in {k.value for k in ActivityKind}:
        errors["kind"] = "请选择活动类型"
    title = _text(data, "title")
    if not title:
        errors["title"] = "请填写活动主题"
    elif len(title) > 100:
        errors["title"] = "活动主题不能超过100个字符"
    held_on = data.get("held_on")
    if not isinstance(held_on, date):
        errors["held_on"] = "请填写活动日期"
    start_time = data.get("start_time")
    if start_time is not None and not isinstance(start_time, time):
        errors["start_time"] = "时间格式应为 时:分"
    place, link = _text(data, "place"), _text(data, "online_link")
    if len(place) > 128:
        errors["place"] = "地点不能超过128个字符"
    if link and not link.startswith(("http://", "https://")):
        errors["online_link"] = "线上链接应以 http:// 或 https:// 开头"
    elif len(link) > 255:
        errors["online_link"] = "线上链接不能超过255个字符"
    if not place and not link and "place" not in errors:
        errors["place"] = "请填写活动地点，或填写线上链接"
    clean = {
        "branch_id": branch.id if branch else None,
        "kind": ActivityKind(kind) if kind in {k.value for k in ActivityKind} else None,
        "title": title,
        "held_on": held_on,
        "start_time": start_time,
        "place": place,
        "online_link": link,
    }
    return errors, clean


def do_schedule_activity(
    session: Session, actor: Any, tenant_id: int, data: dict[str, Any], allowed: Any = None
) -> Activity:
    """Schedule an activity; allowed(branch_id) limits which branches the actor may use."""
    errors, clean = activity_problems(session, data)
    if "branch_id" not in errors and allowed is not None and not allowed(clean["branch_id"]):
        errors["branch_id"] = "只能为本支部安排活动"
    if errors:
        raise LifeInvalid(errors)
    activity = Activity(tenant_id=tenant_id, **clean)
    session.add(activity)
    session.flush()
    record(
        session,
        actor,
        "activity.scheduled",
        "activity",
        activity.id,
        tenant_id=tenant_id,
        after={
            **snapshot(activity, Activity.AUDIT_FIELDS),
            "start_time": activity.start_time.isoformat() if activity.start_time else None,
        },
    )
    session.commit()
    return activity


def do_cancel_activity(session: Session, actor: Any, activity: Activity, reason: str) -> Activity:
    """Cancel an activity (kept for the record, left out of the rates)."""
    reason = (reason or "").strip()
    errors: dict[str, str] = {}
    if activity.cancelled_at is not None:
        errors["reason"] = "该活动已取消"
    elif not reason:
        errors["reason"] = "请填写取消原因"
    if errors:
        raise LifeInvalid(errors)
    activity.cancelled_at = utcnow()
    activity.cancel_reason = reason
    record(
        session,
        actor,
        "activity.cancelled",
        "activity",
        activity.id,
        tenant_id=activity.tenant_id,
        after={"reason": reason},
    )
    _sync_three_ones(session, actor, activity, list(attendances_of(session, activity)))
    session.commit()
    return activity


def roster(session: Session, activity: Activity) -> list[Member]:
    """The members expected at an activity: the active members of its branch, by name."""
    return list(
        session.scalars(
            select(Member)
            .where(Member.branch_id == activity.branch_id, Member.status.in_(ACTIVE))
            .order_by(Member.name, Member.id)
        )
    )


def _entry_problem(
    session: Session, activity: Activity, entry: dict[str, Any]
) -> tuple[str | None, dict[str, Any]]:
    mode = entry.get("mode")
    if mode not in {m.value for m in AttendanceMode}:
        return "请选择参加方式", {}
    mode = AttendanceMode(mode)
    at_branch_id = None
    explanation = str(entry.get("explanation") or "").strip()
    if mode == AttendanceMode.INFLOW:
        branch = _branch_in_scope(session, entry.get("at_branch_id"))
        if branch is None or branch.id == activity.branch_id:
            return "在流入地支部参加的，请选择参加活动的流入地支部（或临时流动党支部）", {}
        at_branch_id = branch.id
    if mode == AttendanceMode.ABSENT and not explanation:
        return "缺席的，请填写党员说明的原因", {}
    bad_text = text_problem(explanation, multiline=True)
    if bad_text:  # the roster page posts its rows without a form class
        return f"说明{bad_text}", {}
    return None, {"mode": mode, "at_branch_id": at_branch_id, "explanation": explanation}


def do_record_attendance(
    session: Session, actor: Any, activity: Activity, entries: list[dict[str, Any]]
) -> list[Attendance]:
    """Record (or correct) attendance for members of the activity's branch; all or nothing."""
    errors: dict[str, str] = {}
    if activity.cancelled_at is not None:
        errors["activity"] = "活动已取消，不能登记参加情况"
    if activity.held_on > date.today():
        errors["activity"] = "活动尚未举行，不能登记参加情况"
    members = {m.id: m for m in roster(session, activity)}
    clean: list[tuple[int, dict[str, Any]]] = []
    for entry in entries:
        try:
            member_id = int(entry.get("member_id"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            member_id = 0
        if member_id not in members:
            errors[f"member_{entry.get('member_id')}"] = "该党员不在本支部名册中"
            continue
        problem, values = _entry_problem(session, activity, entry)
        if problem:
            errors[f"member_{member_id}"] = f"{members[member_id].name}：{problem}"
        else:
            clean.append((member_id, values))
    if not clean and not errors:
        errors["activity"] = "请至少登记一名党员的参加情况"
    if errors:
        raise LifeInvalid(errors)
    existing = {a.member_id: a for a in attendances_of(session, activity)}
    saved = []
    for member_id, values in clean:
        row = existing.get(member_id)
        if row is None:
            row = Attendance(
                tenant_id=activity.tenant_id, activity_id=activity.id, member_id=member_id
            )
            session.add(row)
        for key, value in values.items():
            setattr(row, key, value)
        saved.append(row)
    session.flush()
    record(
        session,
        actor,
        "attendance.recorded",
        "activity",
        activity.id,
        tenant_id=activity.tenant_id,
        after={
            str(r.member_id): {"mode": r.mode.value, "at_branch_id": r.at_branch_id} for r in saved
        },
    )
    _sync_three_ones(session, actor, activity, saved)
    session.commit()
    return saved


def attendances_of(session: Session, activity: Activity) -> list[Attendance]:
    """Every attendance recorded for the activity."""
    return list(session.scalars(select(Attendance).where(Attendance.activity_id == activity.id)))


def _sync_three_ones(
    session: Session, actor: Any, activity: Activity, rows: list[Attendance]
) -> None:
    """Attending completes the member's 参加一次支部活动 of the half-year; absence undoes it."""
    for row in rows:
        sync_for(session, actor, row.member, ThreeOnesKind.ACTIVITY, activity.held_on)


def is_mobile_branch(branch: Branch) -> bool:
    """Is it a 临时流动党支部?"""
    return branch.kind == BranchKind.MOBILE
