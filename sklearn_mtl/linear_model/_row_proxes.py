"""Compiled row proxes of the built-in row-separable penalties.

Each is a :func:`~._bcd_kernels.row_prox` of
:data:`~._bcd_kernels.ROW_PROX_SIGNATURE`, returned with its parameters by
its penalty's ``compiled_row_prox`` (see :mod:`._penalties`).
"""

import numpy as np
from numba import njit

from ._bcd_kernels import row_prox

__all__ = [
    "_dirty_row_prox",
    "_elastic_net_row_prox",
    "_l1_row_prox",
    "_l2_row_prox",
    "_l21_row_prox",
]


@njit(cache=True, fastmath=True)
def _shrink_row(row, threshold, shrink, out):
    """``out = row * max(0, 1 - threshold / ||row||) / shrink``."""
    norm = 0.0
    for u in range(row.size):
        norm += row[u] * row[u]
    norm = np.sqrt(norm)
    scale = (1.0 - threshold / norm) / shrink if norm > threshold else 0.0
    for u in range(row.size):
        out[u] = row[u] * scale


@njit(cache=True, fastmath=True)
def _soft_threshold_row(row, alpha, entry_steps, out):
    for u in range(row.size):
        threshold = alpha * entry_steps[u]
        out[u] = max(row[u] - threshold, 0.0) + min(row[u] + threshold, 0.0)


@row_prox
def _l1_row_prox(row, block_step, entry_steps, params, part, feature, out):
    _soft_threshold_row(row, params[0], entry_steps, out)


@row_prox
def _l2_row_prox(row, block_step, entry_steps, params, part, feature, out):
    for u in range(row.size):
        out[u] = row[u] / (1.0 + params[0] * entry_steps[u])


@row_prox
def _l21_row_prox(row, block_step, entry_steps, params, part, feature, out):
    _shrink_row(row, params[0] * block_step, 1.0, out)


@row_prox
def _elastic_net_row_prox(row, block_step, entry_steps, params, part, feature, out):
    _shrink_row(row, params[0] * block_step, 1.0 + params[1] * block_step, out)


@row_prox
def _dirty_row_prox(row, block_step, entry_steps, params, part, feature, out):
    if part == 0:
        _shrink_row(row, params[0] * block_step, 1.0, out)
    else:
        _soft_threshold_row(row, params[1], entry_steps, out)
