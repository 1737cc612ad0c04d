"""Speaker-label detection: which lines start a turn, who speaks, and which speakers interview.

Recognised (DESIGN.md): ``Name:``, ``NAME:``, ``[Name]``, ``P01:``, ``Interviewer:``/``I:``/``Q:``,
``Name (00:12):``, a leading ``[00:01:02]`` timestamp, and Otter-style ``Name  00:12`` header
lines. A candidate label counts only if it is a known role or recurs in the document, so a
sentence such as ``Anyway: that was it`` inside an answer does not start a turn.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

TIME = r"(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
_LEADING_TIME = re.compile(rf"[\[(]?(?P<time>{TIME})[\])]?\s+")
_BRACKET = re.compile(r"\[(?P<name>[^\]\n]{1,40})\][ \t]*[:：]?[ \t]*")
# The full-width colon of Chinese and Japanese text (U+FF1A) separates a label too, and needs
# no space after it.
_COLON = re.compile(
    rf"(?P<name>[^:：\n\[\]()]{{1,40}}?)[ \t]*(?:[\[(](?P<time>{TIME})[\])])?[ \t]*"
    r"(?::(?:[ \t]+|$)|：[ \t]*)"
)
_HEADER = re.compile(rf"(?P<name>[^:：\n\[\]()]{{1,40}}?)\s+[\[(]?(?P<time>{TIME})[\])]?\s*$")

INTERVIEWER_ROLES = frozenset(
    {"interviewer", "i", "q", "int", "iv", "facilitator", "moderator", "researcher"}
)
PARTICIPANT_ROLES = frozenset(
    {"participant", "interviewee", "respondent", "p", "r", "a", "answer", "speaker"}
)
_NOT_SPEAKERS = frozenset(
    {
        "inaudible", "laughs", "laughter", "crosstalk", "pause", "silence", "music", "unclear",
        "overlapping", "overtalk", "background noise", "coughs", "sighs", "redacted", "name",
        "note", "notes", "date", "time", "location", "subject", "re", "ps", "nb", "tel", "email",
        "http", "https", "www", "example", "e.g", "i.e",
    }
)


@dataclass(frozen=True, slots=True)
class Label:
    """A speaker label found at the start of a line; ``speech_at`` is where the speech begins."""

    name: str
    speech_at: int
    time: float | None = None
    header: bool = False


def parse_time(value: str | None) -> float | None:
    """``1:02:03`` -> 3723.0, ``0:12`` -> 12.0, ``00:00:05,500`` -> 5.5."""
    if not value:
        return None
    value = value.replace(",", ".")
    seconds = 0.0
    for part in value.split(":"):
        seconds = seconds * 60 + float(part)
    return seconds


def is_plausible_name(name: str) -> bool:
    """A speaker name: 1-4 words, each capitalised (or in a script without case: Arabic,
    Hebrew, Chinese, Devanagari ...) or a number, no sentence punctuation."""
    name = name.strip()
    if not name or len(name) > 40 or name.casefold() in _NOT_SPEAKERS:
        return False
    if any(ch in name for ch in "?!,;\"“”？！，；。"):
        return False
    words = name.split()
    if len(words) > 4:
        return False
    return all(_capital_or_caseless(w[0]) or w[0].isdigit() for w in words) \
        and not name[0].isdigit()


def _capital_or_caseless(char: str) -> bool:
    return char.isupper() or (char.isalpha() and not char.islower())


def label_at_line_start(line: str) -> Label | None:
    """The candidate speaker label at the start of ``line``, or None.

    Only the line's own shape is checked here; ``accepted_speakers`` then keeps the names that
    are roles or recur, which is what makes a candidate a speaker.
    """
    stripped = len(line) - len(line.lstrip())
    pos = stripped
    time = None
    lead = _LEADING_TIME.match(line, pos)
    if lead:
        time = parse_time(lead.group("time"))
        pos = lead.end()
    header = _HEADER.fullmatch(line, pos)
    if header and lead is None and is_plausible_name(header.group("name")):
        return Label(
            header.group("name").strip(), len(line), parse_time(header.group("time")), True
        )
    for pattern in (_BRACKET, _COLON):
        match = pattern.match(line, pos)
        if match and is_plausible_name(match.group("name")):
            own_time = match.groupdict().get("time")
            return Label(
                match.group("name").strip(),
                match.end(),
                parse_time(own_time) if own_time else time,
            )
    return None


def speaker_key(name: str) -> str:
    """Labels that differ only in case or spacing name the same speaker."""
    return " ".join(name.split()).casefold()


def accepted_speakers(candidates: list[str | Label]) -> set[str]:
    """Keys of candidate labels that are known roles or occur at least twice.

    Otter-style header lines (a name and a time alone on a line) are unmistakable once a
    document has two of them, so there a speaker who talks once still counts.
    """
    names = [c.name if isinstance(c, Label) else c for c in candidates]
    counts = Counter(speaker_key(n) for n in names)
    headers = [c for c in candidates if isinstance(c, Label) and c.header]
    trusted = {speaker_key(c.name) for c in headers} if len(headers) >= 2 else set()
    return {
        key
        for key, n in counts.items()
        if n >= 2 or key in trusted or key in INTERVIEWER_ROLES or key in PARTICIPANT_ROLES
        or key.startswith("interviewer")
    }


def is_interviewer(name: str | None, interviewers: frozenset[str] = frozenset()) -> bool:
    """Whether a speaker interviews: a role label (``Interviewer``, ``I``, ``Q``...) or a name
    the user gave with ``--interviewer``."""
    if name is None:
        return False
    key = speaker_key(name)
    if key in {speaker_key(n) for n in interviewers}:
        return True
    return key in INTERVIEWER_ROLES or key.startswith("interviewer")
