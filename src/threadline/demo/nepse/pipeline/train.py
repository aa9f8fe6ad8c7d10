"""Stage 3: train a ridge regression of the next day's return; log it to MLflow and
register it as ``nepse-price``."""

import hashlib
import json
from pathlib import Path

import joblib
import mlflow
import mlflow.sklearn
import pandas as pd
import yaml
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_absolute_error, mean_squared_error
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

params = yaml.safe_load(Path("params.yaml").read_text())["train"]
features = pd.read_csv("data/features.csv")
columns = [c for c in features.columns if c.startswith(("return_lag", "close_mean", "volume_z"))]
train = features[features["date"] < params["split_date"]]
test = features[features["date"] >= params["split_date"]]

mlflow.set_tracking_uri("sqlite:///mlflow.db")
mlflow.set_experiment("nepse-price")
# The dataset's digest is the file's MD5: the version DVC and Threadline's SDK give it.
digest = hashlib.md5(Path("data/features.csv").read_bytes()).hexdigest()
source = str(Path("data/features.csv").resolve())
with mlflow.start_run(run_name="train") as run:
    mlflow.log_params(
        {"alpha": params["alpha"], "features": len(columns), "split_date": params["split_date"]}
    )
    dataset = mlflow.data.from_pandas(
        features, source=source, name="nepse-features", digest=digest, targets="target"
    )
    mlflow.log_input(dataset, context="training")
    model = make_pipeline(StandardScaler(), Ridge(alpha=params["alpha"]))
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
    json.dumps({"name": "nepse-price", "version": version.version, "run_id": run.info.run_id})
)
Path("metrics.json").write_text(json.dumps(metrics, indent=2))
