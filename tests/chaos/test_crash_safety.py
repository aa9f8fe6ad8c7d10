"""SIGKILL the server at random moments under load: every acknowledged event survives, once.

Writers post events singly and in batches to a real ``threadline serve`` process, which is
killed with SIGKILL and started again several times, on SQLite and on PostgreSQL. Then
every event that got a 2xx is in the log exactly once, ``threadline audit verify`` passes,
the projections equal a rebuild from the log, and the restarted server's lineage index
holds every event. Events that got no answer are sent again, as a client would: after that
each event is in the log once.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

from tests.chaos.checks import (
    assert_chain_verifies,
    assert_exactly_once,
    assert_projections_are_a_rebuild,
    downstream_outputs,
)
from tests.chaos.load import Ledger, Writers, resend_unanswered
from tests.chaos.servers import Server, scale


def test_sigkill_under_load_loses_and_duplicates_no_acknowledged_event(
    db_url: str, tmp_path: Path
) -> None:
    rng = random.Random(6)
    ledger = Ledger()
    server = Server(db_url, tmp_path)
    try:
        server.start()
        with Writers([server.base], ledger, threads=4, prefix="w"):
            for _round in range(2 * scale()):
                time.sleep(rng.uniform(0.3, 1.5))
                server.kill()
                time.sleep(rng.uniform(0.0, 0.3))
                server.start()
            time.sleep(0.5)
        assert ledger.refused == []
        assert ledger.acked, "no event was acknowledged"
        assert ledger.retried, "no request went unanswered: the kills hit nothing"
        assert_exactly_once(db_url, ledger.acked)
        assert_chain_verifies(db_url)

        resend_unanswered(server.base, ledger)
        assert ledger.unanswered == set()
        counts = assert_exactly_once(db_url, ledger.acked)
        assert set(counts) == ledger.acked
        assert downstream_outputs(server.base) == ledger.acked
    finally:
        server.stop()
    assert_chain_verifies(db_url)
    assert_projections_are_a_rebuild(db_url)
