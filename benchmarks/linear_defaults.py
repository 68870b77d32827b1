"""Do the linear models converge with their default ``max_iter`` and ``tol``?

Every linear estimator of :mod:`sklearn_mtl.linear_model` is fitted with its
defaults, after a ``StandardScaler`` in a pipeline, on the real data sets of
the package (from ``../shared/data``) it applies to, and the script records
the solver's iterations, whether it converged (no ``ConvergenceWarning``),
the fit time and a test score:

* regression: School (139 tasks; the first of the ten fixed 75/25 splits),
  computer survey (190 tasks; profiles 0-15 for training, 16-19 for testing),
  SARCOS (7 tasks; the MTPL split, training rows 4,200 and test rows 1,400)
  and Parkinsons (2 tasks; patients split 75/25); score: mean per-task R^2 of
  the test rows;
* classification: Landmine (29 tasks; 75/25 within each field), Tox21 (12
  tasks) and ToxCast (617 tasks), 80/20 random splits; score: mean per-task
  ROC AUC of the test rows.

The estimators: the presets (``MultiTaskLasso()``, ``MultiTaskElasticNet()``,
``MultiTaskLassoCV()``, ``MultiTaskElasticNetCV()``,
``MultiTaskLogisticRegression()``) and the generic estimators with every
penalty at its defaults. The penalties' default strength (``alpha=1``) zeroes
every coefficient of a logistic model on these data (``alpha_max`` is below
0.5 with standardized features), so the classifiers get each penalty at the
strength of ``MultiTaskLinearClassifier()``'s default, ``alpha=0.01`` (and
``beta=0.01`` for Clustered, ``alpha_sparse=0.005`` for Dirty). A warning
other than a ``ConvergenceWarning`` (such as "every coefficient is zero") is
listed in the ``warnings`` column.

Run from the repository root::

    python benchmarks/linear_defaults.py [--datasets school,computer,...]
        [--data-home ../shared/data] [--full]

By default the run takes about 6 minutes on a shared 2-core machine: it
leaves out ToxCast (617 tasks: the logistic fits take tens of minutes each)
and, on Tox21, the classifiers solved by block coordinate descent other than
``MultiTaskLogisticRegression()`` (30 s to 5 min each; their one full run is
summarized in the notes of the table). ``--full`` runs everything. Results go
to ``benchmarks/results/linear_defaults.csv`` (one row per fit) and
``benchmarks/results/linear_defaults.md``.
"""

import argparse
import csv
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GroupShuffleSplit, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from sklearn_mtl.datasets import (
    load_computer_survey,
    load_landmine,
    load_parkinsons,
    load_sarcos,
    load_school,
    load_tox21,
    load_toxcast,
)
from sklearn_mtl.linear_model import (
    L1,
    L2,
    L21,
    Clustered,
    Dirty,
    GraphLaplacian,
    L21ElasticNet,
    MeanRegularized,
    MultiTaskElasticNet,
    MultiTaskElasticNetCV,
    MultiTaskLasso,
    MultiTaskLassoCV,
    MultiTaskLinearClassifier,
    MultiTaskLinearRegressor,
    MultiTaskLogisticRegression,
    TraceNorm,
)
from sklearn_mtl.metrics import multitask_r2_score, multitask_roc_auc_score

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
REGRESSION = ("school", "computer", "sarcos", "parkinsons")
CLASSIFICATION = ("landmine", "tox21", "toxcast")
#: The slowest fits, left out without --full.
SLOW = {
    ("tox21", "MultiTaskLinearClassifier()"),
    ("tox21", "MultiTaskLinearClassifier(L1(alpha=0.01))"),
    ("tox21", "MultiTaskLinearClassifier(L2(alpha=0.01))"),
    ("tox21", "MultiTaskLinearClassifier(L21ElasticNet(alpha=0.01))"),
    ("tox21", "MultiTaskLinearClassifier(Dirty(alpha_group=0.01, alpha_sparse=0.005))"),
}
SLOW_DATASETS = {"toxcast"}
#: What the one run with --full found for the fits left out by default.
MAX_ITER_NOTE = """\
The default max_iter of the linear estimators was 1000 before this
benchmark, and 3 of these fits did not converge with it: School
GraphLaplacian() needed 1,080 FISTA iterations, Landmine
MeanRegularized(0.01) 1,020, and MultiTaskLassoCV() on Parkinsons (features
with condition number 2.5e4) stopped one point of one fold's path at a
duality gap of 0.0228 > 0.0197, the tolerance, after 1,000 epochs (still
0.0201 > 0.0196 after 2,000). The default is now max_iter=5000 for every
linear estimator (tol unchanged, 1e-4); a fit that converges stops where it
did, so only fits that used to warn take longer.

The score column shows that the fits are sensible, not which model is best
(benchmarks/linear_accuracy.py compares tuned models): the mean per-task R2
is low or negative where a task has 4 test rows (computer survey) or the
test patients are new (Parkinsons), and the penalties' default strengths
are not tuned."""

FULL_RUN_NOTE = """One run with every Tox21 classifier (same machine, one BLAS thread):
MultiTaskLinearClassifier() 90 epochs in 32 s, L1(0.01) 110 epochs in 26 s,
L2(0.01) 90 in 62 s, L21ElasticNet(0.01) 90 in 53 s, Dirty(0.01, 0.005) 200
in 314 s, all without a ConvergenceWarning. ToxCast was not run (617 tasks;
its logistic fits take tens of minutes each)."""
FIELDS = [
    "dataset", "estimator", "n_tasks", "n_labels", "solver", "n_iter",
    "max_iter", "converged", "dual_gap", "fit_time_s", "metric", "score",
    "warnings",
]  # fmt: skip


def regressors():
    """(label, estimator) of every regressor with its defaults."""
    penalties = [
        L1(), L2(), L21(), L21ElasticNet(), Dirty(), TraceNorm(),
        MeanRegularized(), GraphLaplacian(), Clustered(),
    ]  # fmt: skip
    return [
        ("MultiTaskLasso()", MultiTaskLasso()),
        ("MultiTaskElasticNet()", MultiTaskElasticNet()),
        ("MultiTaskLassoCV()", MultiTaskLassoCV()),
        ("MultiTaskElasticNetCV()", MultiTaskElasticNetCV()),
        *[
            (
                f"MultiTaskLinearRegressor({penalty!r})",
                MultiTaskLinearRegressor(penalty),
            )
            for penalty in penalties
        ],
    ]


def classifiers():
    """(label, estimator) of every classifier: defaults, penalties at 0.01."""
    penalties = [
        L1(alpha=0.01), L2(alpha=0.01), L21ElasticNet(alpha=0.01),
        Dirty(alpha_group=0.01, alpha_sparse=0.005), TraceNorm(alpha=0.01),
        MeanRegularized(alpha=0.01), GraphLaplacian(alpha=0.01),
        Clustered(alpha=0.01, beta=0.01),
    ]  # fmt: skip
    return [
        ("MultiTaskLogisticRegression()", MultiTaskLogisticRegression()),
        ("MultiTaskLinearClassifier()", MultiTaskLinearClassifier()),
        *[
            (
                f"MultiTaskLinearClassifier({penalty!r})",
                MultiTaskLinearClassifier(penalty),
            )
            for penalty in penalties
        ],
    ]


def split_long(bunch, test_size, seed=0):
    """Rows split within each task (each row belongs to one task)."""
    rows = np.arange(bunch.data.shape[0])
    train, test = train_test_split(
        rows, test_size=test_size, random_state=seed, stratify=bunch.task
    )
    return train, test


def load(name, data_home):
    """``X``, ``Y``, train rows, test rows and the kind of task of a data set."""
    if name == "school":
        bunch = load_school(data_home)
        train, test = bunch.splits[0]
    elif name == "computer":
        bunch = load_computer_survey(data_home)
        train = np.flatnonzero(bunch.profile < 16)
        test = np.flatnonzero(bunch.profile >= 16)
    elif name == "sarcos":
        bunch = load_sarcos(data_home)
        train, test = bunch.train_indices, bunch.test_indices
    elif name == "parkinsons":
        bunch = load_parkinsons(data_home)
        splitter = GroupShuffleSplit(n_splits=1, test_size=0.25, random_state=0)
        train, test = next(splitter.split(bunch.data, groups=bunch.groups))
    elif name == "landmine":
        bunch = load_landmine(data_home)
        train, test = split_long(bunch, 0.25)
    elif name in ("tox21", "toxcast"):
        bunch = (load_tox21 if name == "tox21" else load_toxcast)(data_home)
        rows = np.arange(bunch.data.shape[0])
        train, test = train_test_split(rows, test_size=0.2, random_state=0)
    else:
        raise ValueError(f"Unknown data set {name!r}.")
    X = np.asarray(bunch.data, dtype=np.float64)
    kind = "regression" if name in REGRESSION else "classification"
    return X, np.asarray(bunch.target, dtype=np.float64), train, test, kind


def fit_one(dataset, label, estimator, X, Y, train, test, kind):
    """Fit one pipeline; return its row of the table."""
    model = make_pipeline(StandardScaler(), clone(estimator))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        model.fit(X[train], Y[train])
        fit_time = time.perf_counter() - start
    fitted = model[-1]
    converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    others = sorted(
        {
            str(w.message).split(":")[0]
            for w in caught
            if not issubclass(w.category, ConvergenceWarning)
            and "single observed class" not in str(w.message)
        }
    )
    if kind == "regression":
        metric = "mean R2"
        score = multitask_r2_score(Y[test], model.predict(X[test]))
    else:
        metric = "mean ROC AUC"
        probabilities = model.predict_proba(X[test])
        scores = np.column_stack([p[:, -1] for p in probabilities])
        score = multitask_roc_auc_score(Y[test], scores)
    return {
        "dataset": dataset,
        "estimator": label,
        "n_tasks": Y.shape[1],
        "n_labels": int(np.sum(~np.isnan(Y[train]))),
        "solver": getattr(fitted, "solver_", "bcd (path)"),
        "n_iter": fitted.n_iter_,
        "max_iter": fitted.max_iter,
        "converged": converged,
        "dual_gap": f"{fitted.dual_gap_:.3g}",
        "fit_time_s": round(fit_time, 2),
        "metric": metric,
        "score": round(float(score), 4),
        "warnings": "; ".join(others),
    }


def markdown(rows, total_time, skipped):
    """The table of results, one section per data set."""
    lines = [
        "# Linear models with their defaults on the real data sets",
        "",
        "Generated by `benchmarks/linear_defaults.py`: every linear estimator with",
        "its default `max_iter` and `tol`, after a `StandardScaler` in a pipeline",
        "(see the script's docstring for the splits and the penalties of the",
        "classifiers). `converged`: no `ConvergenceWarning`. `n_iter`: epochs",
        "(bcd) or iterations (fista) of the fit (of the final refit for the CV",
        "estimators, whose `converged` covers every fit of the path). Times on a",
        "shared 2-core machine, one BLAS thread.",
        "",
        f"Total run time: {total_time:.0f} s.",
    ]
    if skipped:
        lines += ["", f"Left out (run with --full): {', '.join(skipped)}.", ""]
        lines += FULL_RUN_NOTE.splitlines()
    lines += ["", *MAX_ITER_NOTE.splitlines()]
    not_converged = [row for row in rows if not row["converged"]]
    lines += [
        "",
        f"Fits: {len(rows)}; without a ConvergenceWarning: "
        f"{len(rows) - len(not_converged)}.",
    ]
    for dataset in dict.fromkeys(row["dataset"] for row in rows):
        subset = [row for row in rows if row["dataset"] == dataset]
        first = subset[0]
        lines += [
            "",
            f"## {dataset} ({first['n_tasks']} tasks, {first['n_labels']} training "
            f"labels; {first['metric']} on the test rows)",
            "",
            "| estimator | solver | n_iter | converged | fit time (s) | score "
            "| warnings |",
            "|---|---|---:|---|---:|---:|---|",
        ]
        for row in subset:
            lines.append(
                f"| {row['estimator']} | {row['solver']} | {row['n_iter']} | "
                f"{'yes' if row['converged'] else '**no**'} | {row['fit_time_s']} | "
                f"{row['score']} | {row['warnings']} |"
            )
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(REGRESSION + CLASSIFICATION))
    parser.add_argument("--data-home", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--output", default="linear_defaults")
    args = parser.parse_args(argv)
    rows, skipped = [], []
    start = time.perf_counter()
    with threadpool_limits(limits=1):
        for dataset in args.datasets.split(","):
            if not args.full and dataset in SLOW_DATASETS:
                skipped.append(f"{dataset} (all classifiers)")
                continue
            X, Y, train, test, kind = load(dataset, args.data_home)
            models = regressors() if kind == "regression" else classifiers()
            for label, estimator in models:
                if not args.full and (dataset, label) in SLOW:
                    skipped.append(f"{label} on {dataset}")
                    continue
                row = fit_one(dataset, label, estimator, X, Y, train, test, kind)
                rows.append(row)
                print(
                    f"{dataset:10s} {label:60s} n_iter={row['n_iter']:>5} "
                    f"converged={row['converged']!s:5s} {row['fit_time_s']:8.2f}s "
                    f"score={row['score']:.4f} {row['warnings'][:60]}",
                    flush=True,
                )
    total = time.perf_counter() - start
    RESULTS.mkdir(exist_ok=True)
    with open(RESULTS / f"{args.output}.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    (RESULTS / f"{args.output}.md").write_text(markdown(rows, total, skipped))
    print(f"total {total:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
