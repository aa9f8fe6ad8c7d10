"""The audit report of a model version: its lineage, reproducibility, and the log's proof."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from threadline.index import IndexState
from threadline.queries.log_status import chain_summary
from threadline.queries.models import model_lineage
from threadline.queries.reproduce import model_check
from threadline.store.tables import events
from threadline.times import format_iso_us, now_us


def audit_report(conn: Connection, state: IndexState, text: str) -> dict[str, Any]:
    """Return what a compliance reviewer needs about one model version.

    Besides the lineage and the reproducibility check, it lists every logged event about
    the runs in the model's provenance with its sequence number and SHA-256, and the
    result of re-verifying the whole hash chain, with the head to anchor it elsewhere.
    """
    lineage = model_lineage(conn, state, text)
    check = model_check(conn, state, f"{lineage['model']}@{lineage['version']}")
    run_ids = sorted(
        {r["id"].removeprefix("run:") for r in lineage["upstreamRuns"]}
        | {
            d["deployedBy"].removeprefix("run:")
            for d in lineage["deployments"]
            if d.get("deployedBy")
        }
    )
    e = events.c
    evidence = [
        {
            "seq": int(row.seq),
            "eventType": row.event_type,
            "eventTime": format_iso_us(row.event_time_us),
            "receivedAt": format_iso_us(row.received_us),
            "job": f"{row.job_namespace}:{row.job_name}",
            "run": row.run_uuid,
            "sha256": row.payload_sha256,
            "redacted": bool(row.payload),  # the label holds "payload IS NULL"
        }
        for start in range(0, len(run_ids), 900)
        for row in conn.execute(
            select(
                e.seq,
                e.event_type,
                e.event_time_us,
                e.received_us,
                e.job_namespace,
                e.job_name,
                e.run_uuid,
                e.payload_sha256,
                e.payload.is_(None).label("payload"),
            )
            .where(e.run_uuid.in_(run_ids[start : start + 900]))
            .order_by(e.seq)
        )
    ]
    return {
        "title": f"Audit report: {lineage['model']} version {lineage['version']}",
        "generatedAt": format_iso_us(now_us()),
        "lineage": lineage,
        "reproducibility": check,
        "evidence": sorted(evidence, key=lambda x: x["seq"]),
        "chain": chain_summary(conn),
    }
