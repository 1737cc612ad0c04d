"""Moved to ``qualcode.workflows.ingest``: ``qualcode.ingest`` holds file readers only.

Kept so that scripts written against the old path keep working.
"""

from qualcode.workflows.ingest import IngestReport, ingest

__all__ = ["IngestReport", "ingest"]
