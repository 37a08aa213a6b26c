"""The tenant scope of the current request or task, held in a context variable."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class TenantScope:
    """Which townships may be read, which one township may be written, or the system scope."""

    readable: frozenset[int]
    writable: int | None = None
    system: bool = False

    def can_read(self, tenant_id: int | None) -> bool:
        """True when rows of tenant_id are visible in this scope."""
        return self.system or tenant_id in self.readable

    def can_write(self, tenant_id: int | None) -> bool:
        """True when rows of tenant_id may be written in this scope."""
        return self.system or (tenant_id is not None and tenant_id == self.writable)


_scope: ContextVar[TenantScope | None] = ContextVar("lianxin_tenant_scope", default=None)


class TenantScopeMissing(RuntimeError):
    """A tenant-owned table was queried with no tenant scope set."""


def current_scope() -> TenantScope | None:
    """The scope in force, or None."""
    return _scope.get()


def require_scope() -> TenantScope:
    """The scope in force; raises TenantScopeMissing when there is none."""
    scope = _scope.get()
    if scope is None:
        raise TenantScopeMissing("no tenant scope is set; use tenant_context(...)")
    return scope


@contextmanager
def _pushed(scope: TenantScope) -> Iterator[TenantScope]:
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)


def tenant_context(tenant_id: int) -> "contextmanager[TenantScope]":
    """Read and write exactly one township."""
    return _pushed(TenantScope(readable=frozenset({tenant_id}), writable=tenant_id))


def reading_context(tenant_ids: Iterable[int]) -> "contextmanager[TenantScope]":
    """Read several townships (a county coordinator's roll-up); write none."""
    return _pushed(TenantScope(readable=frozenset(tenant_ids)))


def system_context_unsafe() -> "contextmanager[TenantScope]":
    """Every township, for the CLI, demo loading and maintenance: never for a user's request."""
    return _pushed(TenantScope(readable=frozenset(), system=True))


def set_scope(scope: TenantScope | None) -> object:
    """Set the scope for a request; returns a token for reset_scope."""
    return _scope.set(scope)


def reset_scope(token: object) -> None:
    """Restore the scope that was in force before set_scope."""
    _scope.reset(token)  # type: ignore[arg-type]
