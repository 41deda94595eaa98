"""``briefgen init DIR``: a new project with example content and the default templates."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

from .errors import UsageProblem
from .templates import builtin_templates


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
    (directory / "output").mkdir(exist_ok=True)
    (directory / ".gitignore").write_text("output/\n", encoding="utf-8")
    return sorted(p for p in directory.rglob("*") if p.is_file())
