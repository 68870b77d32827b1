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

from sphinx.transforms import SphinxTransform

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
    # Runs the getting-started page's code at build time and shows its figure.
    "matplotlib.sphinxext.plot_directive",
    # Reads the Markdown tables that the benchmark scripts write to
    # benchmarks/results/, which benchmarks.rst includes with
    # ``:parser: myst_parser.sphinx_`` (see _BenchmarkResultsLayout).
    "myst_parser",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
root_doc = "index"
default_role = "literal"
# The result files' headings start at any level ("# Title", or "### Part"
# alone when the page gives the title); they become rubrics, not sections.
suppress_warnings = ["myst.header"]

# autodoc / autosummary: one page per public object, generated into generated/
# (gitignored).
autosummary_generate = True
autodoc_typehints = "none"

# numpydoc: the class template lists the methods itself.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# numpydoc validation: every check of numpydoc but five that this project does
# not follow (ES01 extended summary, EX01 examples and SA01 See Also are not on
# every object; RT02 rejects scikit-learn's "name : type" returns; PR04 rejects
# parameters documented together, as "sort, ax : See plot").
numpydoc_validation_checks = {"all", "ES01", "EX01", "SA01", "RT02", "PR04"}
# Not validated: the penalties' solver methods (prox, restrict, alpha_max,
# dual_norm, validate), whose contract the extending module documents once
# for all penalties (repeating it on each of ~40 overrides would copy the same
# text ten times); the nets' class docstrings, assembled from skorch's
# parameter list (PR02, PR08); expected_failed_checks (SS02: its summary starts
# with the returned dict's name); WEIGHTINGS (a dict) and ROW_PROX_SIGNATURE (a
# numba signature), data whose docstring numpydoc reads from their type (their
# ``#:`` comments document them).
numpydoc_validation_exclude = {
    r"^sklearn_mtl\.linear_model\.\w+\.(prox|restrict|alpha_max|dual_norm|validate)$",
    r"^sklearn_mtl\.neural\.MultiTaskNet(Regressor|Classifier)?$",
    r"^sklearn_mtl\.utils\.estimator_checks\.expected_failed_checks$",
    r"^sklearn_mtl\.neural\.weighting\.WEIGHTINGS$",
    r"^sklearn_mtl\.linear_model\.extending\.ROW_PROX_SIGNATURE$",
}
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

# -- plot directive (getting_started.rst) -------------------------------------

plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 100)]
plot_pre_code = ""

# -- HTML output --------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"{project} {version}"
html_static_path = ["_static"]
html_css_files = ["sklearn_mtl.css"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 5,
}
html_sidebars = {
    page: []
    for page in ("install", "api", "getting_started", "benchmarks", "changelog")
}
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


# -- Benchmark result files: rubrics and compact tables -------------------------
#
# benchmarks.rst includes the Markdown files of benchmarks/results/ with the
# MyST parser, so that their tables render as tables. Their headings ("# Title"
# of a result file, "### Part 2") would otherwise become sections nested in the
# page's own, and the page's prose after a table would land inside the last of
# them: they are turned into rubrics (headings outside the section structure).
# Their tables go in a "benchmark-table" container (compact, see
# _static/sklearn_mtl.css).


def _from_markdown(node):
    # Tables carry no source of their own: their cells' paragraphs do.
    source = next((n.source for n in node.findall() if n.source), None)
    return (source or "").endswith(".md")


class _BenchmarkResultsLayout(SphinxTransform):
    default_priority = 200

    def apply(self):
        from docutils import nodes

        # Innermost first, so that a rubric's content is already flat.
        for section in reversed(list(self.document.findall(nodes.section))):
            if not _from_markdown(section):
                continue
            title = section[0]
            rubric = nodes.rubric(title.rawsource, "", *title.children)
            rubric["ids"] = section["ids"]
            section.replace_self([rubric, *section.children[1:]])
        # The theme drops a table's own classes: a container carries it.
        for table in list(self.document.findall(nodes.table)):
            if _from_markdown(table):
                box = nodes.container(classes=["benchmark-table"])
                table.replace_self(box)
                box.append(table)
                # A cell of one word (1e-06, 500x5000x20) is not wrapped.
                for entry in table.findall(nodes.entry):
                    if " " not in entry.astext().strip():
                        entry["classes"].append("single-word")


def setup(app):
    app.add_transform(_BenchmarkResultsLayout)
    app.connect("builder-inited", _check_api_reference)
    app.connect("autodoc-skip-member", _skip_metadata_routing)
    app.connect("missing-reference", _link_to_scikit_learn)
