"""Benchmarks: briefgen against the engines it drives, as ratios measured in one run.

    .venv/bin/python benchmarks/run.py [--repeat N] [--scale 1,10,100] [--only brief,deck,...]

Each line is a ratio to a baseline timed in the same run on the same machine, so a noisy
or slow machine moves both sides. Targets come from the issues:

- brief:   render_brief(minister) / bare WeasyPrint on the same final HTML      <= 1.15
- deck:    render_deck(minister) / python-pptx saving as many slides from the master <= 3
           (context rows: python-pptx re-saving our deck; a render whose words the
           process has not measured before, as the first deck of a build worker)
- cold:    build() of every audience x format / the engines' serial floor      <= 1.0
- gate:    the release gate (generator/verify.py) on every output of a cold build, run
           one after another / that cold build's wall time                   <= 0.10
           (context row: the same gate time / the jobs' render times, summed)
- no-op rebuild (whole process) <= 0.5 s; `briefgen --help` <= 0.25 s
- scale:   time per PDF page at 10x/100x content within 1.5x of 1x; peak RSS <= 1 GB
- html:    brief.html of the one-section project (benchmarks/one-section: a 3,000-word
           policy brief) in a warm worker, its fonts subset afresh          <= 0.5 s
- pandoc:  `briefgen build` of that project (PDF, PPTX, HTML), a process, against pandoc
           (HTML, PPTX; Markdown to Typst) + typst (PDF) making the same three (context:
           the issue's goal is 3x; skipped when pandoc >= 3.1 or typst are missing)
- parallel: the PDF of a scaled project (--parallel-scale, 100 = 1,200 collaborations)
           with -j 2 / with -j 1, whole processes; peak RSS per process      <= 0.6, 1 GB
- dask:    cold build on a LocalCluster of 2 worker processes / on 2 local workers
                                                                             <= 1.15
- dask-scale: `briefgen build --executor dask` on a LocalCluster of 2 workers / the same
           command with -j 2, on the --parallel-scale project and on a project of
           --editions audiences (default 100); every output byte-identical   <= 1.15
           (not in the default run: about 12 minutes at the defaults)
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generator.build import build, plan  # noqa: E402
from generator.content import load_project  # noqa: E402
from generator.tailor import tailor  # noqa: E402


def best(fn: Callable[[], object], repeat: int) -> float:
    """Best of ``repeat`` wall-clock runs (the least disturbed by the machine)."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def paired(ours: Callable[[], object], base: Callable[[], object], repeat: int
           ) -> tuple[float, float]:
    """Best times of ``ours`` and ``base``, run alternately so that a machine's drift
    (another process, CPU frequency) falls on both sides alike."""
    ours_times, base_times = [], []
    for _ in range(repeat):
        for fn, times in ((ours, ours_times), (base, base_times)):
            started = time.perf_counter()
            fn()
            times.append(time.perf_counter() - started)
    return min(ours_times), min(base_times)


def jobs_of(root: Path) -> list:
    project = load_project(root)
    return plan(project, {n: tailor(project, n) for n in project.audiences})


def bench_brief(repeat: int) -> tuple[float, float, float]:
    from weasyprint import HTML

    from generator.render.brief import layout_gc, render_brief, render_html

    job = next(j for j in jobs_of(REPO) if j.audience == "minister" and j.format == "pdf")
    html = render_html(job.edition, job.templates, for_print=True)
    base = Path(job.edition.content_root).as_uri() + "/"

    def bare() -> None:
        HTML(string=html, base_url=base, media_type="print").write_pdf(
            io.BytesIO(), pdf_variant="pdf/ua-1")

    def bare_tuned() -> None:  # context: WeasyPrint with the collector setting we use
        with layout_gc():
            bare()

    render_brief(job.edition, job.templates)  # warm both (fonts, imports)
    bare()
    ours, weasy = paired(lambda: render_brief(job.edition, job.templates), bare, repeat)
    _, tuned = paired(lambda: None, bare_tuned, repeat)
    return ours, weasy, tuned


def _clear_text_caches() -> None:
    """Forget what the deck renderer remembers about text between renders (widths of
    words, their line breaks): a render of content this process has not measured."""
    from generator.render import textfit

    for cached in (textfit._advance, textfit._char_widths, textfit._em, textfit._measured_words,
                   textfit._one_line, textfit._word_cores):
        cached.cache_clear()


def bench_deck(repeat: int) -> tuple[float, float, int, float, float]:
    from pptx import Presentation

    from generator.render.deck import render_deck

    job = next(j for j in jobs_of(REPO) if j.audience == "minister" and j.format == "pptx")
    slides = len(Presentation(io.BytesIO(render_deck(job.edition, job.templates))).slides)

    def bare() -> None:
        prs = Presentation(job.templates.master)
        layouts = list(prs.slide_layouts)
        for i in range(slides):
            prs.slides.add_slide(layouts[i % len(layouts)])
        prs.save(io.BytesIO())

    finished = render_deck(job.edition, job.templates)

    def resave() -> None:  # the same XML volume: python-pptx parsing and saving our deck
        Presentation(io.BytesIO(finished)).save(io.BytesIO())

    def unmeasured() -> None:
        _clear_text_caches()
        render_deck(job.edition, job.templates)

    ours, base = paired(lambda: render_deck(job.edition, job.templates), bare, repeat)
    _, same_volume = paired(lambda: None, resave, repeat)
    fresh, _ = paired(unmeasured, lambda: None, repeat)
    return ours, base, slides, same_volume, fresh


def bench_cold(repeat: int) -> tuple[float, float, int]:
    from pptx import Presentation
    from weasyprint import HTML

    from generator.render.brief import render_html
    from generator.render.deck import render_deck

    jobs = jobs_of(REPO)
    htmls = [(render_html(j.edition, j.templates, for_print=True),
              Path(j.edition.content_root).as_uri() + "/") for j in jobs if j.format == "pdf"]
    decks = [(j.templates.master, len(Presentation(io.BytesIO(
        render_deck(j.edition, j.templates))).slides)) for j in jobs if j.format == "pptx"]

    def floor() -> None:
        for html, base in htmls:
            HTML(string=html, base_url=base, media_type="print").write_pdf(
                io.BytesIO(), pdf_variant="pdf/ua-1")
        for master, count in decks:
            prs = Presentation(master)
            layouts = list(prs.slide_layouts)
            for i in range(count):
                prs.slides.add_slide(layouts[i % len(layouts)])
            prs.save(io.BytesIO())

    def cold() -> None:
        with tempfile.TemporaryDirectory() as out:
            build(REPO, out=out, force=True)

    ours, base = paired(cold, floor, repeat)
    return ours, base, len(jobs)


def bench_gate(repeat: int) -> tuple[float, float, float, int]:
    """The gate's time on a cold build's outputs, against that build (measured here)."""
    from generator.verify import check_output

    outputs: list = []
    walls: list[float] = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as out:
            started = time.perf_counter()
            report = build(REPO, out=out, force=True)
            walls.append(time.perf_counter() - started)
        outputs = [(r.job, r.data, r.seconds) for r in report.results if r.data is not None]

    def gate() -> None:
        for job, data, _ in outputs:
            assert check_output(job, data) == [], job.path

    gate()  # imports and first-use set-up, as a build worker pays once
    gate_time = best(gate, repeat)
    # each job's recorded seconds include its gate: the renders alone are the rest
    render_time = sum(seconds for _, _, seconds in outputs) - gate_time
    return gate_time, min(walls), render_time, len(outputs)


def bench_copies(repeat: int, count: int = 25) -> dict[str, tuple[float, float]]:
    """Per format: (time of one copy, stamped and gated, averaged over ``count``
    recipients; time of one render), best of ``repeat`` each. A copy is gated as a
    build gates it: against the render it was stamped from."""
    from generator.build import Job, render
    from generator.content.models import Recipient
    from generator.copies import Copy, stamp
    from generator.verify import check_copy

    people = [Recipient(name=f"Member {i}. Example", organisation="Defence Committee")
              for i in range(1, count + 1)]
    copies = [Copy("minister", n, count, person) for n, person in enumerate(people, 1)]
    found: dict[str, tuple[float, float]] = {}
    for fmt in ("pdf", "pptx"):
        job = next(j for j in jobs_of(REPO) if j.audience == "minister" and j.format == fmt)
        data, _ = render(job)

        def all_copies(job: Job = job, data: bytes = data) -> None:
            for copy in copies:
                stamped = stamp(job.format, data, copy, watermark=True)
                assert check_copy(job, stamped, copy.path(job.path), copy.line, data) == []

        all_copies()  # imports, the font's subset: once per build process
        one, rendered = paired(all_copies, lambda job=job: render(job), repeat)
        found[fmt] = (one / count, rendered)
    return found


def bench_process(repeat: int) -> tuple[float, float]:
    exe = str(REPO / ".venv" / "bin" / "briefgen")
    out = tempfile.mkdtemp()
    try:
        subprocess.run([exe, "build", str(REPO), "-o", out], check=True, capture_output=True)
        noop = best(lambda: subprocess.run([exe, "build", str(REPO), "-o", out], check=True,
                                           capture_output=True), repeat)
        helptime = best(lambda: subprocess.run([exe, "--help"], check=True,
                                               capture_output=True), repeat)
    finally:
        shutil.rmtree(out)
    return noop, helptime


def scaled_project(factor: int, into: Path) -> Path:
    """The default project with every collaboration and section copied ``factor`` times,
    and one home audience (the minister: full length, every format). Each copy's YAML
    differs by a comment, as a real project's files differ: a text parsed before is not
    parsed again (generator/content/yamlio.py)."""
    shutil.copytree(REPO / "content", into / "content")
    (into / "templates" / "audiences").mkdir(parents=True)
    shutil.copy(REPO / "templates/audiences/minister.yaml", into / "templates/audiences")
    for folder, pattern in (("collaborations", "*.yaml"), ("sections", "*.md")):
        originals = sorted((into / "content" / folder).glob(pattern))
        for copy in range(1, factor):
            for path in originals:
                text = path.read_text("utf-8")
                if folder == "collaborations":
                    text = "\n".join(line for line in text.splitlines()
                                     if not line.startswith("id:"))
                    text = f"# copy {copy}\n{text}"
                else:  # in the front matter
                    text = text.replace("---\n", f"---\n# copy {copy}\n", 1)
                name = path.name.split(".", 1)
                (path.parent / f"{name[0]}-x{copy:03d}.{name[1]}").write_text(text, "utf-8")
    return into


# Run a command through a fresh parent, whose children's peak is that command's alone (this
# process's RUSAGE_CHILDREN keeps the largest child it ever had): its peak RSS (KB) and CPU
# seconds on stdout; if it fails, its own stderr and exit status.
_PEAK_AND_CPU_OF_CHILD = (
    "import resource, subprocess, sys; "
    "done = subprocess.run(sys.argv[1:], capture_output=True); "
    "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
    "sys.stderr.buffer.write(done.stderr); "
    "print(u.ru_maxrss, u.ru_utime + u.ru_stime); "
    "sys.exit(done.returncode)")


class BuildFailed(Exception):
    """A build run by a benchmark failed: the message ends with the build's stderr."""


def measured_build(*args: str) -> tuple[float, float]:
    """`briefgen build ARGS` as a process: its peak RSS (MB) and CPU seconds. Raises
    :class:`BuildFailed` with the build's own error output (its last 40 lines)."""
    done = subprocess.run([sys.executable, "-c", _PEAK_AND_CPU_OF_CHILD,
                           str(REPO / ".venv/bin/briefgen"), "build", *args],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = "\n".join(done.stderr.splitlines()[-40:])
        raise BuildFailed(f"`briefgen build {' '.join(args)}` exited {done.returncode}:\n"
                          f"{tail}")
    peak_kb, cpu = done.stdout.split()[-2:]
    return int(peak_kb) / 1024, float(cpu)


def bench_scale(factor: int) -> dict[str, float]:
    from pypdf import PdfReader

    with tempfile.TemporaryDirectory() as tmp:
        root = scaled_project(factor, Path(tmp) / "p")
        started = time.perf_counter()
        peak_mb, _cpu = measured_build(str(root), "-f", "pdf", "-j", "1")
        seconds = time.perf_counter() - started
        pages = len(PdfReader(root / "output/minister/brief.pdf").pages)
    return {"factor": factor, "pages": pages, "seconds": seconds,
            "per_page": seconds / pages, "peak_mb": peak_mb}


ONE_SECTION = REPO / "benchmarks" / "one-section"


def bench_html(repeat: int) -> tuple[float, float]:
    """brief.html of the one-section project in a warm worker (imports done, templates
    compiled): with its fonts subset afresh, and with the subsets already cached."""
    from generator.render import brief

    job = next(j for j in jobs_of(ONE_SECTION) if j.format == "html")
    brief.brief_html(job.edition, job.templates)  # the worker's first job: warm

    def fresh() -> None:
        brief._subset_bytes.cache_clear()
        brief.brief_html(job.edition, job.templates)

    return best(fresh, repeat), best(lambda: brief.brief_html(job.edition, job.templates),
                                     repeat)


def _pandoc() -> str | None:
    """A pandoc that writes Typst (3.1 or later): on the PATH, or pypandoc_binary's."""
    candidates = [shutil.which("pandoc")]
    try:
        import pypandoc  # type: ignore[import-not-found]

        candidates.append(pypandoc.get_pandoc_path())
    except (ImportError, OSError):
        pass
    for exe in filter(None, candidates):
        formats = subprocess.run([exe, "--list-output-formats"], capture_output=True,
                                 text=True, check=False).stdout.split()
        if "typst" in formats:
            return exe
    return None


def bench_pandoc(repeat: int) -> tuple[float, float] | str:
    """`briefgen build` of the one-section project against pandoc + typst, processes."""
    pandoc = _pandoc()
    try:
        import typst  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        return "typst (pip install typst) is not installed"
    if pandoc is None:
        return "no pandoc >= 3.1 (apt-get install pandoc, or pip install pypandoc_binary)"
    exe = str(REPO / ".venv" / "bin" / "briefgen")
    source = next((ONE_SECTION / "content" / "sections").glob("*.md"))
    work = Path(tempfile.mkdtemp())
    try:
        def ours() -> None:
            subprocess.run([exe, "build", str(ONE_SECTION), "-o", str(work / "ours"),
                            "--force"], check=True, capture_output=True)

        def base() -> None:
            for args in (["-s", "-t", "typst", "-o", str(work / "brief.typ")],
                         ["-o", str(work / "brief.pptx")],
                         ["-s", "--embed-resources", "-o", str(work / "brief.html")]):
                subprocess.run([pandoc, str(source), *args], check=True, capture_output=True)
            subprocess.run([sys.executable, "-c", "import sys, typst; "
                            "typst.compile(sys.argv[1], output=sys.argv[2])",
                            str(work / "brief.typ"), str(work / "brief.pdf")],
                           check=True, capture_output=True)

        return paired(ours, base, repeat)
    finally:
        shutil.rmtree(work)


def bench_parallel(factor: int) -> dict[str, float]:
    """The scaled project (brief, deck, page) with -j 1 and -j 2 (whole processes), and the peak
    resident memory of the largest process of each."""
    from pypdf import PdfReader

    with tempfile.TemporaryDirectory() as tmp:
        root = scaled_project(factor, Path(tmp) / "p")
        found: dict[str, float] = {"factor": factor}
        for jobs in (1, 2):
            started = time.perf_counter()
            peak, cpu = measured_build(str(root), "-j", str(jobs), "--force")
            found[f"j{jobs}"] = time.perf_counter() - started
            found[f"peak{jobs}"], found[f"cpu{jobs}"] = peak, cpu
            data = (root / "output/minister/brief.pdf").read_bytes()
            found[f"sha{jobs}"] = hash(data)
        found["pages"] = len(PdfReader(root / "output/minister/brief.pdf").pages)
        found["same"] = float(found["sha1"] == found["sha2"])
    return found


def bench_dask(repeat: int) -> tuple[float, float] | str:
    """A cold build of the default project on a LocalCluster of 2 worker processes, and
    on 2 local workers (the cluster started once, before)."""
    try:
        import dask
        from distributed import LocalCluster
    except ImportError:
        return "dask[distributed] is not installed (pip install 'briefgen[dask]')"
    from generator.cluster import DaskSettings

    with dask.config.set({"logging.distributed": "error"}), \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                         host="127.0.0.1", dashboard_address="127.0.0.1:0") as cluster:
        settings = DaskSettings(cluster.scheduler_address)

        def on(**kwargs: object) -> Callable[[], None]:
            def run() -> None:
                with tempfile.TemporaryDirectory() as out:
                    build(REPO, out=out, force=True, **kwargs)  # type: ignore[arg-type]
            return run

        on(cluster=settings)()  # the workers' imports and first renders
        return paired(on(cluster=settings), on(jobs=2), repeat)


def editions_project(count: int, into: Path) -> Path:
    """The default project with ``count`` audiences: its six profiles, each copied under
    new names in turn (``minister-002`` …), so the build makes ``count`` editions of
    every kind (home and foreign, English and Arabic, every length)."""
    shutil.copytree(REPO / "content", into / "content")
    own = into / "templates" / "audiences"
    own.mkdir(parents=True)
    profiles = sorted((REPO / "templates" / "audiences").glob("*.yaml"))
    for n in range(count):
        profile = profiles[n % len(profiles)]
        shutil.copy(profile, own / f"{profile.stem}-{n:03d}.yaml")
    return into


def bench_dask_scale(factor: int, editions: int) -> list[dict[str, object]]:
    """`briefgen build` on a LocalCluster of 2 workers and with `-j 2` (the same command
    but for `--executor dask --scheduler …`), on the scaled project (a brief of a thousand
    pages and more) and on a project of ``editions`` audiences: times, and whether every
    output file is byte for byte the same."""
    try:
        import dask
        from distributed import LocalCluster
    except ImportError:
        return []
    found: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp, \
            dask.config.set({"logging.distributed": "error"}), \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                         host="127.0.0.1", dashboard_address="127.0.0.1:0") as cluster:
        for name, root in ((f"{factor}x brief", scaled_project(factor, Path(tmp) / "big")),
                           (f"{editions} editions",
                            editions_project(editions, Path(tmp) / "many"))):
            times: dict[str, float] = {}
            for way, extra in (("local", ["-j", "2"]),
                               ("dask", ["--executor", "dask", "--scheduler",
                                         cluster.scheduler_address])):
                started = time.perf_counter()
                measured_build(str(root), "--force", "-q", "-o", str(root / way), *extra)
                times[way] = time.perf_counter() - started
            local, remote = ({p.relative_to(root / way): p.read_bytes()
                              for p in sorted((root / way).rglob("*"))
                              if p.is_file() and ".briefgen" not in p.parts}
                             for way in ("local", "dask"))
            found.append({"name": name, **times, "files": len(local),
                          "same": local == remote})
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--scale", default="1,10", help="content factors, e.g. 1,10,100")
    parser.add_argument("--parallel-scale", type=int, default=100,
                        help="content factor of the serial vs -j 2 benchmark")
    parser.add_argument("--editions", type=int, default=100,
                        help="audiences of the project that dask-scale builds")
    parser.add_argument("--only",
                        default="brief,deck,cold,gate,copies,process,scale,html,pandoc,parallel,dask",
                        help="which benchmarks to run (comma-separated)")
    args = parser.parse_args()
    only = set(args.only.split(","))

    rows: list[tuple[str, str, str, str, str]] = []
    if "brief" in only:
        ours, base, tuned = bench_brief(args.repeat)
        rows.append(("minister brief", f"{ours:.2f} s", f"bare WeasyPrint {base:.2f} s",
                     f"{ours / base:.2f}", "<= 1.15"))
        rows.append(("  same, baseline with our gc", f"{ours:.2f} s",
                     f"WeasyPrint+layout_gc {tuned:.2f} s", f"{ours / tuned:.2f}",
                     "(context)"))
    if "deck" in only:
        ours, base, slides, same_volume, fresh = bench_deck(args.repeat)
        rows.append((f"minister deck ({slides} slides)", f"{ours * 1000:.0f} ms",
                     f"bare python-pptx {base * 1000:.0f} ms", f"{ours / base:.2f}", "<= 3"))
        rows.append(("  same deck, reopened+saved", f"{ours * 1000:.0f} ms",
                     f"python-pptx {same_volume * 1000:.0f} ms",
                     f"{ours / same_volume:.2f}", "(context)"))
        rows.append(("  text not measured before", f"{fresh * 1000:.0f} ms",
                     f"bare python-pptx {base * 1000:.0f} ms", f"{fresh / base:.2f}",
                     "(context)"))
    if "cold" in only:
        ours, base, count = bench_cold(max(2, args.repeat // 2))
        rows.append((f"cold build ({count} jobs)", f"{ours:.2f} s",
                     f"engine floor {base:.2f} s", f"{ours / base:.2f}", "<= 1.0"))
    if "gate" in only:
        gate, cold, renders, count = bench_gate(max(2, args.repeat // 2))
        rows.append((f"release gate ({count} outputs)", f"{gate:.2f} s",
                     f"cold build {cold:.2f} s", f"{gate / cold:.2f}", "<= 0.10"))
        rows.append(("  same, to the renders alone", f"{gate:.2f} s",
                     f"renders, summed {renders:.2f} s", f"{gate / renders:.2f}",
                     "(context)"))
    if "copies" in only:
        found = bench_copies(max(2, args.repeat // 2))
        copy, rendered = found["pdf"]
        rows.append(("numbered copy of the brief", f"{copy * 1000:.0f} ms",
                     f"render {rendered:.2f} s", f"{copy / rendered:.2f}", "<= 0.10"))
        copy, rendered = found["pptx"]
        rows.append(("  same, of the deck", f"{copy * 1000:.0f} ms",
                     f"render {rendered * 1000:.0f} ms", f"{copy / rendered:.2f}",
                     "<= 0.10"))
    if "process" in only:
        noop, helptime = bench_process(args.repeat)
        rows.append(("no-op rebuild (process)", f"{noop:.2f} s", "-", "-", "<= 0.5 s"))
        rows.append(("briefgen --help (process)", f"{helptime:.2f} s", "-", "-",
                     "<= 0.25 s"))
    if "html" in only:
        fresh, cached = bench_html(args.repeat)
        rows.append(("one-section brief.html, warm", f"{fresh:.2f} s",
                     "fonts subset afresh", "-", "<= 0.5 s"))
        rows.append(("  same, subsets cached", f"{cached:.3f} s", "-", "-", "(context)"))
    if "pandoc" in only:
        measured = bench_pandoc(max(2, args.repeat // 2))
        if isinstance(measured, str):
            print(f"pandoc: skipped: {measured}", file=sys.stderr)
        else:
            ours, base = measured
            rows.append(("one-section pdf+pptx+html", f"{ours:.2f} s",
                         f"pandoc + typst {base:.2f} s", f"{ours / base:.2f}",
                         "(context; goal 3)"))
    failures: list[str] = []
    p: dict[str, float] = {}
    if "parallel" in only:
        try:
            p = bench_parallel(args.parallel_scale)
        except BuildFailed as failed:
            failures.append(f"parallel: {failed}")
    if p:
        rows.append((f"{p['factor']:.0f}x brief ({p['pages']:.0f} pages), -j 2",
                     f"{p['j2']:.1f} s", f"-j 1 {p['j1']:.1f} s", f"{p['j2'] / p['j1']:.2f}",
                     "<= 0.6"))
        rows.append(("  peak per process, same bytes", f"{p['peak2']:.0f} MB",
                     f"-j 1 {p['peak1']:.0f} MB", "yes" if p["same"] else "NO",
                     "<= 1024 MB"))
        # On a loaded machine the wall times say little. The CPU time of all the processes
        # of each build does: on two idle cores, -j 1 takes about its CPU time and -j 2
        # at least half of its own, so this ratio is the best -j 2 can reach there.
        rows.append(("  CPU of all processes", f"{p['cpu2']:.1f} s", f"-j 1 {p['cpu1']:.1f} s",
                     f"{p['cpu2'] / 2 / p['cpu1']:.2f}", "(bound: CPU/2 over -j 1)"))
    if "dask" in only:
        measured = bench_dask(max(2, args.repeat // 2))
        if isinstance(measured, str):
            print(f"dask: skipped: {measured}", file=sys.stderr)
        else:
            ours, base = measured
            rows.append(("cold build, LocalCluster(2)", f"{ours:.2f} s",
                         f"2 local workers {base:.2f} s", f"{ours / base:.2f}", "<= 1.15"))
    if "dask-scale" in only:
        for d in bench_dask_scale(args.parallel_scale, args.editions):
            rows.append((f"{d['name']} on LocalCluster(2)", f"{d['dask']:.1f} s",
                         f"-j 2 {d['local']:.1f} s", f"{d['dask'] / d['local']:.2f}",
                         "<= 1.15"))
            rows.append((f"  {d['files']} files byte-identical",
                         "yes" if d["same"] else "NO", "-", "-", "yes"))
    scale: list[dict[str, float]] = []
    for factor in args.scale.split(",") if "scale" in only else []:
        try:
            scale.append(bench_scale(int(factor)))
        except BuildFailed as failed:
            failures.append(f"scale {factor}x: {failed}")
    for s in scale:
        one = scale[0]["per_page"]
        rows.append((f"scale {s['factor']}x: {s['pages']} pages", f"{s['seconds']:.1f} s",
                     f"{s['per_page'] * 1000:.0f} ms/page, peak {s['peak_mb']:.0f} MB",
                     f"{s['per_page'] / one:.2f}", "<= 1.5, <= 1024 MB"))

    print(f"machine: {platform.machine()}, {platform.system()} {platform.release()}, "
          f"Python {platform.python_version()}, {len(__import__('os').sched_getaffinity(0))} "
          "cores")
    header = ("benchmark", "ours", "baseline", "ratio", "target")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(5)]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
    for failure in failures:  # after the table, each with the failed build's own words
        print(f"FAILED {failure}", file=sys.stderr)
    (REPO / "output").mkdir(exist_ok=True)
    (REPO / "output" / "bench.json").write_text(json.dumps({"rows": rows, "scale": scale},
                                                          indent=1))
    if failures:
        sys.exit(1)


if __name__ == "__main__":
    main()
