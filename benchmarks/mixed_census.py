"""Tasks of two types on census-income: one net for all, or one model per task.

Three tasks on the census-income set (``load_census_income(as_frame=True)``,
99,762 people): ``income`` (> 50K, binary), ``never_married`` (binary) and
``age`` (continuous: the ``age`` column is removed from the inputs and
predicted; it holds whole years, so the net is told
``task_types={"age": "continuous"}``). The question: does one
:class:`~sklearn_mtl.neural.MultiTaskNet` for the three tasks help or hurt
each of them against the same net trained on each task alone, and where do
both stand against per-task scikit-learn baselines?

Data and protocol
-----------------
The protocol and the encoding of ``architectures_census.py`` (whose helpers
this script imports): random 80/20 splits (``train_test_split(random_state=
split)``; ``--n-splits``, default 3), the training part subsampled at random
to ``--train-rows`` rows (default 30,000, to keep the run short on a shared
2-core machine), the whole 20% for test (about 19,950 rows). Inputs: one-hot
categorical and standardized numeric columns for the nets, logistic
regression and ridge; ordinal categorical columns with native categorical
splits for gradient boosting; every encoder fitted on the split's training
rows. The census instance weights are not used.

Metrics on the test rows: ROC-AUC of ``income`` and ``never_married``; R^2
and mean absolute error (years) of ``age``; mean +- sd over the splits.

Models
------
* **multi-task net**: one ``MultiTaskNet`` for the three tasks, the
  "default-ish" net of ``architectures_census.py``: a ``MultiTaskMLP`` trunk
  of 256-256 with dropout 0.5 and batch normalization, linear heads, Adam
  with lr 1e-3, batch 256, at most ``MAX_EPOCHS`` epochs with the nets' own
  early stopping on the internal validation loss (20% of the training rows,
  ``n_iter_no_change=PATIENCE``, best epoch restored). The validation loss is
  the mean of the tasks' losses: binary cross-entropy for the binary tasks,
  squared error on the standardized ages.
* **per-task nets**: the same net on each task alone (a ``MultiTaskNet`` on
  a one-column ``Y``), so each early-stops on its own task's loss.
* **per-task linear**: ``IndependentTaskClassifier(LogisticRegression(
  max_iter=2000))`` on the binary tasks and ``IndependentTaskRegressor(
  Ridge())`` on ``age`` (C = 1, alpha = 1).
* **per-task gradient boosting**: ``IndependentTaskClassifier(
  HistGradientBoostingClassifier)`` and ``IndependentTaskRegressor(
  HistGradientBoostingRegressor)``, defaults with categorical splits (their
  early stopping holds out 10% of the training rows).

Comparison of the multi-task net with the per-task nets, per task: the paired
difference over splits (same splits, same seed), a plain paired t-test and
the corrected resampled t-test of ``compare_estimators`` (Nadeau and Bengio:
the variance inflated by ``n_test / n_train`` for the overlap of the training
sets), through :class:`~sklearn_mtl.model_selection.ComparisonResult`; and
Delta_m (Maninis et al., 2019), the mean over tasks of the relative gain,
``(M_t - B_t) / B_t`` for ROC-AUC and, as ``compare_estimators`` does for
R^2, ``(M_t - B_t) / (1 - B_t)`` for ``age`` (the relative reduction of its
unexplained variance). ``compare_estimators(scoring="mixed")`` is not used
itself: it scores classification tasks by accuracy, not ROC-AUC, and fits
one estimator on all columns where the baselines here are one per task type.

Runtime: torch one thread (``torch.set_num_threads(1)``, BLAS one thread),
``--n-jobs`` (default 2) fits at a time with joblib on a shared 2-core
machine: fit times are wall-clock seconds under that load, comparable within
a run only.

Commands (from the repository root, data in ``../shared/data`` or
``$SKLEARN_MTL_DATA``)::

    python benchmarks/mixed_census.py --quick       # smoke run (to /tmp)
    python benchmarks/mixed_census.py

Results: ``benchmarks/results/mixed_census.csv`` (one row per model, split
and task) and ``mixed_census.md`` (the summary).
"""

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from joblib import Parallel, delayed
from scipy import stats
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import mean_absolute_error, r2_score, roc_auc_score
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))

from architectures_census import BATCH_SIZE, MAX_EPOCHS, PATIENCE, encoded_split
from neural_quality import DEFAULTISH, _mean_sd, write_csv

from sklearn_mtl.baselines import IndependentTaskClassifier, IndependentTaskRegressor
from sklearn_mtl.datasets import load_census_income
from sklearn_mtl.model_selection import ComparisonResult
from sklearn_mtl.neural import MultiTaskMLP, MultiTaskNet

RESULTS = Path(__file__).resolve().parent / "results"
NAME = "mixed_census"
TASKS = ("income", "never_married", "age")
BINARY = ("income", "never_married")
CONTINUOUS = ("age",)
MULTI = "multi-task net"
SINGLE = "per-task nets"
LINEAR = "per-task logistic / ridge"
BOOSTING = "per-task gradient boosting"
MODELS = (MULTI, SINGLE, LINEAR, BOOSTING)


# ------------------------------------------------------------------ data
def load(args):
    """Inputs without ``age``, the three targets, categorical / numeric columns."""
    bunch = load_census_income(args.data_home, as_frame=True)
    X = bunch.data
    Y = np.column_stack([bunch.target.to_numpy(dtype=float), X["age"].to_numpy()])
    X = X.drop(columns="age")
    if args.quick:
        X, Y = X.iloc[:5000], Y[:5000]
    categorical = [str(name) for name in bunch.categorical_features]
    numeric = [str(c) for c in X.columns if str(c) not in categorical]
    assert [*map(str, bunch.task_names), "age"] == list(TASKS)
    return X, Y, categorical, numeric


# ------------------------------------------------------------------ models
def make_net(tasks, seed, max_epochs):
    """The default-ish net of ``architectures_census.py`` for ``tasks``."""
    return MultiTaskNet(
        module=MultiTaskMLP,
        module__hidden_units=(256, 256),
        **DEFAULTISH["classification"],  # dropout 0.5, batch normalization
        # Whole years would be read as classes: age is declared continuous
        # (and, for the nets on one task, the binary tasks as binary).
        task_types={t: "binary" if t in BINARY else "continuous" for t in tasks},
        lr=1e-3,
        batch_size=BATCH_SIZE,
        max_epochs=max_epochs,
        n_iter_no_change=PATIENCE,  # early stopping on valid_loss, best epoch kept
        random_state=seed,
        torch_num_threads=1,
        verbose=0,
    )


def make_baseline(model, tasks, n_categorical, seed):
    """A per-task scikit-learn baseline for tasks of one type."""
    binary = tasks[0] in BINARY
    if model == LINEAR:
        if binary:
            return IndependentTaskClassifier(LogisticRegression(max_iter=2000))
        return IndependentTaskRegressor(Ridge())
    boosting = (
        HistGradientBoostingClassifier if binary else HistGradientBoostingRegressor
    )
    return (IndependentTaskClassifier if binary else IndependentTaskRegressor)(
        boosting(categorical_features=np.arange(n_categorical), random_state=seed)
    )


def task_scores(model, X, Y, tasks):
    """Per-task test scores: ROC-AUC (binary), R^2 and MAE in years (age)."""
    proba = model.predict_proba(X) if any(t in BINARY for t in tasks) else None
    if not isinstance(proba, list):
        proba = [proba] * len(tasks)
    scores = {}
    for t, task in enumerate(tasks):
        y = Y[:, t]
        if task in BINARY:
            scores[task] = {"roc_auc": roc_auc_score(y, proba[t][:, 1])}
        else:
            pred = np.asarray(model.predict(X), dtype=object).reshape(len(y), -1)
            pred = pred[:, t].astype(float)
            scores[task] = {
                "r2": r2_score(y, pred),
                "mae_years": mean_absolute_error(y, pred),
            }
    return scores


def fit_one(job, data, n_categorical):
    """Fit one model on one split for some tasks and score it (joblib worker)."""
    torch.set_num_threads(1)
    tasks = job["tasks"]
    columns = [TASKS.index(task) for task in tasks]
    Y_train, Y_test = (Y[:, columns] for Y in data["Y"])
    if job["model"] == BOOSTING:
        X_train, X_test = data["ordinal"]
    else:
        X_train, X_test = data["one_hot"]
    if job["model"] in (MULTI, SINGLE):
        model = make_net(tasks, job["split"], job["max_epochs"])
        Y_train = pd.DataFrame(Y_train, columns=list(tasks))
    else:
        model = make_baseline(job["model"], tasks, n_categorical, job["split"])
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module="skorch")
        start = time.perf_counter()
        model.fit(X_train, Y_train)
        fit_time = time.perf_counter() - start
        scores = task_scores(model, X_test, Y_test, tasks)
    is_net = job["model"] in (MULTI, SINGLE)
    return {
        **job,
        "scores": scores,
        "fit_time": fit_time,
        "epochs": len(model.history) if is_net else np.nan,
        "best_epoch": model.best_epoch_ if is_net else np.nan,
        "n_train": data["n_train"],
        "n_test": len(Y_test),
    }


def jobs_of(split, max_epochs, models):
    """The fits of one split: (model, tasks) pairs."""
    jobs = []
    for model in models:
        if model == MULTI:
            groups = [TASKS]
        elif model == SINGLE:
            groups = [(task,) for task in TASKS]
        else:
            groups = [BINARY, CONTINUOUS]
        jobs += [
            {"model": model, "split": split, "tasks": g, "max_epochs": max_epochs}
            for g in groups
        ]
    # Longest first, so that the two workers finish together.
    return sorted(jobs, key=lambda job: job["model"] not in (MULTI, SINGLE))


# ------------------------------------------------------------------ run
def run(args, command):
    X, Y, categorical, numeric = load(args)
    models = [m for m in MODELS if not args.models or m in args.models]
    start = time.perf_counter()
    results = []
    with threadpool_limits(1):
        for split in range(args.n_splits):
            data = encoded_split(X, Y, categorical, numeric, split, args.train_rows)
            print(
                f"split {split}: {data['n_train']} training rows, "
                f"{data['one_hot'][0].shape[1]} encoded inputs",
                flush=True,
            )
            jobs = jobs_of(split, args.max_epochs, models)
            for res in Parallel(n_jobs=args.n_jobs, return_as="generator_unordered")(
                delayed(fit_one)(job, data, len(categorical)) for job in jobs
            ):
                results.append(res)
                shown = " ".join(
                    f"{task} {name} {value:.4f}"
                    for task, values in res["scores"].items()
                    for name, value in values.items()
                )
                print(
                    f"[{time.perf_counter() - start:5.0f} s] split {split} "
                    f"{res['model']:<28s} {shown} | epochs {res['epochs']} "
                    f"(best {res['best_epoch']}) | fit {res['fit_time']:.1f} s",
                    flush=True,
                )
    wall = time.perf_counter() - start
    rows = []
    for res in results:
        for task, values in res["scores"].items():
            rows.append(
                {
                    "model": res["model"],
                    "split": res["split"],
                    "task": task,
                    "metric": "ROC-AUC" if task in BINARY else "R2",
                    "score": float(values.get("roc_auc", values.get("r2"))),
                    "mae_years": float(values.get("mae_years", np.nan)),
                    "fit_time_s": round(res["fit_time"], 2),
                    "fitted_with": "+".join(res["tasks"]),
                    "epochs": res["epochs"],
                    "best_epoch": res["best_epoch"],
                    "n_train": res["n_train"],
                    "n_test": res["n_test"],
                }
            )
    order = {name: i for i, name in enumerate(models)}
    rows.sort(key=lambda r: (order[r["model"]], r["split"], TASKS.index(r["task"])))
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_csv(rows, out / f"{NAME}.csv")
    text = summary(pd.DataFrame(rows), models, command, wall, args)
    (out / f"{NAME}.md").write_text(text)
    print(text)


# ------------------------------------------------------------------ summary
def score_array(frame, models, splits):
    """Scores of shape (n_models, n_splits, n_tasks)."""
    table = frame.pivot_table(index=["model", "split"], columns="task", values="score")
    return np.array(
        [[[table.loc[(m, s), t] for t in TASKS] for s in splits] for m in models]
    )


def delta_m(model_scores, reference_scores):
    """Relative gain in percent: ROC-AUC by its ratio, R^2 by ``1 - R^2``."""
    gains = []
    for t, task in enumerate(TASKS):
        mean, base = np.mean(model_scores[:, t]), np.mean(reference_scores[:, t])
        gains.append((mean - base) / (base if task in BINARY else 1.0 - base))
    return 100.0 * np.mean(gains), 100.0 * np.array(gains)


def comparison_lines(frame, splits):
    """The multi-task net against the per-task nets, task by task."""
    scores = score_array(frame, [SINGLE, MULTI], splits)
    n_train, n_test = frame["n_train"].iloc[0], frame["n_test"].iloc[0]
    result = ComparisonResult(
        scores,
        [SINGLE, MULTI],
        list(TASKS),
        reference=SINGLE,
        metric="ROC-AUC / R2",
        greater_is_better=True,
        fit_times=np.zeros(scores.shape[:2]),
        test_train_ratio=n_test / n_train,
    )
    corrected = result.p_values()[1]
    paired = scores[1] - scores[0]
    total, gains = delta_m(scores[1], scores[0])
    lines = [
        f"## {MULTI} vs {SINGLE} (paired over the {len(splits)} splits)",
        "",
        "| task | metric | per-task nets | multi-task net | difference | "
        "per split | paired t-test p | corrected p | relative gain |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for t, task in enumerate(TASKS):
        if len(splits) > 1 and np.any(paired[:, t] != paired[0, t]):
            plain = stats.ttest_rel(scores[1][:, t], scores[0][:, t]).pvalue
        else:
            plain = np.nan
        lines.append(
            "| "
            + " | ".join(
                [
                    task,
                    "ROC-AUC" if task in BINARY else "R^2",
                    _mean_sd(scores[0][:, t]),
                    _mean_sd(scores[1][:, t]),
                    f"{paired[:, t].mean():+.4f} +- {paired[:, t].std(ddof=1):.4f}"
                    if len(splits) > 1
                    else f"{paired[0, t]:+.4f}",
                    " ".join(f"{d:+.4f}" for d in paired[:, t]),
                    f"{plain:.3f}",
                    f"{corrected[t]:.3f}" if np.isfinite(corrected[t]) else "nan",
                    f"{gains[t]:+.2f}%",
                ]
            )
            + " |"
        )
    mae = frame[frame["task"] == "age"].pivot_table(
        index="split", columns="model", values="mae_years"
    )
    mae_diff = (mae[MULTI] - mae[SINGLE]).to_numpy()
    lines += [
        "",
        f"Delta_m of the multi-task net over the per-task nets: **{total:+.2f}%** "
        "(mean over the three tasks of the relative gain: (M - B) / B for "
        "ROC-AUC, (M - B) / (1 - B) for the R^2 of age, the relative reduction "
        "of its unexplained variance, as `compare_estimators` does for R^2). "
        f"Age MAE difference (multi-task minus per-task, years): "
        f"{_mean_sd(mae_diff, 3)} (per split "
        + ", ".join(f"{d:+.3f}" for d in mae_diff)
        + "). Corrected p: the resampled t-test of `compare_estimators` "
        f"(Nadeau-Bengio, n_test / n_train = {n_test / n_train:.3f}). With "
        f"{len(splits)} splits only a difference of the same sign and size "
        "on every split reaches significance.",
        "",
    ]
    return lines


def summary(frame, models, command, wall, args):
    splits = sorted(frame["split"].unique())
    n_train, n_test = frame["n_train"].iloc[0], frame["n_test"].iloc[0]
    lines = [
        "# Tasks of two types on census-income: one net for all vs per task",
        "",
        f"Command: `{command}` (wall time {wall / 60:.1f} min)",
        "",
        f"{len(splits)} random 80/20 splits, {n_train} training rows per split "
        f"(subsampled), {n_test} test rows. Tasks: income and never_married "
        "(binary, ROC-AUC) and age (continuous, removed from the inputs; R^2 "
        "and MAE in years); mean +- sd over splits. Nets: `MultiTaskNet`, "
        "trunk 256-256, dropout 0.5, batch normalization, Adam lr 1e-3, batch "
        f"{BATCH_SIZE}, at most {args.max_epochs} epochs, early stopping on the "
        f"internal validation loss (20% of the training rows, patience "
        f"{PATIENCE}, best epoch kept). Fit time: seconds per split for the "
        "three tasks (the sum of the per-task fits), torch 1 thread, "
        f"{args.n_jobs} fits at a time on a shared 2-core machine.",
        "",
        "| model | income ROC-AUC | never_married ROC-AUC | age R^2 | "
        "age MAE (years) | fit time (s) | epochs (best) |",
        "|---|---|---|---|---|---|---|",
    ]
    for model in models:
        mine = frame[frame["model"] == model]
        if mine.empty:
            continue
        cells = [model]
        for task in TASKS:
            cells.append(_mean_sd(mine.loc[mine["task"] == task, "score"]))
        cells.append(_mean_sd(mine.loc[mine["task"] == "age", "mae_years"], 2))
        fits = mine.drop_duplicates(["split", "fitted_with"])
        cells.append(f"{fits.groupby('split')['fit_time_s'].sum().mean():.1f}")
        if model in (MULTI, SINGLE):
            per_task = [
                f"{mine.loc[mine['task'] == task, 'epochs'].mean():.0f} "
                f"({mine.loc[mine['task'] == task, 'best_epoch'].mean():.0f})"
                for task in TASKS
            ]
            cells.append(per_task[0] if model == MULTI else ", ".join(per_task))
        else:
            cells.append("")
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "Epochs: mean over splits of the epochs run and (in parentheses) the "
        "best epoch restored; for the per-task nets, income, never_married, "
        "age.",
        "",
    ]
    if MULTI in models and SINGLE in models:
        lines += comparison_lines(frame, splits)
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--data-home", default=os.environ.get("SKLEARN_MTL_DATA", "../shared/data")
    )
    parser.add_argument("--n-splits", type=int, default=3)
    parser.add_argument("--train-rows", type=int, default=30_000)
    parser.add_argument("--max-epochs", type=int, default=MAX_EPOCHS)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--models", nargs="+", default=None, choices=MODELS)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out-dir", default=None)
    args = parser.parse_args(argv)
    if args.quick:
        args.n_splits = min(args.n_splits, 2)
        args.max_epochs = min(args.max_epochs, 2)
    if args.out_dir is None:
        args.out_dir = f"/tmp/{NAME}_quick" if args.quick else RESULTS
    command = "python benchmarks/mixed_census.py " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    torch.set_num_threads(1)
    run(args, command.strip())


if __name__ == "__main__":
    main()
