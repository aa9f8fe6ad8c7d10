"""The NEPSE demo: a stock-price model trained on Nepal Stock Exchange-like daily prices.

Synthetic prices (no network) go through a DVC pipeline (clean, features, train,
validate); training logs to MLflow and registers the model; the SDK records the
deployment and the predictions. Then March's raw prices are corrected, the pipeline runs
again and a second model version is promoted — and Threadline can say exactly what the bad
March data touched.
"""
