"""the admission season: stored responses and later rounds

``run_responses`` keeps the responses (accept, wait, decline) families gave to
a completed run; ``run_rounds`` links a later round's run to the run it follows,
with its round number, lottery order and the responses it used.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 07:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "run_responses",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"],
                                name=op.f("fk_run_responses_run_id_runs")),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_run_responses")),
    )
    op.create_table(
        "run_rounds",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("previous_run_id", sa.Integer(), nullable=False),
        sa.Column("round_number", sa.Integer(), nullable=False),
        sa.Column("lottery", sa.String(length=20), nullable=False),
        sa.Column("responses_sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_run_rounds_run_id_runs")),
        sa.ForeignKeyConstraint(["previous_run_id"], ["runs.id"],
                                name=op.f("fk_run_rounds_previous_run_id_runs")),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_run_rounds")),
    )
    op.create_index("ix_run_rounds_previous_run_id", "run_rounds", ["previous_run_id"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_run_rounds_previous_run_id", table_name="run_rounds")
    op.drop_table("run_rounds")
    op.drop_table("run_responses")
