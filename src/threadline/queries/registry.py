"""Models: find them by name, and read their registry history (versions, aliases, stages)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, case, select

from threadline.errors import InvalidParameter, NotFound
from threadline.refs import format_ref
from threadline.store.codec import ident
from threadline.store.tables import dataset_versions, datasets, registry_changes
from threadline.times import format_iso_us


@dataclass(frozen=True, slots=True)
class ModelRef:
    """A model and, optionally, one of its versions (by number or alias)."""

    dataset: int
    namespace: str
    name: str
    version: str | None = None
    alias: str | None = None

    @property
    def ref(self) -> str:
        """Return the model's node reference (with the version when known)."""
        return format_ref("dataset", self.namespace, self.name, version=self.version)


def find_model(conn: Connection, text: str, as_of: int | None = None) -> ModelRef:
    """Resolve ``NAME[@VERSION|@ALIAS]`` or ``dataset:<ns>:<name>[@...]`` to a model.

    A bare name matches a dataset of kind ``model`` in any namespace (``models`` first).
    ``@latest`` (or no suffix) is the newest version.

    Raises:
        NotFound: no such model or version (with the closest model names).
        InvalidParameter: the name matches models in several namespaces.
    """
    name, _, suffix = text.rpartition("@") if "@" in text else (text, "", "")
    d = datasets.c
    if name.startswith("dataset:"):
        namespace, _, bare = name[len("dataset:") :].rpartition(":")
        rows = conn.execute(
            select(d.id, d.namespace, d.name).where(d.ident == ident(namespace, bare))
        ).all()
    else:
        rows = conn.execute(
            select(d.id, d.namespace, d.name).where(d.name == name, d.kind == "model")
        ).all()
    if not rows:
        raise NotFound(f"no model {name!r}", _close_models(conn, name))
    if len(rows) > 1:
        rows = [r for r in rows if r.namespace == "models"] or rows
        if len(rows) > 1:
            choices = ", ".join(format_ref("dataset", r.namespace, r.name) for r in rows)
            raise InvalidParameter(f"{name!r} names several models; say which: {choices}")
    row = rows[0]
    model = ModelRef(int(row.id), row.namespace, row.name)
    return _with_version(conn, model, suffix, as_of)


def _with_version(conn: Connection, model: ModelRef, suffix: str, as_of: int | None) -> ModelRef:
    v = dataset_versions.c
    known = {
        r.version: r.created_us
        for r in conn.execute(
            select(v.version, v.created_us).where(
                v.dataset_id == model.dataset, v.implicit.is_(False)
            )
        )
    }
    if suffix in ("", "latest"):
        candidates = {k: t for k, t in known.items() if as_of is None or t <= as_of}
        if not candidates:
            raise NotFound(f"model {model.name!r} has no version{' by then' if as_of else ''}")
        latest = max(candidates, key=lambda k: (candidates[k], k))
        return ModelRef(model.dataset, model.namespace, model.name, latest)
    if suffix in known:
        return ModelRef(model.dataset, model.namespace, model.name, suffix)
    aliases = current_aliases(conn, model.dataset, as_of)
    if suffix in aliases:
        return ModelRef(model.dataset, model.namespace, model.name, aliases[suffix], alias=suffix)
    raise NotFound(
        f"model {model.name!r} has no version or alias {suffix!r}",
        sorted(f"{model.name}@{k}" for k in [*known, *aliases]),
    )


def _close_models(conn: Connection, name: str) -> list[str]:
    names = [
        r.name for r in conn.execute(select(datasets.c.name).where(datasets.c.kind == "model"))
    ]
    return difflib.get_close_matches(name, names, n=5, cutoff=0.3)


# Changes at the same instant read as they happen: a version is registered, an alias leaves
# its old version, then lands on the new one (an order that depends on the events alone).
_CHANGE_ORDER = case(
    {"version_registered": 0, "alias_removed": 1, "alias_set": 2},
    value=registry_changes.c.change,
    else_=3,
)


def history(conn: Connection, dataset: int) -> list[dict[str, Any]]:
    """Return the model's registry changes, oldest first."""
    c = registry_changes.c
    rows = conn.execute(
        select(c.change, c.version, c.label, c.actor, c.at_us)
        .where(c.dataset_id == dataset)
        .order_by(c.at_us, _CHANGE_ORDER, c.version, c.label)
    ).all()
    return [
        {
            "type": r.change,
            "version": r.version,
            "label": r.label or None,
            "actor": r.actor,
            "at": format_iso_us(r.at_us),
        }
        for r in rows
    ]


def current_aliases(conn: Connection, dataset: int, as_of: int | None = None) -> dict[str, str]:
    """Return alias -> version as of a time (now by default), replaying the alias history."""
    c = registry_changes.c
    query = select(c.change, c.version, c.label).where(
        c.dataset_id == dataset, c.change.in_(("alias_set", "alias_removed"))
    )
    if as_of is not None:
        query = query.where(c.at_us <= as_of)
    aliases: dict[str, str] = {}
    for row in conn.execute(query.order_by(c.at_us, c.change.desc(), c.id)):
        if row.change == "alias_set":
            aliases[row.label] = row.version
        elif aliases.get(row.label) == row.version:
            del aliases[row.label]
    return aliases


def current_stages(conn: Connection, dataset: int) -> dict[str, str]:
    """Return version -> stage after the newest transition of each version."""
    c = registry_changes.c
    stages: dict[str, str] = {}
    for row in conn.execute(
        select(c.version, c.label)
        .where(c.dataset_id == dataset, c.change == "stage_transition")
        .order_by(c.at_us, c.id)
    ):
        stages[row.version] = row.label
    return stages


def registry(conn: Connection, text: str) -> dict[str, Any]:
    """Return a model's registry state: aliases, stages, versions and the full history."""
    model = find_model(conn, text.split("@", 1)[0])
    v = dataset_versions.c
    versions = [
        {"version": r.version, "createdAt": format_iso_us(r.created_us)}
        for r in conn.execute(
            select(v.version, v.created_us)
            .where(v.dataset_id == model.dataset, v.implicit.is_(False))
            .order_by(v.created_us, v.version)
        )
    ]
    return {
        "model": format_ref("dataset", model.namespace, model.name),
        "name": model.name,
        "aliases": current_aliases(conn, model.dataset),
        "stages": current_stages(conn, model.dataset),
        "versions": versions,
        "history": history(conn, model.dataset),
    }


def models(conn: Connection) -> list[dict[str, Any]]:
    """List every visible model with its newest version and its aliases now."""
    d, v = datasets.c, dataset_versions.c
    rows = conn.execute(
        select(d.id, d.namespace, d.name)
        .where(d.kind == "model", d.is_hidden.is_(False))
        .order_by(d.namespace, d.name)
    ).all()
    listed = []
    for row in rows:
        newest = conn.execute(
            select(v.version)
            .where(v.dataset_id == row.id, v.implicit.is_(False))
            .order_by(v.created_us.desc(), v.version.desc())
            .limit(1)
        ).scalar()
        listed.append(
            {
                "model": format_ref("dataset", row.namespace, row.name),
                "name": row.name,
                "latestVersion": newest,
                "aliases": current_aliases(conn, int(row.id)),
            }
        )
    return listed
