"""Branch pages: list with search and pages, detail, create, edit, delete (with confirmation)."""

from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tenants.access import get_in_tenant
from webapp.auth.decorators import require
from webapp.auth.permissions import can
from webapp.branches.forms import BranchForm
from webapp.branches.models import Branch
from webapp.branches.services import (
    BranchError,
    do_create_branch,
    do_delete_branch,
    do_update_branch,
    list_branches,
)
from webapp.extensions import db
from webapp.pagination import paginate
from webapp.tenancy import township_blueprint

bp = township_blueprint("branches", __name__, "/branches")


@bp.route("/")
@require("branch.view")
def index() -> Any:
    """支部列表."""
    q, kind = request.args.get("q", ""), request.args.get("kind", "")
    page = paginate(db.session, list_branches(q, kind))
    return render_template("branches/index.html", page=page, q=q, kind=kind)


@bp.route("/new", methods=["GET", "POST"])
@require("branch.create")
def create() -> Any:
    """新建支部."""
    form = BranchForm()
    if form.validate_on_submit():
        try:
            branch = do_create_branch(db.session, current_user, g.township, form.data_for_service())
        except BranchError as exc:
            form.name.errors = [str(exc)]
        else:
            flash(_("已新建支部：%(name)s", name=branch.name), "success")
            return redirect(url_for(".show", branch_id=branch.id))
    status = 422 if form.errors else 200
    return render_template("branches/form.html", form=form, branch=None), status


@bp.route("/<int:branch_id>")
@require("branch.view")
def show(branch_id: int) -> Any:
    """支部详情."""
    branch = get_in_tenant(db.session, Branch, branch_id)
    return render_template("branches/show.html", branch=branch)


@bp.route("/<int:branch_id>/edit", methods=["GET", "POST"])
@require("branch.update")
def edit(branch_id: int) -> Any:
    """修改支部."""
    branch = get_in_tenant(db.session, Branch, branch_id)
    if not can(current_user, "branch.update", branch.id):
        abort(403)
    form = BranchForm(obj=branch)
    if form.validate_on_submit():
        try:
            do_update_branch(db.session, current_user, branch, form.data_for_service())
        except BranchError as exc:
            form.name.errors = [str(exc)]
        else:
            flash(_("支部信息已保存"), "success")
            return redirect(url_for(".show", branch_id=branch.id))
    status = 422 if form.errors else 200
    return render_template("branches/form.html", form=form, branch=branch), status


@bp.route("/<int:branch_id>/delete", methods=["POST"])
@require("branch.delete")
def delete(branch_id: int) -> Any:
    """删除支部 (the page asks for confirmation first)."""
    branch = get_in_tenant(db.session, Branch, branch_id)
    try:
        do_delete_branch(db.session, current_user, branch)
    except BranchError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".show", branch_id=branch.id))
    flash(_("支部已删除"), "success")
    return redirect(url_for(".index"))
