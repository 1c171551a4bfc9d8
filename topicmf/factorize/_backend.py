"""Aesara configuration, applied once before Aesara is first imported.

Only this package imports Aesara (a PyTensor backend must stay a one-package
change). ``blas__ldflags`` is set to empty unless the user chose a value: Aesara
then uses NumPy's BLAS through its C-API instead of spending ~0.4 s searching
for a BLAS library and printing warnings on every run. The one warning it still
logs about that choice is lowered to DEBUG on its own logger.
"""

from __future__ import annotations

import logging
import os

__all__ = ["aesara"]


def _configure() -> None:
    flags = os.environ.get("AESARA_FLAGS", "")
    if "blas__ldflags" not in flags and "blas.ldflags" not in flags:
        os.environ["AESARA_FLAGS"] = ",".join(f for f in (flags, "blas__ldflags=") if f)
    # "Using NumPy C-API based implementation for BLAS functions." is expected here.
    logging.getLogger("aesara.tensor.blas").setLevel(logging.ERROR)


_configure()

import aesara  # noqa: E402
