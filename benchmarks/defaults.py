"""Every public estimator with its defaults on the real data sets (issue 16).

A scikit-learn user writes ``Estimator().fit(X, Y)`` and rarely changes a
default. This script does exactly that for every public estimator of the
package, on each real data set of :mod:`sklearn_mtl.datasets` whose task type
it handles, next to the per-task baselines with *their* defaults
(``IndependentTaskRegressor()``: a ``Ridge()`` per task;
``IndependentTaskClassifier()``: a ``LogisticRegression()`` per task) on the
same splits. Each estimator gets only what the task needs: a penalty object
for the generic linear estimators (``MultiTaskLinearRegressor(L1())``, every
penalty at its own defaults) and, for ``MultiTaskNet`` on census-income,
``task_types={2: "continuous"}`` (column 2 is age, in whole years, which
``"auto"`` would read as classes).

Preprocessing (stated, the same for every model of a data set unless said):
a ``StandardScaler`` in a ``Pipeline`` in front of every estimator, as the
user guide recommends, on the data sets with numeric features; on census-
income a ``ColumnTransformer`` (one-hot categorical columns, standardized
numeric ones). On the fingerprint data sets (Tox21, ToxCast: 1,024 bits) the
linear models and the baselines get standardized bits (the linear models'
penalties assume comparable scales) and the nets the raw 0/1 bits, as in
every neural benchmark of the package and in the issue's targets.

Data sets and splits (``--splits``, default 3; split ``k`` is seeded by ``k``)
------------------------------------------------------------------------------
school
    139 tasks (schools), each row one student of one school: the first
    ``--splits`` of the ten fixed 75/25 splits. Metric: R^2 per task (the
    pooled explained variance of the literature is reported beside it).
computer
    190 respondents, 20 rated profiles each: 4 test profiles drawn at random
    per split (the same for every respondent), 16 for training. R^2 per task
    on 4 test rows is noisy.
sarcos
    7 torques (each row one joint): the first ``--splits`` of the ten fixed
    splits of ``load_sarcos(split="10splits")`` (4,671 training and 1,557
    test rows; the whole set is small, no subsample).
parkinsons
    2 targets (motor and total UPDRS), patients split 75/25 with
    ``GroupShuffleSplit`` (the test patients are new): hard for every model.
landmine
    29 binary tasks (fields), each row one field: 75/25 within each field,
    stratified by field and label. ROC-AUC per task.
tox21
    12 binary assays, 17% of the labels missing: random 80/20 splits of the
    7,823 molecules.
toxcast
    Subsample (seed 0): 2,000 of the 8,576 molecules at random, then 30 of the
    assays with at least 30 positive and 30 negative labels among them, at
    random; random 80/20 splits of the 2,000.
census
    ``income`` and ``never_married`` (binary): a seeded subsample (seed 0) of
    10,000 of the 99,762 people, random 75/25 splits of it (7,500 / 2,500).
census_mixed
    The same rows and splits with three tasks of two types, ``income``,
    ``never_married`` and ``age`` (removed from the inputs): ``MultiTaskNet``
    against the per-task baselines of each type (``IndependentTaskClassifier()``
    on the binary tasks, ``IndependentTaskRegressor()`` on age). ROC-AUC and
    R^2.

Estimators
----------
Regression: ``IndependentTaskRegressor()`` (the reference),
``PooledTaskRegressor()``, ``MultiTaskLasso()``, ``MultiTaskElasticNet()``,
``MultiTaskLassoCV()``, ``MultiTaskElasticNetCV()``,
``MultiTaskLinearRegressor()`` (L21(1.0)) and with every other penalty at
its defaults, ``MultiTaskLinearRegressorCV()``, ``MultiTaskNetRegressor()``,
``GroupedMultiTaskNet()``. Classification: ``IndependentTaskClassifier()``
(the reference), ``PooledTaskClassifier()``,
``MultiTaskLogisticRegression()`` (the same model as
``MultiTaskLinearClassifier()``: L21(0.01)), ``MultiTaskLogisticRegressionCV()``
(the same path as ``MultiTaskLinearClassifierCV()``), every penalty at its
defaults in ``MultiTaskLinearClassifier``, ``MultiTaskNetClassifier()``,
``GroupedMultiTaskNet()``. ``GroupedMultiTaskNet`` (an affinity run and up to
two nets) only on 3 to 12 tasks (SARCOS, Tox21), where its exact group search
applies and there is a choice to make.
``SLOW`` lists the fits left out unless ``--full``.

Every fit records its wall time, the warnings raised during fit and predict
(category and message, counted), whether a ``ConvergenceWarning`` was among
them, and the iterations or epochs. Per data set, the per-task scores of all
estimators go into a :class:`~sklearn_mtl.model_selection.ComparisonResult`
(the object ``compare_estimators`` returns; the loop is the script's own so
that each fit's warnings are recorded) with the per-task baseline as the
reference: paired differences over the splits, the corrected resampled
t-test per task (tasks significantly better / worse at 5%) and Delta_m.
With three splits only large, consistent differences are significant.

Runtime: one torch thread and one BLAS thread (``torch.set_num_threads(1)``,
``threadpoolctl``), one fit at a time; global numpy and torch seeds are set
to the split before each fit (the constructors keep ``random_state=None``).
The nets' epoch log (standalone fits print it) is captured and dropped. The
machine may be shared: the load average is recorded with every fit, and
times are indicative.

``--quick`` (about 2 minutes of CPU): 2 splits; the data sets whose rows
have one task each keep their first 4 tasks and at most 600 rows;
Parkinsons 600 rows, Tox21 400, ToxCast 400 rows and 5 assays, census-income
2,000 rows; the fingerprint sets keep their first 256 bits (high-dimensional
logistic fits on a few hundred rows are slow); no
``MultiTaskLogisticRegressionCV()``. It writes to ``/tmp/defaults_quick.*``.

Commands (from the repository root, data in ``../shared/data`` or
``--data-home``)::

    python benchmarks/defaults.py --quick     # smoke run, to /tmp
    python benchmarks/defaults.py             # full run, ~35 min
    python benchmarks/defaults.py --datasets tox21,sarcos --estimators Net
    python benchmarks/defaults.py --render benchmarks/results/defaults.json
    # after a change of defaults: run some rows again, keep the others
    python benchmarks/defaults.py --datasets tox21 --estimators Net \\
        --merge-into benchmarks/results/defaults.json

Results: ``benchmarks/results/defaults.md`` (tables, settings, command, date,
load) and ``defaults.json`` (every fit: per-task scores, time, warnings).
"""

import argparse
import contextlib
import datetime
import inspect
import io
import json
import os
import platform
import re
import shlex
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from sklearn.base import BaseEstimator, clone
from sklearn.compose import ColumnTransformer
from sklearn.metrics import r2_score, roc_auc_score
from sklearn.model_selection import GroupShuffleSplit, train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

import sklearn_mtl
from sklearn_mtl.baselines import (
    IndependentTaskClassifier,
    IndependentTaskRegressor,
    PooledTaskClassifier,
    PooledTaskRegressor,
)
from sklearn_mtl.datasets import (
    load_census_income,
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
    MultiTaskLinearRegressorCV,
    MultiTaskLogisticRegression,
    MultiTaskLogisticRegressionCV,
    TaskRelationship,
    TraceNorm,
)
from sklearn_mtl.metrics import (
    multitask_r2_score,
    multitask_roc_auc_score,
    pooled_explained_variance_score,
)
from sklearn_mtl.model_selection import ComparisonResult
from sklearn_mtl.neural import (
    MultiTaskNet,
    MultiTaskNetClassifier,
    MultiTaskNetRegressor,
)
from sklearn_mtl.task_selection import GroupedMultiTaskNet

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
DATASETS = (
    "school", "computer", "sarcos", "parkinsons",
    "landmine", "tox21", "toxcast", "census", "census_mixed",
)  # fmt: skip
KIND = {
    "school": "regression",
    "computer": "regression",
    "sarcos": "regression",
    "parkinsons": "regression",
    "landmine": "classification",
    "tox21": "classification",
    "toxcast": "classification",
    "census": "classification",
    "census_mixed": "mixed",
}
#: GroupedMultiTaskNet runs where its exact search applies and there is a
#: choice to make (with two tasks there is hardly one): 3 to 12 tasks.
GROUPED_TASKS = range(3, 13)
#: (data set, estimator) fits left out unless --full (see SLOW_NOTE).
SLOW = {
    (name, "MultiTaskLogisticRegressionCV()")
    for name in ("landmine", "tox21", "toxcast", "census")
}
#: Left out of --quick runs on every data set (see SLOW_NOTE).
QUICK_SKIP = {"MultiTaskLogisticRegressionCV()"}
SLOW_NOTE = """\
MultiTaskLogisticRegressionCV() (the same search as
MultiTaskLinearClassifierCV(): 5 folds x 100 strengths of L21 down to
1e-3 alpha_max, then a refit) runs only with --full on the larger
classification sets. With the compiled proximal Newton epochs the search
takes 43-50 s per Landmine split without a warning (its row in the
Landmine table below, run with
--full); with the former logistic epochs one Landmine search had not ended
after 16 minutes. Tox21, ToxCast and census-income were not run again."""
#: Parameters shown in the settings table, where an estimator has them.
SHOWN = (
    "alpha", "l1_ratio", "penalty", "alphas", "eps", "cv", "max_iter", "tol",
    "solver", "max_epochs", "early_stopping", "validation_fraction",
    "n_iter_no_change", "scoring", "lr", "batch_size", "optimizer",
    "module", "n_groups", "affinity", "task_types", "standardize_targets",
)  # fmt: skip
NUMBER = re.compile(r"[-+]?\d+(\.\d+)?([eE][-+]?\d+)?")


# ----------------------------------------------------------------------- data
@dataclass
class Data:
    """One data set: inputs, wide targets, splits and how to preprocess."""

    name: str
    kind: str
    X: object
    Y: np.ndarray
    task_names: list
    splits: list
    features: str  # "numeric", "bits" or "census"
    protocol: str
    task_types: dict | None = None
    categorical: list | None = None
    numeric: list | None = None
    groups: np.ndarray | None = None  # given to the nets' fit (parkinsons)


def _subset(X, Y, rows, splits, columns=None):
    """Rows (and target columns) of a data set, with the splits remapped."""
    index = np.full(len(Y), -1)
    index[rows] = np.arange(len(rows))
    remapped = []
    for train, test in splits:
        train, test = index[train], index[test]
        remapped.append((train[train >= 0], test[test >= 0]))
    X = X.iloc[rows] if hasattr(X, "iloc") else X[rows]
    Y = Y[rows] if columns is None else Y[rows][:, columns]
    return X, Y, remapped


def _quick_long(X, Y, splits, n_tasks=4, n_rows=600):
    """Quick runs of data sets whose rows have one task each: a few tasks."""
    n_tasks = min(n_tasks, Y.shape[1])
    rows = np.flatnonzero(np.any(~np.isnan(Y[:, :n_tasks]), axis=1))
    if len(rows) > n_rows:
        rows = np.sort(np.random.RandomState(0).choice(rows, n_rows, replace=False))
    return _subset(X, Y, rows, splits, columns=np.arange(n_tasks))


def _random_splits(n_rows, n_splits, test_size, stratify=None):
    rows = np.arange(n_rows)
    return [
        train_test_split(rows, test_size=test_size, random_state=k, stratify=stratify)
        for k in range(n_splits)
    ]


def load(name, data_home, n_splits, quick):
    """The data set ``name`` as a :class:`Data`."""
    task_types = categorical = numeric = groups = None
    features = "numeric"
    if name == "school":
        bunch = load_school(data_home)
        X, Y = bunch.data, bunch.target
        splits = bunch.splits[:n_splits]
        protocol = f"fixed 75/25 splits within each school (first {n_splits} of 10)"
    elif name == "computer":
        bunch = load_computer_survey(data_home)
        X, Y = bunch.data, bunch.target
        splits = []
        for k in range(n_splits):
            test_profiles = np.random.RandomState(k).choice(20, 4, replace=False)
            test = np.isin(bunch.profile, test_profiles)
            splits.append((np.flatnonzero(~test), np.flatnonzero(test)))
        protocol = "4 of the 20 profiles at random for test, 16 for training"
    elif name == "sarcos":
        bunch = load_sarcos(data_home, split="10splits")
        X, Y = bunch.data, bunch.target
        splits = bunch.splits[:n_splits]
        protocol = f"fixed splits of load_sarcos(split='10splits') (first {n_splits})"
    elif name == "parkinsons":
        bunch = load_parkinsons(data_home)
        X, Y = bunch.data, bunch.target
        splitter = GroupShuffleSplit(n_splits=n_splits, test_size=0.25, random_state=0)
        splits = list(splitter.split(X, groups=bunch.groups))
        groups = bunch.groups
        protocol = (
            "patients split 75/25 (GroupShuffleSplit, new patients in test); the "
            "nets get the training rows' patients (fit(..., groups=...)), so that "
            "early stopping validates on whole patients"
        )
    elif name == "landmine":
        bunch = load_landmine(data_home)
        X, Y = bunch.data, bunch.target
        strata = bunch.task * 2 + bunch.y.astype(int)
        splits = _random_splits(len(Y), n_splits, 0.25, stratify=strata)
        protocol = "75/25 within each field, stratified by field and label"
    elif name == "tox21":
        bunch = load_tox21(data_home)
        X, Y = bunch.data, bunch.target
        splits = _random_splits(len(Y), n_splits, 0.2)
        protocol = "random 80/20 splits of the molecules"
        features = "bits"
    elif name == "toxcast":
        bunch = load_toxcast(data_home)
        rng = np.random.RandomState(0)
        n_rows, n_tasks = (400, 5) if quick else (2000, 30)
        rows = np.sort(rng.choice(len(bunch.target), n_rows, replace=False))
        Y = bunch.target[rows]
        positives, negatives = np.nansum(Y == 1, axis=0), np.nansum(Y == 0, axis=0)
        least = 15 if quick else 30
        eligible = np.flatnonzero((positives >= least) & (negatives >= least))
        columns = np.sort(rng.choice(eligible, n_tasks, replace=False))
        X, Y = bunch.data[rows], Y[:, columns]
        bunch = {"task_names": bunch.task_names[columns]}
        splits = _random_splits(len(Y), n_splits, 0.2)
        protocol = (
            f"subsample (seed 0): {n_rows} molecules at random, then {n_tasks} "
            f"of the {len(eligible)} assays with >= {least} positive and "
            f">= {least} negative labels among them; random 80/20 splits"
        )
        features = "bits"
    elif name in ("census", "census_mixed"):
        bunch = load_census_income(data_home, as_frame=True)
        n_rows = 2000 if quick else 10000
        rows = np.sort(np.random.RandomState(0).choice(len(bunch.data), n_rows, False))
        X = bunch.data.iloc[rows].reset_index(drop=True)
        Y = bunch.target.to_numpy(dtype=float)[rows]
        task_names = [str(t) for t in bunch.task_names]
        if name == "census_mixed":
            Y = np.column_stack([Y, X["age"].to_numpy(dtype=float)])
            X = X.drop(columns="age")
            task_names.append("age")
            # By index: Y is an array (a DataFrame would give names).
            task_types = {2: "continuous"}
        categorical = [str(c) for c in bunch.categorical_features]
        numeric = [str(c) for c in X.columns if str(c) not in categorical]
        bunch = {"task_names": task_names}
        splits = _random_splits(len(Y), n_splits, 0.25)
        protocol = (
            f"subsample (seed 0) of {n_rows} of the 99,762 people; random 75/25 "
            "splits of it"
        )
        features = "census"
    else:
        raise ValueError(f"Unknown data set {name!r}; expected one of {DATASETS}.")
    task_names = [str(t) for t in bunch["task_names"]]
    if features != "census":
        X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    if quick:
        if name in ("school", "computer", "sarcos", "landmine"):
            X, Y, splits = _quick_long(X, Y, splits)
            task_names = task_names[: Y.shape[1]]
        elif name in ("parkinsons", "tox21"):
            # Not seed 0: train_test_split(random_state=0) draws the same
            # permutation, so those rows would all be split 0's test rows.
            n_rows = 600 if name == "parkinsons" else 400
            rows = np.random.RandomState(1000).choice(len(Y), n_rows, replace=False)
            X, Y, splits = _subset(X, Y, np.sort(rows), splits)
            if groups is not None:
                groups = groups[np.sort(rows)]
        if features == "bits":
            # High-dimensional logistic fits on a few hundred rows are slow
            # (nearly separable): the smoke run keeps the first 256 bits.
            X = X[:, :256]
    return Data(
        name, KIND[name], X, Y, task_names, splits, features, protocol,
        task_types, categorical, numeric, groups,
    )  # fmt: skip


# ----------------------------------------------------------------- estimators
class PerTypeBaseline(BaseEstimator):
    """Per-task baselines for tasks of two types (census_mixed only).

    ``IndependentTaskClassifier()`` on the binary columns and
    ``IndependentTaskRegressor()`` on the continuous ones.
    """

    def __init__(self, continuous=()):
        self.continuous = continuous

    def fit(self, X, Y):
        Y = np.asarray(Y, dtype=float)
        self.continuous_ = np.isin(np.arange(Y.shape[1]), self.continuous)
        self.classifier_ = IndependentTaskClassifier().fit(X, Y[:, ~self.continuous_])
        self.regressor_ = IndependentTaskRegressor().fit(X, Y[:, self.continuous_])
        return self

    def predict(self, X):
        out = np.empty((X.shape[0], len(self.continuous_)))
        out[:, ~self.continuous_] = self.classifier_.predict(X)
        out[:, self.continuous_] = self.regressor_.predict(X).reshape(len(out), -1)
        return out

    def predict_proba(self, X):
        probabilities = iter(self.classifier_.predict_proba(X))
        return [None if c else next(probabilities) for c in self.continuous_]


def estimators(data):
    """(label, estimator, family) of every estimator that applies to ``data``."""
    n_tasks = data.Y.shape[1]
    grouped = n_tasks in GROUPED_TASKS
    if data.kind == "regression":
        penalties = [
            L1(), L2(), L21ElasticNet(), Dirty(), TraceNorm(), MeanRegularized(),
            GraphLaplacian(), Clustered(), TaskRelationship(),
        ]  # fmt: skip
        models = [
            ("IndependentTaskRegressor()", IndependentTaskRegressor(), "baseline"),
            ("PooledTaskRegressor()", PooledTaskRegressor(), "baseline"),
            ("MultiTaskLasso()", MultiTaskLasso(), "linear"),
            ("MultiTaskElasticNet()", MultiTaskElasticNet(), "linear"),
            ("MultiTaskLassoCV()", MultiTaskLassoCV(), "linear"),
            ("MultiTaskElasticNetCV()", MultiTaskElasticNetCV(), "linear"),
            ("MultiTaskLinearRegressor()", MultiTaskLinearRegressor(), "linear"),
            *[
                (
                    f"MultiTaskLinearRegressor({p!r})",
                    MultiTaskLinearRegressor(p),
                    "linear",
                )
                for p in penalties
            ],
            ("MultiTaskLinearRegressorCV()", MultiTaskLinearRegressorCV(), "linear"),
            ("MultiTaskNetRegressor()", MultiTaskNetRegressor(), "net"),
        ]
    elif data.kind == "classification":
        penalties = [
            L1(), L2(), L21ElasticNet(), Dirty(), TraceNorm(), MeanRegularized(),
            GraphLaplacian(), Clustered(), TaskRelationship(),
        ]  # fmt: skip
        models = [
            ("IndependentTaskClassifier()", IndependentTaskClassifier(), "baseline"),
            ("PooledTaskClassifier()", PooledTaskClassifier(), "baseline"),
            ("MultiTaskLogisticRegression()", MultiTaskLogisticRegression(), "linear"),
            (
                "MultiTaskLogisticRegressionCV()",
                MultiTaskLogisticRegressionCV(),
                "linear",
            ),
            *[
                (
                    f"MultiTaskLinearClassifier({p!r})",
                    MultiTaskLinearClassifier(p),
                    "linear",
                )
                for p in penalties
            ],
            ("MultiTaskNetClassifier()", MultiTaskNetClassifier(), "net"),
        ]
    else:
        continuous = list(data.task_types)
        return [
            ("per-task baselines", PerTypeBaseline(continuous), "baseline"),
            (
                f"MultiTaskNet(task_types={data.task_types!r})",
                MultiTaskNet(task_types=data.task_types),
                "net",
            ),
        ]
    if grouped:
        models.append(("GroupedMultiTaskNet()", GroupedMultiTaskNet(), "net"))
    return models


def preprocess(data, estimator, family):
    """The estimator behind the preprocessing its data set and family need."""
    if data.features == "census":
        encoder = ColumnTransformer(
            [
                (
                    "categorical",
                    OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                    data.categorical,
                ),
                ("numeric", StandardScaler(), data.numeric),
            ]
        )
        return Pipeline([("encode", encoder), ("model", estimator)])
    if data.features == "bits" and family == "net":
        return estimator
    return make_pipeline(StandardScaler(), estimator)


def settings(estimator):
    """The defaults that matter of an estimator, as a short string."""
    if isinstance(estimator, PerTypeBaseline):
        return (
            "IndependentTaskClassifier() on the binary tasks, "
            "IndependentTaskRegressor() on the continuous ones"
        )
    params = estimator.get_params(deep=False)
    parts = []
    for key in SHOWN:
        if key not in params:
            continue
        if key == "penalty" and params[key] is None:
            name = type(estimator).__name__
            if name.endswith("CV"):
                default = "L21, alpha searched"
            elif "Classifier" in name:
                default = "L21(alpha=0.01)"
            else:
                default = "L21(alpha=1.0)"
            parts.append(f"penalty=None ({default})")
            continue
        if key == "cv" and params[key] is None:
            parts.append("cv=None (5-fold MultiTaskStratifiedKFold)")
            continue
        value = params[key]
        if isinstance(value, type):
            value = value.__name__
        parts.append(f"{key}={value!r}" if isinstance(value, str) else f"{key}={value}")
    if "estimator" in params and params["estimator"] is None:
        if isinstance(estimator, IndependentTaskRegressor | PooledTaskRegressor):
            inner = estimator._default_estimator()
            keys = ("alpha", "solver", "tol")
        elif isinstance(estimator, IndependentTaskClassifier | PooledTaskClassifier):
            inner = estimator._default_estimator()
            keys = ("C", "solver", "max_iter", "tol")
        else:
            inner = None
            parts.append("estimator=None (the default net of the task type)")
        if inner is not None:
            shown = ", ".join(f"{k}={inner.get_params()[k]!r}" for k in keys)
            parts.append(f"estimator={type(inner).__name__}({shown})")
    if "module" in params:
        defaults = {
            name: p.default
            for name, p in inspect.signature(params["module"]).parameters.items()
            if p.default is not inspect.Parameter.empty
        }
        # the net's own defaults of the module's arguments (the classifier's
        # batch_norm=True), then the module__ arguments given
        defaults.update(
            {
                k: v
                for k, v in getattr(estimator, "MODULE_DEFAULTS", {}).items()
                if k in defaults
            }
        )
        defaults.update(
            {
                k.removeprefix("module__"): v
                for k, v in params.items()
                if "module__" in k
            }
        )
        shown = ("hidden_units", "dropout", "batch_norm", "head_hidden_units")
        parts.append(
            "module: " + ", ".join(f"{k}={defaults[k]}" for k in shown if k in defaults)
        )
        decay = params.get("optimizer__weight_decay", 0)
        parts.append(f"optimizer__weight_decay={decay}")
        plateau = getattr(estimator, "LR_PLATEAU", None)
        if plateau is not None and params.get("callbacks__lr_scheduler", 0) is not None:
            shown = ", ".join(f"{k}={v}" for k, v in plateau.items())
            parts.append(f"lr_scheduler: ReduceLROnPlateau({shown}) on valid_loss")
    return ", ".join(parts)


# --------------------------------------------------------------------- fitting
def _final(model):
    return model[-1] if isinstance(model, Pipeline) else model


def iterations(model):
    """Iterations, epochs or solver steps of a fitted estimator, as a string."""
    fitted = _final(model)
    if hasattr(fitted, "best_epoch_"):
        return f"{len(fitted.history)} ep (best {fitted.best_epoch_})"
    if hasattr(fitted, "estimators_") and hasattr(fitted, "groups_"):
        epochs = [len(net.history) for net in fitted.estimators_]
        return "+".join(map(str, epochs)) + " ep"
    if hasattr(fitted, "n_iter_"):
        return str(int(np.max(fitted.n_iter_)))
    inner = getattr(fitted, "estimators_", None) or [
        getattr(fitted, "estimator_", None)
    ]
    steps = [
        np.max(e.n_iter_) for e in inner if getattr(e, "n_iter_", None) is not None
    ]
    return str(int(max(steps))) if steps else ""


def predictions(data, model, X):
    """What the metric of ``data`` scores: predictions and/or probabilities."""
    if data.kind == "regression":
        return model.predict(X), None
    if data.kind == "classification":
        return None, model.predict_proba(X)
    return np.asarray(model.predict(X), dtype=float), model.predict_proba(X)


def task_scores(data, Y, prediction, probabilities):
    """Per-task scores on the test rows (masked) and, for regression, pooled EV."""
    if data.kind == "regression":
        scores = multitask_r2_score(Y, prediction, multioutput="raw_values")
        return scores, float(pooled_explained_variance_score(Y, prediction))
    if data.kind == "classification":
        return multitask_roc_auc_score(Y, probabilities, multioutput="raw_values"), None
    scores = []
    for t in range(Y.shape[1]):
        observed = ~np.isnan(Y[:, t])
        if t in data.task_types:
            scores.append(r2_score(Y[observed, t], prediction[observed, t]))
        else:
            scores.append(roc_auc_score(Y[observed, t], probabilities[t][observed, -1]))
    return np.asarray(scores), None


def _normalized(message):
    """A warning's message with its numbers blanked, to count repeats."""
    return NUMBER.sub("#", message)[:100]


def _key(warning):
    message = str(warning.message).strip().splitlines()[0] if warning.message else ""
    return warning.category.__name__, _normalized(message), message[:240]


def fit_one(data, label, estimator, family, split):
    """Fit one estimator on one split; return its record."""
    train, test = data.splits[split]
    X = data.X
    X_train = X.iloc[train] if hasattr(X, "iloc") else X[train]
    X_test = X.iloc[test] if hasattr(X, "iloc") else X[test]
    Y_train, Y_test = data.Y[train], data.Y[test]
    model = preprocess(data, clone(estimator), family)
    fit_params = {}
    if family == "net" and data.groups is not None:
        prefix = f"{model.steps[-1][0]}__" if isinstance(model, Pipeline) else ""
        fit_params[f"{prefix}groups"] = data.groups[train]
    # The constructors keep random_state=None: seed the global generators.
    np.random.seed(split)  # noqa: NPY002
    torch.manual_seed(split)
    log = io.StringIO()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        with contextlib.redirect_stdout(log):
            model.fit(X_train, Y_train, **fit_params)
        fit_time = time.perf_counter() - start
        prediction, probabilities = predictions(data, model, X_test)
    # Warnings of the metric (a task with one class among a split's test
    # labels has no ROC-AUC) belong to the split, not to the estimator.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        scores, pooled_ev = task_scores(data, Y_test, prediction, probabilities)
    counts = {}
    for w in caught:
        category, key, example = _key(w)
        entry = counts.setdefault((category, key), {"count": 0, "example": example})
        entry["count"] += 1
    found = [
        {"category": c, "message": v["example"], "count": v["count"]}
        for (c, _), v in counts.items()
    ]
    return {
        "dataset": data.name,
        "estimator": label,
        "family": family,
        "split": split,
        "n_train": len(train),
        "n_test": len(test),
        "fit_time_s": round(fit_time, 3),
        "mean_score": float(np.nanmean(scores)),
        "task_scores": [None if np.isnan(s) else round(float(s), 5) for s in scores],
        "pooled_explained_variance": pooled_ev,
        "iterations": iterations(model),
        "converged": not any(w["category"] == "ConvergenceWarning" for w in found),
        "warnings": found,
        "load_1min": round(os.getloadavg()[0], 2),
    }


# -------------------------------------------------------------------- summary
def compare(data, labels, records):
    """A ComparisonResult of the estimators run on every split of ``data``."""
    n_splits = len(data.splits)
    complete = [
        label
        for label in labels
        if sum(r["estimator"] == label for r in records) == n_splits
    ]
    scores = np.full((len(complete), n_splits, data.Y.shape[1]), np.nan)
    fit_times = np.zeros((len(complete), n_splits))
    for r in records:
        if r["estimator"] in complete:
            e = complete.index(r["estimator"])
            scores[e, r["split"]] = [
                np.nan if s is None else s for s in r["task_scores"]
            ]
            fit_times[e, r["split"]] = r["fit_time_s"]
    ratio = float(np.mean([len(test) / len(train) for train, test in data.splits]))
    metric = {"regression": "r2", "classification": "roc_auc"}.get(data.kind, "mixed")
    return ComparisonResult(
        scores,
        complete,
        data.task_names,
        complete[0],
        metric,
        True,
        fit_times,
        test_train_ratio=ratio,
    )


def summarize(data, labels, records):
    """Per-estimator rows of the data set's table."""
    if not records:
        return []
    result = compare(data, labels, records)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        means = np.nanmean(result.scores, axis=2)  # (estimator, split)
        improved = result.n_improved()
        hurt = result.n_hurt()
        better = result.n_improved(significant=False)
        worse = result.n_hurt(significant=False)
        delta_m = result.delta_m()
        difference = result.mean_difference()
    missing = np.isnan(result.scores[0]).sum(axis=0)  # reference, per task
    unscored = {
        name: int(count)
        for name, count in zip(result.task_names, missing, strict=True)
        if count
    }
    rows = []
    for e, label in enumerate(result.estimator_names):
        own = [r for r in records if r["estimator"] == label]
        merged = {}
        for r in own:
            for w in r["warnings"]:
                key = (w["category"], _normalized(w["message"]))
                entry = merged.setdefault(key, {**w, "count": 0, "fits": 0})
                entry["count"] += w["count"]
                entry["fits"] += 1
        evs = [r["pooled_explained_variance"] for r in own]
        rows.append(
            {
                "estimator": label,
                "family": own[0]["family"],
                "mean": float(np.mean(means[e])),
                "sd": float(np.std(means[e], ddof=1)) if len(own) > 1 else 0.0,
                "difference": float(difference[e]),
                "delta_m": float(delta_m[e]),
                "better": int(better[e]),
                "worse": int(worse[e]),
                "improved": int(improved[e]),
                "hurt": int(hurt[e]),
                "n_tasks_scored": int(np.sum(np.isfinite(result.mean()[e]))),
                "fit_time_s": float(np.mean([r["fit_time_s"] for r in own])),
                "iterations": "; ".join(dict.fromkeys(r["iterations"] for r in own)),
                "converged": all(r["converged"] for r in own),
                "warnings": list(merged.values()),
                "pooled_explained_variance": (
                    None if evs[0] is None else float(np.mean(evs))
                ),
                "unscored": unscored,
            }
        )
    return rows


def _warnings_text(warnings_list, width=110):
    parts = []
    for w in warnings_list:
        message = w["message"].replace("|", "/")
        if len(message) > width:
            message = message[: width - 3] + "..."
        parts.append(f"{w['category']} ({w['fits']} fits): {message}")
    return "; ".join(parts)


def markdown(meta, datasets, summaries, settings_rows):
    metric_name = {"regression": "R^2", "classification": "ROC-AUC", "mixed": "mixed"}
    lines = [
        "# Every estimator with its defaults on the real data sets",
        "",
        f"Generated by `{meta['command']}` on {meta['date']} "
        f"(sklearn_mtl {meta['version']}, torch {meta['torch']}, "
        f"Python {meta['python']}). Total wall time {meta['wall_time_s'] / 60:.1f} "
        f"min on {meta['cpu_count']} CPU cores shared with other jobs: load average "
        f"(1 min) {meta['load']['min']:.1f}-{meta['load']['max']:.1f} during the fits "
        f"(mean {meta['load']['mean']:.1f}), so fit times are indicative only. One "
        "torch thread and one BLAS thread; one fit at a time.",
        "",
        "Every estimator is constructed with its defaults (plus a penalty object, or "
        "`task_types` for the age column, where the task needs one) and fitted "
        "behind a `StandardScaler` in a pipeline (one-hot and standardized columns "
        "on census-income; on the fingerprint sets the nets get the raw bits). "
        "Score: mean over tasks of the per-task test score (R^2 for regression, "
        "ROC-AUC for classification; labels masked), mean +- sd over the splits. "
        "`vs per-task`: mean paired difference to the per-task baseline "
        "(`IndependentTask*()`, the reference, in bold); `Delta_m`: relative gain "
        "(for R^2, on the unexplained variance). `better / worse`: tasks with a "
        "higher / lower mean score than the reference, and in brackets those "
        "significant in the corrected resampled t-test at 5% (ComparisonResult, "
        "as compare_estimators). Fit time: mean seconds per split. `iter`: the "
        "solver's iterations (most over splits/folds), or the nets' epochs run and "
        "the best epoch kept. `conv.`: no `ConvergenceWarning` in any split.",
        "",
    ]
    for rerun in meta.get("reruns", []):
        lines += [
            f"Run again on {rerun['date']} by `{rerun['command']}` "
            f"({rerun['wall_time_s'] / 60:.1f} min) after a change of defaults: "
            + ", ".join(rerun["fits"])
            + " (the other fits are from the runs above).",
            "",
        ]
    if meta["skipped"]:
        lines += [f"Left out (run with `--full`): {', '.join(meta['skipped'])}.", ""]
        lines += [*SLOW_NOTE.splitlines(), ""]
    net_rows = [
        (name, row)
        for name, rows in summaries.items()
        for row in rows
        if row["family"] == "net"
    ]
    if net_rows:
        lines += [
            "## Default nets against the per-task baselines",
            "",
            "| data set | net | score | per-task baseline | vs per-task | "
            "worse tasks (sig.) / tasks |",
            "|---|---|---:|---:|---:|---:|",
        ]
        for name, row in net_rows:
            reference = summaries[name][0]
            lines.append(
                f"| {name} | {row['estimator']} | {row['mean']:.4f} | "
                f"{reference['mean']:.4f} | {row['difference']:+.4f} | "
                f"{row['worse']} ({row['hurt']}) / {row['n_tasks_scored']} |"
            )
        lines.append("")
    for data in datasets:
        rows = summaries.get(data.name)
        if not rows:
            continue
        first = meta["datasets"][data.name]
        lines += [
            f"## {data.name}",
            "",
            f"{first['n_tasks']} tasks, {first['n_rows']} rows, "
            f"{first['n_features']} input columns, {first['n_labels']} labels; "
            f"{first['n_splits']} splits: {data.protocol}. Metric: "
            f"{metric_name[data.kind]} per task"
            + (
                " (ROC-AUC for the binary tasks, R^2 for age)"
                if data.kind == "mixed"
                else ""
            )
            + (
                "; `EV`: pooled explained variance (%)"
                if data.kind == "regression"
                else ""
            )
            + f". Load average during its fits: {first['load']}.",
            "",
        ]
        if rows[0]["unscored"]:
            listed = ", ".join(
                f"{task} ({count} of {first['n_splits']})"
                for task, count in rows[0]["unscored"].items()
            )
            lines += [
                "Tasks without a score in some splits (a single class among "
                f"their test labels; means over the other splits): {listed}.",
                "",
            ]
        ev = data.kind == "regression"
        header = "| estimator | score | vs per-task | Delta_m % | better (sig.) "
        header += "| worse (sig.) | " + ("EV | " if ev else "")
        header += "fit (s) | iter | conv. | warnings |"
        lines += [header, "|---|---:|---:|---:|---:|---:|" + ("---:|" if ev else "")]
        lines[-1] += "---:|---|---|---|"
        for i, row in enumerate(rows):
            label = f"**{row['estimator']}**" if i == 0 else row["estimator"]
            cells = [
                label,
                f"{row['mean']:.4f} +- {row['sd']:.4f}",
                "" if i == 0 else f"{row['difference']:+.4f}",
                "" if i == 0 else f"{row['delta_m']:+.1f}",
                "" if i == 0 else f"{row['better']} ({row['improved']})",
                "" if i == 0 else f"{row['worse']} ({row['hurt']})",
            ]
            if ev:
                cells.append(f"{100 * row['pooled_explained_variance']:.1f}")
            cells += [
                f"{row['fit_time_s']:.2f}",
                row["iterations"],
                "yes" if row["converged"] else "**no**",
                _warnings_text(row["warnings"]),
            ]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    lines += [
        "## Settings (the defaults as run)",
        "",
        "| estimator | settings |",
        "|---|---|",
    ]
    lines += [f"| {label} | {text} |" for label, text in settings_rows.items()]
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------- main
def dump(payload):
    """JSON of a run: indented, except one line per fit (they are many)."""
    fits = ",\n  ".join(json.dumps(record) for record in payload["fits"])
    rest = json.dumps({k: v for k, v in payload.items() if k != "fits"}, indent=1)
    return rest[:-2] + f',\n "fits": [\n  {fits}\n ]\n}}\n'


def render(path, data_home):
    """Summarize the fits of an earlier run's JSON again and write its .md."""
    payload = json.loads(path.read_text())
    meta, records = payload["meta"], payload["fits"]
    loaded, summaries = [], {}
    for name in meta["datasets"]:
        data = load(name, data_home, meta["splits"], meta["quick"])
        loaded.append(data)
        own = [r for r in records if r["dataset"] == name]
        labels = list(dict.fromkeys(r["estimator"] for r in own))
        summaries[name] = summarize(data, labels, own)
    payload["summaries"] = summaries
    path.write_text(dump(payload))
    markdown_text = markdown(meta, loaded, summaries, payload["settings"])
    path.with_suffix(".md").write_text(markdown_text)
    print(f"wrote {path.with_suffix('.md')}")


def merge(target, rerun, data_home):
    """Put the fits of a partial run (``rerun``, a payload) into the JSON at
    ``target`` and write its .md again.

    The rerun's fits replace those of the same (data set, estimator) pairs;
    the other rows of the table are kept as they were. ``meta["reruns"]``
    records what was run again, when and by which command.
    """
    payload = json.loads(target.read_text())
    meta = payload["meta"]
    new = rerun["fits"]
    pairs = {(r["dataset"], r["estimator"]) for r in new}
    kept = [r for r in payload["fits"] if (r["dataset"], r["estimator"]) not in pairs]
    # Fits left out of the first run (SLOW) that the rerun made are no longer
    # left out.
    meta["skipped"] = [
        label
        for label in meta["skipped"]
        if not any(label == f"{e} on {d}" for d, e in pairs)
    ]
    datasets = list(meta["datasets"])
    datasets += [d for d in rerun["meta"]["datasets"] if d not in datasets]
    order = {}  # each data set's estimators in their order of the first run
    for r in payload["fits"] + new:
        names = order.setdefault(r["dataset"], [])
        if r["estimator"] not in names:
            names.append(r["estimator"])
    fits = sorted(
        kept + new,
        key=lambda r: (
            datasets.index(r["dataset"]),
            order[r["dataset"]].index(r["estimator"]),
            r["split"],
        ),
    )
    for name in datasets:
        if name not in meta["datasets"]:
            meta["datasets"][name] = rerun["meta"]["datasets"][name]
        loads = [r["load_1min"] for r in fits if r["dataset"] == name]
        meta["datasets"][name]["load"] = f"{min(loads):.1f}-{max(loads):.1f}"
    loads = [r["load_1min"] for r in fits]
    meta["load"] = {"min": min(loads), "max": max(loads), "mean": float(np.mean(loads))}
    meta.setdefault("reruns", []).append(
        {
            "command": rerun["meta"]["command"],
            "date": rerun["meta"]["date"],
            "wall_time_s": rerun["meta"]["wall_time_s"],
            "fits": sorted(f"{e} on {d}" for d, e in pairs),
        }
    )
    payload["settings"].update(rerun["settings"])
    payload["fits"] = fits
    target.write_text(dump(payload))
    render(target, data_home)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument(
        "--estimators",
        default=None,
        help="regular expression: run only the estimators whose label matches "
        "(the per-task baseline of each data set always runs)",
    )
    parser.add_argument("--splits", type=int, default=3)
    parser.add_argument("--data-home", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--quick", action="store_true", help="smoke run (~2 min)")
    parser.add_argument("--full", action="store_true", help="also the SLOW fits")
    parser.add_argument("--out", default=None, help="output path without suffix")
    parser.add_argument(
        "--render",
        default=None,
        metavar="JSON",
        help="write the .md of an earlier run's .json again (no fitting)",
    )
    parser.add_argument(
        "--merge-into",
        default=None,
        metavar="JSON",
        help="after the run, put its fits into this earlier run's .json (they "
        "replace the fits of the same data set and estimator; the other rows "
        "are kept) and write its .md again; the run itself is written to --out "
        "(default /tmp/defaults_rerun)",
    )
    parser.add_argument(
        "--merge-from",
        default=None,
        metavar="JSON",
        help="with --merge-into: merge this finished run's .json, without fitting",
    )
    args = parser.parse_args(argv)
    if args.render:
        render(Path(args.render), args.data_home)
        return
    if args.merge_from:
        if not args.merge_into:
            parser.error("--merge-from needs --merge-into")
        rerun = json.loads(Path(args.merge_from).read_text())
        merge(Path(args.merge_into), rerun, args.data_home)
        return
    if args.quick:
        args.splits = min(args.splits, 2)
    if args.out is None and args.merge_into:
        args.out = "/tmp/defaults_rerun"
    out = Path(
        args.out or ("/tmp/defaults_quick" if args.quick else RESULTS / "defaults")
    )
    torch.set_num_threads(1)
    names = args.datasets.split(",")
    unknown = sorted(set(names) - set(DATASETS))
    if unknown:
        parser.error(f"unknown data sets {unknown}; expected some of {DATASETS}")
    pattern = re.compile(args.estimators) if args.estimators else None
    command = "python benchmarks/defaults.py" + (
        " " + shlex.join(sys.argv[1:]) if argv is None and sys.argv[1:] else ""
    )
    meta = {
        "command": command,
        "date": datetime.date.today().isoformat(),
        "version": sklearn_mtl.__version__,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "splits": args.splits,
        "quick": args.quick,
        "skipped": [],
        "datasets": {},
    }
    records, summaries, settings_rows, loaded = [], {}, {}, []
    start = time.perf_counter()
    with threadpool_limits(limits=1):
        for name in names:
            data = load(name, args.data_home, args.splits, args.quick)
            loaded.append(data)
            models = estimators(data)
            labels = []
            loads = []
            for i, (label, estimator, family) in enumerate(models):
                if i > 0 and pattern is not None and not pattern.search(label):
                    continue
                slow = (name, label) in SLOW or (args.quick and label in QUICK_SKIP)
                if not args.full and slow:
                    meta["skipped"].append(f"{label} on {name}")
                    continue
                labels.append(label)
                settings_rows.setdefault(label, settings(estimator))
                for split in range(len(data.splits)):
                    record = fit_one(data, label, estimator, family, split)
                    records.append(record)
                    loads.append(record["load_1min"])
                    print(
                        f"{name:12s} {label[:58]:58s} split {split} "
                        f"{record['fit_time_s']:8.2f}s "
                        f"score={record['mean_score']:.4f} "
                        f"iter={record['iterations']} load={record['load_1min']}"
                        + (
                            f" warnings={[w['category'] for w in record['warnings']]}"
                            if record["warnings"]
                            else ""
                        ),
                        flush=True,
                    )
            own = [r for r in records if r["dataset"] == name]
            summaries[name] = summarize(data, labels, own)
            n_features = (
                data.X.shape[1]
                if data.features != "census"
                else f"{data.X.shape[1]} ({len(data.categorical)} categorical)"
            )
            meta["datasets"][name] = {
                "kind": data.kind,
                "n_tasks": data.Y.shape[1],
                "n_rows": data.Y.shape[0],
                "n_features": n_features,
                "n_labels": int(np.sum(~np.isnan(data.Y))),
                "n_splits": len(data.splits),
                "protocol": data.protocol,
                "load": (f"{min(loads):.1f}-{max(loads):.1f}" if loads else ""),
            }
            meta["wall_time_s"] = time.perf_counter() - start
            all_loads = [r["load_1min"] for r in records]
            meta["load"] = {
                "min": min(all_loads),
                "max": max(all_loads),
                "mean": float(np.mean(all_loads)),
            }
            # Written after every data set, so that a run cut short keeps them.
            out.parent.mkdir(parents=True, exist_ok=True)
            out.with_suffix(".md").write_text(
                markdown(meta, loaded, summaries, settings_rows)
            )
            payload = {
                "meta": meta,
                "settings": settings_rows,
                "summaries": summaries,
                "fits": records,
            }
            out.with_suffix(".json").write_text(dump(payload))
    print(f"total {time.perf_counter() - start:.0f} s; results in {out}.md/.json")
    if args.merge_into:
        merge(Path(args.merge_into), payload, args.data_home)


if __name__ == "__main__":
    main()
