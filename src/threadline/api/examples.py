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
        "depth": depth,
        "namespace": namespace,
        "name": name,
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
MODEL_REGISTRY: dict[str, Any] = {
    "model": MODEL,
    "name": "nepse-price",
    "aliases": {"champion": "3"},
    "stages": {},
    "versions": [{"version": "3", "createdAt": "2024-04-01T06:00:00.000000Z"}],
    "history": [{"at": "2024-04-01T06:05:00.000000Z", "alias": "champion", "from": "2", "to": "3"}],
}
MODEL_LINEAGE: dict[str, Any] = {
    "model": MODEL,
    "version": "3",
    "alias": "champion",
    "createdAt": "2024-04-01T06:00:00.000000Z",
    "training": {"runId": "run:0190f1b0-6a3e-7c1a-9c35-3a8d7e3f4b21", "job": "job:nepse:train"},
    "trainingData": [{"id": "dataset:file:/data/features.parquet#md5:9f2c..."}],
    "rawSources": [{"id": "dataset:file:/data/raw/prices.csv#md5:41ab..."}],
    "upstreamRuns": [],
    "validations": [],
    "registry": {"aliases": {"champion": "3"}, "stages": {}, "history": []},
    "deployments": [],
    "predictions": [],
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
    "versions": ["md5:41ab..."],
    "models": [{"id": f"{MODEL}#3"}],
    "deployments": [],
    "predictions": [],
    "datasets": [],
    "runs": [],
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
