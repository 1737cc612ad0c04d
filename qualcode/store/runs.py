"""The log of runs: what ran, with what parameters, on which files."""

from __future__ import annotations

import json

from qualcode import __version__
from qualcode.store.base import StoreBase
from qualcode.timeutil import now


class RunsMixin(StoreBase):
    """The Project's log of runs."""

    def log_run(
        self, command: str, started_at: str, parameters: dict, inputs: list[tuple[str, str]]
    ) -> None:
        """Record a run (inside the caller's transaction): what ran, with what, on which files."""
        self.db.execute(
            "INSERT INTO runs (command, qualcode_version, started_at, finished_at, parameters,"
            " inputs) VALUES (?, ?, ?, ?, ?, ?)",
            (command, __version__, started_at, now(),
             json.dumps(parameters, sort_keys=True, ensure_ascii=False),
             json.dumps(inputs, ensure_ascii=False)),
        )

    def runs(self) -> list[dict]:
        """The log of runs, oldest first."""
        cursor = self.db.execute("SELECT * FROM runs ORDER BY id")
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]
