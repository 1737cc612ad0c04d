"""The pseudonymised view of a project's coded data: what every table and report is built
from when its output leaves the research team.

Texts are rewritten, every offset (coding, matched term) mapped, and speakers, document ids,
cases and case attribute values replaced; counts (cases, excerpts, words) stay exactly as they
were, so a pseudonymised table says the same as the real one.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from qualcode.analysis.data import CodedData
from qualcode.model import Codebook
from qualcode.pseudonym.replace import Pseudonymiser, Rewritten


def pseudonymise_data(data: CodedData, pseudonymiser: Pseudonymiser) -> CodedData:
    """A copy of ``data`` with nothing in it that the map replaces."""
    if not pseudonymiser:
        return data
    p = pseudonymiser
    rewritten: dict[str, Rewritten] = {doc: p.rewrite(text) for doc, text in data.texts.items()}
    ids = {doc: p(doc) or doc for doc in data.texts}
    codings = data.codings.copy()
    if not codings.empty:
        maps = [rewritten[d] for d in codings["document"]]
        codings["start"] = [m.start(s) for m, s in zip(maps, codings["start"], strict=True)]
        codings["end"] = [m.end(e) for m, e in zip(maps, data.codings["end"], strict=True)]
        codings["matched"] = [[(m.start(s), m.end(e)) for s, e, *_ in matched]
                              for m, matched in zip(maps, codings["matched"], strict=True)]
        codings["speaker"] = [p(s) if isinstance(s, str) else s for s in codings["speaker"]]
        codings["rule"] = [p(r) if isinstance(r, str) else r for r in codings["rule"]]
        codings["case"] = [p(c) if isinstance(c, str) else c for c in codings["case"]]
        codings["document"] = codings["document"].map(ids)
    cases = pd.Series({ids[doc]: (p(case) if isinstance(case, str) else case)
                       for doc, case in data.cases.items()}, dtype=object)
    attributes = {ids.get(doc, doc): {name: p(value) or value for name, value in values.items()}
                  for doc, values in data.attributes.items()}
    return replace(data, codings=codings, cases=cases, attributes=attributes,
                   texts={ids[doc]: r.text for doc, r in rewritten.items()},
                   codebook=pseudonymise_codebook(data.codebook, p), pseudonymiser=p)


def pseudonymise_codebook(book: Codebook, p: Pseudonymiser) -> Codebook:
    """The codebook with names replaced in what a report prints of it (names, descriptions,
    criteria, examples, which often quote participants, and keywords); ids and regexes are
    kept. For display only: a codebook to code with is the real one."""
    codes = [replace(code, name=p(code.name) or code.name,
                     description=p(code.description) or "",
                     include=[p(x) or x for x in code.include],
                     exclude=[p(x) or x for x in code.exclude],
                     examples=[p(x) or x for x in code.examples],
                     keywords=[replace(k, term=p(k.term) or k.term) for k in code.keywords],
                     not_terms=[p(x) or x for x in code.not_terms])
             for code in book.codes]
    return replace(book, codes=codes)
