"""W, H -> what an analyst reads: tables (pandas), figures (matplotlib), writers."""

from .report import TopicReport
from .tables import (
    DOCUMENT_TOPICS_COLUMNS,
    TOP_DOCUMENTS_COLUMNS,
    TOP_TERMS_COLUMNS,
    TOPICS_COLUMNS,
)

__all__ = [
    "DOCUMENT_TOPICS_COLUMNS",
    "TOP_DOCUMENTS_COLUMNS",
    "TOP_TERMS_COLUMNS",
    "TOPICS_COLUMNS",
    "TopicReport",
]
