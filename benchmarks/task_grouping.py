"""Which tasks should learn together: task affinity and grouping, measured.

Issue 15's benchmark, in two parts.

synthetic (planted groups)
    Two groups of three regression tasks: every task is ``s + u`` or
    ``s - u`` with ``s = x_0`` (easy) and ``u = sin(3 x_1)`` (harder), plus
    Gaussian noise of sd 0.1, on 4 standard normal inputs; the six tasks are
    shuffled per seed. Tasks of one group help each other; across groups the
    ``u`` parts pull the shared representation in opposite directions. Each
    seed draws 600 training rows and 2,000 test rows. A
    :class:`~sklearn_mtl.task_selection.TaskAffinity` (a net with one hidden
    layer of 32 units, Adam lr 0.01, batch 64, 10 epochs; ``method=
    "lookahead"`` and ``"gradient_cosine"``) is fitted on the training rows
    and :func:`~sklearn_mtl.task_selection.select_task_groups` picks two
    groups. Target: the planted grouping recovered exactly in at least 9 of
    10 seeds. On the test rows, the nets of the same size with early
    stopping (at most 200 epochs): one net for all tasks, one net per task,
    and :class:`~sklearn_mtl.task_selection.GroupedMultiTaskNet` with the
    groups of the lookahead affinity; R^2 per task.
tox21 (12 assays, 17% of labels missing)
    ``load_tox21`` from ``/work/shared/data`` (or ``SKLEARN_MTL_DATA``), 3
    random 80/20 splits (``train_test_split(test_size=0.2,
    random_state=split)``). Every net is a ``MultiTaskNetClassifier`` with one
    hidden layer of 256 units, batch normalization, dropout 0.5 (the user
    guide's starting point for classification), Adam lr 1e-3, batch 128, at
    most 100 epochs with early stopping on the internal 20% validation loss
    (patience 5, best epoch restored). Models: one net for all tasks; one net
    per task (``GroupedMultiTaskNet`` with one group per task, the single-task
    reference); ``GroupedMultiTaskNet`` with ``n_groups`` 2, 3 and 4, whose
    groups come from a lookahead ``TaskAffinity`` of the same net (defaults:
    20 epochs at most, lookahead step 0.1) fitted on the split's training
    rows, once per split and shared by the three (``affinity=`` the array).
    The gradient-cosine affinity is also measured on each split, for its
    groups and its cost only. Metric: ROC-AUC per task on the test rows;
    Delta_m and the paired tests come from
    :class:`~sklearn_mtl.model_selection.ComparisonResult` (corrected
    resampled t-test over the 3 splits, ``n_test / n_train = 0.25``), the
    transfer table from :class:`~sklearn_mtl.task_selection.TransferReport`.
    Fit times are wall-clock seconds; a grouped model's cost is its nets'
    fits plus the affinity run.

Cost of the affinity at T = 12: on split 0's training rows, an ordinary fit
of the Tox21 net for 10 epochs (early stopping off) against a
``TaskAffinity`` run of the same net for 10 epochs (lookahead, and gradient
cosine), interleaved over 3 rounds; the ratio is the median of the per-round
ratios. Target: at most 2x.

Everything runs in one process with ``torch.set_num_threads(1)`` on a shared
2-core machine.

Command (from the repository root)::

    python benchmarks/task_grouping.py

``--quick`` is a smoke run (2 seeds, 1 split, few epochs) written to
``/tmp/task_grouping_quick``. Results: ``benchmarks/results/task_grouping.csv``
(one row per model, split or seed, and task: score and fit time),
``task_grouping_recovery.csv`` (one row per seed and affinity method),
``task_grouping_groups.csv`` (groups chosen on each Tox21 split),
``task_grouping.md`` and ``task_grouping.png`` (affinity matrices).
"""

import argparse
import csv
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
from scipy import stats
from sklearn.base import clone
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split

from sklearn_mtl.datasets import load_tox21
from sklearn_mtl.metrics import multitask_roc_auc_score
from sklearn_mtl.model_selection import ComparisonResult
from sklearn_mtl.neural import MultiTaskNetClassifier, MultiTaskNetRegressor
from sklearn_mtl.task_selection import (
    GroupedMultiTaskNet,
    TaskAffinity,
    TransferReport,
    select_task_groups,
)

NAME = "task_grouping"
RESULTS = Path(__file__).resolve().parent / "results"
DATA = os.environ.get("SKLEARN_MTL_DATA", "/work/shared/data")

N_SEEDS = 10
N_SPLITS = 3
N_GROUPS = (2, 3, 4)
ALL, SINGLE = "all-task net", "per-task nets"


def grouped_name(n_groups):
    return f"grouped ({n_groups} groups)"


# ------------------------------------------------------------------ synthetic
def planted_groups(seed, n_train=600, n_test=2000):
    """Two planted groups of three tasks (``s + u`` and ``s - u``), shuffled."""
    rng = np.random.default_rng(seed)
    n = n_train + n_test
    X = rng.normal(size=(n, 4))
    s, u = X[:, 0], np.sin(3 * X[:, 1])
    signs = np.array([1, 1, 1, -1, -1, -1])[rng.permutation(6)]
    Y = s[:, None] + signs * u[:, None] + 0.1 * rng.normal(size=(n, 6))
    truth = sorted(
        [np.flatnonzero(signs > 0).tolist(), np.flatnonzero(signs < 0).tolist()]
    )
    return X[:n_train], Y[:n_train], X[n_train:], Y[n_train:], truth, signs


def synthetic_net(**params):
    settings = {
        "module__hidden_units": (32,),
        "lr": 1e-2,
        "batch_size": 64,
        "max_epochs": 200,
        "verbose": 0,
        "torch_num_threads": 1,
    }
    return MultiTaskNetRegressor(**{**settings, **params})


def timed_fit(model, X, Y):
    start = time.perf_counter()
    model.fit(X, Y)
    return model, time.perf_counter() - start


def run_synthetic(n_seeds, quick):
    recovery, scores, affinities = [], [], {}
    affinity_epochs = 2 if quick else 10
    for seed in range(n_seeds):
        X, Y, X_test, Y_test, truth, signs = planted_groups(seed)
        chosen = {}
        for method in ("lookahead", "gradient_cosine"):
            run = TaskAffinity(
                synthetic_net(),
                method=method,
                max_epochs=affinity_epochs,
                random_state=seed,
            )
            run, seconds = timed_fit(run, X, Y)
            groups, _ = select_task_groups(run.affinity_, 2)
            chosen[method] = (run.affinity_, groups, seconds)
            recovery.append(
                {
                    "seed": seed,
                    "method": method,
                    "truth": truth,
                    "groups": sorted(groups),
                    "recovered": sorted(groups) == truth,
                    "fit_time": seconds,
                }
            )
            print(f"[synthetic] seed {seed} {method}: {sorted(groups)} vs {truth}")
        affinity, groups, affinity_time = chosen["lookahead"]
        affinities[seed] = (affinity, signs)
        net = synthetic_net(random_state=seed, max_epochs=3 if quick else 200)
        models = {
            ALL: clone(net),
            SINGLE: GroupedMultiTaskNet(net, groups=[[t] for t in range(6)]),
            "grouped (lookahead, 2 groups)": GroupedMultiTaskNet(
                net, n_groups=2, affinity=affinity
            ),
        }
        for name, model in models.items():
            model, seconds = timed_fit(model, X, Y)
            if name.startswith("grouped"):
                seconds += affinity_time
            Y_pred = model.predict(X_test)
            for t in range(6):
                scores.append(
                    {
                        "dataset": "synthetic",
                        "split": seed,
                        "model": name,
                        "task": f"t{t} ({'+' if signs[t] > 0 else '-'}u)",
                        "score": r2_score(Y_test[:, t], Y_pred[:, t]),
                        "fit_time": seconds,
                    }
                )
    return recovery, scores, affinities


# ---------------------------------------------------------------------- tox21
def tox21_net(quick, **params):
    settings = {
        "module__hidden_units": (256,),
        "module__batch_norm": True,
        "module__dropout": 0.5,
        "lr": 1e-3,
        "batch_size": 128,
        "max_epochs": 3 if quick else 100,
        "n_iter_no_change": 5,
        "verbose": 0,
        "torch_num_threads": 1,
    }
    return MultiTaskNetClassifier(**{**settings, **params})


def roc_auc(model, X, Y):
    probabilities = model.predict_proba(X)
    P = np.column_stack([p[:, 1] for p in probabilities])
    return multitask_roc_auc_score(Y, P, multioutput="raw_values")


def affinity_cost(X, Y, quick, n_rounds=3):
    """Median ratio of a TaskAffinity run to an ordinary fit, same epochs."""
    epochs = 2 if quick else 10
    net = tox21_net(quick, early_stopping=False, max_epochs=epochs, random_state=0)
    times = {"ordinary": [], "lookahead": [], "gradient_cosine": []}
    for _ in range(1 if quick else n_rounds):
        times["ordinary"].append(timed_fit(clone(net), X, Y)[1])
        for method in ("lookahead", "gradient_cosine"):
            run = TaskAffinity(net, method=method, max_epochs=epochs)
            times[method].append(timed_fit(run, X, Y)[1])
    ordinary = np.array(times["ordinary"])
    return {
        "epochs": epochs,
        "ordinary": float(np.median(ordinary)),
        **{
            method: (
                float(np.median(times[method])),
                float(np.median(np.array(times[method]) / ordinary)),
            )
            for method in ("lookahead", "gradient_cosine")
        },
    }


def run_tox21(n_splits, quick):
    data = load_tox21(DATA)
    X = data.data.astype(np.float32)
    Y = data.target
    names = [str(name) for name in data.task_names]
    if quick:
        keep = np.random.default_rng(0).permutation(len(X))[:1500]
        X, Y = X[keep], Y[keep]
    n_tasks = Y.shape[1]
    scores, group_rows, affinities = [], [], []
    cost = None
    for split in range(n_splits):
        train, test = train_test_split(
            np.arange(len(X)), test_size=0.2, random_state=split
        )
        X_train, Y_train, X_test, Y_test = X[train], Y[train], X[test], Y[test]
        if split == 0:
            cost = affinity_cost(X_train, Y_train, quick)
            print(f"[tox21] affinity cost: {cost}")
        net = tox21_net(quick, random_state=split)
        runs = {}
        for method in ("lookahead", "gradient_cosine"):
            run = TaskAffinity(net, method=method, random_state=split)
            runs[method] = timed_fit(run, X_train, Y_train)
        affinity, affinity_time = runs["lookahead"][0].affinity_, runs["lookahead"][1]
        affinities.append(affinity)
        for method, (run, seconds) in runs.items():
            for n_groups in N_GROUPS:
                groups, served_by = select_task_groups(run.affinity_, n_groups)
                group_rows.append(
                    {
                        "split": split,
                        "method": method,
                        "n_groups": n_groups,
                        "groups": [[names[t] for t in g] for g in groups],
                        "served_by": served_by.tolist(),
                        "affinity_time": seconds,
                        "affinity_epochs": len(run.estimator_.history),
                    }
                )
        models = {
            ALL: clone(net),
            SINGLE: GroupedMultiTaskNet(net, groups=[[t] for t in range(n_tasks)]),
            **{
                grouped_name(k): GroupedMultiTaskNet(net, n_groups=k, affinity=affinity)
                for k in N_GROUPS
            },
        }
        for name, model in models.items():
            model, seconds = timed_fit(model, X_train, Y_train)
            auc = roc_auc(model, X_test, Y_test)
            extra = affinity_time if name.startswith("grouped") else 0.0
            print(
                f"[tox21] split {split} {name}: mean AUC {np.nanmean(auc):.4f}, "
                f"fit {seconds:.1f} s (+ affinity {extra:.1f} s)"
            )
            for t in range(n_tasks):
                scores.append(
                    {
                        "dataset": "tox21",
                        "split": split,
                        "model": name,
                        "task": names[t],
                        "score": auc[t],
                        "fit_time": seconds + extra,
                    }
                )
    return scores, group_rows, affinities, cost, names


# -------------------------------------------------------------------- summary
def comparison(rows, dataset, models, reference, metric, tasks):
    """The scores of ``rows`` as a ComparisonResult (random splits: 0.25)."""
    rows = [row for row in rows if row["dataset"] == dataset]
    splits = sorted({row["split"] for row in rows})
    scores = np.full((len(models), len(splits), len(tasks)), np.nan)
    times = np.zeros((len(models), len(splits)))
    for row in rows:
        e, k = models.index(row["model"]), splits.index(row["split"])
        scores[e, k, tasks.index(row["task"])] = row["score"]
        times[e, k] = row["fit_time"]
    ratio = 0.25 if dataset == "tox21" else 2000 / 600
    return ComparisonResult(
        scores, models, tasks, reference, metric, True, times, test_train_ratio=ratio
    )


def paired_mean_test(result, name, reference):
    """Mean over tasks per split, name minus reference: mean, sd, t-test p."""
    e, r = result.estimator_names.index(name), result.estimator_names.index(reference)
    per_split = np.nanmean(result.scores[e] - result.scores[r], axis=1)
    if len(per_split) < 2:
        return per_split.mean(), np.nan, np.nan
    p = stats.ttest_1samp(per_split, 0.0).pvalue
    return per_split.mean(), per_split.std(ddof=1), p


def model_table(result, reference_all):
    """One row per model: mean score, Delta_m vs per-task and vs all-task, time."""
    by_all = ComparisonResult(
        result.scores,
        result.estimator_names,
        result.task_names,
        reference_all,
        result.metric,
        True,
        result.fit_times,
        test_train_ratio=result.test_train_ratio,
    )
    summary = {row["estimator"]: row for row in result.summary()}
    summary_all = {row["estimator"]: row for row in by_all.summary()}
    lines = [
        f"| model | mean {result.metric} | Delta_m vs per-task (%) | better / worse "
        "(hurt) vs per-task | Delta_m vs all-task (%) | mean diff. vs all-task "
        "(sd over splits, p) | cost (s per split) |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in result.estimator_names:
        row, row_all = summary[name], summary_all[name]
        if name == reference_all:
            versus_all = ""
        else:
            mean, sd, p = paired_mean_test(result, name, reference_all)
            versus_all = f"{mean:+.4f} ({sd:.4f}, p={p:.2f})"
        mean_sd = np.nanmean(result.scores[result.estimator_names.index(name)], axis=1)
        lines.append(
            f"| {name} | {row['mean']:.4f} +- {np.std(mean_sd, ddof=1):.4f} | "
            f"{row['delta_m']:+.2f} | {row['better']} / {row['worse']} "
            f"({row['hurt']}) | {row_all['delta_m']:+.2f} | {versus_all} | "
            f"{row['fit_time']:.2f} |"
        )
    return lines


def per_task_table(result):
    mean, std = result.mean(), result.std()
    lines = [
        "| task | " + " | ".join(result.estimator_names) + " |",
        "|---|" + "---|" * len(result.estimator_names),
    ]
    for t, task in enumerate(result.task_names):
        cells = [
            f"{mean[e, t]:.3f} +- {std[e, t]:.3f}"
            for e in range(len(result.estimator_names))
        ]
        lines.append(f"| {task} | " + " | ".join(cells) + " |")
    return lines


def transfer_lines(report):
    """The TransferReport as a markdown table."""
    rows = report.table_rows()
    lines = [
        "| task | all-task | per-task | difference | p | outcome | mean affinity "
        "onto it | best partner | worst partner |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['task']} | {row['score']:.3f} | {row['baseline score']:.3f} | "
            f"{row['difference']:+.3f} | {row['p-value']:.2f} | {row['outcome']} | "
            f"{1e3 * row['mean affinity']:+.2f} | {row['best partner']} "
            f"({1e3 * row['best affinity']:+.2f}) | {row['worst partner']} "
            f"({1e3 * row['worst affinity']:+.2f}) |"
        )
    return lines


def fixes(result, hurt):
    """Per grouped model: the hurt tasks' gain over the all-task net."""
    if not hurt:
        return [
            "The all-task net hurt no task (it is better than the per-task nets "
            "on every task's mean): grouping has nothing to fix here."
        ]
    a = result.estimator_names.index(ALL)
    s = result.estimator_names.index(SINGLE)
    mean = result.mean()
    lines = []
    for name in result.estimator_names:
        if not name.startswith("grouped"):
            continue
        g = result.estimator_names.index(name)
        parts = []
        fixed = 0
        for task in hurt:
            t = result.task_names.index(task)
            gain = mean[g, t] - mean[a, t]
            fixed += gain > 0
            parts.append(
                f"{task} {mean[g, t]:.3f} (all-task {mean[a, t]:.3f}, per-task "
                f"{mean[s, t]:.3f}, {gain:+.3f})"
            )
        lines.append(
            f"- {name}: improves {fixed}/{len(hurt)} of them over the all-task net: "
            + "; ".join(parts)
        )
    return lines


def summary(recovery, cost, result, hurt):
    """The main findings in a few lines."""
    lines = ["## Summary", ""]
    for method in ("lookahead", "gradient_cosine"):
        rows = [row for row in recovery if row["method"] == method]
        hits = sum(row["recovered"] for row in rows)
        lines.append(
            f"- Planted groups recovered ({method}): {hits} of {len(rows)} seeds."
        )
    lines.append(
        f"- Affinity cost at T = 12: {cost['lookahead'][1]:.2f}x one ordinary fit."
    )
    a = result.estimator_names.index(ALL)
    for k in N_GROUPS:
        name = grouped_name(k)
        mean, _, p = paired_mean_test(result, name, ALL)
        g = result.estimator_names.index(name)
        verdict = "better on the mean" if mean >= 0 else "worse on the mean"
        significance = "significantly" if p < 0.05 else "not significantly"
        lines.append(
            f"- {name} against the all-task net: "
            f"{np.nanmean(result.mean()[g]):.4f} vs {np.nanmean(result.mean()[a]):.4f}"
            f" (paired difference {mean:+.4f}, p={p:.2f}): {verdict}, "
            f"{significance}."
        )
    lines.append(
        "- Tasks the all-task net hurt: "
        + (
            "none, so grouping has nothing to repair."
            if not hurt
            else f"{len(hurt)} on the mean (see above)."
        )
    )
    return lines


def summarize(
    command, wall, recovery, syn_scores, tox_scores, groups, affinity, cost, names
):
    lines = [
        "# Which tasks should learn together: affinity and grouping",
        "",
        f"Command: `{command}` (wall time {wall / 60:.1f} min, one torch thread, "
        "shared 2-core machine)",
        "",
        "## Synthetic tasks with planted groups",
        "",
    ]
    for method in ("lookahead", "gradient_cosine"):
        rows = [row for row in recovery if row["method"] == method]
        hits = sum(row["recovered"] for row in rows)
        seconds = np.mean([row["fit_time"] for row in rows])
        lines.append(
            f"- {method}: planted grouping recovered exactly in **{hits} of "
            f"{len(rows)}** seeds; affinity run "
            f"{seconds:.2f} s per seed"
        )
        misses = [row for row in rows if not row["recovered"]]
        for row in misses:
            lines.append(
                f"  - seed {row['seed']}: chose {row['groups']}, planted {row['truth']}"
            )
    # the tasks' signs change with the seed: compare over the task positions
    positions = [f"t{t}" for t in range(6)]
    syn_models = [ALL, SINGLE, "grouped (lookahead, 2 groups)"]
    result = comparison(
        [{**row, "task": row["task"].split(" ")[0]} for row in syn_scores],
        "synthetic",
        syn_models,
        SINGLE,
        "r2",
        positions,
    )
    lines += [
        "",
        f"Test R^2 over {result.scores.shape[1]} seeds (2,000 test rows each; "
        "tasks t0..t5 are in a new random order per seed, so the per-task "
        "columns mix signs; the comparison is over seeds). Delta_m is "
        "ComparisonResult's for R^2 (relative change of the mean unexplained "
        "variance).",
        "",
        *model_table(result, ALL),
        "",
        "## Tox21",
        "",
        f"Cost of the affinity at T = 12 (split 0, {cost['epochs']} epochs each, "
        f"early stopping off, median of per-round ratios): ordinary fit "
        f"{cost['ordinary']:.1f} s; lookahead TaskAffinity "
        f"{cost['lookahead'][0]:.1f} s, **{cost['lookahead'][1]:.2f}x**; gradient "
        f"cosine {cost['gradient_cosine'][0]:.1f} s, "
        f"{cost['gradient_cosine'][1]:.2f}x.",
        "",
        "Groups chosen from the lookahead affinity (each task served by the "
        "first group listing it; groups may overlap):",
        "",
        "| split | n_groups | groups (lookahead) | same as gradient cosine | "
        "affinity run (s, epochs) |",
        "|---|---|---|---|---|",
    ]
    for row in groups:
        if row["method"] != "lookahead":
            continue
        twin = next(
            other
            for other in groups
            if other["method"] == "gradient_cosine"
            and other["split"] == row["split"]
            and other["n_groups"] == row["n_groups"]
        )
        same = sorted(map(sorted, twin["groups"])) == sorted(map(sorted, row["groups"]))
        shown = " / ".join("{" + ", ".join(g) + "}" for g in row["groups"])
        lines.append(
            f"| {row['split']} | {row['n_groups']} | {shown} | "
            f"{'yes' if same else 'no'} | {row['affinity_time']:.1f}, "
            f"{row['affinity_epochs']} |"
        )
    tox_models = [ALL, SINGLE, *(grouped_name(k) for k in N_GROUPS)]
    result = comparison(tox_scores, "tox21", tox_models, SINGLE, "roc_auc", names)
    lines += [
        "",
        f"Test ROC-AUC over {result.scores.shape[1]} random 80/20 splits. Delta_m "
        "and better / worse (hurt: p < 0.05, corrected resampled t-test over the "
        "splits) against the per-task nets; the mean difference to the all-task "
        "net is over tasks, then over splits (paired t-test over the splits). "
        "Cost: the fit of every net of the model, plus the lookahead affinity run "
        "for the grouped models.",
        "",
        *model_table(result, ALL),
        "",
        "Per task (mean +- sd over splits):",
        "",
        *per_task_table(result),
        "",
    ]
    report = TransferReport(result, ALL, affinity=affinity)
    hurt = report.hurt_tasks(significant=False)
    lines += [
        "Transfer report of the all-task net against the per-task nets "
        "(`TransferReport`, affinity averaged over the splits, x 1e3):",
        "",
        *transfer_lines(report),
        "",
        f"Tasks the all-task net hurt (worse than the per-task nets on the mean): "
        f"{', '.join(hurt) if hurt else 'none'}; significantly (p < 0.05): "
        f"{', '.join(report.hurt_tasks()) or 'none'}.",
        "",
        *fixes(result, hurt),
        "",
        *summary(recovery, cost, result, hurt),
        "",
    ]
    return "\n".join(lines)


def plot(path, synthetic, tox21, names):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sklearn_mtl.inspection import TaskRelationshipDisplay

    fig, axes = plt.subplots(
        1, 2, figsize=(13, 6.2), layout="constrained", width_ratios=[1, 1.45]
    )
    affinity, signs = synthetic
    order = np.argsort(-signs, kind="stable")
    shown = affinity[np.ix_(order, order)].copy()
    np.fill_diagonal(shown, np.nan)
    labels = [f"t{t} ({'+' if signs[t] > 0 else '-'}u)" for t in order]
    TaskRelationshipDisplay(
        matrix=shown,
        task_names=labels,
        title="synthetic, seed 0 (s + u and s - u tasks)",
        correlation=False,
    ).plot(ax=axes[0], colorbar=False)
    shown = 1e3 * tox21.copy()
    np.fill_diagonal(shown, np.nan)
    TaskRelationshipDisplay(
        matrix=shown,
        task_names=names,
        title="Tox21, mean over 3 splits (x 1e3)",
        correlation=False,
    ).plot(ax=axes[1], values_format=".1f")
    fig.suptitle(
        "Lookahead affinity: row = task stepped on, column = task whose loss "
        "moves (diagonal omitted)",
        fontsize=11,
    )
    fig.savefig(path, dpi=90)
    plt.close(fig)


def write_csv(rows, path, columns):
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-seeds", type=int, default=N_SEEDS)
    parser.add_argument("--n-splits", type=int, default=N_SPLITS)
    parser.add_argument("--quick", action="store_true", help="smoke run")
    parser.add_argument("--out-dir", default=None)
    args = parser.parse_args(argv)
    if args.quick:
        args.n_seeds, args.n_splits = min(args.n_seeds, 2), min(args.n_splits, 2)
    out = Path(args.out_dir or ("/tmp/task_grouping_quick" if args.quick else RESULTS))
    out.mkdir(parents=True, exist_ok=True)
    command = " ".join(
        [
            "python benchmarks/task_grouping.py",
            *(sys.argv[1:] if argv is None else argv),
        ]
    )
    torch.set_num_threads(1)
    start = time.perf_counter()
    recovery, syn_scores, syn_affinities = run_synthetic(args.n_seeds, args.quick)
    tox_scores, groups, affinities, cost, names = run_tox21(args.n_splits, args.quick)
    affinity = np.mean(affinities, axis=0)
    wall = time.perf_counter() - start
    write_csv(
        syn_scores + tox_scores,
        out / f"{NAME}.csv",
        ["dataset", "split", "model", "task", "score", "fit_time"],
    )
    write_csv(
        recovery,
        out / f"{NAME}_recovery.csv",
        ["seed", "method", "truth", "groups", "recovered", "fit_time"],
    )
    write_csv(
        groups,
        out / f"{NAME}_groups.csv",
        [
            "split",
            "method",
            "n_groups",
            "groups",
            "served_by",
            "affinity_time",
            "affinity_epochs",
        ],
    )
    text = summarize(
        command, wall, recovery, syn_scores, tox_scores, groups, affinity, cost, names
    )
    (out / f"{NAME}.md").write_text(text)
    plot(out / f"{NAME}.png", syn_affinities[0], affinity, names)
    print(text)


if __name__ == "__main__":
    main()
