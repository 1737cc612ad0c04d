"""REFI-QDA project exchange: schema-valid export, faithful round trip, safe import."""

from __future__ import annotations

import io
import zipfile

import pytest
from conftest import DATA, ROOT, SAMPLE

from qualcode.codebook import load_codebook
from qualcode.coding.manual import import_codings
from qualcode.errors import InputError
from qualcode.export.qdpx import export_qdpx, project_qde
from qualcode.store import Project
from qualcode.workflows.ingest import ingest
from qualcode.workflows.qdpx import import_qdpx

LSCB = ROOT / "codebooks" / "lscb_learning_improvement.yaml"


@pytest.fixture(scope="module")
def source_project(tmp_path_factory):
    folder = tmp_path_factory.mktemp("qdpx")
    path = folder / "team.qc"
    with Project.open(path, create=True) as p:
        ingest(p, [SAMPLE / "lscb09.txt", SAMPLE / "lscb11.txt", SAMPLE / "lscb12.txt"],
               attributes=SAMPLE / "attributes.csv")
        with p.transaction():
            p.set_codes(load_codebook(LSCB))
        gold = folder / "gold.csv"
        rows = [line for line in (SAMPLE / "gold_coding.csv").read_text().splitlines()
                if line.startswith(("document", "lscb09", "lscb11", "lscb12"))]
        gold.write_text("\n".join(rows) + "\n")
        import_codings(p, gold)
    return path


def test_project_qde_validates_against_the_refi_qda_schema(source_project):
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(DATA / "refi-qda" / "Project.xsd")))
    with Project.open(source_project) as p:
        xml, texts = project_qde(p)
    assert schema.validate(etree.fromstring(xml)), schema.error_log
    assert len(texts) == 3


def test_export_is_byte_identical_and_laid_out_as_the_standard_says(source_project):
    with Project.open(source_project) as p:
        first, second = export_qdpx(p), export_qdpx(p)
    assert first == second
    names = zipfile.ZipFile(io.BytesIO(first)).namelist()
    assert names[0] == "project.qde"
    assert all(n.startswith("sources/") and n.endswith(".txt") for n in names[1:])


def test_round_trip_keeps_documents_codebook_codings_and_coders(source_project, tmp_path):
    archive = tmp_path / "team.qdpx"
    with Project.open(source_project) as p:
        archive.write_bytes(export_qdpx(p))
        before_docs = {d.id: d.text for d in p.documents()}
        before_codes = [(c.id, c.parent, c.name, c.description, c.keywords, c.regex)
                        for c in p.codebook().codes]
        before = sorted((c.document_id, c.start, c.end, c.code_id, c.coder)
                        for c in p.codings())
        before_attributes = p.attributes()
    with Project.open(tmp_path / "copy.qc", create=True) as q:
        report = import_qdpx(q, archive)
        assert {d.id: d.text for d in q.documents()} == before_docs
        assert [(c.id, c.parent, c.name, c.description, c.keywords, c.regex)
                for c in q.codebook().codes] == before_codes
        assert sorted((c.document_id, c.start, c.end, c.code_id, c.coder)
                      for c in q.codings()) == before
        assert q.attributes() == before_attributes
        assert report.coders == ["gold"]
        again = import_qdpx(q, archive)
        assert again.codings == 0 and again.already == len(before)


def qdpx_bytes(qde: str, sources: dict[str, bytes], extra: dict[str, bytes] | None = None):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("project.qde", qde)
        for name, data in {**sources, **(extra or {})}.items():
            archive.writestr(name, data)
    return buffer.getvalue()


G = "11111111-2222-3333-4444-{:012d}"
QDE = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="other tool">
 <Users><User guid="{G.format(1)}" name="Maria"/></Users>
 <CodeBook><Codes>
  <Code guid="{G.format(2)}" name="Café culture" isCodable="true"/>
 </Codes></CodeBook>
 <Sources>
  <TextSource guid="{G.format(3)}" name="Interview A.txt" plainTextPath="C:\\data\\Interview A.txt">
   <PlainTextSelection guid="{G.format(4)}" startPosition="{{start}}" endPosition="{{end}}">
    <Coding guid="{G.format(5)}" creatingUser="{G.format(1)}">
     <CodeRef targetGUID="{G.format(2)}"/></Coding>
   </PlainTextSelection>
  </TextSource>
 </Sources>
</Project>
"""


def test_import_from_another_tool_with_crlf_and_non_ascii_offsets(tmp_path):
    # offsets count code points of the file as the other tool saw it: CRLF, a decomposed é
    raw = "Interviewer: Hello 😀\r\nMaria Lopez: The cafe\u0301 culture matters.\r\n"
    target = "cafe\u0301 culture"
    start = raw.index(target)
    archive = tmp_path / "other.qdpx"
    archive.write_bytes(qdpx_bytes(QDE.format(start=start, end=start + len(target)),
                                   {"sources/Interview A.txt": raw.encode("utf-8")}))
    with Project.open(tmp_path / "p.qc", create=True) as p:
        report = import_qdpx(p, archive)
        (coding,) = p.codings()
        (doc,) = p.documents()
    assert report.documents == ["Interview A"] and report.coders == ["Maria"]
    assert doc.text[coding.start:coding.end] == "café culture"
    assert (coding.code_id, coding.coder, coding.origin) == ("cafe-culture", "Maria", "import")


def test_missing_optional_parts_and_missing_sources(tmp_path):
    qde = ('<Project xmlns="urn:QDA-XML:project:1.0" name="bare"><Sources>'
           f'<TextSource guid="{G.format(3)}" name="gone" plainTextPath="internal://x.txt"/>'
           f'<TextSource guid="{G.format(7)}" name="blank" plainTextPath="internal://b.txt"/>'
           f'<TextSource guid="{G.format(6)}" name="inline"><PlainTextContent>Just text.'
           '</PlainTextContent></TextSource></Sources></Project>')
    archive = tmp_path / "bare.qdpx"
    archive.write_bytes(qdpx_bytes(qde, {"sources/b.txt": b" \r\n"}))
    with Project.open(tmp_path / "p.qc", create=True) as p:
        report = import_qdpx(p, archive)
    assert report.documents == ["inline"]
    assert report.skipped_sources == ["'gone': its text is not in the archive",
                                      "'blank': empty file"]


@pytest.mark.parametrize(("member", "message"), [
    ("../evil.txt", "points outside the archive"),
    ("/etc/evil.txt", "points outside the archive"),
    ("sources/../../evil.txt", "points outside the archive"),
])
def test_unsafe_member_paths_are_refused(tmp_path, member, message, run_cli):
    archive = tmp_path / "bad.qdpx"
    archive.write_bytes(qdpx_bytes(QDE.format(start=0, end=1), {}, {member: b"x"}))
    result = run_cli("import", "qdpx", archive, "--project", tmp_path / "p.qc")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {archive}: unsafe archive") and message in (
        result.stderr)


def test_oversized_members_and_entities_are_refused(tmp_path):
    archive = tmp_path / "big.qdpx"
    archive.write_bytes(qdpx_bytes(QDE.format(start=0, end=1),
                                   {"sources/Interview A.txt": b"x" * 5000}))
    with Project.open(tmp_path / "p.qc", create=True) as p:
        with pytest.raises(InputError, match="limit 1,000"):
            import_qdpx(p, archive, limit=1000)
        evil = tmp_path / "evil.qdpx"
        evil.write_bytes(qdpx_bytes('<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x "y">]>'
                                    '<Project xmlns="urn:QDA-XML:project:1.0" name="&x;"/>',
                                    {}))
        with pytest.raises(InputError, match="DTD or entity"):
            import_qdpx(p, evil)
        notzip = tmp_path / "not.qdpx"
        notzip.write_text("hello")
        with pytest.raises(InputError, match="not a QDPX archive"):
            import_qdpx(p, notzip)
        assert p.document_ids() == {}


def test_cli_export_qdpx(source_project, tmp_path, run_cli):
    out = tmp_path / "x.qdpx"
    result = run_cli("export", "qdpx", "--project", source_project, "-o", out)
    assert result.exit_code == 0 and zipfile.is_zipfile(out)


# -- sources are kept apart by GUID; an import never replaces a transcript it did not bring --
CODE = G.format(900)
USER = G.format(901)


def project_xml(sources, origin: str | None = None, extra: str = "", users=(("Maria", USER),)):
    """A project.qde: sources are (guid, name, text or None for sources/<guid>.txt,
    [(start, end, user guid), ...]) coded with one code."""
    parts = []
    for guid, name, text, selections in sources:
        where = (f'plainTextPath="internal://{guid}.txt">' if text is None else
                 f'><PlainTextContent>{text}</PlainTextContent>')
        parts.append(f'<TextSource guid="{guid}" name="{name}" {where}')
        for n, (start, end, user) in enumerate(selections):
            parts.append(
                f'<PlainTextSelection guid="{guid[:-4]}{n:04d}" startPosition="{start}"'
                f' endPosition="{end}"><Coding guid="{guid[:-5]}9{n:04d}" creatingUser="{user}">'
                f'<CodeRef targetGUID="{CODE}"/></Coding></PlainTextSelection>')
        parts.append("</TextSource>")
    people = "".join(f'<User guid="{g}" name="{n}"/>' for n, g in users)
    return (f'<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0"'
            f' name="p"{f" origin={chr(34)}{origin}{chr(34)}" if origin else ""}>'
            f'<Users>{people}</Users><CodeBook><Codes><Code guid="{CODE}" name="Theme"'
            f' isCodable="true"/></Codes></CodeBook><Sources>{"".join(parts)}</Sources>'
            f'{extra}</Project>')


def write_qdpx(path, qde: str, members: dict[str, bytes] | None = None, qde_name="project.qde"):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(qde_name, qde)
        for name, data in (members or {}).items():
            archive.writestr(name, data)
    return path


def coded_texts(project):
    docs = {d.id: d.text for d in project.documents()}
    return sorted((c.document_id, docs[c.document_id][c.start:c.end]) for c in project.codings())


def test_three_sources_with_one_name_stay_three_documents_with_their_own_codings(tmp_path):
    texts = ["First talk about money.", "Second talk about housing.", "Third on schools here."]
    words = ["money", "housing", "schools"]
    sources = [(G.format(10 + i), "Interview", None,
                [(t.index(w), t.index(w) + len(w), USER)]) for i, (t, w) in
               enumerate(zip(texts, words, strict=True))]
    archive = write_qdpx(tmp_path / "same.qdpx", project_xml(sources),
                         {f"sources/{G.format(10 + i)}.txt": t.encode() for i, t in
                          enumerate(texts)})
    with Project.open(tmp_path / "p.qc", create=True) as p:
        report = import_qdpx(p, archive)
        assert report.documents == ["Interview", "Interview-2", "Interview-3"]
        assert {d.id: d.text for d in p.documents()} == dict(
            zip(report.documents, texts, strict=True))
        assert coded_texts(p) == list(zip(report.documents, words, strict=True))
        again = import_qdpx(p, archive)  # by GUID: the same three documents, nothing added
        assert again.unchanged == report.documents and again.codings == 0
        assert again.already == 3 and len(p.document_ids()) == 3


def test_a_source_named_like_a_project_document_never_replaces_it(tmp_path, run_cli):
    from qualcode.model import Coding

    (tmp_path / "Interview.txt").write_text("Interviewer: Hi.\n\nAnna: Our own transcript.\n")
    project = tmp_path / "p.qc"
    with Project.open(project, create=True) as p:
        ingest(p, [tmp_path / "Interview.txt"])
        (mine,) = p.documents()
        own = mine.text.index("own")
        with p.transaction():
            p.add_codings([Coding("Interview", own, own + 3, "own", "rules", origin="rule")])
    other = "A colleague's different interview."
    archive = write_qdpx(tmp_path / "c.qdpx", project_xml(
        [(G.format(20), "Interview.txt", other, [(2, 11, USER)])]))
    result = run_cli("import", "qdpx", archive, "--project", project)
    assert result.exit_code == 0, result.output
    assert ("imported as 'Interview-2': the project's document 'Interview' has the same name"
            in result.stdout)
    with Project.open(project) as p:
        assert {d.id: d.text for d in p.documents()} == {"Interview": mine.text,
                                                         "Interview-2": other}
        assert coded_texts(p) == [("Interview", "own"), ("Interview-2", "colleague")]
    # the same text under the same name is the same transcript: codings land on it
    same = write_qdpx(tmp_path / "s.qdpx", project_xml(
        [(G.format(21), "Interview", mine.text, [(own, own + 3, USER)])]))
    with Project.open(project) as p:
        report = import_qdpx(p, same)
        assert report.unchanged == ["Interview"] and report.new == []
        assert coded_texts(p) == [("Interview", "own"), ("Interview", "own"),
                                  ("Interview-2", "colleague")]


def test_a_changed_source_with_a_persons_codings_is_refused(tmp_path, run_cli):
    project = tmp_path / "p.qc"
    first = write_qdpx(tmp_path / "1.qdpx", project_xml(
        [(G.format(30), "Interview", "Version one of the text.", [(0, 7, USER)])]))
    changed = write_qdpx(tmp_path / "2.qdpx", project_xml(
        [(G.format(30), "Interview", "Version two, edited later.", [(0, 7, USER)])]))
    assert run_cli("import", "qdpx", first, "--project", project).exit_code == 0
    result = run_cli("import", "qdpx", changed, "--project", project)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {changed}: source 'Interview' changed since it was"
                                    " imported as document 'Interview', which has 1 coding(s)")
    with Project.open(project) as p:
        assert [d.text for d in p.documents()] == ["Version one of the text."]


def test_a_changed_source_without_a_persons_codings_is_updated_and_said(tmp_path, run_cli):
    from qualcode.model import Coding

    project = tmp_path / "p.qc"
    first = write_qdpx(tmp_path / "1.qdpx", project_xml(
        [(G.format(31), "Interview", "Version one of the text.", [])]))
    changed = write_qdpx(tmp_path / "2.qdpx", project_xml(
        [(G.format(31), "Interview", "Version two, edited later.", [(0, 7, USER)])]))
    assert run_cli("import", "qdpx", first, "--project", project).exit_code == 0
    with Project.open(project) as p, p.transaction():
        p.add_codings([Coding("Interview", 0, 7, "theme", "rules", origin="rule")])
    result = run_cli("import", "qdpx", changed, "--project", project)
    assert result.exit_code == 0
    assert "(0 new, 0 already there, 1 updated)" in result.stdout
    assert "updated 'Interview': its source's text changed since the last import" in (
        result.stdout)
    with Project.open(project) as p:
        assert coded_texts(p) == [("Interview", "Version")]
        assert [c.origin for c in p.codings()] == ["import"]


def test_twenty_thousand_sources_with_one_name_import_in_linear_time(tmp_path):
    import time

    n = 20_000
    sources = [(G.format(100_000 + i), "same", f"Text number {i}.", [(5, 11, USER)])
               for i in range(n)]
    archive = write_qdpx(tmp_path / "many.qdpx", project_xml(sources))
    with Project.open(tmp_path / "p.qc", create=True) as p:
        began = time.process_time()
        report = import_qdpx(p, archive)
        elapsed = time.process_time() - began
        assert len(p.document_ids()) == n and report.codings == n
        assert report.documents[:3] == ["same", "same-2", "same-3"]
        assert report.documents[-1] == f"same-{n}"
    assert elapsed < 30, elapsed


def test_unique_ids_are_linear_and_skip_taken_ones():
    import time

    from qualcode.ids import UniqueIds

    ids = UniqueIds(["a", "a-3"])
    assert [ids("a") for _ in range(3)] == ["a-2", "a-4", "a-5"]
    ids = UniqueIds()
    began = time.process_time()
    made = [ids("same") for _ in range(100_000)]
    assert len(set(made)) == 100_000 and time.process_time() - began < 1.0


# -- offsets: UTF-16 code units (NVivo) or code points, detected and converted exactly --------
def utf16(text: str, i: int) -> int:
    return len(text[:i].encode("utf-16-le")) // 2


EMOJI_TEXT = "😀 Start. We like the café 🎉 culture 🎉\nAnd 👍 money matters."
EMOJI_SPANS = ["café 🎉 culture 🎉", "money", "Start"]  # emoji inside/at the end, after, before


@pytest.mark.parametrize("origin", ["NVivo 12", None])
def test_utf16_offsets_are_detected_and_converted(tmp_path, origin):
    spans = [(EMOJI_TEXT.index(w), EMOJI_TEXT.index(w) + len(w)) for w in EMOJI_SPANS]
    selections = [(utf16(EMOJI_TEXT, s), utf16(EMOJI_TEXT, e), USER) for s, e in spans]
    archive = write_qdpx(tmp_path / "nvivo.qdpx", project_xml(
        [(G.format(40), "Emoji", None, selections)], origin=origin),
        {f"sources/{G.format(40)}.txt": EMOJI_TEXT.encode()})
    with Project.open(tmp_path / "p.qc", create=True) as p:
        report = import_qdpx(p, archive)
        assert report.offsets == "UTF-16 code units" and report.skipped_selections == []
        assert sorted(t for _, t in coded_texts(p)) == sorted(EMOJI_SPANS)


def test_code_point_offsets_stay_code_points_even_from_nvivo_when_they_fit(tmp_path, run_cli):
    spans = [(EMOJI_TEXT.index(w), EMOJI_TEXT.index(w) + len(w), USER) for w in EMOJI_SPANS]
    archive = write_qdpx(tmp_path / "cp.qdpx", project_xml(
        [(G.format(41), "Emoji", EMOJI_TEXT, spans)], origin="NVivo 14"))
    result = run_cli("import", "qdpx", archive, "--project", tmp_path / "p.qc")
    assert result.exit_code == 0 and "offsets read as code points" in result.stdout
    with Project.open(tmp_path / "p.qc") as p:
        assert sorted(t for _, t in coded_texts(p)) == sorted(EMOJI_SPANS)


def test_export_with_utf16_offsets_validates_and_reads_back(tmp_path):
    from lxml import etree

    archive = write_qdpx(tmp_path / "in.qdpx", project_xml(
        [(G.format(42), "Emoji", EMOJI_TEXT,
          [(EMOJI_TEXT.index(w), EMOJI_TEXT.index(w) + len(w), USER) for w in EMOJI_SPANS])]))
    with Project.open(tmp_path / "p.qc", create=True) as p:
        import_qdpx(p, archive)
        xml, _ = project_qde(p, offsets="utf16")
        (tmp_path / "out.qdpx").write_bytes(export_qdpx(p, offsets="utf16"))
    schema = etree.XMLSchema(etree.parse(str(DATA / "refi-qda" / "Project.xsd")))
    root = etree.fromstring(xml)
    assert schema.validate(root), schema.error_log
    positions = sorted((int(s.get("startPosition")), int(s.get("endPosition")))
                       for s in root.iter("{urn:QDA-XML:project:1.0}PlainTextSelection"))
    assert positions == sorted((utf16(EMOJI_TEXT, EMOJI_TEXT.index(w)),
                                utf16(EMOJI_TEXT, EMOJI_TEXT.index(w) + len(w)))
                               for w in EMOJI_SPANS)
    with Project.open(tmp_path / "q.qc", create=True) as q:
        report = import_qdpx(q, tmp_path / "out.qdpx")
        assert report.offsets == "UTF-16 code units"
        assert sorted(t for _, t in coded_texts(q)) == sorted(EMOJI_SPANS)


def test_the_offset_unit_can_be_forced(tmp_path):
    text = "😀 ab cd"
    archive = write_qdpx(tmp_path / "x.qdpx", project_xml(
        [(G.format(43), "Tiny", text, [(3, 5, USER)])]))  # "ab" in UTF-16, "b " in code points
    with Project.open(tmp_path / "p.qc", create=True) as p:
        assert import_qdpx(p, archive).offsets == "UTF-16 code units"
        assert coded_texts(p) == [("Tiny", "ab")]
    with Project.open(tmp_path / "q.qc", create=True) as q:
        assert import_qdpx(q, archive, offsets="codepoints").offsets == "code points"
        assert coded_texts(q) == [("Tiny", "b ")]
    split = write_qdpx(tmp_path / "split.qdpx", project_xml(
        [(G.format(44), "Tiny", text, [(1, 4, USER), (3, 99, USER)])]))
    with Project.open(tmp_path / "r.qc", create=True) as r:
        report = import_qdpx(r, split, offsets="utf16")
        assert [line.split(": ", 1)[1] for line in report.skipped_selections] == [
            "1-4 splits a character", "3-99 lies outside the text (8 UTF-16 units)"]


BAD_SELECTIONS = [(4, 4, USER), (5, 500, USER), (0, 4, USER), (-1, 2, USER)]


def test_empty_and_out_of_range_selections_are_skipped_and_listed(tmp_path, run_cli):
    archive = write_qdpx(tmp_path / "atlas.qdpx", project_xml(
        [(G.format(50), "Talk", "Some text here.", BAD_SELECTIONS)], origin="ATLAS.ti 23"))
    result = run_cli("import", "qdpx", archive, "--project", tmp_path / "p.qc")
    assert result.exit_code == 0, result.output
    skipped = [line for line in result.stdout.splitlines() if line.startswith("skipped")]
    assert len(skipped) == 3
    assert "4-4 is empty" in skipped[0] and "'Talk'" in skipped[0]
    assert "5-500 lies outside the text (15 characters)" in skipped[1]
    assert "-1-2 lies outside" in skipped[2]
    with Project.open(tmp_path / "p.qc") as p:
        assert coded_texts(p) == [("Talk", "Some")]
    strict = run_cli("import", "qdpx", archive, "--project", tmp_path / "s.qc", "--strict")
    assert strict.exit_code == 2
    assert strict.stderr.startswith(f"error: {archive}: 0 source(s) and 3 selection(s) would "
                                    "be skipped (--strict), first: selection in 'Talk'")
    assert len(strict.stderr.strip().splitlines()) == 1


def test_a_project_file_with_another_name_is_accepted(tmp_path):
    archive = write_qdpx(tmp_path / "atlas26.qdpx", project_xml(
        [(G.format(51), "Talk", "Some text here.", [(0, 4, USER)])]),
        qde_name="My study.qde")
    with Project.open(tmp_path / "p.qc", create=True) as p:
        assert import_qdpx(p, archive).codings == 1
    two = write_qdpx(tmp_path / "two.qdpx", "<x/>", {"b.qde": b"<x/>"}, qde_name="a.qde")
    with Project.open(tmp_path / "p.qc") as p, pytest.raises(InputError, match="2 project files"):
        import_qdpx(p, two)


def test_the_draft_codebook_namespace_is_read(tmp_path):
    qdc = tmp_path / "maxqda.qdc"
    qdc.write_text('<?xml version="1.0" encoding="utf-8"?>'
                   '<CodeBook xmlns="urn:QDA-XML:codebook:0:4" origin="MAXQDA 24"><Codes>'
                   f'<Code guid="{G.format(60)}" name="Money" isCodable="true">'
                   f'<Code guid="{G.format(61)}" name="Rent" isCodable="true"/></Code>'
                   '</Codes></CodeBook>')
    book = load_codebook(qdc)
    assert [(c.id, c.parent) for c in book.codes] == [("money", None), ("rent", "money")]


def test_codes_with_one_name_get_unique_ids_in_linear_time(tmp_path):
    import time

    codes = "".join(f'<Code guid="{G.format(70_000 + i)}" name="Same" isCodable="true"/>'
                    for i in range(20_000))
    qdc = tmp_path / "same.qdc"
    qdc.write_text(f'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>{codes}</Codes>'
                   '</CodeBook>')
    began = time.process_time()
    book = load_codebook(qdc)
    assert [c.id for c in book.codes[:3]] == ["same", "same-2", "same-3"]
    assert len({c.id for c in book.codes}) == 20_000
    assert time.process_time() - began < 10


# -- coders survive; what has no place is said ------------------------------------------------
def selections_by_coder(xml: bytes) -> list[tuple[int, int, str, str]]:
    """Read a project.qde as a reader that takes the coder from the selection does."""
    from lxml import etree

    q = "{urn:QDA-XML:project:1.0}"
    root = etree.fromstring(xml)
    users = {u.get("guid"): u.get("name") for u in root.iter(f"{q}User")}
    codes = {c.get("guid"): c.get("name") for c in root.iter(f"{q}Code")}
    return sorted((int(s.get("startPosition")), int(s.get("endPosition")),
                   users[s.get("creatingUser")], codes[r.get("targetGUID")])
                  for s in root.iter(f"{q}PlainTextSelection") for r in s.iter(f"{q}CodeRef"))


def test_two_coders_of_one_span_get_a_selection_each(tmp_path):
    from lxml import etree

    other = G.format(902)
    archive = write_qdpx(tmp_path / "two.qdpx", project_xml(
        [(G.format(80), "Talk", "Money talks here.", [(0, 5, USER), (0, 5, other)])],
        users=(("Maria", USER), ("Tom", other))))
    with Project.open(tmp_path / "p.qc", create=True) as p:
        import_qdpx(p, archive)
        assert sorted(c.coder for c in p.codings()) == ["Maria", "Tom"]
        xml, _ = project_qde(p)
    schema = etree.XMLSchema(etree.parse(str(DATA / "refi-qda" / "Project.xsd")))
    root = etree.fromstring(xml)
    assert schema.validate(root), schema.error_log
    assert selections_by_coder(xml) == [(0, 5, "Maria", "Theme"), (0, 5, "Tom", "Theme")]
    for selection in root.iter("{urn:QDA-XML:project:1.0}PlainTextSelection"):
        (coding,) = selection.iter("{urn:QDA-XML:project:1.0}Coding")
        assert selection.get("creationDateTime") == coding.get("creationDateTime")
        assert selection.get("creationDateTime") is not None


def test_what_qualcode_has_no_place_for_is_counted(tmp_path, run_cli):
    extra = (f'<Notes><Note guid="{G.format(90)}" name="memo"/>'
             f'<Note guid="{G.format(91)}" name="memo 2"/></Notes>'
             f'<Sets><Set guid="{G.format(92)}" name="group"/></Sets>')
    qde = project_xml([(G.format(93), "Talk", "Some text.", [(0, 4, USER)])], extra=extra)
    qde = qde.replace("</Sources>", f'<PictureSource guid="{G.format(94)}" name="photo"'
                                    ' path="internal://photo.png"/></Sources>')
    archive = write_qdpx(tmp_path / "maxqda.qdpx", qde)
    result = run_cli("import", "qdpx", archive, "--project", tmp_path / "p.qc")
    assert result.exit_code == 0
    assert ("not imported (qualcode has no place for them): 1 sets (code groups), "
            "1 picture sources, 2 notes not attached to a source, code or selection"
            ) in result.stdout


# -- identity: GUIDs of sources, codes, coders and cases travel back --------------------------
def test_guids_of_imported_sources_codes_coders_and_cases_are_written_back(tmp_path):
    from lxml import etree

    source, case = "{A1B2C3D4-0000-4000-8000-00000000000A}", "C0C0C0C0-0000-4000-8000-00000000000B"
    qde = project_xml([(source, "Talk", "Some text here.", [(0, 4, USER)])])
    variable = G.format(95)
    cases = (f'<Variables><Variable guid="{variable}" name="nation" typeOfVariable="Text"/>'
             f'</Variables><Cases><Case guid="{case}" name="P1"><VariableValue>'
             f'<VariableRef targetGUID="{variable}"/><TextValue>Wales</TextValue>'
             f'</VariableValue><SourceRef targetGUID="{source}"/></Case></Cases>')
    qde = qde.replace("</Project>", cases + "</Project>")
    archive = write_qdpx(tmp_path / "nvivo.qdpx", qde)
    with Project.open(tmp_path / "p.qc", create=True) as p:
        import_qdpx(p, archive)
        assert p.attributes() == {"Talk": {"nation": "Wales"}}
        xml, texts = project_qde(p)
    schema = etree.XMLSchema(etree.parse(str(DATA / "refi-qda" / "Project.xsd")))
    root = etree.fromstring(xml)
    assert schema.validate(root), schema.error_log
    q = "{urn:QDA-XML:project:1.0}"
    assert [s.get("guid") for s in root.iter(f"{q}TextSource")] == [source]
    assert [c.get("guid") for c in root.iter(f"{q}Code")] == [CODE]
    assert [u.get("guid") for u in root.iter(f"{q}User")] == [USER]
    (exported_case,) = root.iter(f"{q}Case")
    assert exported_case.get("guid") == case and exported_case.get("name") is None
    assert [r.get("targetGUID") for r in exported_case.iter(f"{q}SourceRef")] == [source]
    (coding,) = root.iter(f"{q}Coding")
    assert coding.get("creatingUser") == USER
    assert coding.find(f"{q}CodeRef").get("targetGUID") == CODE
    assert list(texts) == [source]


# -- speakers survive a round trip as `Name: ` labels -----------------------------------------
def test_bold_word_labels_travel_as_name_colon_and_come_back_as_speakers(tmp_path):
    from conftest import write_docx

    from qualcode.model import Coding

    write_docx(tmp_path / "lscb04.docx", [
        ("Interviewer", "\tHow do partners work together? 😀"),
        ("Anna", "\tPartnership working is strong here."),
        ("Interviewer", "\tAnd the board?"),
        ("Anna", "\tThe board meets monthly."),
    ])
    with Project.open(tmp_path / "p.qc", create=True) as p:
        ingest(p, [tmp_path / "lscb04.docx"])
        (doc,) = p.documents()
        assert "Anna\tPartnership" in doc.text
        start = doc.text.index("Partnership working")
        board = doc.text.index("board meets")
        with p.transaction():
            p.add_codings([Coding("lscb04", start, start + 19, "partners", "Maria"),
                           Coding("lscb04", board, board + 5, "board", "Maria")])
        xml, texts = project_qde(p, offsets="utf16")
        (tmp_path / "out.qdpx").write_bytes(export_qdpx(p))
        again = import_qdpx(p, tmp_path / "out.qdpx")  # its own export: nothing new
        assert again.unchanged == ["lscb04"] and again.codings == 0 and again.already == 2
    (text,) = texts.values()
    assert text.splitlines()[1] == "Anna: Partnership working is strong here."
    units = text.encode("utf-16-le")  # NVivo's reading of the UTF-16 offsets, after the emoji
    assert sorted(units[2 * s:2 * e].decode("utf-16-le") for s, e, _, _ in
                  selections_by_coder(xml)) == ["Partnership working", "board"]
    with Project.open(tmp_path / "q.qc", create=True) as q:
        import_qdpx(q, tmp_path / "out.qdpx")
        (back,) = q.documents()
        assert [(t.speaker, t.text) for t in back.turns] == [
            (t.speaker, t.text) for t in doc.turns]
        assert coded_texts(q) == [("lscb04", "Partnership working"), ("lscb04", "board")]


def test_a_taguette_codebook_nests_dotted_tags_as_its_csv_does(tmp_path):
    tags = [("barriers.money", "Costs"), ("barriers", "What gets in the way"),
            ("facilitators.peer.support", "Help from peers"), ("barriers.time", "")]
    qdc = tmp_path / "taguette.qdc"
    qdc.write_text('<?xml version="1.0" encoding="utf-8"?><CodeBook xmlns="urn:QDA-XML:'
                   'codebook:1.0" origin="Taguette 1.4.1"><Codes>' + "".join(
                       f'<Code guid="{G.format(200 + i)}" name="{tag}" isCodable="true">'
                       f'<Description>{text}</Description></Code>'
                       for i, (tag, text) in enumerate(tags)) + "</Codes></CodeBook>")
    csv = tmp_path / "taguette.csv"
    csv.write_text("tag,description,number of highlights\n" + "".join(
        f"{tag},{text},1\n" for tag, text in tags))
    from_qdc, from_csv = load_codebook(qdc), load_codebook(csv)
    assert [(c.id, c.parent, c.name, c.description) for c in from_qdc.codes] == [
        ("barriers", None, "barriers", "What gets in the way"),
        ("barriers-money", "barriers", "money", "Costs"),
        ("barriers-time", "barriers", "time", ""),
        ("facilitators", None, "facilitators", ""),
        ("facilitators-peer", "facilitators", "peer", ""),
        ("facilitators-peer-support", "facilitators-peer", "support", "Help from peers")]
    assert sorted((c.id, c.parent, c.name) for c in from_qdc.codes) == sorted(
        (c.id, c.parent, c.name) for c in from_csv.codes)



def name_tree(book) -> list[tuple]:
    """Each code as (path of names from the top, description): the hierarchy without ids."""
    names = {c.id: c for c in book.codes}

    def path(code) -> tuple:
        return (path(names[code.parent]) if code.parent else ()) + (code.name,)

    return [(path(c), c.description) for c in book.codes]


def test_the_taguette_codebook_csv_keeps_the_hierarchy_as_dotted_tags(tmp_path, run_cli):
    import csv

    source = tmp_path / "book.yaml"
    source.write_text(
        "name: book\ncodes:\n"
        "  - {id: barriers, name: Barriers, description: What gets in the way}\n"
        "  - {id: money, name: Money \U0001f4b8, parent: barriers, description: 'Costs, fees'}\n"
        "  - {id: grants, name: Grants v2.0, parent: money}\n"
        "  - {id: cafe, name: Cafe\u0301 culture}\n", encoding="utf-8")
    target = tmp_path / "for_taguette.csv"
    result = run_cli("codebook", "convert", source, target, "--taguette")
    assert result.exit_code == 0, result.output
    assert "1 code name(s) hold a dot, written as '·'" in result.stderr
    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    # Taguette's importer wants exactly one of tag/name/path, and reads parent and description
    assert rows[0] == ["tag", "parent", "description"]
    money = "Barriers.Money \U0001f4b8"
    assert rows[3] == [f"{money}.Grants v2\u00b70", money, ""]
    back = load_codebook(target)
    expected = name_tree(load_codebook(source))
    expected[2] = (("Barriers", "Money \U0001f4b8", "Grants v2\u00b70"), "")
    assert name_tree(back) == expected
    refused = run_cli("codebook", "convert", source, tmp_path / "t.yaml", "--taguette")
    assert refused.exit_code == 2 and "a Taguette codebook is a .csv file" in refused.stderr


# -- memos travel both ways as Notes -----------------------------------------------------------
def memo_rows(project) -> list[tuple]:
    texts = {d.id: d.text for d in project.documents()}
    return sorted((m.target, m.document_id, m.code_id, m.author, m.text, m.created_at,
                   texts[m.document_id][m.start:m.end] if m.start is not None else None)
                  for m in project.memos())


@pytest.mark.parametrize("offsets", ["codepoints", "utf16"])
def test_memos_survive_a_round_trip_with_target_author_and_passage(tmp_path, offsets):
    from web_fixtures import build_project

    from qualcode.workspace.memos import write_memo

    with Project.open(build_project(tmp_path / "w")) as p:
        text = p.document_text("emoji")
        coding = next(c for c in p.codings("emoji") if c.start > text.index("\U0001f600"))
        write_memo(p, "document", "ann", "Emoji-rich but clear.", document_id="emoji")
        write_memo(p, "code", "bob", "Barriers: money first.\nThen time.", code_id="barriers")
        write_memo(p, "coding", "cat", "After the emoji.", coding_id=coding.id)
        before = memo_rows(p)
        archive = tmp_path / "memos.qdpx"
        archive.write_bytes(export_qdpx(p, offsets))
    with Project.open(tmp_path / "copy.qc", create=True) as q:
        report = import_qdpx(q, archive)
        assert report.memos == 3 and memo_rows(q) == before
        (on_passage,) = [m for m in q.memos() if m.target == "coding"]
        linked = q.codings(coding_ids=[on_passage.coding_id])[0]
        assert (linked.start, linked.end, linked.code_id) == (coding.start, coding.end,
                                                              coding.code_id)
        again = import_qdpx(q, archive)
        assert (again.memos, again.memos_already) == (0, 3) and len(q.memos()) == 3


def test_a_memo_on_a_passage_no_coding_marks_comes_back_on_its_document_with_the_passage(
        tmp_path):
    from web_fixtures import build_project

    from qualcode.store.memos import MemoDraft

    with Project.open(build_project(tmp_path / "w")) as p:
        text = p.document_text("emoji")
        start = text.index("\U0001f600") + 2
        with p.transaction():
            p.put_memos([MemoDraft("coding", "ann", "Uncoded words.", document_id="emoji",
                                   start=start, end=start + 6)])
        archive = tmp_path / "m.qdpx"
        archive.write_bytes(export_qdpx(p))
    with Project.open(tmp_path / "copy.qc", create=True) as q:
        import_qdpx(q, archive)
        (memo,) = q.memos()
        assert (memo.target, memo.document_id, memo.start, memo.end, memo.author) == (
            "document", "emoji", start, start + 6, "ann")
        again = tmp_path / "again.qdpx"
        again.write_bytes(export_qdpx(q))
    # and it goes out again on its passage, not on the whole source
    with zipfile.ZipFile(again) as z:
        assert z.read("project.qde").count(b"<NoteRef") == 1
        assert b'PlainTextSelection guid' in z.read("project.qde").split(b"<NoteRef")[0]


NOTES_QDE = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="p" origin="QualCoder 3.5">
 <Users><User guid="{USER}" name="Maria"/><User guid="{G.format(902)}" name="Tom"/></Users>
 <CodeBook><Codes><Code guid="{CODE}" name="Theme" isCodable="true">
  <NoteRef targetGUID="{G.format(803)}"/></Code></Codes></CodeBook>
 <Sources>
  <TextSource guid="{G.format(810)}" name="Talk">
   <PlainTextContent>Hi \U0001f600 money talks here.</PlainTextContent>
   <PlainTextSelection guid="{G.format(811)}" startPosition="5" endPosition="10">
    <Coding guid="{G.format(812)}" creatingUser="{USER}"><CodeRef targetGUID="{CODE}"/></Coding>
    <NoteRef targetGUID="{G.format(801)}"/>
   </PlainTextSelection>
   <PlainTextSelection guid="{G.format(813)}" startPosition="11" endPosition="16">
    <NoteRef targetGUID="{G.format(804)}"/>
   </PlainTextSelection>
   <NoteRef targetGUID="{G.format(802)}"/>
  </TextSource>
 </Sources>
 <Notes>
  <Note guid="{G.format(801)}" name="on a passage" creatingUser="{G.format(902)}"
        creationDateTime="2024-05-01T10:00:00Z">
   <PlainTextContent>Money first.</PlainTextContent></Note>
  <Note guid="{G.format(802)}" name="on the source" creatingUser="{USER}">
   <PlainTextContent>A good talk.</PlainTextContent></Note>
  <Note guid="{G.format(803)}" name="on the code">
   <PlainTextContent>Define it better.</PlainTextContent></Note>
  <Note guid="{G.format(804)}" name="on uncoded words" creatingUser="{USER}">
   <PlainTextContent>Talks!</PlainTextContent></Note>
  <Note guid="{G.format(805)}" name="on nothing"><PlainTextContent>Lost.</PlainTextContent></Note>
 </Notes>
</Project>
"""


def test_notes_of_another_tool_become_memos_on_source_code_and_passage(tmp_path, run_cli):
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(DATA / "refi-qda" / "Project.xsd")))
    assert schema.validate(etree.fromstring(NOTES_QDE.encode("utf-8"))), schema.error_log
    archive = write_qdpx(tmp_path / "notes.qdpx", NOTES_QDE)
    result = run_cli("import", "qdpx", archive, "--project", tmp_path / "p.qc")
    assert result.exit_code == 0, result.output
    assert "4 memos (0 already there)" in result.stdout
    assert "1 notes not attached to a source, code or selection" in result.stdout
    with Project.open(tmp_path / "p.qc") as p:
        text = p.document_text("Talk")
        rows = sorted((m.target, m.document_id, m.code_id, m.author, m.text,
                       text[m.start:m.end] if m.start is not None else None,
                       m.created_at.startswith("2024")) for m in p.memos())
        coding_ids = {m.coding_id for m in p.memos() if m.target == "coding"}
        assert coding_ids == {c.id for c in p.codings()}
    assert rows == [
        ("code", None, "theme", "unknown", "Define it better.", None, False),
        ("coding", "Talk", "theme", "Tom", "Money first.", "money", True),
        ("document", "Talk", None, "Maria", "A good talk.", None, False),
        ("document", "Talk", None, "Maria", "Talks!", "talks", False),
    ]
