"""Torch's global state during a fit: number of threads and random seed."""

import multiprocessing
from contextlib import ExitStack, contextmanager

import numpy as np
import torch
from sklearn.utils import check_random_state

__all__ = ["resolve_num_threads", "torch_runtime"]


def resolve_num_threads(num_threads):
    """Number of torch threads to use, or None to leave torch's setting.

    Parameters
    ----------
    num_threads : int or None
        An explicit number of threads, or None: one thread inside a child
        process (a joblib worker of ``GridSearchCV(n_jobs=...)``, where
        several processes share the cores and OpenMP spin-waiting would slow
        them all down), torch's own setting otherwise.

    Returns
    -------
    num_threads : int or None
    """
    if num_threads is not None:
        return num_threads
    return 1 if multiprocessing.parent_process() is not None else None


def _seed(random_state):
    """An integer seed for torch from an int, a RandomState or None."""
    if random_state is None:
        return None
    if isinstance(random_state, np.integer | int):
        return int(random_state)
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


@contextmanager
def _threads(num_threads):
    previous = torch.get_num_threads()
    torch.set_num_threads(num_threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _cuda_devices(device):
    if device is None:  # placement left to someone else (e.g. accelerate)
        return list(range(torch.cuda.device_count()))
    device = torch.device(device)
    if device.type != "cuda":
        return []
    return [device.index if device.index is not None else torch.cuda.current_device()]


@contextmanager
def torch_runtime(*, num_threads=None, random_state=None, device="cpu"):
    """Set torch's threads and seed for the duration of a fit or a prediction.

    With a ``random_state``, torch's global random generators (CPU and the
    net's CUDA device) are seeded inside the block and restored after it, so
    a fit is reproducible without changing the caller's random state. Without
    one, torch's global generators are used as they are, as skorch does.

    Parameters
    ----------
    num_threads : int or None, default=None
        See :func:`resolve_num_threads`.
    random_state : int, RandomState instance or None, default=None
        Seed of the weights' initialization, dropout and batch order.
    device : str, torch.device or None, default="cpu"
        The net's device; None (skorch's "do not move", as set by
        :class:`skorch.hf.AccelerateMixin`) forks the generators of every
        visible CUDA device.
    """
    with ExitStack() as stack:
        num_threads = resolve_num_threads(num_threads)
        if num_threads is not None:
            stack.enter_context(_threads(num_threads))
        seed = _seed(random_state)
        if seed is not None:
            stack.enter_context(torch.random.fork_rng(devices=_cuda_devices(device)))
            torch.manual_seed(seed)
        yield
