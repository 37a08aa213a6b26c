"""Ballots: each voter marks every evaluated member once; paper ballots come in as totals.

The marks go straight into counts that already exist, and the audit entry of a ballot says
only that someone voted.
"""

from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from webapp.audit.services import record
from webapp.evaluations.models import EvaluationRound, Evaluee, Grade, MarkCount, Voter, VoterKind
from webapp.evaluations.rules import EvaluationInvalid, writable


def _audit(
    session: Session, actor: Any, action: str, round_: EvaluationRound, **after: Any
) -> None:
    record(
        session,
        actor,
        action,
        "evaluation_round",
        round_.id,
        tenant_id=round_.tenant_id,
        after=after,
    )


def evaluated(session: Session, round_: EvaluationRound) -> list[Evaluee]:
    return list(
        session.scalars(
            select(Evaluee).where(Evaluee.round_id == round_.id, Evaluee.exempt_reason == "")
        )
    )


def _parse_marks(evaluated: list[Evaluee], marks: dict[Any, Any]) -> dict[int, Grade]:
    """Every evaluated member marked with a grade, or errors naming who is wrong."""
    ids = {e.id for e in evaluated}
    parsed: dict[int, Grade] = {}
    errors: dict[str, str] = {}
    for key, value in marks.items():
        try:
            evaluee_id = int(key)
        except (TypeError, ValueError):
            evaluee_id = -1
        if evaluee_id not in ids:
            errors[f"marks.{key}"] = "该党员不是本支部本次评议的对象"
        elif value not in {g.value for g in Grade}:
            errors[f"marks.{key}"] = "请选择优秀、合格、基本合格或不合格"
        else:
            parsed[evaluee_id] = Grade(value)
    missing = [e for e in evaluated if e.id not in parsed and f"marks.{e.id}" not in errors]
    if missing:
        errors["marks"] = f"还有{len(missing)}名党员未评价，每张测评票须评价全部评议对象"
    if errors:
        raise EvaluationInvalid(errors)
    return parsed


def do_cast_ballot(
    session: Session,
    actor: Any,
    round_: EvaluationRound,
    marks: dict[Any, Any],
    *,
    voter_key: str,
    kind: VoterKind,
    today: date,
) -> None:
    """民主测评: one ballot marking every evaluated member; the counts go up, nothing else."""
    writable(round_)
    if today > round_.year_row.ballot_until:
        raise EvaluationInvalid({"marks": f"民主测评已于{round_.year_row.ballot_until}截止"})
    parsed = _parse_marks(evaluated(session, round_), marks)
    session.add(
        Voter(tenant_id=round_.tenant_id, round_id=round_.id, voter_key=voter_key, voter_kind=kind)
    )
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise EvaluationInvalid({"marks": "您已经投过票，每人只能投一次"}) from None
    _add_counts(session, {(i, g, kind): 1 for i, g in parsed.items()})
    _audit(session, actor, "evaluation.ballot_cast", round_, voter_kind=kind.value)
    session.commit()


def _add_counts(session: Session, adds: dict[tuple[int, Grade, VoterKind], int]) -> None:
    for (evaluee_id, grade, kind), n in adds.items():
        if n:
            session.execute(
                update(MarkCount)
                .where(
                    MarkCount.evaluee_id == evaluee_id,
                    MarkCount.grade == grade,
                    MarkCount.voter_kind == kind,
                )
                .values(count=MarkCount.count + n)
            )


def do_enter_paper(
    session: Session, actor: Any, round_: EvaluationRound, ballots: Any, totals: dict[Any, Any]
) -> None:
    """Paper ballots entered as totals: per member and grade, never more than the ballots."""
    writable(round_)
    errors: dict[str, str] = {}
    if not isinstance(ballots, int) or not 1 <= ballots <= 10000:
        raise EvaluationInvalid({"ballots": "请填写收回的纸质测评票张数（1至10000）"})
    ids = {e.id for e in evaluated(session, round_)}
    adds: dict[tuple[int, Grade, VoterKind], int] = {}
    for key, per_grade in totals.items():
        evaluee_id = int(key) if str(key).isdigit() else -1
        if evaluee_id not in ids or not isinstance(per_grade, dict):
            errors[f"totals.{key}"] = "该党员不是本支部本次评议的对象"
            continue
        counts = {g: per_grade.get(g.value, 0) for g in Grade}
        if any(not isinstance(n, int) or n < 0 for n in counts.values()):
            errors[f"totals.{key}"] = "票数应为不小于0的整数"
        elif sum(counts.values()) > ballots:
            errors[f"totals.{key}"] = f"票数合计不能超过收回的{ballots}张"
        else:
            adds.update({(evaluee_id, g, VoterKind.MEMBER): n for g, n in counts.items()})
    if errors:
        raise EvaluationInvalid(errors)
    round_.paper_ballots += ballots
    _add_counts(session, adds)
    _audit(session, actor, "evaluation.paper_entered", round_, ballots=ballots)
    session.commit()
