"""Hugging Face accelerate for the multi-task nets, through skorch's mixin."""

from skorch.hf import AccelerateMixin

__all__ = ["MultiTaskAccelerateMixin"]


class MultiTaskAccelerateMixin(AccelerateMixin):
    """The :class:`~skorch.hf.AccelerateMixin` of skorch, for the multi-task nets.

    Compose it with a net as skorch documents for its own nets::

        class AcceleratedNet(MultiTaskAccelerateMixin, MultiTaskNetRegressor):
            pass

        net = AcceleratedNet(accelerator=Accelerator(), random_state=0)

    skorch's mixin replaces the net's training step with a single summed
    loss, which would drop the per-task losses, the task weights of the
    history and the ``weighting=`` strategy; this one keeps the net's own
    step (per-task losses, the strategy's backward pass, the history) and
    runs it under the accelerator's autocast, while the accelerator
    prepares the module, the optimizer and the data loaders, accumulates
    gradients and places tensors, as in skorch.

    Parameters
    ----------
    *args
        The net's positional parameters.
    accelerator : accelerate.Accelerator
        The accelerator, with its device placement and mixed-precision
        settings. ``mixed_precision="fp16"`` is refused: it needs the loss
        scaled before every backward pass, and the weighting strategies run
        their own backward passes; use ``"bf16"``.
    device : str, torch.device or None, default=None
        Leave it None: the accelerator places the tensors.
    unwrap_after_train : bool, default=True
        See :class:`skorch.hf.AccelerateMixin`.
    callbacks__print_log__sink : callable or "auto", default="auto"
        Where the epoch log goes; ``"auto"`` prints on the main process only
        (see :class:`skorch.hf.AccelerateMixin`).
    **kwargs
        The net's parameters.

    Notes
    -----
    With several processes (distributed data parallel), strategies that
    form per-task gradients (``weighting`` with ``needs`` other than the
    losses) are refused at initialization: they reach the module through
    its multi-task protocol, around the parallel wrapper that synchronizes
    the gradients. Loss-based strategies and the default summed loss go
    through the wrapper and synchronize as usual.
    """

    def initialize(self):
        """Initialize the net, then refuse the settings the step cannot honour."""
        super().initialize()
        if getattr(self.accelerator, "scaler", None) is not None:
            raise ValueError(
                f"{type(self).__name__} cannot train with loss scaling "
                "(Accelerator(mixed_precision='fp16')): the weighting strategies "
                "run their own backward passes; use mixed_precision='bf16' or "
                "'no' instead."
            )
        needs = set(self.weighting_.needs) - {"losses"}
        if self.accelerator.num_processes > 1 and needs:
            raise ValueError(
                f"{type(self).__name__} cannot combine per-task gradients "
                f"(weighting={type(self.weighting_).__name__}, which needs the "
                f"{' and '.join(sorted(needs))}) with "
                f"{self.accelerator.num_processes} processes; use a loss-based "
                "strategy or one process."
            )
        return self

    def train_step_single(self, batch, **fit_params):
        """The net's own step (per-task losses and the strategy's backward
        pass) under the accelerator's autocast."""
        with self.accelerator.autocast():
            return super(AccelerateMixin, self).train_step_single(batch, **fit_params)
