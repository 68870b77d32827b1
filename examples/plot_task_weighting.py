"""
==================================================
Task weighting: tasks on unequal scales in one net
==================================================

A multi-task net trains on the mean of the task losses. When one task's
loss is a hundred times larger than another's, the mean is mostly the large
task's loss, and a small shared trunk is spent on it. Standardizing the
targets (the regressor's default) removes the difference of scale before
training; adaptive task weighting reweights the tasks while training.

Here the targets are left in their units (``standardize_targets=False``), the
trunk has 8 units for two unrelated tasks, and three settings are compared:

- ``weighting=None``: the static mean of the task losses;
- ``"uncertainty"``: :class:`~sklearn_mtl.neural.weighting.UncertaintyWeighting`
  learns one log-variance per task and divides each loss by its variance;
- ``"gradnorm"``: :class:`~sklearn_mtl.neural.weighting.GradNorm` learns
  weights that give the tasks' gradients (on the shared representation)
  comparable norms.

The weights each strategy applied are recorded in the net's history
(``task_weights``, one list per epoch), which the first figure shows.
"""

# %%
# Data: two tasks on very different scales
# ----------------------------------------
#
# Each task is a smooth function of its own direction of the same inputs; the
# second is in units a hundred times larger, and 30% of each task's labels are
# missing (NaN).

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split

from sklearn_mtl.metrics import multitask_r2_score
from sklearn_mtl.neural import MultiTaskNetRegressor

rng = np.random.default_rng(0)
X = rng.normal(size=(800, 10)).astype(np.float32)
signal = np.tanh(X @ rng.normal(size=(10, 2)) / 2)
Y = signal * [1.0, 100.0] + rng.normal(scale=[0.1, 10.0], size=signal.shape)
Y[rng.random(Y.shape) < 0.3] = np.nan
X_train, X_test, Y_train, Y_test = train_test_split(X, Y, random_state=0)

# %%
# One net per strategy
# --------------------

strategies = [None, "uncertainty", "gradnorm"]
nets = {}
for weighting in strategies:
    nets[str(weighting)] = MultiTaskNetRegressor(
        weighting=weighting,
        standardize_targets=False,
        module__hidden_units=(8,),
        max_epochs=60,
        lr=3e-3,
        batch_size=64,
        verbose=0,
        random_state=0,
    ).fit(X_train, Y_train)

# %%
# The weights over the epochs
# ---------------------------
#
# The static mean gives both tasks the weight 1. Both adaptive strategies move
# weight from the large task to the small one, each by its own rule.

fig, axes = plt.subplots(1, 2, figsize=(8, 3.2), sharex=True)
for ax, name in zip(axes, strategies[1:], strict=True):
    weights = np.array(nets[name].history[:, "task_weights"])
    epochs = np.arange(1, len(weights) + 1)
    ax.semilogy(epochs, weights[:, 0], label="task 0 (scale 1)")
    ax.semilogy(epochs, weights[:, 1], label="task 1 (scale 100)")
    ax.set_title(f'weighting="{name}"')
    ax.set_xlabel("epoch")
axes[0].set_ylabel("task weight (mean over the epoch)")
axes[0].legend()
fig.tight_layout()

# %%
# Test scores per task
# --------------------
#
# R^2 on each task's observed test labels. Reweighting trades the tasks
# against each other: the small task gains what the large one loses. Whether
# the trade is worth it is a per-task question, which
# :func:`~sklearn_mtl.model_selection.compare_estimators` answers on
# cross-validation folds; the user guide's page on task weighting lists the
# strategies and what they cost.

scores = {
    name: multitask_r2_score(Y_test, net.predict(X_test), multioutput="raw_values")
    for name, net in nets.items()
}
for name, task_scores in scores.items():
    print(
        f"{name:>12}: "
        + ", ".join(f"task {t}: {s:.3f}" for t, s in enumerate(task_scores))
    )

fig, ax = plt.subplots(figsize=(6, 3))
width = 0.25
for k, (name, task_scores) in enumerate(scores.items()):
    ax.bar(np.arange(2) + (k - 1) * width, task_scores, width, label=name)
ax.set_xticks([0, 1], ["task 0 (scale 1)", "task 1 (scale 100)"])
ax.set_ylabel("test R^2")
ax.set_ylim(0, 1)
ax.legend(title="weighting", fontsize="small")
fig.tight_layout()
plt.show()
