"""Issue 10: the coordinator's placement summary counts only the townships they oversee."""

from datetime import date, timedelta

from tenants.context import tenant_context
from tests.directory.helpers import add_organisation
from tests.factories import login, uid
from tests.placements.helpers import place_across, publish, send_away
from webapp.extensions import db
from webapp.members.models import Member
from webapp.placements.services import do_place


def test_the_county_summary_counts_its_townships_only(app, client, world):
    home, inflow = world.a, world.a2
    with app.app_context():
        place_across(home, home.member.id, publish(inflow, inflow.branch.id))
        far = add_organisation(home, name=f"深圳某企业党支部{uid()}")
        send_away(home, home.other_member.id)
        with tenant_context(home.township.id):
            do_place(  # waiting for the report-in for 40 days: overdue
                db.session,
                None,
                db.session.get(Member, home.other_member.id),
                {"organisation_id": far.id, "placed_on": date.today() - timedelta(days=40)},
            )
            db.session.remove()
    login(client, world.coordinator_a)
    page = client.get("/county/placements/")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert inflow.branch.name in text and far.name in text
    row = text.split(f"<td>{home.township.name}</td>")[1].split("</tr>")[0]
    cells = [
        c.split("</td>")[0].replace('<strong class="error">', "").replace("</strong>", "")
        for c in row.split("<td>")[1:]
    ]
    assert cells[:3] == ["2", "1", "0"]  # two waiting, one of them for over 30 days, none in
    other = app.test_client()
    login(other, world.coordinator_b)
    text = other.get("/county/placements/").get_data(as_text=True)
    assert inflow.branch.name not in text and far.name not in text
    assert home.township.name not in text
