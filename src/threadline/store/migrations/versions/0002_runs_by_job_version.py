"""Index runs by job version and start, so dating a job version reads no other runs.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06 21:55:00
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_runs_job_version_id_start_us"),
            ["job_version_id", "start_us"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_runs_job_version_id_start_us"))
