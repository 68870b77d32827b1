"""The constraints of the nets' parameters, checked at the start of every fit.

scikit-learn's declarative ``_parameter_constraints`` (checked by
``_validate_params``, as the linear models do), and what a constraint cannot
say: the closest fix for an optimizer given by name, a device torch does not
know, and the parameters of the module and of the weighting strategy
(``module__<name>``, ``weighting__<name>``), which those components check
themselves and which are then named as the user wrote them.
"""

import difflib
import inspect
import re
from numbers import Integral, Real

import torch
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    Options,
    StrOptions,
    validate_parameter_constraints,
)

from .weighting import TaskWeighting

__all__ = [
    "CLASSIFIER_CONSTRAINTS",
    "MIXED_CONSTRAINTS",
    "NET_CONSTRAINTS",
    "REGRESSOR_CONSTRAINTS",
    "component_parameter_error",
    "validate_net_params",
]

#: Constraints of the parameters every net shares: skorch's and the package's.
NET_CONSTRAINTS = {
    # skorch's NeuralNet
    "module": [torch.nn.Module, callable],
    "criterion": [torch.nn.Module, callable],
    "optimizer": [callable],
    "lr": [Interval(Real, 0, None, closed="left")],
    "max_epochs": [Interval(Integral, 0, None, closed="left")],
    "batch_size": [Interval(Integral, 1, None, closed="left"), Options(Integral, {-1})],
    "iterator_train": [callable],
    "iterator_valid": [callable],
    "dataset": [callable],
    "train_split": [StrOptions({"auto"}), callable, None],
    "callbacks": [list, tuple, StrOptions({"disable"}), None],
    "predict_nonlinearity": [StrOptions({"auto"}), callable, None],
    "warm_start": ["boolean"],
    "verbose": [StrOptions({"auto"}), "verbose"],
    "device": [str, torch.device, None],
    "compile": ["boolean"],
    "use_caching": [StrOptions({"auto"}), "boolean"],
    "torch_load_kwargs": [dict, None],
    # early stopping and the validation split
    "early_stopping": [StrOptions({"auto"}), "boolean"],
    "validation_fraction": [Interval(Real, 0, 1, closed="neither"), None],
    "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
    "tol": [Interval(Real, 0, None, closed="left")],
    "scoring": [str, callable],
    # tasks and their weighting
    "task_weights": ["array-like", dict, None],
    "weighting": [TaskWeighting, str, None],
    # names or indices, checked against the tasks (check_primary_tasks)
    "primary_tasks": "no_validation",
    # runtime
    "random_state": ["random_state"],
    "torch_num_threads": [Interval(Integral, 1, None, closed="left"), None],
}

#: The regressor's: the shared ones and its target standardization.
REGRESSOR_CONSTRAINTS = {**NET_CONSTRAINTS, "standardize_targets": ["boolean"]}

#: The classifier's: the shared ones and its extra marker of a missing label.
CLASSIFIER_CONSTRAINTS = {**NET_CONSTRAINTS, "missing_label": [Real, str, None]}

#: The mixed-type net's. Any string passes ``task_types`` here: the data
#: contract names the task types when it is not "auto".
MIXED_CONSTRAINTS = {
    **NET_CONSTRAINTS,
    "task_types": [str, list, tuple, dict],
    "standardize_targets": ["boolean"],
    "missing_label": [Real, str, None],
}

# The prefixes of the parameters of the components the net builds when it is
# initialized.
COMPONENT_PREFIXES = ("module", "criterion", "weighting", "optimizer")

# "Expected <name> of <Owner> [to be] <what>; got <value> instead.<rest>": how
# the package's modules and weighting strategies reject a parameter.
_COMPONENT_MESSAGE = re.compile(
    r"^Expected (?P<name>\w+) of (?P<owner>\w+) (?:to be )?(?P<expected>.+?); "
    r"got (?P<value>.+?) instead\.(?P<rest>.*)$",
    re.DOTALL,
)
_UNEXPECTED_KEYWORD = re.compile(r"got an unexpected keyword argument '(?P<name>\w+)'")


def validate_net_params(net):
    """Check the net's parameters against its ``_parameter_constraints``.

    Parameters
    ----------
    net : BaseMultiTaskNet
        The net about to be fitted.

    Raises
    ------
    InvalidParameterError
        Naming the first parameter that violates its constraints, in
        scikit-learn's words ("The 'lr' parameter of MultiTaskNetRegressor
        must be ..."), with the fix for an optimizer given by name.
    """
    # skorch's NeuralNet has a _validate_params of its own (the names of the
    # prefixed arguments), which hides scikit-learn's.
    try:
        validate_parameter_constraints(
            net._parameter_constraints,
            net.get_params(deep=False),
            caller_name=type(net).__name__,
        )
    except InvalidParameterError as error:
        optimizer = net.optimizer
        if isinstance(optimizer, str) and str(error).startswith("The 'optimizer' "):
            raise InvalidParameterError(
                f"{error} Pass the optimizer's class, as skorch takes it (its "
                f"arguments as optimizer__<name>): {_optimizer_hint(optimizer)}"
            ) from None
        raise
    device = net.device
    if isinstance(device, str):
        try:
            torch.device(device)
        except (RuntimeError, ValueError):
            raise InvalidParameterError(
                f"The 'device' parameter of {type(net).__name__} must be a device "
                "torch knows ('cpu', 'cuda', 'cuda:1', 'mps', ...), a torch.device "
                f"or None. Got {device!r} instead."
            ) from None


def _optimizer_hint(name):
    """``optimizer=torch.optim.<Class>`` for the torch optimizer closest to ``name``."""
    classes = {
        cls_name.lower(): cls_name
        for cls_name, cls in vars(torch.optim).items()
        if isinstance(cls, type)
        and issubclass(cls, torch.optim.Optimizer)
        and cls is not torch.optim.Optimizer
    }
    key = name.lower().replace("_", "").replace("-", "")
    close = difflib.get_close_matches(key, sorted(classes), n=1)
    example = classes[close[0]] if close else "Adam"
    return f"optimizer=torch.optim.{example}."


def component_parameter_error(net, error):
    """``error``, raised while building a component, naming the net's parameter.

    The modules and weighting strategies of the package check their own
    parameters ("Expected hidden_units of MultiTaskMLP to be ...; got 'a'
    instead."); given to a net as ``module__hidden_units``, the parameter is
    named as the user wrote it, in scikit-learn's words. A keyword the
    component does not take is named likewise.

    Parameters
    ----------
    net : BaseMultiTaskNet
        The net whose component raised.
    error : ValueError or TypeError
        What the component raised.

    Returns
    -------
    error : InvalidParameterError or None
        None when ``error`` is about no ``<prefix>__<name>`` parameter of the
        net (it is then raised as it is).
    """
    message = str(error)
    given = {
        key: value
        for key, value in vars(net).items()
        if key.split("__", 1)[0] in COMPONENT_PREFIXES and "__" in key
    }
    match = _COMPONENT_MESSAGE.match(message)
    if match is not None:
        for prefix in COMPONENT_PREFIXES:
            key = f"{prefix}__{match['name']}"
            if key in given:
                return InvalidParameterError(
                    f"The {key!r} parameter of {type(net).__name__} must be "
                    f"{match['expected']} ({match['name']} of {match['owner']}). "
                    f"Got {match['value']} instead.{match['rest']}"
                )
        return None
    match = _UNEXPECTED_KEYWORD.search(message)
    if isinstance(error, TypeError) and match is not None:
        for prefix in COMPONENT_PREFIXES:
            key = f"{prefix}__{match['name']}"
            if key in given:
                component = _component_class(net, prefix)
                accepted = _accepted_parameters(component)
                hint = ""
                close = difflib.get_close_matches(match["name"], accepted, n=1)
                if close:
                    hint = f" Did you mean {prefix}__{close[0]}?"
                return InvalidParameterError(
                    f"Got {key}={given[key]!r}, but {component.__name__} has no "
                    f"parameter {match['name']!r}; its parameters are "
                    f"{accepted}.{hint}"
                )
    return None


def _component_class(net, prefix):
    """The class the net builds for ``prefix`` ("module", "criterion", ...)."""
    component = getattr(net, prefix)
    if prefix == "weighting" and not isinstance(component, TaskWeighting):
        from .weighting import check_weighting

        component = check_weighting(component)
    return component if isinstance(component, type) else type(component)


def _accepted_parameters(component):
    """Names of the keyword parameters of a component class, as a list."""
    try:
        parameters = inspect.signature(component).parameters
    except (TypeError, ValueError):
        return []
    return [
        name
        for name, parameter in parameters.items()
        if parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)
        and name not in ("input_shape", "output_sizes", "task_kinds", "params")
    ]
