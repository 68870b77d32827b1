"""Settings shared by the whole test suite (the package's doctests included).

Both are applied once collection has imported the test modules (and with them
torch), and both concern cost only, never what a test asserts:

* torch runs on one thread in the test process. The suite's networks are tiny
  (hundreds of parameters, batches of tens of rows): a second intra-op thread
  brings no speed, and on shared cores (CI runners, a laptop running something
  else) OpenMP threads spin while they wait for each other. On a busy 2-core
  machine one thread cut the CPU time of the nets' scikit-learn checks 2.7x.
  The tests of ``torch_num_threads`` set their own thread counts
  (``two_torch_threads`` in ``tests/test_neural.py``), and worker processes
  (joblib, dask, Ray) keep the package's own default.
* torch's warning filter for its ``TracerWarning`` is dropped. scikit-learn
  sends the warning filters of this process along with every parallel task
  (``sklearn.utils.parallel``), and unpickling that filter imports torch in
  the worker: about 2 s of CPU for every process worker of every test with
  ``n_jobs=2`` on a linear model or a baseline (loky, dask), even though the
  task needs no torch. The filter only silences warnings of
  ``torch.jit.trace``, which no test uses.
"""

import sys
import warnings


def pytest_collection_finish(session):
    """One torch thread, and no torch class in the warning filters."""
    torch = sys.modules.get("torch")
    if torch is None:
        return
    torch.set_num_threads(1)
    for entry in list(warnings.filters):
        if getattr(entry[2], "__module__", "").startswith("torch"):
            warnings.filters.remove(entry)
