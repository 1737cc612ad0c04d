"""The workspace's HTTP layer without a browser: security, offsets at the border, every act
stored in a real project file exactly as the library stores it."""

from __future__ import annotations

import pytest

pytest.importorskip("starlette")
from starlette.testclient import TestClient
from web_fixtures import build_project

from qualcode.offsets import Utf16Offsets
from qualcode.store import Project
from qualcode.web.app import create_app

HOSTS = {"127.0.0.1:8765", "localhost:8765"}
CSRF = {"X-CSRF-Token": "C"}


@pytest.fixture
def project_path(tmp_path):
    return build_project(tmp_path / "w", suggestions=True)


@pytest.fixture
def client(project_path):
    app = create_app(project_path, coder="ann", token="T", csrf="C", allowed_hosts=HOSTS)
    client = TestClient(app, base_url="http://127.0.0.1:8765")
    client.cookies.set("qualcode_token", "T")
    return client


def _utf16(text: str, index: int) -> int:
    return len(text[:index].encode("utf-16-le")) // 2


def test_utf16_offsets_round_trip_with_emoji_and_combining_marks():
    text = "a😀b 👩‍👩‍👧 q\u0301 ok\n😀"
    offsets = Utf16Offsets(text)
    for i in range(len(text) + 1):
        assert offsets.to_utf16(i) == _utf16(text, i)
        assert offsets.from_utf16(offsets.to_utf16(i)) == i
    with pytest.raises(ValueError):
        offsets.from_utf16(2)  # between the two halves of 😀
    with pytest.raises(ValueError):
        offsets.to_utf16(len(text) + 1)


def test_requests_without_the_token_are_refused(project_path):
    app = create_app(project_path, token="T", csrf="C", allowed_hosts=HOSTS)
    anonymous = TestClient(app, base_url="http://127.0.0.1:8765")
    assert anonymous.get("/").status_code == 403
    assert anonymous.get("/api/documents").status_code == 403
    assert anonymous.get("/?token=wrong").status_code == 403
    answer = anonymous.get("/?token=T", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    assert "HttpOnly" in answer.headers["set-cookie"]
    assert "samesite=strict" in answer.headers["set-cookie"].lower()
    assert anonymous.get("/api/documents").status_code == 200  # the cookie now


def test_state_changes_need_the_csrf_header_and_our_origin(client, project_path):
    body = {"document": "emoji", "start": 0, "end": 5, "code": "culture"}
    assert client.post("/api/codings", json=body).status_code == 403
    assert client.post("/api/codings", json=body, headers={"X-CSRF-Token": "x"}
                       ).status_code == 403
    foreign = client.post("/api/codings", json=body,
                          headers={**CSRF, "Origin": "http://evil.example"})
    assert foreign.status_code == 403
    with Project.open(project_path) as project:
        assert not [c for c in project.codings() if c.origin == "manual"]


def test_unknown_host_is_refused(project_path):
    app = create_app(project_path, token="T", csrf="C", allowed_hosts=HOSTS)
    rebinding = TestClient(app, base_url="http://attacker.example:8765")
    assert rebinding.get("/?token=T").status_code == 403


def test_page_escapes_project_name_and_coder(tmp_path):
    path = build_project(tmp_path / "w")
    app = create_app(path, coder="</script><script>alert(1)</script>", token="T", csrf="C")
    client = TestClient(app)
    client.cookies.set("qualcode_token", "T")
    page = client.get("/").text
    assert "<script>alert(1)" not in page
    assert "default-src 'self'" in client.get("/").headers["content-security-policy"]


def test_coding_a_selection_after_emoji_stores_code_points(client, project_path):
    document = client.get("/api/documents/emoji").json()
    text16 = document["text"]  # JSON strings are code points in Python: rebuild the UTF-16 view
    with Project.open(project_path) as project:
        text = project.document_text("emoji")
    assert text16 == text
    word = "partnership"
    start = text.index(word)
    answer = client.post("/api/codings", headers=CSRF, json={
        "document": "emoji", "start": _utf16(text, start), "end": _utf16(text, start + 7),
        "code": "culture", "snap": "word"})
    assert answer.status_code == 201, answer.text
    coding = answer.json()["coding"]
    assert (coding["start"], coding["end"]) == (_utf16(text, start), _utf16(text, start + 11))
    with Project.open(project_path) as project:
        stored = project.coding(coding["id"])
    assert text[stored.start:stored.end] == word
    assert (stored.origin, stored.coder, stored.status) == ("manual", "ann", "applied")


def test_exact_snap_keeps_the_selection_and_whole_characters(client, project_path):
    with Project.open(project_path) as project:
        text = project.document_text("accent")
    start = text.index("q\u0301uorum")
    # select from the combining accent: the stored start moves back to its base letter
    answer = client.post("/api/codings", headers=CSRF, json={
        "document": "accent", "start": start + 1, "end": start + 7, "code": "culture",
        "snap": "exact"})
    coding = answer.json()["coding"]
    with Project.open(project_path) as project:
        stored = project.coding(coding["id"])
    assert text[stored.start:stored.end] == "q\u0301uorum"


def test_a_selection_inside_a_surrogate_pair_is_refused(client, project_path):
    with Project.open(project_path) as project:
        text = project.document_text("emoji")
    inside = _utf16(text, text.index("😀")) + 1
    answer = client.post("/api/codings", headers=CSRF, json={
        "document": "emoji", "start": inside, "end": inside + 4, "code": "culture"})
    assert answer.status_code == 400
    assert "inside a character" in answer.json()["error"]


@pytest.mark.parametrize(("body", "status", "message"), [
    ({"document": "nope", "start": 0, "end": 3, "code": "culture"}, 404, "no document"),
    ({"document": "emoji", "start": 0, "end": 3, "code": "nope"}, 400, "no code"),
    ({"document": "emoji", "start": 5, "end": 99999, "code": "culture"}, 400, "outside"),
    ({"document": "emoji", "start": "a", "end": 3, "code": "culture"}, 400, "wrong type"),
    ({"document": "emoji", "end": 3, "code": "culture"}, 400, "missing field"),
    ({"document": "emoji", "start": 0, "end": 3, "code": "culture", "snap": "x"}, 400, "snap"),
])
def test_bad_coding_requests_get_a_message_and_change_nothing(client, project_path, body,
                                                              status, message):
    with Project.open(project_path) as project:
        before = project.codings()
    answer = client.post("/api/codings", headers=CSRF, json=body)
    assert answer.status_code == status
    assert message in answer.json()["error"]
    with Project.open(project_path) as project:
        assert project.codings() == before


def test_body_that_is_not_json_is_a_400(client):
    answer = client.post("/api/codings", headers={**CSRF, "Content-Type": "application/json"},
                         content=b"{not json")
    assert answer.status_code == 400
    assert answer.json()["error"] == "the request body is not JSON"


def test_remove_and_recode_only_your_own_codings(client, project_path):
    with Project.open(project_path) as project:
        text = project.document_text("emoji")
        rule = next(c for c in project.codings() if c.origin == "rule")
    start = text.index("budget")
    coding = client.post("/api/codings", headers=CSRF, json={
        "document": "emoji", "start": start, "end": start + 6, "code": "barriers"}).json()["coding"]
    recoded = client.patch(f"/api/codings/{coding['id']}", headers=CSRF,
                           json={"code": "culture"})
    assert recoded.json()["coding"]["code"] == "culture"
    someone_else = client.request("DELETE", f"/api/codings/{coding['id']}?coder=bob",
                                  headers=CSRF)
    assert someone_else.status_code == 400 and "ann's" in someone_else.json()["error"]
    machine = client.request("DELETE", f"/api/codings/{rule.id}", headers=CSRF)
    assert machine.status_code == 400 and "rule" in machine.json()["error"]
    removed = client.request("DELETE", f"/api/codings/{coding['id']}", headers=CSRF)
    assert removed.json()["removed"]["id"] == coding["id"]
    with Project.open(project_path) as project:
        assert project.coding(coding["id"]) is None
        assert project.coding(rule.id) is not None


def test_accept_and_reject_suggestions_as_review_does(client, project_path):
    suggestions = client.get("/api/suggestions").json()["suggestions"]
    assert len(suggestions) == 2
    first, second = suggestions
    assert first["reason"] == "words culture"
    assert client.post(f"/api/suggestions/{first['id']}", headers=CSRF,
                       json={"decision": "accept"}).json()["coding"]["status"] == "accepted"
    assert client.post(f"/api/suggestions/{second['id']}", headers=CSRF,
                       json={"decision": "reject", "coder": "bob"}).status_code == 200
    again = client.post(f"/api/suggestions/{first['id']}", headers=CSRF,
                        json={"decision": "reject"})
    assert again.status_code == 404 and "no pending suggestion" in again.json()["error"]
    with Project.open(project_path) as project:
        accepted, rejected = project.coding(first["id"]), project.coding(second["id"])
    assert (accepted.status, accepted.coder) == ("accepted", "ann")
    assert (rejected.status, rejected.coder) == ("rejected", "bob")
    assert client.get("/api/codes").json()["pending"] == 0


def test_memos_on_a_document_a_code_and_a_coding_are_listed_and_searchable(client):
    coding = client.get("/api/documents/emoji").json()["codings"][0]
    for body in ({"target": "document", "document": "emoji", "text": "Strong on partners"},
                 {"target": "code", "code": "culture", "text": "Culture is about openness"},
                 {"target": "coding", "coding": coding["id"], "text": "A telling passage"}):
        answer = client.post("/api/memos", headers=CSRF, json=body)
        assert answer.status_code == 201, answer.text
        assert answer.json()["memo"]["author"] == "ann"
    memos = client.get("/api/memos").json()["memos"]
    assert [m["target"] for m in memos] == ["document", "code", "coding"]
    assert memos[2]["document"] == "emoji" and memos[2]["start16"] == coding["start"]
    assert [m["text"] for m in client.get("/api/memos?q=OPENNESS").json()["memos"]] == [
        "Culture is about openness"]
    assert client.post("/api/memos", headers=CSRF, json={"target": "code", "code": "nope",
                                                         "text": "x"}).status_code == 400
    assert client.post("/api/memos", headers=CSRF, json={"target": "document",
                                                         "document": "emoji",
                                                         "text": "  "}).status_code == 400


def test_code_tree_add_rename_move_merge_and_keyword(client, project_path):
    added = client.post("/api/codes", headers=CSRF, json={
        "name": "Trust between agencies", "parent": "enablers", "color": "#123456"})
    assert added.status_code == 201
    code_id = added.json()["code"]["id"]
    assert code_id == "trust-between-agencies"
    client.patch(f"/api/codes/{code_id}", headers=CSRF, json={"name": "Trust", "parent": None})
    codes = {c["id"]: c for c in client.get("/api/codes").json()["codes"]}
    assert codes[code_id]["name"] == "Trust" and codes[code_id]["parent"] is None
    cycle = client.patch("/api/codes/enablers", headers=CSRF, json={"parent": "partnership"})
    assert cycle.status_code == 400 and "under itself" in cycle.json()["error"]
    colour = client.patch("/api/codes/culture", headers=CSRF, json={"color": "red"})
    assert colour.status_code == 400 and "#RRGGBB" in colour.json()["error"]
    with Project.open(project_path) as project:
        culture_codings = [c.id for c in project.codings(code_ids=["culture"])]
    merged = client.post("/api/codes/culture/merge", headers=CSRF, json={"into": code_id})
    assert merged.json()["moved"] == len(culture_codings)
    keyword = client.post(f"/api/codes/{code_id}/keywords", headers=CSRF,
                          json={"term": "trusted partner"})
    assert "trusted partner" in keyword.json()["code"]["keywords"]
    with Project.open(project_path) as project:
        book = project.codebook()
        assert "culture" not in {c.id for c in book.codes}
        assert {c.code_id for c in project.codings(coding_ids=culture_codings)} == {code_id}
        assert "culture" in [k.term for k in book.get(code_id).keywords]  # rules merged too


def test_search_lemma_and_exact_and_code_all(client, project_path):
    lemma = client.get("/api/search?q=partner%20agencies").json()
    assert [r["match"] for r in lemma["results"]] == ["partner agency"]
    exact = client.get("/api/search?q=partnership&mode=exact").json()
    assert {r["document"] for r in exact["results"]} == {"emoji", "accent", "xss"}
    done = client.post("/api/codings/batch", headers=CSRF, json={
        "spans": [r["span"] for r in exact["results"]], "code": "barriers"}).json()
    assert done == {"added": 3, "already": 0}
    with Project.open(project_path) as project:
        texts = {d: project.document_text(d) for d in ("emoji", "accent", "xss")}
        manual = [c for c in project.codings() if c.origin == "manual"]
    assert sorted(texts[c.document_id][c.start:c.end] for c in manual) == ["partnership"] * 3
    assert client.get("/api/search?q=").status_code == 400


def test_retrieve_filters_and_links_back(client):
    everything = client.get("/api/codes/enablers/excerpts").json()
    assert {x["code"] for x in everything["excerpts"]} == {"partnership", "culture"}
    wales = client.get("/api/codes/enablers/excerpts?attribute=nation&value=wales").json()
    assert {x["document"] for x in wales["excerpts"]} == {"accent"}
    rules = client.get("/api/codes/enablers/excerpts?origin=manual").json()
    assert rules["excerpts"] == []
    assert client.get("/api/codes/nope/excerpts").status_code == 404


def test_tables_and_downloads(client):
    tables = client.get("/api/tables?by=nation").json()
    assert {g["name"] for g in tables["groups"]} == {"England", "Wales"}
    partnership = next(r for r in tables["rows"] if r["code"] == "partnership")
    assert partnership["cases"] == 3 and partnership["by"] == {"England": 2, "Wales": 1}
    csv = client.get("/download/themes.csv?by=nation")
    assert csv.status_code == 200 and b"England: cases" in csv.content
    docx = client.get("/download/report.docx")
    assert docx.content[:2] == b"PK"
    assert client.get("/download/../../etc/passwd").status_code == 404
    assert client.get("/download/passwd").status_code == 400
    assert client.get("/api/tables?by=nope").status_code == 400


def test_documents_list_counts(client):
    documents = {d["id"]: d for d in client.get("/api/documents").json()["documents"]}
    assert set(documents) == {"emoji", "accent", "xss"}
    assert documents["emoji"]["turns"] == 4
    assert documents["emoji"]["attributes"] == {"nation": "England"}
    assert documents["emoji"]["codings"] >= 3


def test_serve_command_refuses_a_port_in_use_and_a_missing_project(tmp_path):
    import socket

    from click.testing import CliRunner

    from qualcode.cli import main

    path = build_project(tmp_path / "w")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--project", str(path), "--port", str(port),
                                           "--no-browser"])
    assert result.exit_code == 2
    assert f"port {port} is in use" in result.output
    missing = CliRunner().invoke(main, ["serve", "--project", str(tmp_path / "none.qc"),
                                        "--no-browser"])
    assert missing.exit_code == 2 and "no such project" in missing.output


@pytest.mark.parametrize(("snap", "expected"), [
    ("turn", "The budget is tight 💸 but partner agency funding held."),
    ("sentence", "Honestly 😀😀 it went well."),
])
def test_snap_to_the_whole_turn_or_sentence(client, project_path, snap, expected):
    with Project.open(project_path) as project:
        text = project.document_text("emoji")
    needle = "tight" if snap == "turn" else "went"
    start = text.index(needle)
    coding = client.post("/api/codings", headers=CSRF, json={
        "document": "emoji", "start": _utf16(text, start), "end": _utf16(text, start + 3),
        "code": "culture", "snap": snap}).json()["coding"]
    with Project.open(project_path) as project:
        stored = project.coding(coding["id"])
    assert text[stored.start:stored.end] == expected


def test_codes_edited_on_the_page_convert_back_to_yaml(client, project_path, tmp_path):
    from click.testing import CliRunner

    from qualcode.cli import main
    from qualcode.codebook import load_codebook

    client.post("/api/codes", headers=CSRF, json={"name": "Trust", "parent": "enablers"})
    client.patch("/api/codes/culture", headers=CSRF, json={"name": "Open culture"})
    target = tmp_path / "edited.yaml"
    result = CliRunner().invoke(main, ["codebook", "convert", "--project", str(project_path),
                                       str(target)])
    assert result.exit_code == 0, result.output
    book = load_codebook(target)
    assert book.get("trust").parent == "enablers"
    assert book.get("culture").name == "Open culture"
    assert [k.term for k in book.get("partnership").keywords] == ["partnership",
                                                                  "partner agency"]
    both = CliRunner().invoke(main, ["codebook", "convert", "--project", str(project_path),
                                     str(target), str(target)])
    assert both.exit_code == 2 and "only the TARGET" in both.output


def test_edit_and_delete_a_memo(client, project_path):
    memo = client.post("/api/memos", headers=CSRF, json={
        "target": "document", "document": "emoji", "text": "first"}).json()["memo"]
    edited = client.patch(f"/api/memos/{memo['id']}", headers=CSRF, json={"text": "second"})
    assert edited.json()["memo"]["text"] == "second"
    assert client.patch(f"/api/memos/{memo['id']}", headers=CSRF,
                        json={"text": " "}).status_code == 400
    assert client.request("DELETE", f"/api/memos/{memo['id']}", headers=CSRF).status_code == 200
    assert client.request("DELETE", f"/api/memos/{memo['id']}", headers=CSRF).status_code == 404
    with Project.open(project_path) as project:
        assert project.memos() == []


def test_serve_prints_the_address_with_its_token_and_warns_off_localhost(tmp_path):
    """The real command in a subprocess: it prints the address, serves it, and warns when
    listening beyond this machine."""
    import os
    import subprocess
    import sys
    import urllib.request
    from pathlib import Path

    path = build_project(tmp_path / "w")
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}
    process = subprocess.Popen(
        [sys.executable, "-m", "qualcode", "serve", "--project", str(path), "--host", "0.0.0.0",
         "--port", "0", "--no-browser"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env=env)
    try:
        warning = process.stderr.readline()
        line = process.stdout.readline()
        assert warning.startswith("warning: listening on 0.0.0.0")
        url = line.rsplit(" ", 1)[-1].strip()
        assert "?token=" in url and url.startswith("http://127.0.0.1:")
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        with browser.open(url, timeout=10) as answer:  # the token, then the cookie
            assert answer.status == 200
            assert b"qualcode" in answer.read()
    finally:
        process.terminate()
        process.wait(10)


def test_text_outside_every_turn_is_shown_as_a_note():
    from qualcode.model import Segment
    from qualcode.workspace.layout import untimed_notes

    text = ("Interview 7, 3 May 2016 😀\nInterviewer: Hello?\nP01: Hi.\n"
            "[recording stops]\nInterviewer  0:12\nBye.\n")

    def turn(words: str, speaker: str) -> Segment:
        start = text.index(words)
        return Segment("d", "turn", 0, start, start + len(words), words, speaker)

    turns = [turn("Hello?", "Interviewer"), turn("Hi.", "P01"), turn("Bye.", "Interviewer")]
    notes = [text[s:e] for s, e in untimed_notes(text, turns)]
    assert notes == ["Interview 7, 3 May 2016 😀", "[recording stops]"]
    assert untimed_notes(text, []) == []


def test_document_view_sends_notes_in_utf16(client, project_path):
    from qualcode.workspace.layout import untimed_notes

    with Project.open(project_path) as project:
        document = project.documents(["emoji"])[0]
    expected = untimed_notes(document.text, document.turns)
    sent = client.get("/api/documents/emoji").json()["notes"]
    assert [(n["start"], n["end"]) for n in sent] == [
        (_utf16(document.text, s), _utf16(document.text, e)) for s, e in expected]


def test_a_coding_or_suggestion_that_is_gone_is_a_404_not_a_400(client):
    assert client.request("DELETE", "/api/codings/999999", headers=CSRF).status_code == 404
    assert client.patch("/api/codings/999999", headers=CSRF,
                        json={"code": "culture"}).status_code == 404
    gone = client.post("/api/suggestions/999999", headers=CSRF, json={"decision": "accept"})
    assert gone.status_code == 404 and "no pending suggestion" in gone.json()["error"]
    unknown_code = client.post("/api/codings", headers=CSRF, json={
        "document": "emoji", "start": 0, "end": 5, "code": "nope"})
    assert unknown_code.status_code == 400  # a bad request, not a missing thing
