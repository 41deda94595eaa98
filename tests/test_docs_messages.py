"""docs/troubleshooting.md quotes briefgen's messages exactly: each quoted line is printed
by briefgen for the mistake the page describes, made on a copy of the example project.

When a message changes, this test names the quoted line that is no longer printed:
update the page (and the recipe below, if the mistake is made differently).
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
from collections.abc import Callable
from pathlib import Path

from generator.cli import main

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "troubleshooting.md"
FUSION = "content/collaborations/northern-fusion-cell.yaml"
CONTEXT = "content/sections/01-context.md"


def _edit(project: Path, name: str, pattern: str, replacement: str) -> None:
    path = project / name
    text = path.read_text(encoding="utf-8")
    changed, count = re.subn(pattern, replacement, text, count=1, flags=re.M)
    assert count == 1, f"recipe no longer applies to {name}: {pattern!r}"
    path.write_text(changed, encoding="utf-8")


def _drop_line(project: Path, name: str, number: int, expected: str) -> None:
    path = project / name
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[number - 1].strip() == expected, f"recipe no longer applies to {name}"
    del lines[number - 1]
    path.write_text("\n".join(lines), encoding="utf-8")


# Each recipe makes the mistakes of one part of the page on a fresh copy of the project.
RECIPES: dict[str, Callable[[Path], None]] = {
    "misspelt key": lambda p: _edit(p, "content/collaborations/northern-border-patrols.yaml",
                                    r"^summary:", "summry:"),
    "colon in a list item": lambda p: _edit(p, "content/briefing.yaml", r"^recommendations:\n",
                                            "recommendations:\n  - Renew the framework: by 2027\n"),
    "colon in a text": lambda p: _edit(p, FUSION, r"^  - category: diplomatic\n",
                                       "  - category: diplomatic\n"
                                       "    text: Deliverable 1: improved readiness\n"),
    "tab": lambda p: _edit(p, FUSION, r"^since: 2018", "since:\t2018"),
    "indentation": lambda p: _edit(p, FUSION, r"^  - category: diplomatic",
                                   " - category: diplomatic"),
    "unclosed quote": lambda p: _edit(p, FUSION, r"^title: Northern", 'title: "Northern'),
    "unquoted colour": lambda p: _edit(p, "templates/audiences/press.yaml",
                                       r'primary: "#2f3e46"', "primary: #2f3e46"),
    "duplicate key": lambda p: _edit(p, FUSION, r"^since: 2018", "since: 2018\nsince: 2019"),
    "anchor": lambda p: _edit(p, FUSION, r"^tags: \[", "tags: &t ["),
    "aliases": lambda p: (
        _edit(p, FUSION, r"^releasable_to: \[KES\]", "releasable_to: &kes [KES]"),
        _edit(p, FUSION, r"^(  - category: diplomatic\n.*\n)", "\\1    releasable_to: *kes\n"),
        _edit(p, FUSION, r"^(    marking: SECRET\n)", "\\1    releasable_to: *kes\n")),
    "not UTF-8": lambda p: (p / "content/partners.yaml").write_bytes(
        (p / "content/partners.yaml").read_bytes() + b"title: x\xff\n"),
    "unknown codes": lambda p: (
        _edit(p, FUSION, r"^marking: CONFIDENTIAL", "marking: CONFIDENTAL"),
        _edit(p, FUSION, r"^partners: \[KES, MDC\]", "partners: [KES, MCD]"),
        _edit(p, "templates/audiences/industry.yaml", r"^clearance: RESTRICTED",
              "clearance: RESTICTED"),
        _edit(p, "templates/audiences/industry.yaml", r"^include_tags: \[industry, technology\]",
              "include_tags: [industri]")),
    "value outside its list": lambda p: _edit(p, "templates/audiences/delegation-kestria.yaml",
                                              r"^formats: \[pdf, pptx\]", "formats: [pdf, ppt]"),
    "CSV": lambda p: _edit(p, "content/data/exercises.csv", r"^2023,8,", "2023,four,"),
    "files": lambda p: (
        _edit(p, CONTEXT, r"\(images/region-map\.svg ", "(images/region-mapp.svg "),
        _edit(p, "templates/audiences/press.yaml", r"logo: images/logo\.svg",
              "logo: https://example.org/logo.png")),
    "leaving content": lambda p: _edit(p, CONTEXT, r"\(images/region-map\.svg ",
                                       "(../../secret.svg "),
    "apparatus": lambda p: _edit(
        p, CONTEXT, r'\(images/region-map\.svg "([^"]*)"\)',
        r'(images/region-map.svg "\1"){#fig-map}\n\nSee @fig-mpa, as argued [@review-2024].[^1]'
        r"\n\n![Coast](images/region-map.svg){.wide}"),
    "front matter": lambda p: _drop_line(p, "content/sections/05-outlook.md", 1, "---"),
    "open block": lambda p: _drop_line(p, CONTEXT, 42, ":::"),
    "translation key points": lambda p: _edit(
        p, "content/sections/01-context.ar.md", r"^  - لا تستطيع.*\n", ""),
    "translation notes": lambda p: _edit(p, CONTEXT, r"^notes: \|\n(  .*\n)+",
                                         "notes:\n  - Set the scene.\n  - Then the map.\n"),
    "missing translations": lambda p: (
        (p / "content/sections/03-benefits.ar.md").unlink(),
        _edit(p, "content/briefing.yaml", r"^title:\n  en: (.*)\n  ar: .*\n", r"title: \1\n")),
    "template syntax": lambda p: (
        (p / "templates/brief").mkdir(parents=True),
        (p / "templates/brief/base.html.j2").write_text(
            '{% extends "builtin/base.html.j2" %}\n{% block cover %}\n'
            "<h1>{{ edition.title }</h1>\n{% endblock %}\n", encoding="utf-8")),
    "layouts": lambda p: (
        (p / "templates/deck").mkdir(parents=True),
        (p / "templates/deck/layouts.yaml").write_text("title: Cover\n", encoding="utf-8")),
    "reference.docx": lambda p: (
        _edit(p, "templates/audiences/minister.yaml", r"^formats: \[pdf, pptx, html\]",
              "formats: [pdf, pptx, html, docx]"),
        (p / "templates/brief").mkdir(parents=True),
        (p / "templates/brief/reference.docx").write_bytes(b"not a zip")),
}

WARNINGS_ONLY = {"missing translations"}

# Lines of the page printed by `build` or for a wrong command line: made by these runs.
BUILD_RECIPES: dict[str, tuple[Callable[[Path], None], list[str]]] = {
    "template attribute": (
        lambda p: (
            (p / "templates/audiences/minister/brief").mkdir(parents=True),
            (p / "templates/audiences/minister/brief/base.html.j2").write_text(
                '{% extends "builtin/base.html.j2" %}\n{% block cover %}\n'
                "<h1>{{ edition.titel }}</h1>\n{% endblock %}\n", encoding="utf-8")),
        ["build", "-a", "minister", "-f", "html"]),
    "script": (
        lambda p: (
            (p / "templates/audiences/press/brief").mkdir(parents=True),
            (p / "templates/audiences/press/brief/base.html.j2").write_text(
                '{% extends "builtin/base.html.j2" %}\n{% block cover %}{{ super() }}\n'
                '<script src="https://analytics.example/tag.js"></script>\n{% endblock %}\n',
                encoding="utf-8")),
        ["build", "-a", "press", "-f", "html"]),
    "format": (lambda p: None, ["build", "-f", "doc"]),
    "audience": (lambda p: None, ["build", "-a", "ministre"]),
}


def _quoted_lines() -> list[str]:
    """Every message line the page quotes (those with an elision are examples)."""
    lines = []
    for block in re.findall(r"```text\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S):
        for line in block.splitlines():
            if re.search(r"(^Error: |: error: |: warning: )", line) and "…" not in line:
                lines.append(line)
    return lines


def _copy(tmp_path: Path, name: str) -> Path:
    project = tmp_path / re.sub(r"\W+", "-", name)
    project.mkdir()
    for part in ("content", "templates"):
        shutil.copytree(ROOT / part, project / part)
    return project


def _printed(tmp_path: Path) -> list[str]:
    """What briefgen prints (standard error) for every recipe."""
    out: list[str] = []

    def run(argv: list[str], project: Path, fails: bool = True) -> None:
        err = io.StringIO()
        with contextlib.chdir(project), contextlib.redirect_stderr(err):
            status = main(argv)
        assert (status != 0) == fails, f"{argv} on {project.name}: status {status}"
        out.extend(err.getvalue().splitlines())

    for name, recipe in RECIPES.items():
        project = _copy(tmp_path, name)
        recipe(project)
        run(["check", "."], project, fails=name not in WARNINGS_ONLY)
    for name, (recipe, argv) in BUILD_RECIPES.items():
        project = _copy(tmp_path, name)
        recipe(project)
        run([*argv, "-o", str(tmp_path / "out"), "."], project)
    run(["check", "my-brief"], tmp_path)  # no such folder
    return out


def test_each_quoted_message_is_what_briefgen_prints(tmp_path: Path) -> None:
    quoted = _quoted_lines()
    assert len(quoted) >= 20
    printed = set(_printed(tmp_path))
    stale = [line for line in quoted if line not in printed]
    assert not stale, ("docs/troubleshooting.md quotes messages briefgen no longer prints:\n"
                       + "\n".join(stale))
