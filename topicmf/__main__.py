"""``python -m topicmf``: the same program as the ``topicmf`` command."""

from .cli import main

raise SystemExit(main())
