"""``briefgen init DIR``: a new project with example content and the default templates."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

from .errors import UsageProblem
from .templates import builtin_templates

REPLACE_LINE = ("/* briefgen: replace */\n"
                "/* This copy of the built-in stylesheet replaces it. To add a few rules "
                "on top of\n   the built-in one instead, delete this file and write only "
                "your rules. */\n")


def init_project(directory: Path) -> list[Path]:
    """Create ``directory`` with ``content/``, ``templates/`` (brief, deck and two
    audiences) and an ``output/`` folder. Refuses to touch a non-empty folder."""
    if directory.exists() and any(directory.iterdir()):
        raise UsageProblem(f"{directory} is not empty; choose a new folder")
    scaffold = Path(str(resources.files("generator") / "scaffold"))
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copytree(scaffold, directory, dirs_exist_ok=True)
    shutil.copytree(builtin_templates(), directory / "templates", dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    # The copy is the whole built-in stylesheet: it replaces the built-in one (which
    # would otherwise load first and every rule twice). See docs/templates.md.
    css = directory / "templates" / "brief" / "brief.css"
    css.write_text(REPLACE_LINE + css.read_text("utf-8"), "utf-8")
    (directory / "output").mkdir(exist_ok=True)
    (directory / ".gitignore").write_text("output/\n", encoding="utf-8")
    return sorted(p for p in directory.rglob("*") if p.is_file())
