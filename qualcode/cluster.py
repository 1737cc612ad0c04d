"""``Cluster``: qualcode's per-document work (read, segment, code) on several processes or
machines, through Dask's distributed scheduler; the project is still written by this process
alone.

The work is a map: a module-level function applied to each item (a file to read, a batch of
units to code), with the same shared arguments (the read options, the codebook) for all.
``Cluster.map`` sends the items to the workers a few at a time (so memory stays bounded),
and hands the results back in the items' order, whatever order the workers finish in: the
caller writes exactly what the single-process path (``serial_map``) would. A task that raises
raises here, at its item, as it would in one process; a worker that dies on an item (Dask
retries it elsewhere first) becomes a ``WorkerLost`` error naming the item.

Dask is an optional extra (``pip install 'qualcode[dask]'``); nothing here imports it until a
cluster is started.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import logging
import pickle
import socket
import time
import uuid
from collections.abc import Callable, Generator, Iterable, Iterator
from typing import Any

from qualcode.errors import QualcodeError

CONNECT_TIMEOUT = 5.0  # seconds to reach a scheduler before saying it cannot be reached
NO_WORKERS_TIMEOUT = 60.0  # seconds without a single worker before giving up
_QUIET_LOGGERS = ("distributed", "tornado", "asyncio", "bokeh")


class WorkerLost(QualcodeError):
    """A worker process died (killed, out of memory, crashed) on an item, every time Dask
    retried it."""


def serial_map(function: Callable, items: Iterable, *shared: Any
               ) -> Generator[Any, None, None]:
    """``function(item, *shared)`` for each item, in this process, one at a time and lazily:
    the single-process twin of ``Cluster.map``."""
    for item in items:
        yield function(item, *shared)


@contextlib.contextmanager
def open_cluster(workers: int = 1, scheduler: str | None = None) -> Iterator[Cluster | None]:
    """The cluster that ``--workers N`` / ``--scheduler ADDRESS`` ask for, or None (and no
    Dask import at all) for one worker: the single-process path."""
    if scheduler and workers != 1:
        raise QualcodeError(f"give --workers {workers} or --scheduler {scheduler}, not both "
                            "(the scheduler's cluster has the workers it has)")
    if workers == 1 and not scheduler:
        yield None
        return
    with Cluster(workers, scheduler) as cluster:
        yield cluster


class Counted:
    """An iterable with a known length, for a progress bar over results that come lazily."""

    def __init__(self, items: Iterable, total: int) -> None:
        self.items = items
        self.total = total

    def __iter__(self) -> Iterator:
        return iter(self.items)

    def __len__(self) -> int:
        return self.total


class Cluster:
    """Local worker processes (``workers``) or an existing Dask cluster (``scheduler``,
    ``tcp://HOST:PORT``) to map qualcode's per-document functions over.

    Use it as a context manager: entering starts the processes (or connects), leaving (also
    on Ctrl-C or an error) cancels what is still running and stops the processes it started.
    Pass it as ``cluster=`` to ``ingest_files``, ``code_project`` or ``run``.

    >>> from qualcode import Cluster, Project, ingest_files
    >>> with Cluster(workers=2) as cluster, Project.open("s.qc", create=True) as project:
    ...     report = ingest_files(project, ["transcripts_sample"],
    ...                           cluster=cluster)  # doctest: +SKIP
    """

    def __init__(self, workers: int = 2, scheduler: str | None = None, *,
                 connect_timeout: float = CONNECT_TIMEOUT) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, not {workers}")
        self.workers = workers
        self.scheduler = scheduler
        self.connect_timeout = connect_timeout

    def __enter__(self) -> Cluster:
        distributed = _import_distributed()
        self._levels = _quiet_logs()
        self._local = None
        try:
            if self.scheduler:
                self._client = _connect(distributed, self.scheduler, self.connect_timeout)
            else:
                # A task whose worker dies fails at once (KilledWorker), and map() runs its
                # items again alone: Dask's own retries would kill and restart workers
                # three more times, and a worker killed while starting is not restarted.
                import dask

                with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
                    self._local = distributed.LocalCluster(
                        n_workers=self.workers, threads_per_worker=1, processes=True,
                        dashboard_address=None, silence_logs=logging.CRITICAL)
                self._client = distributed.Client(self._local)
        except BaseException:
            self._close()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self._close()

    def _close(self) -> None:
        try:
            for closing in (getattr(self, "_client", None), self._local):
                if closing is not None:
                    with contextlib.suppress(Exception):
                        closing.close()
        finally:
            self._client = None
            self._local = None
            for name, level in self._levels.items():
                logging.getLogger(name).setLevel(level)

    @property
    def address(self) -> str:
        """The scheduler's address (``tcp://HOST:PORT``), for another client to use."""
        return self._client.scheduler.address

    @property
    def threads(self) -> int:
        """How many tasks the cluster runs at once (one per worker thread)."""
        return max(1, sum(self._client.nthreads().values()))

    def map(self, function: Callable, items: Iterable, *shared: Any,
            label: Callable[[Any], str] = str, lost: str = "raise",
            weight: Callable[[Any], int] | None = None, batch: int = 0
            ) -> Generator[Any, None, None]:
        """``function(item, *shared)`` for each item, on the workers; the results in the
        items' order, as they come.

        ``function`` must be importable by name on the workers (a module-level function of
        qualcode). ``shared`` is sent once per task as one pickle, unpickled once per worker.
        With ``weight`` and ``batch``, consecutive items go in one task until their weights
        add up to ``batch`` (many small files: each task costs the scheduler a few ms). A task
        that raises raises here, when its item's turn comes. At most a few tasks per worker
        are out at a time, so memory holds a few items and results.

        When a worker dies, Dask suspects every task it held, not only the one that killed
        it; so each item of a task whose worker died (every time Dask retried it) is run once
        more, alone on the cluster. If its worker dies again, it is the culprit:
        ``WorkerLost`` naming ``label(item)``, raised at its turn (``lost="raise"``) or
        yielded in place of its result (``lost="return"``, for a caller that lists failed
        files and goes on).
        """
        if lost not in ("raise", "return"):
            raise ValueError(f"lost must be 'raise' or 'return', not {lost!r}")
        from distributed.scheduler import KilledWorker

        client = self._client
        blob = pickle.dumps(shared, protocol=pickle.HIGHEST_PROTOCOL)
        run = uuid.uuid4().hex[:8]
        key = f"{run}-{hashlib.sha1(blob).hexdigest()}"  # a fresh cache key per map
        window = 2 * self.threads + 1
        tasks = _bundles(enumerate(items), weight, batch)
        running: dict = {}  # future -> (the task's [(index, item)], whether it runs alone)
        finished: dict[int, tuple[str, Any]] = {}  # index -> ("ok" | "raise", value)
        suspects: list[tuple[int, Any]] = []  # items whose worker died, to run alone
        counter = itertools.count()
        largest = 1  # items in the largest task so far

        def submit(bundle: list[tuple[int, Any]], alone: bool) -> None:
            nonlocal largest
            # pickled here: Dask would otherwise walk every item looking for futures
            items = pickle.dumps([item for _, item in bundle], protocol=pickle.HIGHEST_PROTOCOL)
            future = client.submit(
                _call, function, items, key, blob, pure=False,
                key=f"qualcode-{function.__name__}-{run}-{next(counter)}")
            running[future] = (bundle, alone)
            largest = max(largest, len(bundle))

        def refill() -> None:
            # Keep the workers busy, but do not pile up results behind a slow item, and
            # hold back while suspects wait to run alone.
            while (not suspects and len(running) < window
                   and len(finished) < 4 * window * largest):
                bundle = next(tasks, None)
                if bundle is None:
                    return
                submit(bundle, alone=False)

        try:
            refill()
            following = 0
            while running or finished or suspects:
                if following in finished:
                    kind, value = finished.pop(following)
                    following += 1
                    if kind == "raise":
                        raise value
                    yield value
                    continue
                if suspects and not running:
                    self._settle()
                    submit([suspects.pop(0)], alone=True)
                future = self._first_done(running)
                bundle, alone = running.pop(future)
                try:
                    results, error = future.result()
                except KilledWorker:
                    if not alone:
                        suspects.extend(bundle)
                    else:
                        (index, item), = bundle
                        finished[index] = (
                            "ok" if lost == "return" else "raise",
                            WorkerLost("a worker process died working on it, and again "
                                       "when it ran alone; is it very large, or does it "
                                       "crash its reader?", label(item)))
                except Exception as exc:  # a failure of the task itself (not of function)
                    finished[bundle[0][0]] = ("raise", exc)
                else:
                    for (index, _), result in zip(bundle, results, strict=False):
                        finished[index] = ("ok", result)
                    if error is not None:  # raised at its item's turn, as in one process
                        finished[bundle[len(results)][0]] = ("raise", error)
                future.release()
                refill()
        finally:
            if running:
                with contextlib.suppress(Exception):
                    client.cancel(list(running))


    def _first_done(self, running: dict):
        """A finished future of ``running``, waiting as long as it takes while the cluster
        has workers; one line if it has had none for ``NO_WORKERS_TIMEOUT`` seconds (Dask's
        nanny does not restart a worker that dies while it is starting, and a remote
        cluster may lose all its workers)."""
        from distributed import wait

        alone_since = None
        while True:
            try:
                done, _ = wait(list(running), timeout=2, return_when="FIRST_COMPLETED")
            except TimeoutError:
                done = set()
            if done:
                return next(iter(done))
            if self._client.nthreads():
                alone_since = None
            elif alone_since is None:
                alone_since = time.monotonic()
            elif time.monotonic() - alone_since > NO_WORKERS_TIMEOUT:
                raise QualcodeError(
                    f"the Dask cluster has had no workers for {NO_WORKERS_TIMEOUT:g} s (they "
                    "died and were not restarted); the project is left as it was")

    def _settle(self) -> None:
        """Before a suspect runs alone: every local worker back up and out of its start (a
        worker killed while its nanny is still starting it is never restarted), for up to
        ``NO_WORKERS_TIMEOUT`` seconds."""
        if self._local is None:
            return
        from distributed.core import Status

        deadline = time.monotonic() + NO_WORKERS_TIMEOUT
        while time.monotonic() < deadline:
            nannies = list(self._local.workers.values())
            started = [n for n in nannies if getattr(getattr(n, "process", None), "status",
                                                     None) == Status.running]
            if len(started) == len(nannies) and len(self._client.nthreads()) >= len(nannies):
                return
            time.sleep(0.1)


def _bundles(pairs: Iterator[tuple[int, Any]], weight: Callable[[Any], int] | None,
             batch: int) -> Iterator[list[tuple[int, Any]]]:
    """(index, item) pairs grouped, in order, into tasks of about ``batch`` weight."""
    bundle: list[tuple[int, Any]] = []
    filled = 0
    for pair in pairs:
        bundle.append(pair)
        filled += weight(pair[1]) if weight is not None else batch
        if filled >= batch:
            yield bundle
            bundle, filled = [], 0
    if bundle:
        yield bundle


_SHARED: dict[str, tuple] = {}  # on a worker: the shared arguments of the current map


def _call(function: Callable, items: bytes, key: str, blob: bytes
          ) -> tuple[list, BaseException | None]:
    """On a worker: ``function(item, *shared)`` for each item of a task, unpickling
    ``shared`` once per worker (so a codebook's matcher, cached by the codebook object, is
    built once per worker too). The results up to the first error, and that error."""
    shared = _SHARED.get(key)
    if shared is None:
        _SHARED.clear()  # one map at a time: keep only the latest
        shared = _SHARED[key] = pickle.loads(blob)
    results = []
    for item in pickle.loads(items):
        try:
            results.append(function(item, *shared))
        except Exception as error:
            return results, error
    return results, None


def _import_distributed():
    try:
        import distributed
    except ImportError:
        raise QualcodeError("running on several workers needs Dask: pip install "
                            "'qualcode[dask]' (or give --workers 1)") from None
    return distributed


def _connect(distributed, address: str, timeout: float):
    """A Client of the scheduler at ``address``; one QualcodeError line if it cannot be
    reached within ``timeout`` seconds (a refused port fails at once, not after retries)."""
    problem = None
    if address.startswith("tcp://"):
        host, _, port = address[len("tcp://"):].rpartition(":")
        try:
            with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout):
                pass
        except ValueError:
            problem = "not HOST:PORT"
        except OSError as exc:
            problem = exc.strerror or type(exc).__name__
    if problem is None:
        try:
            return distributed.Client(address, timeout=timeout)
        except (OSError, TimeoutError, ValueError) as exc:
            problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    raise QualcodeError(f"cannot reach the Dask scheduler at {address}: {problem}")


def _quiet_logs() -> dict[str, int]:
    """Keep Dask's own log lines (worker restarts, lost tasks) off the user's screen; errors
    that matter come back as exceptions. Returns the levels to restore."""
    known = logging.root.manager.loggerDict
    names = {name for name in known
             if name.split(".")[0] in _QUIET_LOGGERS and isinstance(known[name], logging.Logger)}
    levels = {}
    for name in sorted(names | set(_QUIET_LOGGERS)):
        logger = logging.getLogger(name)
        levels[name] = logger.level
        logger.setLevel(logging.CRITICAL + 1)
    return levels

