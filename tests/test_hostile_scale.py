"""Hostile input at scale (issue 20): long Word documents, million-cue captions, paragraphs
over spaCy's length limit, big QDPX sources and archives; each read in time linear in its size,
with offsets exact, and refusals in one line."""

from __future__ import annotations

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
    started = time.monotonic()
    result = run_cli("ingest", path, "--project", tmp_path / "p.qc")
    assert time.monotonic() - started < 5
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    if fmt == "vtt":
        assert f"long.vtt:{bad}: bad cue timing" in line, line
    else:  # the srt library finds it first, and says where its cue starts
        assert re.search(rf"long.srt:({bad}|{bad + 1}): malformed SubRip cue", line), line
