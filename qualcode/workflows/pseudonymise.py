"""Pseudonymisation as project workflows: propose a map, check and record it, and find what
it still misses. The stored transcripts are never edited: the map is applied on the way out.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qualcode.pseudonym.checks import Residual, check_map, project_strings, residual
from qualcode.pseudonym.mapping import map_to_yaml, read_map
from qualcode.pseudonym.propose import proposals_to_map, propose
from qualcode.pseudonym.replace import Pseudonymiser
from qualcode.pseudonym.stored import DEFAULT_SETTING, pseudonymiser_for
from qualcode.store import Project


def suggest_pseudonyms(project: Project, names: list[str] | None = None) -> tuple[str, int]:
    """A proposed map as YAML to review (with where each entry occurs), and its size.

    >>> text, n = suggest_pseudonyms(project)  # doctest: +SKIP
    """
    proposals = propose(project.documents(), project.attributes(), names)
    mapping, notes = proposals_to_map(proposals)
    return map_to_yaml(mapping, notes), len(mapping.entries)


@dataclass
class ApplyReport:
    entries: int
    replacements: int
    default: bool


def apply_pseudonyms(project: Project, path: str | Path, *, default: bool = True) -> ApplyReport:
    """Check a map against the project (every problem with its file:line) and record it; with
    ``default`` every export is pseudonymised unless asked for the real text."""
    mapping = read_map(path)
    strings = project_strings(project)
    check_map(mapping, strings)
    finder = Pseudonymiser(mapping.entries)
    replacements = sum(len(finder.occurrences(text)) for text in strings.values())
    with project.transaction():
        project.set_pseudonyms([(e.real, e.variants, e.replacement, e.category)
                                for e in mapping.entries])
        project.set_setting(DEFAULT_SETTING, default)
    return ApplyReport(len(mapping.entries), replacements, default)


def check_pseudonyms(project: Project) -> list[Residual]:
    """What still looks identifying once the stored map is applied."""
    finder = pseudonymiser_for(project, True)
    assert finder is not None
    return residual(project.documents(), finder)


@dataclass
class ShareReport:
    documents: int
    replacements: int


def share_pseudonymised(project: Project, output: str | Path) -> ShareReport:
    """Write a copy of the project with every name the map lists replaced (texts, offsets,
    speakers, ids, attributes, memos, codebook), without the map, the settings or the log of
    runs; refused (and nothing written) if anything the map lists is still in it.

    >>> share_pseudonymised(project, "shared.qc")  # doctest: +SKIP
    """
    import os
    import tempfile

    from qualcode.errors import ProjectError

    finder = pseudonymiser_for(project, True)
    assert finder is not None
    output = Path(output)
    if output.resolve() == Path(project.path).resolve():
        raise ProjectError("the shared copy must be a new file, not the project itself", output)
    if not output.parent.is_dir():
        raise ProjectError("the folder for the shared copy does not exist", output)
    handle, temporary = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp",
                                         dir=output.parent)
    os.close(handle)
    os.unlink(temporary)
    try:
        project.copy_to(temporary)
        with Project.open(temporary) as copy:
            counts = copy.pseudonymise_copy(finder)
            left = [t for t in copy.all_texts() if finder.occurrences(t)]
        if left:
            raise ProjectError(f"{len(left)} stored value(s) still hold a name of the map; "
                               "nothing written", output)
        os.replace(temporary, output)
    finally:
        for leftover in (temporary, temporary + "-wal", temporary + "-shm"):
            if os.path.exists(leftover):
                os.unlink(leftover)
    return ShareReport(counts["documents"], counts["replacements"])
