"""initial schema: scenario tables, runs, audit and appeals

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-27 00:14:06.249711
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scenarios",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("settings_yaml", sa.Text(), nullable=False),
        sa.Column("policy_file", sa.String(length=200), nullable=True),
        sa.Column("policy_text", sa.Text(), nullable=True),
        sa.Column("applicant_columns", sa.Text(), nullable=False),
        sa.Column("school_columns", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scenarios")),
        sa.UniqueConstraint("name", name=op.f("uq_scenarios_name")),
    )
    op.create_table(
        "applicants",
        sa.Column("scenario_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("applicant_id", sa.String(length=100), nullable=False),
        sa.Column("county", sa.Text(), nullable=False),
        sa.Column("stage", sa.Text(), nullable=False),
        sa.Column("birth_date", sa.Text(), nullable=False),
        sa.Column("hukou_zone", sa.Text(), nullable=False),
        sa.Column("hukou_city", sa.Text(), nullable=False),
        sa.Column("property_zone", sa.Text(), nullable=False),
        sa.Column("residence_zone", sa.Text(), nullable=False),
        sa.Column("residence_permit_months", sa.Text(), nullable=False),
        sa.Column("social_insurance_months", sa.Text(), nullable=False),
        sa.Column("hukou_since", sa.Text(), nullable=False),
        sa.Column("property_since", sa.Text(), nullable=False),
        sa.Column("lat", sa.Text(), nullable=False),
        sa.Column("lon", sa.Text(), nullable=False),
        sa.Column("categories", sa.Text(), nullable=False),
        sa.Column("disability_plan", sa.Text(), nullable=False),
        sa.Column("sibling_group", sa.Text(), nullable=False),
        sa.Column("sibling_school", sa.Text(), nullable=False),
        sa.Column("preferences", sa.Text(), nullable=False),
        sa.Column("feeder_school", sa.Text(), nullable=False),
        sa.Column("extra_cells", sa.Text(), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("name_masked", sa.Text(), nullable=False),
        sa.Column("national_id_masked", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["scenario_id"], ["scenarios.id"], name=op.f("fk_applicants_scenario_id_scenarios")
        ),
        sa.PrimaryKeyConstraint("scenario_id", "position", name=op.f("pk_applicants")),
        sa.UniqueConstraint(
            "scenario_id", "applicant_id", name=op.f("uq_applicants_scenario_id_applicant_id")
        ),
    )
    with op.batch_alter_table("applicants", schema=None) as batch_op:
        batch_op.create_index(
            "ix_applicants_scenario_county", ["scenario_id", "county"], unique=False
        )

    op.create_table(
        "priorities",
        sa.Column("scenario_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Text(), nullable=False),
        sa.Column("applicant_id", sa.Text(), nullable=False),
        sa.Column("rank", sa.Text(), nullable=False),
        sa.Column("extra_cells", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["scenario_id"], ["scenarios.id"], name=op.f("fk_priorities_scenario_id_scenarios")
        ),
        sa.PrimaryKeyConstraint("scenario_id", "position", name=op.f("pk_priorities")),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_key", sa.String(length=100), nullable=False),
        sa.Column("scenario_id", sa.Integer(), nullable=False),
        sa.Column("county", sa.String(length=100), nullable=False),
        sa.Column("input_sha256", sa.String(length=64), nullable=False),
        sa.Column("roster_sha256", sa.String(length=64), nullable=False),
        sa.Column("policy_sha256", sa.String(length=64), nullable=False),
        sa.Column("assignments_sha256", sa.String(length=64), nullable=False),
        sa.Column("assignment_columns", sa.Text(), nullable=False),
        sa.Column("seed", sa.String(length=40), nullable=False),
        sa.Column("policy", sa.String(length=200), nullable=False),
        sa.Column("mechanism", sa.String(length=100), nullable=False),
        sa.Column("engine_version", sa.String(length=40), nullable=False),
        sa.Column("lottery_algorithm", sa.String(length=40), nullable=False),
        sa.Column("applicants", sa.Integer(), nullable=False),
        sa.Column("placed", sa.Integer(), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["scenario_id"], ["scenarios.id"], name=op.f("fk_runs_scenario_id_scenarios")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runs")),
        sa.UniqueConstraint("job_key", name=op.f("uq_runs_job_key")),
    )
    op.create_table(
        "schools",
        sa.Column("scenario_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("county", sa.Text(), nullable=False),
        sa.Column("stage", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("capacity", sa.Text(), nullable=False),
        sa.Column("classes", sa.Text(), nullable=False),
        sa.Column("zones", sa.Text(), nullable=False),
        sa.Column("lat", sa.Text(), nullable=False),
        sa.Column("lon", sa.Text(), nullable=False),
        sa.Column("resource_room", sa.Text(), nullable=False),
        sa.Column("nine_year", sa.Text(), nullable=False),
        sa.Column("group", sa.Text(), nullable=False),
        sa.Column("feeds_into", sa.Text(), nullable=False),
        sa.Column("extra_cells", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["scenario_id"], ["scenarios.id"], name=op.f("fk_schools_scenario_id_scenarios")
        ),
        sa.PrimaryKeyConstraint("scenario_id", "position", name=op.f("pk_schools")),
        sa.UniqueConstraint(
            "scenario_id", "school_id", name=op.f("uq_schools_scenario_id_school_id")
        ),
    )
    op.create_table(
        "appeals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("applicant_id", sa.String(length=100), nullable=False),
        sa.Column("field", sa.String(length=100), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=False),
        sa.Column("new_value", sa.Text(), nullable=False),
        sa.Column("old_school_id", sa.String(length=100), nullable=False),
        sa.Column("new_school_id", sa.String(length=100), nullable=False),
        sa.Column("old_tier", sa.String(length=100), nullable=False),
        sa.Column("new_tier", sa.String(length=100), nullable=False),
        sa.Column("decision", sa.String(length=40), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_appeals_run_id_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeals")),
    )
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.create_index("ix_appeals_run_applicant", ["run_id", "applicant_id"], unique=False)

    op.create_table(
        "assignments",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("applicant_id", sa.String(length=100), nullable=False),
        sa.Column("school_id", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("tier", sa.Text(), nullable=False),
        sa.Column("choice_rank", sa.Text(), nullable=False),
        sa.Column("distance_km", sa.Text(), nullable=False),
        sa.Column("lottery", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("county", sa.Text(), nullable=False),
        sa.Column("stage", sa.Text(), nullable=False),
        sa.Column("tier_name", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("reason_code", sa.Text(), nullable=False),
        sa.Column("lottery_draw", sa.Text(), nullable=False),
        sa.Column("extra_cells", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_assignments_run_id_runs")),
        sa.PrimaryKeyConstraint("run_id", "position", name=op.f("pk_assignments")),
        sa.UniqueConstraint(
            "run_id", "applicant_id", name=op.f("uq_assignments_run_id_applicant_id")
        ),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_audit_events_run_id_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_table(
        "lottery_draws",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("lottery_order", sa.Integer(), nullable=False),
        sa.Column("applicant_id", sa.String(length=100), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("draw", sa.String(length=16), nullable=False),
        sa.Column("lottery", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_lottery_draws_run_id_runs")),
        sa.PrimaryKeyConstraint("run_id", "lottery_order", name=op.f("pk_lottery_draws")),
    )
    op.create_table(
        "run_files",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_run_files_run_id_runs")),
        sa.PrimaryKeyConstraint("run_id", "file_name", name=op.f("pk_run_files")),
    )
    op.create_table(
        "run_inputs",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_run_inputs_run_id_runs")),
        sa.PrimaryKeyConstraint("run_id", "file_name", name=op.f("pk_run_inputs")),
    )
    op.create_table(
        "plan_adjustments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("appeal_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.String(length=100), nullable=False),
        sa.Column("capacity_change", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["appeal_id"], ["appeals.id"], name=op.f("fk_plan_adjustments_appeal_id_appeals")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_plan_adjustments_run_id_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_adjustments")),
    )


def downgrade() -> None:
    op.drop_table("plan_adjustments")
    op.drop_table("run_inputs")
    op.drop_table("run_files")
    op.drop_table("lottery_draws")
    op.drop_table("audit_events")
    op.drop_table("assignments")
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.drop_index("ix_appeals_run_applicant")

    op.drop_table("appeals")
    op.drop_table("schools")
    op.drop_table("runs")
    op.drop_table("priorities")
    with op.batch_alter_table("applicants", schema=None) as batch_op:
        batch_op.drop_index("ix_applicants_scenario_county")

    op.drop_table("applicants")
    op.drop_table("scenarios")
