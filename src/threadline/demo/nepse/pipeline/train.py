"""Stage 3: train a gradient-boosting model of the next day's return; log it to MLflow and
register it as ``nepse-price``."""

import hashlib
import json
from pathlib import Path

import joblib
import mlflow
import mlflow.sklearn
import pandas as pd
import yaml
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.metrics import mean_absolute_error, mean_squared_error

params = yaml.safe_load(Path("params.yaml").read_text())["train"]
features = pd.read_csv("data/features.csv")
columns = [c for c in features.columns if c.startswith(("return_lag", "close_mean", "volume_z"))]
train = features[features["date"] < params["split_date"]]
test = features[features["date"] >= params["split_date"]]

mlflow.set_tracking_uri("sqlite:///mlflow.db")
mlflow.set_experiment("nepse-price")
digest = hashlib.md5(Path("data/features.csv").read_bytes()).hexdigest()
source = str(Path("data/features.csv").resolve())
with mlflow.start_run(run_name="train") as run:
    mlflow.log_params(
        {
            "n_estimators": params["n_estimators"],
            "max_depth": params["max_depth"],
            "learning_rate": params["learning_rate"],
            "features": len(columns),
        }
    )
    dataset = mlflow.data.from_pandas(
        features, source=source, name="nepse-features", digest=digest, targets="target"
    )
    mlflow.log_input(dataset, context="training")
    model = GradientBoostingRegressor(
        n_estimators=params["n_estimators"],
        max_depth=params["max_depth"],
        learning_rate=params["learning_rate"],
        random_state=7,
    )
    model.fit(train[columns], train["target"])
    predicted = model.predict(test[columns])
    metrics = {
        "rmse": float(mean_squared_error(test["target"], predicted) ** 0.5),
        "mae": float(mean_absolute_error(test["target"], predicted)),
        "direction_accuracy": float(((predicted > 0) == (test["target"] > 0)).mean()),
    }
    mlflow.log_metrics(metrics)
    logged = mlflow.sklearn.log_model(model, name="model")
    version = mlflow.register_model(logged.model_uri, "nepse-price")
Path("models").mkdir(exist_ok=True)
joblib.dump({"model": model, "columns": columns}, "models/model.pkl")
Path("models/registered.json").write_text(
    json.dumps(
        {"name": "nepse-price", "version": version.version, "run_id": run.info.run_id}, indent=2
    )
)
Path("metrics.json").write_text(json.dumps(metrics, indent=2))
