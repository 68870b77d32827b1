"""Peak memory of the linear models' fits, as a multiple of the size of ``Y``.

Each fit runs in a fresh Python process (so that one fit's peak does not
hide another's): the process builds the data, compiles the solver on a tiny
problem, records its resident memory, fits, and reports the peak resident
memory above that baseline (``ru_maxrss``), divided by the bytes of ``Y``
(float64). The data: ``n_samples`` rows, 20 features, ``n_tasks`` regression
tasks sharing 4 informative features, a fraction of the labels observed; for
the logistic model, the signs of the same targets.

Run from the repository root::

    python benchmarks/linear_memory.py [--n-samples 1000] [--n-tasks 10000]
        [--observed 1.0,0.3] [--max-iter 30]

Each fit stops after ``--max-iter`` epochs or iterations (a convergence
warning is expected and ignored: the memory of a fit does not grow with its
iterations). Results go to ``benchmarks/results/linear_memory.md``.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results" / "linear_memory.md"

ESTIMATORS = {
    "MultiTaskLasso (bcd)": "MultiTaskLasso(alpha=0.05, max_iter={max_iter})",
    "L21, solver='fista'": (
        "MultiTaskLinearRegressor(L21(0.05), solver='fista', max_iter={max_iter})"
    ),
    "TraceNorm (fista)": (
        "MultiTaskLinearRegressor(TraceNorm(0.05), max_iter={max_iter})"
    ),
    "MultiTaskLogisticRegression (bcd)": (
        "MultiTaskLogisticRegression(alpha=0.005, max_iter={max_iter})"
    ),
}

CHILD = """
import json, resource, sys, warnings
import numpy as np
from sklearn.base import clone
from sklearn_mtl.linear_model import *

n_samples, n_tasks, observed, spec = {n_samples}, {n_tasks}, {observed}, {spec!r}
rng = np.random.default_rng(0)
X = rng.normal(size=(n_samples, 20))
W = np.zeros((20, n_tasks))
W[:4] = rng.normal(size=(4, n_tasks))
Y = X @ W
Y += rng.normal(size=Y.shape)
if "Logistic" in spec:
    Y = (Y > 0).astype(float)
Y[rng.random(Y.shape) >= observed] = np.nan
estimator = eval(spec)
warnings.simplefilter("ignore")
clone(estimator).fit(X[:50], Y[:50, :3])  # compile the solver first


def resident():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) * 1024


# The building of the data may have left a higher peak than the fit's
# baseline: only a peak above both counts.
before = max(resident(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
base = resident()
estimator.fit(X, Y)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({{"extra": max(peak, before) - base, "y_bytes": Y.nbytes,
                  "capped": peak <= before}}))
"""


def measure(spec, n_samples, n_tasks, observed):
    """Peak memory of one fit in a fresh process, as a dict."""
    code = CHILD.format(
        n_samples=n_samples, n_tasks=n_tasks, observed=observed, spec=spec
    )
    start = time.perf_counter()
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    result = json.loads(output.strip().splitlines()[-1])
    result["seconds"] = time.perf_counter() - start
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=1000)
    parser.add_argument("--n-tasks", type=int, default=10000)
    parser.add_argument("--observed", default="1.0,0.3")
    parser.add_argument("--max-iter", type=int, default=30)
    args = parser.parse_args()
    fractions = [float(value) for value in args.observed.split(",")]
    rows = []
    for name, template in ESTIMATORS.items():
        spec = template.format(max_iter=args.max_iter)
        for observed in fractions:
            result = measure(spec, args.n_samples, args.n_tasks, observed)
            ratio = result["extra"] / result["y_bytes"]
            note = " (at most: below an earlier peak)" if result["capped"] else ""
            rows.append(
                f"| {name} | {observed:.0%} | {ratio:.1f}x{note} | "
                f"{result['seconds']:.0f} |"
            )
            print(rows[-1], flush=True)
    y_mb = args.n_samples * args.n_tasks * 8 / 1e6
    lines = [
        "# Peak memory of the linear models' fits",
        "",
        f"`python benchmarks/linear_memory.py --n-samples {args.n_samples} "
        f"--n-tasks {args.n_tasks} --observed {args.observed} --max-iter "
        f"{args.max_iter}`, {time.strftime('%Y-%m-%d')}, load average "
        f"{os.getloadavg()[0]:.1f}. Y: {args.n_samples} x {args.n_tasks} float64 "
        f"({y_mb:.0f} MB), X: {args.n_samples} x 20. Peak resident memory of the "
        "fit above the process's memory before it, in multiples of Y's size "
        f"(each fit in a fresh process, stopped after {args.max_iter} "
        "epochs or iterations).",
        "",
        "| estimator | labels observed | peak memory / size of Y | process time (s) |",
        "|---|---:|---:|---:|",
        *rows,
    ]
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
