"""The backend shim: Aesara or PyTensor, chosen once, configured without side effects.

Only ``topicmf/factorize/`` imports a backend, and only through this module:
every other module of the package takes ``tensor``, ``sparse``, ``shared``,
``function``, ``Apply``, ``CKernelOp`` and ``TensorVariable`` from here, so the
kernels, graph builders and solver are shared and only this file differs.

Choice: ``TOPICMF_BACKEND=aesara|pytensor`` when set, else whichever is
installed, Aesara first.

Configuration never leaks into the caller's process:

- The backend reads its flags from ``AESARA_FLAGS`` / ``PYTENSOR_FLAGS`` at
  import. topicmf adds ``blas__ldflags=`` (use NumPy's BLAS through its C-API;
  without it the backend spends ~1 s searching for a BLAS library and prints
  warnings) and, when the home folder is not writable, a temporary
  ``base_compiledir``, for the duration of that import only; the variable is
  restored at once, so the process and its children see the caller's value.
  A flag the caller already set wins.
- The one message the backend logs about that BLAS choice is filtered out of
  its logger during the import only (no logger level is changed).
- Functions are compiled with :func:`compile_function`, which passes the mode
  explicitly (:data:`KERNELS_MODE` for the HALS step: topicmf's C kernels in C,
  the backend's small ops in NumPy, so a first fit compiles two C modules, not a
  dozen; :data:`MODE`, C everywhere, for the other graphs) and
  keeps the backend's rewrite-failure tracebacks out of the terminal (they go
  to this module's logger at DEBUG) while topicmf compiles.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import logging
import os
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = [
    "NAME",
    "VERSION",
    "Apply",
    "OpenMPOp",
    "CKernelOp",
    "TensorVariable",
    "backend_info",
    "compile_function",
    "shared",
    "sparse",
    "tensor",
]

logger = logging.getLogger(__name__)

CHOICES = ("aesara", "pytensor")
_BLAS_NOTE = "Using NumPy C-API based implementation for BLAS functions"


def _choose() -> str:
    wanted = os.environ.get("TOPICMF_BACKEND", "").strip().lower()
    if wanted:
        if wanted not in CHOICES:
            raise ImportError(f"TOPICMF_BACKEND must be 'aesara' or 'pytensor'; got {wanted!r}.")
        if importlib.util.find_spec(wanted) is None:
            raise ImportError(
                f"TOPICMF_BACKEND={wanted!r} but {wanted} is not installed; "
                f"pip install 'topicmf[{wanted}]'."
            )
        return wanted
    for name in CHOICES:
        if importlib.util.find_spec(name) is not None:
            return name
    raise ImportError(
        "topicmf's factorization needs Aesara or PyTensor and neither is installed: "
        "pip install 'topicmf[aesara]' (Python 3.10-3.12, numpy<2) or 'topicmf[pytensor]' (numpy 2)."
    )


def _writable_home(backend: str) -> bool:
    try:
        home = Path.home()
    except (RuntimeError, KeyError):  # no home directory at all
        return False
    folder = home / f".{backend}"
    target = folder if folder.exists() else home
    return os.access(target, os.W_OK | os.X_OK)


def _private_folder(backend: str) -> Path:
    """A compile folder only this user can write (compiled modules are imported and run)."""
    uid = os.getuid() if hasattr(os, "getuid") else 0
    folder = Path(tempfile.gettempdir()) / f"topicmf-{backend}-{uid}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        info = folder.lstat()
        if folder.is_symlink() or (hasattr(os, "getuid") and info.st_uid != uid) or info.st_mode & 0o022:
            raise PermissionError(folder)
        return folder
    except OSError:
        return Path(tempfile.mkdtemp(prefix=f"topicmf-{backend}-"))


class _DropMessage(logging.Filter):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def filter(self, record: logging.LogRecord) -> bool:
        return self.text not in record.getMessage()


@contextlib.contextmanager
def _scoped_env(name: str, value: str) -> Iterator[None]:
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


def _import_backend(name: str) -> Any:
    env = "AESARA_FLAGS" if name == "aesara" else "PYTENSOR_FLAGS"
    flags = os.environ.get(env, "")
    extra = []
    if "blas__ldflags" not in flags and "blas.ldflags" not in flags:
        extra.append("blas__ldflags=")
    if "base_compiledir" not in flags and not _writable_home(name):
        tmp = _private_folder(name)
        extra.append(f"base_compiledir={tmp}")
        warnings.warn(
            f"topicmf: the home folder is not writable; {name} compiles topicmf's kernels in {tmp} "
            f"(set {env}=base_compiledir=... to choose).", RuntimeWarning, stacklevel=3,
        )
    blas_logger = logging.getLogger(f"{name}.tensor.blas")
    drop = _DropMessage(_BLAS_NOTE)
    blas_logger.addFilter(drop)
    try:
        with _scoped_env(env, ",".join(f for f in (flags, *extra) if f)), warnings.catch_warnings():
            # numpy.distutils' BLAS search warnings (Aesara only, when it searches)
            warnings.filterwarnings("ignore", module="numpy.distutils.*")
            module = importlib.import_module(name)
            importlib.import_module(f"{name}.tensor.blas")
    finally:
        blas_logger.removeFilter(drop)
    return module


NAME: str = _choose()
backend = _import_backend(NAME)
VERSION: str = str(getattr(backend, "__version__", "unknown"))

if NAME == "aesara":
    import aesara.sparse as sparse
    import aesara.tensor as tensor
    from aesara.compile.mode import Mode
    from aesara.graph.basic import Apply
    from aesara.link.c.op import OpenMPOp
    from aesara.link.vm import VMLinker
    from aesara.tensor.var import TensorVariable
else:  # pragma: no cover - exercised in the PyTensor CI environment
    import pytensor.sparse as sparse  # type: ignore[no-redef]
    import pytensor.tensor as tensor  # type: ignore[no-redef]
    from pytensor.compile.mode import Mode  # type: ignore[no-redef]
    from pytensor.graph.basic import Apply  # type: ignore[no-redef]
    from pytensor.link.c.op import OpenMPOp  # type: ignore[no-redef]
    from pytensor.link.vm import VMLinker  # type: ignore[no-redef]
    from pytensor.tensor.variable import TensorVariable  # type: ignore[no-redef]

shared = backend.shared
config = backend.config

#: The mode of graphs whose heavy work is all in topicmf's kernels (the HALS step):
#: the standard fast rewrites, and a linker that runs the backend's own ops through
#: their Python ``perform`` (NumPy): there they work on k x k matrices and scalars,
#: so C buys them nothing, while compiling them cost a first fit about 5 s (one C
#: module per op, plus the C VM). topicmf's kernels (:class:`CKernelOp`) always run
#: their C code. Not for graphs with element-wise work on W- or H-sized arrays: a
#: fused element-wise op's ``perform`` loops in Python (100-300x slower).
KERNELS_MODE = Mode(linker=VMLinker(use_cloop=False, c_thunks=False), optimizer="fast_run")
#: The mode of every other graph: the C virtual machine linker (each op in C).
MODE = Mode(linker="cvm", optimizer="fast_run")


class CKernelOp(OpenMPOp):
    """An op of topicmf's own C++ kernels: C code whatever the linker asks for
    (:data:`KERNELS_MODE` asks for Python for every op); NumPy ``perform`` only
    without a C++ compiler."""

    def make_thunk(self, node: Any, storage_map: Any, compute_map: Any, no_recycling: Any,
                   impl: str | None = None) -> Any:
        return super().make_thunk(node, storage_map, compute_map, no_recycling,
                                  impl=None if impl == "py" else impl)


class _Capture(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        logger.debug("%s: %s", record.name, record.getMessage())


@contextlib.contextmanager
def _quiet_rewrites() -> Iterator[None]:
    """Route the backend's graph-rewrite error logs to our DEBUG log while we compile."""
    graph_logger = logging.getLogger(f"{NAME}.graph")
    handler = _Capture()
    old_propagate = graph_logger.propagate
    graph_logger.addHandler(handler)
    graph_logger.propagate = False
    try:
        yield
    finally:
        graph_logger.removeHandler(handler)
        graph_logger.propagate = old_propagate


def compile_function(inputs: list, outputs: Any, *, updates: Any = None, name: str | None = None,
                     kernels_only: bool = False) -> Any:
    """``function(inputs, outputs, updates=...)`` in :data:`MODE` (:data:`KERNELS_MODE` when
    ``kernels_only``: the graph's array work is all in topicmf's kernels), rewrite noise
    kept quiet."""
    with _quiet_rewrites():
        return backend.function(inputs, outputs, updates=updates, name=name,
                                mode=KERNELS_MODE if kernels_only else MODE)


def backend_info() -> dict[str, str]:
    """The backend topicmf runs on: ``{"backend": name, "backend_version": version}``."""
    return {"backend": NAME, "backend_version": VERSION}
