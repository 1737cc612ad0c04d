"""Codebooks as spreadsheets (.csv, .xlsx), one row per code, and Taguette's codebook CSV.

Columns: id, name, parent, description, include, exclude, examples, color, keywords, exact,
regex, not, near, patterns, codable, exclusive. Lists of sentences (include, exclude,
examples, regex) put one item per line inside the cell; keywords and ``not`` terms are
separated by ``;``, and a keyword written ``!RI`` is matched exactly (``~term`` forces lemma
matching; the older ``=RI`` is still read, but no longer written: to a spreadsheet it is a
formula). ``near`` and ``patterns`` are JSON. Every cell goes through
``qualcode.cells.neutralise`` on the way out and ``restore`` on the way in, so a name such as
"-other" is neither a formula nor changed.
Rows are reported as lines (the header is line 1).
Taguette exports ``tag``, ``parent``, ``description`` (and a highlight count); dots in a tag
make a hierarchy (``barriers.money`` is a child of ``barriers``). :func:`codebook_to_taguette_csv`
writes that form, so a qualcode codebook keeps its tree in Taguette.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from qualcode.cells import neutralise, restore
from qualcode.codebook.fields import Problems, code_from_fields, code_to_fields
from qualcode.codebook.qdc import slug
from qualcode.errors import quoted
from qualcode.model import Code, Codebook
from qualcode.tablefile import read_table_file, table_rows

COLUMNS = ("id", "name", "parent", "description", "include", "exclude", "examples", "color",
           "keywords", "exact", "regex", "not", "near", "patterns", "codable", "exclusive")
_LINES = ("include", "exclude", "examples", "regex")
_TERMS = ("not",)
EXACT, LEMMA = "!", "~"
_OLD_EXACT = "="  # written before 2026-12; Excel reads it as a formula


def _cell_rows(code: Code) -> list[str]:
    fields = code_to_fields(code)
    row = {"id": code.id, "name": code.name, "parent": code.parent or "",
           "description": code.description, "color": code.color or ""}
    for key in _LINES:
        row[key] = "\n".join(fields.get(key, []))
    row["not"] = "; ".join(fields.get("not", []))
    row["keywords"] = "; ".join(
        kw.term if kw.exact is None else (EXACT if kw.exact else LEMMA) + kw.term
        for kw in code.keywords
    )
    row["exact"] = "true" if code.exact else ""
    row["codable"] = "" if code.codable else "false"
    row["exclusive"] = "true" if code.exclusive else ""
    row["near"] = json.dumps(fields["near"], ensure_ascii=False) if "near" in fields else ""
    row["patterns"] = json.dumps(code.patterns, ensure_ascii=False) if code.patterns else ""
    return [neutralise(row[c]) for c in COLUMNS]


def codebook_to_table(codebook: Codebook, suffix: str) -> bytes:
    """The codebook as CSV (UTF-8, with BOM so Excel shows accents) or as an XLSX sheet."""
    rows = [_cell_rows(code) for code in codebook.codes]
    if suffix == ".csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([neutralise(c) for c in COLUMNS])
        writer.writerows(rows)
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "codebook"
    sheet.append([neutralise(c) for c in COLUMNS])
    for row in rows:
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "B2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


TAGUETTE_COLUMNS = ("tag", "parent", "description")
TAGUETTE_DOT = "\u00b7"  # a dot inside a code's name would make a level in Taguette


def taguette_tags(codebook: Codebook) -> dict[str, str]:
    """Each code's Taguette tag: the names from the top down, joined by dots (a dot inside a
    name becomes ``·``, which Taguette does not split on).

    >>> book = Codebook("b", [Code("barriers", "Barriers"),
    ...                       Code("money", "Money v2.0", parent="barriers")])
    >>> taguette_tags(book)
    {'barriers': 'Barriers', 'money': 'Barriers.Money v2·0'}
    """
    tags: dict[str, str] = {}

    def visit(parent: str | None, prefix: str) -> None:
        for code in codebook.children(parent):
            tags[code.id] = prefix + code.name.strip().replace(".", TAGUETTE_DOT)
            visit(code.id, tags[code.id] + ".")

    visit(None, "")
    return tags


def codebook_to_taguette_csv(codebook: Codebook) -> bytes:
    """The codebook as Taguette's codebook CSV (``tag``, ``parent``, ``description``): the
    hierarchy in dotted tag names, which every Taguette version reads, and the parent's tag
    beside it, as Taguette itself exports. Rules and criteria have no place there.

    >>> codebook_to_taguette_csv(Codebook("b", [Code("b", "Barriers", description="What stops")]))
    b'\\xef\\xbb\\xbftag,parent,description\\nBarriers,,What stops\\n'
    """
    tags = taguette_tags(codebook)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TAGUETTE_COLUMNS)
    for code in codebook.codes:
        if code.id in tags:
            writer.writerow([tags[code.id], tags.get(code.parent or "", ""),
                             code.description.strip()])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _split_terms(text: str) -> list[str]:
    return [t.strip() for t in text.split(";") if t.strip()]


def _split_lines(text: str) -> list[str]:
    return [t.strip() for t in text.split("\n") if t.strip()]


def parse_table(path: Path, problems: Problems) -> Codebook:
    """Read a qualcode codebook sheet or a Taguette codebook CSV."""
    frame = read_table_file(path)
    columns = {c.casefold(): c for c in frame.columns}
    if "id" not in columns and ("tag" in columns or "path" in columns):
        return _parse_taguette(frame, columns, path, problems)
    if "id" not in columns or "name" not in columns:
        problems.add(1, None, "a codebook sheet needs 'id' and 'name' columns (or Taguette's "
                              f"'tag' and 'description'); found: {', '.join(frame.columns)}")
        return Codebook(name=path.stem, codes=[])
    if "colour" in columns and "color" not in columns:
        columns["color"] = columns.pop("colour")
    for name in frame.columns:
        if name.casefold() not in COLUMNS and name.casefold() != "colour":
            problems.add(1, None, f"unknown column {quoted(name)}; allowed: {', '.join(COLUMNS)}")
    codes = []
    for line, values in table_rows(frame):

        def get(key: str, values=values) -> str:
            return restore(str(values.get(columns.get(key, ""), "") or "").strip())

        if not any(str(v).strip() for v in values.values()):
            continue
        fields: dict = {"id": get("id"), "name": get("name"), "description": get("description")}
        if get("color"):
            fields["color"] = get("color")
        for key in _LINES:
            if get(key):
                fields[key] = _split_lines(get(key))
        for key in _TERMS:
            if get(key):
                fields[key] = _split_terms(get(key))
        if get("keywords"):
            fields["keywords"] = [
                {"term": t[1:].strip(), "exact": t[0] != LEMMA}
                if t[0] in (EXACT, LEMMA, _OLD_EXACT) else t
                for t in _split_terms(get("keywords"))
            ]
        if get("exact"):
            fields["exact"] = get("exact").casefold() in ("true", "yes", "1")
        if get("codable"):
            fields["codable"] = get("codable").casefold() not in ("false", "no", "0")
        if get("exclusive"):
            fields["exclusive"] = get("exclusive").casefold() in ("true", "yes", "1")
        for key in ("near", "patterns"):
            if get(key):
                try:
                    fields[key] = json.loads(get(key))
                except json.JSONDecodeError as exc:
                    problems.add(line, fields["id"] or None,
                                 f"{quoted(key)} is not valid JSON: {exc}")
        parent = get("parent") or None
        if parent:
            fields["parent"] = parent
        code = code_from_fields(fields, line, None, problems)
        if code is not None:
            codes.append(code)
    return Codebook(name=path.stem, codes=_depth_first(codes))


def _depth_first(codes: list[Code]) -> list[Code]:
    """Rows may list children before parents; keep row order within each level."""
    ordered: list[Code] = []
    seen: set[int] = set()

    def visit(parent: str | None) -> None:
        for index, code in enumerate(codes):
            if index not in seen and code.parent == parent:
                seen.add(index)
                ordered.append(code)
                visit(code.id)

    visit(None)
    # codes under a missing parent or in a cycle: keep them, so validation can name them
    ordered.extend(code for index, code in enumerate(codes) if index not in seen)
    return ordered


def _parse_taguette(frame, columns: dict, path: Path, problems: Problems) -> Codebook:
    tag_col = columns.get("tag") or columns["path"]
    description_col = columns.get("description")
    codes: dict[str, Code] = {}
    for line, values in table_rows(frame):
        tag = str(values[tag_col]).strip()
        if not tag:
            continue
        parts = [p.strip() for p in tag.split(".")] if "." in tag else [tag]
        if not all(parts):
            parts = [tag]
        parent = None
        for depth, part in enumerate(parts, start=1):
            code_id = slug(".".join(parts[:depth]))
            if code_id not in codes:
                fields = {"id": code_id, "name": part}
                code = code_from_fields(fields, line, parent, problems)
                if code is not None:
                    codes[code_id] = code
            parent = code_id
        if description_col and parent in codes:
            codes[parent].description = str(values[description_col] or "").strip()
    return Codebook(name=path.stem, codes=_depth_first(list(codes.values())))
