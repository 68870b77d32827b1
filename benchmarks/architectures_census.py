"""Sharing architectures on census-income, against per-task baselines.

Every architecture of :mod:`sklearn_mtl.neural.modules` on the two tasks of
the MMoE paper's census-income set (Ma et al., KDD 2018): ``income`` (> 50K)
and ``never_married``, against the per-task baselines of
``neural_quality.py`` (logistic regression and gradient boosting); and the
cost of one training step of a 4-expert MMoE against hard sharing.

Data and protocol
-----------------
``load_census_income(as_frame=True)`` (99,762 people); random 80/20 splits
(``train_test_split(random_state=split)``, as ``neural_quality.py`` and
``weighting_quality.py``; ``--n-splits``, default 2). The training part is
used whole by default (about 79,800 rows; ``--train-rows`` subsamples it at
random, as ``weighting_quality.py`` did with 20,000); the test part is the
whole 20% (about 19,950 rows). The census instance weights are not used, as
in the multi-task literature on this set. Metric: ROC-AUC of each task on
the test rows.

Inputs: for the nets and the logistic regression, one-hot categorical
columns (``OneHotEncoder(handle_unknown="ignore")``) and standardized numeric
ones, fitted on the training rows (``neural_quality.py``'s encoding); for
gradient boosting, ordinal categorical columns and native categorical splits.
``--numeric-bins N`` adds, for the nets and the logistic regression, the
numeric columns cut into ``N`` quantile bins, one-hot
(``KBinsDiscretizer(strategy="quantile")``, fitted on the training rows),
beside their standardized values: the step functions that trees find in
``wage per hour`` or ``capital gains`` (mostly zero, long tails) become
inputs; results then go to ``architectures_census_bins<N>.{csv,md}``.

Models
------
* per-task logistic regression: ``IndependentTaskClassifier(LogisticRegression
  (max_iter=2000))``, C=1 (as in ``neural_quality.py``);
* per-task gradient boosting: ``IndependentTaskClassifier(
  HistGradientBoostingClassifier(categorical_features=...))``, defaults (its
  early stopping holds out 10% of the training rows);
* the nets, ``MultiTaskNetClassifier(module=...)`` with the settings of the
  "default-ish" net of ``neural_quality.py`` on every module (dropout 0.5 and
  batch normalization in the experts / trunks / columns, linear towers),
  Adam with lr 1e-3, batch 256, at most ``MAX_EPOCHS`` epochs with early
  stopping on the internal validation mean ROC-AUC (the nets' default
  ``ValidSplit(0.2)``, patience ``PATIENCE``, best epoch kept):

  - hard sharing: :class:`~sklearn_mtl.neural.MultiTaskMLP`, trunk 256-256
    (the default-ish net);
  - MMoE: 4 experts of 64-64 (a quarter of the trunk's width each, so the
    experts' first layer has as many weights as the trunk's);
  - CGC: 2 shared experts and 1 expert per task, 64-64 each;
  - PLE: 2 levels of 2 shared experts and 1 expert per task, one layer of 64
    units each;
  - CrossStitch: one column of 128-128 per task;
  - SoftSharing: one trunk of 128-128 per task, ``alpha=0.01``.

  Every architecture has the same first-layer width in total (256 units
  reading the inputs, so about as many first-layer weights as the
  hard-sharing trunk) and 0.75-0.85x its parameters (counts in the
  summary).

Step cost
---------
``--part cost`` times one training step (``net.train_step``: forward,
losses, backward, Adam step) of an MMoE with 4 experts of the trunk's width
(256-256 each) and of the hard-sharing net (trunk 256-256), on the same batch
of 256 encoded census rows, with one torch thread, in one process, the
configurations interleaved in each round (after an untimed step); the ratio
is the median over rounds of the per-round ratio (the method of
``weighting_cost.py``). The other architectures of the quality comparison are
timed with them, for information.

Runtime: torch one thread per process (``torch.set_num_threads(1)``, BLAS
limited to one thread), ``--n-jobs`` (default 2) fits at a time with joblib
on a shared 2-core machine: fit times are wall-clock seconds under that
load, comparable within a run only.

Commands (from the repository root, data in ``../shared/data``)::

    python benchmarks/architectures_census.py --quick          # smoke run
    python benchmarks/architectures_census.py --part quality
    python benchmarks/architectures_census.py --part cost

Results: ``benchmarks/results/architectures_census.csv`` (one row per model,
split and task) and ``architectures_census.md`` (the summary);
``architectures_census_cost.{csv,md}`` (the step costs).
"""

import argparse
import shlex
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from joblib import Parallel, delayed
from scipy import sparse
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import (
    KBinsDiscretizer,
    OneHotEncoder,
    OrdinalEncoder,
    StandardScaler,
)
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))

from neural_quality import (
    DEFAULTISH,
    REFERENCES,
    _mean_sd,
    auc_scores,
    best_epoch,
    best_valid,
    classification_callbacks,
    epochs_trained,
    write_csv,
)
from weighting_cost import net_step

from sklearn_mtl.baselines import IndependentTaskClassifier
from sklearn_mtl.datasets import load_census_income
from sklearn_mtl.neural import (
    CGC,
    PLE,
    CrossStitch,
    MMoE,
    MultiTaskMLP,
    MultiTaskNetClassifier,
    SoftSharing,
)

RESULTS = Path(__file__).resolve().parent / "results"
NAME = "architectures_census"
MAX_EPOCHS = 50
PATIENCE = 8
BATCH_SIZE = 256
LOGISTIC = "per-task logistic regression"
BOOSTING = "per-task gradient boosting"
HARD = "hard sharing"

# The nets: module and module__ parameters, on top of the default-ish settings
# (dropout 0.5 and batch normalization in every module, linear towers).
NETS = {
    HARD: {"module": MultiTaskMLP, "module__hidden_units": (256, 256)},
    "MMoE": {
        "module": MMoE,
        "module__n_experts": 4,
        "module__expert_hidden_units": (64, 64),
    },
    "CGC": {
        "module": CGC,
        "module__n_shared_experts": 2,
        "module__n_task_experts": 1,
        "module__expert_hidden_units": (64, 64),
    },
    "PLE": {
        "module": PLE,
        "module__n_levels": 2,
        "module__n_shared_experts": 2,
        "module__n_task_experts": 1,
        "module__expert_hidden_units": (64,),
    },
    "CrossStitch": {"module": CrossStitch, "module__hidden_units": (128, 128)},
    "SoftSharing": {
        "module": SoftSharing,
        "module__hidden_units": (128, 128),
        "module__alpha": 0.01,
    },
}
# The step-cost comparison: 4 experts of the trunk's width against the trunk.
COST_NETS = {
    HARD + " (trunk 256-256)": NETS[HARD],
    "MMoE (4 experts of 256-256)": {
        "module": MMoE,
        "module__n_experts": 4,
        "module__expert_hidden_units": (256, 256),
    },
    **{f"{name} (quality setting)": NETS[name] for name in NETS if name != HARD},
}


# ------------------------------------------------------------------ data
def load(args):
    """The census frame, the targets, and the categorical / numeric columns."""
    bunch = load_census_income(args.data_home, as_frame=True)
    X, Y = bunch.data, bunch.target.to_numpy().astype(float)
    if args.quick:
        X, Y = X.iloc[:5000], Y[:5000]
    categorical = [str(name) for name in bunch.categorical_features]
    numeric = [str(c) for c in bunch.feature_names if str(c) not in categorical]
    return X, Y, categorical, numeric, [str(t) for t in bunch.task_names]


def split_rows(split, n_rows, train_rows=None):
    """Training and test rows of a split (training rows subsampled if asked)."""
    train, test = train_test_split(np.arange(n_rows), test_size=0.2, random_state=split)
    if train_rows is not None and len(train) > train_rows:
        rng = np.random.default_rng(split)
        train = rng.choice(train, train_rows, replace=False)
    return train, test


def one_hot_encoder(categorical, numeric, numeric_bins=0):
    """One-hot categorical and standardized numeric columns (and their bins)."""
    columns = [
        ("categorical", OneHotEncoder(handle_unknown="ignore"), categorical),
        ("numeric", StandardScaler(), numeric),
    ]
    if numeric_bins:
        bins = KBinsDiscretizer(
            numeric_bins, encode="onehot", strategy="quantile", quantile_method="linear"
        )
        columns.append(("numeric_bins", bins, numeric))
    return ColumnTransformer(columns)


def ordinal_encoder(categorical, numeric):
    return ColumnTransformer(
        [
            (
                "categorical",
                OrdinalEncoder(
                    handle_unknown="use_encoded_value", unknown_value=np.nan
                ),
                categorical,
            ),
            ("numeric", "passthrough", numeric),
        ]
    )


def encoded_split(X, Y, categorical, numeric, split, train_rows, numeric_bins=0):
    """The split's inputs, encoded on its training rows, and targets."""
    train, test = split_rows(split, len(X), train_rows)
    one_hot = one_hot_encoder(categorical, numeric, numeric_bins)
    with warnings.catch_warnings():
        # Columns with few distinct values (mostly zero) get fewer bins.
        warnings.filterwarnings("ignore", message=".*Bins whose width are too small.*")
        one_hot.fit(X.iloc[train])
    ordinal = ordinal_encoder(categorical, numeric).fit(X.iloc[train])

    def csr(encoder, rows):
        return sparse.csr_matrix(encoder.transform(X.iloc[rows]), dtype=np.float32)

    return {
        "one_hot": (csr(one_hot, train), csr(one_hot, test)),
        "ordinal": (ordinal.transform(X.iloc[train]), ordinal.transform(X.iloc[test])),
        "Y": (Y[train], Y[test]),
        "n_train": len(train),
    }


# ------------------------------------------------------------------ models
def make_net(name, seed, max_epochs, nets=NETS):
    return MultiTaskNetClassifier(
        **nets[name],
        **DEFAULTISH["classification"],
        lr=1e-3,
        batch_size=BATCH_SIZE,
        max_epochs=max_epochs,
        callbacks=classification_callbacks(PATIENCE),
        random_state=seed,
        torch_num_threads=1,
        verbose=0,
    )


def n_parameters(net):
    return sum(p.numel() for p in net.module_.parameters())


def fit_one(job, data, n_categorical):
    """Fit one model on one split and score it (in a joblib worker)."""
    torch.set_num_threads(1)
    model_name = job["model"]
    Y_train, Y_test = data["Y"]
    if model_name == BOOSTING:
        X_train, X_test = data["ordinal"]
        model = IndependentTaskClassifier(
            HistGradientBoostingClassifier(
                categorical_features=np.arange(n_categorical),
                random_state=job["split"],
            )
        )
    else:
        X_train, X_test = data["one_hot"]
        if model_name == LOGISTIC:
            model = IndependentTaskClassifier(LogisticRegression(max_iter=2000))
        else:
            model = make_net(model_name, job["split"], job["max_epochs"])
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*could not be scored.*")
        start = time.perf_counter()
        model.fit(X_train, Y_train)
        fit_time = time.perf_counter() - start
        scores = np.asarray(auc_scores(model, X_test, Y_test), dtype=float)
    is_net = model_name in NETS
    return {
        **job,
        "scores": scores,
        "fit_time": fit_time,
        "epochs": epochs_trained(model) if is_net else float("nan"),
        "best_epoch": best_epoch(model, "classification") if is_net else np.nan,
        "valid": best_valid(model, "classification") if is_net else np.nan,
        "n_params": n_parameters(model) if is_net else np.nan,
        "n_train": data["n_train"],
    }


def quality(args, command):
    X, Y, categorical, numeric, task_names = load(args)
    models = [LOGISTIC, BOOSTING, *NETS]
    if args.models:
        models = [m for m in models if m in args.models]
    start = time.perf_counter()
    results = []
    with threadpool_limits(1):
        for split in range(args.n_splits):
            data = encoded_split(
                X, Y, categorical, numeric, split, args.train_rows, args.numeric_bins
            )
            print(
                f"split {split}: {data['n_train']} training rows, "
                f"{data['one_hot'][0].shape[1]} encoded inputs",
                flush=True,
            )
            jobs = [
                {"model": model, "split": split, "max_epochs": args.max_epochs}
                for model in models
            ]
            for res in Parallel(n_jobs=args.n_jobs, return_as="generator_unordered")(
                delayed(fit_one)(job, data, len(categorical)) for job in jobs
            ):
                results.append(res)
                print(
                    f"[{time.perf_counter() - start:5.0f} s] split {split} "
                    f"{res['model']:<30s} AUC "
                    + " ".join(f"{s:.4f}" for s in res["scores"])
                    + f" | epochs {res['epochs']:.0f} | fit {res['fit_time']:.1f} s",
                    flush=True,
                )
    wall = time.perf_counter() - start
    rows = [
        {
            "model": res["model"],
            "split": res["split"],
            "task": task,
            "metric": "ROC-AUC",
            "score": float(res["scores"][t]),
            "fit_time_s": round(res["fit_time"], 2),
            "epochs": res["epochs"],
            "best_epoch": res["best_epoch"],
            "valid_score": res["valid"],
            "n_params": res["n_params"],
            "n_train": res["n_train"],
        }
        for res in results
        for t, task in enumerate(task_names)
    ]
    order = {name: i for i, name in enumerate(models)}
    rows.sort(key=lambda r: (order[r["model"]], r["split"], r["task"]))
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    name = f"{NAME}_bins{args.numeric_bins}" if args.numeric_bins else NAME
    write_csv(rows, out / f"{name}.csv")
    text = summary(
        rows, models, task_names, command, wall, args.numeric_bins, args.n_jobs
    )
    (out / f"{name}.md").write_text(text)
    print(text)


def summary(rows, models, task_names, command, wall, numeric_bins=0, n_jobs=2):
    splits = sorted({r["split"] for r in rows})
    n_train = rows[0]["n_train"]
    lines = [
        "# Sharing architectures on census-income vs per-task baselines",
        "",
        f"Command: `{command}` (wall time {wall / 60:.1f} min)",
        "",
        f"{len(splits)} random 80/20 splits, {n_train} training rows per split, "
        "the whole 20% for test; ROC-AUC of each task, mean +- sd over splits. "
        "Nets: default-ish settings of neural_quality.py on every module "
        "(dropout 0.5, batch normalization, linear towers), Adam lr 1e-3, batch "
        f"{BATCH_SIZE}, at most {MAX_EPOCHS} epochs, early stopping on the "
        f"internal validation mean ROC-AUC (patience {PATIENCE}, best epoch "
        f"kept); fit time in s per split (torch 1 thread, {n_jobs} fit(s) at a "
        "time on a shared 2-core machine).",
        "",
    ]
    if numeric_bins:
        lines += [
            "Inputs of the nets and the logistic regression: one-hot categorical "
            "columns, standardized numeric columns and the numeric columns in "
            f"{numeric_bins} quantile bins, one-hot (gradient boosting: as in the "
            "main run).",
            "",
        ]
    header = ["model", "parameters", *task_names, "mean ROC-AUC"]
    header += ["fit time (s)", "epochs"]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for model in models:
        mine = [r for r in rows if r["model"] == model]
        if not mine:
            continue
        per_split = [
            np.mean([r["score"] for r in mine if r["split"] == s]) for s in splits
        ]
        params = mine[0]["n_params"]
        cells = [model, "" if not np.isfinite(params) else f"{int(params):,}"]
        for task in task_names:
            cells.append(_mean_sd([r["score"] for r in mine if r["task"] == task]))
        cells.append(_mean_sd(per_split))
        first = [r for r in mine if r["task"] == task_names[0]]
        cells.append(f"{np.mean([r['fit_time_s'] for r in first]):.1f}")
        epochs = [r["epochs"] for r in first]
        cells.append("" if np.all(np.isnan(epochs)) else f"{np.mean(epochs):.1f}")
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "Earlier measurements (neural_quality.py, one split), for comparison: "
        f"{REFERENCES['census']}.",
        "",
    ]
    return "\n".join(lines)


# ------------------------------------------------------------------ cost
def step_cost(args, command):
    """Median per-round step-time ratios to the hard-sharing step."""
    X, Y, categorical, numeric, _ = load(args)
    train, _ = split_rows(0, len(X))
    encoder = one_hot_encoder(categorical, numeric).fit(X.iloc[train])
    rows = np.random.default_rng(0).choice(train, 256, replace=False)
    X_batch = np.asarray(encoder.transform(X.iloc[rows]).todense(), dtype=np.float32)
    Y_batch = Y[rows].astype(np.float32)
    batch = (torch.from_numpy(X_batch), torch.from_numpy(Y_batch))
    torch.set_num_threads(1)
    steps = {}
    for label in COST_NETS:
        net = make_net(label, 0, 0, nets=COST_NETS).set_params(
            train_split=None, callbacks=[]
        )
        net.fit(X_batch, Y_batch)  # initialized, no epoch
        steps[label] = (net_step(net, batch), n_parameters(net))
    times = {label: [] for label in steps}
    with threadpool_limits(1):
        for _ in range(args.rounds):
            for label, (step, _) in steps.items():
                step()  # untimed
                start = time.perf_counter()
                for _ in range(args.steps):
                    step()
                times[label].append((time.perf_counter() - start) / args.steps)
    base = np.array(times[HARD + " (trunk 256-256)"])
    frame = pd.DataFrame(
        [
            {
                "module": label,
                "parameters": steps[label][1],
                "step_ms": 1e3 * float(np.median(values)),
                "ratio_to_hard_sharing": float(np.median(np.array(values) / base)),
                "ratio_min": float(np.min(np.array(values) / base)),
                "ratio_max": float(np.max(np.array(values) / base)),
            }
            for label, values in times.items()
        ]
    )
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out / f"{NAME}_cost.csv", index=False)
    text = "\n".join(
        [
            "# Cost of a training step: architectures vs hard sharing (census)",
            "",
            f"Command: `{command}`",
            "",
            f"One `net.train_step` on the same batch of 256 census rows "
            f"({X_batch.shape[1]} encoded inputs, 2 binary tasks), one torch "
            f"thread, {args.rounds} rounds of {args.steps} steps, configurations "
            "interleaved; ratio_to_hard_sharing: median over rounds of the "
            "per-round ratio to the hard-sharing step (ratio_min, ratio_max: "
            "its range over the rounds).",
            "",
            frame.to_markdown(index=False, floatfmt=".2f"),
            "",
        ]
    )
    (out / f"{NAME}_cost.md").write_text(text)
    print(text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", choices=["quality", "cost", "all"], default="all")
    parser.add_argument("--data-home", default="../shared/data")
    parser.add_argument("--n-splits", type=int, default=2)
    parser.add_argument("--train-rows", type=int, default=None)
    parser.add_argument("--max-epochs", type=int, default=MAX_EPOCHS)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--models", nargs="+", default=None)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--numeric-bins", type=int, default=0)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out-dir", default=None)
    args = parser.parse_args(argv)
    if args.quick:
        args.n_splits = 1
        args.max_epochs = min(args.max_epochs, 2)
        args.rounds, args.steps = min(args.rounds, 2), min(args.steps, 2)
    if args.out_dir is None:
        args.out_dir = "/tmp/architectures_census_quick" if args.quick else RESULTS
    command = "python benchmarks/architectures_census.py " + shlex.join(
        sys.argv[1:] if argv is None else argv
    )
    torch.set_num_threads(1)
    if args.part in ("quality", "all"):
        quality(args, command)
    if args.part in ("cost", "all"):
        step_cost(args, command)


if __name__ == "__main__":
    main()
