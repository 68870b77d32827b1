"""Defaults of the multi-task nets, chosen on validation rows of real data.

Issue 16: a default-constructed net should be competitive. This script fits
the nets with the early stopping of ``BaseMultiTaskNet`` (``early_stopping=
"auto"``: a seeded 20% validation split of the rows the net is given, patience
``n_iter_no_change=10``, best epoch restored) over a small grid of
regularization settings, and scores every fit on **selection rows** that the
net never sees; the test rows are scored for information only and never used
to choose.

Protocols
---------
tox21
    Splits 0, 1, 2: ``train_test_split(test_size=0.2, random_state=split)`` of
    the 7,823 molecules gives the test rows; the remaining rows are split
    again 80/20 (same seed) into the rows given to the net (which holds out
    its own 20% for early stopping) and the selection rows. Metric: ROC-AUC
    per task, averaged over the 12 tasks.
sarcos
    ``load_sarcos()``'s fixed rows: the nets are given the 600 training rows
    per torque (and hold out 20% of them for early stopping), the 200
    validation rows per torque are the selection rows, the 200 test rows are
    for information. Inputs are standardized (``StandardScaler`` in a
    pipeline, as the user guide recommends). Metric: nMSE (MSE / variance of
    the labels) per torque, averaged over the 7 tasks. Seed 0 (``--n-seeds`` for more).

Grid (``GRID``, on top of the constructor's defaults at the time of the
run: ``MultiTaskMLP`` (256, 256) without dropout or batch norm, Adam lr 1e-3,
batch 128, ``max_epochs=200``): a few combinations of ``module__dropout``,
``module__batch_norm``, ``optimizer__weight_decay`` (Adam's L2 penalty) and,
on Tox21, early stopping on the validation ROC-AUC (``scoring="roc_auc"``).

Runs use 2 joblib workers, torch on 1 thread each (the machine is shared);
times are wall-clock seconds of ``fit`` under that load.

Command (from the repository root)::

    python benchmarks/net_defaults.py

Results: ``benchmarks/results/net_defaults.csv`` (one row per fit: settings,
selection and test scores, epochs, time) and ``net_defaults.md`` (the mean
over splits/seeds per setting).
"""

import argparse
import csv
import time
from pathlib import Path

import numpy as np
import torch
from joblib import Parallel, delayed
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from sklearn_mtl.datasets import load_sarcos, load_tox21
from sklearn_mtl.metrics import multitask_roc_auc_score, normalized_mean_squared_error
from sklearn_mtl.neural import MultiTaskNetClassifier, MultiTaskNetRegressor

RESULTS = Path(__file__).resolve().parent / "results"

# Kept small: the machine is shared (load ~10 on 2 cores during the run).
GRID = {
    "tox21": [
        {"module__dropout": 0.0, "module__batch_norm": True},
        {"module__dropout": 0.2, "module__batch_norm": False},
        {"module__dropout": 0.2, "module__batch_norm": True},
        {"module__dropout": 0.5, "module__batch_norm": False},
        {"module__dropout": 0.5, "module__batch_norm": True},
        {"module__dropout": 0.2, "optimizer__weight_decay": 1e-5},
        {"module__dropout": 0.5, "module__batch_norm": True, "scoring": "roc_auc"},
    ],
    "sarcos": [
        {"module__dropout": 0.0, "module__batch_norm": True},
        {"module__dropout": 0.2, "module__batch_norm": False},
        {"module__dropout": 0.2, "module__batch_norm": True},
        {"optimizer__weight_decay": 1e-5},
    ],
}


def describe(settings):
    short = {
        "module__dropout": "dropout",
        "module__batch_norm": "bn",
        "optimizer__weight_decay": "wd",
    }
    if not settings:
        return "defaults"
    return " ".join(f"{short.get(k, k)}={v}" for k, v in settings.items())


def fit_one(dataset, split, settings, X, Y, rows):
    """Fit one net (1 torch thread) and score it on the selection and test rows."""
    torch.set_num_threads(1)
    fit, select, test = rows
    with threadpool_limits(1):
        if dataset == "tox21":
            net = MultiTaskNetClassifier(random_state=split, verbose=0, **settings)
            model = net
        else:
            net = MultiTaskNetRegressor(random_state=split, verbose=0, **settings)
            model = make_pipeline(StandardScaler(), net)
        start = time.perf_counter()
        model.fit(X[fit], Y[fit])
        seconds = time.perf_counter() - start
        if dataset == "tox21":

            def score(r):
                return multitask_roc_auc_score(Y[r], model.predict_proba(X[r]))

        else:

            def score(r):
                return normalized_mean_squared_error(Y[r], model.predict(X[r]))

        return {
            "dataset": dataset,
            "split": split,
            "settings": describe(settings),
            "selection": score(select),
            "test": score(test),
            "epochs": net.n_iter_,
            "best_epoch": net.best_epoch_,
            "fit_seconds": round(seconds, 2),
        }


def tox21_jobs(data_home, n_splits):
    bunch = load_tox21(data_home=data_home)
    X = np.asarray(bunch.data, dtype=np.float32)
    Y = np.asarray(bunch.target, dtype=float)
    for split in range(n_splits):
        rest, test = train_test_split(
            np.arange(len(X)), test_size=0.2, random_state=split
        )
        fit, select = train_test_split(rest, test_size=0.2, random_state=split)
        for settings in [{}, *GRID["tox21"]]:
            yield ("tox21", split, settings, X, Y, (fit, select, test))


def sarcos_jobs(data_home, n_seeds):
    bunch = load_sarcos(data_home=data_home)
    X = np.asarray(bunch.data, dtype=np.float32)
    Y = np.asarray(bunch.target, dtype=float)
    rows = (bunch.train_indices, bunch.val_indices, bunch.test_indices)
    for seed in range(n_seeds):
        for settings in [{}, *GRID["sarcos"]]:
            yield ("sarcos", seed, settings, X, Y, rows)


def summarize(results):
    """Mean over splits/seeds per (dataset, settings), as markdown."""
    lines = [
        "# Defaults of the multi-task nets",
        "",
        "Command: `python benchmarks/net_defaults.py`. Every net: the "
        "constructor's defaults plus the settings shown, early stopping on "
        "(20% of the rows it is given, patience 10, best epoch restored), "
        "max_epochs=200. Chosen on the selection rows only; test for "
        "information. Tox21: ROC-AUC (higher is better), 3 splits; SARCOS: "
        "nMSE (lower is better), seeds as in `n`, inputs standardized. Times: "
        "wall-clock seconds of fit, 1 torch thread, 2 fits in parallel on a "
        "shared 2-core machine.",
        "",
        "| dataset | settings | selection | test | epochs | best epoch | fit (s) | n |",
        "|---|---|---|---|---|---|---|---|",
    ]
    keys = sorted({(r["dataset"], r["settings"]) for r in results})
    for dataset, settings in keys:
        group = [
            r for r in results if r["dataset"] == dataset and r["settings"] == settings
        ]

        def mean(key, group=group):
            return np.mean([r[key] for r in group])

        lines.append(
            f"| {dataset} | {settings} | {mean('selection'):.4f} | "
            f"{mean('test'):.4f} | {mean('epochs'):.1f} | {mean('best_epoch'):.1f} | "
            f"{mean('fit_seconds'):.1f} | {len(group)} |"
        )
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default="../shared/data")
    parser.add_argument("--datasets", nargs="+", default=["tox21", "sarcos"])
    parser.add_argument("--n-splits", type=int, default=3)
    parser.add_argument("--n-seeds", type=int, default=1)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--out", default=str(RESULTS / "net_defaults"))
    args = parser.parse_args(argv)
    jobs = []
    if "tox21" in args.datasets:
        jobs += list(tox21_jobs(args.data_home, args.n_splits))
    if "sarcos" in args.datasets:
        jobs += list(sarcos_jobs(args.data_home, args.n_seeds))
    start = time.perf_counter()
    out = Path(args.out)
    results = []
    # Rows are written as the fits end, so that a run cut short keeps them.
    with open(out.with_suffix(".csv"), "w", newline="") as f:
        writer = None
        for row in Parallel(
            n_jobs=args.n_jobs, verbose=5, return_as="generator_unordered"
        )(delayed(fit_one)(*job) for job in jobs):
            if writer is None:
                writer = csv.DictWriter(f, fieldnames=list(row))
                writer.writeheader()
            writer.writerow(row)
            f.flush()
            results.append(row)
            out.with_suffix(".md").write_text(summarize(results))
    print(f"total {time.perf_counter() - start:.0f} s")
    print(summarize(results))


if __name__ == "__main__":
    main()
