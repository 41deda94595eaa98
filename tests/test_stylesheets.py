"""Stylesheets add to the built-in one; replacing it is an explicit choice (issue 12
item 2). Checked on built files: every PDF page's text (pdftotext), the page's CSS."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from generator.build import build

from .conftest import require_tool
from .projects import write_project

AUDIENCE_CSS = "templates/audiences/minister/brief/brief.css"
TWO_LINES = 'html { font-family: "Brief Sans", sans-serif; }\np { text-transform: uppercase; }\n'


def pdf_pages(path: Path) -> list[list[str]]:
    """The non-empty lines of each page, as laid out (pdftotext -layout)."""
    tool = require_tool("pdftotext")
    text = subprocess.run([tool, "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout
    return [[line for line in page.splitlines() if line.strip()]
            for page in text.split("\f") if page.strip()]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path / "p", {
        "templates/audiences/minister.yaml": "title: Minister\nclearance: SECRET\n"
                                             "length: full\nformats: [pdf, html]\n",
        AUDIENCE_CSS: TWO_LINES,
    })


def test_a_two_line_audience_stylesheet_keeps_the_banner_on_every_page(
        project: Path) -> None:
    build(project, audiences=["minister"], jobs=1)
    pdf = project / "output/minister/brief.pdf"
    pages = pdf_pages(pdf)
    assert len(pages) >= 3
    for number, lines in enumerate(pages, start=1):
        assert "SECRET" in lines[0], (number, lines[0])
        assert "SECRET" in lines[-1], (number, lines[-1])
    # ... and the two lines took effect (the summary's paragraph is in capitals).
    assert any("COLLABORATION PAYS." in line for lines in pages for line in lines)
    page = (project / "output/minister/brief.html").read_text("utf-8")
    builtin, own = page.index("/* <built-in>/brief/brief.css */"), page.index(
        f"/* {AUDIENCE_CSS} */")
    assert builtin < own and page.index(TWO_LINES.splitlines()[0]) > own


def test_the_project_stylesheet_comes_between_the_built_in_and_the_audiences(
        project: Path) -> None:
    write_project(project, {"templates/brief/brief.css": "h2 { letter-spacing: 0.1em; }\n"})
    build(project, audiences=["minister"], formats=["html"], jobs=1)
    page = (project / "output/minister/brief.html").read_text("utf-8")
    order = [page.index(f"/* {name} */") for name in
             ("<built-in>/brief/brief.css", "templates/brief/brief.css", AUDIENCE_CSS)]
    assert order == sorted(order)


def test_replacing_the_built_in_stylesheet_is_an_explicit_first_line(project: Path) -> None:
    """Two lines that replace the built-in stylesheet lose its banner rules: the release
    gate refuses the result, naming the stylesheet, and nothing is written."""
    from generator.build import BuildFailed

    write_project(project, {AUDIENCE_CSS: "/* briefgen: replace */\n" + TWO_LINES})
    with pytest.raises(BuildFailed) as failure:
        build(project, audiences=["minister"], formats=["html"], jobs=1)
    assert all(d.file == AUDIENCE_CSS and "does not show the SECRET banner" in d.message
               for d in failure.value.diagnostics), failure.value
    assert not (project / "output/minister/brief.html").exists()


def test_init_copies_the_stylesheet_as_an_explicit_replacement(tmp_path: Path) -> None:
    """``briefgen init`` copies the whole built-in stylesheet: the copy says it replaces
    the built-in one, so its rules are not loaded twice."""
    from generator.scaffold import init_project
    from generator.templates import builtin_templates

    init_project(tmp_path / "new")
    css = (tmp_path / "new/templates/brief/brief.css").read_text("utf-8")
    assert css.startswith("/* briefgen: replace */")
    build(tmp_path / "new", audiences=["minister"], formats=["html"], jobs=1)
    page = (tmp_path / "new/output/minister/brief.html").read_text("utf-8")
    assert "<built-in>/brief/brief.css" not in page
    builtin = (builtin_templates() / "brief/brief.css").read_text("utf-8")
    assert page.count("@font-face") == builtin.count("@font-face")


# ------------------------------------------------------------ theme: page and fonts

FONTS = Path(__file__).resolve().parent.parent / "generator" / "fonts"


def themed(project: Path, theme: str) -> None:
    write_project(project, {
        "templates/audiences/minister.yaml": "title: Minister\nclearance: SECRET\n"
                                             f"length: full\nformats: [pdf, html]\n{theme}",
        AUDIENCE_CSS: None,
        "content/fonts/mono.ttf": (FONTS / "LiberationMono-Regular.ttf").read_bytes(),
        "content/fonts/bad.ttf": b"\x00\x01\x00\x00 not a font",
        "content/images/x.png": b"\x89PNG\r\n\x1a\n",
    })


def test_theme_sets_page_size_margins_and_fonts_for_pdf_and_html(project: Path) -> None:
    from pypdf import PdfReader

    themed(project, "theme:\n  page_size: Letter\n  margins: {left: 30mm, right: 30mm}\n"
                    "  fonts: {body: fonts/mono.ttf}\n")
    build(project, audiences=["minister"], jobs=1)
    pdf = project / "output/minister/brief.pdf"
    reader = PdfReader(pdf)
    assert {(round(float(p.mediabox.width)), round(float(p.mediabox.height)))
            for p in reader.pages} == {(612, 792)}  # US Letter, in points
    fonts = subprocess.run([require_tool("pdffonts"), str(pdf)], check=True,
                           capture_output=True, text=True).stdout
    assert "+Theme-Body " in fonts  # WeasyPrint names an embedded font by its family
    for lines in pdf_pages(pdf):  # the banners still top and bottom of every page
        assert "SECRET" in lines[0] and "SECRET" in lines[-1]
    page = (project / "output/minister/brief.html").read_text("utf-8")
    theme = page.index("/* templates/audiences/minister.yaml (theme) */")
    assert page.index("/* <built-in>/brief/brief.css */") < theme
    assert "@page { size: Letter; margin-right: 30mm; margin-left: 30mm; }" in page
    assert 'font-family: "Theme Body"; src: url("data:font/woff;base64,' in page


@pytest.mark.parametrize(("theme", "line", "words"), [
    ("theme:\n  fonts: {body: fonts/bad.ttf}\n", 6, "font `fonts/bad.ttf` cannot be loaded"),
    ("theme:\n  fonts:\n    headings: images/x.png\n", 7, "is not a font file"),
    ("theme:\n  fonts: {monospace: fonts/none.ttf}\n", 6, "`fonts/none.ttf` does not exist"),
    ("theme:\n  margins: 5mm\n", 6, "the top margin 5mm is too small: at least 20mm"),
    ("theme:\n  margins: {left: 2mm}\n", 6, "the left margin 2mm is too small"),
])
def test_a_theme_font_or_margin_that_cannot_be_used_is_an_error_with_its_line(
        project: Path, capsys: pytest.CaptureFixture[str], theme: str, line: int,
        words: str) -> None:
    from generator.cli import main

    themed(project, theme)
    assert main(["check", str(project)]) == 1
    err = capsys.readouterr().err
    assert f"templates/audiences/minister.yaml:{line}:" in err and words in err, err
    assert main(["build", str(project), "-a", "minister", "-f", "html"]) == 1
    assert not (project / "output").exists()


def test_the_deck_takes_the_theme_fonts_families(project: Path) -> None:
    """The theme's heading and body fonts become the deck's theme fonts by family name
    (PowerPoint cannot carry the files); editing a font file rebuilds the deck."""
    import zipfile

    themed(project, "theme:\n  fonts: {body: fonts/mono.ttf, headings: fonts/serif.ttf}\n")
    (project / "content/fonts/serif.ttf").write_bytes(
        (FONTS / "LiberationSans-Bold.ttf").read_bytes())
    profile = project / "templates/audiences/minister.yaml"
    profile.write_text(profile.read_text("utf-8").replace("[pdf, html]", "[pptx]"), "utf-8")
    report = build(project, audiences=["minister"], jobs=1)
    assert [r.job.path for r in report.built] == ["minister/deck.pptx"]
    with zipfile.ZipFile(project / "output/minister/deck.pptx") as deck:
        themes = [deck.read(n).decode("utf-8") for n in deck.namelist()
                  if n.startswith("ppt/theme/theme")]
    assert any('<a:majorFont><a:latin typeface="Liberation Sans"' in t for t in themes)
    assert any('<a:minorFont><a:latin typeface="Liberation Mono"' in t for t in themes)
    (project / "content/fonts/mono.ttf").write_bytes(
        (FONTS / "Carlito-Regular.ttf").read_bytes())
    rebuilt = build(project, audiences=["minister"], jobs=1)
    assert [r.job.path for r in rebuilt.built] == ["minister/deck.pptx"]
    with zipfile.ZipFile(project / "output/minister/deck.pptx") as deck:
        assert any('<a:minorFont><a:latin typeface="Carlito"' in deck.read(n).decode()
                   for n in deck.namelist() if n.startswith("ppt/theme/theme"))
