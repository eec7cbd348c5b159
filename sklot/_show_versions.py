"""``sklot.show_versions()``: what a bug report needs."""

import importlib.metadata
import platform
import sys

_DEPENDENCIES = (
    "numpy", "scipy", "scikit-learn", "torch", "skorch", "POT", "torch-geometric",
    "joblib", "matplotlib", "networkx", "dask", "distributed", "deel-torchlip",
    "concept-erasure", "grakel", "sentence-transformers",
)


def _version(dist):
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def show_versions():
    """Print the versions of sklot, Python, the platform and sklot's dependencies.

    Examples
    --------
    >>> import sklot
    >>> sklot.show_versions()  # doctest: +ELLIPSIS
    sklot: ...
    """
    from . import __version__

    lines = [f"sklot: {__version__}", f"python: {sys.version.split()[0]}", f"platform: {platform.platform()}"]
    for dist in _DEPENDENCIES:
        v = _version(dist)
        lines.append(f"{dist}: {v if v is not None else 'not installed'}")
    try:
        import torch  # noqa: F401  (only reported when installed)

        lines.append(f"cuda available: {torch.cuda.is_available()}")
    except ImportError:
        pass
    print("\n".join(lines))
