"""The library API: every public name imports, none can be shadowed by a subpackage, and every
CLI command has a library twin (so a script can do whatever the command line does)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys

import click

import qualcode
from qualcode.cli import main

# command (as typed after `qualcode`) -> the public name(s) of qualcode that do its work
TWINS: dict[str, tuple[str, ...]] = {
    "ingest": ("ingest_files",),
    "docs": ("Project",),  # Project.summaries() and Project.attributes()
    "codebook validate": ("load_codebook", "regex_warnings", "keyword_warnings",
                          "exclusive_warnings"),
    "codebook show": ("load_codebook",),
    "codebook convert": ("load_codebook", "save_codebook"),
    "code": ("code_project",),
    "excerpts": ("keyword_in_context",),
    "apply": ("apply_coding",),
    "unapply": ("unapply_coding",),
    "import codings": ("import_codings", "import_column_codings"),
    "import qdpx": ("import_qdpx",),
    "agree": ("agreement",),
    "themes": ("load_coded", "theme_frequencies"),
    "crosstab": ("load_coded", "crosstab"),
    "cooccur": ("load_coded", "cooccurrence", "top_pairs"),
    "matrix": ("load_coded", "framework_matrix"),
    "export docx": ("load_coded", "build_report"),
    "export html": ("load_coded", "build_html"),
    "export xlsx": ("load_coded", "quote_table", "write_workbook"),
    "export csv": ("load_coded", "quote_table", "write_table"),
    "export qdpx": ("export_qdpx",),
    "suggest": ("suggest_project", "suggest_cold"),
    "review": ("pending_suggestions", "decide_suggestion", "review_sheet",
               "apply_review_sheet"),
    "evaluate": ("evaluate_project",),
    "discover": ("discover", "candidate_yaml"),
    "run": ("run",),
    "serve": ("make_server",),
    "pseudonymise suggest": ("suggest_pseudonyms",),
    "pseudonymise apply": ("apply_pseudonyms",),
    "pseudonymise check": ("check_pseudonyms",),
    "pseudonymise share": ("share_pseudonymised",),
}


# command -> (its twin, {option: the twin's parameter}): a choice made on the command line is
# the same named choice in the library, with the same values
OPTION_TWINS: dict[str, tuple[str, dict[str, str]]] = {
    "agree": ("agreement", {"--unit": "unit", "--codes": "codes", "--level": "level",
                            "--status": "statuses", "--absent": "absent"}),
    "evaluate": ("evaluate_project", {
        "--unit": "unit", "--coder": "coder", "--origin": "origins", "--level": "level",
        "--min-examples": "min_examples", "--no-rules": "rules", "--no-context": "context",
        "--folds": "folds"}),
}


def test_options_reach_the_library_twin_under_one_name():
    from qualcode.analysis.agreement import ABSENT
    from qualcode.suggest.training import LEVELS

    for command, (twin, options) in OPTION_TWINS.items():
        cli = main.commands[command]
        by_option = {opt: param for param in cli.params for opt in param.opts}
        parameters = inspect.signature(getattr(qualcode, twin)).parameters
        for option, name in options.items():
            assert option in by_option, f"{command} has no {option}"
            assert name in parameters, f"{twin} takes no {name} (for {command} {option})"
        if "--level" in options:
            assert tuple(by_option["--level"].type.choices) == LEVELS
    absent = next(p for p in main.commands["agree"].params if p.name == "absent")
    assert tuple(absent.type.choices) == ABSENT


def _commands(group: click.Group, prefix: str = "") -> list[str]:
    """Every leaf command of the CLI, as typed: ``code``, ``export docx``, ..."""
    found = []
    for name, command in group.commands.items():
        path = f"{prefix}{name}"
        if isinstance(command, click.Group):
            found.extend(_commands(command, f"{path} "))
        else:
            found.append(path)
    return found


def test_every_cli_command_has_a_library_twin():
    commands = set(_commands(main))
    assert "export docx" in commands and "run" in commands  # the walk reaches nested groups
    assert sorted(commands - set(TWINS)) == [], "a command without a library twin in TWINS"
    assert sorted(set(TWINS) - commands) == [], "TWINS names a command that no longer exists"
    for command, names in TWINS.items():
        for name in names:
            assert name in qualcode.__all__, f"{command}: {name} is not public"
            assert callable(getattr(qualcode, name)), f"{command}: {name} is not callable"


def test_every_public_name_imports_and_none_is_shadowed_by_a_submodule():
    # in a fresh interpreter, after importing every subpackage (which sets them as attributes
    # of qualcode), each public name must still be the library object, not a module
    code = (
        "import importlib, pkgutil, types, qualcode\n"
        "for m in pkgutil.walk_packages(qualcode.__path__, 'qualcode.'):\n"
        "    if m.name != 'qualcode.__main__':\n"
        "        importlib.import_module(m.name)\n"
        "print([n for n in qualcode.__all__\n"
        "       if isinstance(getattr(qualcode, n), types.ModuleType)])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"
    submodules = {m.name for m in pkgutil.iter_modules(qualcode.__path__)}
    assert "ingest" in submodules and "ingest_files" in qualcode.__all__
    assert not submodules & set(qualcode.__all__)
    for name in qualcode.__all__:
        assert getattr(qualcode, name) is not None, name
    assert sorted(qualcode.__all__) == qualcode.__all__


def test_the_package_imports_lazily():
    # `import qualcode` (and so `qualcode --help`) must not pull in pandas or spaCy
    code = "import sys, qualcode; print(sorted(m for m in ('pandas', 'spacy') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"
    ingest_files = importlib.import_module("qualcode").ingest_files
    assert ingest_files.__module__ == "qualcode.workflows.ingest"
