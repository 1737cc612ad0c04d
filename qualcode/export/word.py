"""Writing Word documents quickly with python-docx, in Word's own built-in styles.

Two python-docx shortcuts are quadratic on a long document and are avoided here:
``add_paragraph`` finds the section properties by scanning the whole body for each new
paragraph, and ``style=`` scans every style (the ids of Word's built-in styles are fixed:
"Quote", "Heading1", "ListBullet"). ``run.text`` builds XML one character at a time, so many
paragraphs are written as WordprocessingML text and parsed in one batch (``append_xml``).

A report's body (every coded passage) is streamed: python-docx builds the document around a
placeholder (``stream``), and on writing the body's XML goes straight from a generator into
``word/document.xml`` in the zip, so it never exists as an XML tree, or one string, in memory.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from typing import IO, BinaryIO

from qualcode.errors import QualcodeError
from qualcode.export.tables import streamed_part, xml_safe

W_NAMESPACE = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
PAPERS = {"a4": (8.27, 11.69), "letter": (8.5, 11.0)}  # inches, portrait
CHAR_EM = 0.75  # a character's advance in ems, estimated wide (bold, and LibreOffice's
#                 substitutes for Word's fonts are wider: 0.6 broke "Midlands" mid-word)
CELL_PADDING = 0.2  # inches: Word's cell margins (0.08 each side) and a little air


def text_inches(text: str, size: int) -> float:
    """How wide ``text`` prints at ``size`` points, estimated on the wide side."""
    return len(text) * CHAR_EM * size / 72


def column_widths(headers: list[str], rows: list[list[str]], width: float,
                  min_first: float = 1.6, size: int = 9) -> list[float] | None:
    """Column widths in inches summing to ``width``: every column after the first as wide as
    its longest cell (cells never wrap: write numbers with no-break spaces) and its longest
    header word (headers wrap between words only); the first column the rest, at least
    ``min_first``. None when that does not fit."""
    widths = []
    for index, header in enumerate(headers[1:], start=1):
        longest = max([text_inches(w, size) for w in header.split()] +
                      [text_inches(r[index], size) for r in rows] + [0.0])
        widths.append(longest + CELL_PADDING)
    first = width - sum(widths)
    if first < min_first:
        return None
    return [first, *widths]


def clean(text: str) -> str:
    """Text Word can store (see ``xml_safe``)."""
    return xml_safe(text)


def run_xml(text: str, properties: str = "") -> str:
    """A ``w:r`` holding ``text`` (escaped; line breaks and tabs as Word elements)."""
    from xml.sax.saxutils import escape

    text = clean(text)
    rpr = f"<w:rPr>{properties}</w:rPr>" if properties else ""
    if "\n" not in text and "\t" not in text:  # most runs: one piece of text
        if not text:
            return f"<w:r>{rpr}</w:r>"
        escaped = text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
        return f'<w:r>{rpr}<w:t xml:space="preserve">{escaped}</w:t></w:r>'
    parts = []
    for index, line in enumerate(text.split("\n")):
        if index:
            parts.append("<w:br/>")
        for number, piece in enumerate(line.split("\t")):
            if number:
                parts.append("<w:tab/>")
            if piece:
                parts.append(f'<w:t xml:space="preserve">{escape(piece)}</w:t>')
    return f"<w:r>{rpr}{''.join(parts)}</w:r>"


def paragraph_xml(text: str = "", style_id: str | None = None, *, keep_next: bool = False
                  ) -> str:
    """A ``w:p`` as :meth:`WordDocument.paragraph` makes it (a built-in style by id, kept
    with the next paragraph if asked), for a streamed body."""
    properties = (f'<w:pStyle w:val="{style_id}"/>' if style_id else "") + (
        "<w:keepNext/>" if keep_next else "")
    ppr = f"<w:pPr>{properties}</w:pPr>" if properties else ""
    return f"<w:p>{ppr}{run_xml(text) if text else ''}</w:p>"


def heading_xml(text: str, level: int) -> str:
    """A heading as :meth:`WordDocument.heading` makes it, for a streamed body."""
    return paragraph_xml(text, "Title" if level == 0 else f"Heading{level}")


STREAM_BATCH = 1 << 20  # characters of streamed XML gathered per write into the zip


class WordDocument:
    """A new Word document that is appended to, then saved to bytes."""

    def __init__(self, title: str = "", *, paper: str = "a4", header: str = "",
                 margin: float = 1.0) -> None:
        import docx

        if paper not in PAPERS:
            raise QualcodeError(f"unknown paper {paper!r} (known: {', '.join(PAPERS)})")
        self.docx = docx.Document()
        if title:
            self.docx.core_properties.title = clean(title)
        self._body = self.docx.element.body
        self._section = self._body.sectPr  # found once: every paragraph goes before it
        self.paper = PAPERS[paper]
        self.margin = margin
        self.landscape = False
        self._streams: list[tuple[str, Iterable[str]]] = []
        self._page_setup(header)

    def _page_setup(self, header: str) -> None:
        """Paper size and margins; ``header`` (project, date) at the top of every page and
        "Page N of M" at the foot."""
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml import parse_xml
        from docx.shared import Inches, Pt

        section = self.docx.sections[0]
        section.page_width, section.page_height = (Inches(x) for x in self.paper)
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(section, side, Inches(self.margin))
        section.header_distance = section.footer_distance = Inches(0.45)
        top = section.header.paragraphs[0]
        top.text = clean(header)
        top.runs[0].font.size = Pt(8) if header else None
        foot = section.footer.paragraphs[0]
        foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
        size = '<w:rPr><w:sz w:val="16"/></w:rPr>'
        field = ('<w:r {ns}>{size}<w:t xml:space="preserve">Page </w:t></w:r>'
                 '<w:fldSimple {ns} w:instr=" PAGE "><w:r>{size}<w:t>1</w:t></w:r></w:fldSimple>'
                 '<w:r {ns}>{size}<w:t xml:space="preserve"> of </w:t></w:r>'
                 '<w:fldSimple {ns} w:instr=" NUMPAGES "><w:r>{size}<w:t>1</w:t></w:r>'
                 '</w:fldSimple>')
        for part in parse_xml(f'<w:p xmlns:w="{W_NAMESPACE}">'
                              + field.format(ns="", size=size) + "</w:p>"):
            foot._p.append(part)

    def _append(self, element) -> None:
        if self._section is not None:
            self._section.addprevious(element)
        else:
            self._body.append(element)

    def paragraph(self, text: str = "", style_id: str | None = None):
        """A paragraph at the end, with a built-in style given by its id."""
        from docx.oxml import parse_xml
        from docx.text.paragraph import Paragraph

        style = f'<w:pPr><w:pStyle w:val="{style_id}"/></w:pPr>' if style_id else ""
        runs = run_xml(text) if text else ""
        element = parse_xml(f'<w:p xmlns:w="{W_NAMESPACE}">{style}{runs}</w:p>')
        self._append(element)
        return Paragraph(element, self.docx._body)

    def heading(self, text: str, level: int):
        """The title (level 0) or a Heading 1-3, which Word shows in its navigation pane."""
        return self.paragraph(text, "Title" if level == 0 else f"Heading{level}")

    def append_xml(self, paragraphs: list[str]) -> None:
        """Parse a batch of ``w:p`` XML strings and put them at the end."""
        from docx.oxml import parse_xml

        if not paragraphs:
            return
        from copy import deepcopy

        holder = parse_xml(f'<w:body xmlns:w="{W_NAMESPACE}">{"".join(paragraphs)}</w:body>')
        for element in list(holder):
            # a copy, not the element: lxml moving a big child (a 4,000-row table) out of
            # the holder's document took time quadratic in its size (22.9 s); a copy is a
            # root of its own and moves at once (0.1 s)
            self._append(deepcopy(element))

    @property
    def text_height(self) -> float:
        """Inches between the top and bottom margins of the current orientation."""
        return self.paper[0 if self.landscape else 1] - 2 * self.margin

    @property
    def text_width(self) -> float:
        """Inches between the margins of the current orientation."""
        return self.paper[1 if self.landscape else 0] - 2 * self.margin

    def grid(self, headers: list[str], rows: list[list[str]], *, bold_rows: frozenset[int] = (
            frozenset()), min_first: float = 1.6, size: int = 9) -> None:
        """A Table Grid table exactly as wide as the text: numbers and header words keep their
        whole width (content-based column widths), the first column takes the rest and wraps.
        The header row repeats on every page and no row splits across a page; ``bold_rows``
        are row indexes set in bold (themes above their codes). Fails if it cannot fit: see
        :meth:`fits` and :func:`column_widths`."""
        widths = column_widths(headers, rows, self.text_width, min_first, size)
        if widths is None:
            raise ValueError("table too wide for the page")
        twips = [int(w * 1440) for w in widths]
        half_points = size * 2

        def cell(text: str, width: int, bold: bool) -> str:
            rpr = f'<w:b/><w:sz w:val="{half_points}"/>' if bold else (
                f'<w:sz w:val="{half_points}"/>')
            return (f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>'
                    f'<w:p><w:pPr><w:spacing w:before="0" w:after="0"/></w:pPr>'
                    f"{run_xml(text, rpr)}</w:p></w:tc>")

        def row(values: list[str], bold: bool, header: bool) -> str:
            trpr = "<w:cantSplit/>" + ("<w:tblHeader/>" if header else "")
            return (f"<w:tr><w:trPr>{trpr}</w:trPr>"
                    + "".join(cell(v, w, bold) for v, w in zip(values, twips, strict=True))
                    + "</w:tr>")

        body = [row(headers, True, True)] + [row(values, index in bold_rows, False)
                                            for index, values in enumerate(rows)]
        columns = "".join(f'<w:gridCol w:w="{w}"/>' for w in twips)
        self.append_xml([
            f'<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/>'
            f'<w:tblW w:w="{sum(twips)}" w:type="dxa"/><w:tblLayout w:type="fixed"/>'
            f'</w:tblPr><w:tblGrid>{columns}</w:tblGrid>{"".join(body)}</w:tbl>'])

    def fits(self, headers: list[str], rows: list[list[str]], min_first: float = 1.6,
             size: int = 9, *, landscape: bool | None = None) -> bool:
        """Whether :meth:`grid` can lay this table out (in the current or given orientation)
        without cutting a column."""
        turned = self.landscape if landscape is None else landscape
        width = self.paper[1 if turned else 0] - 2 * self.margin
        return column_widths(headers, rows, width, min_first, size) is not None

    def section(self, landscape: bool) -> None:
        """End the current section here and start one on a new page in the given orientation
        (the header and footer carry over)."""
        from copy import deepcopy

        from docx.oxml import parse_xml

        if landscape == self.landscape:
            return
        ending = deepcopy(self._section)
        self._orient(ending, self.landscape)
        holder = parse_xml(f'<w:p xmlns:w="{W_NAMESPACE}"><w:pPr/></w:p>')
        holder[0].append(ending)
        self._append(holder)
        self.landscape = landscape
        self._orient(self._section, landscape)

    def _orient(self, sect_pr, landscape: bool) -> None:
        """Page size and orientation on a ``w:sectPr``."""
        from docx.oxml.ns import qn

        size = sect_pr.find(qn("w:pgSz"))
        short, long = (int(x * 1440) for x in self.paper)
        size.set(qn("w:w"), str(long if landscape else short))
        size.set(qn("w:h"), str(short if landscape else long))
        if landscape:
            size.set(qn("w:orient"), "landscape")
        elif size.get(qn("w:orient")) is not None:
            del size.attrib[qn("w:orient")]

    def picture(self, png: bytes, width_inches: float | None = None, caption: str = "") -> None:
        """A picture in its own paragraph, inline (it moves with the text and never overlaps
        it), as wide as the text unless told but never taller than the page less room for
        the caption, kept with its caption below."""
        from docx.shared import Inches
        from PIL import Image

        with Image.open(io.BytesIO(png)) as image:
            aspect = image.height / image.width
        width_inches = width_inches or self.text_width
        tallest = self.text_height - 0.9
        if width_inches * aspect > tallest:
            width_inches = tallest / aspect

        paragraph = self.paragraph()
        paragraph.paragraph_format.keep_with_next = bool(caption)
        paragraph.paragraph_format.space_before = Inches(0.08)
        paragraph.add_run().add_picture(io.BytesIO(png), width=Inches(width_inches))
        if caption:
            self.paragraph(caption, "Caption")

    def caption(self, text: str, *, keep_with_next: bool = True) -> None:
        """A caption paragraph (Word's Caption style), kept with what follows it."""
        self.paragraph(text, "Caption").paragraph_format.keep_with_next = keep_with_next

    def toc(self) -> None:
        """A table of contents field (headings 1-3) that Word fills when the file opens."""
        self.append_xml([
            '<w:p><w:r><w:fldChar w:fldCharType="begin" w:dirty="true"/></w:r>'
            '<w:r><w:instrText xml:space="preserve"> TOC \\o "1-3" \\h \\z \\u </w:instrText>'
            '</w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>'
            '<w:r><w:t>Contents: Word fills this in on opening (or right-click, Update Field).'
            '</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'])
        settings = self.docx.settings.element
        from docx.oxml import parse_xml

        settings.append(parse_xml(f'<w:updateFields xmlns:w="{W_NAMESPACE}" w:val="true"/>'))

    def page_break(self) -> None:
        self.docx.add_page_break()

    def stream(self, paragraphs: Iterable[str]) -> None:
        """Put here the ``w:p``/``w:tbl`` XML strings that ``paragraphs`` yields, taken only
        when the document is written (see the module's docstring)."""
        import uuid

        token = f"qualcode-stream-{uuid.uuid4().hex}"
        self.paragraph(token)
        self._streams.append((token, paragraphs))

    def save(self) -> bytes:
        """The document as bytes (see :meth:`write` to write it to a file as it is made)."""
        buffer = io.BytesIO()
        self.write(buffer)
        return buffer.getvalue()

    def write(self, handle: BinaryIO) -> None:
        """Write the .docx to a binary file, streamed parts and all."""
        skeleton = io.BytesIO()
        self.docx.save(skeleton)
        if not self._streams:
            handle.write(skeleton.getvalue())
            return
        with zipfile.ZipFile(skeleton) as source, \
                zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as target:
            for info in source.infolist():
                if info.filename != "word/document.xml":
                    target.writestr(info, source.read(info))
                    continue
                with target.open(streamed_part(info), "w") as out:
                    self._write_body(source.read(info).decode("utf-8"), out)

    def _write_body(self, xml: str, out: IO[bytes]) -> None:
        """``document.xml`` with each placeholder paragraph replaced by its stream."""
        position = 0
        for token, paragraphs in self._streams:
            at = xml.index(token)
            start = max(xml.rfind("<w:p>", position, at), xml.rfind("<w:p ", position, at))
            end = xml.index("</w:p>", at) + len("</w:p>")
            out.write(xml[position:start].encode("utf-8"))
            batch: list[str] = []
            size = 0
            for piece in paragraphs:
                batch.append(piece)
                size += len(piece)
                if size >= STREAM_BATCH:
                    out.write("".join(batch).encode("utf-8"))
                    batch, size = [], 0
            out.write("".join(batch).encode("utf-8"))
            position = end
        out.write(xml[position:].encode("utf-8"))
