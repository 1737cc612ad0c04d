"""Hostile input at scale (issue 20): long Word documents, million-cue captions, paragraphs
over spaCy's length limit, big QDPX sources and archives; each read in time linear in its size,
with offsets exact, and refusals in one line."""

from __future__ import annotations

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
