"""The main job, ``python -m sklearn_mtl.demo``: run once, on a small configuration."""

import contextlib
import io
import re
import runpy
import subprocess
import sys

import numpy as np
import pytest
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV

from sklearn_mtl import demo
from sklearn_mtl.datasets import load_parkinsons_patients
from sklearn_mtl.model_selection import MultiTaskStratifiedKFold

N_PATIENTS, N_SPLITS = 4, 2
NAMES = list(demo.default_estimators())


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The demo's result, its printed lines and the figure's path."""
    output = tmp_path_factory.mktemp("demo") / "comparison.png"
    argv = ["--n-patients", str(N_PATIENTS), "--cv", str(N_SPLITS)]
    argv += ["--net-epochs", "5", "--output", str(output)]
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        result = demo.main(argv)
    return result, stdout.getvalue().splitlines(), output


def _table_rows(lines):
    start = next(i for i, line in enumerate(lines) if line.startswith("model "))
    return {line.split("  ")[0].strip(): line for line in lines[start + 2 :][:6]}


def test_the_estimators_are_compared_on_the_same_folds_of_the_shipped_data(run):
    result, _, _ = run
    assert result.estimator_names == NAMES
    assert result.reference == "indep. ridge"
    assert result.metric == "r2"
    assert result.scores.shape == (len(NAMES), N_SPLITS, N_PATIENTS)
    assert result.task_names == [f"patient_{s}" for s in range(1, N_PATIENTS + 1)]
    # Every score is the R^2 of that fold's fitted model on the fold's test
    # rows of the patient, as scikit-learn computes it.
    data = load_parkinsons_patients()
    rows = data.task < N_PATIENTS
    X, Y = data.data[rows], data.target[rows][:, :N_PATIENTS]
    cv = MultiTaskStratifiedKFold(N_SPLITS, shuffle=True, random_state=0)
    for k, (_, test) in enumerate(cv.split(X, Y)):
        for e in range(len(NAMES)):
            predicted = result.estimators[e][k].predict(X[test])
            for t in range(N_PATIENTS):
                observed = ~np.isnan(Y[test, t])
                expected = r2_score(Y[test, t][observed], predicted[observed, t])
                assert result.scores[e, k, t] == pytest.approx(expected)


def test_a_progress_line_per_model_with_its_time_and_settings(run):
    result, lines, _ = run
    progress = [line for line in lines if re.match(r"\[\d/6\] ", line)]
    assert [line[6:20].strip() for line in progress] == NAMES
    for e, line in enumerate(progress):
        assert re.search(r" \d+\.\d s  R\^2 ", line)
        assert f"R^2 {np.nanmean(result.mean()[e]):6.3f}" in line
    for e, name in enumerate(NAMES):
        search = demo._fitted_model(result.estimators[e][0])
        if isinstance(search, GridSearchCV):
            # alpha is chosen on a validation split of the training rows.
            assert search.n_splits_ == 1
            for fold in result.estimators[e]:
                alpha = demo._fitted_model(fold).best_params_["penalty__alpha"]
                assert alpha in demo.ALPHA_GRIDS[name]
                assert f"{alpha:g}" in progress[e]


def test_every_line_of_the_output_fits_in_100_characters(run):
    _, lines, output = run
    assert max(len(line) for line in lines if line != str(output)) <= 100


def test_the_summary_table_has_one_row_per_model_with_its_numbers(run):
    result, lines, _ = run
    rows = _table_rows(lines)
    assert list(rows) == NAMES
    mean = np.nanmean(result.scores, axis=1)  # (estimator, task), by hand
    reference = mean[0]
    for e, name in enumerate(NAMES):
        cells = rows[name][len(name) :].split()
        assert cells[0] == f"{np.mean(mean[e]):.3f}"
        if e == 0:
            assert cells[1] == "(reference)"
            continue
        assert cells[1] == f"{np.mean(mean[e] - reference):+.3f}"
        delta_m = 100 * np.sum(mean[e] - reference) / np.sum(1 - reference)
        assert cells[2] == f"{delta_m:+.1f}%"
        assert int(cells[3]) == np.sum(mean[e] > reference)
        assert int(cells[4]) == np.sum(mean[e] < reference)
        assert int(cells[5]) == result.n_improved()[e]
        assert int(cells[6]) == result.n_hurt()[e]


def test_the_summary_names_the_winner_and_where_transfer_hurt(run):
    result, lines, _ = run
    mean = np.nanmean(np.nanmean(result.scores, axis=1), axis=1)
    winner = NAMES[int(np.argmax(mean))]
    summary = lines[lines.index("Summary:") + 1 :]
    assert summary[0].startswith(f"- Winner: {winner} ")
    assert lines[-1].endswith(f"Winner: {winner}")
    text = " ".join(summary)
    for e, name in enumerate(NAMES[1:], start=1):
        worse = np.mean(mean[e]) < mean[0] or result.n_hurt()[e] > 0
        assert (f"Transfer hurt with {name} " in text) == (worse and name != winner)


def test_the_figure_is_written_to_the_printed_path(run):
    pytest.importorskip("matplotlib")
    _, lines, output = run
    assert output.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert lines[lines.index(str(output)) - 1].startswith("Figure of the per-patient")


def test_without_matplotlib_the_figure_is_skipped_with_how_to_get_it(
    run, monkeypatch, tmp_path
):
    result, _, _ = run
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    lines = demo._figure_lines(result, tmp_path / "figure.png")
    text = " ".join(lines)
    assert "matplotlib is not installed" in text
    assert "pip install matplotlib" in text
    assert not (tmp_path / "figure.png").exists()
    assert max(len(line) for line in lines) <= 100


def test_too_few_or_too_many_patients_is_an_error():
    with pytest.raises(ValueError, match="Expected --n-patients between 2 and 42"):
        demo.main(["--n-patients", "43"])


def test_it_runs_as_a_module(monkeypatch, capsys):
    # What ``python -m sklearn_mtl.demo --help`` runs, in this interpreter.
    monkeypatch.delitem(sys.modules, "sklearn_mtl.demo")
    monkeypatch.setattr(sys, "argv", ["sklearn_mtl/demo.py", "--help"])
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_module("sklearn_mtl.demo", run_name="__main__")
    assert exit_info.value.code == 0
    stdout = capsys.readouterr().out
    assert stdout.startswith("usage: python -m sklearn_mtl.demo")
    assert "--output" in stdout and "--n-patients" in stdout


@pytest.mark.slow  # the same in a fresh interpreter, which imports torch: seconds
def test_it_runs_as_a_module_in_a_fresh_interpreter():
    completed = subprocess.run(
        [sys.executable, "-m", "sklearn_mtl.demo", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "--output" in completed.stdout and "--n-patients" in completed.stdout
