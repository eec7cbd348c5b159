import os

import pytest

# Plots are written, never shown.
os.environ.setdefault("MPLBACKEND", "Agg")

# The suite is a thousand small problems: one torch / BLAS / OpenMP thread each is the
# fastest choice, and the only one that does not slow down several-fold when other work
# shares the cores (idle 75 s, under a second busy process 129 s with one thread against
# 210 s with the default, 2026-12-01, docs/benchmarks/suite.md). Set before numpy and
# torch are imported, so that subprocesses (CLI tests, dask and loky workers) inherit it;
# an explicit setting in the environment wins. Estimators' own thread choices
# (sklot/_core/threads.py, SKLOT_NUM_THREADS) are tested in tests/core/test_threads.py.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")


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
