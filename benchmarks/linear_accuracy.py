"""Accuracy of the multi-task linear models against independent and pooled baselines.

Three real data sets (from ``../shared/data``), each model tuned by
``GridSearchCV`` on the training rows only, with a shuffled, task-aware inner
cross-validation (``MultiTaskStratifiedKFold``: every task in every training
fold; for Landmine each class of each task spread over the folds too) and a
mask-aware scorer from ``make_multitask_scorer``:

* School (139 schools): the 10 fixed 75/25 splits of the literature; metric
  the pooled explained variance (in %) of the test rows.
* Computer survey (190 respondents): train on profiles 0-7, test on profiles
  16-19 of every respondent; metric the RMSE over all test labels pooled (and
  the mean over respondents of each one's RMSE).
* Landmine (29 fields, binary): 20% and 50% of each field for training
  (stratified within the field), repeated over random splits; metric the mean
  over fields of the ROC AUC of the held-out rows.

Run from the repository root::

    python benchmarks/linear_accuracy.py [--datasets school,computer,landmine]
        [--splits 10] [--landmine-repeats 5] [--landmine-repeats-50 3]
        [--data-home ../shared/data] [--n-jobs 2]

Results go to ``benchmarks/results/linear_accuracy.csv`` (one row per data
set, split and model) and ``benchmarks/results/linear_accuracy.md`` (the
summary tables).
"""

import argparse
import csv
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from sklearn_mtl.baselines import (
    IndependentTaskClassifier,
    IndependentTaskRegressor,
    PooledTaskClassifier,
    PooledTaskRegressor,
)
from sklearn_mtl.datasets import load_computer_survey, load_landmine, load_school
from sklearn_mtl.linear_model import (
    L21,
    Clustered,
    MeanRegularized,
    MultiTaskLinearClassifier,
    MultiTaskLinearRegressor,
    TraceNorm,
)
from sklearn_mtl.metrics import (
    make_multitask_scorer,
    multitask_mean_squared_error,
    multitask_roc_auc_score,
    pooled_explained_variance_score,
)
from sklearn_mtl.model_selection import MultiTaskStratifiedKFold

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
DATASETS = ("school", "computer", "landmine")
RIDGE_ALPHAS = np.logspace(-2, 4, 7)
LOGISTIC_CS = np.logspace(-3, 2, 6)
LANDMINE_FRACTIONS = (0.2, 0.5)
NOTES = """\
Every model's hyperparameters are chosen by GridSearchCV on the training rows
only, with a shuffled MultiTaskStratifiedKFold (3 folds for School and
Landmine, 4 for the computer survey) and a scorer from make_multitask_scorer
(pooled explained variance, mean per-task MSE, mean per-task ROC AUC). "fit
time" is the whole search (inner CV with n_jobs fits side by side, and the
refit), on a shared 2-core machine. "refit n_iter (max)" is the largest number
of solver iterations of the refitted model over the splits (- for the
scikit-learn baselines).

* School, computer survey: features standardized; the multi-task models are
  MultiTaskLinearRegressor(penalty, max_iter=1000, tol=1e-3) with
  fit_intercept=True; rows with n_iter 1000 did not reach the tolerance. The
  computer survey uses all 190 respondents of the data file.
* Landmine: features standardized; MultiTaskLinearClassifier(penalty,
  max_iter=500, tol=1e-3) with fit_intercept=True; rows with n_iter 500 did
  not reach the tolerance. Splits: 20% or 50% of each field for training,
  stratified within the field, seeds 1, 2, ...
* Penalty strengths: the datafits divide by m, the mean number of labels per
  task, which is n / T on these data sets (each row belongs to one task), so
  a strength here is T times the one that gives the same fit with a datafit
  divided by n (T = 139 schools, 190 respondents, 29 fields). The grids are
  those of earlier runs (divided by n) times T, rounded, and widened where
  the inner CV chose an end of the earlier grid (Landmine's
  MeanRegularized).
"""


def final_step(estimator):
    while hasattr(estimator, "steps"):
        estimator = estimator.steps[-1][1]
    return estimator


def n_iter_scorer(estimator, X, y):
    """Iterations of the solver of a fitted model (a "scorer" to record them)."""
    return float(getattr(final_step(estimator), "n_iter_", np.nan))


def regressor(penalty):
    return make_pipeline(
        StandardScaler(), MultiTaskLinearRegressor(penalty, max_iter=1000, tol=1e-3)
    )


def regression_baselines():
    """(name, model, grid) of the ridge baselines."""
    return [
        (
            "independent ridge",
            make_pipeline(StandardScaler(), IndependentTaskRegressor(Ridge())),
            {"independenttaskregressor__estimator__alpha": RIDGE_ALPHAS},
        ),
        (
            "pooled ridge",
            make_pipeline(StandardScaler(), PooledTaskRegressor(Ridge())),
            {"pooledtaskregressor__estimator__alpha": RIDGE_ALPHAS},
        ),
        (
            "pooled ridge + task indicator",
            make_pipeline(
                StandardScaler(),
                PooledTaskRegressor(Ridge(), add_task_indicator=True),
            ),
            {"pooledtaskregressor__estimator__alpha": RIDGE_ALPHAS},
        ),
    ]


PENALTY = "multitasklinearregressor__penalty__"


def school_models():
    # Strengths in units of m = n / 139 (see NOTES): 139 times those of a
    # datafit divided by n (0.03-0.3 and 0.05-0.2 in earlier runs).
    return [
        *regression_baselines(),
        (
            "MeanRegularized",
            regressor(MeanRegularized()),
            {PENALTY + "alpha": [4.0, 8.0, 14.0, 25.0, 40.0]},
        ),
        (
            "TraceNorm",
            regressor(TraceNorm()),
            {PENALTY + "alpha": [7.0, 10.0, 14.0, 20.0, 28.0]},
        ),
    ]


def computer_models():
    # Strengths in units of m = n / 190 (see NOTES): 190 times those of a
    # datafit divided by n.
    return [
        *regression_baselines(),
        (
            "MeanRegularized",
            regressor(MeanRegularized()),
            {
                PENALTY + "alpha": [0.6, 2.0, 6.0, 20.0, 60.0],
                PENALTY + "beta": [0.0, 0.02, 0.2],
            },
        ),
        (
            "TraceNorm",
            regressor(TraceNorm()),
            {PENALTY + "alpha": [0.6, 2.0, 4.0, 6.0, 10.0, 20.0]},
        ),
        (
            "L21",
            regressor(L21()),
            {PENALTY + "alpha": [0.2, 0.6, 2.0, 6.0, 20.0]},
        ),
        (
            "Clustered",
            regressor(Clustered()),
            {
                PENALTY + "alpha": [190.0],
                PENALTY + "beta": [0.2, 0.6, 2.0],
                PENALTY + "n_clusters": [1, 2],
            },
        ),
    ]


CLF = "multitasklinearclassifier__penalty__"


def landmine_models():
    def mtl(penalty):
        return make_pipeline(
            StandardScaler(),
            MultiTaskLinearClassifier(penalty, max_iter=500, tol=1e-3),
        )

    return [
        (
            "independent logistic",
            make_pipeline(
                StandardScaler(),
                IndependentTaskClassifier(LogisticRegression(max_iter=1000)),
            ),
            {"independenttaskclassifier__estimator__C": LOGISTIC_CS},
        ),
        (
            "pooled logistic",
            make_pipeline(
                StandardScaler(),
                PooledTaskClassifier(LogisticRegression(max_iter=1000)),
            ),
            {"pooledtaskclassifier__estimator__C": LOGISTIC_CS},
        ),
        (
            "pooled logistic + task indicator",
            make_pipeline(
                StandardScaler(),
                PooledTaskClassifier(
                    LogisticRegression(max_iter=1000), add_task_indicator=True
                ),
            ),
            {"pooledtaskclassifier__estimator__C": LOGISTIC_CS},
        ),
        # Strengths in units of m = n / 29 (see NOTES): 29 times those of a
        # datafit divided by n; MeanRegularized's grid reaches lower than
        # the earlier one, whose lowest values the inner CV chose.
        ("L21", mtl(L21()), {CLF + "alpha": [0.01, 0.03, 0.1, 0.3]}),
        ("TraceNorm", mtl(TraceNorm()), {CLF + "alpha": [0.03, 0.1, 0.3]}),
        (
            "MeanRegularized",
            mtl(MeanRegularized()),
            {
                CLF + "alpha": [0.03, 0.1, 0.3, 1.0],
                CLF + "beta": [3e-4, 3e-3, 3e-2, 0.3],
            },
        ),
    ]


def tune(model, grid, X, Y, cv, scoring, n_jobs):
    """GridSearchCV on the training rows; also records the solver iterations."""
    search = GridSearchCV(
        model,
        grid,
        cv=cv,
        scoring={"score": scoring, "n_iter": n_iter_scorer},
        refit="score",
        n_jobs=n_jobs,
    )
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        search.fit(X, Y)
    seconds = time.perf_counter() - start
    chosen = {key.split("__")[-1]: value for key, value in search.best_params_.items()}
    inner_iters = np.array(
        [search.cv_results_[f"split{k}_test_n_iter"] for k in range(cv.get_n_splits())]
    )
    info = {
        "params": " ".join(f"{k}={v:g}" for k, v in chosen.items()),
        "fit_seconds": seconds,
        "refit_seconds": search.refit_time_,
        "n_iter": n_iter_scorer(search.best_estimator_, None, None),
        "max_inner_n_iter": float(np.nanmax(inner_iters))
        if np.any(np.isfinite(inner_iters))
        else np.nan,
        "convergence_warnings": sum(
            issubclass(w.category, ConvergenceWarning) for w in caught
        ),
    }
    return search, info


def mean_task_rmse(Y_true, Y_pred):
    mse = multitask_mean_squared_error(Y_true, Y_pred, multioutput="raw_values")
    return float(np.mean(np.sqrt(mse)))


def pooled_rmse(Y_true, Y_pred):
    observed = ~np.isnan(Y_true)
    return float(np.sqrt(np.mean((Y_true[observed] - Y_pred[observed]) ** 2)))


def run_school(args, rows):
    school = load_school(data_home=args.data_home)
    X, Y = school.data, school.target
    scoring = make_multitask_scorer("pooled_explained_variance")
    for split, (train, test) in enumerate(school.splits[: args.splits], start=1):
        cv = MultiTaskStratifiedKFold(3, shuffle=True, random_state=split)
        for name, model, grid in school_models():
            search, info = tune(
                model, grid, X[train], Y[train], cv, scoring, args.n_jobs
            )
            Y_pred = search.predict(X[test])
            ev = 100 * pooled_explained_variance_score(Y[test], Y_pred)
            emit(rows, "school", f"fixed split {split}", name, "pooled EV %", ev, info)


def run_computer(args, rows):
    survey = load_computer_survey(data_home=args.data_home)
    X, Y, profile = survey.data, survey.target, survey.profile
    train, test = np.flatnonzero(profile < 8), np.flatnonzero(profile >= 16)
    scoring = make_multitask_scorer("neg_mean_squared_error")
    cv = MultiTaskStratifiedKFold(4, shuffle=True, random_state=0)
    for name, model, grid in computer_models():
        search, info = tune(model, grid, X[train], Y[train], cv, scoring, args.n_jobs)
        Y_pred = search.predict(X[test])
        split = "profiles 0-7 / 16-19"
        emit(
            rows,
            "computer",
            split,
            name,
            "RMSE pooled",
            pooled_rmse(Y[test], Y_pred),
            info,
        )
        rows[-1]["mean_task_rmse"] = mean_task_rmse(Y[test], Y_pred)


def landmine_split(task, y, fraction, seed):
    """Training and test rows: ``fraction`` of each task, stratified on y."""
    train, test = [], []
    for t in np.unique(task):
        rows = np.flatnonzero(task == t)
        a, b = train_test_split(
            rows, train_size=fraction, stratify=y[rows], random_state=seed
        )
        train.append(a)
        test.append(b)
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def run_landmine(args, rows):
    landmine = load_landmine(data_home=args.data_home)
    X, Y = landmine.data, landmine.target
    scoring = make_multitask_scorer("roc_auc")
    repeats = {0.2: args.landmine_repeats, 0.5: args.landmine_repeats_50}
    for fraction in LANDMINE_FRACTIONS:
        for rep in range(1, repeats[fraction] + 1):
            train, test = landmine_split(landmine.task, landmine.y, fraction, rep)
            cv = MultiTaskStratifiedKFold(3, shuffle=True, random_state=rep)
            for name, model, grid in landmine_models():
                search, info = tune(
                    model, grid, X[train], Y[train], cv, scoring, args.n_jobs
                )
                auc = multitask_roc_auc_score(Y[test], search.predict_proba(X[test]))
                split = f"{fraction:.0%} train, repeat {rep}"
                emit(
                    rows, f"landmine {fraction:.0%}", split, name, "mean AUC", auc, info
                )


def emit(rows, dataset, split, model, metric, value, info):
    row = {
        "dataset": dataset,
        "split": split,
        "model": model,
        "metric": metric,
        "value": value,
        "mean_task_rmse": np.nan,
        **info,
    }
    rows.append(row)
    print(
        f"{dataset} | {split} | {model}: {metric} {value:.4f} [{row['params']}] "
        f"{row['fit_seconds']:.1f}s n_iter {row['n_iter']:g} "
        f"max inner n_iter {row['max_inner_n_iter']:g}",
        flush=True,
    )


def summary(rows):
    """Markdown tables, one per data set: mean +- sd over splits."""
    lines = []
    for dataset in dict.fromkeys(row["dataset"] for row in rows):
        subset = [row for row in rows if row["dataset"] == dataset]
        n_splits = len({row["split"] for row in subset})
        metric = subset[0]["metric"]
        extra = dataset == "computer"
        lines += [
            f"### {dataset} ({n_splits} split{'s' * (n_splits > 1)}, {metric})",
            "",
            f"| model | {metric} |"
            + (" mean per-task RMSE |" if extra else "")
            + " chosen (most frequent) | fit time (s) | refit n_iter (max) |",
            "|---|---|" + ("---|" if extra else "") + "---|---|---|",
        ]
        for model in dict.fromkeys(row["model"] for row in subset):
            mine = [row for row in subset if row["model"] == model]
            values = np.array([row["value"] for row in mine])
            cell = f"{values.mean():.4f}"
            if len(values) > 1:
                cell += f" +- {values.std(ddof=1):.4f}"
            params, count = Counter(row["params"] for row in mine).most_common(1)[0]
            iters = [row["n_iter"] for row in mine]
            line = f"| {model} | {cell} |"
            if extra:
                line += f" {np.mean([row['mean_task_rmse'] for row in mine]):.4f} |"
            line += (
                f" {params} ({count}/{len(mine)}) |"
                f" {np.mean([row['fit_seconds'] for row in mine]):.1f} |"
                f" {'-' if np.all(np.isnan(iters)) else f'{np.nanmax(iters):g}'} |"
            )
            lines.append(line)
        lines.append("")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument(
        "--splits", type=int, default=10, help="number of School fixed splits"
    )
    parser.add_argument(
        "--landmine-repeats", type=int, default=5, help="random splits at 20%%"
    )
    parser.add_argument(
        "--landmine-repeats-50", type=int, default=3, help="random splits at 50%%"
    )
    parser.add_argument("--data-home", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--output-prefix", default="linear_accuracy")
    args = parser.parse_args(argv)
    datasets = args.datasets.split(",")
    unknown = set(datasets) - set(DATASETS)
    if unknown:
        parser.error(f"unknown data sets {sorted(unknown)}; choose from {DATASETS}")
    runners = {"computer": run_computer, "landmine": run_landmine, "school": run_school}
    rows = []
    start = time.perf_counter()
    # One BLAS thread: the grid search runs n_jobs fits side by side, and
    # multithreaded BLAS on a loaded 2-core machine is many times slower.
    with threadpool_limits(1):
        for dataset in ("computer", "landmine", "school"):
            if dataset in datasets:
                runners[dataset](args, rows)
                write(rows, args, argv, time.perf_counter() - start)
    print(summary(rows))
    print(f"total {time.perf_counter() - start:.0f} s")


def write(rows, args, argv, total):
    """Write the CSV and the markdown summary of the rows so far."""
    RESULTS.mkdir(exist_ok=True)
    with open(RESULTS / f"{args.output_prefix}.csv", "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    command = "python benchmarks/linear_accuracy.py " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    header = (
        "# Accuracy of the multi-task linear models\n\n"
        f"Command: `{command.strip()}` (total {total / 60:.1f} min).\n\n"
    )
    (RESULTS / f"{args.output_prefix}.md").write_text(
        header + NOTES + "\n" + summary(rows)
    )


if __name__ == "__main__":
    main()
