"""组织目录 pages: search every township's entries; add, change and publish this township's own."""

from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tenants.access import get_in_tenant
from webapp.auth.decorators import require
from webapp.branches.models import Branch
from webapp.directory.forms import MobileBranchForm, OrganisationForm
from webapp.directory.models import KIND_LABELS, Organisation
from webapp.directory.services import (
    DirectoryError,
    branch_entry,
    do_add_organisation,
    do_create_mobile_branch,
    do_publish_branch,
    do_update_organisation,
    owned,
    place_name,
    search,
)
from webapp.extensions import db
from webapp.pagination import paginate
from webapp.tenancy import township_blueprint

bp = township_blueprint("directory", __name__, "/directory")


@bp.route("/")
@require("directory.view")
def index() -> Any:
    """组织目录: every township's entries, by name, place and kind."""
    args = {k: request.args.get(k, "") for k in ("q", "place", "kind")}
    accepting = request.args.get("accepting") == "1"
    page = paginate(db.session, search(**args, accepting=accepting))
    return render_template(
        "directory/index.html",
        page=page,
        args=args,
        accepting=accepting,
        kinds=KIND_LABELS,
        place_name=place_name,
    )


def _show_errors(form: OrganisationForm, exc: DirectoryError) -> None:
    for field, message in exc.errors.items():
        form[field].errors = [*form[field].errors, message]


def _entry_page(form: OrganisationForm, title: str, **extra: Any) -> Any:
    status = 422 if form.errors else 200
    return render_template("directory/form.html", form=form, title=title, **extra), status


@bp.route("/new", methods=["GET", "POST"])
@require("directory.manage")
def create() -> Any:
    """添加平台外组织."""
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            entry = do_add_organisation(
                db.session, current_user, g.township, form.data_for_service()
            )
        except DirectoryError as exc:
            _show_errors(form, exc)
        else:
            flash(_("已添加到组织目录：%(name)s", name=entry.name), "success")
            return redirect(url_for(".index", q=entry.name))
    return _entry_page(form, _("添加平台外组织"))


@bp.route("/<int:organisation_id>/edit", methods=["GET", "POST"])
@require("directory.manage")
def edit(organisation_id: int) -> Any:
    """修改本乡镇维护的目录条目 (another township's entry answers 404)."""
    entry = owned(db.session, g.township, organisation_id)
    if entry is None:
        abort(404)
    form = OrganisationForm(obj=entry)
    if form.validate_on_submit():
        try:
            do_update_organisation(
                db.session, current_user, g.township, entry, form.data_for_service()
            )
        except DirectoryError as exc:
            _show_errors(form, exc)
        else:
            flash(_("目录条目已保存"), "success")
            return redirect(url_for(".index", q=entry.name))
    return _entry_page(form, _("修改目录条目"), entry=entry)


@bp.route("/branches/<int:branch_id>/publish", methods=["GET", "POST"])
@require("directory.manage")
def publish(branch_id: int) -> Any:
    """把本乡镇的支部列入组织目录 (or change its entry)."""
    branch = get_in_tenant(db.session, Branch, branch_id)
    entry = branch_entry(db.session, branch)
    defaults = Organisation(
        name=branch.name,
        division_code=g.township.division_code,
        address=branch.location,
        contact_name=branch.secretary_name,
        phone=branch.phone,
        national_ref="",
        accepting=True,
    )
    form = OrganisationForm(obj=entry or defaults)
    if form.validate_on_submit():
        try:
            do_publish_branch(db.session, current_user, g.township, branch, form.data_for_service())
        except DirectoryError as exc:
            _show_errors(form, exc)
        else:
            flash(_("支部已列入组织目录：%(name)s", name=branch.name), "success")
            return redirect(url_for(".index", q=branch.name))
    return _entry_page(form, _("列入组织目录"), branch=branch, entry=entry)


@bp.route("/mobile-branches/new", methods=["GET", "POST"])
@require("directory.manage")
def create_mobile_branch() -> Any:
    """新建流动党员临时党支部: in an enterprise, a park, a residential or business district."""
    form = MobileBranchForm()
    if request.method == "GET":
        form.division_code.data = g.township.division_code
    if form.validate_on_submit():
        try:
            branch = do_create_mobile_branch(
                db.session, current_user, g.township, form.data_for_service()
            )
        except DirectoryError as exc:
            _show_errors(form, exc)
        else:
            flash(_("已新建临时党支部并列入组织目录：%(name)s", name=branch.name), "success")
            return redirect(url_for("branches.show", branch_id=branch.id))
    status = 422 if form.errors else 200
    return render_template("directory/mobile_branch.html", form=form), status
