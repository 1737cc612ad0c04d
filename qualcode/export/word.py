"""Writing Word documents quickly with python-docx, in Word's own built-in styles.

Two python-docx shortcuts are quadratic on a long document and are avoided here:
``add_paragraph`` finds the section properties by scanning the whole body for each new
paragraph, and ``style=`` scans every style (the ids of Word's built-in styles are fixed:
"Quote", "Heading1", "ListBullet"). ``run.text`` builds XML one character at a time, so many
paragraphs are written as WordprocessingML text and parsed in one batch (``append_xml``).
"""

from __future__ import annotations

import io

from qualcode.export.tables import xml_safe

W_NAMESPACE = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def clean(text: str) -> str:
    """Text Word can store (see ``xml_safe``)."""
    return xml_safe(text)


def run_xml(text: str, properties: str = "") -> str:
    """A ``w:r`` holding ``text`` (escaped; line breaks and tabs as Word elements)."""
    from xml.sax.saxutils import escape

    parts = []
    for index, line in enumerate(clean(text).split("\n")):
        if index:
            parts.append("<w:br/>")
        for number, piece in enumerate(line.split("\t")):
            if number:
                parts.append("<w:tab/>")
            if piece:
                parts.append(f'<w:t xml:space="preserve">{escape(piece)}</w:t>')
    rpr = f"<w:rPr>{properties}</w:rPr>" if properties else ""
    return f"<w:r>{rpr}{''.join(parts)}</w:r>"


class WordDocument:
    """A new Word document that is appended to, then saved to bytes."""

    def __init__(self, title: str = "") -> None:
        import docx

        self.docx = docx.Document()
        if title:
            self.docx.core_properties.title = clean(title)
        self._body = self.docx.element.body
        self._section = self._body.sectPr  # found once: every paragraph goes before it

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
        holder = parse_xml(f'<w:body xmlns:w="{W_NAMESPACE}">{"".join(paragraphs)}</w:body>')
        for element in list(holder):
            self._append(element)

    def table(self, headers: list[str]):
        """A Table Grid table with a bold header row."""
        table = self.docx.add_table(rows=1, cols=len(headers))
        table._tbl.tblPr.style = "TableGrid"
        for cell, text in zip(table.rows[0].cells, headers, strict=True):
            cell.text = clean(text)
            for run in cell.paragraphs[0].runs:
                run.bold = True
        return table

    @staticmethod
    def column_widths(table, inches: list[float]) -> None:
        """Fixed column widths (Word otherwise splits the page evenly and wraps long text)."""
        from docx.shared import Inches

        table.autofit = False
        for column, width in zip(table.columns, inches, strict=True):
            column.width = Inches(width)  # the table grid, which LibreOffice reads
        for row in table.rows:
            for cell, width in zip(row.cells, inches, strict=True):
                cell.width = Inches(width)

    def picture(self, png: bytes, width_inches: float) -> None:
        from docx.shared import Inches

        self.docx.add_picture(io.BytesIO(png), width=Inches(width_inches))

    def page_break(self) -> None:
        self.docx.add_page_break()

    def save(self) -> bytes:
        buffer = io.BytesIO()
        self.docx.save(buffer)
        return buffer.getvalue()
