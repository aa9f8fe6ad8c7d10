"""Initial schema: the event log, its projections and the change feed.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 06:17:37.064785
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "changes",
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("ref", sa.Integer(), nullable=False),
        sa.Column("since_us", sa.BigInteger(), nullable=True),
    )
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_changes_seq"), ["seq"], unique=False)

    op.create_table(
        "edges",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("src", sa.Integer(), nullable=False),
        sa.Column("dst", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("asserter", sa.Integer(), nullable=False),
        sa.Column("valid_from_us", sa.BigInteger(), nullable=False),
        sa.Column("from_run", sa.String(length=36), nullable=False),
        sa.Column("valid_to_us", sa.BigInteger(), nullable=True),
        sa.Column("to_run", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_edges")),
    )
    with op.batch_alter_table("edges", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_edges_asserter_valid_to_us"), ["asserter", "valid_to_us"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_edges_dst"), ["dst"], unique=False)
        batch_op.create_index(batch_op.f("ix_edges_src"), ["src"], unique=False)

    op.create_table(
        "events",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("received_us", sa.BigInteger(), nullable=False),
        sa.Column("event_time_us", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("event_type", sa.String(length=16), nullable=True),
        sa.Column("run_uuid", sa.String(length=36), nullable=True),
        sa.Column("job_namespace", sa.Text(), nullable=True),
        sa.Column("job_name", sa.Text(), nullable=True),
        sa.Column("producer", sa.Text(), nullable=False),
        sa.Column("schema_url", sa.Text(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=True),
        sa.Column("payload_sha256", sa.String(length=64), nullable=False),
        sa.Column("event_key", sa.String(length=64), nullable=False),
        sa.Column("chain_hash", sa.String(length=64), nullable=False),
        sa.Column("redacted_us", sa.BigInteger(), nullable=True),
        sa.Column("redacted_by", sa.Text(), nullable=True),
        sa.Column("redaction_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_events")),
        sa.UniqueConstraint("event_key", name=op.f("uq_events_event_key")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_events_event_time_us"), ["event_time_us"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_events_run_uuid"), ["run_uuid"], unique=False)

    op.create_table(
        "log_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("chain_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_head")),
    )
    op.create_table(
        "meta",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_meta")),
    )
    op.create_table(
        "namespaces",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ident", sa.String(length=32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.Column("updated_us", sa.BigInteger(), nullable=False),
        sa.Column("owner_name", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("is_hidden", sa.Boolean(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_namespaces")),
        sa.UniqueConstraint("ident", name=op.f("uq_namespaces_ident")),
    )
    op.create_table(
        "nodes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nodes")),
    )
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.Column("updated_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
        sa.UniqueConstraint("name", name=op.f("uq_tags_name")),
    )
    op.create_table(
        "datasets",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("ident", sa.String(length=32), nullable=False),
        sa.Column("namespace", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("namespace_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), server_default="dataset", nullable=False),
        sa.Column("current_version_id", sa.Integer(), nullable=True),
        sa.Column("lifecycle_state", sa.String(length=16), nullable=True),
        sa.Column("lifecycle_us", sa.BigInteger(), nullable=True),
        sa.Column("lifecycle_key", sa.String(length=64), nullable=True),
        sa.Column("previous_namespace", sa.Text(), nullable=True),
        sa.Column("previous_name", sa.Text(), nullable=True),
        sa.Column("renamed_us", sa.BigInteger(), nullable=True),
        sa.Column("is_deleted", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("is_hidden", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.Column("updated_us", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["id"], ["nodes.id"], name=op.f("fk_datasets_id_nodes")),
        sa.ForeignKeyConstraint(
            ["namespace_id"], ["namespaces.id"], name=op.f("fk_datasets_namespace_id_namespaces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_datasets")),
        sa.UniqueConstraint("ident", name=op.f("uq_datasets_ident")),
    )
    with op.batch_alter_table("datasets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_datasets_namespace_id"), ["namespace_id"], unique=False
        )

    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("ident", sa.String(length=32), nullable=False),
        sa.Column("namespace", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("namespace_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), server_default="job", nullable=False),
        sa.Column("parent_job_id", sa.Integer(), nullable=True),
        sa.Column("parent_us", sa.BigInteger(), nullable=True),
        sa.Column("parent_key", sa.String(length=64), nullable=True),
        sa.Column("root_job_id", sa.Integer(), nullable=True),
        sa.Column("current_version_id", sa.Integer(), nullable=True),
        sa.Column("latest_run_id", sa.Integer(), nullable=True),
        sa.Column("is_hidden", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.Column("updated_us", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["id"], ["nodes.id"], name=op.f("fk_jobs_id_nodes")),
        sa.ForeignKeyConstraint(
            ["namespace_id"], ["namespaces.id"], name=op.f("fk_jobs_namespace_id_namespaces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
        sa.UniqueConstraint("ident", name=op.f("uq_jobs_ident")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_jobs_namespace_id"), ["namespace_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_jobs_parent_job_id"), ["parent_job_id"], unique=False)

    op.create_table(
        "node_tags",
        sa.Column("node_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.Column("tagged_us", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["node_id"], ["nodes.id"], name=op.f("fk_node_tags_node_id_nodes")),
        sa.ForeignKeyConstraint(["tag_id"], ["tags.id"], name=op.f("fk_node_tags_tag_id_tags")),
        sa.PrimaryKeyConstraint("node_id", "tag_id", name=op.f("pk_node_tags")),
    )
    with op.batch_alter_table("node_tags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_node_tags_tag_id"), ["tag_id"], unique=False)

    op.create_table(
        "dataset_facets",
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("facet", sa.Text(), nullable=False),
        sa.Column("event_time_us", sa.BigInteger(), nullable=False),
        sa.Column("event_key", sa.String(length=64), nullable=False),
        sa.Column("deleted", sa.Boolean(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"], ["datasets.id"], name=op.f("fk_dataset_facets_dataset_id_datasets")
        ),
        sa.PrimaryKeyConstraint("dataset_id", "name", name=op.f("pk_dataset_facets")),
    )
    op.create_table(
        "dataset_fields",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("ident", sa.String(length=32), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("type", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("ordinal", sa.Integer(), nullable=True),
        sa.Column("in_schema", sa.Boolean(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"], ["datasets.id"], name=op.f("fk_dataset_fields_dataset_id_datasets")
        ),
        sa.ForeignKeyConstraint(["id"], ["nodes.id"], name=op.f("fk_dataset_fields_id_nodes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dataset_fields")),
        sa.UniqueConstraint("dataset_id", "ident", name=op.f("uq_dataset_fields_dataset_id_ident")),
    )
    op.create_table(
        "dataset_schemas",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("observed_us", sa.BigInteger(), nullable=False),
        sa.Column("event_key", sa.String(length=64), nullable=False),
        sa.Column("schema_hash", sa.String(length=32), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"], ["datasets.id"], name=op.f("fk_dataset_schemas_dataset_id_datasets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dataset_schemas")),
        sa.UniqueConstraint(
            "dataset_id",
            "observed_us",
            "event_key",
            name=op.f("uq_dataset_schemas_dataset_id_observed_us_event_key"),
        ),
    )
    op.create_table(
        "dataset_symlinks",
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("ident", sa.String(length=32), nullable=False),
        sa.Column("namespace", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("type", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["dataset_id"], ["datasets.id"], name=op.f("fk_dataset_symlinks_dataset_id_datasets")
        ),
        sa.PrimaryKeyConstraint("dataset_id", "ident", name=op.f("pk_dataset_symlinks")),
    )
    with op.batch_alter_table("dataset_symlinks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dataset_symlinks_ident"), ["ident"], unique=False)

    op.create_table(
        "dataset_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("ident", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Text(), nullable=False),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("implicit", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("explicit", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("facets", sa.Text(), server_default="{}", nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"], ["datasets.id"], name=op.f("fk_dataset_versions_dataset_id_datasets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dataset_versions")),
        sa.UniqueConstraint(
            "dataset_id", "ident", name=op.f("uq_dataset_versions_dataset_id_ident")
        ),
    )
    with op.batch_alter_table("dataset_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dataset_versions_dataset_id_created_us"),
            ["dataset_id", "created_us"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_dataset_versions_run_id"), ["run_id"], unique=False)

    op.create_table(
        "job_facets",
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("facet", sa.Text(), nullable=False),
        sa.Column("event_time_us", sa.BigInteger(), nullable=False),
        sa.Column("event_key", sa.String(length=64), nullable=False),
        sa.Column("deleted", sa.Boolean(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_job_facets_job_id_jobs")),
        sa.PrimaryKeyConstraint("job_id", "name", name=op.f("pk_job_facets")),
    )
    op.create_table(
        "job_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=36), nullable=False),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("source_version", sa.Text(), nullable=True),
        sa.Column("sql_hash", sa.String(length=64), nullable=True),
        sa.Column("source_hash", sa.String(length=64), nullable=True),
        sa.Column("inputs", sa.Text(), nullable=False),
        sa.Column("outputs", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_job_versions_job_id_jobs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_versions")),
        sa.UniqueConstraint("job_id", "version", name=op.f("uq_job_versions_job_id_version")),
    )
    op.create_table(
        "prediction_records",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("input_hash", sa.String(length=128), nullable=False),
        sa.Column("output", sa.Text(), nullable=True),
        sa.Column("at_us", sa.BigInteger(), nullable=False),
        sa.Column("event_key", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"], ["datasets.id"], name=op.f("fk_prediction_records_dataset_id_datasets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prediction_records")),
    )
    with op.batch_alter_table("prediction_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_prediction_records_dataset_id_at_us"),
            ["dataset_id", "at_us"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_prediction_records_input_hash"), ["input_hash"], unique=False
        )

    op.create_table(
        "registry_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("change", sa.String(length=24), nullable=False),
        sa.Column("version", sa.Text(), nullable=False),
        sa.Column("label", sa.Text(), server_default="", nullable=False),
        sa.Column("actor", sa.Text(), nullable=True),
        sa.Column("at_us", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"], ["datasets.id"], name=op.f("fk_registry_changes_dataset_id_datasets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_changes")),
    )
    with op.batch_alter_table("registry_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registry_changes_dataset_id_at_us"),
            ["dataset_id", "at_us"],
            unique=False,
        )

    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=True),
        sa.Column("kind", sa.String(length=16), server_default="run", nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("asserter_id", sa.Integer(), nullable=True),
        sa.Column("job_version_id", sa.Integer(), nullable=True),
        sa.Column("parent_run_id", sa.Integer(), nullable=True),
        sa.Column("root_run_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=True),
        sa.Column("state_us", sa.BigInteger(), nullable=True),
        sa.Column("state_key", sa.String(length=64), nullable=True),
        sa.Column("start_us", sa.BigInteger(), nullable=True),
        sa.Column("started_us", sa.BigInteger(), nullable=True),
        sa.Column("ended_us", sa.BigInteger(), nullable=True),
        sa.Column("nominal_start_us", sa.BigInteger(), nullable=True),
        sa.Column("nominal_end_us", sa.BigInteger(), nullable=True),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.Column("updated_us", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_runs_job_id_jobs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runs")),
        sa.UniqueConstraint("uuid", name=op.f("uq_runs_uuid")),
    )
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_runs_asserter_id_start_us"), ["asserter_id", "start_us"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_runs_job_id_start_us"), ["job_id", "start_us"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_runs_parent_run_id"), ["parent_run_id"], unique=False)

    op.create_table(
        "run_edges",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("src", sa.Integer(), nullable=False),
        sa.Column("dst", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("asserter", sa.Integer(), nullable=False),
        sa.Column("bound_us", sa.BigInteger(), nullable=False),
        sa.Column("facets", sa.Text(), server_default="{}", nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_run_edges_run_id_runs")),
        sa.PrimaryKeyConstraint("run_id", "src", "dst", "kind", name=op.f("pk_run_edges")),
    )
    with op.batch_alter_table("run_edges", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_run_edges_asserter_bound_us"), ["asserter", "bound_us"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_run_edges_dst"), ["dst"], unique=False)
        batch_op.create_index(batch_op.f("ix_run_edges_src"), ["src"], unique=False)

    op.create_table(
        "run_facets",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("facet", sa.Text(), nullable=False),
        sa.Column("event_time_us", sa.BigInteger(), nullable=False),
        sa.Column("event_key", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_run_facets_run_id_runs")),
        sa.PrimaryKeyConstraint("run_id", "scope", "name", name=op.f("pk_run_facets")),
    )
    op.create_table(
        "run_io",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("asserter", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=True),
        sa.Column("bound_us", sa.BigInteger(), nullable=False),
        sa.Column("explicit_version", sa.Text(), nullable=True),
        sa.Column("facets", sa.Text(), server_default="{}", nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"], ["datasets.id"], name=op.f("fk_run_io_dataset_id_datasets")
        ),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_run_io_run_id_runs")),
        sa.PrimaryKeyConstraint("run_id", "dataset_id", "direction", name=op.f("pk_run_io")),
    )
    with op.batch_alter_table("run_io", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_run_io_asserter_bound_us"), ["asserter", "bound_us"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_run_io_dataset_id_direction_bound_us"),
            ["dataset_id", "direction", "bound_us"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_run_io_version_id"), ["version_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("run_io", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_run_io_version_id"))
        batch_op.drop_index(batch_op.f("ix_run_io_dataset_id_direction_bound_us"))
        batch_op.drop_index(batch_op.f("ix_run_io_asserter_bound_us"))

    op.drop_table("run_io")
    op.drop_table("run_facets")
    with op.batch_alter_table("run_edges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_run_edges_src"))
        batch_op.drop_index(batch_op.f("ix_run_edges_dst"))
        batch_op.drop_index(batch_op.f("ix_run_edges_asserter_bound_us"))

    op.drop_table("run_edges")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_runs_parent_run_id"))
        batch_op.drop_index(batch_op.f("ix_runs_job_id_start_us"))
        batch_op.drop_index(batch_op.f("ix_runs_asserter_id_start_us"))

    op.drop_table("runs")
    with op.batch_alter_table("registry_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registry_changes_dataset_id_at_us"))

    op.drop_table("registry_changes")
    with op.batch_alter_table("prediction_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prediction_records_input_hash"))
        batch_op.drop_index(batch_op.f("ix_prediction_records_dataset_id_at_us"))

    op.drop_table("prediction_records")
    op.drop_table("job_versions")
    op.drop_table("job_facets")
    with op.batch_alter_table("dataset_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dataset_versions_run_id"))
        batch_op.drop_index(batch_op.f("ix_dataset_versions_dataset_id_created_us"))

    op.drop_table("dataset_versions")
    with op.batch_alter_table("dataset_symlinks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dataset_symlinks_ident"))

    op.drop_table("dataset_symlinks")
    op.drop_table("dataset_schemas")
    op.drop_table("dataset_fields")
    op.drop_table("dataset_facets")
    with op.batch_alter_table("node_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_node_tags_tag_id"))

    op.drop_table("node_tags")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jobs_parent_job_id"))
        batch_op.drop_index(batch_op.f("ix_jobs_namespace_id"))

    op.drop_table("jobs")
    with op.batch_alter_table("datasets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_datasets_namespace_id"))

    op.drop_table("datasets")
    op.drop_table("tags")
    op.drop_table("nodes")
    op.drop_table("namespaces")
    op.drop_table("meta")
    op.drop_table("log_head")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_run_uuid"))
        batch_op.drop_index(batch_op.f("ix_events_event_time_us"))

    op.drop_table("events")
    with op.batch_alter_table("edges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_edges_src"))
        batch_op.drop_index(batch_op.f("ix_edges_dst"))
        batch_op.drop_index(batch_op.f("ix_edges_asserter_valid_to_us"))

    op.drop_table("edges")
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_changes_seq"))

    op.drop_table("changes")
