"""image datasets and their images

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from synthfoundry.db.types import UTCDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "image_datasets",
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("source_dataset_id", sa.Uuid(), nullable=True),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("folder", sa.String(length=512), nullable=False),
        sa.Column("file_count", sa.BigInteger(), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("generation_time", sa.Float(), nullable=True),
        sa.Column("device_used", sa.String(length=32), nullable=True),
        sa.Column("collection", sa.JSON(), nullable=True),
        sa.Column("job_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_image_datasets_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_dataset_id"],
            ["image_datasets.id"],
            name=op.f("fk_image_datasets_source_dataset_id_image_datasets"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_image_datasets")),
    )
    op.create_index(op.f("ix_image_datasets_owner_id"), "image_datasets", ["owner_id"])
    op.create_index(
        op.f("ix_image_datasets_source_dataset_id"), "image_datasets", ["source_dataset_id"]
    )
    op.create_table(
        "image_dataset_images",
        sa.Column("dataset_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("index_in_label", sa.BigInteger(), nullable=False),
        sa.Column("file", sa.String(length=400), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=True),
        sa.Column("noise_sigma", sa.Float(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("augmentation", sa.JSON(), nullable=True),
        sa.Column("provider", sa.String(length=32), nullable=True),
        sa.Column("license", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["image_datasets.id"],
            name=op.f("fk_image_dataset_images_dataset_id_image_datasets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dataset_id", "position", name=op.f("pk_image_dataset_images")),
    )


def downgrade() -> None:
    op.drop_table("image_dataset_images")
    op.drop_index(op.f("ix_image_datasets_source_dataset_id"), table_name="image_datasets")
    op.drop_index(op.f("ix_image_datasets_owner_id"), table_name="image_datasets")
    op.drop_table("image_datasets")
