"""Multi-task linear classification (logistic / multinomial loss) with any penalty."""

import warnings
from functools import partial
from numbers import Real

import numpy as np
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval

from ..base import MultiTaskClassifierMixin
from ..utils._links import class_probabilities
from ..utils._targets import task_label
from ._base import (
    ALPHA_MAX_NOTE,
    NOTES,
    FitProblem,
    LinearPredictionMixin,
    MultiTaskLinearModel,
    as_design,
    check_magnitudes,
    check_penalty,
    labelled_rows,
    observed_weights,
)
from ._datafit_logistic import Logistic
from ._datafits import label_normalizer
from ._penalties import L21

__all__ = [
    "ClassificationPredictionMixin",
    "MultiTaskLinearClassifier",
    "MultiTaskLogisticRegression",
    "classification_outputs",
]

_OBJECTIVE = """
    The datafit is the logistic loss on the observed labels only:
    ``(1/m) * sum_t w_t * sum_{i in O_t} s_i log(1 + exp(-y_it (x_i W[:, t] + b_t)))``
    for a binary task (labels mapped to -1 for ``classes_[t][0]`` and +1 for
    ``classes_[t][1]``), and the multinomial loss in the same form for a
    multiclass task, which has one column of ``W`` per class. ``W = coef_.T``,
    ``b = intercept_`` (never penalized), ``O_t`` the rows where task ``t`` is
    observed, ``w_t`` the task weights rescaled to mean 1, ``s_i`` the sample
    weights (1 by default) and ``m = (1/T) * sum_t sum_{i in O_t} s_i`` the
    mean total sample weight of the observed labels per task (``T`` tasks;
    ``m = n``, the number of rows, with every label observed and unit
    weights). A row without any label changes nothing, nor does multiplying
    all sample weights by a constant.
"""

_PARAMETERS = """
    fit_intercept : bool, default=True
        Whether to fit per-output intercepts (never penalized).
    task_weights : array-like of shape (n_tasks,), dict or None, default=None
        Weight of each task in the datafit, rescaled to mean 1.
    solver : {"auto", "bcd", "fista"}, default="auto"
        ``"bcd"``: block coordinate descent with working sets and gap-safe
        screening, for penalties that are a sum over features (L1, L2, L21,
        L21ElasticNet, Dirty). ``"fista"``: accelerated proximal gradient, for
        any penalty. ``"auto"`` picks ``"bcd"`` when it applies.
    max_iter : int, default=5000
        Maximum number of epochs (``"bcd"``) or iterations (``"fista"``).
        Enough, with standardized features, for every estimator on every real
        data set of the package (``benchmarks/linear_defaults.py``).
    tol : float, default=1e-4
        The solver stops when the duality gap is at most ``tol`` times the loss
        of the intercept-only model (for penalties without a computable gap,
        when the proximal gradient mapping is at most ``tol`` times the
        largest gradient entry at ``W = 0``).
    warm_start : bool, default=False
        Start from the fitted ``coef_`` and ``intercept_`` when refitting.
    missing_label : int, float, str or None, default=None
        An extra marker of a missing label for targets that cannot hold NaN
        (such as ``-1`` in an integer array); NaN and None always mark one.
"""

_ATTRIBUTES = """
    coef_ : ndarray of shape (n_outputs, n_features)
        ``W.T``: one row per binary task and one per class of a multiclass
        task, in task order (``output_task_`` maps rows to tasks).
    intercept_ : ndarray of shape (n_outputs,)
        Intercepts of the rows of ``coef_``.
    output_task_ : ndarray of shape (n_outputs,)
        Task of each row of ``coef_``.
    classes_ : list of ndarray
        Classes of each task (one array when fitted on 1-D ``y``).
    n_iter_ : int
        Epochs or iterations run.
    dual_gap_ : float
        Duality gap at the solution (>= 0); NaN for the penalties without one.
    solver_ : str
        The solver that ran.
    n_tasks_ : int
        Number of tasks.
    n_features_in_ : int
        Number of features seen in fit.
"""

_STRUCTURE_ATTRIBUTES = """\
    coef_group_, coef_sparse_ : ndarray of shape (n_outputs, n_features)
        With the :class:`Dirty` penalty only: its shared and task-specific
        parts, whose sum is ``coef_``.
    task_clusters_, task_cluster_matrix_ : ndarray
        With the :class:`Clustered` penalty only: the cluster of each task
        and the relaxed "same cluster" matrix (see :class:`Clustered`).
    task_covariance_ : ndarray of shape (n_tasks, n_tasks)
        With the :class:`TaskRelationship` penalty only: the learned task
        covariance.
"""


def classification_outputs(
    result, output_task, classes, single_output, constant_classes
):
    """``coef_``, ``intercept_``, ``classes_``... of a solution of the logistic datafit.

    The intercepts of a task with a constant model are 0, and those of a
    multiclass task sum to 0 (the multinomial loss is blind to a shift of all
    of them: this is the solution so normalized). It takes the targets'
    classes, not the targets: a fit (or a fold of a path) does not keep their
    ``(n_samples, n_tasks)`` arrays alive while it solves.
    """
    task_classes = classes
    intercept = result.intercept.copy()
    for t, classes in enumerate(task_classes):
        outputs = output_task == t
        if t in constant_classes:
            intercept[outputs] = 0.0
        elif classes.size > 2:
            intercept[outputs] -= intercept[outputs].mean()
    return {
        "_constant_classes": constant_classes,
        "output_task_": output_task,
        "coef_": result.coefs.sum(axis=0).T.copy(),
        "intercept_": intercept,
        "classes_": task_classes[0] if single_output else task_classes,
    }


class ClassificationPredictionMixin(LinearPredictionMixin):
    """Scores, probabilities and classes from the fitted ``coef_`` and ``classes_``.

    Shared by the logistic-loss models and their cross-validated versions.
    """

    def _task_classes(self):
        return [self.classes_] if self._single_output else self.classes_

    def decision_function(self, X):
        """Linear scores ``X @ coef_.T + intercept_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        scores : ndarray of shape (n_samples, n_outputs)
            One column per row of ``coef_``. Fitted on 1-D ``y``: shape
            (n_samples,) for a binary task and (n_samples, n_classes) for a
            multiclass one, as scikit-learn's classifiers.
        """
        scores = self._linear_predictions(X)
        if self._single_output and scores.shape[1] == 1:
            return scores[:, 0]
        return scores

    def _task_probabilities(self, X):
        scores = self._linear_predictions(X)
        probabilities = []
        for t, classes in enumerate(self._task_classes()):
            columns = scores[:, self.output_task_ == t]
            if t in self._constant_classes:
                constant = np.zeros((scores.shape[0], classes.size))
                constant[:, self._constant_classes[t]] = 1.0
                probabilities.append(constant)
            else:
                probabilities.append(class_probabilities(columns))
        return probabilities

    def predict_proba(self, X):
        """Class probabilities of every task.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : list of ndarray of shape (n_samples, n_classes_t)
            One array per task, columns in the order of ``classes_[t]``; one
            array when fitted on 1-D ``y``.
        """
        probabilities = self._task_probabilities(X)
        return probabilities[0] if self._single_output else probabilities

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        log_proba : list of ndarray of shape (n_samples, n_classes_t)
            One array per task; one array when fitted on 1-D ``y``.
        """
        with np.errstate(divide="ignore"):
            logs = [np.log(p) for p in self._task_probabilities(X)]
        return logs[0] if self._single_output else logs

    def predict(self, X):
        """Most probable class of every task for every row.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        Y : ndarray of shape (n_samples, n_tasks) or (n_samples,)
            Predicted labels in their original type; 1-D when fitted on 1-D
            ``y``.
        """
        probabilities = self._task_probabilities(X)
        columns = [
            classes[np.argmax(task_probabilities, axis=1)]
            for classes, task_probabilities in zip(
                self._task_classes(), probabilities, strict=True
            )
        ]
        return self._format_output(columns)


class _ClassifierBase(
    ClassificationPredictionMixin, MultiTaskClassifierMixin, MultiTaskLinearModel
):
    """Fit and the prediction methods of the logistic-loss models."""

    _parameter_constraints = {
        **MultiTaskLinearModel._parameter_constraints,
        "missing_label": [Real, str, None],
    }

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model on the observed labels of every task.

        A task whose weighted labels all belong to one class gets a constant
        model predicting it, with a warning.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training samples.
        y : array-like of shape (n_samples, n_tasks) or (n_samples,)
            Labels of any type; NaN, None or ``missing_label`` where missing.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights; only their ratios matter.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight)

    def _fit_problem(self, X, y, sample_weight):
        X, targets, task_weights, sample_weight, fitted = self._validate_fit_inputs(
            X, y, sample_weight
        )
        X, mask, values, sample_weight = labelled_rows(
            as_design(X), targets.mask, targets.values, sample_weight
        )
        check_magnitudes(X)
        weights = observed_weights(mask, sample_weight)
        # m counts every observed label, those of a single-class task too.
        normalizer = label_normalizer(weights)
        n_classes = [classes.size for classes in targets.classes]
        # The class codes in the smallest integer type, written straight from
        # the float codes (no wide float64 or intp intermediate).
        codes = np.zeros(mask.shape, np.min_scalar_type(max(max(n_classes) - 1, 1)))
        np.copyto(codes, values, casting="unsafe", where=mask)
        constant_classes = {}
        for t, classes in enumerate(targets.classes):
            weighted = np.unique(codes[weights[:, t] > 0, t])
            if weighted.size > 1:
                continue
            label = classes.tolist()[weighted[0]]
            warnings.warn(
                f"Task {task_label(t, targets.task_names)} has a single observed "
                f"class with positive weight ({label!r}); it gets a constant model "
                "predicting it.",
                UserWarning,
                stacklevel=5,
            )
            constant_classes[t] = int(weighted[0])
            weights[:, t] = 0.0
        datafit = Logistic(codes, n_classes, weights, task_weights, normalizer)
        outputs = partial(
            classification_outputs,
            output_task=datafit.output_task,
            classes=targets.classes,
            single_output=targets.single_output,
            constant_classes=constant_classes,
        )
        return FitProblem(X, datafit, targets.n_tasks, fitted, outputs)


class MultiTaskLinearClassifier(_ClassifierBase):
    __doc__ = f"""Multi-task linear classification with a multi-task penalty.

    Minimizes ``datafit + penalty(W)``.
    {_OBJECTIVE}
    The penalties that relate tasks column by column (:class:`MeanRegularized`,
    :class:`GraphLaplacian`, :class:`Clustered`, :class:`TaskRelationship`)
    need one column per task, so binary tasks only.

    Parameters
    ----------
    penalty : penalty object or None, default=None
        The penalty on ``W``; None means ``L21(alpha=0.01)``.
    {_PARAMETERS}
    Attributes
    ----------
    {_ATTRIBUTES}{_STRUCTURE_ATTRIBUTES}
    See Also
    --------
    MultiTaskLogisticRegression : The L21 preset.
    MultiTaskLinearClassifierCV : Chooses the penalty strength by
        cross-validation.
{NOTES}{ALPHA_MAX_NOTE}
    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.linear_model import MultiTaskLinearClassifier, TraceNorm
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((60, 4))
    >>> Y = np.column_stack([X[:, 0] > 0, X[:, 0] + X[:, 1] > 0]).astype(float)
    >>> Y[::5, 1] = np.nan
    >>> clf = MultiTaskLinearClassifier(TraceNorm(alpha=0.01)).fit(X, Y)
    >>> [p.shape for p in clf.predict_proba(X[:3])]
    [(3, 2), (3, 2)]
    """

    _parameter_constraints = {
        **_ClassifierBase._parameter_constraints,
        # Checked at fit by check_penalty; see MultiTaskLinearRegressor.
        "penalty": "no_validation",
    }

    def __init__(
        self,
        penalty=None,
        *,
        fit_intercept=True,
        task_weights=None,
        solver="auto",
        max_iter=5000,
        tol=1e-4,
        warm_start=False,
        missing_label=None,
    ):
        self.penalty = penalty
        self.fit_intercept = fit_intercept
        self.task_weights = task_weights
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.missing_label = missing_label

    def _penalty(self):
        return check_penalty(self.penalty, L21(alpha=0.01), type(self).__name__)


class MultiTaskLogisticRegression(_ClassifierBase):
    __doc__ = f"""Multi-task logistic regression with the L2,1 penalty.

    Minimizes ``datafit + alpha * sum_j ||W[j, :]||_2``: every feature is used
    by all tasks (and classes) or by none.
    {_OBJECTIVE}
    Parameters
    ----------
    alpha : float, default=0.01
        Regularization strength, ``>= 0``.
    {_PARAMETERS}
    Attributes
    ----------
    {_ATTRIBUTES}{NOTES}{ALPHA_MAX_NOTE}
    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.linear_model import MultiTaskLogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((60, 4))
    >>> Y = np.column_stack([X[:, 0] > 0, X[:, 0] - X[:, 2] > 0]).astype(float)
    >>> clf = MultiTaskLogisticRegression(alpha=0.01).fit(X, Y)
    >>> clf.score(X, Y) > 0.9
    True
    """

    _parameter_constraints = {
        **_ClassifierBase._parameter_constraints,
        "alpha": [Interval(Real, 0, None, closed="left")],
    }
    _alpha_search = "GridSearchCV over alpha"

    def __init__(
        self,
        alpha=0.01,
        *,
        fit_intercept=True,
        task_weights=None,
        solver="auto",
        max_iter=5000,
        tol=1e-4,
        warm_start=False,
        missing_label=None,
    ):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.task_weights = task_weights
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.missing_label = missing_label

    def _penalty(self):
        return L21(alpha=self.alpha)
