"""Cost of the linear solvers in labels, not rows x tasks: the observed-entries design.

The solvers work through a design (``sklearn_mtl/linear_model/_design.py``):
on every (row, output) entry ("dense") or on the observed labels only
("observed"), chosen from the fraction of entries observed. Four parts, every
configuration of a part run in the same process, its repeats interleaved (A,
B, C, A, B, C, ...) so that load from other processes falls on all alike;
ratios are the median over repeats of the ratio within a repeat.

1. ``scaling`` -- same labels, more tasks. 15,000 labels of one Gaussian
   design with 28 features (School's shape): one task labelled on every row,
   or 139 tasks with one label per row, the task of each row drawn at random
   (99.3% of the 139-task Y missing, as in School). The same ``y`` in both.
   Measured: one compiled BCD epoch over all 28 features (L2,1 at
   ``alpha_max / 100`` from ``W = 0``: every row moves; mean of 50
   consecutive epochs); a BCD solve (L2,1 at ``alpha_max / 20``, 200 epochs
   with a tolerance that is never met, so that every configuration runs the
   same number: working sets, screening, gap checks and Anderson
   extrapolation included, the design and the datafit on its entries made
   before the clock starts) as time per epoch; a FISTA iteration
   (mean-regularized penalty, 200 iterations, tolerance never met, Lipschitz
   estimate and gap checks included, the design made before); and whole
   public fits
   (``MultiTaskLasso(alpha_max / 20)`` and
   ``MultiTaskLinearRegressor(MeanRegularized(1.0, 0.1))``, ``tol=1e-6``,
   validation and setup included). The 139 tasks also run on the dense
   entries (the solvers before the observed-entries design), for the kernel
   epoch and the FISTA iteration only (a fit there takes minutes).
2. ``crossover`` -- the threshold of the automatic choice. 2,000 x 50, 20
   tasks (and a CSC version with 10% nonzeros), labels hidden at random to
   leave a fraction ``f`` observed (rows left without any label removed, as
   the estimators do): the same three measures on the dense and on the
   observed entries, for each ``f``.
3. ``lasso`` -- ``MultiTaskLasso`` on fully observed Y (500 x 5000 x 20,
   ``alpha_max / 20`` and ``/ 100``) against scikit-learn's, ``tol=1e-6``
   for both; and with 30% of the labels missing (``alpha`` from its own
   ``alpha_max``, and the fully observed one) against the fully observed
   fit.
4. ``school`` -- one fit of ``MultiTaskLinearRegressor(MeanRegularized(0.1))``
   with intercepts on School (``tol=1e-4``, the default, and
   ``max_iter=10000``: both reach the tolerance), by this working
   tree and by the package at ``--baseline-ref`` (the last commit before the
   observed-entries design), each in its own process, alternated. Both
   solutions are scored by the objective written out in this script.

Timing: one thread everywhere (``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``,
``MKL_NUM_THREADS``, ``NUMBA_NUM_THREADS`` = 1 before NumPy is imported, and
``threadpoolctl.threadpool_limits(1)``); the compiled code is warmed up
first. Every time is given beside the ``tol`` and ``max_iter`` it ran with.

Run from the repository root::

    python benchmarks/linear_observed.py [--parts scaling,crossover,lasso,school]
        [--repeats 5] [--school-repeats 2] [--baseline-ref d545dfd]
        [--data-home ../shared/data] [--quick]

Results: ``benchmarks/results/linear_observed.csv`` (one row per timed
measurement) and ``benchmarks/results/linear_observed.md`` (the tables).
``--quick`` runs tiny problems and writes nothing unless ``--output-dir`` is
given.
"""

import os

for _variable in (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMBA_NUM_THREADS",
):
    os.environ[_variable] = "1"

import argparse  # noqa: E402
import csv  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import shlex  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from scipy import sparse  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import MultiTaskLasso as SklearnMultiTaskLasso  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

import sklearn_mtl  # noqa: E402
from sklearn_mtl.linear_model import (  # noqa: E402
    L21,
    MeanRegularized,
    MultiTaskLasso,
    MultiTaskLinearRegressor,
)
from sklearn_mtl.linear_model._base import (  # noqa: E402
    as_design,
    labelled_rows,
    observed_weights,
    solve,
)
from sklearn_mtl.linear_model._bcd import (  # noqa: E402
    BlockCoordinateDescent,
    _ColumnStatistics,
)
from sklearn_mtl.linear_model._bcd_inner import _WorkingSetProblem  # noqa: E402
from sklearn_mtl.linear_model._cv import alpha_grid  # noqa: E402
from sklearn_mtl.linear_model._datafits import Squared  # noqa: E402
from sklearn_mtl.linear_model._design import OBSERVED_BELOW, prepare  # noqa: E402
from sklearn_mtl.linear_model._fista import FISTA  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
BASELINE_REF = "d545dfd5d3f6"
N_THREADS = 1
FIT_TOL = 1e-6
FIT_MAX_ITER = 100_000
FISTA_ITERATIONS = 200
KERNEL_EPOCHS = 50
SOLVE_EPOCHS = 200
NEVER = -1.0  # a solver tolerance that no duality gap meets


# --------------------------------------------------------------------------
# Problems
# --------------------------------------------------------------------------


def scaling_problems(n_labels, n_features, n_tasks, seed):
    """The same labels as one task on every row and as ``n_tasks`` tasks."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_labels, n_features))
    y = X @ rng.standard_normal(n_features) + rng.standard_normal(n_labels)
    task = rng.integers(0, n_tasks, n_labels)
    task[:n_tasks] = np.arange(n_tasks)  # every task has a label
    Y = np.full((n_labels, n_tasks), np.nan)
    Y[np.arange(n_labels), task] = y
    return X, y[:, np.newaxis], Y


def crossover_problem(n, p, n_tasks, density, seed):
    """Gaussian design (CSC with ``density`` nonzeros if below 1), 20 tasks."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    if density < 1:
        X = sparse.csc_matrix(np.where(rng.random((n, p)) < density, X, 0.0))
    W = rng.standard_normal((p, n_tasks)) * (rng.random((p, 1)) < 0.2)
    Y = np.asarray(X @ W) + rng.standard_normal((n, n_tasks))
    return X, Y


def hide_labels(Y, fraction_observed, seed):
    """Keep each label with probability ``fraction_observed`` (>= 2 per task)."""
    rng = np.random.default_rng(seed)
    hidden = rng.random(Y.shape) >= fraction_observed
    hidden[:2] = False
    return np.where(hidden, np.nan, Y)


def lasso_problem(n, p, n_tasks, n_rows, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    W = np.zeros((p, n_tasks))
    W[rng.choice(p, n_rows, replace=False)] = rng.standard_normal((n_rows, n_tasks))
    return X, X @ W + 1.0 + rng.standard_normal((n, n_tasks))


def datafit_of(X, Y):
    """The estimators' datafit: unlabelled rows removed, unit weights."""
    X, mask, values = labelled_rows(as_design(X), ~np.isnan(Y), Y)
    Y = np.where(mask, values, 0.0)
    return X, Squared(Y, observed_weights(mask, None), np.ones(Y.shape[1]))


def alpha_max(design, datafit):
    return float(alpha_grid(design, datafit, n_alphas=1)[0])


# --------------------------------------------------------------------------
# Measures
# --------------------------------------------------------------------------


def kernel_epoch_seconds(X, Y, layout, n_epochs):
    """Mean time of one compiled BCD epoch over all features (L21)."""
    X, datafit = datafit_of(X, Y)
    design, datafit = prepare(X, datafit, layout)
    features = np.arange(design.n_features)
    _, centered, means = _ColumnStatistics(design, datafit).take(features)
    penalty = L21(alpha_max(design, datafit) / 100)
    problem = _WorkingSetProblem(
        design.working_set(features),
        datafit,
        penalty,
        centered,
        means,
        fit_intercept=True,
        compiled=True,
    )
    coefs = np.zeros((1, design.n_features, datafit.n_outputs))
    state = problem.state(coefs, datafit.null_intercept())
    problem.epoch(state, coefs)
    start = time.perf_counter()
    for _ in range(n_epochs):
        problem.epoch(state, coefs)
    return (time.perf_counter() - start) / n_epochs


def bcd_solve_epoch_seconds(X, Y, layout, n_epochs):
    """Mean time of one BCD epoch over ``n_epochs`` (tolerance never met)."""
    design, datafit = prepare(*datafit_of(X, Y), layout)
    penalty = L21(alpha_max(design, datafit) / 20)
    coefs = np.zeros((1, design.n_features, datafit.n_outputs))
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = BlockCoordinateDescent(max_iter=n_epochs, tol=NEVER).solve(
            design, datafit, penalty, coefs, datafit.null_intercept()
        )
    return (time.perf_counter() - start) / result.n_iter


def fista_iteration_seconds(X, Y, layout, n_iter):
    """Mean time of one FISTA iteration over ``n_iter`` (tolerance never met)."""
    design, datafit = prepare(*datafit_of(X, Y), layout)
    coefs = np.zeros((1, design.n_features, datafit.n_outputs))
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = FISTA(max_iter=n_iter, tol=NEVER).solve(
            design,
            datafit,
            MeanRegularized(1.0, 0.1),
            coefs,
            datafit.null_intercept(),
        )
    return (time.perf_counter() - start) / result.n_iter


def fit_seconds(make, X, Y):
    """Time of a public fit, and its ``n_iter_`` and ``solver_``."""
    model = make()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        start = time.perf_counter()
        model.fit(X, Y)
        seconds = time.perf_counter() - start
    if caught:
        print(f"  warning: {caught[0].message}", flush=True)
    return seconds, model


def solver_fit_seconds(X, Y, penalty, layout):
    """A fit through the solvers on a chosen layout: seconds and result."""
    X, datafit = datafit_of(X, Y)
    start = time.perf_counter()
    design, datafit = prepare(X, datafit, layout)
    coefs = np.zeros((1, design.n_features, datafit.n_outputs))
    result, _ = solve(
        design,
        datafit,
        penalty,
        solver="auto",
        coefs=coefs,
        intercept=datafit.null_intercept(),
        max_iter=FIT_MAX_ITER,
        tol=FIT_TOL,
        fit_intercept=True,
    )
    return time.perf_counter() - start, result


def warm_up():
    """Load (or compile) every compiled path before any timing."""
    X, Y = crossover_problem(60, 8, 3, 1.0, seed=99)
    Y = hide_labels(Y, 0.5, 99)
    for design in (X, sparse.csc_matrix(X)):
        for layout in ("dense", "observed"):
            solver_fit_seconds(design, Y, L21(0.01), layout)
            solver_fit_seconds(design, Y, MeanRegularized(1.0, 0.1), layout)
            kernel_epoch_seconds(design, Y, layout, 1)
    kernel_epoch_seconds(X, Y[:, :1], "dense", 1)


# --------------------------------------------------------------------------
# Part 1: same labels, more tasks
# --------------------------------------------------------------------------


def run_scaling(repeats, quick):
    n_labels, p, n_tasks = (1500, 28, 139) if quick else (15_000, 28, 139)
    X, Y_one, Y_many = scaling_problems(n_labels, p, n_tasks, seed=0)
    alphas = {}
    for name, Y in (("one", Y_one), ("many", Y_many)):
        design, datafit = prepare(*datafit_of(X, Y))
        alphas[name] = alpha_max(design, datafit) / 20
    configurations = [
        ("1 task", Y_one, "auto", True),
        (f"{n_tasks} tasks", Y_many, "auto", True),
        (f"{n_tasks} tasks, dense entries", Y_many, "dense", False),
    ]
    rows = []
    for repeat in range(1, repeats + 1):
        for config, Y, layout, fits in configurations:
            key = "one" if Y is Y_one else "many"
            dense_reference = layout == "dense"
            measures = [
                (
                    "BCD epoch (compiled, all features)",
                    "-",
                    lambda Y=Y, layout=layout, d=dense_reference: kernel_epoch_seconds(
                        X, Y, layout, 5 if d else KERNEL_EPOCHS
                    ),
                    f"{5 if dense_reference else KERNEL_EPOCHS} epochs",
                ),
                (
                    "FISTA iteration",
                    "never met",
                    lambda Y=Y, layout=layout, d=dense_reference: (
                        fista_iteration_seconds(
                            X, Y, layout, 10 if d else FISTA_ITERATIONS
                        )
                    ),
                    f"{10 if dense_reference else FISTA_ITERATIONS}",
                ),
            ]
            if not dense_reference:
                measures.insert(
                    1,
                    (
                        "BCD solve, per epoch",
                        "never met",
                        lambda Y=Y, layout=layout: bcd_solve_epoch_seconds(
                            X, Y, layout, SOLVE_EPOCHS
                        ),
                        f"{SOLVE_EPOCHS}",
                    ),
                )
            for measure, tol, run, max_iter in measures:
                seconds = run()
                rows.append(
                    scaling_row(
                        config, layout, measure, tol, max_iter, repeat, seconds, ""
                    )
                )
            if not fits:
                continue
            for measure, make in (
                (
                    "MultiTaskLasso fit (whole)",
                    lambda key=key: MultiTaskLasso(
                        alphas[key], tol=FIT_TOL, max_iter=FIT_MAX_ITER
                    ),
                ),
                (
                    "MeanRegularized fit (whole, FISTA)",
                    lambda: MultiTaskLinearRegressor(
                        MeanRegularized(1.0, 0.1), tol=FIT_TOL, max_iter=FIT_MAX_ITER
                    ),
                ),
            ):
                seconds, model = fit_seconds(make, X, Y)
                rows.append(
                    scaling_row(
                        config,
                        layout,
                        measure,
                        FIT_TOL,
                        FIT_MAX_ITER,
                        repeat,
                        seconds,
                        model.n_iter_,
                    )
                )
        print(f"[scaling] repeat {repeat} done", flush=True)
    return rows


def scaling_row(config, layout, measure, tol, max_iter, repeat, seconds, n_iter):
    return {
        "part": "scaling",
        "config": config,
        "layout": layout,
        "measure": measure,
        "tol": tol,
        "max_iter": max_iter,
        "repeat": repeat,
        "seconds": seconds,
        "n_iter": n_iter,
    }


def scaling_summary(rows, n_tasks=139):
    lines = [
        "### 1. Same 15,000 labels: 1 task against 139 tasks (School's shape)",
        "",
        "Times in milliseconds (median over repeats); ratios: median over "
        "repeats of the ratio within a repeat. `tol` / `max_iter`: of the fit "
        "(fits), or the fixed count of epochs / iterations timed (a tolerance "
        "that is never met). The targets are on the first three lines; the "
        "whole fits (validation and setup included, both with intercepts) "
        "converge in a few dozen epochs or iterations.",
        "",
        "| measure | tol | max_iter | 1 task (ms) | 139 tasks (ms) | "
        "139 / 1 | 139 tasks, dense entries (ms) | dense / 1 | n_iter (1 / 139) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    one, many, dense = "1 task", f"{n_tasks} tasks", f"{n_tasks} tasks, dense entries"
    for measure in dict.fromkeys(row["measure"] for row in rows):
        group = [row for row in rows if row["measure"] == measure]
        times = {(row["config"], row["repeat"]): row["seconds"] for row in group}

        def median(config, times=times):
            values = [s for (c, _), s in times.items() if c == config]
            return np.median(values) * 1e3 if values else None

        def ratio(config, times=times):
            values = [
                times[config, r] / times[one, r]
                for (c, r) in times
                if c == config and (one, r) in times
            ]
            return np.median(values) if values else None

        first = {row["config"]: row for row in group}
        counts = " / ".join(
            str(first[c]["n_iter"]) for c in (one, many) if first[c]["n_iter"] != ""
        )
        dense_ms, dense_ratio = median(dense), ratio(dense)
        lines.append(
            f"| {measure} | {first[one]['tol']} | {first[one]['max_iter']}"
            + (
                f" ({first[dense]['max_iter']} dense)"
                if dense in first and first[dense]["max_iter"] != first[one]["max_iter"]
                else ""
            )
            + f" | {median(one):.3f} | {median(many):.3f} | {ratio(many):.2f} | "
            + ("" if dense_ms is None else f"{dense_ms:.1f}")
            + " | "
            + ("" if dense_ratio is None else f"{dense_ratio:.0f}")
            + f" | {counts} |"
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------
# Part 2: crossover of the dense and observed designs
# --------------------------------------------------------------------------


def run_crossover(repeats, quick):
    if quick:
        shape, fractions, sparse_fractions = (200, 10, 5), [0.2, 0.6, 1.0], [0.5]
    else:
        shape = (2000, 50, 20)
        fractions = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
        sparse_fractions = [0.1, 0.3, 0.5, 0.7, 0.9]
    problems = []
    for density, chosen in ((1.0, fractions), (0.1, sparse_fractions)):
        X, Y_full = crossover_problem(*shape, density, seed=1)
        for fraction in chosen:
            Y = hide_labels(Y_full, fraction, seed=int(100 * fraction))
            _, datafit = datafit_of(X, Y)
            observed = float(np.mean(datafit.observed_weights > 0))
            design, fitted = prepare(*datafit_of(X, Y))
            problems.append(
                (density, fraction, observed, X, Y, alpha_max(design, fitted) / 20)
            )
    rows = []
    for repeat in range(1, repeats + 1):
        for density, fraction, observed, X, Y, alpha in problems:
            for layout in ("dense", "observed"):
                measures = (
                    (
                        "BCD epoch (compiled, all features)",
                        "-",
                        f"{KERNEL_EPOCHS // 5} epochs",
                        lambda X=X, Y=Y, layout=layout: (
                            kernel_epoch_seconds(X, Y, layout, KERNEL_EPOCHS // 5),
                            "",
                        ),
                    ),
                    (
                        "FISTA iteration",
                        "never met",
                        FISTA_ITERATIONS // 2,
                        lambda X=X, Y=Y, layout=layout: (
                            fista_iteration_seconds(
                                X, Y, layout, FISTA_ITERATIONS // 2
                            ),
                            "",
                        ),
                    ),
                    (
                        "BCD fit, per epoch",
                        FIT_TOL,
                        FIT_MAX_ITER,
                        lambda X=X, Y=Y, layout=layout, alpha=alpha: per_iteration(
                            solver_fit_seconds(X, Y, L21(alpha), layout)
                        ),
                    ),
                )
                for measure, tol, max_iter, run in measures:
                    seconds, n_iter = run()
                    rows.append(
                        {
                            "part": "crossover",
                            "config": "dense X" if density == 1 else "CSC X, 10%",
                            "fraction": fraction,
                            "observed": observed,
                            "layout": layout,
                            "measure": measure,
                            "tol": tol,
                            "max_iter": max_iter,
                            "repeat": repeat,
                            "seconds": seconds,
                            "n_iter": n_iter,
                        }
                    )
        print(f"[crossover] repeat {repeat} done", flush=True)
    return rows


def per_iteration(timed):
    seconds, result = timed
    return seconds / max(result.n_iter, 1), result.n_iter


def crossover_summary(rows):
    lines = [
        "### 2. Dense against observed entries, by fraction of labels observed",
        "",
        "2,000 x 50, 20 tasks (`CSC X, 10%`: 10% nonzeros); labels kept at "
        "random with probability `f`, rows left without a label removed "
        "(`observed`: the fraction of the remaining entries observed). Each "
        "cell: time on the observed entries / time on the dense ones, median "
        "over repeats of the ratio within a repeat (below 1: the observed "
        "design is faster). BCD epoch: "
        f"{KERNEL_EPOCHS // 5} epochs timed; FISTA iteration: "
        f"{FISTA_ITERATIONS // 2} iterations, tolerance never met; BCD fit: "
        f"L2,1 at `alpha_max / 20`, tol={FIT_TOL:g}, max_iter={FIT_MAX_ITER}, "
        "per epoch. The automatic choice takes the observed entries below "
        f"`observed` = {OBSERVED_BELOW}.",
        "",
        "| X | f | observed | BCD epoch | FISTA iteration | BCD fit per epoch | "
        "dense BCD epoch (ms) | dense FISTA iteration (ms) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    keys = dict.fromkeys((row["config"], row["fraction"]) for row in rows)
    for config, fraction in keys:
        group = [
            row
            for row in rows
            if row["config"] == config and row["fraction"] == fraction
        ]
        cells = []
        dense_ms = {}
        for measure in (
            "BCD epoch (compiled, all features)",
            "FISTA iteration",
            "BCD fit, per epoch",
        ):
            times = {
                (row["layout"], row["repeat"]): row["seconds"]
                for row in group
                if row["measure"] == measure
            }
            ratios = [
                times["observed", r] / times["dense", r]
                for (layout, r) in times
                if layout == "dense"
            ]
            cells.append(f"{np.median(ratios):.2f}")
            dense_ms[measure] = 1e3 * np.median(
                [s for (layout, _), s in times.items() if layout == "dense"]
            )
        lines.append(
            f"| {config} | {fraction:g} | {group[0]['observed']:.2f} | "
            + " | ".join(cells)
            + f" | {dense_ms['BCD epoch (compiled, all features)']:.2f} | "
            f"{dense_ms['FISTA iteration']:.2f} |"
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------
# Part 3: MultiTaskLasso against scikit-learn, and with missing labels
# --------------------------------------------------------------------------


def run_lasso(repeats, quick):
    n, p, n_tasks = (100, 500, 5) if quick else (500, 5000, 20)
    X, Y = lasso_problem(n, p, n_tasks, 20 if not quick else 5, seed=p)
    Y_missing = np.where(np.random.default_rng(p + 1).random(Y.shape) < 0.3, np.nan, Y)
    Y_missing[:2] = Y[:2]
    rows = []
    for ratio in (20, 100):
        alpha = alpha_max(*prepare(*datafit_of(X, Y))) / ratio
        alpha_own = alpha_max(*prepare(*datafit_of(X, Y_missing))) / ratio
        runs = [
            ("scikit-learn", Y, alpha, "sklearn"),
            ("ours", Y, alpha, "ours"),
            ("ours, 30% missing, alpha = own alpha_max / ratio", Y_missing, alpha_own,
             "ours"),
            ("ours, 30% missing, alpha as fully observed", Y_missing, alpha, "ours"),
        ]  # fmt: skip
        for _, Y_run, alpha_run, who in runs:  # untimed round
            lasso_fit(who, X, Y_run, alpha_run)
        for repeat in range(1, repeats + 1):
            for name, Y_run, alpha_run, who in runs:
                seconds, W, _, n_iter, ran = lasso_fit(who, X, Y_run, alpha_run)
                rows.append(
                    {
                        "part": "lasso",
                        "config": f"{n}x{p}x{n_tasks}",
                        "alpha_max_ratio": ratio,
                        "alpha": alpha_run,
                        "solver": name,
                        "ran": ran,
                        "tol": FIT_TOL,
                        "max_iter": FIT_MAX_ITER,
                        "repeat": repeat,
                        "seconds": seconds,
                        "n_iter": n_iter,
                        "_W": W,
                    }
                )
        print(f"[lasso] alpha_max / {ratio} done", flush=True)
    return rows


def lasso_fit(who, X, Y, alpha):
    if who == "sklearn":
        model = SklearnMultiTaskLasso(alpha=alpha, tol=FIT_TOL, max_iter=FIT_MAX_ITER)
    else:
        model = MultiTaskLasso(alpha=alpha, tol=FIT_TOL, max_iter=FIT_MAX_ITER)
    start = time.perf_counter()
    model.fit(X, Y)
    seconds = time.perf_counter() - start
    ran = getattr(model, "solver_", "")
    return seconds, model.coef_.T, model.intercept_, model.n_iter_, ran


def lasso_summary(rows):
    lines = [
        "### 3. MultiTaskLasso: scikit-learn, and 30% of the labels missing",
        "",
        f"`tol={FIT_TOL:g}`, `max_iter={FIT_MAX_ITER}` for every fit (the same "
        "duality-gap criterion). Times: median over repeats; ratios: median "
        "over repeats of the ratio within a repeat. `coef. diff`: largest "
        "absolute difference to scikit-learn's coefficients, over the largest "
        "absolute coefficient (fully observed only).",
        "",
        "| problem | alpha | solver (ran) | tol | max_iter | median s | "
        "time / scikit-learn | time / ours fully observed | coef. diff | n_iter |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for config, ratio in dict.fromkeys(
        (row["config"], row["alpha_max_ratio"]) for row in rows
    ):
        group = [
            row
            for row in rows
            if row["config"] == config and row["alpha_max_ratio"] == ratio
        ]
        times = {(row["solver"], row["repeat"]): row["seconds"] for row in group}
        reference = next(row["_W"] for row in group if row["solver"] == "scikit-learn")

        def paired(solver, other, times=times):
            return np.median(
                [
                    times[solver, r] / times[other, r]
                    for (s, r) in times
                    if s == solver and (other, r) in times
                ]
            )

        for solver in dict.fromkeys(row["solver"] for row in group):
            mine = [row for row in group if row["solver"] == solver]
            last = mine[-1]
            full = last["solver"] in ("scikit-learn", "ours")
            diff = (
                np.abs(last["_W"] - reference).max() / np.abs(reference).max()
                if full
                else None
            )
            lines.append(
                f"| {config} | max/{ratio} | {solver}"
                + (f" ({last['ran']})" if last["ran"] else "")
                + f" | {last['tol']:g} | {last['max_iter']} | "
                f"{np.median([r['seconds'] for r in mine]):.3f} | "
                + (f"{paired(solver, 'scikit-learn'):.2f}" if full else "")
                + " | "
                + ("" if full else f"{paired(solver, 'ours'):.2f}")
                + " | "
                + ("" if diff is None else f"{diff:.1e}")
                + f" | {last['n_iter']} |"
            )
    return "\n".join(lines)


# --------------------------------------------------------------------------
# Part 4: School, this tree against the baseline commit
# --------------------------------------------------------------------------

SCHOOL_RUNNER = """
import json, os, sys, time
import numpy as np
from threadpoolctl import threadpool_limits
import sklearn_mtl
from sklearn_mtl.linear_model import MeanRegularized, MultiTaskLinearRegressor
data = np.load(sys.argv[1])
X, y, task = data["X"], data["y"], data["task"]
Y = np.full((len(y), int(task.max()) + 1), np.nan)
Y[np.arange(len(y)), task] = y
model = MultiTaskLinearRegressor(
    MeanRegularized(0.1), tol=float(sys.argv[2]), max_iter=int(sys.argv[3])
)
with threadpool_limits(1):
    start = time.perf_counter()
    model.fit(X, Y)
    seconds = time.perf_counter() - start
np.savez(sys.argv[4], coef=model.coef_, intercept=model.intercept_)
print(json.dumps({"seconds": seconds, "n_iter": int(model.n_iter_),
                  "package": os.path.dirname(sklearn_mtl.__file__)}))
"""


def school_objective(X, Y, coef, intercept, alpha):
    """``(1/(2m)) sum_obs (y - x W_t - b_t)^2 + alpha/2 sum_t ||W_t - mean W||^2``."""
    observed = ~np.isnan(Y)
    m = observed.sum() / Y.shape[1]
    residual = np.where(observed, np.nan_to_num(Y) - X @ coef.T - intercept, 0.0)
    centered = coef - coef.mean(axis=0)
    return 0.5 * np.sum(residual**2) / m + 0.5 * alpha * np.sum(centered**2)


def run_school(repeats, data_home, baseline_ref, quick):
    path = Path(data_home) / "school.npz"
    tol, max_iter = 1e-4, 10_000 if not quick else 50
    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        baseline = Path(workdir) / "baseline"
        baseline.mkdir()
        archive = subprocess.run(
            ["git", "archive", baseline_ref, "sklearn_mtl"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(baseline)], input=archive, check=True)
        data = np.load(path)
        X, y, task = data["X"], data["y"], data["task"]
        Y = np.full((len(y), int(task.max()) + 1), np.nan)
        Y[np.arange(len(y)), task] = y
        for repeat in range(1, repeats + 1):
            for version, root in (("this tree", ROOT), (baseline_ref, baseline)):
                output = Path(workdir) / f"{repeat}-{version}.npz"
                env = {**os.environ, "PYTHONPATH": str(root)}
                # Run from the temporary folder: "-c" puts the working
                # directory first on sys.path, before PYTHONPATH.
                completed = subprocess.run(
                    [sys.executable, "-c", SCHOOL_RUNNER, str(path), str(tol),
                     str(max_iter), str(output)],
                    env=env, cwd=workdir, check=True, capture_output=True,
                    text=True,
                )  # fmt: skip
                report = json.loads(completed.stdout.strip().splitlines()[-1])
                expected = (Path(root) / "sklearn_mtl").resolve()
                if Path(report["package"]).resolve() != expected:
                    raise RuntimeError(
                        f"Expected sklearn_mtl from {expected}; the fit ran "
                        f"{report['package']} instead."
                    )
                fitted = np.load(output)
                objective = school_objective(
                    X, Y, fitted["coef"], fitted["intercept"], 0.1
                )
                rows.append(
                    {
                        "part": "school",
                        "config": "MeanRegularized(0.1), intercepts",
                        "version": version,
                        "tol": tol,
                        "max_iter": max_iter,
                        "repeat": repeat,
                        "seconds": report["seconds"],
                        "n_iter": report["n_iter"],
                        "objective": objective,
                    }
                )
                print(
                    f"[school] {repeat} {version}: {report['seconds']:.2f}s "
                    f"n_iter={report['n_iter']} objective={objective:.10f}",
                    flush=True,
                )
    return rows


def school_summary(rows, baseline_ref):
    times = {(row["version"], row["repeat"]): row for row in rows}
    ratios = [
        times[baseline_ref, r]["seconds"] / times["this tree", r]["seconds"]
        for (v, r) in times
        if v == "this tree" and (baseline_ref, r) in times
    ]
    lines = [
        "### 4. School: one fit of MeanRegularized(0.1) with intercepts",
        "",
        "Each fit in its own process (the compiled code loaded from Numba's "
        "cache, as a user's second run), this tree and the baseline commit "
        "alternated. `objective`: the objective of the fitted `coef_` and "
        "`intercept_`, computed by this script.",
        "",
        "| version | tol | max_iter | median s | n_iter | objective | "
        "baseline / this tree |",
        "|---|---|---|---|---|---|---|",
    ]
    for version in ("this tree", baseline_ref):
        mine = [row for row in rows if row["version"] == version]
        lines.append(
            f"| {version} | {mine[0]['tol']:g} | {mine[0]['max_iter']} | "
            f"{np.median([r['seconds'] for r in mine]):.2f} | {mine[-1]['n_iter']} | "
            f"{mine[-1]['objective']:.10f} | "
            + (f"{np.median(ratios):.0f}x" if version == "this tree" else "")
            + " |"
        )
    objectives = [row["objective"] for row in rows]
    lines.append("")
    lines.append(
        "Largest relative difference between the objectives of all fits: "
        f"{(max(objectives) - min(objectives)) / min(objectives):.1e}."
    )
    return "\n".join(lines)


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def machine_header(command, started, load_before, load_after, quick):
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return "\n".join(
        [
            "# Linear solvers on the observed entries"
            + (" (--quick)" if quick else ""),
            "",
            f"- Machine: `nproc` = {os.cpu_count()}, CPU: {cpu}; shared with "
            "other jobs, so repeats are interleaved and ratios are medians of "
            "ratios within a repeat. Load average (1 min) "
            f"{load_before:.2f} at the start, {load_after:.2f} at the end.",
            f"- Threads: {N_THREADS} (BLAS, OpenMP and Numba).",
            f"- Started {started}; Python {platform.python_version()}, NumPy "
            f"{np.__version__}, scikit-learn {sklearn.__version__}, sklearn_mtl "
            f"{sklearn_mtl.__version__}; automatic choice: observed entries "
            f"below {OBSERVED_BELOW} of the entries observed.",
            f"- Command: `{command}`; protocol in the docstring of "
            "`benchmarks/linear_observed.py`.",
        ]
    )


PARTS = ("scaling", "crossover", "lasso", "school")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default=",".join(PARTS))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--crossover-repeats", type=int, default=3)
    parser.add_argument("--school-repeats", type=int, default=2)
    parser.add_argument("--baseline-ref", default=BASELINE_REF)
    parser.add_argument("--data-home", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--output-dir", default=None)
    args = parser.parse_args(argv)
    parts = args.parts.split(",")
    if set(parts) - set(PARTS):
        parser.error(f"--parts takes a comma-separated subset of {PARTS}")
    command = " ".join(
        shlex.quote(a) for a in [os.path.relpath(sys.executable), *sys.argv]
    )
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    load_before = os.getloadavg()[0]
    rows, tables = [], []
    with threadpool_limits(N_THREADS):
        warm_up()
        if "scaling" in parts:
            found = run_scaling(args.repeats, args.quick)
            rows += found
            tables.append(scaling_summary(found))
        if "crossover" in parts:
            found = run_crossover(args.crossover_repeats, args.quick)
            rows += found
            tables.append(crossover_summary(found))
        if "lasso" in parts:
            found = run_lasso(args.repeats, args.quick)
            rows += found
            tables.append(lasso_summary(found))
    if "school" in parts:
        found = run_school(
            args.school_repeats, args.data_home, args.baseline_ref, args.quick
        )
        rows += found
        tables.append(school_summary(found, args.baseline_ref))
    header = machine_header(
        command, started, load_before, os.getloadavg()[0], args.quick
    )
    for table in tables:
        print(table + "\n")
    if args.output_dir is None and args.quick:
        return
    output = Path(args.output_dir) if args.output_dir else RESULTS
    output.mkdir(parents=True, exist_ok=True)
    fields = list(dict.fromkeys(key for row in rows for key in row if key[0] != "_"))
    with open(output / "linear_observed.csv", "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    (output / "linear_observed.md").write_text(
        header + "\n\n" + "\n\n".join(tables) + "\n"
    )


if __name__ == "__main__":
    main()
