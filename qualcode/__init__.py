"""qualcode: code interview transcripts against a codebook, reproducibly.

The public API mirrors the command line: ``read_document`` / ``read_documents`` to read a file,
``ingest`` to add files to a ``Project``, ``sentences`` to split a document, ``load_codebook``
and ``save_codebook``, ``code_documents`` / ``code_project`` to autocode, ``codings_frame``.
"""

from __future__ import annotations

__version__ = "0.1.0"

from qualcode.errors import CodebookError, InputError, ProjectError, QualcodeError
from qualcode.model import Code, Codebook, Coding, Document, Segment

__all__ = [
    "Code",
    "Codebook",
    "CodebookError",
    "Coding",
    "Document",
    "IngestReport",
    "InputError",
    "Project",
    "ProjectError",
    "QualcodeError",
    "Segment",
    "__version__",
    "code_documents",
    "code_project",
    "codings_frame",
    "ingest",
    "load_codebook",
    "read_attributes",
    "read_document",
    "read_documents",
    "save_codebook",
    "sentences",
]

_LAZY = {
    "Project": "qualcode.store",
    "ingest": "qualcode.workflows.ingest",
    "IngestReport": "qualcode.workflows.ingest",
    "read_document": "qualcode.ingest",
    "read_documents": "qualcode.ingest",
    "read_attributes": "qualcode.ingest.attributes",
    "sentences": "qualcode.segment",
    "load_codebook": "qualcode.codebook",
    "save_codebook": "qualcode.codebook",
    "code_documents": "qualcode.coding.engine",
    "code_project": "qualcode.coding.engine",
    "codings_frame": "qualcode.coding.engine",
}


def __getattr__(name: str):
    """Import heavy parts on first use, so ``qualcode --help`` stays fast."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'qualcode' has no attribute {name!r}")
