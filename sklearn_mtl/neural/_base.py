"""What the multi-task nets share: data preparation, losses and the data path."""

import inspect
import itertools
import math
from types import MappingProxyType

import numpy as np
import torch
from sklearn.base import clone
from sklearn.utils.validation import check_is_fitted, validate_data
from skorch import NeuralNet
from skorch.callbacks import EpochTimer, PrintLog
from skorch.dataset import Dataset, ValidSplit, unpack_data
from skorch.utils import to_tensor

from ..utils import check_multitask_targets, check_task_weights
from ..utils._targets import task_label
from ._callbacks import PerTaskLoss, TaskScoring
from ._data import as_float32, fast_loader_or_none
from ._loss import MaskedMultiTaskLoss
from ._runtime import torch_runtime
from .modules import MultiTaskMLP
from .weighting import TrainingStep, check_weighting

__all__ = ["MultiTaskNet"]

# A shuffled 80/20 split with a fixed seed: skorch's ValidSplit(5) keeps the
# last rows for validation, which on data stacked task by task (SARCOS, School)
# would validate on the last tasks only.
DEFAULT_TRAIN_SPLIT = ValidSplit(0.2, random_state=0)

# Epochs of per-task training losses given to the weighting strategy's
# begin_epoch hook (DWA compares the last two).
EPOCHS_GIVEN_TO_WEIGHTING = 2


class MultiTaskNet(NeuralNet):
    """skorch net trained on masked per-task losses (base class).

    The regressor and the classifier add the encoding of the targets and the
    link from outputs to predictions; everything else is here: validation of
    ``X``, inference of the module's sizes, the weighted per-task loss, the
    in-memory batching, per-task history, threads and seeding.
    """

    # skorch sets these three in __init__; fitted state is set in fit only
    # (scikit-learn's convention), so they are class-level defaults here.
    initialized_ = False
    # ``weighting__<param>`` arguments are the strategy's (as module__<param>).
    prefixes_ = [*NeuralNet.prefixes_, "weighting"]
    history_ = None
    virtual_params_ = MappingProxyType({})

    def __init__(
        self,
        module=MultiTaskMLP,
        *,
        criterion=MaskedMultiTaskLoss,
        optimizer=torch.optim.Adam,
        lr=1e-3,
        max_epochs=50,
        batch_size=128,
        train_split=DEFAULT_TRAIN_SPLIT,
        task_weights=None,
        weighting=None,
        random_state=None,
        torch_num_threads=None,
        **kwargs,
    ):
        super().__init__(
            module,
            criterion,
            optimizer=optimizer,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            train_split=train_split,
            **kwargs,
        )
        self.task_weights = task_weights
        self.weighting = weighting
        self.random_state = random_state
        self.torch_num_threads = torch_num_threads
        for name in ("initialized_", "history_", "virtual_params_"):
            if vars(self)[name] == getattr(type(self), name):
                del vars(self)[name]

    def _get_param_names(self):
        # skorch lists every attribute not ending in "_", private ones included
        # (such as its own _params_to_validate); parameters are public names.
        return [name for name in super()._get_param_names() if not name.startswith("_")]

    def get_params(self, deep=True, **kwargs):
        """Parameters of the net; with ``deep``, the strategy's as applied.

        ``weighting__<name>`` arguments are applied to a copy of the strategy
        by :meth:`initialize_weighting` (as ``module__<name>`` arguments are
        to the module); with ``deep=True`` they take precedence over the
        strategy object's own values, which scikit-learn also lists.
        """
        params = super().get_params(deep=deep, **kwargs)
        params.update(
            {k: v for k, v in vars(self).items() if k.startswith("weighting__")}
        )
        return params

    # ------------------------------------------------------------------ fit
    def fit(self, X, y, **fit_params):
        """Initialize the net (unless warm-starting) and train it on ``X, Y``.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, ...)
            Inputs: numpy, pandas, scipy sparse (densified batch by batch) or a
            torch tensor.
        y : array-like of shape (n_samples, n_tasks) or (n_samples,)
            Labels, NaN (or ``None``) where missing.
        **fit_params : dict
            Passed to the module's ``forward`` and to ``train_split``.

        Returns
        -------
        self : object
            The fitted net.
        """
        reset = not (self.warm_start and self.initialized_)
        X, y = self._prepare_fit_data(X, y, reset=reset)
        with self._runtime():
            if reset:
                self.initialize()
            return super().partial_fit(X, y, **fit_params)

    def partial_fit(self, X, y, classes=None, **fit_params):
        """Train for ``max_epochs`` more epochs, initializing the net if needed.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, ...)
            Inputs.
        y : array-like of shape (n_samples, n_tasks) or (n_samples,)
            Labels, NaN (or ``None``) where missing.
        classes : list of array-like, array-like or None, default=None
            Classifier only, on the first call: the classes of each task (an
            array for 1-D ``y``), when later calls may hold classes this one
            does not.
        **fit_params : dict
            Passed to the module's ``forward`` and to ``train_split``.

        Returns
        -------
        self : object
            The fitted net.
        """
        X, y = self._prepare_fit_data(
            X, y, reset=not self.initialized_, classes=classes
        )
        with self._runtime():
            return super().partial_fit(X, y, **fit_params)

    def _runtime(self):
        return torch_runtime(
            num_threads=self.torch_num_threads,
            random_state=self.random_state,
            device=self.device,
        )

    def _prepare_fit_data(self, X, y, *, reset, classes=None):
        """Validate ``X`` and ``y``; infer (``reset``) or check the encoding."""
        X = self._validate_inputs(X, reset=reset)
        targets = check_multitask_targets(
            y,
            target_type=self._target_type,
            missing_label=getattr(self, "missing_label", None),
            n_samples=X.shape[0],
            n_tasks=None if reset else self.n_tasks_,
        )
        if reset:
            self.n_tasks_ = targets.n_tasks
            self._single_output = targets.single_output
            if targets.task_names is not None:
                self.task_names_ = targets.task_names
            elif hasattr(self, "task_names_"):
                del self.task_names_
        self.task_weights_ = check_task_weights(
            self.task_weights, self.n_tasks_, getattr(self, "task_names_", None)
        )
        if self.initialized_:  # partial_fit after set_params(task_weights=...)
            self.weighting_.set_task_weights(self.task_weights_)
        Y = self._encode_targets(targets, reset=reset, classes=classes)
        return X, Y.astype(np.float32)

    def _validate_inputs(self, X, *, reset):
        """Validate ``X`` (any number of dimensions) into float32 for torch."""
        if not reset:
            check_is_fitted(self)
        X = validate_data(
            self, X, reset=reset, accept_sparse="csr", dtype=np.float32, allow_nd=True
        )
        if reset:
            self.input_shape_ = X.shape[1:]
        elif X.shape[1:] != self.input_shape_:
            raise ValueError(
                f"Expected samples of shape {self.input_shape_}, as in fit; got "
                f"{X.shape[1:]} instead."
            )
        return as_float32(X)

    def get_split_datasets(self, X, y=None, **fit_params):
        """skorch's split, with a validation set of raw data encoded as in fit.

        ``train_split`` receives the rows given to ``fit``, labels encoded.
        Subsets of them (``ValidSplit``) are used as they are; a
        ``skorch.dataset.Dataset`` of its own (``predefined_split``) holds raw
        inputs and labels, which are validated and encoded here as the
        training rows were.
        """
        dataset_train, dataset_valid = super().get_split_datasets(X, y, **fit_params)
        if type(dataset_valid) is Dataset:
            dataset_valid = self._encode_validation_set(dataset_valid)
        return dataset_train, dataset_valid

    def _encode_validation_set(self, dataset):
        """A :class:`~skorch.dataset.Dataset` of raw data, validated and encoded."""
        if dataset.y is None:
            raise ValueError(
                "Expected the validation Dataset returned by train_split to hold "
                "labels; got y=None instead."
            )
        X = self._validate_inputs(dataset.X, reset=False)
        targets = check_multitask_targets(
            dataset.y,
            target_type=self._target_type,
            missing_label=getattr(self, "missing_label", None),
            allow_unlabelled_tasks=True,
            n_samples=X.shape[0],
            n_tasks=self.n_tasks_,
        )
        Y = self._encode_targets(targets, reset=False)
        return Dataset(X, Y.astype(np.float32))

    def initialize_module(self):
        """Build the module, giving it the input shape and output sizes found."""
        kwargs = self.get_params_for("module")
        if isinstance(self.module, type) and _takes_sizes(self.module):
            if not hasattr(self, "output_sizes_"):
                raise AttributeError(
                    f"{type(self).__name__} infers the module's input shape and "
                    "output sizes from the data: call fit or partial_fit, not "
                    "initialize, first (to restore saved parameters, call "
                    "set_params(max_epochs=0).fit(X_train, Y_train) on the "
                    "training data, then load_params)."
                )
            kwargs = {
                "input_shape": self.input_shape_,
                "output_sizes": self.output_sizes_,
                **kwargs,
            }
        # Training mode throughout, whatever mode a trunk instance was given in:
        # _set_training only switches modes when the module's own flag changes.
        self.module_ = self.initialized_instance(self.module, kwargs).train()
        return self

    def initialize_criterion(self):
        """Build the masked per-task loss for the tasks found in fit, and the
        weighting strategy (:meth:`initialize_weighting`)."""
        if isinstance(self.criterion, torch.nn.Module):
            self.criterion_ = self.criterion
        else:
            kwargs = {
                "task_kinds": self.task_kinds_,
                "output_sizes": self.output_sizes_,
                **self.get_params_for("criterion"),
            }
            self.criterion_ = self.criterion(**kwargs)
        return self.initialize_weighting()

    def initialize_weighting(self):
        """Build ``weighting_``, an initialized copy of the weighting strategy.

        ``weighting`` (None, a name or a strategy object) is cloned, given the
        ``weighting__<param>`` arguments and initialized for the tasks, the
        static task weights and the module. It is registered with the net's
        criteria, as a criterion with learnable parameters would be: skorch
        moves it to the device, gives its parameters (if any) to the optimizer
        and saves it with ``save_params(f_weighting=...)``.
        """
        strategy = clone(check_weighting(self.weighting))
        strategy.set_params(**self.get_params_for("weighting"))
        self.weighting_ = strategy.initialize(
            self.task_weights_, module=self.module_, task_kinds=self.task_kinds_
        )
        if "weighting" not in self._criteria:
            self._register_attribute("weighting_", self.weighting_, prefixes=False)
        return self

    def get_default_callbacks(self):
        """skorch's default callbacks, with :class:`PerTaskLoss` recording the losses.

        The per-task history keys are left out of the printed log (there can
        be hundreds of tasks); read them from ``history``.
        """
        per_task_prefixes = ["train_loss", "valid_loss"]
        for callback in self.callbacks or []:
            callback = callback[1] if isinstance(callback, tuple) else callback
            if isinstance(callback, TaskScoring):
                per_task_prefixes.append(callback.history_prefix)
        hidden = ["task_weights"]
        if hasattr(self, "n_tasks_"):
            for prefix in per_task_prefixes:
                hidden.extend(self.task_history_keys(prefix))
        return [
            ("epoch_timer", EpochTimer()),
            ("per_task_loss", PerTaskLoss()),
            ("print_log", PrintLog(keys_ignored=hidden)),
        ]

    def task_history_keys(self, prefix):
        """History keys of a per-task quantity: ``<prefix>_<task name>``.

        Parameters
        ----------
        prefix : str
            For instance ``"valid_loss"``.

        Returns
        -------
        keys : list of str
            One key per task, with the task's name (``task_names_``) or
            ``task<t>`` for a ``Y`` without column names.
        """
        names = getattr(self, "task_names_", None)
        if names is None:
            names = [f"task{t}" for t in range(self.n_tasks_)]
        return [f"{prefix}_{name}" for name in names]

    # ------------------------------------------------------- data path
    def get_iterator(self, dataset, training=False):
        """Batches of in-memory arrays by tensor slicing, else skorch's loader.

        Training batches are shuffled unless ``iterator_train__shuffle=False``.
        """
        prefix = "iterator_train" if training else "iterator_valid"
        kwargs = self.get_params_for(prefix)
        kwargs.setdefault("batch_size", self.batch_size)
        if kwargs["batch_size"] == -1:
            kwargs["batch_size"] = len(dataset)
        if training:
            kwargs.setdefault("shuffle", True)
        loader_class = getattr(self, prefix)
        fast = fast_loader_or_none(dataset, loader_class, kwargs)
        return fast if fast is not None else loader_class(dataset, **kwargs)

    # ----------------------------------------------------------- losses
    def get_task_losses(self, y_pred, y_true, X=None, training=False):
        """Per-task losses of a batch, from the criterion.

        Parameters
        ----------
        y_pred : Tensor of shape (batch, n_outputs)
            Module outputs.
        y_true : Tensor of shape (batch, n_tasks)
            Encoded labels, NaN where missing.
        X : Tensor, default=None
            Inputs of the batch (unused; there for subclasses).
        training : bool, default=False
            Whether this is a training step.

        Returns
        -------
        task_losses : Tensor of shape (n_tasks,)
        """
        y_true = to_tensor(y_true, device=self.device)
        return self.criterion_(y_pred, y_true)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        """The recorded objective: the task-weighted mean of the masked losses.

        See :meth:`~sklearn_mtl.neural.weighting.TaskWeighting.objective`;
        what a training step follows depends on ``weighting``.
        """
        task_losses = self.get_task_losses(y_pred, y_true, X=X, training=training)
        return self.weighting_.objective(task_losses)

    def _set_training(self, training=True):
        """Switch train/eval mode only when it changes (skorch does it per batch).

        ``Module.train`` walks every submodule; calling it on every batch costs
        more than the rest of the step's bookkeeping.
        """
        for name in self._modules + self._criteria:
            component = getattr(self, name + "_")
            if (
                isinstance(component, torch.nn.Module)
                and component.training != training
            ):
                component.train(training)

    def train_step_single(self, batch, **fit_params):
        """Forward, per-task losses, then the weighting strategy's backward pass.

        A strategy that needs the shared representation gets it: the module's
        ``shared_representation`` is computed once, and the tasks' outputs
        from a detached copy of it, so that per-task gradients can stop there.
        """
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        weighting = self.weighting_
        representation = representation_input = None
        if "representation" in weighting.needs:
            x = to_tensor(Xi, device=self.device)
            representation = self.module_.shared_representation(x, **fit_params)
            representation_input = representation.detach().requires_grad_()
            y_pred = self.module_.task_outputs(representation_input, x)
        else:
            y_pred = self.infer(Xi, **fit_params)
        task_losses = self.get_task_losses(y_pred, yi, X=Xi, training=True)
        step = TrainingStep(
            task_losses,
            y_true=to_tensor(yi, device=self.device),
            y_pred=y_pred,
            module=self.module_,
            output_sizes=self.output_sizes_,
            representation=representation,
            representation_input=representation_input,
            recompute_task_losses=lambda: self._task_losses_without_grad(Xi, yi),
        )
        loss, task_weights = weighting.backward(step)
        penalty = self._module_penalty()
        if penalty is not None:
            penalty.backward()
            penalty = penalty.detach()
            loss = loss + penalty
        return {
            "loss": loss,
            "y_pred": y_pred,
            "task_losses": task_losses,
            "task_weights": task_weights,
            "penalty": penalty,
            "weighting_step": step,
        }

    def _module_penalty(self):
        """The module's ``penalty()`` (see :class:`MultiTaskModule`), or None."""
        penalty = getattr(self.module_, "penalty", None)
        return penalty() if callable(penalty) else None

    def _task_losses_without_grad(self, Xi, yi):
        with torch.no_grad():
            return self.get_task_losses(self.infer(Xi), yi, X=Xi, training=True)

    def train_step(self, batch, **fit_params):
        """skorch's step (gradients, optimizer), then the strategy's after-step hook."""
        step = super().train_step(batch, **fit_params)
        self.weighting_.after_optimizer_step(step.pop("weighting_step"))
        return step

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        """skorch's (a new history row), then the weighting strategy's hook with
        the per-task training losses of the last two completed epochs."""
        super().on_epoch_begin(
            net, dataset_train=dataset_train, dataset_valid=dataset_valid, **kwargs
        )
        keys = self.task_history_keys("train_loss")
        # The last two completed epochs: what the strategies' rules look at
        # (reading the whole history would grow with every epoch).
        completed = self.history[:-1][-EPOCHS_GIVEN_TO_WEIGHTING:]
        previous = [[row.get(key, np.nan) for key in keys] for row in completed]
        self.weighting_.begin_epoch(
            np.array(previous, dtype=float).reshape(-1, self.n_tasks_)
        )

    def validation_step(self, batch, **fit_params):
        """Forward and per-task losses in evaluation mode, without gradients."""
        self._set_training(False)
        Xi, yi = unpack_data(batch)
        with torch.no_grad():
            y_pred = self.infer(Xi, **fit_params)
            task_losses = self.get_task_losses(y_pred, yi, X=Xi, training=False)
            loss = self.weighting_.objective(task_losses)
        return {"loss": loss, "y_pred": y_pred, "task_losses": task_losses}

    def on_batch_end(self, net, batch=None, training=False, **kwargs):
        """Stop with an error naming the epoch and tasks on a non-finite loss.

        Reads the loss skorch has just recorded in the history, so it costs no
        extra device synchronization.
        """
        if not training:
            return
        # The value skorch has just read from the device: no new synchronization.
        loss = self.history[-1]["batches"][-1]["train_loss"]
        if math.isfinite(loss):
            return
        task_losses = kwargs["task_losses"].detach().cpu().numpy()
        bad = np.flatnonzero(~np.isfinite(task_losses))
        names = getattr(self, "task_names_", None)
        described = ", ".join(
            f"task {task_label(t, names)} has loss {task_losses[t]}" for t in bad
        )
        raise FloatingPointError(
            f"Non-finite training loss at epoch {len(self.history)}, batch "
            f"{len(self.history[-1, 'batches'])}: {described or f'loss {loss}'}. "
            "The weights are no longer usable; lower the learning rate (lr), "
            "scale the inputs, or keep the targets standardized."
        )

    # ------------------------------------------------------ prediction
    def forward_iter(self, X, training=False, device="cpu"):
        """skorch's, checking once that the net is fitted (not once per batch)."""
        self.check_is_fitted()
        yield from super().forward_iter(X, training=training, device=device)

    def evaluation_step(self, batch, training=False):
        """Module outputs on a batch; :meth:`forward_iter` checked the fit."""
        Xi, _ = unpack_data(batch)
        with torch.set_grad_enabled(training):
            self._set_training(training)
            return self.infer(Xi)

    def _forward_outputs(self, X):
        """Module outputs on ``X`` in evaluation mode, as a float64 array."""
        X = self._validate_inputs(X, reset=False)
        with torch_runtime(num_threads=self.torch_num_threads):
            outputs = self.forward(X, training=False)
        return outputs.numpy().astype(np.float64)

    def _split_outputs(self, outputs):
        """The columns of ``outputs`` that belong to each task."""
        bounds = np.cumsum([0, *self.output_sizes_])
        return [outputs[:, start:stop] for start, stop in itertools.pairwise(bounds)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


def _takes_sizes(module_class):
    """Whether a module class takes the inferred ``input_shape``/``output_sizes``."""
    parameters = inspect.signature(module_class).parameters
    return "input_shape" in parameters and "output_sizes" in parameters
