"""Render jobs on a Dask distributed cluster (``briefgen build --executor dask``).

The client (the ``briefgen build`` process) keeps everything but rendering: loading,
tailoring, the cache, the release gate's verdict on every returned file, staging and the
commit. A task carries one job's Edition, its TemplateSet, and the files it reads (by
content hash, each sent once per worker); the worker writes those files into a private
folder (mode 0700) laid out as the project is, renders, and sends the bytes back. The
project's folders are never read on a worker: a worker needs briefgen installed, and the
same versions of everything that decides the bytes (checked at connect, by name).

Security: Dask's TLS with certificates. Plain TCP is accepted only to a loopback address
(this machine), with a warning; anything else is refused before connecting.
"""

from __future__ import annotations

import dataclasses
import hashlib
import ipaddress
import itertools
import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .errors import Diagnostic, UsageProblem
from .executors import ExecutorFailed, Run, Step

if TYPE_CHECKING:
    from .build import Job, JobResult

#: Where a worker keeps the files of the builds it serves (a folder per build, removed
#: when the build ends).
WORKER_FOLDER = "briefgen-worker"
_CONNECT_TIMEOUT = "20s"
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


@dataclass(frozen=True)
class DaskSettings:
    """How to reach the cluster: the scheduler's address and the TLS files (None: from
    Dask's configuration, ``distributed.comm.tls.*``)."""

    scheduler: str
    tls_ca: str | None = None
    tls_cert: str | None = None
    tls_key: str | None = None


def versions() -> dict[str, str]:
    """What decides the bytes of an output, besides its inputs: briefgen (and the
    digest of its built-in templates and fonts), the engines, Pango, the fonts the
    system offers. Workers must report exactly the client's."""
    import matplotlib
    import pikepdf
    import pptx
    import uharfbuzz
    import weasyprint
    from weasyprint.text.ffi import pango

    from . import __version__
    from .templates import builtin_templates

    pango_version = int(pango.pango_version())
    package = hashlib.sha256()
    for folder in (builtin_templates(), Path(__file__).parent / "fonts"):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                package.update(path.relative_to(folder).as_posix().encode() + b"\0")
                package.update(hashlib.sha256(path.read_bytes()).digest())
    try:
        listed = subprocess.run(["fc-list", "--format", "%{file}|%{fontversion}\n"],
                                capture_output=True, text=True, check=False).stdout
    except OSError:
        listed = "fc-list not found"
    system_fonts = hashlib.sha256("\n".join(sorted(listed.splitlines())).encode()).hexdigest()
    return {
        "briefgen": __version__,
        "briefgen templates and fonts": package.hexdigest()[:16],
        "WeasyPrint": weasyprint.__version__,
        "Pango": f"{pango_version // 10000}.{pango_version // 100 % 100}.{pango_version % 100}",
        "python-pptx": pptx.__version__,
        "HarfBuzz (uharfbuzz)": uharfbuzz.__version__,
        "pikepdf": pikepdf.__version__,
        "qpdf": pikepdf.__libqpdf_version__,
        "matplotlib": matplotlib.__version__,
        "system fonts": system_fonts[:16],
    }


def _address(settings: DaskSettings) -> tuple[str, list[Diagnostic]]:
    """The scheduler's address, checked: ``tls://`` anywhere, ``tcp://`` only to this
    machine (with a warning). Raises :class:`UsageProblem` otherwise."""
    address = settings.scheduler.strip()
    scheme = address.split("://", 1)[0].lower() if "://" in address else "tcp"
    host = urlsplit(address if "://" in address else f"tcp://{address}").hostname or ""
    if scheme == "tls":
        return address, []
    if scheme != "tcp":
        raise UsageProblem([Diagnostic("--scheduler", 0, 0, "error",
                                       f"`{address}`: unsupported protocol `{scheme}`",
                                       "use tls://HOST:8786")])
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host.lower() in _LOOPBACK_NAMES
    if not loopback:
        raise UsageProblem([Diagnostic(
            "--scheduler", 0, 0, "error",
            f"`{address}`: plain TCP to another machine is refused (the Editions sent "
            "to workers may be classified)",
            "use tls://HOST:8786 with --tls-ca, --tls-cert and --tls-key (see the manual's "
            "Dask page); plain tcp:// is for a cluster on this machine only")])
    return address, [Diagnostic("--scheduler", 0, 0, "warning",
                                f"`{address}`: plain TCP without encryption, accepted "
                                "because it is this machine")]


def _security(settings: DaskSettings, tls: bool) -> Any:
    from distributed.security import Security

    if not tls:
        return Security()
    given = {k: v for k, v in (("tls_ca_file", settings.tls_ca),
                               ("tls_client_cert", settings.tls_cert),
                               ("tls_client_key", settings.tls_key)) if v}
    for option, value in (("--tls-ca", settings.tls_ca), ("--tls-cert", settings.tls_cert),
                          ("--tls-key", settings.tls_key)):
        if value and not Path(value).is_file():
            raise UsageProblem([Diagnostic(option, 0, 0, "error",
                                           f"no file `{value}`")])
    return Security(require_encryption=True, **given)


# -- on a worker ---------------------------------------------------------------------------


def _worker_root() -> Path:
    root = Path(tempfile.gettempdir()) / f"{WORKER_FOLDER}-{os.getuid()}"
    root.mkdir(mode=0o700, exist_ok=True)
    if root.is_symlink() or root.stat().st_uid != os.getuid():
        raise PermissionError(f"{root} is not a private folder of this user")
    os.chmod(root, 0o700)
    return root


def _materialise(build: str, files: dict[str, bytes]) -> Path:
    """The job's files written under this worker's folder for ``build``, at their paths
    relative to the project (each file once: an existing one has the same content,
    as its path includes a hash of the whole set)."""
    digest = hashlib.sha256()
    for rel in sorted(files):
        digest.update(rel.encode() + b"\0" + hashlib.sha256(files[rel]).digest())
    folder = _worker_root() / build
    folder.mkdir(mode=0o700, exist_ok=True)
    tree = folder / digest.hexdigest()[:32]
    if tree.is_dir():
        return tree
    staging = Path(tempfile.mkdtemp(dir=folder))
    for rel, data in files.items():
        target = staging / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    try:
        staging.rename(tree)
    except OSError:  # another task of the same job got there first: the same files
        shutil.rmtree(staging, ignore_errors=True)
    return tree


def _relocate(value: Any, roots: dict[str, str]) -> Any:
    """``value`` (an Edition, a TemplateSet) with every path under a client's folder
    (``roots``: client path -> worker path) moved to the worker's copy."""
    if isinstance(value, str):
        for old, new in roots.items():
            if value == old or value.startswith(old + "/"):
                return new + value[len(old):]
        return value
    if isinstance(value, tuple):
        return type(value)(_relocate(v, roots) for v in value) if type(value) is tuple \
            else type(value)(*(_relocate(v, roots) for v in value))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _relocate(getattr(value, f.name), roots)
                   for f in dataclasses.fields(value) if f.init}
        return dataclasses.replace(value, **changes)
    return value


#: On a worker: each job of a build with its paths moved to the worker's copies, made
#: once for all the tasks of the job (a large brief's parts share its Edition, which for
#: a thousand collaborations takes a fifth of a second to move).
_RELOCATED: dict[tuple[str, str], Job] = {}
_RELOCATED_KEPT = 2  # a worker runs one task at a time; the parts of a brief come together

#: What a task sends back: a JobResult's fields but its job (the client has it, and the
#: Edition is megabytes to send back and unpickle for every part of a large brief).
Outcome = tuple[str, float, list[str], list[Diagnostic], "bytes | None", Any]


def _dask_task(run: Run, build: str, job: Job, step: Step | None, roots: dict[str, str],
               files: dict[str, bytes], part_size: int) -> Outcome:
    """One task on a worker: the job's files in place, its paths moved there, rendered
    (a large brief cut into parts of the client's size, as a local build cuts them)."""
    from .render import parts
    from .templates import builtin_templates

    parts.PART_SIZE = part_size  # one task at a time per worker process (checked)
    tree = _materialise(build, files)
    moved = {old: (str(builtin_templates()) if new == "<built-in>" else str(tree / new))
             for old, new in roots.items()}
    local = _RELOCATED.get((build, job.key))
    if local is None:  # the key is a digest of the job and its files: one tree for it
        while len(_RELOCATED) >= _RELOCATED_KEPT:  # the oldest goes: bounded memory
            del _RELOCATED[next(iter(_RELOCATED))]
        local = _RELOCATED[build, job.key] = dataclasses.replace(
            job, edition=_relocate(job.edition, moved),
            templates=_relocate(job.templates, moved))
    result = run(local, step, True, False)  # the client passes it through the gate
    return (result.status, result.seconds, result.warnings, result.errors, result.data,
            result.detail)


def _forget(build: str) -> None:
    """Remove the files of ``build`` from this worker. (It runs beside a task being
    cancelled, which may still change ``_RELOCATED``: the files go first.)"""
    shutil.rmtree(_worker_root() / build, ignore_errors=True)
    for key in list(_RELOCATED):
        if key[0] == build:
            _RELOCATED.pop(key, None)


# -- on the client -------------------------------------------------------------------------


@dataclass
class DaskExecutor:
    """The :class:`generator.executors.Executor` of a Dask cluster."""

    settings: DaskSettings
    run: Run
    split_parts: bool = True
    capacity: int = 0
    warnings: list[Diagnostic] = field(default_factory=list)
    _client: Any = None
    _build: str = ""
    _futures: dict[Any, tuple[int, Job]] = field(default_factory=dict)
    _jobs: dict[str, Any] = field(default_factory=dict)  # job path -> the scattered Job
    _sent: Iterator[int] = field(default_factory=itertools.count)  # tasks, as sent
    _blobs: dict[str, Any] = field(default_factory=dict)  # content hash -> scattered bytes
    _digests: dict[str, str] = field(default_factory=dict)  # client path -> content hash

    def __post_init__(self) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise UsageProblem([Diagnostic(
                "--executor", 0, 0, "error", "the Dask executor needs dask[distributed]",
                "install briefgen[dask]: pip install 'briefgen[dask]'")]) from None
        address, self.warnings = _address(self.settings)
        security = _security(self.settings, address.lower().startswith("tls://"))
        try:
            self._client = Client(address, security=security, timeout=_CONNECT_TIMEOUT,
                                  set_as_default=False)
        except Exception as exc:  # refused, unreachable, TLS files unusable: all named
            raise ExecutorFailed([Diagnostic(
                "--scheduler", 0, 0, "error",
                f"cannot connect to the Dask scheduler at `{address}`: {exc}",
                "start it (dask scheduler) and its workers, or check the address and "
                "the TLS files")]) from None
        try:
            self._check_workers()
        except BaseException:
            self._client.close()
            raise
        self._build = secrets.token_hex(8)  # this build's folder on each worker

    def _check_workers(self) -> None:
        """Refuse a cluster without workers, with a worker of other versions, or with a
        worker running several tasks at once (renderers share process-wide state)."""
        client = self._client
        threads = client.nthreads()
        if not threads:
            raise ExecutorFailed([Diagnostic("--scheduler", 0, 0, "error",
                                             "the Dask cluster has no workers",
                                             "start some: dask worker --nthreads 1 ADDRESS")])
        ours = versions()
        problems = []
        for worker, theirs in sorted(client.run(versions).items()):
            for name in ours:
                if theirs.get(name) != ours[name]:
                    problems.append(Diagnostic(
                        worker, 0, 0, "error",
                        f"the worker runs {name} {theirs.get(name, 'missing')}, this "
                        f"machine {ours[name]}",
                        "every worker must run the versions of the client, for the same "
                        "bytes: install the same briefgen and libraries there"))
        for worker, count in sorted(threads.items()):
            if count != 1:
                problems.append(Diagnostic(
                    worker, 0, 0, "error",
                    f"the worker runs {count} tasks at once; briefgen needs one per "
                    "process", "start workers with dask worker --nthreads 1 (and "
                    "--nworkers N for N processes)"))
        if problems:
            raise ExecutorFailed(problems)
        # A task waiting beside each running one: a worker that finishes starts its next
        # at once, not after a round trip to this client, which judges each result (the
        # release gate) before it sends more.
        self.capacity = 2 * len(threads)

    def _files(self, job: Job) -> tuple[dict[str, str], dict[str, Any]]:
        """Where the job's folders go on a worker, and the files it reads (scattered
        once per build, by content hash) under their paths there."""
        from .inputs import image_files, job_files
        from .templates import builtin_templates

        builtin = str(builtin_templates())
        project = job.templates.project_root or str(Path(job.edition.content_root).parent)
        # The built-in templates are the worker's own (the same: checked at connect),
        # unless they are inside the project (briefgen's own repository), where messages
        # and stylesheet comments name them by their path in the project: then they go too.
        roots = ({} if builtin.startswith(project + "/") else {builtin: "<built-in>"})
        roots[project] = "project"
        folders = [job.edition.content_root, *job.templates.brief_dirs,
                   str(Path(job.templates.master).parent)]
        for n, folder in enumerate(f for f in folders
                                   if not any(f == r or f.startswith(r + "/") for r in roots)):
            roots[folder] = f"folder-{n}"
        images = image_files(job.edition) if job.format != "pptx" else None
        files: dict[str, Any] = {}
        for path in job_files(job.edition, job.templates, job.format, images):
            text = str(path)
            root = next((r for r in roots if text.startswith(r + "/")), None)
            if root is None or roots[root] == "<built-in>" or not path.is_file():
                continue  # built-in files are the worker's own (checked at connect)
            digest = self._digests.get(text)
            if digest is None:
                data = path.read_bytes()
                digest = self._digests[text] = hashlib.sha256(data).hexdigest()
                if digest not in self._blobs:
                    self._blobs[digest] = self._client.scatter(data, broadcast=False,
                                                               hash=False)
            files[roots[root] + text[len(root):]] = self._blobs[digest]
        return roots, files

    def submit(self, task: int, job: Job, step: Step | None) -> None:
        from distributed.comm.core import CommClosedError

        from .render import parts

        try:
            roots, files = self._files(job)
            sent = self._jobs.get(job.path)
            if sent is None:  # once per job: a worker unpickles its Edition once, not per part
                sent = self._jobs[job.path] = self._client.scatter(job, broadcast=False,
                                                                   hash=False)
            # Tasks run in the order they are sent (longest first), also those waiting
            # on a worker beside a running one: one sent earlier has the higher priority.
            future = self._client.submit(_dask_task, self.run, self._build, sent, step,
                                         roots, files, parts.PART_SIZE, pure=False,
                                         retries=0, priority=-next(self._sent),
                                         key=f"briefgen-{self._build}-{task}")
        except (CommClosedError, TimeoutError) as exc:  # a worker gone
            raise ExecutorFailed([Diagnostic(
                job.path, 0, 0, "error", "rendering this output failed on the cluster: a "
                f"Dask worker was lost while its job was sent ({type(exc).__name__}: {exc})",
                "nothing was written; build again when the cluster is healthy")]) from None
        self._futures[future] = (task, job)

    def wait(self) -> list[tuple[int, JobResult]]:
        from distributed import CancelledError, as_completed

        from .build import JobResult, gated

        next(as_completed(list(self._futures), loop=self._client.loop))
        finished = [future for future in self._futures if future.done()]
        results = []
        for future in sorted(finished, key=lambda f: self._futures[f][0]):
            task, job = self._futures.pop(future)
            path = job.path
            try:
                # The release gate runs here, on the client: a worker is trusted to
                # render, not to judge what it rendered.
                result = JobResult(job, *future.result())
                if result.status not in ("split", "part"):  # the job's last task
                    self._jobs.pop(job.path, None)  # its Edition may leave the cluster
                results.append((task, gated(result)))
                continue
            except CancelledError:  # e.g. the worker that held its scattered files died
                reason = ("the task was cancelled: the scheduler, or a Dask worker holding "
                          "its files, was lost")
            except Exception as exc:
                name = type(exc).__name__
                reason = (f"the Dask worker running it was lost ({exc})"
                          if name == "KilledWorker" else
                          f"the Dask task failed: {name}: {exc}")
            raise ExecutorFailed([Diagnostic(path, 0, 0, "error",
                                             f"rendering this output failed on the cluster: "
                                             f"{reason}",
                                             "nothing was written; build again when the "
                                             "cluster is healthy")])
        return results

    def close(self) -> None:
        if self._client is None:
            return
        try:
            for future in self._futures:
                future.cancel()
            with suppress(Exception):  # a worker gone: its files went with it
                self._client.run(_forget, self._build)
        finally:
            self._client.close()
            self._client = None
