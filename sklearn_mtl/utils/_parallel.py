"""scikit-learn's joblib ``Parallel``, with the warning filters sent by name.

:class:`sklearn.utils.parallel.Parallel` runs every task under the caller's
warning filters (and scikit-learn configuration). A filter holds its
category class, and unpickling a class in a worker process imports the
module that defines it. ``import torch`` adds a filter on
``torch.jit.TracerWarning``, so in a script that had imported torch, every
worker of a linear model's cross-validation or of a baseline imported torch
too (about 2 s of CPU and 300 MB per worker) for tasks that never use it.

Here the filters travel by name. A task reinstates the caller's filters in
their order, each whose category's module the worker has already imported
(scikit-learn's, numpy's, and those of the task's own estimator, which is
unpickled before the task runs) with its class, and leaves out the others:
a warning of a class from a module that the task does not import cannot be
raised by the task. (A module imported only while the task runs, as torch
is, adds its own filters when it is imported.) In this process, and with
joblib's threading backend, every filter is reinstated.
"""

import functools
import sys
import warnings

from sklearn.utils.parallel import Parallel as _SklearnParallel
from sklearn.utils.parallel import delayed as _sklearn_delayed

__all__ = ["Parallel", "delayed"]


def _current_filters():
    """The warning filters in force (the free-threading build keeps them apart)."""
    get_filters = getattr(warnings, "_get_filters", None)
    return list(get_filters() if get_filters is not None else warnings.filters)


def _categories(warning_filter):
    """The filter's categories as a tuple (a filter may hold a tuple of them)."""
    category = warning_filter[2]
    return category if isinstance(category, tuple) else (category,)


def _is_builtin(warning_filter):
    return all(c.__module__ == "builtins" for c in _categories(warning_filter))


def _by_name(warning_filter):
    """The filter with its categories as builtin classes or ``"module:name"``."""
    action, message, _, module, lineno = warning_filter
    categories = tuple(
        c if c.__module__ == "builtins" else f"{c.__module__}:{c.__qualname__}"
        for c in _categories(warning_filter)
    )
    return action, message, categories, module, lineno


def _resolved(warning_filter):
    """The filter with the categories whose modules are imported, or None."""
    action, message, categories, module, lineno = warning_filter
    classes = []
    for category in categories:
        if isinstance(category, str):
            module_name, qualname = category.split(":")
            try:
                category = functools.reduce(
                    getattr, qualname.split("."), sys.modules[module_name]
                )
            except (KeyError, AttributeError):
                continue
        classes.append(category)
    return (action, message, tuple(classes), module, lineno) if classes else None


def _install(filters):
    """Replace the warning filters by ``filters``, in order (inside catch_warnings).

    A filter on a tuple of categories becomes one filter per category, in a
    row: the same action for the same warnings.
    """
    warnings.resetwarnings()
    for action, message, categories, module, lineno in filters:
        for category in categories:
            warnings.filterwarnings(
                action,
                message="" if message is None else getattr(message, "pattern", message),
                category=category,
                module="" if module is None else getattr(module, "pattern", module),
                lineno=lineno,
                append=True,
            )


class _WithFilters:
    """A task that runs under the caller's filters, given by name."""

    # No functools.update_wrapper: scikit-learn's wrapper copies the wrapped
    # object's __dict__ onto itself, and would call the function directly.
    def __init__(self, function, filters):
        self.task = function
        self.named_filters = filters

    def __call__(self, *args, **kwargs):
        # scikit-learn's wrapper calls this inside warnings.catch_warnings().
        _install(filter(None, map(_resolved, self.named_filters)))
        return self.task(*args, **kwargs)


def delayed(function):
    """Capture a function and its arguments, for :class:`Parallel`.

    Parameters
    ----------
    function : callable

    Returns
    -------
    delayed_function : callable
        Called with the arguments, it returns the task ``(function, args,
        kwargs)``.
    """

    @functools.wraps(function)
    def delayed_function(*args, **kwargs):
        return function, args, kwargs

    return delayed_function


class Parallel(_SklearnParallel):
    """scikit-learn's ``Parallel``, the warning filters sent by name.

    The tasks run under the caller's scikit-learn configuration and warning
    filters, as with :class:`sklearn.utils.parallel.Parallel`, but a worker
    does not import the modules of the filters' categories (see the module's
    docstring). Tasks are made with this module's :func:`delayed`.
    """

    def __call__(self, iterable):
        filters = _current_filters()
        named = tuple(map(_by_name, filters))
        tasks = (
            (_sklearn_delayed(_WithFilters(function, named))(*args, **kwargs))
            for function, args, kwargs in iterable
        )
        # scikit-learn's Parallel pickles the filters in force with every
        # task: only the builtin categories, which import nothing.
        with warnings.catch_warnings():
            _install(map(_by_name, filter(_is_builtin, filters)))
            if not _current_filters():  # scikit-learn warns about none
                warnings.simplefilter(warnings.defaultaction)
            return super().__call__(tasks)
