"""A second process beside the caller: one function run in a spawned worker while the caller
computes, its result (or its error) sent back through a pipe.

Used by the validation run (:func:`solvers.claims.validate.validate` with ``jobs=2``: the claims
that do not need the optimal sweep run beside it) and the report's figure renderer (the watchdog
:func:`die_with_parent`). The worker is *spawned* (a fresh interpreter: no copy of the caller's
threads, locks or numba state), and it dies with the caller: a killed caller (SIGKILL included)
leaves no worker running, an error or Ctrl-C in the caller terminates it, an exception in the
worker is raised in the caller (its type kept, the worker's traceback in its notes), and a worker
that dies (a crash, the OOM killer) is a :class:`WorkerError` naming its exit code, never a hang.
"""

from __future__ import annotations

import os
import pickle
import queue
import threading
import time
import traceback
from collections.abc import Callable, Hashable, Sequence
from typing import Any

__all__ = [
    "PARENT_POLL_S",
    "Beside",
    "Ends",
    "Shared",
    "WorkerError",
    "default_jobs",
    "die_with_parent",
]

#: How often a worker checks that its parent is still alive, and how often the parent, waiting
#: for the result, checks that the worker is (seconds).
PARENT_POLL_S = 0.5


class WorkerError(RuntimeError):
    """The worker process died, or raised an exception that does not pickle (its text).
    An exception that pickles is raised as itself, its traceback in the worker as a note."""


def default_jobs() -> int:
    """Processes a run may use by default: 2 when this process may run on two or more cores
    (its CPU affinity, else the machine's count), else 1."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        n = os.cpu_count() or 1
    return 2 if n >= 2 else 1


def die_with_parent(parent: int) -> None:
    """Worker initializer: exit as soon as the process ``parent`` is gone.

    A killed parent (SIGKILL included) must not leave its workers running and holding the
    caller's pipes open; a daemon thread polls the parent pid (portable, unlike
    ``PR_SET_PDEATHSIG``, which fires when the spawning *thread* ends).
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_S)
        os._exit(1)

    threading.Thread(target=watch, name="optlr-parent-watchdog", daemon=True).start()


def _worker(conn, parent: int, fn: Callable[..., Any], args: tuple) -> None:
    """The worker's body: ``fn(*args)`` sent back as ``("ok", value)`` or ``("error",
    exception or None, text, traceback)`` (the exception itself when it pickles); a Ctrl-C
    (which reaches the whole process group) ends it quietly."""
    die_with_parent(parent)
    try:
        msg = ("ok", fn(*args))
    except KeyboardInterrupt:
        return
    except Exception as exc:  # sent to the caller, which raises it there
        text, trace = f"{type(exc).__name__}: {exc}", traceback.format_exc()
        try:
            pickle.loads(pickle.dumps(exc))
        except Exception:  # any failure to pickle or unpickle it: its text goes instead
            exc = None
        msg = ("error", exc, text, trace)
    conn.send(msg)
    conn.close()


class Beside:
    """``fn(*args)`` in a spawned worker process while the caller goes on; :meth:`result` waits
    for it. ``fn`` and ``args`` must pickle (``fn`` a module-level function).

    Use as a context manager: leaving the block before :meth:`result` returned (an error or
    Ctrl-C in the caller) terminates the worker.

    Examples
    --------
    >>> with Beside(pow, 2, 10) as w:
    ...     w.result()
    1024
    """

    def __init__(self, fn: Callable[..., Any], *args: Any, name: str = "optlr-worker") -> None:
        import multiprocessing

        mp = multiprocessing.get_context("spawn")
        self._conn, child = mp.Pipe(duplex=False)
        self._proc = mp.Process(target=_worker, args=(child, os.getpid(), fn, args), name=name)
        self._proc.start()
        child.close()  # the worker holds the only write end: its death is an EOF here
        self._done = False

    @property
    def pid(self) -> int | None:
        return self._proc.pid

    def alive(self) -> bool:
        """Whether the worker process still runs."""
        return self._proc.is_alive()

    def result(self) -> Any:
        """The worker's value; its exception if it raised one (the worker's traceback in its
        notes), :class:`WorkerError` if it died."""
        try:
            while not self._conn.poll(PARENT_POLL_S):
                if not self._proc.is_alive() and not self._conn.poll():
                    break
            msg = self._conn.recv()
        except EOFError:
            self._proc.join()
            raise WorkerError(
                f"the worker process (pid {self._proc.pid}) died without a result "
                f"(exit code {self._proc.exitcode})"
            ) from None
        self._done = True
        self._proc.join()
        if msg[0] == "error":  # the worker's exception (its type: a bad input stays one)
            _, exc, text, trace = msg
            exc = WorkerError(f"in the worker process: {text}") if exc is None else exc
            exc.add_note(f"raised in the worker process (pid {self._proc.pid}):\n{trace}")
            raise exc
        return msg[1]

    def close(self) -> None:
        """Terminate the worker unless its result was taken (then it has exited already)."""
        if self._proc.is_alive() and not self._done:
            self._proc.terminate()
        self._proc.join()
        self._conn.close()

    def __enter__(self) -> Beside:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Ends:
    """A list of ``n`` items that two processes take from its two ends: the worker in order from
    the front (:meth:`front`), the caller from the back (:meth:`back`), each item once, a *unit*
    at a time. ``units`` labels the items (default: every item its own unit): adjacent items
    with the same label other than ``None`` form one unit, taken whole by one process, so that
    items sharing work (a memoised sweep) are never split between the two. Made before the
    worker (it pickles only when the worker is spawned).

    Examples
    --------
    >>> ends = Ends(3)
    >>> ends.front(), ends.back(lambda i: True), ends.back(lambda i: i > 0), ends.front()
    (range(0, 1), range(2, 3), range(1, 2), None)
    >>> ends = Ends(5, units=[None, "a", "a", "b", "b"])
    >>> ends.back(lambda i: True), ends.front(), ends.front(), ends.front()
    (range(3, 5), range(0, 1), range(1, 3), None)
    """

    def __init__(self, n: int, units: Sequence[Hashable | None] | None = None) -> None:
        import multiprocessing

        labels = [None] * n if units is None else list(units)
        if len(labels) != n:
            raise ValueError(f"units: {len(labels)} labels for {n} items")
        starts = [i for i in range(n) if i == 0 or labels[i] is None or labels[i] != labels[i - 1]]
        self._cuts = (*starts, n)
        mp = multiprocessing.get_context("spawn")
        self._lock = mp.Lock()
        self._ends = mp.RawArray(
            "q", [0, len(starts)]
        )  # [next unit from the front, one past the last left]

    def _unit(self, u: int) -> range:
        return range(self._cuts[u], self._cuts[u + 1])

    def front(self) -> range | None:
        """The items of the next unit from the front, or ``None`` when none is left."""
        with self._lock:
            u, end = self._ends
            if u >= end:
                return None
            self._ends[0] = u + 1
            return self._unit(u)

    def back(self, may: Callable[[int], bool]) -> range | None:
        """The items of the last unit left if ``may(item)`` for each, else (or when none is
        left) ``None``."""
        with self._lock:
            u, end = self._ends
            if u >= end or not all(may(i) for i in self._unit(end - 1)):
                return None
            self._ends[1] = end - 1
            return self._unit(end - 1)


#: Tasks one :class:`Shared` can hold over a run (its table of who took which).
SHARED_CAPACITY = 4096


class Shared:
    """Independent tasks that the caller and its :class:`Beside` worker may both compute, each
    once: the caller posts a batch and computes it (:meth:`map`: from the back, or with
    ``greedy`` from the front); the worker, once its own work is done, takes tasks from the
    front (:meth:`serve`) until :meth:`stop`. A task
    is ``fn(*args)`` with ``fn`` a module-level function; its value is the same whichever
    process computes it (the caller's use: deterministic solves). Made before the worker and
    passed to it among :class:`Beside`'s arguments.
    """

    def __init__(self) -> None:
        import multiprocessing

        mp = multiprocessing.get_context("spawn")
        self._lock = mp.Lock()
        self._taken = mp.RawArray("b", SHARED_CAPACITY)  # 0 open, 1 the worker's, 2 the caller's
        self._todo = mp.Queue()  # caller -> worker: (index, fn, args), then None
        self._done = mp.Queue()  # worker -> caller: (index, "ok" or "error", value or text)
        self._posted = 0  # the caller's count

    def _take(self, i: int, who: int) -> bool:
        with self._lock:
            if self._taken[i]:
                return False
            self._taken[i] = who
            return True

    def map(
        self, fn: Callable[..., Any], args: list[tuple], alive: Callable[[], bool],
        greedy: bool = False,
    ) -> list:  # fmt: skip
        """``[fn(*a) for a in args]``: the caller computes from the back (with ``greedy`` from
        the front, as the worker does) the tasks the worker has not taken and waits for the
        worker's; ``alive()`` tells whether the worker still runs (a dead one is a
        :class:`WorkerError`, never a hang). With ``greedy`` and ``args`` costliest first, each
        process starts the costliest task left whenever it is free, so the last task either
        starts is the cheapest (longest-processing-time-first scheduling)."""
        first = self._posted
        if first + len(args) > SHARED_CAPACITY:
            raise RuntimeError(f"more than {SHARED_CAPACITY} shared tasks in one run")
        self._posted += len(args)
        self._todo.cancel_join_thread()  # exiting here never waits for a worker that is gone
        for k, a in enumerate(args):
            self._todo.put((first + k, fn, a))
        out: dict[int, Any] = {}
        for k in range(len(args)) if greedy else reversed(range(len(args))):
            if self._take(first + k, 2):
                out[k] = fn(*args[k])
        while len(out) < len(args):
            try:
                i, how, value = self._done.get(timeout=PARENT_POLL_S)
            except queue.Empty:  # check that the worker still runs
                if not alive():
                    raise WorkerError("the worker process died with shared tasks taken") from None
                continue
            if how == "error":
                raise WorkerError(f"a shared task failed in the worker process: {value}")
            out[i - first] = value
        return [out[k] for k in range(len(args))]

    def stop(self) -> None:
        """No more tasks: the worker's :meth:`serve` returns."""
        self._todo.put(None)

    def serve(self) -> None:
        """The worker's part: compute the posted tasks the caller has not taken, in order, until
        :meth:`stop`."""
        while (item := self._todo.get()) is not None:
            i, fn, args = item
            if not self._take(i, 1):
                continue
            try:
                self._done.put((i, "ok", fn(*args)))
            except Exception as exc:  # sent to the caller, which raises it there
                self._done.put((i, "error", f"{type(exc).__name__}: {exc}"))
