"""The SQLite data-version triggers of migration 0009, shared with the migrations that rebuild a
watched table (SQLite's batch mode copies a table into a new one and leaves its triggers behind)."""

from alembic import op

SQLITE_UPSERT = (
    "INSERT INTO data_versions (tenant_id, version) VALUES ({row}.tenant_id, abs(random())) "
    "ON CONFLICT (tenant_id) DO UPDATE SET version = excluded.version;"
)
SQLITE_TRIGGERS = {
    "ins": ("AFTER INSERT ON {t}", ("NEW",)),
    "upd": ("AFTER UPDATE ON {t}", ("OLD", "NEW")),
    "del": ("AFTER DELETE ON {t}", ("OLD",)),
}


def create_sqlite_triggers(table: str) -> None:
    """Mark every change to table in data_versions (SQLite; PostgreSQL keeps its triggers)."""
    for kind, (when, rows) in SQLITE_TRIGGERS.items():
        body = " ".join(SQLITE_UPSERT.format(row=r) for r in rows)
        op.execute(
            f"CREATE TRIGGER IF NOT EXISTS {table}_data_version_{kind} {when.format(t=table)} "
            f"BEGIN {body} END"
        )
