"""
=====================================================
ToxCast: 617 assays in one network
=====================================================

ToxCast measured 8,576 molecules in 617 high-throughput assays, but each
molecule went through only some of them: 71% of the labels are missing, and
an assay has from 50 to about 7,900 labelled molecules. With that many tasks,
the question changes from "which model wins" to "for which kind of task does
sharing help", and a per-task view must summarize 617 numbers.

We train one cheap multi-task network for all assays and 617 logistic
regressions, one per assay, and look at their per-assay scores.
"""

# %%
# The data
# --------
#
# :func:`~sklearn_mtl.datasets.fetch_toxcast` gives the 1,024 ECFP4
# fingerprint bits of each molecule and a label matrix ``Y`` with NaN for the
# assays a molecule did not go through. The assays differ widely in how many
# labels and actives they have.

import matplotlib.pyplot as plt
import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from sklearn_mtl.baselines import IndependentTaskClassifier
from sklearn_mtl.datasets import fetch_toxcast
from sklearn_mtl.inspection import MultiTaskRocCurveDisplay
from sklearn_mtl.metrics import multitask_roc_auc_score
from sklearn_mtl.model_selection import MultiTaskStratifiedKFold
from sklearn_mtl.neural import MultiTaskNetClassifier

toxcast = fetch_toxcast()
X = toxcast.data.astype(np.float32)
Y = toxcast.target
n_labels = np.sum(~np.isnan(Y), axis=0)
n_actives = np.nansum(Y, axis=0)
print(f"X: {X.shape}, Y: {Y.shape}, missing labels: {np.isnan(Y).mean():.0%}")

fig, axes = plt.subplots(1, 2, figsize=(10, 3.5), layout="constrained")
axes[0].hist(n_labels, bins=np.logspace(1.5, 4, 30))
axes[0].set(xscale="log", xlabel="labelled molecules per assay", ylabel="assays")
axes[1].hist(n_actives / n_labels, bins=30)
axes[1].set(xlabel="share of actives per assay", ylabel="assays")
plt.show()

# %%
# The assays come in batches that tested the same molecules (the peaks of the
# left histogram): a quarter of them have fewer than about 300 labels, half
# fewer than about 1,400. Most have under 20% actives, a few are mostly
# active: many assays have only a few dozen actives to learn from.
#
# We hold out 20% of the molecules with the first fold of a
# :class:`~sklearn_mtl.model_selection.MultiTaskStratifiedKFold`, which
# spreads each assay's labels and actives evenly over the folds, so that
# every assay has training and test labels.

cv = MultiTaskStratifiedKFold(5, shuffle=True, random_state=0)
train, test = next(cv.split(X, Y))

# %%
# Two cheap models
# ----------------
#
# - One :class:`~sklearn_mtl.neural.MultiTaskNetClassifier` for all assays: a
#   shared hidden layer of 512 units (with batch normalization and dropout,
#   the classifier's defaults, and weight decay) and 617
#   logistic outputs, trained for 15 epochs. Each assay's loss only counts
#   the molecules measured in it.
# - A logistic regression per assay
#   (:class:`~sklearn_mtl.baselines.IndependentTaskClassifier`), each on its
#   own labelled molecules. The fingerprints are sparse, so we pass them as a
#   CSR matrix to the ``liblinear`` solver, which then fits the 617 models in
#   a few seconds.
#
# Neither model is tuned (a cross-validated search over 617 tasks would take
# longer than this example should); we compare them, we do not crown one.

net = MultiTaskNetClassifier(
    module__hidden_units=(512,),
    module__dropout=0.5,
    optimizer__weight_decay=1e-4,
    lr=1e-3,
    max_epochs=15,
    verbose=0,
    torch_num_threads=1,  # small nets: one thread is fastest
    random_state=0,
)
net.fit(X[train], Y[train])

X_sparse = sparse.csr_matrix(X)
logistic = IndependentTaskClassifier(LogisticRegression(C=0.1, solver="liblinear"))
logistic.fit(X_sparse[train], Y[train])


def test_auc(model, X_test):
    proba = model.predict_proba(X_test)
    scores = np.column_stack([p[:, 1] for p in proba])
    return multitask_roc_auc_score(Y[test], scores, multioutput="raw_values")


auc_net = test_auc(net, X[test])
auc_logistic = test_auc(logistic, X_sparse[test])
print(
    f"mean test AUC over assays: network {np.nanmean(auc_net):.3f}, "
    f"logistic per assay {np.nanmean(auc_logistic):.3f}"
)

# %%
# One ROC curve per assay, 617 times
# ----------------------------------
#
# The :class:`~sklearn_mtl.inspection.MultiTaskRocCurveDisplay` still draws
# one curve per assay (from its observed test labels only); beyond 12 tasks
# it leaves the legend out. At this scale thin, transparent lines show the
# spread of the curves rather than any single assay.

display = MultiTaskRocCurveDisplay.from_estimator(
    net,
    X[test],
    Y[test],
    name="multi-task network",
    curve_kwargs={"linewidth": 0.5, "alpha": 0.25, "color": "tab:blue"},
)
plt.show()

# %%
# The curves fill the whole upper triangle: some assays are predicted almost
# perfectly, many barely better than chance. A few dozen test labels, with a
# handful of actives, make an assay's curve a coarse staircase and its AUC
# noisy.
#
# Per-assay scores against the number of labels
# ---------------------------------------------
#
# A more useful per-task view at this scale plots one point per assay: the
# network's test AUC against the logistic regression's, coloured by how many
# training labels the assay has. Points above the diagonal are assays where
# the shared network does better.

n_train = np.sum(~np.isnan(Y[train]), axis=0)
fig, ax = plt.subplots(figsize=(6, 5), layout="constrained")
points = ax.scatter(
    auc_logistic, auc_net, c=np.log10(n_train), s=10, cmap="viridis", alpha=0.8
)
ax.plot([0, 1], [0, 1], color="black", linewidth=0.8, linestyle="--")
ax.set(
    xlabel="test AUC, logistic regression per assay",
    ylabel="test AUC, multi-task network",
    xlim=(0.2, 1.0),
    ylim=(0.2, 1.0),
    aspect="equal",
)
fig.colorbar(points, label="log10(training labels of the assay)")
plt.show()

# %%
# The mean gain of the network over the logistic regressions, in four groups
# of assays split at the quartiles of their number of training labels (the
# groups are unequal, since the assays of a batch have the same count):

quarters = np.quantile(n_train, [0.25, 0.5, 0.75])
which = np.digitize(n_train, quarters)
gain = auc_net - auc_logistic
for q in range(4):
    in_q = which == q
    print(
        f"labels {n_train[in_q].min():>5} to {n_train[in_q].max():>5}: "
        f"mean gain {np.nanmean(gain[in_q]):+.3f}, network better on "
        f"{np.sum(gain[in_q] > 0)} of {np.sum(~np.isnan(gain[in_q]))} assays"
    )

# %%
# The network is ahead on average (a mean AUC of 0.684 against 0.659), and
# in every group of assays, but not on every assay: the mean gain is largest
# for the assays with a few hundred training labels (+0.04, better on 60 of
# 91), +0.02 to +0.03 for the better-labelled ones (better on 95 of 134 and
# on 144 of 244: even assays with thousands of labels of their own gain from
# the shared layer) and smallest for the smallest assays (+0.01, better on
# 81 of 148), whose handful of test actives makes them too noisy to tell.
# In the scatter plot, more assays of every colour lie above the diagonal
# than below, with a wide spread on both sides.
#
# These numbers come from one split and one seed; before acting on them
# (for example, keeping single-task models for the assays where the network
# is behind), repeat them over folds with
# :func:`~sklearn_mtl.model_selection.compare_estimators`, whose per-task
# paired tests say which of these differences hold up.
