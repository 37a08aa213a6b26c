"""Access helpers: fetch a tenant-owned row or answer 404, the same for "missing" and "not yours"."""

from typing import TypeVar

from sqlalchemy.orm import Session
from werkzeug.exceptions import NotFound

from tenants.context import require_scope
from tenants.models import Township
from tenants.scoping import TenantScoped

MAX_ID = 2**31 - 1  # ids are 32-bit columns; a larger one exists nowhere

T = TypeVar("T", bound=TenantScoped)


def get_in_tenant(session: Session, model: type[T], ident: int | str | None) -> T:
    """The row of model with this id in the current scope, or NotFound."""
    try:
        key = int(ident)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise NotFound() from None
    if not 0 < key <= MAX_ID:
        raise NotFound()
    obj = session.get(model, key)
    if obj is None or not require_scope().can_read(obj.tenant_id):
        raise NotFound()
    return obj


def get_for_write(session: Session, model: type[T], ident: int | str | None) -> T:
    """Like get_in_tenant, but also NotFound when the scope may read and not write the row."""
    obj = get_in_tenant(session, model, ident)
    if not require_scope().can_write(obj.tenant_id):
        raise NotFound()
    return obj


def township_by_slug(session: Session, slug: str) -> Township:
    """The township with this slug, or NotFound."""
    township = session.query(Township).filter_by(slug=slug).one_or_none()
    if township is None:
        raise NotFound()
    return township
