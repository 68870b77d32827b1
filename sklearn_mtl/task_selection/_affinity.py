"""Inter-task affinity recorded during a short multi-task training run."""

import warnings
from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.utils import get_tags
from sklearn.utils.validation import validate_data

from ..neural.weighting import check_weighting
from ._nets import check_net, check_positive_int, default_net, task_names
from ._recorder import METHODS, AffinityBatchHook, AffinityRecorder

__all__ = ["TaskAffinity"]

# Name of the callback TaskAffinity adds to the net's callbacks.
HOOK_NAME = "task_affinity_batches"


class TaskAffinity(BaseEstimator):
    """Inter-task affinity: how a training step on one task moves the others.

    A copy of a multi-task net is trained for a short run with its usual
    objective, and at every training step the affinity of each task ``i``
    onto each task ``j`` is measured on the batch. With
    ``method="lookahead"`` it is the lookahead affinity of Fifty et al.
    (2021),

    ``Z[i, j] = 1 - L_j(z - lr * step_i) / L_j(z)``,

    where ``z`` is the batch's shared representation (the trunk's output,
    see :class:`~sklearn_mtl.neural.MultiTaskModule`), ``step_i`` moves each
    row's representation along the gradient of its own loss on task ``i``,
    and ``L_j`` is task ``j``'s loss computed by the task-specific part of
    the network (the heads, or gates and towers). ``Z[i, j] > 0``: a step
    for task ``i`` lowers task ``j``'s loss (``i`` helps ``j``); ``< 0``: it
    raises it. Taking the step on the representation rather than on the
    shared parameters is the approximation the paper proposes to keep the
    cost low: the per-task gradients come from one backward pass through
    the heads (the weighting seam of the nets forms them), and the
    lookahead losses from one forward pass of the heads on ``n_tasks + 1``
    copies of the batch, without a second pass through the trunk.
    ``method="gradient_cosine"`` records instead the cosine similarity of
    the tasks' gradients on the representation (symmetric, and cheaper:
    no lookahead pass).

    The recorded values are averaged over all the training steps of the run
    (when early stopping restores an earlier epoch, the steps after it still
    count: they were measured). Missing labels are masked: a pair
    ``(i, j)`` counts at a step only when some row of the batch is
    labelled for both tasks. The representation step
    moves only the rows labelled for task ``i`` and ``L_j`` only sees the
    rows labelled for task ``j``, so without a common row the step has no
    effect to measure. This is a limit of the representation
    approximation: tasks that never share a row (as in the School layout,
    one task per row) get no affinity, NaN in ``affinity_`` (with a
    warning), and ``pair_counts_`` says how many steps each pair had.

    Parameters
    ----------
    estimator : multi-task net or None, default=None
        The net to train (cloned): a
        :class:`~sklearn_mtl.neural.MultiTaskNetRegressor`,
        :class:`~sklearn_mtl.neural.MultiTaskNetClassifier` or
        :class:`~sklearn_mtl.neural.MultiTaskNet` whose module follows the
        module protocol (:class:`~sklearn_mtl.neural.MultiTaskModule`). Its
        settings (architecture, learning rate, batch size, weighting
        strategy, early stopping) apply to the run. None: the regressor,
        the classifier or the mixed-type net, chosen from ``Y``'s task
        types as :func:`~sklearn_mtl.utils.check_multitask_targets` infers
        them (``target_type="auto"``: an integer-valued float column holds
        classes; pass a regressor for integer-valued regression targets),
        with its default settings.
    method : {"lookahead", "gradient_cosine"}, default="lookahead"
        ``"lookahead"``: the lookahead affinity of Fifty et al. above;
        ``"gradient_cosine"``: the mean cosine similarity of the tasks'
        gradients on the shared representation (a cheaper, symmetric
        measure of the same agreement; 1 on the diagonal).
    lr : float, default=0.1
        Step size of the lookahead (``lr`` in the formula above, the name
        the paper gives it). The training run's own learning rate is the
        estimator's ``lr``. The step is taken per row (each labelled row
        moves by ``lr`` times the gradient of its own loss on the
        representation), so it does not depend on the batch size; small
        steps measure the first-order agreement of the tasks' gradients,
        large ones overshoot. Not used by ``"gradient_cosine"``.
    max_epochs : int or None, default=20
        Length of the run in epochs (it replaces the estimator's
        ``max_epochs``; early stopping, when on, may end it sooner). None:
        the estimator's own.
    random_state : int, RandomState instance or None, default=None
        Seed of the run (replaces the estimator's ``random_state`` unless
        None).

    Attributes
    ----------
    affinity_ : ndarray of shape (n_tasks, n_tasks)
        ``affinity_[i, j]``: the mean effect of a step on task ``i`` on task
        ``j`` (row ``i`` is what task ``i`` does to every task). NaN for a
        pair that never shared a labelled row in a batch.
    pair_counts_ : ndarray of shape (n_tasks, n_tasks)
        Number of training steps behind each entry of ``affinity_``.
    n_steps_ : int
        Number of training steps recorded (those with at least one label).
    task_names_ : ndarray of str
        Names of the tasks: ``Y``'s column names when it is a DataFrame,
        else ``task 0``, ``task 1``...
    n_tasks_ : int
        Number of tasks.
    estimator_ : multi-task net
        The fitted copy of the net. Its ``weighting`` is the recording
        strategy, which wraps the estimator's own, and its callbacks
        include the one that feeds it the batches.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of str
        Feature names, when ``X`` was a pandas DataFrame with string column
        names.

    See Also
    --------
    GroupedMultiTaskNet : Train the tasks in groups chosen from the affinity.
    select_task_groups : The group selection on its own.

    Notes
    -----
    The cost over an ordinary fit of the same net is one backward pass
    through the task-specific layers and their forward pass on
    ``n_tasks + 1`` copies of each batch. With affine heads (the default
    :class:`~sklearn_mtl.neural.MultiTaskMLP`) the moved outputs follow from
    the heads' weight matrix, without running the heads again: about 1.5x an
    ordinary fit for 12 tasks (``"gradient_cosine"``: about 1.3x; one torch
    thread). Heads with hidden layers, and gated modules, run the
    task-specific part on every copy, in evaluation mode (no dropout): about
    3x with one hidden layer of 16 units per head. The copies are formed
    and scored a few at a time, never all at once: with affine heads the
    lookahead's memory does not grow with the number of tasks (ToxCast,
    617 tasks: the affinity run peaks under 3x the data's size); the dense
    route still holds one representation gradient per task.

    References
    ----------
    C. Fifty, E. Amid, Z. Zhao, T. Yu, R. Anil and C. Finn, "Efficiently
    identifying task groupings for multi-task learning", NeurIPS 2021.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.neural import MultiTaskNetRegressor
    >>> from sklearn_mtl.task_selection import TaskAffinity

    Tasks 0 and 1 are the same signal; task 2 shares its linear part but has
    the opposite of its nonlinear part, which pulls the shared representation
    the other way:

    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 4))
    >>> s, u = X[:, 0], np.sin(3 * X[:, 1])
    >>> Y = np.column_stack([s + u, s + u, s - u]) + 0.1 * rng.normal(size=(300, 3))
    >>> net = MultiTaskNetRegressor(
    ...     module__hidden_units=(32,), lr=0.01, batch_size=64, verbose=0
    ... )
    >>> affinity = TaskAffinity(net, max_epochs=10, random_state=0).fit(X, Y)
    >>> affinity.affinity_.shape
    (3, 3)
    >>> np.sign(affinity.affinity_[0])
    array([ 1.,  1., -1.])
    """

    def __init__(
        self,
        estimator=None,
        *,
        method="lookahead",
        lr=0.1,
        max_epochs=20,
        random_state=None,
    ):
        self.estimator = estimator
        self.method = method
        self.lr = lr
        self.max_epochs = max_epochs
        self.random_state = random_state

    def fit(self, X, y, sample_weight=None, **fit_params):
        """Train a copy of the net briefly and record the affinity.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, ...)
            Inputs.
        y : array-like of shape (n_samples, n_tasks)
            Labels, NaN where missing.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each row, passed to the net's ``fit``: it
            weighs the training losses (see the nets' ``fit``) and the task
            losses the affinity is measured on.
        **fit_params : dict
            Passed to the net's ``fit``.

        Returns
        -------
        self : TaskAffinity
            The fitted estimator.
        """
        net = self._recording_net(y)
        net.fit(X, y, sample_weight=sample_weight, **fit_params)
        affinity, counts = net.weighting_.affinity()
        names = task_names(getattr(net, "task_names_", None), net.n_tasks_)
        _warn_unrecorded_pairs(counts, names)
        # n_features_in_ and feature_names_in_; the net has checked the values.
        validate_data(self, X, reset=True, skip_check_array=True)
        self.affinity_ = affinity
        self.pair_counts_ = counts
        self.n_steps_ = net.weighting_.n_steps_
        self.task_names_ = names
        self.n_tasks_ = net.n_tasks_
        self.estimator_ = net
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # The nets train on sparse X (densified batch by batch); a given net
        # says what it takes.
        tags.input_tags.sparse = (
            True
            if self.estimator is None
            else get_tags(self.estimator).input_tags.sparse
        )
        return tags

    def _check_params(self):
        owner = type(self).__name__
        if self.method not in METHODS:
            raise ValueError(
                f"Expected method of {owner} to be one of "
                f"{', '.join(map(repr, METHODS))}; got {self.method!r} instead."
            )
        lr = self.lr
        if isinstance(lr, bool) or not isinstance(lr, Real) or not lr > 0:
            raise ValueError(
                f"Expected lr of {owner} to be a positive number; got {lr!r} instead."
            )
        check_positive_int(self.max_epochs, "max_epochs", owner, allow_none=True)
        if self.estimator is not None:
            check_net(self.estimator, owner)

    def _recording_net(self, Y):
        """A copy of the net that trains as the estimator would and records."""
        self._check_params()
        estimator = default_net(Y) if self.estimator is None else self.estimator
        net = clone(estimator)
        # weighting__<param> arguments belong to the net's own strategy, which
        # the recorder wraps.
        params = net.get_params(deep=False)
        prefix = "weighting__"
        strategy_params = {
            key[len(prefix) :]: value
            for key, value in params.items()
            if key.startswith(prefix)
        }
        for key in strategy_params:
            delattr(net, prefix + key)
        strategy = clone(check_weighting(net.weighting)).set_params(**strategy_params)
        callbacks = net.callbacks
        callbacks = [] if callbacks is None or callbacks == "disable" else callbacks
        settings = {
            "weighting": AffinityRecorder(strategy, method=self.method, lr=self.lr),
            "callbacks": [*callbacks, (HOOK_NAME, AffinityBatchHook())],
        }
        if self.max_epochs is not None:
            settings["max_epochs"] = self.max_epochs
        if self.random_state is not None:
            settings["random_state"] = self.random_state
        return net.set_params(**settings)


def _warn_unrecorded_pairs(counts, names):
    missing = np.argwhere(counts == 0)
    if missing.size == 0:
        return
    shown = ", ".join(f"({names[i]}, {names[j]})" for i, j in missing[:5])
    more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
    warnings.warn(
        f"No training batch held a row labelled for both tasks of the pairs "
        f"{shown}{more}: their affinity is NaN (see pair_counts_).",
        UserWarning,
        stacklevel=3,
    )
