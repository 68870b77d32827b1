"""What the mixture-of-experts modules share: the gates' penalty, gate inspection."""

import numpy as np
import torch
from sklearn.utils import check_array

from .._runtime import torch_runtime
from ._gates import DSelectKGate, SoftmaxGate
from ._protocol import MultiTaskModule

__all__ = ["GatedModule", "mean_gate_weights"]


class GatedModule(MultiTaskModule):
    """Base class of the modules with gates (:class:`MMoE`, :class:`PLE`).

    Subclasses implement ``gate_weights(X, ...)``. The penalty is the
    DSelect-k gates' entropy regularization, when they have one.
    """

    def penalty(self):
        """The gates' entropy regularization of the last training batch.

        Returns
        -------
        penalty : Tensor of shape () or None
            The sum over the DSelect-k gates of ``entropy_reg`` times the mean
            entropy of their selectors (see :class:`DSelectKGate`); None with
            softmax gates or ``entropy_reg=0``.
        """
        terms = [
            term
            for gate in self.modules()
            if isinstance(gate, SoftmaxGate | DSelectKGate)
            and (term := gate.pop_entropy()) is not None
        ]
        return torch.stack(terms).sum() if terms else None

    def gate_weights(self, X):
        """Weights of every gate on every expert for the samples of ``X``."""
        raise NotImplementedError


def mean_gate_weights(net, X, **kwargs):
    """Mean weight each gate of a fitted net gives each expert on ``X``.

    "Which experts does each task use?": for a net whose module has gates
    (:class:`MMoE`, :class:`CGC`, :class:`PLE`), the module's
    ``gate_weights`` averaged over the samples of ``X``, computed in
    evaluation mode and batches of the net's ``batch_size``.

    Parameters
    ----------
    net : MultiTaskNetRegressor or MultiTaskNetClassifier
        A fitted net.
    X : array-like or sparse matrix of shape (n_samples, ...)
        Inputs, as given to ``predict``.
    **kwargs : dict
        Passed to the module's ``gate_weights`` (``level=`` for :class:`PLE`).

    Returns
    -------
    weights : ndarray of shape (n_gates, n_experts)
        Row ``g`` is gate ``g``'s mean weights (summing to one): one gate per
        task in task order (then the shared gate at the inner levels of
        :class:`PLE`); see the module's ``gate_weights`` for the order of the
        experts.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.neural import MultiTaskNetRegressor, MMoE, mean_gate_weights
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(64, 4)).astype(np.float32)
    >>> Y = np.column_stack([X[:, 0], X[:, 1] - X[:, 2]])
    >>> net = MultiTaskNetRegressor(
    ...     module=MMoE, module__n_experts=3, module__expert_hidden_units=(8,),
    ...     max_epochs=2, verbose=0, random_state=0,
    ... ).fit(X, Y)
    >>> weights = mean_gate_weights(net, X)
    >>> weights.shape
    (2, 3)
    >>> np.allclose(weights.sum(axis=1), 1.0)
    True
    """
    net.check_is_fitted()
    module = net.module_
    gate_weights = getattr(module, "gate_weights", None)
    if not callable(gate_weights):
        raise TypeError(
            "Expected a net whose module has gates (MMoE, CGC, PLE); got a net "
            f"with module {type(module).__name__} instead."
        )
    X = check_array(X, accept_sparse="csr", dtype=np.float32, allow_nd=True)
    if X.shape[1:] != tuple(net.input_shape_):
        raise ValueError(
            f"Expected samples of shape {tuple(net.input_shape_)}, as in fit; got "
            f"{X.shape[1:]} instead."
        )
    n_samples = X.shape[0]
    batch_size = net.batch_size if net.batch_size > 0 else n_samples
    total = None
    was_training = module.training
    with torch_runtime(num_threads=net.torch_num_threads), torch.no_grad():
        module.eval()
        try:
            for start in range(0, n_samples, batch_size):
                batch = X[start : start + batch_size]
                if hasattr(batch, "toarray"):
                    batch = batch.toarray()
                batch = torch.as_tensor(batch, device=net.device)
                weights = gate_weights(batch, **kwargs)
                summed = weights.sum(1).double()
                total = summed if total is None else total + summed
        finally:
            module.train(was_training)
    return (total / n_samples).cpu().numpy()
