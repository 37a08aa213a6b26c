"""Finding 2: a branch role reaches only its own branch's roster PDFs; never the township's."""

from flask import Flask

from tenants.context import tenant_context
from tests.factories import World, login
from webapp.auth.models import Role
from webapp.extensions import db
from webapp.reports.models import Report, ReportStatus


def _finished(township_id: int, branch_id: int | None, title: str) -> int:
    with tenant_context(township_id):
        report = Report(
            tenant_id=township_id,
            title=title,
            branch_id=branch_id,
            status=ReportStatus.DONE,
            progress=100,
            pdf=b"%PDF-1.7 " + title.encode(),
        )
        db.session.add(report)
        db.session.commit()
        return report.id


def test_finding_2_branch_secretary_cannot_reach_the_township_roster_pdf(
    app: Flask, world: World
) -> None:
    tw = world.a
    with app.app_context():
        whole = _finished(tw.township.id, None, "全镇花名册")
        other = _finished(tw.township.id, tw.other_branch.id, "他支部花名册")
        own = _finished(tw.township.id, tw.branch.id, "本支部花名册")
    client = app.test_client()
    login(client, tw.users[Role.BRANCH_SECRETARY])
    base = f"/t/{tw.township.slug}/reports"
    listing = client.get(f"{base}/").get_data(as_text=True)
    assert "本支部花名册" in listing
    assert "全镇花名册" not in listing and "他支部花名册" not in listing
    for report_id in (whole, other):
        assert client.get(f"{base}/{report_id}").status_code == 404
        assert client.get(f"{base}/{report_id}?format=json").status_code == 404
        assert client.get(f"{base}/{report_id}/download").status_code == 404
    download = client.get(f"{base}/{own}/download")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")

    admin = app.test_client()
    login(admin, tw.users[Role.TOWNSHIP_ADMIN])
    assert admin.get(f"{base}/{whole}/download").status_code == 200


def test_finding_2_county_coordinator_gets_no_roster_pdf(app: Flask, world: World) -> None:
    with app.app_context():
        whole = _finished(world.a.township.id, None, "全镇花名册")
    client = app.test_client()
    login(client, world.coordinator_a)
    base = f"/t/{world.a.township.slug}/reports"
    assert client.get(f"{base}/{whole}/download").status_code == 403
    assert client.get(f"/t/{world.a.township.slug}/imports/export").status_code == 403
