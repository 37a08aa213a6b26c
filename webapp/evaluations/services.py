"""Evaluation writes: open a year, exempt, self-assess, ballots, grades, report and approval.

Every write is audited and all or nothing. A ballot's marks go straight into counts: the audit
entry of a ballot says that someone voted, never how.
"""

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tenants.db import utcnow
from tenants.models import Township
from webapp.audit.services import record, snapshot
from webapp.evaluations.ballots import evaluated
from webapp.evaluations.models import (
    EvaluationRound,
    EvaluationYear,
    Evaluee,
    Grade,
    MarkCount,
    RoundStatus,
    VoterKind,
)
from webapp.evaluations.rubric import DEFAULT_WEIGHTS, weights_problem
from webapp.evaluations.rules import EvaluationInvalid, excellent_cap, quorum, writable
from webapp.members.models import Member, MemberStatus
from webapp.members.rules import ON_REGISTER

EARLIEST_YEAR = 2000
TEXT_LIMIT = 5000
DATE_FIELDS = ("self_until", "ballot_until", "grading_until")


def _audit(session: Session, actor: Any, action: str, kind: str, row: Any, **after: Any) -> None:
    record(session, actor, action, kind, row.id, tenant_id=row.tenant_id, after=after or None)


def year_problems(data: dict[str, Any], today: date) -> dict[str, str]:
    """Field -> message for the dates and rules of a year."""
    errors: dict[str, str] = {}
    year = data.get("year")
    if not isinstance(year, int) or not EARLIEST_YEAR <= year <= today.year:
        errors["year"] = f"请填写评议年度（{EARLIEST_YEAR}年至{today.year}年）"
    days = [data.get(k) for k in DATE_FIELDS]
    labels = ("自评截止日期", "测评截止日期", "评定截止日期")
    for key, day, label in zip(DATE_FIELDS, days, labels, strict=True):
        if not isinstance(day, date):
            errors[key] = f"请填写{label}"
        elif isinstance(year, int) and day.year < year:
            errors[key] = f"{label}不能早于{year}年"
    if all(isinstance(d, date) for d in days):
        if days[1] < days[0]:
            errors["ballot_until"] = "测评截止日期不能早于自评截止日期"
        elif days[2] < days[1]:
            errors["grading_until"] = "评定截止日期不能早于测评截止日期"
    quorum_percent = data.get("quorum_percent")
    if not isinstance(quorum_percent, int) or not 50 <= quorum_percent <= 100:
        errors["quorum_percent"] = "到会比例应为50%至100%"
    weights = data.get("weights", DEFAULT_WEIGHTS)
    problem = weights_problem(weights)
    if problem:
        errors["weights"] = problem
    cap = data.get("excellent_cap_divisor")
    if not isinstance(cap, int) or not 2 <= cap <= 10:
        errors["excellent_cap_divisor"] = "优秀人数上限应为正式党员的1/2至1/10"
    return errors


def do_open_year(
    session: Session, actor: Any, township: Township, data: dict[str, Any], today: date
) -> EvaluationYear:
    """开展评议: a round for every branch with members, every member on the register in it."""
    errors = year_problems(data, today)
    if not errors and session.scalar(
        select(EvaluationYear.id).where(EvaluationYear.year == data["year"])
    ):
        errors["year"] = f"{data['year']}年度的评议已经开展"
    if errors:
        raise EvaluationInvalid(errors)
    values = {**data, "weights": dict(data.get("weights", DEFAULT_WEIGHTS))}
    row = EvaluationYear(
        tenant_id=township.id, **{k: values[k] for k in EvaluationYear.AUDIT_FIELDS}
    )
    session.add(row)
    session.flush()
    members = session.scalars(
        select(Member).where(Member.status.in_(ON_REGISTER)).order_by(Member.branch_id, Member.id)
    ).all()
    rounds: dict[int, EvaluationRound] = {}
    for m in members:
        if m.branch_id not in rounds:
            rounds[m.branch_id] = EvaluationRound(
                tenant_id=township.id, year_id=row.id, branch_id=m.branch_id
            )
            session.add(rounds[m.branch_id])
    session.flush()
    evaluees = [
        Evaluee(
            tenant_id=township.id,
            round_id=rounds[m.branch_id].id,
            member_id=m.id,
            probationary=m.status == MemberStatus.PROBATIONARY,
        )
        for m in members
    ]
    session.add_all(evaluees)
    session.flush()
    # every count exists from the start, at zero: a ballot only ever adds to existing rows, so
    # the order rows were created in says nothing about who voted first
    session.add_all(
        MarkCount(tenant_id=township.id, evaluee_id=e.id, grade=g, voter_kind=k, count=0)
        for e in evaluees
        for g in Grade
        for k in VoterKind
    )
    _audit(
        session,
        actor,
        "evaluation.year_opened",
        "evaluation_year",
        row,
        **snapshot(row, EvaluationYear.AUDIT_FIELDS),
        branches=len(rounds),
        members=len(evaluees),
    )
    session.commit()
    return row


def _text(data: dict[str, Any], key: str, label: str, errors: dict[str, str], limit: int) -> str:
    text = str(data.get(key) or "").strip()
    if len(text) > limit:
        errors[key] = f"{label}不能超过{limit}个字符"
    return text


def do_exempt(session: Session, actor: Any, evaluee: Evaluee, data: dict[str, Any]) -> Evaluee:
    """不列入评议对象 with a reason, or back in with an empty reason; the grade is cleared."""
    writable(evaluee.round)
    errors: dict[str, str] = {}
    reason = _text(data, "exempt_reason", "不列入评议的原因", errors, 200)
    if errors:
        raise EvaluationInvalid(errors)
    before = snapshot(evaluee, Evaluee.AUDIT_FIELDS)
    evaluee.exempt_reason = reason
    if reason:
        evaluee.grade, evaluee.opinion, evaluee.excellent_reason = None, "", ""
    session.flush()
    action = "evaluation.exempted" if reason else "evaluation.unexempted"
    record(
        session,
        actor,
        action,
        "evaluee",
        evaluee.id,
        tenant_id=evaluee.tenant_id,
        before=before,
        after=snapshot(evaluee, Evaluee.AUDIT_FIELDS),
    )
    session.commit()
    return evaluee


def do_save_texts(session: Session, actor: Any, evaluee: Evaluee, data: dict[str, Any]) -> Evaluee:
    """个人自评 and the inflow organisation's opinion, as entered by the branch."""
    writable(evaluee.round)
    errors: dict[str, str] = {}
    own = _text(data, "self_assessment", "个人自评", errors, TEXT_LIMIT)
    inflow = _text(data, "inflow_opinion", "流入地党组织意见", errors, TEXT_LIMIT)
    if errors:
        raise EvaluationInvalid(errors)
    evaluee.self_assessment, evaluee.inflow_opinion = own, inflow
    session.flush()
    _audit(
        session, actor, "evaluation.texts_saved", "evaluee", evaluee, chars=len(own) + len(inflow)
    )
    session.commit()
    return evaluee


def do_grade(session: Session, actor: Any, evaluee: Evaluee, data: dict[str, Any]) -> Evaluee:
    """组织评定: the branch's grade and opinion; the score only suggests, people decide."""
    round_ = evaluee.round
    writable(round_)
    if evaluee.probationary:
        raise EvaluationInvalid({"grade": "预备党员参加评议，但不评定等次"})
    if evaluee.exempt:
        raise EvaluationInvalid({"grade": "该党员不列入评议对象，不评定等次"})
    met, present, expected = quorum(session, round_)
    if not met:
        raise EvaluationInvalid(
            {
                "grade": f"参加测评人数未达到应参加人数的{round_.year_row.quorum_percent}%"
                f"（实际{present}人，应参加{expected}人），暂不能评定"
            }
        )
    errors: dict[str, str] = {}
    grade = data.get("grade")
    if grade not in {g.value for g in Grade}:
        errors["grade"] = "请选择评定等次"
    opinion = _text(data, "opinion", "评定意见", errors, 1000)
    if not opinion and "opinion" not in errors:
        errors["opinion"] = "请填写评定意见"
    reason = _text(data, "excellent_reason", "超出比例的理由", errors, 1000)
    if not errors and grade == Grade.EXCELLENT.value:
        cap, others = excellent_cap(session, round_), _excellent_others(session, evaluee)
        if others + 1 > cap and not reason:
            errors["excellent_reason"] = (
                f"评为优秀的将有{others + 1}人，超过正式党员的"
                f"1/{round_.year_row.excellent_cap_divisor}（{cap}人）；如确需评定，请填写理由"
            )
    if errors:
        raise EvaluationInvalid(errors)
    before = snapshot(evaluee, Evaluee.AUDIT_FIELDS)
    evaluee.grade = Grade(grade)
    evaluee.opinion = opinion
    evaluee.excellent_reason = reason if evaluee.grade == Grade.EXCELLENT else ""
    evaluee.graded_by = getattr(actor, "id", None)
    session.flush()
    record(
        session,
        actor,
        "evaluation.graded",
        "evaluee",
        evaluee.id,
        tenant_id=evaluee.tenant_id,
        before=before,
        after=snapshot(evaluee, Evaluee.AUDIT_FIELDS),
    )
    session.commit()
    return evaluee


def _excellent_others(session: Session, evaluee: Evaluee) -> int:
    return (
        session.scalar(
            select(func.count(Evaluee.id)).where(
                Evaluee.round_id == evaluee.round_id,
                Evaluee.grade == Grade.EXCELLENT,
                Evaluee.id != evaluee.id,
            )
        )
        or 0
    )


def do_report(session: Session, actor: Any, round_: EvaluationRound) -> EvaluationRound:
    """上报: every full member graded; the township then approves or returns it."""
    writable(round_)
    ungraded = sum(1 for e in evaluated(session, round_) if e.gradable and e.grade is None)
    if ungraded:
        raise EvaluationInvalid({"status": f"还有{ungraded}名正式党员未评定等次，不能上报"})
    return _move(session, actor, round_, RoundStatus.REPORTED, "", "evaluation.reported")


def do_decide(
    session: Session, actor: Any, round_: EvaluationRound, approve: bool, reason: Any
) -> EvaluationRound:
    """审批 (locks the round) or 退回 with a reason."""
    if round_.status != RoundStatus.REPORTED:
        raise EvaluationInvalid({"status": f"该支部评议{round_.status_label}，不能审批"})
    text = str(reason or "").strip()
    if not approve and not text:
        raise EvaluationInvalid({"reason": "请填写退回的理由"})
    if approve:
        return _move(session, actor, round_, RoundStatus.APPROVED, text, "evaluation.approved")
    return _move(session, actor, round_, RoundStatus.RETURNED, text, "evaluation.returned")


def do_reopen(
    session: Session, actor: Any, round_: EvaluationRound, reason: Any
) -> EvaluationRound:
    """重新开放 an approved round: only with a reason, which the audit log keeps."""
    if round_.status != RoundStatus.APPROVED:
        raise EvaluationInvalid({"status": "只有已审批的评议才需要重新开放"})
    text = str(reason or "").strip()
    if not text:
        raise EvaluationInvalid({"reason": "请填写重新开放的理由"})
    return _move(session, actor, round_, RoundStatus.OPEN, text, "evaluation.reopened")


def _move(
    session: Session,
    actor: Any,
    round_: EvaluationRound,
    status: RoundStatus,
    reason: str,
    action: str,
) -> EvaluationRound:
    before = round_.status
    round_.status, round_.status_reason = status, reason
    if status == RoundStatus.REPORTED:
        round_.reported_at = utcnow()
    else:
        round_.decided_at = utcnow()
    session.flush()
    record(
        session,
        actor,
        action,
        "evaluation_round",
        round_.id,
        tenant_id=round_.tenant_id,
        before={"status": before.value},
        after={"status": status.value, "reason": reason},
    )
    session.commit()
    return round_
