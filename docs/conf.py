"""Sphinx configuration for the sklot documentation.

Build: ``pip install -c constraints-cpu.txt -e ".[docs]" && python -m sphinx -b html docs docs/_build/html``
"""

import os
import sys

sys.path.insert(0, os.path.abspath(".."))
os.environ.setdefault("MPLBACKEND", "Agg")

import sklot  # noqa: E402

project = "sklot"
author = "the sklot developers"
release = sklot.__version__
version = sklot.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
autosummary_generate = True
numpydoc_show_class_members = False
autodoc_default_options = {"members": True, "inherited-members": False}
exclude_patterns = ["_build", "auto_examples/*.ipynb", "**/.ipynb_checkpoints"]

# The examples gallery: every examples/<family>/plot_*.py. Running them all takes a
# while on a CPU; set SKLOT_DOCS_RUN_EXAMPLES=0 to render them without executing.
_run = os.environ.get("SKLOT_DOCS_RUN_EXAMPLES", "1") != "0"
_families = sorted(
    d for d in os.listdir(os.path.join(os.path.dirname(__file__), "..", "examples"))
    if os.path.isdir(os.path.join(os.path.dirname(__file__), "..", "examples", d))
)
sphinx_gallery_conf = {
    "examples_dirs": [os.path.join("..", "examples", f) for f in _families],
    "gallery_dirs": [os.path.join("auto_examples", f) for f in _families],
    "filename_pattern": r"/plot_",
    "plot_gallery": "True" if _run else "False",
    "download_all_examples": False,
}
intersphinx_mapping = {}
html_theme = "alabaster"
html_static_path = []
