"""The codes of a project: stored from the codebooks used, read back as a Codebook."""

from __future__ import annotations

import json

from qualcode.model import Codebook
from qualcode.store.base import StoreBase


class CodesMixin(StoreBase):
    """The Project's codes."""

    def set_codes(self, codebook: Codebook) -> None:
        """Store the codebook's codes; drop stored codes it no longer has, unless coded."""
        keep = {c.id for c in codebook.codes}
        coded = self.coded_code_ids()
        for (code_id,) in self.db.execute("SELECT id FROM codes").fetchall():
            if code_id not in keep and code_id not in coded:
                self.db.execute("DELETE FROM codes WHERE id = ?", (code_id,))
        from qualcode.codebook.fields import code_to_fields

        self.db.executemany(
            "INSERT INTO codes (id, parent_id, name, description, color, position, definition)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
            " parent_id = excluded.parent_id, name = excluded.name,"
            " description = excluded.description, color = excluded.color,"
            " position = excluded.position, definition = excluded.definition",
            ((c.id, c.parent, c.name, c.description, c.color, position,
              json.dumps(code_to_fields(c), ensure_ascii=False))
             for position, c in enumerate(codebook.codes)),
        )

    def codebook(self) -> Codebook:
        """The codes stored in the project (from the codebooks used), as a Codebook."""
        from qualcode.codebook.fields import Problems, code_from_fields

        codes = []
        problems = Problems()
        for definition, parent in self.db.execute(
            "SELECT definition, parent_id FROM codes ORDER BY position, id"
        ):
            code = code_from_fields(json.loads(definition), None, None, problems)
            if code is not None:
                code.parent = parent
                codes.append(code)
        name = self.path.stem
        for (parameters,) in self.db.execute(
            "SELECT parameters FROM runs WHERE command = 'code' ORDER BY id DESC LIMIT 1"
        ):
            name = json.loads(parameters).get("codebook", name)
        return Codebook(name=name, codes=codes)

    def code_ids(self) -> set[str]:
        """Ids of the codes stored in the project."""
        return {row[0] for row in self.db.execute("SELECT id FROM codes")}

    def coded_code_ids(self) -> set[str]:
        """Ids of the codes that have at least one coding (of any origin or status)."""
        return {row[0] for row in self.db.execute("SELECT DISTINCT code_id FROM codings")}
