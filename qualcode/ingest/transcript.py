"""Turning lines with (or without) speaker labels into turn and paragraph segments.

Every reader reduces its format to the same thing: the document's normalised text and a list
of ``Line`` spans in it, some starting with a speaker label. This module is the one place that
decides where turns and paragraphs begin and end, so all formats agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from qualcode.ingest.speakers import (
    accepted_speakers,
    is_interviewer,
    label_at_line_start,
    speaker_key,
)
from qualcode.model import Segment


@dataclass(slots=True)
class Line:
    """A line of the document text: ``[start, end)`` without surrounding blanks.

    ``speech_start`` is where the words spoken begin (after any label). ``speaker`` is set when
    the line starts a new turn. ``skip`` marks lines that are part of no turn (headings,
    non-transcript tables); ``blank`` lines separate paragraphs.
    """

    start: int
    end: int
    speech_start: int
    speaker: str | None = None
    time_start: float | None = None
    time_end: float | None = None
    skip: bool = False

    @property
    def blank(self) -> bool:
        return self.start >= self.end


def split_lines(text: str, base: int = 0) -> list[tuple[int, int]]:
    """(start, end) of each line of ``text`` with leading/trailing whitespace trimmed."""
    spans = []
    pos = 0
    for raw in text.split("\n"):
        lead = len(raw) - len(raw.lstrip())
        stripped = raw.strip()
        start = base + pos + lead
        spans.append((start, start + len(stripped)))
        pos += len(raw) + 1
    return spans


def labelled_lines(text: str, detect_labels: bool = True) -> list[Line]:
    """Split plain text into Lines, recognising speaker labels that recur or are roles."""
    spans = split_lines(text)
    if not detect_labels:
        return [Line(s, e, s) for s, e in spans]
    candidates = [
        label_at_line_start(text[s:e]) if e > s else None for s, e in spans
    ]
    accepted = accepted_speakers([c for c in candidates if c is not None])
    lines = []
    for (start, end), label in zip(spans, candidates, strict=True):
        if label is not None and speaker_key(label.name) in accepted:
            speech = start + label.speech_at
            while speech < end and text[speech].isspace():
                speech += 1
            lines.append(Line(start, end, speech, label.name, label.time))
        else:
            lines.append(Line(start, end, start))
    return lines


def has_blank_line_paragraphs(lines: list[Line]) -> bool:
    """Plain text uses blank lines between paragraphs if any blank line sits between content."""
    seen_content = False
    pending_blank = False
    for line in lines:
        if line.blank:
            pending_blank = seen_content
        elif not line.skip:
            if pending_blank:
                return True
            seen_content = True
    return False


@dataclass(slots=True)
class _TurnSpan:
    """A turn being read: its speaker, where its speech starts and ends, its times."""

    speaker: str | None
    time_start: float | None
    time_end: float | None
    start: int | None = None  # None until a line with speech arrives
    end: int = 0


@dataclass(slots=True)
class _ParagraphSpan:
    turn: int  # index into the turn spans
    start: int
    end: int


def assemble(
    document_id: str,
    text: str,
    lines: list[Line],
    *,
    blank_line_paragraphs: bool,
    interviewers: frozenset[str] = frozenset(),
) -> tuple[list[Segment], list[Segment]]:
    """Build (turns, paragraphs) from lines.

    A labelled line starts a turn that runs until the next label; text before the first label
    (titles, dates) belongs to no turn. In a document with no labels each paragraph is a turn
    with no speaker. Paragraphs never cross turns.
    """
    turn_spans, para_spans = _spans(lines, blank_line_paragraphs)
    turns: list[Segment] = []
    index_of_turn: dict[int, int] = {}
    for i, span in enumerate(turn_spans):
        if span.start is None:
            continue
        index_of_turn[i] = len(turns)
        turns.append(
            Segment(
                document_id, "turn", len(turns), span.start, span.end,
                text[span.start:span.end], span.speaker,
                is_interviewer(span.speaker, interviewers), span.time_start, span.time_end,
            )
        )
    paragraphs: list[Segment] = []
    for para in para_spans:
        turn = turns[index_of_turn[para.turn]]
        paragraphs.append(
            Segment(
                document_id, "paragraph", len(paragraphs), para.start, para.end,
                text[para.start:para.end], turn.speaker, turn.is_interviewer,
                turn.time_start, turn.time_end,
            )
        )
    return turns, paragraphs


def _spans(lines: list[Line], blank_line_paragraphs: bool
           ) -> tuple[list[_TurnSpan], list[_ParagraphSpan]]:
    """Where each turn and paragraph starts and ends (turns without speech included)."""
    labelled = any(line.speaker is not None for line in lines)
    turn_spans: list[_TurnSpan] = []
    para_spans: list[_ParagraphSpan] = []
    current: _TurnSpan | None = None
    paragraph_open = False

    for line in lines:
        if line.skip:
            current, paragraph_open = None, False
            continue
        if line.blank:
            if blank_line_paragraphs:
                paragraph_open = False
                if not labelled:
                    current = None
            continue
        if line.speaker is not None:
            current = _TurnSpan(line.speaker, line.time_start, line.time_end)
            turn_spans.append(current)
            paragraph_open = False
        elif current is None:
            if labelled:
                continue  # preamble before the first speaker label
            current = _TurnSpan(None, line.time_start, line.time_end)
            turn_spans.append(current)
        if line.speech_start >= line.end:
            continue  # a label alone on its line; the speech follows
        if current.start is None:
            current.start = line.speech_start
        current.end = line.end
        if line.time_end is not None:
            current.time_end = line.time_end
        if paragraph_open and blank_line_paragraphs:
            para_spans[-1].end = line.end
        else:
            para_spans.append(_ParagraphSpan(len(turn_spans) - 1, line.speech_start, line.end))
            paragraph_open = True
        if not labelled and not blank_line_paragraphs:
            current, paragraph_open = None, False
    return turn_spans, para_spans
