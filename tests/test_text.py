"""Decoding and normalisation: the rules every offset depends on."""

from __future__ import annotations

import codecs

import pytest

from qualcode.errors import InputError
from qualcode.text import count_words, decode_bytes, normalise

TEXT = "Siân said “it’s fine” – 😀 café"


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        codecs.BOM_UTF8 + TEXT.encode("utf-8"),
        codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"),
        TEXT.encode("utf-16-le"),
    ],
    ids=["utf8", "utf8-bom", "utf16le-bom", "utf16be-bom", "utf16le-no-bom"],
)
def test_unicode_encodings_decode_to_the_same_text(data):
    assert decode_bytes(data, "x.txt") == TEXT


def test_cp1252_smart_quotes_are_decoded_not_rejected():
    text = "It’s “fine”, £20 – honestly"
    assert decode_bytes(text.encode("cp1252"), "x.txt") == text


def test_named_encoding_is_used_and_failures_say_which():
    assert decode_bytes("café".encode("latin-1"), "x.txt", "latin-1") == "café"
    with pytest.raises(InputError, match="cannot decode as utf-8"):
        decode_bytes(b"caf\xe9", "x.txt", "utf-8")
    with pytest.raises(InputError, match="unknown encoding"):
        decode_bytes(b"abc", "x.txt", "no-such-codec")


def test_binary_and_empty_are_refused():
    with pytest.raises(InputError, match="binary"):
        decode_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10, "x.txt")
    with pytest.raises(InputError, match="empty file"):
        decode_bytes(b"  \n\t ", "x.txt")


def test_normalise_line_endings_and_nfc():
    decomposed = "cafe\u0301\r\nline two\rline three\u2028end"
    assert normalise(decomposed) == "café\nline two\nline three\nend"
    assert normalise("\ufeffhi") == "hi"


def test_count_words_keeps_apostrophes_inside_words():
    assert count_words("We’ve got partners' meetings, don't we?") == 6
