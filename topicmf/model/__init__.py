"""A fitted model you keep, and its file format.

- ``topics``: comparable topic scales, topic names, document assignments (pure).
- ``topic_model``: :class:`TopicModel` (vectorizer + factorization, new documents).
- ``io``: :func:`save_model` / :func:`load_model`, a zip of JSON and arrays, no pickle.

The report depends on this package, never the reverse.
"""

from .io import FORMAT_NAME, FORMAT_VERSION, load_model, read_manifest, save_model
from .topic_model import TopicModel

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "TopicModel", "load_model", "read_manifest", "save_model"]
