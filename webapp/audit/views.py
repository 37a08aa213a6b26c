"""操作日志: a township's audit log, searchable and paged."""

from typing import Any

from flask import g, render_template, request

from webapp.audit.services import township_log
from webapp.auth.decorators import require
from webapp.extensions import db
from webapp.pagination import paginate
from webapp.tenancy import township_blueprint

bp = township_blueprint("audit", __name__, "/audit")


@bp.route("/")
@require("audit.view")
def index() -> Any:
    """Newest first; ?q= filters by action."""
    q = request.args.get("q", "")
    page = paginate(db.session, township_log(g.township.id, q), per_page=50)
    return render_template("audit/index.html", page=page, q=q)
