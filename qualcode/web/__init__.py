"""``qualcode serve``: the coding workspace, a local web page over one project file.

``app`` builds the Starlette application (routes that call the library, never SQL);
``security`` is the token, cookie, CSRF and host checks every request passes through;
``api`` holds the JSON endpoints; ``server`` runs it under uvicorn. The page itself is plain
JavaScript and CSS in ``static/`` (no CDN, no build step).
"""
