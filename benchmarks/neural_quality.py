"""Quality of the multi-task nets on real data, against single-task baselines.

Each run fits, on the training rows only, the per-task baselines and the
multi-task nets of :mod:`sklearn_mtl.neural`, and scores them on held-out test
rows. Hyperparameters are chosen on training rows only: by the nets' internal
validation split (early stopping, and the choice among the "tuned"
candidates), by an inner cross-validation on the training rows (the C of the
logistic regressions), or on SARCOS's fixed validation rows. Test rows are
never used to choose anything.

Protocols
---------
tox21
    5 random 80/20 splits (``train_test_split(seed)``, seeds 0-4) of the 7,823
    molecules (1,024 ECFP4 bits, 12 tasks, 17% of labels missing). Metric: the
    ROC-AUC of each task on its observed test labels, averaged over the 12
    tasks.
toxcast
    One random 80/20 split (seed 0) of the 8,576 molecules (617 tasks, 71% of
    labels missing). ROC-AUC per task on its observed test labels, averaged
    over the tasks that can be scored: ``multitask_roc_auc_score`` leaves out
    (with a warning) a task whose observed test labels hold a single class
    (or none) and averages the others; the number of scored tasks is in the
    summary. A task with a single class in the training rows is fitted as a
    constant by the net (with a warning) and by the baselines.
sarcos
    ``load_sarcos(split="mtpl")``: 600 training, 200 validation and 200 test
    rows per joint torque (7 tasks, 21 inputs, one observed torque per row).
    Every model except "MT net (tuned, refit)" is trained on the training
    rows only; the validation rows serve only for model selection: ridge's
    alpha, the nets' early stopping (``EarlyStopping(load_best=True)`` on the
    mean validation nMSE (see ``regression_callbacks``), through the
    ``LastRowsSplit`` below: the nets get the
    training rows followed by the validation rows and hold out the last 25%,
    which are exactly the validation rows, also within each task for the
    per-task nets) and the choice among the tuned candidates. Metric: nMSE
    (MSE / variance of the test labels) of each torque, averaged over the 7
    tasks. Inputs are standardized (``StandardScaler`` in a pipeline); the
    nets standardize each task's targets internally (their default).
census
    ``load_census_income(as_frame=True)``: 99,762 people, tasks ``income``
    (> 50K) and ``never_married``; a random 80/20 split (seed 0 by default,
    ``--n-splits`` for more). Inputs go through a ``ColumnTransformer``:
    ``OneHotEncoder(handle_unknown="ignore")`` for the 32 categorical columns
    and ``StandardScaler`` for the 7 numeric ones (gradient boosting gets an
    ``OrdinalEncoder`` and native categorical splits instead). The census
    instance weight (``sample_weight``) is NOT used, neither in training nor
    in the AUC, as in the multi-task literature on this data (Ma et al.,
    2018). Metric: ROC-AUC of each task.

Models
------
Per-task baselines are ``IndependentTaskClassifier`` / ``IndependentTaskRegressor``
(a clone per task, fitted on that task's observed rows):

* logistic regression: C chosen by ``GridSearchCV`` over ``LOGISTIC_CS`` with a
  3-fold ``MultiTaskStratifiedKFold`` on the training rows (one C for all
  tasks; inputs as a CSR matrix); on census, C=1 (80,000 rows);
* ridge (SARCOS): alpha in ``RIDGE_ALPHAS`` chosen on the validation rows;
* per-task nets: ``IndependentTask*(net)`` with exactly the settings of the
  default-ish multi-task net (the same size and training), one net per task;
* per-task random forest (Tox21, ``--rf-splits`` first splits only,
  ``RandomForestClassifier(n_estimators=500, n_jobs=2)``);
* per-task ``HistGradientBoostingClassifier`` (census; its default early
  stopping holds out 10% of the training rows).

The multi-task nets (``MultiTaskNetClassifier`` / ``MultiTaskNetRegressor``,
default module ``MultiTaskMLP``, Adam, lr 1e-3, batch 128):

* "MT net (default-ish)": the defaults with the few changes listed in
  ``DEFAULTISH``: on the classification data ``module__dropout=0.5``,
  ``module__batch_norm=True`` and early stopping on the internal validation
  ROC-AUC (``TaskScoring("roc_auc")``,
  ``EarlyStopping(monitor="valid_roc_auc", lower_is_better=False,
  patience=10, load_best=True)``, the net's default ``ValidSplit(0.2)``); on
  SARCOS early stopping on the mean validation nMSE over the tasks
  (``TaskScoring("normalized_mean_squared_error")``, patience 20) with
  ``max_epochs=500``;
* "MT net (tuned)": on each split, every candidate of ``TUNED_CANDIDATES``
  (the default-ish net among them) is fitted and the one with the best
  score on the internal validation split (best ``valid_roc_auc``, or lowest
  ``valid_nmse`` on SARCOS) is kept; its test score is reported. The test
  scores of all the candidates are in the CSV (``candidate: <name>`` rows)
  for information only;
* "MT net (tuned, refit)": the chosen candidate trained again, with the same
  seed, on all the rows the nets were given (the internal validation rows
  included: all the training rows; on SARCOS the training and validation
  rows), without validation split or early stopping, for the number of
  epochs at which its validation score was best. Its fit time includes the
  selection.

torch runs on one thread (``--threads``; also the BLAS thread limit): on this
shared 2-core machine two threads made an epoch 4-5x slower than one under
load from other jobs. Fit times are wall-clock seconds of ``fit`` and depend
on that load.

Commands (run from the repository root; each takes its data from
``../shared/data``)::

    python benchmarks/neural_quality.py --dataset sarcos
    python benchmarks/neural_quality.py --dataset tox21 --independent-splits 2
    python benchmarks/neural_quality.py --dataset census
    python benchmarks/neural_quality.py --dataset toxcast

``--quick`` runs tiny settings (one split, 3 epochs, a subsample) into
``--out-dir`` to check the script. Results go to
``benchmarks/results/neural_quality_<dataset>.csv`` (one row per model, split
and task) and ``benchmarks/results/neural_quality_<dataset>.md`` (the
summary).
"""

import argparse
import csv
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from scipy import sparse
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler
from skorch.callbacks import EarlyStopping
from threadpoolctl import threadpool_limits
from torch.utils.data import Subset

from sklearn_mtl.baselines import IndependentTaskClassifier, IndependentTaskRegressor
from sklearn_mtl.datasets import (
    load_census_income,
    load_sarcos,
    load_tox21,
    load_toxcast,
)
from sklearn_mtl.metrics import (
    make_multitask_scorer,
    multitask_roc_auc_score,
    normalized_mean_squared_error,
)
from sklearn_mtl.model_selection import MultiTaskStratifiedKFold
from sklearn_mtl.neural import (
    MultiTaskNetClassifier,
    MultiTaskNetRegressor,
    TaskScoring,
)

RESULTS = Path(__file__).resolve().parent / "results"
LOGISTIC_CS = [0.003, 0.01, 0.03, 0.1, 0.3, 1.0]
RIDGE_ALPHAS = np.logspace(-4, 2, 7)

# Earlier measurements on this data, quoted in the summary for comparison.
REFERENCES = {
    "tox21": "per-task logistic regression 0.788, independent nets 0.755, "
    "hand-written MT MLP with early stopping 0.798, per-task random forest 0.820",
    "toxcast": "per-task logistic regression 0.658, MT MLP 0.725",
    "sarcos": "per-task ridge nMSE 0.130, nets about 0.047",
    "census": "per-task logistic regression income AUC 0.942, gradient boosting 0.949",
}


# --------------------------------------------------------------- net settings
def classification_callbacks(patience):
    """Per-task validation ROC-AUC and early stopping on its mean."""
    return [
        TaskScoring("roc_auc"),
        EarlyStopping(
            monitor="valid_roc_auc",
            lower_is_better=False,
            patience=patience,
            load_best=True,
        ),
    ]


def regression_callbacks(patience):
    """Early stopping on the validation nMSE (mean over tasks), best epoch kept.

    The metric of the benchmark itself, in the original units: ``valid_loss``
    is in standardized units, where each task's squared error is divided by
    its training variance rather than by the variance of its labels.
    """
    return [
        TaskScoring("normalized_mean_squared_error", name="nmse"),
        EarlyStopping(monitor="valid_nmse", patience=patience, load_best=True),
    ]


# The default-ish nets: the constructor's defaults plus these settings. For
# the classification data, batch normalization was chosen on Tox21's internal
# validation splits: mean best valid_roc_auc over the 5 splits 0.799 with it,
# 0.780 without, 0.778-0.781 for a (1024,) trunk or batches of 64 instead.
DEFAULTISH = {
    "classification": {"module__dropout": 0.5, "module__batch_norm": True},
    "regression": {"max_epochs": 500},
}

# Candidates of the tuned nets, chosen per split on the internal validation
# score only. Each is a dict of settings on top of the defaults (the early
# stopping callbacks are always added).
#
# Tox21 and ToxCast: wider trunks, the two best on Tox21's internal validation
# splits (mean best valid_roc_auc 0.804 and 0.803) among (512, 512), (1024,),
# (1024, 512) and lr 3e-4 on top of the default-ish settings. No hidden head
# layers, which for ToxCast's 617 tasks would multiply the head parameters by
# 64. An earlier ToxCast run's (1024,) trunk without batch normalization scored
# below the default-ish net on the validation split (0.687 vs 0.704).
FINGERPRINT_CANDIDATES = {
    "default-ish": DEFAULTISH["classification"],
    "2x512 d0.5 bn": {
        **DEFAULTISH["classification"],
        "module__hidden_units": (512, 512),
    },
    "1024-512 d0.5 bn": {
        **DEFAULTISH["classification"],
        "module__hidden_units": (1024, 512),
    },
}
TUNED_CANDIDATES = {
    "tox21": FINGERPRINT_CANDIDATES,
    "toxcast": FINGERPRINT_CANDIDATES,
    "sarcos": {
        "default-ish": {"max_epochs": 500},
        "2x512 lr3e-3": {
            "max_epochs": 500,
            "module__hidden_units": (512, 512),
            "lr": 3e-3,
        },
        "3x256 batch64": {
            "max_epochs": 500,
            "module__hidden_units": (256, 256, 256),
            "batch_size": 64,
        },
    },
    "census": {
        "default-ish": DEFAULTISH["classification"],
        "2x256 d0.2 batch512 lr3e-3": {
            "module__dropout": 0.2,
            "batch_size": 512,
            "lr": 3e-3,
        },
        "2x256 d0.5 head64": {
            "module__dropout": 0.5,
            "module__head_hidden_units": (64,),
        },
    },
}


class LastRowsSplit:
    """skorch ``train_split``: hold out the last ``fraction`` of the rows.

    SARCOS's nets get the training rows followed by the validation rows, so
    that the validation rows are the held-out part (within each task too).
    """

    def __init__(self, fraction):
        self.fraction = fraction

    def __call__(self, dataset, y=None, groups=None):
        n_rows = len(dataset)
        n_valid = round(n_rows * self.fraction)
        rows = np.arange(n_rows)
        return Subset(dataset, rows[: n_rows - n_valid]), Subset(
            dataset, rows[n_rows - n_valid :]
        )

    def __repr__(self):
        return f"LastRowsSplit({self.fraction})"


def make_net(kind, settings, args, seed, refit_epochs=None, **extra):
    """A multi-task net with the defaults, ``settings`` and early stopping.

    With ``refit_epochs``: no validation split and no early stopping, trained
    for that many epochs on all the rows it is given.
    """
    settings = dict(settings)
    if args.max_epochs is not None:
        settings["max_epochs"] = args.max_epochs
    if refit_epochs is not None:
        settings.update(max_epochs=refit_epochs, train_split=None, callbacks=[])
        extra = {key: value for key, value in extra.items() if key != "train_split"}
    common = {
        "random_state": seed,
        "torch_num_threads": args.threads,
        "verbose": 0,
        **settings,
        **extra,
    }
    if kind == "classification":
        common.setdefault("callbacks", classification_callbacks(args.patience or 10))
        return MultiTaskNetClassifier(**common)
    common.setdefault("callbacks", regression_callbacks(args.patience or 20))
    return MultiTaskNetRegressor(**common)


def net_of(model):
    """The net inside a pipeline, if any."""
    return model.steps[-1][1] if isinstance(model, Pipeline) else model


def epochs_trained(model):
    """Epochs run by a net, or the mean over the nets of a per-task model."""
    model = net_of(model)
    if hasattr(model, "estimators_"):
        return float(np.mean([epochs_trained(est) for est in model.estimators_]))
    if hasattr(model, "history_"):
        return float(len(model.history))
    return float("nan")


def best_epoch(model, kind):
    """Epoch (1-based) of the best internal validation score of a fitted net."""
    history = net_of(model).history
    if kind == "classification":
        return int(np.nanargmax(history[:, "valid_roc_auc"])) + 1
    return int(np.nanargmin(history[:, "valid_nmse"])) + 1


def best_valid(model, kind):
    """Best internal validation score of a fitted net (higher is better)."""
    history = net_of(model).history
    if kind == "classification":
        return float(np.nanmax(history[:, "valid_roc_auc"]))
    return -float(np.nanmin(history[:, "valid_nmse"]))


# ------------------------------------------------------------------ running
class Recorder:
    """Collect result rows and print progress."""

    def __init__(self, dataset, metric, task_names):
        self.dataset = dataset
        self.metric = metric
        self.task_names = list(task_names)
        self.rows = []

    def add(
        self,
        model,
        split,
        scores,
        fit_time,
        epochs=float("nan"),
        config="",
        valid=float("nan"),
    ):
        scores = np.asarray(scores, dtype=float)
        for name, score in zip(self.task_names, scores, strict=True):
            self.rows.append(
                {
                    "dataset": self.dataset,
                    "model": model,
                    "split": split,
                    "task": name,
                    "metric": self.metric,
                    "score": score,
                    "fit_time_s": round(fit_time, 2),
                    "epochs": epochs,
                    "valid_score": valid,
                    "config": config,
                }
            )
        print(
            f"  split {split} | {model:<40s} | mean {self.metric} "
            f"{np.nanmean(scores):.4f} ({np.sum(np.isfinite(scores))} tasks) | "
            f"fit {fit_time:7.1f} s | epochs {epochs:.1f}"
            + (f" | valid {valid:.4f}" if np.isfinite(valid) else ""),
            flush=True,
        )


def timed_fit(model, X, Y):
    start = time.perf_counter()
    model.fit(X, Y)
    return model, time.perf_counter() - start


def auc_scores(model, X, Y):
    return multitask_roc_auc_score(Y, model.predict_proba(X), multioutput="raw_values")


def nmse_scores(model, X, Y):
    return normalized_mean_squared_error(Y, model.predict(X), multioutput="raw_values")


def run_nets(
    rec,
    kind,
    name,
    args,
    split,
    X_fit,
    Y_fit,
    X_test,
    Y_test,
    score,
    wrap=lambda net: net,
    independent=True,
):
    """Fit the default-ish net, the per-task nets and the tuned candidates."""
    seed = split
    defaultish = DEFAULTISH[kind]
    extra = {"train_split": LastRowsSplit(0.25)} if name == "sarcos" else {}
    model, fit_time = timed_fit(
        wrap(make_net(kind, defaultish, args, seed, **extra)), X_fit, Y_fit
    )
    rec.add(
        "MT net (default-ish)",
        split,
        score(model, X_test, Y_test),
        fit_time,
        epochs_trained(model),
        repr(defaultish),
        best_valid(model, kind),
    )
    default_model, default_time = model, fit_time
    if independent and split < args.independent_splits:
        independent_class = (
            IndependentTaskClassifier
            if kind == "classification"
            else IndependentTaskRegressor
        )
        model, fit_time = timed_fit(
            independent_class(wrap(make_net(kind, defaultish, args, seed, **extra))),
            X_fit,
            Y_fit,
        )
        rec.add(
            "per-task nets (default-ish)",
            split,
            score(model, X_test, Y_test),
            fit_time,
            epochs_trained(model),
            repr(defaultish),
        )
    if args.no_tuned:
        return
    candidates = {}
    total_time = 0.0
    for cand_name, settings in TUNED_CANDIDATES[name].items():
        if cand_name == "default-ish":  # the same net, seed and data: reuse it
            settings, model, fit_time = defaultish, default_model, default_time
        else:
            model, fit_time = timed_fit(
                wrap(make_net(kind, settings, args, seed, **extra)), X_fit, Y_fit
            )
        total_time += fit_time
        valid = best_valid(model, kind)
        scores = score(model, X_test, Y_test)
        candidates[cand_name] = (
            valid,
            scores,
            settings,
            best_epoch(model, kind),
            epochs_trained(model),
        )
        rec.add(
            f"candidate: {cand_name}",
            split,
            scores,
            fit_time,
            epochs_trained(model),
            repr(settings),
            valid,
        )
    chosen = max(candidates, key=lambda key: candidates[key][0])
    valid, scores, settings, epochs, trained = candidates[chosen]
    rec.add(
        "MT net (tuned)",
        split,
        scores,
        total_time,
        trained,
        f"{chosen} (best epoch {epochs})",
        valid,
    )
    # the chosen candidate trained again on all the rows given to fit (the
    # internal validation rows too), for its best number of epochs
    model, fit_time = timed_fit(
        wrap(make_net(kind, settings, args, seed, refit_epochs=epochs, **extra)),
        X_fit,
        Y_fit,
    )
    rec.add(
        "MT net (tuned, refit)",
        split,
        score(model, X_test, Y_test),
        total_time + fit_time,
        epochs_trained(model),
        f"{chosen}, max_epochs={epochs}, no validation split",
    )


def fingerprint_benchmark(rec, name, bunch, args):
    """Tox21 / ToxCast: random 80/20 splits, ROC-AUC over tasks."""
    X = np.asarray(bunch.data, dtype=np.float32)
    Y = np.asarray(bunch.target, dtype=float)
    if args.quick:
        X, Y = X[:1500], Y[:, : min(Y.shape[1], 40)]
        rec.task_names = rec.task_names[: Y.shape[1]]
    X_sparse = sparse.csr_matrix(X, dtype=np.float64)
    scorer = make_multitask_scorer("roc_auc")
    for split in range(args.n_splits):
        train, test = train_test_split(
            np.arange(len(X)), test_size=0.2, random_state=split
        )
        print(
            f"{name} split {split}: {len(train)} training rows, {len(test)} test rows",
            flush=True,
        )
        if not args.skip_logistic:
            search = GridSearchCV(
                IndependentTaskClassifier(LogisticRegression(max_iter=2000)),
                {"estimator__C": LOGISTIC_CS if name == "tox21" else [0.01, 0.1]},
                cv=MultiTaskStratifiedKFold(3, shuffle=True, random_state=split),
                scoring=scorer,
            )
            model, fit_time = timed_fit(search, X_sparse[train], Y[train])
            C = search.best_params_["estimator__C"]
            rec.add(
                "per-task logistic regression",
                split,
                auc_scores(model, X_sparse[test], Y[test]),
                fit_time,
                config=f"C={C} (inner 3-fold CV)",
            )
        if name == "tox21" and split < args.rf_splits:
            model, fit_time = timed_fit(
                IndependentTaskClassifier(
                    RandomForestClassifier(
                        n_estimators=500, n_jobs=2, random_state=split
                    )
                ),
                X[train],
                Y[train],
            )
            rec.add(
                "per-task random forest",
                split,
                auc_scores(model, X[test], Y[test]),
                fit_time,
                config="n_estimators=500",
            )
        run_nets(
            rec,
            "classification",
            name,
            args,
            split,
            X[train],
            Y[train],
            X[test],
            Y[test],
            auc_scores,
            independent=name == "tox21",
        )


def sarcos_benchmark(rec, bunch, args):
    """SARCOS: fixed train/validation/test rows, nMSE over the 7 torques."""
    X, Y = bunch.data, bunch.target
    train, val, test = bunch.train_indices, bunch.val_indices, bunch.test_indices
    if args.quick:
        train, val, test = train[::10], val[::10], test[::10]
    fit_rows = np.concatenate([train, val])
    for t in range(Y.shape[1]):  # the last 25% of each task's rows are validation
        observed = np.flatnonzero(~np.isnan(Y[fit_rows, t]))
        n_valid = round(len(observed) * 0.25)
        assert set(fit_rows[observed[-n_valid:]]) == set(val[~np.isnan(Y[val, t])])
    assert len(val) == round(len(fit_rows) * 0.25)
    # ridge: alpha chosen on the validation rows (mean nMSE), fitted on train
    best = None
    for alpha in RIDGE_ALPHAS:
        model = IndependentTaskRegressor(make_pipeline(StandardScaler(), Ridge(alpha)))
        model.fit(X[train], Y[train])
        value = normalized_mean_squared_error(Y[val], model.predict(X[val]))
        if best is None or value < best[0]:
            best = (value, alpha)
    model, fit_time = timed_fit(
        IndependentTaskRegressor(make_pipeline(StandardScaler(), Ridge(best[1]))),
        X[train],
        Y[train],
    )
    rec.add(
        "per-task ridge",
        0,
        nmse_scores(model, X[test], Y[test]),
        fit_time,
        config=f"alpha={best[1]:g} (validation rows)",
        valid=-best[0],
    )
    run_nets(
        rec,
        "regression",
        "sarcos",
        args,
        0,
        X[fit_rows],
        Y[fit_rows],
        X[test],
        Y[test],
        nmse_scores,
        wrap=lambda net: make_pipeline(StandardScaler(), net),
    )


def census_benchmark(rec, bunch, args):
    """census-income: random 80/20 split(s), ROC-AUC of each task."""
    X, Y = bunch.data, bunch.target.to_numpy()
    if args.quick:
        X, Y = X.iloc[:5000], Y[:5000]
    categorical = [str(name) for name in bunch.categorical_features]
    numeric = [str(c) for c in bunch.feature_names if str(c) not in categorical]

    def one_hot():
        return ColumnTransformer(
            [
                ("categorical", OneHotEncoder(handle_unknown="ignore"), categorical),
                ("numeric", StandardScaler(), numeric),
            ]
        )

    def ordinal():
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

    for split in range(args.n_splits):
        train, test = train_test_split(
            np.arange(len(X)), test_size=0.2, random_state=split
        )
        X_train, X_test = X.iloc[train], X.iloc[test]
        print(f"census split {split}: {len(train)} training rows", flush=True)
        model, fit_time = timed_fit(
            make_pipeline(
                one_hot(), IndependentTaskClassifier(LogisticRegression(max_iter=2000))
            ),
            X_train,
            Y[train],
        )
        rec.add(
            "per-task logistic regression",
            split,
            auc_scores(model, X_test, Y[test]),
            fit_time,
            config="C=1",
        )
        hgb = HistGradientBoostingClassifier(
            categorical_features=np.arange(len(categorical)), random_state=split
        )
        model, fit_time = timed_fit(
            make_pipeline(ordinal(), IndependentTaskClassifier(hgb)), X_train, Y[train]
        )
        rec.add(
            "per-task gradient boosting",
            split,
            auc_scores(model, X_test, Y[test]),
            fit_time,
            config="defaults, native categorical, early stopping",
        )
        run_nets(
            rec,
            "classification",
            "census",
            args,
            split,
            X_train,
            Y[train],
            X_test,
            Y[test],
            auc_scores,
            wrap=lambda net: Pipeline([("encode", one_hot()), ("net", net)]),
        )


# ------------------------------------------------------------------ outputs
def write_csv(rows, path):
    with open(path, "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def summary(rows, dataset, args, command):
    """The Markdown summary: mean (sd over splits) of the mean over tasks."""
    metric = rows[0]["metric"]
    models = list(dict.fromkeys(row["model"] for row in rows))
    tasks = list(dict.fromkeys(row["task"] for row in rows))
    per_task = len(tasks) <= 12
    lines = [
        f"# Multi-task nets vs per-task baselines: {dataset}",
        "",
        f"Command: `{command}`",
        "",
        f"Metric: {metric}, mean over tasks (mean +- sd over splits where several); "
        "fit time: wall-clock seconds per split (tuned: all candidates together).",
        "",
    ]
    header = ["model", f"mean {metric}", "tasks scored", "fit time (s)", "epochs"]
    if per_task:
        header += tasks
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for model in models:
        mine = [row for row in rows if row["model"] == model]
        splits = sorted({row["split"] for row in mine})
        means = []
        for split in splits:
            values = np.array([r["score"] for r in mine if r["split"] == split])
            means.append(np.nanmean(values))
        first = [r for r in mine if r["split"] == splits[0]]
        n_scored = int(np.sum(np.isfinite([r["score"] for r in first])))
        fit_times = [
            next(r["fit_time_s"] for r in mine if r["split"] == s) for s in splits
        ]
        epochs = [next(r["epochs"] for r in mine if r["split"] == s) for s in splits]
        cells = [
            model,
            _mean_sd(means),
            str(n_scored),
            f"{np.mean(fit_times):.1f}",
            "" if np.all(np.isnan(epochs)) else f"{np.nanmean(epochs):.1f}",
        ]
        if per_task:
            for task in tasks:
                cells.append(
                    _mean_sd([r["score"] for r in mine if r["task"] == task], digits=3)
                )
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "Settings (on top of the nets' defaults) and choices per split:", ""]
    for model in models:
        configs = []
        for row in rows:
            if row["model"] == model and (row["split"], row["config"]) not in configs:
                configs.append((row["split"], row["config"]))
        if len({c for _, c in configs}) == 1:  # the same on every split
            text = configs[0][1]
        else:
            text = "; ".join(f"split {s}: {c}" for s, c in configs if c)
        if text:
            lines.append(f"- {model}: {text}")
    lines += [
        "",
        '"candidate: ..." rows are the tuned net\'s candidates, shown for '
        "information; the tuned net is the candidate with the best internal "
        "validation score on each split, never chosen on the test rows.",
        "",
        f"Earlier measurements, for comparison: {REFERENCES[dataset]}.",
        "",
    ]
    return "\n".join(lines)


def _mean_sd(values, digits=4):
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return "nan"
    if values.size == 1:
        return f"{values[0]:.{digits}f}"
    return f"{values.mean():.{digits}f} +- {values.std(ddof=1):.{digits}f}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--dataset", required=True, choices=["tox21", "toxcast", "sarcos", "census"]
    )
    parser.add_argument("--data-home", default="../shared/data")
    parser.add_argument(
        "--n-splits",
        type=int,
        default=None,
        help="random splits (default: tox21 5, others 1)",
    )
    parser.add_argument(
        "--max-epochs", type=int, default=None, help="override every net's max_epochs"
    )
    parser.add_argument(
        "--patience",
        type=int,
        default=None,
        help="early stopping patience (default 10, SARCOS 20)",
    )
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--rf-splits",
        type=int,
        default=0,
        help="Tox21: splits on which to run the random forest",
    )
    parser.add_argument(
        "--independent-splits",
        type=int,
        default=None,
        help="splits on which to run the per-task nets (default all)",
    )
    parser.add_argument("--no-tuned", action="store_true")
    parser.add_argument(
        "--skip-logistic",
        action="store_true",
        help="ToxCast/Tox21: skip the logistic regression",
    )
    parser.add_argument(
        "--quick", action="store_true", help="tiny settings to check the script"
    )
    parser.add_argument("--out-dir", default=str(RESULTS))
    args = parser.parse_args(argv)
    if args.n_splits is None:
        args.n_splits = 5 if args.dataset == "tox21" else 1
    if args.independent_splits is None:
        args.independent_splits = args.n_splits
    if args.quick:
        args.n_splits = 1
        args.max_epochs = args.max_epochs or 3
        args.rf_splits = min(args.rf_splits, 1)
    torch.set_num_threads(args.threads)
    command = "python benchmarks/neural_quality.py " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    loaders = {
        "tox21": load_tox21,
        "toxcast": load_toxcast,
        "sarcos": load_sarcos,
        "census": lambda home: load_census_income(home, as_frame=True),
    }
    bunch = loaders[args.dataset](args.data_home)
    metric = "nMSE" if args.dataset == "sarcos" else "ROC-AUC"
    rec = Recorder(args.dataset, metric, bunch.task_names)
    start = time.perf_counter()
    with threadpool_limits(args.threads), warnings.catch_warnings():
        # tasks with a single class in a validation or test part are left out
        # of the AUC with a warning (ToxCast: many, at every epoch)
        warnings.filterwarnings("ignore", message=".*could not be scored.*")
        warnings.filterwarnings("ignore", message=".*has a single class.*")
        if args.dataset in ("tox21", "toxcast"):
            fingerprint_benchmark(rec, args.dataset, bunch, args)
        elif args.dataset == "sarcos":
            sarcos_benchmark(rec, bunch, args)
        else:
            census_benchmark(rec, bunch, args)
    print(f"total {time.perf_counter() - start:.0f} s", flush=True)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_csv(rec.rows, out / f"neural_quality_{args.dataset}.csv")
    text = summary(rec.rows, args.dataset, args, command)
    (out / f"neural_quality_{args.dataset}.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
