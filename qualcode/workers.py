"""``Worker``: a second process that loads a slow-to-import library while this one works.

Importing matplotlib (~0.8 s) or scikit-learn (~1.7 s) costs more than the work they do in a
batch job; on a machine with two cores a second process can import them in the meantime, take
the data when it is ready and send the result back. If the process fails for any reason, the
function runs here instead: the worker can only save time, never lose a result.
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import queue
import sys
import threading
from collections.abc import Callable, Sequence


class Worker:
    """Runs ``function(*args)`` in a second process that imported ``preload`` beforehand.

    ``function`` must be importable by name (a module-level function). Calls are queued:
    ``submit`` several times and the worker starts on the first while the caller prepares the
    next; ``result`` returns them in order. Processes are forked where that is safe (Linux,
    this process has one thread, no other start method set), else spawned. Start one in a
    program's entry point only: a process started while a module is imported (a script
    without a ``__main__`` guard) fails under spawn.

    >>> with Worker(len, ["json"]) as worker:
    ...     worker.submit([1, 2, 3])
    ...     worker.result()
    3
    """

    def __init__(self, function: Callable, preload: Sequence[str] = (), *,
                 here: bool = False):
        self.function = function
        self.preload = tuple(preload)
        self.here = here  # run the calls in this process (e.g. the imports are done)

    def __enter__(self) -> Worker:
        self._pending: list[tuple] = []
        self._process, self._remote = None, False  # _remote: calls go to the process
        if self.here:
            return self
        # fork is quick, but safe only on Linux (macOS's system libraries are not) and in a
        # process with one thread; otherwise a fresh interpreter is spawned, or started the
        # way the program asked (multiprocessing.set_start_method).
        asked = multiprocessing.get_start_method(allow_none=True)
        fork = (asked in (None, "fork") and sys.platform.startswith("linux")
                and threading.active_count() == 1)
        context = multiprocessing.get_context(
            "fork" if fork else asked if asked not in (None, "fork") else "spawn")
        self._connection, child = context.Pipe()
        # typeshed's BaseContext lacks Process; every context get_context returns has it
        self._process = context.Process(  # type: ignore[attr-defined]
            target=_serve, daemon=True, args=(child, self.function, self.preload))
        try:
            self._process.start()
            self._remote = True
        except OSError:
            self._process = None
        child.close()
        return self

    def submit(self, *args) -> None:
        """Queue a call (returns at once)."""
        self._pending.append(args)
        if self._remote:
            try:
                self._connection.send(args)
            except (OSError, ValueError):  # the process is gone: result() calls here
                self._remote = False

    def result(self):
        """The oldest queued call's result, from the second process or, failing that, from
        this one."""
        if not self._pending:
            raise RuntimeError("submit() first")
        args = self._pending.pop(0)
        if self._remote:
            try:
                kind, value = self._connection.recv()
                if kind == "ok":
                    return value
            except (EOFError, OSError, ValueError):
                pass
            self._remote = False  # the calls still queued there are lost with it
        return self.function(*args)

    def __exit__(self, *exc_info) -> None:
        if self.here:
            return
        try:
            # Say so: a forked worker holds a copy of this end, so it would never see EOF.
            with contextlib.suppress(OSError, ValueError):
                self._connection.send(None)
            self._connection.close()
        finally:
            if self._process is not None:
                self._process.join(timeout=5)
                if self._process.is_alive():
                    self._process.terminate()


def _serve(connection, function: Callable, preload: tuple[str, ...]) -> None:
    """The second process: import, then take calls and send their results back in turn.

    A thread keeps reading calls as they come, so a caller sending a second call while the
    first runs never waits for it (nor the two processes for each other).
    """
    import pickle

    calls: queue.Queue = queue.Queue()

    def read() -> None:
        # Bytes only: unpickling a call imports the modules of its arguments (scipy.sparse),
        # and doing that here while the main thread imports the preload (which imports them
        # too) ends in an import deadlock in a spawned process.
        try:
            while True:
                calls.put(connection.recv_bytes())
        except (EOFError, OSError):
            calls.put(None)

    threading.Thread(target=read, daemon=True).start()
    try:
        for module in preload:
            importlib.import_module(module)
        while (message := calls.get()) is not None:
            args = pickle.loads(message)
            if args is None:  # the caller is done
                break
            connection.send(("ok", function(*args)))
    except Exception as error:  # any failure: the caller runs the function itself
        with contextlib.suppress(OSError):
            connection.send(("error", repr(error)))
    finally:
        connection.close()
