"""Turning lines with (or without) speaker labels into turn and paragraph segments.

Every reader reduces its format to the same thing: the document's normalised text and a list
of ``Line`` spans in it, some starting with a speaker label. This module is the one place that
decides where turns and paragraphs begin and end, so all formats agree.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from qualcode.ingest.speakers import (
    accepted_speakers,
    is_interviewer,
    label_at_line_start,
    leading_time,
    speaker_key,
)
from qualcode.model import Segment
from qualcode.text import count_words

# Otter's sign-off at the end of every export: not speech.
OTTER_TRAILER = re.compile(r"Transcribed by\s+(?:https?://)?(?:www\.)?otter\.ai/?\.?", re.I)
# Text before the first label: a title and a date stay out of every turn; more than this many
# words (an abstract, a paper's first pages) is coded as turns with no speaker.
PREAMBLE_WORDS = 40


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


def labelled_lines(
    text: str,
    detect_labels: bool = True,
    *,
    markdown: bool = False,
    interviewers: frozenset[str] = frozenset(),
) -> list[Line]:
    """Split plain text into Lines, recognising speaker labels (``accepted_speakers``).

    Otter's ``Transcribed by https://otter.ai`` sign-off is part of no turn. Where most lines
    open with a timestamp (``00:00:08 text``), the timestamp is the line's time, not speech.
    """
    spans = split_lines(text)
    if not detect_labels:
        return [Line(s, e, s) for s, e in spans]
    candidates = [
        label_at_line_start(text[s:e], markdown) if e > s else None for s, e in spans
    ]
    accepted = accepted_speakers([c for c in candidates if c is not None], interviewers)
    times = [leading_time(text[s:e]) if e > s and c is None else None
             for (s, e), c in zip(spans, candidates, strict=True)]
    content = sum(1 for s, e in spans if e > s)
    timed = sum(1 for t in times if t is not None)
    use_times = timed >= 2 and 2 * timed >= content - sum(c is not None for c in candidates)
    lines = []
    for (start, end), label, time in zip(spans, candidates, times, strict=True):
        if label is not None and speaker_key(label.name) in accepted:
            speech = start + label.speech_at
            while speech < end and text[speech].isspace():
                speech += 1
            lines.append(Line(start, end, speech, label.name, label.time))
        elif OTTER_TRAILER.fullmatch(text, start, end):
            lines.append(Line(start, end, start, skip=True))
        elif use_times and time is not None:
            lines.append(Line(start, end, start + time[1], time_start=time[0]))
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


class LineWords:
    """Each word of a document counted once, by line, so that the document, its turns and its
    paragraphs all get their word counts (``count_words``) by sums, not by recounting.

    Words never contain whitespace and lines start and end next to whitespace, so the words of
    a span that starts at a line's speech and ends at a later line's end are the running total
    between those lines plus the words of the first line's speech. Lines that are out of order
    or not bounded by whitespace (no reader makes them) fall back to counting each span.
    """

    def __init__(self, text: str, lines: list[Line]) -> None:
        self._text = text
        self._lines = lines
        # _before[i]: words in text[:lines[i].start]; _through[i]: in text[:lines[i].end]
        self._before: list[int] = []
        self._through: list[int] = []
        self.exact = True
        total, previous = 0, 0
        n = len(text)
        for line in lines:
            if line.start < previous or not (
                    (line.start == 0 or text[line.start - 1].isspace())
                    and (line.end >= n or text[line.end].isspace() or line.end == line.start)):
                self.exact = False
                break
            gap = text[previous:line.start]
            if gap and not gap.isspace():
                total += count_words(gap)
            self._before.append(total)
            if line.end > line.start:
                total += count_words(text[line.start:line.end])
                previous = line.end
            else:
                previous = line.start
            self._through.append(total)
        if self.exact:
            rest = text[previous:]
            self.total = total + (count_words(rest) if rest and not rest.isspace() else 0)
        else:
            self.total = count_words(text)

    def span(self, first: int, last: int, start: int, end: int) -> int:
        """Words in text[start:end], where ``start`` is in line ``first`` and ``end`` is the
        end of line ``last``."""
        text, line = self._text, self._lines[first]
        if not self.exact or end != self._lines[last].end:
            return count_words(text[start:end])
        words = self._through[last] - self._before[first]
        if start == line.start:
            return words
        if text[start - 1].isspace():  # no word crosses start: take off the label's words
            return words - count_words(text[line.start:start])
        return count_words(text[start:end])


@dataclass(slots=True)
class _TurnSpan:
    """A turn being read: its speaker, where its speech starts and ends, its times, and the
    lines it starts and ends in."""

    speaker: str | None
    time_start: float | None
    time_end: float | None
    start: int | None = None  # None until a line with speech arrives
    end: int = 0
    first_line: int = 0
    last_line: int = 0


@dataclass(slots=True)
class _ParagraphSpan:
    turn: int  # index into the turn spans
    start: int
    end: int
    first_line: int
    last_line: int


def assemble(
    document_id: str,
    text: str,
    lines: list[Line],
    *,
    blank_line_paragraphs: bool,
    interviewers: frozenset[str] = frozenset(),
    words: LineWords | None = None,
) -> tuple[list[Segment], list[Segment]]:
    """Build (turns, paragraphs) from lines, each with its word count (from ``words``, the
    document's words counted by line, made here if not given).

    A labelled line starts a turn that runs until the next label; text before the first label
    belongs to no turn if it is a title or a date (up to ``PREAMBLE_WORDS`` words), otherwise
    each of its paragraphs is a turn with no speaker. In a document with no labels each
    paragraph is a turn with no speaker. Paragraphs never cross turns. A timed turn with no end
    (Otter) ends where the next timed turn starts.
    """
    turn_spans, para_spans = _spans(text, lines, blank_line_paragraphs)
    words = words or LineWords(text, lines)
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
                words.span(span.first_line, span.last_line, span.start, span.end),
            )
        )
    paragraphs: list[Segment] = []
    for para in para_spans:
        turn = turns[index_of_turn[para.turn]]
        whole = para.start == turn.start and para.end == turn.end  # one text for both
        paragraphs.append(
            Segment(
                document_id, "paragraph", len(paragraphs), para.start, para.end,
                turn.text if whole else text[para.start:para.end], turn.speaker,
                turn.is_interviewer,
                turn.time_start, turn.time_end,
                words.span(para.first_line, para.last_line, para.start, para.end),
            )
        )
    return turns, paragraphs


def _spans(text: str, lines: list[Line], blank_line_paragraphs: bool
           ) -> tuple[list[_TurnSpan], list[_ParagraphSpan]]:
    """Where each turn and paragraph starts and ends (turns without speech included)."""
    labelled = any(line.speaker is not None for line in lines)
    first_label = next((i for i, line in enumerate(lines) if line.speaker is not None), 0)
    preamble_words = sum(len(text[line.speech_start:line.end].split())
                         for line in lines[:first_label] if not line.skip)
    keep_preamble = preamble_words > PREAMBLE_WORDS
    turn_spans: list[_TurnSpan] = []
    para_spans: list[_ParagraphSpan] = []
    current: _TurnSpan | None = None
    paragraph_open = False

    for index, line in enumerate(lines):
        unlabelled = not labelled or (keep_preamble and index < first_label)
        if line.skip:
            current, paragraph_open = None, False
            continue
        if line.blank:
            if blank_line_paragraphs:
                paragraph_open = False
                if unlabelled:
                    current = None
            continue
        if line.speaker is not None:
            current = _TurnSpan(line.speaker, line.time_start, line.time_end)
            turn_spans.append(current)
            paragraph_open = False
        elif current is None:
            if not unlabelled:
                continue  # a title or a date before the first speaker label
            current = _TurnSpan(None, line.time_start, line.time_end)
            turn_spans.append(current)
        if line.speech_start >= line.end:
            continue  # a label alone on its line; the speech follows
        if current.start is None:
            current.start = line.speech_start
            current.first_line = index
        current.end = line.end
        current.last_line = index
        if line.time_end is not None:
            current.time_end = line.time_end
        if paragraph_open and blank_line_paragraphs:
            para_spans[-1].end = line.end
            para_spans[-1].last_line = index
        else:
            para_spans.append(_ParagraphSpan(len(turn_spans) - 1, line.speech_start, line.end,
                                             index, index))
            paragraph_open = True
        if unlabelled and not blank_line_paragraphs:
            current, paragraph_open = None, False
    spoken = [span for span in turn_spans if span.start is not None]
    for span, following in itertools.pairwise(spoken):
        if span.time_start is not None and span.time_end is None \
                and following.time_start is not None:
            span.time_end = max(following.time_start, span.time_start)
    return turn_spans, para_spans
