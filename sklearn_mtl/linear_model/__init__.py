"""Classical regularized multi-task linear models.

Estimators are thin presets over three components: a datafit (squared or
logistic loss on the observed labels), a penalty on the coefficient matrix
and a solver (block coordinate descent or accelerated proximal gradient).
"""

from ._classification import MultiTaskLinearClassifier, MultiTaskLogisticRegression
from ._clustered import Clustered
from ._cv import MultiTaskElasticNetCV, MultiTaskLassoCV
from ._generic_cv import (
    MultiTaskLinearClassifierCV,
    MultiTaskLinearRegressorCV,
    MultiTaskLogisticRegressionCV,
)
from ._mtrl import TaskRelationship
from ._path import multitask_path
from ._penalties import (
    L1,
    L2,
    L21,
    Dirty,
    GraphLaplacian,
    L21ElasticNet,
    MeanRegularized,
    TraceNorm,
)
from ._regression import MultiTaskElasticNet, MultiTaskLasso, MultiTaskLinearRegressor

__all__ = [
    "L1",
    "L2",
    "L21",
    "Clustered",
    "Dirty",
    "GraphLaplacian",
    "L21ElasticNet",
    "MeanRegularized",
    "MultiTaskElasticNet",
    "MultiTaskElasticNetCV",
    "MultiTaskLasso",
    "MultiTaskLassoCV",
    "MultiTaskLinearClassifier",
    "MultiTaskLinearClassifierCV",
    "MultiTaskLinearRegressor",
    "MultiTaskLinearRegressorCV",
    "MultiTaskLogisticRegression",
    "MultiTaskLogisticRegressionCV",
    "TaskRelationship",
    "TraceNorm",
    "multitask_path",
]
