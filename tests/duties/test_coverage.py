"""Quarterly coverage: who was due, who was responsible then, who was contacted."""

from datetime import date

from tenants.context import tenant_context
from tests.duties.helpers import assignment, contact, mobile_member, officer
from tests.factories import login
from webapp.auth.models import Role
from webapp.duties.periods import Quarter
from webapp.duties.queries import compute_coverage
from webapp.extensions import db

Q = Quarter(2024, 2)  # 2024-04-01 .. 2024-06-30, settled long ago
AFTER = date(2024, 8, 1)


def _rows(tw, quarter=Q, today=AFTER):
    with tenant_context(tw.township.id):
        coverage = compute_coverage(db.session, quarter, today, tw.branch.id)
        return coverage, {r.member.id: r for r in coverage.rows}


def test_visited_and_overdue_at_quarter_boundaries(app, world) -> None:
    tw = world.a
    with app.app_context():
        zhang = officer(tw, name="张支委")
        left_mid = mobile_member(tw, date(2024, 5, 10))
        returned_mid = mobile_member(tw, date(2023, 10, 1), date(2024, 4, 20))
        home_before = mobile_member(tw, date(2023, 10, 1), date(2024, 4, 1))
        left_after = mobile_member(tw, date(2024, 7, 1))
        for m in (left_mid, returned_mid, home_before, left_after):
            assignment(m, zhang, date(2024, 1, 1))
        contact(left_mid, date(2024, 6, 30), zhang)  # last day of the quarter: counts
        contact(returned_mid, date(2024, 3, 31), zhang)  # day before the quarter: does not
        contact(returned_mid, date(2024, 7, 1), zhang)  # day after: does not
        coverage, rows = _rows(tw)
    assert set(rows) == {left_mid.id, returned_mid.id}
    assert rows[left_mid.id].visited and rows[left_mid.id].last_contact == date(2024, 6, 30)
    assert not rows[returned_mid.id].visited
    total = coverage.total
    assert (total.due, total.visited, total.overdue) == (2, 1, 1)
    assert coverage.closed
    [tally] = coverage.by_officer()
    assert (tally.name, tally.due, tally.visited, tally.overdue) == ("张支委", 2, 1, 1)


def test_reassignment_mid_quarter_judges_each_quarter_by_who_was_responsible(app, world) -> None:
    tw = world.a
    with app.app_context():
        old, new = officer(tw, name="甲支委"), officer(tw, name="乙支委")
        member = mobile_member(tw, date(2023, 6, 1))
        assignment(member, old, date(2023, 6, 1), date(2024, 5, 15))
        assignment(member, new, date(2024, 5, 15))
        contact(member, date(2024, 4, 20), old)  # before the hand-over, same quarter
        _, before = _rows(tw, Quarter(2024, 1))
        _, during = _rows(tw, Q)
        _, after = _rows(tw, Quarter(2024, 3), date(2024, 10, 10))
    assert before[member.id].officer_name == "甲支委" and not before[member.id].visited
    # the new officer owns the whole quarter; the earlier contact still reached the member
    assert during[member.id].officer_name == "乙支委" and during[member.id].visited
    assert after[member.id].officer_name == "乙支委" and not after[member.id].visited


def test_unassigned_members_are_shown_not_dropped(app, world) -> None:
    tw = world.a
    with app.app_context():
        zhang = officer(tw)
        ended = mobile_member(tw, date(2023, 1, 1))
        assignment(ended, zhang, date(2023, 1, 1), date(2024, 5, 1))  # ended, no successor
        later = mobile_member(tw, date(2023, 1, 1))
        assignment(later, zhang, date(2024, 7, 1))  # only after the quarter
        nobody = mobile_member(tw, date(2023, 1, 1))
        coverage, rows = _rows(tw)
    assert rows[ended.id].officer_id == zhang.id  # responsible for the part it overlapped
    assert rows[later.id].officer_id is None and rows[nobody.id].officer_id is None
    assert coverage.total.unassigned == 2
    assert [t.name for t in coverage.by_officer()][-1] == "未分配"


def test_open_quarter_counts_not_yet_contacted_as_overdue(app, world) -> None:
    tw = world.a
    with app.app_context():
        member = mobile_member(tw, date(2024, 1, 5))
        coverage, rows = _rows(tw, Q, date(2024, 5, 1))
    assert not coverage.closed and coverage.days_left == 61
    assert coverage.total.overdue == 1 and not rows[member.id].visited


def test_pages_show_counts_and_drill_down(app, client, world) -> None:
    tw = world.a
    with app.app_context():
        zhang = officer(tw, name="张支委")
        seen, unseen = mobile_member(tw, date(2024, 1, 5)), mobile_member(tw, date(2024, 1, 5))
        for m in (seen, unseen):
            assignment(m, zhang, date(2024, 1, 1))
        contact(seen, date(2024, 5, 5), zhang)
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    page = client.get(f"/t/{tw.township.slug}/duties/?quarter=2024Q2").get_data(as_text=True)
    assert "2024年第2季度" in page and tw.branch.name in page and 'id="due">2<' in page
    url = f"/t/{tw.township.slug}/duties/branches/{tw.branch.id}?quarter=2024Q2&status=overdue"
    body = client.get(url).get_data(as_text=True)
    assert unseen.name in body and f'data-member="{seen.id}"' not in body and "逾期未访" in body
    assert client.get(f"/t/{tw.township.slug}/duties/?quarter=2099Q1").status_code == 400
    assert client.get(f"/t/{tw.township.slug}/duties/?quarter=abc").status_code == 400
    # a branch role lands on its own branch
    login(client, tw.users[Role.COMMITTEE_MEMBER])
    response = client.get(f"/t/{tw.township.slug}/duties/")
    assert response.status_code == 302 and f"/branches/{tw.branch.id}" in response.location
    other = f"/t/{tw.township.slug}/duties/branches/{tw.other_branch.id}"
    assert client.get(other).status_code == 404
