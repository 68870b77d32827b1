"""The main job: ``python -m sklearn_mtl.demo``."""

import re
import subprocess
import sys

from sklearn_mtl.demo import default_estimators, main

SMALL = ["--n-samples", "40", "--n-features", "15", "--n-tasks", "3", "--cv", "3"]


def test_demo_prints_a_per_task_table_and_a_summary(capsys):
    result = main(SMALL)
    output = capsys.readouterr().out
    assert result.scores.shape == (len(default_estimators()), 3, 3)
    assert result.reference == "indep. lasso"
    lines = output.splitlines()
    rows = [line for line in lines if re.match(r"task \d+ ", line)]
    assert [row.split()[:2] for row in rows] == [
        ["task", "0"],
        ["task", "1"],
        ["task", "2"],
    ]
    assert lines[-1].startswith("Summary: best mean R^2 ")
    best = max(result.summary(), key=lambda row: row["mean"])
    assert f"by {best['estimator']} " in lines[-1]


def test_demo_runs_as_a_module():
    completed = subprocess.run(
        [sys.executable, "-m", "sklearn_mtl.demo", *SMALL],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "r2 per task" in completed.stdout
    assert "Summary:" in completed.stdout
