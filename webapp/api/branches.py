"""/api/v1/t/<slug>/branches: list, get, create, update."""

from typing import Any

from flask import g
from flask.views import MethodView

from tenants.access import get_in_tenant
from webapp.api import api_blueprint
from webapp.api.common import page_of, require_api, unprocessable
from webapp.api.schemas import BranchIn, BranchOut, BranchPage, BranchPatch, PageArgs
from webapp.branches.models import Branch
from webapp.branches.services import BranchError, do_create_branch, do_update_branch, list_branches
from webapp.extensions import db

blp = api_blueprint("api_branches", __name__, "/branches", township=True)


@blp.route("")
class Branches(MethodView):
    """The township's branches."""

    @blp.arguments(PageArgs, location="query")
    @blp.response(200, BranchPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Branches, by name."""
        require_api("branch.view")
        return page_of(list_branches(args["q"]), args)

    @blp.arguments(BranchIn)
    @blp.response(201, BranchOut)
    def post(self, data: dict[str, Any]) -> Branch:
        """Create a branch."""
        require_api("branch.create")
        try:
            return do_create_branch(db.session, g.api_user, g.township, data)
        except BranchError as exc:
            unprocessable({exc.field or "name": str(exc)})


@blp.route("/<int:branch_id>")
class BranchItem(MethodView):
    """One branch."""

    @blp.response(200, BranchOut)
    def get(self, branch_id: int) -> Branch:
        """A branch of this township."""
        require_api("branch.view")
        return get_in_tenant(db.session, Branch, branch_id)

    @blp.arguments(BranchPatch(partial=True))
    @blp.response(200, BranchOut)
    def patch(self, data: dict[str, Any], branch_id: int) -> Branch:
        """Change a branch."""
        branch = get_in_tenant(db.session, Branch, branch_id)
        require_api("branch.update", branch.id)
        merged = {
            k: getattr(branch, k) for k in ("name", "kind", "secretary_name", "phone", "location")
        }
        merged.update(data)
        try:
            return do_update_branch(db.session, g.api_user, branch, merged)
        except BranchError as exc:
            unprocessable({exc.field or "name": str(exc)})
