"""reports

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from synthfoundry.db.types import UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("real_dataset_id", sa.Uuid(), nullable=True),
        sa.Column("synthetic_dataset_id", sa.Uuid(), nullable=True),
        sa.Column("holdout_dataset_id", sa.Uuid(), nullable=True),
        sa.Column("target", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("files_prefix", sa.String(length=512), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.Column("job_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["holdout_dataset_id"],
            ["datasets.id"],
            name=op.f("fk_reports_holdout_dataset_id_datasets"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_reports_owner_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["real_dataset_id"],
            ["datasets.id"],
            name=op.f("fk_reports_real_dataset_id_datasets"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["synthetic_dataset_id"],
            ["synthetic_datasets.id"],
            name=op.f("fk_reports_synthetic_dataset_id_synthetic_datasets"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
    )
    op.create_index(op.f("ix_reports_owner_id"), "reports", ["owner_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_reports_owner_id"), table_name="reports")
    op.drop_table("reports")
