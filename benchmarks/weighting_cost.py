"""Cost of one training step with each weighting strategy, as a ratio.

The same module (:class:`~sklearn_mtl.neural.MultiTaskMLP`, trunk 256-256,
linear heads), the same batch of 256 rows with 100 features and ``T`` regression
tasks (20% of the labels missing), Adam. For every strategy of
:data:`sklearn_mtl.neural.weighting.WEIGHTINGS` (by its string name, default
parameters) one training step of the net is timed (``net.train_step``: zeroing
the gradients, forward, losses, the strategy's backward pass, the optimizer's
step and the strategy's after-step hook), and divided by the step of the same
net with ``weighting=None`` (the summed loss, ``mean_t(w_t * loss_t)``).
Gradient strategies are timed with ``on="representation"`` (the default) and,
for T <= 12, ``on="parameters"``.

Peers, on the same module and batch:

* ``plain loop``: a PyTorch step on the summed loss without skorch;
* ``torchjd UPGrad (mtl_backward)``: TorchJD's ``mtl_backward`` (the trunk's
  output as ``features``: the Jacobian of the task losses with respect to the
  trunk's parameters) and ``jac_to_grad`` with its ``UPGrad`` aggregator,
  then the optimizer step (``pip install "torchjd[full]"``; skipped without
  it).

Timings are interleaved: in each round every configuration runs ``--steps``
steps after one untimed step, and a ratio is the median over rounds of the
per-round ratio to the summed-loss step, so that a shared machine's drift
cancels out. ``T`` in 3, 12 and 100, with one and two torch threads.

Usage::

    python benchmarks/weighting_cost.py --rounds 15 --steps 10

writes ``benchmarks/results/weighting_cost.{csv,md}``.
"""

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from sklearn_mtl.neural import MaskedMultiTaskLoss, MultiTaskNetRegressor
from sklearn_mtl.neural.weighting import WEIGHTINGS, GradientAggregator

RESULTS = Path(__file__).parent / "results"
N_FEATURES, BATCH, HIDDEN = 100, 256, (256, 256)


def make_batch(n_tasks, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((BATCH, N_FEATURES)).astype(np.float32)
    Y = (X @ rng.standard_normal((N_FEATURES, n_tasks)) / 10).astype(np.float32)
    Y[rng.random(Y.shape) < 0.2] = np.nan
    Y[0] = 0.0  # every task labelled in the batch
    return X, Y


def initialized_net(X, Y, weighting, **params):
    """A net initialized on the batch (no epoch), ready for ``train_step``."""
    net = MultiTaskNetRegressor(
        weighting=weighting,
        module__hidden_units=HIDDEN,
        max_epochs=0,
        train_split=None,
        standardize_targets=False,
        verbose=0,
        random_state=0,
        **params,
    )
    net.fit(X, Y)
    return net


def net_step(net, batch):
    def step():
        net.train_step(batch)

    return step


def plain_step(X, Y, n_tasks):
    """A summed-loss step in plain PyTorch on the same module."""
    net = initialized_net(X, Y, None)
    module = net.module_
    criterion = MaskedMultiTaskLoss(["regression"] * n_tasks, [1] * n_tasks)
    optimizer = torch.optim.Adam(module.parameters(), lr=1e-3)
    X, Y = torch.from_numpy(X), torch.from_numpy(Y)

    def step():
        optimizer.zero_grad()
        criterion(module(X), Y).mean().backward()
        optimizer.step()

    return step


def torchjd_step(X, Y, n_tasks):
    """TorchJD's mtl_backward and jac_to_grad with UPGrad."""
    try:
        from torchjd.aggregation import UPGrad
        from torchjd.autojac import jac_to_grad, mtl_backward
    except ImportError:
        return None
    net = initialized_net(X, Y, None)
    module = net.module_
    criterion = MaskedMultiTaskLoss(["regression"] * n_tasks, [1] * n_tasks)
    optimizer = torch.optim.Adam(module.parameters(), lr=1e-3)
    aggregator = UPGrad()
    X, Y = torch.from_numpy(X), torch.from_numpy(Y)

    def step():
        optimizer.zero_grad()
        features = module.trunk(X)
        losses = criterion(module.heads(features), Y)
        mtl_backward(list(losses), features=features, retain_graph=True)
        jac_to_grad(module.trunk.parameters(), aggregator)
        optimizer.step()

    return step


def configurations(n_tasks):
    """(strategy label, step function) of every configuration for T tasks."""
    X, Y = make_batch(n_tasks)
    batch = (torch.from_numpy(X), torch.from_numpy(Y))
    yield "summed loss (weighting=None)", net_step(initialized_net(X, Y, None), batch)
    yield "plain loop (no skorch)", plain_step(X, Y, n_tasks)
    jd = torchjd_step(X, Y, n_tasks)
    if jd is not None:
        yield "torchjd UPGrad (mtl_backward)", jd
    for name, strategy in sorted(WEIGHTINGS.items()):
        yield name, net_step(initialized_net(X, Y, name), batch)
        if issubclass(strategy, GradientAggregator) and n_tasks <= 12:
            net = initialized_net(X, Y, name, weighting__on="parameters")
            yield f"{name} (on='parameters')", net_step(net, batch)


def measure(n_tasks, threads, rounds, steps):
    torch.set_num_threads(threads)
    configs = list(configurations(n_tasks))
    times = {label: [] for label, _ in configs}
    for _ in range(rounds):
        for label, step in configs:
            step()  # untimed: caches, lazy state
            start = time.perf_counter()
            for _ in range(steps):
                step()
            times[label].append((time.perf_counter() - start) / steps)
    base = np.array(times["summed loss (weighting=None)"])
    return [
        {
            "n_tasks": n_tasks,
            "threads": threads,
            "strategy": label,
            "step_ms": 1e3 * float(np.median(values)),
            "ratio": float(np.median(np.array(values) / base)),
        }
        for label, values in times.items()
    ]


def to_markdown(frame):
    table = frame.pivot_table(
        index="strategy", columns=["n_tasks", "threads"], values="ratio"
    )
    table.columns = [f"T={t}, {n} thr" for t, n in table.columns]
    base = frame[frame.strategy == "summed loss (weighting=None)"]
    lines = [
        "Step time relative to the summed-loss step of the same net (median of "
        "per-round ratios).",
        "Summed-loss step: "
        + ", ".join(
            f"T={row.n_tasks}, {row.threads} thr: {row.step_ms:.2f} ms"
            for row in base.itertuples()
        ),
        "",
        table.to_markdown(floatfmt=".2f"),
    ]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--tasks", type=int, nargs="+", default=[3, 12, 100])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    rows = []
    for n_tasks in args.tasks:
        for threads in args.threads:
            rows.extend(measure(n_tasks, threads, args.rounds, args.steps))
            print(f"T={n_tasks}, threads={threads} done", flush=True)
    frame = pd.DataFrame(rows)
    RESULTS.mkdir(exist_ok=True)
    frame.to_csv(RESULTS / "weighting_cost.csv", index=False)
    (RESULTS / "weighting_cost.md").write_text(to_markdown(frame))
    print(to_markdown(frame))


if __name__ == "__main__":
    main()
