"""Loader of the census-income (KDD) data in its two-task setting.

The file is read from ``data_home`` like the other loaders (see
:mod:`sklearn_mtl.datasets._loaders`): when ``data_home`` is None, from the
environment variable ``SKLEARN_MTL_DATA``, falling back to
``~/sklearn_mtl_data``.
"""

import csv
import gzip

import numpy as np
from sklearn.utils import Bunch

from ._loaders import _data_file

__all__ = ["load_census_income"]

_FILENAME = "census-income.test.gz"

_COLUMNS = (
    "age",
    "class_of_worker",
    "industry_code",
    "occupation_code",
    "education",
    "wage_per_hour",
    "enrolled_in_edu_inst_last_wk",
    "marital_status",
    "major_industry_code",
    "major_occupation_code",
    "race",
    "hispanic_origin",
    "sex",
    "member_of_a_labor_union",
    "reason_for_unemployment",
    "full_or_part_time_employment_stat",
    "capital_gains",
    "capital_losses",
    "dividends_from_stocks",
    "tax_filer_status",
    "region_of_previous_residence",
    "state_of_previous_residence",
    "detailed_household_and_family_stat",
    "detailed_household_summary_in_household",
    "instance_weight",
    "migration_code_change_in_msa",
    "migration_code_change_in_reg",
    "migration_code_move_within_reg",
    "live_in_this_house_1_year_ago",
    "migration_prev_res_in_sunbelt",
    "num_persons_worked_for_employer",
    "family_members_under_18",
    "country_of_birth_father",
    "country_of_birth_mother",
    "country_of_birth_self",
    "citizenship",
    "own_business_or_self_employed",
    "fill_inc_questionnaire_for_veterans_admin",
    "veterans_benefits",
    "weeks_worked_in_year",
    "year",
    "income",
)
_NOT_FEATURES = ("marital_status", "instance_weight", "income")
_FEATURE_NAMES = np.array([name for name in _COLUMNS if name not in _NOT_FEATURES])
_NUMERIC_FEATURES = (
    "age",
    "wage_per_hour",
    "capital_gains",
    "capital_losses",
    "dividends_from_stocks",
    "num_persons_worked_for_employer",
    "weeks_worked_in_year",
)
_CATEGORICAL_FEATURES = np.array(
    [name for name in _FEATURE_NAMES if name not in _NUMERIC_FEATURES]
)
_TASK_NAMES = np.array(["income", "never_married"])

_DESCR = """\
Census-income (KDD), UCI: the test split of the census data of 1994-1995,
99,762 people, in the two-task setting of Ma et al. (KDD 2018, MMoE). Task
`income`: income above 50,000 USD (6.2% positive); task `never_married`:
marital status "Never married" (43.2% positive). Both columns are removed from
the 39 features: 7 numeric (age, wage per hour, capital gains and losses,
dividends, persons worked for the employer, weeks worked) and 32 categorical,
kept as strings, including the integer-coded industry, occupation,
self-employment, veterans-benefits and year columns. "?" marks an unknown
value and is kept as a category. The census instance weight is in
`sample_weight`. The usual metric is the ROC-AUC of each task."""


def _read_table(path):
    """The comma-separated file as an object ndarray of stripped strings."""
    with gzip.open(path, "rt", encoding="ascii", newline="") as file:
        rows = [[value.strip() for value in row] for row in csv.reader(file) if row]
    table = np.array(rows, dtype=object)
    if table.ndim != 2 or table.shape[1] != len(_COLUMNS):
        raise ValueError(
            f"Expected {len(_COLUMNS)} comma-separated values on each line of "
            f"{str(path)!r}; got a file that does not have them."
        )
    return table


def _import_pandas():
    try:
        import pandas
    except ImportError as exc:
        raise ImportError(
            "load_census_income(as_frame=True) requires pandas; install it (pip "
            "install pandas) or pass as_frame=False."
        ) from exc
    return pandas


def load_census_income(data_home=None, as_frame=False):
    """Load the census-income data: income and marital status, two tasks.

    Both binary tasks (income above 50,000 USD; never married) are observed
    for every person; the features mix numeric and categorical columns.

    Parameters
    ----------
    data_home : str, path-like or None, default=None
        Folder holding ``census-income.test.gz``. None reads the environment
        variable ``SKLEARN_MTL_DATA``, falling back to ``~/sklearn_mtl_data``.
    as_frame : bool, default=False
        Whether ``data`` and ``target`` are pandas DataFrames (this requires
        pandas) rather than ndarrays.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        data : ndarray of object of shape (99762, 39) or DataFrame
            Features: the numeric columns as floats, the categorical ones as
            strings (with ``as_frame=True``: float64 and string columns).
        target : ndarray of shape (99762, 2) or DataFrame
            1.0 or 0.0 for each task, with no missing values; a DataFrame with
            the task names as columns if ``as_frame=True``.
        sample_weight : ndarray of shape (99762,)
            Census instance weight of each person.
        task_names : ndarray of str of shape (2,)
            ``"income"`` (above 50,000 USD) and ``"never_married"``.
        feature_names : ndarray of str of shape (39,)
            Names of the features.
        categorical_features : list of str of length 32
            Names of the categorical features, as a list of Python strings
            that a :class:`~sklearn.compose.ColumnTransformer` accepts as
            column names of the DataFrame (``as_frame=True``);
            ``numpy.isin(feature_names, categorical_features)`` is their
            mask.
        DESCR : str
            Description of the data set.

    Raises
    ------
    FileNotFoundError
        If ``census-income.test.gz`` is not in ``data_home``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.compose import make_column_transformer
    >>> from sklearn.preprocessing import OneHotEncoder, StandardScaler
    >>> from sklearn_mtl.datasets import load_census_income
    >>> census = load_census_income("path/to/data")  # doctest: +SKIP
    >>> categorical = np.isin(census.feature_names, census.categorical_features)
    ... # doctest: +SKIP
    >>> encoder = make_column_transformer(
    ...     (OneHotEncoder(handle_unknown="ignore"), categorical),
    ...     (StandardScaler(), ~categorical),
    ... )  # doctest: +SKIP
    """
    table = _read_table(_data_file(_FILENAME, data_home, "load_census_income"))
    column = {name: table[:, j] for j, name in enumerate(_COLUMNS)}
    data = table[:, [_COLUMNS.index(name) for name in _FEATURE_NAMES]]
    numeric = np.isin(_FEATURE_NAMES, _NUMERIC_FEATURES)
    data[:, numeric] = data[:, numeric].astype(np.float64)
    target = np.column_stack(
        [column["income"] == "50000+.", column["marital_status"] == "Never married"]
    ).astype(np.float64)
    bunch = Bunch(
        data=data,
        target=target,
        sample_weight=column["instance_weight"].astype(np.float64),
        task_names=_TASK_NAMES.copy(),
        feature_names=_FEATURE_NAMES.copy(),
        categorical_features=_CATEGORICAL_FEATURES.tolist(),
        DESCR=_DESCR,
    )
    if as_frame:
        pandas = _import_pandas()
        bunch.data = pandas.DataFrame(data, columns=_FEATURE_NAMES).astype(
            dict.fromkeys(_NUMERIC_FEATURES, np.float64)
        )
        bunch.target = pandas.DataFrame(target, columns=_TASK_NAMES)
    return bunch
