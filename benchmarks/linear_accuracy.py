"""Accuracy of the multi-task linear models against independent and pooled baselines.

Three real data sets (from ``../shared/data``), each model tuned by
``GridSearchCV`` on the training rows only, with a shuffled, task-aware inner
cross-validation (``MultiTaskStratifiedKFold``: every task in every training
fold; for Landmine each class of each task spread over the folds too) and a
mask-aware scorer from ``make_multitask_scorer``:

* School (139 schools): the 10 fixed 75/25 splits within each school of the
  literature (Evgeniou & Pontil; Argyriou et al., 2008); metric the pooled
  explained variance (in %) of the test rows.
* Computer survey (190 respondents, 20 profiles each): the protocol of
  Argyriou et al. (2008), after Lenk et al. (1996): train on the first 8
  profiles (0-7) of every respondent, test on the last 4 (16-19), the
  holdout profiles of the survey; also with Lenk et al.'s full calibration
  design, profiles 0-15, for training. Metrics: the RMSE averaged over
  respondents (the literature's) and the RMSE over all test labels pooled.
* Landmine (29 fields, binary): 20% and 50% of each field for training
  (stratified within the field), repeated over random splits; metric the mean
  over fields of the ROC AUC of the held-out rows. The feature transformation
  (standardization or a Yeo-Johnson power transform) is chosen by the inner
  cross-validation with the other hyperparameters.

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
from numbers import Number
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import PowerTransformer, StandardScaler
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
    GraphLaplacian,
    MeanRegularized,
    MultiTaskLinearClassifier,
    MultiTaskLinearRegressor,
    TaskRelationship,
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
LOGISTIC_CS = np.logspace(-5, 2, 8)
LANDMINE_FRACTIONS = (0.2, 0.5)
# Columns of School's features that describe the school, not the student
# (free-meal and verbal-reasoning percentages, school gender, denomination).
SCHOOL_DESCRIPTORS = [3, 4, 21, 22, 23, 24, 25, 26]
# Computer survey protocols: (name, number of training profiles); the test
# profiles are always 16-19, the survey's holdout profiles.
COMPUTER_PROTOCOLS = (("computer, 8 profiles", 8), ("computer, 16 profiles", 16))
NOTES = """\
Every model's hyperparameters are chosen by GridSearchCV on the training rows
only, with a shuffled MultiTaskStratifiedKFold (3 folds for School and
Landmine, 4 for the computer survey) and a scorer from make_multitask_scorer
(pooled explained variance, mean per-task MSE, mean per-task ROC AUC). "fit
time" is the whole search (inner CV with n_jobs fits side by side, and the
refit), on a shared 2-core machine. "refit n_iter (max)" is the largest number
of solver iterations of the refitted model over the splits (- for the
scikit-learn baselines). "chosen" is the most frequent choice of the inner
CV over the splits.

* School: the 10 fixed 75/25 splits within each school; the 27 features of
  the data file (categorical attributes one-hot, percentages), standardized,
  and per-task intercepts. The multi-task models are
  MultiTaskLinearRegressor(penalty, max_iter=1000, tol=1e-3) with
  fit_intercept=True. GraphLaplacian's task graph is built from the school
  descriptors alone (features, no scores): Gaussian similarities
  exp(-gamma d^2) of the standardized descriptors of two schools, gamma the
  inverse of the median d^2, scaled to a mean weight of 1.
* Computer survey: all 190 respondents of the data file (the literature used
  180; the file does not say which 10 to drop). Training on profiles 0-7
  (Argyriou et al., 2008, whose linear multi-task feature learning reaches an
  RMSE averaged over respondents of 1.93) or 0-15 (Lenk et al.'s full
  calibration design); test on profiles 16-19. The bias column is dropped
  (per-task intercepts instead) and the -1/+1 attributes standardized.
  "RMSE pooled" is over all test labels; "mean per-task RMSE", the RMSE of
  each respondent averaged over respondents, is the literature's metric.
* Landmine: MultiTaskLinearClassifier(penalty, max_iter=500, tol=1e-3) with
  fit_intercept=True; "scale" is the feature transformation the inner CV
  chose for every model: StandardScaler or PowerTransformer (Yeo-Johnson,
  then standardized; the 9 features are strongly right-skewed, skewness 2 to
  21). Splits: 20% or 50% of each field for training, stratified within the
  field, seeds 1, 2, ...
* Penalty strengths: the datafits divide by m, the mean number of labels per
  task, which is n / T on these data sets (each row belongs to one task).
  The grids are log-spaced around the values the inner CV chose in earlier
  runs, and widened where it chose an end.
"""


def final_step(estimator):
    while hasattr(estimator, "steps"):
        estimator = estimator.steps[-1][1]
    return estimator


def n_iter_scorer(estimator, X, y):
    """Iterations of the solver of a fitted model (a "scorer" to record them)."""
    return float(getattr(final_step(estimator), "n_iter_", np.nan))


def stopped_scorer(estimator, X, y):
    """1 if the solver stopped at ``max_iter`` (a "scorer": it runs in the
    grid search's workers, whose warnings do not reach the caller)."""
    model = final_step(estimator)
    n_iter, max_iter = getattr(model, "n_iter_", None), getattr(model, "max_iter", None)
    if n_iter is None or max_iter is None:
        return 0.0
    return float(n_iter >= max_iter)


def pipeline(model, scale=None):
    """``scale`` (a standardization by default), then ``model``."""
    return Pipeline(
        [("scale", StandardScaler() if scale is None else scale), ("model", model)]
    )


def regressor(penalty):
    return pipeline(MultiTaskLinearRegressor(penalty, max_iter=1000, tol=1e-3))


def regression_baselines():
    """(name, model, grid) of the ridge baselines."""
    return [
        (
            "independent ridge",
            pipeline(IndependentTaskRegressor(Ridge())),
            {"model__estimator__alpha": RIDGE_ALPHAS},
        ),
        (
            "pooled ridge",
            pipeline(PooledTaskRegressor(Ridge())),
            {"model__estimator__alpha": RIDGE_ALPHAS},
        ),
        (
            "pooled ridge + task indicator",
            pipeline(PooledTaskRegressor(Ridge(), add_task_indicator=True)),
            {"model__estimator__alpha": RIDGE_ALPHAS},
        ),
    ]


PENALTY = "model__penalty__"


def descriptor_graph(descriptors):
    """Gaussian task similarities from task descriptors, mean weight 1.

    ``exp(-gamma * d^2)`` between the standardized descriptor vectors of two
    tasks, ``gamma`` the inverse of the median ``d^2`` over pairs, scaled so
    that the mean off-diagonal weight is 1 (the complete graph's).
    """
    scale = descriptors.std(axis=0)
    Z = (descriptors - descriptors.mean(axis=0)) / np.where(scale > 0, scale, 1.0)
    squared = ((Z[:, None, :] - Z[None, :, :]) ** 2).sum(axis=-1)
    off_diagonal = ~np.eye(len(Z), dtype=bool)
    adjacency = np.exp(-squared / np.median(squared[off_diagonal]))
    adjacency[~off_diagonal] = 0.0
    return adjacency / adjacency[off_diagonal].mean()


def school_models(adjacency):
    # Strengths in units of m = n / 139 (see NOTES). GraphLaplacian's graph
    # has mean weight 1, so its alpha is comparable to MeanRegularized's
    # divided by the number of tasks (the complete graph's Laplacian is
    # n_tasks times the centering matrix).
    mean_regularized = [2.0, 4.0, 8.0, 16.0, 32.0]
    return [
        *regression_baselines(),
        (
            "MeanRegularized",
            regressor(MeanRegularized()),
            {PENALTY + "alpha": mean_regularized},
        ),
        (
            "GraphLaplacian (descriptor graph)",
            regressor(GraphLaplacian(adjacency=adjacency)),
            {PENALTY + "alpha": [a / 139 for a in mean_regularized]},
        ),
        (
            "TraceNorm",
            regressor(TraceNorm()),
            {PENALTY + "alpha": [5.0, 7.0, 10.0, 14.0, 20.0, 28.0]},
        ),
        (
            "TaskRelationship",
            regressor(TaskRelationship()),
            {PENALTY + "alpha": [0.01, 0.03, 0.1, 0.3]},
        ),
    ]


def computer_models():
    # Strengths in units of m = n / 190 (see NOTES).
    return [
        *regression_baselines(),
        (
            "MeanRegularized",
            regressor(MeanRegularized()),
            {
                PENALTY + "alpha": [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0],
                PENALTY + "beta": [0.0, 0.02],
            },
        ),
        (
            "TraceNorm",
            regressor(TraceNorm()),
            {PENALTY + "alpha": [1.0, 2.0, 4.0, 8.0, 16.0]},
        ),
        (
            "L21",
            regressor(L21()),
            {PENALTY + "alpha": [0.5, 1.0, 2.0, 4.0, 8.0, 16.0]},
        ),
        (
            "TaskRelationship",
            regressor(TaskRelationship()),
            {PENALTY + "alpha": [0.025, 0.05, 0.1, 0.2, 0.4, 0.8]},
        ),
        (
            "Clustered",
            regressor(Clustered()),
            {
                PENALTY + "alpha": [190.0],
                PENALTY + "beta": [0.1, 0.2, 0.4],
                PENALTY + "n_clusters": [1, 2],
            },
        ),
    ]


# Landmine: the inner CV chooses the feature transformation of every model.
SCALES = {"scale": [StandardScaler(), PowerTransformer()]}


def landmine_models():
    def mtl(penalty):
        return pipeline(MultiTaskLinearClassifier(penalty, max_iter=500, tol=1e-3))

    logistic = LogisticRegression(max_iter=1000)
    return [
        (
            "independent logistic",
            pipeline(IndependentTaskClassifier(logistic)),
            {**SCALES, "model__estimator__C": LOGISTIC_CS},
        ),
        (
            "pooled logistic",
            pipeline(PooledTaskClassifier(logistic)),
            {**SCALES, "model__estimator__C": LOGISTIC_CS},
        ),
        (
            "pooled logistic + task indicator",
            pipeline(PooledTaskClassifier(logistic, add_task_indicator=True)),
            {**SCALES, "model__estimator__C": LOGISTIC_CS},
        ),
        # Strengths in units of m = n / 29 (see NOTES).
        ("L21", mtl(L21()), {**SCALES, PENALTY + "alpha": [0.05, 0.1, 0.2, 0.4]}),
        (
            "TraceNorm",
            mtl(TraceNorm()),
            {**SCALES, PENALTY + "alpha": [0.05, 0.1, 0.2, 0.4]},
        ),
        (
            "MeanRegularized",
            mtl(MeanRegularized()),
            {
                **SCALES,
                PENALTY + "alpha": [0.1, 0.3, 1.0],
                PENALTY + "beta": [1e-4, 1e-3, 1e-2],
            },
        ),
    ]


def describe(value):
    """A short text for a chosen hyperparameter value."""
    if isinstance(value, Number):
        return f"{value:g}"
    return type(value).__name__


def tune(model, grid, X, Y, cv, scoring, n_jobs):
    """GridSearchCV on the training rows; also records the solver iterations."""
    search = GridSearchCV(
        model,
        grid,
        cv=cv,
        scoring={"score": scoring, "n_iter": n_iter_scorer, "stopped": stopped_scorer},
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
        "params": " ".join(f"{k}={describe(v)}" for k, v in chosen.items()),
        "fit_seconds": seconds,
        "refit_seconds": search.refit_time_,
        "n_iter": n_iter_scorer(search.best_estimator_, None, None),
        "max_inner_n_iter": float(np.nanmax(inner_iters))
        if np.any(np.isfinite(inner_iters))
        else np.nan,
        # The refit's warnings are caught here; the inner fits' (in workers)
        # are counted by the "stopped" scorer.
        "convergence_warnings": sum(
            issubclass(w.category, ConvergenceWarning) for w in caught
        )
        + int(
            sum(
                np.sum(search.cv_results_[f"split{k}_test_stopped"])
                for k in range(cv.get_n_splits())
            )
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
    # The constant bias column is left out: every model fits intercepts.
    X, Y, task = school.data[:, :-1], school.target, school.task
    scoring = make_multitask_scorer("pooled_explained_variance")
    for split, (train, test) in enumerate(school.splits[: args.splits], start=1):
        cv = MultiTaskStratifiedKFold(3, shuffle=True, random_state=split)
        # One descriptor row per school, read from its training rows.
        descriptors = np.array(
            [
                X[train][task[train] == t][0, SCHOOL_DESCRIPTORS]
                for t in range(Y.shape[1])
            ]
        )
        for name, model, grid in school_models(descriptor_graph(descriptors)):
            search, info = tune(
                model, grid, X[train], Y[train], cv, scoring, args.n_jobs
            )
            Y_pred = search.predict(X[test])
            ev = 100 * pooled_explained_variance_score(Y[test], Y_pred)
            emit(rows, "school", f"fixed split {split}", name, "pooled EV %", ev, info)


def run_computer(args, rows):
    survey = load_computer_survey(data_home=args.data_home)
    # The bias column (the first) is left out: every model fits intercepts.
    X, Y, profile = survey.data[:, 1:], survey.target, survey.profile
    scoring = make_multitask_scorer("neg_mean_squared_error")
    test = np.flatnonzero(profile >= 16)
    for dataset, n_profiles in COMPUTER_PROTOCOLS:
        train = np.flatnonzero(profile < n_profiles)
        cv = MultiTaskStratifiedKFold(4, shuffle=True, random_state=0)
        split = f"profiles 0-{n_profiles - 1} / 16-19"
        for name, model, grid in computer_models():
            search, info = tune(
                model, grid, X[train], Y[train], cv, scoring, args.n_jobs
            )
            Y_pred = search.predict(X[test])
            emit(
                rows,
                dataset,
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
        splits = list(dict.fromkeys(row["split"] for row in subset))
        metric = subset[0]["metric"]
        extra = dataset.startswith("computer")
        title = f"{len(splits)} splits" if len(splits) > 1 else f"{splits[0]}"
        lines += [
            f"### {dataset} ({title}, {metric})",
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
