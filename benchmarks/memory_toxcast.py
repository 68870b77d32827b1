"""Peak memory of every estimator on ToxCast, as a multiple of the data's size.

Issue 14's target: on ToxCast (8,576 molecules x 1,024 fingerprint bits, 617
binary assays, 71% of the labels missing) the peak memory of every
estimator is at most 3x the data's size. This script fits each public
estimator that applies to ToxCast with its defaults (plus the minimum it
needs, as ``benchmarks/defaults.py``: a penalty object for
``MultiTaskLinearClassifier``) and measures the memory its ``fit`` (then
``predict`` and ``predict_proba`` on the same rows) takes above what the
process held before (data loaded, model constructed).

What is counted
---------------
The data's size is ``X`` as given to the estimator plus ``Y`` in float64:
by default ``X`` as :func:`~sklearn_mtl.datasets.load_toxcast` returns it,
float64 dense (8,576 x 1,024: 70.3 MB), and ``Y`` 8,576 x 617 float64 with
NaN (42.3 MB), 112.6 MB together (``--x-dtype uint8`` gives the stored
0/1 bits, 8.8 MB, and the estimators convert them). Where an estimator runs
on a subsample of the tasks (stated in the table), ``Y`` is those columns
and the ratio is to that ``X + Y``. No scaler: the estimators get the raw
bits (a ``StandardScaler`` in front adds one float64 copy of ``X``).

How it is measured
------------------
Each estimator runs in a fresh Python process (``--child``), so that earlier
fits, imports and allocator state do not blur its peak. The process imports
what the estimator needs (torch only for the nets), loads the data, builds
the estimator and first fits a clone of it on a tiny slice (200 rows, 4
tasks: numba compilation, torch's and skorch's first-call allocations and
lazy imports are paid there; they do not grow with the data). Then, for
each phase (fit, predict, predict_proba): ``gc.collect()`` and glibc's
``malloc_trim(0)`` (so that a phase does not reuse memory an earlier one
freed without counting it), the kernel's high-water mark of resident memory
is reset (``/proc/self/clear_refs``), the resident memory ``before`` is
read, the phase runs, and ``peak = VmHWM - before``: exact, whatever
allocates (numpy, torch, numba, BLAS). A thread reading the resident memory
every 5 ms gives the same figure to within a few MB (a check: it can miss a
short peak, never exceed it); each time the memory passes its highest value
by 5 MB it records the line the main thread is running, which the results
list for the phases above 3x ("where the peaks build up"; a numba kernel
that holds the GIL is not sampled inside). ``held`` is the resident memory
after ``fit`` minus ``before``: the fitted model plus what the allocator
kept. Then the fit runs once more under :mod:`tracemalloc` (a fresh clone;
skipped with ``--no-tracemalloc`` or where the first fit took more than
``--tracemalloc-max-cpu`` seconds of CPU, 30 by default): its peak counts
the Python and numpy allocations only; torch tensors and numba's arrays are
allocated outside it, so resident memory is the figure that counts.

Settings (stated in the results)
--------------------------------
One thread everywhere (``OMP_NUM_THREADS``, ``MKL_NUM_THREADS``,
``OPENBLAS_NUM_THREADS``, ``NUMBA_NUM_THREADS`` = 1, ``torch.set_num_threads
(1)``). Nets: their defaults (``max_epochs=200`` with early stopping),
seeded with ``random_state=0``. The linear models: their defaults except
``max_iter`` (``--max-iter``, default 10; ``--max-iter 0`` keeps the
defaults): a default fit of one of them takes many minutes on ToxCast, and
their peak was reached before or in the first iterations (checked on
2026-12-03, the solvers changing between runs:
``MultiTaskLogisticRegression()`` 534 MB after 3, 10 and 30 iterations,
537 MB for the converged default fit, 83 iterations; ``TraceNorm()`` 336
MB after 3 iterations, 343-355 MB converged in 10); a ``ConvergenceWarning``
is expected. Since the proximal Newton epochs (commit 7b59087) this no
longer holds for ``MultiTaskLogisticRegression()``: 228 MB after 10
iterations, 373 MB for the converged default fit (85 iterations, no
``ConvergenceWarning``), whose row the results show (``--max-iter 0``).
``MultiTaskLinearClassifier()`` is ``MultiTaskLogisticRegression()``
(L21(0.01)), and
``MultiTaskLinearClassifierCV()`` runs the path of
``MultiTaskLogisticRegressionCV()``: each is measured once, the CV
classifier on a short path (``alphas=3``, ``cv=3``). ``GroupedMultiTaskNet()``
and ``TaskAffinity()`` run with their defaults on 40 tasks (seed 0, each
with at least 10 labels of each class): on 617 tasks the affinity run takes
about 4 minutes of CPU per epoch (20 epochs by default). The 617 tasks are
measured with ``TaskAffinity(max_epochs=1)`` (every step allocates the
same) and ``GroupedMultiTaskNet(groups=...)`` (two given halves of the
tasks, no affinity run). ``compare_estimators`` compares
``PooledTaskClassifier()`` with ``MultiTaskNetClassifier()`` (``cv=3``,
``scoring="roc_auc"``).

Commands (from the repository root, data in ``../shared/data`` or
``--data-home``)::

    python benchmarks/memory_toxcast.py --jobs 2       # ~30 min at load 5
    python benchmarks/memory_toxcast.py --quick        # smoke run, to /tmp
    python benchmarks/memory_toxcast.py --estimators 'Net|Pooled'
    # some estimators again, the other rows kept
    python benchmarks/memory_toxcast.py --estimators 'Pooled' \\
        --out /tmp/rerun --merge-into benchmarks/results/memory_toxcast.json

``--jobs 2`` measures two estimators at a time (each in its own process,
one thread: the memory figures do not change, the times get noisier).
``--quick`` keeps 1,000 molecules and 40 tasks and writes to
``/tmp/memory_toxcast_quick.*``. The linear models run last (their solvers
are being rewritten): the commit, the files of the working tree that differ
from it and a digest of ``sklearn_mtl/linear_model/*.py`` as each linear
model ran are recorded with the results.

Results: ``benchmarks/results/memory_toxcast.md`` (table, command, date,
load) and ``memory_toxcast.json`` (every measurement).
"""

import argparse
import contextlib
import ctypes
import datetime
import gc
import hashlib
import io
import json
import os
import platform
import re
import shlex
import subprocess
import sys
import threading
import time
import tracemalloc
import warnings
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
MB = 1e6
THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "NUMBA_NUM_THREADS",
)
TARGET = 3.0  # issue 14: peak memory at most 3x the data's size


@dataclass
class Spec:
    """One measured estimator: how to build it and on which tasks."""

    label: str
    family: str  # "baseline", "net", "task_selection", "compare", "linear"
    build: str  # Python expression, evaluated in the child (see _namespace)
    n_tasks: int | None = None  # a subsample of the tasks (seed 0), or all
    note: str = ""


def _penalty_specs():
    penalties = (
        "L1()", "L2()", "L21ElasticNet()", "Dirty()", "TraceNorm()",
        "MeanRegularized()", "GraphLaplacian()", "Clustered()",
        "TaskRelationship()",
    )  # fmt: skip
    return [
        Spec(
            f"MultiTaskLinearClassifier({p})",
            "linear",
            f"MultiTaskLinearClassifier({p}, max_iter=MAX_ITER)",
        )
        for p in penalties
    ]


#: Two groups of tasks: the first half and the second (N_TASKS: Y's columns).
HALVES = "[list(range(N_TASKS // 2)), list(range(N_TASKS // 2, N_TASKS))]"

SPECS = [
    Spec("IndependentTaskClassifier()", "baseline", "IndependentTaskClassifier()"),
    Spec("PooledTaskClassifier()", "baseline", "PooledTaskClassifier()"),
    Spec(
        "MultiTaskNetClassifier()",
        "net",
        "MultiTaskNetClassifier(random_state=0)",
    ),
    Spec("MultiTaskNet()", "net", "MultiTaskNet(random_state=0)"),
    Spec(
        "GroupedMultiTaskNet()",
        "net",
        "GroupedMultiTaskNet(random_state=0)",
        n_tasks=40,
    ),
    Spec(
        "GroupedMultiTaskNet(groups=halves)",
        "net",
        f"GroupedMultiTaskNet(groups={HALVES}, random_state=0)",
        note="two nets, tasks 0-308 and 309-616; no affinity run",
    ),
    Spec(
        "TaskAffinity()",
        "task_selection",
        "TaskAffinity(random_state=0)",
        n_tasks=40,
    ),
    Spec(
        "TaskAffinity(max_epochs=1)",
        "task_selection",
        "TaskAffinity(max_epochs=1, random_state=0)",
        note="one epoch: each step allocates the same",
    ),
    Spec(
        "compare_estimators(Pooled, Net)",
        "compare",
        "{'pooled': PooledTaskClassifier(), "
        "'net': MultiTaskNetClassifier(random_state=0)}",
        note="cv=3, scoring='roc_auc'",
    ),
    Spec(
        "MultiTaskLogisticRegression()",
        "linear",
        "MultiTaskLogisticRegression(max_iter=MAX_ITER)",
        note="= MultiTaskLinearClassifier(): L21(0.01)",
    ),
    *_penalty_specs(),
    Spec(
        "MultiTaskLogisticRegressionCV()",
        "linear",
        "MultiTaskLogisticRegressionCV(alphas=3, cv=3, max_iter=MAX_ITER)",
        note="short path: alphas=3, cv=3; the path of MultiTaskLinearClassifierCV()",
    ),
]


# ------------------------------------------------------------------ the child
def _resident():
    """Resident memory (VmRSS) and its high-water mark (VmHWM), in bytes."""
    values = {}
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(("VmRSS", "VmHWM")):
                key, amount = line.split(":")
                values[key] = int(amount.split()[0]) * 1024
    return values["VmRSS"], values["VmHWM"]


def _reset_high_water_mark():
    """Reset VmHWM to the current resident memory (Linux >= 4.0)."""
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")


class _Sampler(threading.Thread):
    """Read the resident memory every ``interval`` seconds; keep the largest.

    With ``profile=True`` it also records, each time the resident memory
    passes its largest value so far by ``step`` bytes, where the main thread
    was: its innermost frame in ``sklearn_mtl`` and its innermost frame. The
    list shows which lines of code built the peak.
    """

    def __init__(self, interval=0.005, profile=False, step=5 * MB):
        super().__init__(daemon=True)
        self.interval = interval
        self.profile = profile
        self.step = step
        self.largest = 0
        self.steps = []
        self._main = threading.main_thread().ident
        self._stop_event = threading.Event()
        self._statm = open("/proc/self/statm")
        self._page = os.sysconf("SC_PAGE_SIZE")

    def _read(self):
        self._statm.seek(0)
        return int(self._statm.read().split()[1]) * self._page

    def _where(self):
        frame = sys._current_frames().get(self._main)
        innermost = package = None
        while frame is not None:
            code = frame.f_code
            here = f"{Path(code.co_filename).name}:{frame.f_lineno} {code.co_name}"
            innermost = innermost or here
            if package is None and "sklearn_mtl" in code.co_filename:
                relative = code.co_filename.split("sklearn_mtl", 1)[1].lstrip("/")
                package = f"{relative}:{frame.f_lineno} {code.co_name}"
            frame = frame.f_back
        return package, innermost

    def _sample(self):
        resident = self._read()
        if self.profile and resident >= self.largest + self.step:
            self.steps.append((resident, *self._where()))
        self.largest = max(self.largest, resident)

    def run(self):
        self.largest = self._read()
        while not self._stop_event.is_set():
            self._sample()
            time.sleep(self.interval)
        self._sample()

    def stop(self):
        self._stop_event.set()
        self.join()
        self._statm.close()
        return self.largest


def _release_free_memory():
    """Give the memory the allocator holds free back to the system (glibc)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def _measure(phase, profile=True):
    """Run ``phase()`` and return (its result, a dict of memory and time)."""
    gc.collect()
    _release_free_memory()
    _reset_high_water_mark()
    before, _ = _resident()
    sampler = _Sampler(profile=profile)
    sampler.start()
    start, cpu = time.perf_counter(), time.process_time()
    with contextlib.redirect_stdout(io.StringIO()):  # the nets' epoch log
        result = phase()
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    sampled = sampler.stop()
    after, high = _resident()
    profile = [
        [round((resident - before) / MB), package, innermost]
        for resident, package, innermost in sampler.steps
    ]
    return result, {
        "profile": profile,
        "peak_mb": (high - before) / MB,
        "sampled_peak_mb": (sampled - before) / MB,
        "held_mb": (after - before) / MB,
        "before_mb": before / MB,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
    }


def _namespace(family):
    """What the ``Spec.build`` expressions of ``family`` may name.

    torch is imported only where the estimator needs it (nets, affinity).
    """
    import importlib

    modules = {
        "baseline": ["baselines"],
        "linear": ["linear_model"],
        "net": ["neural", "task_selection"],
        "task_selection": ["neural", "task_selection"],
        "compare": ["baselines", "neural"],
    }[family]
    namespace = {}
    for name in modules:
        module = importlib.import_module(f"sklearn_mtl.{name}")
        namespace.update({key: getattr(module, key) for key in module.__all__})
    if family in ("net", "task_selection", "compare"):
        import torch

        torch.set_num_threads(1)
    return namespace


def _load(args, n_tasks):
    """``X`` (as given to the estimator) and ``Y`` of the run, and the tasks."""
    import numpy as np

    from sklearn_mtl.datasets import load_toxcast

    bunch = load_toxcast(args.data_home)
    X, Y = bunch.data, bunch.target
    if args.quick:
        rows = np.sort(np.random.RandomState(0).choice(len(Y), 1000, replace=False))
        X, Y = X[rows], Y[rows]
        n_tasks = min(n_tasks or 40, 40)
    tasks = np.arange(Y.shape[1])
    if n_tasks is not None and n_tasks < Y.shape[1]:
        # tasks with at least 10 labels of each class (every fit, fold and
        # validation split then has both classes)
        positives, negatives = np.nansum(Y == 1, axis=0), np.nansum(Y == 0, axis=0)
        eligible = np.flatnonzero((positives >= 10) & (negatives >= 10))
        rng = np.random.RandomState(0)
        tasks = np.sort(rng.choice(eligible, n_tasks, replace=False))
        Y = Y[:, tasks]
    X = np.ascontiguousarray(X, dtype=np.dtype(args.x_dtype))
    Y = np.ascontiguousarray(Y, dtype=np.float64)
    return X, Y, tasks


def _warm_up(spec, build, X, Y):
    """Fit a clone on a tiny slice: compilation and first-call allocations."""
    import numpy as np
    from sklearn.base import clone

    from sklearn_mtl.model_selection import compare_estimators

    rows = slice(0, 200)
    observed = Y[rows]
    both = np.flatnonzero(
        (np.nansum(observed == 1, axis=0) >= 3)
        & (np.nansum(observed == 0, axis=0) >= 3)
    )[:4]
    X_small, Y_small = X[rows], observed[:, both]
    if spec.family == "compare":
        compare_estimators(
            {k: clone(v) for k, v in build(Y_small.shape[1]).items()},
            X_small,
            Y_small,
            cv=2,
            scoring="roc_auc",
        )
        return
    model = clone(build(Y_small.shape[1])).fit(X_small, Y_small)
    if hasattr(model, "predict"):
        model.predict(X_small)
    if hasattr(model, "predict_proba"):
        model.predict_proba(X_small)


def _digest(folder):
    """Short sha1 of a folder's Python sources (the state measured)."""
    digest = hashlib.sha1()
    for path in sorted(folder.glob("*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:10]


def _iterations(model):
    """Iterations or epochs of a fitted estimator, as a short string."""
    import numpy as np

    if hasattr(model, "history") and hasattr(model, "best_epoch_"):
        return f"{len(model.history)} ep (best {model.best_epoch_})"
    if hasattr(model, "estimators_") and hasattr(model, "groups_"):
        return "+".join(str(len(net.history)) for net in model.estimators_) + " ep"
    if hasattr(model, "estimator_") and hasattr(model.estimator_, "history"):
        return f"{len(model.estimator_.history)} ep"
    if getattr(model, "n_iter_", None) is not None:
        return str(int(np.max(model.n_iter_)))
    inner = getattr(model, "estimators_", None) or [getattr(model, "estimator_", None)]
    steps = [
        np.max(e.n_iter_) for e in inner if getattr(e, "n_iter_", None) is not None
    ]
    return f"{int(max(steps))} (most of the inner fits)" if steps else ""


def child(args):
    """Measure one estimator (``args.child``) and print its record as JSON."""
    import numpy as np
    from sklearn.base import clone

    from sklearn_mtl.model_selection import compare_estimators

    spec = next(s for s in SPECS if s.label == args.child)
    namespace = _namespace(spec.family)
    expression = spec.build
    if args.max_iter <= 0:
        expression = re.sub(r",? ?max_iter=MAX_ITER", "", expression)
    expression = expression.replace("MAX_ITER", str(args.max_iter))

    X, Y, tasks = _load(args, spec.n_tasks)

    def build(n_tasks=Y.shape[1]):
        namespace["N_TASKS"] = n_tasks
        return eval(expression, namespace)

    warnings.simplefilter("ignore")
    with contextlib.redirect_stdout(io.StringIO()):
        _warm_up(spec, build, X, Y)
    record = {
        "linear_model_digest": _digest(ROOT / "sklearn_mtl" / "linear_model"),
        "label": spec.label,
        "family": spec.family,
        "expression": expression,
        "note": spec.note,
        "n_rows": int(X.shape[0]),
        "n_tasks": int(Y.shape[1]),
        "n_labels": int(np.sum(~np.isnan(Y))),
        "x_dtype": str(X.dtype),
        "x_mb": X.nbytes / MB,
        "y_mb": Y.nbytes / MB,
        "phases": {},
    }
    if spec.n_tasks is not None or args.quick:
        record["tasks"] = tasks.tolist()
    estimator = build()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if spec.family == "compare":

            def run():
                return compare_estimators(estimator, X, Y, cv=3, scoring="roc_auc")

            _, record["phases"]["fit"] = _measure(run)
        else:
            model, record["phases"]["fit"] = _measure(lambda: estimator.fit(X, Y))
            record["iterations"] = _iterations(model)
            for method in ("predict", "predict_proba"):
                if hasattr(model, method):
                    output, record["phases"][method] = _measure(
                        lambda method=method: getattr(model, method)(X)
                    )
                    del output
    names = sorted({w.category.__name__ for w in caught})
    record["warnings"] = {
        name: sum(w.category.__name__ == name for w in caught) for name in names
    }
    record["warning_examples"] = {
        w.category.__name__: str(w.message)[:300] for w in reversed(caught)
    }
    if args.no_tracemalloc:
        record["tracemalloc_skipped"] = "--no-tracemalloc"
    elif record["phases"]["fit"]["cpu_seconds"] > args.tracemalloc_max_cpu:
        record["tracemalloc_skipped"] = (
            f"fit took {record['phases']['fit']['cpu_seconds']:.0f} s of CPU "
            f"> --tracemalloc-max-cpu {args.tracemalloc_max_cpu:.0f}"
        )
    else:
        fresh = (
            {k: clone(v) for k, v in build().items()}
            if spec.family == "compare"
            else build()
        )
        gc.collect()
        tracemalloc.start()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with contextlib.redirect_stdout(io.StringIO()):
                if spec.family == "compare":
                    compare_estimators(fresh, X, Y, cv=3, scoring="roc_auc")
                else:
                    fresh.fit(X, Y)
        record["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / MB
        tracemalloc.stop()
    print(json.dumps(record))


# ----------------------------------------------------------------- the parent
def _git_state():
    """Commit, and the package's files that differ from it."""

    def git(*command):
        return subprocess.run(
            ["git", *command], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    changed = git("status", "--short", "--untracked-files=no", "--", "sklearn_mtl")
    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "changes": changed.splitlines(),
    }


def run_child(spec, args):
    """Run one spec in a fresh process; its record, or a record of the failure."""
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        spec.label,
        "--data-home",
        args.data_home,
        "--max-iter",
        str(args.max_iter),
        "--x-dtype",
        args.x_dtype,
        "--tracemalloc-max-cpu",
        str(args.tracemalloc_max_cpu),
    ]
    command += ["--quick"] * args.quick + ["--no-tracemalloc"] * args.no_tracemalloc
    environment = {**os.environ, **dict.fromkeys(THREAD_VARIABLES, "1")}
    load = os.getloadavg()[0]
    start = time.perf_counter()
    try:
        process = subprocess.run(
            command,
            capture_output=True,
            text=True,
            env=environment,
            timeout=args.timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {
            "label": spec.label,
            "error": f"stopped after {args.timeout} s",
            "load_1min": load,
        }
    wall = time.perf_counter() - start
    lines = process.stdout.strip().splitlines()
    if process.returncode != 0 or not lines:
        tail = process.stderr.strip().splitlines()[-3:]
        return {
            "label": spec.label,
            "error": " / ".join(tail) or f"exit {process.returncode}",
            "load_1min": load,
        }
    record = json.loads(lines[-1])
    record["process_seconds"] = wall
    record["load_1min"] = max(load, os.getloadavg()[0])
    return record


def _ratio(phase, data_mb):
    return phase["peak_mb"] / data_mb


def peak_sources(profile, top=5):
    """Where a phase's resident memory grew most: ``(MB added, location)``.

    ``profile`` holds ``[MB above before, package frame, innermost frame]``
    each time the sampler saw a new high (every 5 MB); consecutive samples at
    the same place are one step.
    """
    steps, last = [], 0
    for megabytes, package, innermost in profile:
        where = package or innermost
        if (
            package
            and innermost
            and not innermost.startswith(Path(package.split(":")[0]).name)
        ):
            where = f"{package} (in {innermost})"
        if steps and steps[-1][1] == where:
            steps[-1][0] += megabytes - last
        else:
            steps.append([megabytes - last, where])
        last = megabytes
    steps.sort(key=lambda step: -step[0])
    return steps[:top]


def _settings_line(meta):
    if meta["max_iter"] > 0:
        return (
            f"Linear models: `max_iter={meta['max_iter']}` (their peak is "
            "reached before or in the first iterations: see the script's "
            "docstring), the other settings their defaults: a "
            "`ConvergenceWarning` is expected."
        )
    return "Linear models: their defaults."


def markdown(meta, records):
    """The results as markdown."""
    git = meta["git"]
    digests = sorted(
        {r["linear_model_digest"] for r in records if r.get("family") == "linear"}
    )
    lines = [
        "# Peak memory on ToxCast, every estimator",
        "",
        f"`{meta['command']}`, {meta['date']}, {meta['wall_minutes']:.1f} min wall "
        f"({meta['jobs']} estimator(s) at a time), load average "
        f"{meta['load_min']:.1f}-{meta['load_max']:.1f} on {meta['cpu_count']} "
        "shared cores: wall times are indicative, CPU times less so. sklearn_mtl "
        f"{meta['version']} at commit {git['commit']}"
        + (
            " with uncommitted changes (working tree) to "
            + ", ".join(line.split()[-1] for line in git["changes"])
            if git["changes"]
            else ""
        )
        + (
            "; sha1 of `sklearn_mtl/linear_model/*.py` as the linear models ran: "
            + ", ".join(f"`{d}`" for d in digests)
            if digests
            else ""
        )
        + f"; torch {meta['torch']}, Python {meta['python']}.",
        "",
        *[
            f"Run again on {rerun['date']} by `{rerun['command']}` "
            f"({rerun['wall_minutes']:.1f} min): "
            + ", ".join(rerun["estimators"])
            + " (the other rows are from the runs above).\n"
            for rerun in meta.get("reruns", [])
        ],
        f"Data: {meta['data']}. Counted: `X` as given to the estimator "
        f"({meta['x_dtype']}, dense) plus `Y` (float64, NaN where missing); "
        "`ratio` = peak / (X + Y), **bold** above 3x. Each estimator in a "
        "fresh process, one thread (OMP, MKL, OpenBLAS, numba, torch), after "
        "a warm-up fit on 200 rows x 4 tasks. `peak`: the high-water mark of "
        "resident memory during the phase minus the resident memory before it "
        "(`VmHWM` reset through `/proc/self/clear_refs`, after `gc.collect()` "
        "and `malloc_trim(0)`), in MB; `sampled`: the largest of 5-ms samples "
        "(a check); `held`: resident after fit minus before (the fitted model "
        "and what the allocator kept); `tracemalloc`: the peak of the Python "
        "and numpy allocations in a second fit (torch and numba allocate "
        "outside it). predict and predict_proba run on the training rows after "
        "the fit. `fit`: wall seconds (CPU seconds). " + _settings_line(meta),
        "",
        "| estimator | tasks | X + Y (MB) | fit peak (MB) | ratio | sampled | "
        "held | tracemalloc | predict peak (ratio) | predict_proba peak (ratio) | "
        "fit (s) | iter | warnings |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in records:
        if "error" in r:
            lines.append(f"| {r['label']} | | | **{r['error']}** |" + " |" * 9)
            continue
        data_mb = r["x_mb"] + r["y_mb"]
        fit = r["phases"]["fit"]
        ratio = _ratio(fit, data_mb)
        shown = f"**{ratio:.1f}x**" if ratio > TARGET else f"{ratio:.1f}x"
        cells = [
            r["label"] + (f" ({r['note']})" if r["note"] else ""),
            str(r["n_tasks"]),
            f"{data_mb:.0f}",
            f"{fit['peak_mb']:.0f}",
            shown,
            f"{fit['sampled_peak_mb']:.0f}",
            f"{fit['held_mb']:.0f}",
            f"{r['tracemalloc_peak_mb']:.0f}" if "tracemalloc_peak_mb" in r else "-",
        ]
        for method in ("predict", "predict_proba"):
            phase = r["phases"].get(method)
            cells.append(
                f"{phase['peak_mb']:.0f} ({_ratio(phase, data_mb):.1f}x)"
                if phase
                else ""
            )
        cells += [
            f"{fit['seconds']:.0f} ({fit['cpu_seconds']:.0f})",
            r.get("iterations", ""),
            ", ".join(f"{k} x{v}" for k, v in r["warnings"].items()),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    skipped = [
        f"{r['label']} ({r['tracemalloc_skipped']})"
        for r in records
        if "tracemalloc_skipped" in r
    ]
    if skipped:
        lines += ["", "No tracemalloc fit (`-`): " + "; ".join(skipped) + "."]
    over = [
        r
        for r in records
        if "error" not in r
        and any(
            _ratio(phase, r["x_mb"] + r["y_mb"]) > TARGET
            for phase in r["phases"].values()
        )
    ]
    if over:
        lines += [
            "",
            "## Where the peaks above 3x build up",
            "",
            "The sampling thread's record of the lines running while the "
            "resident memory rose (MB added there, the largest first; a numba "
            "kernel that holds the GIL is not sampled inside, its growth shows "
            "at the next line sampled).",
            "",
        ]
        for r in over:
            data_mb = r["x_mb"] + r["y_mb"]
            for name, phase in r["phases"].items():
                if _ratio(phase, data_mb) <= TARGET:
                    continue
                steps = peak_sources(phase["profile"])
                shown = "; ".join(f"+{mb} MB `{where}`" for mb, where in steps)
                lines.append(
                    f"- {r['label']}, {name} ({phase['peak_mb']:.0f} MB): {shown}"
                )
    lines += ["", "Settings (as constructed):", ""]
    lines += [
        f"- {r['label']}: `{r['expression']}`"
        + (f" on tasks {_ranges(r['tasks'])}" if "tasks" in r else "")
        + (
            f" (linear_model sha1 `{r['linear_model_digest']}`)"
            if r["family"] == "linear" and len(digests) > 1
            else ""
        )
        for r in records
        if "expression" in r
    ]
    return "\n".join(lines) + "\n"


def _ranges(tasks):
    """Task indices, shortened when many."""
    if len(tasks) <= 12:
        return str(tasks)
    return f"{tasks[:6]}... ({len(tasks)} tasks, seed 0)".replace("]...", ", ...]")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--estimators", default=None, help="regular expression")
    parser.add_argument("--quick", action="store_true", help="1,000 rows, 40 tasks")
    parser.add_argument(
        "--max-iter",
        type=int,
        default=10,
        help="max_iter of the linear models (0: their defaults)",
    )
    parser.add_argument("--x-dtype", default="float64", choices=["float64", "uint8"])
    parser.add_argument("--no-tracemalloc", action="store_true")
    parser.add_argument(
        "--tracemalloc-max-cpu",
        type=float,
        default=30.0,
        help="skip the tracemalloc fit where the first fit took more CPU seconds",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="estimators measured at the same time (each in its own process, "
        "one thread; memory is per process, times get noisier)",
    )
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument("--data-home", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--out", default=None, help="output path without suffix")
    parser.add_argument(
        "--merge-into",
        default=None,
        metavar="JSON",
        help="after the run, put its records into this earlier run's .json "
        "(replacing those of the same estimators) and write its .md again",
    )
    parser.add_argument(
        "--render",
        default=None,
        metavar="JSON",
        help="write the .md of an earlier run's .json again (no fitting)",
    )
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args)
        return
    if args.render:
        payload = json.loads(Path(args.render).read_text())
        Path(args.render).with_suffix(".md").write_text(
            markdown(payload["meta"], payload["records"])
        )
        return
    import torch

    import sklearn_mtl

    pattern = re.compile(args.estimators) if args.estimators else None
    specs = [s for s in SPECS if pattern is None or pattern.search(s.label)]
    out = Path(
        args.out
        or ("/tmp/memory_toxcast_quick" if args.quick else RESULTS / "memory_toxcast")
    )
    command = "python benchmarks/memory_toxcast.py" + (
        " " + shlex.join(sys.argv[1:]) if argv is None and sys.argv[1:] else ""
    )
    meta = {
        "command": command,
        "date": datetime.date.today().isoformat(),
        "version": sklearn_mtl.__version__,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "git": _git_state(),
        "max_iter": args.max_iter,
        "jobs": args.jobs,
        "x_dtype": args.x_dtype,
        "data": (
            "ToxCast subsample: 1,000 molecules (seed 0), 40 tasks"
            if args.quick
            else "ToxCast, 8,576 molecules x 1,024 bits, 617 assays "
            "(1,533,660 labels observed, 29%)"
        ),
    }
    start = time.perf_counter()
    done = {}

    def report(spec, record):
        done[spec.label] = record
        if "error" in record:
            print(f"{spec.label:58s} {record['error']}", flush=True)
        else:
            fit = record["phases"]["fit"]
            data_mb = record["x_mb"] + record["y_mb"]
            print(
                f"{spec.label:58s} tasks={record['n_tasks']:4d} "
                f"peak={fit['peak_mb']:8.1f} MB ({fit['peak_mb'] / data_mb:5.2f}x) "
                f"fit={fit['seconds']:7.1f}s process={record['process_seconds']:6.1f}s",
                flush=True,
            )
        records = [done[s.label] for s in specs if s.label in done]
        loads = [r["load_1min"] for r in records]
        meta.update(
            wall_minutes=(time.perf_counter() - start) / 60,
            load_min=min(loads),
            load_max=max(loads),
        )
        # Written after every estimator, so that a run cut short keeps them.
        out.parent.mkdir(parents=True, exist_ok=True)
        out.with_suffix(".json").write_text(
            json.dumps({"meta": meta, "records": records}, indent=1) + "\n"
        )
        out.with_suffix(".md").write_text(markdown(meta, records))

    # Threads only wait for the child processes; the linear models are
    # queued last.
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = {pool.submit(run_child, spec, args): spec for spec in specs}
        for future in as_completed(futures):
            report(futures[future], future.result())
    print(f"wrote {out}.md/.json in {(time.perf_counter() - start) / 60:.1f} min")
    if args.merge_into:
        merge(Path(args.merge_into), meta, [done[s.label] for s in specs])


def merge(target, meta, records):
    """Put ``records`` (a later run's) into the run saved at ``target``.

    They replace the records of the same estimators, in the first run's
    order (new estimators at the end); ``meta["reruns"]`` says what was run
    again, when, by which command.
    """
    payload = json.loads(target.read_text())
    labels = [r["label"] for r in payload["records"]]
    by_label = {r["label"]: r for r in payload["records"]}
    for record in records:
        if record["label"] not in by_label:
            labels.append(record["label"])
        by_label[record["label"]] = record
    payload["records"] = [by_label[label] for label in labels]
    payload["meta"].setdefault("reruns", []).append(
        {
            "command": meta["command"],
            "date": meta["date"],
            "wall_minutes": meta["wall_minutes"],
            "estimators": [r["label"] for r in records],
            "git": meta["git"],
        }
    )
    loads = [r["load_1min"] for r in payload["records"]]
    payload["meta"].update(load_min=min(loads), load_max=max(loads))
    target.write_text(json.dumps(payload, indent=1) + "\n")
    target.with_suffix(".md").write_text(markdown(payload["meta"], payload["records"]))
    print(f"merged into {target} and {target.with_suffix('.md')}")


if __name__ == "__main__":
    main()
