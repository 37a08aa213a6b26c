"""操作日志 names people: the actor with their role, the member, branch, user or township an entry
is about; one query per kind whatever the page holds; a member only where the viewer may see them."""

from typing import Any

from sqlalchemy import event

from tenants.context import tenant_context
from tests.factories import World, login, make_member
from webapp.audit.names import audit_lines
from webapp.audit.services import record, township_log
from webapp.auth.models import Role
from webapp.extensions import db


def _entries(world: World) -> dict[str, Any]:
    """One entry of each kind in township a's log."""
    tw = world.a
    admin = tw.users[Role.TOWNSHIP_ADMIN]
    secretary = tw.users[Role.BRANCH_SECRETARY]
    visitor = world.a2.users[Role.BRANCH_SECRETARY]  # an inflow branch of another township
    rows = [
        (admin, "member.updated", "member", tw.member.id, None),
        (secretary, "branch.updated", "branch", tw.branch.id, None),
        (admin, "branch.deleted", "branch", 987654321, {"name": "旧支部"}),
        (visitor, "member.viewed_by_inflow", "member", tw.other_member.id, None),
        (None, "member.updated", "member", world.b.member.id, None),  # not of this township
        (admin, "auth.password_changed", "user", secretary.id, None),
        (admin, "township.settings_changed", "township", tw.township.id, None),
        (world.coordinator_a, "county.census_exported", "township", tw.township.id, None),
    ]
    with tenant_context(tw.township.id):
        for actor, action, kind, key, before in rows:
            record(db.session, actor, action, kind, key, tenant_id=tw.township.id, before=before)
        db.session.commit()
    return {"admin": admin, "secretary": secretary, "visitor": visitor}


def _row(body: str, text: str) -> str:
    """The table row holding text."""
    return body.split(text)[0].rsplit("<tr>", 1)[1] + text + body.split(text)[1].split("</tr>")[0]


def test_the_log_names_actors_and_targets(app, client, world: World) -> None:
    with app.app_context():
        people = _entries(world)
    tw = world.a
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    response = client.get(f"/t/{tw.township.slug}/audit/")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    member_link = (
        f'<a href="/t/{tw.township.slug}/members/{tw.member.id}">党员 {tw.member.name}</a>'
    )
    assert member_link in body
    assert f'/branches/{tw.branch.id}">支部 {tw.branch.name}</a>' in body
    assert "支部 旧支部（已删除）" in body
    assert f"用户 {people['secretary'].display_name}" in body
    assert f"乡镇 {tw.township.name}" in body
    assert people["admin"].display_name in body and "镇党委组织委员" in body
    visited = _row(body, f"党员 {tw.other_member.name}")
    assert people["visitor"].display_name in visited
    assert f"支部书记（{world.a2.township.name}）" in visited
    exported = _row(body, "县委组织部导出县级汇总（Excel）")
    assert world.coordinator_a.display_name in exported and "县委组织部协调员" in exported
    assert world.b.member.name not in body  # another township's member: never by name
    assert f"党员 #{world.b.member.id}" in body and "系统" in body
    assert "member #" not in body and "user #" not in body


def test_names_take_one_query_per_kind(app, client, world: World) -> None:
    tw = world.a
    with app.app_context():
        _entries(world)
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    url = f"/t/{tw.township.slug}/audit/"

    def statements() -> int:
        seen: list[str] = []

        def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            seen.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    few = statements()
    with app.app_context():
        more = [make_member(tw.township, tw.branch) for _ in range(12)]
        with tenant_context(tw.township.id):
            for member in more:
                for action in ("member.created", "member.updated"):
                    record(
                        db.session,
                        tw.users[Role.BRANCH_SECRETARY],
                        action,
                        "member",
                        member.id,
                        tenant_id=tw.township.id,
                    )
            db.session.commit()
    assert statements() == few  # 24 more entries, 12 more members: not one more query
    body = client.get(url).get_data(as_text=True)
    assert all(f"党员 {m.name}" in body for m in more)


def test_a_branch_limited_viewer_sees_only_members_they_may_view(app, world: World) -> None:
    tw = world.a
    with app.app_context():
        _entries(world)
        secretary = tw.users[Role.BRANCH_SECRETARY]  # limited to tw.branch
        with tenant_context(tw.township.id):
            entries = list(db.session.scalars(township_log(tw.township.id).limit(20)))
            lines = {
                (line.entry.entity_type, line.entry.entity_id): line
                for line in audit_lines(db.session, secretary, tw.township.id, entries)
            }
    own = lines[("member", tw.member.id)]
    other = lines[("member", tw.other_member.id)]
    assert own.target == f"党员 {tw.member.name}" and own.linked
    assert other.target == f"党员 #{tw.other_member.id}" and not other.linked
