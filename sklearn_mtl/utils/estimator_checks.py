"""Estimator checks: expected failures of scikit-learn's checks, and our own.

scikit-learn's :func:`~sklearn.utils.estimator_checks.check_estimator` tests the
single-estimator API; the checks here test what is specific to multi-task
estimators:

* missing-label invariance: rows with no label in any task change nothing;
* task-permutation equivariance: permuting the columns of ``Y`` permutes the
  predictions;
* single-task reduction: one task gives what the plain (single-task) estimator
  gives;
* a task without any observed label is an error that names it.
"""

import sys

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.utils import check_random_state

__all__ = [
    "check_all_missing_task_raises",
    "check_missing_label_invariance",
    "check_multitask_estimator",
    "check_single_task_reduction",
    "check_task_permutation_equivariance",
    "expected_failed_checks",
]


def expected_failed_checks(estimator):
    """scikit-learn checks that an estimator of this package is known to fail.

    Pass the result to scikit-learn's ``check_estimator`` or
    ``parametrize_with_checks`` as ``expected_failed_checks``.

    Parameters
    ----------
    estimator : estimator
        An estimator of this package.

    Returns
    -------
    expected_failed_checks : dict
        Check name -> reason. Empty except for the cross-validated linear
        models, whose folds change when rows are repeated instead of weighted
        (as for scikit-learn's own ``*CV`` estimators), the nets, whose
        validation split and mini-batches change likewise (and
        :class:`~sklearn_mtl.task_selection.GroupedMultiTaskNet`, which
        trains nets), and the linear classifiers, whose ``classes_`` is a
        list but which have a ``decision_function``.

    Examples
    --------
    >>> from sklearn_mtl.baselines import IndependentTaskRegressor
    >>> from sklearn_mtl.utils.estimator_checks import expected_failed_checks
    >>> expected_failed_checks(IndependentTaskRegressor())
    {}
    """
    from ..linear_model import (
        MultiTaskElasticNetCV,
        MultiTaskLassoCV,
        MultiTaskLinearClassifier,
        MultiTaskLinearClassifierCV,
        MultiTaskLogisticRegression,
        MultiTaskLogisticRegressionCV,
    )

    nets = sys.modules.get("sklearn_mtl.neural._base")  # no net without it
    if nets is not None and isinstance(estimator, nets.BaseMultiTaskNet):
        reason = (
            "A weight and repeated rows give the same objective, but repeated "
            "rows change the validation split, the mini-batches and the order "
            "of float32 sums; tests/test_sample_weight_nets.py compares "
            "full-batch fits instead."
        )
        return {
            "check_sample_weight_equivalence_on_dense_data": reason,
            "check_sample_weight_equivalence_on_sparse_data": reason,
        }
    grouping = sys.modules.get("sklearn_mtl.task_selection._grouping")
    if grouping is not None and isinstance(estimator, grouping.GroupedMultiTaskNet):
        reason = (
            "Each group's net trains on mini-batches and a validation split, "
            "which repeated rows change and a weight does not (as for the "
            "nets); tests/test_task_selection_fit.py checks that the weights reach "
            "every net and the affinity run."
        )
        return {
            "check_sample_weight_equivalence_on_dense_data": reason,
            "check_sample_weight_equivalence_on_sparse_data": reason,
        }
    linear_classifiers = (
        MultiTaskLinearClassifier
        | MultiTaskLogisticRegression
        | MultiTaskLinearClassifierCV
        | MultiTaskLogisticRegressionCV
    )
    if isinstance(estimator, linear_classifiers):
        return {
            "check_classifier_multioutput": (
                "classes_ is a list of per-task arrays (as in scikit-learn's "
                "MultiOutputClassifier), but this check indexes classes_ with "
                "decision_function > 0, which assumes one array shared by all "
                "outputs."
            )
        }
    if isinstance(estimator, MultiTaskLassoCV | MultiTaskElasticNetCV):
        reason = (
            "Repeating a row moves it between cross-validation folds, which a "
            "weight does not, so the chosen alpha can differ."
        )
        return {
            "check_sample_weight_equivalence_on_dense_data": reason,
            "check_sample_weight_equivalence_on_sparse_data": reason,
        }
    return {}


def _multitask_data(estimator, n_samples=60, n_tasks=3, random_state=0):
    """Small related tasks with 20% missing labels, for the estimator's kind."""
    rng = check_random_state(random_state)
    X = rng.standard_normal((n_samples, 4))
    coef = rng.standard_normal((4, n_tasks)) + 1.0
    Y = X @ coef + 0.1 * rng.standard_normal((n_samples, n_tasks))
    if is_classifier(estimator):
        Y = (Y > np.median(Y, axis=0)).astype(np.float64)
    missing = rng.uniform(size=Y.shape) < 0.2
    missing[:6] = False  # every task keeps both classes and enough rows
    Y[missing] = np.nan
    return X, Y


def _outputs(estimator, X):
    """Predictions, and probabilities when the estimator has them."""
    outputs = [np.asarray(estimator.predict(X), dtype=object)]
    if hasattr(estimator, "predict_proba"):
        outputs.extend(np.asarray(proba) for proba in estimator.predict_proba(X))
    return outputs


def _assert_outputs_close(actual, expected, message, rtol=1e-7, atol=1e-9):
    for got, want in zip(actual, expected, strict=True):
        if got.dtype == object:
            try:
                got, want = got.astype(np.float64), want.astype(np.float64)
            except (TypeError, ValueError):
                np.testing.assert_array_equal(got, want, err_msg=message)
                continue
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=message)


def check_missing_label_invariance(name, estimator):
    """Adding rows that have no label in any task must change nothing.

    Parameters
    ----------
    name : str
        Name of the estimator, for messages.
    estimator : estimator
        An unfitted multi-task estimator.
    """
    X, Y = _multitask_data(estimator)
    rng = check_random_state(1)
    X_extra = np.vstack([X, rng.standard_normal((10, X.shape[1]))])
    Y_extra = np.vstack([Y, np.full((10, Y.shape[1]), np.nan)])
    fitted = clone(estimator).fit(X, Y)
    fitted_extra = clone(estimator).fit(X_extra, Y_extra)
    _assert_outputs_close(
        _outputs(fitted_extra, X),
        _outputs(fitted, X),
        f"{name}: unlabelled rows changed the fitted model.",
    )


def check_task_permutation_equivariance(name, estimator):
    """Permuting the tasks (columns of ``Y``) must permute the outputs alike.

    Task weights, when set as an array, are permuted along.

    Parameters
    ----------
    name : str
        Name of the estimator, for messages.
    estimator : estimator
        An unfitted multi-task estimator.
    """
    X, Y = _multitask_data(estimator)
    permutation = np.array([2, 0, 1])
    permuted = clone(estimator)
    task_weights = estimator.get_params().get("task_weights")
    if task_weights is not None and not isinstance(task_weights, dict):
        permuted.set_params(task_weights=np.asarray(task_weights)[permutation])
    fitted = clone(estimator).fit(X, Y)
    fitted_permuted = permuted.fit(X, Y[:, permutation])
    predictions = np.asarray(fitted.predict(X), dtype=object)
    expected = [predictions[:, permutation]]
    if hasattr(fitted, "predict_proba"):
        probabilities = fitted.predict_proba(X)
        expected.extend(np.asarray(probabilities[t]) for t in permutation)
    _assert_outputs_close(
        _outputs(fitted_permuted, X),
        expected,
        f"{name}: permuting the tasks did not permute the predictions.",
    )


def check_single_task_reduction(name, estimator, reference=None):
    """With one task, the estimator must reduce to the plain estimator.

    Fitting on ``Y`` of shape ``(n_samples, 1)`` and on the 1-D ``y`` give the
    same predictions (2-D and 1-D respectively); with a ``reference``
    single-task estimator, they also match the reference's predictions on the
    observed rows.

    Parameters
    ----------
    name : str
        Name of the estimator, for messages.
    estimator : estimator
        An unfitted multi-task estimator.
    reference : estimator or None, default=None
        The single-task estimator it should reduce to, fitted on the observed
        rows of the task.
    """
    X, Y = _multitask_data(estimator, n_tasks=1)
    observed = ~np.isnan(Y[:, 0])
    fitted_2d = clone(estimator).fit(X, Y)
    fitted_1d = clone(estimator).fit(X, Y[:, 0])
    predictions_2d = fitted_2d.predict(X)
    predictions_1d = fitted_1d.predict(X)
    if predictions_2d.shape != (X.shape[0], 1) or predictions_1d.shape != (X.shape[0],):
        raise AssertionError(
            f"{name}: expected predictions of shape ({X.shape[0]}, 1) for 2-D Y "
            f"and ({X.shape[0]},) for 1-D y; got {predictions_2d.shape} and "
            f"{predictions_1d.shape}."
        )
    _assert_outputs_close(
        [np.asarray(predictions_2d[:, 0], dtype=object)],
        [np.asarray(predictions_1d, dtype=object)],
        f"{name}: a single-column Y and a 1-D y give different predictions.",
    )
    if reference is not None:
        expected = clone(reference).fit(X[observed], Y[observed, 0]).predict(X)
        _assert_outputs_close(
            [np.asarray(predictions_1d, dtype=object)],
            [np.asarray(expected, dtype=object)],
            f"{name}: one task does not reduce to {type(reference).__name__}.",
            rtol=1e-5,
            atol=1e-6,
        )


def check_all_missing_task_raises(name, estimator):
    """A task with no observed label must raise an error naming it.

    Parameters
    ----------
    name : str
        Name of the estimator, for messages.
    estimator : estimator
        An unfitted multi-task estimator.
    """
    X, Y = _multitask_data(estimator)
    Y[:, 1] = np.nan
    try:
        clone(estimator).fit(X, Y)
    except ValueError as exc:
        if "Task 1 has no observed label" in str(exc):
            return
        raise AssertionError(
            f"{name}: the error for a task without labels does not name the task: {exc}"
        ) from exc
    raise AssertionError(f"{name}: fitting a task without labels did not raise.")


def check_multitask_estimator(estimator, reference=None):
    """Run every multi-task check of this module on an estimator.

    Parameters
    ----------
    estimator : estimator
        An unfitted multi-task estimator.
    reference : estimator or None, default=None
        The single-task estimator it should reduce to with one task.

    Examples
    --------
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn_mtl.baselines import IndependentTaskRegressor
    >>> from sklearn_mtl.utils.estimator_checks import check_multitask_estimator
    >>> check_multitask_estimator(IndependentTaskRegressor(Ridge()), Ridge())
    """
    name = type(estimator).__name__
    check_missing_label_invariance(name, estimator)
    check_task_permutation_equivariance(name, estimator)
    check_all_missing_task_raises(name, estimator)
    check_single_task_reduction(name, estimator, reference)
