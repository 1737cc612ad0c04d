"""The project: one SQLite file holding documents, segments, attributes, codes and codings.

Only this package speaks SQL. Opened in WAL mode with a busy timeout so that two processes can
write to one project without losing anything; every write is one ``BEGIN IMMEDIATE``
transaction. The schema is a list of numbered migrations, recorded in the file, so an old
project opens in a new qualcode.

Modules: ``schema`` (the file format, migrations, opening), ``base`` (connection and
transaction), ``segments``, ``documents``, ``codes``, ``codings``, ``suggestions``, ``runs``
(the Project's parts, one mixin each) and ``project`` (the Project class that puts them
together).
"""

from __future__ import annotations

from qualcode.store.codings import PERSON_CODING, CountedCoding, Span
from qualcode.store.documents import DocumentSummary
from qualcode.store.project import Project
from qualcode.store.schema import APPLICATION_ID, BUSY_TIMEOUT_MS, MIGRATIONS
from qualcode.store.segments import TurnLookup
from qualcode.timeutil import now

__all__ = [
    "APPLICATION_ID",
    "BUSY_TIMEOUT_MS",
    "MIGRATIONS",
    "PERSON_CODING",
    "CountedCoding",
    "DocumentSummary",
    "Project",
    "Span",
    "TurnLookup",
    "now",
]
