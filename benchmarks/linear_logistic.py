"""Logistic multi-task fits: block coordinate descent against FISTA, at equal gap.

Which solver should ``solver="auto"`` run for the logistic datafit? Both stop
on the same duality gap (``tol`` times the loss of the intercept-only model,
computed by the same code), so their times at the same ``tol`` compare fits
of equal accuracy; the table shows each fit's gap and objective (the
objective written out in this script, from the coefficients alone), so that
a solver that stopped early would show.

Problems (dense Gaussian ``X``, float64; labels drawn from a logistic model
with 10 true features out of ``p``; ``alpha`` a fraction of the L2,1
penalty's ``alpha_max``):

- ``binary``: 2,000 x 50, 4 binary tasks, every label observed;
- ``multiclass``: the same with 3 classes per task (one column of ``W`` per
  class, multinomial loss);
- ``missing``: 5,000 x 100, 50 binary tasks, 70% of the labels missing
  (the observed-entries design);
- ``landmine``: the 29 Landmine fields (14,820 x 9 features, standardized,
  each row labelled for its own field only);
- ``tox21``: the 12 Tox21 assays (7,831 x 1,024 ECFP4 bits, standardized,
  17% of the labels missing).

Each at ``alpha_max / 10`` and ``alpha_max / 100``, ``tol`` 1e-4 (the
default) and 1e-6, ``MultiTaskLogisticRegression`` (the L2,1 penalty) with
``solver="bcd"`` and ``solver="fista"``, ``max_iter=100000``. One thread
(BLAS, OpenMP, Numba); the compiled code is warmed up first; the repeats are
interleaved (bcd, fista, bcd, fista, ...) so that load from other processes
falls on both; times are medians over repeats, ratios the median of the
ratio within a repeat.

Run from the repository root::

    python benchmarks/linear_logistic.py [--repeats 3] [--problems ...]
        [--data-home ../shared/data] [--quick]

Results: ``benchmarks/results/linear_logistic.{csv,md}``. ``--quick`` runs
tiny problems and writes nothing unless ``--output-dir`` is given.
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
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from scipy.special import log_expit, log_softmax  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from sklearn_mtl.linear_model import (  # noqa: E402
    MultiTaskLogisticRegression,
    multitask_path,
)

RESULTS = Path(__file__).parent / "results"
SOLVERS = ("bcd", "fista")
PROBLEMS = ("binary", "multiclass", "missing", "landmine", "tox21")
FRACTIONS = (10, 100)
TOLERANCES = (1e-4, 1e-6)


def synthetic(n_samples, n_features, n_tasks, n_classes, missing, seed=0):
    """Gaussian ``X`` and labels from a sparse logistic (or multinomial) model."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    columns = []
    for _ in range(n_tasks):
        W = np.zeros((n_features, n_classes))
        W[:10] = rng.standard_normal((10, n_classes))
        logits = X @ W + rng.gumbel(size=(n_samples, n_classes))
        columns.append(np.argmax(logits, axis=1).astype(float))
    Y = np.column_stack(columns)
    Y[rng.random(Y.shape) < missing] = np.nan
    return X, Y


def load(name, data_home, quick):
    """``X, Y`` of a problem (small versions with ``quick``)."""
    if name == "binary":
        return synthetic(200 if quick else 2000, 50, 4, 2, 0.0)
    if name == "multiclass":
        return synthetic(200 if quick else 2000, 50, 4, 3, 0.0)
    if name == "missing":
        return synthetic(500 if quick else 5000, 100, 50, 2, 0.7)
    data = np.load(
        Path(data_home) / f"{name}{'' if name == 'landmine' else '_ecfp4'}.npz"
    )
    if name == "landmine":
        X, task = data["X"], data["task"]
        Y = np.full((X.shape[0], int(task.max()) + 1), np.nan)
        Y[np.arange(X.shape[0]), task] = data["y"]
    else:
        X, Y = data["X"].astype(np.float64), data["Y"]
    if quick:
        X, Y = X[::20], Y[::20]
    return StandardScaler().fit_transform(X), Y


def alpha_max(X, Y):
    """The L2,1 ``alpha_max`` of the logistic datafit: where the path starts."""
    alphas, *_ = multitask_path(X, Y, loss="logistic", alphas=1)
    return float(alphas[0])


def objective(model, X, Y):
    """The objective of a fitted model, written out from its coefficients."""
    scores = X @ model.coef_.T + model.intercept_
    observed = ~np.isnan(Y)
    total = 0.0
    for t, classes in enumerate(model.classes_):
        rows = observed[:, t]
        columns = scores[rows][:, model.output_task_ == t]
        codes = np.searchsorted(classes, Y[rows, t])
        if classes.size == 2:
            sign = np.where(codes == 1, 1.0, -1.0)
            total -= log_expit(sign * columns[:, 0]).sum()
        else:
            total -= log_softmax(columns, axis=1)[np.arange(codes.size), codes].sum()
    m = observed.sum() / Y.shape[1]
    return total / m + model.alpha * np.linalg.norm(model.coef_, axis=0).sum()


def fit(X, Y, alpha, solver, tol):
    model = MultiTaskLogisticRegression(
        alpha=alpha, solver=solver, tol=tol, max_iter=100_000
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        start = time.perf_counter()
        model.fit(X, Y)
        seconds = time.perf_counter() - start
    converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    return model, seconds, converged


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--problems", default=",".join(PROBLEMS))
    parser.add_argument("--data-home", default="../shared/data")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--output-dir", default=None)
    args = parser.parse_args()
    output = (
        Path(args.output_dir) if args.output_dir else (None if args.quick else RESULTS)
    )
    load_start = os.getloadavg()[0]
    started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    # Warm up the compiled code.
    X, Y = synthetic(100, 10, 2, 2, 0.0)
    for solver in SOLVERS:
        fit(X, Y, 0.01, solver, 1e-4)
    rows, summary = [], []
    for name in args.problems.split(","):
        X, Y = load(name, args.data_home, args.quick)
        largest = alpha_max(X, Y)
        for fraction in FRACTIONS:
            alpha = largest / fraction
            for tol in TOLERANCES:
                times = {solver: [] for solver in SOLVERS}
                fitted = {}
                for repeat in range(args.repeats + 1):
                    for solver in SOLVERS:
                        model, seconds, converged = fit(X, Y, alpha, solver, tol)
                        if repeat == 0:  # untimed round
                            fitted[solver] = (model, converged)
                            continue
                        times[solver].append(seconds)
                        rows.append({
                            "problem": name, "alpha": f"max/{fraction}", "tol": tol,
                            "solver": solver, "repeat": repeat, "seconds": seconds,
                            "n_iter": model.n_iter_, "dual_gap": model.dual_gap_,
                            "converged": converged,
                        })  # fmt: skip
                objectives = {s: objective(fitted[s][0], X, Y) for s in SOLVERS}
                best = min(objectives.values())
                ratio = np.median(np.array(times["bcd"]) / np.array(times["fista"]))
                for solver in SOLVERS:
                    model, converged = fitted[solver]
                    summary.append(
                        f"| {name} {X.shape[0]}x{X.shape[1]}x{Y.shape[1]} | "
                        f"max/{fraction} | {tol:g} | {solver} | "
                        f"{np.median(times[solver]):.3f} | "
                        f"{ratio:.2f} | {model.n_iter_} | {model.dual_gap_:.2e} | "
                        f"{(objectives[solver] - best) / abs(best):.1e} | "
                        f"{'yes' if converged else 'no'} |"
                    )
                    print(summary[-1], flush=True)
    if output is None:
        return
    output.mkdir(parents=True, exist_ok=True)
    with open(output / "linear_logistic.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    lines = [
        "# Logistic fits: block coordinate descent against FISTA",
        "",
        f"- Machine: `nproc` = {os.cpu_count()}, {platform.processor() or 'CPU'}; "
        "shared with other jobs: repeats interleaved. Load average (1 min) "
        f"{load_start:.2f} at the start, {os.getloadavg()[0]:.2f} at the end.",
        f"- Started {started}; one thread (BLAS, OpenMP, Numba).",
        f"- Command: `python benchmarks/linear_logistic.py --repeats {args.repeats}`;"
        " protocol in its docstring.",
        "",
        "Times: median over repeats (seconds); `bcd / fista`: median over repeats "
        "of the ratio within a repeat (below 1: block coordinate descent is "
        "faster). `gap`: the fit's duality gap (both solvers stop at `tol` "
        "times the intercept-only loss); `rel. objective`: the objective "
        "written out in the script, relative to the lower of the two.",
        "",
        "| problem | alpha | tol | solver | seconds | bcd / fista | n_iter | gap | "
        "rel. objective | converged |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---|",
        *summary,
    ]
    (output / "linear_logistic.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    with threadpool_limits(1):
        main()
