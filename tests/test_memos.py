"""Memos written in the workspace reach the Word report's appendix, and the library refuses
memos that point at nothing."""

from __future__ import annotations

import io

import docx
import pytest
from web_fixtures import build_project

from qualcode.analysis.data import Selection, load_coded
from qualcode.errors import QualcodeError
from qualcode.export.docx_report import build_report
from qualcode.store import Project
from qualcode.workspace.memos import write_memo


@pytest.fixture
def project(tmp_path):
    with Project.open(build_project(tmp_path / "w")) as project:
        yield project


def test_memos_are_in_the_word_report_appendix(project):
    coding = next(c for c in project.codings("emoji") if c.code_id == "barriers")
    write_memo(project, "document", "ann", "Emoji-rich but clear.", document_id="emoji")
    write_memo(project, "code", "bob", "Barriers: money first.\nThen time.", code_id="barriers")
    write_memo(project, "coding", "ann", "Funding held, unusually.", coding_id=coding.id)
    report = docx.Document(io.BytesIO(build_report(project, load_coded(project, Selection()))))
    paragraphs = [p.text for p in report.paragraphs]
    appendix = paragraphs[paragraphs.index("Appendix: memos"):]
    assert "emoji · ann · " in appendix[2]
    assert "Emoji-rich but clear." in appendix
    assert "Barriers: money first." in appendix and "Then time." in appendix
    text = project.document_text("emoji")
    assert " ".join(text[coding.start:coding.end].split()) in appendix
    assert "Funding held, unusually." in appendix


def test_a_report_without_memos_has_no_memo_appendix(project):
    report = docx.Document(io.BytesIO(build_report(project, load_coded(project, Selection()))))
    assert "Appendix: memos" not in [p.text for p in report.paragraphs]


@pytest.mark.parametrize(("target", "kwargs", "message"), [
    ("note", {"document_id": "emoji"}, "a memo is on a"),
    ("document", {"document_id": "nope"}, "no document"),
    ("code", {"code_id": "nope"}, "no code"),
    ("coding", {"coding_id": 99999}, "no coding"),
    ("coding", {}, "needs the coding"),
])
def test_memos_that_point_at_nothing_are_refused(project, target, kwargs, message):
    with pytest.raises(QualcodeError, match=message):
        write_memo(project, target, "ann", "text", **kwargs)
    assert project.memos() == []


def test_a_memo_on_a_coding_keeps_its_passage_after_the_coding_is_replaced(project):
    coding = next(c for c in project.codings("emoji") if c.origin == "rule")
    memo = write_memo(project, "coding", "ann", "Keep this.", coding_id=coding.id)
    with project.transaction():
        project.delete_coding(coding.id)  # as a re-run of `qualcode code` would
    (kept,) = project.memos(document_id="emoji")
    assert (kept.id, kept.start, kept.end, kept.code_id) == (memo.id, coding.start, coding.end,
                                                            coding.code_id)


def test_memos_travel_to_qdpx_as_notes_with_their_references(project):
    import zipfile

    from conftest import DATA
    from lxml import etree

    from qualcode.export.qdpx import export_qdpx

    coding = next(c for c in project.codings("emoji") if c.code_id == "barriers")
    write_memo(project, "document", "ann", "On the whole document.", document_id="emoji")
    write_memo(project, "code", "bob", "On barriers.", code_id="barriers")
    write_memo(project, "coding", "ann", "On one passage.", coding_id=coding.id)
    with zipfile.ZipFile(io.BytesIO(export_qdpx(project))) as archive:
        xml = archive.read("project.qde")
    schema = etree.XMLSchema(etree.parse(str(DATA / "refi-qda" / "Project.xsd")))
    root = etree.fromstring(xml)
    assert schema.validate(root), schema.error_log
    ns = {"q": "urn:QDA-XML:project:1.0"}
    notes = {n.get("guid"): n.findtext("q:PlainTextContent", namespaces=ns)
             for n in root.iterfind("q:Notes/q:Note", ns)}
    assert sorted(notes.values()) == ["On barriers.", "On one passage.", "On the whole document."]

    def noted(path: str) -> list[str]:
        return [notes[r.get("targetGUID")] for e in root.iterfind(path, ns)
                for r in e.iterfind("q:NoteRef", ns)]

    assert noted(".//q:TextSource[@name='emoji']") == ["On the whole document."]
    assert noted(".//q:Code[@name='Barriers']") == ["On barriers."]
    assert noted(".//q:TextSource[@name='emoji']/q:PlainTextSelection") == ["On one passage."]
    users = {u.get("name") for u in root.iterfind("q:Users/q:User", ns)}
    assert {"ann", "bob"} <= users
