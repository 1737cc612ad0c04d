"""Speaker-label styles from DESIGN.md, and lines that only look like labels."""

from __future__ import annotations

import pytest

from qualcode.ingest.speakers import is_interviewer, label_at_line_start, parse_time
from qualcode.ingest.transcript import labelled_lines


@pytest.mark.parametrize(
    ("line", "name", "speech", "time"),
    [
        ("Sarah Jones: We meet monthly.", "Sarah Jones", "We meet monthly.", None),
        ("INTERVIEWER: So tell me", "INTERVIEWER", "So tell me", None),
        ("[Rhian Davies] Well, yes.", "Rhian Davies", "Well, yes.", None),
        ("[Interviewer]: Right.", "Interviewer", "Right.", None),
        ("P01: I think so", "P01", "I think so", None),
        ("I: And then?", "I", "And then?", None),
        ("Q: What drives it?", "Q", "What drives it?", None),
        ("Jo Whitfield  0:09", "Jo Whitfield", "", 9.0),
        ("Speaker 1  1:02:03", "Speaker 1", "", 3723.0),
        ("[00:01:05] Interviewer: Next one.", "Interviewer", "Next one.", 65.0),
        ("Dr. O'Neill (12:30): Indeed.", "Dr. O'Neill", "Indeed.", 750.0),
    ],
)
def test_label_styles(line, name, speech, time):
    label = label_at_line_start(line)
    assert label is not None
    assert label.name == name
    assert line[label.speech_at:].strip() == speech
    assert label.time == time


@pytest.mark.parametrize(
    "line",
    [
        "the thing is: nobody came",
        "[laughs] yes, well",
        "[inaudible] and then",
        "Why? Because: the budget",
        "http://example.org is the site",
        "10:30 was the meeting time",
        "Well, you know, one of the things: partnership",
    ],
)
def test_lines_that_are_not_labels(line):
    assert label_at_line_start(line) is None


def test_a_candidate_seen_once_is_not_a_speaker():
    text = ("Interviewer: What helped?\nAnne Bell: Partnership.\nHowever: it was hard.\n"
            "Interviewer: Go on.\nAnne Bell: That's it.\n")
    speakers = [line.speaker for line in labelled_lines(text) if line.speaker]
    assert speakers == ["Interviewer", "Anne Bell", "Interviewer", "Anne Bell"]


def test_interviewer_roles_and_named_interviewers():
    assert is_interviewer("Interviewer")
    assert is_interviewer("INTERVIEWER 2")
    assert is_interviewer("Q") and is_interviewer("I")
    assert not is_interviewer("Sarah Jones")
    assert is_interviewer("sarah  jones", frozenset({"Sarah Jones"}))
    assert not is_interviewer(None)


def test_parse_time():
    assert parse_time("00:00:05,500") == 5.5
    assert parse_time("0:12") == 12.0
    assert parse_time(None) is None
