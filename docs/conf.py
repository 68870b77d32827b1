"""Sphinx configuration of the sklearn-mtl documentation.

Build with ``make html`` from this folder (warnings are errors). Nothing here
downloads anything: there is no intersphinx. References to public
scikit-learn objects become links to their pages on scikit-learn.org (built
from the object's name, see ``_link_to_scikit_learn``); references to NumPy or
pandas objects render as plain code.
"""

import os
import re
import warnings
from datetime import date

import sklearn_mtl

# The gallery runs on the real data sets, which the examples load with the
# package's fetch_* functions (no data_home argument). Where the project's
# shared data folder (../shared/data beside the repository) exists, it is the
# data home, so that the build reads the converted files there and downloads
# nothing (CI has no network); a SKLEARN_MTL_DATA set by the user wins.
_SHARED_DATA = os.path.abspath(
    os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "shared", "data")
)
if os.path.isdir(_SHARED_DATA):
    os.environ.setdefault("SKLEARN_MTL_DATA", _SHARED_DATA)

# -- Project information ------------------------------------------------------

project = "sklearn-mtl"
author = "sklearn-mtl developers"
copyright = f"{date.today().year}, {author}"
version = sklearn_mtl.__version__
release = sklearn_mtl.__version__

# -- General configuration ----------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
root_doc = "index"
default_role = "literal"

# autodoc / autosummary: one page per public object, generated into generated/
# (gitignored).
autosummary_generate = True
autodoc_typehints = "none"

# numpydoc: the class template lists the methods itself.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks = set()
numpydoc_attributes_as_param_list = True

# -- sphinx-gallery -----------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # Run every example whose file name starts with plot_ (keep them fast).
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py",
    "doc_module": ("sklearn_mtl",),
    "backreferences_dir": os.path.join("generated", "backreferences"),
    "reference_url": {"sklearn_mtl": None},
    "remove_config_comments": True,
    "download_all_examples": False,
    "show_memory": False,
    "abort_on_example_error": True,
}

# The examples run with a non-interactive backend.
os.environ.setdefault("MPLBACKEND", "Agg")
warnings.filterwarnings(
    "ignore",
    message="Matplotlib is currently using agg",
    category=UserWarning,
)

# -- HTML output --------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"{project} {version}"
html_static_path = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 5,
}
html_sidebars = {"install": [], "api": []}
html_show_sourcelink = False


# -- Check that api.rst lists exactly each module's __all__ -------------------


def _documented_names(path):
    """Names listed in the autosummary tables of ``path``, by current module."""
    documented, module, in_table = {}, None, False
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            stripped = line.strip()
            if stripped.startswith(".. currentmodule::"):
                module = stripped.split("::", 1)[1].strip()
                documented.setdefault(module, set())
                in_table = False
            elif stripped.startswith(".. autosummary::"):
                in_table = True
            elif in_table and line.startswith("   ") and not stripped.startswith(":"):
                documented[module].add(stripped)
            elif in_table and stripped and not line.startswith("   "):
                in_table = False
    return documented


def _check_api_reference(app):
    import importlib
    import pkgutil

    from sphinx.util import logging

    logger = logging.getLogger(__name__)
    path = os.path.join(app.srcdir, "api.rst")
    documented = _documented_names(path)
    for info in pkgutil.iter_modules(sklearn_mtl.__path__, "sklearn_mtl."):
        module = importlib.import_module(info.name)
        public = getattr(module, "__all__", None)
        if info.ispkg and public and info.name not in documented:
            logger.warning(
                f"api.rst: the public package {info.name} has a non-empty "
                "__all__ but no section in the API reference."
            )
    for module, names in documented.items():
        public = set(importlib.import_module(module).__all__)
        if module == "sklearn_mtl":
            # The top level re-exports objects documented in their subpackage.
            public -= {"__version__"}
            public -= {
                name
                for other in documented
                if other != module
                for name in importlib.import_module(other).__all__
            }
        for name in sorted(public - names):
            logger.warning(
                f"api.rst: {module}.{name} is in {module}.__all__ but not in the "
                "API reference; add it to an autosummary table."
            )
        for name in sorted(names - public):
            logger.warning(
                f"api.rst: {module}.{name} is in the API reference but not in "
                f"{module}.__all__."
            )


# -- Leave scikit-learn's metadata-routing methods out of the class pages ------
#
# The class pages show inherited members (predict, score, get_params, ... come
# from base classes), but the metadata-routing methods that scikit-learn adds to
# every estimator (get_metadata_routing, set_fit_request, set_score_request,
# ...) refer to labels of scikit-learn's own documentation, which would be
# broken references here; see scikit-learn's user guide on metadata routing.

_METADATA_ROUTING = re.compile(r"^(get_metadata_routing|set_\w+_request)$")


def _skip_metadata_routing(app, what, name, obj, skip, options):
    if _METADATA_ROUTING.match(name):
        return True
    return None


# -- Links to scikit-learn's API pages, without intersphinx --------------------
#
# intersphinx would download scikit-learn's inventory at every build. Public
# scikit-learn objects have a page at a predictable address instead, so a
# reference such as :class:`~sklearn.linear_model.Ridge` that Sphinx cannot
# resolve here becomes a plain link to that page. Nothing is downloaded.

_SKLEARN_API_URL = "https://scikit-learn.org/stable/modules/generated/{}.html"


def _link_to_scikit_learn(app, env, node, contnode):
    target = node.get("reftarget", "")
    if node.get("refdomain") != "py" or not target.startswith("sklearn."):
        return None
    from docutils import nodes

    reference = nodes.reference(
        "",
        "",
        internal=False,
        refuri=_SKLEARN_API_URL.format(target),
        reftitle=f"(in scikit-learn) {target}",
    )
    reference.append(contnode)
    return reference


def setup(app):
    app.connect("builder-inited", _check_api_reference)
    app.connect("autodoc-skip-member", _skip_metadata_routing)
    app.connect("missing-reference", _link_to_scikit_learn)
