"""Multiple-gradient descent (Désidéri, 2012; Sener and Koltun, NeurIPS 2018)."""

import torch

from ._aggregator import GradientAggregator
from ._qp import min_norm_simplex, symmetric_gramian

__all__ = ["MGDA"]


class MGDA(GradientAggregator):
    """Follow the minimum-norm point of the convex hull of the task gradients.

    The direction is ``d = sum_t a_t g_t`` with the weights ``a`` solving

    ``min_a a^T G a  subject to  a >= 0, sum_t a_t = 1``

    (``G`` the Gramian of the gradients ``g_t``). Every task's gradient has
    an inner product at least ``|d|^2`` with ``d``, so a small enough step
    decreases every task's loss; ``d = 0`` exactly when no convex combination
    of the gradients is nonzero, a Pareto-stationary point (for instance when
    a task's gradient is zero: that task cannot be improved, and the
    direction is zero by definition).

    With the default ``on="representation"`` this is MGDA-UB (Sener and
    Koltun's "upper bound" variant): the gradients are taken with respect to
    the shared representation rather than the shared parameters, so one
    backward pass through the trunk serves all the tasks.

    The problem is solved exactly (Wolfe's minimum-norm point algorithm in
    float64 on the ``n_tasks x n_tasks`` Gramian, to a relative duality gap
    of ``1e-12``), not by a fixed number of Frank-Wolfe steps as in the
    paper's Algorithm 2. Cost: a few small linear solves on top of the
    Gramian.

    The rows are the gradients of the static-weighted losses ``w_t *
    loss_t``: a larger static weight lengthens a task's gradient, and the
    minimum-norm point then leans towards the *shorter* gradients, as it does
    for any task whose loss is on a larger scale. MGDA is not a weighting of
    the losses; prefer equal static weights with it.

    Parameters
    ----------
    on : {"representation", "parameters"}, default="representation"
        What the per-task gradients are taken with respect to; see
        :class:`~sklearn_mtl.neural.weighting.GradientAggregator`.

    See Also
    --------
    UPGrad : Projects every gradient onto the cone of non-conflicting
        directions and averages them.
    CAGrad : Trades the average gradient against the worst task's progress.

    References
    ----------
    J.-A. Désidéri, "Multiple-gradient descent algorithm (MGDA) for
    multiobjective optimization", Comptes Rendus Mathematique 350, 2012.

    O. Sener and V. Koltun, "Multi-task learning as multi-objective
    optimization", NeurIPS 2018.

    P. Wolfe, "Finding the nearest point in a polytope", Mathematical
    Programming 11, 1976.

    Examples
    --------
    >>> import torch
    >>> from sklearn_mtl.neural.weighting._mgda import MGDA
    >>> MGDA().aggregate(torch.tensor([[1.0, 0.0], [-1.0, 1.0]]))
    tensor([0.2000, 0.4000])
    """

    def gramian_weights(self, gramian, tasks):
        return torch.from_numpy(min_norm_simplex(symmetric_gramian(gramian)))
