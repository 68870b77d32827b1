"""Regularization paths: warm-started fits over a decreasing grid of strengths.

A path fits one penalty at a decreasing sequence of strengths ``alphas``,
each fit starting from the previous solution. The penalty at ``alpha`` is the
given penalty scaled so that its first strength parameter
(``penalty.strength_names[0]``: ``alpha``, or ``alpha_group`` for
:class:`~._penalties.Dirty`) equals ``alpha``, its other strengths keeping
their ratio to it and its other parameters (``l1_ratio``, ``adjacency``,
``n_clusters``) unchanged (:func:`scaled_penalty`).

The automatic grid (:func:`path_alphas`) starts at ``alpha_max``, the
smallest strength that zeroes every coefficient, where the penalty has one
(L1, L21, L21ElasticNet with ``l1_ratio > 0``, TraceNorm, Dirty with both
strengths positive). The others never zero the coefficients (a quadratic
penalty only shrinks them); their grid is centred on the strength at which
the penalty's curvature equals the datafit's largest one.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    StrOptions,
    validate_params,
)

from ._base import SOLVERS, check_penalty, solve
from ._classification import MultiTaskLinearClassifier
from ._design import prepare
from ._fista import _datafit_lipschitz
from ._penalties import L21
from ._regression import MultiTaskLinearRegressor
from ._solver_base import null_gradient

__all__ = [
    "check_alphas",
    "multitask_path",
    "path_alphas",
    "scaled_penalty",
    "strength_ratios",
    "warm_path",
]


def check_alphas(alphas, owner):
    """Check an ``alphas`` parameter: a positive int, or the alphas themselves.

    scikit-learn's declarative constraint "array-like" accepts an array
    whatever it holds; this checks its values, with a message in the same
    form.

    Parameters
    ----------
    alphas : object
        The ``alphas`` parameter.
    owner : str
        The estimator or function it belongs to, for the message.

    Returns
    -------
    alphas : int or ndarray of shape (n_alphas,)
        The number of alphas of an automatic grid, or the alphas, decreasing.

    Raises
    ------
    InvalidParameterError
        If ``alphas`` is a bool, or an array that is not a non-empty 1-D array
        of finite floats ``>= 0``.
    """
    expected = "a non-empty 1-D array-like of finite floats >= 0"
    if isinstance(alphas, bool):
        # scikit-learn's constraints take a bool for an int: say what they say.
        expected = "an array-like"
    elif isinstance(alphas, Integral):
        if alphas >= 1:
            return int(alphas)
    else:
        try:
            values = np.asarray(alphas, dtype=np.float64)
        except (TypeError, ValueError):
            values = None
        if (
            values is not None
            and values.ndim == 1
            and values.size > 0
            and np.all(np.isfinite(values))
            and np.all(values >= 0)
        ):
            return np.sort(values)[::-1]
    raise InvalidParameterError(
        f"The 'alphas' parameter of {owner} must be an int in the range [1, inf) "
        f"or {expected}. Got {alphas!r} instead."
    )


def strength_ratios(penalty):
    """The strength parameters of ``penalty`` and their ratios to the first.

    Parameters
    ----------
    penalty : penalty object
        A penalty with ``strength_names``.

    Returns
    -------
    names : tuple of str
        ``penalty.strength_names``.
    ratios : list of float
        Each strength divided by the first (1 for the first).

    Raises
    ------
    ValueError
        If a name is not a parameter of the penalty, or the first strength is
        0 while another is not (no ratio to keep).
    """
    names = tuple(penalty.strength_names)
    params = penalty.get_params(deep=False)
    unknown = [name for name in names if name not in params]
    if unknown:
        raise ValueError(
            f"{type(penalty).__name__}.strength_names lists {unknown}, which are "
            f"not parameters of the penalty (it has {sorted(params)}); list the "
            "parameters that scale the penalty, the searched one first."
        )
    values = [float(params[name]) for name in names]
    first = values[0]
    if first > 0:
        return names, [value / first for value in values]
    others = {
        name: value for name, value in zip(names[1:], values[1:], strict=True) if value
    }
    if others:
        listed = ", ".join(f"{name}={value!r}" for name, value in others.items())
        raise ValueError(
            f"Expected a positive {names[0]} in {penalty!r}: a path sets "
            f"{names[0]} to each alpha and keeps the other strengths in their "
            f"ratio to it; got {names[0]}={params[names[0]]!r} with {listed}."
        )
    return names, [1.0] + [0.0] * (len(names) - 1)


def scaled_penalty(penalty, alpha, ratios=None):
    """The penalty at strength ``alpha``: its strengths in the same ratios.

    Parameters
    ----------
    penalty : penalty object
        The penalty; its first strength parameter becomes ``alpha``.
    alpha : float
        The new value of the first strength parameter.
    ratios : tuple or None, default=None
        ``strength_ratios(penalty)``, when already computed.

    Returns
    -------
    penalty : penalty object
        A new penalty of the same class; the given one is not modified.
    """
    names, ratios = strength_ratios(penalty) if ratios is None else ratios
    params = penalty.get_params(deep=False)
    alpha = float(alpha)
    params.update(
        {name: alpha * ratio for name, ratio in zip(names, ratios, strict=True)}
    )
    return type(penalty)(**params)


def _unit_curvature(penalty, n_features, n_outputs):
    """Largest curvature of the penalty at unit strength (its ratios kept)."""
    unit = scaled_penalty(penalty, 1.0)
    if hasattr(unit, "smooth_lipschitz"):
        curvature = unit.smooth_lipschitz(n_outputs)
    elif hasattr(unit, "curvature"):
        curvature = unit.curvature(n_features, n_outputs)
    else:
        raise ValueError(
            f"Cannot make an automatic grid of alphas for {penalty!r}: the "
            "penalty has no alpha_max (the smallest strength that zeroes every "
            "coefficient) and no curvature (smooth_lipschitz or curvature) to "
            "start from. Pass the alphas themselves (alphas=[...])."
        )
    # A penalty that is 0 on this problem (MeanRegularized of one task): every
    # alpha gives the same fit, and any grid will do.
    return curvature if curvature > 0 else 1.0


def path_alphas(design, datafit, penalty, *, n_alphas, eps, fit_intercept):
    """The automatic grid of a path: ``n_alphas`` strengths, decreasing.

    - A penalty with ``alpha_max`` (the smallest strength that zeroes ``W``,
      with ``C = -gradient`` of the datafit at ``W = 0`` and the best
      intercepts): from ``alpha_max`` down to ``eps * alpha_max``,
      log-spaced.
    - Otherwise (a penalty that only shrinks, such as L2, MeanRegularized,
      GraphLaplacian, Clustered, TaskRelationship): log-spaced from
      ``alpha_0 / sqrt(eps)`` down to ``alpha_0 * sqrt(eps)``, the same span,
      around ``alpha_0 = L / kappa``, the strength at which the penalty's
      largest curvature ``alpha_0 * kappa`` equals the datafit's, ``L`` (the
      Lipschitz constant of its gradient in ``W``, intercepts minimized out;
      ``kappa`` is ``smooth_lipschitz`` or ``curvature`` of the penalty at
      unit strength). At the top of the grid the penalty's curvature is
      ``1 / sqrt(eps)`` times the datafit's (about 32 times with the
      default ``eps=1e-3``), so every direction of ``W`` is shrunk hard; at
      the bottom, ``sqrt(eps)`` times it.

    Parameters
    ----------
    design : DenseDesign, ObservedDesign or GatheredDesign
        The design on the datafit's entries (:func:`~._design.prepare`).
    datafit : Squared or Logistic
        The datafit, on the entries of ``design``.
    penalty : penalty object
        The penalty whose strength the path varies.
    n_alphas : int
        Number of alphas.
    eps : float
        Ratio of the smallest alpha to the largest, in ``(0, 1]``.
    fit_intercept : bool
        Whether the intercepts are fitted.

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
    """
    intercept = (
        datafit.null_intercept() if fit_intercept else np.zeros(datafit.n_outputs)
    )
    try:
        alpha_max = penalty.alpha_max(-null_gradient(design, datafit, intercept))
    except (NotImplementedError, ValueError):
        alpha_max = None
    if alpha_max is not None:
        if alpha_max <= 0:  # no feature correlates with the targets
            alpha_max = np.finfo(float).eps
        return np.geomspace(alpha_max, alpha_max * eps, n_alphas)
    kappa = _unit_curvature(penalty, design.n_features, datafit.n_outputs)
    center = _datafit_lipschitz(design, datafit, fit_intercept) / kappa
    return np.geomspace(center / np.sqrt(eps), center * np.sqrt(eps), n_alphas)


def warm_path(design, datafit, penalty, alphas, *, solver, **options):
    """Solve the problem at each alpha in turn, each from the previous solution.

    The first fit starts from ``W = 0`` and the best intercepts for it, as
    ``fit`` does.

    Parameters
    ----------
    design : DenseDesign, ObservedDesign or GatheredDesign
        The design on the datafit's entries.
    datafit : Squared or Logistic
        The datafit, on the entries of ``design``.
    penalty : penalty object
        The validated penalty; the path scales it (:func:`scaled_penalty`).
    alphas : sequence of float
        The strengths, in the order to solve them (decreasing, for warm
        starts to help).
    solver : {"auto", "bcd", "fista"}
        See :func:`~._base.solve`.
    **options : dict
        ``max_iter``, ``tol`` and ``fit_intercept``.

    Yields
    ------
    penalty : penalty object
        The penalty at this alpha.
    result : SolverResult
        The solution.
    solver : str
        The solver that ran.
    """
    ratios = strength_ratios(penalty)
    n_features, n_outputs = design.n_features, datafit.n_outputs
    coefs = np.zeros((penalty.n_parts, n_features, n_outputs))
    intercept = (
        datafit.null_intercept() if options["fit_intercept"] else np.zeros(n_outputs)
    )
    for alpha in alphas:
        current = scaled_penalty(penalty, alpha, ratios)
        current.validate(n_features, n_outputs)
        result, name = solve(
            design, datafit, current, solver=solver, coefs=coefs,
            intercept=intercept, **options,
        )  # fmt: skip
        coefs, intercept = result.coefs, result.intercept
        yield current, result, name


def path_estimator(loss, penalty, **params):
    """The generic estimator that ``fit`` would use for this loss and penalty."""
    if loss == "squared":
        return MultiTaskLinearRegressor(penalty, **params)
    return MultiTaskLinearClassifier(penalty, **params)


@validate_params(
    {
        "X": ["array-like", "sparse matrix"],
        "y": ["array-like"],
        "penalty": "no_validation",
        "loss": [StrOptions({"squared", "logistic"})],
        "alphas": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "eps": [Interval(Real, 0, 1, closed="right")],
        "fit_intercept": ["boolean"],
        "sample_weight": ["array-like", None],
        "task_weights": ["array-like", dict, None],
        "solver": [StrOptions(set(SOLVERS))],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "missing_label": [Real, str, None],
    },
    prefer_skip_nested_validation=True,
)
def multitask_path(
    X,
    y,
    penalty=None,
    *,
    loss="squared",
    alphas=100,
    eps=1e-3,
    fit_intercept=True,
    sample_weight=None,
    task_weights=None,
    solver="auto",
    max_iter=5000,
    tol=1e-4,
    missing_label=None,
):
    """Fit a multi-task linear model along a decreasing grid of penalty strengths.

    The fits are warm-started: each starts from the solution at the previous
    (larger) alpha, as scikit-learn's :func:`~sklearn.linear_model.lasso_path`
    does. The fit at each alpha is that of
    :class:`MultiTaskLinearRegressor` (``loss="squared"``) or
    :class:`MultiTaskLinearClassifier` (``loss="logistic"``) with the penalty
    at that alpha, to the solver's tolerance ``tol``.

    The penalty at ``alpha`` is ``penalty`` with its first strength parameter
    set to ``alpha`` (``alpha``, or ``alpha_group`` for :class:`Dirty`) and
    its other strengths (``alpha_sparse`` of :class:`Dirty`, ``beta`` of
    :class:`MeanRegularized`, :class:`GraphLaplacian`, :class:`Clustered`
    and :class:`TaskRelationship`) kept in their ratio to it; its other
    parameters (``l1_ratio``, ``adjacency``, ``n_clusters``) stay as they
    are. The value of the first strength in ``penalty`` only fixes those
    ratios.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Training samples.
    y : array-like of shape (n_samples, n_tasks) or (n_samples,)
        Targets, NaN where a label is missing (for ``loss="logistic"``, labels
        of any type, None or ``missing_label`` where missing).
    penalty : penalty object or None, default=None
        The penalty; None means :class:`L21`, the multi-task lasso.
    loss : {"squared", "logistic"}, default="squared"
        The datafit: squared loss (regression) or logistic / multinomial loss
        (classification).
    alphas : int or array-like, default=100
        Number of alphas of the automatic grid, or the alphas themselves
        (fitted in decreasing order). The automatic grid is log-spaced from
        ``alpha_max``, the smallest strength that zeroes every coefficient,
        down to ``eps * alpha_max``, for the penalties that have one (L1, L21,
        L21ElasticNet with ``l1_ratio > 0``, TraceNorm, Dirty with both
        strengths positive). For the others, which only shrink the
        coefficients, it is log-spaced from ``alpha_0 / sqrt(eps)`` down to
        ``alpha_0 * sqrt(eps)``, where ``alpha_0`` is the strength at which
        the largest curvature of the penalty equals that of the datafit.
    eps : float, default=1e-3
        Ratio of the smallest to the largest alpha of the automatic grid, in
        ``(0, 1]``.
    fit_intercept : bool, default=True
        Whether to fit per-task intercepts (never penalized).
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights; only their ratios matter.
    task_weights : array-like of shape (n_tasks,), dict or None, default=None
        Weight of each task in the datafit, rescaled to mean 1.
    solver : {"auto", "bcd", "fista"}, default="auto"
        See :class:`MultiTaskLinearRegressor`.
    max_iter : int, default=5000
        Maximum number of epochs or iterations per alpha.
    tol : float, default=1e-4
        Tolerance of each fit, as in :class:`MultiTaskLinearRegressor`.
    missing_label : int, float, str or None, default=None
        With ``loss="logistic"``: an extra marker of a missing label (NaN
        and None always mark one).

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
        The alphas, decreasing.
    coefs : ndarray of shape (n_alphas, n_features, n_outputs)
        ``W`` at each alpha: ``coefs[k]`` is the ``coef_.T`` of the fit at
        ``alphas[k]``. One column per task (per class of a multiclass
        task); shape (n_alphas, n_features) for a 1-D ``y`` with the squared
        loss.
    intercepts : ndarray of shape (n_alphas, n_outputs)
        The ``intercept_`` of each fit; shape (n_alphas,) for a 1-D ``y``
        with the squared loss.
    n_iters : ndarray of int of shape (n_alphas,)
        Epochs or iterations of each fit.

    See Also
    --------
    MultiTaskLinearRegressorCV : Chooses the alpha by cross-validation.
    MultiTaskLinearClassifierCV : The same for classification.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.linear_model import TraceNorm, multitask_path
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((50, 6))
    >>> Y = X @ rng.standard_normal((6, 3))
    >>> Y[::4, 0] = np.nan
    >>> alphas, coefs, intercepts, n_iters = multitask_path(
    ...     X, Y, TraceNorm(), alphas=5
    ... )
    >>> coefs.shape
    (5, 6, 3)
    >>> bool(np.all(coefs[0] == 0))  # the grid starts at alpha_max
    True
    """
    owner = "multitask_path"
    grid = check_alphas(alphas, owner)
    penalty = check_penalty(penalty, L21(), owner)
    params = {
        "fit_intercept": fit_intercept,
        "task_weights": task_weights,
        "solver": solver,
        "max_iter": max_iter,
        "tol": tol,
    }
    if loss == "logistic":
        params["missing_label"] = missing_label
    elif missing_label is not None:
        raise ValueError(
            "missing_label marks missing class labels and applies to "
            f"loss='logistic' only; got missing_label={missing_label!r} with "
            "loss='squared' (a missing regression label is NaN)."
        )
    estimator = path_estimator(loss, penalty, **params)
    problem = estimator._fit_problem(X, y, sample_weight)
    template = estimator._checked_penalty(
        problem.X.shape[1], problem.datafit.n_outputs, problem.n_tasks
    )
    design, datafit = prepare(problem.X, problem.datafit)
    if isinstance(grid, int):
        grid = path_alphas(
            design, datafit, template, n_alphas=grid, eps=eps,
            fit_intercept=fit_intercept,
        )  # fmt: skip
    coefs, intercepts, n_iters = [], [], []
    for _, result, _ in warm_path(
        design, datafit, template, grid, solver=solver, max_iter=max_iter,
        tol=tol, fit_intercept=fit_intercept,
    ):  # fmt: skip
        outputs = problem.outputs(result)
        coefs.append(np.asarray(outputs["coef_"]).T)
        intercepts.append(outputs["intercept_"])
        n_iters.append(result.n_iter)
    return grid, np.array(coefs), np.array(intercepts), np.array(n_iters)
