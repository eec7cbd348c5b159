import os

import pytest

# Plots are written, never shown.
os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_collection_modifyitems(config, items):
    try:
        import torch

        has_cuda = torch.cuda.is_available()
    except ImportError:  # pragma: no cover
        has_cuda = False
    if has_cuda:
        return
    skip = pytest.mark.skip(reason="needs a CUDA device (run `python -m pytest -m cuda` on a GPU machine)")
    for item in items:
        if "cuda" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def shared_dir():
    """Path to ../shared beside the project root (TU datasets and specs)."""
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.environ.get("SKLOT_SHARED_DIR") or os.path.normpath(os.path.join(here, "..", "..", "shared"))
    if not os.path.isdir(path):
        pytest.fail(
            f"../shared was not found at {path}; it is part of the project's test fixtures "
            "(set SKLOT_SHARED_DIR to its location)."
        )
    return path
