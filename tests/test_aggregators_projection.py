"""Projection and alignment aggregators: PCGrad, IMTLG, AlignedMTL, GradDrop, GradVac.

Each is compared with TorchJD's implementation to 1e-6 on float64 Jacobians
(the random ones under the same seed: the draws are made in the same order),
and its defining property is checked by an independent computation (the
paper's vector form, a closed form, an SVD, draw frequencies). Then each
trains both nets with missing labels, on the representation and on the
parameters, and invalid parameters give exact errors.
"""

import math

import numpy as np
import pytest
import torch
from neural_helpers import FULL_BATCH, classification_data, raises, regression_data
from scipy.optimize import brentq
from torchjd import aggregation as jd

from sklearn_mtl.neural import MultiTaskNetClassifier, MultiTaskNetRegressor
from sklearn_mtl.neural.weighting._aligned_mtl import AlignedMTL
from sklearn_mtl.neural.weighting._graddrop import GradDrop
from sklearn_mtl.neural.weighting._gradvac import GradVac
from sklearn_mtl.neural.weighting._imtl_g import IMTLG
from sklearn_mtl.neural.weighting._pcgrad import PCGrad

TOL = {"rtol": 1e-6, "atol": 1e-6}


def _random(n_rows, dim, seed):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(n_rows, dim, generator=generator, dtype=torch.float64)


def _with_zero_row(matrix, row=1):
    matrix = matrix.clone()
    matrix[row] = 0.0
    return matrix


JACOBIANS = {
    "random2": _random(2, 6, 0),
    "random3": _random(3, 6, 1),
    "random5": _random(5, 9, 2),
    "random12": _random(12, 30, 3),
    "dependent12": _random(12, 7, 4),  # 12 rows of rank 7
    "conflicting": torch.tensor([[1.0, 0.0], [-1.0, 1.0]], dtype=torch.float64),
    "opposite": torch.tensor([[1.0, 2.0], [-2.0, -4.0]], dtype=torch.float64),
    "aligned": torch.tensor(
        [[1.0, 2.0, 0.5], [2.0, 4.0, 1.0], [0.5, 1.0, 0.25]], dtype=torch.float64
    ),
    "zero_row": _with_zero_row(_random(4, 6, 5)),
    "duplicated": torch.tensor(
        [[1.0, -1.0, 0.0], [1.0, -1.0, 0.0], [0.0, 2.0, 1.0]], dtype=torch.float64
    ),
}


def _same_seed(function, *args, seed=0):
    torch.manual_seed(seed)
    return function(*args)


# ------------------------------------------------- 1. agreement with TorchJD
@pytest.mark.parametrize("name", sorted(JACOBIANS))
@pytest.mark.parametrize(
    "ours, theirs",
    [
        (PCGrad, jd.PCGrad),
        (IMTLG, jd.IMTLG),
        (AlignedMTL, jd.AlignedMTL),
        (
            lambda: AlignedMTL(scale_mode="median"),
            lambda: jd.AlignedMTL(None, "median"),
        ),
        (lambda: AlignedMTL(scale_mode="rmse"), lambda: jd.AlignedMTL(None, "rmse")),
        (GradDrop, jd.GradDrop),
    ],
    ids=["pcgrad", "imtl_g", "aligned_min", "aligned_median", "aligned_rmse", "drop"],
)
def test_agrees_with_torchjd(ours, theirs, name):
    jacobian = JACOBIANS[name]
    expected = _same_seed(theirs(), jacobian)
    direction = _same_seed(ours().aggregate, jacobian)
    assert direction.dtype == torch.float64
    torch.testing.assert_close(direction, expected, **TOL)


@pytest.mark.parametrize("name", ["random5", "dependent12", "zero_row"])
def test_aligned_mtl_preference_agrees_with_torchjd(name):
    jacobian = JACOBIANS[name]
    preference = torch.linspace(0.5, 2.0, len(jacobian), dtype=torch.float64)
    for scale_mode in ("min", "median", "rmse"):
        expected = jd.AlignedMTL(preference, scale_mode)(jacobian)
        ours = AlignedMTL(pref_vector=preference.numpy(), scale_mode=scale_mode)
        torch.testing.assert_close(ours.aggregate(jacobian), expected, **TOL)


@pytest.mark.parametrize("name", ["random3", "random12", "dependent12", "zero_row"])
def test_graddrop_leak_and_purity_function_agree_with_torchjd(name):
    jacobian = JACOBIANS[name]
    leak = torch.linspace(0.0, 0.9, len(jacobian), dtype=torch.float64)
    expected = _same_seed(jd.GradDrop(f=torch.sqrt, leak=leak), jacobian)
    ours = GradDrop(leak=leak.tolist(), purity_function=torch.sqrt)
    torch.testing.assert_close(_same_seed(ours.aggregate, jacobian), expected, **TOL)
    expected = _same_seed(jd.GradDrop(leak=torch.full_like(leak, 0.3)), jacobian)
    direction = _same_seed(GradDrop(leak=0.3).aggregate, jacobian)
    torch.testing.assert_close(direction, expected, **TOL)


@pytest.mark.parametrize("n_rows, dim", [(2, 5), (3, 6), (5, 9), (12, 30), (12, 7)])
@pytest.mark.parametrize("beta", [0.5, 0.1])
def test_gradvac_agrees_with_torchjd_over_several_steps(n_rows, dim, beta):
    """Same seed, same sequence of Jacobians: same directions and targets
    (the targets are kept in float32, hence 1e-6 rather than 1e-12)."""
    jacobians = [_random(n_rows, dim, seed) for seed in range(6)]
    jacobians[3] = _with_zero_row(jacobians[3], row=0)
    theirs, ours = jd.GradVac(beta=beta), GradVac(beta=beta)
    torch.manual_seed(0)
    expected = [theirs(jacobian) for jacobian in jacobians]
    torch.manual_seed(0)
    for jacobian, direction in zip(jacobians, expected, strict=True):
        torch.testing.assert_close(ours.aggregate(jacobian), direction, **TOL)
    targets = theirs.gramian_weighting._phi_t
    assert not torch.equal(targets, torch.zeros_like(targets))
    torch.testing.assert_close(ours.target_similarity_.double(), targets, **TOL)


@pytest.mark.parametrize(
    "Ours, Theirs", [(IMTLG, jd.IMTLG), (AlignedMTL, jd.AlignedMTL)]
)
def test_float32_gramian_rank_uses_float32_precision(Ours, Theirs):
    """A float32 Jacobian of rank 7 with 12 rows: the float64 solve must cut
    the Gramian's rank at float32 precision to give the float64 answer."""
    jacobian = JACOBIANS["dependent12"]
    direction = Ours().aggregate(jacobian.float())
    assert direction.dtype == torch.float32
    torch.testing.assert_close(
        direction.double(), Theirs()(jacobian), rtol=1e-5, atol=1e-5
    )


# ------------------------------------------------ 2. the defining properties
def _pcgrad_by_vectors(jacobian, seed):
    """Algorithm 1 of Yu et al. on the vectors, with the orders torch draws."""
    torch.manual_seed(seed)
    n_rows = len(jacobian)
    total = torch.zeros_like(jacobian[0])
    for i in range(n_rows):
        projected = jacobian[i].clone()
        for j in torch.randperm(n_rows).tolist():
            other = jacobian[j]
            if j != i and projected @ other < 0:
                projected = projected - (projected @ other) / (other @ other) * other
                # the conflict with g_j is gone
                assert abs(float(projected @ other)) < 1e-9
        total += projected
    return total


@pytest.mark.parametrize("name", ["random3", "random5", "random12", "zero_row"])
def test_pcgrad_is_algorithm_1_on_the_vectors(name):
    jacobian = JACOBIANS[name]
    for seed in range(3):
        direction = _same_seed(PCGrad().aggregate, jacobian, seed=seed)
        torch.testing.assert_close(direction, _pcgrad_by_vectors(jacobian, seed))


def test_pcgrad_two_tasks_closed_form():
    g1, g2 = _random(2, 8, 11)
    g2 = g2 - 2 * (g1 @ g2).abs() / (g1 @ g1) * g1  # make them conflict
    inner = g1 @ g2
    assert inner < 0
    expected = g1 - inner / (g2 @ g2) * g2 + g2 - inner / (g1 @ g1) * g1
    direction = PCGrad().aggregate(torch.stack([g1, g2]))
    torch.testing.assert_close(direction, expected)
    # no conflict: the plain sum
    h2 = g2 + 4 * (g1 @ g2).abs() / (g1 @ g1) * g1
    assert g1 @ h2 > 0
    torch.testing.assert_close(PCGrad().aggregate(torch.stack([g1, h2])), g1 + h2)


@pytest.mark.parametrize("name", ["random2", "random5", "random12", "conflicting"])
def test_imtl_g_projects_equally_on_every_unit_gradient(name):
    jacobian = JACOBIANS[name]
    aggregator = IMTLG()
    tasks = list(range(len(jacobian)))
    weights = aggregator.gramian_weights(jacobian @ jacobian.T, tasks)
    assert float(weights.sum()) == pytest.approx(1.0)
    direction = aggregator.aggregate(jacobian)
    projections = jacobian @ direction / jacobian.norm(dim=1)
    torch.testing.assert_close(projections, projections[:1].expand_as(projections))
    # the scales of the rows (the static task weights) change only the length
    scales = torch.linspace(0.2, 3.0, len(jacobian), dtype=torch.float64)
    scaled = aggregator.aggregate(scales[:, None] * jacobian)
    ratio = scaled @ direction / (direction @ direction)
    torch.testing.assert_close(scaled, ratio * direction)


def test_imtl_g_zero_jacobian_gives_zero():
    assert torch.equal(IMTLG().aggregate(torch.zeros(3, 4)), torch.zeros(4))


@pytest.mark.parametrize("name", ["random2", "random5", "random12", "conflicting"])
@pytest.mark.parametrize("scale_mode", ["min", "median", "rmse"])
def test_aligned_mtl_is_the_preference_combination_of_the_aligned_svd(name, scale_mode):
    """J = U S V^T (full row rank): the aligned gradients are s U V^T, with
    s the smallest, the (lower) median or the root mean square singular
    value; the direction is p^T of them."""
    jacobian = JACOBIANS[name]
    n_rows = len(jacobian)
    U, S, Vt = np.linalg.svd(jacobian.numpy(), full_matrices=False)
    squares = np.sort(S**2)
    scale = {
        "min": squares[0],
        "median": squares[(n_rows - 1) // 2],
        "rmse": squares.mean(),
    }[scale_mode]
    aligned = math.sqrt(scale) * U @ Vt
    preference = np.linspace(1.0, 2.0, n_rows)
    direction = AlignedMTL(preference, scale_mode=scale_mode).aggregate(jacobian)
    np.testing.assert_allclose(direction.numpy(), preference @ aligned, atol=1e-10)
    default = AlignedMTL(scale_mode=scale_mode).aggregate(jacobian)
    np.testing.assert_allclose(default.numpy(), aligned.mean(0), atol=1e-10)


def test_aligned_mtl_orthogonal_gradients_ignore_their_scales():
    rows = torch.linalg.qr(_random(6, 3, 12))[0].T  # 3 orthonormal rows
    scales = torch.tensor([0.5, 2.0, 3.0], dtype=torch.float64)
    direction = AlignedMTL().aggregate(scales[:, None] * rows)
    # the smallest singular value is 0.5: 0.5 * mean of the unit rows
    torch.testing.assert_close(direction, 0.5 * rows.mean(0))


def test_aligned_mtl_zero_jacobian_gives_zero():
    assert torch.equal(AlignedMTL().aggregate(torch.zeros(3, 4)), torch.zeros(4))


def test_graddrop_keeps_one_sign_per_coordinate_with_purity_frequencies():
    """Columns [3, -1]: purity 3/4, so the positive part (3) is kept with
    probability 3/4 and the negative part (-1) otherwise; with f(P) = P^2,
    9/16. A column of one sign is always kept, a zero column gives 0."""
    n_draws = 20000
    column = torch.tensor([[3.0], [-1.0]], dtype=torch.float64)
    matrix = column.expand(2, n_draws)
    for purity_function, probability in [(None, 0.75), (torch.square, 0.5625)]:
        torch.manual_seed(0)
        direction = GradDrop(purity_function=purity_function).aggregate(matrix)
        assert set(direction.tolist()) == {3.0, -1.0}
        frequency = float((direction == 3.0).double().mean())
        margin = 4 * math.sqrt(probability * (1 - probability) / n_draws)
        assert abs(frequency - probability) < margin
    mixed = _random(5, 400, 13)
    mixed[:, :10] = mixed[:, :10].abs()
    mixed[:, 10:20] = 0.0
    torch.manual_seed(1)
    direction = GradDrop().aggregate(mixed)
    positive = mixed.clamp(min=0).sum(0)
    negative = mixed.clamp(max=0).sum(0)
    is_positive = torch.isclose(direction, positive)
    is_negative = torch.isclose(direction, negative)
    assert bool((is_positive | is_negative).all())
    assert bool(is_positive.any()) and bool(is_negative[20:].any())
    torch.testing.assert_close(direction[:10], mixed[:, :10].sum(0))
    assert torch.equal(direction[10:20], torch.zeros(10, dtype=torch.float64))


def test_graddrop_leak():
    """d = sum_t (l_t + (1 - l_t) m_t) g_t, the masks m_t computed by hand
    from the purities and the same draws."""
    matrix = _random(3, 50, 14)
    # leak 1: nothing is dropped
    torch.testing.assert_close(GradDrop(leak=1.0).aggregate(matrix), matrix.sum(0))
    leak = torch.tensor([0.3, 1.0, 0.0], dtype=torch.float64)
    torch.manual_seed(2)
    direction = GradDrop(leak=leak.tolist()).aggregate(matrix)
    torch.manual_seed(2)
    draws = torch.rand(50, dtype=torch.float64)
    purity = (1 + matrix.sum(0) / matrix.abs().sum(0)) / 2
    masks = ((purity > draws) & (matrix > 0)) | ((purity < draws) & (matrix < 0))
    expected = ((leak[:, None] + (1 - leak[:, None]) * masks) * matrix).sum(0)
    torch.testing.assert_close(direction, expected)
    assert not torch.allclose(direction, matrix.sum(0))


def _gradvac_pair_by_root_finding(g_i, g_j, target):
    """g_i + a g_j with cos(., g_j) = target: the smallest a >= 0, found by
    root finding (the cosine increases with a)."""

    def gap(a):
        moved = g_i + a * g_j
        return float(moved @ g_j / (moved.norm() * g_j.norm())) - target

    if gap(0.0) >= 0:
        return g_i
    return g_i + brentq(gap, 0.0, 1e6, xtol=1e-14) * g_j


def test_gradvac_moves_each_pair_to_its_target_and_updates_the_ema():
    g_0, g_1 = _random(2, 6, 15)
    aggregator = GradVac(beta=0.25, eps=0.0).initialize([1.0, 1.0])
    targets = torch.tensor([[0.0, 0.5], [0.25, 0.0]])  # exact in float32
    aggregator.target_similarity_.copy_(targets)
    cosine = float(g_0 @ g_1 / (g_0.norm() * g_1.norm()))
    assert cosine < 0.25
    direction = aggregator.aggregate(torch.stack([g_0, g_1]))
    moved_0 = _gradvac_pair_by_root_finding(g_0, g_1, 0.5)
    moved_1 = _gradvac_pair_by_root_finding(g_1, g_0, 0.25)
    torch.testing.assert_close(direction, moved_0 + moved_1, rtol=1e-9, atol=1e-9)
    expected = 0.75 * targets + 0.25 * cosine * (1 - torch.eye(2))
    torch.testing.assert_close(aggregator.target_similarity_, expected)
    # a pair above its target is left alone; its target still moves
    aggregator.target_similarity_.fill_(-0.99)
    direction = aggregator.aggregate(torch.stack([g_0, g_1]))
    torch.testing.assert_close(direction, g_0 + g_1)


def test_gradvac_state_moves_only_for_the_labelled_pairs():
    aggregator = GradVac().initialize([1.0, 1.0, 1.0, 1.0])
    aggregator.target_similarity_.fill_(0.1)
    before = aggregator.target_similarity_.clone()
    rows = _random(2, 5, 16)
    weights = aggregator.gramian_weights(rows @ rows.T, [1, 3])
    assert weights.shape == (2,)
    changed = aggregator.target_similarity_ != before
    expected = torch.zeros(4, 4, dtype=torch.bool)
    expected[1, 3] = expected[3, 1] = True
    assert torch.equal(changed, expected)


class RecordingGradVac(GradVac):
    """GradVac recording the labelled tasks and its state around every step."""

    def gramian_weights(self, gramian, tasks):
        before = self.target_similarity_.clone()
        weights = super().gramian_weights(gramian, tasks)
        self.calls_.append((tasks, before, self.target_similarity_.clone()))
        return weights

    def _initialize_state(self, n_tasks):
        super()._initialize_state(n_tasks)
        self.calls_ = []


def test_gradvac_state_survives_a_missing_task_in_the_nets_batches():
    X, Y = regression_data()
    Y[10:, 2] = np.nan  # task 2 is labelled in the first batch only
    net = MultiTaskNetRegressor(
        weighting=RecordingGradVac(),
        max_epochs=2,
        batch_size=10,
        train_split=None,
        iterator_train__shuffle=False,
        module__hidden_units=(8,),
        verbose=0,
        random_state=0,
    ).fit(X, Y)
    calls = net.weighting_.calls_
    assert [tasks for tasks, _, _ in calls] == [[0, 1, 2], [0, 1], [0, 1], [0, 1]] * 2
    for tasks, before, after in calls:
        pair = torch.zeros(3, 3, dtype=torch.bool)
        for i in tasks:
            for j in tasks:
                pair[i, j] = i != j
        assert torch.equal(after[~pair], before[~pair])
        assert bool((after[pair] != before[pair]).all())
    # task 2's targets were set in the first batch of each epoch and kept
    assert torch.equal(net.weighting_.target_similarity_[2], calls[4][2][2])
    assert "target_similarity_" in net.weighting_.state_dict()


# ------------------------------------------------------ 3. in the nets
STRATEGIES = {
    "pcgrad": PCGrad,
    "imtl_g": IMTLG,
    "aligned_mtl": AlignedMTL,
    "graddrop": GradDrop,
    "gradvac": GradVac,
}


@pytest.mark.parametrize("on", ["representation", "parameters"])
@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_trains_the_regressor_with_missing_labels(name, on):
    X, Y = regression_data(n_samples=80)
    net = MultiTaskNetRegressor(
        weighting=STRATEGIES[name](on=on), max_epochs=4, lr=0.02, **FULL_BATCH
    ).fit(X, Y)
    losses = net.history[:, "train_loss"]
    assert losses[-1] < losses[0]
    assert np.isfinite(net.predict(X)).all()
    if name != "graddrop":  # a weighted sum of the rows: weights recorded
        assert np.all(np.isfinite(net.history[-1, "task_weights"]))


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_trains_the_classifier_and_nonlinear_heads(name):
    X, Y = classification_data(n_samples=80)
    net = MultiTaskNetClassifier(
        weighting=STRATEGIES[name](), max_epochs=4, lr=0.02, **FULL_BATCH
    ).fit(X, Y)
    losses = net.history[:, "train_loss"]
    assert losses[-1] < losses[0]
    X, Y = regression_data()  # heads with a hidden layer: the batched gradients
    net = MultiTaskNetRegressor(
        weighting=STRATEGIES[name](),
        module__head_hidden_units=(4,),
        max_epochs=2,
        **dict(FULL_BATCH, batch_size=20),
    ).fit(X, Y)
    losses = net.history[:, "train_loss"]
    assert losses[-1] < losses[0]


# ------------------------------------------------- 4. invalid parameters
@pytest.mark.parametrize(
    "strategy, exception, message",
    [
        (
            IMTLG(on="trunk"),
            ValueError,
            "Expected on of IMTLG to be one of 'representation', 'parameters'; got "
            "'trunk' instead.",
        ),
        (
            AlignedMTL(scale_mode="max"),
            ValueError,
            "Expected scale_mode of AlignedMTL to be one of 'min', 'median', "
            "'rmse'; got 'max' instead.",
        ),
        (
            AlignedMTL(pref_vector=[1.0, -1.0, 1.0]),
            ValueError,
            "Expected pref_vector of AlignedMTL to be None or a 1-D array-like of "
            "non-negative finite numbers; got [1.0, -1.0, 1.0] instead.",
        ),
        (
            AlignedMTL(pref_vector=[[1.0, 1.0, 1.0]]),
            ValueError,
            "Expected pref_vector of AlignedMTL to be None or a 1-D array-like of "
            "non-negative finite numbers; got [[1.0, 1.0, 1.0]] instead.",
        ),
        (
            AlignedMTL(pref_vector=[1.0, 2.0]),
            ValueError,
            "Expected pref_vector of AlignedMTL to have one entry per task (3); "
            "got 2 instead.",
        ),
        (
            GradDrop(leak=1.5),
            ValueError,
            "Expected leak of GradDrop to be a number or a 1-D array-like of "
            "numbers in [0, 1]; got 1.5 instead.",
        ),
        (
            GradDrop(leak="high"),
            ValueError,
            "Expected leak of GradDrop to be a number or a 1-D array-like of "
            "numbers in [0, 1]; got 'high' instead.",
        ),
        (
            GradDrop(leak=[0.1, 0.2]),
            ValueError,
            "Expected leak of GradDrop to have one entry per task (3); got 2 instead.",
        ),
        (
            GradDrop(purity_function="sqrt"),
            TypeError,
            "Expected purity_function of GradDrop to be None or a callable; got "
            "'sqrt' instead.",
        ),
        (
            GradVac(beta=1.5),
            ValueError,
            "Expected beta of GradVac >= 0 and <= 1; got 1.5 instead.",
        ),
        (
            GradVac(eps=-1e-3),
            ValueError,
            "Expected eps of GradVac >= 0; got -0.001 instead.",
        ),
        (
            GradVac(beta="0.5"),
            TypeError,
            "Expected beta of GradVac to be a real number; got '0.5' instead.",
        ),
    ],
)
def test_invalid_parameters_are_errors(strategy, exception, message):
    X, Y = regression_data()
    with raises(exception, message):
        MultiTaskNetRegressor(weighting=strategy, **FULL_BATCH).fit(X, Y)
    with raises(exception, message):
        strategy.initialize([1.0, 1.0, 1.0])
