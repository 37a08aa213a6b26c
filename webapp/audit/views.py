"""操作日志: a township's audit log, searchable and paged, naming who acted and on whom."""

from typing import Any

from flask import g, render_template, request
from flask_login import current_user

from webapp.audit.names import audit_lines
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
    lines = audit_lines(db.session, current_user, g.township.id, page.items)
    return render_template("audit/index.html", page=page, lines=lines, q=q)
