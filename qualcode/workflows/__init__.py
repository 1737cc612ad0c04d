"""Project workflows: the steps that read files (or other projects) and write into a project.

``qualcode.ingest`` only reads files into Documents, ``qualcode.store`` only stores; what puts
the two together lives here, one module per workflow: ``ingest`` (transcripts into a project).
Importing codings from another tool (QDPX) writes into a project too and belongs here as well
(``qualcode.workflows.qdpx``). The batch job ``qualcode run`` is ``qualcode.pipeline``.
"""
