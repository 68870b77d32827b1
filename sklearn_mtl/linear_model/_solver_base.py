"""What both solvers share: contracts, duality gap, stopping rule and result."""

import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import ConvergenceWarning

__all__ = [
    "Contract",
    "Optimality",
    "SolverResult",
    "evaluate_optimality",
    "gradient_scale",
    "null_gradient",
    "optimality",
    "optimality_at",
    "raise_not_finite",
    "squared_optimality",
    "warn_not_converged",
]


@dataclass(frozen=True)
class Contract:
    """What a solver calls on a datafit and on a penalty.

    A solver declares its contract as a class attribute (``requires``) and
    checks it before it computes anything, so that a pair it cannot handle
    is refused with the names of what is missing, rather than failing
    halfway (or, worse, running on a default that does nothing).

    Parameters
    ----------
    solver : str
        Name of the solver, for the messages.
    datafit : tuple of str
        Methods and attributes every datafit must have.
    penalty : tuple of str
        Methods every penalty must have.
    together : tuple of tuple of str, default=()
        Groups of penalty methods that go together: all or none (a penalty
        with none of them has no such part).
    optional : tuple of str, default=()
        Penalty methods the solver uses when present (documentation: what
        it does without them is the solver's business).
    hint : str, default=""
        What to do instead, appended to the message about a penalty.
    declines : callable or None, default=None
        ``declines(datafit, penalty)``: whether ``solver="auto"`` should
        leave a pair that the solver handles to another solver, because the
        other is faster on it (:meth:`accepts`).
    """

    solver: str
    datafit: tuple
    penalty: tuple
    together: tuple = ()
    optional: tuple = ()
    hint: str = ""
    declines: object = None

    def missing(self, datafit, penalty):
        """Names the datafit and the penalty lack, as two lists."""
        datafit_missing = [name for name in self.datafit if not hasattr(datafit, name)]
        penalty_missing = [name for name in self.penalty if not hasattr(penalty, name)]
        for group in self.together:
            present = [name for name in group if hasattr(penalty, name)]
            if present:
                penalty_missing += [name for name in group if name not in present]
        return datafit_missing, penalty_missing

    def accepts(self, datafit, penalty):
        """Whether ``solver="auto"`` picks the solver for this pair.

        The solver can handle the pair, and does not decline it (see
        ``declines``): :meth:`check` still lets it run a declined pair when
        it is asked for by name.
        """
        if any(self.missing(datafit, penalty)):
            return False
        return self.declines is None or not self.declines(datafit, penalty)

    def check(self, datafit, penalty):
        """Raise a ValueError naming what the datafit or the penalty lacks.

        Raises
        ------
        ValueError
            If a required method (or attribute) is missing, or a group of
            methods that go together is incomplete.
        """
        datafit_missing, penalty_missing = self.missing(datafit, penalty)
        if datafit_missing:
            raise ValueError(
                f"Solver {self.solver!r} cannot handle the "
                f"{type(datafit).__name__} datafit: it has no "
                f"{', '.join(datafit_missing)}."
            )
        if penalty_missing:
            groups = [
                group
                for group in self.together
                if any(name in penalty_missing for name in group)
            ]
            note = "".join(
                f" ({', '.join(group)} go together: all of them or none)"
                for group in groups
            )
            raise ValueError(
                f"Solver {self.solver!r} cannot handle the "
                f"{type(penalty).__name__} penalty: it has no "
                f"{', '.join(penalty_missing)}{note}. {self.hint}".rstrip()
            )


@dataclass
class SolverResult:
    """Coefficients and diagnostics returned by a solver.

    Attributes
    ----------
    coefs : ndarray of shape (n_parts, n_features, n_outputs)
        Coefficient parts; ``W`` is their sum.
    intercept : ndarray of shape (n_outputs,)
        Intercepts (zeros without ``fit_intercept``).
    n_iter : int
        Epochs of coordinate descent, or iterations of proximal gradient.
    dual_gap : float
        Duality gap at the solution, NaN where the problem has none. Clipped
        at 0: a gap is never negative, but its round-off can be (-1e-16).
    """

    coefs: np.ndarray
    intercept: np.ndarray
    n_iter: int
    dual_gap: float

    def __post_init__(self):
        self.dual_gap = float(np.maximum(self.dual_gap, 0.0))


@dataclass
class Optimality:
    """Primal value, duality gap and datafit gradient at one point."""

    primal: float
    gap: float
    gradient: np.ndarray


def evaluate_optimality(design, datafit, penalty, coefs, Z):
    """Primal objective and duality gap at ``coefs`` with predictions ``Z``.

    The intercepts in ``Z`` must be optimal for the gap to be valid: the dual
    point, the scaled datafit gradient, then sums to zero over each output's
    rows, which is the dual constraint of an unpenalized intercept.

    Parameters
    ----------
    design : DenseDesign, ObservedDesign or GatheredDesign
        Design of the problem (:mod:`._design`), restricted to the features
        of ``coefs``.
    datafit : Squared or Logistic
        Datafit of the problem, on the entries of ``design``.
    penalty : penalty object
        Penalty of the problem.
    coefs : ndarray of shape (n_parts, n_features, n_outputs)
        Coefficient parts.
    Z : ndarray
        Entry array of the linear predictions ``X W + b``.

    Returns
    -------
    optimality : Optimality
        ``gap`` is NaN when the penalty has no ``dual_norm`` and
        ``conjugate``, when its conjugate is not computable (None), or when
        its dual domain is empty (as for an unpenalized lasso); ``gradient``
        is the gradient of the datafit with respect to ``W``.
    """
    gradient = design.adjoint(datafit.gradient(Z))
    primal = datafit.value(Z) + penalty.value(coefs)
    return optimality(primal, gradient, penalty, lambda scale: datafit.dual(Z, scale))


def optimality_at(design, datafit, penalty, coefs, linear, intercept):
    """:func:`evaluate_optimality` at ``Z = linear + intercept``, not formed.

    The datafits compute their value, gradient and dual at ``linear`` plus
    the intercepts spread over the outputs: the gradient with respect to
    ``Z`` is the only entry array made (for the built-in datafits).
    """
    gradient = design.adjoint(datafit.gradient_at(linear, intercept))
    primal = datafit.value_at(linear, intercept) + penalty.value(coefs)
    return optimality(
        primal,
        gradient,
        penalty,
        lambda scale: datafit.dual_at(linear, intercept, scale),
    )


def squared_optimality(design, datafit, penalty, coefs, residuals):
    """:func:`evaluate_optimality` of the squared datafit from its residuals.

    The gradient with respect to ``Z`` is ``-residuals / m``, and the loss and
    the dual objective follow from two sums over the residuals: no entry
    array is made (the predictions need not be kept).
    """
    sums = datafit.residual_sums(residuals)
    gradient = design.adjoint(residuals)
    gradient *= -1.0 / datafit.normalizer
    primal = 0.5 * sums[0] / datafit.normalizer + penalty.value(coefs)
    return optimality(
        primal, gradient, penalty, lambda scale: datafit.dual_from_sums(sums, scale)
    )


def optimality(primal, gradient, penalty, dual):
    """:class:`Optimality` from the primal value and the datafit's gradient.

    Parameters
    ----------
    primal : float
        Primal objective.
    gradient : ndarray of shape (n_features, n_outputs)
        Gradient of the datafit with respect to ``W``.
    penalty : penalty object
        Penalty of the problem.
    dual : callable
        ``dual(scale)``: the datafit's part of the dual objective at the
        gradient scaled by ``scale`` (``-f*(scale * gradient(Z))``).

    Returns
    -------
    optimality : Optimality
    """
    if not (hasattr(penalty, "dual_norm") and hasattr(penalty, "conjugate")):
        return Optimality(primal, np.nan, gradient)
    dual_norm = penalty.dual_norm(-gradient)
    if not np.isfinite(dual_norm):
        return Optimality(primal, np.nan, gradient)
    scale = 1.0 / max(1.0, dual_norm)
    conjugate = penalty.conjugate(-scale * gradient)
    if conjugate is None:
        return Optimality(primal, np.nan, gradient)
    return Optimality(primal, primal - dual(scale) + conjugate, gradient)


def warn_not_converged(solver, max_iter, criterion, threshold, what):
    """Raise a ConvergenceWarning that says how far from the tolerance it stopped."""
    warnings.warn(
        f"Solver {solver!r} did not converge in max_iter={max_iter} iterations: "
        f"{what} {criterion:.3g} > {threshold:.3g}, the tolerance. Increase max_iter, "
        "loosen tol or standardize the features.",
        ConvergenceWarning,
        stacklevel=4,
    )


def raise_not_finite(solver, n_iter, value, what):
    """Raise a FloatingPointError: a stopping criterion became ``inf`` or NaN.

    Only values too large for float64 do that (the estimators refuse such
    ``X`` and ``Y`` before solving; this catches the rest, such as a product
    of large features and large labels): stopping there would hand back a
    meaningless model.
    """
    raise FloatingPointError(
        f"The {what} became {value} at iteration {n_iter} of {solver!r}: the "
        "problem overflows float64 arithmetic. Rescale X (for instance with "
        "StandardScaler in a Pipeline) and Y."
    )


def null_gradient(design, datafit, null_intercept):
    """Gradient of the datafit with respect to ``W`` at ``W = 0``."""
    Z = datafit.layout.constant(null_intercept)
    return design.adjoint(datafit.gradient(Z))


def gradient_scale(design, datafit, null_intercept):
    """Largest gradient entry at ``W = 0``: the reference of the KKT tolerance."""
    gradient = null_gradient(design, datafit, null_intercept)
    return max(np.abs(gradient).max(initial=0.0), np.finfo(float).tiny)
