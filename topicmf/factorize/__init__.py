"""W, H from X: the factorization core, the only package that imports a backend.

- ``_backend``: the Aesara/PyTensor shim, configured without side effects.
- ``kernels/``: the C++ source of the two kernels; ``_ops``: them as backend ops.
- ``_graph``: pure builders of the symbolic objective; ``optimizers/``: one
  file per optimiser (state, ``build_step``, ``reset``), a registry.
- ``_solver``: compiles each function once; iterates one restart to convergence.
- ``_init``: initial factors; ``_racing``: how long each restart runs (pure);
  ``_executor``: where restarts run; ``_restarts``: composes them;
  ``_threads``: how many kernel threads.
- ``estimator``: :class:`TopicNMF` and its function twin :func:`nmf`.
"""

from .estimator import TopicNMF, backend, nmf

__all__ = ["TopicNMF", "backend", "nmf"]
