"""More document formats (.pdf, .odt, .rtf, .html): their text, then speakers as in plain text.

These files hold a transcript's words but no speaker structure of their own, so each reader
only extracts paragraphs (a blank line between them) and hands the text to the plain-text
reader, which finds labels, turns and paragraphs exactly as for a .txt. The text is a rendering,
as for Word: offsets index it, and the source file is never modified.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from qualcode.errors import InputError
from qualcode.ingest.builder import ReadOptions
from qualcode.ingest.plaintext import document_from_text
from qualcode.model import Document
from qualcode.safezip import check_archive
from qualcode.text import decode_bytes, normalise, read_bytes

_BREAK = "\ue000"  # a <br> while whitespace is collapsed (private use: not whitespace)
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_HTML_BLOCKS = frozenset({
    "p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "dt", "dd", "blockquote",
    "pre", "section", "article", "header", "footer", "table", "ul", "ol", "dl", "figure",
})


def _tidy(text: str) -> str:
    """Normalised text with spaces collapsed inside lines, lines trimmed, and at most one blank
    line between paragraphs."""
    lines = [_SPACES.sub(" ", line).strip() for line in normalise(text).split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip("\n")


def _read(path: Path) -> bytes:
    data = read_bytes(path)
    if not data.strip():
        raise InputError("empty file", path)
    return data


def _document(text: str, path: Path, data: bytes, fmt: str, options: ReadOptions) -> Document:
    text = _tidy(text)
    if not text.strip():
        raise InputError("no text found", path)
    return document_from_text(text, path, data, fmt, options)


def read_pdf(path: Path, options: ReadOptions) -> list[Document]:
    """A PDF's text layer, page after page; a scanned PDF (no text layer) is refused."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    data = _read(path)
    if not data.startswith(b"%PDF"):
        raise InputError("not a PDF file (it does not start with %PDF)", path)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise InputError("the PDF is encrypted: save an unprotected copy and ingest that",
                             path)
        pages = [page.extract_text() or "" for page in reader.pages]
    except InputError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"damaged PDF ({exc.__class__.__name__}: {exc})", path) from None
    if not any(page.strip() for page in pages):
        raise InputError(
            f"no text layer in {len(pages)} page(s): a scanned PDF? Run OCR on it first "
            "(e.g. ocrmypdf), then ingest the result", path)
    return [_document("\n\n".join(pages), path, data, "pdf", options)]


def read_odt(path: Path, options: ReadOptions) -> list[Document]:
    """An OpenDocument text (LibreOffice): its paragraphs and headings in order."""
    from odf import teletype
    from odf.namespaces import TEXTNS
    from odf.opendocument import load

    data = _read(path)
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise InputError("not an OpenDocument text (.odt is a zip archive; this file is not "
                         "one)", path)
    check_archive(data, path)
    try:
        document = load(io.BytesIO(data))
    except Exception as exc:  # odfpy raises whatever its XML or zip layer raises
        raise InputError(f"damaged OpenDocument text ({exc.__class__.__name__})", path) \
            from None
    paragraphs: list[str] = []

    def walk(node) -> None:
        for child in node.childNodes:
            if getattr(child, "qname", None) in ((TEXTNS, "p"), (TEXTNS, "h")):
                paragraphs.append(teletype.extractText(child))
            elif getattr(child, "childNodes", None):
                walk(child)

    walk(document.text)
    return [_document("\n\n".join(paragraphs), path, data, "odt", options)]


def read_rtf(path: Path, options: ReadOptions) -> list[Document]:
    """A Rich Text Format file: its text, paragraphs at ``\\par``."""
    from striprtf.striprtf import rtf_to_text

    data = _read(path)
    raw = decode_bytes(data, path, options.encoding)
    if not raw.lstrip().startswith("{\\rtf"):
        raise InputError("not an RTF file (it does not start with {\\rtf)", path)
    try:
        text = rtf_to_text(raw, errors="replace")
    except Exception as exc:  # striprtf has no error type of its own
        raise InputError(f"damaged RTF ({exc.__class__.__name__})", path) from None
    # One paragraph per \par: a blank line between them, as in a .txt with blank lines.
    return [_document(text.replace("\n", "\n\n"), path, data, "rtf", options)]


def read_html(path: Path, options: ReadOptions) -> list[Document]:
    """A web page or HTML export: the text of its body, a paragraph per block element."""
    import lxml.html
    from lxml.etree import ParserError

    data = _read(path)
    raw = decode_bytes(data, path, options.encoding)
    try:
        root = lxml.html.document_fromstring(raw)
    except (ParserError, ValueError) as exc:
        raise InputError(f"not readable as HTML ({exc})", path) from None
    for element in list(root.iter("script", "style", "noscript", "template", "head")):
        element.drop_tree()
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag == "br":
            element.tail = _BREAK + (element.tail or "")
        elif element.tag in _HTML_BLOCKS:
            element.tail = "\n\n" + (element.tail or "")
            element.text = "\n\n" + (element.text or "")
    text = root.text_content()
    # Inside a block, source line breaks are only spaces, as a browser shows them.
    text = "\n\n".join(" ".join(part.split()) for part in re.split(r"\n\s*\n", text))
    text = "\n".join(line.strip() for line in text.split(_BREAK))
    return [_document(text, path, data, "html", options)]
