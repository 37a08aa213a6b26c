"""今日待办 on the township home: per role, the items, their counts, names and links; the empty
states; the branch limit; and nothing of another township."""

from tenants.context import tenant_context
from tenants.models import Township
from tests.duties.helpers import officer
from tests.factories import build_township, login, make_county
from tests.home.helpers import (
    TODAY,
    assigned,
    away,
    import_job,
    items_of,
    overdue_certificate,
    pending_contribution,
    submitted_item,
)
from tests.reminders.helpers import failed_message
from webapp.auth.models import Role
from webapp.duties.periods import half_of, quarter_of
from webapp.extensions import db
from webapp.imports.models import ImportStatus
from webapp.risk import rules
from webapp.risk.board import compute_board


def _home(client, tw) -> tuple[str, dict]:
    response = client.get(f"/t/{tw.township.slug}/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return html, items_of(html)


def test_committee_member_sees_own_members_not_reached(app, client, world) -> None:
    tw = world.a
    me = tw.users[Role.COMMITTEE_MEMBER]
    with app.app_context():
        colleague = officer(tw, name="李委员")
        waiting = [away(tw, f"未访{i}{tw.township.id}") for i in range(6)]
        done = away(tw, "已访甲")
        theirs = away(tw, "别人的乙")
        for m in waiting:
            assigned(m, me)
        assigned(done, me, visited=True)
        assigned(theirs, colleague)
        stranger = away(world.b, "外镇丙")
        assigned(stranger, world.b.users[Role.COMMITTEE_MEMBER])
    login(client, me)
    html, items = _home(client, tw)
    visits = items["visits"]
    assert visits["count"] == 6
    assert "应走访7人，已走访1人" in visits["text"]
    links = visits["links"]
    first = sorted(waiting, key=lambda m: (m.name, m.id))[:5]
    for m in first:
        assert links[f"/t/{tw.township.slug}/duties/members/{m.id}/contacts/new"] == m.name
    assert "等6项" in visits["text"]
    q = quarter_of(TODAY).key
    assert any(
        h.startswith(f"/t/{tw.township.slug}/duties/branches/{tw.branch.id}?")
        and f"officer={me.id}" in h
        and "status=overdue" in h
        and f"quarter={q}" in h
        for h in links
    )
    for name in ("已访甲", "别人的乙", "外镇丙"):
        assert name not in visits["text"]
    assert "外镇丙" not in html
    assert "13912345678" not in html


def test_committee_member_with_nothing_to_do_is_told_so(app, client) -> None:
    with app.app_context():
        tw = build_township(make_county())
    login(client, tw.users[Role.COMMITTEE_MEMBER])
    html, items = _home(client, tw)
    assert "本季度走访已全部完成" in items["visits"]["text"]
    assert items["visits"]["count"] is None  # in the done list, not an open card
    assert "近30天没有到期需验证的流动党员证" in html
    assert "今天没有待办" in html


def test_branch_secretary_sees_branch_work_and_reviews(app, client, world) -> None:
    tw = world.a
    with app.app_context():
        missing = away(tw, f"缺三个一{tw.township.id}")
        writer = away(tw, "写信人")
        submitted_item(writer)
        contributor = away(tw, "带头人")
        pending_contribution(contributor)
        carded = away(tw, "持证人")
        cert = overdue_certificate(app, tw, carded)
        elsewhere = away(tw, "别支部丁", branch=tw.other_branch)
        pending_contribution(elsewhere)
        submitted_item(elsewhere)
        foreign = away(world.b, "外镇戊")
        pending_contribution(foreign)
    login(client, tw.users[Role.BRANCH_SECRETARY])
    html, items = _home(client, tw)
    slug, half = tw.township.slug, half_of(TODAY).key
    three = items["three_ones"]
    assert three["count"] == 4  # every mobile member of the branch, none has all three items
    assert three["links"][f"/t/{slug}/three-ones/members/{missing.id}?half={half}"] == missing.name
    assert any("state=incomplete" in h for h in three["links"])
    sub = items["three_ones_submitted"]
    assert sub["count"] == 1
    assert sub["links"][f"/t/{slug}/three-ones/members/{writer.id}?half={half}"] == "写信人"
    contributions = items["contributions"]
    assert contributions["count"] == 1 and "带头人" in contributions["text"]
    assert f"/t/{slug}/contributions/?status=pending" in contributions["links"]
    certs = items["certificates_due"]
    assert certs["count"] == 1
    assert certs["links"][f"/t/{slug}/certificates/{cert.id}/verify"] == "持证人"
    unassigned = items["unassigned"]
    assert unassigned["count"] == 4
    assert f"/t/{slug}/duties/branches/{tw.branch.id}/assignments" in unassigned["links"]
    assert "本季度走访已全部完成" not in html  # nobody contacted: the visits card is open
    assert items["visits"]["count"] == 4
    for name in ("别支部丁", "外镇戊"):
        assert name not in html
    assert "没有等待审批的组织关系转接" in html and "没有等待接收的转入党员" in html


def test_township_officer_sees_risk_counts_imports_reminders(app, client, world) -> None:
    tw = world.a
    with app.app_context():
        lost = away(tw, "去向不明甲")
        failed = failed_message(tw.township.id, lost)
        bad = import_job(tw, "坏花名册.xlsx", ImportStatus.FAILED)
        waiting = import_job(tw, "待确认花名册.xlsx", ImportStatus.PREVIEWED)
        import_job(world.b, "外镇花名册.xlsx", ImportStatus.FAILED)
        failed_message(world.b.township.id, world.b.member)
        with tenant_context(tw.township.id):
            township = db.session.get(Township, tw.township.id)  # attached: its first import counts
            board = compute_board(db.session, TODAY, rules.thresholds_of(township))
            expected = {}
            for row in board.rows:
                for r in row.reasons:
                    expected[(r.rule, r.level)] = expected.get((r.rule, r.level), 0) + 1
            red = board.red
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    html, items = _home(client, tw)
    slug = tw.township.slug
    assert f"其中红色预警{red}人" in html
    for (rule, level), n in expected.items():
        marker = f'data-rule="{rule}" data-level="{level}"'
        assert marker in html
        row = html[html.index(marker) :].split("</tr>")[0]
        assert f'<td class="num">{n}</td>' in row
        assert f"/t/{slug}/risk/?rule={rule}&amp;level={level}" in row
    assert ("unknown", "red") in expected
    assert items["imports_failed"]["count"] == 1
    assert items["imports_failed"]["links"][f"/t/{slug}/imports/{bad.id}"] == "坏花名册.xlsx"
    assert (
        items["imports_waiting"]["links"][f"/t/{slug}/imports/{waiting.id}"] == "待确认花名册.xlsx"
    )
    reminders = items["reminders_failed"]
    assert reminders["count"] == 1
    assert reminders["links"][f"/t/{slug}/reminders/{failed.id}"] == "去向不明甲"
    assert f"/t/{slug}/reminders/?state=failed" in reminders["links"]
    assert "外镇花名册" not in html and world.b.member.name not in html
    assert "没有等待审批的组织关系转接" in html
    assert lost.phone not in html


def test_township_officer_empty_township(app, client) -> None:
    with app.app_context():
        tw = build_township(make_county())
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    html, items = _home(client, tw)
    assert 'id="today-risk"' in html  # never-seen members count from joining: flagged
    assert "没有发送失败的提醒" in html
    assert "近7天没有失败的导入" in html
    assert "本季度走访已全部完成" in html
    assert items["reminders_failed"]["count"] is None


def test_member_keeps_own_page_without_todo(app, client, world) -> None:
    tw = world.a
    login(client, tw.users[Role.MEMBER])
    html, items = _home(client, tw)
    assert 'id="today"' not in html and not items
    assert tw.member.name in html and tw.member.phone_masked in html
    assert f"/t/{tw.township.slug}/three-ones/mine" in html


def test_county_summary_lists_overseen_townships_only(app, client, world) -> None:
    with app.app_context():
        lost = away(world.a, "县看甲")
        overdue_certificate(app, world.a, lost)
        away(world.b, "别县乙")
        with tenant_context(world.a.township.id):
            township = db.session.get(Township, world.a.township.id)
            red = compute_board(db.session, TODAY, rules.thresholds_of(township)).red
    login(client, world.coordinator_a)
    response = client.get("/county/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    a, a2, b = world.a.township, world.a2.township, world.b.township
    assert f'data-township="{a.slug}"' in html and f'data-township="{a2.slug}"' in html
    assert f'data-township="{b.slug}"' not in html and b.name not in html
    row = html[html.index(f'data-township="{a.slug}"') :].split("</tr>")[0]
    assert f"/t/{a.slug}/certificates/due?state=overdue" in row
    assert "流动党员证逾期未验证1张" in row
    assert f"/t/{a.slug}/risk/?level=red" in row and f"红色预警{red}人" in row
    assert f"/t/{a.slug}/duties/?quarter={quarter_of(TODAY).key}" in row
    assert f'href="/t/{a.slug}/"' in row
    cells = [c.split(">", 1)[1] for c in row.split('<td class="num"')[1:]]
    assert [c.split("<")[0] for c in cells] == [str(red), "1", "1", "1", "3", "3"]
    other = html[html.index(f'data-township="{a2.slug}"') :].split("</tr>")[0]
    other_cells = [c.split(">", 1)[1] for c in other.split('<td class="num"')[1:]]
    assert [c.split("<")[0] for c in other_cells][1:4] == ["0", "0", "0"]
    assert "流动党员证逾期未验证" not in other and "本季度未走访" not in other
    assert lost.phone not in html


def test_coordinator_on_a_township_home_sees_only_what_they_may_read(app, client, world) -> None:
    with app.app_context():
        away(world.a, "协调看甲")
    login(client, world.coordinator_a)
    html, items = _home(client, world.a)
    assert "imports_failed" not in items  # roster.import is not theirs
    assert "visits" in items and "reminders_failed" in items
    assert 'id="risk-counts"' in html
    assert "去审批" not in html  # township approvals are not a coordinator's
    assert "各乡镇逾期待办" in html  # back to the county summary
