"""Example answers of the native API for its OpenAPI description, taken from the sample pipeline.

A contract test checks that each example has exactly the keys a real answer has, so the
documentation cannot drift from the wire format (``threadline.wire``).
"""

from __future__ import annotations

from typing import Any

W = "postgres://warehouse:5432"
RAW = f"dataset:{W}:shop.raw.orders"
CLEAN = f"dataset:{W}:shop.analytics.orders_clean"
REVENUE = f"dataset:{W}:shop.analytics.daily_revenue"
CLEANING = "job:retail:orders.clean"
DAILY = "job:retail:revenue.daily"
EXPORTING = "job:retail:revenue.export"
EXPORT = "dataset:s3://exports:revenue/daily.csv"


def _node(ref: str, depth: int) -> dict[str, Any]:
    kind, rest = ref.split(":", 1)
    namespace, _, name = rest.rpartition(":")
    return {
        "id": ref,
        "type": kind,
        "kind": kind,
        "namespace": namespace,
        "name": name,
        "depth": depth,
    }


def _edge(source: str, target: str) -> dict[str, str]:
    kind = "input" if source.startswith("dataset:") else "output"
    return {"source": source, "target": target, "kind": kind}


def _info(ref: str) -> dict[str, Any]:
    node = _node(ref, 0)
    del node["depth"]
    return {"ref": ref, **node}


LINEAGE: dict[str, Any] = {
    "root": RAW,
    "direction": "downstream",
    "granularity": "entity",
    "asOf": None,
    "nodes": [_node(RAW, 0), _node(CLEANING, 1), _node(CLEAN, 2)],
    "edges": [_edge(RAW, CLEANING), _edge(CLEANING, CLEAN)],
    "truncated": False,
    "truncatedReason": None,
}

PATH: dict[str, Any] = {
    "source": RAW,
    "target": REVENUE,
    "found": True,
    "direction": "downstream",
    "nodes": [_node(r, i) for i, r in enumerate((RAW, CLEANING, CLEAN, DAILY, REVENUE))],
    "edges": [
        _edge(RAW, CLEANING),
        _edge(CLEANING, CLEAN),
        _edge(CLEAN, DAILY),
        _edge(DAILY, REVENUE),
    ],
    "pathCount": 1,
    "pathCountCapped": False,
    "truncated": False,
    "truncatedReason": None,
}

IMPACT: dict[str, Any] = {
    "root": REVENUE,
    "asOf": None,
    "groups": {
        "datasets": [
            {
                "id": EXPORT,
                "kind": "dataset",
                "distance": 2,
                "severity": "high",
                "path": [REVENUE, EXPORTING, EXPORT],
                "owners": ["team:finance"],
            }
        ],
        "jobs": [
            {
                "id": EXPORTING,
                "kind": "job",
                "distance": 1,
                "severity": "medium",
                "path": [REVENUE, EXPORTING],
                "owners": [],
            }
        ],
        "models": [],
        "endpoints": [],
        "predictions": [],
    },
    "notify": [{"owner": "team:finance", "severity": "high", "nodes": [EXPORT]}],
    "truncated": False,
    "truncatedReason": None,
}

DIFF: dict[str, Any] = {
    "since": "2024-03-01T02:12:00.000000Z",
    "until": "2024-03-01T02:30:00.000000Z",
    "root": None,
    "edgesAdded": [_edge(REVENUE, EXPORTING), _edge(EXPORTING, EXPORT)],
    "edgesRetired": [],
    "versionsCreated": [
        {
            "dataset": EXPORT,
            "version": "057c8819-cc51-5dba-ae4a-45ac044ef4b2",
            "createdAt": "2024-03-01T02:16:00.000000Z",
        }
    ],
    "fieldsAdded": [{"dataset": CLEAN, "field": "currency", "type": "text"}],
    "fieldsRemoved": [],
    "truncated": False,
    "truncatedReason": None,
}

ORPHANS: dict[str, Any] = {
    "asOf": None,
    "unwritten": [_info("dataset:s3://retail-landing:orders/2024-03-01.csv")],
    "unread": [_info(EXPORT)],
    "isolated": [],
    "truncated": False,
    "truncatedReason": None,
}

NODE: dict[str, Any] = {
    "id": DAILY,
    "type": "job",
    "kind": "job",
    "namespace": "retail",
    "name": "revenue.daily",
    "createdAt": "2024-03-01T02:11:00.000000Z",
    "updatedAt": "2024-03-01T02:15:00.000000Z",
    "parent": "job:retail:nightly",
    "root": "job:retail:nightly",
    "facets": {"sql": {"query": "INSERT INTO daily_revenue SELECT order_date, sum(amount) ..."}},
    "versions": [
        {
            "version": "e4c86ab3-a256-5e56-91ee-e1a48efc5f07",
            "createdAt": "2024-03-01T02:11:00.000000Z",
            "inputs": [f"{W}:shop.analytics.orders_clean"],
            "outputs": [f"{W}:shop.analytics.daily_revenue"],
            "location": "https://git.example.com/retail/revenue.daily.py",
            "sourceVersion": "a1b2c3d",
        }
    ],
    "runs": [
        {
            "id": "run:22d6c5ac-0cec-5df8-b47d-610e4488295a",
            "state": "COMPLETE",
            "startedAt": "2024-03-01T02:11:00.000000Z",
            "endedAt": "2024-03-01T02:15:00.000000Z",
            "durationMs": 240000,
            "error": None,
        }
    ],
}

MODEL = "dataset:mlflow://nepse:nepse-price"
_AT = "2024-04-01T06:00:00.000000Z"
_CODE = {
    "commit": "9fceb02d0ae598e95dc970b74767f19372d61af8",
    "location": "https://github.com/acme/nepse",
    "sqlHash": None,
    "sourceHash": None,
}
_HISTORY = [
    {"type": "version_registered", "version": "3", "label": None, "actor": "ana", "at": _AT},
    {
        "type": "alias_set",
        "version": "3",
        "label": "champion",
        "actor": "ana",
        "at": "2024-04-01T06:05:00.000000Z",
    },
]
_TRAINING_RUN = {
    "id": "run:0190f1b0-6a3e-7c1a-9c35-3a8d7e3f4b21",
    "job": "job:nepse:train",
    "kind": "training",
    "state": "COMPLETE",
    "startedAt": "2024-04-01T05:58:00.000000Z",
    "endedAt": _AT,
    "jobVersion": "630bb856-4a88-54f5-937c-02791d39bd36",
    "code": _CODE,
}


def _version(dataset: str, kind: str, version: str, **more: Any) -> dict[str, Any]:
    return {
        "id": f"{dataset}#{version}",
        "dataset": dataset,
        "kind": kind,
        "version": version,
        "createdAt": _AT,
        "pinned": True,
        "implicit": False,
        **more,
    }


_FEATURES = _version("dataset:file:/data/features.parquet", "dataset", "9f2c41d07b1e")
_RAW = _version("dataset:file:/data/raw/prices.csv", "dataset", "41ab7c0e93d2")
_ENDPOINT = _version(
    "dataset:endpoints:nepse-api",
    "endpoint",
    "75c34781-688b-5008-af0e-f8d220db6bbe",
    pinned=False,
    distance=2,
    environment="production",
    deployedBy="run:0190f1b2-11aa-7c1a-9c35-3a8d7e3f4b21",
)
_PREDICTIONS = _version(
    "dataset:file:/data/predictions-2024-04-02.csv",
    "predictions",
    "bf8e6407-e9ff-5d14-b0f7-95b36ec8fb34",
    pinned=False,
    distance=2,
)

MODEL_REGISTRY: dict[str, Any] = {
    "model": MODEL,
    "name": "nepse-price",
    "aliases": {"champion": "3"},
    "stages": {},
    "versions": [{"version": "3", "createdAt": _AT}],
    "history": _HISTORY,
}
MODEL_LINEAGE: dict[str, Any] = {
    "model": MODEL,
    "version": "3",
    "alias": "champion",
    "createdAt": _AT,
    "training": {
        **_TRAINING_RUN,
        "params": {"alpha": "0.5"},
        "metrics": {"rmse": 12.4},
        "validation": None,
        "parentPipeline": None,
        "facets": ["mlflow_run", "tags"],
    },
    "trainingData": [_FEATURES],
    "rawSources": [_RAW],
    "upstreamRuns": [_TRAINING_RUN],
    "validations": [],
    "registry": {"aliases": {"champion": "3"}, "stages": {}, "history": _HISTORY},
    "deployments": [_ENDPOINT],
    "predictions": [_PREDICTIONS],
}
MODEL_CHECK: dict[str, Any] = {
    "models": [
        {
            "model": f"{MODEL}#3",
            "reproducible": False,
            "problems": [
                {
                    "node": "run:0190f1b0-6a3e-7c1a-9c35-3a8d7e3f4b21",
                    "problem": "job:nepse:train: code not pinned to a commit",
                }
            ],
            "checked": {"datasetVersions": 3, "runs": 2},
        }
    ]
}
AFFECTED: dict[str, Any] = {
    "dataset": "dataset:file:/data/raw/prices.csv",
    "versions": ["41ab7c0e93d2"],
    "models": [_version(MODEL, "model", "3", distance=4)],
    "deployments": [{**_ENDPOINT, "distance": 6}],
    "predictions": [{**_PREDICTIONS, "distance": 4}],
    "datasets": [{**_FEATURES, "distance": 2}],
    "runs": [_TRAINING_RUN],
}
AUDIT_REPORT: dict[str, Any] = {
    "title": "Audit report: dataset:mlflow://nepse:nepse-price version 3",
    "generatedAt": "2024-04-02T00:00:00.000000Z",
    "lineage": MODEL_LINEAGE,
    "reproducibility": MODEL_CHECK["models"][0],
    "evidence": [],
    "chain": {
        "verified": True,
        "checked": 120,
        "redacted": 0,
        "broken": None,
        "headSeq": 120,
        "headHash": "5d41402abc4b2a76b9719d911017c592...",
    },
}
LOG_RANGE: dict[str, Any] = {
    "firstEventTime": "2024-03-01T02:00:00.000000Z",
    "lastEventTime": "2024-03-01T02:30:00.000000Z",
    "events": 27,
}
AUDIT_CHAIN: dict[str, Any] = {
    **AUDIT_REPORT["chain"],
    "redactions": [
        {
            "seq": 7,
            "eventTime": "2024-03-01T02:05:00.000000Z",
            "redactedAt": "2024-03-02T09:00:00.000000Z",
            "redactedBy": "dpo@example.com",
            "reason": "personal data in a facet",
        }
    ],
}
