"""Where render jobs run, and in what order: a local process pool with per-job limits
(:class:`LocalPool`), or a Dask cluster (:mod:`generator.dask`).

A job (an audience x a format) is run as one or more *tasks*. Most jobs are one task.
A large brief is laid out in parts (generator/render/parts.py): its first task renders
its HTML and hands the parts back (:class:`~generator.render.parts.Deferred`); each part
is then laid out as a task of its own (:class:`LayOutPart`), on any worker; then the front
with its contents' page numbers (:class:`LayOutFront`) and the page-number overlay
(:class:`LayOutOverlay`) are laid out at once, and a last task (:class:`Join`) joins them.
The steps are those of a serial build, in other processes: the same bytes.

:func:`run_jobs` keeps exactly as many tasks in flight as the executor has workers and
picks the next by priority: the parts of a brief already split first (they are the
longest job's), then the jobs, longest first. The executor only runs tasks; everything
else (the cache, verification's verdict, staging, the commit) stays in the build.
"""

from __future__ import annotations

import ctypes
import gc
import heapq
import itertools
import multiprocessing
import os
import resource
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from .errors import BriefgenError, Diagnostic

if TYPE_CHECKING:
    from .build import Job, JobResult
    from .render.parts import Laid, Split

#: ``run(job, step, defer, gate)``: one task of a job (:func:`generator.build._run`).
Run = Callable[["Job", "Step | None", bool, bool], "JobResult"]


class ExecutorFailed(BriefgenError):
    """A worker was lost or a task ran over its time: the build fails, naming the jobs."""


# -- the steps of a brief laid out in parts ------------------------------------------------


@dataclass(frozen=True)
class LayOutPart:
    """Lay out one part of a split brief: ``index`` -1 is the front part without its
    page numbers (only its length is used), 0... the body parts in order."""

    split: Split
    index: int

    def run(self, job: Job) -> tuple[Laid, list[str]]:
        from .render.brief import lay_out_brief_part

        front = self.split.front
        html = (front(None) if front is not None and self.index < 0
                else self.split.body[self.index])
        return lay_out_brief_part(job.edition, job.templates, html)


@dataclass(frozen=True)
class LayOutFront:
    """Lay out the front part again, its contents showing the page ``numbers`` of the
    body laid out."""

    split: Split
    numbers: dict[str, int]

    def run(self, job: Job) -> tuple[Laid, list[str]]:
        from .render.brief import lay_out_brief_part

        assert self.split.front is not None
        return lay_out_brief_part(job.edition, job.templates, self.split.front(self.numbers))


@dataclass(frozen=True)
class Overlay:
    """The page-number overlay laid out (None: the stylesheet shows no page number)."""

    pdf: bytes | None


@dataclass(frozen=True)
class LayOutOverlay:
    """Lay out the page numbers of a brief of ``total`` pages (at once with the front)."""

    split: Split
    total: int

    def run(self, job: Job) -> tuple[Overlay, list[str]]:
        from .render.brief import lay_out_brief_overlay

        pdf, log = lay_out_brief_overlay(job.edition, job.templates, self.split, self.total)
        return Overlay(pdf), log


@dataclass(frozen=True)
class Join:
    """The front, the body parts and the overlay joined: the brief's PDF."""

    front: Laid | None
    body: tuple[Laid, ...]
    overlay: bytes | None

    def run(self, job: Job) -> tuple[bytes, list[str]]:
        from .render.parts import join

        return join(self.front, list(self.body), self.overlay), []


Step = LayOutPart | LayOutFront | LayOutOverlay | Join


# -- executors -----------------------------------------------------------------------------


class Executor(Protocol):
    #: how many tasks it is given at once: its workers (the Dask executor's, twice that,
    #: so that a task waits on each worker while the client judges a result)
    capacity: int
    #: whether a large brief's parts are sent back to be laid out as tasks of their own
    split_parts: bool

    def submit(self, task: int, job: Job, step: Step | None) -> None:
        """Start task number ``task``: ``step`` of ``job`` (None: the job itself)."""

    def wait(self) -> list[tuple[int, JobResult]]:
        """Block until at least one task has finished; its number and result. Raises
        :class:`ExecutorFailed` for a lost worker or a task over its time."""

    def close(self) -> None:
        """Stop every task still running and let the workers go."""


_LIBC: Any = None
_FROZEN = False  # whether this process's first collection has frozen what survived it


def release_memory() -> None:
    """Collect this process's garbage and give the freed memory back to the system (glibc's
    ``malloc_trim``; elsewhere only the collection). Called between the tasks of a process
    and the parts of a brief: freed but kept, the memory of one task (a 1,200-slide deck,
    a part's layout) would otherwise stay resident under the next one's, and the peak of a
    process would be the sum of its tasks' rather than the largest.

    What survives the first call is frozen (``gc.freeze``): the imported renderers, and
    whatever the process held then (a build's loaded project; in the preview server or a
    test session, also what came before). Later collections walk only what came after:
    walking it all took about 0.1 s a call, a tenth of a small brief's render. A frozen
    object is still freed when nothing refers to it, but never collected as part of a
    reference cycle: a one-time cost per process (none measured after four rebuilds of
    the preview server, which loads the project again on each)."""
    global _LIBC, _FROZEN
    gc.collect()
    if not _FROZEN:
        gc.freeze()
        _FROZEN = True
    if _LIBC is None:  # the C library this process runs on; malloc_trim: glibc's
        try:
            _LIBC = ctypes.CDLL(None).malloc_trim
        except (OSError, AttributeError):
            _LIBC = False
    if _LIBC:
        _LIBC(0)


#: Below this many YAML texts, parsing them in the build process costs less than starting
#: helper processes for them.
PREFETCH_MIN = 64


def parse_on(workers: int) -> Callable[[list[tuple[str, int]]], None]:
    """A loader's ``prefetch`` (generator/content/loader.py): YAML texts parsed on a pool
    of ``workers`` helper processes of this machine, started for it before any render
    worker, into this process's parse cache while the loader waits (ruamel parses in
    pure Python: 8 of the 10 s a thousand collaborations take to load). A text a helper
    could not parse, or a pool that failed, is left to the loader."""

    def prefetch(items: list[tuple[str, int]]) -> None:
        from .content import yamlio

        if workers < 2 or len(items) < PREFETCH_MIN:
            return
        try:
            with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context()) as pool:
                yamlio.prefetched(pool.map(yamlio.parse_for_cache, items,
                                           chunksize=max(1, len(items) // (workers * 4))))
        except Exception:  # no helper could start, one died, a result did not come back:
            return  # only time is lost, the loader parses what is missing

    return prefetch


_STARTS: Any = None  # in a local worker: where it says which task it starts, and its pid
MEMORY_MB = 0  # in a local worker: its memory limit


def _init_worker(memory_mb: int, starts: Any, part_size: int) -> None:
    """A local worker's set-up: its memory limit (address space, so that a runaway
    allocation is a MemoryError in this worker, not the machine's), the queue on which it
    reports each task it starts (the parent enforces the wall-time limit), and the part
    size of large briefs (the parent's, so that parts are cut as a serial build cuts them)."""
    global _STARTS, MEMORY_MB, _FROZEN
    from .render import parts

    _STARTS, MEMORY_MB = starts, memory_mb
    _FROZEN = False  # its first task imports the renderers: freeze them after it too
    parts.PART_SIZE = part_size
    # What the worker inherits from the build process (the loaded project: a thousand
    # collaborations are a million objects) is never garbage here: out of the collector's
    # sight, its collections after each task do not walk it (CPU), nor write to its pages
    # (which fork shares until written).
    gc.freeze()
    if memory_mb:
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = memory_mb * 2**20
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _local_task(run: Run, task: int, job: Job, step: Step | None, defer: bool) -> JobResult:
    if _STARTS is not None:
        _STARTS.put((task, os.getpid()))
    try:
        return run(job, step, defer, True)
    finally:
        release_memory()  # before the next task of this worker


@dataclass
class LocalPool:
    """``workers`` processes on this machine. A task running longer than ``timeout``
    seconds has its worker killed; a worker that dies (killed, or out of memory inside a
    library) fails the jobs it was running. Either raises :class:`ExecutorFailed`."""

    workers: int
    timeout: float
    memory: int
    run: Run
    split_parts: bool = True
    capacity: int = 0
    _pool: ProcessPoolExecutor | None = None
    _starts: Any = None
    _futures: dict[Future[JobResult], tuple[int, str]] = field(default_factory=dict)
    _running: dict[int, tuple[str, int, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from .render import parts

        self.capacity = self.workers
        context = multiprocessing.get_context()
        self._starts = context.SimpleQueue()
        self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context,
                                         initializer=_init_worker,
                                         initargs=(self.memory, self._starts,
                                                   parts.PART_SIZE))

    def submit(self, task: int, job: Job, step: Step | None) -> None:
        assert self._pool is not None
        future = self._pool.submit(_local_task, self.run, task, job, step, self.split_parts)
        self._futures[future] = (task, job.path)

    def wait(self) -> list[tuple[int, JobResult]]:
        while True:
            finished, _ = wait(self._futures, timeout=0.2, return_when=FIRST_COMPLETED)
            now = time.monotonic()
            waiting = {task: path for task, path in self._futures.values()}
            while not self._starts.empty():
                task, pid = self._starts.get()
                if task in waiting:  # not a task whose result came first
                    self._running[task] = (waiting[task], pid, now)
            results: list[tuple[int, JobResult]] = []
            broken = False
            for future in finished:
                task, _path = self._futures.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool:
                    broken = True
                    continue
                self._running.pop(task, None)
                results.append((task, result))
            if broken:
                limit = (f"; its memory limit is {self.memory} MB (--job-memory)"
                         if self.memory else "")
                paths = sorted({path for path, _pid, _began in self._running.values()})
                raise ExecutorFailed([
                    Diagnostic(path, 0, 0, "error",
                               "the render worker stopped while rendering this output",
                               f"it was killed, or ran out of memory{limit}")
                    for path in paths or ["render worker"]])
            late = sorted({path for path, _pid, began in self._running.values()
                           if self.timeout and now - began > self.timeout})
            if late:
                raise ExecutorFailed([
                    Diagnostic(path, 0, 0, "error",
                               f"rendering took longer than {self.timeout:g} s and was "
                               "stopped", "raise the limit with --job-timeout SECONDS")
                    for path in late])
            if results:
                return results

    def close(self) -> None:
        for _path, pid, _began in self._running.values():
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


# -- a heartbeat for logs -------------------------------------------------------------------


@dataclass
class _Beat:
    began: float
    said: float | None = None
    parts: int = 0  # a brief laid out in parts: how many (the front counts as one)
    # task in flight -> the part it lays out (1...), 0 the job's own task, -1 the join
    steps: dict[int, int] = field(default_factory=dict)


@dataclass
class Heartbeat:
    """What is still rendering, told every ``interval`` seconds to a log (a stderr that
    is not a terminal, where no bar shows it): a line per output that has rendered for
    ``interval`` seconds at least, at most one per output per ``interval``, naming the
    parts of a brief laid out in parts that are in flight. :func:`run_jobs` (on the client
    of a Dask cluster too) tells it what starts and ends, and calls :meth:`tick` after
    each round of submissions; :meth:`beating` ticks from a thread meanwhile. ``clock``
    is injectable: tests need no timing."""

    say: Callable[[str], None]
    interval: float = 5.0
    clock: Callable[[], float] = time.monotonic
    _jobs: dict[str, _Beat] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def started(self, task: int, path: str, part: int = 0, parts: int = 0) -> None:
        """Task ``task`` of output ``path`` runs: ``part`` of ``parts`` (0: the job's own
        task; -1: the join of its ``parts``)."""
        with self._lock:
            beat = self._jobs.setdefault(path, _Beat(self.clock()))
            beat.steps[task] = part
            beat.parts = parts or beat.parts

    def finished(self, task: int, path: str, done: bool) -> None:
        """Task ``task`` of ``path`` has ended; with ``done``, the output too."""
        with self._lock:
            beat = self._jobs.get(path)
            if beat is not None:
                beat.steps.pop(task, None)
                if done:
                    del self._jobs[path]

    def tick(self) -> None:
        """Say what is due now."""
        with self._lock:
            now = self.clock()
            due = []
            for path, beat in sorted(self._jobs.items()):
                if now - beat.began >= self.interval and (
                        beat.said is None or now - beat.said >= self.interval):
                    beat.said = now
                    due.append(f"briefgen: building {path}{_doing(beat)} — "
                               f"{now - beat.began:.0f} s")
        for line in due:
            self.say(line)

    @contextmanager
    def beating(self) -> Iterator[None]:
        """Tick from a thread while the block runs (a second at most between ticks)."""
        stop = threading.Event()

        def loop() -> None:
            while not stop.wait(min(max(self.interval / 5, 0.2), 1.0)):
                self.tick()

        thread = threading.Thread(target=loop, name="briefgen-heartbeat", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()


def _doing(beat: _Beat) -> str:
    """`` (part 3 of 7)``, `` (parts 3, 4 of 7)``, `` (joining its 7 parts)`` or nothing."""
    numbers = sorted(n for n in beat.steps.values() if n > 0)
    if numbers:
        which = ", ".join(map(str, numbers))
        return f" (part{'s' * (len(numbers) > 1)} {which} of {beat.parts})"
    return f" (joining its {beat.parts} parts)" if -1 in beat.steps.values() else ""


# -- scheduling ----------------------------------------------------------------------------


@dataclass
class _InParts:
    """A brief being laid out in parts: what has come back so far."""

    split: Split
    warnings: list[str]
    seconds: float
    laid: dict[int, Laid] = field(default_factory=dict)
    # each step's log, by where a serial build would have written it: the front (-1), the
    # body parts (0...), the front with numbers, the overlay
    logs: dict[int, list[str]] = field(default_factory=dict)
    front_pages: int = 0
    front: Laid | None = None  # with its page numbers, once its length is stable
    overlay: Overlay | None = None
    joining: bool = False  # the join is on its way: a late step changes nothing

    @property
    def expected(self) -> list[int]:
        return ([-1] if self.split.front is not None else []) + list(range(len(self.split.body)))

    @property
    def body(self) -> tuple[Laid, ...]:
        return tuple(self.laid[i] for i in range(len(self.split.body)))

    @property
    def total(self) -> int:
        from .render.parts import total_pages

        return total_pages(self.front_pages, list(self.body))

    def tail(self) -> list[Step]:
        """The steps after the body, for a front of :attr:`front_pages` pages: the front
        with its numbers and the overlay, laid out at once (the serial build's order). A
        front or overlay already in, for another length, is forgotten."""
        from .render.parts import front_numbers

        steps: list[Step] = []
        self.front = self.overlay = None
        if self.split.front is not None:
            steps.append(LayOutFront(self.split, front_numbers(list(self.body),
                                                                self.front_pages)))
        if self.split.number_box:
            steps.append(LayOutOverlay(self.split, self.total))
        else:
            self.overlay = Overlay(None)
        return steps

    def joined(self) -> Join | None:
        """The last step, once the front and the overlay are in. From then on the brief
        is :attr:`joining`: a step that comes back later (an overlay laid out for a front
        length since replaced) is set aside by :func:`run_jobs`."""
        if self.overlay is None or (self.split.front is not None and self.front is None):
            return None
        self.joining = True
        return Join(self.front, self.body, self.overlay.pdf)


def run_jobs(pending: list[Job], executor: Executor,
             done: Callable[[JobResult], None], heartbeat: Heartbeat | None = None) -> None:
    """Run ``pending`` (in the order given: longest first) on ``executor``, calling
    ``done`` with each job's result, and telling ``heartbeat`` what runs. Raises
    :class:`ExecutorFailed`."""
    from .build import JobResult

    ready: list[tuple[tuple[int, int, int], int]] = []  # (priority, task number)
    tasks: dict[int, tuple[Job, Step | None]] = {}
    order = {job.path: n for n, job in enumerate(pending)}
    numbers = itertools.count()
    in_parts: dict[str, _InParts] = {}
    failed: set[str] = set()

    def push(job: Job, step: Step | None, priority: tuple[int, int, int]) -> None:
        task = next(numbers)
        tasks[task] = (job, step)
        heapq.heappush(ready, (priority, task))

    for job in pending:
        push(job, None, (1, order[job.path], 0))
    in_flight: set[int] = set()
    try:
        while ready or in_flight:
            while ready and len(in_flight) < executor.capacity:
                _priority, task = heapq.heappop(ready)
                job, step = tasks[task]
                if job.path in failed:
                    continue
                executor.submit(task, job, step)
                in_flight.add(task)
                if heartbeat is not None:
                    heartbeat.started(task, job.path, *_part(step))
            if heartbeat is not None:
                heartbeat.tick()
            for task, result in executor.wait():
                in_flight.discard(task)
                job, step = tasks.pop(task)
                if heartbeat is not None:
                    heartbeat.finished(task, job.path, result.status not in ("split", "part")
                                       or job.path in failed)
                if job.path in failed:
                    continue
                if result.status == "split":  # the brief's parts: one task each
                    state = in_parts[job.path] = _InParts(result.detail, result.warnings,
                                                          result.seconds)
                    # the front first (the tail needs its length), then the body parts
                    # longest first: the last to finish are short, and no core idles
                    # long while the other ends a long part
                    body = state.split.body
                    for rank, index in enumerate(sorted(state.expected, key=lambda i: (
                            (0, 0) if i < 0 else (1, -len(body[i]))))):
                        push(job, LayOutPart(state.split, index), (0, order[job.path], rank))
                elif result.status == "part":
                    if job.path not in in_parts or in_parts[job.path].joining:
                        continue  # a stale overlay, back after its brief was joined
                    state = in_parts[job.path]
                    state.seconds += result.seconds
                    after = len(state.split.body)  # the tail's priorities and log places
                    if isinstance(step, LayOutPart):
                        state.laid[step.index] = result.detail
                        state.logs[step.index] = result.warnings
                        if len(state.laid) == len(state.expected):
                            state.front_pages = (len(state.laid[-1].pages)
                                                 if -1 in state.laid else 0)
                            for n, tail in enumerate(state.tail()):
                                push(job, tail, (0, order[job.path], after + n))
                    elif isinstance(step, LayOutFront):
                        state.logs.setdefault(after, []).extend(result.warnings)
                        if len(result.detail.pages) == state.front_pages:
                            state.front = result.detail
                        else:  # the numbers made it longer or shorter: again, as serially
                            state.front_pages = len(result.detail.pages)
                            for n, tail in enumerate(state.tail()):
                                push(job, tail, (0, order[job.path], after + n))
                    elif isinstance(step, LayOutOverlay) and step.total == state.total:
                        state.logs[after + 1] = result.warnings
                        state.overlay = result.detail
                    if (last := state.joined()) is not None:
                        push(job, last, (0, order[job.path], after + 2))
                elif job.path in in_parts:  # the last step (or a part that failed)
                    state = in_parts.pop(job.path)
                    logs = [*(state.logs[i] for i in sorted(state.logs)), result.warnings]
                    # as one layout's log: each message once, in the order first seen
                    warnings = state.warnings + list(dict.fromkeys(
                        message for log in logs for message in log))
                    done(JobResult(job, result.status, state.seconds + result.seconds,
                                   warnings, result.errors, result.data))
                    if result.status == "failed":
                        failed.add(job.path)
                else:
                    done(result)
    finally:
        executor.close()


def _part(step: Step | None) -> tuple[int, int]:
    """The part a step lays out, of how many (counted as the heartbeat shows them: the
    front first); (-1, count) for the join, (0, 0) for a job's own task."""
    if isinstance(step, LayOutPart):
        front = step.split.front is not None
        return step.index + 1 + front, len(step.split.body) + front
    if isinstance(step, LayOutFront | LayOutOverlay):
        return -1, len(step.split.body) + (step.split.front is not None)
    if isinstance(step, Join):
        return -1, len(step.body) + (step.front is not None)
    return 0, 0
