"""Permission-matrix probes for transfers: each acts over HTTP and reads what changed."""

from typing import Any

from flask.testing import FlaskClient

from tests.factories import World, make_member
from tests.transfers.helpers import advance, draft, entry_for, incoming_of, load
from webapp.transfers.models import Step, Transfer, TransferStatus


def _status(w: World, transfer_id: int) -> TransferStatus:
    return load(w.a, Transfer, transfer_id).status


def probe_view(c: FlaskClient, w: World, branch: Any, member: Any, token: str) -> tuple[int, bool]:
    transfer_id = draft(w.a, entry_for(w.a2, w.a2.branch.id), member.id)
    status = c.get(f"/t/{w.a.township.slug}/transfers/{transfer_id}").status_code
    return status, status == 200


def probe_manage(
    c: FlaskClient, w: World, branch: Any, member: Any, token: str
) -> tuple[int, bool]:
    url = f"/t/{w.a.township.slug}/transfers/members/{member.id}/new"
    data = {"organisation_id": str(entry_for(w.a2, w.a2.branch.id)), "reason": "定居"}
    status = c.post(url, data=data).status_code
    return status, status == 302


def _decide(c: FlaskClient, w: World, transfer_id: int) -> int:
    url = f"/t/{w.a.township.slug}/transfers/{transfer_id}/decide"
    return c.post(url, data={"decision": "approve", "note": ""}).status_code


def probe_approve_branch(
    c: FlaskClient, w: World, branch: Any, member: Any, token: str
) -> tuple[int, bool]:
    transfer_id = draft(w.a, entry_for(w.a2, w.a2.branch.id), member.id)
    advance(w.a, transfer_id)
    status = _decide(c, w, transfer_id)
    return status, _status(w, transfer_id) == TransferStatus.PENDING_TOWNSHIP


def probe_approve_township(
    c: FlaskClient, w: World, branch: Any, member: Any, token: str
) -> tuple[int, bool]:
    transfer_id = draft(w.a, entry_for(w.a2, w.a2.branch.id), member.id)
    advance(w.a, transfer_id, Step.BRANCH)
    status = _decide(c, w, transfer_id)
    return status, _status(w, transfer_id) == TransferStatus.ISSUED


def probe_approve_county(
    c: FlaskClient, w: World, branch: Any, member: Any, token: str
) -> tuple[int, bool]:
    transfer_id = draft(w.a, entry_for(w.b, w.b.branch.id), member.id)
    advance(w.a, transfer_id, Step.BRANCH, Step.TOWNSHIP)
    url = f"/county/transfers/{transfer_id}/decide"
    status = c.post(url, data={"decision": "approve", "note": ""}).status_code
    return status, _status(w, transfer_id) == TransferStatus.ISSUED


def probe_receive(
    c: FlaskClient, w: World, branch: Any, member: Any, token: str
) -> tuple[int, bool]:
    """A member of a2 sent to `branch` of township a; the caller receives them."""
    arriving = make_member(w.a2.township, w.a2.branch)
    transfer_id = draft(w.a2, entry_for(w.a, branch.id), arriving.id)
    advance(w.a2, transfer_id, Step.BRANCH, Step.TOWNSHIP)
    row = incoming_of(w.a, transfer_id)
    status = c.post(f"/t/{w.a.township.slug}/incoming/{row.id}/receive").status_code
    return status, status == 302
