"""Extending the linear models: write your own penalty.

A penalty is a subclass of :class:`Penalty` that implements the methods a
solver calls; every estimator of :mod:`sklearn_mtl.linear_model` that takes a
``penalty`` then fits with it, grid-searches its parameters and refuses a
solver that cannot use it, naming the methods it lacks. The solvers list what
they call:

- block coordinate descent (``solver="bcd"``), for a penalty that is a sum
  over the rows of ``W``: ``value``, ``prox_rows``, ``subdiff_distance`` and
  ``restrict`` (the penalty on a working set of rows); with
  ``compiled_row_prox`` (a row prox made by :func:`row_prox`) its epochs of
  the squared loss are compiled; with ``dual_norm`` and ``conjugate`` it
  stops on the duality gap; with ``screen`` it discards features proved
  zero;
- accelerated proximal gradient (``solver="fista"``), for any penalty:
  ``value`` and ``prox``, and ``smooth_value``, ``smooth_gradient`` and
  ``smooth_lipschitz`` for a smooth part (all three or none); with
  ``dual_norm`` and ``conjugate`` it stops on the duality gap.

``solver="auto"`` takes block coordinate descent when the penalty has what
it needs. The user guide's "Write your own penalty" walks through a complete
example.

Regularization paths (:func:`~sklearn_mtl.linear_model.multitask_path` and the
``*CV`` estimators) vary the strength parameters a penalty lists in
``strength_names`` (``("alpha",)`` by default), the first set to each alpha
and the others kept in their ratio to it; their automatic grid starts from
the penalty's ``alpha_max(C)`` (the smallest strength that zeroes ``W``) or,
for a penalty that only shrinks ``W``, from its ``smooth_lipschitz`` or
``curvature(n_features, n_outputs)``; without any of them, pass the alphas.
A penalty that learns how the tasks relate reports it with
``task_structure(W)``: a dict of fitted attributes of the estimator.
"""

from ._bcd_kernels import ROW_PROX_SIGNATURE, CompiledRowProx, row_prox
from ._penalties import Penalty

__all__ = ["ROW_PROX_SIGNATURE", "CompiledRowProx", "Penalty", "row_prox"]
