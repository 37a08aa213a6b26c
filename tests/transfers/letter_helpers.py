"""Introduction-letter test data: a print job of an issued letter, made through the service."""

from tenants.context import tenant_context
from tests.factories import TownshipWorld, make_member
from tests.transfers.helpers import issued_to
from webapp.auth.models import Role
from webapp.extensions import db
from webapp.transfers.letters import do_request_letters


def request_letters(tw: TownshipWorld, transfer_ids: list[int], mode: str = "full") -> int:
    """A print job of tw's issued transfers, asked for by its township officer; its id."""
    with tenant_context(tw.township.id):
        job = do_request_letters(
            db.session,
            tw.users[Role.TOWNSHIP_ADMIN],
            tw.township,
            transfer_ids,
            mode,
            "http://localhost",
        )
        job_id = job.id
        db.session.remove()
    return job_id


def victim_letter_rows(tw: TownshipWorld, receiver: TownshipWorld) -> dict[str, int]:
    """The cross-tenant matrix's letter_print_id: a new member of tw sent to receiver, printed."""
    member = make_member(tw.township, tw.branch)
    return {"letter_print_id": request_letters(tw, [issued_to(tw, receiver, member.id)])}
