"""School: independent and pooled ridge baselines on the 10 fixed splits.

For each fixed 75/25 split (within each school), ridge's alpha is tuned by
``GridSearchCV`` on the training rows only, with a shuffled, task-aware 5-fold
inner cross-validation (``MultiTaskStratifiedKFold``: every school in every
training fold and spread evenly over the test folds; plain shuffled
``KFold`` leaves some schools with one or two test rows, whose R^2 is so noisy
that it picks a far too strong penalty on some splits). The test rows are
scored with the pooled explained variance (the figure of the multi-task
literature for School) and the mean per-task R^2.
The script also checks that ``GridSearchCV.score``, ``multitask_r2_score`` and
a hand computation of the mean per-task R^2 agree, and that
``pooled_explained_variance_score`` matches its hand computation.

Run from the repository root::

    python benchmarks/school_baselines.py [--data-home ../shared/data]

Results go to ``benchmarks/results/school_baselines.csv`` (one row per model
and split) and ``benchmarks/results/school_baselines.md`` (the summary table).
"""

import argparse
import csv
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_mtl.baselines import IndependentTaskRegressor, PooledTaskRegressor
from sklearn_mtl.datasets import load_school
from sklearn_mtl.metrics import multitask_r2_score, pooled_explained_variance_score
from sklearn_mtl.model_selection import MultiTaskStratifiedKFold

RESULTS = Path(__file__).resolve().parent / "results"
ALPHAS = np.logspace(-2, 4, 13)


def models():
    """The tuned baselines, by name."""
    return {
        "independent ridge": make_pipeline(
            StandardScaler(), IndependentTaskRegressor(Ridge())
        ),
        "pooled ridge": make_pipeline(StandardScaler(), PooledTaskRegressor(Ridge())),
        "pooled ridge + task indicator": make_pipeline(
            StandardScaler(), PooledTaskRegressor(Ridge(), add_task_indicator=True)
        ),
    }


def mean_task_r2_by_hand(Y_true, Y_pred):
    """Mean over tasks of 1 - SSE/SST on each task's observed rows."""
    values = []
    for t in range(Y_true.shape[1]):
        rows = ~np.isnan(Y_true[:, t])
        y, p = Y_true[rows, t], Y_pred[rows, t]
        values.append(1.0 - np.sum((y - p) ** 2) / np.sum((y - y.mean()) ** 2))
    return float(np.mean(values))


def pooled_ev_by_hand(Y_true, Y_pred):
    """1 - MSE / Var over all observed labels pooled."""
    observed = ~np.isnan(Y_true)
    y, p = Y_true[observed], Y_pred[observed]
    return float(1.0 - np.mean((y - p) ** 2) / np.var(y))


def evaluate(name, model, X, Y, train, test):
    """Tune, fit and score one model on one split; check the metrics agree."""
    step = model.steps[-1][0]
    search = GridSearchCV(
        model,
        {f"{step}__estimator__alpha": ALPHAS},
        cv=MultiTaskStratifiedKFold(5, shuffle=True, random_state=0),
    )
    start = time.perf_counter()
    search.fit(X[train], Y[train])
    seconds = time.perf_counter() - start
    Y_test = Y[test]
    Y_pred = search.predict(X[test])
    r2_score = search.score(X[test], Y_test)
    r2_metric = multitask_r2_score(Y_test, Y_pred)
    r2_hand = mean_task_r2_by_hand(Y_test, Y_pred)
    ev_metric = pooled_explained_variance_score(Y_test, Y_pred)
    ev_hand = pooled_ev_by_hand(Y_test, Y_pred)
    assert abs(r2_score - r2_metric) < 1e-9 and abs(r2_metric - r2_hand) < 1e-9
    assert abs(ev_metric - ev_hand) < 1e-9
    return {
        "model": name,
        "alpha": search.best_params_[f"{step}__estimator__alpha"],
        "pooled_ev_pct": 100 * ev_metric,
        "mean_task_r2": r2_metric,
        "fit_seconds": seconds,
    }


def summary_table(rows):
    """Markdown table: mean and sd over splits of each model's figures."""
    lines = [
        "| model | pooled explained variance (%) | mean per-task R^2 | fit time (s) |",
        "|---|---|---|---|",
    ]
    for name in dict.fromkeys(row["model"] for row in rows):
        ev = np.array([row["pooled_ev_pct"] for row in rows if row["model"] == name])
        r2 = np.array([row["mean_task_r2"] for row in rows if row["model"] == name])
        seconds = np.mean([row["fit_seconds"] for row in rows if row["model"] == name])
        lines.append(
            f"| {name} | {ev.mean():.2f} +- {ev.std(ddof=1):.2f} | "
            f"{r2.mean():.4f} +- {r2.std(ddof=1):.4f} | {seconds:.1f} |"
        )
    return "\n".join(lines)


def main(argv=None):
    """Run every model on every split and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--n-splits", type=int, default=10)
    args = parser.parse_args(argv)
    school = load_school(data_home=args.data_home)
    X, Y = school.data, school.target
    rows = []
    for split, (train, test) in enumerate(school.splits[: args.n_splits], start=1):
        for name, model in models().items():
            row = {"split": split, **evaluate(name, model, X, Y, train, test)}
            print(row, flush=True)
            rows.append(row)
    RESULTS.mkdir(exist_ok=True)
    with open(RESULTS / "school_baselines.csv", "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    table = summary_table(rows)
    (RESULTS / "school_baselines.md").write_text(table + "\n")
    print(table)


if __name__ == "__main__":
    main()
