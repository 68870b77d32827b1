"""Auxiliary gradients kept by their cosine with the primary tasks' (Du et al.)."""

import numbers

import numpy as np
import torch

from ._aggregator import GradientAggregator

__all__ = ["AuxiliaryCosine"]

VARIANTS = ("unweighted", "weighted")


class AuxiliaryCosine(GradientAggregator):
    """Use an auxiliary task's gradient only where it agrees with the primary tasks.

    For nets with primary tasks (``primary_tasks=`` on the net; the other
    tasks are auxiliary). At every step, with ``g_t`` the gradient of task
    ``t``'s weighted loss ``w_t * loss_t`` (``w`` the static task weights)
    and ``g_P = sum_{p primary} g_p`` the primary tasks' gradient, each
    auxiliary task ``a`` gets the coefficient

    * ``c_a = 1`` if ``cos(g_a, g_P) > 0``, else 0 (``variant="unweighted"``);
    * ``c_a = max(0, cos(g_a, g_P))`` (``variant="weighted"``),

    and the shared parameters follow

    ``d = (sum_{p primary} g_p + sum_{a auxiliary} c_a g_a) / n_tasks``:

    the gradient of the static objective ``mean_t(w_t * loss_t)`` with the
    auxiliary gradients that point away from the primary tasks' removed (or
    shrunk). A step where every auxiliary gradient has a positive cosine
    is, in the unweighted variant, the default step. The primary tasks'
    gradients are always used, summed as they are. The cosines come from
    the Gramian of the gradients (with linear heads the per-task gradients
    are not formed). The applied weights recorded in the history
    (``task_weights``) are ``w_t`` for a primary task and ``c_a w_a`` for
    an auxiliary one.

    An auxiliary task whose gradient is zero, or a batch where the primary
    gradient is zero, gives a cosine of 0: the auxiliary gradient is
    dropped. A batch without a label of any primary task therefore gives
    the shared parameters no update at all (the auxiliary tasks' heads
    still learn from their own losses); with many missing primary labels,
    use larger batches.

    The net hands the primary tasks to the strategy (:meth:`set_primary_tasks`)
    when it initializes it and at every ``fit`` or ``partial_fit``; a net
    without ``primary_tasks`` is an error when training starts. To use
    :meth:`aggregate` on its own, call :meth:`set_primary_tasks` first.

    Parameters
    ----------
    variant : {"unweighted", "weighted"}, default="unweighted"
        Whether an aligned auxiliary gradient is used whole
        (``"unweighted"``) or scaled by its cosine (``"weighted"``).
    on : {"representation", "parameters"}, default="representation"
        What the per-task gradients are taken with respect to; see
        :class:`~sklearn_mtl.neural.weighting.GradientAggregator`. The paper
        takes them with respect to the shared parameters (``"parameters"``).

    See Also
    --------
    PCGrad : Projects conflicting gradients off each other, every task alike.

    References
    ----------
    Y. Du, W. M. Czarnecki, S. M. Jayakumar, M. Farajtabar, R. Pascanu and B.
    Lakshminarayanan, "Adapting auxiliary losses using gradient similarity",
    arXiv:1812.02224, 2018.

    Examples
    --------
    Task 0 is the primary task; task 1's gradient agrees with it, task 2's
    opposes it and is dropped:

    >>> import torch
    >>> from sklearn_mtl.neural.weighting import AuxiliaryCosine
    >>> jacobian = torch.tensor([[1.0, 0.0], [1.0, 1.0], [-1.0, 0.0]])
    >>> AuxiliaryCosine().set_primary_tasks([0]).aggregate(jacobian)
    tensor([0.6667, 0.3333])

    On a net, name the primary tasks:

    >>> from sklearn_mtl.datasets import make_multitask_regression
    >>> from sklearn_mtl.neural import MultiTaskNetRegressor
    >>> X, Y = make_multitask_regression(n_samples=100, n_tasks=3, random_state=0)
    >>> net = MultiTaskNetRegressor(
    ...     weighting="aux_cosine",
    ...     primary_tasks=[0],
    ...     max_epochs=3,
    ...     verbose=0,
    ...     random_state=0,
    ... ).fit(X, Y)
    >>> net.weighting_.primary_tasks
    (0,)
    """

    def __init__(self, variant="unweighted", on="representation"):
        super().__init__(on=on)
        self.variant = variant

    def _check_parameters(self):
        super()._check_parameters()
        if self.variant not in VARIANTS:
            raise ValueError(
                "Expected variant of AuxiliaryCosine to be one of "
                f"{', '.join(map(repr, VARIANTS))}; got {self.variant!r} instead."
            )

    # ------------------------------------------------------ primary tasks
    def set_primary_tasks(self, primary_tasks):
        """Set the tasks whose gradient the auxiliary ones are compared with.

        Called by the net, with its ``primary_tasks_``, when it initializes
        the strategy and at every later ``fit`` or ``partial_fit``.

        Parameters
        ----------
        primary_tasks : array-like of int or None
            Indices of the primary tasks. None (a net without
            ``primary_tasks``) is accepted here, and is an error when training
            starts (:meth:`begin_epoch`): a net re-initializes its strategy
            in ``set_params``, before the primary tasks of the next fit are
            known.

        Returns
        -------
        self : AuxiliaryCosine
        """
        if primary_tasks is None:
            self._primary_tasks = None
            return self
        indices = np.asarray(primary_tasks).reshape(-1)
        if (
            indices.size == 0
            or not all(
                isinstance(t, numbers.Integral) and not isinstance(t, bool | np.bool_)
                for t in indices.tolist()
            )
            or np.any(indices < 0)
            or len(np.unique(indices)) != indices.size
        ):
            raise ValueError(
                "Expected primary_tasks to be distinct non-negative task indices; "
                f"got {primary_tasks!r} instead."
            )
        self._primary_tasks = tuple(sorted(int(t) for t in indices))
        weights = getattr(self, "task_weights_", None)
        if weights is not None:
            self._check_primary_range(len(weights))
        return self

    @property
    def primary_tasks(self):
        """The indices of the primary tasks (a tuple), or None before they are set."""
        return getattr(self, "_primary_tasks", None)

    def _check_primary_range(self, n_tasks):
        primary = self.primary_tasks
        if primary is not None and primary[-1] >= n_tasks:
            raise ValueError(
                f"Expected primary task indices in [0, {n_tasks}) for {n_tasks} "
                f"tasks; got {list(primary)} instead."
            )

    def _initialize_state(self, n_tasks):
        self._check_primary_range(n_tasks)

    def begin_epoch(self, previous_task_losses):
        """Refuse to train without primary tasks.

        Parameters
        ----------
        previous_task_losses : ndarray of shape (n_epochs, n_tasks)
            Unused (see :meth:`TaskWeighting.begin_epoch`).
        """
        if self.primary_tasks is None:
            raise ValueError(
                "Expected primary_tasks on the net to train with AuxiliaryCosine, "
                "which keeps the auxiliary tasks' gradients that agree with the "
                "primary tasks'; got primary_tasks=None instead. Set "
                "primary_tasks (task names or indices) on the net."
            )

    # ------------------------------------------------------- aggregation
    def gramian_weights(self, gramian, tasks):
        primary = self.primary_tasks
        if primary is None:
            raise ValueError(
                "AuxiliaryCosine needs the primary tasks: call "
                "set_primary_tasks(indices) first (a net does it from its "
                "primary_tasks)."
            )
        device = gramian.device
        gramian = gramian.detach().cpu().double()
        is_primary = torch.tensor([task in primary for task in tasks])
        weights = torch.zeros(len(tasks), dtype=torch.float64)
        weights[is_primary] = 1.0
        auxiliary = ~is_primary
        if is_primary.any() and auxiliary.any():
            # <g_a, g_P>, |g_P|^2 and |g_a|^2 from the inner products
            inner = gramian[auxiliary][:, is_primary].sum(1)
            primary_norm2 = gramian[is_primary][:, is_primary].sum().clamp(min=0.0)
            auxiliary_norm2 = gramian.diagonal()[auxiliary].clamp(min=0.0)
            scale = (primary_norm2 * auxiliary_norm2).sqrt()
            cosine = torch.where(
                scale > 0, inner / torch.where(scale > 0, scale, 1.0), 0.0
            )
            if self.variant == "unweighted":
                weights[auxiliary] = (cosine > 0).double()
            else:
                weights[auxiliary] = cosine.clamp(min=0.0, max=1.0)
        return (weights / len(self.task_weights_)).to(device)
