"""Issue 10, part 1: the organisation directory, searched by every township, changed by its owner."""

from sqlalchemy import func, select

from tenants.context import system_context_unsafe, tenant_context
from tests.directory.helpers import SHENZHEN, add_organisation
from tests.factories import login, uid
from webapp.audit.models import AuditLog
from webapp.auth.models import Role
from webapp.branches.models import Branch, BranchKind
from webapp.directory.models import Organisation, OrganisationKind
from webapp.extensions import db


def _count(model) -> int:
    with system_context_unsafe():
        n = db.session.scalar(select(func.count()).select_from(model))
        db.session.remove()
    return n


def test_an_off_platform_organisation_is_added_and_every_township_finds_it(app, client, world):
    tw = world.a
    name = f"深圳市南山区某科技公司党支部{uid()}"
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    response = client.post(f"/t/{tw.township.slug}/directory/new", data={**SHENZHEN, "name": name})
    assert response.status_code == 302
    with app.app_context(), tenant_context(tw.township.id):
        entry = db.session.scalar(select(Organisation).where(Organisation.name == name))
        assert (
            entry.kind == OrganisationKind.OFF_PLATFORM
            and entry.owner_township_id == tw.township.id
        )
        assert db.session.scalar(
            select(AuditLog).where(
                AuditLog.action == "directory.added", AuditLog.entity_id == entry.id
            )
        )
    other = app.test_client()
    login(other, world.b.users[Role.BRANCH_SECRETARY])  # another county's township
    found = other.get(
        f"/t/{world.b.township.slug}/directory/", query_string={"place": "深圳", "q": name}
    )
    page = found.get_data(as_text=True)
    assert name in page and "广东省深圳市南山区" in page and tw.township.name in page
    assert f"/directory/{entry.id}/edit" not in page  # not theirs to change


def test_search_by_name_place_kind_and_accepting(app, client, world):
    tag = uid()
    shenzhen, hangzhou = f"深圳某科技公司党支部{tag}", f"杭州萧山某园区党总支{tag}"
    with app.app_context():
        add_organisation(world.a, name=shenzhen)
        add_organisation(
            world.a,
            name=hangzhou,
            division_code="330109",
            address="萧山经济技术开发区",
            accepting=False,
        )
    login(client, world.a.users[Role.TOWNSHIP_ADMIN])
    url = f"/t/{world.a.township.slug}/directory/"

    def names(q: str = tag, **query) -> tuple[bool, bool]:
        page = client.get(url, query_string={"q": q, **query}).get_data(as_text=True)
        return shenzhen in page, hangzhou in page

    assert names() == (True, True)
    assert names(place="4403") == (True, False)  # a prefecture's code prefix
    assert names(place="330000") == (False, True)  # the province
    assert names(place="杭州") == (False, True)  # a name
    assert names(accepting="1") == (True, False)
    assert names(kind="mobile_branch") == (False, False)
    assert names(kind="off_platform") == (True, True)
    page = client.get(url, query_string={"q": "萧山经济技术开发区"}).get_data(as_text=True)
    assert hangzhou in page and shenzhen not in page  # the address
    empty = client.get(url, query_string={"place": "火星"}).get_data(as_text=True)
    assert "没有符合条件的组织" in empty


def test_bad_entries_are_refused_with_the_field_named_and_nothing_stored(app, client, world):
    tw = world.a
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    before = _count(Organisation)
    cases = [
        ({"division_code": "999999"}, "行政区划代码不存在"),
        ({"division_code": ""}, "请填写所在地的行政区划代码"),
        ({"name": "   "}, "请填写组织名称"),
        ({"phone": "call me"}, "联系电话只能包含数字"),
        ({"name": "长" * 65}, "组织名称不超过64个字符"),
    ]
    for change, message in cases:
        response = client.post(f"/t/{tw.township.slug}/directory/new", data={**SHENZHEN, **change})
        assert response.status_code == 422 and message in response.get_data(as_text=True), change
    assert _count(Organisation) == before


def test_only_the_owner_township_changes_an_entry(app, client, world):
    with app.app_context():
        entry = add_organisation(world.a)
    intruder = world.a2.users[Role.TOWNSHIP_ADMIN]  # same county, another township
    login(client, intruder)
    url = f"/t/{world.a2.township.slug}/directory/{entry.id}/edit"
    assert client.get(url).status_code == 404
    assert client.post(url, data={**SHENZHEN, "name": "改名"}).status_code == 404
    owner = app.test_client()
    login(owner, world.a.users[Role.TOWNSHIP_ADMIN])
    own = f"/t/{world.a.township.slug}/directory/{entry.id}/edit"
    assert owner.post(own, data={**SHENZHEN, "accepting": ""}).status_code == 302
    with app.app_context(), system_context_unsafe():
        stored = db.session.get(Organisation, entry.id)
        assert stored.name == SHENZHEN["name"] and stored.accepting is False


def test_the_directory_shows_organisations_never_members(app, client, world):
    with app.app_context():
        entry = add_organisation(world.a, name=f"某党支部{uid()}")
    login(client, world.b.users[Role.TOWNSHIP_ADMIN])
    page = client.get(
        f"/t/{world.b.township.slug}/directory/", query_string={"q": entry.name}
    ).get_data(as_text=True)
    with app.app_context(), system_context_unsafe():
        from webapp.members.models import Member

        names = db.session.scalars(select(Member.name)).all()
    assert entry.name in page
    assert not [n for n in names if n in page]


def test_a_branch_is_published_with_its_details(app, client, world):
    tw = world.a
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    url = f"/t/{tw.township.slug}/directory/branches/{tw.branch.id}/publish"
    form = client.get(url).get_data(as_text=True)
    assert tw.branch.name in form and tw.township.division_code in form
    data = {**SHENZHEN, "name": tw.branch.name, "division_code": tw.township.division_code}
    assert client.post(url, data=data).status_code == 302
    assert client.post(url, data={**data, "contact_name": "王书记"}).status_code == 302  # again
    with app.app_context(), system_context_unsafe():
        entries = db.session.scalars(
            select(Organisation).where(Organisation.branch_id == tw.branch.id)
        ).all()
        assert len(entries) == 1 and entries[0].contact_name == "王书记"
        assert entries[0].kind == OrganisationKind.BRANCH
    foreign = f"/t/{tw.township.slug}/directory/branches/{world.b.branch.id}/publish"
    assert client.get(foreign).status_code == 404


def test_a_temporary_mobile_branch_is_created_and_listed_in_one_step(app, client, world):
    tw = world.a
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    url = f"/t/{tw.township.slug}/directory/mobile-branches/new"
    assert tw.township.division_code in client.get(url).get_data(as_text=True)
    data = {
        "name": "绍兴柯桥流动党员临时党支部",
        "host": "柯桥中国轻纺城",
        "division_code": "330603",
        "address": "柯桥区轻纺城大道",
        "secretary_name": "陈书记",
        "contact_name": "陈书记",
        "phone": "13905750000",
        "accepting": "y",
    }
    missing = client.post(url, data={**data, "host": ""})
    assert missing.status_code == 422 and "请填写依托单位" in missing.get_data(as_text=True)
    bad_code = client.post(url, data={**data, "division_code": "12"})
    assert bad_code.status_code == 422
    response = client.post(url, data=data)
    assert response.status_code == 302
    with app.app_context(), tenant_context(tw.township.id):
        branch = db.session.scalar(select(Branch).where(Branch.name == data["name"]))
        assert branch.kind == BranchKind.MOBILE and branch.secretary_name == "陈书记"
        entry = db.session.scalar(select(Organisation).where(Organisation.branch_id == branch.id))
        assert entry.kind == OrganisationKind.MOBILE_BRANCH and entry.address.startswith(
            "柯桥中国轻纺城"
        )
        actions = set(
            db.session.scalars(
                select(AuditLog.action).where(AuditLog.tenant_id == tw.township.id)
            ).all()
        )
        assert {"branch.created", "directory.published"} <= actions
    again = client.post(url, data=data)  # the same name twice: refused, nothing added
    assert again.status_code == 422 and "本乡镇已有同名支部" in again.get_data(as_text=True)


def test_branch_roles_read_the_directory_but_do_not_change_it(app, client, world):
    tw = world.a
    login(client, tw.users[Role.COMMITTEE_MEMBER])
    assert client.get(f"/t/{tw.township.slug}/directory/").status_code == 200
    assert client.post(f"/t/{tw.township.slug}/directory/new", data=SHENZHEN).status_code == 403
    login(client, tw.users[Role.MEMBER])
    assert client.get(f"/t/{tw.township.slug}/directory/").status_code == 403
