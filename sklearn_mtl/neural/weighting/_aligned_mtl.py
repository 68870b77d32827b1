"""Aligned-MTL: independent component alignment (Senushkin et al., CVPR 2023)."""

import numpy as np
import torch

from ._aggregator import GradientAggregator

__all__ = ["AlignedMTL"]

SCALE_MODES = ("min", "median", "rmse")


class AlignedMTL(GradientAggregator):
    """Align the principal components of the task gradients before combining them.

    With ``G = V diag(lambda) V^T`` the eigendecomposition of the Gramian of
    the task gradients, restricted to its ``r`` eigenvalues above ``n_tasks *
    eps * max(lambda)`` (``eps`` the machine precision of the Gramian's
    dtype), the balance transformation

    ``B = sqrt(s) V diag(lambda)^(-1/2) V^T``

    maps the gradient matrix ``J`` to ``B J``, whose nonzero singular values
    all equal ``sqrt(s)``: the principal components of the task gradients
    are made orthogonal and of equal strength (a stable, well-conditioned
    linear system). The direction is ``p^T B J``, so the row weights are
    ``B p`` with ``p`` the preference vector. ``s`` is the smallest of the
    ``r`` eigenvalues (``scale_mode="min"``, the square of the smallest
    nonzero singular value of ``J``), their median or their mean. A zero
    Jacobian gives the weights ``p``. Cost: one eigendecomposition of the
    ``n_tasks x n_tasks`` Gramian.

    The rows are the gradients of the static-weighted losses ``w_t *
    loss_t``; the alignment equalizes the strength of the components, so the
    static weights ``w`` have little effect on the direction (none when the
    task gradients are orthogonal): give the tasks' importance as
    ``pref_vector`` instead.

    Parameters
    ----------
    pref_vector : array-like of shape (n_tasks,) or None, default=None
        Non-negative preference of each task, ``p``. None: ``1 / n_tasks``
        for every task. A task without a label in a batch is left out of
        that step (its entry is dropped, the others are unchanged).
    scale_mode : {"min", "median", "rmse"}, default="min"
        The scale ``s`` of the aligned components: the smallest, the median
        (the lower middle one for an even count) or the mean nonzero
        eigenvalue of the Gramian.
    on : {"representation", "parameters"}, default="representation"
        What the per-task gradients are taken with respect to; see
        :class:`~sklearn_mtl.neural.weighting.GradientAggregator`.

    References
    ----------
    D. Senushkin, N. Patakin, A. Kuznetsov and A. Konushin, "Independent
    component alignment for multi-task learning", CVPR 2023.

    Examples
    --------
    >>> import torch
    >>> from sklearn_mtl.neural.weighting import AlignedMTL
    >>> AlignedMTL().aggregate(torch.tensor([[1.0, 0.0], [0.0, 2.0]]))
    tensor([0.5000, 0.5000])
    >>> AlignedMTL(pref_vector=[1.0, 0.0]).aggregate(
    ...     torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    ... )
    tensor([1., 0.])
    """

    def __init__(self, pref_vector=None, scale_mode="min", on="representation"):
        super().__init__(on=on)
        self.pref_vector = pref_vector
        self.scale_mode = scale_mode

    def _check_parameters(self):
        super()._check_parameters()
        if self.scale_mode not in SCALE_MODES:
            raise ValueError(
                f"Expected scale_mode of AlignedMTL to be one of "
                f"{', '.join(map(repr, SCALE_MODES))}; got {self.scale_mode!r} "
                "instead."
            )
        if self.pref_vector is not None:
            self._preference_array()

    def _preference_array(self):
        """``pref_vector`` as a float64 array, or a clear error."""
        message = (
            "Expected pref_vector of AlignedMTL to be None or a 1-D array-like of "
            f"non-negative finite numbers; got {self.pref_vector!r} instead."
        )
        vector = self.pref_vector
        if isinstance(vector, torch.Tensor):
            vector = vector.detach().cpu().numpy()
        try:
            vector = np.asarray(vector, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(message) from None
        if vector.ndim != 1 or not np.all(np.isfinite(vector)) or np.any(vector < 0):
            raise ValueError(message)
        return vector

    def _initialize_state(self, n_tasks):
        if self.pref_vector is None:
            preference = np.full(n_tasks, 1.0 / n_tasks)
        else:
            preference = self._preference_array()
            if len(preference) != n_tasks:
                raise ValueError(
                    f"Expected pref_vector of AlignedMTL to have one entry per task "
                    f"({n_tasks}); got {len(preference)} instead."
                )
        # Used on the CPU in float64 with the Gramian: kept out of the buffers.
        self._preference = torch.from_numpy(preference)

    def gramian_weights(self, gramian, tasks):
        # The rank cut-off follows the precision the Gramian was computed in.
        eps = torch.finfo(gramian.dtype).eps
        device = gramian.device
        gramian = gramian.detach().cpu().double()
        preference = self._preference[tasks]
        eigenvalues, eigenvectors = torch.linalg.eigh(gramian, UPLO="U")
        tolerance = eigenvalues.max() * len(gramian) * eps
        kept = eigenvalues > tolerance
        if not kept.any():
            return preference.to(device)
        eigenvalues, eigenvectors = eigenvalues[kept], eigenvectors[:, kept]
        if self.scale_mode == "min":
            scale = eigenvalues.min()
        elif self.scale_mode == "median":
            # torch.median: the lower middle value (eigh sorts ascending).
            scale = eigenvalues.median()
        else:
            scale = eigenvalues.mean()
        balance = (eigenvectors * (scale / eigenvalues).sqrt()) @ eigenvectors.T
        return (balance @ preference).to(device)
