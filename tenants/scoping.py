"""TenantScoped rows and the session guard that scopes or refuses every ORM query on them."""

from typing import Any

from sqlalchemy import ForeignKey, Select, event, text
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    declared_attr,
    mapped_column,
    with_loader_criteria,
)
from sqlalchemy.sql.util import find_tables
from sqlalchemy.util import LRUCache

from tenants.context import TenantScope, current_scope, require_scope


class CrossTenantWrite(RuntimeError):
    """A flush tried to write a row of a township the scope may not write."""


class TenantScoped:
    """Mixin for every tenant-owned model: tenant_id NOT NULL, indexed, guarded."""

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("townships.id"), index=True, nullable=False)


def _is_tenant_model(mapper: Any) -> bool:
    return issubclass(mapper.class_, TenantScoped)


def _tenant_models() -> dict[Any, type]:
    """Table -> model for every TenantScoped model."""
    found, pending = {}, list(TenantScoped.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if hasattr(cls, "__table__"):
            found[cls.__table__] = cls
    return found


def _tenant_tables() -> set[Any]:
    return set(_tenant_models())


# Which tenant tables a statement touches, and which of them no ORM entity stands for, depend
# only on the statement's structure; both walks are costly (get_final_froms() builds the ORM
# compile state), so the answers are kept per SQL cache key, which execution computes anyway.
_STRUCTURE: LRUCache[Any, tuple[bool, list[type]]] = LRUCache(1000)


def _unmapped_tenant_froms(state: ORMExecuteState) -> list[type]:
    """Tenant tables in a SELECT's own FROM that no ORM entity stands for (count(x) FILTER …)."""
    statement = state.statement
    if not isinstance(statement, Select):
        return []
    mapped = {m.local_table for m in state.all_mappers}
    models = _tenant_models()
    return [models[t] for t in statement.get_final_froms() if t in models and t not in mapped]


def touches_tenant_rows(state: ORMExecuteState) -> bool:
    """Does the statement read or write a tenant-owned table, directly or in a subquery?"""
    if any(_is_tenant_model(m) for m in state.all_mappers):
        return True
    tables = set(find_tables(state.statement, include_crud=True, include_joins=True))
    return bool(tables & _tenant_tables())


def _structure(state: ORMExecuteState) -> tuple[bool, list[type]]:
    """(touches tenant rows, tenant tables without an entity), remembered per cache key."""
    cache_key = state.statement._generate_cache_key()
    key = cache_key.key if cache_key is not None else None
    if key is not None and (known := _STRUCTURE.get(key)) is not None:
        return known
    touches = touches_tenant_rows(state)
    found = (touches, _unmapped_tenant_froms(state) if touches else [])
    if key is not None:
        _STRUCTURE[key] = found
    return found


def _scope_key(scope: TenantScope | None) -> tuple[str, str, str]:
    if scope is None:
        return ("", "", "off")
    ids = ",".join(str(i) for i in sorted(scope.readable))
    write = "" if scope.writable is None else str(scope.writable)
    return (ids, write, "on" if scope.system else "off")


def apply_rls_settings(session: Session, connection: Any) -> None:
    """On PostgreSQL, hand the scope to row-level security for this transaction only."""
    if connection.dialect.name != "postgresql":
        return
    key = _scope_key(current_scope())
    connection.execute(
        text(
            "SELECT set_config('lianxin.tenant_ids', :ids, true),"
            " set_config('lianxin.write_tenant', :write, true),"
            " set_config('lianxin.system', :system, true)"
        ),
        {"ids": key[0], "write": key[1], "system": key[2]},
    )
    session.info["rls_key"] = key


class TenantSession(Session):
    """A Session whose get() also respects the scope when the identity map answers."""

    def get(self, entity: Any, ident: Any, **kwargs: Any) -> Any:
        obj = super().get(entity, ident, **kwargs)
        if isinstance(obj, TenantScoped) and not require_scope().can_read(obj.tenant_id):
            return None
        return obj


def _on_execute(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    # audit_logs has row-level security but no TenantScoped model: hand the scope over for
    # every statement, so a scope entered inside an open transaction reaches those reads too
    _sync_rls(state.session)
    touches, extra = _structure(state)
    if not touches:
        return
    scope = require_scope()
    if scope.system:
        return
    if extra:
        # Loader criteria attach to FROM entities; name these so the criteria reach them.
        state.statement = state.statement.select_from(*extra)
    ids = tuple(sorted(scope.readable))
    if (state.is_update or state.is_delete) and scope.writable is not None:
        ids = (scope.writable,)
    elif state.is_update or state.is_delete:
        ids = ()
    state.statement = state.statement.options(
        with_loader_criteria(TenantScoped, lambda cls: cls.tenant_id.in_(ids), include_aliases=True)
    )


def _sync_rls(session: Session) -> None:
    """Re-hand the scope to PostgreSQL when it changed inside an open transaction."""
    if session.in_transaction() and session.info.get("rls_key") != _scope_key(current_scope()):
        apply_rls_settings(session, session.connection())


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    _sync_rls(session)
    touched = [
        o for o in (*session.new, *session.dirty, *session.deleted) if isinstance(o, TenantScoped)
    ]
    if not touched:
        return
    scope = require_scope()
    for obj in touched:
        if obj in session.new and obj.tenant_id is None:
            obj.tenant_id = scope.writable
        if not scope.can_write(obj.tenant_id):
            raise CrossTenantWrite(f"{type(obj).__name__} of township {obj.tenant_id} not writable")


def _after_begin(session: Session, _transaction: Any, connection: Any) -> None:
    apply_rls_settings(session, connection)


def install_guard(session_class: type[Session]) -> None:
    """Attach the guard to a Session class (idempotent)."""
    for name, fn in (
        ("do_orm_execute", _on_execute),
        ("before_flush", _before_flush),
        ("after_begin", _after_begin),
    ):
        if not event.contains(session_class, name, fn):
            event.listen(session_class, name, fn)
