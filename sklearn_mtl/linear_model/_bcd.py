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
so the intercepts never lag behind. With the logistic datafit the intercepts
take a Newton step per epoch and are solved exactly before each gap.

Every product with ``X`` and every residual update goes through the design
(:mod:`._design`): on the dense entries, or on the observed labels only, where
a working set holds one row of ``X`` per label and an epoch costs the number
of labels times the working set's size.
"""

import numpy as np
from scipy import sparse

from ._datafits import Squared
from ._solver_base import (
    Contract,
    SolverResult,
    evaluate_optimality,
    gradient_scale,
    raise_not_finite,
    warn_not_converged,
)

__all__ = ["BlockCoordinateDescent"]


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
    #: epochs of the squared datafit compiled (without it they run in
    #: Python, as for the logistic datafit); ``dual_norm`` and ``conjugate``
    #: give the duality gap it stops on (without them: the largest distance
    #: of the gradient to the subdifferential); ``screen`` discards features
    #: proved zero.
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
        # per epoch.
        compiled = isinstance(datafit, Squared) and hasattr(
            penalty, "compiled_row_prox"
        )
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
        while True:
            if not candidates.any():
                coefs[...] = 0.0
            support = np.flatnonzero(np.any(coefs != 0, axis=(0, 2)))
            Z = _linear_part(design, datafit, coefs, support)
            if self.fit_intercept:
                intercept = datafit.intercept(Z, intercept)
            Z += datafit.layout.spread(intercept)
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
            working_set = self._working_set(coefs, distances, candidates)
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
                tol=0.3 * criterion,
                max_epochs=self.max_iter - n_iter,
                use_gap=use_gap,
            )
            coefs[:, working_set] = coefs_ws
            n_iter += epochs
        gap = optimality.gap if use_gap else np.nan
        return SolverResult(coefs, intercept, n_iter, gap)

    def _working_set(self, coefs, distances, candidates):
        """The support plus the features that violate optimality the most."""
        in_support = np.any(coefs != 0, axis=(0, 2)) & candidates
        scores = np.where(candidates, distances, -np.inf)
        scores[in_support] = np.inf
        size = min(
            max(self.working_set_start, 2 * int(in_support.sum())),
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


class _WorkingSetProblem:
    """The problem restricted to the features of a working set.

    Parameters
    ----------
    design : DenseDesign or GatheredDesign
        The working set's design (``working_set`` of the problem's design).
    datafit : Squared or Logistic
        Datafit of the problem, on the entries of ``design``.
    penalty : penalty object
        A row-separable penalty, restricted to the working set (its rows are
        the working set's features).
    lipschitz : ndarray of shape (n_chosen, n_outputs)
        Lipschitz constant of the datafit along each coefficient.
    means : ndarray of shape (n_chosen, n_outputs)
        Weighted mean of each column over each output's observed rows.
    fit_intercept, compiled : bool
        Whether intercepts are fitted, and whether the epochs are the
        compiled ones of the :class:`Squared` datafit (the penalty has a
        ``compiled_row_prox``).
    """

    def __init__(
        self, design, datafit, penalty, lipschitz, means, *, fit_intercept, compiled
    ):
        self.design = design
        self.datafit = datafit
        self.penalty = penalty
        self.means = np.ascontiguousarray(means, dtype=np.float64)
        self.fit_intercept = fit_intercept
        self.compiled = compiled
        self.squared = isinstance(datafit, Squared)
        with np.errstate(divide="ignore"):
            self.entry_steps = np.where(lipschitz > 0, 1.0 / lipschitz, 0.0)
            block_max = lipschitz.max(axis=1, initial=0.0)
            self.block_steps = np.where(block_max > 0, 1.0 / block_max, 0.0)
        self.steps = [
            self.entry_steps if entrywise else self.block_steps[:, np.newaxis]
            for entrywise in penalty.part_is_entrywise
        ]
        if compiled:
            prox, params = penalty.compiled_row_prox()
            self.kernel_arguments = (
                self.means, fit_intercept, self.block_steps, self.entry_steps,
                prox, np.ascontiguousarray(params, dtype=np.float64),
                np.array(penalty.part_is_entrywise, dtype=bool),
            )  # fmt: skip
            # The compiled epochs want the weights as they store residuals.
            self.weights = datafit.kernel_weights(design)

    def state(self, coefs, intercept):
        """A fresh state at ``coefs`` (intercepts made optimal where exact)."""
        if self.compiled:
            return _Residuals(self, coefs)
        return _Predictions(self, coefs, intercept)

    def epoch(self, state, coefs):
        """One pass of proximal block updates over the working set.

        Compiled for the squared datafit (with the penalty's compiled row
        prox); in Python (with its ``prox_rows``) otherwise.
        """
        if self.compiled:
            self.design.squared_epoch(
                self.datafit, self.weights, state.residuals, coefs, state.intercept,
                *self.kernel_arguments,
            )  # fmt: skip
            return
        penalty = self.penalty
        n_parts = coefs.shape[0]
        for j in range(coefs.shape[1]):
            gradient = state.row_gradient(j)
            for part in range(n_parts):
                step = self.steps[part][j]
                old = coefs[part, j]
                new = penalty.prox_rows(old - step * gradient, step, part, j)
                delta = new - old
                if delta.any():
                    coefs[part, j] = new
                    state.update(j, delta)
                    if part + 1 < n_parts:
                        gradient = state.row_gradient(j)

    def predictions(self, coefs, intercept):
        Z = self.design.linear(coefs.sum(axis=0))
        if self.squared and self.fit_intercept:
            intercept = self.datafit.intercept(Z)
        Z += self.datafit.layout.spread(intercept)
        return Z

    def objective(self, coefs, intercept):
        Z = self.predictions(coefs, intercept)
        return self.datafit.value(Z) + self.penalty.value(coefs)

    def criterion(self, state, coefs, use_gap):
        optimality = evaluate_optimality(
            self.design, self.datafit, self.penalty, coefs, state.predictions
        )
        if use_gap:
            return optimality.gap
        return self.penalty.subdiff_distance(coefs, optimality.gradient).max()


class _Residuals:
    """Weighted residuals of the squared datafit, intercepts kept optimal."""

    def __init__(self, problem, coefs):
        self.problem = problem
        datafit = problem.datafit
        Z = problem.design.linear(coefs.sum(axis=0))
        self.intercept = (
            datafit.intercept(Z) if problem.fit_intercept else np.zeros(coefs.shape[2])
        )
        Z += datafit.layout.spread(self.intercept)
        self.predictions = Z
        residuals = datafit.Y - Z
        residuals *= datafit.weights
        self.residuals = problem.design.kernel_entries(residuals)

    def end_epoch(self):
        """Nothing to do: the compiled epoch keeps the intercepts optimal."""


class _Predictions:
    """Linear predictions of any datafit; intercepts take a Newton step per epoch."""

    def __init__(self, problem, coefs, intercept):
        self.problem = problem
        datafit = problem.datafit
        self._linear = problem.design.linear(coefs.sum(axis=0))
        self.intercept = (
            datafit.intercept(self._linear, intercept)
            if problem.fit_intercept
            else intercept
        )
        self._gradient = None

    @property
    def predictions(self):
        return self._linear + self.problem.datafit.layout.spread(self.intercept)

    def row_gradient(self, j):
        if self._gradient is None:
            self._gradient = self.problem.datafit.gradient(self.predictions)
        return self.problem.design.column_gradient(j, self._gradient)

    def update(self, j, delta):
        self.problem.design.column_update(j, delta, self._linear)
        self._gradient = None

    def end_epoch(self):
        if self.problem.fit_intercept:
            self.intercept = self.problem.datafit.intercept(
                self._linear, self.intercept, max_steps=1
            )
            self._gradient = None


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
        squared_norms = design.squares().adjoint(datafit.weights)
        counts = datafit.totals[np.newaxis, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            means = design.adjoint(datafit.observed_weights) / np.where(
                counts > 0, counts, 1
            )
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
        return datafit.layout.zeros()
    return design.columns(rows).linear(coefs[:, rows].sum(axis=0))


def _anderson_extrapolation(iterates):
    """Anderson extrapolation of the last iterates, or None if ill-posed."""
    flat = np.array([iterate.ravel() for iterate in iterates])
    differences = np.diff(flat, axis=0)
    gram = differences @ differences.T
    try:
        weights = np.linalg.solve(gram, np.ones(gram.shape[0]))
    except np.linalg.LinAlgError:
        return None
    total = weights.sum()
    if not np.isfinite(total) or total == 0:
        return None
    return ((weights / total) @ flat[1:]).reshape(iterates[0].shape)
