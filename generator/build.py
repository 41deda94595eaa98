"""The build: load, tailor every audience, render each (audience, format) job, write.

Read top to bottom, :func:`build` is the whole pipeline. Jobs are pure (an Edition and a
TemplateSet in, bytes out) and run on a process pool; renderer imports happen only in
the processes that render. A cache keyed by each job's inputs skips jobs whose output
would not change. Nothing is written unless every job succeeded: new files go to a
staging folder first and are moved into place at the end, one atomic rename each.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .content import Project, load_project
from .edition import FORMATS, LENGTHS, Edition, Tailored
from .errors import (
    BriefgenError,
    ContentError,
    Diagnostic,
    RenderError,
    UsageProblem,
    did_you_mean,
)
from .review import review_sheet
from .tailor import tailor
from .templates import TemplateSet, resolve_templates

FILE_NAMES = {"pdf": "brief.pdf", "pptx": "deck.pptx", "html": "brief.html"}
STATE_DIR = ".briefgen"  # inside OUT: the cache manifest and the staging area
REVIEW_DIR = "_review"


@dataclass(frozen=True)
class Job:
    """One output: an audience's Edition in one format. Picklable."""

    audience: str
    format: str
    edition: Edition
    templates: TemplateSet
    key: str  # hash of every input: Edition, template files, generator version

    @property
    def path(self) -> str:
        return f"{self.audience}/{FILE_NAMES[self.format]}"


@dataclass
class JobResult:
    job: Job
    status: str  # "built" | "skipped" | "failed"
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    errors: list[Diagnostic] = field(default_factory=list)
    data: bytes | None = None


@dataclass
class BuildReport:
    out: Path
    results: list[JobResult]
    reviews: list[str]
    warnings: list[Diagnostic]
    seconds: float

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
            "warnings": [d.as_json() for d in self.warnings],
        }


class BuildFailed(BriefgenError):
    """A job failed; nothing was written."""


Progress = Callable[[str, Job, JobResult | None], None]


def source_date_epoch() -> int | None:
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return int(value) if value.isdigit() else None


def _hash_files(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.as_posix().encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest() if path.is_file() else b"-")
    return digest.hexdigest()


def _template_paths(templates: TemplateSet, fmt: str) -> list[Path]:
    if fmt == "pptx":
        return [Path(templates.master)]
    return [p for p in templates.files() if p.suffix != ".pptx"]


def plan(project: Project, tailored: dict[str, Tailored],
         formats: Iterable[str] | None = None) -> list[Job]:
    """The jobs to build: every audience x its formats (or only ``formats``)."""
    wanted = set(formats or FORMATS)
    jobs = []
    for name, t in tailored.items():
        templates = resolve_templates(project.root, name, project.layouts_for(name))
        for fmt in t.edition.audience.formats:
            if fmt not in wanted:
                continue
            # Each output gets the Edition cut to what it prints: its banner and metadata
            # come from that, and a change it does not print does not rebuild it.
            edition = t.edition.shown_in(fmt)
            key = hashlib.sha256(json.dumps(
                [__version__, fmt, edition.fingerprint(), templates.layouts,
                 _hash_files(_template_paths(templates, fmt))]).encode()).hexdigest()
            jobs.append(Job(name, fmt, edition, templates, key))
    return jobs


def render(job: Job) -> tuple[bytes, list[str]]:
    """Render one job. Runs in a worker process; imports only the renderer it needs."""
    warnings: list[str] = []
    if job.format == "pdf":
        from .render.brief import render_brief

        data = render_brief(job.edition, job.templates, warnings=warnings)
    elif job.format == "html":
        from .render.brief import brief_html

        data = brief_html(job.edition, job.templates, warnings=warnings)
    else:
        from .render.deck import render_deck

        data = render_deck(job.edition, job.templates)
    return data, warnings


def _expected_cost(job: Job) -> tuple[int, int, int]:
    """A rough order of render cost: PDF layout dominates, then length, then content."""
    e = job.edition
    size = len(e.collaborations) + len(e.sections) + len(e.charts)
    return ({"pdf": 2, "html": 1}.get(job.format, 0), LENGTHS.index(e.audience.length), size)


def _run(job: Job) -> JobResult:
    started = time.perf_counter()
    try:
        data, warnings = render(job)
    except BriefgenError as exc:
        return JobResult(job, "failed", time.perf_counter() - started,
                         errors=list(exc.diagnostics))
    except Exception as exc:
        # A fault of briefgen's, not of the content. It goes back from a worker process
        # by pickling; some exceptions cannot be (lxml's carry their error log), and the
        # pool would report that instead: this one says what failed, and where.
        raise RuntimeError(f"{job.path}: {type(exc).__name__}: {exc}\n"
                           f"{traceback.format_exc()}") from None
    return JobResult(job, "built", time.perf_counter() - started, warnings, data=data)


def _manifest(out: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads((out / STATE_DIR / "manifest.json").read_text("utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _unchanged(job: Job, out: Path, manifest: dict[str, dict[str, str]]) -> bool:
    entry = manifest.get(job.path)
    target = out / job.path
    if not entry or entry.get("key") != job.key or not target.is_file():
        return False
    # the file must still be the one we wrote (not edited or replaced by hand)
    return hashlib.sha256(target.read_bytes()).hexdigest() == entry.get("sha256")


def _safe_target(out: Path, relative: str) -> Path:
    target = (out / relative).resolve()
    if out.resolve() not in target.parents:
        raise RenderError(f"refusing to write outside the output folder: {relative}")
    return target


def build(project: Path | str = ".", audiences: Iterable[str] | None = None,
          formats: Iterable[str] | None = None, out: Path | str | None = None, *,
          jobs: int | None = None, strict: bool = False, force: bool = False,
          progress: Progress | None = None) -> BuildReport:
    """Build the project's outputs. Raises :class:`ContentError` or :class:`BuildFailed`
    (with every diagnostic) and then writes nothing."""
    started = time.perf_counter()
    root = Path(project).absolute()
    out_dir = Path(out).absolute() if out else root / "output"

    # 1. load and validate everything
    loaded = load_project(root)
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
    if strict and warnings:
        raise ContentError([Diagnostic(d.file, d.line, d.col, "error", d.message, d.hint)
                            for d in warnings])

    # 3. render the jobs whose inputs changed
    manifest = {} if force else _manifest(out_dir)
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
    workers = max(1, min(jobs or os.cpu_count() or 1, len(pending)))
    for job in pending:
        if progress:
            progress("start", job, None)
    if workers == 1:
        for job in pending:
            results[job.path] = _run(job)
            if progress:
                progress("done", job, results[job.path])
    elif pending:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(_run, job): job for job in pending}
            for future in as_completed(futures):
                result = future.result()
                results[result.job.path] = result
                if progress:
                    progress("done", result.job, result)
    ordered = [results[job.path] for job in all_jobs]

    failed = [r for r in ordered if r.status == "failed"]
    if strict:
        for r in ordered:
            for w in r.warnings:
                r.errors.append(Diagnostic(r.job.path, 0, 0, "error", w))
        failed = [r for r in ordered if r.errors]
    if failed:
        raise BuildFailed([d for r in failed for d in r.errors])

    # 4. write: stage everything, then move into place
    reviews = {f"{REVIEW_DIR}/{name}.md": review_sheet(t).encode("utf-8")
               for name, t in tailored.items()}
    _write(out_dir, {r.job.path: r.data for r in ordered if r.data is not None}, reviews,
           manifest, ordered)
    return BuildReport(out_dir, ordered, sorted(reviews), warnings,
                       time.perf_counter() - started)


def _write(out: Path, outputs: dict[str, bytes], reviews: dict[str, bytes],
           manifest: dict[str, dict[str, str]], results: list[JobResult]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    state = out / STATE_DIR
    state.mkdir(exist_ok=True)
    files = {**outputs, **reviews}
    targets = {rel: _safe_target(out, rel) for rel in files}
    staging = Path(tempfile.mkdtemp(prefix="staging-", dir=state))
    try:
        for rel, data in files.items():
            staged = staging / rel
            staged.parent.mkdir(parents=True, exist_ok=True)
            staged.write_bytes(data)
        for rel, target in targets.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / rel, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    for r in results:
        if r.data is not None:
            manifest[r.job.path] = {"key": r.job.key,
                                    "sha256": hashlib.sha256(r.data).hexdigest()}
    tmp = state / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True), "utf-8")
    os.replace(tmp, state / "manifest.json")
