"""``python -m topicmf``: the same program as the ``topicmf`` command."""

from .cli import entry

entry()
