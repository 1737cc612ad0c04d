"""Transcripts as they come out of real tools (issue 13): each case a fixture built here."""

from __future__ import annotations

import docx
import pytest

from qualcode.ingest import read_document
from qualcode.segment import sentences


def check_offsets(doc):
    for seg in [*doc.turns, *doc.paragraphs, *sentences(doc)]:
        assert doc.text[seg.start:seg.end] == seg.text
        assert seg.text == seg.text.strip() and seg.text


def turns_of(doc):
    return [(t.speaker, t.text) for t in doc.turns]


# --- a speaker who answers once; headlines that are not speakers ------------------------------

def test_a_speaker_who_answers_once_after_the_interviewer_is_a_speaker(tmp_path):
    path = tmp_path / "once.txt"
    path.write_text("Interviewer: What helped the board learn? 😀\n"
                    "Kerry Vance: Honestly, the joint audits.\n"
                    "Interviewer: Thanks, that's all.\n", encoding="utf-8")
    doc = read_document(path)
    assert [(t.speaker, t.is_interviewer) for t in doc.turns] == [
        ("Interviewer", True), ("Kerry Vance", False), ("Interviewer", True)]
    assert doc.turns[1].text == "Honestly, the joint audits."
    check_offsets(doc)


@pytest.mark.parametrize("label", ["P01", "R3", "Participant 2", "respondent 3", "id1"])
def test_ids_are_speakers_from_their_first_use(tmp_path, label):
    path = tmp_path / "ids.txt"
    path.write_text(f"Some Title: a study\n\n{label}: We never met as a board.\n",
                    encoding="utf-8")
    doc = read_document(path)
    assert [t.speaker for t in doc.turns] == [label]
    assert doc.turns[0].text == "We never met as a board."


def test_a_discourse_word_after_a_question_is_not_a_speaker(tmp_path):
    path = tmp_path / "anyway.txt"
    path.write_text("Interviewer: And then?\nAnyway: it was fine.\nP2: Yes.\n")
    doc = read_document(path)
    assert turns_of(doc) == [("Interviewer", "And then?\nAnyway: it was fine."), ("P2", "Yes.")]


def test_headlines_in_a_paper_are_not_speakers_and_all_text_is_coded(tmp_path):
    body = "Vaccines were trialled across many sites with consistent results. " * 8
    path = tmp_path / "paper.txt"
    path.write_text(f"{body}\n\nPfizer: efficacy held at six months.\n\n{body}\n\n"
                    "Model 1: adjusted for age.\n\nPfizer: boosters restored it.\n",
                    encoding="utf-8")
    doc = read_document(path)
    assert all(t.speaker is None for t in doc.turns)
    assert len(doc.turns) == 5
    assert sum(len(t.text.split()) for t in doc.turns) == len(doc.text.split())
    check_offsets(doc)


def test_two_recurring_names_are_a_dialogue(tmp_path):
    path = tmp_path / "dialogue.txt"
    path.write_text("Anne Bell: Hello.\nTom Reid: Hi.\nAnne Bell: Well?\nTom Reid: Fine.\n")
    assert [t.speaker for t in read_document(path).turns] == [
        "Anne Bell", "Tom Reid", "Anne Bell", "Tom Reid"]


def test_a_long_text_before_the_first_label_is_coded_a_title_is_not(tmp_path):
    intro = " ".join(["The board met in spring and agreed its priorities."] * 6)
    path = tmp_path / "pre.txt"
    path.write_text(f"{intro}\n\nInterviewer: Go on.\n\nP4: We did.\n", encoding="utf-8")
    doc = read_document(path)
    assert turns_of(doc) == [(None, intro), ("Interviewer", "Go on."), ("P4", "We did.")]
    titled = tmp_path / "titled.txt"
    titled.write_text("LSCB 09 interview, 3 February 2016\n\nInterviewer: Go on.\n\nP4: Yes.\n")
    assert [t.speaker for t in read_document(titled).turns] == ["Interviewer", "P4"]


def test_interviewer_given_by_name_makes_its_answerer_a_speaker(tmp_path):
    path = tmp_path / "named.txt"
    path.write_text("Claire Hughes: Why?\nDev Patel: Because.\n")
    doc = read_document(path, interviewers=["Claire Hughes"])
    assert [(t.speaker, t.is_interviewer) for t in doc.turns] == [
        ("Claire Hughes", True), ("Dev Patel", False)]


# --- lower-case labels, Markdown, leading timestamps -------------------------------------------

def test_lower_case_roles_and_french_spacing(tmp_path):
    path = tmp_path / "lower.txt"
    path.write_text("interviewer: how long?\ninterviewee: ten years.\n"
                    "Interviewer1 : and before?\nrespondent 3: social work.\n[id1] Agreed.\n",
                    encoding="utf-8")
    doc = read_document(path)
    assert [(t.speaker, t.is_interviewer) for t in doc.turns] == [
        ("interviewer", True), ("interviewee", False), ("Interviewer1", True),
        ("respondent 3", False), ("id1", False)]
    assert [t.text for t in doc.turns][2:] == ["and before?", "social work.", "Agreed."]
    check_offsets(doc)


def test_markdown_headings_and_bold_labels(tmp_path):
    path = tmp_path / "t.md"
    path.write_text("# Interview 4\n\n### Interviewer\n\nWhat changed?\n\n### Mo Adeyemi\n\n"
                    "The audits 🙂.\n\nAnd training.\n\n**Interviewer:** Thanks.\n\n"
                    "**Mo Adeyemi**: Bye.\n", encoding="utf-8")
    doc = read_document(path)
    assert turns_of(doc) == [
        ("Interviewer", "What changed?"), ("Mo Adeyemi", "The audits 🙂.\n\nAnd training."),
        ("Interviewer", "Thanks."), ("Mo Adeyemi", "Bye.")]
    check_offsets(doc)


def test_leading_timestamps_without_names_are_times_not_text(tmp_path):
    path = tmp_path / "timed.txt"
    path.write_bytes(b"00:00:08 We started in 2014.\r\n00:00:15 Then the review came.\r\n"
                     b"[00:01:02] It changed everything.\r\n")
    doc = read_document(path)
    assert [(t.text, t.time_start, t.time_end) for t in doc.turns] == [
        ("We started in 2014.", 8.0, 15.0), ("Then the review came.", 15.0, 62.0),
        ("It changed everything.", 62.0, None)]
    check_offsets(doc)


# --- Otter -------------------------------------------------------------------------------------

OTTER_TURNS = [
    ("Interviewer", "0:02", "Thanks for doing this. What's your role?"),
    ("Jo Whitfield", "0:09", "Business manager, eight years. Café meetings 😀 mostly."),
    (None, "48:32", "And the audits, they were the thing."),
    ("Interviewer", "1:02:03", "Lovely, thank you."),
]
OTTER_TRAILER = "Transcribed by https://otter.ai"


def otter_txt(path):
    blocks = [f"{name or ''}  {time}".strip() + f"\n{speech}"
              for name, time, speech in OTTER_TURNS]
    path.write_text("\n\n".join([*blocks, OTTER_TRAILER]) + "\n", encoding="utf-8")
    return path


def otter_docx(path, *, one_paragraph: bool):
    """As Otter lays out its Word export: a bold name, two spaces and the time, then the
    text after a line break (or in the next paragraph); the sign-off last."""
    document = docx.Document()
    for name, time, speech in OTTER_TURNS:
        paragraph = document.add_paragraph()
        if name:
            paragraph.add_run(name).bold = True
            paragraph.add_run(f"  {time}")
        else:
            paragraph.add_run(time)
        if one_paragraph:
            paragraph.add_run().add_break()
            paragraph.add_run(speech)
        else:
            document.add_paragraph(speech)
    document.add_paragraph()
    document.add_paragraph(OTTER_TRAILER)
    document.save(path)
    return path


EXPECTED_OTTER = [
    ("Interviewer", OTTER_TURNS[0][2], 2.0, 9.0),
    ("Jo Whitfield", OTTER_TURNS[1][2], 9.0, 2912.0),
    ("Unknown speaker", OTTER_TURNS[2][2], 2912.0, 3723.0),
    ("Interviewer", OTTER_TURNS[3][2], 3723.0, None),
]


def test_otter_txt_times_unknown_speaker_and_no_sign_off(tmp_path):
    doc = read_document(otter_txt(tmp_path / "otter.txt"))
    assert [(t.speaker, t.text, t.time_start, t.time_end) for t in doc.turns] == EXPECTED_OTTER
    assert [t.is_interviewer for t in doc.turns] == [True, False, False, True]
    assert "otter.ai" not in " ".join(p.text for p in doc.paragraphs)
    check_offsets(doc)


@pytest.mark.parametrize("one_paragraph", [True, False])
def test_otter_docx_reads_as_its_txt_export(tmp_path, one_paragraph):
    doc = read_document(otter_docx(tmp_path / "otter.docx", one_paragraph=one_paragraph))
    assert [(t.speaker, t.text, t.time_start, t.time_end) for t in doc.turns] == EXPECTED_OTTER
    txt = read_document(otter_txt(tmp_path / "otter.txt"))
    assert [(t.speaker, t.text, t.time_start) for t in doc.turns] == [
        (t.speaker, t.text, t.time_start) for t in txt.turns]
    assert "otter.ai" not in " ".join(p.text for p in doc.paragraphs)
    check_offsets(doc)


def test_a_bare_time_line_is_not_a_speaker_outside_otter(tmp_path):
    path = tmp_path / "agenda.txt"
    path.write_text("Interviewer: When?\nP1: At\n10:30\nin the hall.\n")
    doc = read_document(path)
    assert turns_of(doc) == [("Interviewer", "When?"), ("P1", "At\n10:30\nin the hall.")]


# --- what ingest and run say -------------------------------------------------------------------

def test_ingest_and_run_warn_when_no_speaker_interviews(tmp_path, run_cli):
    from conftest import ROOT

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "t.txt").write_text("Claire Hughes: What helps?\nAnn Lee: Partnership working.\n"
                                  "Claire Hughes: And?\nAnn Lee: Budgets.\n")
    (folder / "notes.pdfx").write_text("not a transcript")
    result = run_cli("ingest", folder, "--project", tmp_path / "p.qc")
    assert result.exit_code == 0
    assert result.stderr == (
        "warning: t: no interviewer among its speakers (Claire Hughes, Ann Lee); all turns are "
        "coded as participants' speech (give --interviewer NAME if one of them interviews)\n")
    result = run_cli("run", folder, "--codebook",
                     ROOT / "codebooks" / "lscb_learning_improvement.yaml", "--out",
                     tmp_path / "out")
    assert result.exit_code == 0
    assert "warning: t: no interviewer among its speakers" in result.stderr
    assert f"skipped {folder / 'notes.pdfx'}: unsupported format .pdfx" in result.stdout
    result = run_cli("ingest", folder / "t.txt", "--project", tmp_path / "q.qc",
                     "--interviewer", "Claire Hughes")
    assert result.exit_code == 0 and result.stderr == ""


# --- captions ----------------------------------------------------------------------------------

def vtt_time(seconds: float) -> str:
    return f"{int(seconds // 3600):02d}:{int(seconds % 3600 // 60):02d}:{seconds % 60:06.3f}"


def write_vtt(path, cues):
    blocks = ["WEBVTT"] + [f"{vtt_time(a)} --> {vtt_time(b)}\n{text}" for a, b, text in cues]
    path.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
    return path


def test_unlabelled_captions_break_at_pauses_and_sentence_ends(tmp_path):
    cues = [(0, 2, "So welcome everyone."), (2.2, 4, "Today is about audits."),
            (5.5, 7, "First, the data 😀."), (7.1, 9, "and then the"), (9.5, 11, "findings")]
    long_talk = [(20 + i, 20.9 + i, f"part {i} " + "word " * 10 + "and") for i in range(20)]
    doc = read_document(write_vtt(tmp_path / "talk.vtt", cues + long_talk))
    assert [(t.text, t.time_start, t.time_end) for t in doc.turns[:2]] == [
        ("So welcome everyone. Today is about audits.", 0.0, 4.0),
        ("First, the data 😀. and then the findings", 5.5, 11.0)]
    assert all(t.speaker is None for t in doc.turns)
    rest = doc.turns[2:]
    assert len(rest) >= 2 and all(len(t.text.split()) <= 150 + 13 for t in rest)
    assert rest[0].time_start == 20.0
    check_offsets(doc)


def test_rolling_captions_are_read_once(tmp_path):
    cues = [(0, 2, "we looked at the"), (2, 2.01, "we looked at the"),
            (2.01, 4, "we looked at the\nserious case reviews"),
            (4, 4.01, "serious case reviews"),
            (4.01, 6, "serious case reviews\nand what they found"),
            (6, 8, "and what they found\nabout partnership")]
    doc = read_document(write_vtt(tmp_path / "yt.vtt", cues))
    assert " ".join(t.text for t in doc.turns) == (
        "we looked at the serious case reviews and what they found about partnership")
    check_offsets(doc)


def test_sdh_captions_labels_dashes_and_sound_tags(tmp_path):
    path = tmp_path / "sdh.srt"
    path.write_text(
        "1\r\n00:00:01,000 --> 00:00:03,000\r\n[NARRATOR] The board met (sighs) again.\r\n\r\n"
        "2\r\n00:00:03,500 --> 00:00:05,000\r\n- Did it work?\r\n- (laughs) Not really.\r\n\r\n"
        "3\r\n00:00:05,500 --> 00:00:07,000\r\n[MUSIC PLAYING]\r\n\r\n"
        "4\r\n00:00:07,500 --> 00:00:09,000\r\nMARY: It did in the end.\r\n",
        encoding="utf-8")
    doc = read_document(path)
    assert [(t.speaker, t.text, t.time_start) for t in doc.turns] == [
        ("NARRATOR", "The board met again.", 1.0), ("Unknown speaker", "Did it work?", 3.5),
        ("Unknown speaker", "Not really.", 3.5), ("MARY", "It did in the end.", 7.5)]
    check_offsets(doc)


# --- a transcript kept as a spreadsheet --------------------------------------------------------

LESSON = ("turn,time,speaker,text,uptake,move\r\n"
          "1,00:00:05,Teacher,What is a fraction? 🍕,,question\r\n"
          "2,00:00:09,Student A,Part of a whole,x,answer\r\n"
          "3,00:00:15,Teacher,\"Good, part of a whole. Why?\",1,question;revoice\r\n"
          "4,,Student B,,,\r\n"
          "5,00:00:21,Student B,Because you cut it,,answer\r\n")
BOOK = ("name: talk\ncodes:\n  - id: uptake\n    name: Uptake\n  - id: question\n"
        "    name: Question\n  - id: answer\n    name: Answer\n  - id: revoice\n"
        "    name: Revoicing\n")


def test_a_transcript_table_is_one_document_with_turns_and_times(tmp_path):
    path = tmp_path / "lesson.csv"
    path.write_text(LESSON, encoding="utf-8")
    doc = read_document(path, text_column="text", speaker_column="speaker",
                        time_column="time", interviewers=["Teacher"])
    assert [(t.speaker, t.text, t.time_start, t.is_interviewer) for t in doc.turns] == [
        ("Teacher", "What is a fraction? 🍕", 5.0, True),
        ("Student A", "Part of a whole", 9.0, False),
        ("Teacher", "Good, part of a whole. Why?", 15.0, True),
        ("Student B", "Because you cut it", 21.0, False)]
    assert [t.time_end for t in doc.turns] == [9.0, 15.0, 21.0, None]
    check_offsets(doc)


def test_code_columns_on_transcript_rows_import_as_codings(tmp_path, run_cli):
    path = tmp_path / "lesson.csv"
    path.write_text(LESSON, encoding="utf-8")
    book = tmp_path / "talk.yaml"
    book.write_text(BOOK, encoding="utf-8")
    project = tmp_path / "c.qc"
    result = run_cli("ingest", path, "--project", project, "--speaker-column", "speaker",
                     "--text-column", "text", "--time-column", "time",
                     "--interviewer", "Teacher")
    assert result.exit_code == 0, result.output
    assert "1 documents read (1 new" in result.output
    args = ["import", "codings", path, "--project", project, "--codebook", book,
            "--from-columns", "uptake,move", "--speaker-column", "speaker", "--text-column",
            "text", "--coder", "original"]
    result = run_cli(*args)
    assert result.exit_code == 0, result.output
    assert "7 codings imported (0 already there); coders: original" in result.output
    from qualcode.store import Project

    with Project.open(project) as p:
        text = p.document_text("lesson")
        rows = sorted((c.code_id, c.start, c.end, c.coder) for c in p.codings("lesson"))
    rows.sort(key=lambda r: (r[1], r[0]))
    assert [(code, text[s:e]) for code, s, e, _ in rows] == [
        ("question", "What is a fraction? 🍕"), ("answer", "Part of a whole"),
        ("uptake", "Part of a whole"), ("question", "Good, part of a whole. Why?"),
        ("revoice", "Good, part of a whole. Why?"), ("uptake", "Good, part of a whole. Why?"),
        ("answer", "Because you cut it")]
    assert {coder for *_, coder in rows} == {"original"}
    assert run_cli(*args).output.startswith(f"{path}: 0 codings imported (7 already there)")
    bad = tmp_path / "lesson2.csv"
    bad.write_text(LESSON.replace("question;revoice", "question;praise"), encoding="utf-8")
    result = run_cli("import", "codings", bad, "--project", project, "--document", "lesson",
                     "--from-columns", "move", "--speaker-column", "speaker",
                     "--text-column", "text", "--coder", "original")
    assert result.exit_code == 2
    assert "lesson2.csv:4: no code 'praise' (column 'move')" in result.stderr
