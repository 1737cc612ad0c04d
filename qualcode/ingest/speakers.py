"""Speaker-label detection: which lines start a turn, who speaks, and which speakers interview.

Recognised (DESIGN.md): ``Name:``, ``NAME:``, ``[Name]``, ``P01:``, ``Interviewer:``/``I:``/``Q:``,
``Name (00:12):``, a leading ``[00:01:02]`` timestamp, Otter-style ``Name  00:12`` header lines
(and a bare ``48:32`` line where Otter lost the speaker), lower-case roles and ids
(``interviewer:``, ``respondent 3:``, ``[id1]``), and in Markdown ``### Name`` and ``**Name:**``.
A candidate label counts only if it is a known role or id, follows a known role's turn, or
recurs as a dialogue would (see ``accepted_speakers``), so a sentence such as
``Anyway: that was it`` inside an answer, or a headline ``Pfizer: ...`` in a paper, does not
start a turn.
"""

from __future__ import annotations

import itertools
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
_BARE_TIME = re.compile(rf"[\[(]?(?P<time>{TIME})[\])]?\s*$")
_MD_HEADING = re.compile(r"#{1,6}[ \t]+(?P<name>[^#\n]{1,40}?)[ \t#]*$")
_MD_BOLD = re.compile(r"\*\*(?P<name>[^*\n:]{1,40}?)[ \t]*(?::\*\*|\*\*[ \t]*:)[ \t]*")
# Ids that name a participant or interviewer from their first use: P01, R3, Participant 2, id1.
_ID = re.compile(
    r"(?:p|r|pt|participant|respondent|interviewee|speaker|id|int|interviewer)"
    r"[ \t_-]?\d{1,4}[a-z]?"
)
UNKNOWN_SPEAKER = "Unknown speaker"

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
# Words that open a sentence with a colon (``Anyway: ...``) right after a question; never taken
# as the one-off answer of a speaker.
_DISCOURSE = frozenset(
    {
        "anyway", "however", "well", "so", "yes", "no", "okay", "ok", "right", "answer",
        "question", "because", "and", "but", "also", "then", "first", "second", "third",
        "finally", "basically", "actually", "honestly", "look", "listen", "um", "erm", "oh",
        "summary", "conclusion", "result", "results", "update", "important", "warning",
    }
)


@dataclass(frozen=True, slots=True)
class Label:
    """A speaker label found at the start of a line; ``speech_at`` is where the speech begins."""

    name: str
    speech_at: int
    time: float | None = None
    header: bool = False
    bare: bool = False


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
    if len(name) > 1 and is_known_label(name):
        return True  # ``interviewer``, ``respondent 3``, ``id1``: lower case is still a label
    return all(_capital_or_caseless(w[0]) or w[0].isdigit() for w in words) \
        and not name[0].isdigit()


def _capital_or_caseless(char: str) -> bool:
    return char.isupper() or (char.isalpha() and not char.islower())


def is_known_label(name: str) -> bool:
    """A role (``Interviewer``, ``Respondent``) or an id (``P01``, ``R3``, ``Participant 2``):
    a label from its first use."""
    key = speaker_key(name)
    return (key in INTERVIEWER_ROLES or key in PARTICIPANT_ROLES
            or key.startswith("interviewer") or _ID.fullmatch(key) is not None)


def leading_time(line: str) -> tuple[float, int] | None:
    """A timestamp opening a line of speech (``00:00:08 text``): (seconds, where text starts)."""
    lead = _LEADING_TIME.match(line, len(line) - len(line.lstrip()))
    seconds = parse_time(lead.group("time")) if lead else None
    if lead is None or seconds is None or lead.end() >= len(line):
        return None
    return seconds, lead.end()


def label_at_line_start(line: str, markdown: bool = False) -> Label | None:
    """The candidate speaker label at the start of ``line``, or None.

    Only the line's own shape is checked here; ``accepted_speakers`` then keeps the names that
    are roles or recur, which is what makes a candidate a speaker. ``markdown`` also takes
    ``### Name`` headings and ``**Name:**`` openings.
    """
    stripped = len(line) - len(line.lstrip())
    pos = stripped
    if markdown:
        for pattern in (_MD_HEADING, _MD_BOLD):
            match = pattern.match(line, pos)
            if match and is_plausible_name(match.group("name")):
                at = len(line) if pattern is _MD_HEADING else match.end()
                return Label(match.group("name").strip(), at)
    bare = _BARE_TIME.fullmatch(line, pos)
    if bare:  # Otter lost the speaker: a turn of someone unknown, where Otter headers are used
        return Label(UNKNOWN_SPEAKER, len(line), parse_time(bare.group("time")), True, True)
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


def accepted_speakers(
    candidates: list[str | Label], interviewers: frozenset[str] = frozenset()
) -> set[str]:
    """Keys of the candidate labels (in document order) that are speakers.

    A candidate is a speaker if it is a known role or id (``Interviewer``, ``P01``, a name given
    with ``--interviewer``), if it comes right after a known role's label (the one answer of
    someone who speaks once), or if it recurs as a dialogue would: where no candidate is a
    known role, only when two or more names recur, so a paper's repeated ``Pfizer: ...``
    headlines stay text. Otter-style header lines (a name and a time alone on a line) are
    unmistakable once a document has two of them, so there everyone counts; a bare time line
    (``Unknown speaker``) counts only there.
    """
    names = [c.name if isinstance(c, Label) else c for c in candidates]
    keys = [speaker_key(n) for n in names]
    given = {speaker_key(n) for n in interviewers}
    counts = Counter(keys)
    headers = [c for c in candidates if isinstance(c, Label) and c.header and not c.bare]
    trusted = {speaker_key(c.name) for c in candidates
               if isinstance(c, Label) and c.header} if len(headers) >= 2 else set()
    known = {key for key in counts if key in given or is_known_label(key)}
    known.discard(speaker_key(UNKNOWN_SPEAKER))
    recurring = {key for key, n in counts.items() if n >= 2} - {speaker_key(UNKNOWN_SPEAKER)}
    accepted = known | recurring if known or len(recurring) >= 2 else set(known)
    unknown = speaker_key(UNKNOWN_SPEAKER)
    for previous, key in itertools.pairwise(keys):
        if previous in known and key not in _DISCOURSE and key != unknown:
            accepted.add(key)
    return accepted | trusted


def is_interviewer(name: str | None, interviewers: frozenset[str] = frozenset()) -> bool:
    """Whether a speaker interviews: a role label (``Interviewer``, ``I``, ``Q``...) or a name
    the user gave with ``--interviewer``."""
    if name is None:
        return False
    key = speaker_key(name)
    if key in {speaker_key(n) for n in interviewers}:
        return True
    return key in INTERVIEWER_ROLES or key.startswith("interviewer")
