"""From a task's decision scores to its class probabilities."""

import numpy as np
from scipy.special import expit, softmax

__all__ = ["class_probabilities"]


def class_probabilities(scores):
    """Class probabilities of one classification task from its scores.

    Parameters
    ----------
    scores : ndarray of shape (n_samples, 1) or (n_samples, n_classes)
        One logit of the second class (binary task: the logistic link), or
        one score per class (the softmax link).

    Returns
    -------
    probabilities : ndarray of shape (n_samples, n_classes)
        Rows summing to 1; two columns for a binary task.
    """
    if scores.shape[1] == 1:
        positive = expit(scores[:, 0])
        return np.column_stack([1.0 - positive, positive])
    return softmax(scores, axis=1)
