"""Quality of the task weighting strategies, against a tuned equal-weight net.

Every strategy of :data:`sklearn_mtl.neural.weighting.WEIGHTINGS` (read from
the registry by name at run time, default parameters, gradient strategies
``on="representation"``) is compared, on the same data and splits, with

* **equal weight (tuned)**: the same net with ``weighting=None`` (the summed
  loss ``mean_t loss_t``), given exactly the same tuning budget as every
  strategy;
* **independent nets**: ``IndependentTaskRegressor/Classifier`` of the same
  net (one net per task on its observed rows), the reference for "tasks hurt"
  and for Delta_m.

Tuning budget (the same for every model)
----------------------------------------
On each split, a model is fitted once for each learning rate of ``LRS``
(``1e-3`` and ``3e-3``, Adam), each with early stopping on the internal
validation split (``EarlyStopping(load_best=True)``: the number of epochs is
the best validation epoch, up to ``max_epochs``), and the learning rate with
the best internal validation score is kept. Test rows are never used to
choose anything. For the independent nets the learning rate is chosen per task
(on each task's own validation rows). The validation score is the one of
``neural_quality.py``: the mean validation ROC-AUC over tasks
(classification) or the mean validation nMSE over tasks (regression, in the
original units). Its fit time is the sum over the learning rates. The test
scores of every learning rate are in the CSV (``role=candidate`` rows), for
information only.

Data and protocols
------------------
synthetic (generated here, :func:`make_conflict_data`)
    Controlled conflict. ``n=3000`` rows, 10 standard normal inputs; four
    orthonormal random directions give ``z1..z4``. Five regression tasks,
    each with Gaussian noise of 20% of its signal's sd:

    * ``large``: ``10 * (sin(2 z1) + 0.5 z2)``, 70% labelled: ten times the
      scale of the others, and the net is trained with
      ``standardize_targets=False``, so the summed loss is about 100 times
      more sensitive to it;
    * ``shared``: ``sin(2 z1) + 0.5 z2 + 0.3 z3``, 15% labelled: needs mostly
      the large task's features, and few labels (sharing should help);
    * ``orthogonal``: ``sin(2 z3) + 0.5 z4``, 70% labelled: features
      orthogonal to the large task's;
    * ``mirror_a`` / ``mirror_b``: ``softplus(3 z4) / 3`` and
      ``softplus(-3 z4) / 3``, 70% labelled: the same input direction with
      opposed one-sided responses (a ReLU feature useful to one is flat for the
      other).

    Labels missing at random (NaN) at the rates above. The net is a narrow
    trunk, ``module__hidden_units=(64, 4)`` (a bottleneck of 4 units for
    features that need about 6), linear heads, batch 128,
    ``max_epochs=200``, patience 15, internal ``ValidSplit(0.2)``. Each seed
    draws a new data set (new directions, noise and labels) and a random
    75/25 train/test split; ``--n-splits`` seeds (default 5). Metric: nMSE
    (MSE / variance of the test labels) per task, scale-free.
sarcos
    ``load_sarcos(split="mtpl")`` as in ``neural_quality.py``: 600 training,
    200 validation, 200 test rows per torque (7 tasks); the nets get the
    training rows followed by the validation rows and ``LastRowsSplit(0.25)``
    holds out exactly the validation rows for early stopping and the choice of
    learning rate. Inputs standardized (``StandardScaler`` fitted on those
    rows), targets standardized by the nets (their default). Default-ish net
    (2x256 trunk, batch 128, ``max_epochs=500``, patience 20). There is one
    fixed split: the ``--n-splits`` "splits" (default 3) are seeds of the
    nets (initialization, batch order), so the sd is over seeds only. Metric:
    nMSE per torque.
tox21
    Random 80/20 splits (``train_test_split(random_state=split)``, default 3
    splits), the default-ish classification net of ``neural_quality.py``
    (2x256 trunk, dropout 0.5, batch norm, batch 128, ``max_epochs=50``,
    patience 10, internal ``ValidSplit(0.2)``). ROC-AUC per task on its
    observed test labels.
census
    ``load_census_income``, tasks ``income`` and ``never_married``; random
    80/20 splits (default 2); the training part is subsampled to
    ``--census-train-rows`` rows (default 20,000, at random) to fit the time
    budget, the test part is the full 20% (about 19,950 rows). Inputs:
    ``OneHotEncoder(handle_unknown="ignore")`` + ``StandardScaler`` fitted on
    the training rows; default-ish classification net as for Tox21 but batch
    256. No census instance weights. ROC-AUC per task.

Reported
--------
Per model: mean over tasks of the metric (mean +- sd over splits); Delta_m
(percent) and the number of tasks hurt, both relative to the independent nets
(:class:`sklearn_mtl.model_selection.ComparisonResult`: ``Delta_m = 100 / T
sum_t s (M_t - B_t) / |B_t|`` on the means over splits, ``s = -1`` for nMSE; a
task is hurt when its mean score over splits is worse than the independent
nets'); Delta_m relative to equal weight (tuned), computed per split, mean +-
sd over splits, and the verdict: **beats** / **loses** when a paired t-test
over splits of that per-split Delta_m rejects zero at 5% (two-sided), **ties**
otherwise (one split: no verdict); fit time (s per split, all learning rates);
per-task mean +- sd. The mean task weights a loss strategy applied at the
chosen epoch are in the CSV (``weights``).

Runtime: torch one thread per process (``torch.set_num_threads(1)``,
``torch_num_threads=1``, BLAS limited to 1 thread), fits run ``--n-jobs``
(default 2) at a time with joblib on a shared 2-core machine: fit times are
wall-clock seconds under that load, comparable within a run only.

Commands (from the repository root, data in ``../shared/data``)::

    python benchmarks/weighting_quality.py --dataset synthetic
    python benchmarks/weighting_quality.py --dataset sarcos
    python benchmarks/weighting_quality.py --dataset tox21
    python benchmarks/weighting_quality.py --dataset census

``--quick`` (one or two splits, 3 epochs, a subsample) checks the script and
writes into ``--out-dir`` (default ``/tmp/weighting_quality_quick``). Results:
``benchmarks/results/weighting_quality_<dataset>.csv`` (one row per model,
role, learning rate, split and task) and ``.md`` (the summary).
"""

import argparse
import sys
import time
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch
from joblib import Parallel, delayed
from scipy import sparse, stats
from sklearn.compose import ColumnTransformer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))

from neural_quality import (
    DEFAULTISH,
    LastRowsSplit,
    _mean_sd,
    auc_scores,
    best_epoch,
    best_valid,
    epochs_trained,
    make_net,
    nmse_scores,
    write_csv,
)

from sklearn_mtl.baselines import (
    IndependentTaskClassifier,
    IndependentTaskRegressor,
)
from sklearn_mtl.datasets import (
    load_census_income,
    load_sarcos,
    load_tox21,
)
from sklearn_mtl.model_selection import ComparisonResult
from sklearn_mtl.neural.weighting import WEIGHTINGS

RESULTS = Path(__file__).resolve().parent / "results"
LRS = (1e-3, 3e-3)
EQUAL = "equal weight (tuned)"
INDEPENDENT = "independent nets"

# net settings (on top of the nets' defaults), patience and default splits
SETTINGS = {
    "synthetic": {
        "kind": "regression",
        "net": {
            "module__hidden_units": (64, 4),
            "standardize_targets": False,
            "max_epochs": 200,
        },
        "patience": 15,
        "splits": 5,
    },
    "sarcos": {
        "kind": "regression",
        "net": DEFAULTISH["regression"],  # max_epochs=500
        "patience": 20,
        "splits": 3,
    },
    "tox21": {
        "kind": "classification",
        "net": DEFAULTISH["classification"],
        "patience": 10,
        "splits": 3,
    },
    "census": {
        "kind": "classification",
        "net": {**DEFAULTISH["classification"], "batch_size": 256},
        "patience": 10,
        "splits": 2,
    },
}


# ------------------------------------------------------------------ data
def make_conflict_data(seed, n_samples=3000, n_features=10):
    """Synthetic tasks with unequal scales and conflicting features.

    See the module docstring. Returns ``X (n, d)`` float32, ``Y (n, 5)`` with
    NaN where a label is missing, and the task names.
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    directions, _ = np.linalg.qr(rng.standard_normal((n_features, n_features)))
    z1, z2, z3, z4 = (X @ directions[:, :4]).T
    softplus = np.logaddexp(0.0, 3 * z4) / 3, np.logaddexp(0.0, -3 * z4) / 3
    signals = {
        "large": 10 * (np.sin(2 * z1) + 0.5 * z2),
        "shared": np.sin(2 * z1) + 0.5 * z2 + 0.3 * z3,
        "orthogonal": np.sin(2 * z3) + 0.5 * z4,
        "mirror_a": softplus[0],
        "mirror_b": softplus[1],
    }
    labelled = {"large": 0.7, "shared": 0.15}
    columns = []
    for name, signal in signals.items():
        y = signal + 0.2 * signal.std() * rng.standard_normal(n_samples)
        y[rng.random(n_samples) >= labelled.get(name, 0.7)] = np.nan
        columns.append(y)
    return X.astype(np.float32), np.column_stack(columns), list(signals)


def synthetic_splits(args):
    """(split, X_fit, Y_fit, X_test, Y_test, extra) for each seed; task names."""
    n_samples = 800 if args.quick else 3000
    names = make_conflict_data(0, 10)[2]

    def splits():
        for seed in range(args.n_splits):
            X, Y, _ = make_conflict_data(seed, n_samples)
            train, test = train_test_split(
                np.arange(len(X)), test_size=0.25, random_state=seed
            )
            yield seed, X[train], Y[train], X[test], Y[test], {}

    return splits(), names


def sarcos_splits(args):
    bunch = load_sarcos(args.data_home)
    X, Y = bunch.data, bunch.target
    train, val, test = bunch.train_indices, bunch.val_indices, bunch.test_indices
    if args.quick:
        train, val, test = train[::10], val[::10], test[::10]
    fit_rows = np.concatenate([train, val])
    assert len(val) == round(len(fit_rows) * 0.25)
    scaler = StandardScaler().fit(X[fit_rows])
    X_fit = scaler.transform(X[fit_rows]).astype(np.float32)
    X_test = scaler.transform(X[test]).astype(np.float32)

    def splits():  # one fixed split; the "splits" are seeds of the nets
        for seed in range(args.n_splits):
            yield seed, X_fit, Y[fit_rows], X_test, Y[test], {"last_rows": 0.25}

    return splits(), list(bunch.task_names)


def tox21_splits(args):
    bunch = load_tox21(args.data_home)
    X = np.asarray(bunch.data, dtype=np.float32)
    Y = np.asarray(bunch.target, dtype=float)
    if args.quick:
        X, Y = X[:1500], Y[:1500]

    def splits():
        for split in range(args.n_splits):
            train, test = train_test_split(
                np.arange(len(X)), test_size=0.2, random_state=split
            )
            yield split, X[train], Y[train], X[test], Y[test], {}

    return splits(), list(bunch.task_names)


def census_splits(args):
    bunch = load_census_income(args.data_home, as_frame=True)
    X, Y = bunch.data, bunch.target.to_numpy().astype(float)
    if args.quick:
        X, Y = X.iloc[:5000], Y[:5000]
    categorical = [str(name) for name in bunch.categorical_features]
    numeric = [str(c) for c in bunch.feature_names if str(c) not in categorical]

    def splits():
        for split in range(args.n_splits):
            train, test = train_test_split(
                np.arange(len(X)), test_size=0.2, random_state=split
            )
            rng = np.random.default_rng(split)
            if len(train) > args.census_train_rows:
                train = rng.choice(train, args.census_train_rows, replace=False)
            encoder = ColumnTransformer(
                [
                    (
                        "categorical",
                        OneHotEncoder(handle_unknown="ignore"),
                        categorical,
                    ),
                    ("numeric", StandardScaler(), numeric),
                ]
            ).fit(X.iloc[train])

            def encode(rows, encoder=encoder):
                return sparse.csr_matrix(
                    encoder.transform(X.iloc[rows]), dtype=np.float32
                )

            yield split, encode(train), Y[train], encode(test), Y[test], {}

    return splits(), [str(name) for name in bunch.task_names]


SPLITS = {
    "synthetic": synthetic_splits,
    "sarcos": sarcos_splits,
    "tox21": tox21_splits,
    "census": census_splits,
}


# ------------------------------------------------------------------ fitting
def fit_one(job, X_fit, Y_fit, X_test, Y_test, extra):
    """Fit one model for one learning rate and split; scores and validation.

    Runs in a joblib worker: torch and BLAS on one thread.
    """
    torch.set_num_threads(1)
    settings = SETTINGS[job["dataset"]]
    kind = settings["kind"]
    net_args = SimpleNamespace(
        max_epochs=job["max_epochs"], threads=1, patience=settings["patience"]
    )
    params = {**settings["net"], "lr": job["lr"]}
    split_extra = {}
    if extra.get("last_rows"):
        split_extra["train_split"] = LastRowsSplit(extra["last_rows"])
    independent = job["model"] == INDEPENDENT
    if not independent:
        split_extra["weighting"] = job["weighting"]
    net = make_net(kind, params, net_args, job["seed"], **split_extra)
    if independent:
        net = (
            IndependentTaskClassifier(net)
            if kind == "classification"
            else IndependentTaskRegressor(net)
        )
    score = auc_scores if kind == "classification" else nmse_scores
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*could not be scored.*")
        warnings.filterwarnings("ignore", message=".*has a single class.*")
        start = time.perf_counter()
        net.fit(X_fit, Y_fit)
        fit_time = time.perf_counter() - start
        scores = np.asarray(score(net, X_test, Y_test), dtype=float)
    n_tasks = Y_fit.shape[1]
    if independent:
        valid = np.array([best_valid(est, kind) for est in net.estimators_])
        best = np.array([best_epoch(est, kind) for est in net.estimators_])
        weights = ""
    else:
        valid = np.full(n_tasks, best_valid(net, kind))
        best = np.full(n_tasks, best_epoch(net, kind))
        applied = net.history[int(best[0]) - 1].get("task_weights")
        weights = (
            ""
            if applied is None
            else " ".join(f"{w:.3g}" for w in np.asarray(applied, dtype=float))
        )
    return {
        **job,
        "scores": scores,
        "valid": valid,
        "best_epoch": best,
        "epochs": epochs_trained(net),
        "fit_time": fit_time,
        "weights": weights,
    }


def select(results, task_names, metric):
    """Result rows: every candidate, and the model chosen on validation."""
    rows = []
    grouped = {}
    for res in results:
        grouped.setdefault((res["model"], res["split"]), []).append(res)
        for t, task in enumerate(task_names):
            rows.append(row_of(res, "candidate", t, task, metric, res["fit_time"]))
    for (model, _split), candidates in grouped.items():
        total = sum(res["fit_time"] for res in candidates)
        valid = np.array([res["valid"] for res in candidates])  # (n_lrs, n_tasks)
        # one learning rate per model (all tasks); per task for independent nets
        chosen = np.argmax(valid, axis=0) if model == INDEPENDENT else None
        best = int(np.argmax(valid[:, 0]))
        for t, task in enumerate(task_names):
            res = candidates[chosen[t] if chosen is not None else best]
            rows.append(row_of(res, "selected", t, task, metric, total))
    return rows


def row_of(res, role, t, task, metric, fit_time):
    return {
        "dataset": res["dataset"],
        "model": res["model"],
        "role": role,
        "lr": res["lr"],
        "split": res["split"],
        "task": task,
        "metric": metric,
        "score": float(res["scores"][t]),
        "valid_score": float(res["valid"][t]),
        "best_epoch": int(res["best_epoch"][t]),
        "epochs": res["epochs"],
        "fit_time_s": round(fit_time, 2),
        "weights": res["weights"],
    }


# ------------------------------------------------------------------ summary
def comparison(rows, models, task_names, splits, reference, metric):
    """A ComparisonResult of the selected models (scores model x split x task)."""
    scores = np.full((len(models), len(splits), len(task_names)), np.nan)
    times = np.zeros((len(models), len(splits)))
    index = {name: i for i, name in enumerate(task_names)}
    for row in rows:
        if row["role"] != "selected":
            continue
        m, s = models.index(row["model"]), splits.index(row["split"])
        scores[m, s, index[row["task"]]] = row["score"]
        times[m, s] = row["fit_time_s"]
    return ComparisonResult(
        scores, models, task_names, reference, metric, metric != "nMSE", times
    )


def verdict(values):
    """Paired t-test over splits of the per-split Delta_m to equal weight."""
    values = np.asarray(values, dtype=float)
    if values.size < 2:
        return "n/a (1 split)"
    sd = values.std(ddof=1)
    if sd == 0:
        return "ties" if values.mean() == 0 else ("beats" if values[0] > 0 else "loses")
    p = stats.ttest_1samp(values, 0.0).pvalue
    if p >= 0.05:
        return f"ties (p={p:.2f})"
    return ("beats" if values.mean() > 0 else "loses") + f" (p={p:.3f})"


def summary(rows, dataset, task_names, args, command, wall):
    metric = rows[0]["metric"]
    strategies = sorted({r["model"] for r in rows} - {EQUAL, INDEPENDENT})
    models = [INDEPENDENT, EQUAL, *strategies]
    splits = sorted({r["split"] for r in rows})
    vs_ind = comparison(rows, models, task_names, splits, INDEPENDENT, metric)
    vs_equal = comparison(rows, models, task_names, splits, EQUAL, metric)
    ind_rows = {row["estimator"]: row for row in vs_ind.summary()}
    per_split_dm = np.array(  # (n_splits, n_models): Delta_m to equal weight
        [
            ComparisonResult(
                vs_equal.scores[:, [s]],
                models,
                task_names,
                EQUAL,
                metric,
                vs_equal.greater_is_better,
                vs_equal.fit_times[:, [s]],
            ).delta_m()
            for s in range(len(splits))
        ]
    )
    per_split_mean = np.nanmean(vs_ind.scores, axis=2)  # (n_models, n_splits)
    mean, sd = vs_ind.mean(), vs_ind.std()
    settings = SETTINGS[dataset]
    net = dict(settings["net"])
    if args.max_epochs is not None:
        net["max_epochs"] = args.max_epochs
    lower = "lower" if metric == "nMSE" else "higher"
    unit = "seeds" if dataset in ("synthetic", "sarcos") else "splits"
    lines = [
        f"# Task weighting strategies vs tuned equal weight: {dataset}",
        "",
        f"Command: `{command}` (wall time {wall / 60:.1f} min)",
        "",
        f"Settings: {len(splits)} {unit}"
        f" ({SPLIT_NOTES[dataset]}); net settings on top of the defaults "
        f"(2x256 trunk, Adam, batch 128, linear heads): {net}; early stopping "
        f"patience {settings['patience']} on the internal validation "
        f"{'mean nMSE' if metric == 'nMSE' else 'mean ROC-AUC'} (best epoch kept); "
        f"learning rate chosen in {list(LRS)} on the internal validation score "
        "for every model (per task for the independent nets); torch 1 thread per "
        f"process, {args.n_jobs} fits at a time (joblib) on a shared 2-core machine.",
        f"Strategies: every entry of `WEIGHTINGS` at run time, default parameters "
        f"({len(strategies)}: {', '.join(strategies)}).",
        "",
        f"Metric: {metric} per task ({lower} is better), mean +- sd over "
        f"{unit}. "
        "Delta_m and hurt: relative to the independent nets "
        "(`ComparisonResult.delta_m` / `n_hurt(significant=False)`, on the "
        "means over splits; "
        "Delta_m > 0 is better). vs equal weight: Delta_m to the tuned "
        "equal-weight net per split, mean +- sd, with a paired t-test over "
        "splits (5%). Fit time: s per split, both learning rates.",
        "",
    ]
    header = [
        "model",
        f"mean {metric}",
        "Delta_m vs indep. (%)",
        "tasks hurt",
        "Delta_m vs equal (%)",
        "vs equal weight",
        "fit time (s)",
    ]
    per_task = len(task_names) <= 12
    if per_task:
        header += list(task_names)
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for m, model in enumerate(models):
        cells = [
            model,
            _mean_sd(per_split_mean[m]),
            f"{ind_rows[model]['delta_m'] + 0.0:+.2f}",
            f"{ind_rows[model]['worse']}/{len(task_names)}",
            "" if model == EQUAL else _mean_sd(per_split_dm[:, m], digits=2),
            "" if model == EQUAL else verdict(per_split_dm[:, m]),
            f"{ind_rows[model]['fit_time']:.1f}",
        ]
        if per_task:
            cells += [
                f"{mean[m, t]:.3f}"
                if len(splits) < 2
                else f"{mean[m, t]:.3f} +- {sd[m, t]:.3f}"
                for t in range(len(task_names))
            ]
        lines.append("| " + " | ".join(cells) + " |")
    counts = {"beats": 0, "ties": 0, "loses": 0}
    for m in range(2, len(models)):
        word = verdict(per_split_dm[:, m]).split()[0]
        if word in counts:
            counts[word] += 1
    lines += [
        "",
        f"Against tuned equal weight: {counts['beats']} beat, {counts['ties']} tie, "
        f"{counts['loses']} lose (of {len(strategies)}).",
        "",
        "Learning rate chosen per split (on validation):",
        "",
    ]
    for model in models:
        chosen = {}
        for row in rows:
            if row["model"] == model and row["role"] == "selected":
                chosen.setdefault(row["split"], set()).add(row["lr"])
        text = "; ".join(
            f"{s}: " + "/".join(f"{lr:g}" for lr in sorted(lrs))
            for s, lrs in sorted(chosen.items())
        )
        lines.append(f"- {model}: {text}")
    lines.append("")
    return "\n".join(lines)


SPLIT_NOTES = {
    "synthetic": "each seed a new data set and a random 75/25 split",
    "sarcos": "the fixed MTPL split, seeds of the nets",
    "tox21": "random 80/20 splits",
    "census": "random 80/20 splits, training part subsampled",
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", required=True, choices=list(SETTINGS))
    parser.add_argument("--data-home", default="../shared/data")
    parser.add_argument("--n-splits", type=int, default=None)
    parser.add_argument("--max-epochs", type=int, default=None)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--census-train-rows", type=int, default=20000)
    parser.add_argument(
        "--strategies",
        nargs="+",
        default=None,
        help="names of WEIGHTINGS to run (default all)",
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out-dir", default=None)
    args = parser.parse_args(argv)
    if args.n_splits is None:
        args.n_splits = SETTINGS[args.dataset]["splits"]
    if args.quick:
        args.n_splits = min(args.n_splits, 2)
        args.max_epochs = args.max_epochs or 3
        args.census_train_rows = min(args.census_train_rows, 3000)
    if args.out_dir is None:
        args.out_dir = "/tmp/weighting_quality_quick" if args.quick else str(RESULTS)
    torch.set_num_threads(1)
    command = "python benchmarks/weighting_quality.py " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    strategies = sorted(WEIGHTINGS) if args.strategies is None else args.strategies
    models = [(INDEPENDENT, None), (EQUAL, None)] + [(s, s) for s in strategies]
    split_iter, task_names = SPLITS[args.dataset](args)
    metric = "ROC-AUC" if SETTINGS[args.dataset]["kind"] == "classification" else "nMSE"
    start = time.perf_counter()
    results = []
    with threadpool_limits(1):
        for split, X_fit, Y_fit, X_test, Y_test, extra in split_iter:
            jobs = [
                {
                    "dataset": args.dataset,
                    "model": model,
                    "weighting": weighting,
                    "lr": lr,
                    "seed": split,
                    "split": split,
                    "max_epochs": args.max_epochs,
                }
                for model, weighting in models
                for lr in LRS
            ]
            done = Parallel(n_jobs=args.n_jobs)(
                delayed(fit_one)(job, X_fit, Y_fit, X_test, Y_test, extra)
                for job in jobs
            )
            for res in done:
                print(
                    f"split {split} | {res['model']:<22s} | lr {res['lr']:g} | "
                    f"{metric} {np.nanmean(res['scores']):.4f} | valid "
                    f"{np.nanmean(res['valid']):.4f} | epochs {res['epochs']:.0f} | "
                    f"fit {res['fit_time']:.1f} s",
                    flush=True,
                )
            results.extend(done)
            print(
                f"split {split} done at {time.perf_counter() - start:.0f} s",
                flush=True,
            )
    wall = time.perf_counter() - start
    rows = select(results, task_names, metric)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_csv(rows, out / f"weighting_quality_{args.dataset}.csv")
    text = summary(rows, args.dataset, task_names, args, command, wall)
    (out / f"weighting_quality_{args.dataset}.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
