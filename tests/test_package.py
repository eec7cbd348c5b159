"""Package-level promises: a light import, version report, command line."""

import subprocess
import sys

import sklot


def _run(code):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout


def test_import_is_light():
    # torch, torch_geometric, skorch, POT, sklearn are imported only when an estimator is used
    out = _run(
        "import sys, sklot; heavy = ['torch', 'torch_geometric', 'skorch', 'ot', 'sklearn', 'sentence_transformers'];"
        "print(','.join(m for m in heavy if m in sys.modules))"
    )
    assert out.strip() == ""


def test_public_names_resolve_lazily():
    for name in sklot.__all__:
        assert getattr(sklot, name) is not None
    try:
        sklot.NoSuchThing
    except AttributeError as exc:
        assert "NoSuchThing" in str(exc)
    else:
        raise AssertionError("unknown attribute did not raise")


def test_show_versions_lists_dependencies(capsys):
    sklot.show_versions()
    out = capsys.readouterr().out
    for dist in ("sklot: ", "torch: ", "scikit-learn: ", "skorch: ", "POT: ", "torch-geometric: "):
        assert dist in out
    assert f"sklot: {sklot.__version__}" in out


def test_cli_versions():
    out = subprocess.run(
        [sys.executable, "-m", "sklot", "versions"], capture_output=True, text=True, check=True
    ).stdout
    assert out.startswith(f"sklot: {sklot.__version__}")


def test_cli_rejects_unknown_command():
    res = subprocess.run([sys.executable, "-m", "sklot", "frobnicate"], capture_output=True, text=True)
    assert res.returncode == 2 and "invalid choice" in res.stderr
