"""Directory test data: an off-platform organisation kept by a township."""

from typing import Any

from tenants.context import tenant_context
from tests.factories import TownshipWorld
from webapp.directory.models import Organisation
from webapp.directory.services import do_add_organisation
from webapp.extensions import db

SHENZHEN = {
    "name": "深圳市南山区某科技公司党支部",
    "division_code": "440305",
    "address": "深圳市南山区科技园",
    "contact_name": "李书记",
    "phone": "0755-26000000",
    "national_ref": "",
    "accepting": True,
}


def add_organisation(tw: TownshipWorld, **changes: Any) -> Organisation:
    with tenant_context(tw.township.id):
        entry = do_add_organisation(db.session, None, tw.township, {**SHENZHEN, **changes})
        db.session.expunge(entry)
        db.session.remove()
    return entry


def victim_directory_rows(tw: TownshipWorld) -> dict[str, int]:
    """The cross-tenant matrix's organisation_id: an entry the victim township keeps."""
    return {"organisation_id": add_organisation(tw).id}
