"""Hostile input at scale (issue 20): long Word documents, million-cue captions, paragraphs
over spaCy's length limit, big QDPX sources and archives; each read in time linear in its size,
with offsets exact, and refusals in one line."""

from __future__ import annotations

import itertools
import re

import pytest


def _word_document_with_every_run_content():
    """A document whose paragraphs hold what a run can hold: tabs, breaks of each kind,
    hyperlinks, non-breaking hyphens, bold switched on and off."""
    import docx
    from docx.enum.text import WD_BREAK
    from docx.oxml import parse_xml

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    document = docx.Document()
    paragraph = document.add_paragraph()
    paragraph.add_run("Anna").bold = True
    paragraph.add_run(" Fine\tthanks.")
    paragraph.add_run("line").add_break()
    paragraph.add_run("page").add_break(WD_BREAK.PAGE)
    paragraph.add_run("column").add_break(WD_BREAK.COLUMN)
    paragraph._p.append(parse_xml(
        f'<w:hyperlink {w}><w:r><w:t>linked </w:t></w:r><w:r><w:tab/><w:t>text</w:t>'
        '</w:r></w:hyperlink>'))
    paragraph._p.append(parse_xml(
        f'<w:r {w}><w:rPr><w:b w:val="0"/></w:rPr><w:t>not bold</w:t><w:noBreakHyphen/>'
        '<w:cr/><w:ptab w:relativeTo="margin" w:alignment="left" w:leader="none"/>'
        '<w:t xml:space="preserve"> end </w:t></w:r>'))
    paragraph = document.add_paragraph()
    paragraph._p.append(parse_xml(f'<w:r {w}><w:rPr><w:b w:val="off"/></w:rPr>'
                                  '<w:t>Bob:</w:t></w:r>'))
    paragraph._p.append(parse_xml(f'<w:r {w}><w:rPr><w:b w:val="1"/></w:rPr>'
                                  '<w:t>yes</w:t></w:r>'))
    document.add_paragraph("Café e\u0301 😀 plain")
    document.add_paragraph()
    return document


def test_docx_paragraphs_read_from_the_xml_as_python_docx_reads_them():
    from qualcode.ingest.word import _paragraph_text

    document = _word_document_with_every_run_content()
    for paragraph in document.paragraphs:
        text, runs = _paragraph_text(paragraph._p)
        assert text == paragraph.text
        assert runs == [(bool(run.bold), run.text) for run in paragraph.runs]
    first = _paragraph_text(document.paragraphs[0]._p)[0]
    assert first == ("Anna Fine\tthanks.line\npagecolumnlinked \ttextnot bold-\n\t end ")


VTT = """WEBVTT - a header
Kind: captions

STYLE
::cue { color: white }

NOTE a comment
over two lines

1
00:00:01.000 --> 00:00:02.500 align:start
<v Anna>Hello there,
how are you?</v>

intro-2
00:00:03.000 --> 00:00:04.000
<v Bob>Fine thanks. [laughs]
00:00:04.000 --> 00:00:05.000
<v Bob>A cue with no blank line before it.

00:01:05.000 --> 00:01:06.250
Anna: Café e\u0301 😀 and more.

NOTE closing

"""


def test_webvtt_read_in_pieces_gives_the_cues_of_the_whole(monkeypatch):
    from qualcode.ingest import subtitles

    text = VTT * 7
    whole = subtitles._vtt_cues(text, "t.vtt")
    assert len(whole) == 4 * 7 and whole[0].speaker == "Anna" and whole[3].start == 65.0
    for size in (1, 10, 60, 200):
        monkeypatch.setattr(subtitles, "_PIECE_CHARACTERS", size)
        assert subtitles._vtt_cues(text, "t.vtt") == whole, size


@pytest.mark.parametrize("fmt", ["vtt", "srt"])
def test_a_bad_cue_deep_in_a_long_caption_file_is_refused_with_its_line(tmp_path, run_cli,
                                                                         fmt):
    import time

    lines = ["WEBVTT", ""] if fmt == "vtt" else []
    for i in range(30_000):
        start = f"{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}"
        if fmt == "srt":
            lines.append(str(i + 1))
        mark = "." if fmt == "vtt" else ","
        lines += [f"{start}{mark}000 --> {start}{mark}500", f"Ann: cue {i}.", ""]
    bad = next(i for i in range(len(lines) - 300, len(lines)) if "-->" in lines[i]) + 1
    lines[bad - 1] = lines[bad - 1].replace("-->", "--> 99:")
    path = tmp_path / f"long.{fmt}"
    path.write_text("\n".join(lines), encoding="utf-8")
    started = time.process_time()
    result = run_cli("ingest", path, "--project", tmp_path / "p.qc")
    assert time.process_time() - started < 5
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    if fmt == "vtt":
        assert f"long.vtt:{bad}: bad cue timing" in line, line
    else:  # the srt library finds it first, and says where its cue starts
        assert re.search(rf"long.srt:({bad}|{bad + 1}): malformed SubRip cue", line), line


def _long_paragraph(sentences: int) -> str:
    """A transcript whose answer is one paragraph of ``sentences`` sentences with emoji and
    combining accents, and a stretch of 60,000 characters with no space at all; CRLF line
    endings."""
    parts = [f"Sentence {i} about trust 😀 and cafe\u0301 work." for i in range(sentences)]
    parts.insert(len(parts) // 2, "x" * 60_000 + ".")
    return "Interviewer: Tell me.\r\n\r\nP1: " + " ".join(parts) + "\r\n"


def test_long_paragraphs_are_cut_at_line_breaks_sentence_ends_spaces_or_anywhere():
    from qualcode.model import Segment
    from qualcode.segment import _pieces

    def cuts(text: str, size: int) -> list[str]:
        whole = Segment("d", "paragraph", 0, 0, len(text), text)
        pieces = _pieces(text, whole, size)
        assert pieces[0][0] == 0 and pieces[-1][1] == len(text)
        assert all(a[1] == b[0] for a, b in itertools.pairwise(pieces))
        return [text[s:e] for s, e in pieces]

    assert cuts("short one.", 20) == ["short one."]
    assert cuts("one two. three\nfour five six", 20) == ["one two. three\n", "four five six"]
    assert cuts("one two three. four five six", 20) == ["one two three. ", "four five six"]
    assert cuts("one two three four five six", 20) == ["one two three four ", "five six"]
    assert cuts("e\u0301" * 15, 20) == ["e\u0301" * 10, "e\u0301" * 5]  # not between e and ´
    assert cuts("ab" * 15, 20) == ["ab" * 10, "ab" * 5]


@pytest.mark.parametrize("count", [
    4_000, pytest.param(28_000, marks=pytest.mark.slow, id="over-a-million-characters")])
def test_sentences_of_a_long_paragraph_are_made_in_pieces_with_exact_offsets(tmp_path, count):
    """spaCy refuses over 1,000,000 characters at once (E088); a paragraph over 100,000 is
    sentencized in pieces, and every sentence's offsets are exact."""
    from qualcode.ingest import read_document
    from qualcode.segment import MAX_PIECE, sentences

    source = tmp_path / "long.txt"
    source.write_bytes(_long_paragraph(count).encode("utf-8"))
    document = read_document(source)
    longest = max(p.end - p.start for p in document.paragraphs)
    assert longest > 2 * MAX_PIECE and (count < 28_000 or longest > 1_000_000)
    found = sentences(document)
    assert all(document.text[s.start:s.end] == s.text for s in found)
    assert all(a.end <= b.start for a, b in itertools.pairwise(found))
    ordinary = [s.text for s in found if s.text.startswith("Sentence")]
    assert len(ordinary) >= count - 10  # a cut between pieces may join or split one or two
    assert ordinary[100] == "Sentence 100 about trust 😀 and café work."
    # 60,000 characters without a space may be cut anywhere, and nothing of them is lost
    assert "".join(s.text for s in found if s.text[0] == "x") == "x" * 60_000 + "."


@pytest.mark.slow
def test_code_by_sentence_on_a_paragraph_over_a_million_characters(tmp_path, run_cli):
    source = tmp_path / "long.txt"
    source.write_bytes(_long_paragraph(28_000).encode("utf-8"))
    codebook = tmp_path / "book.yaml"
    codebook.write_text("name: b\nversion: 1\ncodes:\n  - id: trust\n    name: Trust\n"
                        "    keywords: [trust]\n", encoding="utf-8")
    project = tmp_path / "p.qc"
    assert run_cli("ingest", source, "--project", project).exit_code == 0
    result = run_cli("code", "--project", project, "--codebook", codebook, "--unit",
                     "sentence")
    assert result.exit_code == 0, result.output


def _every_offset(text: str) -> tuple[str, list[int]]:
    """The reference: one offset per character, piece by piece (how qualcode mapped offsets
    before; ~50 bytes a character)."""
    import unicodedata

    from qualcode.text import _LINE_BREAKS

    out, mapping, length, i, n = [], [], 0, 0, len(text)
    while i < n:
        if i == 0 and text[i] == "\ufeff":
            mapping.append(0)
            i += 1
            continue
        if text[i] == "\r" and i + 1 < n and text[i + 1] == "\n":
            mapping += [length, length]
            out.append("\n")
            length += 1
            i += 2
            continue
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        composed = unicodedata.normalize("NFC", _LINE_BREAKS.sub("\n", text[i:j]))
        mapping += [length + min(k, len(composed)) for k in range(j - i)]
        out.append(composed)
        length += len(composed)
        i = j
    return "".join(out), [*mapping, length]


def test_offset_maps_give_what_one_offset_per_character_gives():
    import random

    from qualcode.text import normalise_with_offsets

    pieces = ["a", "e", "\u0301", "\u0316", "\r", "\n", "\r\n", "\ufeff", "😀", "\u212b",
              "\u0958", "\u1100", "\u1161", "\uac00", " ", "\u2028", "\x85", "é", "\u0340",
              "\u0f73", "\u0344", "\U0001d165", "\U0001d16d", "\U0001f3fb", "\U0002f800"]
    rng = random.Random(20)
    for _ in range(3_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        normalised, offsets = normalise_with_offsets(text)
        expected, mapping = _every_offset(text)
        assert normalised == expected, repr(text)
        assert [offsets[i] for i in range(len(text) + 1)] == mapping, repr(text)
    with pytest.raises(IndexError):
        offsets[len(text) + 1]


def test_offset_maps_keep_only_the_places_that_shift():
    from qualcode.text import normalise_with_offsets

    text = "Anna: café 😀 and more.\n" * 50_000
    assert normalise_with_offsets(text)[1].places == 0
    normalised, offsets = normalise_with_offsets(text.replace("\n", "\r\n"))
    assert normalised == text and offsets.places == 50_000
    at = len("Anna: café 😀 and more.\r\n") * 40_000 + 6
    assert normalised[offsets[at]:offsets[at + 4]] == "café"
    decomposed = text.replace("é", "e\u0301")
    normalised, offsets = normalise_with_offsets(decomposed)
    assert normalised == text and offsets.places == 50_000
    at = decomposed.index("more", 1_000_000)
    assert normalised[offsets[at]:offsets[at + 4]] == "more"


MIB = 1024 * 1024
QDE = ('<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0" '
       'name="t"><CodeBook><Codes><Code guid="00000001-0000-4000-8000-000000000000" name="A" '
       'isCodable="true"/></Codes></CodeBook><Sources>{}</Sources></Project>')


def _source(i: int) -> str:
    return (f'<TextSource guid="00000002-0000-4000-8000-{i:012d}" name="s{i}" '
            f'plainTextPath="internal://s{i}.txt"/>')


def _qdpx_refused(tmp_path, run_cli, members, bomb_mib: int = 2000) -> str:
    from tests.test_hostile import _refused_fast, _small_project, _zip_bytes

    project = _small_project(tmp_path, run_cli)
    archive = tmp_path / "team.qdpx"
    archive.write_bytes(_zip_bytes([(name, data) for name, data, _ in members], bomb_mib,
                                   {name: size for name, _, size in members
                                    if size is not None}))
    line = _refused_fast(run_cli, project, "import", "qdpx", archive, "--project", project)
    assert line.startswith(f"error: {archive}: "), line
    return line


def test_a_qdpx_member_inflating_past_its_declared_size_is_one_line(tmp_path, run_cli):
    line = _qdpx_refused(tmp_path, run_cli, [
        ("project.qde", QDE.format(_source(0)).encode(), None),
        ("sources/s0.txt", None, 1_000)])
    assert "'sources/s0.txt': it inflates past the 1,000 bytes it declares" in line


def test_a_qdpx_decompression_bomb_under_the_member_limit_is_one_line(tmp_path, run_cli):
    line = _qdpx_refused(tmp_path, run_cli, [
        ("project.qde", QDE.format(_source(0)).encode(), None),
        ("sources/s0.txt", None, None)], bomb_mib=400)
    assert "member 'sources/s0.txt' inflates over 500 times" in line
    assert "decompression bomb" in line


def test_a_qdpx_member_with_a_bad_crc_is_one_line(tmp_path, run_cli):
    line = _qdpx_refused(tmp_path, run_cli, [
        ("project.qde", QDE.format(_source(0)).encode(), None),
        ("sources/s0.txt", None, None)], bomb_mib=1)
    assert "damaged archive member 'sources/s0.txt': bad CRC-32" in line


def test_qdpx_members_together_past_the_total_are_refused(tmp_path, run_cli, monkeypatch):
    import random

    from qualcode.ingest import qdpx

    monkeypatch.setattr(qdpx, "MAX_TOTAL_BYTES", MIB)
    rng = random.Random(8)
    words = ["trust", "agency", "audit", "partner", "board", "review", "café", "😀"]
    texts = [" ".join(rng.choice(words) for _ in range(60_000)).encode() for _ in range(3)]
    line = _qdpx_refused(tmp_path, run_cli, [
        ("project.qde", QDE.format("".join(_source(i) for i in range(3))).encode(), None),
        *((f"sources/s{i}.txt", text, None) for i, text in enumerate(texts))])
    assert "the archive inflates past 1 MB (at member 'sources/s" in line


def test_qdpx_member_count_fits_big_projects_and_refuses_more(tmp_path, monkeypatch):
    import zipfile

    from qualcode import safezip
    from qualcode.errors import InputError

    big = tmp_path / "big.qdpx"
    with monkeypatch.context() as patch:
        patch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 1_000)  # a ZIP64 end record, as over 65,535
        with zipfile.ZipFile(big, "w") as archive:
            for i in range(20_001):
                archive.writestr(f"sources/{i}.txt", "")
    with safezip.open_archive(big, big) as archive:  # a 20,000-source project is ordinary
        assert len(archive.infolist()) == 20_001
    monkeypatch.setattr(safezip, "MAX_MEMBERS", 20_000)
    with big.open("rb") as stream, pytest.raises(InputError, match="over 20,000 members"):
        safezip._check_member_count(stream, big)  # from the end record, before zipfile reads
    with pytest.raises(InputError, match="over 20,000 members"):
        safezip.open_archive(big, big)
