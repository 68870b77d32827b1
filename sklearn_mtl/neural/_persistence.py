"""Persistence of the multi-task nets: pickle, joblib, skops and save_params.

Two things differ from skorch's own persistence:

- Pickling (``pickle``, ``joblib``, ``skops.io``, ``copy.deepcopy``) stores
  the torch components (the module, the criterion, the weighting strategy,
  the optimizer) as their ``state_dict``, with every tensor as a numpy
  array, and rebuilds them on loading from the net's parameters and fitted
  attributes, as :meth:`initialize` would, before loading those states.
  skorch pickles them into an opaque byte string, loaded with pickle: skops
  would then neither list the types inside it
  (``skops.io.get_untrusted_types``) nor refuse the untrusted ones, so
  loading a net from an untrusted skops file would run any code.
- ``save_params(f_fitted=...)`` writes what the net learned from the data
  besides the torch parameters (the input shape, the tasks, the target
  encoding and scaling, the task weights...) to a JSON file, and
  ``load_params(f_fitted=...)`` restores it and initializes the net, so
  that a net can be restored from its files without its training data.
"""

import copy
import json
import os
from collections import OrderedDict

import numpy as np
import torch
from sklearn.exceptions import NotFittedError
from skorch.history import History
from skorch.utils import get_map_location

from ._encoding import TargetEncoding
from ._runtime import torch_runtime

__all__ = ["PersistentNetMixin"]

# Key of the torch components' states in the pickled state of a net.
_TORCH_STATES = "_torch_state_dicts"
# What identifies a file written by save_params(f_fitted=...).
_FITTED_FORMAT = "sklearn_mtl.neural fitted attributes"
_FITTED_VERSION = 1
# skorch's state that is not learned from the data.
_SKORCH_STATE = frozenset(
    {
        "callbacks_",
        "cuda_dependent_attributes_",
        "history_",
        "init_context_",
        "initialized_",
        "prefixes_",
        "virtual_params_",
    }
)
# Private fitted attributes of the nets (see BaseMultiTaskNet._prepare_fit_data).
_PRIVATE_FITTED = ("_single_output", "_target_encoding")


class PersistentNetMixin:
    """Pickling without opaque byte strings, and ``save_params(f_fitted=...)``.

    See the module's docstring. Mixed into
    :class:`~sklearn_mtl.neural._base.BaseMultiTaskNet`.
    """

    # ------------------------------------------------------------ pickle
    def _torch_components(self):
        """Names of the attributes skorch moves between devices (``module_``,
        ``criterion_``, ``optimizer_``, ``weighting_``, ...)."""
        return [name for name in self.cuda_dependent_attributes_ if name.endswith("_")]

    def __getstate__(self):
        state = self.__dict__.copy()
        states = {}
        for name in self._torch_components():
            component = state.get(name)
            if isinstance(component, torch.nn.Module | torch.optim.Optimizer):
                del state[name]
                states[name] = _state_as_arrays(component)
        state[_TORCH_STATES] = states
        return state

    def __setstate__(self, state):
        if _TORCH_STATES not in state:  # pickled by skorch's __getstate__
            super().__setstate__(state)
            return
        state = dict(state)
        states = state.pop(_TORCH_STATES)
        if states:
            # as skorch: a net saved on a GPU loads on a machine without one
            state["device"] = self._check_device(
                state["device"], get_map_location(state["device"])
            )
        self.__dict__.update(state)
        if states:
            self._rebuild_torch_components(states)

    def _rebuild_torch_components(self, states):
        """Build the torch components as :meth:`initialize` does, then load
        their saved states."""
        initialized, self.initialized_ = self.initialized_, False  # no message
        try:
            # The construction draws initial weights from a seeded copy of
            # torch's global generator, restored after (they are overwritten).
            with torch_runtime(random_state=0, device=self.device):
                if any(f"{name}_" in states for name in self._modules):
                    self._initialize_module()
                if any(f"{name}_" in states for name in self._criteria):
                    self._initialize_criterion()
                if any(f"{name}_" in states for name in self._optimizers):
                    self._initialize_optimizer()
        finally:
            self.initialized_ = initialized
        for name, arrays in states.items():
            getattr(self, name).load_state_dict(_state_from_arrays(arrays))

    # ------------------------------------------------------ save_params
    def save_params(
        self,
        f_params=None,
        f_optimizer=None,
        f_criterion=None,
        f_history=None,
        use_safetensors=False,
        f_fitted=None,
        **kwargs,
    ):
        """Save the module's parameters, history, optimizer and fitted attributes.

        skorch's ``save_params``, with ``f_fitted``: a JSON file of what the
        net learned from the data besides its torch parameters, so that
        :meth:`load_params` can restore the net without its training data.

        Parameters
        ----------
        f_params, f_optimizer, f_criterion, f_history : file-like, str or None
            See ``skorch.NeuralNet.save_params``.
        use_safetensors : bool, default=False
            See ``skorch.NeuralNet.save_params``.
        f_fitted : file-like, str, path or None, default=None
            Where to write the fitted attributes: the input shape
            (``input_shape_``, ``n_features_in_``, ``feature_names_in_``),
            the tasks (``n_tasks_``, ``task_names_``, their kinds and output
            sizes), the target encoding (classes, or each continuous task's
            mean and scale), ``task_weights_``, ``primary_tasks_``,
            ``best_epoch_`` and ``n_iter_``: no executable content.
        **kwargs
            ``f_<name>`` for another torch component, such as
            ``f_weighting`` (see ``skorch.NeuralNet.save_params``).
        """
        if f_fitted is not None:
            _write_text(f_fitted, json.dumps(self._fitted_document(), indent=1))
        files = {
            "f_params": f_params,
            "f_optimizer": f_optimizer,
            "f_criterion": f_criterion,
            "f_history": f_history,
            **kwargs,
        }
        if f_fitted is None or any(value is not None for value in files.values()):
            super().save_params(use_safetensors=use_safetensors, **files)

    def load_params(
        self,
        f_params=None,
        f_optimizer=None,
        f_criterion=None,
        f_history=None,
        checkpoint=None,
        use_safetensors=False,
        f_fitted=None,
        **kwargs,
    ):
        """Load what :meth:`save_params` saved; ``f_fitted`` first initializes the net.

        With ``f_fitted``, the fitted attributes are restored and the net is
        initialized for them (its module built for the saved input shape and
        tasks) before the other files are loaded: a net with the same
        parameters as the saved one, never fitted, becomes the saved model::

            net.save_params(f_params="params.pt", f_fitted="fitted.json")
            restored = MultiTaskNetRegressor(**net.get_params())
            restored.load_params(f_params="params.pt", f_fitted="fitted.json")

        Parameters
        ----------
        f_params, f_optimizer, f_criterion, f_history : file-like, str or None
            See ``skorch.NeuralNet.load_params``.
        checkpoint : skorch.callbacks.Checkpoint or None, default=None
            See ``skorch.NeuralNet.load_params``. A checkpoint created with
            ``Checkpoint(f_fitted="fitted.json", ...)`` saves the fitted
            attributes at each checkpoint, and is read here as ``f_fitted``
            (unless ``f_fitted`` is given).
        use_safetensors : bool, default=False
            See ``skorch.NeuralNet.load_params``.
        f_fitted : file-like, str, path or None, default=None
            A file written by ``save_params(f_fitted=...)``.
        **kwargs
            ``f_<name>`` for another torch component, such as
            ``f_weighting``.

        Returns
        -------
        self : object
            The net.
        """
        if checkpoint is not None and getattr(checkpoint, "f_fitted", None):
            if f_fitted is None:
                f_fitted = _checkpoint_file(self, checkpoint, "f_fitted", f_history)
            checkpoint = copy.copy(checkpoint)  # skorch would read it as a module
            del checkpoint.f_fitted
        if f_fitted is not None:
            self._restore_fitted_document(json.loads(_read_text(f_fitted)))
            self.initialized_ = False  # a new net: no re-initialization message
            with torch_runtime(random_state=0, device=self.device):
                self.initialize()  # initial weights from a seeded copy of the
                # global generator, restored after: they are overwritten
        files = {
            "f_params": f_params,
            "f_optimizer": f_optimizer,
            "f_criterion": f_criterion,
            "f_history": f_history,
            **kwargs,
        }
        if (
            f_fitted is None
            or checkpoint is not None
            or any(value is not None for value in files.values())
        ):
            super().load_params(
                checkpoint=checkpoint, use_safetensors=use_safetensors, **files
            )
        return self

    def _fitted_names(self):
        """Names of the public fitted attributes the net holds."""
        excluded = _SKORCH_STATE | set(self._torch_components())
        return [
            name
            for name in vars(self)
            if name.endswith("_") and not name.startswith("_") and name not in excluded
        ]

    def _fitted_document(self):
        """The fitted attributes as JSON-compatible values."""
        if not hasattr(self, "_target_encoding"):
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet: call fit "
                "or partial_fit before save_params(f_fitted=...)."
            )
        attributes = {}
        for name in [*self._fitted_names(), *_PRIVATE_FITTED]:
            value = getattr(self, name)
            if isinstance(value, TargetEncoding):
                value = value.to_dict()
            attributes[name] = _to_json(value, name)
        return {
            "format": _FITTED_FORMAT,
            "version": _FITTED_VERSION,
            "estimator": type(self).__name__,
            "attributes": attributes,
        }

    def _restore_fitted_document(self, document):
        """Set the fitted attributes of a :meth:`_fitted_document`."""
        if not isinstance(document, dict) or document.get("format") != _FITTED_FORMAT:
            raise ValueError(
                "Expected f_fitted to be a file written by save_params(f_fitted="
                "...); got a file without its format marker."
            )
        if document.get("version") != _FITTED_VERSION:
            raise ValueError(
                f"Expected a file of fitted attributes of version {_FITTED_VERSION}; "
                f"got version {document.get('version')!r}."
            )
        saved_by = document.get("estimator")
        if saved_by not in {cls.__name__ for cls in type(self).__mro__}:
            raise ValueError(
                f"The fitted attributes in f_fitted were saved by a {saved_by}; "
                f"they cannot be loaded into a {type(self).__name__}."
            )
        attributes = {
            name: _from_json(value) for name, value in document["attributes"].items()
        }
        attributes["_target_encoding"] = TargetEncoding.from_dict(
            attributes["_target_encoding"]
        )
        for name in self._fitted_names():  # of an earlier fit
            if name not in attributes:
                delattr(self, name)
        for name, value in attributes.items():
            setattr(self, name, value)


def _checkpoint_file(net, checkpoint, name, f_history):
    """The file a checkpoint wrote as ``name`` at its last checkpointed epoch.

    The file name may hold the epoch (``"fitted_{last_epoch[epoch]}.json"``):
    skorch formats it with the history it saved, which is read here first.
    """
    if f_history is None and checkpoint.f_history is not None:
        net.history = History.from_file(checkpoint.f_history_)
    elif f_history is not None:
        net.history = History.from_file(f_history)
    return checkpoint.get_formatted_files(net)[name]


# --------------------------------------------------------- torch states
def _state_as_arrays(component):
    """A module's or optimizer's ``state_dict``, every tensor a numpy array.

    A module's state is ``{"tensors": ..., "metadata": ...}``: the metadata
    (versions of the submodules' state formats) are what ``load_state_dict``
    reads to convert states of older formats.
    """
    state = component.state_dict()
    arrays = _tensors_to_arrays(state)
    if isinstance(component, torch.nn.Module):
        metadata = getattr(state, "_metadata", None)
        return {
            "tensors": dict(arrays),
            "metadata": None if metadata is None else dict(metadata),
        }
    return arrays


def _state_from_arrays(arrays):
    """The ``state_dict`` saved by :func:`_state_as_arrays`."""
    if set(arrays) == {"tensors", "metadata"}:  # a module's
        state = OrderedDict(_arrays_to_tensors(arrays["tensors"]))
        if arrays["metadata"] is not None:
            state._metadata = OrderedDict(arrays["metadata"])
        return state
    return _arrays_to_tensors(arrays)


def _tensors_to_arrays(value):
    if isinstance(value, torch.Tensor):
        tensor = value.detach().cpu()
        try:
            return tensor.numpy(force=True).copy()
        except TypeError:  # a dtype numpy lacks (bfloat16...): loaded back by copy
            return tensor.float().numpy(force=True).copy()
    if isinstance(value, dict):
        return {key: _tensors_to_arrays(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_tensors_to_arrays(item) for item in value)
    return value


def _arrays_to_tensors(value):
    if isinstance(value, np.ndarray):
        return torch.from_numpy(np.array(value))
    if isinstance(value, dict):
        return {key: _arrays_to_tensors(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_arrays_to_tensors(item) for item in value)
    return value


# ------------------------------------------------ JSON of fitted values
def _to_json(value, name):
    """``value`` as JSON-compatible data that :func:`_from_json` reverses."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | float) and type(value) in (int, float):
        return value
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "biufU":
            return {
                "__ndarray__": value.dtype.str,
                "shape": list(value.shape),
                "values": value.ravel().tolist(),
            }
        if value.dtype == object:
            return {
                "__ndarray__": "object",
                "shape": list(value.shape),
                "values": [_to_json(item, name) for item in value.ravel().tolist()],
            }
    elif isinstance(value, np.generic) and value.dtype.kind in "biufU":
        return {"__numpy__": value.dtype.str, "value": value.item()}
    elif isinstance(value, tuple):
        return {"__tuple__": [_to_json(item, name) for item in value]}
    elif isinstance(value, list):
        return [_to_json(item, name) for item in value]
    elif isinstance(value, dict):
        return {
            "__dict__": [
                [_to_json(key, name), _to_json(item, name)]
                for key, item in value.items()
            ]
        }
    raise TypeError(
        f"Cannot save the fitted attribute {name!r} with save_params(f_fitted=...): "
        f"it holds a {type(value).__name__} (of dtype {getattr(value, 'dtype', None)})"
        "; expected numbers, strings, None, numpy arrays of those, and lists, "
        "tuples and dicts of them."
    )


def _from_json(value):
    if isinstance(value, list):
        return [_from_json(item) for item in value]
    if not isinstance(value, dict):
        return value
    if "__ndarray__" in value:
        dtype, shape = value["__ndarray__"], tuple(value["shape"])
        if dtype == "object":
            items = [_from_json(item) for item in value["values"]]
            array = np.empty(len(items), dtype=object)
            array[:] = items
            return array.reshape(shape)
        return np.array(value["values"], dtype=np.dtype(dtype)).reshape(shape)
    if "__numpy__" in value:
        return np.array(value["value"], dtype=np.dtype(value["__numpy__"]))[()]
    if "__tuple__" in value:
        return tuple(_from_json(item) for item in value["__tuple__"])
    if "__dict__" in value:
        return {_from_json(key): _from_json(item) for key, item in value["__dict__"]}
    return value


def _write_text(file, text):
    if isinstance(file, str | os.PathLike):
        with open(file, "w", encoding="utf-8") as handle:
            handle.write(text)
        return
    try:
        file.write(text)
    except TypeError:  # a binary file
        file.write(text.encode("utf-8"))


def _read_text(file):
    if isinstance(file, str | os.PathLike):
        with open(file, encoding="utf-8") as handle:
            return handle.read()
    text = file.read()
    return text.decode("utf-8") if isinstance(text, bytes) else text
