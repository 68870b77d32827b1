"""
==========================================================
Sharing architectures: which experts does each task use?
==========================================================

A multi-gate mixture of experts (:class:`~sklearn_mtl.neural.MMoE`) shares
a few expert networks among the tasks and gives each task its own gate, a
softmax over the experts computed from the inputs. Tasks that have much in
common can use the same experts, tasks that do not can use different ones,
where hard sharing (:class:`~sklearn_mtl.neural.MultiTaskMLP`) makes every
task read one trunk.

Here three regression tasks are built as in the synthetic experiment of Ma et
al. (KDD 2018): tasks ``a`` and ``b`` are the same function of one direction
of the inputs (task correlation 1), task ``c`` the same kind of function of
an orthogonal direction (correlation 0). After fit,
:func:`~sklearn_mtl.neural.mean_gate_weights` tells which experts each task
uses: ``a`` and ``b`` should weigh the experts alike, ``c`` differently.
"""

# %%
# Data: two identical tasks and an unrelated one
# ----------------------------------------------
#
# Each label is ``z + sum_i sin(alpha_i z + beta_i)`` plus a little noise,
# where ``z = w^T x`` is the projection of the inputs on the task's unit
# vector ``w``: one vector for tasks ``a`` and ``b``, an orthogonal one for
# task ``c``.

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split

from sklearn_mtl.neural import (
    MMoE,
    MultiTaskMLP,
    MultiTaskNetRegressor,
    mean_gate_weights,
)

rng = np.random.default_rng(0)
n_samples, n_features = 3000, 20
X = rng.standard_normal((n_samples, n_features)).astype(np.float32)
directions, _ = np.linalg.qr(rng.standard_normal((n_features, 2)))
alphas, betas = rng.standard_normal(5), rng.standard_normal(5)


def label(z):
    return z + np.sin(np.outer(z, alphas) + betas).sum(axis=1)


z_ab, z_c = (X @ directions).T
Y = np.column_stack([label(z_ab), label(z_ab), label(z_c)])
Y += 0.05 * rng.standard_normal(Y.shape)
tasks = ["a", "b", "c"]
X_train, X_test, Y_train, Y_test = train_test_split(X, Y, random_state=0)

# %%
# An MMoE and a hard-sharing net of the same width
# ------------------------------------------------
#
# Both nets are :class:`~sklearn_mtl.neural.MultiTaskNetRegressor`; the
# architecture is the ``module`` and its sizes are ``module__`` parameters.
# The MMoE has 4 experts of 16 units and the hard-sharing trunk 64 units, so
# that both have 64 hidden units below the towers (the MMoE's towers read a
# mixture of 16 values, which makes it the smaller net); every task has a
# tower of 8 units.

common = {
    "module__head_hidden_units": (8,),
    "lr": 3e-3,
    "max_epochs": 40,
    "verbose": 0,
    "random_state": 0,
}
nets = {
    "hard sharing": MultiTaskNetRegressor(
        module=MultiTaskMLP, module__hidden_units=(64,), **common
    ),
    "MMoE": MultiTaskNetRegressor(
        module=MMoE, module__n_experts=4, module__expert_hidden_units=(16,), **common
    ),
}
mse = {}
for name, net in nets.items():
    net.fit(X_train, Y_train)
    mse[name] = np.mean((net.predict(X_test) - Y_test) ** 2, axis=0)
    n_params = sum(p.numel() for p in net.module_.parameters())
    print(f"{name}: {n_params} parameters, test MSE per task {np.round(mse[name], 3)}")

# %%
# Which experts does each task use?
# ---------------------------------
#
# ``mean_gate_weights(net, X)`` averages each task's gate weights over the
# rows of ``X``: one row per task, summing to one over the experts. For the
# weights of every row, call the module's ``gate_weights`` on a tensor
# (``net.module_.gate_weights(torch.as_tensor(X))``, shape ``(n_tasks,
# n_samples, n_experts)``); for :class:`~sklearn_mtl.neural.PLE`, pass
# ``level=`` to choose the extraction level.

weights = mean_gate_weights(nets["MMoE"], X_test)

fig, (ax_gates, ax_mse) = plt.subplots(
    1, 2, figsize=(9, 3.4), layout="constrained", width_ratios=[1.2, 1]
)
image = ax_gates.imshow(weights, cmap="Blues", vmin=0, vmax=weights.max())
for (t, e), value in np.ndenumerate(weights):
    ax_gates.text(e, t, f"{value:.2f}", ha="center", va="center", fontsize=9)
ax_gates.set_xticks(range(weights.shape[1]), [f"expert {e}" for e in range(4)])
ax_gates.set_yticks(range(len(tasks)), [f"task {t}" for t in tasks])
ax_gates.set_title("MMoE: mean gate weight on the test rows")
fig.colorbar(image, ax=ax_gates, shrink=0.8)

width = 0.38
positions = np.arange(len(tasks))
for i, (name, values) in enumerate(mse.items()):
    ax_mse.bar(positions + (i - 0.5) * width, values, width, label=name)
ax_mse.set_xticks(positions, [f"task {t}" for t in tasks])
ax_mse.set_ylabel("test MSE")
ax_mse.set_title("Test error per task")
ax_mse.legend()
plt.show()

# %%
# Tasks ``a`` and ``b``, which have the same signal, give the experts about
# the same weights; task ``c`` leans on other experts. How far the gates
# separate depends on the seed and the training budget: a gate is a soft
# choice, and several experts can serve one task. On this small set and
# budget the MMoE does not predict better than hard sharing: its gates show
# how it shares, not that it should be preferred. The benchmarks compare every
# architecture on the full experiment of Ma et al. (test loss against task
# correlation, five seeds) and on census-income; :ref:`architectures` explains
# what each architecture does and when to use it.
