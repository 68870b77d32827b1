"""A fit interrupted by ``KeyboardInterrupt``: back to the last completed epoch.

skorch ends training on a ``KeyboardInterrupt`` (Ctrl+C, or a callback that
stops training, as skorch's ``EarlyStopping`` does at the end of an epoch) and
returns the net as it is. The nets tell the two apart: a ``KeyboardInterrupt``
raised at the end of an epoch, once the epoch is complete, is a request to
stop; one raised during an epoch is an interruption, after which the net is
put back to the end of its last completed epoch (weights and history) and the
``KeyboardInterrupt`` is raised again, so that scripts and searches stop.
"""

from ._callbacks import _state_copy

__all__ = ["InterruptibleTrainingMixin"]


class InterruptibleTrainingMixin:
    """The net's own hooks that keep the state of the last completed epoch.

    At the start of training and at the end of every epoch (before any
    callback's ``on_epoch_end``), a copy of the state of the module and of the
    criteria (the weighting strategy included) is kept in memory, as early
    stopping keeps the best epoch's. A training ended during an epoch by a
    ``KeyboardInterrupt`` gets that state back, and loses the history row of
    the unfinished epoch; the training session then raises the
    ``KeyboardInterrupt`` again (see :meth:`_interruption_message`).
    """

    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        """skorch's, noting whether a ``KeyboardInterrupt`` ends it during an
        epoch (skorch then catches it)."""
        try:
            return super().fit_loop(X, y, epochs=epochs, **fit_params)
        except KeyboardInterrupt:
            self._interrupted_during_epoch = self._epoch_open
            raise

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        super().on_train_begin(net, X=X, y=y, **kwargs)
        self._epoch_open = True  # until an epoch ends: nothing to stop at yet
        self._open_row = None
        self._completed_state = _state_copy(self)

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        super().on_epoch_begin(
            net, dataset_train=dataset_train, dataset_valid=dataset_valid, **kwargs
        )
        self._epoch_open = True
        self._open_row = len(self.history)  # the row skorch has just added

    def on_epoch_end(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        super().on_epoch_end(
            net, dataset_train=dataset_train, dataset_valid=dataset_valid, **kwargs
        )
        # The net is notified before its callbacks: a callback that stops
        # training from here (skorch's EarlyStopping) finds the epoch complete.
        self._epoch_open = False
        self._completed_state = _state_copy(self)

    def on_train_end(self, net, X=None, y=None, **kwargs):
        super().on_train_end(net, X=X, y=y, **kwargs)
        state = self.__dict__.pop("_completed_state", None)
        if not self.__dict__.pop("_interrupted_during_epoch", False):
            return
        interrupted_epoch = self._open_row or len(self.history) + 1
        if self._open_row is not None and self._open_row == len(self.history):
            self.history.pop()  # the unfinished epoch's row
        for name, component_state in (state or {}).items():
            getattr(self, name + "_").load_state_dict(component_state)
        self._interrupted_epoch = interrupted_epoch

    def _interruption_message(self, epoch):
        """What the ``KeyboardInterrupt`` raised again says."""
        best = getattr(self, "best_epoch_", None)
        if best is not None:
            kept = f"the weights of epoch {best}, the best one so far (early stopping)"
        elif len(self.history):
            kept = f"the weights of epoch {self.history[-1, 'epoch']}, the last "
            kept += "completed one"
        else:
            kept = "the weights it started training with (no epoch was completed)"
        return (
            f"Training of {type(self).__name__} interrupted during epoch {epoch}; "
            f"the net keeps {kept}, and the history of the completed epochs "
            "(interrupted_ is True)."
        )
