"""W, H from X: the factorization core, the only package that imports Aesara.

- ``_backend``: Aesara settings, applied before Aesara is imported.
- ``_ops``: C kernels (CSR x dense, HALS sweep) as Aesara ops.
- ``_graph``: pure builders of the symbolic objective and steps.
- ``_solver``: compiles each function once; iterates to convergence.
- ``_init``, ``_restarts``: starts and restarts (serial, processes, racing).
- ``estimator``: :class:`TopicNMF` and :func:`factorize`.
"""

from .estimator import TopicNMF, factorize

__all__ = ["TopicNMF", "factorize"]


class _CallableModule(__import__("types").ModuleType):
    """``topicmf.factorize`` is this package and also the function twin of TopicNMF.

    ``import topicmf.factorize`` binds the name to the package, so the package
    itself is made callable: ``topicmf.factorize(X, n_topics, **params)`` is
    :func:`topicmf.factorize.factorize`.
    """

    def __call__(self, X, n_topics, **params):
        return factorize(X, n_topics, **params)


__import__("sys").modules[__name__].__class__ = _CallableModule
