"""Sharing architectures: MMoE, CGC, PLE, CrossStitch, SoftSharing and the gates.

Each architecture is checked against a hand computation (outputs written
task by task with ``nn.Linear`` layers holding its weights, parameter counts,
penalties), against the module protocol (the cut between the shared
representation and the task outputs gives the same gradients as the whole
network), and inside the nets (training, weighting strategies, pickling,
``clone``).
"""

import itertools
import math
import pickle

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from neural_helpers import (
    SmallCNN,
    classification_data,
    raises,
    regression_data,
)
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from torch import nn

from sklearn_mtl.neural import (
    CGC,
    PLE,
    CrossStitch,
    DSelectKGate,
    MMoE,
    MultiTaskNetClassifier,
    MultiTaskNetRegressor,
    SoftmaxGate,
    SoftSharing,
    mean_gate_weights,
)
from sklearn_mtl.neural.modules._gates import smooth_step
from sklearn_mtl.neural.weighting import WEIGHTINGS

N_FEATURES = 5
SIZES = [1, 1, 3]

# Tiny configurations of every architecture, as module__ parameters.
TINY = {
    MMoE: {"n_experts": 3, "expert_hidden_units": (4,)},
    CGC: {"n_shared_experts": 2, "expert_hidden_units": (4,)},
    PLE: {"n_task_experts": 2, "expert_hidden_units": (4,)},
    CrossStitch: {"hidden_units": (4, 3)},
    SoftSharing: {"hidden_units": (4,), "alpha": 0.5},
}
ARCHITECTURES = list(TINY)
NET = {"max_epochs": 2, "batch_size": 16, "verbose": 0, "random_state": 0}


def module_params(cls, **extra):
    return {f"module__{name}": value for name, value in {**TINY[cls], **extra}.items()}


def inputs(n_samples=7, seed=0):
    return torch.randn(
        n_samples, N_FEATURES, generator=torch.Generator().manual_seed(seed)
    )


def count(module):
    return sum(p.numel() for p in module.parameters())


# ------------------------------------------------- hand-built references
def copy_linear(weight, bias):
    """An ``nn.Linear`` holding ``weight`` (out, in) and ``bias``."""
    linear = nn.Linear(weight.shape[1], weight.shape[0])
    with torch.no_grad():
        linear.weight.copy_(weight)
        linear.bias.copy_(bias)
    return linear


def copy_mlp(parallel, c):
    """Copy ``c`` of a ParallelMLP as a plain ``nn.Sequential`` (Linear, ReLU)."""
    layers = []
    for block in parallel.blocks:
        linear = block[0]
        if isinstance(linear, nn.Linear):  # first layer, one product for all copies
            units = linear.out_features // parallel.n_copies
            rows = slice(c * units, (c + 1) * units)
            layers.append(copy_linear(linear.weight[rows], linear.bias[rows]))
        else:
            layers.append(copy_linear(linear.weight[c].T, linear.bias[c]))
        layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def copy_tower(towers, t):
    """Task ``t``'s linear tower of a TaskTowers as an ``nn.Linear``."""
    sizes = sorted(set(towers.output_sizes))
    size = towers.output_sizes[t]
    group = sizes.index(size)
    position = [u for u, s in enumerate(towers.output_sizes) if s == size].index(t)
    layer = towers.outputs[group]
    return copy_linear(layer.weight[position].T, layer.bias[position])


def copy_gate_logits(logits, g):
    """Gate ``g``'s logits of a shared-input _GateLogits as an ``nn.Linear``."""
    rows = slice(g * logits.n_out, (g + 1) * logits.n_out)
    return copy_linear(logits.linear.weight[rows], logits.linear.bias[rows])


def hand_selectors(z, gamma, n_bits):
    """Single-expert selectors written code by code: ``(..., n_codes)``."""
    steps = np.where(
        z <= -gamma / 2,
        0.0,
        np.where(z >= gamma / 2, 1.0, -2 * z**3 / gamma**3 + 1.5 * z / gamma + 0.5),
    )
    codes = []
    for code in range(2**n_bits):
        probability = np.ones(z.shape[:-1])
        for bit in range(n_bits):
            on = (code >> bit) & 1
            probability = probability * (steps[..., bit] if on else 1 - steps[..., bit])
        codes.append(probability)
    return np.stack(codes, axis=-1)


def weighted_sum(outputs, seed=1):
    """A scalar loss with a fixed random weight on every output."""
    weights = torch.randn(outputs.shape, generator=torch.Generator().manual_seed(seed))
    return (outputs * weights).sum()


def perturb(module, scale=0.3, seed=0):
    """Random parameters (ties and near-identity mixings broken)."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for parameter in module.parameters():
            parameter.copy_(scale * torch.randn(parameter.shape, generator=generator))
    return module


# ------------------------------------------------------------- shapes
@pytest.mark.parametrize(
    ("cls", "params", "representation_shape"),
    [
        (MMoE, {"n_experts": 3, "expert_hidden_units": (4, 6)}, (7, 3, 6)),
        (MMoE, {"n_experts": 3, "gate": "dselect_k"}, (7, 3, 256)),
        (CGC, {"n_shared_experts": 2, "expert_hidden_units": (4,)}, (7, 2 * 4)),
        (PLE, {"n_levels": 1, "expert_hidden_units": (4,)}, (7, 1 * 4)),
        (PLE, {"n_shared_experts": 2, "expert_hidden_units": (4,)}, (7, 3 * 4 + 2 * 4)),
        (
            PLE,
            {"n_levels": 3, "n_task_experts": 0, "expert_hidden_units": (4,)},
            (7, 16),
        ),
        (CrossStitch, {"hidden_units": (4, 6)}, (7, 3, 6)),
        (SoftSharing, {"hidden_units": (4, 6)}, (7, 3, 6)),
    ],
)
def test_forward_and_representation_shapes(cls, params, representation_shape):
    module = cls((N_FEATURES,), SIZES, **params)
    X = inputs()
    representation = module.shared_representation(X)
    assert tuple(representation.shape) == representation_shape
    outputs = module.task_outputs(representation, X)
    assert outputs.shape == (7, sum(SIZES))
    torch.testing.assert_close(module(X), outputs)


@pytest.mark.parametrize(
    ("cls", "params", "expected"),
    [
        # experts 3 * (5*4+4 + 4*6+6); gates 3 * (5*3+3); towers' hidden layer
        # 3 * (6*2+2); output layers (2+1) + (2+1) + (2*3+3)
        (
            MMoE,
            {"n_experts": 3, "expert_hidden_units": (4, 6), "head_hidden_units": (2,)},
            162 + 54 + 42 + 15,
        ),
        # DSelect-k, 5 experts (3 bits), k=2: z logits 5 * (3*2*3) + 18,
        # selector weights 5 * (3*2) + 6
        (
            MMoE,
            {"n_experts": 5, "expert_hidden_units": (4,), "gate": "dselect_k"},
            5 * 24 + 108 + 36 + 5 * 5,
        ),
        # experts (2 + 3*1) * (5*4+4); gates 3 * (5*3+3); towers 5 * 5
        (CGC, {"n_shared_experts": 2, "expert_hidden_units": (4,)}, 120 + 54 + 25),
        # level 0: experts (1 + 3*2) * 24, task gates 3 * (5*3+3), shared gate
        # 5*7+7; level 1: experts 7 * (4*4+4), task gates 3 * (4*3+3); towers 25
        (
            PLE,
            {"n_task_experts": 2, "expert_hidden_units": (4,)},
            168 + 54 + 42 + 140 + 45 + 25,
        ),
        # columns 3 * (5*4+4 + 4*6+6); stitches 2 * 3*3; towers 7 * 5
        (CrossStitch, {"hidden_units": (4, 6)}, 162 + 18 + 35),
        # trunks 3 * (5*4+4); heads 5 * 5
        (SoftSharing, {"hidden_units": (4,)}, 72 + 25),
    ],
)
def test_parameter_counts(cls, params, expected):
    assert count(cls((N_FEATURES,), SIZES, **params)) == expected


def test_task_towers_match_separate_linear_heads():
    # Output sizes in no order, a task with no output: columns in task order.
    module = MMoE((N_FEATURES,), [2, 0, 1, 2], n_experts=2, expert_hidden_units=(4,))
    X = inputs()
    mixtures = torch.randn(7, 4, 4)
    outputs = module.towers(mixtures)
    expected = torch.cat(  # task 1 has no column
        [copy_tower(module.towers, t)(mixtures[:, t]) for t in (0, 2, 3)], dim=1
    )
    assert outputs.shape == (7, 5)
    torch.testing.assert_close(outputs, expected)
    assert module(X).shape == (7, 5)


# ------------------------------------------------ hand-written forwards
def test_mmoe_matches_hand_computation():
    module = MMoE((N_FEATURES,), SIZES, n_experts=3, expert_hidden_units=(4, 6))
    X = inputs()
    experts = [copy_mlp(module.experts, e)(X) for e in range(3)]
    outputs = []
    for t in range(3):
        gate = torch.softmax(copy_gate_logits(module.gates.logits, t)(X), dim=1)
        mixture = sum(gate[:, [e]] * experts[e] for e in range(3))
        outputs.append(copy_tower(module.towers, t)(mixture))
    torch.testing.assert_close(module(X), torch.cat(outputs, dim=1))


def test_cgc_matches_hand_computation():
    module = CGC(
        (N_FEATURES,),
        SIZES,
        n_shared_experts=2,
        n_task_experts=2,
        expert_hidden_units=(4,),
    )
    X = inputs()
    shared = [copy_mlp(module.shared_experts[0], s)(X) for s in range(2)]
    own = [copy_mlp(module.task_experts[0], c)(X) for c in range(6)]
    outputs = []
    for t in range(3):
        candidates = shared + own[2 * t : 2 * t + 2]
        gate = torch.softmax(copy_gate_logits(module.task_gates[0].logits, t)(X), 1)
        mixture = sum(gate[:, [e]] * candidates[e] for e in range(4))
        outputs.append(copy_tower(module.towers, t)(mixture))
    torch.testing.assert_close(module(X), torch.cat(outputs, dim=1))


def test_cross_stitch_matches_hand_computation():
    module = perturb(CrossStitch((N_FEATURES,), SIZES, hidden_units=(4, 3)))
    X = inputs()
    columns = [copy_mlp(module.columns, t) for t in range(3)]
    h = [X] * 3
    for layer in range(2):
        h = [columns[t][2 * layer : 2 * layer + 2](h[t]) for t in range(3)]
        A = module.stitches[layer]
        h = [sum(A[t, s] * h[s] for s in range(3)) for t in range(3)]
    expected = torch.cat([copy_tower(module.towers, t)(h[t]) for t in range(3)], 1)
    torch.testing.assert_close(module(X), expected)


def test_cross_stitch_initial_units():
    module = CrossStitch((N_FEATURES,), [1, 1, 1, 1], hidden_units=(4, 3))
    expected = torch.full((4, 4), 0.1 / 3).fill_diagonal_(0.9)
    for stitch in module.stitches:
        torch.testing.assert_close(stitch.data, expected)
    single = CrossStitch((N_FEATURES,), [1], hidden_units=(4,), stitch_init=0.5)
    torch.testing.assert_close(single.stitches[0].data, torch.ones(1, 1))


def test_cross_stitch_with_frozen_identity_units_is_independent_columns():
    module = perturb(CrossStitch((N_FEATURES,), SIZES, hidden_units=(4, 3)))
    with torch.no_grad():
        for stitch in module.stitches:
            stitch.copy_(torch.eye(3))
            stitch.requires_grad_(False)
    columns = [copy_mlp(module.columns, t) for t in range(3)]
    towers = [copy_tower(module.towers, t) for t in range(3)]
    X = inputs()
    outputs = module(X)
    independent = [towers[t](columns[t](X)) for t in range(3)]
    torch.testing.assert_close(outputs, torch.cat(independent, dim=1))
    # Task t's loss moves column t only, by its own column's gradient.
    weighted_sum(outputs).backward()
    weighted_sum(torch.cat(independent, dim=1)).backward()
    for t in range(3):
        first, second = module.columns.blocks[0][0], module.columns.blocks[1][0]
        torch.testing.assert_close(
            first.weight.grad[4 * t : 4 * t + 4], columns[t][0].weight.grad
        )
        torch.testing.assert_close(second.weight.grad[t], columns[t][2].weight.grad.T)
        torch.testing.assert_close(second.bias.grad[t], columns[t][2].bias.grad)


# ------------------------------------------------------- protocol cut
PROTOCOL_CASES = [
    (MMoE, {"n_experts": 3, "expert_hidden_units": (4, 3), "head_hidden_units": (2,)}),
    (MMoE, {"n_experts": 5, "expert_hidden_units": (4,), "gate": "dselect_k"}),
    (CGC, {"n_shared_experts": 2, "expert_hidden_units": (4,)}),
    (PLE, {"n_task_experts": 2, "expert_hidden_units": (4,)}),
    (PLE, {"n_levels": 3, "n_task_experts": 0, "expert_hidden_units": (4,)}),
    (PLE, {"n_levels": 2, "expert_hidden_units": (4,), "gate": "dselect_k"}),
    (CrossStitch, {"hidden_units": (4, 3)}),
    (CrossStitch, {"hidden_units": (4,), "head_hidden_units": (2,)}),
    (SoftSharing, {"hidden_units": (4, 3)}),
]


@pytest.mark.parametrize(("cls", "params"), PROTOCOL_CASES)
def test_protocol_cut_gives_the_whole_network_gradient(cls, params):
    """Shared parameters are all below the representation, the others all
    above it: back-propagating through the cut (as the weighting strategies
    do) gives every parameter its gradient in the whole network."""
    module = cls((N_FEATURES,), SIZES, **params)
    if cls is CrossStitch:
        perturb(module)
    X = inputs()
    parameters = list(module.parameters())
    full = torch.autograd.grad(weighted_sum(module(X)), parameters)
    representation = module.shared_representation(X)
    cut = representation.detach().requires_grad_()
    above = torch.autograd.grad(
        weighted_sum(module.task_outputs(cut, X)),
        [cut, *parameters],
        allow_unused=True,
    )
    below = torch.autograd.grad(
        representation, parameters, grad_outputs=above[0], allow_unused=True
    )
    shared = {id(p) for p in module.shared_parameters()}
    assert 0 < len(shared) < len(parameters)
    for parameter, whole, top, bottom in zip(
        parameters, full, above[1:], below, strict=True
    ):
        if id(parameter) in shared:
            assert top is None
            torch.testing.assert_close(bottom, whole)
        else:
            assert bottom is None
            torch.testing.assert_close(top, whole)


def representation_gramian(module, X):
    """Inner products of the tasks' gradients w.r.t. the representation."""
    representation = module.shared_representation(X).detach().requires_grad_()
    outputs = module.task_outputs(representation, X)
    rows, start = [], 0
    for size in SIZES:
        loss = weighted_sum(outputs[:, start : start + size])
        start += size
        (grad,) = torch.autograd.grad(loss, representation, retain_graph=True)
        rows.append(grad.flatten())
    rows = torch.stack(rows)
    return rows @ rows.T


@pytest.mark.parametrize("cls", ARCHITECTURES)
def test_task_gradients_overlap_on_the_representation_except_soft_sharing(cls):
    """Where tasks share something, their gradients w.r.t. the representation
    overlap, so a gradient strategy has conflicts to resolve; soft sharing's
    tasks share no parameter and their gradients are orthogonal."""
    module = perturb(cls((N_FEATURES,), SIZES, **TINY[cls]))
    gramian = representation_gramian(module, inputs())
    off_diagonal = gramian[~torch.eye(3, dtype=torch.bool)]
    if cls is SoftSharing:
        assert torch.count_nonzero(off_diagonal) == 0
    else:
        assert (off_diagonal.abs() > 1e-6 * gramian.diagonal().max()).all()


# ----------------------------------------------------------------- gates
def test_smooth_step_against_its_formula():
    x = torch.linspace(-1.5, 1.5, 61, dtype=torch.float64)
    for gamma in (1.0, 2.0):
        expected = hand_selectors(x.numpy()[:, None], gamma, 1)[:, 1]
        np.testing.assert_allclose(smooth_step(x, gamma).numpy(), expected, atol=1e-15)
    saturated = smooth_step(torch.tensor([-2.0, -0.75, 0.75, 2.0]), gamma=1.5)
    assert saturated.tolist() == [0.0, 0.0, 1.0, 1.0]


@pytest.mark.parametrize("n_experts", [3, 4])
def test_dselect_k_weights_against_hand_computation(n_experts):
    k, gamma = 2, 1.0
    gate = DSelectKGate(in_features=2, n_gates=1, n_experts=n_experts, k=k)
    z = np.array([[0.2, -0.7], [-0.1, 0.3]])  # (k, n_bits): one saturated
    a = np.array([0.4, -0.3])
    with torch.no_grad():
        for logits, bias in ((gate.selector_logits, z), (gate.selector_weights, a)):
            logits.linear.weight.zero_()
            logits.linear.bias.copy_(torch.as_tensor(bias.ravel()))
    weights = gate(torch.randn(3, 2)).detach().numpy()
    selectors = hand_selectors(z, gamma, 2)  # (k, 4 codes)
    softmax = np.exp(a) / np.exp(a).sum()
    codes = softmax @ selectors
    expected = np.zeros(n_experts)
    for code, value in enumerate(codes):  # code c selects expert c mod n_experts
        expected[code % n_experts] += value
    np.testing.assert_allclose(
        weights, np.broadcast_to(expected, (3, 1, n_experts)), rtol=1e-6
    )


@pytest.mark.parametrize("n_experts", [1, 2, 5, 8])
@pytest.mark.parametrize("gate_class", [SoftmaxGate, DSelectKGate])
def test_gate_weights_sum_to_one(gate_class, n_experts):
    for shared_input, x in ((True, torch.randn(6, 5)), (False, torch.randn(6, 3, 5))):
        gate = gate_class(5, 3, n_experts, shared_input=shared_input)
        weights = gate(x)
        assert weights.shape == (6, 3, n_experts)
        assert (weights >= 0).all()
        torch.testing.assert_close(weights.sum(-1), torch.ones(6, 3))


@pytest.mark.parametrize("n_experts", [5, 8])
def test_saturated_dselect_k_selects_at_most_k_experts(n_experts):
    gate = DSelectKGate(5, 3, n_experts, k=2)
    x = torch.randn(50, 5)
    initial = gate(x)
    assert (initial > 0).all()  # every expert reachable at the start
    for k in (1, 2):
        gate = DSelectKGate(5, 3, n_experts, k=k)
        with torch.no_grad():  # the smooth steps saturate: |z| >= gamma / 2
            for parameter in gate.selector_logits.parameters():
                parameter.mul_(1e5)
            weights = gate(x)
            z = gate.selector_logits(x)
        torch.testing.assert_close(weights.sum(-1), torch.ones(50, 3))
        saturated = (z.abs() >= 0.5).all(-1)  # every logit of the gate
        assert saturated.float().mean() > 0.9
        selected = (weights > 0).sum(-1)[saturated]
        assert (selected <= k).all() and (selected >= 1).all()
        assert (selected == k).any()  # the bound is reached
        if k == 1:
            assert (weights.max(-1).values[saturated] == 1.0).all()


def test_dselect_k_entropy_regularization_is_the_module_penalty():
    module = MMoE(
        (N_FEATURES,),
        SIZES,
        n_experts=3,
        expert_hidden_units=(4,),
        gate="dselect_k",
        k=2,
        gamma=1.5,
        entropy_reg=0.1,
    )
    X = inputs()
    loss = weighted_sum(module(X))
    penalty = module.penalty()
    gate = module.gates
    z = gate.selector_logits(X).detach().numpy().reshape(7, 3, 2, 2)
    selectors = hand_selectors(z.astype(np.float64), 1.5, 2)
    entropy = -(selectors * np.log(selectors + 1e-6)).sum(axis=(1, 2, 3)).mean()
    np.testing.assert_allclose(penalty.item(), 0.1 * entropy, rtol=1e-5)
    # Its graph is its own: usable after the main loss's backward pass.
    loss.backward()
    penalty.backward()
    assert module.penalty() is None  # taken
    module.eval()
    module(X)
    assert module.penalty() is None  # evaluation mode: no term
    softmax = MMoE((N_FEATURES,), SIZES, n_experts=3, expert_hidden_units=(4,))
    softmax(X)
    assert softmax.penalty() is None
    module.train()
    module(X)
    assert pickle.loads(pickle.dumps(module)).penalty() is None


def test_entropy_regularization_trains_the_gates_to_select():
    X, Y = regression_data(n_samples=64)
    net = MultiTaskNetRegressor(
        module=MMoE,
        **module_params(MMoE, gate="dselect_k", k=1, entropy_reg=1.0),
        lr=0.05,
        max_epochs=15,
        batch_size=-1,
        train_split=None,
        verbose=0,
        random_state=0,
    ).fit(X, Y)
    penalties = net.history[:, "train_penalty"]
    assert penalties[-1] < penalties[0] / 2
    objective = np.nanmean(
        [net.history[-1, key] for key in net.task_history_keys("train_loss")]
    )
    np.testing.assert_allclose(
        net.history[-1, "train_loss"], objective + penalties[-1], rtol=1e-5
    )


def test_module_gate_weights_shapes_and_sums():
    X = inputs()
    mmoe = MMoE((N_FEATURES,), SIZES, n_experts=3, expert_hidden_units=(4,))
    weights = mmoe.gate_weights(X)
    assert weights.shape == (3, 7, 3) and not weights.requires_grad
    torch.testing.assert_close(weights, mmoe.gates(X).transpose(0, 1))
    ple = PLE(
        (N_FEATURES,),
        SIZES,
        n_shared_experts=2,
        n_task_experts=2,
        expert_hidden_units=(4,),
        gate="dselect_k",
    )
    for level, n_gates in ((0, 4), (1, 3), (-1, 3), (-2, 4)):
        weights = ple.gate_weights(X, level=level)
        assert weights.shape == (n_gates, 7, 2 + 3 * 2)
        torch.testing.assert_close(weights.sum(-1), torch.ones(n_gates, 7))
        for t in range(3):  # a task's gate sees the shared experts and its own
            others = [2 + 2 * u + j for u in range(3) if u != t for j in range(2)]
            assert (weights[t][:, others] == 0).all()
    with raises(
        ValueError,
        "Expected level to be an integer in [-2, 1] for a PLE of 2 level(s); got 2 "
        "instead.",
    ):
        ple.gate_weights(X, level=2)


# ------------------------------------------------------------ soft sharing
def soft_sharing_and_copies(alpha):
    module = perturb(
        SoftSharing((N_FEATURES,), SIZES, hidden_units=(4, 3), alpha=alpha)
    )
    trunks = [copy_mlp(module.trunks, t) for t in range(3)]
    heads = [copy_tower(module.heads, t) for t in range(3)]
    return module, trunks, heads


def test_soft_sharing_penalty_against_hand_computation():
    module, trunks, _ = soft_sharing_and_copies(alpha=0.7)
    thetas = torch.stack(
        [nn.utils.parameters_to_vector(t.parameters()) for t in trunks]
    )
    expected = 0.35 * ((thetas - thetas.mean(0)) ** 2).sum()
    torch.testing.assert_close(module.penalty(), expected)
    # The same with trunks of the user's (copies of a module).
    module = perturb(
        SoftSharing((N_FEATURES,), SIZES, trunk=nn.Linear(5, 4), alpha=2.0)
    )
    thetas = torch.stack(
        [nn.utils.parameters_to_vector(c.parameters()) for c in module.trunks.copies]
    )
    torch.testing.assert_close(
        module.penalty(), 1.0 * ((thetas - thetas.mean(0)) ** 2).sum()
    )


@pytest.mark.parametrize("alpha", [0.0, 3.0])
def test_soft_sharing_gradients_are_independent_nets_plus_the_pull_to_the_mean(alpha):
    """alpha=0: each task's network gets its own loss's gradient, as separate
    networks would; otherwise the penalty adds ``alpha (theta_t - mean)``."""
    module, trunks, heads = soft_sharing_and_copies(alpha)
    X = inputs()
    (weighted_sum(module(X)) + module.penalty()).backward()
    independent = torch.cat([heads[t](trunks[t](X)) for t in range(3)], dim=1)
    weighted_sum(independent).backward()
    thetas = torch.stack(
        [nn.utils.parameters_to_vector(t.parameters()) for t in trunks]
    )
    pull = alpha * (thetas - thetas.mean(0))
    first, second = module.trunks.blocks[0][0], module.trunks.blocks[1][0]
    for t in range(3):
        grads = torch.cat(
            [
                first.weight.grad[4 * t : 4 * t + 4].flatten(),
                first.bias.grad[4 * t : 4 * t + 4],
                second.weight.grad[t].T.flatten(),
                second.bias.grad[t],
            ]
        )
        expected = torch.cat([p.grad.flatten() for p in trunks[t].parameters()])
        torch.testing.assert_close(grads, expected + pull[t])


def trunk_spread(net):
    """Largest deviation of a task's trunk parameter from the tasks' mean."""
    return max(
        (p - p.mean(0)).abs().max().item()
        for p in net.module_.trunks.per_copy_parameters()
    )


def test_large_alpha_ties_the_trunks():
    X, Y = regression_data(n_samples=64)
    params = {
        "module": SoftSharing,
        "module__hidden_units": (8,),
        "optimizer": torch.optim.SGD,
        "lr": 0.01,
        "max_epochs": 20,
        "batch_size": 16,
        "verbose": 0,
        "random_state": 0,
    }
    free = MultiTaskNetRegressor(**params, module__alpha=0.0).fit(X, Y)
    tied = MultiTaskNetRegressor(**params, module__alpha=50.0).fit(X, Y)
    assert trunk_spread(free) > 0.05
    assert trunk_spread(tied) < 0.05 * trunk_spread(free)
    assert free.history[-1, "train_penalty"] == 0.0
    free.module_.alpha = 50.0  # what the free trunks would pay
    assert 0 < tied.history[-1, "train_penalty"] < 1e-2 * free.module_.penalty()


# ---------------------------------------------------------- user experts
class TinyExpert(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(N_FEATURES, 6)

    def forward(self, X):
        return torch.tanh(self.linear(X))


def expert_weights(networks):
    return [nn.utils.parameters_to_vector(n.parameters()) for n in networks]


@pytest.mark.parametrize("cls", [MMoE, CGC, PLE])
def test_user_expert_as_class_and_as_instance(cls):
    template = nn.Sequential(nn.Linear(N_FEATURES, 6), nn.Tanh())
    before = nn.utils.parameters_to_vector(template.parameters()).clone()
    for expert in (TinyExpert, template):
        module = cls((N_FEATURES,), SIZES, expert=expert, expert_hidden_units=(4,))
        experts = module.experts if cls is MMoE else module.shared_experts[0]
        copies = list(experts.copies)
        if cls is not MMoE:
            copies += list(module.task_experts[0].copies)
        expected_type = nn.Sequential if expert is template else TinyExpert
        assert all(type(c) is expected_type for c in copies)
        weights = expert_weights(copies)
        for a, b in itertools.combinations(weights, 2):
            assert not torch.equal(a, b)  # experts start apart
        if expert is template:
            assert not any(torch.equal(w, before) for w in weights)
        assert module(inputs()).shape == (7, 5)
    torch.testing.assert_close(
        nn.utils.parameters_to_vector(template.parameters()), before
    )


def test_soft_sharing_user_trunk_starts_every_task_from_the_same_weights():
    template = nn.Sequential(nn.Linear(N_FEATURES, 6), nn.Tanh())
    for trunk in (TinyExpert, template):
        module = SoftSharing((N_FEATURES,), SIZES, trunk=trunk)
        weights = expert_weights(module.trunks.copies)
        assert all(torch.equal(w, weights[0]) for w in weights)
        assert module.penalty().item() < 1e-12
    torch.testing.assert_close(
        weights[0], nn.utils.parameters_to_vector(template.parameters())
    )


@pytest.mark.parametrize("cls", [MMoE, CGC, PLE, SoftSharing])
def test_user_network_on_images_inside_a_net(cls):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 1, 8, 8)).astype(np.float32)
    Y = np.column_stack([X[:, 0, :4].mean((1, 2)), X[:, 0, 4:].mean((1, 2))])
    name = "trunk" if cls is SoftSharing else "expert"
    extra = {} if cls is SoftSharing else {"module__expert_hidden_units": (4,)}
    net = MultiTaskNetRegressor(
        module=cls, **{f"module__{name}": SmallCNN}, **extra, **NET
    ).fit(X, Y)
    assert net.predict(X).shape == (30, 2)
    if cls is not SoftSharing:
        assert mean_gate_weights(net, X).shape[0] >= 2


# -------------------------------------------------------------- in the nets
@pytest.mark.parametrize("cls", ARCHITECTURES)
def test_trains_in_the_regressor(cls):
    X, Y = regression_data()
    net = MultiTaskNetRegressor(
        module=cls,
        **module_params(cls),
        lr=0.02,
        max_epochs=15,
        batch_size=-1,
        train_split=None,
        verbose=0,
        random_state=0,
    ).fit(X, Y)
    assert isinstance(net.module_, cls)
    assert net.predict(X).shape == (len(X), 3)
    assert np.isfinite(net.predict(X)).all()
    losses = net.history[:, "train_loss"]
    assert losses[-1] < 0.8 * losses[0]


@pytest.mark.parametrize("cls", ARCHITECTURES)
def test_trains_in_the_classifier(cls):
    X, Y = classification_data()
    net = MultiTaskNetClassifier(
        module=cls,
        # without the classifier's dropout 0.5, which slows the tiny modules'
        # training (its batch normalization is kept)
        **module_params(cls, dropout=0.0),
        lr=0.02,
        max_epochs=15,
        batch_size=-1,
        train_split=None,
        verbose=0,
        random_state=0,
    ).fit(X, Y)
    assert isinstance(net.module_, cls)
    losses = net.history[:, "train_loss"]
    assert losses[-1] < 0.9 * losses[0]
    assert net.predict(X).shape == (len(X), 2)
    probabilities = net.predict_proba(X)
    assert [p.shape for p in probabilities] == [(len(X), 2), (len(X), 3)]
    for p in probabilities:
        np.testing.assert_allclose(p.sum(1), 1.0, rtol=1e-5)


def fit_with_weighting(cls, weighting, **params):
    X, Y = regression_data(n_samples=32)
    return MultiTaskNetRegressor(
        module=cls, weighting=weighting, **module_params(cls), **NET, **params
    ).fit(X, Y)


def assert_trained(net):
    X, _ = regression_data(n_samples=32)
    assert np.isfinite(net.predict(X)).all()
    weights = np.asarray(net.history[-1, "task_weights"], dtype=float)
    assert weights.shape == (3,)
    # GradDrop's step is not a weighted sum of the tasks' gradients: NaN weights.
    assert np.isfinite(weights).all() != (net.weighting == "graddrop")


@pytest.mark.parametrize("name", list(WEIGHTINGS))
def test_mmoe_with_every_weighting_strategy(name):
    assert_trained(fit_with_weighting(MMoE, name))


@pytest.mark.parametrize("cls", [CGC, PLE, CrossStitch, SoftSharing])
@pytest.mark.parametrize(
    ("weighting", "params"),
    [
        ("uncertainty", {}),
        ("upgrad", {}),
        ("mgda", {"weighting__on": "parameters"}),
    ],
)
def test_other_architectures_with_weighting_strategies(cls, weighting, params):
    assert_trained(fit_with_weighting(cls, weighting, **params))


def test_dselect_k_gates_with_a_gradient_strategy():
    net = fit_with_weighting(
        PLE, "pcgrad", module__gate="dselect_k", module__entropy_reg=0.01
    )
    assert_trained(net)
    assert net.history[-1, "train_penalty"] > 0


@pytest.mark.parametrize("cls", ARCHITECTURES)
def test_pickle_and_clone_of_a_fitted_net(cls):
    X, Y = regression_data(n_samples=32)
    net = MultiTaskNetRegressor(module=cls, **module_params(cls), **NET).fit(X, Y)
    predictions = net.predict(X)
    restored = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(restored.predict(X), predictions)
    fresh = clone(net)
    assert not hasattr(fresh, "module_")
    assert fresh.get_params()["module"] is cls
    np.testing.assert_allclose(fresh.fit(X, Y).predict(X), predictions, rtol=1e-5)


def test_clone_and_pickle_with_an_expert_instance():
    X, Y = regression_data(n_samples=32)
    expert = nn.Sequential(nn.Linear(N_FEATURES, 4), nn.ReLU())
    net = MultiTaskNetRegressor(module=MMoE, module__expert=expert, **NET).fit(X, Y)
    fresh = clone(net)
    assert fresh.get_params()["module__expert"] is not expert
    np.testing.assert_allclose(fresh.fit(X, Y).predict(X), net.predict(X), rtol=1e-5)
    restored = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(restored.predict(X), net.predict(X))


# ------------------------------------------------------- mean_gate_weights
def test_mean_gate_weights_of_a_fitted_net():
    X, Y = regression_data()
    net = MultiTaskNetRegressor(module=MMoE, **module_params(MMoE), **NET).fit(X, Y)
    mode = net.module_.training
    weights = mean_gate_weights(net, X)
    assert net.module_.training == mode  # the module's mode is left as it was
    with torch.no_grad():
        expected = net.module_.gates(torch.as_tensor(X)).mean(0).numpy()
    assert weights.shape == (3, 3)
    np.testing.assert_allclose(weights, expected, rtol=1e-5)
    np.testing.assert_allclose(weights.sum(1), 1.0)
    # Batches of the net's batch_size, and sparse inputs.
    np.testing.assert_allclose(
        mean_gate_weights(net, sp.csr_matrix(X)), weights, rtol=1e-5
    )
    ple = MultiTaskNetRegressor(module=PLE, **module_params(PLE), **NET).fit(X, Y)
    assert mean_gate_weights(ple, X, level=0).shape == (4, 1 + 3 * 2)


def test_mean_gate_weights_errors():
    X, Y = regression_data()
    with pytest.raises(NotFittedError):
        mean_gate_weights(MultiTaskNetRegressor(module=MMoE), X)
    mlp = MultiTaskNetRegressor(module__hidden_units=(4,), **NET).fit(X, Y)
    with raises(
        TypeError,
        "Expected a net whose module has gates (MMoE, CGC, PLE); got a net with "
        "module MultiTaskMLP instead.",
    ):
        mean_gate_weights(mlp, X)
    net = MultiTaskNetRegressor(module=MMoE, **module_params(MMoE), **NET).fit(X, Y)
    with raises(
        ValueError, "Expected samples of shape (5,), as in fit; got (4,) instead."
    ):
        mean_gate_weights(net, X[:, :4])


# ----------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("cls", "params", "message"),
    [
        (
            MMoE,
            {"n_experts": 0},
            "Expected n_experts of MMoE to be an integer >= 1; got 0 instead.",
        ),
        (
            MMoE,
            {"expert_hidden_units": ()},
            "Expected expert_hidden_units of MMoE to be a non-empty sequence of "
            "positive integers; got () instead.",
        ),
        (
            MMoE,
            {"gate": "top_k"},
            "Expected gate of MMoE to be one of 'softmax', 'dselect_k'; got 'top_k' "
            "instead.",
        ),
        (
            MMoE,
            {"gate": "dselect_k", "k": 0},
            "Expected k of MMoE to be an integer >= 1; got 0 instead.",
        ),
        (
            CGC,
            {"gate": "dselect_k", "gamma": 0.0},
            "Expected gamma of CGC to be a real number > 0.0; got 0.0 instead.",
        ),
        (
            PLE,
            {"n_shared_experts": 0},
            "Expected n_shared_experts of PLE to be an integer >= 1; got 0 instead.",
        ),
        (
            PLE,
            {"n_task_experts": -1},
            "Expected n_task_experts of PLE to be an integer >= 0; got -1 instead.",
        ),
        (
            CrossStitch,
            {"stitch_init": 1.5},
            "Expected stitch_init of CrossStitch to be a real number >= 0.0 and <= 1.0;"
            " got 1.5 instead.",
        ),
        (
            SoftSharing,
            {"alpha": -1.0},
            "Expected alpha of SoftSharing to be a real number >= 0.0; got -1.0 "
            "instead.",
        ),
        (
            SoftSharing,
            {"dropout": 2.0},
            "Expected dropout of SoftSharing to be a real number >= 0.0 and <= 1.0; "
            "got 2.0 instead.",
        ),
    ],
)
def test_invalid_parameters(cls, params, message):
    with raises(ValueError, message):
        cls((N_FEATURES,), SIZES, **params)


def test_invalid_parameter_reaches_the_user_at_fit():
    X, Y = regression_data()
    net = MultiTaskNetRegressor(module=MMoE, module__n_experts=0, verbose=0)
    with raises(
        ValueError,
        "The 'module__n_experts' parameter of MultiTaskNetRegressor must be an "
        "integer >= 1 (n_experts of MMoE). Got 0 instead.",
    ):
        net.fit(X, Y)


@pytest.mark.parametrize("cls", [MMoE, CrossStitch, SoftSharing])
def test_default_mlps_need_tabular_input(cls):
    with pytest.raises(
        ValueError, match=r"Expected 2-D input \(n_samples, n_features\)"
    ):
        cls((1, 8, 8), SIZES)


def test_defaults_are_documented_sizes():
    mmoe = MMoE((N_FEATURES,), SIZES)
    assert mmoe.expert_size == 256 and len(mmoe.experts.blocks) == 2
    assert mmoe.experts.n_copies == 4
    ple = PLE((N_FEATURES,), SIZES)
    assert ple.n_levels == 2 and ple.expert_sizes == [256, 256]
    assert CGC((N_FEATURES,), SIZES).expert_sizes == [256]
    assert math.isclose(SoftSharing((N_FEATURES,), SIZES).alpha, 0.1)
