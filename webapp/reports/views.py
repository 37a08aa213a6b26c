"""Reports: ask for a roster PDF, watch its progress, download it."""

from typing import Any

from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tenants.access import get_in_tenant
from webapp.auth.decorators import require
from webapp.auth.permissions import branch_limit
from webapp.branches.services import branch_options
from webapp.extensions import db
from webapp.inputs import as_id
from webapp.pagination import paginate
from webapp.reports.models import Report
from webapp.reports.rendering import audited_pdf
from webapp.reports.services import do_request_roster, list_reports
from webapp.tenancy import township_blueprint

bp = township_blueprint("reports", __name__, "/reports")


@bp.route("/", methods=["GET", "POST"])
@require("report.request")
def index() -> Any:
    """报表: list, and ask for a new roster."""
    limit = branch_limit(current_user, "report.request")
    options = [(i, n) for i, n in branch_options(db.session) if limit is None or i == limit]
    if request.method == "POST":
        raw = request.form.get("branch_id", "")
        branch_id = as_id(raw)
        if (limit is not None and branch_id != limit) or (
            branch_id is not None and branch_id not in {i for i, _ in options}
        ):
            flash(_("请选择您有权查看的支部"), "error")
            return redirect(url_for(".index"))
        report = do_request_roster(db.session, current_user, g.township, branch_id)
        flash(_("已提交，正在后台生成，完成后可下载"), "success")
        return redirect(url_for(".show", report_id=report.id))
    page = paginate(db.session, list_reports(limit))
    return render_template("reports/index.html", page=page, options=options, whole=limit is None)


def _report_in_reach(report_id: int) -> Report:
    """A report of the township; for a branch role only one of its own branch (404 otherwise,
    like a report that does not exist)."""
    report = get_in_tenant(db.session, Report, report_id)
    limit = branch_limit(current_user, "report.request")
    if limit is not None and report.branch_id != limit:
        abort(404)
    return report


@bp.route("/<int:report_id>")
@require("report.request")
def show(report_id: int) -> Any:
    """One report's progress (JSON with ?format=json for the progress bar)."""
    report = _report_in_reach(report_id)
    if request.args.get("format") == "json":
        return jsonify(
            status=report.status.value,
            label=report.status_label,
            progress=report.progress,
            pages=report.pages,
        )
    return render_template("reports/show.html", report=report)


@bp.route("/<int:report_id>/download")
@require("report.request")
def download(report_id: int) -> Any:
    """The PDF, with an audit entry (rosters carry personal data)."""
    return audited_pdf(
        _report_in_reach(report_id), "report.downloaded", "report", f"roster-{report_id}.pdf"
    )
