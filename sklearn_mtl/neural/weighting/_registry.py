"""Strategies by name, and the validation of the nets' ``weighting`` parameter."""

import difflib

from ._base import StaticWeighting, TaskWeighting
from ._pcgrad import PCGrad
from ._uncertainty import UncertaintyWeighting

__all__ = ["WEIGHTINGS", "check_weighting"]

# String shortcuts of the strategies (the class with its default parameters).
WEIGHTINGS = {
    "pcgrad": PCGrad,
    "uncertainty": UncertaintyWeighting,
}


def check_weighting(weighting):
    """The strategy a net's ``weighting`` parameter stands for.

    Parameters
    ----------
    weighting : None, str or TaskWeighting
        None: the static task weights; a name of :data:`WEIGHTINGS`; or a
        strategy object.

    Returns
    -------
    strategy : TaskWeighting
        A strategy object (the one given, not a copy).
    """
    if weighting is None:
        return StaticWeighting()
    if isinstance(weighting, TaskWeighting):
        return weighting
    names = ", ".join(map(repr, sorted(WEIGHTINGS)))
    if isinstance(weighting, str):
        key = weighting.lower()
        if key in WEIGHTINGS:
            return WEIGHTINGS[key]()
        close = difflib.get_close_matches(key, list(WEIGHTINGS), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(
            f"Expected weighting to be None, a strategy object or one of {names}; "
            f"got {weighting!r} instead.{hint}"
        )
    raise TypeError(
        "Expected weighting to be None, a strategy object (a TaskWeighting such "
        f"as PCGrad()) or one of {names}; got {weighting!r} instead."
    )
