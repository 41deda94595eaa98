"""The manual (docs/) builds strictly, and the repository points nowhere outside itself.

The build is the one of `make docs`: Sphinx with ``-W --keep-going -n``, so any warning,
broken cross-reference (between pages, or to a heading) and page left out of the contents
fails it. No network: Sphinx's linkcheck is not used.
"""

from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

pytest.importorskip("sphinx")
pytest.importorskip("myst_parser")
pytest.importorskip("sphinx_click")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("docs")
    run = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-n", "-q", "-E",
         "-b", "html", "-d", str(out / "doctrees"), str(DOCS), str(out / "html")],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )
    assert run.returncode == 0, f"the manual does not build cleanly:\n{run.stderr}"
    assert run.stderr.strip() == "", run.stderr
    return out / "html"


def test_every_page_is_built(built: Path) -> None:
    for page in DOCS.glob("*.md"):
        assert (built / f"{page.stem}.html").is_file(), page.name


def test_cli_reference_is_generated_from_the_commands(built: Path) -> None:
    from generator.cli import cli

    page = (built / "cli.html").read_text(encoding="utf-8")
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", "", page)).split())
    for name, command in cli.commands.items():
        assert f"briefgen {name} [OPTIONS]" in text, name
        for param in command.params:
            for opt in param.opts:
                if opt.startswith("-"):
                    assert opt in text, f"{name} {opt}"


def test_readme_links_every_page_and_starts_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = re.search(r"```sh\n(.*?)```", readme, re.S)
    assert first_block is not None
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines()]
    assert commands[:2] == ["make build", "make test"]
    for page in sorted(DOCS.glob("*.md")):
        if page.stem != "index":
            assert f"docs/{page.name}" in readme, f"README does not link docs/{page.name}"


def test_nothing_points_outside_the_repository() -> None:
    """No path of a machine, no folder beside the repository, in the user's documents."""
    texts = [ROOT / "README.md", *sorted(DOCS.glob("*.md")), DOCS / "conf.py"]
    # a folder beside the repository (spelled in parts, so this line names none), a path
    # of a machine, a file: URL
    beside = re.escape("../" + "shared") + "|" + re.escape("shared" + "/spec")
    outside = re.compile(beside + r"|/work/|/home/|file://")
    for path in texts:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            assert not outside.search(line), f"{path.name}:{number}: {line}"


def _documented(page: str) -> str:
    return (DOCS / page).read_text(encoding="utf-8")


@pytest.mark.parametrize(("page", "models"), [
    ("content-format.md", ["Briefing", "Classification", "Home", "ChartSpec", "Partner",
                           "Collaboration", "Benefit", "Metric", "SectionFront",
                           "SectionTranslationFront", "TextItem", "Source",
                           "CollaborationSource", "Term"]),
    ("audiences.md", ["Audience", "Theme"]),
    ("templates-reference.md", ["Layouts"]),
])
def test_every_key_of_every_file_is_documented(page: str, models: list[str]) -> None:
    from generator.content import models as m

    text = _documented(page)
    for name in models:
        for key in getattr(m, name).model_fields:
            assert f"`{key}`" in text, f"{page} does not describe `{key}` ({name})"


def test_every_block_partial_and_slide_layout_is_named() -> None:
    from generator.templates import SLIDE_KINDS, builtin_templates

    text = _documented("templates-reference.md")
    brief = builtin_templates() / "brief"
    blocks = re.findall(r"{%-?\s*block\s+(\w+)", (brief / "base.html.j2").read_text("utf-8"))
    assert len(blocks) > 10
    for block in blocks:
        assert f"| `{block}` |" in text, f"block {block} is not in the table of blocks"
    for partial in sorted((brief / "partials").glob("*.html.j2")):
        assert f"`partials/{partial.name}`" in text, partial.name
    for kind, names in SLIDE_KINDS.items():
        assert f"`{kind}`" in text, kind
        for name in names:
            assert f"`{name}`" in text, name
