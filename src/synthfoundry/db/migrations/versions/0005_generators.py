"""generators

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from synthfoundry.db.types import UTCDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "generators",
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("dataset_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("synthesizer", sa.String(length=64), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("column_overrides", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("model_key", sa.String(length=512), nullable=True),
        sa.Column("training_job_id", sa.Uuid(), nullable=True),
        sa.Column("training_report", sa.JSON(), nullable=True),
        sa.Column("trained_rows", sa.BigInteger(), nullable=True),
        sa.Column("trained_at", UTCDateTime(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            name=op.f("fk_generators_dataset_id_datasets"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_generators_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_generators")),
    )
    op.create_index(op.f("ix_generators_dataset_id"), "generators", ["dataset_id"], unique=False)
    op.create_index(op.f("ix_generators_owner_id"), "generators", ["owner_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_generators_owner_id"), table_name="generators")
    op.drop_index(op.f("ix_generators_dataset_id"), table_name="generators")
    op.drop_table("generators")
