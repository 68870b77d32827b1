"""The inner problems of block coordinate descent, on one working set.

:class:`_WorkingSetProblem` runs the compiled epochs of the squared datafit
(proximal block updates, each row's model minimized exactly) and
:class:`_NewtonProblem` minimizes a datafit that is not quadratic (the
logistic one) by proximal Newton steps whose quadratic models those epochs
minimize, with a curvature damped per task (:class:`_Damping`) and a line
search. The outer loop (working sets, screening, the duality gap on all
features) is :class:`._bcd.BlockCoordinateDescent`.
"""

from dataclasses import dataclass

import numpy as np

from ._bcd_kernels import add_weighted_change, weighted_squares
from ._datafits import Squared
from ._solver_base import (
    evaluate_optimality,
    optimality_at,
    squared_optimality,
)


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
    refine : array-like of shape (2,) or None, default=None
        The compiled epochs' row refinement, ``(largest number of steps,
        tolerance)``; None for :func:`row_refinement`'s.
    """

    def __init__(
        self, design, datafit, penalty, lipschitz, means, *, fit_intercept, compiled,
        refine=None,
    ):  # fmt: skip
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
            if refine is None:
                refine = row_refinement(datafit)
            self.kernel_arguments = (
                self.means, fit_intercept, self.block_steps, self.entry_steps,
                *_compiled_penalty(penalty, refine),
            )  # fmt: skip
            # The compiled epochs want the weights as they store residuals.
            self.weights = datafit.kernel_weights(design)
            # Every entry of an output weighs the same: a rank-one update
            # (dense entries), or updates that read no per-label weight.
            uniform = datafit.uniform or datafit.uniform_labels
            self.output_weights = datafit.output_weights if uniform else None

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
            self.design.epoch(
                self.weights, state.residuals, coefs, state.intercept,
                self.datafit.normalizer, self.output_weights, *self.kernel_arguments,
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
        if self.compiled:
            optimality = squared_optimality(
                self.design, self.datafit, self.penalty, coefs, state.residuals
            )
        else:
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
        # The residuals in place of the predictions (in the epochs' order).
        self.residuals = datafit.residuals(Z, out=problem.design.kernel_entries(Z))

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


#: The exact minimization of a row's model (:func:`._bcd_kernels._refine_row`)
#: takes at most this many prox steps on the row...
ROW_ITERATIONS = 64
#: ... and at most one per this many entries of an output (a step costs
#: about as much as this many entries of a pass over the data)...
ROW_ENTRIES = 24
#: ... until a step moves the row by at most this fraction of its first move.
ROW_TOLERANCE = 1e-3


def row_refinement(datafit):
    """The ``refine`` argument of the compiled epochs for ``datafit``.

    A prox step on a row costs about ``n_outputs`` operations, a pass of a
    feature over the data about the number of labels: the refinement gets a
    budget of steps in proportion to the labels per output (the same on
    either layout of the entries).
    """
    n_outputs = max(datafit.n_outputs, 1)
    steps = min(ROW_ITERATIONS, datafit.n_labels // (ROW_ENTRIES * n_outputs))
    return np.array([float(max(steps, 2)), ROW_TOLERANCE])


def _compiled_penalty(penalty, refine):
    """What the compiled epochs take of a penalty: prox, parameters, flags, refine."""
    prox, params = penalty.compiled_row_prox()
    return (
        prox,
        np.ascontiguousarray(params, dtype=np.float64),
        np.array(penalty.part_is_entrywise, dtype=bool),
        np.ascontiguousarray(refine, dtype=np.float64),
    )


#: Proximal Newton: at most this many epochs on one quadratic model...
NEWTON_EPOCHS = 20
#: ... stopping when an epoch's largest prox-gradient mapping is at most this
#: fraction of the first epoch's.
NEWTON_EPOCH_TOL = 0.3
#: Anderson extrapolation of the epochs on a model, from this many epochs
#: (0: none).
NEWTON_ANDERSON = 5
#: Above this many entries (labels on the observed entries, rows x outputs
#: on the dense ones), a proximal Newton step keeps two entry arrays at most
#: (no Anderson extrapolation; ``X W`` computed again after the epochs).
NEWTON_LARGE = 1 << 22
#: Sufficient decrease of the line search (Armijo), as a fraction of the
#: decrease predicted by the first-order part of the model.
ARMIJO = 1e-4
#: A predicted change of the objective below this fraction of its value is
#: round-off: the step is taken without a line search.
ROUND_OFF = 1e-13


class _Damping:
    """Per task, how far each task's model curvature leans to its upper bound.

    ``0``: the loss's own curvature (Newton); ``1``: a global upper bound of
    the loss, so that the model majorizes it (a step that decreases the model
    decreases the loss). Starts at 1 and follows the ratio of the actual to
    the predicted decrease of each task's loss, as a trust region does:
    divided by 4 when the model predicted well, multiplied by 4 when it
    predicted badly.

    Parameters
    ----------
    datafit : Logistic
        The datafit (its ``output_task`` maps outputs to tasks).
    """

    def __init__(self, datafit):
        self.output_task = getattr(datafit, "output_task", np.arange(datafit.n_outputs))
        self.values = np.ones(int(self.output_task.max(initial=-1)) + 1)

    def per_output(self):
        return self.values[self.output_task]

    def update(self, actual, predicted, reference):
        """Update from each task's actual and predicted change of its loss.

        The model's error ``actual - predicted`` is measured against the
        predicted change: at most a quarter of it, the model predicted well
        (for a decrease, the ratio of actual to predicted is at least 3/4);
        more than three quarters, badly (the ratio is below 1/4). Changes
        within round-off of the loss (``reference``) count as well
        predicted.
        """
        error = actual - predicted
        scale = np.abs(predicted)
        noise = 1e-12 * np.abs(reference)
        good = error <= 0.25 * scale + noise
        bad = error > 0.75 * scale + noise
        values = self.values
        values[good] *= 0.25
        values[bad] = np.minimum(1.0, np.maximum(4.0 * values[bad], 1e-2))
        values[values < 1e-4] = 0.0


class _NewtonProblem:
    """A working set of a datafit with a quadratic model, by proximal Newton steps.

    Each step builds the second-order model of the datafit around the current
    predictions (:meth:`Logistic.quadratic_model`, its curvature damped per
    task by :class:`_Damping`), minimizes model + penalty on the working set
    with the compiled epochs of a weighted squared loss (the intercepts kept
    optimal for the model), and moves along the step found, shortened until
    the objective decreases enough (Armijo).

    Parameters
    ----------
    design : DenseDesign, GatheredDesign or IndexedDesign
        The working set's design.
    datafit : Logistic
        Datafit of the problem, on the entries of ``design``.
    penalty : penalty object
        A row-separable penalty with a compiled row prox, restricted to the
        working set.
    damping : _Damping
        The per-task damping, shared by the working sets of one solve.
    fit_intercept : bool
        Whether intercepts are fitted.
    """

    def __init__(self, design, datafit, penalty, damping, *, fit_intercept):
        self.design = design
        self.datafit = datafit
        self.penalty = penalty
        self.damping = damping
        self.fit_intercept = fit_intercept
        self.compiled = _compiled_penalty(penalty, row_refinement(datafit))
        self._initial_mapping = None

    def solve(self, coefs, intercept, tol, max_epochs, use_gap):
        """Newton steps until the working set's criterion is at most ``tol``.

        Returns the coefficients, the intercepts and the number of epochs.
        The solve holds ``X W`` and the intercepts, never their sum: the
        datafit's passes add the intercepts on the fly (for binary tasks).
        On a large problem (more than :data:`NEWTON_LARGE` entries) a step
        holds two entry arrays at most: ``X W`` is dropped while the model is
        minimized (its residuals and curvature) and computed again, and the
        Anderson extrapolation, which needs a third, is not used.
        """
        design, datafit = self.design, self.datafit
        large = _n_entries(datafit) > NEWTON_LARGE
        linear = [design.linear(coefs.sum(axis=0))]
        if self.fit_intercept:
            intercept = datafit.intercept(linear[0], intercept)
        epochs = 0
        while epochs < max_epochs:
            step = self._step(
                linear, intercept, coefs, max_epochs - epochs, anderson=not large
            )
            if step is None:
                break
            epochs += step.epochs
            if large:
                linear = [design.linear(coefs.sum(axis=0))]
            t = self._line_search(linear[0], intercept, coefs, step)
            if t == 0.0:
                if np.all(self.damping.values == 1.0):
                    break  # the model bounds the loss: no decrease is left
                # Retry from the bound (a step that decreases it decreases
                # the loss).
                self.damping.values[:] = 1.0
                continue
            coefs += t * step.direction
            step.delta_linear *= t
            linear[0] += step.delta_linear
            intercept = intercept + t * step.delta_intercept
            step = None
            if self.fit_intercept:
                intercept = datafit.intercept(linear[0], intercept)
            if self._criterion(linear[0], intercept, coefs, use_gap) <= tol:
                break
        return coefs, intercept, epochs

    def _criterion(self, linear, intercept, coefs, use_gap):
        """The working set's duality gap (or optimality violation)."""
        optimality = optimality_at(
            self.design, self.datafit, self.penalty, coefs, linear, intercept
        )
        if use_gap:
            return optimality.gap
        return self.penalty.subdiff_distance(coefs, optimality.gradient).max(
            initial=0.0
        )

    def _step(self, linear, intercept, coefs, max_epochs, anderson):
        """Minimize the model plus the penalty from ``coefs``; None if no model.

        ``linear`` is a list holding ``X W``: it is emptied (the array freed)
        once the model is built when ``anderson`` is False (a large problem).
        Returns a :class:`_NewtonStep`.
        """
        design, datafit, layout = self.design, self.datafit, self.datafit.layout
        if anderson:
            gradient, curvature = datafit.quadratic_model(
                linear[0], self.damping.per_output(), intercept
            )
        else:
            # The gradient in place of X W, computed again after the epochs.
            gradient, curvature = datafit.quadratic_model(
                linear.pop(), self.damping.per_output(), intercept, overwrite=True
            )
        totals = layout.sums(curvature)
        if not np.any(totals > 0):
            return None
        first, second = design.moments(curvature)
        positive = totals > 0
        safe_totals = np.where(positive, totals, 1.0)
        if self.fit_intercept:
            means = first / safe_totals
            lipschitz = second - totals * means**2
            # Round-off leaves tiny values (of either sign) where a column is
            # constant over an output's labels: no curvature there.
            lipschitz[lipschitz <= 1e-12 * second] = 0.0
            delta_intercept = np.where(
                positive, -layout.sums(gradient) / safe_totals, 0.0
            )
        else:
            means = np.zeros_like(first)
            lipschitz = second
            delta_intercept = np.zeros(datafit.n_outputs)
        first = second = None
        weights = design.kernel_entries(curvature)
        curvature = None
        offsets = _flat_offsets(layout)
        # The model's smooth part is sum (r^2 - g^2) / (2 k) over the entries
        # (r its residuals -(g + k D), g the loss's gradient, k the curvature,
        # D the change of Z): its change per output is that of sum r^2 / (2 k)
        # from r = -g.
        residuals = design.kernel_entries(gradient)
        gradient = None
        start = _output_squares(residuals, weights, offsets)
        # The residuals at the starting intercepts (optimal for the model
        # with W unchanged), in place of the gradient.
        _add_change(residuals, weights, None, delta_intercept, layout)
        residuals *= -1.0
        with np.errstate(divide="ignore"):
            entry_steps = np.where(lipschitz > 0, 1.0 / lipschitz, 0.0)
            block_max = lipschitz.max(axis=1, initial=0.0)
            block_steps = np.where(block_max > 0, 1.0 / block_max, 0.0)
        arguments = (
            np.ascontiguousarray(means), self.fit_intercept, block_steps,
            np.ascontiguousarray(entry_steps), *self.compiled,
        )  # fmt: skip
        new = coefs.copy()
        first_mapping = None
        epochs = 0
        iterates = []
        while epochs < min(NEWTON_EPOCHS, max_epochs):
            mapping = design.epoch(
                weights, residuals, new, delta_intercept, 1.0, None, *arguments
            )
            epochs += 1
            if first_mapping is None:
                first_mapping = mapping
                if self._initial_mapping is None:
                    self._initial_mapping = mapping
                # An inexact Newton method's forcing term: the model is
                # solved more exactly as the steps shrink (superlinear
                # convergence), loosely far from the solution.
                progress = first_mapping / max(self._initial_mapping, 1e-300)
                forcing = NEWTON_EPOCH_TOL * min(1.0, np.sqrt(progress))
            if mapping <= forcing * first_mapping:
                break
            if anderson and NEWTON_ANDERSON:
                iterates.append(np.concatenate([new.ravel(), delta_intercept]))
                if len(iterates) == NEWTON_ANDERSON + 1:
                    extrapolated = _anderson_extrapolation(iterates)
                    iterates = []
                    if extrapolated is not None:
                        residuals = self._extrapolate(
                            extrapolated, new, delta_intercept, weights, residuals
                        )
        predicted = 0.5 * (_output_squares(residuals, weights, offsets) - start)
        residuals = weights = None
        direction = new - coefs
        new = None
        delta_linear = design.linear(direction.sum(axis=0))
        return _NewtonStep(direction, delta_linear, delta_intercept, epochs, predicted)

    def _extrapolate(self, extrapolated, new, delta_intercept, weights, residuals):
        """Move to an Anderson extrapolation of the epochs if the model prefers it.

        Two points of the model compare by ``sum r^2 / (2 k)`` plus the
        penalty (see :meth:`_step`). The candidate's residuals are the
        current ones minus ``k`` times the change of ``Z`` between the two
        points. ``new`` and ``delta_intercept`` are updated in place;
        returns the residuals.
        """
        layout = self.datafit.layout
        offsets = _flat_offsets(layout)
        split = new.size
        candidate = extrapolated[:split].reshape(new.shape)
        candidate_intercept = extrapolated[split:]
        change = self.design.kernel_entries(
            self.design.linear((candidate - new).sum(axis=0))
        )
        _add_change(
            change, weights, None, candidate_intercept - delta_intercept, layout
        )
        # change = k * (change of Z), then the candidate's residuals.
        _scale_by(change, weights)
        np.subtract(residuals, change, out=change)
        before = 0.5 * _output_squares(residuals, weights, offsets).sum()
        after = 0.5 * _output_squares(change, weights, offsets).sum()
        if not after + self.penalty.value(candidate) < before + self.penalty.value(new):
            return residuals
        new[...] = candidate
        delta_intercept[...] = candidate_intercept
        return change

    def _line_search(self, linear, intercept, coefs, step):
        """Step length along the Newton step (Armijo); 0 if none decreases.

        The sufficient decrease is a fraction of the model's decrease (its
        change of the datafit plus that of the penalty), as in Tseng and
        Yun's coordinate gradient descent. Also updates the damping of each
        task from how well its model predicted the change of its loss at the
        full step.
        """
        datafit, penalty = self.datafit, self.penalty
        n_tasks = self.damping.values.size
        task_of = self.damping.output_task
        predicted = np.bincount(task_of, step.predicted, minlength=n_tasks)
        penalty_before = penalty.value(coefs)
        values_before = datafit.task_values(linear, intercept)
        before = values_before.sum() + penalty_before
        decrease = (
            step.predicted.sum()
            + penalty.value(coefs + step.direction)
            - penalty_before
        )
        if abs(decrease) <= ROUND_OFF * abs(before):
            # The step changes the objective by its round-off: no test can
            # tell a decrease, and the model is exact at this scale (the
            # coefficients still move by about the square root of it).
            return 1.0
        if not decrease < 0:
            return 0.0
        t = 1.0
        while t > 1e-10:
            values, secant = datafit.line(
                linear, step.delta_linear, t, intercept + t * step.delta_intercept,
                step.delta_intercept,
            )  # fmt: skip
            if t == 1.0:
                self.damping.update(values - values_before, predicted, values_before)
            penalty_after = penalty.value(coefs + t * step.direction)
            if values.sum() + penalty_after <= before + ARMIJO * t * decrease:
                return t
            # Near the solution the decrease drowns in the round-off of the
            # objective's value: the slope of the secant tells instead. The
            # datafit being convex, F(t) - F(0) <= t * (gradient(t) . dZ) +
            # penalty(t) - penalty(0), so a non-positive bound is a descent.
            if t * secant + penalty_after - penalty_before <= 0:
                return t
            t *= 0.5
        return 0.0


def _n_entries(datafit):
    """Number of entries of the datafit's entry arrays."""
    return int(np.prod(datafit.layout.shape))


def _output_squares(residuals, weights, offsets):
    """Per output, ``sum r^2 / k`` over its entries with ``k > 0``."""
    out = np.empty(offsets.size - 1)
    weighted_squares(_flat(residuals), _flat(weights), offsets, out)
    return out


def _flat_offsets(layout):
    """Where each output's entries start in a flat kernel entry array."""
    if layout.kind == "dense":
        return np.arange(layout.n_outputs + 1, dtype=np.intp) * layout.n_samples
    return layout.offsets


def _flat(entries):
    """A flat view of a kernel entry array (Fortran order when dense)."""
    return entries.ravel(order="K")


def _add_change(target, weights, delta_linear, delta_intercept, layout):
    """``target += k * (delta_linear + delta_intercept)`` with ``k = weights``.

    ``delta_linear`` may be None (only the intercepts change). In place,
    without a temporary entry array.
    """
    add_weighted_change(
        _flat(target), _flat(weights),
        None if delta_linear is None else _flat(delta_linear),
        np.ascontiguousarray(delta_intercept, dtype=np.float64),
        _flat_offsets(layout),
    )  # fmt: skip


def _scale_by(target, weights):
    """``target *= weights`` in place (kernel entry arrays)."""
    flat = _flat(target)
    flat *= _flat(weights)


@dataclass
class _NewtonStep:
    """A proximal Newton step: changes of ``W``, ``X W`` and ``b``, and its model.

    ``predicted`` is the model's change of the datafit per output along the
    full step.
    """

    direction: np.ndarray
    delta_linear: np.ndarray
    delta_intercept: np.ndarray
    epochs: int
    predicted: np.ndarray


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
