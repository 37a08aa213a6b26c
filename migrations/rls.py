"""PostgreSQL row-level security: the application role and per-table tenant policies."""

from alembic import op

APP_ROLE = "lianxin_app"

# Each current_setting() sits in its own sub-SELECT so PostgreSQL evaluates it once per query as
# an init-plan, not once per row: on a county roll-up over 147k members that is 443 ms vs 75 ms.
# The readable ids become an int[] inside the init-plan (ARRAY(SELECT ...)): a cast outside it
# runs on every row, and over 200 townships' 72k placements that was 310 ms against 30 ms.
_SYSTEM = "(SELECT current_setting('lianxin.system', true)) = 'on'"
_READ = (
    f"{_SYSTEM} OR tenant_id = ANY (ARRAY(SELECT CAST(unnest(string_to_array("
    "NULLIF(current_setting('lianxin.tenant_ids', true), ''), ',')) AS int)))"
)
_WRITE = (
    f"{_SYSTEM} OR "
    "tenant_id = (SELECT NULLIF(current_setting('lianxin.write_tenant', true), '')::int)"
)


def _is_postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def ensure_app_role() -> None:
    """Create the non-owner application role (cluster-wide, so only when missing) and grant it."""
    if not _is_postgres():
        return
    op.execute(
        f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') "
        f"THEN CREATE ROLE {APP_ROLE} NOLOGIN NOBYPASSRLS; END IF; END $$"
    )
    # the owner must be able to SET ROLE to it even when it is not a superuser (PostgreSQL 16)
    op.execute(f"GRANT {APP_ROLE} TO CURRENT_USER")
    op.execute(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}")
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")
    # tables and sequences that later migrations create are granted too
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP_ROLE}"
    )
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {APP_ROLE}"
    )


def enable(table: str, nullable_tenant: bool = False) -> None:
    """Tenant isolation on table, forced even for the owner."""
    if not _is_postgres():
        return
    write = f"tenant_id IS NULL OR {_WRITE}" if nullable_tenant else _WRITE
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY tenant_read ON {table} FOR SELECT USING ({_READ})")
    op.execute(f"CREATE POLICY tenant_insert ON {table} FOR INSERT WITH CHECK ({write})")
    op.execute(
        f"CREATE POLICY tenant_update ON {table} FOR UPDATE USING ({_WRITE}) WITH CHECK ({_WRITE})"
    )
    op.execute(f"CREATE POLICY tenant_delete ON {table} FOR DELETE USING ({_WRITE})")


def disable(table: str) -> None:
    """Undo enable()."""
    if not _is_postgres():
        return
    for policy in ("tenant_read", "tenant_insert", "tenant_update", "tenant_delete"):
        op.execute(f"DROP POLICY IF EXISTS {policy} ON {table}")
    op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")


def policy_tables() -> list[tuple[str, bool]]:
    """Tables that carry the tenant policies, and whether their tenant_id may be empty."""
    if not _is_postgres():
        return []
    rows = op.get_bind().exec_driver_sql(
        "SELECT DISTINCT p.tablename, c.is_nullable = 'YES' FROM pg_policies p "
        "JOIN information_schema.columns c ON c.table_name = p.tablename "
        "AND c.column_name = 'tenant_id' AND c.table_schema = p.schemaname "
        "WHERE p.policyname = 'tenant_read' AND p.schemaname = current_schema()"
    )
    return sorted((table, bool(nullable)) for table, nullable in rows)
