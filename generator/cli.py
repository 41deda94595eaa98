"""The ``briefgen`` command: parse arguments, call the library, print. No logic of its own.

Exit status: 0 success; 1 a problem in the project's files (nothing written); 2 a wrong
command line. Heavy libraries (WeasyPrint, python-pptx) are never imported here.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from .errors import BriefgenError, Diagnostic, UsageProblem
from .formats import format_names

FORMAT_CHOICE = click.Choice(format_names())


def _listed(choice: click.Choice | None = None) -> Any:
    """A repeatable option that also takes a comma-separated list: ``-f pdf,html`` is
    ``-f pdf -f html``; each name is checked against ``choice`` when given."""
    def split(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
              ) -> tuple[str, ...]:
        names = [name.strip() for value in values for name in value.split(",")]
        if any(not name for name in names):
            raise click.BadParameter("an empty name in the list", ctx, param)
        if choice is not None:
            names = [choice.convert(name, param, ctx) for name in names]
        return tuple(dict.fromkeys(names))

    return split


def _stderr() -> Any:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def print_diagnostics(diagnostics: Sequence[Diagnostic], verbose: bool = True) -> None:
    """Every error; warnings too with ``verbose``, else one line per file and kind of
    warning with a count (forty missing translations in one file are one line)."""
    if verbose:
        for d in diagnostics:
            click.echo(d.format(), err=True)
        return
    groups: dict[tuple[str, str], list[Diagnostic]] = {}
    for d in diagnostics:
        if d.severity == "warning":
            groups.setdefault((d.file, warning_kind(d)), []).append(d)
    for d in diagnostics:
        if d.severity != "warning":
            click.echo(d.format(), err=True)
            continue
        same = groups[(d.file, warning_kind(d))]
        if same[0] is d:
            more = len(same) - 1
            click.echo(d.format() + (f" [and {more} more like it in this file; --verbose "
                                     "lists them]" if more else ""), err=True)


def warning_kind(d: Diagnostic) -> str:
    """What a warning says with its particulars (`...` spans) left out: its kind."""
    return re.sub(r"`[^`]*`", "`…`", f"{d.message} ({d.hint})")


def _summary_counts(diagnostics: Sequence[Diagnostic]) -> str:
    errors = sum(d.severity == "error" for d in diagnostics)
    warnings = len(diagnostics) - errors
    return f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="briefgen")
def cli() -> None:
    """Tailored PDF briefs and PowerPoint decks from one set of content files."""


@cli.command()
@click.argument("project", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("-a", "--audience", "audiences", multiple=True, metavar="AUDIENCE",
              callback=_listed(), help="Build only this audience (repeatable, or a,b).")
@click.option("-f", "--format", "formats", multiple=True,
              metavar=f"[{'|'.join(format_names())}]",
              callback=_listed(FORMAT_CHOICE),
              help="Build only this format (repeatable, or pdf,html).")
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder (default: PROJECT/output).")
@click.option("-j", "--jobs", type=click.IntRange(min=1),
              help="Parallel jobs (default: cores); with --executor dask, the processes of "
                   "this machine that parse a large project while it loads.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--force", is_flag=True, help="Rebuild even what is unchanged.")
@click.option("--json", "as_json", is_flag=True, help="Print the build report as JSON.")
@click.option("-v", "--verbose", is_flag=True,
              help="List every warning (without it, warnings of one kind in one file are "
                   "one line with a count).")
@click.option("-q", "--quiet", is_flag=True,
              help="No progress: no bar on a terminal, no progress lines in a log.")
@click.option("--progress-every", type=click.FloatRange(min=0), default=5.0, metavar="SECONDS",
              envvar="BRIEFGEN_PROGRESS_EVERY", show_envvar=True, show_default=True,
              help="When stderr is not a terminal (a log, CI): every SECONDS, a line naming "
                   "each output still rendering, and its part, once it has run that long.")
@click.option("--job-timeout", type=click.FloatRange(min=0), default=None, metavar="SECONDS",
              help="Stop a job that renders longer than this (default: 1800; 0: no limit).")
@click.option("--job-memory", type=click.IntRange(min=0), default=None, metavar="MB",
              help="Memory (address space) of each render worker (default: 6144; 0: no "
                   "limit).")
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local",
              envvar="BRIEFGEN_EXECUTOR", show_envvar=True,
              help="Where jobs render: local worker processes, or a Dask cluster "
                   "(needs briefgen[dask] and --scheduler).")
@click.option("--scheduler", metavar="ADDRESS", envvar="BRIEFGEN_SCHEDULER", show_envvar=True,
              help="The Dask scheduler, tls://HOST:8786 (tcp:// only to this machine).")
@click.option("--tls-ca", type=click.Path(dir_okay=False), envvar="BRIEFGEN_TLS_CA",
              show_envvar=True, help="CA certificate of the Dask cluster (PEM).")
@click.option("--tls-cert", type=click.Path(dir_okay=False), envvar="BRIEFGEN_TLS_CERT",
              show_envvar=True, help="This client's certificate for the Dask cluster (PEM).")
@click.option("--tls-key", type=click.Path(dir_okay=False), envvar="BRIEFGEN_TLS_KEY",
              show_envvar=True, help="This client's private key for the Dask cluster (PEM).")
@click.option("--sign", "sign_key", type=click.Path(dir_okay=False, path_type=Path),
              metavar="KEY.p12",
              help="Sign every PDF (PAdES) with this PKCS#12 key; its passphrase comes from "
                   "BRIEFGEN_SIGN_PASSPHRASE or a prompt, never the command line.")
@click.option("--tsa", metavar="URL",
              help="With --sign: a timestamp authority to ask for each signature (PAdES "
                   "B-T). Off by default: nothing is fetched unless asked.")
@click.option("--sign-visible", is_flag=True,
              help="With --sign: show each signature in a field on the PDF's last page "
                   "(the signer and the signing time).")
def build(project: Path, audiences: tuple[str, ...], formats: tuple[str, ...], out: Path | None,
          jobs: int | None, strict: bool, force: bool, as_json: bool, verbose: bool,
          quiet: bool, progress_every: float, job_timeout: float | None,
          job_memory: int | None, executor: str, scheduler: str | None,
          tls_ca: str | None, tls_cert: str | None, tls_key: str | None,
          sign_key: Path | None, tsa: str | None, sign_visible: bool) -> None:
    """Build every audience x format into OUT/AUDIENCE/ (brief.pdf, deck.pptx, brief.html)."""
    from .build import JOB_MEMORY, JOB_TIMEOUT
    from .build import build as run_build
    from .cluster import DaskSettings

    _require_project(project)
    cluster = None
    if executor == "dask":
        if not scheduler:
            raise click.UsageError("--executor dask needs --scheduler ADDRESS (or "
                                   "BRIEFGEN_SCHEDULER), e.g. tls://HOST:8786")
        cluster = DaskSettings(scheduler, tls_ca, tls_cert, tls_key)
    elif scheduler or tls_ca or tls_cert or tls_key:
        raise click.UsageError("--scheduler and --tls-* are for --executor dask")
    if tsa and not sign_key:
        raise click.UsageError("--tsa needs --sign KEY.p12")
    if sign_visible and not sign_key:
        raise click.UsageError("--sign-visible needs --sign KEY.p12")
    signing = None
    if sign_key is not None:
        from . import signing as sign
        from .build import source_date_epoch

        signing = sign.load(sign_key, source_date_epoch(), tsa, visible=sign_visible)
    progress, heartbeat, finish = _progress(not (as_json or quiet), progress_every)
    try:
        report = run_build(project, audiences or None, formats or None, out, jobs=jobs,
                           strict=strict, force=force, progress=progress, heartbeat=heartbeat,
                           job_timeout=JOB_TIMEOUT if job_timeout is None else job_timeout,
                           job_memory=JOB_MEMORY if job_memory is None else job_memory,
                           cluster=cluster, signing=signing)
    finally:
        finish()
    print_diagnostics(report.warnings, verbose or as_json)
    if as_json:
        click.echo(json.dumps(report.as_json(), indent=2))
        return
    for r in report.results:
        for w in r.warnings:
            click.echo(f"{r.job.path}: warning: {w}", err=True)
    out_dir = report.out
    click.echo(f"Built {len(report.built)}, unchanged {len(report.skipped)}, "
               f"failed 0 in {report.seconds:.1f} s -> {out_dir}")
    for r in report.results:
        mark = "built    " if r.status == "built" else "unchanged"
        click.echo(f"  {mark} {r.job.path}" + (f"  ({r.seconds:.1f} s)" if r.seconds else ""))
    if report.copies:
        click.echo(f"  numbered copies made: {len(report.copies)}")
    for path in report.withdrawn:
        click.echo(f"  withdrawn {path}")
    click.echo(f"  review sheets: {', '.join(report.reviews)}")


def _progress(enabled: bool, every: float) -> tuple[Any, Any, Any]:
    """A progress callback, a heartbeat and what ends them: a rich bar per job on a
    terminal; otherwise a line per job done, and every ``every`` seconds a line per output
    still rendering (a log shows that a long build is alive, and where it is)."""
    if not enabled:
        return None, None, lambda: None
    if not sys.stderr.isatty():
        from .executors import Heartbeat

        def plain(event: str, job: Any, result: Any) -> None:
            if event == "done":
                status = "failed" if result.status == "failed" else f"{result.seconds:.1f} s"
                click.echo(f"[{job.audience}] {job.format} {status}", err=True)
        return plain, Heartbeat(lambda line: click.echo(line, err=True), every), lambda: None
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                   TimeElapsedColumn(), console=_stderr(), transient=False)
    tasks: dict[str, Any] = {}
    bar.start()

    def update(event: str, job: Any, result: Any) -> None:
        if job.path not in tasks:
            tasks[job.path] = bar.add_task(job.path, total=1)
        if event in ("done", "skipped"):
            label = job.path + (" (unchanged)" if event == "skipped" else "")
            bar.update(tasks[job.path], completed=1, description=label)

    return update, None, bar.stop


@cli.command()
@click.argument("project", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
@click.option("-v", "--verbose", is_flag=True,
              help="List every warning (without it, warnings of one kind in one file are "
                   "one line with a count).")
def check(project: Path, strict: bool, as_json: bool, verbose: bool) -> None:
    """Validate content, audiences and templates without building."""
    from .checks import check_project

    _require_project(project)
    diagnostics = check_project(project)
    if strict:
        diagnostics = [Diagnostic(d.file, d.line, d.col, "error", d.message, d.hint)
                       for d in diagnostics]
    if as_json:
        click.echo(json.dumps([d.as_json() for d in diagnostics], indent=2))
    else:
        print_diagnostics(diagnostics, verbose)
        click.echo(f"{project}: {_summary_counts(diagnostics)}", err=True)
    if any(d.severity == "error" for d in diagnostics):
        raise SystemExit(1)


def _deck_layouts(project: Any, audience: str) -> dict[str, dict[str, str] | None]:
    """Each slide kind's layout in the audience's master, and whether its name or its
    placeholders chose it (None: no layout serves; ``check`` says why)."""
    from .errors import TemplateError
    from .master import layout_choices
    from .templates import resolve_templates

    try:
        templates = resolve_templates(project.root, audience, project.layouts_for(audience),
                                      project.limits)
    except TemplateError:
        return {}
    chosen = layout_choices(templates) or {}
    return {kind: {"layout": c.name, "by": c.by} if c else None
            for kind, c in chosen.items()}


@cli.command()
@click.argument("project", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the table as JSON.")
def audiences(project: Path, as_json: bool) -> None:
    """A table of the audiences: what each may see, receives and has withheld."""
    from .content import load_project
    from .tailor import tailor

    _require_project(project)
    loaded = load_project(project)
    rows = []
    for name in sorted(loaded.audiences):
        t = tailor(loaded, name)
        a = t.edition.audience
        rows.append({"audience": name, "title": a.title, "clearance": a.clearance,
                     "country": a.country or t.edition.home_code, "home": not a.country,
                     "language": a.language, "length": a.length,
                     "formats": list(a.formats), "received": t.received,
                     "withheld": len(t.withheld), "banner": t.edition.banner,
                     "deck_layouts": _deck_layouts(loaded, name) if "pptx" in a.formats
                     else {}})
    if as_json:  # codes, for scripts: the terminal's table says "(home)"
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for row in rows:
        if row.pop("home"):
            row["country"] = f"{row['country']} (home)"
    _print_audiences(project, rows)


def _print_audiences(project: Path, rows: list[dict[str, Any]]) -> None:
    """The audiences as a table that fits the terminal (or COLUMNS, or 100 columns in a
    pipe): cells wrap, never cut; where even wrapped columns do not fit, one block per
    audience instead (its fields one per line)."""
    import os

    from rich import box
    from rich.cells import cell_len
    from rich.console import Console, Group
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    console = Console(highlight=False)
    if not console.is_terminal and not os.environ.get("COLUMNS", "").strip().isdigit():
        console = Console(highlight=False, width=100)  # a pipe or a file: a fixed width
    fields = {"audience": "audience", "clearance": "clearance", "country": "country",
              "language": "language", "length": "length", "formats": "formats",
              "received": "received", "withheld": "withheld", "banner": "banner",
              "deck_layouts": "deck layouts"}
    cells = [{key: _audience_cell(key, row[key]) for key in fields} for row in rows]
    title = Text(f"Audiences of {project}", overflow="fold")
    # each column as wide as its longest word at least (header included), so that none is
    # cut; between two columns, a space of padding and a one-space rule
    widths = {key: max(cell_len(word) for text in [header, *(c[key] for c in cells)]
                       for word in text.split())
              for key, header in fields.items()}
    spare = console.width - sum(widths.values()) - 2 * (len(widths) - 1)
    if spare >= 0:  # what is left goes to the columns that wrap, the least wanting first
        need = {key: max([widths[key], *(cell_len(c[key]) for c in cells)]) - widths[key]
                for key in fields}
        for key in sorted(need, key=lambda k: need[k]):
            given = min(need[key], spare)
            widths[key] += given
            spare -= given
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, padding=(0, 1, 0, 0), pad_edge=False)
    for key, header in fields.items():
        table.add_column(header, overflow="fold", width=widths[key],
                         justify="right" if key in ("received", "withheld") else "left")
    for row_cells in cells:
        table.add_row(*row_cells.values())
    if spare >= 0:
        shown: Any = Group(title, table)
    else:
        blocks: list[Any] = [title]
        for row_cells in cells:
            grid = Table.grid(padding=(0, 2))
            grid.add_column(no_wrap=True)
            grid.add_column(overflow="fold")
            for key, header in list(fields.items())[1:]:
                grid.add_row(header, row_cells[key])
            blocks += [Text(""), Text(row_cells["audience"], overflow="fold"),
                       Padding(grid, (0, 0, 0, 2))]
        shown = Group(*blocks)
    with console.capture() as captured:
        console.print(shown)
    click.echo("\n".join(line.rstrip() for line in captured.get().splitlines()))


def _audience_cell(key: str, value: Any) -> str:
    """One cell of the audiences table, as the terminal shows it."""
    if key != "deck_layouts":
        return ", ".join(value) if isinstance(value, list) else str(value)
    by_structure = [f"{kind.replace('_', ' ')}: {choice['layout']}"
                    for kind, choice in value.items() if choice and choice["by"] == "structure"]
    if not value:
        return "-"
    return "; ".join(by_structure) + " (by placeholders)" if by_structure else "by name"


@cli.command()
@click.argument("project", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--port", default=8000, type=click.IntRange(0, 65535), show_default=True)
@click.option("-a", "--audience", "audiences", multiple=True, metavar="AUDIENCE",
              callback=_listed(), help="Serve only this audience (repeatable, or a,b).")
def serve(project: Path, port: int, audiences: tuple[str, ...]) -> None:
    """Preview the HTML briefs in a browser, rebuilt on every change (localhost only)."""
    from .serve import serve as run_serve

    _require_project(project)
    run_serve(project, port, list(audiences) or None)


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def init(directory: Path) -> None:
    """Create a new project in DIRECTORY with example content and the default templates."""
    from .scaffold import init_project

    created = init_project(directory)
    click.echo(f"Created {directory} ({len(created)} files). Next: briefgen build {directory}")


@cli.command()
@click.argument("project", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path),
              help="Write one schema per kind of file, and the editor's mapping, into this "
                   "folder.")
def schema(project: Path | None, out: Path | None) -> None:
    """Print the JSON Schema of the content and audience files (for editor completion).

    With PROJECT, the schemas know its marking levels, partner codes and countries; with
    -o DIR, one schema per kind of file is written into DIR, with
    vscode-settings.json (the `yaml.schemas` mapping of VS Code's YAML extension)."""
    from .content.models import editor_mapping, file_schemas, json_schema

    words: dict[str, Any] = {}
    if project is not None:
        from .content import load_project
        from .content.models import CATEGORIES, KINDS

        _require_project(project)
        loaded = load_project(project)
        b = loaded.briefing.model
        words = {"levels": loaded.levels, "partners": [p.model.code for p in loaded.partners],
                 "home": b.home.code,
                 "kinds": [t.id for t in b.collaboration_kinds or ()] or list(KINDS),
                 "categories": [t.id for t in b.benefit_categories or ()] or list(CATEGORIES)}
    if out is None:
        if project is None:
            click.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))
        else:
            schemas = file_schemas(**words)
            click.echo(json.dumps(schemas, indent=2, ensure_ascii=False))
        return
    out.mkdir(parents=True, exist_ok=True)
    for name, one in file_schemas(**words).items():
        (out / f"{name}.schema.json").write_text(
            json.dumps(one, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    base = (project or Path(".")).absolute()
    try:
        folder = out.absolute().relative_to(base).as_posix()
    except ValueError:
        folder = out.absolute().as_posix()
    (out / "vscode-settings.json").write_text(
        json.dumps(editor_mapping(folder), indent=2) + "\n", encoding="utf-8")
    click.echo(f"Wrote {len(file_schemas())} schemas and vscode-settings.json to {out}")


def _require_project(project: Path) -> None:
    if not project.is_dir():
        raise click.BadParameter(f"{project} is not a folder", param_hint="PROJECT")


@cli.command()
@click.argument("files", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--trust", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              metavar="CERT", help="A trusted root certificate (PEM or DER; repeatable).")
def verify(files: tuple[Path, ...], trust: tuple[Path, ...]) -> None:
    """Check signed PDFs and numbered copies: each signature, its signer, and the file's
    SHA-256 in its output folder's distribution register. Exit 1 if any fails."""
    from .signing import verify_file

    failed = 0
    for path in files:
        checked = verify_file(path, list(trust))
        for note in checked.notes:
            click.echo(f"{checked.file}: {note}")
        for problem in checked.problems:
            click.echo(f"{checked.file}: error: {problem}", err=True)
        failed += bool(checked.problems)
    click.echo(f"{len(files) - failed} of {len(files)} files verified")
    if failed:
        raise SystemExit(1)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (callable from tests)."""
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="briefgen",
                 standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return 2 if isinstance(exc, click.UsageError) else exc.exit_code
    except UsageProblem as exc:
        print_diagnostics(exc.diagnostics)
        return 2
    except BriefgenError as exc:
        print_diagnostics(exc.diagnostics)
        click.echo(f"briefgen: {_summary_counts(exc.diagnostics)}; nothing was written",
                   err=True)
        return 1
    except SystemExit as exc:
        return int(exc.code or 0)
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
