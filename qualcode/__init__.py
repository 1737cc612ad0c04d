"""qualcode: code interview transcripts against a codebook, reproducibly.

The public API mirrors the command line: every command has a library twin here (``TWINS`` in
``tests/test_api.py`` says which). Reading: ``read_document``, ``read_documents``,
``read_attributes``, ``sentences``; a project: ``Project``, ``ingest_files``; codebooks:
``load_codebook``, ``save_codebook``, ``regex_warnings``, ``keyword_warnings``,
``exclusive_warnings``; coding:
``code_documents``, ``code_project``, ``codings_frame``, ``apply_coding``, ``unapply_coding``,
``import_codings``, ``import_column_codings``;
tables: ``load_coded`` (with a ``Selection``) then ``theme_frequencies``, ``crosstab``,
``cooccurrence``, ``top_pairs``, ``framework_matrix``, ``keyword_in_context``; agreement:
``agreement``; reports: ``build_report`` (Word), ``build_html``, ``quote_table``, ``write_table``,
``write_workbook``; exchange: ``import_qdpx``, ``export_qdpx``; suggestions:
``suggest_project``, ``suggest_cold``, ``evaluate_project``, ``pending_suggestions``,
``decide_suggestion``, ``review_sheet``, ``apply_review_sheet``, ``discover``; the batch
job: ``run`` (on several processes or a Dask cluster: ``Cluster``); the workspace:
``make_server``; pseudonymisation: ``suggest_pseudonyms``,
``apply_pseudonyms``, ``check_pseudonyms``, ``share_pseudonymised`` (and ``pseudonymised=``
on ``load_coded`` and ``export_qdpx``).

No public name is also the name of a subpackage or module of ``qualcode``: importing
``qualcode.ingest`` (the file readers) would otherwise replace the attribute. That is why the
ingest function is ``ingest_files``; ``qualcode.ingest`` is the readers' subpackage.
"""

from __future__ import annotations

__version__ = "0.1.0"

from qualcode.errors import CodebookError, InputError, ProjectError, QualcodeError
from qualcode.model import Code, Codebook, Coding, Document, Segment, Selection

_LAZY = {
    # reading files and documents
    "read_document": "qualcode.ingest:read_document",
    "read_documents": "qualcode.ingest:read_documents",
    "read_attributes": "qualcode.ingest.attributes:read_attributes",
    "sentences": "qualcode.segment:sentences",
    "ensure_sentences": "qualcode.segment:ensure_sentences",
    # a project
    "Project": "qualcode.store:Project",
    "ingest_files": "qualcode.workflows.ingest:ingest",
    "Cluster": "qualcode.cluster:Cluster",
    "IngestReport": "qualcode.workflows.ingest:IngestReport",
    # codebooks
    "load_codebook": "qualcode.codebook:load_codebook",
    "save_codebook": "qualcode.codebook:save_codebook",
    "regex_warnings": "qualcode.codebook.validate:regex_warnings",
    "keyword_warnings": "qualcode.codebook.validate:keyword_warnings",
    "exclusive_warnings": "qualcode.codebook.validate:exclusive_warnings",
    # coding
    "code_documents": "qualcode.coding.engine:code_documents",
    "code_project": "qualcode.coding.engine:code_project",
    "codings_frame": "qualcode.coding.engine:codings_frame",
    "apply_coding": "qualcode.coding.manual:apply_coding",
    "unapply_coding": "qualcode.coding.manual:unapply_coding",
    "import_codings": "qualcode.coding.manual:import_codings",
    "import_column_codings": "qualcode.coding.manual:import_column_codings",
    # tables
    "load_coded": "qualcode.analysis.data:load_coded",
    "theme_frequencies": "qualcode.analysis.themes:theme_frequencies",
    "crosstab": "qualcode.analysis.crosstab:crosstab",
    "cooccurrence": "qualcode.analysis.cooccurrence:cooccurrence",
    "top_pairs": "qualcode.analysis.cooccurrence:top_pairs",
    "framework_matrix": "qualcode.analysis.framework:framework_matrix",
    "keyword_in_context": "qualcode.analysis.excerpts:keyword_in_context",
    "agreement": "qualcode.analysis.agreement:agreement",
    # reports and exchange
    "build_report": "qualcode.export.docx_report:build_report",
    "build_html": "qualcode.export.html_report:build_html",
    "ReportOptions": "qualcode.export.docx_report:ReportOptions",
    "quote_table": "qualcode.export.excerpts:quote_table",
    "write_table": "qualcode.export.tables:write_table",
    "write_workbook": "qualcode.export.tables:write_workbook",
    "import_qdpx": "qualcode.workflows.qdpx:import_qdpx",
    "export_qdpx": "qualcode.export.qdpx:export_qdpx",
    # machine suggestions
    "suggest_project": "qualcode.suggest.training:suggest_project",
    "suggest_cold": "qualcode.suggest.cold:suggest_cold",
    "evaluate_project": "qualcode.suggest.training:evaluate_project",
    "pending_suggestions": "qualcode.suggest.review:pending",
    "decide_suggestion": "qualcode.suggest.review:decide",
    "review_sheet": "qualcode.suggest.review:export_sheet",
    "apply_review_sheet": "qualcode.suggest.review:import_sheet",
    "discover": "qualcode.suggest.discover:discover",
    "candidate_yaml": "qualcode.suggest.discover:candidate_yaml",
    # the batch job and the workspace
    "run": "qualcode.pipeline:run",
    "RunReport": "qualcode.pipeline:RunReport",
    "make_server": "qualcode.web.server:make_server",
    # pseudonymisation
    "suggest_pseudonyms": "qualcode.workflows.pseudonymise:suggest_pseudonyms",
    "apply_pseudonyms": "qualcode.workflows.pseudonymise:apply_pseudonyms",
    "check_pseudonyms": "qualcode.workflows.pseudonymise:check_pseudonyms",
    "share_pseudonymised": "qualcode.workflows.pseudonymise:share_pseudonymised",
}

__all__ = [
    "Cluster",
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
    "ReportOptions",
    "RunReport",
    "Segment",
    "Selection",
    "__version__",
    "agreement",
    "apply_coding",
    "apply_pseudonyms",
    "apply_review_sheet",
    "build_html",
    "build_report",
    "candidate_yaml",
    "check_pseudonyms",
    "code_documents",
    "code_project",
    "codings_frame",
    "cooccurrence",
    "crosstab",
    "decide_suggestion",
    "discover",
    "ensure_sentences",
    "evaluate_project",
    "exclusive_warnings",
    "export_qdpx",
    "framework_matrix",
    "import_codings",
    "import_column_codings",
    "import_qdpx",
    "ingest_files",
    "keyword_in_context",
    "keyword_warnings",
    "load_codebook",
    "load_coded",
    "make_server",
    "pending_suggestions",
    "quote_table",
    "read_attributes",
    "read_document",
    "read_documents",
    "regex_warnings",
    "review_sheet",
    "run",
    "save_codebook",
    "sentences",
    "share_pseudonymised",
    "suggest_cold",
    "suggest_project",
    "suggest_pseudonyms",
    "theme_frequencies",
    "top_pairs",
    "unapply_coding",
    "write_table",
    "write_workbook",
]


def __getattr__(name: str):
    """Import heavy parts on first use, so ``qualcode --help`` stays fast."""
    if name in _LAZY:
        import importlib

        module, _, attribute = _LAZY[name].partition(":")
        value = getattr(importlib.import_module(module), attribute)
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module 'qualcode' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
