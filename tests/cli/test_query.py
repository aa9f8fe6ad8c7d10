"""The lineage commands on the sample pipeline, against a database and against a server.

``threadline upstream|downstream|lineage|path|impact|diff|orphans|show`` read a database with
``--db`` or ask a running server with ``--url``. Answers are checked against what the sample
(``threadline.demo.sample``) says, worked out by hand; a server must print the very same
output as a local database. Output goes to a pipe here, as in scripts: Rich then lays text out
for 80 columns, so tables are read back with their folded cells joined again.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
import pytest
from click.testing import Result
from typer.testing import CliRunner

from tests.events import RunState, inp, out, run_event
from tests.sample_refs import (
    CLEAN,
    CLEANING,
    DAILY,
    DASHBOARD,
    EXPORT,
    EXPORTING,
    INGEST,
    LANDING,
    RAW,
    REFRESH,
    REVENUE,
    W,
)
from threadline.cli.main import app
from threadline.demo.sample import sample_events
from threadline.service import LineageService

HTML_NAME = '<b>"x"</b>'
HTML = f"dataset:db:{HTML_NAME}"


def invoke(*args: str) -> Result:
    """Run the command line (its output captured, as a pipe would)."""
    return CliRunner().invoke(app, list(args))


def ok(*args: str) -> str:
    """Run a command that must succeed silently on stderr; return its standard output."""
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    return result.stdout


def fails(*args: str) -> Result:
    """Run a command that must exit 1 with an error on stderr and nothing on stdout."""
    result = invoke(*args)
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")
    return result


def ingest(service: LineageService, events: list[dict[str, Any]]) -> None:
    """Store events through the service and check that all were accepted."""
    outcome = service.ingest_values(events)
    assert outcome.failed == ()


@pytest.fixture
def db(service: LineageService, db_url: str) -> str:
    """The URL of a database holding the sample pipeline."""
    ingest(service, sample_events())
    return db_url


@pytest.fixture
def served(db: str, live_server: str) -> str:
    """The URL of a server started on the sample's database after the sample was stored."""
    return live_server


def version_of(service: LineageService, dataset: str) -> str:
    """Return the version id of a dataset holding exactly one version."""
    (only,) = service.node_details(dataset)["versions"]
    return str(only["version"])


def table_rows(text: str) -> list[list[str]]:
    """Return the body rows of a Rich table; a cell folded over several lines is joined again."""
    rows: list[list[str]] = []
    for line in text.splitlines():
        if not line.startswith("│"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("│").split("│")]
        if rows and not cells[0]:  # a continuation line of the row above
            rows[-1] = [a + b for a, b in zip(rows[-1], cells, strict=True)]
        else:
            rows.append(cells)
    return rows


def words(text: str) -> str:
    """Return a human-readable message with its line breaks and runs of spaces made one space."""
    return " ".join(text.split())


# --- scripts: --json -----------------------------------------------------------------------------


def kind_of(reference: str) -> str:
    """Return the node type a reference names (``dataset``, ``job``...)."""
    return reference.split(":", 1)[0]


def _edge_key(e: dict[str, str]) -> tuple[str, str]:
    return e["source"], e["target"]


def flow(pairs: list[tuple[str, str]]) -> list[dict[str, str]]:
    """Return data-flow edges, sorted: dataset -> job is input, job -> dataset output."""
    edges = [
        {"source": s, "target": t, "kind": "input" if kind_of(s) == "dataset" else "output"}
        for s, t in pairs
    ]
    return sorted(edges, key=_edge_key)


def script(root: str, nodes: list[tuple[str, int]], edges: list[tuple[str, str]]) -> dict[str, Any]:
    """Return the whole ``--json`` answer of upstream/downstream."""
    return {
        "root": root,
        "nodes": [{"id": n, "kind": kind_of(n), "depth": d} for n, d in nodes],
        "edges": flow(edges),
        "truncated": False,
    }


def sorted_edges(answer: dict[str, Any]) -> dict[str, Any]:
    """Return an answer with its edges sorted (their order is not part of the contract)."""
    return {**answer, "edges": sorted(answer["edges"], key=_edge_key)}


MAIN_LINE = [(RAW, CLEANING), (CLEANING, CLEAN), (CLEAN, DAILY), (DAILY, REVENUE)]


def test_upstream_json_is_the_stable_script_shape(db: str) -> None:
    answer = orjson.loads(ok("upstream", REVENUE, "--db", db, "--json"))
    nodes = [REVENUE, DAILY, CLEAN, CLEANING, RAW, INGEST, LANDING]
    expected = script(
        REVENUE,
        [(n, d) for d, n in enumerate(nodes)],
        [(LANDING, INGEST), (INGEST, RAW), *MAIN_LINE],
    )
    assert sorted_edges(answer) == expected


def test_downstream_json_is_the_stable_script_shape(db: str) -> None:
    answer = orjson.loads(ok("downstream", RAW, "--db", db, "--json"))
    nodes = [(RAW, 0), (CLEANING, 1), (CLEAN, 2), (DAILY, 3), (REVENUE, 4), (REFRESH, 5)]
    nodes += [(EXPORTING, 5), (DASHBOARD, 6), (EXPORT, 6)]
    edges = [*MAIN_LINE, (REVENUE, EXPORTING), (EXPORTING, EXPORT)]
    edges += [(REVENUE, REFRESH), (REFRESH, DASHBOARD)]
    assert sorted_edges(answer) == script(RAW, nodes, edges)


def test_downstream_as_of_and_depth_options(db: str) -> None:
    # At 02:03 only orders.ingest had run: nothing read raw.orders yet.
    args = ["downstream", RAW, "--db", db, "--as-of", "2024-03-01T02:03:00Z", "--json"]
    early = orjson.loads(ok(*args))
    assert early == script(RAW, [(RAW, 0)], [])
    near = orjson.loads(ok("downstream", RAW, "--db", db, "--depth", "2", "--json"))
    assert sorted_edges(near) == script(RAW, [(RAW, 0), (CLEANING, 1), (CLEAN, 2)], MAIN_LINE[:2])


def test_upstream_column_granularity_lists_fields(db: str) -> None:
    answer = orjson.loads(ok("upstream", REVENUE, "--db", db, "-g", "column", "--json"))
    field = f"datasetField:{W}:shop."
    assert [(n["id"], n["kind"], n["depth"]) for n in answer["nodes"]] == [
        (REVENUE, "dataset", 0),
        (f"{field}analytics.daily_revenue:order_date", "datasetField", 0),
        (f"{field}analytics.daily_revenue:revenue", "datasetField", 0),
        (f"{field}analytics.orders_clean:amount", "datasetField", 1),
        (f"{field}analytics.orders_clean:order_date", "datasetField", 1),
        (f"{field}raw.orders:amount", "datasetField", 2),
        (f"{field}raw.orders:ordered_at", "datasetField", 2),
    ]
    assert {e["kind"] for e in answer["edges"]} == {"column"}
    assert len(answer["edges"]) == 4


def test_lineage_json_is_the_whole_answer_with_filters(db: str) -> None:
    args = ["lineage", RAW, "--db", db, "--kind", "job", "--namespace", "retail", "--json"]
    answer = orjson.loads(ok(*args))
    assert (answer["root"], answer["direction"], answer["granularity"]) == (RAW, "both", "entity")
    assert [(n["id"], n["depth"]) for n in answer["nodes"]] == [
        (RAW, 0),
        (CLEANING, 1),
        (INGEST, 1),
        (DAILY, 3),
        (REFRESH, 5),
        (EXPORTING, 5),
    ]
    up = orjson.loads(ok("lineage", RAW, "--db", db, "--direction", "upstream", "--json"))
    assert [n["id"] for n in up["nodes"]] == [RAW, INGEST, LANDING]


# --- people: tables and lines --------------------------------------------------------------------


def test_upstream_table_lists_every_node_nearest_first(db: str) -> None:
    text = ok("upstream", REVENUE, "--db", db)
    assert text.splitlines()[0].strip() == f"upstream of {REVENUE}"
    nodes = [REVENUE, DAILY, CLEAN, CLEANING, RAW, INGEST, LANDING]
    assert table_rows(text) == [
        [str(depth), ref, ref.split(":", 1)[0], ref.split(":", 1)[0]]
        for depth, ref in enumerate(nodes)
    ]
    assert text.splitlines()[-1] == "7 nodes, 6 edges"


def test_downstream_table_says_when_the_limit_truncated_it(db: str) -> None:
    text = ok("downstream", RAW, "--db", db, "--limit", "3")
    assert [row[1] for row in table_rows(text)] == [RAW, CLEANING, CLEAN]
    assert text.splitlines()[-1] == "3 nodes, 2 edges (truncated: limit)"


def test_path_prints_the_chain_and_the_path_count(db: str) -> None:
    assert ok("path", RAW, REVENUE, "--db", db).splitlines() == [
        RAW,
        f"  └─ {CLEANING}",
        f"    └─ {CLEAN}",
        f"      └─ {DAILY}",
        f"        └─ {REVENUE}",
        "downstream: 4 edges; 1 distinct paths",
    ]
    assert ok("path", REVENUE, RAW, "--db", db, "--depth", "4").splitlines()[-1] == (
        "upstream: 4 edges; 1 distinct paths"
    )
    nowhere = ok("path", RAW, "job:retail:nightly", "--db", db)
    assert words(nowhere) == f"no path between {RAW} and job:retail:nightly"


def test_path_counts_the_paths_of_a_diamond(db: str, service: LineageService) -> None:
    steps = {"left": (["a"], "b"), "right": (["a"], "c"), "join": (["b", "c"], "e")}
    ingest(
        service,
        [
            run_event(
                RunState.COMPLETE,
                1,
                run=name,
                job=("t", name),
                inputs=[inp("d", source) for source in sources],
                outputs=[out("d", target)],
            )
            for name, (sources, target) in steps.items()
        ],
    )
    lines = ok("path", "dataset:d:a", "dataset:d:e", "--db", db).splitlines()
    assert lines[-1] == "downstream: 4 edges; 2 distinct paths"
    assert (lines[0], lines[-2]) == ("dataset:d:a", "        └─ dataset:d:e")


def test_impact_table_and_owners_to_notify(db: str) -> None:
    text = ok("impact", LANDING, "--db", db)
    assert text.splitlines()[0].strip() == f"impact of {LANDING}"
    assert table_rows(text) == [
        ["high", "datasets", RAW, "2", "team:ingestion"],
        ["medium", "datasets", CLEAN, "4", ""],
        ["medium", "datasets", REVENUE, "6", ""],
        ["low", "datasets", DASHBOARD, "8", ""],
        ["low", "datasets", EXPORT, "8", ""],
        ["medium", "jobs", INGEST, "1", ""],
        ["low", "jobs", CLEANING, "3", ""],
        ["low", "jobs", DAILY, "5", ""],
        ["low", "jobs", REFRESH, "7", ""],
        ["low", "jobs", EXPORTING, "7", ""],
    ]
    assert text.splitlines()[-1] == f"notify team:ingestion (high): {RAW}"


def test_diff_since_answers_edges_and_versions(db: str, service: LineageService) -> None:
    answer = orjson.loads(ok("diff", "--since", "2024-03-01T02:12:00Z", "--db", db, "--json"))
    export, dashboard = version_of(service, EXPORT), version_of(service, DASHBOARD)
    added = [(REVENUE, EXPORTING), (EXPORTING, EXPORT), (REVENUE, REFRESH), (REFRESH, DASHBOARD)]
    assert sorted(answer["edgesAdded"], key=_edge_key) == flow(added)
    assert (answer["edgesRetired"], answer["fieldsAdded"], answer["fieldsRemoved"]) == ([], [], [])
    assert answer["versionsCreated"] == [
        {"dataset": EXPORT, "version": export, "createdAt": "2024-03-01T02:16:00.000000Z"},
        {"dataset": DASHBOARD, "version": dashboard, "createdAt": "2024-03-01T02:21:00.000000Z"},
    ]


def test_diff_since_prints_one_whole_line_per_change(db: str, service: LineageService) -> None:
    # One line per change with its ids unbroken, so that `threadline diff ... | grep` works.
    export, dashboard = version_of(service, EXPORT), version_of(service, DASHBOARD)
    result = CliRunner().invoke(
        app, ["diff", "--since", "2024-03-01T02:12:00Z", "--db", db], env={"COLUMNS": "80"}
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert sorted(lines[:4]) == sorted(
        [
            f"+ {REVENUE} -> {REFRESH} (input)",
            f"+ {REVENUE} -> {EXPORTING} (input)",
            f"+ {REFRESH} -> {DASHBOARD} (output)",
            f"+ {EXPORTING} -> {EXPORT} (output)",
        ]
    )
    assert lines[4:] == [
        f"v {EXPORT}#{export} at 2024-03-01T02:16:00.000000Z",
        f"v {DASHBOARD}#{dashboard} at 2024-03-01T02:21:00.000000Z",
    ]


def test_orphans_lists_one_dataset_a_line(db: str) -> None:
    assert ok("orphans", "--db", db).splitlines() == [
        f"no known writer  {LANDING}",
        f"no reader        {DASHBOARD}",
        f"no reader        {EXPORT}",
    ]
    early = orjson.loads(ok("orphans", "--db", db, "--as-of", "2024-03-01T02:03:00Z", "--json"))
    assert ([i["id"] for i in early["unwritten"]], [i["id"] for i in early["unread"]]) == (
        [LANDING],
        [RAW],
    )


def test_show_prints_details_and_json(db: str, service: LineageService) -> None:
    answer = orjson.loads(ok("show", DAILY, "--db", db, "--json"))
    assert answer == service.node_details(DAILY)
    assert (answer["id"], answer["parent"], answer["root"]) == (
        DAILY,
        "job:retail:nightly",
        "job:retail:nightly",
    )
    lines = ok("show", DAILY, "--db", db).splitlines()
    assert lines[:9] == [
        f"id: {DAILY}",
        "type: job",
        "kind: job",
        "namespace: retail",
        "name: revenue.daily",
        "createdAt: 2024-03-01T02:11:00.000000Z",
        "updatedAt: 2024-03-01T02:15:00.000000Z",
        "parent: job:retail:nightly",
        "root: job:retail:nightly",
    ]
    assert "facets:" in lines


# --- graph formats -------------------------------------------------------------------------------

QUOTED = r'"((?:[^"\\]|\\.)*)"'
DOT_NODE = re.compile(rf"  {QUOTED} \[label={QUOTED}, shape=(box|ellipse)\];")
DOT_EDGE = re.compile(rf"  {QUOTED} -> {QUOTED} \[label={QUOTED}\];")
DOT_FRAME = ["digraph lineage {", "  rankdir=LR;", "  node [fontname=Helvetica];"]


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def parse_dot(text: str) -> tuple[dict[str, tuple[str, str]], set[tuple[str, str, str]]]:
    """Parse the digraph the command prints: every line must be a known statement."""
    lines = text.splitlines()
    assert lines[:3] == DOT_FRAME
    assert lines[-1] == "}"
    nodes: dict[str, tuple[str, str]] = {}
    edges: set[tuple[str, str, str]] = set()
    for line in lines[3:-1]:
        if found := DOT_NODE.fullmatch(line):
            name, label, shape = found.groups()
            nodes[_unescape(name)] = (_unescape(label), shape)
        elif found := DOT_EDGE.fullmatch(line):
            source, target, label = (_unescape(part) for part in found.groups())
            edges.add((source, target, label))
        else:
            raise AssertionError(f"not a DOT statement: {line!r}")
    assert {e[0] for e in edges} | {e[1] for e in edges} <= set(nodes)
    return nodes, edges


def _with_html_name(service: LineageService) -> None:
    ingest(
        service,
        [
            run_event(
                RunState.COMPLETE,
                1,
                run="render",
                job=("tests", 'say "hi"'),
                inputs=[inp("db", HTML_NAME)],
                outputs=[out("db", "plain")],
            )
        ],
    )


def test_downstream_dot_is_a_digraph_with_escaped_labels(db: str, service: LineageService) -> None:
    _with_html_name(service)
    text = ok("downstream", HTML, "--db", db, "--dot")
    job = 'job:tests:say "hi"'
    assert parse_dot(text) == (
        {
            HTML: (HTML_NAME, "ellipse"),
            job: ('say "hi"', "box"),
            "dataset:db:plain": ("plain", "ellipse"),
        },
        {(HTML, job, "input"), (job, "dataset:db:plain", "output")},
    )
    assert r'[label="<b>\"x\"</b>", shape=ellipse];' in text


def test_downstream_dot_of_the_sample_holds_every_node_and_edge(db: str) -> None:
    nodes, edges = parse_dot(ok("downstream", REVENUE, "--db", db, "--dot"))
    assert nodes == {
        REVENUE: ("shop.analytics.daily_revenue", "ellipse"),
        EXPORTING: ("revenue.export", "box"),
        REFRESH: ("dashboard.refresh", "box"),
        EXPORT: ("revenue/daily.csv", "ellipse"),
        DASHBOARD: ("revenue-overview", "ellipse"),
    }
    assert edges == {
        (REVENUE, EXPORTING, "input"),
        (REVENUE, REFRESH, "input"),
        (EXPORTING, EXPORT, "output"),
        (REFRESH, DASHBOARD, "output"),
    }


MERMAID_NODE = re.compile(r'  (n\d+)(\(\[|\[)"([^"<>]*)"(\]\)|\])')
MERMAID_EDGE = re.compile(r"  (n\d+) --> (n\d+)")


def parse_mermaid(text: str) -> tuple[dict[str, tuple[str, str]], set[tuple[str, str]]]:
    """Parse the flowchart the command prints into {id: (label, shape)} and label pairs."""
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    nodes: dict[str, tuple[str, str]] = {}
    pairs: set[tuple[str, str]] = set()
    for line in lines[1:]:
        if found := MERMAID_NODE.fullmatch(line):
            key, opening, label, closing = found.groups()
            assert (opening, closing) in (("([", "])"), ("[", "]"))
            nodes[key] = (label, "stadium" if opening == "([" else "box")
        elif found := MERMAID_EDGE.fullmatch(line):
            pairs.add((found[1], found[2]))
        else:
            raise AssertionError(f"not a Mermaid statement: {line!r}")
    return nodes, {(nodes[a][0], nodes[b][0]) for a, b in pairs}


def test_downstream_mermaid_is_a_flowchart_with_escaped_labels(
    db: str, service: LineageService
) -> None:
    _with_html_name(service)
    nodes, edges = parse_mermaid(ok("downstream", HTML, "--db", db, "--mermaid"))
    html = "#lt;b#gt;#quot;x#quot;#lt;/b#gt;"
    job = "say #quot;hi#quot;"
    assert sorted(nodes.values()) == sorted([(html, "stadium"), (job, "box"), ("plain", "stadium")])
    assert edges == {(html, job), (job, "plain")}


def test_upstream_mermaid_of_the_sample(db: str) -> None:
    nodes, edges = parse_mermaid(ok("upstream", CLEAN, "--db", db, "--mermaid"))
    assert sorted(nodes.values()) == sorted(
        [
            ("shop.analytics.orders_clean", "stadium"),
            ("orders.clean", "box"),
            ("shop.raw.orders", "stadium"),
            ("orders.ingest", "box"),
            ("orders/2024-03-01.csv", "stadium"),
        ]
    )
    assert edges == {
        ("orders/2024-03-01.csv", "orders.ingest"),
        ("orders.ingest", "shop.raw.orders"),
        ("shop.raw.orders", "orders.clean"),
        ("orders.clean", "shop.analytics.orders_clean"),
    }


@pytest.mark.parametrize(
    ("command", "formats"),
    [
        ("upstream", ("--json", "--dot")),
        ("downstream", ("--dot", "--mermaid")),
        ("lineage", ("--json", "--mermaid")),
    ],
)
def test_two_output_formats_are_refused(
    db_url: str, command: str, formats: tuple[str, str]
) -> None:
    result = fails(command, RAW, "--db", db_url, *formats)
    assert result.stderr == "error: choose one of --json, --dot, --mermaid\n"


def test_path_refuses_two_output_formats(db_url: str) -> None:
    result = fails("path", RAW, REVENUE, "--db", db_url, "--dot", "--mermaid")
    assert result.stderr == "error: choose one of --json, --dot, --mermaid\n"


# --- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["upstream", "job:retail:orders.clen"],
        ["path", RAW, "job:retail:orders.clen"],
        ["impact", "job:retail:orders.clen"],
        ["show", "job:retail:orders.clen"],
    ],
    ids=["upstream", "path", "impact", "show"],
)
def test_unknown_node_exits_1_suggesting_the_near_miss(db: str, args: list[str]) -> None:
    result = fails(*args, "--db", db)
    assert words(result.stderr).startswith(
        "error: no node 'job:retail:orders.clen'; did you mean: job:retail:orders.clean,"
    )


def test_bad_parameters_exit_1_naming_the_problem(db: str) -> None:
    depth = fails("upstream", RAW, "--db", db, "--depth", "-1")
    assert depth.stderr == "error: depth must be between 0 and 1000; got -1\n"
    malformed = fails("downstream", "orders", "--db", db)
    assert "expected dataset:<namespace>:<name>" in words(malformed.stderr)
    future = fails("upstream", RAW, "--db", db, "--as-of", "2999-01-01T00:00:00Z")
    assert "is in the future" in words(future.stderr)


# --- a running server: the same answers ----------------------------------------------------------

SAME_ANSWERS = [
    pytest.param(["upstream", REVENUE, "--json"], id="upstream-json"),
    pytest.param(["downstream", RAW, "--dot"], id="downstream-dot"),
    pytest.param(["downstream", RAW, "--mermaid", "--depth", "4"], id="downstream-mermaid"),
    pytest.param(["lineage", RAW, "--json", "--kind", "job", "-g", "entity"], id="lineage"),
    pytest.param(["upstream", REVENUE, "-g", "column", "--json"], id="upstream-column"),
    pytest.param(["upstream", REVENUE], id="upstream-table"),
    pytest.param(["path", RAW, REVENUE], id="path"),
    pytest.param(["impact", LANDING], id="impact"),
    pytest.param(["impact", LANDING, "--json"], id="impact-json"),
    pytest.param(["diff", "--since", "2024-03-01T02:12:00Z"], id="diff"),
    pytest.param(
        ["diff", "--since", "2024-03-01T02:12:00Z", "--until", "2024-03-01T02:30:00Z", "--json"],
        id="diff-json",
    ),
    pytest.param(["orphans", "--as-of", "2024-03-01T02:30:00Z"], id="orphans"),
    pytest.param(["show", EXPORTING, "--json"], id="show"),
]


@pytest.mark.parametrize("args", SAME_ANSWERS)
def test_server_gives_the_same_answers_as_the_database(
    db: str, served: str, args: list[str]
) -> None:
    local = ok(*args, "--db", db)
    assert ok(*args, "--url", served) == local


def test_server_show_of_a_dataset_version_matches_local(
    db: str, served: str, service: LineageService
) -> None:
    reference = f"{REVENUE}#{version_of(service, REVENUE)}"
    local = orjson.loads(ok("show", reference, "--db", db, "--json"))
    assert (local["id"], local["type"]) == (reference, "datasetVersion")
    assert orjson.loads(ok("show", reference, "--url", served, "--json")) == local


def test_server_unknown_node_exits_1_suggesting_the_near_miss(served: str) -> None:
    result = fails("downstream", "job:retail:orders.clen", "--url", served)
    assert words(result.stderr).startswith(
        "error: no node 'job:retail:orders.clen'; did you mean: job:retail:orders.clean,"
    )
    depth = fails("downstream", RAW, "--url", served, "--depth", "1001")
    assert depth.stderr == "error: depth must be between 0 and 1000; got 1001\n"
