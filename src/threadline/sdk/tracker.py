"""The SDK's entry point: a ``Tracker`` records steps (runs) as OpenLineage events.

    tracker = Tracker(url="http://127.0.0.1:5000")      # or Tracker(db="sqlite:///x.db")
    with tracker.step("clean", inputs=["data/raw.csv"], outputs=["data/clean.csv"]):
        ...
    @tracker.step("train", inputs=[...], outputs=[Model("churn", path="model.pkl")])
    def train() -> None: ...

A step emits START when it begins (inputs hashed then) and COMPLETE when it ends (outputs
hashed then), or FAIL with the error. Steps inside steps become child runs (``parent``
facet, with the root). Each step records where its code lives (git commit, path).
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import os
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

from openlineage.client.event_v2 import Job, Run, RunEvent, RunState
from openlineage.client.facet_v2 import error_message_run, parent_run, source_code_location_job
from openlineage.client.uuid import generate_new_uuid

from threadline.facets import JOB_KINDS, facet
from threadline.sdk.datasets import Dataset, as_dataset
from threadline.sdk.emitters import make_client
from threadline.sdk.gitinfo import SourceLocation, locate

PRODUCER = "https://threadline.dev/sdk"
_SDK = Path(__file__).parent
_CONTEXTLIB = contextmanager.__code__.co_filename
F = TypeVar("F", bound=Callable[..., Any])
_current: contextvars.ContextVar[StepRun | None] = contextvars.ContextVar(
    "threadline_step", default=None
)


def now() -> str:
    """Return the current time in ISO 8601 (UTC)."""
    return datetime.now(timezone.utc).isoformat()


@dataclass
class StepRun:
    """A running step: its identity, what it reads and writes, facets to add."""

    name: str
    run_id: str
    namespace: str
    inputs: list[Dataset]
    outputs: list[Dataset]
    kind: str | None
    source: SourceLocation | None
    parent: StepRun | None = None
    run_facets: dict[str, Any] = field(default_factory=dict)
    job_facets: dict[str, Any] = field(default_factory=dict)

    @property
    def root(self) -> StepRun:
        """Return the outermost step."""
        return self.parent.root if self.parent else self

    def add_input(self, value: Any) -> None:
        """Declare one more input (recorded at the end of the step)."""
        self.inputs.append(as_dataset(value))

    def add_output(self, value: Any) -> None:
        """Declare one more output."""
        self.outputs.append(as_dataset(value))

    def facet(self, key: str, value: dict[str, Any], *, on: str = "run") -> None:
        """Attach a facet to the run (``on="run"``) or the job (``on="job"``)."""
        (self.run_facets if on == "run" else self.job_facets)[key] = value


class Tracker:
    """Records steps and predictions to a Threadline server or a local store.

    Args:
        url: a Threadline server (``THREADLINE_URL``); events are spooled while it is down.
        db: a local database instead of a server (``THREADLINE_DATABASE_URL``).
        namespace: the namespace of jobs (and of in-memory datasets).
        spool: where undelivered events wait (default ``.threadline/spool``).
        producer: the ``producer`` URI written into events.
    """

    def __init__(
        self,
        *,
        url: str | None = None,
        db: str | None = None,
        namespace: str = "default",
        spool: str | os.PathLike[str] | None = None,
        producer: str = PRODUCER,
        api_key: str | None = None,
    ) -> None:
        if url is None and db is None:  # an explicit argument wins over the environment
            url = os.environ.get("THREADLINE_URL")
            db = None if url else os.environ.get("THREADLINE_DATABASE_URL")
        self.namespace = namespace
        self.producer = producer
        self.client = make_client(
            url=url,
            database_url=db,
            api_key=api_key,
            spool=spool or Path(".threadline") / "spool",
        )
        self._locations: dict[str, SourceLocation | None] = {}

    def __enter__(self) -> Tracker:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Deliver what can be delivered and release the connection."""
        self.flush()
        self.client.close()

    def flush(self) -> int:
        """Deliver spooled events; return how many still wait for the server."""
        flush = getattr(self.client.transport, "flush", None)
        return int(flush()) if flush else 0

    def emit(self, event: Any) -> None:
        """Emit one OpenLineage event (an openlineage-python event object)."""
        self.client.emit(event)

    def emit_batch(self, events: list[Any]) -> None:
        """Emit events together: stored in one transaction, or (server down) spooled in order.

        Raises:
            EventRefused: an event was refused (a ``ValueError``); into a local store,
                nothing of the batch is stored then.
        """
        transport: Any = self.client.transport
        transport.emit_batch(events)

    def model_registry(self, model: str) -> dict[str, Any] | None:
        """Return what Threadline knows of a model's registry (None for an unknown model)."""
        from threadline.errors import NotFound

        try:
            transport: Any = self.client.transport
            answer: dict[str, Any] = transport.read("model_registry", model)
        except NotFound:
            return None
        return answer

    # --- steps ------------------------------------------------------------------------------

    def step(
        self,
        name: str,
        *,
        inputs: Iterable[Any] = (),
        outputs: Iterable[Any] = (),
        kind: str | None = None,
        namespace: str | None = None,
    ) -> _StepScope:
        """Return a context manager (and decorator) recording one run of job ``name``."""
        if kind is not None and kind not in JOB_KINDS:
            raise ValueError(f"kind must be one of {', '.join(JOB_KINDS)}")
        return _StepScope(
            self,
            name,
            [as_dataset(i) for i in inputs],
            [as_dataset(o) for o in outputs],
            kind,
            namespace or self.namespace,
        )

    def record(
        self,
        name: str,
        *,
        inputs: Iterable[Any] = (),
        outputs: Iterable[Any] = (),
        kind: str | None = None,
        namespace: str | None = None,
    ) -> str:
        """Record a step that has already happened, as one COMPLETE event; return its run id.

        One event is admitted or refused whole, so nothing of a refused record is stored
        (a prediction set from an unknown model version leaves no started run behind).

        Raises:
            EventRefused: Threadline refused the event (the reason is the message).
        """
        scope = self.step(name, inputs=inputs, outputs=outputs, kind=kind, namespace=namespace)
        run = self._new_run(scope, self._source(_caller_file()))
        self.emit(self._event(RunState.COMPLETE, run, outputs=True))
        return run.run_id

    def _source(self, path: str | None) -> SourceLocation | None:
        """Return where a source file lives (asked of git once per file and tracker)."""
        if path is None or not Path(path).is_file():
            return None
        if path not in self._locations:
            self._locations[path] = locate(path)
        return self._locations[path]

    def _event(self, state: RunState, run: StepRun, *, outputs: bool) -> RunEvent:
        run_facets = dict(run.run_facets)
        if run.parent is not None:
            root = run.root
            run_facets["parent"] = parent_run.ParentRunFacet(
                run=parent_run.Run(runId=run.parent.run_id),
                job=parent_run.Job(namespace=run.parent.namespace, name=run.parent.name),
                root=parent_run.Root(
                    run=parent_run.RootRun(runId=root.run_id),
                    job=parent_run.RootJob(namespace=root.namespace, name=root.name),
                ),
            )
        job_facets = dict(run.job_facets)
        if run.kind:
            job_facets["threadline_job"] = facet("threadline_job", kind=run.kind)
        if run.source is not None:
            job_facets["sourceCodeLocation"] = _location(run.source)
        return RunEvent(
            eventType=state,
            eventTime=now(),
            producer=self.producer,
            run=Run(runId=run.run_id, facets=run_facets or None),
            job=Job(namespace=run.namespace, name=run.name, facets=job_facets or None),
            inputs=[d.as_input(self.namespace) for d in run.inputs],
            outputs=[d.as_output(self.namespace) for d in run.outputs] if outputs else [],
        )

    def _new_run(self, scope: _StepScope, source: SourceLocation | None) -> StepRun:
        return StepRun(
            scope.name,
            str(generate_new_uuid()),
            scope.namespace,
            list(scope.inputs),
            list(scope.outputs),
            scope.kind,
            source,
            parent=_current.get(),
        )

    @contextmanager
    def _running(self, scope: _StepScope, source: SourceLocation | None) -> Iterator[StepRun]:
        run = self._new_run(scope, source)
        token = _current.set(run)
        try:
            self.emit(self._event(RunState.START, run, outputs=False))
            try:
                yield run
            except BaseException as exc:
                run.run_facets["errorMessage"] = error_message_run.ErrorMessageRunFacet(
                    message=f"{type(exc).__name__}: {exc}",
                    programmingLanguage="python",
                    stackTrace="".join(traceback.format_exception(exc)),
                )
                self.emit(self._event(RunState.FAIL, run, outputs=False))
                raise
            self.emit(self._event(RunState.COMPLETE, run, outputs=True))
        finally:
            _current.reset(token)


def _caller_file() -> str | None:
    """Return the file of the innermost frame outside the SDK (and ``contextlib``)."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if Path(filename).parent != _SDK and filename != _CONTEXTLIB:
            return filename
        frame = frame.f_back
    return None


def _location(source: SourceLocation) -> source_code_location_job.SourceCodeLocationJobFacet:
    return source_code_location_job.SourceCodeLocationJobFacet(
        type="git" if source.commit else "file",
        url=source.remote or f"file://{source.path}",
        repoUrl=source.remote,
        path=source.path,
        version=source.commit,
        branch=source.branch,
    )


class _StepScope:
    """One declared step; use it with ``with`` or as a decorator."""

    def __init__(
        self,
        tracker: Tracker,
        name: str,
        inputs: list[Dataset],
        outputs: list[Dataset],
        kind: str | None,
        namespace: str,
    ) -> None:
        self.tracker, self.name, self.kind, self.namespace = tracker, name, kind, namespace
        self.inputs, self.outputs = inputs, outputs
        self._stack: list[Any] = []

    def __enter__(self) -> StepRun:
        manager = self.tracker._running(self, self.tracker._source(_caller_file()))
        self._stack.append(manager)
        return manager.__enter__()

    def __exit__(self, *exc: Any) -> bool | None:
        result: bool | None = self._stack.pop().__exit__(*exc)
        return result

    def __call__(self, function: F) -> F:
        source = inspect.getsourcefile(function)

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.tracker._running(self, self.tracker._source(source)):
                return function(*args, **kwargs)

        return wrapper  # type: ignore[return-value]
