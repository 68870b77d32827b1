"""What the multi-task nets share: data preparation, losses and the data path."""

import inspect
import math
import warnings
from types import MappingProxyType

import numpy as np
import torch
from sklearn.base import clone
from sklearn.utils.validation import check_is_fitted, validate_data
from skorch import NeuralNet
from skorch.callbacks import EpochTimer, PrintLog
from skorch.dataset import Dataset, unpack_data
from skorch.utils import to_tensor

from ..utils import check_multitask_targets, check_sample_weight, check_task_weights
from ..utils._targets import task_label
from ..utils._weights import check_weighted_labels
from ._batches import training_batches
from ._callbacks import (
    BestEpochStopping,
    PerTaskLoss,
    TaskScoring,
    ValidationPlateau,
)
from ._data import as_float32, make_loader
from ._encoding import TargetEncoding
from ._loss import MaskedMultiTaskLoss
from ._numerics import LossDivergence, check_encoded_targets, check_finite_outputs
from ._persistence import PersistentNetMixin
from ._runtime import seeded_initialization, torch_runtime
from ._training_settings import TrainingSettingsMixin, is_auto
from .modules import MultiTaskMLP
from .weighting import TrainingStep, check_weighting

__all__ = ["BaseMultiTaskNet"]

# Epochs of per-task training losses given to the weighting strategy's
# begin_epoch hook (DWA compares the last two).
EPOCHS_GIVEN_TO_WEIGHTING = 2


class BaseMultiTaskNet(PersistentNetMixin, TrainingSettingsMixin, NeuralNet):
    """skorch net trained on masked per-task losses (base class).

    The regressor, the classifier and the mixed-type net say how their
    targets are read (the task types) and what their predictions are;
    everything else is here: validation of ``X``, ``Y`` and the sample
    weights, the encoding of the targets (:class:`TargetEncoding`), inference
    of the module's sizes, the weighted per-task loss, the in-memory batching,
    per-task history, threads and seeding.

    With ``sample_weight``, the encoded targets carry the rows' weights as one
    more, last column, so that every data path (in-memory slices, skorch's
    ``Dataset`` and ``DataLoader``, the subsets of ``train_split``) batches
    them with the labels; :meth:`unpack_targets` separates them.
    """

    # skorch sets these three in __init__; fitted state is set in fit only
    # (scikit-learn's convention), so they are class-level defaults here.
    initialized_ = False
    # ``weighting__<param>`` arguments are the strategy's (as module__<param>).
    prefixes_ = [*NeuralNet.prefixes_, "weighting"]
    history_ = None
    virtual_params_ = MappingProxyType({})
    #: Arguments given to a module class that takes them, unless
    #: ``module__<name>`` is set: defaults of the net (the classifier's
    #: ``batch_norm=True`` and ``dropout=0.5``), not of the module.
    MODULE_DEFAULTS = MappingProxyType({})
    #: Arguments of torch's ``ReduceLROnPlateau`` on the validation loss, the
    #: net's default callback ``"lr_scheduler"`` (``ValidationPlateau``),
    #: or None for a constant learning rate: the regressor's
    #: ``factor=0.5, patience=3``. ``callbacks__lr_scheduler=None`` turns it off.
    LR_PLATEAU = None

    def __init__(
        self,
        module=MultiTaskMLP,
        *,
        criterion=MaskedMultiTaskLoss,
        optimizer=torch.optim.Adam,
        lr=1e-3,
        max_epochs=200,
        batch_size=128,
        train_split="auto",
        early_stopping="auto",
        validation_fraction=0.2,
        n_iter_no_change=10,
        tol=1e-4,
        scoring="loss",
        task_weights=None,
        weighting=None,
        primary_tasks=None,
        random_state=None,
        torch_num_threads=None,
        verbose="auto",
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
            verbose=verbose,
            **kwargs,
        )
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.scoring = scoring
        self.task_weights = task_weights
        self.weighting = weighting
        self.primary_tasks = primary_tasks
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
    def fit(self, X, y, sample_weight=None, groups=None, **fit_params):
        """Initialize the net (unless warm-starting) and train it on ``X, Y``.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, ...)
            Inputs: numpy, pandas, scipy sparse (densified batch by batch) or a
            torch tensor.
        y : array-like of shape (n_samples, n_tasks) or (n_samples,)
            Labels, NaN (or ``None``) where missing.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each row in every task's loss: task ``t``'s
            loss on a batch is ``sum_i s_i * loss_it / sum_i s_i`` over the
            batch's rows ``i`` where task ``t`` is labelled, and its epoch
            loss in ``history`` is weighted alike. Rows of weight 0 are left
            out, as if they were not given (from the validation split too);
            every task needs a labelled row of non-zero weight. A separate
            validation set (``predefined_split``) is not weighted. A weight
            acts as repeated rows on the losses and on the gradients of the
            parameters; gradient strategies working on the shared
            representation (``on="representation"``) see a weighted row once,
            its gradient scaled by its weight, and so do batch normalization
            and dropout (the classifier's defaults) in their batch statistics
            and masks.
        groups : array-like of shape (n_samples,), default=None
            Group of each row (a patient, a site, a molecule's scaffold...),
            for the validation split of early stopping: with
            ``train_split="auto"`` the validation rows are whole groups, so
            that early stopping selects on groups the net has not trained on,
            as the test rows of :class:`~sklearn.model_selection.GroupKFold`
            are. A ``train_split`` of your own gets them as its ``groups``
            argument (as skorch's ``ValidSplit`` with a group splitter takes
            them). Unused without a validation split. Inside
            ``GridSearchCV`` or ``cross_validate``, scikit-learn's metadata
            routing passes each fit its rows' groups
            (``sklearn.set_config(enable_metadata_routing=True)`` and
            ``net.set_fit_request(groups=True)``).
        **fit_params : dict
            Passed to the module's ``forward`` and to ``train_split``.

        Returns
        -------
        self : object
            The fitted net.
        """
        self._check_training_params()
        reset = not (self.warm_start and self.initialized_)
        groups = self._check_groups(groups, X, sample_weight)
        X, y = self._prepare_fit_data(X, y, reset=reset, sample_weight=sample_weight)
        session = self._training_session(early_stopping=True, continues=not reset)
        with self._runtime(), session:
            self._split_groups = groups
            if reset:
                with seeded_initialization():  # initial weights from the seed
                    self.initialize()
            self._check_criterion_takes_weights(sample_weight)
            return super().partial_fit(X, y, _routing_method="fit", **fit_params)

    def partial_fit(
        self, X, y, classes=None, sample_weight=None, groups=None, **fit_params
    ):
        """Train for ``max_epochs`` more epochs, initializing the net if needed.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, ...)
            Inputs.
        y : array-like of shape (n_samples, n_tasks) or (n_samples,)
            Labels, NaN (or ``None``) where missing.
        classes : list of array-like, array-like or None, default=None
            Nets with classification tasks only, on the first call: the
            classes of each task (an array for 1-D ``y``; None for a
            continuous task), when later calls may hold classes this one does
            not.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each row in every task's loss (see :meth:`fit`).
        groups : array-like of shape (n_samples,), default=None
            Group of each row, for the validation split (see :meth:`fit`).
        **fit_params : dict
            Passed to the module's ``forward`` and to ``train_split``.

        Returns
        -------
        self : object
            The fitted net.
        """
        self._check_training_params()
        groups = self._check_groups(groups, X, sample_weight)
        X, y = self._prepare_fit_data(
            X,
            y,
            reset=not self.initialized_,
            classes=classes,
            sample_weight=sample_weight,
        )
        session = self._training_session(
            early_stopping=False, continues=self.initialized_
        )
        with self._runtime(), session:
            self._split_groups = groups
            if not self.initialized_:
                with seeded_initialization():
                    self.initialize()
            self._check_criterion_takes_weights(sample_weight)
            return super().partial_fit(X, y, **fit_params)

    def _check_groups(self, groups, X, sample_weight):
        """``groups`` as an array with one entry per row kept for training
        (rows of weight 0 are left out, as in :meth:`_prepare_fit_data`), or None."""
        if groups is None:
            return None
        n_samples = X.shape[0] if hasattr(X, "shape") else len(X)
        groups = np.asarray(groups)
        if groups.shape != (n_samples,):
            raise ValueError(
                f"Expected groups of shape ({n_samples},), one group per row of X; "
                f"got shape {groups.shape} instead."
            )
        sample_weight = check_sample_weight(sample_weight, n_samples)
        if sample_weight is not None:
            groups = groups[sample_weight > 0]
        return groups

    # ------------------------------------------ early stopping, verbosity
    def _runtime(self):
        return torch_runtime(
            num_threads=self.torch_num_threads,
            random_state=self.random_state,
            device=self.device,
        )

    def _prepare_fit_data(self, X, y, *, reset, classes=None, sample_weight=None):
        """Validate ``X``, ``y`` and the weights; fit (``reset``) or apply the
        encoding of the targets.

        Returns ``X`` without the rows of weight 0, and the encoded targets
        (float32), followed by a column of sample weights when given.
        """
        X = self._validate_inputs(X, reset=reset)
        sample_weight = check_sample_weight(sample_weight, X.shape[0])
        targets = self._check_targets(y, reset=reset, n_samples=X.shape[0])
        if sample_weight is not None:
            check_weighted_labels(targets, sample_weight)
            kept = sample_weight > 0
            if not kept.all():  # as if those rows were not given
                X, sample_weight = X[kept], sample_weight[kept]
                targets = self._check_targets(
                    _take_rows(y, kept), reset=reset, n_samples=X.shape[0]
                )
        if classes is not None:
            classes = self._declared_classes(classes, targets)
        if reset:
            self.n_tasks_ = targets.n_tasks
            self._single_output = targets.single_output
            if targets.task_names is not None:
                self.task_names_ = targets.task_names
            elif hasattr(self, "task_names_"):
                del self.task_names_
            # An overflowing standardization is an error (check_encoded_targets)
            with np.errstate(over="ignore", invalid="ignore"):
                encoding = TargetEncoding.from_targets(
                    targets,
                    standardize=getattr(self, "standardize_targets", True),
                    classes=classes,
                    sample_weight=sample_weight,
                )
            self._target_encoding = encoding
            self.task_kinds_ = encoding.task_kinds
            self.output_sizes_ = encoding.output_sizes
            self._set_target_attributes(encoding)
            self._warn_constant_tasks(encoding)
        self.task_weights_ = check_task_weights(
            self.task_weights, self.n_tasks_, getattr(self, "task_names_", None)
        )
        self.primary_tasks_ = self._check_primary_tasks()
        if self.initialized_:  # partial_fit after set_params(task_weights=...)
            self.weighting_.set_task_weights(self.task_weights_)
            if not reset:  # else initialize() builds a new weighting_
                self._give_primary_tasks(self.weighting_)
        Y = self._target_encoding.encode(targets)
        check_encoded_targets(targets, self._target_encoding, Y)
        if sample_weight is not None:
            Y = np.column_stack([Y, sample_weight])
        return X, Y.astype(np.float32)

    def _check_targets(self, y, *, reset, n_samples, allow_unlabelled_tasks=False):
        """``y`` through the data contract, with this net's task types."""
        return check_multitask_targets(
            y,
            target_type=self._contract_target_type(reset),
            missing_label=getattr(self, "missing_label", None),
            allow_unlabelled_tasks=allow_unlabelled_tasks,
            n_samples=n_samples,
            n_tasks=None if reset else self.n_tasks_,
        )

    def _contract_target_type(self, reset):
        """How the data contract reads ``y`` (``target_type`` of
        :func:`~sklearn_mtl.utils.check_multitask_targets`): the task types to
        infer or check when fitting from scratch (``reset``), else those found
        then."""
        raise NotImplementedError

    def _declared_classes(self, classes, targets):
        """``classes`` given to ``partial_fit``, as one entry per task."""
        per_task = [classes] if targets.single_output else list(classes)
        if len(per_task) != targets.n_tasks:
            raise ValueError(
                f"Expected classes for each of the {targets.n_tasks} tasks; got "
                f"{len(per_task)} arrays instead."
            )
        return per_task

    def _set_target_attributes(self, encoding):
        """Set the public fitted attributes that describe the targets' encoding."""

    def _warn_constant_tasks(self, encoding):
        names = getattr(self, "task_names_", None)
        for t, kind in enumerate(encoding.task_kinds):
            if kind == "constant":
                label = encoding.classes[t].tolist()[0]
                warnings.warn(
                    f"Task {task_label(t, names)} has a single class ({label!r}); "
                    "it always predicts it.",
                    UserWarning,
                    stacklevel=4,
                )

    def _check_criterion_takes_weights(self, sample_weight):
        if sample_weight is None:
            return
        forward = getattr(self.criterion_, "forward", self.criterion_)
        if "sample_weight" not in inspect.signature(forward).parameters:
            raise ValueError(
                "Expected a criterion that takes sample_weight (as "
                "MaskedMultiTaskLoss does) to fit with sample_weight; got "
                f"{type(self.criterion_).__name__}, which does not."
            )

    def unpack_targets(self, y):
        """The labels and the sample weights of encoded targets.

        In a fit with ``sample_weight``, the targets the net batches (such as
        ``batch[1]`` in a callback) hold the rows' weights as a last column.

        Parameters
        ----------
        y : Tensor or ndarray of shape (n_rows, n_tasks) or (n_rows, n_tasks + 1)
            Encoded targets, NaN where a label is missing.

        Returns
        -------
        labels : Tensor or ndarray of shape (n_rows, n_tasks)
        sample_weight : Tensor or ndarray of shape (n_rows,) or None
            None when the targets hold no weights.
        """
        if y.shape[1] == self.n_tasks_ + 1:
            return y[:, :-1], y[:, -1]
        return y, None

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

        As skorch's: ``train_split`` receives the dataset of the rows given to
        ``fit`` (labels encoded, and weights, see :meth:`unpack_targets`) and,
        as ``y``, their encoded labels (without the weights), and the rows'
        ``groups`` when ``fit`` got them. Subsets of the
        dataset (``ValidSplit``) are used as they are; a
        ``skorch.dataset.Dataset`` of its own (``predefined_split``) holds raw
        inputs and labels, which are validated and encoded here as the
        training rows were.
        """
        dataset = self.get_dataset(X, y)
        train_split = self._resolved_train_split()
        if not train_split:
            return dataset, None
        groups = self.__dict__.get("_split_groups")
        if groups is not None:  # fit(..., groups=...)
            fit_params = {**fit_params, "groups": groups}
        if y is None:
            dataset_train, dataset_valid = train_split(dataset, **fit_params)
        else:
            labels, _ = self.unpack_targets(y)
            dataset_train, dataset_valid = train_split(dataset, labels, **fit_params)
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
        targets = self._check_targets(
            dataset.y, reset=False, n_samples=X.shape[0], allow_unlabelled_tasks=True
        )
        Y = self._target_encoding.encode(targets)
        check_encoded_targets(targets, self._target_encoding, Y)
        return Dataset(X, Y.astype(np.float32))

    def _default_module_kwargs(self):
        """This net's defaults of the module's arguments (``MODULE_DEFAULTS``)
        that the module class takes: they apply unless ``module__<name>`` is set."""
        parameters = inspect.signature(self.module).parameters
        return {k: v for k, v in self.MODULE_DEFAULTS.items() if k in parameters}

    def initialize_module(self):
        """Build the module, giving it the input shape and output sizes found,
        and the net's defaults of its arguments (``MODULE_DEFAULTS``)."""
        kwargs = self.get_params_for("module")
        if isinstance(self.module, type):
            kwargs = {**self._default_module_kwargs(), **kwargs}
        if isinstance(self.module, type) and _takes_sizes(self.module):
            if not hasattr(self, "output_sizes_"):
                raise AttributeError(
                    f"{type(self).__name__} infers the module's input shape and "
                    "output sizes from the data: call fit or partial_fit, not "
                    "initialize, first (to restore a net saved with "
                    "save_params(f_params=..., f_fitted=...), call "
                    "load_params(f_params=..., f_fitted=...), which initializes "
                    "it)."
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

        A strategy with a ``set_primary_tasks`` method (such as
        :class:`~sklearn_mtl.neural.weighting.AuxiliaryCosine`) then gets the
        primary tasks' indices, ``primary_tasks_`` (None when
        ``primary_tasks`` is None), and again at every ``fit`` or
        ``partial_fit`` that continues training.
        """
        strategy = clone(check_weighting(self.weighting))
        strategy.set_params(**self.get_params_for("weighting"))
        self.weighting_ = strategy.initialize(
            self.task_weights_, module=self.module_, task_kinds=self.task_kinds_
        )
        self._give_primary_tasks(self.weighting_)
        if "weighting" not in self._criteria:
            self._register_attribute("weighting_", self.weighting_, prefixes=False)
        return self

    def _give_primary_tasks(self, strategy):
        """Hand ``primary_tasks_`` to a strategy that asks for them."""
        set_primary_tasks = getattr(strategy, "set_primary_tasks", None)
        if callable(set_primary_tasks):
            set_primary_tasks(getattr(self, "primary_tasks_", None))

    def get_default_callbacks(self):
        """skorch's default callbacks, with :class:`PerTaskLoss` recording the losses.

        The per-task history keys are left out of the printed log (there can
        be hundreds of tasks); read them from ``history``.
        """
        scoring = []
        if not (is_auto(self.scoring) or self.scoring == "loss"):
            scoring = [("scoring", TaskScoring(self.scoring))]
        per_task_prefixes = ["train_loss", "valid_loss"]
        for callback in [*(self.callbacks or []), *scoring]:
            callback = callback[1] if isinstance(callback, tuple) else callback
            if isinstance(callback, TaskScoring):
                per_task_prefixes.append(callback.history_prefix)
        hidden = ["task_weights"]
        if hasattr(self, "n_tasks_"):
            for prefix in per_task_prefixes:
                hidden.extend(self.task_history_keys(prefix))
        schedule = []
        if self.LR_PLATEAU is not None:
            schedule = [("lr_scheduler", ValidationPlateau(**self.LR_PLATEAU))]
        return [
            ("epoch_timer", EpochTimer()),
            ("per_task_loss", PerTaskLoss()),
            *scoring,
            *schedule,
            ("print_log", PrintLog(keys_ignored=hidden)),
            ("loss_divergence", LossDivergence()),
            ("early_stopping", BestEpochStopping()),
        ]

    def _yield_callbacks(self):
        """skorch's order (defaults, the user's, then the logs), early stopping
        last: every callback, the log included, sees the epoch it stops at."""
        stopping = []
        for item in super()._yield_callbacks():
            if isinstance(item[1], BestEpochStopping):
                stopping.append(item)
            else:
                yield item
        yield from stopping

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

        Training batches are shuffled unless ``iterator_train__shuffle=False``,
        in a seeded fit from the fit's own generator.
        """
        prefix = "iterator_train" if training else "iterator_valid"
        kwargs = self.get_params_for(prefix)
        kwargs.setdefault("batch_size", self.batch_size)
        if kwargs["batch_size"] == -1:
            kwargs["batch_size"] = len(dataset)
        if training:
            kwargs.setdefault("shuffle", True)
        loader = make_loader(dataset, getattr(self, prefix), kwargs)
        if training:  # batch norm: a last batch of one row joins the one before
            loader = training_batches(
                loader, self.module_, len(dataset), kwargs, type(self).__name__
            )
        return loader

    # ----------------------------------------------------------- losses
    def get_task_losses(self, y_pred, y_true, X=None, training=False):
        """Per-task losses of a batch, from the criterion.

        Parameters
        ----------
        y_pred : Tensor of shape (batch, n_outputs)
            Module outputs.
        y_true : Tensor of shape (batch, n_tasks) or (batch, n_tasks + 1)
            Encoded labels, NaN where missing, and the rows' weights as a last
            column in a fit with ``sample_weight`` (see :meth:`unpack_targets`).
        X : Tensor, default=None
            Inputs of the batch (unused; there for subclasses).
        training : bool, default=False
            Whether this is a training step.

        Returns
        -------
        task_losses : Tensor of shape (n_tasks,)
        """
        labels, sample_weight = self.unpack_targets(
            to_tensor(y_true, device=self.device)
        )
        if sample_weight is None:
            return self.criterion_(y_pred, labels)
        return self.criterion_(y_pred, labels, sample_weight=sample_weight)

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
        labels, _ = self.unpack_targets(to_tensor(yi, device=self.device))
        step = TrainingStep(
            task_losses,
            y_true=labels,
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
            outputs = self.forward(X, training=False).numpy()
        names = getattr(self, "task_names_", None)
        check_finite_outputs(outputs, self._target_encoding, names)
        return outputs.astype(np.float64)

    def _predict_columns(self, X):
        """Each task's predictions on ``X`` in its label space (a list)."""
        outputs = self._forward_outputs(X)  # checks that the net is fitted
        return self._target_encoding.predictions(outputs)

    def _predict_probabilities(self, X):
        """Class probabilities of each task on ``X`` (None for continuous ones)."""
        outputs = self._forward_outputs(X)  # checks that the net is fitted
        return self._target_encoding.probabilities(outputs)

    def scoring_inputs(self, outputs, targets, spec):
        """Labels and predictions of the epoch's rows, for :class:`TaskScoring`.

        Parameters
        ----------
        outputs : ndarray of shape (n_samples, n_outputs)
            Module outputs.
        targets : ndarray of shape (n_samples, n_tasks)
            Encoded labels (standardized values, class indices), NaN where
            missing.
        spec : MetricSpec
            The metric: class probabilities are given when its response
            methods include ``"predict_proba"`` and a task holds classes.

        Returns
        -------
        Y_true : ndarray of shape (n_samples, n_tasks)
            Labels in their units (continuous tasks) or class indices.
        Y_pred : ndarray of shape (n_samples, n_tasks) or list
            Predictions in the same form, or a list of per-task class
            probabilities (None for a continuous task).
        """
        encoding = self._target_encoding
        outputs = np.asarray(outputs, dtype=np.float64)
        methods = spec.response_method
        methods = (methods,) if isinstance(methods, str) else tuple(methods)
        Y_true = encoding.decode_targets(targets)
        if "predict_proba" in methods and any(
            classes is not None for classes in encoding.classes
        ):
            return Y_true, encoding.probabilities(outputs)
        return Y_true, encoding.predicted_values(outputs)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


def _take_rows(y, rows):
    """The rows ``rows`` (a boolean mask) of targets ``y``."""
    if hasattr(y, "iloc"):
        return y.iloc[rows]
    return np.asarray(y.to_numpy() if hasattr(y, "to_numpy") else y)[rows]


def _takes_sizes(module_class):
    """Whether a module class takes the inferred ``input_shape``/``output_sizes``."""
    parameters = inspect.signature(module_class).parameters
    return "input_shape" in parameters and "output_sizes" in parameters
