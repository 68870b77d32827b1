"""Synthetic multi-task data generators, fetchers and loaders of real data.

The generators draw tasks with a shared support and a tunable relatedness.
The loaders read files from a local folder: their ``data_home`` argument, else
the environment variable ``SKLEARN_MTL_DATA``, else ``~/sklearn_mtl_data``.
The fetchers fill that folder: they download each data set from its original
source (or from the base URL in ``SKLEARN_MTL_DATA_MIRROR``), check it, convert
it and cache it there, then load it. One small real data set ships inside
the package and needs neither: ``load_parkinsons_patients``.
"""

from ._base import get_data_home
from ._census import load_census_income
from ._embedded import load_parkinsons_patients
from ._fetchers import (
    fetch_census_income,
    fetch_computer_survey,
    fetch_landmine,
    fetch_parkinsons,
    fetch_sarcos,
    fetch_school,
    fetch_tox21,
    fetch_toxcast,
)
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
    "fetch_census_income",
    "fetch_computer_survey",
    "fetch_landmine",
    "fetch_parkinsons",
    "fetch_sarcos",
    "fetch_school",
    "fetch_tox21",
    "fetch_toxcast",
    "get_data_home",
    "load_census_income",
    "load_computer_survey",
    "load_landmine",
    "load_parkinsons",
    "load_parkinsons_patients",
    "load_sarcos",
    "load_school",
    "load_tox21",
    "load_toxcast",
    "make_multitask_classification",
    "make_multitask_regression",
]
