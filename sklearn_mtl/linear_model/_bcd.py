"""Block coordinate descent with working sets and gap-safe screening.

For penalties that are a sum over the rows of ``W`` (one block per feature).
An outer loop computes the duality gap on all features, discards the features
that the gap-safe sphere proves to be zero (Ndiaye et al., JMLR 2017), and
picks a working set: the features that violate their optimality condition the
most, plus the current support (as in celer and skglm). An inner loop runs
proximal block updates on the working set, with Anderson extrapolation every
few epochs, until its own gap is a fraction of the outer one.

With the squared datafit and an intercept, every block update also moves the
intercepts to their optimum (the design is centered per output on the fly),
so the intercepts never lag behind. A datafit that is not quadratic (the
logistic one) is minimized on each working set by proximal Newton steps
(Lee, Sun & Saunders, 2014; as glmnet and skglm's ``ProxNewton``): the
compiled epochs of the squared datafit minimize its second-order model
around the current point, weighted by the loss's curvature, and a line
search along the step keeps the objective decreasing. The curvature of each
task's model is damped towards a global upper bound of its loss when the
model predicted its decrease badly (a trust region per task, as in
Levenberg-Marquardt): far from the solution, nearly separable tasks would
otherwise ask for huge steps, and the line search would shorten everyone's.

Every block update minimizes the model of its row exactly: the model's
curvature differs from output to output (tasks with few labels, or confident
logits, have little), and one prox step with the largest of them moves the
others by a fraction of their way; a few accelerated prox steps on the row
alone finish it (:func:`._bcd_kernels._refine_row`).

Every product with ``X`` and every residual update goes through the design
(:mod:`._design`): on the dense entries, or on the observed labels only, where
a working set holds one row of ``X`` per label and an epoch costs the number
of labels times the working set's size.
"""

import numpy as np
from scipy import sparse

from ._bcd_inner import (
    _anderson_extrapolation,
    _Damping,
    _NewtonProblem,
    _WorkingSetProblem,
)
from ._datafits import Squared
from ._solver_base import (
    Contract,
    SolverResult,
    evaluate_optimality,
    gradient_scale,
    raise_not_finite,
    squared_optimality,
    warn_not_converged,
)

__all__ = ["BlockCoordinateDescent"]


def _couples_outputs(datafit):
    """Whether the datafit's loss couples outputs (a multiclass task's classes).

    Block coordinate descent models each output's curvature alone: the
    multinomial loss, blind to a common shift of a row's class scores, is
    then minimized slowly along that shift (measured with
    ``benchmarks/linear_logistic.py``), and ``solver="auto"`` runs FISTA.
    """
    output_task = getattr(datafit, "output_task", None)
    return output_task is not None and output_task.size > np.unique(output_task).size


class BlockCoordinateDescent:
    """Working-set block coordinate descent for row-separable penalties.

    Parameters
    ----------
    max_iter : int, default=1000
        Maximum number of epochs (passes over a working set), in total.
    tol : float, default=1e-4
        Stop when the duality gap is at most ``tol`` times the datafit's
        ``gap_scale`` (or, without a computable gap, when the largest violation
        of the optimality conditions is at most ``tol`` times the largest
        gradient entry at ``W = 0``).
    fit_intercept : bool, default=True
        Whether to fit unpenalized intercepts.
    working_set_start : int, default=10
        Size of the first working set; it doubles with the support.
    anderson_size : int, default=5
        Number of iterates used by Anderson extrapolation (0 disables it).
    check_every : int, default=10
        Epochs between two evaluations of the working-set gap.
    """

    name = "bcd"

    #: What block coordinate descent calls. ``compiled_row_prox`` makes the
    #: epochs compiled (of the squared datafit, or of the second-order model
    #: of a datafit with a ``quadratic_model``, in proximal Newton steps;
    #: without it they run in Python); ``dual_norm`` and ``conjugate`` give
    #: the duality gap it stops on (without them: the largest distance of
    #: the gradient to the subdifferential); ``screen`` discards features
    #: proved zero. ``solver="auto"`` leaves the datafits whose outputs
    #: interact (multiclass tasks) to FISTA.
    requires = Contract(
        solver="bcd",
        datafit=(
            "value", "gradient", "dual", "intercept", "null_intercept",
            "gap_scale", "curvature", "layout",
        ),
        penalty=(
            "value", "prox_rows", "subdiff_distance", "restrict",
            "part_is_entrywise",
        ),
        optional=("compiled_row_prox", "dual_norm", "conjugate", "screen"),
        hint=(
            "Block coordinate descent needs a penalty that is a sum over the "
            "rows of W (such as L1, L2, L21, L21ElasticNet, Dirty). Use "
            "solver='fista' or solver='auto'."
        ),
        declines=lambda datafit, penalty: _couples_outputs(datafit),
    )  # fmt: skip

    def __init__(
        self,
        *,
        max_iter=1000,
        tol=1e-4,
        fit_intercept=True,
        working_set_start=10,
        anderson_size=5,
        check_every=10,
    ):
        self.max_iter = max_iter
        self.tol = tol
        self.fit_intercept = fit_intercept
        self.working_set_start = working_set_start
        self.anderson_size = anderson_size
        self.check_every = check_every

    def solve(self, design, datafit, penalty, coefs, intercept):
        """Minimize ``datafit(X W + b) + penalty(W)`` from a starting point.

        Parameters
        ----------
        design : DenseDesign or ObservedDesign
            The design matrix on the datafit's entries (:mod:`._design`).
        datafit : Squared or Logistic
            Datafit of the problem, on the entries of ``design``.
        penalty : penalty object
            A row-separable penalty.
        coefs : ndarray of shape (n_parts, n_features, n_outputs)
            Starting coefficient parts (not modified).
        intercept : ndarray of shape (n_outputs,)
            Starting intercepts (not modified).

        Returns
        -------
        result : SolverResult

        Raises
        ------
        ValueError
            If the datafit or the penalty lacks what :attr:`requires` lists
            (a penalty that is not a sum over the rows of ``W``).
        """
        self.requires.check(datafit, penalty)
        return self._solve(design, datafit, penalty, coefs.copy(), intercept.copy())

    def _solve(self, design, datafit, penalty, coefs, intercept):
        statistics = _ColumnStatistics(design, datafit)
        # The compiled epochs keep the intercepts of the squared datafit
        # optimal at every block update; the Python ones update them once
        # per epoch. A datafit with a quadratic model (logistic) runs the
        # compiled epochs on that model, in proximal Newton steps.
        has_prox = hasattr(penalty, "compiled_row_prox")
        compiled = isinstance(datafit, Squared) and has_prox
        newton = has_prox and not compiled and hasattr(datafit, "quadratic_model")
        damping = _Damping(datafit) if newton else None
        radius_norms = _radius_norms(design, datafit, self.fit_intercept, statistics)
        for value in radius_norms[~np.isfinite(radius_norms)][:1]:
            # Not a feature proved zero (NaN > 0 is False): an overflow.
            raise_not_finite("bcd", 0, value, "norm of a feature")
        candidates = radius_norms > 0
        coefs[:, ~candidates] = 0.0
        null_intercept = (
            datafit.null_intercept() if self.fit_intercept else np.zeros_like(intercept)
        )
        gap_threshold = self.tol * datafit.gap_scale(null_intercept)
        kkt_threshold = None
        n_iter = 0
        working_set = np.zeros(0, dtype=np.intp)
        while True:
            if not candidates.any():
                coefs[...] = 0.0
            support = np.flatnonzero(np.any(coefs != 0, axis=(0, 2)))
            Z = _linear_part(design, datafit, coefs, support)
            if self.fit_intercept:
                intercept = datafit.intercept(Z, intercept)
            Z += datafit.layout.spread(intercept)
            if isinstance(datafit, Squared):
                optimality = squared_optimality(
                    design, datafit, penalty, coefs, datafit.residuals(Z, out=Z)
                )
            else:
                optimality = evaluate_optimality(design, datafit, penalty, coefs, Z)
            Z = None  # not needed on the working set: free it
            distances = penalty.subdiff_distance(coefs, optimality.gradient)
            use_gap = np.isfinite(optimality.gap)
            if use_gap:
                criterion, threshold = optimality.gap, gap_threshold
            else:
                if kkt_threshold is None:
                    kkt_threshold = self.tol * gradient_scale(
                        design, datafit, null_intercept
                    )
                criterion = distances[candidates].max(initial=0.0)
                threshold = kkt_threshold
            if not np.isfinite(criterion):
                what = "duality gap" if use_gap else "optimality violation"
                raise_not_finite("bcd", n_iter, criterion, what)
            if criterion <= threshold or not candidates.any():
                break
            if n_iter >= self.max_iter:
                what = "duality gap" if use_gap else "optimality violation"
                warn_not_converged("bcd", self.max_iter, criterion, threshold, what)
                break
            if use_gap and hasattr(penalty, "screen"):
                scale = 1.0 / max(1.0, penalty.dual_norm(-optimality.gradient))
                radius = np.sqrt(2.0 * max(optimality.gap, 0.0)) * radius_norms
                screened = candidates & penalty.screen(
                    -scale * optimality.gradient, radius
                )
                coefs[:, screened] = 0.0
                candidates &= ~screened
            working_set = self._working_set(
                coefs, distances, candidates, previous=working_set.size
            )
            # A working set of every candidate is the whole problem: solve it
            # to the tolerance at once (its gap is the problem's, but for the
            # features proved zero).
            inner_tol = (
                threshold
                if working_set.size == np.count_nonzero(candidates)
                else 0.3 * criterion
            )
            if newton:
                inner = _NewtonProblem(
                    design.working_set(working_set),
                    datafit,
                    penalty.restrict(working_set),
                    damping,
                    fit_intercept=self.fit_intercept,
                )
                coefs_ws, intercept, epochs = inner.solve(
                    np.ascontiguousarray(coefs[:, working_set]),
                    intercept,
                    tol=inner_tol,
                    max_epochs=self.max_iter - n_iter,
                    use_gap=use_gap,
                )
                coefs[:, working_set] = coefs_ws
                n_iter += max(epochs, 1)
                continue
            raw, centered, means = statistics.take(working_set)
            inner = _WorkingSetProblem(
                design.working_set(working_set),
                datafit,
                penalty.restrict(working_set),
                centered if compiled and self.fit_intercept else raw,
                means,
                fit_intercept=self.fit_intercept,
                compiled=compiled,
            )
            coefs_ws, intercept, epochs = self._solve_working_set(
                inner,
                np.ascontiguousarray(coefs[:, working_set]),
                intercept,
                tol=inner_tol,
                max_epochs=self.max_iter - n_iter,
                use_gap=use_gap,
            )
            coefs[:, working_set] = coefs_ws
            n_iter += epochs
        gap = optimality.gap if use_gap else np.nan
        return SolverResult(coefs, intercept, n_iter, gap)

    def _working_set(self, coefs, distances, candidates, previous=0):
        """The support plus the features that violate optimality the most.

        Twice the support's size; four times when the support filled the
        previous working set (``previous`` features), as with weak
        penalties whose solution uses most features.
        """
        in_support = np.any(coefs != 0, axis=(0, 2)) & candidates
        scores = np.where(candidates, distances, -np.inf)
        scores[in_support] = np.inf
        n_support = int(in_support.sum())
        growth = 4 if previous and n_support >= previous else 2
        size = min(
            max(self.working_set_start, growth * n_support),
            int(candidates.sum()),
        )
        chosen = np.argpartition(-scores, size - 1)[:size]
        return np.sort(chosen)

    def _solve_working_set(self, problem, coefs, intercept, tol, max_epochs, use_gap):
        state = problem.state(coefs, intercept)
        iterates = []
        for epoch in range(1, max_epochs + 1):
            problem.epoch(state, coefs)
            state.end_epoch()
            if self.anderson_size:
                iterates.append(coefs.copy())
                if len(iterates) == self.anderson_size + 1:
                    extrapolated = _anderson_extrapolation(iterates)
                    iterates = []
                    if extrapolated is not None and problem.objective(
                        extrapolated, state.intercept
                    ) < problem.objective(coefs, state.intercept):
                        coefs[...] = extrapolated
                        intercept, state = state.intercept, None
                        state = problem.state(coefs, intercept)
            if epoch % self.check_every == 0 or epoch == max_epochs:
                intercept, state = state.intercept, None  # free its entry arrays
                state = problem.state(coefs, intercept)
                if problem.criterion(state, coefs, use_gap) <= tol:
                    return coefs, state.intercept, epoch
        return coefs, state.intercept, max_epochs


class _ColumnStatistics:
    """Weighted squared norms and means of the columns of X, per output.

    Computed for a feature the first time a working set holds it: features
    that never enter one cost nothing (with missing labels, the statistics of
    all features are two products of the design with an entry array).

    Parameters
    ----------
    design : DenseDesign or ObservedDesign
        Design of the problem.
    datafit : Squared or Logistic
        Datafit of the problem, on the entries of ``design``.
    """

    def __init__(self, design, datafit):
        self.design = design
        self.datafit = datafit
        shape = (design.n_features, datafit.n_outputs)
        self._raw, self._centered, self._means = (np.zeros(shape) for _ in range(3))
        self._known = np.zeros(design.n_features, dtype=bool)

    def take(self, features):
        """The statistics of some features, computing those not known yet.

        Parameters
        ----------
        features : ndarray of int
            Indices of features.

        Returns
        -------
        raw : ndarray of shape (n_chosen, n_outputs)
            ``curvature_u * sum_i weight_iu x_ij^2 / m``: the Lipschitz
            constant of the datafit along coefficient ``(j, u)``.
        centered : ndarray of shape (n_chosen, n_outputs)
            The same with each column centered by its weighted mean over the
            rows of the output.
        means : ndarray of shape (n_chosen, n_outputs)
            The weighted means.
        """
        new = features[~self._known[features]]
        if new.size:
            statistics = _column_statistics(self.design.columns(new), self.datafit)
            for known, found in zip(
                (self._raw, self._centered, self._means), statistics, strict=True
            ):
                known[new] = found
            self._known[new] = True
        return self._raw[features], self._centered[features], self._means[features]


def _column_statistics(design, datafit):
    """Raw and centered weighted squared norms, and means (see ``take``)."""
    if datafit.uniform:
        # Every entry observed with weight 1 (a dense design): one pass over X.
        X = design.X
        squares = X.multiply(X) if sparse.issparse(X) else X**2
        squared_norms = np.asarray(squares.sum(axis=0)).ravel()[:, np.newaxis]
        means = np.asarray(X.mean(axis=0)).ravel()[:, np.newaxis]
        counts = np.full((1, datafit.n_outputs), float(datafit.n_samples))
        squared_norms = squared_norms * datafit.output_weights
    else:
        sums, squared_norms = design.moments(datafit.weights)
        if datafit.weights is not datafit.observed_weights:
            sums, _ = design.moments(datafit.observed_weights)
        counts = datafit.totals[np.newaxis, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            means = sums / np.where(counts > 0, counts, 1)
    centered = squared_norms - counts * datafit.output_weights * means**2
    scale = datafit.curvature / datafit.normalizer
    return squared_norms * scale, np.maximum(centered, 0.0) * scale, means


def _radius_norms(design, datafit, fit_intercept, statistics):
    """Per feature, a bound of the square root of its largest statistic.

    ``sqrt(max_u centered_ju)`` (``raw`` without intercept) scales the
    gap-safe radius of feature ``j``. On the observed labels, it is computed
    exactly (every feature's statistics cost two products with the labels,
    and the working sets use them). On the dense entries, the entry weights
    are ``s_i * w_u`` on the observed entries, with ``s`` the sample weights,
    so a sum over the rows of output ``u`` around its own weighted mean is at
    most the sum over all rows around their ``s``-weighted mean: one pass
    over X bounds every output (exactly when no label is missing and weights
    are uniform).
    """
    if datafit.layout.kind == "observed":
        raw, centered, _ = statistics.take(np.arange(design.n_features))
        found = centered if fit_intercept else raw
        return np.sqrt(found.max(axis=1, initial=0.0))
    rows = datafit.layout.row_maxima(datafit.observed_weights)
    X = design.X
    if sparse.issparse(X):
        squared_norms = np.asarray(X.multiply(X).T @ rows).ravel()
        sums = np.asarray(X.T @ rows).ravel()
    else:
        squared_norms = np.einsum("ij,i,ij->j", X, rows, X)
        sums = rows @ X
    if fit_intercept:
        squared_norms = np.maximum(squared_norms - sums**2 / rows.sum(), 0.0)
    scale = np.max(datafit.curvature * datafit.output_weights, initial=0.0)
    return np.sqrt(squared_norms * scale / datafit.normalizer)


def _linear_part(design, datafit, coefs, rows):
    """``X W`` using only the given rows of ``W`` (the others are zero)."""
    if not rows.size:
        # In the entry arrays' order (Fortran when dense): no copy later.
        return np.zeros(datafit.layout.shape, order="F")
    return design.columns(rows).linear(coefs[:, rows].sum(axis=0))
