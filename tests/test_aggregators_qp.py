"""The aggregators that solve a small optimization problem per step: MGDA,
UPGrad, CAGrad and Nash-MTL, and the shared solvers of ``_qp``.

Each is compared with a reference on float64 Jacobians (random with 2, 3, 5
and 12 tasks, hand-made conflicting ones, non-conflicting and parallel ones,
one with a zero row): TorchJD's implementation where it solves the same
problem to the precision asked, cvxpy on the defining problem, and the
method's optimality conditions. Then each trains a net, on the
representation and on the parameters, and rejects invalid parameters.
"""

import warnings

import numpy as np
import pytest
import torch
from neural_helpers import SMALL, raises, regression_data

from sklearn_mtl.neural import MultiTaskNetRegressor
from sklearn_mtl.neural.weighting._cagrad import CAGrad
from sklearn_mtl.neural.weighting._mgda import MGDA
from sklearn_mtl.neural.weighting._nash_mtl import NashMTL
from sklearn_mtl.neural.weighting._qp import min_norm_simplex, nonneg_qp
from sklearn_mtl.neural.weighting._upgrad import UPGrad

cp = pytest.importorskip("cvxpy")
torchjd_aggregation = pytest.importorskip("torchjd.aggregation")


def _jacobians():
    rng = np.random.default_rng(0)
    jacobians = {f"random{k}": rng.normal(size=(k, 16)) for k in (2, 3, 5, 12)}
    jacobians["conflicting2"] = np.array([[1.0, 0.0], [-1.0, 1.0]])
    jacobians["conflicting3"] = np.array(
        [[1.0, 0.2, 0.0], [-0.8, 1.0, 0.1], [-0.3, -0.9, 0.5]]
    )
    opposed = rng.normal(size=(12, 16))
    opposed[6:] = -0.8 * opposed[:6] + 0.5 * rng.normal(size=(6, 16))
    jacobians["conflicting12"] = opposed
    # no two rows conflict (positive inner products); rows along one line
    jacobians["aligned"] = np.array([[1.0, 2.0, 0.5], [2.0, 3.5, 1.0], [0.5, 1.2, 0.2]])
    jacobians["parallel"] = np.array([[1.0, 2.0], [2.0, 4.0], [0.5, 1.0]])
    with_zero = rng.normal(size=(3, 8))
    with_zero[1] = 0.0
    jacobians["zero_row"] = with_zero
    return jacobians


JACOBIANS = _jacobians()
NAMES = list(JACOBIANS)
NONZERO = [name for name in NAMES if name != "zero_row"]


def _weights(aggregator, jacobian, task_weights=None):
    """The aggregator's row weights (float64 ndarray) for ``jacobian``."""
    n_tasks = len(jacobian)
    aggregator.initialize(np.ones(n_tasks) if task_weights is None else task_weights)
    gramian = torch.from_numpy(jacobian @ jacobian.T)
    weights = aggregator.gramian_weights(gramian, list(range(n_tasks)))
    assert weights.dtype == torch.float64 and weights.shape == (n_tasks,)
    return weights.numpy()


# ------------------------------------------------------------------ _qp
def _cvxpy_min_norm(jacobian):
    weights = cp.Variable(len(jacobian))
    cp.Problem(
        cp.Minimize(cp.sum_squares(jacobian.T @ weights)),
        [weights >= 0, cp.sum(weights) == 1],
    ).solve(cp.CLARABEL, tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12)
    return weights.value


def test_min_norm_simplex_on_degenerate_and_random_hulls():
    """Exact on many random hulls, including duplicated rows, more rows than
    dimensions and zero rows (cvxpy's objective and the duality gap)."""
    rng = np.random.default_rng(1)
    for trial in range(60):
        n_rows, dim = rng.choice([2, 3, 5, 12, 20]), rng.choice([1, 2, 5, 30])
        jacobian = rng.normal(size=(n_rows, dim)) + (trial % 3 == 0)
        if trial % 5 == 0:
            jacobian[1] = jacobian[0]
        if trial % 7 == 0:
            jacobian[rng.integers(n_rows)] = 0.0
        gramian = jacobian @ jacobian.T
        weights = min_norm_simplex(gramian)
        assert weights.min() >= 0.0 and abs(weights.sum() - 1.0) < 1e-12
        products = gramian @ weights
        scale = gramian.diagonal().max()
        assert weights @ products - products.min() <= 1e-11 * scale
        reference = _cvxpy_min_norm(jacobian)
        assert weights @ products <= reference @ gramian @ reference + 1e-10 * scale


def test_nonneg_qp_solves_the_kkt_conditions():
    """Batched problems: x >= 0, H x + q >= 0 and complementarity, to 1e-12;
    one problem alone gives the same answer."""
    rng = np.random.default_rng(2)
    for size in (1, 2, 5, 12, 20):
        factor = rng.normal(size=(size, size + 2))
        hessian = factor @ factor.T + 1e-4 * np.eye(size)
        linear = rng.normal(size=(7, size))
        solution = nonneg_qp(hessian, linear)
        gradient = solution @ hessian + linear
        assert solution.min() >= 0.0
        assert gradient.min() >= -1e-12 * hessian.diagonal().max()
        assert np.abs(solution * gradient).max() <= 1e-12
        np.testing.assert_allclose(nonneg_qp(hessian, linear[3]), solution[3])


# ------------------------------------------------------------------ MGDA
@pytest.mark.parametrize("name", NAMES)
def test_mgda_is_the_min_norm_point(name):
    """cvxpy's QP solution (1e-6), and the KKT conditions of the QP:
    g_j . d >= |d|^2 for every row, with equality on the support."""
    jacobian = JACOBIANS[name]
    weights = _weights(MGDA(), jacobian)
    np.testing.assert_allclose(weights, _cvxpy_min_norm(jacobian), atol=1e-6)
    gramian = jacobian @ jacobian.T
    products, squared_norm = gramian @ weights, weights @ gramian @ weights
    assert products.min() >= squared_norm - 1e-12
    np.testing.assert_allclose(products[weights > 1e-9], squared_norm, atol=1e-12)


def test_mgda_zero_row_and_hand_solution():
    direction = MGDA().aggregate(torch.from_numpy(JACOBIANS["zero_row"]))
    assert torch.equal(direction, torch.zeros(8, dtype=torch.float64))
    # two conflicting rows: a = (3, 2) / 5 by hand
    weights = _weights(MGDA(), JACOBIANS["conflicting2"])
    np.testing.assert_allclose(weights, [0.6, 0.4], rtol=1e-15)


# TorchJD's MGDA runs Frank-Wolfe (the paper's Algorithm 2). With epsilon
# 1e-8 and 1000 iterations it reaches the exact solution (to 1e-7) on the
# Jacobians with up to 5 rows; on the 12-row ones it zigzags: 6e-3 and 2e-2
# away after 1000 iterations, and after 100000 (12 s) still 7e-4 away on
# "conflicting12" (1e-8 on "random12").
FRANK_WOLFE_SLOW = ["random12", "conflicting12"]


def _frank_wolfe(jacobian):
    reference = torchjd_aggregation.MGDA(epsilon=1e-8, max_iters=1000)
    return reference.gramian_weighting(torch.from_numpy(jacobian @ jacobian.T))


@pytest.mark.parametrize("name", [n for n in NAMES if n not in FRANK_WOLFE_SLOW])
def test_mgda_matches_torchjd_where_frank_wolfe_converges(name):
    jacobian = JACOBIANS[name]
    expected = _frank_wolfe(jacobian).numpy()
    np.testing.assert_allclose(_weights(MGDA(), jacobian), expected, atol=1e-6)


@pytest.mark.parametrize("name", FRANK_WOLFE_SLOW)
def test_mgda_is_closer_than_frank_wolfe_where_it_does_not_converge(name):
    jacobian = JACOBIANS[name]
    gramian = jacobian @ jacobian.T
    frank_wolfe = _frank_wolfe(jacobian).numpy()
    ours = _weights(MGDA(), jacobian)
    assert np.abs(frank_wolfe - ours).max() > 1e-3  # the documented gap
    assert ours @ gramian @ ours < frank_wolfe @ gramian @ frank_wolfe


# ----------------------------------------------------------------- UPGrad
def _torchjd_upgrad(jacobian, **projector):
    from torchjd._linalg import QuadprogProjector

    weighting = torchjd_aggregation.UPGrad(
        projector=QuadprogProjector(**projector)
    ).gramian_weighting
    return weighting(torch.from_numpy(jacobian @ jacobian.T)).numpy()


@pytest.mark.parametrize("name", NAMES)
def test_upgrad_matches_torchjd(name):
    jacobian = JACOBIANS[name]
    np.testing.assert_allclose(
        _weights(UPGrad(), jacobian), _torchjd_upgrad(jacobian), atol=1e-6
    )
    settings = {"norm_eps": 1e-3, "reg_eps": 1e-2}
    np.testing.assert_allclose(
        _weights(UPGrad(**settings), jacobian),
        _torchjd_upgrad(jacobian, **settings),
        atol=1e-6,
    )


@pytest.mark.parametrize("name", NAMES)
def test_upgrad_is_non_conflicting(name):
    """Every projection is in the dual cone of the (regularized, scaled)
    Gramian, so the direction is; no conflict at all gives the mean."""
    jacobian = JACOBIANS[name]
    gramian = jacobian @ jacobian.T
    regularized = gramian / np.trace(gramian) + 1e-4 * np.eye(len(gramian))
    weights = _weights(UPGrad(), jacobian)
    assert (regularized @ weights).min() >= -1e-12
    assert weights.min() >= 1.0 / len(weights) - 1e-12  # v_i >= e_i / n
    if gramian.min() >= 0.0:  # "aligned", "parallel"
        np.testing.assert_allclose(weights, 1.0 / len(weights), rtol=1e-12)


def test_upgrad_small_trace_is_the_mean():
    jacobian = 1e-3 * JACOBIANS["conflicting3"]  # trace below norm_eps
    np.testing.assert_allclose(_weights(UPGrad(), jacobian), 1 / 3, rtol=1e-12)
    np.testing.assert_allclose(
        _weights(UPGrad(), jacobian), _torchjd_upgrad(jacobian), atol=1e-12
    )


# ----------------------------------------------------------------- CAGrad
C_VALUES = [0.1, 0.4, 0.9, 2.0]


def _cagrad_primal(jacobian, c):
    """max_d min_i g_i . d subject to |d - g0| <= c |g0|, by cvxpy."""
    mean = jacobian.mean(axis=0)
    direction, worst = cp.Variable(jacobian.shape[1]), cp.Variable()
    problem = cp.Problem(
        cp.Maximize(worst),
        [
            jacobian @ direction >= worst,
            cp.norm(direction - mean) <= c * np.linalg.norm(mean),
        ],
    )
    with warnings.catch_warnings():  # "may be inaccurate" at these tolerances
        warnings.simplefilter("ignore")
        problem.solve(cp.CLARABEL, tol_gap_abs=1e-13, tol_gap_rel=1e-13, tol_feas=1e-13)
    return direction.value, problem.value


@pytest.mark.parametrize("c", C_VALUES)
@pytest.mark.parametrize("name", NONZERO)
def test_cagrad_solves_the_conflict_averse_problem(name, c):
    """d is in the ball (on its boundary) and is cvxpy's maximizer of the
    worst task's inner product within it (1e-6)."""
    jacobian = JACOBIANS[name]
    direction = _weights(CAGrad(c=c), jacobian) @ jacobian
    mean = jacobian.mean(axis=0)
    radius = c * np.linalg.norm(mean)
    assert abs(np.linalg.norm(direction - mean) - radius) <= 1e-12 * radius
    expected, value = _cagrad_primal(jacobian, c)
    assert (jacobian @ direction).min() >= value - 1e-9
    np.testing.assert_allclose(direction, expected, atol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_cagrad_matches_torchjd(name):
    """TorchJD's conventions (no rescaling; the mean when c = 0; zero when
    |g_w| is tiny). TorchJD solves its dual with CLARABEL at default
    tolerances: its weights are within 1e-3 of ours, and its direction is
    never better than ours on the primal problem (ours is exact above)."""
    jacobian = JACOBIANS[name]
    gramian = torch.from_numpy(jacobian @ jacobian.T)
    for c in [0.0, *C_VALUES]:
        ours = _weights(CAGrad(c=c), jacobian)
        expected = torchjd_aggregation.CAGrad(c=c).gramian_weighting(gramian).numpy()
        np.testing.assert_allclose(ours, expected, atol=1e-3)
        worst, worst_torchjd = (jacobian @ (w @ jacobian) for w in (ours, expected))
        assert worst.min() >= worst_torchjd.min() - 1e-12


@pytest.mark.parametrize("name", ["random2", "conflicting2", "aligned", "parallel"])
def test_cagrad_matches_torchjd_to_1e_6_where_clarabel_is_accurate(name):
    jacobian = JACOBIANS[name]
    gramian = torch.from_numpy(jacobian @ jacobian.T)
    for c in (0.1, 0.4):
        expected = torchjd_aggregation.CAGrad(c=c).gramian_weighting(gramian)
        np.testing.assert_allclose(
            _weights(CAGrad(c=c), jacobian), expected.numpy(), atol=1e-6
        )


def test_cagrad_limits():
    """c = 0: the mean; a large c: the direction of MGDA; a zero row: zero."""
    jacobian = JACOBIANS["conflicting3"]
    np.testing.assert_allclose(_weights(CAGrad(c=0.0), jacobian), 1 / 3, rtol=1e-15)
    direction = _weights(CAGrad(c=1e6), jacobian) @ jacobian
    mgda = _weights(MGDA(), jacobian) @ jacobian
    cosine = direction @ mgda / np.linalg.norm(direction) / np.linalg.norm(mgda)
    assert cosine > 1 - 1e-9
    np.testing.assert_array_equal(_weights(CAGrad(), JACOBIANS["zero_row"]), 0.0)


# ---------------------------------------------------------------- NashMTL
@pytest.mark.parametrize("name", NONZERO)
def test_nash_mtl_solves_the_bargaining_equation(name):
    """G a * a = 1 (elementwise), a > 0, and so |d|^2 = n_tasks."""
    jacobian = JACOBIANS[name]
    weights = _weights(NashMTL(max_norm=0.0), jacobian)
    gramian = jacobian @ jacobian.T
    assert weights.min() > 0.0
    np.testing.assert_allclose(weights * (gramian @ weights), 1.0, rtol=1e-10)
    np.testing.assert_allclose(
        np.linalg.norm(weights @ jacobian) ** 2, len(jacobian), rtol=1e-10
    )


# TorchJD follows the paper's sequence of convex programs (CCP, with ECOS),
# from all-ones weights. It converges on these; on the conflicting Jacobians
# it stops far from the solution (|G a * a - 1| of 1 to 9 on
# "conflicting2/3/12", while ours is below 1e-12), and on "zero_row" (where
# no solution exists) it returns an arbitrary vector.
NASH_TORCHJD = ["random2", "random3", "random5", "random12", "aligned", "parallel"]


def _torchjd_nash(jacobian, **params):
    aggregator = torchjd_aggregation.NashMTL(n_tasks=len(jacobian), **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return aggregator.weighting(torch.from_numpy(jacobian)).numpy()


@pytest.mark.parametrize("name", NASH_TORCHJD)
def test_nash_mtl_matches_torchjd(name):
    jacobian = JACOBIANS[name]
    ours = _weights(NashMTL(max_norm=0.0), jacobian)
    expected = _torchjd_nash(jacobian, max_norm=0.0)
    np.testing.assert_allclose(ours, expected, rtol=1e-6)
    # default max_norm=1.0: |d| = sqrt(n_tasks) > 1 is brought back to 1
    np.testing.assert_allclose(
        _weights(NashMTL(), jacobian), _torchjd_nash(jacobian), rtol=1e-6
    )
    assert np.linalg.norm(_weights(NashMTL(), jacobian) @ jacobian) == pytest.approx(
        1.0, rel=1e-12
    )


def test_nash_mtl_update_weights_every_reuses_weights_like_torchjd():
    rng = np.random.default_rng(3)
    jacobians = [rng.normal(size=(3, 8)) for _ in range(5)]
    ours = NashMTL(update_weights_every=2).initialize(np.ones(3))
    reference = torchjd_aggregation.NashMTL(n_tasks=3, update_weights_every=2)
    for step, jacobian in enumerate(jacobians):
        gramian = torch.from_numpy(jacobian @ jacobian.T)
        weights = ours.gramian_weights(gramian, [0, 1, 2]).numpy()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = reference.weighting(torch.from_numpy(jacobian)).numpy()
        np.testing.assert_allclose(weights, expected, rtol=1e-6)
        assert int(ours.n_steps_) == step + 1
    solved = _weights(NashMTL(max_norm=0.0), jacobians[4])
    np.testing.assert_allclose(ours.bargaining_weights_.numpy(), solved, rtol=1e-12)
    # steps where task 1 has no label: its weight is kept for later
    rows = jacobians[0][[0, 2]]
    gramian = torch.from_numpy(rows @ rows.T)
    reused = ours.gramian_weights(gramian, [0, 2]).numpy()  # step 5: reuse
    np.testing.assert_allclose(reused / reused[0], solved[[0, 2]] / solved[0])
    np.testing.assert_allclose(ours.bargaining_weights_.numpy(), solved, rtol=1e-12)
    ours.gramian_weights(gramian, [0, 2])  # step 6: solve
    expected = solved.copy()
    expected[[0, 2]] = _weights(NashMTL(max_norm=0.0), rows)
    np.testing.assert_allclose(ours.bargaining_weights_.numpy(), expected, rtol=1e-12)


def test_nash_mtl_zero_row_stationary_points_and_static_weights():
    jacobian = JACOBIANS["zero_row"]
    weights = _weights(NashMTL(max_norm=0.0), jacobian)
    assert weights[1] == 0.0
    rest = jacobian[[0, 2]]
    np.testing.assert_allclose(
        weights[[0, 2]] * (rest @ rest.T @ weights[[0, 2]]), 1.0, rtol=1e-10
    )
    # opposed gradients: 0 is in their convex hull, no solution: zero weights
    opposed = np.array([[1.0, 0.5], [-2.0, -1.0]])
    np.testing.assert_array_equal(_weights(NashMTL(), opposed), 0.0)
    # static weights multiply the weights of the unweighted gradients
    task_weights = np.array([0.5, 1.0, 1.5])
    jacobian = JACOBIANS["random3"]
    weighted = _weights(
        NashMTL(max_norm=0.0), task_weights[:, None] * jacobian, task_weights
    )
    plain = _weights(NashMTL(max_norm=0.0), jacobian)
    np.testing.assert_allclose(
        weighted @ (task_weights[:, None] * jacobian),
        (task_weights * plain) @ jacobian,
        rtol=1e-10,
    )


# ------------------------------------------------------------ in a net
AGGREGATORS = [MGDA(), UPGrad(), CAGrad(), NashMTL()]


@pytest.mark.parametrize("on", ["representation", "parameters"])
@pytest.mark.parametrize("aggregator", AGGREGATORS, ids=lambda a: type(a).__name__)
def test_aggregator_trains_a_net(aggregator, on):
    X, Y = regression_data(n_samples=64)
    net = MultiTaskNetRegressor(
        weighting=aggregator.set_params(on=on),
        module__hidden_units=(8,),
        max_epochs=3,
        lr=0.01,
        train_split=None,
        verbose=0,
        random_state=0,
    ).fit(X, Y)
    losses = net.history[:, "train_loss"]
    assert losses[-1] < losses[0]
    assert net.weighting_.on == on
    weights = np.array(net.history[-1, "task_weights"])
    assert weights.shape == (3,) and np.isfinite(weights).all()


@pytest.mark.parametrize(
    "strategy, error, message",
    [
        (MGDA(on="trunk"), ValueError, "Expected on of MGDA to be one of"),
        (UPGrad(norm_eps=-1), ValueError, "Expected norm_eps of UPGrad >= 0; got -1"),
        (UPGrad(reg_eps=0), ValueError, "Expected reg_eps of UPGrad > 0; got 0"),
        (CAGrad(c=-0.5), ValueError, "Expected c of CAGrad >= 0; got -0.5 instead."),
        (CAGrad(c="big"), TypeError, "Expected c of CAGrad to be a real number"),
        (CAGrad(norm_eps=-1), ValueError, "Expected norm_eps of CAGrad >= 0; got"),
        (NashMTL(max_norm=-1), ValueError, "Expected max_norm of NashMTL >= 0"),
        (
            NashMTL(update_weights_every=0),
            ValueError,
            "Expected update_weights_every of NashMTL >= 1; got 0 instead.",
        ),
        (
            NashMTL(update_weights_every=1.5),
            TypeError,
            "Expected update_weights_every of NashMTL to be an integer; got 1.5 "
            "instead.",
        ),
    ],
)
def test_invalid_parameters(strategy, error, message):
    X, Y = regression_data()
    with raises(error, message):
        MultiTaskNetRegressor(weighting=strategy, **SMALL).fit(X, Y)
