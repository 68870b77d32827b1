"""Settings shared by the whole test suite (the package's doctests included).

torch runs on one thread in the test process, from the end of collection (which
imports torch with the test modules). The suite's networks are tiny (hundreds
of parameters, batches of tens of rows): a second intra-op thread brings no
speed, and on shared cores (CI runners, a laptop running something else) the
OpenMP threads spin while they wait for each other. On a busy 2-core machine
one thread cut the CPU time of the nets' scikit-learn checks 2.7x. This
changes the cost of the tests, not what they assert: the tests of
``torch_num_threads`` set their own thread counts (``two_torch_threads`` in
``tests/test_neural.py``), and worker processes (joblib, dask, Ray) keep the
package's own default.
"""

import sys


def pytest_collection_finish(session):
    """One torch thread, once the collected modules have imported torch."""
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)
