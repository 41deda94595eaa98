"""Bounded inputs: every limit of generator/limits.py refuses its smallest trigger with
FILE:LINE:COL in `check` as in `build`, fast, and a project may change each one."""

from __future__ import annotations

import os
import signal
import struct
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import markdown_it
import pytest

from generator.cli import main
from generator.content import load_project
from generator.errors import ContentError
from generator.limits import DEFAULT, Limits

from .projects import BRIEFING, MINISTER, PARTNERS, PATROLS, SECTION, write_project


def png(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height``: enough for a header check, and
    no decoder ever has to allocate the pixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b""))


def hint(key: str, value: int) -> str:
    return f"(limits.{key} is {value:,}; set `limits: {{{key}: N}}` in content/briefing.yaml)"


LOGO = MINISTER + "theme: {logo: images/big.png}\n"

CASES: dict[str, tuple[dict[str, str | bytes | None], str]] = {
    "YAML nested 300 deep in flow style": (
        {"content/briefing.yaml": BRIEFING.replace("summary: Collaboration pays.",
                                                   "summary: " + "[" * 300 + "]" * 300)},
        "content/briefing.yaml:9:73: error: lists and mappings nested more than 64 deep "
        + hint("yaml_depth", 64),
    ),
    "YAML nested 300 deep in block style": (
        {"content/collaborations/patrols.yaml": PATROLS.replace("sources: [Border agency "
                                                                "report]\n", "")
         + "sources:\n" + "".join(" " * i + "-\n" for i in range(300))},
        "content/collaborations/patrols.yaml:84:64: error: lists and mappings nested more "
        "than 64 deep",
    ),
    "YAML file over file_bytes": (
        {"content/briefing.yaml": BRIEFING + "limits:\n  file_bytes: 600\n"},
        "content/briefing.yaml:1:1: error: file is too large: 729 bytes, more than 600 "
        + hint("file_bytes", 600),
    ),
    "470 stars around a word in a section": (
        {"content/sections/01-context.md": SECTION.replace("More.", "*" * 470 + "word"
                                                           + "*" * 470)},
        "content/sections/01-context.md:15:1: error: lists, quotes, emphasis or links nested "
        "more than 16 deep " + hint("markdown_depth", 16),
    ),
    "nested emphasis in a key message": (
        {"content/briefing.yaml": BRIEFING.replace(
            "  - Shared training has cut response times.", "  - '" + "*" * 40 + "x" + "*" * 40
            + "'")},
        "content/briefing.yaml:11:5: error: lists, quotes, emphasis or links nested more "
        "than 16 deep",
    ),
    "quotes nested 17 deep": (
        {"content/sections/01-context.md": SECTION.replace("More.", "> " * 17 + "deep")},
        "content/sections/01-context.md:15:1: error: lists, quotes, emphasis or links nested "
        "more than 16 deep",
    ),
    "table over table_cells": (
        {"content/sections/01-context.md": SECTION + "\n|a|b|\n|-|-|\n" + "|1|2|\n" * 5000},
        "content/sections/01-context.md:17:1: error: table of 2 columns and 5001 rows has "
        "10,002 cells, more than 10,000 " + hint("table_cells", 10_000),
    ),
    "CSV over csv_rows": (
        {"content/data/exercises.csv": "year,NRV,ALT\n" + "2022,1,2\n" * 2001},
        "content/data/exercises.csv:2002:1: error: the data file has more than 2,000 rows "
        + hint("csv_rows", 2_000),
    ),
    "CSV over csv_bytes": (
        {"content/data/exercises.csv": "year,NRV,ALT\n" + "2022,1,2\n" * 111_111},
        "content/data/exercises.csv:1:1: error: file is too large: 1,000,012 bytes, more "
        "than 1,000,000 " + hint("csv_bytes", 1_000_000),
    ),
    "40000 x 40000 PNG as theme.logo": (
        {"templates/audiences/minister.yaml": LOGO, "content/images/big.png": png(40000, 40000)},
        "templates/audiences/minister.yaml:4:15: error: logo `images/big.png` has "
        "1,600,000,000 pixels, more than 50,000,000 " + hint("image_pixels", 50_000_000),
    ),
    "content image over image_pixels": (
        {"content/sections/01-context.md": SECTION + "\n![x](images/big.png)\n",
         "content/images/big.png": png(10000, 5001)},
        "content/sections/01-context.md:17:1: error: image `images/big.png` has 10000 x 5001 "
        "pixels, more than 50,000,000",
    ),
    "SVG flag over image_pixels": (
        {"content/partners.yaml": PARTNERS.replace("  region: North", "  flag: images/f.svg"),
         "content/images/f.svg": '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8000 '
                                 '8000"></svg>'},
        "content/partners.yaml:4:9: error: flag `images/f.svg` has 8000 x 8000 pixels, more "
        "than 50,000,000",
    ),
    "image over image_bytes": (
        {"content/briefing.yaml": BRIEFING + "limits: {image_bytes: 64}\n",
         "templates/audiences/minister.yaml": LOGO, "content/images/big.png": png(1, 1)},
        "templates/audiences/minister.yaml:4:15: error: logo `images/big.png` is too large: "
        "65 bytes, more than 64 " + hint("image_bytes", 64),
    ),
    "logo that is not an image": (
        {"templates/audiences/minister.yaml": LOGO, "content/images/big.png": "not a PNG"},
        "templates/audiences/minister.yaml:4:15: error: logo `images/big.png` is not a "
        "readable PNG, JPEG or SVG image",
    ),
    "more files than files": (
        {"content/briefing.yaml": BRIEFING + "limits: {files: 6}\n"},
        "templates/audiences: error: more than 6 files in content/ and templates/audiences/ "
        "(counting stopped in this folder) " + hint("files", 6),
    ),
    "recipients over recipients": (
        {"content/briefing.yaml": BRIEFING + "limits: {recipients: 2}\n",
         "templates/audiences/minister.yaml": MINISTER + "recipients:\n"
         "  - {name: A, organisation: X}\n  - {name: B, organisation: X}\n"
         "  - {name: C, organisation: X}\n"},
        "templates/audiences/minister.yaml:5:3: error: 3 recipients, more than 2 "
        + hint("recipients", 2),
    ),
    "misspelled limit": (
        {"content/briefing.yaml": BRIEFING + "limits: {csv_rowz: 5}\n"},
        "content/briefing.yaml:24:10: error: unknown key `csv_rowz` (did you mean `csv_rows`?)",
    ),
    "depth limit above its ceiling": (
        {"content/briefing.yaml": BRIEFING + "limits: {yaml_depth: 1000}\n"},
        "content/briefing.yaml:24:22: error: `limits.yaml_depth`: Input should be less than "
        "or equal to 200",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_limit_is_refused_at_its_position_in_check_and_build(
        case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files, expected = CASES[case]
    root = write_project(tmp_path, files)
    started = time.perf_counter()
    assert main(["check", str(root)]) == 1
    assert time.perf_counter() - started < 5  # refused before the costly step
    err = capsys.readouterr().err
    assert expected in err, err
    assert "Traceback" not in err
    assert main(["build", str(root), "-j", "1"]) == 1
    err = capsys.readouterr().err
    assert expected in err, err
    assert not (root / "output").exists()


def test_a_project_can_raise_a_limit(tmp_path: Path) -> None:
    rows = "year,NRV,ALT\n" + "".join(f"{1000 + i},{i % 7},{i % 5}\n" for i in range(3000))
    files: dict[str, str | bytes | None] = {"content/data/exercises.csv": rows}
    with pytest.raises(ContentError):
        load_project(write_project(tmp_path, files))
    files["content/briefing.yaml"] = BRIEFING + "limits:\n  csv_rows: 3000\n"
    project = load_project(write_project(tmp_path, files))
    assert len(project.charts[0].categories) == 3000
    assert project.briefing.model.limits.csv_rows == 3000
    assert project.briefing.model.limits.table_cells == DEFAULT.table_cells


def test_a_limit_raised_past_any_file_is_not_allocated(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    # each file is read in pieces, never with a buffer the size of the limit
    huge = 10 ** 22
    block = "limits: {" + ", ".join(f"{key}: {huge}" for key in (
        "file_bytes", "csv_bytes", "image_bytes", "files", "csv_rows", "image_pixels",
        "table_cells", "recipients")) + "}\n"
    root = write_project(tmp_path, {"content/briefing.yaml": BRIEFING + block})
    assert main(["check", str(root)]) == 0, capsys.readouterr().err
    assert load_project(root).briefing.model.limits.file_bytes == huge


def test_limits_block_applies_to_briefing_yaml_itself(tmp_path: Path) -> None:
    # a briefing.yaml over the default file size loads when its own block allows it
    big = BRIEFING.replace("contact: Desk officer", "contact: '" + "x" * 2_100_000 + "'")
    root = write_project(tmp_path, {"content/briefing.yaml": big})
    with pytest.raises(ContentError) as info:
        load_project(root)
    assert "content/briefing.yaml:1:1: error: file is too large" in str(info.value)
    write_project(tmp_path, {"content/briefing.yaml": "limits: {file_bytes: 3000000}\n" + big})
    assert load_project(root).briefing.model.limits.file_bytes == 3_000_000


def test_a_2mb_markdown_table_is_refused_before_it_is_parsed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    table = "|a|b|c|d|\n|-|-|-|-|\n" + "|1234|5678|9012|3456|\n" * 95_000
    assert len(table) > 2_000_000
    root = write_project(tmp_path, {
        "content/briefing.yaml": BRIEFING + "limits: {file_bytes: 3000000}\n",
        "content/sections/01-context.md": SECTION + "\n" + table})
    # refused from a line scan, before the Markdown parser (the costly part) sees it
    real = markdown_it.MarkdownIt.parse

    def parse(self: markdown_it.MarkdownIt, src: str, env: object = None) -> object:
        assert len(src) < 1_000_000, "the oversized table reached the Markdown parser"
        return real(self, src, env)

    monkeypatch.setattr(markdown_it.MarkdownIt, "parse", parse)
    with pytest.raises(ContentError) as info:
        load_project(root)
    assert "content/sections/01-context.md:17:1: error: table of 4 columns and 95001 rows" \
        in str(info.value)


def test_the_defaults_are_above_the_default_project(tmp_path: Path) -> None:
    """The repository's own content loads under limits a tenth of the defaults' sizes."""
    repo = Path(__file__).resolve().parents[1]
    tight = Limits(files=DEFAULT.files // 10, file_bytes=DEFAULT.file_bytes // 10,
                   table_cells=DEFAULT.table_cells // 10, csv_rows=DEFAULT.csv_rows // 10,
                   csv_bytes=DEFAULT.csv_bytes // 10, image_bytes=DEFAULT.image_bytes // 10,
                   image_pixels=DEFAULT.image_pixels // 10, yaml_depth=DEFAULT.yaml_depth // 4,
                   markdown_depth=DEFAULT.markdown_depth // 4)
    block = "limits: " + tight.model_dump_json() + "\n"
    root = tmp_path / "p"
    for folder in ("content", "templates/audiences"):
        for path in (repo / folder).rglob("*"):
            if path.is_file():
                target = root / folder / path.relative_to(repo / folder)
                target.parent.mkdir(parents=True, exist_ok=True)
                data = path.read_bytes()
                if path.name == "briefing.yaml":
                    data = block.encode() + data
                target.write_bytes(data)
    project = load_project(root)
    assert project.briefing.model.limits == tight


@pytest.fixture
def no_hang() -> Iterator[None]:
    """Fail (instead of hanging the suite) if the loader blocks on a file."""
    def timeout(signum: int, frame: object) -> None:
        raise AssertionError("the loader blocked")
    previous = signal.signal(signal.SIGALRM, timeout)
    signal.alarm(10)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize(("fifo", "expected"), [
    ("content/collaborations/pipe.yaml",
     "content/collaborations/pipe.yaml:1:1: error: not a regular file (a pipe, device or "
     "socket) (only regular files are read)"),
    ("templates/audiences/press.yaml",
     "templates/audiences/press.yaml:1:1: error: not a regular file"),
    ("content/sections/02-pipe.md", "content/sections/02-pipe.md:1:1: error: not a regular file"),
    ("content/briefing.yaml", "content/briefing.yaml:1:1: error: not a regular file"),
    ("content/data/exercises.csv",
     "content/briefing.yaml:21:11: error: data file `data/exercises.csv` is not a regular file"),
    ("content/images/logo.png",
     "templates/audiences/minister.yaml:4:15: error: logo `images/logo.png` is not a regular "
     "file"),
])
def test_a_fifo_is_refused_not_waited_on(fifo: str, expected: str, tmp_path: Path,
                                         no_hang: None) -> None:
    root = write_project(tmp_path, {
        fifo: None, "templates/audiences/minister.yaml": MINISTER + "theme: {logo: "
                                                                   "images/logo.png}\n"})
    (root / fifo).parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(root / fifo)
    with pytest.raises(ContentError) as info:
        load_project(root)
    assert expected in str(info.value)
    assert str(tmp_path) not in str(info.value)


def test_a_300_deep_yaml_edit_gives_a_diagnostic_not_an_exception(tmp_path: Path) -> None:
    """What `serve` does on every change: load the project. A deep edit is a diagnostic."""
    root = write_project(tmp_path)
    for _ in range(2):  # twice, as a server reloading after the edit would
        (root / "content/collaborations/patrols.yaml").write_text(
            PATROLS.replace("summary: Coordinated patrols.",
                            "summary:" + "".join("\n" + "  " * i + "x:" for i in range(1, 301))),
            "utf-8")
        with pytest.raises(ContentError) as info:
            load_project(root)
        assert [d.message for d in info.value.diagnostics] == [
            "lists and mappings nested more than 64 deep"]


def test_the_template_output_limit_is_the_projects(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """`limits: {template_output: N}` bounds the HTML a brief template may produce: a
    one-line error naming the limit and how to change it, and nothing written."""
    root = write_project(tmp_path, {
        "content/briefing.yaml": BRIEFING + "limits: {template_output: 2000}\n"})
    assert main(["build", str(root), "-f", "html", "-j", "1"]) == 1
    err = capsys.readouterr().err
    assert "the brief template produced more than 2,000 characters of HTML" in err, err
    assert "`limits: {template_output: N}` in content/briefing.yaml" in err
    assert "Traceback" not in err
    assert not (root / "output" / "minister").exists()
