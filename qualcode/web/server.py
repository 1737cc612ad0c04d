"""Running the workspace: bind the port, then serve until Ctrl-C (uvicorn, one process).

The socket is bound before uvicorn starts, so a port in use is a one-line error, ``--port 0``
picks a free port, and the printed address is the real one.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qualcode.errors import QualcodeError

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


@dataclass
class Server:
    """A bound socket and the app to serve on it; ``url`` carries the token."""

    app: Callable[..., Any]  # an ASGI application
    sock: socket.socket
    host: str
    port: int
    token: str

    @property
    def url(self) -> str:
        shown = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        if ":" in shown:
            shown = f"[{shown}]"
        return f"http://{shown}:{self.port}/?token={self.token}"

    def run(self) -> None:
        """Serve until interrupted (or until ``stop`` is called from another thread)."""
        import uvicorn

        config = uvicorn.Config(self.app, log_level="warning", access_log=False,
                                lifespan="off")
        self._uvicorn = uvicorn.Server(config)
        try:
            self._uvicorn.run(sockets=[self.sock])
        finally:
            self.sock.close()

    def stop(self) -> None:
        """Ask a running server to finish its requests and return from ``run``."""
        running = getattr(self, "_uvicorn", None)
        if running is not None:
            running.should_exit = True

    @contextmanager
    def in_background(self) -> Iterator[Server]:
        """Serve from a thread while the caller works (a notebook, a test, a script); stop on
        leaving the block.

        >>> with make_server("sample.qc", port=0).in_background() as server:  # doctest: +SKIP
        ...     print(server.url)
        """
        import threading

        thread = threading.Thread(target=self.run, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.stop()
            thread.join(10)


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise QualcodeError(f"port {port} is in use; pass --port with another number "
                                "(or --port 0 for any free one)") from None
        raise QualcodeError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def make_server(project_path: str | Path, *, codebook_path: str | Path | None = None,
                coder: str | None = None, host: str = "127.0.0.1", port: int = 8765,
                token: str | None = None, pseudonymised: bool = False) -> Server:
    """Load the codebook (if given) into the project, bind the port, build the app.

    ``pseudonymised`` serves a pseudonymised copy (``qualcode pseudonymise share``) made in a
    temporary folder, read-only: for showing the work to someone outside the team."""
    from qualcode.store import Project
    from qualcode.web.app import create_app
    from qualcode.web.security import new_token

    if codebook_path:
        from qualcode.codebook import load_codebook

        book = load_codebook(codebook_path)
        with Project.open(project_path) as project, project.transaction():
            project.set_codes(book)
    shown = project_path
    if pseudonymised:
        shown = _shared_copy(project_path)
    sock = bind(host, port)
    actual = sock.getsockname()[1]
    allowed = None
    if host in LOCAL_HOSTS:
        allowed = {f"{name}:{actual}" for name in ("127.0.0.1", "localhost", "[::1]")}
    token = token or new_token()
    try:
        app = create_app(shown, coder=coder, token=token, allowed_hosts=allowed,
                         readonly=pseudonymised)
    except BaseException:
        sock.close()
        raise
    return Server(app, sock, host, actual, token)


def _shared_copy(project_path: str | Path) -> Path:
    """A pseudonymised copy of the project in a temporary folder removed at exit."""
    import atexit
    import shutil
    import tempfile

    from qualcode.store import Project
    from qualcode.workflows.pseudonymise import share_pseudonymised

    folder = Path(tempfile.mkdtemp(prefix="qualcode-shared-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    copy = folder / "shared.qc"
    with Project.open(project_path, readonly=True) as project:
        share_pseudonymised(project, copy)
    return copy
