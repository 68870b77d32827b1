"""Validation of the architectures' parameters, with scikit-learn-style messages."""

import math
from numbers import Integral, Real

from torch import nn

__all__ = ["check_count", "check_module", "check_real", "check_units"]


def check_count(owner, name, value, *, low=1):
    """Raise unless ``value`` is an integer ``>= low``; return it as an int.

    Parameters
    ----------
    owner : object
        The module, named in the message.
    name : str
        The parameter's name.
    value : object
        Its value.
    low : int, default=1
        Smallest accepted value.

    Returns
    -------
    value : int
    """
    if isinstance(value, bool) or not isinstance(value, Integral) or value < low:
        raise ValueError(
            f"Expected {name} of {type(owner).__name__} to be an integer >= {low}; "
            f"got {value!r} instead."
        )
    return int(value)


def check_module(owner, name, value):
    """Raise unless ``value`` is an ``nn.Module`` class or instance.

    Parameters
    ----------
    owner : object
        The module, named in the message.
    name : str
        The parameter's name.
    value : object
        Its value.

    Returns
    -------
    value : nn.Module class or instance
    """
    if not (
        isinstance(value, nn.Module)
        or (isinstance(value, type) and issubclass(value, nn.Module))
    ):
        raise TypeError(
            f"Expected {name} of {type(owner).__name__} to be an nn.Module class or "
            f"instance; got {value!r} instead."
        )
    return value


def check_real(owner, name, value, *, low=0.0, high=None, strict_low=False):
    """Raise unless ``value`` is a real number in range; return it as a float.

    Parameters
    ----------
    owner : object
        The module, named in the message.
    name : str
        The parameter's name.
    value : object
        Its value.
    low, high : float or None
        Bounds (``high`` inclusive; ``low`` inclusive unless ``strict_low``).
    strict_low : bool, default=False
        Whether ``low`` is excluded.

    Returns
    -------
    value : float
    """
    valid = (
        not isinstance(value, bool)
        and isinstance(value, Real)
        and math.isfinite(value)
        and (low is None or (value > low if strict_low else value >= low))
        and (high is None or value <= high)
    )
    if not valid:
        parts = []
        if low is not None:
            parts.append(f"{'>' if strict_low else '>='} {low}")
        if high is not None:
            parts.append(f"<= {high}")
        bounds = f" {' and '.join(parts)}" if parts else ""
        raise ValueError(
            f"Expected {name} of {type(owner).__name__} to be a real number"
            f"{bounds}; got {value!r} instead."
        )
    return float(value)


def check_units(owner, name, units, *, allow_empty=False):
    """Raise unless ``units`` is a non-empty sequence of positive integers.

    Parameters
    ----------
    owner : object
        The module, named in the message.
    name : str
        The parameter's name.
    units : object
        Its value.
    allow_empty : bool, default=False
        Whether an empty sequence (no hidden layer) is accepted.

    Returns
    -------
    units : tuple of int
    """
    try:
        values = None if isinstance(units, str) else tuple(units)
    except TypeError:
        values = None
    if (
        values is None
        or (not values and not allow_empty)
        or any(isinstance(v, bool) or not isinstance(v, Integral) for v in values)
        or any(v < 1 for v in values)
    ):
        what = "sequence" if allow_empty else "non-empty sequence"
        raise ValueError(
            f"Expected {name} of {type(owner).__name__} to be a {what} of positive "
            f"integers; got {units!r} instead."
        )
    return tuple(int(v) for v in values)
