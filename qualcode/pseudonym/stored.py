"""The map a project keeps, as a Pseudonymiser, when an output should be pseudonymised."""

from __future__ import annotations

from qualcode.pseudonym.mapping import Entry, PseudonymMap
from qualcode.pseudonym.replace import Pseudonymiser

DEFAULT_SETTING = "pseudonymise_exports"


def stored_map(project) -> PseudonymMap:
    return PseudonymMap([Entry(real, replacement, category, variants)
                         for real, variants, replacement, category in project.pseudonyms()])


def pseudonymiser_for(project, wanted: bool | None = None) -> Pseudonymiser | None:
    """The project's pseudonymiser when an export should be pseudonymised: as asked
    (``wanted``), else by the project's setting; None for the real text. Asking for it in a
    project with no map is an error, never a silent real-name export."""
    from qualcode.errors import ProjectError

    if wanted is None:
        wanted = bool(project.setting(DEFAULT_SETTING, False))
    if not wanted:
        return None
    mapping = stored_map(project)
    if not mapping.entries:
        raise ProjectError("no pseudonym map in this project (run `qualcode pseudonymise "
                           "suggest`, review the file, then `qualcode pseudonymise apply`)",
                           project.path)
    return Pseudonymiser(mapping.entries)
