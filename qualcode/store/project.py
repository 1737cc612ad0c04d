"""The Project class: one open project file, put together from its parts.

Each part is a mixin with one job, in its own module: ``segments``, ``documents`` (which builds
on segments and on codings, to refuse replacing a document a person coded), ``codes``,
``codings``, ``suggestions``, ``runs``, ``exchange`` (QDPX look-ups),
``edits`` (a person's single edits in the workspace), ``memos`` and ``pseudonyms`` (the
pseudonym map and settings); the file's format
and migrations are in ``schema``. A new group of methods goes in its own mixin module, added
to the bases below.
"""

from __future__ import annotations

from pathlib import Path

from qualcode.store import schema
from qualcode.store.documents import DocumentsMixin
from qualcode.store.edits import EditsMixin
from qualcode.store.exchange import ExchangeMixin
from qualcode.store.memos import MemosMixin
from qualcode.store.pseudonyms import SharingMixin
from qualcode.store.runs import RunsMixin
from qualcode.store.suggestions import SuggestionsMixin


class Project(DocumentsMixin, SuggestionsMixin, RunsMixin, ExchangeMixin, EditsMixin,
              MemosMixin, SharingMixin):
    """An open qualcode project file.

    >>> with Project.open("sample.qc", create=True) as project:  # doctest: +SKIP
    ...     print(len(project.document_ids()))
    """

    @classmethod
    def open(cls, path: str | Path, create: bool = False, readonly: bool = False) -> Project:
        """Open a project, creating it when ``create`` and it does not exist yet.

        ``readonly`` (what reading commands ask for) opens it with SQLite's ``mode=ro``, so a
        project on a read-only folder, mount or file can still be read; a write through it is
        refused in one line. An older project still upgrades when it can be written.
        """
        path = Path(path)
        if readonly and not create:
            connection = schema.connect_readonly(path)
            if schema.up_to_date(connection) or not schema.writable(path):
                return cls(path, connection)
            connection.close()  # an older schema: upgrade it, through a writing connection
        connection = schema.connect(path, create)
        project = cls(path, connection)
        try:
            schema.migrate(project)
        except BaseException:
            connection.close()
            raise
        return project

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
