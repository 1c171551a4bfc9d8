"""Provenance: the versions of Python and of the libraries a result was made with.

Reports and model files record it. The factorization backend (Aesara or
PyTensor) is named by :func:`topicmf.factorize.backend_info` and added by the
callers that have fitted a model; this module imports nothing from topicmf.
"""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError, version

__all__ = ["library_versions", "LIBRARIES"]

#: The distributions whose versions are recorded.
LIBRARIES = ("topicmf", "aesara", "pytensor", "numpy", "scipy", "scikit-learn", "nltk", "pandas", "matplotlib")


def library_versions() -> dict[str, str]:
    """Python's version and each of :data:`LIBRARIES` (``"not installed"`` when absent).

    Returns
    -------
    dict of str -> str
    """
    out = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out
