"""Where each audience's templates come from.

Templates resolve file by file: the audience's override folder
(``templates/audiences/NAME/brief/``, ``.../deck/``), else the project's ``templates/``,
else the built-in templates shipped in ``generator/templates/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .errors import Diagnostic

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


def builtin_templates() -> Path:
    """The folder of built-in templates (``brief/``, ``deck/``) inside the package."""
    return Path(str(resources.files("generator") / "templates"))


@dataclass(frozen=True)
class TemplateSet:
    """The resolved templates of one audience (picklable; part of the cache key).

    ``brief_dirs`` is the search path for brief templates and CSS, first match wins.
    ``master`` is the PowerPoint master to build the deck from. ``layouts`` maps a slide
    kind (a key of :data:`SLIDE_KINDS`) to the layout name chosen in ``layouts.yaml``;
    kinds not named there use the candidates of :data:`SLIDE_KINDS`.
    ``project_root`` is where template diagnostics are made relative to.
    """

    brief_dirs: tuple[str, ...]
    master: str
    layouts: tuple[tuple[str, str], ...] = ()
    project_root: str = ""

    def layout_candidates(self, kind: str) -> tuple[str, ...]:
        chosen = dict(self.layouts).get(kind)
        return (chosen,) if chosen else SLIDE_KINDS[kind]

    def files(self) -> list[Path]:
        """Every template file this set may read, for the build cache key."""
        found: list[Path] = []
        for folder in self.brief_dirs:
            found += sorted(p for p in Path(folder).rglob("*") if p.is_file())
        found.append(Path(self.master))
        return found


def resolve_templates(
    root: Path, audience: str, layouts: tuple[tuple[str, str], ...] = ()
) -> TemplateSet:
    """The template search path of ``audience`` in the project at ``root``."""
    builtin = builtin_templates()
    own = root / "templates" / "audiences" / audience
    brief_dirs = [d for d in (own / "brief", root / "templates" / "brief") if d.is_dir()]
    brief_dirs.append(builtin / "brief")
    master = next(
        p
        for p in (own / "deck" / "master.pptx", root / "templates" / "deck" / "master.pptx",
                  builtin / "deck" / "master.pptx")
        if p.is_file() or p.parent == builtin / "deck"
    )
    return TemplateSet(tuple(str(d) for d in brief_dirs), str(master), layouts, str(root))


def check_templates(templates: TemplateSet, formats: tuple[str, ...]) -> list[Diagnostic]:
    """Problems in an audience's templates: a brief template that does not parse, and
    what :func:`generator.master.check_master` finds in its master."""
    import jinja2

    root = Path(templates.project_root)

    def rel(path: Path) -> str:
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            return f"<built-in>/{path.relative_to(builtin_templates()).as_posix()}"

    problems: list[Diagnostic] = []
    if "pdf" in formats or "html" in formats:
        env = jinja2.Environment()
        for folder in templates.brief_dirs:
            for path in sorted(Path(folder).rglob("*.j2")):
                try:
                    env.parse(path.read_text("utf-8"), path.name, str(path))
                except jinja2.TemplateSyntaxError as exc:
                    problems.append(Diagnostic(rel(path), exc.lineno or 0, 0, "error",
                                               f"template syntax error: {exc.message}"))
                except (UnicodeDecodeError, OSError) as exc:
                    problems.append(Diagnostic(rel(path), 0, 0, "error",
                                               f"cannot read template: {exc}"))
    if "pptx" in formats:
        from .master import check_master  # imports python-pptx: only for decks

        problems += check_master(templates)
    return problems
