"""/api/v1/t/<slug>/imports: roster import jobs and their progress (read only)."""

from typing import Any

from flask.views import MethodView
from marshmallow import fields

from tenants.access import get_in_tenant
from webapp.api import api_blueprint
from webapp.api.base import Schema
from webapp.api.common import page_of, require_api
from webapp.api.schemas import PageArgs, PageMeta
from webapp.extensions import db
from webapp.imports.models import ImportJob
from webapp.imports.services import list_imports

blp = api_blueprint("api_imports", __name__, "/imports", township=True)

ERRORS_SHOWN = 100


class ImportProblem(Schema):
    """One problem of the preview: Excel row, column header, message."""

    row = fields.Integer()
    column = fields.String()
    problem = fields.String()


class ImportOut(Schema):
    """An import job: status, progress, counts."""

    id = fields.Integer()
    filename = fields.String()
    status = fields.Function(lambda j: j.status.value)
    status_label = fields.String()
    mode = fields.Function(lambda j: j.mode.value if j.mode else None)
    progress = fields.Integer()
    total_rows = fields.Integer()
    valid_rows = fields.Integer()
    error_rows = fields.Integer()
    counts = fields.Dict()
    message = fields.String()
    warnings = fields.List(fields.String())
    created_at = fields.DateTime()
    finished_at = fields.DateTime()


class ImportDetail(ImportOut):
    """An import job with its first problems (download the rest from the web page)."""

    errors = fields.Function(
        lambda j: ImportProblem(many=True).dump((j.errors or [])[:ERRORS_SHOWN])
    )


class ImportPage(Schema):
    """A page of import jobs."""

    items = fields.List(fields.Nested(ImportOut))
    meta = fields.Nested(PageMeta)


@blp.route("")
class Imports(MethodView):
    """This township's roster imports."""

    @blp.arguments(PageArgs, location="query")
    @blp.response(200, ImportPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Import jobs, newest first."""
        require_api("roster.import")
        return page_of(list_imports(), args)


@blp.route("/<int:import_id>")
class ImportItem(MethodView):
    """One import job."""

    @blp.response(200, ImportDetail)
    def get(self, import_id: int) -> ImportJob:
        """Status, progress, counts and the first problems of one import."""
        require_api("roster.import")
        return get_in_tenant(db.session, ImportJob, import_id)
