"""Codebooks: load and validate (YAML, REFI-QDA QDC, CSV/XLSX, Taguette CSV) and convert.

``load_codebook`` reads any supported format by extension and validates the result the same
way; ``save_codebook`` writes any of them. Every problem is reported at once, each with the
file, the line (or spreadsheet row) and the code id.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from qualcode.codebook.fields import Problems
from qualcode.codebook.validate import validate_codes
from qualcode.errors import CodebookError, quoted
from qualcode.model import Codebook
from qualcode.text import decode_bytes, normalise, read_bytes

YAML_SUFFIXES = (".yaml", ".yml")
FORMATS = (".yaml", ".yml", ".qdc", ".csv", ".xlsx")

__all__ = ["FORMATS", "codebook_to_text", "load_codebook", "save_codebook"]


def load_codebook(path: str | Path, format: str | None = None) -> Codebook:
    """Read and validate a codebook; raise CodebookError listing every problem.

    >>> book = load_codebook("codebooks/lscb_learning_improvement.yaml")  # doctest: +SKIP
    >>> book.get("partnership-working").parent  # doctest: +SKIP
    'enablers'
    """
    path = Path(path)
    suffix = "." + format.lstrip(".") if format else path.suffix.lower()
    if suffix not in FORMATS:
        raise CodebookError(f"unknown codebook format {suffix!r} (known: {' '.join(FORMATS)})",
                            path)
    data = read_bytes(path)
    problems = Problems()
    if suffix in YAML_SUFFIXES:
        from qualcode.codebook.yaml_format import parse_yaml

        text = normalise(decode_bytes(data, path))
        book, codes = parse_yaml(text, problems)
        name = book.get("name")
        codebook = Codebook(name=name.strip() if isinstance(name, str) else "", codes=codes,
                            version=book.get("version"),
                            description=str(book.get("description") or "").strip())
    elif suffix == ".qdc":
        from qualcode.codebook.qdc import parse_qdc

        codebook = parse_qdc(data, path, problems)
    else:
        from qualcode.codebook.table import parse_table

        codebook = parse_table(path, problems)
    if codebook.codes:
        validate_codes(codebook.codes, problems)
    if problems:
        raise _error(path, problems)
    codebook.path = str(path)
    codebook.sha256 = hashlib.sha256(data).hexdigest()
    return codebook


def _error(path: Path, problems: Problems) -> CodebookError:
    errors = [
        CodebookError(f"code {quoted(code_id)}: {message}" if code_id else message, path, line)
        for line, code_id, message in sorted(
            problems.items, key=lambda p: (p[0] if p[0] is not None else 0))
    ]
    return CodebookError.many(errors)


def codebook_to_text(codebook: Codebook, suffix: str) -> str | bytes:
    """The codebook in the format named by ``suffix`` (.yaml .qdc .csv .xlsx)."""
    if suffix in YAML_SUFFIXES:
        from qualcode.codebook.yaml_format import codebook_to_yaml

        return codebook_to_yaml(codebook)
    if suffix == ".qdc":
        from qualcode.codebook.qdc import codebook_to_qdc

        return codebook_to_qdc(codebook)
    if suffix in (".csv", ".xlsx"):
        from qualcode.codebook.table import codebook_to_table

        return codebook_to_table(codebook, suffix)
    raise CodebookError(f"cannot write codebook format {suffix!r} (known: {' '.join(FORMATS)})")


def save_codebook(codebook: Codebook, path: str | Path, *, taguette: bool = False) -> Path:
    """Write a codebook in the format of ``path``'s extension, atomically; ``taguette`` writes
    a ``.csv`` as Taguette's codebook CSV (hierarchy in dotted tag names)."""
    from qualcode.fileio import write_atomic

    path = Path(path)
    if taguette:
        if path.suffix.lower() != ".csv":
            raise CodebookError(f"a Taguette codebook is a .csv file, not {path.suffix!r}",
                                path)
        from qualcode.codebook.table import codebook_to_taguette_csv

        write_atomic(path, codebook_to_taguette_csv(codebook))
        return path
    content = codebook_to_text(codebook, path.suffix.lower())
    write_atomic(path, content)
    return path
