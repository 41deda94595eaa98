"""The build: load, tailor every audience, render each (audience, format) job, write.

Read top to bottom, :func:`build` is the whole pipeline. Jobs are pure (an Edition and a
TemplateSet in, bytes out) and run on a process pool, each worker with a memory limit and
each job with a wall-time limit; renderer imports happen only in the processes that
render. A cache keyed by each job's inputs (its Edition and the bytes of every file its
renderer reads) skips jobs whose output would not change.

The build owns its output folder, under a lock: nothing is written unless every job
succeeded; new files are staged (mode 0700), a journal of the moves is written, then each
file is moved into place. A build that finds a journal (a crash mid-commit) finishes the
moves first, so outputs are all old or all new. Files its manifest recorded for
audiences or formats no longer configured are removed and listed on the review sheets.
"""

from __future__ import annotations

import dataclasses
import errno
import fcntl
import hashlib
import json
import os
import shutil
import stat
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__, copies, executors, register, verify
from .cluster import DaskSettings
from .content import Project, load_project
from .edition import LENGTHS, Edition, Tailored
from .errors import (
    BriefgenError,
    ContentError,
    Diagnostic,
    RenderError,
    UsageProblem,
    did_you_mean,
)
from .executors import Step
from .formats import file_names, format_names, format_of, get_format
from .inputs import FileDigests, job_files
from .review import review_sheet, withdrawn_sheet
from .signing import Signing
from .tailor import tailor
from .templates import TemplateSet, resolve_templates

STATE_DIR = ".briefgen"  # inside OUT: manifest, lock, journal and staging
REVIEW_DIR = "_review"
WITHDRAWN_SHEET = f"{REVIEW_DIR}/withdrawn.md"
MANIFEST = "manifest.json"
JOURNAL = "journal.json"
LOCK = "lock"
#: How long a build waits for another build into the same folder to finish.
LOCK_WAIT = 600.0  # a second build waits for the first (a large build takes minutes)
#: Per-job limits of local render workers (0 = none), far above the project's 100x scale
#: benchmark (a 1,400-page brief: about 160 s, 0.75 GB resident; see docs/builds.md).
JOB_TIMEOUT = 1800.0  # seconds of wall time per job
JOB_MEMORY = 6144  # MB of address space per worker process (RLIMIT_AS)


def __getattr__(name: str) -> Any:
    """``FILE_NAMES`` (format -> file name) and ``FORMAT_OF`` (file name -> format), read
    from the format table (generator/formats.py) when asked for."""
    if name == "FILE_NAMES":
        return file_names()
    if name == "FORMAT_OF":
        return {file: fmt for fmt, file in file_names().items()}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class Job:
    """One output: an audience's Edition in one format. Picklable."""

    audience: str
    format: str
    edition: Edition
    templates: TemplateSet
    key: str  # hash of every input: Edition, bytes of every file read, briefgen's version

    @property
    def path(self) -> str:
        return f"{self.audience}/{get_format(self.format).file_name}"


@dataclass
class JobResult:
    job: Job
    status: str  # "built" | "skipped" | "failed"; between tasks, "split" | "part"
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    errors: list[Diagnostic] = field(default_factory=list)
    data: bytes | None = None
    detail: Any = None  # a brief's parts ("split"), one part laid out ("part")


@dataclass
class BuildReport:
    out: Path
    results: list[JobResult]
    reviews: list[str]
    warnings: list[Diagnostic]
    seconds: float
    withdrawn: list[str] = field(default_factory=list)  # outputs this build removed
    copies: list[str] = field(default_factory=list)  # numbered copies this build stamped

    @property
    def built(self) -> list[JobResult]:
        return [r for r in self.results if r.status == "built"]

    @property
    def skipped(self) -> list[JobResult]:
        return [r for r in self.results if r.status == "skipped"]

    def as_json(self) -> dict[str, object]:
        return {
            "out": str(self.out),
            "seconds": round(self.seconds, 3),
            "jobs": [{"audience": r.job.audience, "format": r.job.format, "path": r.job.path,
                      "status": r.status, "seconds": round(r.seconds, 3),
                      "warnings": r.warnings} for r in self.results],
            "reviews": self.reviews,
            "withdrawn": self.withdrawn,
            "copies": self.copies,
            "warnings": [d.as_json() for d in self.warnings],
        }


class BuildFailed(BriefgenError):
    """A job failed; nothing was written."""


Progress = Callable[[str, Job, JobResult | None], None]


def _local_workers(jobs: int | None) -> int:
    """How many processes of this machine ``-j`` asks for (default: one per core)."""
    return max(1, jobs or os.cpu_count() or 1)


def source_date_epoch() -> int | None:
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return int(value) if value.isdigit() else None


def plan(project: Project, tailored: dict[str, Tailored],
         formats: Iterable[str] | None = None, digests: FileDigests | None = None
         ) -> list[Job]:
    """The jobs to build: every audience x its formats (or only ``formats``), each keyed
    by its Edition and the contents of every file its renderer reads
    (:func:`generator.inputs.job_files`)."""
    wanted = set(formats or format_names())
    digests = digests or FileDigests()
    jobs = []
    for name, t in tailored.items():
        templates = resolve_templates(project.root, name, project.layouts_for(name), project.limits)
        for fmt in t.edition.audience.formats:
            if fmt not in wanted:
                continue
            # Each output gets the Edition cut to what it prints: its banner and metadata
            # come from that, and a change it does not print does not rebuild it.
            edition = t.edition.shown_in(fmt)
            files = digests.combined(job_files(edition, templates, fmt))
            key = hashlib.sha256(json.dumps(
                [__version__, fmt, edition.fingerprint(), templates.layouts, files]).encode()
            ).hexdigest()
            jobs.append(Job(name, fmt, edition, templates, key))
    return jobs


def render(job: Job) -> tuple[bytes, list[str]]:
    """Render one job. Runs in a worker process; imports only the renderer it needs."""
    warnings: list[str] = []
    data = get_format(job.format).render(job.edition, job.templates, warnings)
    return data, warnings


def _expected_cost(job: Job) -> tuple[int, int, int]:
    """A rough order of render cost: PDF layout dominates, then length, then content."""
    e = job.edition
    size = len(e.collaborations) + len(e.sections) + len(e.charts)
    return (get_format(job.format).cost, LENGTHS.index(e.audience.length), size)


# -- rendering: one task of a job (generator/executors.py runs them) ---------------------


def _run(job: Job, step: Step | None = None, defer: bool = False,
         gate: bool = True) -> JobResult:
    """Render ``job`` (or one ``step`` of a brief laid out in parts), and pass its bytes
    through the release gate (unless ``gate`` is false: a remote worker's result is
    checked by the client, :func:`gated`). With ``defer``, a brief in parts comes back as
    its parts (status ``split``) for the executor to lay out as tasks of their own."""
    from .render import parts

    started = time.perf_counter()
    try:
        if step is None:
            with parts.deferring() if defer else nullcontext():
                data, warnings = render(job)
        else:
            outcome, warnings = step.run(job)
            if not isinstance(outcome, bytes):  # a part laid out
                return JobResult(job, "part", time.perf_counter() - started, warnings,
                                 detail=outcome)
            data = outcome
    except parts.Deferred as split:
        return JobResult(job, "split", time.perf_counter() - started, split.warnings,
                         detail=split.split)
    except BriefgenError as exc:
        return JobResult(job, "failed", time.perf_counter() - started,
                         errors=list(exc.diagnostics))
    except RecursionError:
        return JobResult(job, "failed", time.perf_counter() - started, errors=[Diagnostic(
            job.path, 0, 0, "error", "rendering nested too deeply (RecursionError)",
            "a template that includes or calls itself, or content nested hundreds of levels "
            "deep")])
    except MemoryError:
        memory = executors.MEMORY_MB
        limit = f"the limit is {memory} MB per job; " if memory else ""
        return JobResult(job, "failed", time.perf_counter() - started, errors=[Diagnostic(
            job.path, 0, 0, "error", "rendering ran out of memory (MemoryError)",
            f"{limit}raise it with --job-memory MB, or make the content smaller")])
    except Exception as exc:
        # A fault of briefgen's, not of the content. It goes back from a worker process
        # by pickling; some exceptions cannot be (lxml's carry their error log), and the
        # pool would report that instead: this one says what failed, and where.
        fault = f"{job.path}: {type(exc).__name__}: {exc}\n{traceback.format_exc()}"
    else:
        result = JobResult(job, "built", time.perf_counter() - started, warnings, data=data)
        if not gate:
            return result
        executors.release_memory()  # the renderer's, before the gate reads the bytes
        return gated(result)
    # Raised outside the handler, with no __context__: once tblib's pickling is installed
    # (importing Dask's `distributed` does it, process-wide), a pickled exception takes
    # its context along, and the unpicklable original would kill the worker instead.
    raise RuntimeError(fault)


def gated(result: JobResult) -> JobResult:
    """``result`` through the release gate: its final bytes are checked against the
    Edition (generator/verify.py); a file that fails is a failed job."""
    if result.status != "built" or result.data is None:
        return result
    started = time.perf_counter()
    problems = verify.check_output(result.job, result.data)
    seconds = result.seconds + time.perf_counter() - started
    if problems:
        return JobResult(result.job, "failed", seconds, errors=problems)
    return dataclasses.replace(result, seconds=seconds)


# -- the output folder: manifest, lock, journaled commit -----------------------------------


@dataclass
class _State:
    """``OUT/.briefgen/manifest.json``: every file the build wrote (its job key and
    digest), and the outputs it withdrew, with why."""

    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    withdrawn: dict[str, str] = field(default_factory=dict)

    def encode(self) -> bytes:
        return json.dumps({"version": 2, "outputs": self.outputs, "withdrawn": self.withdrawn},
                          indent=1, sort_keys=True).encode("utf-8")


def _owned(rel: object) -> bool:
    """A path the build may write or remove: ``AUDIENCE/brief.pdf`` (and the other file
    names), a review sheet, or the manifest. A manifest or journal naming anything else
    (edited by hand) is not followed."""
    if not isinstance(rel, str):
        return False
    if copies.is_copy_path(rel):  # AUDIENCE/copies/NN-slug/FILE (generator/copies.py)
        return format_of(rel.rsplit("/", 1)[-1]) is not None
    parts = rel.split("/")
    if len(parts) != 2 or not parts[0] or parts[0].startswith(".") or "\\" in rel:
        return rel == f"{STATE_DIR}/{MANIFEST}"
    if parts[0] == REVIEW_DIR:
        return (parts[1].endswith(".md") and not parts[1].startswith(".")) \
            or register.is_register(parts[1])
    return format_of(parts[1]) is not None


def _read_state(out: Path) -> _State:
    try:
        data = json.loads((out / STATE_DIR / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return _State()
    if not isinstance(data, dict):
        return _State()
    # The first manifests held only the outputs.
    outputs, withdrawn = ((data.get("outputs"), data.get("withdrawn"))
                          if data.get("version") == 2 else (data, {}))
    return _State(
        {k: v for k, v in outputs.items() if _owned(k) and isinstance(v, dict)}
        if isinstance(outputs, dict) else {},
        {k: str(v) for k, v in withdrawn.items() if _owned(k)}
        if isinstance(withdrawn, dict) else {})


def _sha256_file(path: Path) -> str | None:
    """The digest of a regular file (a FIFO or device in its place is never opened)."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return None
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None


def _unchanged(job: Job, out: Path, manifest: dict[str, dict[str, str]]) -> bool:
    entry = manifest.get(job.path)
    target = out / job.path
    if not entry or entry.get("key") != job.key or not target.is_file():
        return False
    # the file must still be the one we wrote (not edited or replaced by hand)
    return _sha256_file(target) == entry.get("sha256")


def _safe_target(out: Path, relative: str) -> Path:
    target = (out / relative).resolve()
    if out.resolve() not in target.parents:
        raise RenderError(f"refusing to write outside the output folder: {relative}")
    return target


def _replace(source: Path, target: Path) -> None:
    """One rename of the commit (a function of its own so tests can interrupt it)."""
    os.replace(source, target)


def _write_file(path: Path, data: bytes) -> None:
    """Write a new file and flush it to disk (staged files must survive a crash)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _io_error(where: str, exc: OSError) -> Diagnostic:
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        hint = "the disk is full: free some space and build again"
    elif exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        hint = "the output folder is not writable: fix its permissions, or build with -o DIR"
    else:
        hint = ""
    return Diagnostic(where, 0, 0, "error", f"cannot write: {reason}", hint)


@contextmanager
def _locked(out: Path, shown: Callable[[str], str], wait_seconds: float) -> Iterator[None]:
    """Hold ``OUT/.briefgen/lock`` (``flock``) for the build: a second build into the same
    folder waits up to ``wait_seconds``, then fails naming the folder. If the output folder
    did not exist and the build fails, it is removed again (nothing written)."""
    state = out / STATE_DIR
    if state.is_symlink():
        raise BuildFailed([_link_error(shown(STATE_DIR), state)])
    made = [p for p in (out, state) if not p.exists()]
    try:
        state.mkdir(parents=True, exist_ok=True)
        fd = os.open(state / LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise BuildFailed([_io_error(shown(""), exc)]) from None
    try:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise BuildFailed([Diagnostic(
                        shown(""), 0, 0, "error",
                        f"another build is writing to this output folder (waited "
                        f"{wait_seconds:g} s)",
                        "let it finish and build again, or build into another folder "
                        "with -o DIR")]) from None
                time.sleep(0.05)
        yield
    except BaseException:
        if made:  # the build created the folder: leave nothing behind
            with suppress(OSError):
                (state / LOCK).unlink()
            for folder in reversed(made):
                with suppress(OSError):
                    folder.rmdir()
        raise
    finally:
        os.close(fd)


def _link_error(where: str, path: Path) -> Diagnostic:
    return Diagnostic(where, 0, 0, "error",
                      f"is a symbolic link (to {os.readlink(path)}); briefgen writes only "
                      "into folders of its own",
                      "remove the link: each audience, the review sheets and the build's "
                      "state each get a real folder")


def _journal_ok(journal: object) -> bool:
    if not isinstance(journal, dict):
        return False
    staging, moves = journal.get("staging"), journal.get("moves")
    return (isinstance(staging, str) and staging.startswith("staging-") and "/" not in staging
            and isinstance(moves, list) and all(
                isinstance(m, list) and len(m) == 3 and isinstance(m[0], str)
                and "/" not in m[0] and _owned(m[1]) for m in moves)
            and isinstance(journal.get("remove"), list)
            and all(_owned(r) for r in journal["remove"]))


def _roll_forward(out: Path, journal: dict[str, Any]) -> None:
    """Finish a commit: every staged file into place, withdrawn files removed, the manifest
    last; then the staging folder and the journal go. Repeatable after a crash."""
    state = out / STATE_DIR
    staging = state / journal["staging"]
    moves = journal["moves"]
    manifest = [m for m in moves if m[1] == f"{STATE_DIR}/{MANIFEST}"]
    for name, rel, _sha in [m for m in moves if m not in manifest]:
        staged = staging / name
        if staged.exists():
            target = _safe_target(out, rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            _replace(staged, target)
    for rel in journal["remove"]:
        target = _safe_target(out, rel)
        with suppress(OSError):
            target.unlink()
        for folder in target.parents:  # folders left empty go too (a copy's, an audience's)
            if folder == out.resolve():
                break
            with suppress(OSError):
                folder.rmdir()
    for name, _rel, _sha in manifest:
        if (staging / name).exists():
            _replace(staging / name, state / MANIFEST)
    _fsync_dir(state)
    # Staging first: a staging folder without a journal then always means "not committed".
    shutil.rmtree(staging, ignore_errors=True)
    (state / JOURNAL).unlink()


def recover(out: Path) -> str:
    """Finish or undo a commit that a crash interrupted, and remove leftover staging
    folders (they may hold files of any marking). Returns ``"forward"`` (the crashed
    build's outputs are now all in place), ``"back"`` (all the previous outputs are), or
    ``""`` (there was nothing to recover). Called by :func:`build` under the lock."""
    state = out / STATE_DIR
    if not state.is_dir():
        return ""
    outcome = ""
    journal_path = state / JOURNAL
    if journal_path.exists():
        try:
            journal = json.loads(journal_path.read_text("utf-8"))
        except (OSError, ValueError):
            journal = None
        staging = state / journal["staging"] if _journal_ok(journal) else None
        # Forward only if every move can still be made or was made.
        if staging is not None and all(
                (staging / name).exists() or _sha256_file(out / rel) == sha
                for name, rel, sha in journal["moves"]):
            _roll_forward(out, journal)
            outcome = "forward"
        else:
            # The manifest was not moved: it still describes the previous outputs, and any
            # file already replaced no longer matches it, so the build renders it again.
            journal_path.unlink()
            outcome = "back"
    for leftover in state.iterdir():
        if leftover.name.startswith("staging-") and leftover.is_dir() \
                and not leftover.is_symlink():
            # a build stopped before its commit point: nothing of it was moved
            shutil.rmtree(leftover, ignore_errors=True)
            outcome = outcome or "back"
        elif leftover.name.endswith(".tmp"):
            with suppress(OSError):
                leftover.unlink()
    return outcome


def _commit(out: Path, files: dict[str, bytes], remove: list[str], manifest: bytes,
            shown: Callable[[str], str]) -> None:
    """Stage ``files``, write the journal (the commit point), then move them into place
    and remove ``remove``. A failure before the journal leaves every file as it was."""
    state = out / STATE_DIR
    for rel in files:
        target = _safe_target(out, rel)
        folder = next(p for p in (target.parent, *target.parents) if p.exists())
        if not folder.is_dir():
            raise BuildFailed([Diagnostic(shown(folder.relative_to(out.resolve()).as_posix()),
                                          0, 0, "error", "is a file where briefgen needs a "
                                          "folder", "move it away and build again")])
        if not os.access(folder, os.W_OK):
            raise BuildFailed([_io_error(shown(rel), OSError(
                errno.EACCES, os.strerror(errno.EACCES)))])
    try:
        staging = Path(tempfile.mkdtemp(prefix="staging-", dir=state))  # mode 0700
    except OSError as exc:
        raise BuildFailed([_io_error(shown(STATE_DIR), exc)]) from None
    current = STATE_DIR
    try:
        moves: list[list[str]] = []
        for number, (rel, data) in enumerate(sorted(files.items())):
            current = rel
            _write_file(staging / str(number), data)
            moves.append([str(number), rel, hashlib.sha256(data).hexdigest()])
        current = f"{STATE_DIR}/{MANIFEST}"
        _write_file(staging / "manifest", manifest)
        moves.append(["manifest", current, hashlib.sha256(manifest).hexdigest()])
        current = f"{STATE_DIR}/{JOURNAL}"
        journal = {"staging": staging.name, "moves": moves, "remove": sorted(remove)}
        _write_file(staging / "journal", json.dumps(journal).encode("utf-8"))
        _fsync_dir(staging)
        _replace(staging / "journal", state / JOURNAL)  # the commit point
        _fsync_dir(state)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise BuildFailed([_io_error(shown(current), exc)]) from None
    try:
        _roll_forward(out, journal)
    except OSError as exc:
        raise BuildFailed([Diagnostic(
            shown(STATE_DIR), 0, 0, "error",
            f"the outputs could not all be moved into place: {exc.strerror or exc}",
            "fix the cause and build again: the next build finishes this one first")]) from None


def _foreign_files(out: Path, owned: Iterable[str], shown: Callable[[str], str]
                   ) -> list[Diagnostic]:
    """Files in the output folder the build never wrote: left alone, named in a warning."""
    known = set(owned)
    found = []
    for folder, dirs, names in os.walk(out):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))  # .briefgen, .git ...
        for name in sorted(names):
            rel = Path(folder, name).relative_to(out).as_posix()
            if not name.startswith(".") and rel not in known:
                found.append(Diagnostic(shown(rel), 0, 0, "warning",
                                        "not written by briefgen; left in place"))
    return found


def _withdrawals(state: _State, configured: dict[str, tuple[str, ...]],
                 selected: Iterable[str]) -> dict[str, str]:
    """Outputs an earlier build wrote that the configuration no longer asks for: every
    file of an audience without a profile, and (for the audiences being built) formats
    no longer in the profile. A partial build (-a, -f) withdraws nothing still configured."""
    chosen = set(selected)
    withdraw: dict[str, str] = {}
    for rel in state.outputs:
        if copies.is_copy_path(rel):  # a copy goes with its audience; the rest: copies.py
            if rel.split("/")[0] not in configured:
                withdraw[rel] = f"the audience `{rel.split('/')[0]}` no longer has a profile"
            continue
        folder, name = rel.split("/") if "/" in rel else ("", rel)
        if rel == WITHDRAWN_SHEET or folder == STATE_DIR \
                or (folder == REVIEW_DIR and register.is_register(name)):
            continue  # a distribution register is a record: never withdrawn
        audience = name.removesuffix(".md") if folder == REVIEW_DIR else folder
        if audience not in configured:
            withdraw[rel] = f"the audience `{audience}` no longer has a profile"
        elif folder != REVIEW_DIR and audience in chosen \
                and format_of(name) not in configured[audience]:
            withdraw[rel] = f"`{format_of(name)}` is no longer among the audience's " \
                "formats"
    return withdraw


def build(project: Path | str = ".", audiences: Iterable[str] | None = None,
          formats: Iterable[str] | None = None, out: Path | str | None = None, *,
          jobs: int | None = None, strict: bool = False, force: bool = False,
          progress: Progress | None = None, job_timeout: float = JOB_TIMEOUT,
          job_memory: int = JOB_MEMORY, lock_wait: float = LOCK_WAIT,
          cluster: DaskSettings | None = None, signing: Signing | None = None,
          heartbeat: executors.Heartbeat | None = None) -> BuildReport:
    """Build the project's outputs. Raises :class:`ContentError` or :class:`BuildFailed`
    (with every diagnostic) and then writes nothing.

    ``jobs=1`` renders in this process (as ``serve`` does), without the per-job limits;
    otherwise each job runs in a worker process limited to ``job_memory`` MB of address
    space and ``job_timeout`` seconds (0: no limit). With ``cluster``, jobs render on that
    Dask cluster instead (generator/cluster.py), whatever ``jobs`` says. With ``signing``,
    every PDF (the audiences' own and their numbered copies) is signed after the release
    gate. A ``heartbeat`` is told what renders, for a log's progress lines."""
    started = time.perf_counter()
    root = Path(project).absolute()
    out_dir = Path(out).absolute() if out else root / "output"

    def shown(rel: str) -> str:
        """A path in the output folder as diagnostics show it: relative to the project
        when the output folder is inside it."""
        try:
            base = out_dir.relative_to(root).as_posix()
        except ValueError:
            base = str(out_dir)
        return f"{base}/{rel}".rstrip("/") if rel else base

    # 1. load and validate everything (the YAML parsed on local helpers, -j N; with a
    # cluster too: the content never leaves this machine, only Editions do)
    helpers = _local_workers(jobs)
    loaded = load_project(root, executors.parse_on(helpers) if helpers > 1 else None)
    names = list(audiences or loaded.audiences)
    unknown = [n for n in names if n not in loaded.audiences]
    if unknown:
        raise UsageProblem([Diagnostic("templates/audiences", 0, 0, "error",
                                       f"no audience `{n}`",
                                       did_you_mean(n, loaded.audiences)
                                       or f"audiences: {', '.join(loaded.audiences) or 'none'}")
                            for n in unknown])
    if not names:
        raise ContentError([Diagnostic("templates/audiences", 0, 0, "error",
                                       "the project has no audiences",
                                       "add templates/audiences/NAME.yaml")])

    # 2. tailor an Edition per audience
    epoch = source_date_epoch()
    tailored = {name: tailor(loaded, name, source_date_epoch=epoch) for name in sorted(names)}
    warnings = sorted({*loaded.warnings, *(w for t in tailored.values() for w in t.warnings)})
    refused = [d for d in warnings if d.severity == "error"]  # e.g. a withheld figure's @ref
    if refused:
        raise ContentError(refused)
    if strict and warnings:
        raise ContentError([Diagnostic(d.file, d.line, d.col, "error", d.message, d.hint)
                            for d in warnings])
    configured = {name: tuple[str, ...](entry.model.formats)
                  for name, entry in loaded.audiences.items()}

    def refuse_links(folders: Iterable[str]) -> None:
        links = [f for f in sorted(set(folders)) if (out_dir / f).is_symlink()]
        if links:
            raise BuildFailed([_link_error(shown(f), out_dir / f) for f in links])

    with _locked(out_dir, shown, lock_wait):
        # 3. the folder must be ours to write; finish or undo a commit a crash interrupted
        refuse_links([REVIEW_DIR, *configured])
        recovered = recover(out_dir)
        if recovered:
            warnings.append(Diagnostic(
                shown(STATE_DIR), 0, 0, "warning",
                "an interrupted build was " + ("completed: its outputs are all in place"
                                               if recovered == "forward" else
                                               "undone: the previous outputs are all in place")))
        state = _read_state(out_dir)
        withdraw = _withdrawals(state, configured, tailored)
        withdraw.update(copies.withdrawals(state.outputs, loaded, tailored))
        refuse_links(w.split("/")[0] for w in withdraw)

        # 4. render the jobs whose inputs changed (a PDF signed otherwise is made again)
        signer = signing.fingerprint if signing else ""
        current = {p: e for p, e in state.outputs.items()
                   if not p.endswith(".pdf") or e.get("signer", "") == signer}
        results = _render(loaded, tailored, formats, out_dir, {} if force else current,
                          jobs, strict, progress, job_timeout, job_memory, cluster, warnings,
                          heartbeat)

        # 4b. each recipient's numbered copy of each output, stamped and gated
        made, problems = copies.make(loaded, results, out_dir, {} if force else current,
                                     signing)
        if problems:
            raise BuildFailed(problems)
        signed = {}
        if signing is not None:  # the audiences' own PDFs, after the gate and the copies
            signed = {r.job.path: signing.sign(r.data) for r in results
                      if r.data is not None and r.job.format == "pdf"}

        # 5. write: the review sheets, withdrawals, then one journaled commit
        outputs = {r.job.path: r.data for r in results if r.data is not None}
        outputs.update(signed)
        outputs.update({c.path: c.data for c in made if c.data is not None})
        withdrawn = {**{p: why for p, why in state.withdrawn.items() if p not in outputs},
                     **withdraw}
        reviews = {f"{REVIEW_DIR}/{name}.md": review_sheet(t, sorted(
            (p, why) for p, why in withdrawn.items() if p.split("/")[0] == name
        )).encode("utf-8") for name, t in tailored.items()}
        gone = sorted((p, why) for p, why in withdrawn.items()
                      if (p.removesuffix(".md").split("/")[1] if p.startswith(REVIEW_DIR + "/")
                          else p.split("/")[0]) not in configured)
        remove = sorted(withdraw)
        registers = _registers(out_dir, tailored, made, withdraw, epoch, reviews,
                               state.outputs)
        if gone:
            reviews[WITHDRAWN_SHEET] = withdrawn_sheet(gone).encode("utf-8")
        elif WITHDRAWN_SHEET in state.outputs:
            remove.append(WITHDRAWN_SHEET)
        warnings += _foreign_files(out_dir, [*state.outputs, *outputs, *reviews], shown)
        new_state = _State({p: e for p, e in state.outputs.items() if p not in remove},
                           dict(sorted(withdrawn.items())))
        for r in results:
            if r.data is not None:
                data = outputs[r.job.path]
                new_state.outputs[r.job.path] = {"key": r.job.key,
                                                 "sha256": hashlib.sha256(data).hexdigest()}
                if r.job.path in signed:
                    new_state.outputs[r.job.path]["signer"] = signer
        for c in made:
            new_state.outputs[c.path] = {"key": c.key, "sha256": c.sha256,
                                         "content": c.content}
            if c.signer:
                new_state.outputs[c.path]["signer"] = signer
        for rel, data in {**reviews, **registers}.items():
            new_state.outputs[rel] = {"key": "", "sha256": hashlib.sha256(data).hexdigest()}
        files = {rel: data for rel, data in {**outputs, **reviews, **registers}.items()
                 if _sha256_file(out_dir / rel) != new_state.outputs[rel]["sha256"]}
        manifest = new_state.encode()
        if files or remove or manifest != state.encode() \
                or not (out_dir / STATE_DIR / MANIFEST).is_file():
            _commit(out_dir, files, remove, manifest, shown)
    return BuildReport(out_dir, results, sorted(r for r in reviews if r != WITHDRAWN_SHEET),
                       warnings, time.perf_counter() - started, sorted(withdraw),
                       sorted(c.path for c in made if c.data is not None))


def _registers(out: Path, tailored: dict[str, Tailored], made: list[copies.Made],
               withdraw: dict[str, str], epoch: int | None, reviews: dict[str, bytes],
               before: dict[str, dict[str, str]]) -> dict[str, bytes]:
    """Each built audience's distribution register with this build's rows appended
    (generator/register.py), and its Markdown view added to the audience's review sheet."""
    found: dict[str, bytes] = {}
    for name, t in tailored.items():
        ours = [c for c in made if c.copy.audience == name and c.data is not None]
        gone = [p for p in withdraw if p.startswith(f"{name}/") and copies.is_copy_path(p)]
        previous = register.current(out, name)
        contents = {p: e.get("content", "") for p, e in before.items()}
        after = register.append(previous, ours, gone,
                                register.timestamp(epoch, t.edition.date), contents)
        if after is not None:
            found[f"{REVIEW_DIR}/{register.register_name(name)}"] = after
        if after or previous:
            sheet = f"{REVIEW_DIR}/{name}.md"
            reviews[sheet] += register.markdown(name, after or previous or b"").encode("utf-8")
    return found


def _render(loaded: Project, tailored: dict[str, Tailored], formats: Iterable[str] | None,
            out_dir: Path, manifest: dict[str, dict[str, str]], jobs: int | None,
            strict: bool, progress: Progress | None, job_timeout: float,
            job_memory: int, cluster: DaskSettings | None = None,
            warnings: list[Diagnostic] | None = None,
            heartbeat: executors.Heartbeat | None = None) -> list[JobResult]:
    """Plan the jobs, skip the unchanged, render the rest; raises :class:`BuildFailed`.
    The executor's own warnings (plain TCP to a local cluster) go to ``warnings``."""
    all_jobs = plan(loaded, tailored, formats)
    results: dict[str, JobResult] = {}
    pending = []
    for job in all_jobs:
        if _unchanged(job, out_dir, manifest):
            results[job.path] = JobResult(job, "skipped")
            if progress:
                progress("skipped", job, results[job.path])
        else:
            pending.append(job)
    # Longest first, so that the last job to finish does not start late on one core.
    pending.sort(key=_expected_cost, reverse=True)
    # A PDF may be laid out in parts, a task each: then every worker may have work.
    tasks = len(pending) if all(job.format != "pdf" for job in pending) else len(pending) + 99
    workers = max(1, min(_local_workers(jobs), tasks))
    for job in pending:
        if progress:
            progress("start", job, None)

    def done(result: JobResult) -> None:
        results[result.job.path] = result
        if progress:
            progress("done", result.job, result)

    with heartbeat.beating() if heartbeat and pending else nullcontext():
        _run_pending(pending, done, jobs, workers, job_timeout, job_memory, cluster,
                     warnings, heartbeat)
    ordered = [results[job.path] for job in all_jobs]

    failed = [r for r in ordered if r.status == "failed"]
    if strict:
        for r in ordered:
            for w in r.warnings:
                r.errors.append(Diagnostic(r.job.path, 0, 0, "error", w))
        failed = [r for r in ordered if r.errors]
    if failed:
        raise BuildFailed([d for r in failed for d in r.errors])
    return ordered


def _run_pending(pending: list[Job], done: Callable[[JobResult], None], jobs: int | None,
                 workers: int, job_timeout: float, job_memory: int,
                 cluster: DaskSettings | None, warnings: list[Diagnostic] | None,
                 heartbeat: executors.Heartbeat | None) -> None:
    """Render ``pending``: in this process (``jobs=1``), on local workers or a cluster."""
    if jobs == 1 and cluster is None:
        for task, job in enumerate(pending):
            if heartbeat is not None:
                heartbeat.started(task, job.path)
                heartbeat.tick()
            done(_run(job))
            executors.release_memory()  # before the next job
            if heartbeat is not None:
                heartbeat.finished(task, job.path, True)
    elif pending:
        try:
            executor: executors.Executor
            if cluster is not None:
                from .cluster import DaskExecutor  # connects; checks the workers

                executor = DaskExecutor(cluster, _run)
                if warnings is not None:
                    warnings.extend(executor.warnings)
            else:
                executor = executors.LocalPool(workers, job_timeout, job_memory, _run)
            executors.run_jobs(pending, executor, done, heartbeat)
        except executors.ExecutorFailed as exc:
            raise BuildFailed(exc.diagnostics) from None
