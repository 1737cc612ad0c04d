"""Codings and the codes they refer to."""

from __future__ import annotations

import json
from collections.abc import Iterable

from qualcode.model import Codebook, Coding
from qualcode.store.base import StoreBase
from qualcode.timeutil import now

PERSON_CODING = "(origin IN ('manual', 'import') OR status = 'accepted')"


class CodingsMixin(StoreBase):
    """The Project's codings and codes."""

    def add_codings(self, codings: Iterable[Coding]) -> int:
        """Insert codings (inside the caller's transaction); returns how many."""
        stamp = now()
        encoded: dict[str, str] = {}

        def matched_json(matched) -> str:
            # Rules repeat across thousands of codings: encode each once (same output as
            # json.dumps of the list, several times faster on a big run).
            parts = []
            for start, end, rule in matched:
                text = encoded.get(rule)
                if text is None:
                    text = encoded[rule] = json.dumps(rule, ensure_ascii=False)
                parts.append(f"[{int(start)}, {int(end)}, {text}]")
            return "[" + ", ".join(parts) + "]"

        cursor = self.db.executemany(
            "INSERT INTO codings (document_id, char_start, char_end, code_id, coder, origin,"
            " status, rule, model, confidence, codebook, codebook_path, codebook_hash, matched,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (c.document_id, c.start, c.end, c.code_id, c.coder, c.origin, c.status, c.rule,
                 c.model, c.confidence, c.codebook, c.codebook_path, c.codebook_hash,
                 matched_json(c.matched), c.created_at or stamp)
                for c in codings
            ),
        )
        return cursor.rowcount

    def codings(
        self, document_id: str | None = None, code_ids: Iterable[str] | None = None
    ) -> list[Coding]:
        """Stored codings, by document and position; optionally of one document or some codes."""
        clauses, args = [], []
        if document_id is not None:
            clauses.append("document_id = ?")
            args.append(document_id)
        if code_ids is not None:
            ids = list(code_ids)
            clauses.append(f"code_id IN ({', '.join('?' * len(ids))})")
            args.extend(ids)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self.db.execute(
            "SELECT id, document_id, char_start, char_end, code_id, coder, origin, status, rule,"
            " model, confidence, codebook, codebook_path, codebook_hash, matched, created_at"
            f" FROM codings {where} ORDER BY document_id, char_start, char_end, code_id, id", args,
        )
        return [
            Coding(document_id=r[1], start=r[2], end=r[3], code_id=r[4], coder=r[5], origin=r[6],
                   status=r[7], rule=r[8], model=r[9], confidence=r[10], codebook=r[11],
                   codebook_path=r[12], codebook_hash=r[13],
                   matched=[tuple(m) for m in json.loads(r[14])], created_at=r[15], id=r[0])
            for r in rows
        ]

    def replace_rule_codings(self, codebook: Codebook, codings: Iterable[Coding]) -> int:
        """Swap this codebook's earlier rule codings for new ones (in the caller's transaction).

        Codings made by a person, by a model or by another codebook are left alone.
        """
        self.db.execute("DELETE FROM codings WHERE origin = 'rule' AND codebook = ?",
                        (codebook.name,))
        self.set_codes(codebook)
        return self.add_codings(codings)

    def set_codes(self, codebook: Codebook) -> None:
        """Store the codebook's codes; drop stored codes it no longer has, unless coded."""
        keep = {c.id for c in codebook.codes}
        coded = {row[0] for row in self.db.execute("SELECT DISTINCT code_id FROM codings")}
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
