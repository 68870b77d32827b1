"""The foundation's acceptance check on School: tuned baselines score consistently."""

from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_mtl.baselines import IndependentTaskRegressor
from sklearn_mtl.metrics import multitask_r2_score, pooled_explained_variance_score
from sklearn_mtl.model_selection import MultiTaskStratifiedKFold
from sklearn_mtl.utils import long_to_wide

DATA_HOME = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="module")
def school_split():
    if not (DATA_HOME / "school_vstg_10splits.npz").exists():
        pytest.skip(f"School data not found in {DATA_HOME}")
    splits = np.load(DATA_HOME / "school_vstg_10splits.npz")
    n_tasks = 139
    X_train, Y_train = long_to_wide(
        splits["rep1_X_train"],
        splits["rep1_y_train"],
        splits["rep1_task_train"],
        n_tasks=n_tasks,
    )
    X_test, Y_test = long_to_wide(
        splits["rep1_X_test"],
        splits["rep1_y_test"],
        splits["rep1_task_test"],
        n_tasks=n_tasks,
    )
    return X_train, Y_train, X_test, Y_test


def test_tuned_independent_ridge_scores_agree(school_split):
    X_train, Y_train, X_test, Y_test = school_split
    search = GridSearchCV(
        make_pipeline(StandardScaler(), IndependentTaskRegressor(Ridge())),
        {"independenttaskregressor__estimator__alpha": [1.0, 10.0, 100.0]},
        cv=MultiTaskStratifiedKFold(3, shuffle=True, random_state=0),
    ).fit(X_train, Y_train)
    Y_pred = search.predict(X_test)
    by_hand = []
    for t in range(Y_test.shape[1]):
        rows = ~np.isnan(Y_test[:, t])
        y, p = Y_test[rows, t], Y_pred[rows, t]
        by_hand.append(1 - np.sum((y - p) ** 2) / np.sum((y - y.mean()) ** 2))
    score = search.score(X_test, Y_test)
    assert abs(score - multitask_r2_score(Y_test, Y_pred)) < 1e-9
    assert abs(score - np.mean(by_hand)) < 1e-9
    observed = ~np.isnan(Y_test)
    y, p = Y_test[observed], Y_pred[observed]
    explained = 1 - np.mean((y - p) ** 2) / np.var(y)
    assert abs(pooled_explained_variance_score(Y_test, Y_pred) - explained) < 1e-9
    assert 0.30 < explained < 0.37  # the literature's single-task ridge range
