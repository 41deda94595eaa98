"""Where each audience's templates come from.

Templates resolve file by file: the audience's override folder
(``templates/audiences/NAME/brief/``, ``.../deck/``), else the project's ``templates/``,
else the built-in templates shipped in ``generator/templates/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

# The kinds of slide the deck is built from, with the layout name used for each when the
# master has no layouts.yaml. Each kind also lists standard PowerPoint names that serve.
SLIDE_KINDS: dict[str, tuple[str, ...]] = {
    "title": ("Title", "Title Slide"),
    "agenda": ("Agenda", "Title and Content"),
    "section": ("Section", "Section Header"),
    "bullets": ("Bullets", "Title and Content"),
    "two_content": ("Two Content",),
    "table": ("Table", "Title Only"),
    "chart": ("Chart", "Title Only"),
    "key_message": ("Key Message", "Title Only"),
    "closing": ("Closing", "Title Slide", "Section Header"),
}


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


def layouts_file(root: Path, audience: str) -> Path | None:
    """The ``layouts.yaml`` that applies to ``audience``, if any."""
    for p in (root / "templates" / "audiences" / audience / "deck" / "layouts.yaml",
              root / "templates" / "deck" / "layouts.yaml"):
        if p.is_file():
            return p
    return None
