"""data versions: triggers mark every change to a township's census data

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 20:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations import rls
from migrations.triggers import create_sqlite_triggers

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WATCHED = ("members", "branches", "departures", "whereabouts")

# A new random version per township touched by the statement (versions are never compared for
# order, only for equality, so a random number also differs between databases).
PG_FUNCTION = """
CREATE FUNCTION lianxin_new_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO data_versions (tenant_id, version)
        SELECT t, floor(random() * 9e18)::bigint FROM (SELECT DISTINCT tenant_id AS t FROM new_rows) s
        ON CONFLICT (tenant_id) DO UPDATE SET version = EXCLUDED.version;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO data_versions (tenant_id, version)
        SELECT t, floor(random() * 9e18)::bigint FROM (SELECT DISTINCT tenant_id AS t FROM old_rows) s
        ON CONFLICT (tenant_id) DO UPDATE SET version = EXCLUDED.version;
    END IF;
    RETURN NULL;
END $$
"""
PG_TRIGGERS = {
    "ins": "AFTER INSERT ON {t} REFERENCING NEW TABLE AS new_rows",
    "upd": "AFTER UPDATE ON {t} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "del": "AFTER DELETE ON {t} REFERENCING OLD TABLE AS old_rows",
}


def upgrade() -> None:
    op.create_table(
        "data_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["townships.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", name="uq_data_versions_tenant_id"),
    )
    op.create_index("ix_data_versions_tenant_id", "data_versions", ["tenant_id"])
    rls.enable("data_versions")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SELECT set_config('lianxin.system', 'on', true)")  # the owner meets FORCE RLS
        op.execute(
            "INSERT INTO data_versions (tenant_id, version) "
            "SELECT id, floor(random() * 9e18)::bigint FROM townships"
        )
        op.execute(PG_FUNCTION)
        for table in WATCHED:
            for kind, when in PG_TRIGGERS.items():
                op.execute(
                    f"CREATE TRIGGER {table}_data_version_{kind} {when.format(t=table)} "
                    "FOR EACH STATEMENT EXECUTE FUNCTION lianxin_new_data_version()"
                )
    else:
        op.execute(
            "INSERT INTO data_versions (tenant_id, version) SELECT id, abs(random()) FROM townships"
        )
        for table in WATCHED:
            create_sqlite_triggers(table)


def downgrade() -> None:
    for table in WATCHED:
        for kind in PG_TRIGGERS:
            op.execute(
                f"DROP TRIGGER IF EXISTS {table}_data_version_{kind}"
                + (f" ON {table}" if op.get_bind().dialect.name == "postgresql" else "")
            )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS lianxin_new_data_version()")
    rls.disable("data_versions")
    op.drop_index("ix_data_versions_tenant_id", table_name="data_versions")
    op.drop_table("data_versions")
