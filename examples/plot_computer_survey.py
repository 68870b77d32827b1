"""
=========================================================
Computer survey: 190 people, 8 ratings each
=========================================================

In the conjoint analysis of Lenk et al. (1996), 190 people rated how likely
they were to buy each of 20 computers (0 to 10). The computers are described
by 13 attributes (hotline, RAM, screen size, CPU speed, price, ...), each at
one of two levels coded -1/+1, so a person's preferences are a linear model
of 13 weights. The multi-task view: each respondent is a task, and all the
tasks share the same 20 rows of ``X``.

With 8 rated computers per person for 13 weights, a model per person
overfits badly; one model for everybody ignores that people want different
things. The question is how much of a person's taste can be borrowed from
the others. The candidates:

- one ridge regression per respondent, with one strength for all of them
  chosen by cross-validation (the
  :class:`~sklearn_mtl.linear_model.L2` penalty: nothing shared between the
  tasks, all fitted in one call);
- one pooled ridge regression with a per-respondent intercept (everybody has
  the same tastes, but rates on their own level);
- :class:`~sklearn_mtl.linear_model.MeanRegularized`: each respondent's
  weights are close to the average respondent's;
- :class:`~sklearn_mtl.linear_model.TraceNorm`: the 190 weight vectors are
  combinations of a few "taste profiles" (a low-rank weight matrix).
"""

# %%
# The data
# --------
#
# :func:`~sklearn_mtl.datasets.fetch_computer_survey` returns one row per
# (respondent, computer): ``Y`` has one column per respondent and NaN outside
# that respondent's rows (DataFrames with ``as_frame=True``, so that the
# respondents' names follow the tasks). ``profile`` tells which of the 20
# computers a row is. We drop the constant bias column (the models fit an intercept per
# respondent).

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import GridSearchCV

from sklearn_mtl.baselines import IndependentTaskRegressor, PooledTaskRegressor
from sklearn_mtl.datasets import fetch_computer_survey
from sklearn_mtl.inspection import CoefficientDisplay, ComparisonDisplay
from sklearn_mtl.linear_model import (
    L2,
    MeanRegularized,
    MultiTaskLinearRegressor,
    TraceNorm,
)
from sklearn_mtl.metrics import make_multitask_scorer
from sklearn_mtl.model_selection import MultiTaskStratifiedKFold, compare_estimators

survey = fetch_computer_survey(as_frame=True)
X = survey.data.drop(columns="bias")
Y, profile = survey.target, survey.profile
print(f"X: {X.shape}, Y: {Y.shape}; attributes: {', '.join(X.columns)}")

# %%
# Splits: 8 computers to learn from, 4 new ones to predict
# ---------------------------------------------------------
#
# The usual protocol trains on the first 8 profiles and tests on the last 4.
# To get several paired test folds, we hold out 4 computers at a time (5
# folds) and train on 8 of the 16 others, drawn at random: every respondent
# then has 8 ratings to learn from and 4 to be scored on, for every fold.

rng = np.random.default_rng(0)
order = rng.permutation(20)
splits = []
for fold in range(5):
    held_out = order[4 * fold : 4 * fold + 4]
    others = np.setdiff1d(np.arange(20), held_out)
    learn = rng.choice(others, size=8, replace=False)
    splits.append(
        (
            np.flatnonzero(np.isin(profile, learn)),
            np.flatnonzero(np.isin(profile, held_out)),
        )
    )

# %%
# The models
# ----------
#
# Each strength is chosen by a grid search on the training rows of each fold,
# with inner folds of
# :class:`~sklearn_mtl.model_selection.MultiTaskStratifiedKFold` (every
# respondent keeps ratings in every inner training fold). The inner score is
# the pooled explained variance, ``1 - MSE / Var`` over all ratings at once:
# every respondent has about as many ratings in a fold as the others, so this
# ranks the candidates as the mean of the respondents' errors would, and it
# is computed in one pass instead of 190. Choosing the independent ridges'
# ``alpha`` per respondent from 8 ratings is hopeless (we check it with
# :class:`~sklearn.linear_model.RidgeCV` in
# :class:`~sklearn_mtl.baselines.IndependentTaskRegressor`, leave-one-out per
# respondent); one ``alpha`` chosen for all of them already borrows something
# from the other respondents.

pooled_ev = make_multitask_scorer("pooled_explained_variance")
inner_cv = MultiTaskStratifiedKFold(4, shuffle=True, random_state=0)


def tuned(model, grid):
    return GridSearchCV(model, grid, cv=inner_cv, scoring=pooled_ev)


estimators = {
    "ridge per respondent": tuned(
        MultiTaskLinearRegressor(L2(), tol=1e-3),
        {"penalty__alpha": [0.1, 0.3, 1.0, 3.0]},
    ),
    "RidgeCV per respondent": IndependentTaskRegressor(RidgeCV(np.logspace(-2, 3, 11))),
    "pooled ridge": PooledTaskRegressor(
        RidgeCV(np.logspace(-2, 3, 11)), add_task_indicator=True
    ),
    "mean-regularized": tuned(
        MultiTaskLinearRegressor(MeanRegularized(), tol=1e-3),
        {"penalty__alpha": [0.3, 1.0, 3.0, 10.0]},
    ),
    "trace norm": tuned(
        MultiTaskLinearRegressor(TraceNorm(), tol=1e-3),
        {"penalty__alpha": [0.3, 1.0, 3.0, 10.0]},
    ),
}
result = compare_estimators(
    estimators, X, Y, cv=splits, scoring="mean_squared_error", return_estimator=True
)
summary = result.to_frame("summary")
summary["RMSE"] = np.sqrt(np.nanmean(result.mean(), axis=1))
print(
    summary[["RMSE", "mean", "delta_m", "improved", "hurt", "better", "worse"]].round(3)
)

# %%
# ``RMSE`` is the square root of the mean squared error averaged over
# respondents (the literature's figure), ``mean`` the mean squared error
# itself. The strengths chosen on each fold:

for name, fitted in zip(result.estimator_names, result.estimators, strict=True):
    if hasattr(fitted[0], "best_params_"):
        chosen = [next(iter(model.best_params_.values())) for model in fitted]
        print(f"{name}: {chosen}")

# %%
# Sharing helps, modestly: the mean-regularized model predicts the held-out
# computers best (RMSE 2.38 against 2.43 for a ridge per respondent, with
# lower error for 121 of the 190 respondents), the trace norm and the pooled
# model come next. Choosing ``alpha`` per respondent from 8 ratings
# (``RidgeCV``) is worse than one ``alpha`` for all: even the baseline
# profits from the other respondents. Per-respondent differences are rarely
# significant: 4 held-out ratings per fold make each respondent's score
# noisy.
#
# The pooled model shows why Delta_m must be read beside the mean: its mean
# squared error is lower than the baseline's, yet its Delta_m is -8.7%.
# Delta_m averages *relative* changes, and the pooled model, which gives
# everybody the same tastes, adds a small absolute error to the consistent
# raters (whose error was small, so the relative loss is large) and removes
# a larger one from the erratic raters.
#
# Respondent by respondent
# ------------------------
#
# With 190 tasks the :class:`~sklearn_mtl.inspection.ComparisonDisplay` is
# best read sorted: respondents by the gain of the mean-regularized model,
# the largest on top. Only every few respondents are named.

display = ComparisonDisplay.from_result(
    result,
    estimators=["pooled ridge", "mean-regularized", "trace norm"],
    sort=True,
)
plt.show()

# %%
# The pooled model splits the respondents into winners (people with average
# tastes) and losers (those with their own), and its losses reach further
# than the mean-regularized model's, which keeps room for each respondent's
# own weights. The trace norm's changes are the smallest: it is close to the
# independent models at the strength chosen.
#
# What people want
# ----------------
#
# Refitted on all 20 computers with the strength chosen most often, the
# mean-regularized model's weights say what each respondent values. The
# :class:`~sklearn_mtl.inspection.CoefficientDisplay` shows them with the
# attributes down and the respondents across (some of them named).

best = result.estimators[result.estimator_names.index("mean-regularized")]
values, counts = np.unique(
    [model.best_params_["penalty__alpha"] for model in best], return_counts=True
)
alpha = values[np.argmax(counts)]
model = MultiTaskLinearRegressor(MeanRegularized(alpha), tol=1e-3).fit(X, Y)
display = CoefficientDisplay.from_estimator(model, feature_names=X.columns)
display.figure_.set_size_inches(12, 4.5)
plt.show()

# %%
# Price dominates everybody's rating (a strongly negative weight for every
# respondent), followed by the CPU speed, the CD-ROM drive and the RAM; the
# individual differences are in the strength of these weights more than in
# their signs, which is what the mean-regularized model assumes.
