"""Project workflows: the steps that read files (or other projects) and write into a project.

``qualcode.ingest`` only reads files into Documents, ``qualcode.store`` only stores; what puts
the two together lives here, one module per workflow: ``ingest`` (transcripts into a project)
and ``qdpx`` (a REFI-QDA project from another tool into a project). The batch job
``qualcode run`` is ``qualcode.pipeline``.
"""
