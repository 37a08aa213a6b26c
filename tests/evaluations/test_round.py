"""One branch's evaluation year by the services: who is evaluated, ballots, quorum, the one-third
check, report, approval, lock and reopen; and that no row or audit entry ties a voter to a mark."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tenants.context import tenant_context
from tests.factories import make_branch, make_county, make_member, make_township, make_user
from webapp.audit.models import AuditLog
from webapp.auth.models import Role
from webapp.evaluations.ballots import do_cast_ballot, do_enter_paper
from webapp.evaluations.models import (
    EvaluationRound,
    Evaluee,
    Grade,
    MarkCount,
    RoundStatus,
    Voter,
    VoterKind,
)
from webapp.evaluations.rules import EvaluationInvalid, quorum
from webapp.evaluations.services import (
    do_decide,
    do_exempt,
    do_grade,
    do_open_year,
    do_reopen,
    do_report,
)
from webapp.extensions import db
from webapp.members.models import MemberStatus

TODAY = date.today()
YEAR = {
    "year": TODAY.year,
    "self_until": TODAY + timedelta(days=5),
    "ballot_until": TODAY + timedelta(days=10),
    "grading_until": TODAY + timedelta(days=20),
    "quorum_percent": 80,
    "excellent_cap_divisor": 3,
}


@pytest.fixture()
def branch_year(app):
    """A township with one branch of six full members and one 预备党员, the year opened."""
    with app.app_context():
        township = make_township(make_county())
        branch = make_branch(township, "评议测试支部")
        members = [make_member(township, branch) for _ in range(7)]
        admin = make_user(Role.TOWNSHIP_ADMIN, township)
        with tenant_context(township.id):
            db.session.get(type(members[6]), members[6].id).status = MemberStatus.PROBATIONARY
            db.session.commit()
            do_open_year(db.session, admin, township, dict(YEAR), TODAY)
            round_ = db.session.scalar(select(EvaluationRound))
            ids = {
                e.member_id: e.id
                for e in db.session.scalars(select(Evaluee).where(Evaluee.round_id == round_.id))
            }
        db.session.remove()
        return township, admin, round_.id, [ids[m.id] for m in members]


def _in(app, township, fn):
    with app.app_context(), tenant_context(township.id):
        try:
            return fn()
        finally:
            db.session.rollback()
            db.session.remove()


def _round(round_id):
    return db.session.get(EvaluationRound, round_id)


def _vote(app, township, admin, round_id, evaluees, key, grades, **kw):
    marks = {str(e): g for e, g in zip(evaluees, grades, strict=True)}
    _in(
        app,
        township,
        lambda: do_cast_ballot(
            db.session,
            admin,
            _round(round_id),
            marks,
            voter_key=key,
            kind=kw.get("kind", VoterKind.MEMBER),
            today=kw.get("today", TODAY),
        ),
    )


def _counts(app, township, evaluee_id) -> dict[str, int]:
    return _in(
        app,
        township,
        lambda: {
            f"{m.grade.value}/{m.voter_kind.value}": m.count
            for m in db.session.scalars(select(MarkCount).where(MarkCount.evaluee_id == evaluee_id))
        },
    )


def test_opening_puts_every_member_in_the_round_and_refuses_bad_dates(app, branch_year) -> None:
    township, admin, _round_id, _evaluees = branch_year
    rows = _in(app, township, lambda: [e.probationary for e in db.session.scalars(select(Evaluee))])
    assert len(rows) == 7 and sum(rows) == 1
    twice = dict(YEAR)
    with pytest.raises(EvaluationInvalid) as again:
        _in(app, township, lambda: do_open_year(db.session, admin, township, twice, TODAY))
    assert again.value.errors == {"year": f"{TODAY.year}年度的评议已经开展"}
    bad = {**YEAR, "year": TODAY.year - 1, "ballot_until": YEAR["self_until"] - timedelta(days=1)}
    bad["excellent_cap_divisor"] = 1
    with pytest.raises(EvaluationInvalid) as wrong:
        _in(app, township, lambda: do_open_year(db.session, admin, township, bad, TODAY))
    assert set(wrong.value.errors) == {"ballot_until", "excellent_cap_divisor"}


def test_ballots_quorum_grades_and_the_one_third_check(app, branch_year) -> None:
    township, admin, round_id, evaluees = branch_year
    first = evaluees[0]
    with pytest.raises(EvaluationInvalid) as early:
        _in(app, township, lambda: do_grade(db.session, admin, db.session.get(Evaluee, first), {}))
    assert "实际0人，应参加6人" in early.value.errors["grade"]

    # a ballot must mark everyone; a member of another round is refused; nothing is counted
    with pytest.raises(EvaluationInvalid) as partial:
        _vote(app, township, admin, round_id, evaluees[:3], "user:1", ["excellent"] * 3)
    assert "还有4名党员未评价" in partial.value.errors["marks"]
    with pytest.raises(EvaluationInvalid) as stranger:
        marks = {**{str(e): "qualified" for e in evaluees}, "999999": "qualified"}
        _in(
            app,
            township,
            lambda: do_cast_ballot(
                db.session,
                admin,
                _round(round_id),
                marks,
                voter_key="user:1",
                kind=VoterKind.MEMBER,
                today=TODAY,
            ),
        )
    assert "marks.999999" in stranger.value.errors
    assert _counts(app, township, first)["qualified/member"] == 0

    grades = ["excellent", "excellent", "qualified", "qualified", "basic", "qualified", "qualified"]
    for n in range(4):
        _vote(app, township, admin, round_id, evaluees, f"user:{n}", grades)
    with pytest.raises(EvaluationInvalid) as twice:
        _vote(app, township, admin, round_id, evaluees, "user:0", grades)
    assert twice.value.errors == {"marks": "您已经投过票，每人只能投一次"}
    with pytest.raises(EvaluationInvalid) as late:
        _vote(
            app,
            township,
            admin,
            round_id,
            evaluees,
            "user:9",
            grades,
            today=YEAR["ballot_until"] + timedelta(days=1),
        )
    assert "截止" in late.value.errors["marks"]
    _vote(app, township, admin, round_id, evaluees, "rep:a", grades, kind=VoterKind.REPRESENTATIVE)
    assert _in(app, township, lambda: quorum(db.session, _round(round_id))) == (False, 4, 6)

    with pytest.raises(EvaluationInvalid) as over:
        _in(
            app,
            township,
            lambda: do_enter_paper(
                db.session, admin, _round(round_id), 1, {str(first): {"excellent": 2}}
            ),
        )
    assert "不能超过收回的1张" in over.value.errors[f"totals.{first}"]
    _in(
        app,
        township,
        lambda: do_enter_paper(
            db.session, admin, _round(round_id), 1, {str(first): {"qualified": 1}}
        ),
    )
    assert _in(app, township, lambda: quorum(db.session, _round(round_id))) == (True, 5, 6)
    assert _counts(app, township, first) | {} == {
        "excellent/member": 4,
        "excellent/representative": 1,
        "qualified/member": 1,
        "qualified/representative": 0,
        "basic/member": 0,
        "basic/representative": 0,
        "unqualified/member": 0,
        "unqualified/representative": 0,
    }

    def grade(i, g, **more):
        return lambda: do_grade(
            db.session,
            admin,
            db.session.get(Evaluee, evaluees[i]),
            {"grade": g, "opinion": "表现突出" if g == "excellent" else "合格", **more},
        )

    with pytest.raises(EvaluationInvalid) as probation:
        _in(app, township, grade(6, "qualified"))
    assert probation.value.errors == {"grade": "预备党员参加评议，但不评定等次"}
    _in(app, township, grade(0, "excellent"))
    _in(app, township, grade(1, "excellent"))
    with pytest.raises(EvaluationInvalid) as third:
        _in(app, township, grade(2, "excellent"))
    assert "超过正式党员的1/3（2人）" in third.value.errors["excellent_reason"]
    _in(app, township, grade(2, "excellent", excellent_reason="带领村民抗洪，镇党委表彰"))
    rows = _in(app, township, lambda: {e.id: e.grade for e in db.session.scalars(select(Evaluee))})
    assert rows[evaluees[2]] == Grade.EXCELLENT  # warned and recorded, never changed

    with pytest.raises(EvaluationInvalid) as ungraded:
        _in(app, township, lambda: do_report(db.session, admin, _round(round_id)))
    assert "还有3名正式党员未评定等次" in ungraded.value.errors["status"]
    for i in (3, 4, 5):
        _in(app, township, grade(i, "qualified"))
    _in(app, township, lambda: do_report(db.session, admin, _round(round_id)))
    with pytest.raises(EvaluationInvalid) as locked:
        _in(app, township, grade(3, "basic"))
    assert "不能修改" in locked.value.errors["status"]
    with pytest.raises(EvaluationInvalid):
        _in(app, township, lambda: do_decide(db.session, admin, _round(round_id), False, " "))
    _in(app, township, lambda: do_decide(db.session, admin, _round(round_id), False, "请补充意见"))
    _in(app, township, grade(3, "basic"))
    _in(app, township, lambda: do_report(db.session, admin, _round(round_id)))
    _in(app, township, lambda: do_decide(db.session, admin, _round(round_id), True, ""))
    assert _in(app, township, lambda: _round(round_id).status) == RoundStatus.APPROVED
    with pytest.raises(EvaluationInvalid):
        _in(
            app,
            township,
            lambda: do_exempt(
                db.session,
                admin,
                db.session.get(Evaluee, evaluees[5]),
                {"exempt_reason": "长期患病"},
            ),
        )
    with pytest.raises(EvaluationInvalid) as reasonless:
        _in(app, township, lambda: do_reopen(db.session, admin, _round(round_id), ""))
    assert reasonless.value.errors == {"reason": "请填写重新开放的理由"}
    _in(app, township, lambda: do_reopen(db.session, admin, _round(round_id), "县委抽查发现漏评"))
    actions = _in(
        app,
        township,
        lambda: [
            a.action
            for a in db.session.scalars(
                select(AuditLog).where(AuditLog.tenant_id == township.id).order_by(AuditLog.id)
            )
        ],
    )
    assert actions.count("evaluation.ballot_cast") == 5 and actions[-1] == "evaluation.reopened"
    assert {"evaluation.returned", "evaluation.approved", "evaluation.paper_entered"} <= set(
        actions
    )


def test_exempted_members_leave_the_counts_and_the_quorum(app, branch_year) -> None:
    township, admin, round_id, evaluees = branch_year
    for i in (4, 5):
        _in(
            app,
            township,
            lambda i=i: do_exempt(
                db.session,
                admin,
                db.session.get(Evaluee, evaluees[i]),
                {"exempt_reason": "外出半年以上且无法取得联系"},
            ),
        )
    assert _in(app, township, lambda: quorum(db.session, _round(round_id))) == (False, 0, 4)
    rest = [e for i, e in enumerate(evaluees) if i not in (4, 5)]
    for n in range(4):
        _vote(app, township, admin, round_id, rest, f"user:{n}", ["qualified"] * 5)
    assert _in(app, township, lambda: quorum(db.session, _round(round_id))) == (True, 4, 4)
    with pytest.raises(EvaluationInvalid) as exempt:
        _in(
            app,
            township,
            lambda: do_grade(
                db.session,
                admin,
                db.session.get(Evaluee, evaluees[4]),
                {"grade": "qualified", "opinion": "x"},
            ),
        )
    assert exempt.value.errors == {"grade": "该党员不列入评议对象，不评定等次"}


def test_no_row_or_audit_entry_ties_a_voter_to_a_mark(app, branch_year) -> None:
    township, admin, round_id, evaluees = branch_year
    before = _in(
        app,
        township,
        lambda: sorted(
            (m.id, m.evaluee_id, m.grade.value, m.voter_kind.value)
            for m in db.session.scalars(select(MarkCount))
        ),
    )
    _vote(app, township, admin, round_id, evaluees, "user:77", ["unqualified"] + ["qualified"] * 6)
    after = _in(
        app,
        township,
        lambda: sorted(
            (m.id, m.evaluee_id, m.grade.value, m.voter_kind.value)
            for m in db.session.scalars(select(MarkCount))
        ),
    )
    assert before == after, "a ballot adds to counts that already exist; it creates no rows"
    assert not hasattr(MarkCount, "created_at") and not hasattr(MarkCount, "updated_at")
    assert not hasattr(Voter, "created_at") and set(Voter.__table__.columns.keys()) == {
        "id",
        "round_id",
        "voter_key",
        "voter_kind",
        "tenant_id",
    }
    entries = _in(
        app,
        township,
        lambda: [
            (a.before, a.after)
            for a in db.session.scalars(
                select(AuditLog).where(
                    AuditLog.action == "evaluation.ballot_cast", AuditLog.tenant_id == township.id
                )
            )
        ],
    )
    assert entries == [(None, {"voter_kind": "member"})]
