"""Thin tasks: take ids, run a service inside the tenant's context."""

from collections.abc import Iterator
from contextlib import contextmanager

from tenants.context import tenant_context
from webapp.extensions import db


@contextmanager
def in_tenant(tenant_id: int) -> Iterator[None]:
    """That township's scope and a session that is removed afterwards."""
    try:
        with tenant_context(int(tenant_id)):
            yield
    finally:
        db.session.remove()
