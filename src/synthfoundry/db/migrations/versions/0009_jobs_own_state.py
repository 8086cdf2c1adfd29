"""jobs own state: parent jobs, the creating credential's scopes, no status copies on domain rows

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUS_TABLES = {
    "generators": "new",
    "datasets": "ready",
    "synthetic_datasets": "generating",
    "reports": "running",
}


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch_op:
        batch_op.add_column(sa.Column("parent_job_id", sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column("actor_scopes", sa.JSON(), nullable=False, server_default="[]")
        )
        batch_op.add_column(sa.Column("api_key_id", sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f("ix_jobs_parent_job_id"), ["parent_job_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_jobs_parent_job_id_jobs"),
            "jobs",
            ["parent_job_id"],
            ["id"],
            ondelete="CASCADE",
        )
    # What the status columns said that the rows do not already: a failed dataset's reason.
    op.execute(
        "UPDATE datasets SET error = 'ingesting failed' WHERE status = 'failed' AND error IS NULL"
    )
    for table in STATUS_TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("status")


def downgrade() -> None:
    for table, default in STATUS_TABLES.items():
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(
                sa.Column("status", sa.String(length=16), nullable=False, server_default=default)
            )
    op.execute("UPDATE generators SET status = 'ready' WHERE model_key IS NOT NULL")
    op.execute("UPDATE datasets SET status = 'failed' WHERE error IS NOT NULL")
    op.execute("UPDATE synthetic_datasets SET status = 'ready' WHERE rows IS NOT NULL")
    op.execute("UPDATE reports SET status = 'ready' WHERE summary IS NOT NULL")
    with op.batch_alter_table("jobs") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_jobs_parent_job_id_jobs"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_jobs_parent_job_id"))
        batch_op.drop_column("api_key_id")
        batch_op.drop_column("actor_scopes")
        batch_op.drop_column("parent_job_id")
