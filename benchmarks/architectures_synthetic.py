"""Sharing architectures on the synthetic tasks of Ma et al. (KDD 2018).

Test loss of every architecture of :mod:`sklearn_mtl.neural.modules` against
the correlation of two regression tasks, the controlled experiment of the
MMoE paper (Ma et al., "Modeling Task Relationships in Multi-task Learning
with Multi-gate Mixture-of-Experts", KDD 2018, section 3.2).

Data (:func:`make_correlated_tasks`)
-----------------------------------
``d = 100`` standard normal inputs. Two orthonormal directions ``u1, u2``
(the QR factor of a Gaussian ``d x 2`` matrix) give the task vectors

* ``w1 = c u1``,
* ``w2 = c (rho u1 + sqrt(1 - rho^2) u2)``,

whose cosine is the task correlation ``rho``; ``c = 1``. The labels are

``y_t = w_t^T x + sum_{i=1..m} sin(alpha_i w_t^T x + beta_i) + eps_t``

with ``m = 10``, the same ``alpha_i, beta_i`` for both tasks, and Gaussian
noise ``eps_t`` of standard deviation 0.01 (a noise floor of 1e-4 on the test
MSE). The paper calls ``alpha_i, beta_i`` given parameters without giving
their values; here they are drawn once from a standard normal
(``numpy.random.default_rng(FUNCTION_SEED)``, ``FUNCTION_SEED = 0``) and are
the same for every data set, so that every seed has the same task functions
(the inputs being isotropic, the directions do not change the difficulty).
A seed fixes the rest (the directions, the inputs and the noise) and the
nets' initialization and batch order: from one correlation to the next only
``w2`` changes, so the comparison across correlations is paired. With
``rho = 1`` the two tasks have the same signal (independent noise); with
``rho = 0`` their signals depend on orthogonal projections of ``x``.

Each (seed, correlation) data set has 7,500 rows for fitting (the nets hold
out 20% of them, their default ``ValidSplit(0.2)``, for early stopping: 6,000
training rows) and 10,000 test rows.

Models (comparable capacity: 14-15.4k parameters each)
------------------------------------------------------
Every model has towers (heads) of one hidden layer of 8 ReLU units per task,
as in the paper, and is a :class:`~sklearn_mtl.neural.MultiTaskNetRegressor`
with ``module=...``:

* hard sharing: :class:`~sklearn_mtl.neural.MultiTaskMLP`, one shared layer
  of 126 units (the paper's shared-bottom model, widened from 113 to match
  the MMoE's parameter count);
* MMoE: 8 experts of one layer of 16 units, one softmax gate per task (the
  paper's setting);
* CGC: 4 shared experts and 2 experts per task, 16 units each;
* PLE: 2 levels of 3 shared experts and 2 experts per task, 16 units each;
* CrossStitch: one column of 64 units per task, a cross-stitch unit after it;
* SoftSharing: one trunk of 64 units per task, tied by the penalty
  ``alpha / 2 sum_t ||theta_t - mean_s theta_s||^2`` (``alpha`` chosen in the
  pilot, below);
* independent nets: ``IndependentTaskRegressor`` of a single-task net with
  one layer of 64 units, one net per task (together as many parameters as
  the others).

The parameter counts (printed in the summary) are computed from the fitted
modules.

Training budget (the same for every model)
------------------------------------------
Adam, batch 256, targets standardized per task (the nets' default), at most
``MAX_EPOCHS`` epochs with early stopping on the internal validation loss
(patience ``PATIENCE``, best epoch kept). The nets' seed is the data seed.

Each model's learning rate (in ``PILOT_LRS``) and SoftSharing's ``alpha`` (in
``PILOT_ALPHAS``) were chosen once, in a pilot (``--pilot``: one data set of
seed ``PILOT_SEED``, not used in the comparison, at ``rho = 0.5``), as the
candidate with the lowest internal validation loss; they are fixed in
``LEARNING_RATES`` and ``SOFT_ALPHA``. The pilot's table is
``architectures_synthetic_pilot.md``. Test rows are never used to choose
anything.

Reported
--------
Test MSE (original units) of each task, and its mean over the two tasks;
mean +- sd over seeds per correlation (one row per model, correlation, seed
and task in the CSV); the change relative to hard sharing
on the same data (mean over seeds of ``100 (MSE - MSE_hard) / MSE_hard``),
with the number of seeds on which the model is better and a paired t-test
over seeds (5%) of the log-ratio. Fit time: wall-clock seconds per fit. A
figure: test MSE against correlation, one line per model (left), and its
ratio to hard sharing's on the same data (right), error bars one sd over
seeds.

Runtime: torch one thread per process (``torch.set_num_threads(1)``, BLAS
limited to 1 thread), ``--n-jobs`` (default 2) fits at a time with joblib on
a shared 2-core machine: fit times are indicative only.

Commands (from the repository root)::

    python benchmarks/architectures_synthetic.py --quick      # smoke run
    python benchmarks/architectures_synthetic.py --pilot      # choose the lrs
    python benchmarks/architectures_synthetic.py --n-seeds 5

Results: ``benchmarks/results/architectures_synthetic.csv`` (one row per
model, correlation, seed and task), ``.md`` (the summary) and ``.png`` (the
figure); ``--plot-only`` redraws the figure from the CSV. While a run goes,
finished fits are appended to ``architectures_synthetic.jsonl`` in the
output folder, so that an interrupted run started again skips them
(``--fresh`` starts over); the file is removed when the run completes.
"""

import argparse
import csv
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from joblib import Parallel, delayed
from scipy import stats
from skorch.callbacks import EarlyStopping
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))

from neural_quality import _mean_sd, write_csv

from sklearn_mtl.baselines import IndependentTaskRegressor
from sklearn_mtl.neural import (
    CGC,
    PLE,
    CrossStitch,
    MMoE,
    MultiTaskMLP,
    MultiTaskNetRegressor,
    SoftSharing,
)

RESULTS = Path(__file__).resolve().parent / "results"
NAME = "architectures_synthetic"
CORRELATIONS = (1.0, 0.9, 0.5, 0.0)
MAX_EPOCHS = 150
PATIENCE = 10
BATCH_SIZE = 256
N_FIT, N_TEST = 7_500, 10_000
TOWER = (8,)
FUNCTION_SEED = 0
PILOT_SEED, PILOT_CORRELATION = 100, 0.5
PILOT_LRS = (1e-3, 3e-3)
PILOT_ALPHAS = (1e-3, 1e-2, 1e-1)

HARD = "hard sharing"
INDEPENDENT = "independent nets"
# model name -> module and its module__ parameters (towers added by make_model)
MODELS = {
    HARD: {"module": MultiTaskMLP, "module__hidden_units": (126,)},
    "MMoE": {
        "module": MMoE,
        "module__n_experts": 8,
        "module__expert_hidden_units": (16,),
    },
    "CGC": {
        "module": CGC,
        "module__n_shared_experts": 4,
        "module__n_task_experts": 2,
        "module__expert_hidden_units": (16,),
    },
    "PLE": {
        "module": PLE,
        "module__n_levels": 2,
        "module__n_shared_experts": 3,
        "module__n_task_experts": 2,
        "module__expert_hidden_units": (16,),
    },
    "CrossStitch": {"module": CrossStitch, "module__hidden_units": (64,)},
    "SoftSharing": {"module": SoftSharing, "module__hidden_units": (64,)},
    INDEPENDENT: {"module": MultiTaskMLP, "module__hidden_units": (64,)},
}
# Chosen by the pilot (architectures_synthetic_pilot.md).
LEARNING_RATES = {
    HARD: 3e-3,
    "MMoE": 3e-3,
    "CGC": 3e-3,
    "PLE": 3e-3,
    "CrossStitch": 1e-3,
    "SoftSharing": 3e-3,
    INDEPENDENT: 3e-3,
}
SOFT_ALPHA = 0.1


# ------------------------------------------------------------------ data
def make_correlated_tasks(
    correlation,
    n_samples,
    seed,
    n_features=100,
    n_sines=10,
    scale=1.0,
    noise_std=0.01,
    function_seed=FUNCTION_SEED,
):
    """Two regression tasks whose task vectors have cosine ``correlation``.

    See the module docstring: ``function_seed`` draws ``alpha`` and ``beta``,
    ``seed`` the directions, the inputs and the noise. Returns ``X`` of shape
    ``(n_samples, n_features)`` (float32) and ``Y`` of shape ``(n_samples,
    2)``.
    """
    if not -1.0 <= correlation <= 1.0:
        raise ValueError(
            f"Expected a correlation in [-1, 1]; got {correlation!r} instead."
        )
    alphas, betas = np.random.default_rng(function_seed).standard_normal((2, n_sines))
    rng = np.random.default_rng(seed)
    basis, _ = np.linalg.qr(rng.standard_normal((n_features, 2)))
    u1, u2 = basis.T
    X = rng.standard_normal((n_samples, n_features))
    noise = noise_std * rng.standard_normal((n_samples, 2))
    w1 = scale * u1
    w2 = scale * (correlation * u1 + np.sqrt(1.0 - correlation**2) * u2)
    columns = []
    for t, w in enumerate((w1, w2)):
        z = X @ w
        signal = z + np.sin(np.outer(z, alphas) + betas).sum(axis=1)
        columns.append(signal + noise[:, t])
    return X.astype(np.float32), np.column_stack(columns)


def data_set(correlation, seed, quick=False):
    """(X_fit, Y_fit, X_test, Y_test) of one seed and correlation."""
    n_fit, n_test = (2_500, 2_000) if quick else (N_FIT, N_TEST)
    X, Y = make_correlated_tasks(correlation, n_fit + n_test, seed)
    return X[:n_fit], Y[:n_fit], X[n_fit:], Y[n_fit:]


# ------------------------------------------------------------------ models
def make_model(model, lr, seed, max_epochs, alpha=None):
    """The net of ``model`` (a per-task wrapper for the independent nets)."""
    params = dict(MODELS[model])
    if model == "SoftSharing":
        params["module__alpha"] = SOFT_ALPHA if alpha is None else alpha
    net = MultiTaskNetRegressor(
        **params,
        module__head_hidden_units=TOWER,
        lr=lr,
        batch_size=BATCH_SIZE,
        max_epochs=max_epochs,
        callbacks=[EarlyStopping(patience=PATIENCE, load_best=True)],
        random_state=seed,
        torch_num_threads=1,
        verbose=0,
    )
    return IndependentTaskRegressor(net) if model == INDEPENDENT else net


def n_parameters(module):
    return sum(p.numel() for p in module.parameters())


def fit_one(job):
    """Fit one model on one data set and score it (in a joblib worker).

    Torch and BLAS run on one thread.
    """
    torch.set_num_threads(1)
    X_fit, Y_fit, X_test, Y_test = data_set(
        job["correlation"], job["seed"], job["quick"]
    )
    model = make_model(
        job["model"], job["lr"], job["seed"], job["max_epochs"], job["alpha"]
    )
    with threadpool_limits(1), warnings.catch_warnings():
        start = time.perf_counter()
        model.fit(X_fit, Y_fit)
        fit_time = time.perf_counter() - start
        mse = np.mean((model.predict(X_test) - Y_test) ** 2, axis=0)
    nets = model.estimators_ if job["model"] == INDEPENDENT else [model]
    valid = [float(np.nanmin(net.history[:, "valid_loss"])) for net in nets]
    best = [int(np.nanargmin(net.history[:, "valid_loss"])) + 1 for net in nets]
    epochs = [len(net.history) for net in nets]
    if len(nets) == 1:  # one net for both tasks
        valid, best, epochs = valid * 2, best * 2, epochs * 2
    return {
        **job,
        "test_mse": [float(v) for v in mse],
        "valid_loss": valid,
        "best_epoch": best,
        "epochs": epochs,
        "fit_time_s": round(fit_time, 2),
        "n_params": sum(n_parameters(net.module_) for net in nets),
    }


def job_key(job):
    return (job["model"], job["lr"], job["alpha"], job["correlation"], job["seed"])


def run(jobs, args, log_path):
    """Run the jobs not yet in the log (JSON lines), appending each result."""
    done = []
    if log_path.exists():
        with open(log_path) as file:
            done = [json.loads(line) for line in file if line.strip()]
    wanted = {job_key(job) for job in jobs}
    done = [res for res in done if job_key(res) in wanted]
    finished = {job_key(res) for res in done}
    todo = [job for job in jobs if job_key(job) not in finished]
    print(f"{len(jobs)} fits, {len(todo)} to run, {args.n_jobs} at a time", flush=True)
    start = time.perf_counter()
    results = list(done)
    with threadpool_limits(1), open(log_path, "a") as log:
        for res in Parallel(n_jobs=args.n_jobs, return_as="generator_unordered")(
            delayed(fit_one)(job) for job in todo
        ):
            log.write(json.dumps(res) + "\n")
            log.flush()
            results.append(res)
            alpha = "" if res["alpha"] is None else f" alpha {res['alpha']:g}"
            print(
                f"[{len(results)}/{len(jobs)} {time.perf_counter() - start:5.0f} s] "
                f"seed {res['seed']} rho {res['correlation']:g} "
                f"{res['model']:<16s} lr {res['lr']:g}{alpha} | test MSE "
                f"{np.mean(res['test_mse']):.4f} | valid "
                f"{np.mean(res['valid_loss']):.4f} | epochs {max(res['epochs'])} | "
                f"fit {res['fit_time_s']:.1f} s",
                flush=True,
            )
    return results, time.perf_counter() - start


def to_rows(results):
    """CSV rows: one per model, correlation, seed and task."""
    rows = []
    for res in results:
        for t in range(2):
            rows.append(
                {
                    "model": res["model"],
                    "lr": res["lr"],
                    "alpha": "" if res["alpha"] is None else res["alpha"],
                    "correlation": res["correlation"],
                    "seed": res["seed"],
                    "task": t,
                    "test_mse": res["test_mse"][t],
                    "valid_loss": res["valid_loss"][t],
                    "best_epoch": res["best_epoch"][t],
                    "epochs": res["epochs"][t],
                    "fit_time_s": res["fit_time_s"],
                    "n_params": res["n_params"],
                }
            )
    order = {name: i for i, name in enumerate(MODELS)}
    rows.sort(
        key=lambda r: (order[r["model"]], -r["correlation"], r["seed"], r["task"])
    )
    return rows


# ------------------------------------------------------------------ summary
def read_csv(path):
    with open(path, newline="") as file:
        rows = list(csv.DictReader(file))
    for row in rows:
        for key in ("lr", "correlation", "test_mse", "valid_loss", "fit_time_s"):
            row[key] = float(row[key])
        for key in ("seed", "task", "best_epoch", "epochs", "n_params"):
            row[key] = int(row[key])
    return rows


def score_table(rows):
    """Test MSE, mean over tasks: {model: {correlation: {seed: mse}}}."""
    table = {}
    for row in rows:
        cell = table.setdefault(row["model"], {}).setdefault(row["correlation"], {})
        cell.setdefault(row["seed"], []).append(row["test_mse"])
    return {
        model: {
            rho: {seed: float(np.mean(v)) for seed, v in seeds.items()}
            for rho, seeds in by_rho.items()
        }
        for model, by_rho in table.items()
    }


def versus_hard(table, model, rho):
    """Change (%) relative to hard sharing, seeds better, paired t-test."""
    seeds = sorted(table[model][rho])
    mine = np.array([table[model][rho][s] for s in seeds])
    hard = np.array([table[HARD][rho][s] for s in seeds])
    change = 100 * np.mean((mine - hard) / hard)
    text = f"{change:+.0f}% ({int(np.sum(mine < hard))}/{len(seeds)})"
    if len(seeds) >= 2 and stats.ttest_1samp(np.log(mine / hard), 0.0).pvalue < 0.05:
        text += " *"
    return text


def settings_text(n_seeds):
    return (
        "Two regression tasks (d=100, m=10 sines, noise sd 0.01) whose task "
        f"vectors have cosine rho; {n_seeds} seeds (each a new data set: "
        f"{N_FIT} rows to fit, of which 20% internal validation, {N_TEST} test "
        f"rows); towers of 8 ReLU units; Adam, batch {BATCH_SIZE}, at most "
        f"{MAX_EPOCHS} epochs, early stopping patience {PATIENCE} on the "
        "internal validation loss (best epoch kept); learning rates and "
        "SoftSharing's alpha chosen in a pilot on another data seed "
        "(architectures_synthetic_pilot.md). Torch 1 thread per process, 2 fits "
        "at a time on a shared 2-core machine."
    )


def summary(rows, command, wall):
    table = score_table(rows)
    models = [m for m in MODELS if m in table]
    correlations = sorted({r["correlation"] for r in rows}, reverse=True)
    seeds = sorted({r["seed"] for r in rows})
    first = {}
    for row in rows:
        first.setdefault(row["model"], row)
    lines = [
        "# Sharing architectures on the synthetic tasks of Ma et al. (2018)",
        "",
        f"Command: `{command}`" + (f" (wall time {wall / 60:.1f} min)" if wall else ""),
        "",
        settings_text(len(seeds)),
        "",
        "Test MSE (original units, mean of the two tasks; noise floor 1e-4), "
        "mean +- sd over seeds; lower is better.",
        "",
    ]
    header = ["model", "parameters", "lr"]
    header += [f"rho={rho:g}" for rho in correlations]
    header += ["best epoch", "fit time (s)"]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for model in models:
        mine = [r for r in rows if r["model"] == model]
        lr = f"{first[model]['lr']:g}"
        if model == "SoftSharing":
            lr += f" (alpha {float(first[model]['alpha']):g})"
        cells = [model, f"{first[model]['n_params']:,}", lr]
        for rho in correlations:
            cells.append(_mean_sd(list(table[model].get(rho, {}).values())))
        cells.append(f"{np.mean([r['best_epoch'] for r in mine]):.0f}")
        fits = [r["fit_time_s"] for r in mine if r["task"] == 0]
        cells.append(f"{np.mean(fits):.1f}")
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "Relative to hard sharing on the same data: mean over seeds of "
        "100 (MSE - MSE_hard) / MSE_hard (negative: better than hard sharing), "
        "seeds better in parentheses, * where a paired t-test over seeds of the "
        "log MSE ratio rejects equality at 5%.",
        "",
    ]
    header = ["model"] + [f"rho={rho:g}" for rho in correlations]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for model in models:
        if model != HARD:
            cells = [model] + [versus_hard(table, model, rho) for rho in correlations]
            lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    return "\n".join(lines)


def pilot_summary(rows, command, wall):
    lines = [
        "# Pilot of the synthetic architecture benchmark: learning rates",
        "",
        f"Command: `{command}` (wall time {wall / 60:.1f} min)",
        "",
        f"One data set (seed {PILOT_SEED}, rho={PILOT_CORRELATION}, not used in "
        "the comparison), the comparison's budget otherwise; best internal "
        "validation loss (standardized units, mean of the two tasks) of each "
        "candidate; the lowest of each model is chosen (*). Test MSE for "
        "information only.",
        "",
        "| model | lr | alpha | valid loss | test MSE | best epoch | chosen |",
        "|---|---|---|---|---|---|---|",
    ]
    for model in MODELS:
        mine = [r for r in rows if r["model"] == model and r["task"] == 0]
        if not mine:
            continue
        valid = {}
        for r in rows:
            if r["model"] == model:
                valid.setdefault((r["lr"], r["alpha"]), []).append(r)
        scores = {
            key: (
                np.mean([r["valid_loss"] for r in group]),
                np.mean([r["test_mse"] for r in group]),
                np.mean([r["best_epoch"] for r in group]),
            )
            for key, group in valid.items()
        }
        best = min(scores, key=lambda key: scores[key][0])
        for key, (v, mse, epoch) in sorted(scores.items(), key=str):
            lr, alpha = key
            lines.append(
                f"| {model} | {lr:g} | {alpha} | {v:.4f} | {mse:.4f} | "
                f"{epoch:.0f} | {'*' if key == best else ''} |"
            )
    lines.append("")
    return "\n".join(lines)


def plot(rows, path):
    """Test MSE against correlation (left) and relative to hard sharing (right)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = score_table(rows)
    models = [m for m in MODELS if m in table]
    correlations = sorted({r["correlation"] for r in rows})
    styles = {
        HARD: ("black", "o", "-"),
        "MMoE": ("tab:blue", "s", "-"),
        "CGC": ("tab:orange", "^", "-"),
        "PLE": ("tab:red", "v", "-"),
        "CrossStitch": ("tab:green", "D", "--"),
        "SoftSharing": ("tab:purple", "P", "--"),
        INDEPENDENT: ("tab:gray", "x", ":"),
    }
    fig, (ax_mse, ax_ratio) = plt.subplots(
        1, 2, figsize=(11.0, 4.8), layout="constrained"
    )
    offsets = np.linspace(-0.015, 0.015, len(models))
    for offset, model in zip(offsets, models, strict=True):
        color, marker, line = styles.get(model, (None, "o", "-"))
        style = {
            "label": model,
            "color": color,
            "marker": marker,
            "linestyle": line,
            "capsize": 3,
            "linewidth": 1.8 if model in (HARD, "MMoE", "PLE") else 1.0,
        }
        x = np.asarray(correlations) + offset
        values = [np.array(list(table[model][rho].values())) for rho in correlations]
        sd = [v.std(ddof=1) if v.size > 1 else 0.0 for v in values]
        ax_mse.errorbar(x, [v.mean() for v in values], yerr=sd, **style)
        ratios = [
            np.array(
                [table[model][rho][s] / table[HARD][rho][s] for s in table[model][rho]]
            )
            for rho in correlations
        ]
        sd = [r.std(ddof=1) if r.size > 1 else 0.0 for r in ratios]
        ax_ratio.errorbar(x, [r.mean() for r in ratios], yerr=sd, **style)
    n_seeds = len({r["seed"] for r in rows})
    ax_mse.set_ylabel("test MSE (mean of the two tasks)")
    ax_mse.set_title(f"Test MSE, mean +- sd over {n_seeds} seeds", fontsize=10)
    ax_ratio.axhline(1.0, color="black", linewidth=0.8)
    ax_ratio.set_ylabel("test MSE / hard sharing's, same data")
    ax_ratio.set_title(
        f"Relative to hard sharing, mean +- sd over {n_seeds} seeds", fontsize=10
    )
    for ax in (ax_mse, ax_ratio):
        ax.set_xticks(correlations)
        ax.set_xlabel("task correlation (cosine of the task vectors)")
        ax.grid(True, alpha=0.3)
    handles, labels = ax_mse.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=len(models))
    fig.suptitle("Synthetic tasks of Ma et al. (2018)", fontsize=11)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n-seeds", type=int, default=5)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--correlations", type=float, nargs="+", default=None)
    parser.add_argument("--models", nargs="+", default=None, choices=list(MODELS))
    parser.add_argument("--max-epochs", type=int, default=MAX_EPOCHS)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--pilot", action="store_true", help="choose the lrs")
    parser.add_argument("--quick", action="store_true", help="smoke run")
    parser.add_argument("--plot-only", action="store_true")
    parser.add_argument("--fresh", action="store_true", help="ignore the log")
    parser.add_argument("--out-dir", default=None)
    args = parser.parse_args(argv)
    correlations = args.correlations or list(CORRELATIONS)
    models = args.models or list(MODELS)
    if args.quick:
        args.n_seeds = min(args.n_seeds, 2)
        args.max_epochs = min(args.max_epochs, 3)
        correlations = args.correlations or [1.0, 0.0]
    if args.out_dir is None:
        args.out_dir = "/tmp/architectures_synthetic_quick" if args.quick else RESULTS
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    name = f"{NAME}_pilot" if args.pilot else NAME
    command = "python benchmarks/architectures_synthetic.py " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    if args.plot_only:
        plot(read_csv(out / f"{NAME}.csv"), out / f"{NAME}.png")
        return
    torch.set_num_threads(1)
    common = {"max_epochs": args.max_epochs, "quick": args.quick}
    if args.pilot:
        jobs = [
            {
                "model": model,
                "lr": lr,
                "alpha": alpha,
                "correlation": PILOT_CORRELATION,
                "seed": PILOT_SEED,
                **common,
            }
            for model in models
            for lr in PILOT_LRS
            for alpha in (PILOT_ALPHAS if model == "SoftSharing" else [None])
        ]
    else:
        seeds = range(args.first_seed, args.first_seed + args.n_seeds)
        jobs = [
            {
                "model": model,
                "lr": LEARNING_RATES[model],
                "alpha": SOFT_ALPHA if model == "SoftSharing" else None,
                "correlation": rho,
                "seed": seed,
                **common,
            }
            for seed in seeds
            for rho in correlations
            for model in models
        ]
    log_path = out / f"{name}.jsonl"
    if args.fresh and log_path.exists():
        log_path.unlink()
    results, wall = run(jobs, args, log_path)
    rows = to_rows(results)
    write_csv(rows, out / f"{name}.csv")
    if args.pilot:
        text = pilot_summary(rows, command, wall)
    else:
        text = summary(rows, command, wall)
        plot(rows, out / f"{NAME}.png")
    (out / f"{name}.md").write_text(text)
    log_path.unlink()
    print(text)


if __name__ == "__main__":
    main()
