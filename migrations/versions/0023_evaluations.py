"""民主评议党员: evaluation years, branch rounds, evaluees, anonymous mark counts and voters

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 23:20:00

Tenant tables with row-level security like the others. evaluation_marks and evaluation_voters
have no timestamps on purpose: nothing may order a voter against the marks they gave.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations import rls

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GRADES = ("excellent", "qualified", "basic", "unqualified")
TABLES = (
    "evaluation_years",
    "evaluation_rounds",
    "evaluees",
    "evaluation_marks",
    "evaluation_voters",
    "evidence_cards",
)


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=16)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def _stamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _table(name: str, columns: list, fks: list[tuple[str, str]], unique: tuple[str, ...]) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        *columns,
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        *(_fk(name, c, t) for c, t in [*fks, ("tenant_id", "townships")]),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        sa.UniqueConstraint(*unique, name=op.f(f"uq_{name}_{'_'.join(unique)}")),
    )
    for column in [c for c, _t in fks if c != "graded_by"] + ["tenant_id"]:
        op.create_index(op.f(f"ix_{name}_{column}"), name, [column])


def upgrade() -> None:
    _table(
        "evaluation_years",
        [
            sa.Column("year", sa.Integer(), nullable=False),
            sa.Column("self_until", sa.Date(), nullable=False),
            sa.Column("ballot_until", sa.Date(), nullable=False),
            sa.Column("grading_until", sa.Date(), nullable=False),
            sa.Column("quorum_percent", sa.Integer(), nullable=False),
            sa.Column("excellent_cap_divisor", sa.Integer(), nullable=False),
            sa.Column("weights", sa.JSON(), nullable=False),
            sa.Column("evidence_state", sa.String(length=16), nullable=False),
            sa.Column("evidence_done", sa.Integer(), nullable=False),
            sa.Column("evidence_total", sa.Integer(), nullable=False),
            *_stamps(),
        ],
        [],
        ("tenant_id", "year"),
    )
    _table(
        "evaluation_rounds",
        [
            sa.Column("year_id", sa.Integer(), nullable=False),
            sa.Column("branch_id", sa.Integer(), nullable=False),
            sa.Column(
                "status",
                _enum("roundstatus", "open", "reported", "approved", "returned"),
                nullable=False,
            ),
            sa.Column("paper_ballots", sa.Integer(), nullable=False),
            sa.Column("status_reason", sa.Text(), nullable=False),
            sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
            *_stamps(),
        ],
        [("year_id", "evaluation_years"), ("branch_id", "branches")],
        ("tenant_id", "year_id", "branch_id"),
    )
    _table(
        "evaluees",
        [
            sa.Column("round_id", sa.Integer(), nullable=False),
            sa.Column("member_id", sa.Integer(), nullable=False),
            sa.Column("probationary", sa.Boolean(), nullable=False),
            sa.Column("exempt_reason", sa.String(length=200), nullable=False),
            sa.Column("self_assessment", sa.Text(), nullable=False),
            sa.Column("inflow_opinion", sa.Text(), nullable=False),
            sa.Column("grade", _enum("grade", *GRADES), nullable=True),
            sa.Column("opinion", sa.Text(), nullable=False),
            sa.Column("excellent_reason", sa.Text(), nullable=False),
            sa.Column("graded_by", sa.Integer(), nullable=True),
            *_stamps(),
        ],
        [("round_id", "evaluation_rounds"), ("member_id", "members"), ("graded_by", "users")],
        ("tenant_id", "round_id", "member_id"),
    )
    _table(
        "evaluation_marks",
        [
            sa.Column("evaluee_id", sa.Integer(), nullable=False),
            sa.Column("grade", _enum("grade", *GRADES), nullable=False),
            sa.Column("voter_kind", _enum("voterkind", "member", "representative"), nullable=False),
            sa.Column("count", sa.Integer(), nullable=False),
        ],
        [("evaluee_id", "evaluees")],
        ("tenant_id", "evaluee_id", "grade", "voter_kind"),
    )
    _table(
        "evaluation_voters",
        [
            sa.Column("round_id", sa.Integer(), nullable=False),
            sa.Column("voter_key", sa.String(length=64), nullable=False),
            sa.Column("voter_kind", _enum("voterkind", "member", "representative"), nullable=False),
        ],
        [("round_id", "evaluation_rounds")],
        ("tenant_id", "round_id", "voter_key"),
    )
    _table(
        "evidence_cards",
        [
            sa.Column("evaluee_id", sa.Integer(), nullable=False),
            sa.Column("components", sa.JSON(), nullable=False),
            sa.Column("score", sa.Numeric(5, 1), nullable=True),
            sa.Column("suggested", _enum("grade", *GRADES), nullable=True),
            sa.Column("digest", sa.String(length=64), nullable=False),
            sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        ],
        [("evaluee_id", "evaluees")],
        ("tenant_id", "evaluee_id"),
    )
    rls.ensure_app_role()
    for table in TABLES:
        rls.enable(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        rls.disable(table)
        op.drop_table(table)
