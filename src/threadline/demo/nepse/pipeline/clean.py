"""Stage 1: merge the monthly raw price files into one clean, sorted table."""

from pathlib import Path

import pandas as pd

raw = sorted(Path("data/raw").glob("prices-*.csv"))
prices = pd.concat([pd.read_csv(path) for path in raw], ignore_index=True)
prices = prices.drop_duplicates(["date", "symbol"]).sort_values(["symbol", "date"])
prices = prices[(prices["close"] > 0) & (prices["volume"] >= 0)]
Path("data/clean").mkdir(parents=True, exist_ok=True)
prices.to_csv("data/clean/prices.csv", index=False)
