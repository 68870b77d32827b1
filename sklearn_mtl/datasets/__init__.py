"""Synthetic multi-task data generators and loaders of real benchmark data.

The generators draw tasks with a shared support and a tunable relatedness.
The loaders read files from a local folder: their ``data_home`` argument, else
the environment variable ``SKLEARN_MTL_DATA``, else ``~/sklearn_mtl_data``.
"""

from ._census import load_census_income
from ._generators import make_multitask_classification, make_multitask_regression
from ._loaders import (
    load_computer_survey,
    load_landmine,
    load_parkinsons,
    load_sarcos,
    load_school,
    load_tox21,
    load_toxcast,
)

__all__ = [
    "load_census_income",
    "load_computer_survey",
    "load_landmine",
    "load_parkinsons",
    "load_sarcos",
    "load_school",
    "load_tox21",
    "load_toxcast",
    "make_multitask_classification",
    "make_multitask_regression",
]
