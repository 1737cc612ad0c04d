"""Every reader: turns, speakers, timestamps, and offsets that index the text exactly."""

from __future__ import annotations

import pytest
from conftest import write_docx

from qualcode.ingest import READERS, read_document, read_documents
from qualcode.segment import sentences


def check_offsets(doc):
    for seg in [*doc.turns, *doc.paragraphs, *sentences(doc)]:
        assert doc.text[seg.start:seg.end] == seg.text
        assert seg.text == seg.text.strip() and seg.text


def speakers_of(doc):
    return [(t.speaker, t.is_interviewer) for t in doc.turns]


def test_txt_name_colon_with_preamble_and_continuation(transcript):
    doc = read_document(transcript)
    assert doc.id == "int01" and doc.format == "txt" and doc.source_name == "int01.txt"
    assert speakers_of(doc) == [("Interviewer", True), ("Siân Jones", False)] * 2
    assert doc.turns[1].text.endswith("partner agencies.")
    check_offsets(doc)


def test_txt_crlf_line_endings_give_the_same_offsets(tmp_path, transcript):
    crlf = tmp_path / "crlf.txt"
    crlf.write_bytes(transcript.read_bytes().replace(b"\n", b"\r\n"))
    a, b = read_document(transcript), read_document(crlf)
    assert a.text == b.text
    assert [(t.start, t.end) for t in a.turns] == [(t.start, t.end) for t in b.turns]


def test_txt_offsets_count_code_points_not_bytes(transcript):
    doc = read_document(transcript)
    turn = doc.turns[1]
    emoji_at = doc.text.index("😀")
    assert turn.start < emoji_at < turn.end
    assert doc.text[emoji_at:emoji_at + 1] == "😀"  # one code point, four UTF-8 bytes
    check_offsets(doc)


def test_txt_without_labels_gives_one_turn_per_paragraph(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("First response, about budgets.\nStill the first.\n\n\nSecond one.\n")
    doc = read_document(path)
    assert [t.text for t in doc.turns] == ["First response, about budgets.\nStill the first.",
                                          "Second one."]
    assert all(t.speaker is None and not t.is_interviewer for t in doc.turns)
    check_offsets(doc)


def test_txt_one_line_per_turn_without_blank_lines(tmp_path):
    path = tmp_path / "lines.txt"
    path.write_text("Q: What drives learning?\nP10: Ofsted, mainly.\nQ: Anything else?\n"
                    "P10: Case reviews.\n")
    doc = read_document(path)
    assert speakers_of(doc) == [("Q", True), ("P10", False)] * 2
    assert [p.text for p in doc.paragraphs] == ["What drives learning?", "Ofsted, mainly.",
                                                 "Anything else?", "Case reviews."]


def test_otter_style_headers_carry_timestamps(tmp_path):
    path = tmp_path / "otter.txt"
    path.write_text("Interviewer  0:02\nHello, tell me.\n\nJo Smith  0:09\nWell.\nMore.\n\n"
                    "Interviewer  1:02:03\nOK.\n")
    doc = read_document(path)
    assert [(t.speaker, t.time_start) for t in doc.turns] == [
        ("Interviewer", 2.0), ("Jo Smith", 9.0), ("Interviewer", 3723.0)]
    assert "0:09" not in doc.turns[1].text
    check_offsets(doc)


def test_bracket_labels(tmp_path):
    path = tmp_path / "b.md"
    path.write_text("[Interviewer] Start?\n\n[Rhian Davies] Yes [laughs] fine.\n\n"
                    "[Interviewer] Next.\n\n[Rhian Davies] Dŵr.\n")
    doc = read_document(path)
    assert doc.format == "md"
    assert speakers_of(doc) == [("Interviewer", True), ("Rhian Davies", False)] * 2
    assert doc.turns[1].text == "Yes [laughs] fine."


def test_docx_plain_labels_headings_and_continuation_paragraphs(tmp_path):
    path = write_docx(tmp_path / "d.docx", [
        ("#", "Interview transcript"), "Date of interview: 14 January 2016",
        "Interviewer: How did it go?", "Janet Hollis: Well – first paragraph.",
        "Second paragraph of the same turn.", "Interviewer: Thanks.", "Janet Hollis: Bye.",
    ])
    doc = read_document(path)
    assert doc.format == "docx"
    assert speakers_of(doc) == [("Interviewer", True), ("Janet Hollis", False)] * 2
    assert doc.turns[1].text == "Well – first paragraph.\nSecond paragraph of the same turn."
    assert len(doc.paragraphs) == 5
    assert "Interview transcript" not in " ".join(t.text for t in doc.turns)
    check_offsets(doc)


def test_docx_bold_labels_with_and_without_colon(tmp_path):
    path = write_docx(tmp_path / "bold.docx", [
        ("INTERVIEWER:", " So to start?"), ("MARK OKAFOR:", " Right, yes."),
        ("Interviewer", "\tAnd then?"), ("Priya Shah", "\tSiân helped."),
        ("Interviewer", "\tGood."), ("Priya Shah", "\tYes."),
    ])
    doc = read_document(path)
    assert [t.speaker for t in doc.turns][:2] == ["INTERVIEWER", "MARK OKAFOR"]
    assert doc.turns[0].text == "So to start?"
    assert doc.turns[3].text == "Siân helped." and doc.turns[3].speaker == "Priya Shah"
    check_offsets(doc)


def test_docx_transcript_table_rows_become_turns(tmp_path):
    path = write_docx(tmp_path / "t.docx", ["LSCB 03 - business manager interview"], table=[
        ["Time", "Speaker", "Text"],
        ["00:00:05", "Interviewer", "Thanks for your time."],
        ["00:00:09", "Claire Benson", "No problem at all."],
    ])
    doc = read_document(path)
    assert [(t.speaker, t.time_start, t.text) for t in doc.turns] == [
        ("Interviewer", 5.0, "Thanks for your time."),
        ("Claire Benson", 9.0, "No problem at all."),
    ]
    check_offsets(doc)


VTT_TEAMS = """WEBVTT

6b1f/1-0
00:00:01.000 --> 00:00:02.500
<v Interviewer>Thanks for joining.</v>

6b1f/2-0
00:00:02.600 --> 00:00:04.000
<v Interviewer>Tell me about your role.</v>

6b1f/3-0
00:00:04.500 --> 00:00:07.000
<v Helen Marsh>I’ve been here six years,
mostly on reviews.</v>
"""


def test_vtt_voices_merge_consecutive_cues_and_keep_times(tmp_path):
    path = tmp_path / "teams.vtt"
    path.write_text(VTT_TEAMS)
    doc = read_document(path)
    assert [(t.speaker, t.time_start, t.time_end, t.text) for t in doc.turns] == [
        ("Interviewer", 1.0, 4.0, "Thanks for joining. Tell me about your role."),
        ("Helen Marsh", 4.5, 7.0, "I’ve been here six years, mostly on reviews."),
    ]
    check_offsets(doc)


def test_vtt_zoom_prefixes_and_srt_continuation_cues(tmp_path):
    zoom = tmp_path / "zoom.vtt"
    zoom.write_text("WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nInterviewer: Right.\n\n"
                    "2\n00:00:02.000 --> 00:00:03.000\nGwen Pritchard: We, um.\n\n"
                    "3\n00:00:03.000 --> 00:00:04.000\nGwen Pritchard: CSSIW came.\n")
    doc = read_document(zoom)
    assert [(t.speaker, t.text) for t in doc.turns] == [
        ("Interviewer", "Right."), ("Gwen Pritchard", "We, um. CSSIW came.")]
    subrip = tmp_path / "s.srt"
    subrip.write_text("1\n00:00:01,000 --> 00:00:02,000\nINTERVIEWER: Hi\n\n"
                      "2\n00:00:02,500 --> 00:00:04,000\nthere you go\n\n"
                      "3\n00:00:04,500 --> 00:00:06,000\nRUTH KELLAWAY: Fine\n\n"
                      "4\n00:00:06,500 --> 00:00:07,000\nINTERVIEWER: ok\n\n"
                      "5\n00:00:07,500 --> 00:00:08,000\nRUTH KELLAWAY: <i>Yes</i>\n")
    doc = read_document(subrip)
    assert [(t.speaker, t.text, t.time_start) for t in doc.turns] == [
        ("INTERVIEWER", "Hi there you go", 1.0), ("RUTH KELLAWAY", "Fine", 4.5),
        ("INTERVIEWER", "ok", 6.5), ("RUTH KELLAWAY", "Yes", 7.5)]
    check_offsets(doc)


def test_vtt_without_speakers_breaks_paragraphs_at_pauses(tmp_path):
    path = tmp_path / "plain.vtt"
    path.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nOne.\n\n"
                    "00:00:02.100 --> 00:00:03.000\nTwo.\n\n"
                    "00:00:09.000 --> 00:00:10.000\nThree.\n")
    doc = read_document(path)
    assert [(t.speaker, t.text) for t in doc.turns] == [(None, "One. Two."), (None, "Three.")]


def test_csv_and_xlsx_responses_one_document_per_row(tmp_path):
    import pandas as pd

    frame = pd.DataFrame({"respondent": ["R1", "R2", "R3"],
                          "region": ["North", "Wales", "South"],
                          "answer": ["Budgets are tight – très.", "", "Partners 😀 help."]})
    frame.to_csv(tmp_path / "resp.csv", index=False)
    frame.to_excel(tmp_path / "resp.xlsx", index=False)
    for name in ("resp.csv", "resp.xlsx"):
        docs = read_documents(tmp_path / name, text_column="answer", id_column="respondent")
        assert [d.id for d in docs] == ["R1", "R3"]  # the blank response is not a document
        assert docs[1].attributes == {"region": "South"}
        assert docs[1].turns[0].text == "Partners 😀 help."
        check_offsets(docs[1])
    docs = read_documents(tmp_path / "resp.csv", text_column="answer")
    assert [d.id for d in docs] == ["resp-2", "resp-4"]


def test_registry_lists_every_format():
    assert set(READERS) == {".txt", ".md", ".docx", ".vtt", ".srt", ".pdf", ".odt", ".rtf",
                            ".html", ".htm", ".csv", ".xlsx"}


@pytest.mark.parametrize("name", ["lscb01.docx", "lscb05.vtt", "lscb08.srt", "lscb09.txt",
                                  "lscb10.txt", "lscb11.txt", "lscb12.txt"])
def test_sample_transcripts_have_interviewer_and_participant_turns(name):
    from conftest import SAMPLE

    doc = read_document(SAMPLE / name)
    roles = {t.is_interviewer for t in doc.turns}
    assert roles == {True, False}
    assert len(doc.speakers) == 2
    check_offsets(doc)
