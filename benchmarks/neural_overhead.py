"""Overhead of the multi-task nets over a plain PyTorch loop, and grid-search scaling.

Part 1 (``--part overhead``): 50,000 x 100 inputs, 3 regression tasks, the
same module (``MultiTaskMLP``, trunk 256-256), batch 256, Adam (lr 1e-3),
trained for a few epochs by

* a plain PyTorch loop: shuffled row indices, tensor slicing, squared error,
  ``loss.item()`` per batch as any loop that logs its loss does;
* :class:`~sklearn_mtl.neural.MultiTaskNetRegressor` (``train_split=None``);
* skorch's ``NeuralNetRegressor`` with its defaults (``Dataset`` +
  ``DataLoader``; shuffled as well and ``train_split=None``, so that all three
  do the same work),

with one and two torch threads. Prediction on the 50,000 rows is timed the
same way (plain loop: evaluation mode, ``no_grad``, batches of 256). Runs are
interleaved and repeated; a ratio is the median over repeats of the per-repeat
ratio to the plain loop, so that the load of a shared machine cancels out.

Part 2 (``--part batches``): the same comparison batch by batch, which a
shared machine's changing speed cannot bias. For each of ``--batches``
random batches of 256 rows, one training step of the plain loop and one of
the net as skorch runs it (``run_single_epoch`` over that one batch: the
callbacks notified, the step, the history records) are timed back to back,
in alternating order. The ratio is the total time of the net's steps over
the plain loop's. It leaves out what an epoch adds once (shuffling, the
epoch's callbacks: about 1 ms in an epoch of 0.5 s or more).

Part 3 (``--part gridsearch``): ``GridSearchCV`` over four ``task_weights``
settings (3-fold, 12 fits, 10,000 rows with 30% of labels missing, the same
trunk, 20 epochs) with ``n_jobs=1`` and ``n_jobs=2``; the ratio of their times,
interleaved and repeated as above. With ``n_jobs=2`` each joblib worker runs
torch with one thread (the nets' default in a child process); with
``n_jobs=1`` torch uses its default threads.

Usage::

    python benchmarks/neural_overhead.py --repeats 7
    python benchmarks/neural_overhead.py --part batches --batches 3000

write ``benchmarks/results/neural_overhead.{csv,md}`` and
``neural_gridsearch.csv`` (parts 1 and 3), ``neural_batches.{csv,md}``
(part 2).
"""

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.model_selection import GridSearchCV
from skorch import NeuralNetRegressor

from sklearn_mtl.neural import MultiTaskMLP, MultiTaskNetRegressor

RESULTS = Path(__file__).parent / "results"
N_SAMPLES, N_FEATURES, N_TASKS = 50_000, 100, 3
HIDDEN, BATCH, LR = (256, 256), 256, 1e-3


def make_data(n_samples=N_SAMPLES, seed=0):
    """Inputs and three smooth regression tasks sharing a representation."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, N_FEATURES)).astype(np.float32)
    shared = np.tanh(X @ rng.standard_normal((N_FEATURES, 8)) / 10)
    Y = shared @ rng.standard_normal((8, N_TASKS))
    Y += 0.1 * rng.standard_normal(Y.shape)
    return X, Y.astype(np.float32)


def new_module():
    return MultiTaskMLP((N_FEATURES,), (1,) * N_TASKS, hidden_units=HIDDEN)


def warm_up(X, Y):
    """One short run of each, so that lazy imports and allocations are not timed."""
    plain_predict(plain_fit(X[:2048], Y[:2048], 1), X[:2048])
    ours(1).fit(X[:2048], Y[:2048]).predict(X[:2048])
    skorch_default(1).fit(X[:2048], Y[:2048]).predict(X[:2048])


def plain_fit(X, Y, epochs):
    """The loop a PyTorch user writes for the same model and data."""
    model = new_module()
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    X_t, Y_t = torch.from_numpy(X), torch.from_numpy(Y)
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(X_t))
        for start in range(0, len(X_t), BATCH):
            rows = order[start : start + BATCH]
            optimizer.zero_grad()
            loss = torch.nn.functional.mse_loss(model(X_t[rows]), Y_t[rows])
            loss.backward()
            optimizer.step()
            loss.item()
    return model


def plain_predict(model, X):
    model.eval()
    X_t = torch.from_numpy(X)
    with torch.no_grad():
        outputs = [model(X_t[i : i + BATCH]) for i in range(0, len(X_t), BATCH)]
    return torch.cat(outputs).numpy()


def ours(epochs):
    return MultiTaskNetRegressor(
        module__hidden_units=HIDDEN,
        max_epochs=epochs,
        batch_size=BATCH,
        lr=LR,
        train_split=None,
        verbose=0,
    )


def skorch_default(epochs):
    return NeuralNetRegressor(
        new_module(),
        optimizer=torch.optim.Adam,
        max_epochs=epochs,
        batch_size=BATCH,
        lr=LR,
        train_split=None,
        iterator_train__shuffle=True,
        verbose=0,
    )


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def overhead(repeats, epochs):
    X, Y = make_data()
    rows = []
    warm_up(X, Y)
    for threads in (1, 2):
        torch.set_num_threads(threads)
        for repeat in range(repeats):
            fit_plain, model = timed(plain_fit, X, Y, epochs)
            predict_plain, _ = timed(plain_predict, model, X)
            fit_ours, net = timed(ours(epochs).fit, X, Y)
            predict_ours, _ = timed(net.predict, X)
            fit_skorch, skorch_net = timed(skorch_default(epochs).fit, X, Y)
            predict_skorch, _ = timed(skorch_net.predict, X)
            for name, fit, predict in [
                ("plain PyTorch loop", fit_plain, predict_plain),
                ("MultiTaskNetRegressor", fit_ours, predict_ours),
                ("skorch NeuralNetRegressor", fit_skorch, predict_skorch),
            ]:
                rows.append(
                    {
                        "threads": threads,
                        "repeat": repeat,
                        "model": name,
                        "epoch_s": fit / epochs,
                        "predict_s": predict,
                        "epoch_ratio": fit / fit_plain,
                        "predict_ratio": predict / predict_plain,
                    }
                )
            print(rows[-3:], flush=True)
    return pd.DataFrame(rows)


def batches(n_batches):
    """Per-batch training time of the net and of the plain loop, interleaved."""
    X, Y = make_data()
    rows = []
    for threads in (1, 2):
        torch.set_num_threads(threads)
        rows.append({"threads": threads, **interleaved_steps(X, Y, n_batches, threads)})
        print(rows[-1], flush=True)
    return pd.DataFrame(rows)


def interleaved_steps(X, Y, n_batches, seed):
    """Time a plain step and a net step on each of ``n_batches`` random batches."""
    X_t, Y_t = torch.from_numpy(X), torch.from_numpy(Y)
    model = new_module()
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    net = ours(1).fit(X[:BATCH], Y[:BATCH])
    net.history.new_epoch()
    net.notify("on_epoch_begin", dataset_train=None, dataset_valid=None)

    def plain_step(batch):
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(batch[0]), batch[1])
        loss.backward()
        optimizer.step()
        loss.item()

    def net_step(batch):
        net.run_single_epoch(
            [batch], training=True, prefix="train", step_fn=net.train_step
        )

    generator = torch.Generator().manual_seed(seed)
    times = np.zeros((n_batches, 2))
    for i in range(n_batches):
        index = torch.randint(len(X_t), (BATCH,), generator=generator)
        batch = (X_t[index], Y_t[index])
        for which in (0, 1) if i % 2 else (1, 0):
            start = time.perf_counter()
            (plain_step, net_step)[which](batch)
            times[i, which] = time.perf_counter() - start
    times = times[n_batches // 10 :]  # warm-up
    return {
        "batches": len(times),
        "plain step (ms)": 1e3 * times[:, 0].mean(),
        "net step (ms)": 1e3 * times[:, 1].mean(),
        "ratio": times[:, 1].sum() / times[:, 0].sum(),
    }


def gridsearch(repeats, epochs):
    X, Y = make_data(n_samples=10_000)
    Y[np.random.default_rng(1).random(Y.shape) < 0.3] = np.nan
    grid = {"task_weights": [None, [2, 1, 1], [1, 2, 1], [1, 1, 2]]}
    rows = []
    for repeat in range(repeats):
        times = {}
        for n_jobs in (1, 2):
            net = MultiTaskNetRegressor(
                module__hidden_units=HIDDEN,
                max_epochs=epochs,
                batch_size=BATCH,
                verbose=0,
                random_state=0,
            )
            search = GridSearchCV(net, grid, cv=3, n_jobs=n_jobs)
            times[n_jobs], _ = timed(search.fit, X, Y)
        rows.append(
            {
                "repeat": repeat,
                "n_jobs=1 (s)": times[1],
                "n_jobs=2 (s)": times[2],
                "ratio": times[2] / times[1],
            }
        )
        print(rows[-1], flush=True)
    return pd.DataFrame(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument(
        "--grid-epochs",
        type=int,
        default=20,
        help="epochs of each grid-search fit (long enough for worker start-up "
        "to be amortized, as in a real search)",
    )
    parser.add_argument(
        "--batches", type=int, default=2000, help="batches of part 'batches'"
    )
    parser.add_argument(
        "--part", choices=["overhead", "batches", "gridsearch", "all"], default="all"
    )
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    lines = []
    if args.part in ("overhead", "all"):
        table = overhead(args.repeats, args.epochs)
        table.to_csv(RESULTS / "neural_overhead.csv", index=False)
        summary = table.groupby(["threads", "model"], sort=False).median()
        lines += [
            "| threads | model | epoch (s) | predict (s) | epoch / plain | "
            "predict / plain |",
            "|---|---|---|---|---|---|",
        ]
        for (threads, model), row in summary.iterrows():
            lines.append(
                f"| {threads} | {model} | {row.epoch_s:.2f} | {row.predict_s:.3f} "
                f"| {row.epoch_ratio:.2f}x | {row.predict_ratio:.2f}x |"
            )
    if args.part in ("batches", "all"):
        table = batches(args.batches)
        table.to_csv(RESULTS / "neural_batches.csv", index=False)
        lines += [
            "",
            "| threads | batches | plain step (ms) | net step (ms) | ratio |",
            "|---|---|---|---|---|",
        ]
        for _, row in table.iterrows():
            lines.append(
                f"| {row.threads:.0f} | {row.batches:.0f} | "
                f"{row['plain step (ms)']:.2f} | {row['net step (ms)']:.2f} | "
                f"{row.ratio:.2f}x |"
            )
    if args.part in ("gridsearch", "all"):
        table = gridsearch(args.repeats, args.grid_epochs)
        table.to_csv(RESULTS / "neural_gridsearch.csv", index=False)
        median = table.median()
        lines += [
            "",
            "| GridSearchCV, 12 fits | n_jobs=1 (s) | n_jobs=2 (s) | ratio |",
            "|---|---|---|---|",
            f"| median of {len(table)} | {median['n_jobs=1 (s)']:.1f} | "
            f"{median['n_jobs=2 (s)']:.1f} | {median['ratio']:.2f}x |",
        ]
    name = f"neural_{args.part}.md" if args.part != "all" else "neural_overhead.md"
    (RESULTS / name).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
