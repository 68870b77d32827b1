"""Honest single-task and pooled baselines for multi-task comparisons."""

from ._independent import IndependentTaskClassifier, IndependentTaskRegressor
from ._pooled import PooledTaskClassifier, PooledTaskRegressor

__all__ = [
    "IndependentTaskClassifier",
    "IndependentTaskRegressor",
    "PooledTaskClassifier",
    "PooledTaskRegressor",
]
