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
import threading
from collections.abc import Callable, Sequence


class Worker:
    """Runs ``function(*args)`` in a second process that imported ``preload`` beforehand.

    ``function`` must be importable by name (a module-level function). Processes are forked
    where that is safe (POSIX, this process has one thread), else spawned.

    >>> with Worker(len, ["json"]) as worker:
    ...     worker.submit([1, 2, 3])
    ...     worker.result()
    3
    """

    def __init__(self, function: Callable, preload: Sequence[str] = ()):
        self.function = function
        self.preload = tuple(preload)

    def __enter__(self) -> Worker:
        methods = multiprocessing.get_all_start_methods()
        fork = "fork" in methods and threading.active_count() == 1
        context = multiprocessing.get_context("fork" if fork else "spawn")
        self._args: tuple | None = None
        self._connection, child = context.Pipe()
        self._process = context.Process(target=_serve, daemon=True,
                                        args=(child, self.function, self.preload))
        try:
            self._process.start()
        except OSError:
            self._process = None
        child.close()
        return self

    def submit(self, *args) -> None:
        """Hand the arguments over (returns at once)."""
        self._args = args
        # If the second process is gone, result() runs the function here.
        with contextlib.suppress(OSError, ValueError):
            self._connection.send(args)

    def result(self):
        """The function's result, from the second process or, failing that, from this one."""
        if self._args is None:
            raise RuntimeError("submit() first")
        try:
            kind, value = self._connection.recv()
        except (EOFError, OSError, ValueError):
            kind, value = "error", "the worker process ended"
        return value if kind == "ok" else self.function(*self._args)

    def __exit__(self, *exc_info) -> None:
        try:
            self._connection.close()
        finally:
            if self._process is not None:
                self._process.join(timeout=5)
                if self._process.is_alive():
                    self._process.terminate()


def _serve(connection, function: Callable, preload: tuple[str, ...]) -> None:
    """The second process: import, wait for the arguments, send the result back."""
    try:
        for module in preload:
            importlib.import_module(module)
        args = connection.recv()
        connection.send(("ok", function(*args)))
    except EOFError:
        pass  # the caller finished (or failed) without needing us
    except Exception as error:  # any failure: the caller runs the function itself
        with contextlib.suppress(OSError):
            connection.send(("error", repr(error)))
    finally:
        connection.close()
