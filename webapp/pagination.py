"""Page through a SELECT: count once, fetch one page."""

from dataclasses import dataclass
from typing import Any

from flask import request
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from webapp.inputs import INT32_MAX

PER_PAGE = 20


@dataclass
class Page:
    """One page of results and where it sits."""

    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def page_number(value: Any) -> int:
    """A page number from a query argument; anything odd is page 1."""
    try:
        return min(max(1, int(value)), INT32_MAX)
    except (TypeError, ValueError):
        return 1


def paginate(
    session: Session,
    stmt: Select[Any],
    page: int | None = None,
    per_page: int = PER_PAGE,
    rows: bool = False,
) -> Page:
    """Run stmt for one page (entities, or whole rows with rows=True); page defaults to ?page=."""
    if page is None:
        page = page_number(request.args.get("page"))
    per_page = max(1, min(per_page, 100))
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    window = stmt.limit(per_page).offset((page - 1) * per_page)
    items = list(session.execute(window).all() if rows else session.scalars(window))
    return Page(items=items, page=page, per_page=per_page, total=total)
