"""Speed and accuracy of the multi-task linear solvers against their peers.

Three parts, every solver run on the same data in the same process:

1. Multi-task lasso, fully observed ``Y`` (dense Gaussian X, float64, C order
   as NumPy makes it, 20 tasks, 20 true nonzero rows, Gaussian noise):
   500 x 5000 at ``alpha_max / 20`` and ``alpha_max / 100``, 500 x 50000 at
   ``alpha_max / 10``. Peers: scikit-learn's ``MultiTaskLasso`` (``tol=1e-6``),
   ours with ``solver="auto"`` (the table shows which solver it ran), ours
   with ``solver="bcd"`` (``tol=1e-6``, the same duality gap convention) and
   skglm's ``MultiTaskLasso`` (with intercept). skglm stops on the largest
   distance of the gradient to the subdifferential, not on a duality gap, so
   its ``tol`` is calibrated on each problem (untimed): the largest value of
   ``1e-2, 1e-3, ..., 1e-10`` whose solution's duality gap is at most the gap
   that ``tol=1e-6`` asks of the others. Untimed references at ``tol=1e-10``
   give the coefficient accuracy.
2. The same problems with 30% of the labels missing (NaN at random): ours
   (``"auto"``, which runs its own solver there: no peer handles missing
   labels) against ours on the fully observed problem, with ``alpha`` the
   same fraction of the incomplete problem's own ``alpha_max`` (a sparsity
   level comparable to the lasso path) and with the fully observed ``alpha``.
3. Trace norm and mean-regularized (``beta > 0``) penalties on
   200 x 100 x 10 and 1000 x 500 x 20 with 20% missing labels (FISTA) against
   cvxpy with SCS and with CLARABEL on the same objective (per-task
   intercepts, observed entries only). Ours (``tol``) and SCS (``eps``) get
   the loosest of ``1e-3, 1e-4, ...`` whose solution is certified within
   1e-6 of the optimal objective (duality gap <= 1e-6 * objective; calibrated
   untimed); CLARABEL runs with its defaults, except on the trace norm of the
   larger problem, where it does not run: its semidefinite cone (520 x 520)
   is out of reach of an interior-point method in reasonable time (the 110 x
   110 cone of the small problem already takes about a minute). The
   reference solution of the relative differences is CLARABEL's, or SCS's
   where CLARABEL does not run. The cvxpy time is reported twice: build +
   compile + solve, and the conic solver's own solve time.

Every solution is scored by one function of this script,
:func:`objective_and_gap`, from the formula of the objective
``(1/(2m)) sum_{observed} (y_it - x_i W[:, t] - b_t)^2 + penalty(W)`` (``m``
the mean number of labels per task, ``n`` when every label is observed) and of
its Fenchel dual, so the objective value and duality gap of each solver are
measured, not taken from the solver. The dual point is the residual of the
solution with the optimal intercepts for its ``W`` (centered over each task's
observed rows), divided by ``m`` and scaled into the dual feasible set.

Timing: every process runs with one thread (``OMP_NUM_THREADS``,
``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS``, ``NUMBA_NUM_THREADS`` set to 1
before NumPy is imported, and ``threadpoolctl.threadpool_limits(1)``). Numba
solvers and cvxpy are warmed up on a small problem first, then every problem
gets one untimed round of all solvers (of ours only in part 3: cvxpy compiles
nothing ahead, and a round of it takes minutes on the larger problem). The
timed repeats are interleaved (A, B, C, A,
B, C, ...), so that load from other processes falls on all solvers alike.
Time ratios are the median over repeats of the ratio within a repeat;
medians of the times are reported too.

Run from the repository root::

    python benchmarks/linear_speed.py [--parts lasso,cvxpy] [--repeats 5]
        [--part3-repeats 3] [--quick]

``--parts`` picks what runs: ``lasso`` (parts 1 and 2) and/or ``cvxpy``
(part 3). ``--quick`` runs tiny problems (seconds) to check that the script
works and writes nothing unless ``--output-dir`` is given. Results go to
``benchmarks/results/linear_speed.{csv,md}`` (parts 1 and 2) and
``benchmarks/results/linear_speed_cvxpy.{csv,md}`` (part 3): one CSV row per
timed fit, and the summary table; a run writes the files of its parts only.
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
import platform  # noqa: E402
import shlex  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import cvxpy as cp  # noqa: E402
import numpy as np  # noqa: E402
import skglm  # noqa: E402
import sklearn  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import MultiTaskLasso as SklearnMultiTaskLasso  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

import sklearn_mtl  # noqa: E402
from sklearn_mtl.linear_model import (  # noqa: E402
    MeanRegularized,
    MultiTaskLasso,
    MultiTaskLinearRegressor,
    TraceNorm,
)

RESULTS = Path(__file__).resolve().parent / "results"
N_THREADS = 1
TOL = 1e-6
TIGHT_TOL = 1e-10
SKGLM_TOLS = [10.0**-k for k in range(2, 11)]
# Part 3: the loosest tolerance (ours: tol, SCS: eps) whose solution is
# certified within REL_OBJECTIVE of the optimum: gap <= REL_OBJECTIVE * objective.
REL_OBJECTIVE = 1e-6
FISTA_TOLS = [10.0**-k for k in range(3, 11)]
SCS_EPS = [10.0**-k for k in range(3, 10)]


# --------------------------------------------------------------------------
# The common objective and duality gap
# --------------------------------------------------------------------------


def objective_and_gap(X, Y, W, b, penalty):
    """Primal objective and duality gap of ``(W, b)``, from the formulas.

    Primal: ``P(W, b) = (1/(2m)) sum_{(i,t) observed} (y_it - x_i W_t - b_t)^2
    + pen(W)`` with ``m`` the mean number of labels per task. Dual (Fenchel,
    with the intercepts' constraint that every task's dual variables sum to
    0): ``D(theta) = sum_obs y_it theta_it - (m/2) sum_obs theta_it^2
    - pen*(X^T theta)``. The dual point is ``theta = s R / m`` with ``R`` the
    residual of ``W`` with optimal intercepts (zero where a label is missing)
    and ``s`` the largest scale in ``(0, 1]`` that makes it feasible.

    Parameters
    ----------
    X : ndarray of shape (n, p)
    Y : ndarray of shape (n, T)
        NaN where a label is missing.
    W : ndarray of shape (p, T)
    b : ndarray of shape (T,)
    penalty : tuple
        ``("l21", alpha)``: ``alpha sum_j ||W[j, :]||_2``;
        ``("trace", alpha)``: ``alpha ||W||_*``;
        ``("mean", alpha, beta)``: ``alpha/2 sum_t ||W_t - mean_s W_s||^2
        + beta/2 ||W||_F^2``.

    Returns
    -------
    primal, gap : float
    """
    n_tasks = Y.shape[1]
    n = normalizer(Y)  # m, the datafit's normalizer
    observed = ~np.isnan(Y)
    Y0 = np.where(observed, Y, 0.0)
    linear = X @ W
    R = np.where(observed, Y0 - linear - b, 0.0)
    # The residual with the best intercepts for this W: centered per task.
    counts = observed.sum(axis=0)
    R_opt = np.where(observed, R - R.sum(axis=0) / counts, 0.0)
    V = X.T @ R_opt / n
    kind = penalty[0]
    if kind == "l21":
        alpha = penalty[1]
        value = alpha * np.linalg.norm(W, axis=1).sum()
        dual_norm = np.linalg.norm(V, axis=1).max() / alpha
        scale, conjugate = 1.0 / max(1.0, dual_norm), 0.0
    elif kind == "trace":
        alpha = penalty[1]
        value = alpha * np.linalg.svd(W, compute_uv=False).sum()
        dual_norm = np.linalg.norm(V, 2) / alpha
        scale, conjugate = 1.0 / max(1.0, dual_norm), 0.0
    elif kind == "mean":
        alpha, beta = penalty[1], penalty[2]
        Q = alpha * (np.eye(n_tasks) - 1.0 / n_tasks) + beta * np.eye(n_tasks)
        value = 0.5 * np.sum((W @ Q) * W)
        scale = 1.0
        conjugate = 0.5 * np.sum(np.linalg.solve(Q, V.T).T * V)
    else:
        raise ValueError(kind)
    primal = 0.5 * np.sum(R**2) / n + value
    dual = np.sum(scale * Y0 * R_opt - 0.5 * scale**2 * R_opt**2) / n - conjugate
    return float(primal), float(primal - dual)


def normalizer(Y):
    """``m``, the mean number of labels per task: ``n`` when Y is complete."""
    return float((~np.isnan(Y)).sum() / Y.shape[1])


def gap_reference(Y):
    """``||Y - mean||^2 / m`` over the observed labels: the scale of ``tol``."""
    observed = ~np.isnan(Y)
    Y0 = np.where(observed, Y, 0.0)
    means = Y0.sum(axis=0) / observed.sum(axis=0)
    return float(np.sum(np.where(observed, Y0 - means, 0.0) ** 2) / normalizer(Y))


def alpha_max_l21(X, Y):
    """Smallest alpha with W = 0 optimal for the L2,1 penalty."""
    observed = ~np.isnan(Y)
    Y0 = np.where(observed, Y, 0.0)
    R = np.where(observed, Y0 - Y0.sum(axis=0) / observed.sum(axis=0), 0.0)
    return float(np.linalg.norm(X.T @ R, axis=1).max() / normalizer(Y))


# --------------------------------------------------------------------------
# Problems
# --------------------------------------------------------------------------


def lasso_problem(n, p, n_tasks, n_rows, seed):
    """Gaussian design, ``n_rows`` true nonzero rows, unit Gaussian noise."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    W = np.zeros((p, n_tasks))
    W[rng.choice(p, n_rows, replace=False)] = rng.standard_normal((n_rows, n_tasks))
    Y = X @ W + 1.0 + rng.standard_normal((n, n_tasks))
    return X, Y


def hide_labels(Y, fraction, seed):
    """NaN at a random ``fraction`` of the entries (every task keeps 2 rows)."""
    rng = np.random.default_rng(seed)
    Y = Y.copy()
    hidden = rng.random(Y.shape) < fraction
    hidden[:2] = False
    Y[hidden] = np.nan
    return Y


def low_rank_problem(n, p, n_tasks, missing, seed):
    """Tasks sharing a mean vector and a rank-2 subspace, some labels missing."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    W = rng.standard_normal((p, 1)) + rng.standard_normal((p, 2)) @ rng.standard_normal(
        (2, n_tasks)
    )
    Y = (
        X @ (W / np.sqrt(p))
        + rng.standard_normal(n_tasks)
        + rng.standard_normal((n, n_tasks))
    )
    return X, hide_labels(Y, missing, seed + 1)


# --------------------------------------------------------------------------
# Solvers: each returns (W of shape (p, T), b, info dict)
# --------------------------------------------------------------------------


def fit_sklearn(X, Y, alpha, tol):
    model = SklearnMultiTaskLasso(alpha=alpha, tol=tol, max_iter=100_000).fit(X, Y)
    return model.coef_.T, model.intercept_, {"n_iter": model.n_iter_}


def fit_ours(solver):
    def fit(X, Y, alpha, tol):
        model = MultiTaskLasso(alpha=alpha, solver=solver, tol=tol, max_iter=100_000)
        model.fit(X, Y)
        info = {
            "n_iter": model.n_iter_,
            "solver_ran": model.solver_,
            "reported_gap": model.dual_gap_,
        }
        return model.coef_.T, model.intercept_, info

    return fit


def fit_skglm(X, Y, alpha, tol):
    model = skglm.MultiTaskLasso(
        alpha=alpha, tol=tol, max_iter=1000, fit_intercept=True
    ).fit(X, Y)
    return model.coef_.T, model.intercept_, {"n_iter": model.n_iter_}


def timed(fit, *args):
    """Run ``fit(*args)``; its result, seconds and ConvergenceWarning count."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        start = time.perf_counter()
        result = fit(*args)
        seconds = time.perf_counter() - start
    n_warnings = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
    return result, seconds, n_warnings


def calibrate_skglm(X, Y, alpha, penalty, target):
    """Largest skglm tol whose solution's duality gap is at most ``target``."""
    for tol in SKGLM_TOLS:
        W, b, _ = fit_skglm(X, Y, alpha, tol)
        _, gap = objective_and_gap(X, Y, W, b, penalty)
        if gap <= target:
            return tol
    return SKGLM_TOLS[-1]


def calibrate_certified(fit, X, Y, penalty, tols):
    """Loosest tol whose solution has gap <= REL_OBJECTIVE * objective."""
    for tol in tols:
        W, b, _ = fit(tol)
        objective, gap = objective_and_gap(X, Y, W, b, penalty)
        if gap <= REL_OBJECTIVE * objective:
            return tol
    return tols[-1]


def warm_up():
    """Compile (or load from cache) the numba solvers before any timing."""
    X, Y = lasso_problem(40, 60, 3, 3, seed=99)
    alpha = alpha_max_l21(X, Y) / 10
    fit_ours("bcd")(X, Y, alpha, 1e-6)
    fit_ours("bcd")(X, hide_labels(Y, 0.3, 99), alpha, 1e-6)
    fit_skglm(X, Y, alpha, 1e-8)
    X, Y = low_rank_problem(20, 8, 3, missing=0.2, seed=99)
    for solver in ("SCS", "CLARABEL"):
        fit_cvxpy(X, Y, ("trace", 0.1), solver, 1e-6)
        fit_cvxpy(X, Y, ("mean", 1.0, 0.1), solver, 1e-6)


# --------------------------------------------------------------------------
# Parts 1 and 2: multi-task lasso
# --------------------------------------------------------------------------


def run_lasso(name, X, Y, ratio, repeats, missing, seed):
    """All lasso solvers on one problem, fully observed and with missing labels."""
    n, p = X.shape
    n_tasks = Y.shape[1]
    Y_missing = hide_labels(Y, missing, seed)
    alpha = alpha_max_l21(X, Y) / ratio
    alpha_missing = alpha_max_l21(X, Y_missing) / ratio
    penalty = ("l21", alpha)
    penalty_missing = ("l21", alpha_missing)
    target = TOL * gap_reference(Y)
    target_missing = TOL * gap_reference(Y_missing)
    skglm_tol = calibrate_skglm(X, Y, alpha, penalty, target)
    print(f"[{name}] alpha={alpha:.4g}, skglm tol={skglm_tol:g}", flush=True)
    runs = [
        ("sklearn MultiTaskLasso", fit_sklearn, Y, alpha, TOL, penalty, target),
        ("ours auto", fit_ours("auto"), Y, alpha, TOL, penalty, target),
        ("ours bcd", fit_ours("bcd"), Y, alpha, TOL, penalty, target),
        ("skglm MultiTaskLasso", fit_skglm, Y, alpha, skglm_tol, penalty, target),
        (
            f"ours auto, {missing:.0%} missing, alpha = own alpha_max/{ratio}",
            fit_ours("auto"),
            Y_missing,
            alpha_missing,
            TOL,
            penalty_missing,
            target_missing,
        ),
        (
            f"ours auto, {missing:.0%} missing, alpha as fully observed",
            fit_ours("auto"),
            Y_missing,
            alpha,
            TOL,
            ("l21", alpha),
            target_missing,
        ),
    ]
    for _, fit, Y_run, alpha_run, tol, _, _ in runs:  # untimed round
        fit(X, Y_run, alpha_run, tol)
    # Untimed high-accuracy references: scikit-learn at tol=1e-10 (fully
    # observed) and ours at tol=1e-10 (missing labels, no peer handles them).
    reference = fit_sklearn(X, Y, alpha, TIGHT_TOL)[0]
    tight = {
        solver: reference
        if Y_run is Y
        else fit_ours("bcd")(X, Y_run, alpha_run, TIGHT_TOL)[0]
        for solver, _, Y_run, alpha_run, _, _, _ in runs
    }
    rows = []
    for repeat in range(1, repeats + 1):
        for solver, fit, Y_run, alpha_run, tol, pen, gap_target in runs:
            (W, b, info), seconds, n_warnings = timed(fit, X, Y_run, alpha_run, tol)
            objective, gap = objective_and_gap(X, Y_run, W, b, pen)
            rows.append(
                {
                    "part": 2 if "missing" in solver else 1,
                    "problem": name,
                    "n_samples": n,
                    "n_features": p,
                    "n_tasks": n_tasks,
                    "missing": missing if "missing" in solver else 0.0,
                    "penalty": "L21",
                    "alpha_max_ratio": ratio,
                    "alpha": alpha_run,
                    "beta": "",
                    "solver": solver,
                    "solver_ran": info.get("solver_ran", ""),
                    "tol": tol,
                    "repeat": repeat,
                    "seconds": seconds,
                    "solve_seconds": "",
                    "objective": objective,
                    "gap": gap,
                    "gap_target": gap_target,
                    "reported_gap": info.get("reported_gap", ""),
                    "n_iter": info["n_iter"],
                    "support": int(np.count_nonzero(np.linalg.norm(W, axis=1))),
                    "convergence_warnings": n_warnings,
                    "_W": W,
                    "_W_tight": tight[solver],
                }
            )
            print(
                f"[{name}] {repeat} {solver}: {seconds:.3f}s gap={gap:.3g} "
                f"(target {gap_target:.3g}) objective={objective:.12g}",
                flush=True,
            )
    add_references(rows, "sklearn MultiTaskLasso")
    return rows


def add_references(rows, reference):
    """Coefficient and objective differences to the reference solver's fit."""
    ref = next(row for row in rows if row["solver"] == reference)
    W_ref, objective_ref = ref["_W"], ref["objective"]
    for row in rows:
        comparable = row["missing"] == ref["missing"]
        W = row.pop("_W")
        W_tight = row.pop("_W_tight", None)
        row["rel_coef_diff_tight"] = (
            np.linalg.norm(W - W_tight) / np.linalg.norm(W_tight)
            if W_tight is not None
            else ""
        )
        row["rel_coef_diff"] = (
            np.linalg.norm(W - W_ref) / np.linalg.norm(W_ref) if comparable else ""
        )
        row["rel_objective_diff"] = (
            (row["objective"] - objective_ref) / abs(objective_ref)
            if comparable
            else ""
        )


# --------------------------------------------------------------------------
# Part 3: trace norm and mean-regularized against cvxpy
# --------------------------------------------------------------------------


def fit_cvxpy(X, Y, penalty, solver, eps=None):
    """Same objective with cvxpy; W, b and the conic solver's own time."""
    n, n_tasks = Y.shape
    observed = ~np.isnan(Y)
    Y0 = np.where(observed, Y, 0.0)
    W = cp.Variable((X.shape[1], n_tasks))
    b = cp.Variable(n_tasks)
    predictions = X @ W + np.ones((n, 1)) @ cp.reshape(b, (1, n_tasks), order="C")
    datafit = cp.sum_squares(cp.multiply(observed.astype(float), Y0 - predictions))
    objective = datafit / (2 * normalizer(Y))
    if penalty[0] == "trace":
        objective = objective + penalty[1] * cp.normNuc(W)
    else:
        alpha, beta = penalty[1], penalty[2]
        deviation = W - cp.sum(W, axis=1, keepdims=True) / n_tasks
        objective = (
            objective
            + alpha / 2 * cp.sum_squares(deviation)
            + beta / 2 * cp.sum_squares(W)
        )
    problem = cp.Problem(cp.Minimize(objective))
    if solver == "SCS":
        problem.solve(solver=cp.SCS, eps_abs=eps, eps_rel=eps, max_iters=100_000)
    else:
        problem.solve(solver=cp.CLARABEL)
    info = {"n_iter": problem.solver_stats.num_iters, "status": problem.status}
    info["solve_seconds"] = problem.solver_stats.solve_time
    return W.value, b.value, info


def fit_fista(X, Y, penalty, tol):
    estimator = (
        TraceNorm(alpha=penalty[1])
        if penalty[0] == "trace"
        else MeanRegularized(alpha=penalty[1], beta=penalty[2])
    )
    model = MultiTaskLinearRegressor(estimator, tol=tol, max_iter=1_000_000).fit(X, Y)
    info = {
        "n_iter": model.n_iter_,
        "solver_ran": model.solver_,
        "reported_gap": model.dual_gap_,
    }
    return model.coef_.T, model.intercept_, info


def run_fista(X, Y, missing, repeats, trace_clarabel):
    """Trace norm and mean-regularized: ours against cvxpy, interleaved.

    ``trace_clarabel`` says whether CLARABEL runs on the trace norm.
    """
    n, p = X.shape
    n_tasks = Y.shape[1]
    observed = ~np.isnan(Y)
    Y0 = np.where(observed, Y, 0.0)
    R = np.where(observed, Y0 - Y0.sum(axis=0) / observed.sum(axis=0), 0.0)
    trace_alpha = np.linalg.norm(X.T @ R / n, 2) / 10
    penalties = [("trace", trace_alpha), ("mean", 1.0, 0.1)]
    name = f"{n}x{p}x{n_tasks}"
    rows = []
    for penalty in penalties:
        tol = calibrate_certified(
            lambda tol, pen=penalty: fit_fista(X, Y, pen, tol),
            X,
            Y,
            penalty,
            FISTA_TOLS,
        )
        eps = calibrate_certified(
            lambda eps, pen=penalty: fit_cvxpy(X, Y, pen, "SCS", eps),
            X,
            Y,
            penalty,
            SCS_EPS,
        )
        print(f"[{name} {penalty[0]}] ours tol={tol:g}, SCS eps={eps:g}", flush=True)
        runs = [
            ("ours fista", lambda pen=penalty, tol=tol: fit_fista(X, Y, pen, tol)),
            (
                "cvxpy SCS",
                lambda pen=penalty, eps=eps: fit_cvxpy(X, Y, pen, "SCS", eps),
            ),
            ("cvxpy CLARABEL", lambda pen=penalty: fit_cvxpy(X, Y, pen, "CLARABEL")),
        ]
        if penalty[0] == "trace" and not trace_clarabel:
            runs.pop()
        runs[0][1]()  # untimed round of ours; cvxpy was warmed up by warm_up
        found = []
        for repeat in range(1, repeats + 1):
            for solver, fit in runs:
                (W, b, info), seconds, n_warnings = timed(fit)
                objective, gap = objective_and_gap(X, Y, W, b, penalty)
                found.append(
                    {
                        "part": 3,
                        "problem": name,
                        "n_samples": n,
                        "n_features": p,
                        "n_tasks": n_tasks,
                        "missing": missing,
                        "penalty": "TraceNorm"
                        if penalty[0] == "trace"
                        else "MeanRegularized",
                        "alpha_max_ratio": 10 if penalty[0] == "trace" else "",
                        "alpha": penalty[1],
                        "beta": penalty[2] if penalty[0] == "mean" else "",
                        "solver": solver,
                        "solver_ran": info.get("solver_ran", info.get("status", "")),
                        "tol": {
                            "ours fista": tol,
                            "cvxpy SCS": f"eps {eps:g}",
                        }.get(solver, "default"),
                        "repeat": repeat,
                        "seconds": seconds,
                        "solve_seconds": info.get("solve_seconds", ""),
                        "objective": objective,
                        "gap": gap,
                        "gap_target": REL_OBJECTIVE * objective,
                        "reported_gap": info.get("reported_gap", ""),
                        "n_iter": info["n_iter"],
                        "support": int(np.linalg.matrix_rank(W, tol=1e-6)),
                        "convergence_warnings": n_warnings,
                        "_W": W,
                    }
                )
                print(
                    f"[{name} {penalty[0]}] {repeat} {solver}: {seconds:.3f}s "
                    f"gap={gap:.3g} objective={objective:.14g}",
                    flush=True,
                )
        add_references(found, runs[-1][0])
        rows.extend(found)
    return rows


# --------------------------------------------------------------------------
# Summary
# --------------------------------------------------------------------------


def paired_ratio(rows, solver, reference):
    """Median over repeats of ``time(solver) / time(reference)``."""
    times = {(row["solver"], row["repeat"]): row["seconds"] for row in rows}
    ratios = [
        times[solver, r] / times[reference, r]
        for (s, r) in times
        if s == solver and (reference, r) in times
    ]
    return float(np.median(ratios))


def fmt(value, spec):
    return "" if value == "" else format(value, spec)


def lasso_summary(rows):
    """Markdown table of parts 1 and 2, one line per problem and solver."""
    lines = [
        "### Parts 1 and 2: multi-task lasso",
        "",
        "Times: median over repeats. Ratios: median over repeats of the ratio "
        "within a repeat. Gap and objective: measured by the script's own "
        "`objective_and_gap` on each solver's solution; `gap / target` is that "
        "gap over `1e-6 * ||Y - mean||^2 / n` (the target of `tol=1e-6`). "
        "`rel. obj. diff` and `coef. diff vs sklearn`: relative to scikit-learn's "
        "solution at `tol=1e-6` of the same fully observed problem; `coef. diff "
        "vs tight`: relative to scikit-learn at `tol=1e-10` (fully observed) or "
        "to ours (`bcd`) at `tol=1e-10` (missing labels: no peer handles them).",
        "",
        "| problem | alpha | solver (ran) | tol | median s | time / sklearn | "
        "time / ours full | gap | gap / target | objective | rel. obj. diff | "
        "coef. diff vs sklearn | coef. diff vs tight | support | n_iter | "
        "warnings |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    lasso = [row for row in rows if row["part"] in (1, 2)]
    for problem, ratio in dict.fromkeys(
        (row["problem"], row["alpha_max_ratio"]) for row in lasso
    ):
        group = [
            row
            for row in lasso
            if row["problem"] == problem and row["alpha_max_ratio"] == ratio
        ]
        for solver in dict.fromkeys(row["solver"] for row in group):
            mine = [row for row in group if row["solver"] == solver]
            last = mine[-1]
            seconds = np.median([row["seconds"] for row in mine])
            vs_sklearn = (
                paired_ratio(group, solver, "sklearn MultiTaskLasso")
                if last["part"] == 1
                else ""
            )
            vs_full = (
                f"{paired_ratio(group, solver, 'ours auto'):.2f} (auto), "
                f"{paired_ratio(group, solver, 'ours bcd'):.2f} (bcd)"
                if last["part"] == 2
                else ""
            )
            ran = f" ({last['solver_ran']})" if last["solver_ran"] else ""
            lines.append(
                f"| {problem} | max/{ratio} | {solver}{ran} | {last['tol']:g} | "
                f"{seconds:.3f} | {fmt(vs_sklearn, '.2f')} | {vs_full} | "
                f"{last['gap']:.2e} | {last['gap'] / last['gap_target']:.2g} | "
                f"{last['objective']:.10f} | {fmt(last['rel_objective_diff'], '.1e')} "
                f"| {fmt(last['rel_coef_diff'], '.1e')} | "
                f"{last['rel_coef_diff_tight']:.1e} | {last['support']} | "
                f"{last['n_iter']} | {sum(r['convergence_warnings'] for r in mine)} |"
            )
    return "\n".join(lines)


def cvxpy_summary(rows):
    """Markdown table of part 3, one line per problem, penalty and solver."""
    lines = [
        "### Part 3: trace norm and mean-regularized against cvxpy",
        "",
        "`cvxpy / ours`: median over repeats of cvxpy's whole time (build, "
        "compile, solve) over ours and, in brackets, of the conic solver's own "
        "solve time over ours. Relative differences are to cvxpy + CLARABEL's "
        "solution (SCS's where CLARABEL does not run: the trace norm of the "
        "larger problem); gap and objective from the script's `objective_and_gap`; "
        "`gap / objective` bounds the relative distance to the optimal objective. "
        "Ours (`tol`) and SCS (`eps`) use the loosest of 1e-3, 1e-4, ... with "
        "`gap <= 1e-6 * objective` (calibrated untimed); CLARABEL its defaults. "
        "`rank`: numerical rank of W (tol 1e-6).",
        "",
        "| problem | penalty | solver (status) | tol | median s | median solve s | "
        "cvxpy / ours | gap | gap / objective | objective | rel. obj. diff | "
        "rel. coef. diff | rank | n_iter | warnings |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for problem, penalty in dict.fromkeys(
        (row["problem"], row["penalty"]) for row in rows
    ):
        group = [
            row
            for row in rows
            if row["problem"] == problem and row["penalty"] == penalty
        ]
        ours_times = {
            row["repeat"]: row["seconds"]
            for row in group
            if row["solver"] == "ours fista"
        }
        for solver in dict.fromkeys(row["solver"] for row in group):
            mine = [row for row in group if row["solver"] == solver]
            last = mine[-1]
            ratio = solve_seconds = ""
            if solver != "ours fista":
                total = np.median(
                    [r["seconds"] / ours_times[r["repeat"]] for r in mine]
                )
                solve = np.median(
                    [r["solve_seconds"] / ours_times[r["repeat"]] for r in mine]
                )
                ratio = f"{total:.3g} ({solve:.3g})"
                solve_seconds = f"{np.median([r['solve_seconds'] for r in mine]):.4f}"
            parameters = (
                f"alpha={last['alpha']:.4g}"
                if last["beta"] == ""
                else f"alpha={last['alpha']:g}, beta={last['beta']:g}"
            )
            tol = last["tol"] if isinstance(last["tol"], str) else f"{last['tol']:g}"
            lines.append(
                f"| {last['problem']}, {last['missing']:.0%} missing | {penalty} "
                f"({parameters}) | {solver} ({last['solver_ran']}) | {tol} | "
                f"{np.median([row['seconds'] for row in mine]):.4f} | "
                f"{solve_seconds} | {ratio} | {last['gap']:.2e} | "
                f"{last['gap'] / last['objective']:.1e} | "
                f"{last['objective']:.12f} | {last['rel_objective_diff']:.1e} | "
                f"{last['rel_coef_diff']:.1e} | {last['support']} | "
                f"{last['n_iter']} | "
                f"{sum(r['convergence_warnings'] for r in mine)} |"
            )
    return "\n".join(lines)


def machine_header(command, started, load_before, load_after, quick):
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = (
        f"Python {platform.python_version()}, NumPy {np.__version__}, "
        f"scikit-learn {sklearn.__version__}, skglm {skglm.__version__}, "
        f"cvxpy {cp.__version__}, sklearn_mtl {sklearn_mtl.__version__}"
    )
    return "\n".join(
        [
            "# Multi-task linear solvers: speed against peers"
            + (" (--quick)" if quick else ""),
            "",
            f"- Machine: `nproc` = {os.cpu_count()}, CPU: {cpu}.",
            f"- Threads: {N_THREADS} for every solver (`OMP_NUM_THREADS`, "
            "`OPENBLAS_NUM_THREADS`, `MKL_NUM_THREADS`, `NUMBA_NUM_THREADS` = 1 and "
            "`threadpoolctl.threadpool_limits(1)`); other processes may have "
            "shared the machine, so repeats are interleaved. Load average (1 min) "
            f"{load_before:.2f} at the start, {load_after:.2f} at the end.",
            f"- Started {started}; {versions}.",
            f"- Command: `{command}`",
            "- Data: float64, X in C order (NumPy's default), Gaussian; see the "
            "docstring of `benchmarks/linear_speed.py` for the protocol.",
        ]
    )


PARTS = ("lasso", "cvxpy")


def main(argv=None):
    """Run the chosen parts and write their results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--parts",
        default=",".join(PARTS),
        help="comma-separated: lasso (parts 1 and 2), cvxpy (part 3)",
    )
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--part3-repeats",
        type=int,
        default=3,
        help="repeats of part 3 (CLARABEL takes minutes on the trace norm)",
    )
    parser.add_argument("--quick", action="store_true", help="tiny problems")
    parser.add_argument("--output-dir", default=None)
    args = parser.parse_args(argv)
    parts = args.parts.split(",")
    if not parts or set(parts) - set(PARTS):
        parser.error(f"--parts takes a comma-separated subset of {PARTS}")
    if min(args.repeats, args.part3_repeats) < 3:
        parser.error("--repeats and --part3-repeats must be at least 3")
    command = " ".join(
        shlex.quote(a) for a in [os.path.relpath(sys.executable), *sys.argv]
    )
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    load_before = os.getloadavg()[0]
    if args.quick:
        n, n_tasks, sizes = 50, 5, [(200, 20), (200, 100), (1000, 10)]
        part3 = [((40, 20, 4), True), ((80, 40, 5), False)]
    else:
        n, n_tasks, sizes = 500, 20, [(5000, 20), (5000, 100), (50_000, 10)]
        part3 = [((200, 100, 10), True), ((1000, 500, 20), False)]
    results = {}
    with threadpool_limits(N_THREADS):
        warm_up()
        if "lasso" in parts:
            rows = []
            for p, ratio in sizes:
                X, Y = lasso_problem(n, p, n_tasks, min(20, p // 10), seed=p)
                name = f"{n}x{p}x{n_tasks}"
                rows += run_lasso(name, X, Y, ratio, args.repeats, 0.3, seed=p + 1)
            results["linear_speed"] = rows, lasso_summary(rows)
        if "cvxpy" in parts:
            rows = []
            for shape, trace_clarabel in part3:
                X, Y = low_rank_problem(*shape, missing=0.2, seed=3)
                rows += run_fista(X, Y, 0.2, args.part3_repeats, trace_clarabel)
            results["linear_speed_cvxpy"] = rows, cvxpy_summary(rows)
    header = machine_header(
        command, started, load_before, os.getloadavg()[0], args.quick
    )
    for _, table in results.values():
        print(table)
    if args.output_dir is None and args.quick:
        return
    output = Path(args.output_dir) if args.output_dir else RESULTS
    output.mkdir(parents=True, exist_ok=True)
    for stem, (rows, table) in results.items():
        with open(output / f"{stem}.csv", "w", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        (output / f"{stem}.md").write_text(header + "\n\n" + table + "\n")


if __name__ == "__main__":
    main()
