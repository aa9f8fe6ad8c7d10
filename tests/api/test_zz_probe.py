from typing import Any
from tests.events import RunState, body, run_event, out, inp
import pytest

@pytest.mark.parametrize("where", ["run", "job", "ds", "io"])
def test_probe(client: Any, where: str) -> None:
    e = run_event(RunState.START, 1, outputs=[out("db", "t")], inputs=[inp("db", "i")])
    name = "f" * 300
    if where == "run":
        e["run"]["facets"] = {name: {"a": 1}}
    elif where == "job":
        e["job"]["facets"] = {name: {"a": 1}}
    elif where == "ds":
        e["outputs"][0]["facets"] = {name: {"a": 1}}
    else:
        e["inputs"][0]["inputFacets"] = {name: {"a": 1}}
    r = client.post("/api/v1/lineage", content=body(e))
    print(where, r.status_code, r.text[:300])
