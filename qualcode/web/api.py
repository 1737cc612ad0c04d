"""The JSON endpoints of the workspace: each reads the request, calls the library, answers.

No SQL and no file paths from the page: documents, codes, codings and memos are named by their
ids, and every call goes through the library (``qualcode.workspace``, ``qualcode.analysis``,
``qualcode.export``, ``qualcode.suggest.review``). Offsets in and out are UTF-16 code units,
converted here, at the border, by ``qualcode.offsets.Utf16Offsets``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from qualcode.errors import QualcodeError
from qualcode.model import Coding
from qualcode.offsets import Utf16Offsets
from qualcode.store import Project


class BadRequest(QualcodeError):
    """A request the page should not have sent (a missing field, a wrong type)."""


class NotFound(QualcodeError):
    """A document, code, coding, memo or suggestion that is not in the project."""


@dataclass
class Workspace:
    """What every request needs: the project file and who codes by default."""

    project_path: str
    coder: str | None = None
    readonly: bool = False  # a pseudonymised copy: shown, never changed

    @contextmanager
    def project(self) -> Iterator[Project]:
        """A connection of this request's own (SQLite connections are not shared by threads)."""
        with Project.open(self.project_path, readonly=self.readonly) as project:
            yield project


def _workspace(request: Request) -> Workspace:
    return request.app.state.workspace


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise BadRequest("the request body is not JSON") from None
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    return body


def _field(body: dict, name: str, kind: type | tuple = str, required: bool = True):
    value = body.get(name)
    if value is None:
        if required:
            raise BadRequest(f"missing field {name!r}")
        return None
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise BadRequest(f"field {name!r} has the wrong type")
    return value


def _int_param(request: Request, name: str) -> int:
    try:
        return int(request.path_params[name])
    except (KeyError, ValueError):
        raise BadRequest(f"{name} must be a whole number") from None


# -- codes -----------------------------------------------------------------------------------
def code_json(code, counts: dict[str, tuple[int, int]]) -> dict:
    n, docs = counts.get(code.id, (0, 0))
    return {"id": code.id, "name": code.name, "parent": code.parent, "color": code.color,
            "description": code.description, "include": code.include, "exclude": code.exclude,
            "examples": code.examples, "keywords": [k.term for k in code.keywords],
            "codings": n, "documents": docs}


def list_codes(request: Request) -> JSONResponse:
    from qualcode.workspace.codetree import tree_counts

    with _workspace(request).project() as project:
        counts = tree_counts(project)
        book = project.codebook()
        return JSONResponse({"codes": [code_json(c, counts) for c in book.codes],
                             "pending": project.pending_count()})


async def add_code(request: Request) -> JSONResponse:
    from qualcode.workspace import codetree

    body = await _body(request)
    with _workspace(request).project() as project:
        code = codetree.add_code(project, _field(body, "name"),
                                 parent=_field(body, "parent", required=False),
                                 color=_field(body, "color", required=False),
                                 description=_field(body, "description", required=False) or "")
        return JSONResponse({"code": code_json(code, {})}, status_code=201)


async def update_code(request: Request) -> JSONResponse:
    from qualcode.workspace import codetree

    body = await _body(request)
    with _workspace(request).project() as project:
        code = codetree.update_code(
            project, request.path_params["code"], name=_field(body, "name", required=False),
            color=_field(body, "color", required=False),
            description=_field(body, "description", required=False),
            parent=_field(body, "parent", required=False) if "parent" in body else False)
        return JSONResponse({"code": code_json(code, project.code_counts())})


async def merge_code(request: Request) -> JSONResponse:
    from qualcode.workspace import codetree

    body = await _body(request)
    with _workspace(request).project() as project:
        moved = codetree.merge_codes(project, request.path_params["code"], _field(body, "into"))
        return JSONResponse({"moved": moved})


async def add_keyword(request: Request) -> JSONResponse:
    from qualcode.workspace import codetree

    body = await _body(request)
    with _workspace(request).project() as project:
        code = codetree.add_keyword(project, request.path_params["code"], _field(body, "term"),
                                    bool(body.get("exact")))
        return JSONResponse({"code": code_json(code, project.code_counts())})


def excerpts(request: Request) -> JSONResponse:
    from qualcode.workspace.retrieve import retrieve

    params = request.query_params
    code_id = request.path_params["code"]
    with _workspace(request).project() as project:
        book = project.codebook()
        if code_id not in {c.id for c in book.codes}:
            raise NotFound(f"no code {code_id!r} in the project")
        found = retrieve(project, code_id, coder=params.get("coder") or None,
                         origin=params.get("origin") or None,
                         status=params.get("status") or None,
                         attribute=params.get("attribute") or None,
                         value=params.get("value") or None)
        offsets = _offsets_for(project, {x.document_id for x in found})
        values: dict[str, set[str]] = {}
        for per_document in project.attributes().values():
            for name, value in per_document.items():
                values.setdefault(name, set()).add(value)
        coders = sorted({c.coder for c in project.codings(code_ids=book.with_descendants(
            [code_id]))})
        memos = [memo_json(m, offsets) for m in project.memos(code_id=code_id)
                 if m.target == "code"]
        return JSONResponse({
            "code": code_json(book.get(code_id), project.code_counts()),
            "attributes": sorted(values), "coders": coders, "memos": memos,
            "attribute_values": {k: sorted(v) for k, v in values.items()},
            "excerpts": [{"coding": x.coding_id, "document": x.document_id,
                          "start16": offsets[x.document_id].to_utf16(x.start),
                          "code": x.code_id, "coder": x.coder, "origin": x.origin,
                          "status": x.status, "speaker": x.speaker, "time": x.time,
                          "before": x.before, "text": x.text, "after": x.after}
                         for x in found]})


def _offsets_for(project: Project, document_ids) -> dict[str, Utf16Offsets]:
    return {d: Utf16Offsets(project.document_text(d) or "") for d in document_ids}


# -- documents ---------------------------------------------------------------------------------
def list_documents(request: Request) -> JSONResponse:
    with _workspace(request).project() as project:
        attributes = project.attributes()
        counts = project.document_counts()
        names = sorted({name for values in attributes.values() for name in values})
        rows = [{"id": s.id, "source_name": s.source_name, "format": s.format,
                 "attributes": attributes.get(s.id, {}), "words": s.words,
                 "turns": counts.get(s.id, {}).get("turns", 0),
                 "codings": counts.get(s.id, {}).get("codings", 0),
                 "memos": counts.get(s.id, {}).get("memos", 0)}
                for s in project.summaries()]
        return JSONResponse({"attributes": names, "documents": rows})


def coding_json(coding: Coding, offsets: Utf16Offsets) -> dict:
    return {"id": coding.id, "document": coding.document_id,
            "start": offsets.to_utf16(coding.start), "end": offsets.to_utf16(coding.end),
            "code": coding.code_id, "coder": coding.coder, "origin": coding.origin,
            "status": coding.status, "rule": coding.rule, "confidence": coding.confidence,
            "created_at": coding.created_at,
            "matched": [[offsets.to_utf16(s), offsets.to_utf16(e)] for s, e, _ in coding.matched]}


def memo_json(memo, offsets: dict[str, Utf16Offsets] | None = None) -> dict:
    start16 = None
    if memo.document_id and memo.start is not None and offsets and memo.document_id in offsets:
        start16 = offsets[memo.document_id].to_utf16(memo.start)
    return {"id": memo.id, "target": memo.target, "document": memo.document_id,
            "code": memo.code_id, "coding": memo.coding_id, "start16": start16,
            "author": memo.author, "text": memo.text, "created_at": memo.created_at,
            "updated_at": memo.updated_at}


def show_document(request: Request) -> JSONResponse:
    document_id = request.path_params["document"]
    with _workspace(request).project() as project:
        if document_id not in project.document_ids():
            raise NotFound(f"no document {document_id!r} in the project")
        document = project.documents([document_id])[0]
        offsets = Utf16Offsets(document.text)
        to16 = offsets.to_utf16
        turns = [{"position": t.position, "start": to16(t.start), "end": to16(t.end),
                  "speaker": t.speaker, "interviewer": t.is_interviewer,
                  "time_start": t.time_start, "time_end": t.time_end}
                 for t in document.turns]
        from qualcode.workspace.layout import untimed_notes

        notes = [{"start": to16(s), "end": to16(e)}
                 for s, e in untimed_notes(document.text, document.turns)]
        return JSONResponse({
            "id": document.id, "source_name": document.source_name,
            "attributes": document.attributes, "text": document.text, "turns": turns,
            "notes": notes,
            "codings": [coding_json(c, offsets) for c in project.codings(document_id)],
            "memos": [memo_json(m, {document_id: offsets})
                      for m in project.memos(document_id=document_id)]})


# -- codings -------------------------------------------------------------------------------------
def _coder(request: Request, body: dict | None = None) -> str:
    coder = (body or {}).get("coder") or request.query_params.get("coder") or \
        _workspace(request).coder
    if not isinstance(coder, str) or not coder.strip():
        raise BadRequest("a coding needs a coder: set your name first")
    return coder


def _document_offsets(project: Project, document_id: str) -> Utf16Offsets:
    text = project.document_text(document_id)
    if text is None:
        raise NotFound(f"no document {document_id!r} in the project")
    return Utf16Offsets(text)


def _from_utf16(offsets: Utf16Offsets, document_id: str, start: int, end: int
                ) -> tuple[int, int]:
    try:
        return offsets.from_utf16(start), offsets.from_utf16(end)
    except ValueError as exc:
        raise BadRequest(f"selection in {document_id!r}: {exc}") from None


async def add_coding(request: Request) -> JSONResponse:
    from qualcode.workspace.passages import code_passage

    body = await _body(request)
    document_id = _field(body, "document")
    start16, end16 = _field(body, "start", int), _field(body, "end", int)
    with _workspace(request).project() as project:
        offsets = _document_offsets(project, document_id)
        start, end = _from_utf16(offsets, document_id, start16, end16)
        coding = code_passage(project, document_id, start, end, _field(body, "code"),
                              _coder(request, body), body.get("snap") or "word")
        return JSONResponse({"coding": coding_json(coding, offsets)}, status_code=201)


async def add_codings(request: Request) -> JSONResponse:
    """Code many search results at once; spans are the opaque ``document:start:end`` strings
    (code points) that the search endpoint gave out."""
    from qualcode.workspace.passages import code_passages

    body = await _body(request)
    spans = []
    for span in _field(body, "spans", list):
        document_id, _, rest = str(span).rpartition(":")
        document_id, _, start = document_id.rpartition(":")
        if not document_id or not start.isdigit() or not rest.isdigit():
            raise BadRequest(f"bad span {str(span)[:80]!r}")
        spans.append((document_id, int(start), int(rest)))
    with _workspace(request).project() as project:
        added, already = code_passages(project, spans, _field(body, "code"),
                                       _coder(request, body), body.get("snap") or "word")
        return JSONResponse({"added": added, "already": already})


def remove_coding(request: Request) -> JSONResponse:
    from qualcode.workspace.passages import remove_coding as remove

    with _workspace(request).project() as project:
        coding_id = _existing_coding(project, _int_param(request, "coding")).id
        assert coding_id is not None
        coding = remove(project, coding_id, _coder(request))
        offsets = Utf16Offsets(project.document_text(coding.document_id) or "")
        return JSONResponse({"removed": coding_json(coding, offsets)})


async def recode_coding(request: Request) -> JSONResponse:
    from qualcode.workspace.passages import recode_coding as recode

    body = await _body(request)
    with _workspace(request).project() as project:
        coding_id = _existing_coding(project, _int_param(request, "coding")).id
        assert coding_id is not None
        coding = recode(project, coding_id, _field(body, "code"), _coder(request, body))
        offsets = Utf16Offsets(project.document_text(coding.document_id) or "")
        return JSONResponse({"coding": coding_json(coding, offsets)})


# -- suggestions -------------------------------------------------------------------------------
def list_suggestions(request: Request) -> JSONResponse:
    from qualcode.suggest.review import pending
    from qualcode.workspace.retrieve import context

    with _workspace(request).project() as project:
        items = pending(project)
        speakers = project.turn_lookup("speaker")
        texts: dict[str, str] = {}
        offsets: dict[str, Utf16Offsets] = {}
        result = []
        for s in items:
            if s.document not in texts:
                texts[s.document] = project.document_text(s.document) or ""
                offsets[s.document] = Utf16Offsets(texts[s.document])
            text = texts[s.document]
            before, after = context(text, s.start, s.end)
            result.append({"id": s.id, "document": s.document, "code": s.code_id,
                           "confidence": s.confidence, "reason": s.reason,
                           "speaker": speakers.at(s.document, s.start),
                           "start16": offsets[s.document].to_utf16(s.start),
                           "before": before, "text": text[s.start:s.end], "after": after})
        return JSONResponse({"suggestions": result})


async def decide_suggestion(request: Request) -> JSONResponse:
    from qualcode.suggest.review import decide

    body = await _body(request)
    suggestion_id = _int_param(request, "suggestion")
    with _workspace(request).project() as project:
        _existing_coding(project, suggestion_id, pending=True)
        decide(project, suggestion_id, _field(body, "decision"), _coder(request, body))
        coding = project.coding(suggestion_id)
        assert coding is not None
        offsets = Utf16Offsets(project.document_text(coding.document_id) or "")
        return JSONResponse({"coding": coding_json(coding, offsets)})


# -- memos ---------------------------------------------------------------------------------------
def list_memos(request: Request) -> JSONResponse:
    with _workspace(request).project() as project:
        memos = project.memos(containing=request.query_params.get("q") or None)
        offsets = _offsets_for(project, {m.document_id for m in memos if m.document_id})
        return JSONResponse({"memos": [memo_json(m, offsets) for m in memos]})


async def add_memo(request: Request) -> JSONResponse:
    from qualcode.workspace.memos import write_memo

    body = await _body(request)
    coding_id = _field(body, "coding", int, required=False)
    with _workspace(request).project() as project:
        memo = write_memo(project, _field(body, "target"), _coder(request, {
            "coder": body.get("author")}), _field(body, "text"),
            document_id=_field(body, "document", required=False),
            code_id=_field(body, "code", required=False), coding_id=coding_id)
        offsets = _offsets_for(project, [memo.document_id] if memo.document_id else [])
        return JSONResponse({"memo": memo_json(memo, offsets)}, status_code=201)


async def update_memo(request: Request) -> JSONResponse:
    body = await _body(request)
    memo_id = _int_param(request, "memo")
    with _workspace(request).project() as project:
        text = _field(body, "text")
        if not text.strip():
            raise BadRequest("a memo cannot be empty")
        if not project.update_memo(memo_id, text):
            raise NotFound(f"no memo {memo_id}")
        return JSONResponse({"memo": memo_json(project.memo(memo_id))})


def delete_memo(request: Request) -> JSONResponse:
    memo_id = _int_param(request, "memo")
    with _workspace(request).project() as project:
        if not project.delete_memo(memo_id):
            raise NotFound(f"no memo {memo_id}")
        return JSONResponse({"deleted": memo_id})


# -- search and tables -------------------------------------------------------------------------
def search(request: Request) -> JSONResponse:
    from qualcode.workspace.search import search as run_search

    params = request.query_params
    limit = 1000
    with _workspace(request).project() as project:
        hits = run_search(project, params.get("q", ""), mode=params.get("mode") or "lemma",
                          speakers=params.get("speakers") or "all", limit=limit + 1)
        offsets = _offsets_for(project, {h.document_id for h in hits})
        return JSONResponse({
            "documents": len({h.document_id for h in hits[:limit]}),
            "truncated": len(hits) > limit,
            "results": [{"span": f"{h.document_id}:{h.start}:{h.end}", "document": h.document_id,
                         "start16": offsets[h.document_id].to_utf16(h.start),
                         "speaker": h.speaker, "left": h.left, "match": h.match,
                         "right": h.right} for h in hits[:limit]]})


def tables(request: Request) -> JSONResponse:
    from qualcode.web.tables import tables_json

    with _workspace(request).project() as project:
        return JSONResponse(tables_json(project, request.query_params.get("by") or None))


def download(request: Request) -> Response:
    from qualcode.web.tables import download_bytes

    name = request.path_params["name"]
    with _workspace(request).project() as project:
        content, media_type = download_bytes(project, name,
                                             request.query_params.get("by") or None)
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def error_response(exc: QualcodeError) -> JSONResponse:
    """The one place a library error becomes an HTTP answer: a message, never a traceback."""
    return JSONResponse({"error": exc.message},
                        status_code=404 if isinstance(exc, NotFound) else 400)


def _existing_coding(project: Project, coding_id: int, *, pending: bool = False) -> Coding:
    """The coding a URL names (a pending suggestion, if asked), or a 404."""
    coding = project.coding(coding_id)
    if pending and (coding is None or coding.status != "suggested"):
        raise NotFound(f"no pending suggestion {coding_id} (decided meanwhile?)")
    if coding is None:
        raise NotFound(f"no coding {coding_id} (removed meanwhile?)")
    return coding
