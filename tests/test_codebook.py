"""Codebooks: the LSCB book validates, broken books get precise messages, formats round-trip."""

from __future__ import annotations

import textwrap

import pytest
from conftest import DATA, ROOT

from qualcode.codebook import load_codebook, save_codebook
from qualcode.errors import CodebookError, InputError

LSCB = ROOT / "codebooks" / "lscb_learning_improvement.yaml"

GOOD = """\
name: Test book
version: 2
codes:
  - id: enablers
    name: Enablers
    children:
      - id: partnership-working
        name: Partnership working
        keywords: [partner agency]
"""


def write(tmp_path, text, name="book.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def problems_of(path):
    with pytest.raises(CodebookError) as caught:
        load_codebook(path)
    return [str(p) for p in caught.value.problems]


def test_the_lscb_codebook_is_valid_and_complete():
    book = load_codebook(LSCB)
    assert book.name == "LSCB learning and improvement"
    top = [c.id for c in book.children(None)]
    assert top == ["drivers", "budgetary-context", "enablers", "resourcing",
                   "improvement-processes"]
    for code in book.codes:
        assert code.description and code.include and code.exclude and code.color
        assert len(code.examples) == 2
        if not book.children(code.id):
            assert code.keywords, code.id
    assert book.get("engagement-frontline").parent == "engagement"
    assert book.ancestors("engagement-frontline") == ["engagement", "enablers"]


BROKEN = {
    "duplicate id": (
        """\
        name: B
        codes:
          - id: budget
            name: Budget
          - id: budget
            name: Budget again
        """,
        ["book.yaml:5: code 'budget': duplicate id (first used on line 3)"],
    ),
    "unknown key with a suggestion": (
        """\
        name: B
        codes:
          - id: budget
            name: Budget
            keywrods: [cuts]
        """,
        ["book.yaml:5: code 'budget': unknown key 'keywrods' (did you mean 'keywords'?)"],
    ),
    "missing parent": (
        """\
        name: B
        codes:
          - id: budget
            name: Budget
            parent: context
        """,
        ["book.yaml:3: code 'budget': parent 'context' does not exist"],
    ),
    "cycle": (
        """\
        name: B
        codes:
          - id: a
            name: A
            parent: b
          - id: b
            name: B
            parent: a
        """,
        ["book.yaml:3: code 'a': cycle in parents: a -> b -> a"],
    ),
    "invalid regex": (
        """\
        name: B
        codes:
          - id: reviews
            name: Reviews
            regex: ['\\bSCRs?(\\b']
        """,
        ["book.yaml:3: code 'reviews': invalid regex '\\\\bSCRs?(\\\\b': missing ), "
         "unterminated subpattern at position 7"],
    ),
    "invalid token pattern": (
        """\
        name: B
        codes:
          - id: reviews
            name: Reviews
            patterns:
              - [{LOWRE: joint}, {LOWER: review}]
        """,
        ["book.yaml:3: code 'reviews': invalid token pattern 1:"],
    ),
    "pattern that is not a list of tokens": (
        """\
        name: B
        codes:
          - id: reviews
            name: Reviews
            patterns: [joint review]
        """,
        ["book.yaml:3: code 'reviews': token pattern 1 must be a list of token mappings"],
    ),
    "empty name": (
        """\
        name: B
        codes:
          - id: budget
            name: ""
        """,
        ["book.yaml:3: code 'budget': empty name"],
    ),
    "bad colour": (
        """\
        name: B
        codes:
          - id: budget
            name: Budget
            color: blue
        """,
        ["book.yaml:3: code 'budget': color 'blue' is not #RRGGBB"],
    ),
    "id with capitals and spaces": (
        """\
        name: B
        codes:
          - id: Budget Cuts
            name: Budget
        """,
        ["book.yaml:3: code 'Budget Cuts': id must be lowercase"],
    ),
    "near without within": (
        """\
        name: B
        codes:
          - id: challenge
            name: Challenge
            near: {a: [challenge], b: [chair]}
        """,
        ["book.yaml:5: code 'challenge': 'near.within' must be a whole number"],
    ),
    "keywords as a string": (
        """\
        name: B
        codes:
          - id: budget
            name: Budget
            not: cuts, savings
        """,
        ["book.yaml:5: code 'budget': 'not' must be a list"],
    ),
    "yaml syntax": (
        """\
        name: B
        codes:
          - id: budget
            name: [Budget
        """,
        ["book.yaml:5: not valid YAML"],
    ),
    "no codes and unknown top-level key": (
        """\
        name: B
        codez: []
        """,
        ["book.yaml:1: code", "book.yaml:2: unknown key 'codez' (did you mean 'codes'?)"],
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_codebooks_get_precise_messages(case, tmp_path):
    text, expected = BROKEN[case]
    path = write(tmp_path, text)
    found = [p.replace(str(tmp_path) + "/", "") for p in problems_of(path)]
    for message in expected:
        if message == "book.yaml:1: code":  # "'codes' must be a non-empty list" on line 1
            assert any("'codes' must be a non-empty list" in f for f in found), found
            continue
        assert any(f.startswith(message) for f in found), (message, found)


def test_all_problems_are_reported_at_once(tmp_path, run_cli):
    path = write(tmp_path, """\
        name: B
        codes:
          - id: budget
            name: Budget
            color: red
          - id: budget
            name: ""
            regex: ['(']
    """)
    result = run_cli("codebook", "validate", path)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 4
    assert all(line.startswith(f"error: {path}:") for line in lines)
    assert "duplicate id" in result.stderr and "empty name" in result.stderr


def test_cli_validate_show_and_convert(tmp_path, run_cli):
    result = run_cli("codebook", "validate", LSCB)
    assert result.exit_code == 0 and "valid: 22 codes (5 top-level" in result.output
    result = run_cli("codebook", "show", LSCB)
    assert "├─ partnership-working  Effective partnership working  [" in result.output
    assert "│  ├─ engagement-frontline" in result.output
    target = tmp_path / "lscb.qdc"
    result = run_cli("codebook", "convert", LSCB, target)
    assert result.exit_code == 0 and target.exists()
    result = run_cli("codebook", "convert", LSCB, tmp_path / "lscb.docx")
    assert result.exit_code == 2 and "cannot write codebook format '.docx'" in result.stderr


def fields(code):
    return {f: getattr(code, f) for f in code.__slots__ if f != "line"}


@pytest.mark.parametrize("suffix", [".yaml", ".qdc", ".csv", ".xlsx"])
def test_round_trips_keep_every_field(suffix, tmp_path):
    book = load_codebook(LSCB)
    book.get("case-reviews").patterns = [[{"LOWER": "learning"}, {"LEMMA": "event"}]]
    book.get("drivers").codable = False
    out = save_codebook(book, tmp_path / f"book{suffix}")
    again = load_codebook(out)
    assert [fields(c) for c in again.codes] == [fields(c) for c in book.codes]
    if suffix == ".yaml":
        assert (again.name, again.version, again.description) == (
            book.name, book.version, book.description)
    second = save_codebook(again, tmp_path / f"second{suffix}")
    if suffix != ".xlsx":  # xlsx zips carry a timestamp
        assert second.read_bytes() == out.read_bytes()


def test_qdc_validates_against_the_refi_qda_schema(tmp_path):
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(DATA / "refi-qda" / "Codebook.xsd")))
    out = save_codebook(load_codebook(LSCB), tmp_path / "lscb.qdc")
    document = etree.parse(str(out))
    assert schema.validate(document), schema.error_log
    guids = document.xpath("//q:Code/@guid", namespaces={"q": "urn:QDA-XML:codebook:1.0"})
    assert len(set(guids)) == 22


def test_qdc_from_another_tool_without_qualcode_block(tmp_path):
    path = tmp_path / "nvivo.qdc"
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="NVivo">\n'
        ' <Codes>\n'
        '  <Code guid="11111111-2222-3333-4444-555555555555" name="Barriers" isCodable="false">\n'
        '   <Code guid="11111111-2222-3333-4444-666666666666" name="Money &amp; time"\n'
        '         isCodable="true" color="#f00"><Description>Cuts.</Description></Code>\n'
        '  </Code>\n'
        ' </Codes>\n'
        '</CodeBook>\n'
    )
    book = load_codebook(path)
    assert [(c.id, c.parent, c.codable, c.color, c.description) for c in book.codes] == [
        ("barriers", None, False, None, ""),
        ("money-time", "barriers", True, "#ff0000", "Cuts."),
    ]


def test_qdc_with_entity_declarations_is_refused(tmp_path):
    path = tmp_path / "evil.qdc"
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE CodeBook [<!ENTITY x "boom">]>\n'
                    '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
                    '<Code guid="11111111-2222-3333-4444-555555555555" name="&x;" '
                    'isCodable="true"/></Codes></CodeBook>\n')
    with pytest.raises(InputError, match="DTD or entity"):
        load_codebook(path)


def test_taguette_codebook_csv(tmp_path):
    path = tmp_path / "taguette.csv"
    path.write_text("tag,description,number of highlights\n"
                    "barriers,Things in the way,4\nbarriers.money,Budget cuts,2\n"
                    "partnership,Working together,7\n")
    book = load_codebook(path)
    assert [(c.id, c.name, c.parent, c.description) for c in book.codes] == [
        ("barriers", "barriers", None, "Things in the way"),
        ("barriers-money", "money", "barriers", "Budget cuts"),
        ("partnership", "partnership", None, "Working together"),
    ]


def test_csv_sheet_errors_name_the_row(tmp_path):
    path = tmp_path / "book.csv"
    path.write_text("id,name,parent,colour\nbudget,Budget,,#123456\ncuts,Cuts,nowhere,\n"
                    "budget,Again,,\n")
    found = [p.replace(str(tmp_path) + "/", "") for p in problems_of(path)]
    assert "book.csv:3: code 'cuts': parent 'nowhere' does not exist" in found
    assert "book.csv:4: code 'budget': duplicate id (first used on line 2)" in found


def test_the_readme_example_codebook_is_valid(tmp_path):
    readme = (ROOT / "README.md").read_text()
    example = readme.split("## Codebooks", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    book = load_codebook(write(tmp_path, example))
    code = book.get("partnership-working")
    assert [k.term for k in code.keywords][-1] == "MASH" and code.keywords[-1].exact
    assert code.patterns and code.near[0].within == 8 and code.not_terms
    assert book.get("budgetary-context").parent is None
