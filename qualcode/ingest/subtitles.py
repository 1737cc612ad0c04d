"""Subtitle transcripts (.vtt via webvtt-py, .srt via srt): cues merged into speaker turns.

Teams and Zoom captions split a turn into many short cues; consecutive cues of one speaker
become one turn, with the first cue's start and the last cue's end kept as timestamps.
A speaker comes from a ``<v Name>`` voice or a ``Name:`` prefix; a cue with neither
continues the previous speaker (the SubRip convention).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from qualcode.errors import InputError, quoted
from qualcode.ingest.builder import ReadOptions, TextBuilder
from qualcode.ingest.speakers import accepted_speakers, label_at_line_start, speaker_key
from qualcode.model import Document
from qualcode.text import decode_bytes, normalise, read_bytes

_TAG = re.compile(r"<[^>\n]*>")
_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>]+)>")
_VTT_TIME = r"(?:\d{2,}:)?[0-5]\d:[0-5]\d\.\d{3}"
_VTT_TIMING = re.compile(rf"^{_VTT_TIME}[ \t]+-->[ \t]+{_VTT_TIME}(?:[ \t].*)?$")
_SRT_TIMING = re.compile(r"^\s*\d+:\d{2}:\d{2}[,.]\d{1,3}\s*-->\s*\d+:\d{2}:\d{2}[,.]\d{1,3}")
PARAGRAPH_GAP_SECONDS = 2.0


@dataclass(slots=True)
class Cue:
    start: float
    end: float
    text: str
    speaker: str | None


def _seconds(value) -> float:
    if hasattr(value, "total_seconds"):
        return value.total_seconds()
    hours, minutes, seconds = ("0:" * (2 - value.count(":")) + value).split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def _clean(text: str) -> str:
    return " ".join(_TAG.sub("", text).split())


def _check_vtt_timings(text: str, path: Path) -> None:
    """webvtt-py reports a malformed file without a line; find the line ourselves."""
    lines = text.split("\n")
    if not lines[0].startswith("WEBVTT"):
        raise InputError("not a WebVTT file (the first line must be WEBVTT)", path, 1)
    for number, line in enumerate(lines, start=1):
        if "-->" in line and not _VTT_TIMING.match(line.strip()):
            raise InputError(f"bad cue timing {line.strip()!r}", path, number)
        if "-->" in line:
            start, end = (part.split()[0] for part in line.split("-->"))
            if _seconds(end) < _seconds(start):
                raise InputError(f"cue ends before it starts: {line.strip()!r}", path, number)


def _vtt_cues(text: str, path: Path) -> list[Cue]:
    import webvtt
    from webvtt.errors import MalformedFileError

    _check_vtt_timings(text, path)
    try:
        captions = webvtt.from_string(text)
    except MalformedFileError as exc:
        raise InputError(f"malformed WebVTT: {exc}", path) from None
    cues = []
    for caption in captions.captions:
        voice = _VOICE.search(caption.raw_text)
        speaker = voice.group(1).strip() if voice else None
        cues.append(Cue(_seconds(caption.start), _seconds(caption.end),
                        _clean(caption.raw_text), speaker))
    return cues


def _check_srt_numbers(text: str, path: Path) -> None:
    """Every timing line is well formed and comes straight after its cue's number. The srt
    library reads a cue numbered ``three`` as text of the cue before, timing line and all,
    and the next speaker's words join the wrong turn: refuse that with the line."""
    lines = text.lstrip("\ufeff").split("\n")
    for number, line in enumerate(lines, start=1):
        if "-->" not in line:
            continue
        if not _SRT_TIMING.match(line):
            raise InputError(f"bad cue timing {quoted(line.strip())}", path, number)
        before = lines[number - 2].strip() if number > 1 else ""
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
                        voice.group(1).strip() if voice else None))
    return cues


def _label_prefixes(cues: list[Cue]) -> None:
    """Take ``Name:`` prefixes (Zoom, SubRip) as speakers where they recur or are roles."""
    found = [(cue, label_at_line_start(cue.text)) for cue in cues if cue.speaker is None]
    accepted = accepted_speakers([label for _, label in found if label])
    for cue, label in found:
        if label and speaker_key(label.name) in accepted:
            cue.speaker = label.name
            cue.text = cue.text[label.speech_at:].strip()


@dataclass(slots=True)
class _Turn:
    """Consecutive cues of one speaker (or, unlabelled, without a long pause) as one turn."""

    speaker: str | None
    texts: list[str]
    start: float
    end: float


def _render(cues: list[Cue], path: Path, data: bytes, fmt: str, options: ReadOptions) -> Document:
    cues = [cue for cue in cues if cue.text]
    if not cues:
        raise InputError("no captions with text", path)
    labelled = any(cue.speaker for cue in cues)
    turns: list[_Turn] = []
    for cue in cues:
        previous = turns[-1] if turns else None
        if previous is None:
            same = False
        elif labelled:
            same = cue.speaker is None or (
                speaker_key(cue.speaker) == speaker_key(previous.speaker or ""))
        else:
            same = cue.start - previous.end < PARAGRAPH_GAP_SECONDS
        if previous is not None and same:
            previous.texts.append(cue.text)
            previous.end = cue.end
        else:
            turns.append(_Turn(cue.speaker, [cue.text], cue.start, cue.end))
    builder = TextBuilder("\n\n")
    for turn in turns:
        prefix = f"{turn.speaker}: " if turn.speaker else ""
        builder.add(prefix + " ".join(turn.texts), speaker=turn.speaker,
                    speech_at=len(prefix), time_start=turn.start, time_end=turn.end)
    return builder.document(path, data, fmt, options)


def read_vtt(path: Path, options: ReadOptions) -> list[Document]:
    """Read a WebVTT transcript (Teams ``<v Name>`` voices or Zoom ``Name:`` prefixes)."""
    data = read_bytes(path)
    text = normalise(decode_bytes(data, path, options.encoding))
    cues = _vtt_cues(text, path)
    _label_prefixes(cues)
    return [_render(cues, path, data, "vtt", options)]


def read_srt(path: Path, options: ReadOptions) -> list[Document]:
    """Read a SubRip transcript; ``NAME:`` at the start of a cue starts a turn."""
    data = read_bytes(path)
    text = normalise(decode_bytes(data, path, options.encoding))
    cues = _srt_cues(text, path)
    if not cues:
        raise InputError("no subtitles found (is this a SubRip file?)", path)
    _label_prefixes(cues)
    return [_render(cues, path, data, "srt", options)]
