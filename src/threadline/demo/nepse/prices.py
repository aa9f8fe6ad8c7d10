"""Deterministic synthetic daily prices for a few NEPSE-listed symbols, one file per month.

NEPSE trades Sunday to Thursday. Prices follow a seeded random walk. The first March file
carries a unit error the demo later corrects: for one week, one symbol's prices were
recorded in paisa (hundredths of a rupee), a hundred times too high.
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

SYMBOLS = {"NABIL": 520.0, "NICA": 840.0, "UPPER": 210.0, "HIDCL": 185.0, "NTC": 880.0}
START, END = date(2023, 1, 1), date(2023, 6, 30)
BAD_WEEK = (date(2023, 3, 12), date(2023, 3, 16))
BAD_SYMBOL = "NICA"


def trading_days() -> list[date]:
    """Return the NEPSE trading days (Sunday to Thursday) of the demo period."""
    days, day = [], START
    while day <= END:
        if day.weekday() in (6, 0, 1, 2, 3):  # Sunday .. Thursday
            days.append(day)
        day += timedelta(days=1)
    return days


def rows() -> list[dict[str, str]]:
    """Return every (correct) daily row, the same on every call."""
    out = []
    for symbol, price in SYMBOLS.items():
        rng = random.Random(symbol)
        for day in trading_days():
            change = rng.gauss(0.0004, 0.018)
            open_ = price
            price = max(10.0, price * (1 + change))
            high, low = (
                max(open_, price) * (1 + abs(rng.gauss(0, 0.006))),
                min(open_, price) * (1 - abs(rng.gauss(0, 0.006))),
            )
            out.append(
                {
                    "date": day.isoformat(),
                    "symbol": symbol,
                    "open": f"{open_:.2f}",
                    "high": f"{high:.2f}",
                    "low": f"{low:.2f}",
                    "close": f"{price:.2f}",
                    "volume": str(int(rng.lognormvariate(9, 0.6))),
                }
            )
    return out


def _bad(row: dict[str, str]) -> dict[str, str]:
    day = date.fromisoformat(row["date"])
    if row["symbol"] != BAD_SYMBOL or not BAD_WEEK[0] <= day <= BAD_WEEK[1]:
        return row
    return {**row, **{k: f"{float(row[k]) * 100:.2f}" for k in ("open", "high", "low", "close")}}


def write_month(folder: Path, month: int, *, corrected: bool = True) -> Path:
    """Write one month's raw file (March with the paisa error unless ``corrected``)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"prices-2023-{month:02d}.csv"
    selected = [r for r in rows() if int(r["date"][5:7]) == month]
    if not corrected:
        selected = [_bad(r) for r in selected]
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(selected[0]))
        writer.writeheader()
        writer.writerows(selected)
    return path


def write_all(folder: Path) -> list[Path]:
    """Write the six raw monthly files as they first arrived (March wrong)."""
    return [write_month(folder, m, corrected=m != 3) for m in range(1, 7)]
