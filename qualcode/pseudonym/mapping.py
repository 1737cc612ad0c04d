"""The pseudonym map: each real string (a name and its variants, an organisation, a place) and
the replacement that stands for it, read from and written to a reviewable YAML or CSV file.

The map is the key to re-identification: it lives in the project and in the researcher's own
file, and no export ever includes it.

```yaml
entries:
  - real: Gillian Ashworth
    variants: [Gillian, Ms Ashworth]
    replacement: "[BM01]"
    category: participant
```
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from qualcode.errors import InputError, QualcodeError, quoted

CATEGORIES = ("participant", "third party", "organisation", "place", "other")
ENTRY_KEYS = ("real", "variants", "replacement", "category")


@dataclass(slots=True)
class Entry:
    """One real string, its variants, and what replaces all of them."""

    real: str
    replacement: str
    category: str = "other"
    variants: list[str] = field(default_factory=list)
    line: int | None = None  # where it stands in the map file, for messages

    @property
    def terms(self) -> list[str]:
        """The real string and its variants: every form that is replaced."""
        return [self.real, *self.variants]


@dataclass(slots=True)
class PseudonymMap:
    entries: list[Entry]
    path: str | None = None


def _text(value, what: str, path: Path, line: int | None) -> str:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise InputError(f"{what} must be text, not {quoted(value)}", path, line)
    text = " ".join(str(value).split())
    if not text:
        raise InputError(f"{what} is empty", path, line)
    return text


def _entry(item, path: Path, line: int | None) -> Entry:
    from qualcode.codebook.yaml_format import _LineDict

    if not isinstance(item, _LineDict):
        raise InputError(f"an entry is a mapping with real and replacement, not {quoted(item)}",
                         path, line)
    line = item.line
    for key in item:
        if key not in ENTRY_KEYS:
            raise InputError(f"unknown key {quoted(key)} (an entry has "
                             f"{', '.join(ENTRY_KEYS)})", path, item.key_lines.get(key, line))
    if "real" not in item or "replacement" not in item:
        raise InputError("an entry needs 'real' and 'replacement'", path, line)
    category = str(item.get("category") or "other").strip().lower()
    if category not in CATEGORIES:
        raise InputError(f"category {quoted(category)} is not one of {', '.join(CATEGORIES)}",
                         path, item.key_lines.get("category", line))
    variants = item.get("variants") or []
    if not isinstance(variants, list):
        variants = [variants]
    return Entry(real=_text(item["real"], "'real'", path, line),
                 replacement=_text(item["replacement"], "'replacement'", path, line),
                 category=category,
                 variants=[_text(v, "a variant", path, item.key_lines.get("variants", line))
                           for v in variants],
                 line=line)


def read_map(path: str | Path) -> PseudonymMap:
    """Read a pseudonym map from YAML (``entries:``) or CSV/XLSX (columns real, replacement,
    category; a real string per row, rows with the same replacement are variants)."""
    path = Path(path)
    if path.suffix.lower() in (".csv", ".xlsx", ".xls"):
        return _read_table(path)
    from qualcode.codebook.yaml_format import _LineDict, load_lined_yaml
    from qualcode.text import decode_bytes, read_bytes

    data, problems = load_lined_yaml(decode_bytes(read_bytes(path), path))
    if problems:
        raise InputError.many([InputError(message, path, line) for line, message in problems])
    if not isinstance(data, _LineDict) or not isinstance(data.get("entries"), list):
        raise InputError("a pseudonym map is a mapping with a list of 'entries'", path,
                         getattr(data, "line", 1))
    entries = [_entry(item, path, data.key_lines.get("entries")) for item in data["entries"]]
    return PseudonymMap(entries, str(path))


def _read_table(path: Path) -> PseudonymMap:
    from qualcode.tablefile import read_table_file, table_rows

    frame = read_table_file(path)
    columns = {c.strip().lower(): c for c in frame.columns}
    missing = [c for c in ("real", "replacement") if c not in columns]
    if missing:
        raise InputError(f"missing column(s): {', '.join(missing)}", path, 1)
    by_replacement: dict[str, Entry] = {}
    entries: list[Entry] = []
    for line, values in table_rows(frame):
        real = " ".join(str(values[columns["real"]]).split())
        replacement = " ".join(str(values[columns["replacement"]]).split())
        if not real and not replacement:
            continue
        if not real or not replacement:
            raise InputError("a row needs both 'real' and 'replacement'", path, line)
        category = str(values.get(columns.get("category", ""), "") or "other").strip().lower()
        if category not in CATEGORIES:
            raise InputError(f"category {quoted(category)} is not one of "
                             f"{', '.join(CATEGORIES)}", path, line)
        if replacement in by_replacement:
            by_replacement[replacement].variants.append(real)
            continue
        entry = Entry(real, replacement, category, line=line)
        by_replacement[replacement] = entry
        entries.append(entry)
    return PseudonymMap(entries, str(path))


def map_to_yaml(mapping: PseudonymMap, notes: dict[int, list[str]] | None = None) -> str:
    """The map as YAML a researcher reviews; ``notes`` (by entry index) become comments above
    each entry (where it occurs)."""
    import yaml

    lines = ["# qualcode pseudonym map. THIS FILE RE-IDENTIFIES PEOPLE: keep it with the",
             "# original transcripts, never with shared or published data.", "entries:"]
    for index, entry in enumerate(mapping.entries):
        for note in (notes or {}).get(index, []):
            lines.append(f"  # {note}")
        item: dict[str, object] = {"real": entry.real}
        if entry.variants:
            item["variants"] = entry.variants
        item.update(replacement=entry.replacement, category=entry.category)
        body = yaml.safe_dump([item], allow_unicode=True, sort_keys=False, width=100)
        lines.extend("  " + row for row in body.rstrip("\n").split("\n"))
    return "\n".join(lines) + "\n"


def check_unique(mapping: PseudonymMap) -> None:
    """A real string (or variant) listed twice with different replacements is a mistake."""
    seen: dict[str, Entry] = {}
    problems = []
    for entry in mapping.entries:
        for term in entry.terms:
            key = term.casefold()
            first = seen.get(key)
            if first is not None and first.replacement != entry.replacement:
                problems.append(InputError(
                    f"{quoted(term)} is replaced by {quoted(first.replacement)} (line "
                    f"{first.line}) and by {quoted(entry.replacement)}", mapping.path,
                    entry.line))
            seen.setdefault(key, entry)
    if problems:
        raise QualcodeError.many(problems)
