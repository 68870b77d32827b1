"""Gates of the mixture-of-experts modules: softmax and DSelect-k.

A gate maps an input to weights over experts, non-negative and summing to
one. The modules hold one gate per task (and a shared gate at the inner
levels of :class:`PLE`); a gate object here computes several such gates at
once, each with its own weights, and returns ``(batch, n_gates,
n_experts)``.
"""

import math

import torch
from torch import nn

from ._checks import check_count, check_real
from ._heads import _TaskwiseLinear

__all__ = ["GATES", "DSelectKGate", "SoftmaxGate", "make_gate", "smooth_step"]

GATES = ("softmax", "dselect_k")

# Added inside the logarithm of the entropy: finite gradients at 0.
_ENTROPY_EPS = 1e-6


class _GateLogits(nn.Module):
    """``n_gates`` affine maps to ``n_out`` logits: ``(batch, n_gates, n_out)``.

    With ``shared_input`` every gate reads the same ``(batch, in_features)``
    input; otherwise gate ``g`` reads slice ``g`` of ``(batch, n_gates,
    in_features)``.
    """

    def __init__(self, in_features, n_gates, n_out, *, shared_input):
        super().__init__()
        self.n_gates, self.n_out = n_gates, n_out
        self.shared_input = shared_input
        if shared_input:
            self.linear = nn.Linear(in_features, n_gates * n_out)
        else:
            self.linear = _TaskwiseLinear(n_gates, in_features, n_out)

    def forward(self, x):
        if self.shared_input:
            return self.linear(x).view(-1, self.n_gates, self.n_out)
        return self.linear(x)


class SoftmaxGate(nn.Module):
    """Softmax gates: ``softmax(W_g x + b_g)`` over the experts, per gate.

    The gate of the multi-gate mixture of experts (Ma et al., KDD 2018):
    every expert gets a positive weight.

    Parameters
    ----------
    in_features : int
        Size of the gates' input vectors.
    n_gates : int
        Number of gates (one per task, usually).
    n_experts : int
        Number of experts each gate weighs.
    shared_input : bool, default=True
        Whether all gates read one input ``(batch, in_features)`` or each its
        own slice of ``(batch, n_gates, in_features)``.

    Examples
    --------
    >>> import torch
    >>> from sklearn_mtl.neural.modules import SoftmaxGate
    >>> gate = SoftmaxGate(in_features=5, n_gates=2, n_experts=3)
    >>> weights = gate(torch.randn(4, 5))
    >>> weights.shape
    torch.Size([4, 2, 3])
    >>> torch.allclose(weights.sum(-1), torch.ones(4, 2))
    True
    """

    def __init__(self, in_features, n_gates, n_experts, *, shared_input=True):
        super().__init__()
        self.n_experts = n_experts
        self.logits = _GateLogits(
            in_features, n_gates, n_experts, shared_input=shared_input
        )

    def forward(self, x):
        """Weights ``(batch, n_gates, n_experts)``, summing to one over experts."""
        return torch.softmax(self.logits(x), dim=-1)

    def pop_entropy(self):
        """None: a softmax gate has no regularization term."""
        return None


def smooth_step(x, gamma=1.0):
    """The cubic smooth-step function of Hazimeh et al. (2020).

    0 for ``x <= -gamma/2``, 1 for ``x >= gamma/2`` and ``-2 x^3 / gamma^3 +
    3 x / (2 gamma) + 1/2`` in between: continuously differentiable, and
    exactly 0 or 1 (with zero gradient) outside ``[-gamma/2, gamma/2]``.

    Parameters
    ----------
    x : Tensor
    gamma : float, default=1.0
        Width of the region where the function is not constant.

    Returns
    -------
    y : Tensor of the shape of ``x``

    Examples
    --------
    >>> import torch
    >>> from sklearn_mtl.neural.modules._gates import smooth_step
    >>> smooth_step(torch.tensor([-1.0, 0.0, 0.25, 1.0]))
    tensor([0.0000, 0.5000, 0.8438, 1.0000])
    """
    half = gamma / 2
    t = x.clamp(-half, half)
    cubic = t * (1.5 / gamma - (2.0 / gamma**3) * t * t) + 0.5
    # Exactly 0 and 1 outside (the cubic rounds to within an ulp of them).
    return torch.where(x <= -half, 0.0, torch.where(x >= half, 1.0, cubic))


class DSelectKGate(nn.Module):
    """DSelect-k gates: a differentiable choice of at most ``k`` experts.

    The gate of Hazimeh et al. (NeurIPS 2021), per example. Experts are
    numbered by binary codes of ``m = ceil(log2(n_experts))`` bits. A
    *single-expert selector* maps ``m`` logits ``z`` to a distribution over
    the ``2^m`` codes, the probability of code ``c`` being the product over
    its bits of ``S(z_l)`` (bit ``l`` set) or ``1 - S(z_l)`` (unset), with
    ``S`` the :func:`smooth_step`. When every ``|z_l| >= gamma/2`` the
    selector puts all its weight on one code. Each gate mixes ``k`` such
    selectors with softmax weights, so once its smooth steps saturate it
    selects at most ``k`` experts. ``z`` and the selectors' weights are affine
    functions of the gate's input. The ``z`` logits start in ``[-gamma/100,
    gamma/100]``, where every expert has about the same weight.

    When ``n_experts`` is not a power of two, code ``c`` selects expert ``c
    mod n_experts``, so the weights always sum to one (the reference
    implementation adds a penalty that keeps the selectors off the unused
    codes instead).

    Parameters
    ----------
    in_features : int
        Size of the gates' input vectors.
    n_gates : int
        Number of gates (one per task, usually).
    n_experts : int
        Number of experts each gate weighs.
    k : int, default=2
        Number of single-expert selectors per gate: the most experts a
        saturated gate selects.
    gamma : float, default=1.0
        Width of the smooth step's non-constant region.
    entropy_reg : float, default=0.0
        Weight of the entropy regularization, ``entropy_reg`` times the mean
        over the batch of the summed entropies of the selectors (over the
        ``2^m`` codes), which drives the smooth steps to saturate. Computed
        in training mode (with gradients enabled) and returned by
        :meth:`pop_entropy`; its gradient reaches the gates' own parameters.
    shared_input : bool, default=True
        Whether all gates read one input ``(batch, in_features)`` or each its
        own slice of ``(batch, n_gates, in_features)``.

    Examples
    --------
    >>> import torch
    >>> from sklearn_mtl.neural.modules import DSelectKGate
    >>> gate = DSelectKGate(in_features=5, n_gates=2, n_experts=4, k=2)
    >>> weights = gate(torch.randn(3, 5))
    >>> weights.shape
    torch.Size([3, 2, 4])
    >>> torch.allclose(weights.sum(-1), torch.ones(3, 2))
    True
    """

    def __init__(
        self,
        in_features,
        n_gates,
        n_experts,
        *,
        k=2,
        gamma=1.0,
        entropy_reg=0.0,
        shared_input=True,
    ):
        super().__init__()
        self.k = check_count(self, "k", k)
        self.gamma = check_real(self, "gamma", gamma, strict_low=True)
        self.entropy_reg = check_real(self, "entropy_reg", entropy_reg)
        self.n_experts = n_experts
        self.n_bits = math.ceil(math.log2(n_experts)) if n_experts > 1 else 0
        self.selector_logits = None  # a single expert: nothing to select
        if self.n_bits:
            self.selector_logits = _GateLogits(
                in_features, n_gates, self.k * self.n_bits, shared_input=shared_input
            )
            bound = self.gamma / 100
            for parameter in self.selector_logits.parameters():
                nn.init.uniform_(parameter, -bound, bound)
        self.selector_weights = _GateLogits(
            in_features, n_gates, self.k, shared_input=shared_input
        )
        codes = torch.arange(2**self.n_bits)
        bits = torch.arange(self.n_bits)
        # bit l of code c, (n_codes, n_bits)
        self.register_buffer(
            "_code_bits", (codes[:, None] >> bits) & 1 == 1, persistent=False
        )
        # code c -> expert c mod n_experts, (n_codes, n_experts)
        fold = torch.zeros(2**self.n_bits, n_experts)
        fold[codes, codes % n_experts] = 1.0
        self.register_buffer("_fold", fold, persistent=False)
        self._entropy = None

    def _selectors(self, x):
        """Selector distributions over the codes, ``(batch, n_gates, k,
        n_codes)``, and the selectors' logits ``(batch, n_gates, k)``."""
        logits = self.selector_weights(x)
        if self.selector_logits is None:
            return logits.new_ones((*logits.shape, 1)), logits
        z = self.selector_logits(x)
        z = z.view(*z.shape[:-1], self.k, 1, self.n_bits)
        steps = smooth_step(z, self.gamma)
        selectors = torch.where(self._code_bits, steps, 1 - steps).prod(-1)
        return selectors, logits

    def forward(self, x):
        """Weights ``(batch, n_gates, n_experts)``, summing to one over experts."""
        selectors, logits = self._selectors(x)
        if self.entropy_reg and self.training and torch.is_grad_enabled():
            # A graph of its own (from a detached input): the net back-propagates
            # the penalty after the weighting strategy has freed the main graph.
            detached, _ = self._selectors(x.detach())
            entropy = -(detached * torch.log(detached + _ENTROPY_EPS)).sum((-2, -1))
            self._entropy = self.entropy_reg * entropy.sum(-1).mean()
        mixed = (torch.softmax(logits, dim=-1).unsqueeze(-1) * selectors).sum(-2)
        return mixed @ self._fold

    def pop_entropy(self):
        """The entropy regularization of the last training forward pass, then
        forget it; None when there is none.

        Returns
        -------
        penalty : Tensor of shape () or None
        """
        entropy, self._entropy = self._entropy, None
        return entropy

    def __getstate__(self):
        state = super().__getstate__()
        return {**state, "_entropy": None}


def make_gate(
    owner,
    gate,
    in_features,
    n_gates,
    n_experts,
    *,
    k,
    gamma,
    entropy_reg,
    shared_input=True,
):
    """The gates named by a module's ``gate`` parameter.

    Parameters
    ----------
    owner : nn.Module
        The architecture, named in error messages.
    gate : {"softmax", "dselect_k"}
    in_features, n_gates, n_experts : int
    k, gamma, entropy_reg
        Of :class:`DSelectKGate` (not used by softmax gates).
    shared_input : bool, default=True

    Returns
    -------
    gate : SoftmaxGate or DSelectKGate
    """
    if gate == "softmax":
        return SoftmaxGate(in_features, n_gates, n_experts, shared_input=shared_input)
    if gate == "dselect_k":
        try:
            return DSelectKGate(
                in_features,
                n_gates,
                n_experts,
                k=k,
                gamma=gamma,
                entropy_reg=entropy_reg,
                shared_input=shared_input,
            )
        except ValueError as error:
            raise ValueError(
                str(error).replace("DSelectKGate", type(owner).__name__)
            ) from None
    raise ValueError(
        f"Expected gate of {type(owner).__name__} to be one of "
        f"{', '.join(map(repr, GATES))}; got {gate!r} instead."
    )
