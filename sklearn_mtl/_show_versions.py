"""Versions of Python, the platform and the packages, for bug reports."""

import platform
import sys
from importlib.metadata import PackageNotFoundError, version

__all__ = ["show_versions"]

DEPENDENCIES = (
    "sklearn-mtl",
    "numpy",
    "scipy",
    "scikit-learn",
    "torch",
    "skorch",
    "numba",
    "pandas",
    "matplotlib",
    "pooch",
    "cvxpy",
    "torchjd",
    "rdkit",
)


def _package_versions():
    """Installed version of each dependency, None when it is not installed."""
    versions = {}
    for name in DEPENDENCIES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    return versions


def _torch_info():
    """Threads and accelerators torch sees (empty when torch is absent)."""
    try:
        import torch
    except ImportError:
        return {}
    cuda = torch.cuda.is_available()
    return {
        "threads": torch.get_num_threads(),
        "CUDA available": cuda,
        "CUDA devices": torch.cuda.device_count() if cuda else 0,
        "CUDA version": torch.version.cuda,
    }


def show_versions():
    """Print the versions of Python, the platform and the dependencies.

    Paste its output into a bug report: most problems depend on one of
    these versions.

    Examples
    --------
    >>> import sklearn_mtl
    >>> sklearn_mtl.show_versions()  # doctest: +ELLIPSIS
    <BLANKLINE>
    System:
            python: ...
    """
    sections = {
        "System": {
            "python": sys.version.replace("\n", " "),
            "executable": sys.executable,
            "machine": platform.platform(),
        },
        "Python dependencies": {
            name: "not installed" if installed is None else installed
            for name, installed in _package_versions().items()
        },
        "torch": _torch_info(),
    }
    for title, entries in sections.items():
        if not entries:
            continue
        print(f"\n{title}:")
        width = max(len(key) for key in entries)
        for key, value in entries.items():
            print(f"{key:>{width + 4}}: {value}")
