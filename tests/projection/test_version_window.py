"""``VersionWindow.bound``: an input bound from memory only when memory is sure.

The database binds an input of run R read at t to the newest non-implicit version created
at or before t that R did not write (ties broken by version name, in the database's
collation). The window must give that answer, or say it cannot.
"""

from __future__ import annotations

from threadline.projection.versionwindow import READ_AHEAD, VersionWindow


def _window(*rows: tuple[int, int, int | None]) -> VersionWindow:
    """A window read from (id, created_us, run_id) rows, newest first."""
    return VersionWindow.read(sorted(rows, key=lambda row: -row[1]), None)


def test_a_complete_window_answers_every_question() -> None:
    window = _window((1, 10, None), (2, 20, 7))
    assert READ_AHEAD > 2 and window.floor is None
    assert window.bound(25, 1) == (True, 2)
    assert window.bound(15, 1) == (True, 1)
    assert window.bound(20, 7) == (True, 1)  # the run's own output is not its input
    assert window.bound(5, 1) == (True, None)  # nothing yet: the implicit version


def test_a_full_window_is_sure_only_above_its_floor() -> None:
    window = _window(*[(v, v * 10, None) for v in range(1, READ_AHEAD + 1)])
    assert window.floor == 10
    assert window.bound(READ_AHEAD * 10 + 5, 1) == (True, READ_AHEAD)
    assert window.bound(25, 1) == (True, 2)
    assert window.bound(15, 1)[0] is False  # older versions may exist below the floor
    assert window.bound(5, 1)[0] is False


def test_versions_made_in_the_transaction_count() -> None:
    window = _window(*[(v, v * 10, None) for v in range(1, READ_AHEAD + 1)])
    window.made(99, 100, 3)
    assert window.bound(200, 1) == (True, 99)
    assert window.bound(200, 3) == (True, READ_AHEAD)
    window.made(99, 5, 3)  # moved below the floor: no longer sure to be alone there
    assert window.bound(200, 1) == (True, READ_AHEAD)
    assert window.bound(8, 1)[0] is False


def test_two_versions_of_one_instant_go_to_the_database() -> None:
    window = _window((1, 10, None), (2, 10, None))
    assert window.bound(15, 1)[0] is False
    assert window.bound(15, 9)[0] is False
    window.made(3, 12, None)
    assert window.bound(15, 1) == (True, 3)
