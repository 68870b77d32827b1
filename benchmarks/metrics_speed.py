"""Cost per task of the mask-aware metrics, side by side with scikit-learn.

The peer is what a user writes without the package: a loop over the tasks
that drops each task's missing labels and calls scikit-learn's metric on the
observed rows. Both are timed in the same run, interleaved over rounds, on
``n_samples x n_tasks`` labels with a fraction missing (ToxCast-like: 8,000
rows, 617 tasks, 70% missing). The ratio is the package's time over the
loop's time (below 1: the package is faster).

Run from the repository root::

    python benchmarks/metrics_speed.py [--rounds 7] [--n-samples 8000]
        [--n-tasks 617] [--missing 0.7]

Results go to ``benchmarks/results/metrics_speed.md``.
"""

import argparse
import os
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import mean_squared_error, r2_score, roc_auc_score

from sklearn_mtl.metrics import (
    multitask_mean_squared_error,
    multitask_r2_score,
    multitask_roc_auc_score,
)

RESULTS = Path(__file__).parent / "results" / "metrics_speed.md"


def per_task_loop(metric, Y_true, Y_pred):
    """The user's loop: scikit-learn's metric on each task's observed rows."""
    scores = []
    for t in range(Y_true.shape[1]):
        observed = ~np.isnan(Y_true[:, t])
        scores.append(metric(Y_true[observed, t], Y_pred[observed, t]))
    return np.asarray(scores)


def make_data(n_samples, n_tasks, missing, seed=0):
    """Continuous and binary labels with missing entries, and scores."""
    rng = np.random.default_rng(seed)
    unobserved = rng.random((n_samples, n_tasks)) < missing
    continuous = rng.normal(size=(n_samples, n_tasks))
    binary = (rng.random((n_samples, n_tasks)) < 0.3).astype(float)
    continuous[unobserved] = np.nan
    binary[unobserved] = np.nan
    scores = rng.normal(size=(n_samples, n_tasks))
    return continuous, binary, scores


def timed(function, *args, **kwargs):
    """Seconds one call takes, and its result."""
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--n-samples", type=int, default=8000)
    parser.add_argument("--n-tasks", type=int, default=617)
    parser.add_argument("--missing", type=float, default=0.7)
    args = parser.parse_args()
    continuous, binary, scores = make_data(args.n_samples, args.n_tasks, args.missing)
    cases = [
        ("R^2", multitask_r2_score, r2_score, continuous),
        ("MSE", multitask_mean_squared_error, mean_squared_error, continuous),
        ("ROC AUC", multitask_roc_auc_score, roc_auc_score, binary),
    ]
    rows = []
    for name, ours, reference, Y_true in cases:
        ours_times, loop_times = [], []
        for _ in range(args.rounds):
            ours_time, got = timed(ours, Y_true, scores, multioutput="raw_values")
            loop_time, expected = timed(per_task_loop, reference, Y_true, scores)
            np.testing.assert_allclose(got, expected, rtol=1e-10)
            ours_times.append(ours_time)
            loop_times.append(loop_time)
        ratios = np.asarray(ours_times) / np.asarray(loop_times)
        rows.append(
            (
                name,
                1e3 * np.median(ours_times) / args.n_tasks,
                1e3 * np.median(loop_times) / args.n_tasks,
                np.median(ratios),
            )
        )
    lines = [
        "# Cost per task of the mask-aware metrics",
        "",
        f"`python benchmarks/metrics_speed.py --rounds {args.rounds} "
        f"--n-samples {args.n_samples} --n-tasks {args.n_tasks} "
        f"--missing {args.missing}`, {time.strftime('%Y-%m-%d')}, load average "
        f"{os.getloadavg()[0]:.1f} at the end. Medians over interleaved rounds; "
        "the ratio is the median of the per-round ratios (package / loop). The "
        "package validates Y and the predictions once, then scores each task "
        "on its observed rows; the loop calls scikit-learn's metric per task.",
        "",
        "| metric | package (ms per task) | scikit-learn loop (ms per task) | ratio |",
        "|---|---:|---:|---:|",
    ]
    lines += [f"| {n} | {a:.3f} | {b:.3f} | {r:.2f} |" for n, a, b, r in rows]
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
