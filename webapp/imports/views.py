"""花名册导入/导出: template, upload, job page with progress and preview, import, errors, export."""

import io
from datetime import date
from typing import Any

from flask import abort, flash, g, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tenants.access import get_in_tenant
from webapp.auth.decorators import require
from webapp.branches.services import branch_options
from webapp.extensions import db
from webapp.imports.excel import HEADERS, MAX_ROWS, REQUIRED, XLSX, errors_bytes, template_bytes
from webapp.imports.export import ExportRefused, do_export
from webapp.imports.models import ImportJob, ImportMode, ImportStatus
from webapp.imports.services import ImportRefused, do_start_import, do_upload, list_imports
from webapp.inputs import as_id
from webapp.pagination import paginate
from webapp.tenancy import township_blueprint

bp = township_blueprint("imports", __name__, "/imports")

PREVIEW_LIMIT = 200


def _xlsx(content: bytes, name: str) -> Any:
    return send_file(io.BytesIO(content), mimetype=XLSX, as_attachment=True, download_name=name)


@bp.route("/", methods=["GET", "POST"])
@require("roster.import")
def index() -> Any:
    """导入花名册: template, upload, and the list of earlier imports."""
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            flash(_("请选择要上传的 Excel 文件（.xlsx）"), "error")
            return redirect(url_for(".index"))
        try:
            job = do_upload(
                db.session, current_user, g.township, upload.filename, upload.stream.read()
            )
        except ImportRefused as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return redirect(url_for(".index"))
        flash(_("文件已上传，正在校验。校验完成前不会写入任何数据"), "success")
        return redirect(url_for(".show", import_id=job.id))
    page = paginate(db.session, list_imports())
    return render_template(
        "imports/index.html",
        page=page,
        headers=HEADERS,
        required=REQUIRED,
        max_rows=MAX_ROWS,
        branches=branch_options(db.session),
    )


@bp.route("/template.xlsx")
@require("roster.import")
def template() -> Any:
    """The empty template, with this township's branch names as a choice list."""
    names = [name for _id, name in branch_options(db.session)]
    return _xlsx(template_bytes(names), _("花名册导入模板.xlsx"))


def _progress(job: ImportJob) -> dict[str, Any]:
    return {
        "id": job.id,
        "status": job.status.value,
        "label": job.status_label,
        "progress": job.progress,
        "total_rows": job.total_rows,
        "valid_rows": job.valid_rows,
        "error_rows": job.error_rows,
        "counts": job.counts or {},
        "message": job.message,
    }


@bp.route("/<int:import_id>")
@require("roster.import")
def show(import_id: int) -> Any:
    """One import: progress (JSON with ?format=json), the preview's errors, the import buttons."""
    job = get_in_tenant(db.session, ImportJob, import_id)
    if request.args.get("format") == "json":
        return jsonify(_progress(job))
    errors = [] if job.running else (job.errors or [])
    return render_template(
        "imports/show.html",
        job=job,
        errors=errors[:PREVIEW_LIMIT],
        more_errors=max(0, len(errors) - PREVIEW_LIMIT),
        modes=ImportMode,
        statuses=ImportStatus,
    )


@bp.route("/<int:import_id>/run", methods=["POST"])
@require("roster.import")
def run(import_id: int) -> Any:
    """Start the import in the chosen mode (the page asks for confirmation first)."""
    job = get_in_tenant(db.session, ImportJob, import_id)
    if request.form.get("confirm") != "yes":
        flash(_("请先确认导入"), "error")
        return redirect(url_for(".show", import_id=job.id))
    try:
        do_start_import(db.session, current_user, job, request.form.get("mode", ""))
    except ImportRefused as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(_("已开始导入，请稍候"), "success")
    return redirect(url_for(".show", import_id=job.id))


@bp.route("/<int:import_id>/errors.xlsx")
@require("roster.import")
def errors(import_id: int) -> Any:
    """Every problem found, as a workbook (row, column, problem)."""
    job = get_in_tenant(db.session, ImportJob, import_id)
    if job.running:
        abort(404)
    return _xlsx(
        errors_bytes(job.message, job.errors or []), _("导入错误明细-%(id)s.xlsx", id=job.id)
    )


@bp.route("/export")
@require("roster.export")
def export() -> Any:
    """导出花名册 (one branch with ?branch=, else every branch the user may export)."""
    raw = request.args.get("branch", "")
    branch_id = as_id(raw)
    if raw and branch_id is None:
        abort(400, description=_("支部参数不正确"))
    try:
        content = do_export(db.session, current_user, g.township, branch_id, request.remote_addr)
    except ExportRefused as exc:
        db.session.rollback()
        abort(exc.code, description=str(exc))
    return _xlsx(content, f"花名册-{g.township.name}-{date.today():%Y%m%d}.xlsx")
