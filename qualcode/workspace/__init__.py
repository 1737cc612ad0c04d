"""A person's work on a project, one act at a time: what the coding workspace (``qualcode
serve``) does, as library functions a notebook can call too.

``passages`` codes, recodes and removes a passage; ``snap`` stretches a selection to word,
turn or sentence edges; ``codetree`` edits the project's codes; ``retrieve`` lists a code's
excerpts with their context; ``search`` finds words across the project in keyword-in-context
form. Offsets are code points here; the web layer converts from and to UTF-16.
"""
