"""Stage 2: engineer features per symbol: returns, lags and rolling means; the target is
the next day's return."""

from pathlib import Path

import pandas as pd
import yaml

params = yaml.safe_load(Path("params.yaml").read_text())["features"]
prices = pd.read_csv("data/clean/prices.csv")
frames = []
for _symbol, group in prices.groupby("symbol"):
    g = group.sort_values("date").copy()
    g["return"] = g["close"].pct_change()
    for lag in params["lags"]:
        g[f"return_lag{lag}"] = g["return"].shift(lag)
    for window in params["windows"]:
        g[f"close_mean{window}"] = g["close"].rolling(window).mean() / g["close"] - 1
    g["volume_z"] = (g["volume"] - g["volume"].rolling(20).mean()) / g["volume"].rolling(20).std()
    g["target"] = g["return"].shift(-1)
    frames.append(g)
features = pd.concat(frames).dropna().sort_values(["date", "symbol"])
features.to_csv("data/features.csv", index=False)
