"""Strategies by name, and the validation of the nets' ``weighting`` parameter."""

import difflib

from ._aligned_mtl import AlignedMTL
from ._aux_cosine import AuxiliaryCosine
from ._base import StaticWeighting, TaskWeighting
from ._cagrad import CAGrad
from ._dwa import DynamicWeightAverage
from ._famo import FAMO
from ._gls import GeometricLossStrategy
from ._graddrop import GradDrop
from ._gradnorm import GradNorm
from ._gradvac import GradVac
from ._imtl_g import IMTLG
from ._imtl_l import IMTLL
from ._mgda import MGDA
from ._nash_mtl import NashMTL
from ._pcgrad import PCGrad
from ._rlw import RandomLossWeighting
from ._uncertainty import UncertaintyWeighting
from ._upgrad import UPGrad

__all__ = ["AUXILIARY_WEIGHTINGS", "WEIGHTINGS", "check_weighting"]

#: The strategies' string names, each mapped to its class (a net given a name
#: builds the class with its default parameters).
WEIGHTINGS = {
    # loss-based
    "uncertainty": UncertaintyWeighting,
    "dwa": DynamicWeightAverage,
    "rlw": RandomLossWeighting,
    "gls": GeometricLossStrategy,
    "gradnorm": GradNorm,
    "imtl_l": IMTLL,
    "famo": FAMO,
    # gradient-based
    "mgda": MGDA,
    "pcgrad": PCGrad,
    "cagrad": CAGrad,
    "nash_mtl": NashMTL,
    "imtl_g": IMTLG,
    "aligned_mtl": AlignedMTL,
    "upgrad": UPGrad,
    "graddrop": GradDrop,
    "gradvac": GradVac,
}

# String shortcuts of the strategies for primary and auxiliary tasks: they
# need the net's primary_tasks, so they are kept apart from WEIGHTINGS, the
# strategies any net trains with (which tests and benchmarks run on every net).
AUXILIARY_WEIGHTINGS = {
    "aux_cosine": AuxiliaryCosine,
}


def check_weighting(weighting):
    """The strategy a net's ``weighting`` parameter stands for.

    Parameters
    ----------
    weighting : None, str or TaskWeighting
        None: the static task weights; a name of :data:`WEIGHTINGS`, or
        ``"aux_cosine"`` (:class:`AuxiliaryCosine`, for a net with
        ``primary_tasks``); or a strategy object.

    Returns
    -------
    strategy : TaskWeighting
        A strategy object (the one given, not a copy).
    """
    if weighting is None:
        return StaticWeighting()
    if isinstance(weighting, TaskWeighting):
        return weighting
    strategies = {**WEIGHTINGS, **AUXILIARY_WEIGHTINGS}
    names = ", ".join(map(repr, sorted(strategies)))
    if isinstance(weighting, str):
        key = weighting.lower()
        if key in strategies:
            return strategies[key]()
        close = difflib.get_close_matches(key, list(strategies), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(
            f"Expected weighting to be None, a strategy object or one of {names}; "
            f"got {weighting!r} instead.{hint}"
        )
    raise TypeError(
        "Expected weighting to be None, a strategy object (a TaskWeighting such "
        f"as PCGrad()) or one of {names}; got {weighting!r} instead."
    )
