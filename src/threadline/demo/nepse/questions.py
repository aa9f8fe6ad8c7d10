"""The questions the NEPSE demo can answer, each with the exact command that answers it."""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from threadline.demo.nepse.run import MODEL, DemoResult
from threadline.refs import format_ref


@dataclass(frozen=True, slots=True)
class Question:
    """One question and the ``threadline`` arguments that answer it."""

    text: str
    args: tuple[str, ...]

    @property
    def command(self) -> str:
        """Return the command line to type (the database comes from the environment)."""
        return shlex.join(("threadline", *self.args))


def march_ref(result: DemoResult) -> str:
    """Return the reference of the raw March price file."""
    return format_ref("dataset", "file", str(result.march_file))


def questions(result: DemoResult) -> list[Question]:
    """Return the questions the recorded demo answers, in the order a reviewer asks them."""
    first, second = result.rounds[0], result.rounds[-1]
    march = march_ref(result)
    return [
        Question(
            "March's raw prices were wrong: which models, deployments and predictions "
            "were built on them?",
            ("affected", march, "--version", first.march_version),
        ),
        Question(
            "And on the corrected March file (only what came after the fix)?",
            ("affected", march, "--version", second.march_version),
        ),
        Question(
            "What trained the model in production: data versions, code commit, params?",
            ("model", "lineage", f"{MODEL}@champion"),
        ),
        Question(
            "What did the first model version train on?",
            ("model", "lineage", f"{MODEL}@{first.model_version}"),
        ),
        Question("Who moved the champion alias, and when?", ("model", "registry", MODEL)),
        Question(
            "Can every model version be rebuilt exactly (data and code pinned)?",
            ("model", "check", MODEL),
        ),
        Question(
            "Where did the first batch of predictions come from, back to the raw files?",
            ("upstream", first.predictions, "--granularity", "version"),
        ),
        Question(
            "What changed in the lineage with the fix?",
            ("diff", "--since", _iso(second.started_us), format_ref("dataset", "models", MODEL)),
        ),
        Question("Has anyone altered the record?", ("audit", "verify")),
    ]


def _iso(us: int) -> str:
    from threadline.times import format_iso_us

    text = format_iso_us(us)
    assert text is not None
    return text
