"""Where each audience's templates come from.

Templates resolve file by file: the audience's override folder
(``templates/audiences/NAME/brief/``, ``.../deck/``), else the project's ``templates/``,
else the built-in templates shipped in ``generator/templates/``.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import Diagnostic, TemplateError

if TYPE_CHECKING:
    from .limits import Limits

# The kinds of slide the deck is built from, with the layout name used for each when the
# master has no layouts.yaml. Each kind also lists standard PowerPoint names, then
# LibreOffice's (a master saved from Impress), that serve.
SLIDE_KINDS: dict[str, tuple[str, ...]] = {
    "title": ("Title", "Title Slide"),
    "agenda": ("Agenda", "Title and Content", "Title, Content"),
    "section": ("Section", "Section Header", "Title Only"),
    "bullets": ("Bullets", "Title and Content", "Title, Content"),
    "two_content": ("Two Content", "Title, 2 Content"),
    "table": ("Table", "Title Only"),
    "chart": ("Chart", "Title Only"),
    "key_message": ("Key Message", "Title Only"),
    "closing": ("Closing", "Title Slide", "Section Header"),
}
# What each kind of slide needs from its layout besides a title: n body placeholders.
REQUIRED_BODIES: dict[str, int] = {"agenda": 1, "bullets": 1, "two_content": 2}


#: The Word brief's reference document, looked up in the audience's and the project's
#: ``brief/`` folders.
REFERENCE_DOCX = "reference.docx"


@lru_cache(maxsize=1)
def builtin_templates() -> Path:
    """The folder of built-in templates (``brief/``, ``deck/``) inside the package."""
    return Path(str(resources.files("generator") / "templates"))


# --------------------------------------------------------------------------------------
# The file gate: what a template folder may hand a renderer
# --------------------------------------------------------------------------------------

#: What Jinja may load from a brief folder: templates only, never content's YAML,
#: Markdown or CSV (which hold items withheld from some audiences).
TEMPLATE_SUFFIXES = frozenset({".j2"})
#: What a stylesheet or a template may pull in from its folder.
ASSET_SUFFIXES = frozenset({".css", ".ttf", ".otf", ".woff", ".woff2", ".png", ".jpg",
                            ".jpeg", ".gif", ".webp", ".svg"})


class RefusedFile(Exception):
    """A file a template folder may not hand out; ``message`` says which and why, with
    project-relative paths."""

    def __init__(self, shown: str, message: str) -> None:
        super().__init__(message)
        self.shown = shown
        self.message = message


#: Why a path with no end cannot be read, and what to do (every reader says the same).
LOOP, LOOP_HINT = "is a loop of symbolic links", "replace the link with the file itself"


def resolved(path: Path) -> Path | None:
    """``path`` with its symbolic links followed, or None for a loop of them (which
    ``Path.resolve`` raises as RuntimeError before Python 3.13, OSError after)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return None


def shown_path(path: Path | str, root: Path | str | None) -> str:
    """``path`` as a user reads it: relative to the project, ``<built-in>/...`` for a
    built-in template, else only its name (no absolute path of this machine)."""
    path = Path(path).absolute()
    followed = resolved(path) or path  # a loop: shown as it is written
    bases = [(Path(root), "")] if root else []
    for base, prefix in [*bases, (builtin_templates(), "<built-in>/")]:
        for candidate in (path, followed):
            for folder in (base.absolute(), base.resolve()):
                if candidate.is_relative_to(folder):
                    return prefix + candidate.relative_to(folder).as_posix()
    return f"{path.name} (outside the project)"


def _target(target: Path, root: Path | str | None) -> str:
    """Where a link points, for a message: a project path, or no machine path at all."""
    shown = shown_path(target, root)
    return "a file outside the project" if shown.endswith("(outside the project)") \
        else f"`{shown}`"


def gated_file(folder: Path | str, name: str, suffixes: Iterable[str],
               root: Path | str | None = None) -> Path | None:
    """The file ``name`` inside ``folder`` (symlinks resolved), or ``None`` if there is
    none. Raises :class:`RefusedFile` for a name or link that leaves ``folder``, a file
    that is not one of ``suffixes``, and anything that is not a regular file (a FIFO
    would hang the build, a device would never end)."""
    folder = Path(folder)
    pieces = Path(name).parts
    candidate = folder.joinpath(*pieces)

    def refused(why: Callable[[str], str]) -> RefusedFile:
        # The path is shown only in a refusal: working it out resolves links again, and
        # one render asks the gate for files dozens of times.
        shown = shown_path(candidate, root)
        return RefusedFile(shown, why(shown))

    if Path(name).is_absolute() or ".." in pieces:
        raise refused(lambda _: f"`{name}` leaves its template folder")
    if not os.path.lexists(candidate):
        return None
    target = resolved(candidate)
    if target is None:
        raise refused(lambda shown: f"`{shown}` {LOOP}")
    if not target.is_relative_to(folder.resolve()):
        raise refused(lambda shown: f"`{shown}` links to {_target(target, root)}, "
                                    "outside its template folder")
    try:
        mode = target.stat().st_mode
    except OSError:
        return None  # a dangling link: as if absent
    if not stat.S_ISREG(mode):
        raise refused(lambda shown: f"`{shown}` is not a regular file")
    allowed = {suffix.lower() for suffix in suffixes}
    if candidate.suffix.lower() not in allowed or target.suffix.lower() not in allowed:
        raise refused(lambda shown: f"`{shown}` is not a template file (allowed here: "
                                    f"{', '.join(sorted(allowed))})")
    return target


# --------------------------------------------------------------------------------------
# A profile's theme: fonts and page margins
# --------------------------------------------------------------------------------------

FONT_SUFFIXES = frozenset({".ttf", ".otf", ".woff", ".woff2"})
MAX_FONT_BYTES = 50 * 2**20
#: The smallest margins a theme may set, in mm: the banner and the running heads are
#: laid out in the top and bottom margins (8 mm from the page edge, then the text).
MIN_MARGINS_MM = {"top": 20.0, "bottom": 20.0, "left": 10.0, "right": 10.0}
MAX_MARGIN_MM = 60.0
_MM_PER_UNIT = {"mm": 1.0, "cm": 10.0, "in": 25.4, "pt": 25.4 / 72}


def length_mm(value: str) -> float:
    """``"2.5cm"`` -> 25.0 (lengths as the profile's schema allows them)."""
    unit = value[-2:]
    return float(value[:-2]) * _MM_PER_UNIT[unit]


def margin_problem(side: str, value: str) -> str | None:
    """Why ``value`` cannot be the page's ``side`` margin, or ``None``."""
    size = length_mm(value)
    if size < MIN_MARGINS_MM[side]:
        return (f"the {side} margin {value} is too small: at least "
                f"{MIN_MARGINS_MM[side]:g}mm (the banners and running heads sit there)")
    if size > MAX_MARGIN_MM:
        return f"the {side} margin {value} is too large: at most {MAX_MARGIN_MM:g}mm"
    return None


def font_problem(path: Path) -> str | None:
    """Why the font file at ``path`` cannot be used, or ``None``. WeasyPrint would fall
    back silently to another font; briefgen says so instead."""
    if path.suffix.lower() not in FONT_SUFFIXES:
        return "is not a font file (.ttf, .otf, .woff or .woff2)"
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            return "is not a regular file"
        if info.st_size > MAX_FONT_BYTES:
            return f"is larger than {MAX_FONT_BYTES // 2**20} MB"
        import io

        from fontTools.ttLib import TTFont

        # Read here: TTFont leaves a file it opened open when the file is not a font.
        with TTFont(io.BytesIO(path.read_bytes()), lazy=True) as font:
            if not font["cmap"].getBestCmap():
                return "has no characters (no Unicode cmap)"
            font["name"]  # loading the table is the check
    except Exception as exc:  # fontTools raises any kind of error on a damaged file
        return f"cannot be loaded as a font ({type(exc).__name__})"
    return None


@dataclass(frozen=True)
class TemplateSet:
    """The resolved templates of one audience (picklable; part of the cache key).

    ``brief_dirs`` is the search path for brief templates and CSS, first match wins.
    ``master`` is the PowerPoint master to build the deck from. ``layouts`` maps a slide
    kind (a key of :data:`SLIDE_KINDS`) to the layout name chosen in ``layouts.yaml``;
    kinds not named there use the candidates of :data:`SLIDE_KINDS`.
    ``project_root`` is where template diagnostics are made relative to.
    ``reference_docx`` is the Word document whose styles, page set-up, headers and
    footers the DOCX brief takes (Pandoc's ``--reference-doc``).
    """

    brief_dirs: tuple[str, ...]
    master: str
    layouts: tuple[tuple[str, str], ...] = ()
    project_root: str = ""
    reference_docx: str = ""  # the Word brief's reference.docx; "": python-docx's default
    # the project's limits on templates (``limits:`` in briefing.yaml), as (key, value)
    limits: tuple[tuple[str, int], ...] = ()

    def limit(self, key: str, default: int) -> int:
        """The project's limit ``key`` (a ``Limits.TEMPLATE_KEYS`` key) on templates, or
        ``default`` when the project's ``limits:`` leaves it out."""
        return dict(self.limits).get(key, default)

    def layout_candidates(self, kind: str) -> tuple[str, ...]:
        chosen = dict(self.layouts).get(kind)
        return (chosen,) if chosen else SLIDE_KINDS[kind]

    def files(self) -> list[Path]:
        """Every template file this set may read, for the build cache key (files the
        gate refuses are left out: they are never read)."""
        found: list[Path] = []
        kinds = TEMPLATE_SUFFIXES | ASSET_SUFFIXES
        for folder in self.brief_dirs:
            for path in sorted(Path(folder).rglob("*")):
                try:
                    if gated_file(folder, path.relative_to(folder).as_posix(), kinds):
                        found.append(path)
                except RefusedFile:
                    continue
        found.append(Path(self.master))
        return found


def resolve_templates(
    root: Path, audience: str, layouts: tuple[tuple[str, str], ...] = (),
    limits: Limits | None = None,
) -> TemplateSet:
    """The template search path of ``audience`` in the project at ``root``, with the
    project's ``limits`` on templates (default: the defaults).

    Raises :class:`TemplateError` when a template folder or master resolves (through a
    symlink) outside the project's ``templates/`` folder, or a master is not a regular
    file: what a renderer reads from there is never checked against the Edition."""
    builtin = builtin_templates()
    templates = root / "templates"
    own = templates / "audiences" / audience
    problems: list[Diagnostic] = []

    def inside_templates(path: Path) -> bool:
        shown = shown_path(path, root)
        target, folder = resolved(path), resolved(templates)
        if target is None or folder is None:
            problems.append(Diagnostic(shown, 0, 0, "error", f"`{shown}` {LOOP}", LOOP_HINT))
            return False
        if target.is_relative_to(folder) and folder.is_relative_to(root.resolve()):
            return True
        problems.append(Diagnostic(shown, 0, 0, "error",
                                   f"`{shown}` links to {_target(target, root)}, "
                                   "outside the project's templates/ folder",
                                   "templates are read only from templates/; copy the "
                                   "files there instead of linking"))
        return False

    brief_dirs = [d for d in (own / "brief", templates / "brief")
                  if d.is_dir() and inside_templates(d)]
    brief_dirs.append(builtin / "brief")
    def first_file(candidates: tuple[Path, ...], suffix: str) -> Path | None:
        """The audience's file, else the project's: the first that passes the file gate
        (a refused one is a problem, and the next is tried)."""
        for candidate in candidates:
            if not os.path.lexists(candidate) or not inside_templates(candidate):
                continue
            try:
                if gated_file(candidate.parent, candidate.name, {suffix}, root) is None:
                    continue
            except RefusedFile as refused:
                problems.append(Diagnostic(refused.shown, 0, 0, "error", refused.message))
                continue
            return candidate
        return None

    master = first_file((own / "deck" / "master.pptx", templates / "deck" / "master.pptx"),
                        ".pptx") or builtin / "deck" / "master.pptx"
    found = first_file((own / "brief" / REFERENCE_DOCX, templates / "brief" / REFERENCE_DOCX),
                       ".docx")
    reference = str(found) if found else ""
    if problems:
        raise TemplateError(problems)
    # only the bounds the project sets: the rest stay each module's default
    bounds = () if limits is None else tuple(
        (key, int(getattr(limits, key))) for key in limits.TEMPLATE_KEYS
        if key in limits.model_fields_set)
    return TemplateSet(tuple(str(d) for d in brief_dirs), str(master), layouts, str(root),
                       reference, bounds)


def check_templates(templates: TemplateSet, formats: tuple[str, ...]) -> list[Diagnostic]:
    """Problems in an audience's templates, for each kind of template its ``formats``
    read (each format's ``check_templates`` in :data:`generator.formats.REGISTRY`,
    once per kind): a brief template that does not parse, what
    :func:`generator.master.check_master` finds in its master, a reference.docx that
    does not open."""
    from .formats import REGISTRY

    problems: list[Diagnostic] = []
    done: set[str] = set()
    for name in formats:
        fmt = REGISTRY[name]
        if fmt.templates in done:
            continue
        done.add(fmt.templates)
        problems += fmt.check_templates(templates)
    return problems


def check_brief_templates(templates: TemplateSet) -> list[Diagnostic]:
    """Every brief template parses."""
    root = Path(templates.project_root)

    def rel(path: Path) -> str:
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            return f"<built-in>/{path.relative_to(builtin_templates()).as_posix()}"

    problems: list[Diagnostic] = []
    for folder in templates.brief_dirs:
        for path in sorted(Path(folder).rglob("*.j2")):
            try:
                gated = gated_file(folder, path.relative_to(folder).as_posix(),
                                   TEMPLATE_SUFFIXES, root)
            except RefusedFile as refused:
                problems.append(Diagnostic(refused.shown, 0, 0, "error",
                                           f"refused to read a template: {refused.message}"))
                continue
            if gated is None:
                continue
            try:
                error = _syntax_error(gated.read_text("utf-8"), path.name)
            except (UnicodeDecodeError, OSError) as exc:
                problems.append(Diagnostic(rel(path), 0, 0, "error",
                                           f"cannot read template: {exc}"))
                continue
            if error:
                problems.append(Diagnostic(rel(path), error[0], 0, "error",
                                           f"template syntax error: {error[1]}"))
    return problems


_PARSED: dict[tuple[bytes, str], tuple[int, str] | None] = {}


def _syntax_error(source: str, name: str) -> tuple[int, str] | None:
    """Where and why ``source`` does not parse as a Jinja template, or None. Parsed once
    per process for the same text (kept by its hash, not the text): every audience's
    set holds the built-in templates, and `check` parsed each once per audience."""
    import jinja2

    key = (hashlib.sha256(source.encode("utf-8", "surrogatepass")).digest(), name)
    if key not in _PARSED:
        try:
            jinja2.Environment().parse(source, name)
            _PARSED[key] = None
        except jinja2.TemplateSyntaxError as exc:
            _PARSED[key] = (exc.lineno or 0, exc.message or "")
    return _PARSED[key]
