"""synthetic datasets

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from synthfoundry.db.types import UTCDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "synthetic_datasets",
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("generator_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=True),
        sa.Column("conditions", sa.JSON(), nullable=True),
        sa.Column("rebalance", sa.JSON(), nullable=True),
        sa.Column("file_format", sa.String(length=16), nullable=False),
        sa.Column("with_report", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("storage_key", sa.String(length=512), nullable=False),
        sa.Column("rows", sa.BigInteger(), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("job_id", sa.Uuid(), nullable=True),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["generator_id"],
            ["generators.id"],
            name=op.f("fk_synthetic_datasets_generator_id_generators"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_synthetic_datasets_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_synthetic_datasets")),
    )
    op.create_index(
        op.f("ix_synthetic_datasets_generator_id"),
        "synthetic_datasets",
        ["generator_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_synthetic_datasets_owner_id"), "synthetic_datasets", ["owner_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_synthetic_datasets_owner_id"), table_name="synthetic_datasets")
    op.drop_index(op.f("ix_synthetic_datasets_generator_id"), table_name="synthetic_datasets")
    op.drop_table("synthetic_datasets")
