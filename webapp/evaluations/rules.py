"""The rules every evaluation write checks: not locked, the quorum, the one-third cap."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webapp.evaluations.models import EvaluationRound, Evaluee, RoundStatus, Voter, VoterKind


class EvaluationInvalid(ValueError):
    """Field name -> Chinese message; nothing was written."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def writable(round_: EvaluationRound) -> None:
    """Refuse any change to a round the branch has reported or the township approved."""
    if round_.status in (RoundStatus.REPORTED, RoundStatus.APPROVED):
        raise EvaluationInvalid(
            {"status": f"本支部评议{round_.status_label}，不能修改；如需修改请乡镇退回或重新开放"}
        )


def full_members(session: Session, round_: EvaluationRound) -> int:
    """Full members of the branch in the round, exempted ones left out."""
    return (
        session.scalar(
            select(func.count(Evaluee.id)).where(
                Evaluee.round_id == round_.id,
                Evaluee.probationary.is_(False),
                Evaluee.exempt_reason == "",
            )
        )
        or 0
    )


def quorum(session: Session, round_: EvaluationRound) -> tuple[bool, int, int]:
    """(met, party members who voted online or on paper, full members expected)."""
    online = (
        session.scalar(
            select(func.count(Voter.id)).where(
                Voter.round_id == round_.id, Voter.voter_kind == VoterKind.MEMBER
            )
        )
        or 0
    )
    present, expected = online + round_.paper_ballots, full_members(session, round_)
    met = expected > 0 and present * 100 >= round_.year_row.quorum_percent * expected
    return met, present, expected


def excellent_cap(session: Session, round_: EvaluationRound) -> int:
    """How many 优秀 the share allows: 1/divisor of the full members, rounded down."""
    return full_members(session, round_) // round_.year_row.excellent_cap_divisor
