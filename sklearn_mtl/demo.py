"""Per-task comparison of multi-task models against baselines on generated data.

Run ``python -m sklearn_mtl.demo``. The data come from
:func:`~sklearn_mtl.datasets.make_multitask_regression`: few samples, many
features and tasks that share their informative features, the setting where
joint feature selection (the L2,1 penalty of the multi-task Lasso) helps, and
20% of the labels missing (NaN). The multi-task Lasso ("MT lasso",
:class:`~sklearn_mtl.linear_model.MultiTaskLassoCV`) and the multi-task
elastic net are compared, task by task, with independent Lassos (the honest
single-task reference), independent ridges, pooled ridges (with and
without a one-hot task indicator) and a small multi-task network
(:class:`~sklearn_mtl.neural.MultiTaskNetRegressor`, one hidden layer of 64
units with weight decay), which shows what a network makes of 48 training rows
and 100 features: too few for it.
"""

import argparse

import numpy as np
from sklearn.linear_model import LassoCV, RidgeCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from .baselines import IndependentTaskRegressor, PooledTaskRegressor
from .datasets import make_multitask_regression
from .linear_model import MultiTaskElasticNetCV, MultiTaskLassoCV
from .model_selection import compare_estimators
from .neural import MultiTaskNetRegressor

__all__ = ["default_estimators", "main"]

RIDGE_ALPHAS = np.logspace(-3, 3, 13)


def default_estimators():
    """The estimators compared by the demo, by name (the reference first).

    Returns
    -------
    estimators : dict of str to estimator
    """
    return {
        "indep. lasso": IndependentTaskRegressor(
            LassoCV(cv=3, alphas=30, max_iter=10_000)
        ),
        "MT lasso": MultiTaskLassoCV(cv=3, alphas=30, max_iter=10_000),
        "MT elastic net": MultiTaskElasticNetCV(
            l1_ratio=[0.5, 0.9], cv=3, alphas=30, max_iter=10_000
        ),
        "indep. ridge": IndependentTaskRegressor(RidgeCV(alphas=RIDGE_ALPHAS)),
        "pooled ridge": PooledTaskRegressor(RidgeCV(alphas=RIDGE_ALPHAS)),
        "pooled+indicator": PooledTaskRegressor(
            RidgeCV(alphas=RIDGE_ALPHAS), add_task_indicator=True
        ),
        "MT net": make_pipeline(
            StandardScaler(),
            MultiTaskNetRegressor(
                module__hidden_units=(64,),
                optimizer__weight_decay=0.1,
                max_epochs=200,
                train_split=None,
                verbose=0,
                random_state=0,
            ),
        ),
    }


def _parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m sklearn_mtl.demo",
        description="Compare multi-task models with independent and pooled "
        "baselines, task by task, on generated data.",
    )
    parser.add_argument("--n-samples", type=int, default=60)
    parser.add_argument("--n-features", type=int, default=100)
    parser.add_argument("--n-tasks", type=int, default=8)
    parser.add_argument(
        "--missing-rate", type=float, default=0.2, help="share of missing labels"
    )
    parser.add_argument("--cv", type=int, default=5, help="number of folds")
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--n-jobs", type=int, default=None)
    return parser.parse_args(argv)


def main(argv=None):
    """Run the comparison and print the per-task table and the summary.

    Parameters
    ----------
    argv : list of str or None, default=None
        Command-line arguments (``--n-samples``, ``--n-features``,
        ``--n-tasks``, ``--missing-rate``, ``--cv``, ``--random-state``,
        ``--n-jobs``); None reads
        ``sys.argv``.

    Returns
    -------
    result : ComparisonResult
        The comparison that was printed.
    """
    args = _parse_args(argv)
    X, Y = make_multitask_regression(
        n_samples=args.n_samples,
        n_features=args.n_features,
        n_tasks=args.n_tasks,
        n_informative=5,
        task_relatedness=0.8,
        noise=5.0,
        missing_rate=args.missing_rate,
        random_state=args.random_state,
    )
    print(
        f"Data: make_multitask_regression, {X.shape[0]} samples, {X.shape[1]} "
        f"features, {Y.shape[1]} tasks sharing 5 informative features, "
        f"{np.isnan(Y).mean():.0%} of the labels missing (NaN).\n"
    )
    result = compare_estimators(
        default_estimators(), X, Y, cv=args.cv, scoring="r2", n_jobs=args.n_jobs
    )
    print(result)
    best = max(result.summary(), key=lambda row: row["mean"])
    print(
        f"\nSummary: best mean R^2 {best['mean']:.3f} by {best['estimator']} "
        f"(Delta_m {best['delta_m']:+.1f}% vs {result.reference}, better on "
        f"{best['better']}/{best['n_tasks']} tasks, {best['improved']} of them "
        f"significantly at {100 * result.alpha:g}%)."
    )
    return result


if __name__ == "__main__":
    main()
