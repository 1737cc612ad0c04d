"""Subtitle transcripts (.vtt via webvtt-py, .srt via srt): cues merged into speaker turns.

Teams and Zoom captions split a turn into many short cues; consecutive cues of one speaker
become one turn, with the first cue's start and the last cue's end kept as timestamps.
A speaker comes from a ``<v Name>`` voice, a ``Name:`` prefix or an SDH ``[NAME]``; a cue with
none continues the previous speaker (the SubRip convention), and an SDH ``- `` line starts a
new one. Captions with no speakers at all (a recorded talk) become paragraphs broken at
pauses and sentence ends. Rolling captions (YouTube's auto-captions repeat each line in the
next cue) are read once, and SDH sound tags such as ``(laughs)`` are not speech.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path

from qualcode.errors import InputError, quoted
from qualcode.ingest.builder import ReadOptions, TextBuilder
from qualcode.ingest.speakers import (
    UNKNOWN_SPEAKER,
    accepted_speakers,
    label_at_line_start,
    speaker_key,
)
from qualcode.model import Document
from qualcode.text import decode_bytes, normalise, read_bytes

_TAG = re.compile(r"<[^>\n]*>")
_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>]+)>")
_VTT_TIME = r"(?:\d{2,}:)?[0-5]\d:[0-5]\d\.\d{3}"
_VTT_TIMING = re.compile(rf"^{_VTT_TIME}[ \t]+-->[ \t]+{_VTT_TIME}(?:[ \t].*)?$")
_SRT_TIMING = re.compile(r"^\s*\d+:\d{2}:\d{2}[,.]\d{1,3}\s*-->\s*\d+:\d{2}:\d{2}[,.]\d{1,3}")
PARAGRAPH_GAP_SECONDS = 2.0
# Unlabelled captions: a paragraph ends at a sentence end with a pause of this length, and
# near PARAGRAPH_WORDS words at any sentence end; it never grows past PARAGRAPH_MAX_WORDS.
SENTENCE_GAP_SECONDS = 1.0
PARAGRAPH_WORDS = 100
PARAGRAPH_MAX_WORDS = 150
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")
# SDH sound tags: ``(laughs)``, ``(DOOR CLOSES)``, ``♪ music ♪``; one to three words, all in one
# case, so that ``(I think)`` inside speech stays.
_SOUND_TAG = re.compile(r"\((?:[a-z][a-z'-]*(?: [a-z'-]+){0,2}|[A-Z][A-Z'-]*(?: [A-Z'-]+){0,2})\)"
                        r"|♪[^♪\n]*♪?")
_BRACKETED = re.compile(r"\[[^\]\n]*\]")  # a cue that is only ``[MUSIC PLAYING]``: no speech
_SOUND_WORDS = frozenset({"applause", "cheering", "sighs", "gasps", "chuckles", "chuckling",
                          "music", "playing", "indistinct", "chatter", "silence", "static"})


@dataclass(slots=True)
class Cue:
    start: float
    end: float
    text: str
    speaker: str | None
    lines: tuple[str, ...] = ()
    new_turn: bool = False  # an SDH ``- `` line: someone else speaks


def _seconds(value) -> float:
    if not isinstance(value, str):
        return value.total_seconds()
    head, _, seconds = value.rpartition(":")
    hours, _, minutes = head.rpartition(":")
    return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)


def _clean(text: str) -> str:
    return " ".join(_TAG.sub("", text).split())


def _lines(raw: str) -> tuple[str, ...]:
    return tuple(line for line in (_clean(part) for part in raw.split("\n")) if line)


def _unroll(cues: list[Cue]) -> list[Cue]:
    """Drop the lines a rolling caption repeats from the cue before (YouTube auto-captions
    show each line twice, and a 10 ms cue holding only the line just shown).

    Only where the file rolls (a third of its cues start with the previous cue's last line),
    so a speaker who says "Yes." twice in a row keeps both.
    """
    rolling = sum(
        1 for before, cue in itertools.pairwise(cues)
        if before.lines and cue.lines and cue.lines[0] == before.lines[-1]
    )
    if rolling < 2 or 3 * rolling < len(cues):
        return cues
    kept: list[Cue] = []
    shown: tuple[str, ...] = ()
    for cue in cues:
        lines = cue.lines
        overlap = next((k for k in range(min(len(lines), len(shown)), 0, -1)
                        if lines[:k] == shown[-k:]), 0)
        shown = lines or shown
        fresh = lines[overlap:]
        if not fresh:
            continue
        kept.append(Cue(cue.start, cue.end, " ".join(fresh), cue.speaker, fresh))
    return kept


def _sdh(cues: list[Cue]) -> list[Cue]:
    """SDH captions: sound tags out of the speech, and ``- `` lines split a cue between
    speakers (each part keeps the cue's times)."""
    result: list[Cue] = []
    for cue in cues:
        lines = cue.lines or (cue.text,)
        dashed = sum(line.startswith(("- ", "-\u00a0")) for line in lines)
        parts: list[tuple[list[str], bool]] = []
        for line in lines:
            starts = dashed > 0 and line.startswith(("- ", "-\u00a0"))
            if starts:
                line = line[2:].strip()
            if starts or not parts:
                parts.append(([], starts))
            parts[-1][0].append(line)
        for words, starts in parts:
            text = " ".join(_SOUND_TAG.sub(" ", " ".join(words)).split())
            if text and not _BRACKETED.fullmatch(text):
                result.append(Cue(cue.start, cue.end, text, cue.speaker, tuple(words), starts))
    return result


def _arrow_lines(text: str):
    """(line number, where the line begins, the line) of every line holding ``-->``, found
    without splitting the whole file into lines (a million cues are three million lines)."""
    number, counted = 1, 0
    at = text.find("-->")
    while at >= 0:
        begin = text.rfind("\n", 0, at) + 1
        end = text.find("\n", at)
        end = len(text) if end < 0 else end
        number += text.count("\n", counted, begin)
        counted = begin
        yield number, begin, text[begin:end]
        at = text.find("-->", end)


def _check_vtt_timings(text: str, path: Path) -> None:
    """webvtt-py reports a malformed file without a line; find the line ourselves."""
    if not text.startswith("WEBVTT"):
        raise InputError("not a WebVTT file (the first line must be WEBVTT)", path, 1)
    for number, _, line in _arrow_lines(text):
        if not _VTT_TIMING.match(line.strip()):
            raise InputError(f"bad cue timing {line.strip()!r}", path, number)
        start, end = (part.split()[0] for part in line.split("-->"))
        if _seconds(end) < _seconds(start):
            raise InputError(f"cue ends before it starts: {line.strip()!r}", path, number)


_PIECE_CHARACTERS = 1 << 20


def _vtt_pieces(text: str):
    """The file in pieces of about a million characters, each cut where a block ends (at an
    empty line) and, after the first, given a ``WEBVTT`` header of its own: webvtt-py parses
    one piece at a time, so its objects for a million cues (a gigabyte) are never all alive."""
    start, length = 0, len(text)
    while start < length:
        cut = text.find("\n\n", start + _PIECE_CHARACTERS)
        end = length if cut < 0 else cut
        yield text[start:end] if start == 0 else "WEBVTT\n\n" + text[start:end]
        start = end


def _vtt_cues(text: str, path: Path) -> list[Cue]:
    import webvtt
    from webvtt.errors import MalformedFileError

    _check_vtt_timings(text, path)
    cues = []
    for piece in _vtt_pieces(text):
        try:
            captions = webvtt.from_string(piece).captions
        except MalformedFileError as exc:
            raise InputError(f"malformed WebVTT: {exc}", path) from None
        for caption in captions:
            raw = caption.raw_text
            voice = _VOICE.search(raw)
            speaker = voice.group(1).strip() if voice else None
            cues.append(Cue(_seconds(caption.start), _seconds(caption.end), _clean(raw),
                            speaker, _lines(raw)))
    return cues


def _check_srt_numbers(text: str, path: Path) -> None:
    """Every timing line is well formed and comes straight after its cue's number. The srt
    library reads a cue numbered ``three`` as text of the cue before, timing line and all,
    and the next speaker's words join the wrong turn: refuse that with the line."""
    text = text.lstrip("\ufeff")
    for number, begin, line in _arrow_lines(text):
        if not _SRT_TIMING.match(line):
            raise InputError(f"bad cue timing {quoted(line.strip())}", path, number)
        before = text[text.rfind("\n", 0, begin - 1) + 1:begin - 1].strip() if begin else ""
        if not before.isascii() or not before.isdigit():
            where = number - 1 if number > 1 else number
            found = f"{quoted(before)}" if before else "nothing"
            raise InputError(f"a SubRip cue needs its number on the line before its timing "
                             f"(found {found})", path, where)


def _srt_cues(text: str, path: Path) -> list[Cue]:
    import srt

    try:
        subtitles = list(srt.parse(text))
    except srt.SRTParseError as exc:
        line = text.count("\n", 0, exc.actual_start) + 1 if exc.actual_start >= 0 else None
        raise InputError(
            "malformed SubRip cue (check its number and timing line)", path, line
        ) from None
    _check_srt_numbers(text, path)
    cues = []
    for sub in subtitles:
        voice = _VOICE.search(sub.content)
        cues.append(Cue(_seconds(sub.start), _seconds(sub.end), _clean(sub.content),
                        voice.group(1).strip() if voice else None, _lines(sub.content)))
    return cues


def _label_prefixes(cues: list[Cue], interviewers: frozenset[str] = frozenset()) -> None:
    """Take ``Name:`` prefixes (Zoom, SubRip) as speakers where they recur or are roles, and
    SDH labels (``[NAME]``, ``NAME:`` in capitals) from their first use."""
    found = [(cue, label_at_line_start(cue.text)) for cue in cues if cue.speaker is None]
    accepted = accepted_speakers([label for _, label in found if label], interviewers)
    for cue, label in found:
        if label is None:
            continue
        if speaker_key(label.name) in accepted or _sdh_label(cue.text, label.name):
            cue.speaker = label.name
            cue.text = cue.text[label.speech_at:].strip()


def _sdh_label(text: str, name: str) -> bool:
    """``[JOHN] text`` or ``JOHN: text``: how SDH captions name a speaker; not a sound tag."""
    words = name.casefold().split()
    if any(w in _SOUND_WORDS for w in words) or (len(words) > 1 and words[-1].endswith("ing")):
        return False
    return text.startswith("[") or (name.isupper() and len(name) > 1)


@dataclass(slots=True)
class _Turn:
    """Consecutive cues of one speaker (or, unlabelled, one paragraph of a talk) as one turn."""

    speaker: str | None
    texts: list[str]
    start: float
    end: float
    words: int
    new_turn: bool  # it starts with an SDH ``- ``: someone else speaks


def _render(cues: list[Cue], path: Path, data: bytes, fmt: str, options: ReadOptions) -> Document:
    """The document of the cues, merged into turns. ``cues`` is emptied as it is read: a
    million cues need not stay in memory beside their turns and the document."""
    spoken = [cue for cue in cues if cue.text]
    cues.clear()
    if not spoken:
        raise InputError("no captions with text", path)
    labelled = any(cue.speaker for cue in spoken)
    turns: list[_Turn] = []
    for cue in spoken:
        previous = turns[-1] if turns else None
        if previous is None or cue.new_turn:
            same = False
        elif labelled:
            same = cue.speaker is None or (
                speaker_key(cue.speaker) == speaker_key(previous.speaker or ""))
        else:
            same = not _paragraph_ends(previous, cue.start - previous.end)
        if previous is not None and same:
            previous.texts.append(cue.text)
            previous.end = cue.end
            previous.words += len(cue.text.split())
        else:
            turns.append(_Turn(cue.speaker, [cue.text], cue.start, cue.end,
                               len(cue.text.split()), cue.new_turn))
    del spoken
    builder = TextBuilder("\n\n")
    turns.reverse()
    while turns:  # each turn freed once its text is in the builder
        turn = turns.pop()
        speaker = turn.speaker
        prefix = f"{speaker}: " if speaker else ""
        if labelled and turn.new_turn and not speaker:  # SDH ``- ``: someone else, unnamed
            speaker, prefix = UNKNOWN_SPEAKER, "- "
        builder.add(prefix + " ".join(turn.texts), speaker=speaker, speech_at=len(prefix),
                    time_start=turn.start, time_end=turn.end)
    return builder.document(path, data, fmt, options)


def _paragraph_ends(paragraph: _Turn, pause: float) -> bool:
    """Where unlabelled captions (a talk, a lecture) break: a pause of 2 s, a sentence end at a
    pause of 1 s or near 100 words, and never past 150 words."""
    words = paragraph.words
    sentence_end = _SENTENCE_END.search(paragraph.texts[-1]) is not None
    return (pause >= PARAGRAPH_GAP_SECONDS or words >= PARAGRAPH_MAX_WORDS
            or (sentence_end and (pause >= SENTENCE_GAP_SECONDS or words >= PARAGRAPH_WORDS)))


def read_vtt(path: Path, options: ReadOptions) -> list[Document]:
    """Read a WebVTT transcript (Teams ``<v Name>`` voices or Zoom ``Name:`` prefixes)."""
    data = read_bytes(path)
    text = normalise(decode_bytes(data, path, options.encoding))
    cues = _sdh(_unroll(_vtt_cues(text, path)))
    _label_prefixes(cues, options.interviewers)
    return [_render(cues, path, data, "vtt", options)]


def read_srt(path: Path, options: ReadOptions) -> list[Document]:
    """Read a SubRip transcript; ``NAME:`` at the start of a cue starts a turn."""
    data = read_bytes(path)
    text = normalise(decode_bytes(data, path, options.encoding))
    cues = _srt_cues(text, path)
    if not cues:
        raise InputError("no subtitles found (is this a SubRip file?)", path)
    cues = _sdh(_unroll(cues))
    _label_prefixes(cues, options.interviewers)
    return [_render(cues, path, data, "srt", options)]
