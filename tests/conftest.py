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

Tests that need a Python process of their own share one, started once for
the session (``fresh_interpreter``).
"""

import json
import select
import subprocess
import sys
import textwrap

import pytest


def pytest_collection_finish(session):
    """One torch thread, once the collected modules have imported torch."""
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)


# ------------------------------------------------ one fresh interpreter
# Tests that need a Python process of their own (a pickled net loaded in
# another process, a seeded fit repeated there, what an import pulls in)
# share one interpreter started for the session: each fresh interpreter
# imports numpy, scikit-learn and torch again, about 4 CPU-seconds.
FIRST_IMPORTS = ("sklearn_mtl.inspection",)

# The server: imports FIRST_IMPORTS, replies with the names of the modules
# imported by then, then runs the scripts sent on stdin in turn, replying
# with None or the script's traceback. Replies go on its stdout, one JSON
# value a line; what a script prints goes to its stderr.
_SERVER = """
import json, os, runpy, sys, traceback
replies = os.fdopen(os.dup(1), "w")
os.dup2(2, 1)
for name in sys.argv[1:]:
    __import__(name)
replies.write(json.dumps(sorted(sys.modules)) + "\\n")
replies.flush()
for line in sys.stdin:
    path, args = json.loads(line)
    sys.argv = [path, *args]
    try:
        runpy.run_path(path, run_name="__main__")
        error = None
    except BaseException:
        error = traceback.format_exc()
    replies.write(json.dumps(error) + "\\n")
    replies.flush()
"""


class FreshInterpreter:
    """A Python interpreter apart from the test process, shared by the session.

    Attributes
    ----------
    modules_at_start : set of str
        The modules imported once the interpreter had imported
        ``FIRST_IMPORTS`` and nothing else.
    """

    def __init__(self, folder, first_imports, timeout=120):
        self._folder = folder
        self._timeout = timeout
        self._n_scripts = 0
        self._process = subprocess.Popen(
            [sys.executable, "-c", _SERVER, *first_imports],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.modules_at_start = set(self._reply())

    def _reply(self):
        ready, _, _ = select.select([self._process.stdout], [], [], self._timeout)
        line = self._process.stdout.readline() if ready else ""
        if not line:
            self.close()
            pytest.fail(
                f"The fresh interpreter gave no reply within {self._timeout} s "
                f"(exit code {self._process.poll()})."
            )
        return json.loads(line)

    def run(self, script, *args):
        """Run ``script`` (dedented) as ``__main__`` with ``sys.argv[1:] = args``."""
        self._n_scripts += 1
        path = self._folder / f"script_{self._n_scripts}.py"
        path.write_text(textwrap.dedent(script))
        request = [str(path), [str(arg) for arg in args]]
        self._process.stdin.write(json.dumps(request) + "\n")
        self._process.stdin.flush()
        error = self._reply()
        if error is not None:
            pytest.fail(f"The script failed in the fresh interpreter:\n{error}")

    def close(self):
        if self._process.poll() is None:
            self._process.stdin.close()
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process.stdout.close()


@pytest.fixture(scope="session")
def fresh_interpreter(tmp_path_factory):
    """One Python interpreter, started apart from this process for the session."""
    interpreter = FreshInterpreter(
        tmp_path_factory.mktemp("fresh_interpreter"), FIRST_IMPORTS
    )
    yield interpreter
    interpreter.close()
