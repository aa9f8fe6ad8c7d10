"""The newest versions of a dataset, known to a transaction: inputs bound without a look-up.

An input without an explicit version is bound to the dataset's newest non-implicit version
created at or before the time it was read, other than the reading run's own output, else
to the dataset's implicit version (``versions.input_version``). Asking the database costs
a round trip per new input, the projection's most frequent one. A batch reads ahead the
newest few versions of each dataset its events read (``prefetch``), and every version the
transaction makes or changes is noted here, so most inputs are bound from memory.

The window is exact above its ``floor``: it holds every version created after that time
(versions are only made, or moved earlier, by the projection, and a version moved earlier
never rises above the floor). A question it cannot answer for sure (the answer lies at or
below the floor, or two versions were created at the same microsecond, whose order the
database's collation decides) goes to the database as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

READ_AHEAD = 4
"""Versions of each dataset read ahead (besides the implicit one)."""


@dataclass(slots=True)
class VersionWindow:
    """A dataset's newest non-implicit versions (exact above ``floor``) and implicit one."""

    floor: int | None
    """Every version created after this time is in ``rows``; None: every version is."""
    rows: dict[int, list[Any]] = field(default_factory=dict)
    """Version id -> [created_us, run_id]."""
    implicit: tuple[int, int] | None = None
    """The implicit version's (id, created_us), if there is one."""

    @classmethod
    def read(cls, found: list[tuple[int, int, int | None]], implicit: Any) -> VersionWindow:
        """Build from the newest ``READ_AHEAD`` (id, created_us, run_id) rows read, newest first."""
        floor = min(row[1] for row in found) if len(found) >= READ_AHEAD else None
        window = cls(floor, {int(v): [int(c), r] for v, c, r in found})
        window.implicit = implicit
        return window

    def bound(self, t: int, run_id: int) -> tuple[bool, int | None]:
        """Return (known, version id) of an input of ``run_id`` read at ``t``.

        ``known`` is False when only the database can tell; else the id is the version
        the input is bound to, or None when there is none (the implicit one then).
        """
        best: tuple[int, int] | None = None
        tie = False
        for version_id, (created, run) in self.rows.items():
            if created > t or run == run_id:
                continue
            if self.floor is not None and created <= self.floor:
                continue  # not sure to hold every version at that time
            if best is None or created > best[0]:
                best, tie = (created, version_id), False
            elif created == best[0]:
                tie = True
        if best is not None:
            return (not tie), (best[1] if not tie else None)
        return (self.floor is None), None

    def made(self, version_id: int, created_us: int, run_id: int | None) -> None:
        """Note a version the transaction created, or one whose time or run it changed."""
        self.rows[version_id] = [created_us, run_id]
