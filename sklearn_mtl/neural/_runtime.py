"""Torch's state during a fit: number of threads and random generators.

A seeded fit draws its random numbers (initial weights, dropout masks, batch
order) from generators of its own, held in thread-local storage while it
runs, so that seeded fits running at the same time in several threads
(joblib's threading backend, dask's threaded workers) draw exactly what they
would draw one after the other. Torch's global generator is process-wide: it
is used only where a generator cannot be passed, namely the construction of
the module (its layers draw their initial weights from it), which is done
under a lock, with the global generator seeded, and whose end state then
seeds the fit's own generators.
"""

import multiprocessing
import os
import threading
from contextlib import ExitStack, contextmanager

import numpy as np
import torch
from sklearn.utils import check_random_state

__all__ = [
    "current_generator",
    "resolve_num_threads",
    "seeded_initialization",
    "torch_runtime",
]

# Environment variable that joblib's process workers (loky) set to their share
# of the cores: ``inner_max_num_threads`` when given, else cpu_count // n_jobs.
_WORKER_THREADS_VARIABLE = "OMP_NUM_THREADS"

_local = threading.local()
# Held while a seeded fit draws from torch's global generator (module
# construction), so that no other seeded fit reseeds it meanwhile.
_global_generator_lock = threading.RLock()
# Fits that set torch's (process-wide) number of threads, and what to restore
# when the last of them ends.
_threads_lock = threading.Lock()
_threads_users = 0
_threads_before = None


def resolve_num_threads(num_threads):
    """Number of torch threads to use, or None to leave torch's setting.

    Parameters
    ----------
    num_threads : int or None
        An explicit number of threads, or None: inside a child process (a
        joblib worker of ``GridSearchCV(n_jobs=...)``, a dask or Ray worker
        process), the number joblib gives each worker through the
        ``OMP_NUM_THREADS`` environment variable (its
        ``inner_max_num_threads``, by default the number of cores divided by
        ``n_jobs``), or 1 where that variable is not set: several processes
        share the cores, and OpenMP spin-waiting would slow them all down.
        Torch's own setting in the main process (threads of one process share
        torch's thread pool).

    Returns
    -------
    num_threads : int or None
    """
    if num_threads is not None:
        return num_threads
    if multiprocessing.parent_process() is None:
        return None
    return _worker_thread_limit()


def _worker_thread_limit():
    """The positive integer in ``OMP_NUM_THREADS``, else 1."""
    try:
        value = int(os.environ.get(_WORKER_THREADS_VARIABLE, ""))
    except ValueError:
        return 1
    return value if value > 0 else 1


def _seed(random_state):
    """An integer seed for torch from an int, a RandomState or None."""
    if random_state is None:
        return None
    if isinstance(random_state, np.integer | int):
        return int(random_state)
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


@contextmanager
def _threads(num_threads):
    """Torch's number of threads set to ``num_threads`` for the block.

    The setting is process-wide: while several fits overlap (in threads), the
    last one to start sets it, and the setting found before the first one is
    restored when the last one ends.
    """
    global _threads_users, _threads_before
    with _threads_lock:
        if _threads_users == 0:
            _threads_before = torch.get_num_threads()
        _threads_users += 1
        torch.set_num_threads(num_threads)
    try:
        yield
    finally:
        with _threads_lock:
            _threads_users -= 1
            if _threads_users == 0:
                torch.set_num_threads(_threads_before)


def _cuda_devices(device):
    if device is None:  # placement left to someone else (e.g. accelerate)
        return list(range(torch.cuda.device_count()))
    device = torch.device(device)
    if device.type != "cuda":
        return []
    return [device.index if device.index is not None else torch.cuda.current_device()]


class _FitGenerators:
    """The random generators of one seeded fit, one per device, made on demand.

    Each starts from ``seed`` (as torch's global generator after
    ``torch.manual_seed(seed)``), or from the global generator's state at the
    end of the module's construction when the fit built the module (see
    :func:`seeded_initialization`): a fit then draws the numbers a fit drawing
    everything from the seeded global generator would draw.
    """

    def __init__(self, seed, cuda_devices):
        self.seed = seed
        self.cuda_devices = cuda_devices
        self._states = {}
        self._generators = {}

    def continue_from_global(self):
        """Start the generators where torch's global ones are now."""
        self._states = {"cpu": torch.get_rng_state()}
        for index in self.cuda_devices:
            self._states[f"cuda:{index}"] = torch.cuda.get_rng_state(index)
        self._generators = {}

    def get(self, device):
        device = torch.device(device)
        if device.type == "cuda" and device.index is None:
            device = torch.device("cuda", torch.cuda.current_device())
        key = str(device)
        generator = self._generators.get(key)
        if generator is None:
            generator = torch.Generator(device=device)
            state = self._states.get(key)
            if state is None:
                generator.manual_seed(self.seed)
            else:
                generator.set_state(state)
            self._generators[key] = generator
        return generator


def current_generator(device="cpu"):
    """The random generator of the seeded fit running in this thread, or None.

    Code that draws random numbers during a fit (a dropout layer, the batch
    order) passes it as ``generator=`` to torch's sampling functions; None
    (no fit running, or a fit without ``random_state``) means torch's global
    generator, as skorch uses.

    Parameters
    ----------
    device : str or torch.device, default="cpu"
        Device of the tensor to fill (a generator draws on its own device).

    Returns
    -------
    generator : torch.Generator or None
    """
    generators = getattr(_local, "generators", None)
    return None if generators is None else generators.get(device)


@contextmanager
def seeded_initialization():
    """Draw the initial weights of the fit running in this thread from its seed.

    Module constructors draw from torch's global generator, which threads
    share: inside a seeded fit, the block runs under a process-wide lock with
    the global generator seeded by the fit's seed, and the fit's own
    generators then continue from where it ends. Outside a seeded fit, the
    block runs as it is.
    """
    generators = getattr(_local, "generators", None)
    if generators is None:
        yield
        return
    with _global_generator_lock:
        torch.manual_seed(generators.seed)
        yield
        generators.continue_from_global()


@contextmanager
def _seeded_global_generators(seed, cuda_devices):
    """Torch's global generators seeded for the block, restored after it.

    As ``torch.random.fork_rng`` followed by ``torch.manual_seed``, under the
    lock of :func:`seeded_initialization`: neither the seeding nor the
    restoration can fall in the middle of another fit's module construction.
    """
    with _global_generator_lock:
        cpu_state = torch.get_rng_state()
        cuda_states = [torch.cuda.get_rng_state(index) for index in cuda_devices]
        torch.manual_seed(seed)
    try:
        yield
    finally:
        with _global_generator_lock:
            torch.set_rng_state(cpu_state)
            for index, state in zip(cuda_devices, cuda_states, strict=True):
                torch.cuda.set_rng_state(state, index)


@contextmanager
def _fit_generators(generators):
    previous = getattr(_local, "generators", None)
    _local.generators = generators
    try:
        yield
    finally:
        _local.generators = previous


@contextmanager
def torch_runtime(*, num_threads=None, random_state=None, device="cpu"):
    """Set torch's threads and the random generators for a fit or a prediction.

    Parameters
    ----------
    num_threads : int or None, default=None
        See :func:`resolve_num_threads`.
    random_state : int, RandomState instance or None, default=None
        Seed of the weights' initialization, dropout and batch order (a fit).
        The fit's own generators (:func:`current_generator`) are seeded with
        it; torch's global generators (CPU and the net's CUDA device) are
        also seeded inside the block and restored after it, for code that
        draws from them (a module of your own, some weighting strategies): a
        sequential fit is then reproducible, without changing the caller's
        random state. None: torch's global generators, as skorch uses (also
        inside a seeded fit, for a net fitted by another one's ``fit``).
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
        generators = None
        if seed is not None:
            cuda_devices = _cuda_devices(device)
            stack.enter_context(_seeded_global_generators(seed, cuda_devices))
            generators = _FitGenerators(seed, cuda_devices)
        stack.enter_context(_fit_generators(generators))
        yield
