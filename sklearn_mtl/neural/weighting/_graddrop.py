"""Gradient sign dropout (Chen et al., NeurIPS 2020)."""

import numpy as np
import torch

from .._runtime import current_generator
from ._aggregator import GradientAggregator

__all__ = ["GradDrop"]


class GradDrop(GradientAggregator):
    """Keep, coordinate by coordinate, only the task gradients of one sign.

    For every coordinate ``k`` of the task gradients ``g_t``, the positive
    sign purity

    ``P_k = (1 + sum_t g_tk / sum_t |g_tk|) / 2``

    is 1 when all gradients are positive there, 0 when all are negative. A
    uniform draw ``U_k`` picks a sign: the positive contributions are kept
    where ``f(P_k) > U_k``, the negative ones where ``f(P_k) < U_k``
    (``f`` is ``purity_function``, the identity by default), so that a
    coordinate on which the tasks mostly agree keeps that sign with high
    probability. Task ``t`` lets the fraction ``l_t`` (its ``leak``) of its
    gradient through whatever the draw:

    ``d_k = sum_t (l_t + (1 - l_t) m_tk) g_tk``

    with ``m_tk`` 1 when ``g_tk`` has the kept sign, else 0. The direction
    is not a weighted sum of the rows (no task weights are recorded). A
    coordinate where every gradient is zero gives zero. The draws come from
    torch's global generator (seeded by the net's ``random_state``), one
    ``torch.rand`` per step in the gradients' dtype. Cost: the sum of the rows
    and the sum of their absolute values, then a few passes over ``dim``
    coordinates; with linear heads and one output per task the rows are not
    formed.

    The rows are the gradients of the static-weighted losses ``w_t *
    loss_t``: the static task weights ``w`` enter both the sign purities and
    the sum. The paper applies the dropout to the gradients with respect to
    a shared activation (``on="representation"``, here one coordinate per
    sample and feature).

    Parameters
    ----------
    leak : float or array-like of shape (n_tasks,), default=0.0
        Fraction of each task's gradient that always passes, in ``[0, 1]``
        (one value for every task, or one per task). ``1`` for every task
        gives the sum of the gradients.
    purity_function : callable or None, default=None
        Monotonically increasing map from ``[0, 1]`` to ``[0, 1]`` applied
        elementwise to the tensor of sign purities; None: the identity.
    on : {"representation", "parameters"}, default="representation"
        What the per-task gradients are taken with respect to; see
        :class:`~sklearn_mtl.neural.weighting.GradientAggregator`.

    References
    ----------
    Z. Chen, J. Ngiam, Y. Huang, T. Luong, H. Kretzschmar, Y. Chai and D.
    Anguelov, "Just pick a sign: optimizing deep multitask models with
    gradient sign dropout", NeurIPS 2020.

    Examples
    --------
    Where the tasks agree in sign, nothing is dropped:

    >>> import torch
    >>> from sklearn_mtl.neural.weighting import GradDrop
    >>> GradDrop().aggregate(torch.tensor([[1.0, -2.0], [3.0, -1.0]]))
    tensor([ 4., -3.])

    Where they conflict, one sign survives:

    >>> _ = torch.manual_seed(0)
    >>> GradDrop().aggregate(torch.tensor([[1.0], [-3.0]])).item() in (1.0, -3.0)
    True
    """

    def __init__(self, leak=0.0, purity_function=None, on="representation"):
        super().__init__(on=on)
        self.leak = leak
        self.purity_function = purity_function

    def _check_parameters(self):
        super()._check_parameters()
        self._leak_array()
        if self.purity_function is not None and not callable(self.purity_function):
            raise TypeError(
                "Expected purity_function of GradDrop to be None or a callable; "
                f"got {self.purity_function!r} instead."
            )

    def _leak_array(self):
        """``leak`` as a float64 array (0-D or 1-D), or a clear error."""
        message = (
            "Expected leak of GradDrop to be a number or a 1-D array-like of "
            f"numbers in [0, 1]; got {self.leak!r} instead."
        )
        leak = self.leak
        if isinstance(leak, bool):
            raise ValueError(message)
        if isinstance(leak, torch.Tensor):
            leak = leak.detach().cpu().numpy()
        try:
            leak = np.asarray(leak, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(message) from None
        if leak.ndim > 1 or not np.all((leak >= 0) & (leak <= 1)):
            raise ValueError(message)
        return leak

    def _initialize_state(self, n_tasks):
        leak = self._leak_array()
        if leak.ndim == 1 and len(leak) != n_tasks:
            raise ValueError(
                f"Expected leak of GradDrop to have one entry per task ({n_tasks}); "
                f"got {len(leak)} instead."
            )
        # Kept in float64 on the CPU (exact values), cast to the rows' dtype.
        self._leak = torch.from_numpy(np.broadcast_to(leak, (n_tasks,)).copy())
        self._leaks = bool(torch.any(self._leak > 0))

    def _aggregate(self, gradients, tasks):
        total, magnitude = gradients.signed_sums()
        # A coordinate where every gradient is zero (0 / 0) gives zero anyway.
        purity = torch.nan_to_num(0.5 * (1.0 + total / magnitude), nan=0.5)
        if self.purity_function is not None:
            purity = self.purity_function(purity)
        draw = torch.rand(
            purity.shape,
            dtype=total.dtype,
            device=total.device,
            generator=current_generator(total.device),
        )
        # 1.0 where purity > draw (resp. <), else 0.0: exact, as x - y == 0
        # only when x == y; cheaper than boolean masks on the CPU.
        difference = purity - draw
        keep_positive = difference.sign().clamp_(min=0.0)
        keep_negative = difference.neg_().sign_().clamp_(min=0.0)
        direction = 0.0
        if self._leaks:
            leak = self._leak[tasks].to(total.device, total.dtype)
            direction, _ = gradients.signed_sums(leak)
            total, magnitude = gradients.signed_sums(1.0 - leak)
        # sums of the positive and of the negative parts of the rows
        positive_sum = 0.5 * (total + magnitude)
        negative_sum = 0.5 * (total - magnitude)
        return (
            direction + positive_sum * keep_positive + negative_sum * keep_negative,
            None,
        )
