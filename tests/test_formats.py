"""The format seam (generator/formats.py): one table every part of briefgen reads."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator import build as build_module
from generator import edition as ed
from generator import formats
from generator.build import build
from generator.checks import check_project
from generator.cli import FORMAT_CHOICE, cli
from generator.content import load_project
from generator.content.models import Audience
from generator.edition import Edition
from generator.errors import ContentError
from generator.render.markdown import to_plain
from generator.templates import TemplateSet

from .projects import write_project


def _render_text(edition: Edition, templates: TemplateSet, warnings: list[str]) -> bytes:
    """A plain-text brief: the banner, the title, every key message; the banner last."""
    lines = [edition.banner, to_plain(edition.title)]
    lines += [f"{m.mark.portion} {to_plain(m.text)}" for m in edition.key_messages]
    return "\n".join([*lines, edition.banner, ""]).encode("utf-8")


def _check_text(data: bytes, edition: Edition, path: str) -> list[str]:
    lines = data.decode("utf-8").splitlines()
    return [] if lines and lines[0] == lines[-1] == edition.banner else [
        f"{path} does not begin and end with its banner"]


TEXT = formats.Format(
    "txt", "brief.txt", "text/plain", "txt",
    {"summary": frozenset({"key_messages"}), "standard": frozenset({"key_messages"}),
     "full": frozenset({"key_messages"})},
    _render_text, _check_text, lambda edition, templates, images: [], lambda templates: [])


@pytest.fixture
def with_text_format(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(formats.REGISTRY, "txt", TEXT)


def test_a_format_added_to_the_table_builds_end_to_end(tmp_path: Path,
                                                      with_text_format: None) -> None:
    root = write_project(tmp_path, {
        "templates/audiences/minister.yaml": "title: Minister\nclearance: SECRET\n"
                                             "formats: [txt, html]\n",
        "templates/audiences/norvia.yaml": "title: Norvia\nclearance: RESTRICTED\n"
                                           "country: NRV\nformats: [txt]\n"})
    assert "txt" in ed.FORMATS and "txt" in ed.SHOWN
    assert build_module.FILE_NAMES["txt"] == "brief.txt"
    report = build(root, jobs=1)
    built = sorted(r.job.path for r in report.built)
    assert built == ["minister/brief.html", "minister/brief.txt", "norvia/brief.txt"]
    minister = (root / "output/minister/brief.txt").read_text("utf-8").splitlines()
    # cut to what the format prints: only key messages, so the banner is theirs (SECRET)
    assert minister[0] == minister[-1] == "SECRET"
    assert "(S) Intelligence sharing stopped two plots." in minister
    norvia = (root / "output/norvia/brief.txt").read_text("utf-8")
    assert "Intelligence sharing" not in norvia  # SECRET: withheld from Norvia
    assert norvia.splitlines()[0] == "PUBLIC"  # its key messages are all PUBLIC
    assert check_project(root) == []
    # rebuilt only when its inputs change; its file is the build's to withdraw
    assert [r.status for r in build(root, jobs=1).results] == ["skipped"] * 3
    (root / "templates/audiences/norvia.yaml").write_text(
        "title: Norvia\nclearance: RESTRICTED\ncountry: NRV\nformats: [html]\n", "utf-8")
    assert build(root, jobs=1).withdrawn == ["norvia/brief.txt"]
    assert not (root / "output/norvia/brief.txt").exists()


def test_the_release_gate_runs_the_formats_own_check(tmp_path: Path, monkeypatch:
                                                     pytest.MonkeyPatch) -> None:
    broken = dataclasses.replace(TEXT, render=lambda e, t, w: b"no banner\n")
    monkeypatch.setitem(formats.REGISTRY, "txt", broken)
    root = write_project(tmp_path, {
        "templates/audiences/minister.yaml": "title: Minister\nclearance: SECRET\n"
                                             "formats: [txt]\n",
        "templates/audiences/norvia.yaml": None})
    with pytest.raises(build_module.BuildFailed) as failed:
        build(root, jobs=1)
    assert "minister/brief.txt does not begin and end with its banner" in str(
        [d.message for d in failed.value.diagnostics])
    assert not (root / "output/minister").exists()


def test_an_unknown_format_in_a_profile_names_the_table(tmp_path: Path) -> None:
    root = write_project(tmp_path, {
        "templates/audiences/minister.yaml": "title: Minister\nclearance: SECRET\n"
                                             "formats: [pdf, pdff]\n"})
    with pytest.raises(ContentError) as failed:
        load_project(root)
    [problem] = failed.value.diagnostics
    *first, last = formats.format_names()
    assert problem.format() == (
        "templates/audiences/minister.yaml:3:16: error: `pdff` is not a valid formats: "
        f"expected one of {', '.join(first)} or {last} (did you mean `pdf`?)")


def test_every_format_is_offered_where_formats_are_named() -> None:
    assert tuple(FORMAT_CHOICE.choices) == formats.format_names()
    schema = Audience.model_json_schema()
    names = schema["properties"]["formats"]["items"]["enum"]
    assert tuple(names) == formats.format_names()
    assert Audience(title="x", clearance="PUBLIC").formats == list(formats.DEFAULT_FORMATS)
    result = CliRunner().invoke(cli, ["build", "--help"])
    assert "|".join(formats.format_names()) in result.output


def test_no_renderer_is_imported_by_the_table() -> None:
    import subprocess
    import sys

    code = ("import sys, generator.cli, generator.formats, generator.build; "
            "print(sorted(m for m in ('weasyprint', 'pptx', 'docx', 'matplotlib') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
