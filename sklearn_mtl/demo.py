"""A first look at sklearn-mtl: multi-task models against baselines, per patient.

Run ``python -m sklearn_mtl.demo`` (``--help`` lists the options). The data
ship with the package (:func:`~sklearn_mtl.datasets.load_parkinsons_patients`:
UCI's Parkinson's telemonitoring data, CC BY 4.0): 5,875 voice recordings of
42 patients, each patient a regression task, the patient's total UPDRS score
to predict from 16 voice measures.

Six models are cross-validated on the same folds (5 folds within each
patient, so that every patient is in every training fold) and scored by R^2
per patient: a ridge per patient (the reference: no sharing), one pooled
ridge with a patient indicator (full sharing), three multi-task linear models
(:class:`~sklearn_mtl.linear_model.MultiTaskLinearRegressor` with the
:class:`~sklearn_mtl.linear_model.MeanRegularized`,
:class:`~sklearn_mtl.linear_model.TraceNorm` and
:class:`~sklearn_mtl.linear_model.L21` penalties) and a multi-task network
(:class:`~sklearn_mtl.neural.MultiTaskNetRegressor`). Hyperparameters are
chosen inside each training fold, never on its test rows: the ridges' alpha
by leave-one-out, the multi-task models' alpha on a validation split of the
training rows, the network's number of epochs by early stopping on a
validation split. The comparison
(:func:`~sklearn_mtl.model_selection.compare_estimators`) prints a line per
model as it ends, a summary table, the patients where a model is
significantly better or worse than the reference, a summary in words, and
writes a :class:`~sklearn_mtl.inspection.ComparisonDisplay` figure to a PNG
file when matplotlib is installed.
"""

import argparse
import tempfile
import textwrap
import time
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import GridSearchCV, ShuffleSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from .baselines import IndependentTaskRegressor, PooledTaskRegressor
from .datasets import load_parkinsons_patients
from .linear_model import L21, MeanRegularized, MultiTaskLinearRegressor, TraceNorm
from .metrics import make_multitask_scorer
from .model_selection import (
    ComparisonResult,
    MultiTaskStratifiedKFold,
    compare_estimators,
)
from .neural import MultiTaskNetRegressor

__all__ = ["default_estimators", "main"]

#: Widest line of the tables and of the summary.
WIDTH = 100
RIDGE_ALPHAS = np.logspace(-2, 3, 11)
#: Share of each training fold that chooses the alphas of the MT linear models.
VALIDATION_SIZE = 0.25
#: Models whose mean R^2 is within this of the winner's are named beside it.
CLOSE = 0.005
#: Candidate alphas of the multi-task penalties, by model name.
ALPHA_GRIDS = {
    "MT mean-reg.": [0.01, 0.03, 0.1],
    "MT trace norm": [0.1, 0.3, 1.0],
    "MT L2,1": [0.1, 0.3, 1.0],
}
#: What each model shares between patients, for the model list and summary.
SHARING = {
    "indep. ridge": "a ridge per patient, nothing shared (the reference)",
    "pooled ridge": "one ridge for all patients, each with its own intercept",
    "MT mean-reg.": "each patient's coefficients pulled towards their mean",
    "MT trace norm": "the patients' coefficients near a common low-rank subspace",
    "MT L2,1": "the same few voice measures for every patient",
    "MT net": "a shared hidden layer of 64 units, one output per patient",
}


def _preprocessed(estimator):
    # The jitter, shimmer and noise measures are right-skewed and all the
    # measures are positive: log, then standardize.
    return make_pipeline(FunctionTransformer(np.log), StandardScaler(), estimator)


def _tuned(penalty, alphas, random_state):
    # The voice measures are strongly correlated (5 jitters, 6 shimmers):
    # the small alphas need a few thousand iterations.
    return GridSearchCV(
        MultiTaskLinearRegressor(penalty, max_iter=10_000),
        {"penalty__alpha": alphas},
        cv=ShuffleSplit(
            n_splits=1, test_size=VALIDATION_SIZE, random_state=random_state
        ),
        scoring=make_multitask_scorer("r2"),
    )


def default_estimators(*, net_epochs=100, random_state=0):
    """The estimators compared by the demo, by name (the reference first).

    Each one is a pipeline: log transform, standardization, then the model;
    the alphas of the multi-task linear models are chosen by a grid search on
    a validation split of the training rows (:data:`ALPHA_GRIDS`), the
    network's number of epochs by early stopping.

    Parameters
    ----------
    net_epochs : int, default=100
        Most epochs of the network (early stopping usually ends it sooner).
    random_state : int, default=0
        Seed of the validation splits and of the network.

    Returns
    -------
    estimators : dict of str to estimator
    """
    net = MultiTaskNetRegressor(
        module__hidden_units=(64,),
        module__dropout=0.1,
        lr=3e-3,
        batch_size=256,
        max_epochs=net_epochs,
        early_stopping=True,
        n_iter_no_change=10,
        torch_num_threads=1,
        verbose=0,
        random_state=random_state,
    )
    tuned = {
        "MT mean-reg.": MeanRegularized(beta=0.01),
        "MT trace norm": TraceNorm(),
        "MT L2,1": L21(),
    }
    models = {
        "indep. ridge": IndependentTaskRegressor(RidgeCV(alphas=RIDGE_ALPHAS)),
        "pooled ridge": PooledTaskRegressor(
            RidgeCV(alphas=RIDGE_ALPHAS), add_task_indicator=True
        ),
        **{
            name: _tuned(penalty, ALPHA_GRIDS[name], random_state)
            for name, penalty in tuned.items()
        },
        "MT net": net,
    }
    return {name: _preprocessed(model) for name, model in models.items()}


def _parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m sklearn_mtl.demo",
        description="Compare multi-task models with a ridge per patient and a "
        "pooled ridge, patient by patient, on Parkinson's telemonitoring data "
        "(shipped with the package).",
    )
    parser.add_argument("--cv", type=int, default=5, help="number of folds")
    parser.add_argument(
        "--n-patients",
        type=int,
        default=42,
        help="use the first N patients only (a faster run)",
    )
    parser.add_argument(
        "--net-epochs", type=int, default=100, help="most epochs of the network"
    )
    parser.add_argument(
        "--n-jobs", type=int, default=None, help="folds fitted in parallel"
    )
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument(
        "--output",
        type=Path,
        default=Path(tempfile.gettempdir()) / "sklearn_mtl_demo.png",
        help="PNG file of the figure (default: %(default)s)",
    )
    return parser.parse_args(argv)


def _load(n_patients):
    data = load_parkinsons_patients()
    if not 2 <= n_patients <= data.target.shape[1]:
        raise ValueError(
            f"Expected --n-patients between 2 and {data.target.shape[1]}; got "
            f"{n_patients} instead."
        )
    rows = data.task < n_patients
    names = [str(name) for name in data.task_names[:n_patients]]
    return data.data[rows], data.target[rows][:, :n_patients], names


def _fitted_model(pipeline):
    return pipeline[-1]


def _counts(values, fmt):
    counts = Counter(values)
    return ", ".join(
        f"{fmt(value)} x{count}" if count > 1 else fmt(value)
        for value, count in sorted(counts.items())
    )


def _chosen(folds):
    """The hyperparameters chosen in the training folds, in a few words."""
    models = [_fitted_model(pipeline) for pipeline in folds]
    first = models[0]
    if isinstance(first, GridSearchCV):
        alphas = [model.best_params_["penalty__alpha"] for model in models]
        return f"alpha {_counts(alphas, lambda a: f'{a:g}')} (validation split)"
    if isinstance(first, IndependentTaskRegressor):
        alphas = [task.alpha_ for model in models for task in model.estimators_]
        return (
            f"alpha per patient {min(alphas):g}-{max(alphas):g} (median "
            f"{np.median(alphas):.2g}), leave-one-out"
        )
    if isinstance(first, PooledTaskRegressor):
        alphas = [model.estimator_.alpha_ for model in models]
        return f"alpha {_counts(alphas, lambda a: f'{a:.2g}')} (leave-one-out)"
    if isinstance(first, MultiTaskNetRegressor):
        epochs = [len(model.history) for model in models]
        return f"{min(epochs)} to {max(epochs)} epochs (early stopping)"
    return ""


def _cross_validate(estimators, X, Y, task_names, splits, n_jobs):
    """Compare the estimators on ``splits``, one at a time, with a line each."""
    parts = []
    for i, (name, estimator) in enumerate(estimators.items(), start=1):
        start = time.perf_counter()
        part = compare_estimators(
            {name: estimator},
            X,
            Y,
            cv=splits,
            scoring="r2",
            n_jobs=n_jobs,
            return_estimator=True,
        )
        elapsed, mean = time.perf_counter() - start, np.nanmean(part.mean())
        line = (
            f"[{i}/{len(estimators)}] {name:<14} {elapsed:5.1f} s  R^2 {mean:6.3f}"
            f"  {_chosen(part.estimators[0])}"
        )
        print(line[:WIDTH], flush=True)
        parts.append(part)
    first = parts[0]
    return ComparisonResult(
        np.concatenate([part.scores for part in parts]),
        list(estimators),
        task_names,
        first.estimator_names[0],
        first.metric,
        first.greater_is_better,
        np.concatenate([part.fit_times for part in parts]),
        test_train_ratio=first.test_train_ratio,
        estimators=[part.estimators[0] for part in parts],
    )


def summary_table(result):
    """One line per model: mean R^2, gains and tasks better / worse.

    Parameters
    ----------
    result : ComparisonResult
        The comparison, scored by R^2.

    Returns
    -------
    lines : list of str
    """
    n_splits = result.scores.shape[1]
    header = (
        f"{'model':<14} {'mean R^2':>8} {'mean diff':>10} {'Delta_m':>8}"
        f" {'better':>7} {'worse':>6} {'improved*':>10} {'hurt*':>6} {'s/fold':>7}"
    )
    lines = [header, "-" * len(header)]
    for row in result.summary():
        if row["estimator"] == result.reference:
            gains = f" {'(reference)':>10} {'':>8} {'':>7} {'':>6} {'':>10} {'':>6}"
        else:
            gains = (
                f" {row['mean_difference']:>+10.3f} {row['delta_m']:>+7.1f}%"
                f" {row['better']:>7} {row['worse']:>6} {row['improved']:>10}"
                f" {row['hurt']:>6}"
            )
        lines.append(
            f"{row['estimator']:<14} {row['mean']:>8.3f}{gains} {row['fit_time']:>7.1f}"
        )
    lines.append("-" * len(header))
    lines += textwrap.wrap(
        f"mean diff: mean over the {len(result.task_names)} patients of the paired "
        f"difference of R^2 to {result.reference}. Delta_m: relative reduction "
        "of the patients' mean unexplained variance, sum(R^2 - R^2_ref) / "
        "sum(1 - R^2_ref). better / worse: patients whose mean "
        "R^2 is higher / lower than the reference's. * significant at "
        f"{result.alpha:.0%} (corrected resampled t-test over the {n_splits} "
        "folds, Nadeau and Bengio, 2003).",
        WIDTH,
    )
    return lines


def _short(task):
    return str(task).replace("patient_", "")


def significant_tasks(result):
    """Lines naming, per model, the tasks significantly improved and hurt.

    Parameters
    ----------
    result : ComparisonResult
        The comparison.

    Returns
    -------
    lines : list of str
    """
    difference, p_values = result.differences(), result.p_values()
    significant = np.nan_to_num(p_values, nan=1.0) < result.alpha
    lines = []
    for e, name in enumerate(result.estimator_names):
        if name == result.reference:
            continue
        parts = []
        for label, sign in (("improved", 1.0), ("hurt", -1.0)):
            hit = significant[e] & (sign * difference[e] > 0)
            if hit.any():
                tasks = " ".join(
                    _short(result.task_names[t]) for t in np.flatnonzero(hit)
                )
                parts.append(f"{label} {hit.sum()}: {tasks}")
        text = f"{name:<14} " + ("; ".join(parts) if parts else "none")
        lines += textwrap.wrap(text, WIDTH, subsequent_indent=" " * 15)
    return lines


def sorted_tasks(result, name, n_columns=3):
    """The tasks in columns, sorted by ``name``'s difference to the reference.

    Parameters
    ----------
    result : ComparisonResult
        The comparison, scored by R^2.
    name : str
        The estimator to show.
    n_columns : int, default=3
        Number of columns of tasks.

    Returns
    -------
    lines : list of str
    """
    e, r = (
        result.estimator_names.index(name),
        result.estimator_names.index(result.reference),
    )
    mean, difference = result.mean(), result.differences()[e]
    significant = np.nan_to_num(result.p_values()[e], nan=1.0) < result.alpha
    order = np.argsort(-np.nan_to_num(difference, nan=-np.inf), kind="stable")
    cells = [
        f"{_short(result.task_names[t]):>7}{mean[r, t]:7.3f}{mean[e, t]:7.3f}"
        f"{difference[t]:+7.3f}{'*' if significant[t] else ' '}"
        for t in order
    ]
    head = f"{'patient':>7}{'ref.':>7}{'model':>7}{'diff':>7} "
    n_rows = -(-len(cells) // n_columns)
    columns = [cells[k * n_rows : (k + 1) * n_rows] for k in range(n_columns)]
    lines = ["   ".join([head] * min(n_columns, len(cells))).rstrip()]
    for i in range(n_rows):
        lines.append("   ".join(col[i] for col in columns if i < len(col)).rstrip())
    return lines


def _task_list(result, e, sign, limit=8):
    """Short names of the tasks where estimator ``e`` is significantly
    better (``sign`` 1) or worse (-1) than the reference."""
    significant = np.nan_to_num(result.p_values()[e], nan=1.0) < result.alpha
    hit = np.flatnonzero(significant & (sign * result.differences()[e] > 0))
    names = [_short(result.task_names[t]) for t in hit[:limit]]
    return ", ".join(names) + (", ..." if hit.size > limit else "")


def _count(number):
    return "none" if number == 0 else str(number)


def summary_in_words(result, caveats=None):
    """What won, by how much, and where sharing hurt, in sentences.

    Parameters
    ----------
    result : ComparisonResult
        The comparison, scored by R^2.
    caveats : dict of str to str, default=None
        What to bear in mind when a model (the key) does worse than the
        reference.

    Returns
    -------
    lines : list of str
        Bullet points, at most ``WIDTH`` characters wide; the first one
        names the winner (the best mean score).
    """
    caveats = {} if caveats is None else caveats
    rows = {row["estimator"]: row for row in result.summary()}
    names = result.estimator_names
    reference = rows[result.reference]
    winner = max(rows.values(), key=lambda row: row["mean"])
    n = winner["n_tasks"]
    if winner["estimator"] == result.reference:
        sentences = [
            f"Winner: {result.reference} ({SHARING.get(result.reference, '')}), "
            f"mean R^2 {reference['mean']:.3f}: no model that shares information "
            "between patients did better on average."
        ]
    else:
        improved = _task_list(result, names.index(winner["estimator"]), 1.0)
        close = [
            f"{row['estimator']} ({row['mean']:.3f})"
            for row in rows.values()
            if row is not winner and winner["mean"] - row["mean"] < CLOSE
        ]
        sentences = [
            f"Winner: {winner['estimator']} ({SHARING.get(winner['estimator'], '')}), "
            f"mean R^2 {winner['mean']:.3f} against {reference['mean']:.3f} for "
            f"{result.reference}: mean difference {winner['mean_difference']:+.3f}, "
            f"Delta_m {winner['delta_m']:+.1f}%. Better on {winner['better']} of {n} "
            f"patients ({_count(winner['improved'])} significantly"
            + (f": {improved}" if improved else "")
            + f"), worse on {winner['worse']} ({_count(winner['hurt'])} "
            "significantly)."
            + (f" Close behind: {' and '.join(close)}." if close else "")
        ]
    hurt = [
        row
        for name, row in rows.items()
        if name not in (result.reference, winner["estimator"])
        and (row["hurt"] > 0 or row["mean_difference"] < 0)
    ]
    for row in sorted(hurt, key=lambda row: row["mean_difference"]):
        patients = _task_list(result, names.index(row["estimator"]), -1.0)
        sentences.append(
            f"Transfer hurt with {row['estimator']} "
            f"({SHARING.get(row['estimator'], 'shared')}): mean difference "
            f"{row['mean_difference']:+.3f}, worse than {result.reference} on "
            f"{row['worse']} of {n} patients ({_count(row['hurt'])} significantly"
            + (f": {patients}" if patients else "")
            + ")"
            + (
                f"; note that {caveats[row['estimator']]}."
                if row["estimator"] in caveats
                else "."
            )
        )
    if not hurt and winner["hurt"] == 0:
        sentences.append(
            f"No model was worse than {result.reference} on average, nor "
            "significantly worse on any patient."
        )
    if winner["mean"] < 0.25:
        sentences.append(
            f"Every model leaves most of a patient's score unexplained (best mean "
            f"R^2 {winner['mean']:.3f}), so the gains are small in absolute terms."
        )
    if sum(row["improved"] + row["hurt"] for row in rows.values()) <= n // 10:
        sentences.append(
            f"With {result.scores.shape[1]} folds per patient, a per-patient "
            "difference must be large next to its fold-to-fold spread to be "
            "significant: most of them are not, read the counts of better and "
            "worse patients with that in mind."
        )
    lines = []
    for sentence in sentences:
        lines += textwrap.wrap(
            sentence, WIDTH, initial_indent="- ", subsequent_indent="  "
        )
    return lines


def save_figure(result, path, *, first=None):
    """Write the :class:`~sklearn_mtl.inspection.ComparisonDisplay` to a PNG.

    Parameters
    ----------
    result : ComparisonResult
        The comparison.
    path : path-like
        File to write.
    first : str or None, default=None
        The estimator shown first, whose gains sort the tasks.

    Returns
    -------
    path : Path or None
        The file written, or None when matplotlib is not installed.
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    from .inspection import ComparisonDisplay

    shown = [name for name in result.estimator_names if name != result.reference]
    if first in shown:
        shown.remove(first)
        shown.insert(0, first)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    display = ComparisonDisplay.from_result(
        result,
        estimators=shown,
        sort=True,
        max_task_labels=max(len(result.task_names), 1),
    )
    display.figure_.savefig(path, dpi=80)
    plt.close(display.figure_)
    return path


def _net_settings(net):
    params = net.get_params()
    return (
        f"on a {params['validation_fraction']:.0%} validation split (patience "
        f"{params['n_iter_no_change']}, at most "
        f"{params['max_epochs']}; {params['optimizer'].__name__}, lr "
        f"{params['lr']:g}, dropout {params['module__dropout']:g}, batch "
        f"{params['batch_size']})"
    )


def _net_caveat(Y, splits):
    labelled = np.mean([np.sum(~np.isnan(Y[train]), axis=0) for train, _ in splits])
    return (
        "it learns from 80% of each training fold (the other 20% decide when to "
        f"stop): about {0.8 * labelled:.0f} recordings per patient"
    )


def _figure_lines(result, path, *, first=None):
    """Save the figure and say where, or say how to get it."""
    saved = save_figure(result, path, first=first)
    if saved is None:
        return textwrap.wrap(
            "Figure: skipped, matplotlib is not installed. Install it with `pip "
            'install matplotlib` (or `pip install "sklearn-mtl[plot]"`) and run '
            "the demo again to get the per-patient plot (ComparisonDisplay).",
            WIDTH,
        )
    return ["Figure of the per-patient differences (ComparisonDisplay):", str(saved)]


def main(argv=None):
    """Run the comparison and print the tables, the summary and the figure's path.

    Parameters
    ----------
    argv : list of str or None, default=None
        Command-line arguments (``--cv``, ``--n-patients``, ``--net-epochs``,
        ``--n-jobs``, ``--random-state``, ``--output``); None reads
        ``sys.argv``.

    Returns
    -------
    result : ComparisonResult
        The comparison that was printed, with the fitted estimators.
    """
    args = _parse_args(argv)
    start, cpu_start = time.perf_counter(), time.process_time()
    X, Y, task_names = _load(args.n_patients)
    n_patients = Y.shape[1]
    estimators = default_estimators(
        net_epochs=args.net_epochs, random_state=args.random_state
    )
    cv = MultiTaskStratifiedKFold(
        n_splits=args.cv, shuffle=True, random_state=args.random_state
    )
    splits = list(cv.split(X, Y))
    grids = "; ".join(
        f"{name.removeprefix('MT ')} {', '.join(f'{a:g}' for a in alphas)}"
        + (" with beta 0.01" if name == "MT mean-reg." else "")
        for name, alphas in ALPHA_GRIDS.items()
    )
    paragraphs = [
        "Data: Parkinson's telemonitoring (UCI; A. Tsanas and M. Little, 2009; CC BY "
        "4.0), shipped with the package as load_parkinsons_patients(): "
        f"{X.shape[0]:,} voice recordings of {n_patients} patients. Each patient is "
        f"a task: predict the total UPDRS score from {X.shape[1]} voice measures "
        "(log, standardized).",
        f"Protocol: {args.cv}-fold cross-validation within each patient (the same "
        "folds for every model), R^2 per patient on the held-out recordings.",
        None,
        "Hyperparameters are chosen inside each training fold, never on its test "
        "rows: the ridges' alpha by leave-one-out; the MT linear models' alpha on a "
        f"{VALIDATION_SIZE:.0%} validation split ({grids}); the net's epochs by "
        f"early stopping {_net_settings(estimators['MT net'][-1])}.",
    ]
    intro = ["sklearn-mtl demo: do multi-task models beat one model per patient?", ""]
    for paragraph in paragraphs:
        if paragraph is None:
            intro += ["", "Models, and what they share between patients:"]
            intro += [f"  {name:<14} {SHARING[name]}" for name in estimators]
        else:
            intro += textwrap.wrap(paragraph, WIDTH)
    intro += ["", f"Fitting {len(estimators)} models x {args.cv} folds:"]
    print("\n".join(intro), flush=True)
    result = _cross_validate(estimators, X, Y, task_names, splits, args.n_jobs)
    winner = max(result.summary(), key=lambda row: row["mean"])["estimator"]
    best_shared = max(
        (row for row in result.summary() if row["estimator"] != result.reference),
        key=lambda row: row["mean"],
    )["estimator"]
    sections = [
        "",
        f"R^2 per patient, summary over the {n_patients} patients "
        f"(reference: {result.reference}):",
        *summary_table(result),
        "",
        f"Patients significantly better (improved) or worse (hurt) than "
        f"{result.reference}:",
        *significant_tasks(result),
        "",
        f"Per patient, {best_shared} against {result.reference} (R^2), sorted by "
        "the difference (* significant):",
        *sorted_tasks(result, best_shared),
        "",
        "Summary:",
        *summary_in_words(result, {"MT net": _net_caveat(Y, splits)}),
    ]
    print("\n".join(sections), flush=True)
    print("\n" + "\n".join(_figure_lines(result, args.output, first=best_shared)))
    workers = "" if args.n_jobs in (None, 1) else ", without the parallel workers"
    print(
        f"Done in {time.perf_counter() - start:.0f} s (CPU time of this process "
        f"{time.process_time() - cpu_start:.0f} s{workers}). Winner: {winner}"
    )
    return result


if __name__ == "__main__":
    main()
