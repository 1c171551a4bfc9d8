"""Bundled sample corpora of topicmf (data only; see index.json)."""
