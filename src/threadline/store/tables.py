"""Table definitions (SQLAlchemy Core) for the event log and its projections.

Times are integer microseconds since the epoch (UTC) so that both dialects compare and
hash them exactly. Natural identities (namespace + name) are looked up through a 128-bit
hash column, ``ident``, which keeps unique indexes small on both dialects whatever the
length of a name. JSON documents are stored as text encoded by orjson.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)


def _flag(name: str) -> Column[bool]:
    return Column(name, Boolean, nullable=False, default=False, server_default="0")


# --- the log: the single source of truth -------------------------------------------------

events = Table(
    "events",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("received_us", BigInteger, nullable=False),
    Column("event_time_us", BigInteger, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("event_type", String(16)),
    Column("run_uuid", String(36)),
    Column("job_namespace", Text),
    Column("job_name", Text),
    Column("producer", Text, nullable=False),
    Column("schema_url", Text, nullable=False),
    Column("payload", LargeBinary),
    Column("payload_sha256", String(64), nullable=False),
    Column("event_key", String(64), nullable=False, unique=True),
    Column("chain_hash", String(64), nullable=False),
    Column("redacted_us", BigInteger),
    Column("redacted_by", Text),
    Column("redaction_reason", Text),
    Index(None, "event_time_us"),
    Index(None, "run_uuid"),
)

log_head = Table(
    "log_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("chain_hash", String(64), nullable=False),
)

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# --- projections: derived, rebuilt from the log by `threadline rebuild` ------------------

nodes = Table(
    "nodes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
)

namespaces = Table(
    "namespaces",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ident", String(32), nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("created_us", BigInteger, nullable=False),
    Column("updated_us", BigInteger, nullable=False),
    Column("owner_name", Text),
    Column("description", Text),
    _flag("is_hidden"),
)

datasets = Table(
    "datasets",
    metadata,
    Column("id", Integer, ForeignKey("nodes.id"), primary_key=True, autoincrement=False),
    Column("ident", String(32), nullable=False, unique=True),
    Column("namespace", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("namespace_id", Integer, ForeignKey("namespaces.id"), nullable=False),
    Column("kind", String(32), nullable=False, server_default="dataset"),
    Column("current_version_id", Integer),
    Column("lifecycle_state", String(16)),
    Column("lifecycle_us", BigInteger),
    Column("lifecycle_key", String(64)),
    Column("previous_namespace", Text),
    Column("previous_name", Text),
    Column("renamed_us", BigInteger),
    _flag("is_deleted"),
    _flag("is_hidden"),
    Column("created_us", BigInteger, nullable=False),
    Column("updated_us", BigInteger, nullable=False),
    Index(None, "namespace_id"),
)

dataset_symlinks = Table(
    "dataset_symlinks",
    metadata,
    Column("dataset_id", Integer, ForeignKey("datasets.id"), primary_key=True),
    Column("ident", String(32), primary_key=True),
    Column("namespace", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("type", Text),
    Index(None, "ident"),
)

dataset_facets = Table(
    "dataset_facets",
    metadata,
    Column("dataset_id", Integer, ForeignKey("datasets.id"), primary_key=True),
    Column("name", String(255), primary_key=True),
    Column("facet", Text, nullable=False),
    Column("event_time_us", BigInteger, nullable=False),
    Column("event_key", String(64), nullable=False),
    _flag("deleted"),
)

dataset_schemas = Table(
    "dataset_schemas",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dataset_id", Integer, ForeignKey("datasets.id"), nullable=False),
    Column("observed_us", BigInteger, nullable=False),
    Column("event_key", String(64), nullable=False),
    Column("schema_hash", String(32), nullable=False),
    Column("fields", Text, nullable=False),
    UniqueConstraint("dataset_id", "observed_us", "event_key"),
)

dataset_fields = Table(
    "dataset_fields",
    metadata,
    Column("id", Integer, ForeignKey("nodes.id"), primary_key=True, autoincrement=False),
    Column("dataset_id", Integer, ForeignKey("datasets.id"), nullable=False),
    Column("ident", String(32), nullable=False),
    Column("path", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("parent_id", Integer),
    Column("type", Text),
    Column("description", Text),
    Column("ordinal", Integer),
    _flag("in_schema"),
    UniqueConstraint("dataset_id", "ident"),
)

dataset_versions = Table(
    "dataset_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dataset_id", Integer, ForeignKey("datasets.id"), nullable=False),
    Column("ident", String(40), nullable=False),
    Column("version", Text, nullable=False),
    Column("created_us", BigInteger, nullable=False),
    Column("run_id", Integer),
    _flag("implicit"),
    _flag("explicit"),
    Column("facets", Text, nullable=False, server_default="{}"),
    UniqueConstraint("dataset_id", "ident"),
    Index(None, "dataset_id", "created_us"),
    Index(None, "run_id"),
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", Integer, ForeignKey("nodes.id"), primary_key=True, autoincrement=False),
    Column("ident", String(32), nullable=False, unique=True),
    Column("namespace", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("namespace_id", Integer, ForeignKey("namespaces.id"), nullable=False),
    Column("kind", String(32), nullable=False, server_default="job"),
    Column("parent_job_id", Integer),
    Column("parent_us", BigInteger),
    Column("parent_key", String(64)),
    Column("root_job_id", Integer),
    Column("current_version_id", Integer),
    Column("latest_run_id", Integer),
    _flag("is_hidden"),
    Column("created_us", BigInteger, nullable=False),
    Column("updated_us", BigInteger, nullable=False),
    Index(None, "namespace_id"),
    Index(None, "parent_job_id"),
)

job_facets = Table(
    "job_facets",
    metadata,
    Column("job_id", Integer, ForeignKey("jobs.id"), primary_key=True),
    Column("name", String(255), primary_key=True),
    Column("facet", Text, nullable=False),
    Column("event_time_us", BigInteger, nullable=False),
    Column("event_key", String(64), nullable=False),
    _flag("deleted"),
)

job_versions = Table(
    "job_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job_id", Integer, ForeignKey("jobs.id"), nullable=False),
    Column("version", String(36), nullable=False),
    Column("created_us", BigInteger, nullable=False),
    Column("location", Text),
    Column("source_version", Text),
    Column("sql_hash", String(64)),
    Column("source_hash", String(64)),
    Column("inputs", Text, nullable=False),
    Column("outputs", Text, nullable=False),
    UniqueConstraint("job_id", "version"),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("uuid", String(36), nullable=False, unique=True),
    Column("external_id", Text),
    Column("kind", String(16), nullable=False, server_default="run"),
    Column("job_id", Integer, ForeignKey("jobs.id")),
    Column("asserter_id", Integer),
    Column("job_version_id", Integer),
    Column("parent_run_id", Integer),
    Column("root_run_id", Integer),
    Column("state", String(16)),
    Column("state_us", BigInteger),
    Column("state_key", String(64)),
    Column("start_us", BigInteger),
    Column("started_us", BigInteger),
    Column("ended_us", BigInteger),
    Column("nominal_start_us", BigInteger),
    Column("nominal_end_us", BigInteger),
    Column("created_us", BigInteger, nullable=False),
    Column("updated_us", BigInteger, nullable=False),
    Index(None, "job_id", "start_us"),
    Index(None, "asserter_id", "start_us"),
    Index(None, "parent_run_id"),
    Index(None, "job_version_id", "start_us"),
)

run_facets = Table(
    "run_facets",
    metadata,
    Column("run_id", Integer, ForeignKey("runs.id"), primary_key=True),
    Column("scope", String(8), primary_key=True),
    Column("name", String(255), primary_key=True),
    Column("facet", Text, nullable=False),
    Column("event_time_us", BigInteger, nullable=False),
    Column("event_key", String(64), nullable=False),
)

run_io = Table(
    "run_io",
    metadata,
    Column("run_id", Integer, ForeignKey("runs.id"), primary_key=True),
    Column("dataset_id", Integer, ForeignKey("datasets.id"), primary_key=True),
    Column("direction", String(3), primary_key=True),
    Column("asserter", Integer, nullable=False),
    Column("version_id", Integer),
    Column("bound_us", BigInteger, nullable=False),
    Column("explicit_version", Text),
    Column("facets", Text, nullable=False, server_default="{}"),
    Index(None, "dataset_id", "direction", "bound_us"),
    Index(None, "asserter", "bound_us"),
    Index(None, "version_id"),
)
"""What runs read and wrote. ``bound_us`` is the time of the first event listing the dataset;
``asserter`` is the run's job (or, for static declarations, the declaring entity)."""

run_edges = Table(
    "run_edges",
    metadata,
    Column("run_id", Integer, ForeignKey("runs.id"), primary_key=True),
    Column("src", Integer, primary_key=True),
    Column("dst", Integer, primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("asserter", Integer, nullable=False),
    Column("bound_us", BigInteger, nullable=False),
    Column("facets", Text, nullable=False, server_default="{}"),
    Index(None, "asserter", "bound_us"),
    Index(None, "src"),
    Index(None, "dst"),
)
"""Edges a run asserted beyond its inputs and outputs (column lineage, lineage facets)."""

edges = Table(
    "edges",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("src", Integer, nullable=False),
    Column("dst", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("asserter", Integer, nullable=False),
    Column("valid_from_us", BigInteger, nullable=False),
    Column("from_run", String(36), nullable=False),
    Column("valid_to_us", BigInteger),
    Column("to_run", String(36)),
    Index(None, "asserter", "valid_to_us"),
    Index(None, "src"),
    Index(None, "dst"),
)

registry_changes = Table(
    "registry_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dataset_id", Integer, ForeignKey("datasets.id"), nullable=False),
    Column("change", String(24), nullable=False),
    Column("version", Text, nullable=False),
    Column("label", Text, nullable=False, server_default=""),
    Column("actor", Text),
    Column("at_us", BigInteger, nullable=False),
    Index(None, "dataset_id", "at_us"),
)
"""Model registry history: versions registered, aliases set and removed, stage transitions
(``label`` is the alias or stage). Nothing is ever overwritten, so an alias's history
survives its moves."""

prediction_records = Table(
    "prediction_records",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dataset_id", Integer, ForeignKey("datasets.id"), nullable=False),
    Column("version_id", Integer),
    Column("run_id", Integer),
    Column("input_hash", String(128), nullable=False),
    Column("output", Text),
    Column("at_us", BigInteger, nullable=False),
    Column("event_key", String(64), nullable=False),
    Index(None, "input_hash"),
    Index(None, "dataset_id", "at_us"),
)
"""Individual predictions logged per request, each traceable through its prediction set."""

tags = Table(
    "tags",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(255), nullable=False, unique=True),
    Column("description", Text),
    Column("created_us", BigInteger, nullable=False),
    Column("updated_us", BigInteger, nullable=False),
)

node_tags = Table(
    "node_tags",
    metadata,
    Column("node_id", Integer, ForeignKey("nodes.id"), primary_key=True),
    Column("tag_id", Integer, ForeignKey("tags.id"), primary_key=True),
    Column("tagged_us", BigInteger, nullable=False),
    Index(None, "tag_id"),
)

changes = Table(
    "changes",
    metadata,
    Column("seq", BigInteger, nullable=False),
    Column("kind", String(8), nullable=False),
    Column("ref", Integer, nullable=False),
    Column("since_us", BigInteger),
    Index(None, "seq"),
)
"""The change feed the in-memory lineage index follows: what each log entry's projection
touched (``asserter``: its edges; ``node``: a dataset, job or field; ``run``: a run and its
inputs and outputs; ``inputs``: a dataset's versions and the inputs read at or after
``since_us``)."""

PROJECTION_TABLES = (
    changes,
    prediction_records,
    registry_changes,
    node_tags,
    tags,
    edges,
    run_edges,
    run_io,
    run_facets,
    runs,
    job_versions,
    job_facets,
    jobs,
    dataset_versions,
    dataset_fields,
    dataset_schemas,
    dataset_facets,
    dataset_symlinks,
    datasets,
    namespaces,
    nodes,
)
