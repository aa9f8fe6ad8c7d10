"""Stage 4: validate the trained model on the held-out months against fixed thresholds."""

import json
from pathlib import Path

import joblib
import pandas as pd
import yaml

thresholds = yaml.safe_load(Path("params.yaml").read_text())["validate"]
saved = joblib.load("models/model.pkl")
features = pd.read_csv("data/features.csv")
split = yaml.safe_load(Path("params.yaml").read_text())["train"]["split_date"]
test = features[features["date"] >= split]
predicted = saved["model"].predict(test[saved["columns"]])
errors = (test["target"] - predicted).abs()
metrics = {
    "mae": float(errors.mean()),
    "max_abs_error": float(errors.max()),
    "rows": len(test),
}
passed = (
    metrics["mae"] <= thresholds["max_mae"]
    and metrics["max_abs_error"] <= thresholds["max_abs_error"]
)
Path("reports").mkdir(exist_ok=True)
Path("reports/validation.json").write_text(
    json.dumps({"passed": bool(passed), "metrics": metrics, "thresholds": thresholds}, indent=2)
)
