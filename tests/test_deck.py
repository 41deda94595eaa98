"""The PowerPoint deck: what a presenter sees, read back with python-pptx and LibreOffice.

Decks are rendered from hand-made Editions (tests/factories.py), reopened with
python-pptx, and converted to PDF by LibreOffice (one page per slide; text positions
read back with pdftotext). Nothing is mocked.
"""

from __future__ import annotations

import dataclasses
import html
import io
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from PIL import Image
from pptx import Presentation
from pptx.shapes.shapetree import SlideShapeFactory
from pptx.util import Inches
from pypdf import PdfReader

from generator.edition import Chart, Edition, Item, Section, Series, Theme
from generator.errors import RenderError, TemplateError
from generator.render import textfit
from generator.render.deck import (
    _DeckWriter,
    _layouts_by_name,
    _open_master,
    _remove_slides,
    render_deck,
)
from generator.render.deck_plan import SUMMARY_MAX_SLIDES, _Planner
from generator.render.textfit import Measurer, Span, line_text
from generator.templates import TemplateSet, builtin_templates

from .conftest import libreoffice, require_tool
from .factories import P, R, sample_edition

MASTER = str(builtin_templates() / "deck" / "master.pptx")
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
BAND_IN = 0.4  # the banner bands the renderer keeps at the top and bottom

LOGO_SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40">
<rect width="120" height="40" fill="#0b3d2e"/><circle cx="20" cy="20" r="12" fill="#c8a951"/>
<image href="file:///etc/passwd" width="10" height="10"/></svg>"""

MARKDOWN_POINT = ("Use **bold**, *italic*, `code()`, [a link](https://example.org/x) and "
                  "<b>raw html</b> {{ x }}.")
ARABIC = "تتيح الشراكات تقاسم الأعباء والمنافع وتسد ثغرات لا تستطيع الميزانيات الوطنية سدّها."


# ---------------------------------------------------------------------------- helpers


def templates(master: str = MASTER, root: Path | str = "") -> TemplateSet:
    return TemplateSet((), master, (), str(root))


def content_root(tmp: Path) -> Path:
    root = tmp / "content"
    (root / "images").mkdir(parents=True, exist_ok=True)
    (root / "images" / "logo.svg").write_text(LOGO_SVG, "utf-8")
    Image.new("RGB", (300, 100), "#0b3d2e").save(root / "images" / "logo.png")
    return root


def with_logo(edition: Edition, logo: Path) -> Edition:
    theme = Theme(primary="#14213d", accent="#e09f3e", logo=str(logo))
    return dataclasses.replace(edition, audience=dataclasses.replace(edition.audience,
                                                                     theme=theme))


def open_deck(data: bytes) -> Any:
    return Presentation(io.BytesIO(data))


def slide_texts(slide: Any) -> list[str]:
    return [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]


def title_of(slide: Any) -> str:
    return slide.shapes.title.text_frame.text if slide.shapes.title is not None else ""


def xml_of(data: bytes, prefix: str = "ppt/slides/slide") -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "\n".join(archive.read(n).decode("utf-8") for n in archive.namelist()
                         if n.startswith(prefix) and n.endswith(".xml"))


def thirty_points(edition: Edition) -> Edition:
    points = tuple(Item(f"Point {i:02d}: " + "the partners share the burden of regional "
                        "security " * (1 + i % 3), P if i % 2 else R) for i in range(1, 31))
    section = dataclasses.replace(edition.sections[0], key_points=points)
    return dataclasses.replace(edition, sections=(section,))


def arabic_edition(root: Path) -> Edition:
    edition = with_logo(sample_edition(root, language="ar"), root / "images" / "logo.svg")
    section = dataclasses.replace(
        edition.sections[0], title="السياق الاستراتيجي",
        key_points=(Item(ARABIC, P), Item("لا تستطيع أي دولة بمفردها مراقبة حدودها.", R)),
        notes="ابدأ بالخريطة.")
    return dataclasses.replace(edition, sections=(section,),
                               key_messages=(Item(ARABIC, P),))


def summary_edition(root: Path) -> Edition:
    """A summary edition with more sections and charts than slides to spare."""
    edition = sample_edition(root, length="summary")
    sections = tuple(
        Section(f"s{n}", f"Section {n}", P, "summary",
                tuple(Item(f"Point {n}.{i}: partners share the burden.", P) for i in range(4)),
                (), notes=f"Section {n} notes.")
        for n in range(5))
    charts = tuple(
        Chart(f"c{n}", f"Chart {n}", ("bar", "line", "pie")[n % 3], ("2022", "2023", "2024"),
              (Series("NRV", (1.0, 2.0, 3.0)), Series("ALT", (2.0, 1.0, 4.0))), P,
              notes=f"Chart {n} notes.")
        for n in range(4))
    return dataclasses.replace(edition, sections=sections, charts=charts)


def corporate_master(tmp: Path) -> Path:
    """python-pptx's default template (4:3, standard layout names) with a slide, notes,
    comments and author of its own: none of it may reach a deck."""
    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[1])
    slide.shapes.title.text_frame.text = "LEFTOVER slide title"
    slide.notes_slide.notes_text_frame.text = "LEFTOVER speaker notes"
    prs.core_properties.comments = "LEFTOVER comment"
    prs.core_properties.author = "LEFTOVER author"
    path = tmp / "corporate" / "master.pptx"
    path.parent.mkdir(parents=True)
    prs.save(str(path))
    return path


@pytest.fixture(scope="module")
def decks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    tmp = tmp_path_factory.mktemp("decks")
    root = content_root(tmp)
    en = dataclasses.replace(
        with_logo(sample_edition(root), root / "images" / "logo.svg"),
        charts=(dataclasses.replace(sample_edition(root).charts[0],
                                    notes="Point at the *2024* bar."),),
        key_messages=(*sample_edition(root).key_messages, Item(MARKDOWN_POINT, R)))
    return {
        "en": render_deck(en, templates()),
        "ar": render_deck(arabic_edition(root), templates()),
        "long": render_deck(thirty_points(sample_edition(root, length="standard")),
                            templates()),
        "summary": render_deck(summary_edition(root), templates()),
        "corporate": render_deck(with_logo(sample_edition(root), root / "images" / "logo.png"),
                                 templates(str(corporate_master(tmp)), tmp)),
    }


@pytest.fixture(scope="module")
def drawn(decks: dict[str, bytes], room_decks: dict[str, bytes],
          tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every deck of this file as LibreOffice draws it (PDF): one run for all of them (its
    start is most of a deck's time), with a fresh profile."""
    folder = tmp_path_factory.mktemp("soffice")
    (folder / "decks").mkdir()
    named = {**decks, **{f"room-{name}": room_decks[name] for name in ("minister", "crowded")}}
    for name, data in named.items():
        (folder / "decks" / f"{name}.pptx").write_bytes(data)
    return libreoffice({name: folder / "decks" / f"{name}.pptx" for name in named}, folder)


@pytest.fixture(scope="module")
def pdfs(decks: dict[str, bytes], drawn: dict[str, Path]) -> dict[str, Path]:
    """The sample decks as LibreOffice draws them."""
    return {name: drawn[name] for name in decks}


def all_decks(decks: dict[str, bytes]) -> Iterator[tuple[str, Any]]:
    for name, data in decks.items():
        yield name, open_deck(data)


# ---------------------------------------------------------------------------- opening


def test_python_pptx_reopens_every_deck(decks: dict[str, bytes]) -> None:
    for name, prs in all_decks(decks):
        assert len(prs.slides) >= 5, name
        for slide in prs.slides:
            assert title_of(slide), f"{name}: a slide without a title"


def test_libreoffice_converts_every_deck_one_page_per_slide(
        decks: dict[str, bytes], pdfs: dict[str, Path]) -> None:
    for name, prs in all_decks(decks):
        assert len(PdfReader(pdfs[name]).pages) == len(prs.slides), name


def test_every_shape_lies_inside_the_slide(decks: dict[str, bytes]) -> None:
    for name, prs in all_decks(decks):
        width, height = prs.slide_width, prs.slide_height
        for number, slide in enumerate(prs.slides, 1):
            for shape in slide.shapes:
                box = (shape.left, shape.top, shape.width, shape.height)
                assert None not in box, (name, number, shape.name)
                left, top, w, h = box
                assert left >= 0 and top >= 0, (name, number, shape.name)
                assert left + w <= width and top + h <= height, (name, number, shape.name)


def test_banner_top_and_bottom_and_slide_number_on_every_slide(
        decks: dict[str, bytes]) -> None:
    for name, prs in all_decks(decks):
        count = len(prs.slides)
        for number, slide in enumerate(prs.slides, 1):
            banners = [s for s in slide.shapes
                       if s.has_text_frame and s.text_frame.text == "CONFIDENTIAL"]
            tops = sorted(s.top for s in banners)
            assert len(tops) == 2, (name, number)
            assert tops[0] == 0 and tops[1] + banners[0].height == prs.slide_height
            assert f"{number} / {count}" in slide_texts(slide), (name, number)


def test_banner_is_on_every_page_libreoffice_draws(pdfs: dict[str, Path]) -> None:
    for name in ("en", "long"):
        for number, page in enumerate(PdfReader(pdfs[name]).pages, 1):
            assert (page.extract_text() or "").count("CONFIDENTIAL") >= 2, (name, number)


# ---------------------------------------------------------------------------- content


def test_thirty_key_points_continue_over_three_slides_in_order(
        decks: dict[str, bytes]) -> None:
    prs = open_deck(decks["long"])
    slides = [s for s in prs.slides if title_of(s).startswith("(P) Strategic context")]
    assert len(slides) >= 3
    assert title_of(slides[0]) == "(P) Strategic context"
    assert all(title_of(s) == "(P) Strategic context (cont.)" for s in slides[1:])
    text = "\n".join(t for s in slides for t in slide_texts(s))
    found = [int(n) for n in re.findall(r"Point (\d\d):", text)]
    assert found == list(range(1, 31))
    for i in range(1, 31):  # each with its own portion mark
        assert f"({'P' if i % 2 else 'R'}) Point {i:02d}:" in text


def test_long_text_never_runs_into_the_bottom_band(decks: dict[str, bytes],
                                                   pdfs: dict[str, Path]) -> None:
    """Read back where LibreOffice put every word: only the markings are in the bands."""
    tool = require_tool("pdftotext")
    allowed = {"CONFIDENTIAL", "DIDC/2026/014", "/"} | {str(n) for n in range(1, 100)}
    for name in ("long", "en", "summary"):
        out = subprocess.run([tool, "-bbox", str(pdfs[name]), "-"], capture_output=True,
                             text=True, check=True).stdout
        for page in re.findall(r"<page width=\"([\d.]+)\" height=\"([\d.]+)\">(.*?)</page>",
                               out, re.S):
            height = float(page[1])
            band = height * BAND_IN / 7.5
            for y_min, y_max, word in re.findall(
                    r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>', page[2]):
                if float(y_max) > height - band + 1 or float(y_min) < band - 1:
                    assert html.unescape(word) in allowed, (name, word)


def test_speaker_notes_come_from_every_notes_field(decks: dict[str, bytes]) -> None:
    prs = open_deck(decks["en"])
    notes = {title_of(s): s.notes_slide.notes_text_frame.text
             for s in prs.slides if s.has_notes_slide}
    assert notes["(P) Strategic context"] == "(P) Open with the map."
    # A collaboration's slide shows its benefits; its summary is said in the notes,
    # before its own notes, each with its portion mark.
    assert notes["(R) Joint border patrols"] == \
        "(R) Coordinated patrols along the northern border.\n\n" \
        "(R) Stress the reduction in incidents."
    shown = next(s for s in prs.slides if title_of(s) == "(R) Joint border patrols")
    assert not any("Coordinated patrols" in text for text in slide_texts(shown))
    assert notes["(P) Joint exercises per year"] == "(P) Point at the 2024 bar."
    summary = open_deck(decks["summary"])
    text = "\n".join(s.notes_slide.notes_text_frame.text for s in summary.slides
                     if s.has_notes_slide)
    for n in range(5):
        assert f"Section {n} notes." in text
    for n in range(4):
        assert f"Chart {n} notes." in text


def test_without_notes_a_collaborations_summary_stays_on_its_slide(tmp_path: Path) -> None:
    """An audience whose decks carry no notes (``speaker_notes: omit``) has no notes to
    take a collaboration's summary: it stays on the slide, and no notes slide is made."""
    edition = sample_edition(content_root(tmp_path))
    quiet = dataclasses.replace(  # as tailoring leaves it: no notes
        edition, audience=dataclasses.replace(edition.audience, speaker_notes="omit"),
        **{part: tuple(dataclasses.replace(x, notes=()) for x in getattr(edition, part))
           for part in ("sections", "collaborations", "charts")})
    prs = open_deck(render_deck(quiet, templates()))
    shown = next(s for s in prs.slides if title_of(s) == "(R) Joint border patrols")
    assert any("Coordinated patrols" in text for text in slide_texts(shown))
    assert not any(s.has_notes_slide for s in prs.slides)


def test_tables_and_charts_are_native_and_editable(decks: dict[str, bytes]) -> None:
    prs = open_deck(decks["en"])
    frames = {title_of(s): [sh for sh in s.shapes if sh.has_chart or sh.has_table]
              for s in prs.slides}
    partners = frames["Partners overview"][0]
    assert partners.has_table
    cells = [[c.text for c in row.cells] for row in partners.table.rows]
    assert cells[0] == ["Code", "Name", "Kind", "Region", "Since"]
    assert cells[1][:2] == ["NRV", "(P) Federation of Norvia"]
    matrix = frames["Benefits by collaboration"][0]
    assert matrix.has_table
    assert [c.text for c in matrix.table.rows[0].cells] == ["Collaboration", "Security",
                                                            "Diplomatic"]
    chart = frames["(P) Joint exercises per year"][0]
    assert chart.has_chart
    assert list(chart.chart.plots[0].categories) == ["2022", "2023", "2024"]
    assert "Exercises with Norvia" in chart._element.xpath(".//p:cNvPr/@descr")[0]
    metrics = frames["(R) Joint border patrols"][0]
    assert metrics.has_chart  # one metric: a small native chart beside the text


def test_markdown_becomes_runs(decks: dict[str, bytes]) -> None:
    prs = open_deck(decks["en"])
    slide = next(s for s in prs.slides if title_of(s) == "Key messages")
    runs = [r for shape in slide.shapes if shape.has_text_frame
            for p in shape.text_frame.paragraphs for r in p.runs]
    by_text = {r.text: r for r in runs}
    assert by_text["bold"].font.bold
    assert by_text["italic"].font.italic
    assert by_text["code()"].font.name == "Courier New"
    assert by_text["a link"].hyperlink.address == "https://example.org/x"
    text = "".join(r.text for r in runs)
    assert "<b>raw html</b> {{ x }}." in text  # content is data: shown as typed


def test_summary_deck_stays_within_its_slide_budget(decks: dict[str, bytes]) -> None:
    prs = open_deck(decks["summary"])
    assert len(prs.slides) <= SUMMARY_MAX_SLIDES
    text = "\n".join(t for s in prs.slides for t in slide_texts(s))
    for n in range(5):
        for i in range(4):
            assert f"Point {n}.{i}:" in text
    charts = sum(1 for s in prs.slides for sh in s.shapes if sh.has_chart)
    assert charts == 4


def test_summary_deck_gives_the_summary_and_the_key_messages_a_slide_each(
        decks: dict[str, bytes]) -> None:
    """One title per idea: a summary deck's executive summary is not a lead paragraph
    on the key messages' slide but a slide of its own, before them (in Arabic too)."""
    prs = open_deck(decks["summary"])
    titles = [title_of(slide) for slide in prs.slides]
    assert titles[1:3] == ["Executive summary", "Key messages"]
    summary, messages = ("\n".join(slide_texts(prs.slides[n])) for n in (1, 2))
    assert "Collaboration with partners strengthens our security." in summary
    assert "strengthens" not in messages
    assert "Shared training has cut response times." in messages
    assert "Shared training" not in summary
    zahran = next(open_deck(render_deck(edition, tmpl)) for name, edition, tmpl
                  in _default_project_decks() if name == "delegation-zahran")
    titles = [title_of(slide) for slide in zahran.slides]
    messages = titles.index("الرسائل الرئيسية")
    assert messages >= 2 and titles[1] == "الملخص التنفيذي"
    assert all(t.startswith("الملخص التنفيذي") for t in titles[1:messages])  # continued


def test_cover_and_closing_say_who_and_what(decks: dict[str, bytes]) -> None:
    prs = open_deck(decks["en"])
    cover = "\n".join(slide_texts(prs.slides[0]))
    assert "Benefits of cross-border defence collaboration" in cover
    assert "Prepared for: Minister of Defence" in cover
    assert "27 November 2026" in cover
    closing = "\n".join(slide_texts(prs.slides[-1]))
    assert "Questions and discussion" in closing
    assert "Desk officer, DIDC" in closing


# ---------------------------------------------------------------------------- theme


def test_logo_is_a_picture_with_alt_text_on_every_slide(decks: dict[str, bytes]) -> None:
    for name in ("en", "corporate"):
        prs = open_deck(decks[name])
        for slide in prs.slides:
            logos = [s for s in slide.shapes if s.name == "Logo"]
            assert len(logos) == 1
            assert logos[0].image.content_type == "image/png"
            assert logos[0]._element.xpath(".//p:cNvPr/@descr") == [
                "Logo: Directorate of International Defence Cooperation"]


def test_svg_logo_is_drawn_without_fetching_what_it_references(
        tmp_path: Path) -> None:
    root = content_root(tmp_path)
    edition = with_logo(sample_edition(root), root / "images" / "logo.svg")
    prs = open_deck(render_deck(edition, templates()))
    logo = next(s for s in prs.slides[0].shapes if s.name == "Logo")
    image = Image.open(io.BytesIO(logo.image.blob))
    assert image.size == (375, 125)  # 120 x 40 px at 300 dpi


def test_logo_outside_the_content_folder_is_refused(tmp_path: Path) -> None:
    root = content_root(tmp_path)
    outside = tmp_path / "elsewhere.png"
    Image.new("RGB", (10, 10)).save(outside)
    with pytest.raises(RenderError, match="outside the project's content folder"):
        render_deck(with_logo(sample_edition(root), outside), templates())


def test_theme_colours_come_from_the_audience(decks: dict[str, bytes]) -> None:
    theme = xml_of(decks["en"], "ppt/theme/theme1")
    assert '<a:accent1><a:srgbClr val="14213D"/></a:accent1>' in theme
    assert '<a:accent2><a:srgbClr val="E09F3E"/></a:accent2>' in theme


def test_an_audience_master_replaces_the_default(decks: dict[str, bytes]) -> None:
    prs = open_deck(decks["corporate"])
    assert prs.slide_width == 9144000  # the corporate 4:3 master, not ours
    assert {s.slide_layout.name for s in prs.slides} >= {"Title Slide", "Title and Content",
                                                         "Two Content", "Title Only"}


def test_incomplete_master_is_a_template_error(tmp_path: Path) -> None:
    prs: Any = Presentation()
    for name in ("Two Content", "Comparison", "Content with Caption"):  # none of 2 bodies
        prs.slide_layouts.remove(prs.slide_layouts.get_by_name(name))
    path = tmp_path / "templates" / "deck" / "master.pptx"
    path.parent.mkdir(parents=True)
    prs.save(str(path))
    with pytest.raises(TemplateError, match=re.escape(
            "templates/deck/master.pptx: error: no layout for two content slides")):
        render_deck(sample_edition(), templates(str(path), tmp_path))


# ---------------------------------------------------------------------------- package


def test_same_edition_gives_the_same_bytes(tmp_path: Path) -> None:
    root = content_root(tmp_path)
    edition = with_logo(sample_edition(root), root / "images" / "logo.svg")
    first = render_deck(edition, templates())
    assert render_deck(edition, templates()) == first
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert archive.namelist()[0] == "[Content_Types].xml"
    pinned = dataclasses.replace(edition, source_date_epoch=1_790_000_000)
    data = render_deck(pinned, templates())
    assert data == render_deck(pinned, templates())
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert {i.date_time for i in archive.infolist()} == {(2026, 9, 21, 14, 13, 20)}
    core = open_deck(data).core_properties
    assert core.created.isoformat() == "2026-09-21T14:13:20"


def test_core_properties_come_from_the_edition_only(decks: dict[str, bytes]) -> None:
    for name in ("en", "corporate"):
        core = open_deck(decks[name]).core_properties
        assert core.title == "Benefits of cross-border defence collaboration"
        assert core.subject == "Annual review 2026"
        assert core.author == core.last_modified_by == \
            "Directorate of International Defence Cooperation"
        assert core.revision == 1
        assert core.created.isoformat() == core.modified.isoformat() == "2026-11-27T00:00:00"
        assert core.comments == "" and core.content_status == ""
        assert core.keywords == ""  # tags are printed on no slide
        assert core.category == "CONFIDENTIAL"


def test_nothing_of_the_master_file_is_left_over(decks: dict[str, bytes]) -> None:
    for name in ("en", "corporate"):
        data = decks[name]
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            everything = b"\n".join(archive.read(n) for n in names)
        for residue in (b"LEFTOVER", b"Steve Canny", b"python-pptx", b"Click to edit",
                        b"Second level", b"10/17/16", b"briefgen deck master"):
            assert residue not in everything, (name, residue)
        assert not [n for n in names if "thumbnail" in n or "printerSettings" in n
                    or n.startswith(("customXml/", "docProps/custom"))]
        prs = open_deck(data)
        used = {s.slide_layout.name for s in prs.slides}
        assert {layout.name for layout in prs.slide_master.slide_layouts} == used


def test_arabic_edition_is_laid_out_right_to_left(decks: dict[str, bytes]) -> None:
    data = decks["ar"]
    slides = xml_of(data)
    paragraphs = re.findall(r"<a:pPr[^>]*>", slides)
    rtl = [p for p in paragraphs if 'rtl="1"' in p]
    assert len(rtl) > len(paragraphs) / 2
    assert '<a:tblPr firstRow="1" bandRow="1" rtl="1">' in slides
    assert 'lang="ar-SA"' in slides
    assert '<a:cs typeface="Arial"/>' in slides
    prs = open_deck(data)
    width = prs.slide_width
    for slide in prs.slides:
        logo = next(s for s in slide.shapes if s.name == "Logo")
        number = next(s for s in slide.shapes if s.name == "Slide Number")
        assert logo.left > width / 2  # mirrored: the logo sits on the right
        assert number.left < width / 2
    text = "\n".join(t for s in prs.slides for t in slide_texts(s))
    assert ARABIC in text.replace("\n", " ") or ARABIC[:40] in text
    notes = [s.notes_slide.notes_text_frame for s in prs.slides if s.has_notes_slide]
    assert notes and notes[0].text == "(P) ابدأ بالخريطة."
    assert notes[0].paragraphs[0]._p.pPr.get("rtl") == "1"


# ---------------------------------------------------------------------------- measuring


def test_lines_never_exceed_the_width_and_long_words_break() -> None:
    measurer = Measurer("Calibri")
    spans = [Span("A very "), Span("long", bold=True),
             Span(" sentence with Pneumonoultramicroscopicsilicovolcanoconiosis and more.")]
    lines = measurer.wrap(spans, 120, 20)
    text = [line_text(line, spans) for line in lines]
    assert "".join(text) == "".join(s.text for s in spans)  # nothing lost
    assert len(lines) > 3 and "Pneumonoultramicroscopicsilicovolcanoconiosis" not in text
    for line in lines:
        width = sum(measurer.span_width(spans[s], a, b, 20) for s, a, b in line)
        assert width <= 120 or line_text(line, spans).endswith(" ")


def test_forced_line_breaks_are_kept() -> None:
    spans = [Span("first\nsecond")]
    lines = Measurer("Arial").wrap(spans, 500, 12)
    assert [line_text(line, spans) for line in lines] == ["first\n", "second"]


def test_unknown_typefaces_are_measured_wider_than_known_ones() -> None:
    text = "Partners carry a growing share of the burden."
    assert Measurer("Corporate Sans").width(text, 20) > Measurer("Arial").width(text, 20)
    assert Measurer("Calibri").width(text, 20) < Measurer("Arial").width(text, 20)
    assert Measurer("Calibri").width(ARABIC, 20) > 0


def test_measuring_gives_the_same_lines_cached_or_not_whatever_the_face() -> None:
    """Widths and words are cached per process: keyed on the face, its safety factor and
    the style, so faces and styles measured in any order never borrow each other's."""
    text = "Partners carry a growing share of the burden of border security. " * 3
    spans = (Span(text[:40]), Span(text[40:90], bold=True), Span(text[90:], code=True),
             Span(" " + ARABIC))
    faces = ("Calibri", "Arial", "Corporate Sans", "Courier New")
    cases = [(face, width, size) for face in faces for width in (150, 400) for size in (12, 20)]

    def measure() -> list[Any]:
        return [(Measurer(face).wrap(spans, width, size),
                 Measurer(face).width(text, size, bold=True)) for face, width, size in cases]

    textfit._em.cache_clear()
    textfit._measured_words.cache_clear()
    textfit._one_line.cache_clear()
    fresh = measure()
    assert measure() == fresh  # cached
    textfit._em.cache_clear()
    textfit._measured_words.cache_clear()
    textfit._one_line.cache_clear()
    assert list(reversed([(Measurer(face).wrap(spans, width, size),
                           Measurer(face).width(text, size, bold=True))
                          for face, width, size in reversed(cases)])) == fresh
    assert len({str(lines) for lines, _ in fresh}) > len(cases) / 2  # faces do differ
    code = Measurer("Calibri").wrap((Span("print(partners, burden)", code=True),), 1e9, 20)
    assert Measurer("Calibri").width("print(partners, burden)", 20, code=True) == \
        Measurer("Courier New").width("print(partners, burden)", 20) != \
        Measurer("Calibri").width("print(partners, burden)", 20)
    assert len(code) == 1


# ---------------------------------------------------------------------------- shortcuts


@settings(max_examples=400, deadline=None)
@given(words=st.lists(st.tuples(st.text(st.sampled_from([*"ab Wi.-", "\u0627", " ", "\n"]),
                                        max_size=12),
                                st.booleans(), st.booleans()), min_size=1, max_size=5),
       width=st.floats(1, 400), size=st.sampled_from([8, 12, 20, 28]))
def test_one_line_shortcut_gives_what_wrapping_gives(words: list[tuple[str, bool, bool]],
                                                     width: float, size: int) -> None:
    """Text that fits on one line is set without placing word by word: only where
    placing word by word gives that one line."""
    spans = tuple(Span(text, bold=bold, code=code) for text, bold, code in words)
    measurer = Measurer("Calibri")
    shortcut = measurer.wrap(spans, width, size)
    original = textfit._one_line
    try:
        textfit._one_line = lambda *_: None  # type: ignore[assignment]
        assert measurer.wrap(spans, width, size) == shortcut
    finally:
        textfit._one_line = original


def test_decks_rendered_one_after_another_do_not_share_state(tmp_path: Path) -> None:
    """A build worker renders English and Arabic decks, on different masters, one after
    another: per-process caches (measuring, logos) and what each deck copies from its
    first slides must not carry over from one deck to the next."""
    root = content_root(tmp_path)
    corporate = templates(str(corporate_master(tmp_path)), tmp_path)
    cases = [(with_logo(sample_edition(root), root / "images" / "logo.svg"), templates()),
             (arabic_edition(root), templates()),
             (with_logo(sample_edition(root), root / "images" / "logo.png"), corporate),
             (arabic_edition(root), corporate)]
    first = [render_deck(edition, master) for edition, master in cases]
    assert [render_deck(edition, master) for edition, master in reversed(cases)] == \
        list(reversed(first))


def test_slides_and_notes_copied_from_the_first_are_what_python_pptx_makes() -> None:
    """The renderer makes a layout's first slide (and the first notes slide) with
    python-pptx, and copies them for later slides: the copies, their part names and
    relationships are exactly what python-pptx makes."""
    prs, problems = _open_master(templates())
    assert problems == []
    builder = _DeckWriter(sample_edition(), prs, templates())
    reference: Any = Presentation(MASTER)
    _remove_slides(reference)
    layouts = _layouts_by_name(reference)

    def rels(part: Any) -> list[tuple[str, str, str]]:
        return [(rid, rel.reltype, str(rel.target_part.partname))
                for rid, rel in part.rels.items()]

    for kind in ("bullets", "table", "bullets", "bullets", "table", "title"):
        ours = builder.new_slide(kind)
        theirs = reference.slides.add_slide(layouts[builder.layouts[kind].name])
        assert ours.part.partname == theirs.part.partname
        assert etree.tostring(ours._element) == etree.tostring(theirs._element)
        assert rels(ours.part) == rels(theirs.part)
        for proxy, _, _ in builder._placeholders(ours):  # the classes python-pptx picks
            assert type(proxy) is type(SlideShapeFactory(proxy._element, ours.shapes))
        if kind != "title":
            ours_notes, theirs_notes = builder._notes_slide(ours), theirs.notes_slide
            assert ours_notes.part.partname == theirs_notes.part.partname
            assert etree.tostring(ours_notes._element) == etree.tostring(theirs_notes._element)
            assert rels(ours_notes.part) == rels(theirs_notes.part)
            assert rels(ours.part) == rels(theirs.part)
    assert etree.tostring(prs.part._element) == etree.tostring(reference.part._element)


def test_checking_a_master_leaves_it_as_it_was() -> None:
    """A deck is built from the presentation its master was checked in: the check must
    not change it (python-pptx's ``text_frame`` gives a shape without text an empty text
    body: the default master's accent rules have none)."""
    prs, problems = _open_master(templates())
    assert problems == []
    fresh = Presentation(MASTER)
    for ours, theirs in zip(prs.slide_layouts, fresh.slide_layouts, strict=True):
        assert etree.tostring(ours._element) == etree.tostring(theirs._element)


def test_every_shape_on_a_slide_has_an_id_of_its_own(decks: dict[str, bytes]) -> None:
    """Band texts and logos are copies of the first slide's, each given the next id."""
    for name, prs in all_decks(decks):
        for number, slide in enumerate(prs.slides, 1):
            ids = [int(i) for i in slide._element.xpath("//p:cNvPr/@id")]
            assert len(ids) == len(set(ids)), (name, number)
            for shape in slide.shapes:
                if shape.name == "Logo":
                    assert shape.image.blob  # its relationship leads to the image


def test_a_changed_logo_file_is_read_again(tmp_path: Path) -> None:
    """Logos are read (and SVGs drawn) once per process while the file is unchanged."""
    root = content_root(tmp_path)
    logo = root / "images" / "logo.png"
    edition = with_logo(sample_edition(root), logo)

    def logo_size() -> tuple[int, int]:
        prs = open_deck(render_deck(edition, templates()))
        picture = next(s for s in prs.slides[0].shapes if s.name == "Logo")
        return Image.open(io.BytesIO(picture.image.blob)).size

    assert logo_size() == (300, 100)
    modified = logo.stat().st_mtime_ns
    Image.new("RGB", (200, 100), "#c8a951").save(logo)
    os.utime(logo, ns=(modified + 2_000_000_000, modified + 2_000_000_000))
    assert logo_size() == (200, 100)


HOSTILE_TEXT = 'a & b < c > d "quoted" \'single\' {{ x }} </a:t><a:t>'


def test_text_and_tables_written_as_markup_read_back_exactly(tmp_path: Path) -> None:
    """Text and tables are written as DrawingML markup: whatever a user typed (markup
    characters, quotes, a link with ``&`` and quotes in it) reads back as typed, and the
    table is what python-pptx's own table API reads: widths, heights, fills, margins."""
    from pptx.enum.text import MSO_ANCHOR
    from pptx.util import Pt

    from generator.render.deck_plan import CELL_X, CELL_Y, Cell, Content

    link = 'https://example.org/?a=1&b="2"&c=<3>'
    normalised = "https://example.org/?a=1&b=%222%22&c=%3C3%3E"
    point = f"{HOSTILE_TEXT} [here]({link}) `{HOSTILE_TEXT}`"
    edition = sample_edition(content_root(tmp_path))
    section = dataclasses.replace(edition.sections[0], key_points=(Item(point, P),))
    prs = open_deck(render_deck(dataclasses.replace(edition, sections=(section,)),
                                templates()))
    runs = [r for s in prs.slides for shape in s.shapes if shape.has_text_frame
            for p in shape.text_frame.paragraphs for r in p.runs]
    texts = [r.text for r in runs]
    # the text, its quotes typographic, and the code span as typed
    assert sum(HOSTILE_TEXT.replace('"quoted"', "“quoted”").replace("'single'", "‘single’")
               in t for t in texts) >= 1
    assert sum(HOSTILE_TEXT in t for t in texts) >= 1
    linked = next(r for r in runs if r.text == "here")
    assert linked.hyperlink.address == normalised  # as markdown-it percent-encodes it

    prs2, _ = _open_master(templates())
    writer = _DeckWriter(edition, prs2, templates())
    planner = _Planner(edition, writer.geometry())
    writer.fit = planner.body_fit
    slide = writer.new_slide("table")
    area = planner._area("table", below=planner._title_bottom("table"))
    header = [Cell.of("Name", header=True), Cell.of(HOSTILE_TEXT, header=True, align="ctr")]
    rows = [[Cell.of(f"row {i}"), Cell(tuple(Content(edition).md_paras(f"[{i}]({link})")),
                                              align="ctr")]
            for i in range(3)]
    layout = planner.table_layout(header, rows, area, (14,))
    writer.draw_table(slide, layout, 0, area, HOSTILE_TEXT)
    frame = next(s for s in slide.shapes if s.has_table)
    assert frame._element.xpath(".//p:cNvPr/@descr") == [HOSTILE_TEXT]
    assert (frame.left, frame.top, frame.width) == (area.left, area.top, area.width)
    table = frame.table
    assert sum(c.width for c in table.columns) == area.width
    assert [r.height for r in table.rows] == [
        int(Pt(h)) for h in (layout.header_height, *(h for _, h in layout.pages[0]))]
    assert frame.height == sum(r.height for r in table.rows)
    assert table.cell(0, 1).text_frame.text == HOSTILE_TEXT
    assert [table.cell(i + 1, 1).text_frame.text for i in range(3)] == ["0", "1", "2"]
    cell_link = table.cell(1, 1).text_frame.paragraphs[0].runs[0].hyperlink
    assert cell_link.address == normalised
    for r in range(4):
        cell = table.cell(r, 0)
        assert (cell.margin_left, cell.margin_top) == (CELL_X, CELL_Y)
        assert cell.vertical_anchor == MSO_ANCHOR.MIDDLE
    assert str(table.cell(0, 0).fill.fore_color.theme_color).startswith("ACCENT_1")
    assert table.cell(0, 0).text_frame.paragraphs[0].runs[0].font.bold


@settings(max_examples=150, deadline=None)
@given(texts=st.lists(st.text(st.sampled_from([*"ab Wi.-", "\u0627", " ", "\n"]), max_size=90),
                      min_size=1, max_size=8),
       headings=st.lists(st.booleans(), min_size=8, max_size=8),
       width=st.floats(20, 700), height=st.floats(10, 500), max_pages=st.integers(1, 3))
def test_fitting_skips_only_sizes_that_cannot_fit(texts: list[str], headings: list[bool],
                                                  width: float, height: float,
                                                  max_pages: int) -> None:
    """``fit`` skips a size without paginating when even the fewest lines the text
    could take are too tall for the boxes: the size and pages it settles on are those it
    finds trying every size."""
    from generator.render.deck_plan import BODY_SIZES, Para, _Fitter
    from generator.render.markdown import Run

    paras = [Para((Run(text),), heading=heading) for text, heading in zip(texts, headings,
                                                                          strict=False)]
    fitter = _Fitter(Measurer("Calibri"), rtl=False)
    def box(_n: int) -> tuple[float, float]:
        return width, height

    found = fitter.fit(paras, box, BODY_SIZES, max_pages=max_pages)
    every = _Fitter(Measurer("Calibri"), rtl=False)
    every._overflows = lambda *_: False  # type: ignore[method-assign]
    assert every.fit(paras, box, BODY_SIZES, max_pages=max_pages) == found


def test_text_over_several_slides_fills_them_evenly() -> None:
    """Nine one-line points in boxes of four lines make three boxes of three, not
    4 + 4 + 1: the last continued slide is not left with a line."""
    from generator.render.deck_plan import Para, _Fitter
    from generator.render.markdown import Run

    fitter = _Fitter(Measurer("Calibri"), rtl=False)
    paras = [Para((Run(f"Point {n}"),), 1, "bullet") for n in range(9)]
    pitch, gap = fitter.pitch(paras[0], 20), fitter.gap(paras[0], 20)
    height = 4 * pitch + 3 * gap + 1
    assert [len(p) for p in fitter.paginate(paras, lambda _: (500, height), 20)] == [4, 4, 1]
    size, pages = fitter.fit(paras, lambda _: (500, height), (20,))
    assert size == 20 and [len(p) for p in pages] == [3, 3, 3]


@settings(max_examples=120, deadline=None)
@given(texts=st.lists(st.text(st.sampled_from([*"ab Wi.", " ", " "]), max_size=160),
                      min_size=1, max_size=10),
       headings=st.lists(st.booleans(), min_size=10, max_size=10),
       width=st.floats(80, 700), height=st.floats(40, 500), budget=st.integers(10, 90))
def test_pages_keep_to_the_word_budget_and_headings_stay_with_their_text(
        texts: list[str], headings: list[bool], width: float, height: float,
        budget: int) -> None:
    """``paginate`` with a word budget: every box holds at most ``budget`` words (one
    line more only when a single line says more), all the text once and in order, and a
    box ends with a heading only when the heading is all it holds or nothing follows."""
    from generator.render.deck_plan import Para, _Fitter, words
    from generator.render.markdown import Run

    paras = [Para((Run(text),), heading=heading) for text, heading in zip(texts, headings,
                                                                          strict=False)]
    fitter = _Fitter(Measurer("Calibri"), rtl=False)
    pages = fitter.paginate(paras, lambda _: (width, height), 20, max_words=budget)
    said = "".join(p.text for page in pages for p in page)  # a word wider than a line
    assert "".join(said.split()) == "".join("".join(p.text for p in paras).split())  # breaks
    for n, page in enumerate(pages):
        count = sum(words(p.text) for p in page)
        one_line = len(page) == 1 and len(fitter.lines(page[0], width, 20)) == 1
        assert count <= budget or one_line, (n, count)
        if len(page) > 1 and page[-1].heading:
            assert n == len(pages) - 1, n


@settings(max_examples=60, deadline=None)
@given(cells=st.lists(st.text(st.sampled_from([*"ab 1.W", "\u0627"]), min_size=1, max_size=40),
                      min_size=6, max_size=24),
       columns=st.integers(2, 6), width=st.integers(2, 12))
def test_table_sizes_skipped_are_only_those_that_cannot_fit(cells: list[str], columns: int,
                                                            width: int) -> None:
    """A table size whose columns' longest words alone are wider than the room is
    skipped unlaid: the layout chosen is the one found laying out every size in turn."""
    from generator.render.deck_plan import TABLE_SIZES, Cell, Rect

    prs, _ = _open_master(templates())
    planner = _Planner(sample_edition(), _DeckWriter(sample_edition(), prs,
                                                     templates()).geometry())
    area = Rect(0, 0, int(Inches(width)), int(Inches(4)))
    header = [Cell.of(f"H{c}", header=True) for c in range(columns)]
    rows = [[Cell.of(cells[(r * columns + c) % len(cells)]) for c in range(columns)]
            for r in range(len(cells) // columns)]
    chosen = planner.table_layout(header, rows, area, TABLE_SIZES)
    singles = [planner.table_layout(header, rows, area, (size,)) for size in TABLE_SIZES]
    fitting = [t for t in singles if len(t.pages) == 1 and not t.cramped]
    expected = fitting[0] if fitting else planner.table_layout(
        header, rows, area, (next(s for s in TABLE_SIZES if s <= 18),))
    assert (chosen.size, chosen.widths, chosen.pages) == \
        (expected.size, expected.widths, expected.pages)


def test_runs_merge_only_when_every_field_but_the_text_agrees() -> None:
    """Neighbouring runs merge on their formatting: every field of a run but its text
    (a field added to Run must be compared too)."""
    from generator.render.markdown import Run
    from generator.render.markdown import format_of as _format_of
    from generator.render.markdown import merged_runs as _merged

    fields = [f.name for f in dataclasses.fields(Run) if f.name != "text"]
    base = Run("a")
    for name in fields:
        value = "https://x.example" if name == "href" else True
        other = dataclasses.replace(base, text="b", **{name: value})
        assert _format_of(other) != _format_of(base), name
        assert _merged([base, other]) == [base, other], name
    assert _merged([base, Run("b")]) == [Run("ab")]


def test_decks_rendered_in_threads_are_the_decks_rendered_one_by_one(tmp_path: Path) -> None:
    """A library user may render from several threads: the per-process caches (master
    checks, blank slides, text widths) and the markup parser give each the same deck."""
    from concurrent.futures import ThreadPoolExecutor

    root = content_root(tmp_path)
    editions = [with_logo(sample_edition(root), root / "images" / "logo.svg"),
                arabic_edition(root), thirty_points(sample_edition(root, length="standard"))]
    alone = [render_deck(e, templates()) for e in editions]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda e: render_deck(e, templates()), editions * 3))
    assert together == alone * 3


# ---------------------------------------------------------------------------- layers


def _default_project_decks() -> list[tuple[str, Edition, TemplateSet]]:
    from generator.build import plan
    from generator.content import load_project
    from generator.tailor import tailor

    project = load_project(Path(__file__).resolve().parent.parent)
    jobs = plan(project, {n: tailor(project, n) for n in project.audiences}, ["pptx"])
    return [(job.audience, job.edition, job.templates) for job in jobs]


def test_fast_writer_gives_the_public_api_writers_bytes(tmp_path: Path) -> None:
    """The shortcuts of deck_fast (slides and notes pages copied from the first
    python-pptx made, part names counted, the package written without deflating it
    twice) give byte for byte the zip python-pptx's public API gives
    (``slides.add_slide``, ``slide.notes_slide``, ``Presentation.save``), normalised
    alike: on every default audience's deck and on the test decks (right to left, a
    long continued section, a summary, another master)."""
    root = content_root(tmp_path)
    cases = [(name, edition, tmpl) for name, edition, tmpl in _default_project_decks()]
    assert len(cases) >= 2
    cases += [("ar", arabic_edition(root), templates()),
              ("long", thirty_points(sample_edition(root, length="standard")), templates()),
              ("summary", summary_edition(root), templates()),
              ("corporate", sample_edition(root),
               templates(str(corporate_master(tmp_path)), tmp_path))]
    for name, edition, tmpl in cases:
        fast = render_deck(edition, tmpl)
        public = render_deck(edition, tmpl, fast=False)
        assert fast == public, f"the {name} deck differs between the writers"


def test_the_plan_module_does_not_import_python_pptx() -> None:
    """The plan (what goes on which slide, at which size) is pure: importing it loads
    no python-pptx, and only deck_fast imports python-pptx's private names."""
    code = ("import sys, generator.render.deck_plan; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pptx'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parent.parent)
    assert out.stdout.strip() == "[]"
    private = re.compile(r"from pptx[\w.]* import[^\n]*\b_[A-Za-z]|\bpptx[\w.]*\._[A-Za-z]")
    render = Path(__file__).resolve().parent.parent / "generator" / "render"
    offenders = [p.name for p in sorted(render.glob("*.py"))
                 if p.name != "deck_fast.py" and private.search(p.read_text("utf-8"))]
    assert offenders == []


# ---------------------------------------------------------------------------- type scale

FURNITURE = {"Banner Top", "Banner Bottom", "Slide Number", "Reference"}
P_NS = "{http://schemas.openxmlformats.org/presentationml/2006/main}"


def crowded_edition(root: Path) -> Edition:
    """Long titles and long names, 30 collaborations with several metrics each, a long
    agenda: what a type scale must hold without shrinking."""
    from generator.edition import Benefit, Collaboration, Metric

    base = sample_edition(root, length="full")
    long = ("Joint maritime surveillance and interdiction of trafficking networks across "
            "the northern and eastern approaches")
    collabs = tuple(
        Collaboration(
            id=f"c{n:02d}", title=f"{long} ({n})", kind="border-security",
            partners=("NRV", "ALT"), status="active", mark=R if n % 2 else P, since=2010 + n % 15,
            summary=("Mixed patrols and a shared command post cover the frontier; "
                     "the partners share the burden of regional security. ") * (1 + n % 3),
            benefits=tuple(Benefit(cat, f"Benefit {n}.{i}: response times down by a third "
                                        "along the whole of the shared frontier.", P)
                           for i, cat in enumerate(("security", "diplomatic", "economic"))),
            metrics=tuple(Metric(f"Interdictions of vessels and vehicles, metric {m}",
                                 "interdictions", (("2022", 40.0 + m), ("2023", 55.0),
                                                   ("2024", 72.5)), P) for m in range(3)),
            sources=(f"Border agency annual report 20{n:02d}, chapter {n}",))
        for n in range(30))
    # a title of three lines at the floor beside a chart: its box grows down
    collabs += (Collaboration(
        id="c30", title=f"{long}, {long.lower()}", kind="border-security",
        partners=("NRV",), status="active", mark=P, summary="Short.",
        metrics=(Metric("Patrols", "patrols", (("2023", 4.0), ("2024", 6.0)), P),)),)
    sections = tuple(
        Section(f"s{n}", f"Strategic context and the long view of partnership, part {n}", P,
                "summary", tuple(Item(f"Point {n}.{i}: " + "the partners share the burden "
                                      "of regional security " * 3, P) for i in range(8)), ())
        for n in range(6))
    return dataclasses.replace(
        base, title="Benefits of cross-border defence collaboration with partner states "
        "and alliances over the decade to 2026, reviewed for the minister",
        collaborations=collabs, sections=sections)


@pytest.fixture(scope="module")
def room_decks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The default project's decks and the crowded one."""
    tmp = tmp_path_factory.mktemp("room")
    out = {name: render_deck(edition, tmpl) for name, edition, tmpl
           in _default_project_decks()}
    out["crowded"] = render_deck(crowded_edition(content_root(tmp)), templates())
    return out


def _run_sizes(body: Any) -> list[float]:
    """The size of every run with text in a text body, in points (each run says)."""
    sizes = []
    for run in body.iter(f"{A}r"):
        if (run.findtext(f"{A}t") or "").strip():
            rpr = run.find(f"{A}rPr")
            assert rpr is not None and rpr.get("sz"), etree.tostring(run)
            sizes.append(int(rpr.get("sz")) / 100)
    return sizes


def test_type_scale_holds_on_every_slide(room_decks: dict[str, bytes]) -> None:
    """Titles >= 28 pt; body text and table cells >= 14 pt, body placeholders' main text
    >= 18 pt (but on the sources' appendix slides, set at 14); banners, slide numbers
    and the reference >= 9 pt."""
    for name, data in room_decks.items():
        prs = open_deck(data)
        for number, slide in enumerate(prs.slides, 1):
            where = (name, number, title_of(slide))
            for shape in slide.shapes:
                element = shape._element
                if shape.has_text_frame:
                    sizes = _run_sizes(element.find(f"{P_NS}txBody"))
                    if not sizes:
                        continue
                    if shape.name in FURNITURE:
                        assert min(sizes) >= 9, (*where, shape.name, sizes)
                    elif shape.is_placeholder and shape.placeholder_format.type in (1, 3):
                        assert min(sizes) >= 28, (*where, "title", sizes)  # TITLE, CENTER
                    else:
                        assert min(sizes) >= 14, (*where, shape.name, sizes)
                        if shape.is_placeholder and not where[2].startswith("Sources"):
                            assert max(sizes) >= 18, (*where, shape.name, sizes)
                elif shape.has_table:
                    for cell in element.iter(f"{A}tc"):
                        sizes = _run_sizes(cell)
                        assert not sizes or min(sizes) >= 14, (*where, "table", sizes)


def test_crowded_deck_splits_rather_than_shrinks(room_decks: dict[str, bytes]) -> None:
    prs = open_deck(room_decks["crowded"])
    titles = [title_of(slide) for slide in prs.slides]
    assert sum("(cont.)" in t for t in titles) >= 3  # continued, not shrunk
    assert len(titles) > 60


@pytest.fixture(scope="module")
def room_pdfs(drawn: dict[str, Path]) -> dict[str, Path]:
    """The minister's deck and the crowded one as LibreOffice draws them (PDF)."""
    return {name: drawn[f"room-{name}"] for name in ("minister", "crowded")}


def test_no_text_off_a_slide_in_the_room_decks(room_decks: dict[str, bytes],
                                               room_pdfs: dict[str, Path]) -> None:
    """Every shape lies on its slide, and every character LibreOffice draws lies on its
    page (text overflowing its box past the slide's edge would not)."""
    for name, data in room_decks.items():
        prs = open_deck(data)
        for number, slide in enumerate(prs.slides, 1):
            for shape in slide.shapes:
                assert shape.left >= 0 and shape.top >= 0, (name, number, shape.name)
                assert shape.left + shape.width <= prs.slide_width, (name, number, shape.name)
                assert shape.top + shape.height <= prs.slide_height, (name, number, shape.name)
    for name, pdf in room_pdfs.items():
        reader = PdfReader(pdf)
        assert len(reader.pages) == len(open_deck(room_decks[name]).slides)
        for number, page in enumerate(reader.pages, 1):
            box = page.mediabox
            off: list[str] = []
            seen: list[str] = []

            def visit(text: str, cm: Any, tm: Any, *_: Any, box: Any = box,
                      off: list[str] = off, seen: list[str] = seen) -> None:
                x, y = tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]
                if text.strip():
                    seen.append(text)
                    if not (box.left - 1 <= x <= box.right + 1
                            and box.bottom - 1 <= y <= box.top + 1):
                        off.append(text)

            page.extract_text(visitor_text=visit)
            assert seen, (name, number)  # the banners at least
            assert off == [], (name, number, off[:3])


def test_the_plan_composes_each_slides_content_without_python_pptx(tmp_path: Path) -> None:
    """What the slides say comes from the plan module: the agenda lists the deck's
    parts (none when only one), metrics labels ask for two lines at most."""
    from generator.render.deck_plan import Content

    crowded = Content(crowded_edition(content_root(tmp_path)))
    agenda = [p.text for p in crowded.agenda()]
    assert agenda[:3] == ["Executive summary", "Key messages", "Partners overview"]
    assert agenda[-1] == "Sources" and len(agenda) == 14
    lone = sample_edition(tmp_path, summary="", key_messages=(), partners=(), sections=(),
                          collaborations=(), charts=(), recommendations=())
    assert Content(lone).agenda() == []
    header, rows = crowded.metrics_table(crowded.edition.collaborations[0].metrics)
    assert [row[0].lines for row in rows] == [2, 2, 2] and header[0].lines == 0
    _, transposed = crowded.metrics_table(crowded.edition.collaborations[0].metrics,
                                          transposed=True)
    assert len(transposed) == 3  # a row per period


def test_metrics_labels_take_two_lines_at_most(room_decks: dict[str, bytes]) -> None:
    """Each label of a metrics table (its first column, or its header across when the
    table is turned) fits its column on at most two lines, measured as the renderer
    measures, at the size and column width the deck has."""
    from generator.render.deck_plan import CELL_X, EMU_PER_PT, WRAP_SAFETY

    measurer = Measurer("Calibri")  # the built-in master's body face
    tables = 0
    for name, data in room_decks.items():
        for slide_xml in re.findall(r"<a:tbl>.*?</a:tbl>", xml_of(data), flags=re.S):
            tbl = etree.fromstring(slide_xml.replace(
                "<a:tbl>", f'<a:tbl xmlns:a="{A[1:-1]}">', 1))
            widths = [int(c.get("w")) for c in tbl.iter(f"{A}gridCol")]
            rows = [[("".join(t.text or "" for t in tc.iter(f"{A}t")),
                      _run_sizes(tc)) for tc in tr.iter(f"{A}tc")] for tr in tbl.iter(f"{A}tr")]
            first = rows[0][0][0]
            if first not in ("Metrics", "Period"):
                continue
            tables += 1
            labels = [(row[0], widths[0]) for row in rows[1:]] if first == "Metrics" else \
                [(cell, width) for cell, width in zip(rows[0][1:], widths[1:], strict=True)]
            for (text, sizes), width in labels:
                room = (width - 2 * CELL_X) / EMU_PER_PT * WRAP_SAFETY
                lines = measurer.wrap([Span(text, bold=first == "Period")], room, sizes[0])
                assert len(lines) <= 2, (name, text, len(lines))
    assert tables >= 5


def test_metrics_labels_take_two_lines_at_most_as_libreoffice_draws_them(
        room_decks: dict[str, bytes], room_pdfs: dict[str, Path]) -> None:
    """The same, on the page LibreOffice draws: each label's words, found in order on
    its slide's page (pdftotext's word boxes), stand on one or two lines."""
    pdftotext = require_tool("pdftotext")
    labels_seen = 0
    for name, pdf in room_pdfs.items():
        for number, slide in enumerate(open_deck(room_decks[name]).slides, 1):
            labels = []
            for shape in slide.shapes:
                if not shape.has_table:
                    continue
                rows = [[cell.text for cell in row.cells] for row in shape.table.rows]
                if rows[0][0] == "Metrics":
                    labels += [row[0] for row in rows[1:]]
                elif rows[0][0] == "Period":
                    labels += rows[0][1:]
            if not labels:
                continue
            page = subprocess.run([pdftotext, "-f", str(number), "-l", str(number),
                                   "-bbox-layout", str(pdf), "-"], check=True,
                                  capture_output=True, timeout=120).stdout
            drawn = [(w.text, round(float(w.get("yMin"))))
                     for w in etree.fromstring(page).iter("{*}word")]
            texts = [text for text, _ in drawn]
            for label in labels:
                target = label.split()
                at = next((i for i in range(len(texts)) if texts[i:i + len(target)] == target),
                          None)
                assert at is not None, (name, number, label)
                lines = {y for _, y in drawn[at:at + len(target)]}
                assert len(lines) <= 2, (name, number, label, len(lines))
                labels_seen += 1
    assert labels_seen >= 20


def test_nothing_overlaps_a_slides_title(room_decks: dict[str, bytes]) -> None:
    """A title that grows (a long one at the floor size) pushes what is under it down:
    no text, table or chart overlaps it."""
    for name, data in room_decks.items():
        for number, slide in enumerate(open_deck(data).slides, 1):
            title = slide.shapes.title
            if title is None:
                continue
            box = (title.left, title.top, title.width, title.height)
            for shape in slide.shapes:
                if shape == title or shape.name in FURNITURE or shape.shape_type == 13:
                    continue  # itself, the bands, pictures (the logo card)
                other = (shape.left, shape.top, shape.width, shape.height)
                overlap = (min(box[0] + box[2], other[0] + other[2]) > max(box[0], other[0])
                           and min(box[1] + box[3], other[1] + other[3]) > max(box[1],
                                                                              other[1]))
                assert not overlap, (name, number, title.text_frame.text[:40], shape.name)


def test_the_writer_draws_what_the_plan_says(tmp_path: Path) -> None:
    """The deck is its plan drawn: a slide per slide plan, on the layout of its kind,
    with the plan's title, and as many tables and charts as the plan has."""
    from generator.render.deck_plan import ChartPlan, TablePlan, TextPlan, plan_deck

    root = content_root(tmp_path)
    for edition in (with_logo(sample_edition(root, length="full"),
                              root / "images" / "logo.svg"), arabic_edition(root)):
        prs, _ = _open_master(templates())
        geometry = _DeckWriter(edition, prs, templates()).geometry()
        plan = plan_deck(edition, geometry)
        deck = open_deck(render_deck(edition, templates()))
        assert len(deck.slides) == len(plan.slides)
        names = {kind: layout.name for kind, layout in _DeckWriter(
            edition, _open_master(templates())[0], templates()).layouts.items()}
        for slide, planned in zip(deck.slides, plan.slides, strict=True):
            assert slide.slide_layout.name == names[planned.kind]
            title = next(item for item in planned.items
                         if isinstance(item, TextPlan) and item.target == "title")
            assert title_of(slide) == title.paras[0].text
            assert sum(s.has_table for s in slide.shapes) == \
                sum(isinstance(i, TablePlan) for i in planned.items)
            assert sum(s.has_chart for s in slide.shapes) == \
                sum(isinstance(i, ChartPlan) for i in planned.items)


def test_a_master_without_placeholders_is_planned_into_text_boxes(tmp_path: Path) -> None:
    """The plan needs only the master's geometry: on layouts without placeholders (made
    here by hand, no python-pptx), every text goes into a new box, and every box, table
    and chart lies on the slide between the banner bands."""
    from generator.render.deck_plan import BAND, Geometry, LayoutGeometry, TextPlan, plan_deck
    from generator.templates import SLIDE_KINDS

    width, height = 12192000, 6858000
    geometry = Geometry(width, height, dict.fromkeys(SLIDE_KINDS, LayoutGeometry()),
                        ("Calibri", "Calibri"))
    plan = plan_deck(crowded_edition(content_root(tmp_path)), geometry)
    assert len(plan.slides) > 60
    for slide in plan.slides:
        for item in slide.items:
            if isinstance(item, TextPlan):
                assert item.target == "box", (slide.kind, item)
            rect = getattr(item, "rect", None) or getattr(item, "card", None)
            assert rect is not None
            assert rect.left >= 0 and rect.right <= width, (slide.kind, item)
            assert rect.top >= BAND and rect.bottom <= height - BAND, (slide.kind, item)


def test_the_benefits_matrix_has_its_key_under_it_on_every_slide(
        room_decks: dict[str, bytes]) -> None:
    """The deck's benefits matrix prints what the brief's does: a dot per benefit with
    the highest portion mark among them, and the key to the dots under the table on
    each of its slides, inside the slide above the bottom band."""
    key = "● one benefit in this category"
    for name in ("minister", "crowded"):
        prs = open_deck(room_decks[name])
        slides = [s for s in prs.slides if title_of(s).startswith("Benefits by collaboration")]
        assert slides, name
        if name == "crowded":
            assert len(slides) > 1  # continued, each with its key
        for slide in slides:
            table = next(s for s in slide.shapes if s.has_table)
            keys = [s for s in slide.shapes if s.has_text_frame and key in s.text_frame.text]
            assert len(keys) == 1, (name, title_of(slide))
            box = keys[0]
            assert box.top >= table.top + table.height, (name, title_of(slide))
            assert box.top + box.height <= prs.slide_height - Inches(BAND_IN)
            dots = [c.text for row in list(table.table.rows)[1:] for c in row.cells
                    if "●" in c.text]
            assert dots and all(re.fullmatch(r"●+ \([A-Z]+\)", d) for d in dots), dots


# ---------------------------------------------------------------------------- words a slide

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _body_words(slide: Any) -> int:
    """The words of a slide's body text as a reader sees them: every text shape but its
    title and the furniture (tables and charts are not counted)."""
    title = slide.shapes.title
    return sum(len(shape.text_frame.text.split()) for shape in slide.shapes
               if shape.has_text_frame and shape.name not in FURNITURE
               and (title is None or shape.shape_id != title.shape_id))


def test_no_slide_says_more_than_its_word_budget(room_decks: dict[str, bytes]) -> None:
    """At most ``WORDS_PER_SLIDE`` words of body text on any slide of every default
    audience's deck and of the crowded one (the sources' appendix aside), as the manual
    says; text that needs more slides shares them out evenly (no continued slide says
    less than half of what another of its run says)."""
    from generator.render.deck_plan import WORDS_PER_SLIDE

    manual = (DOCS / "templates-reference.md").read_text("utf-8")
    assert f"{WORDS_PER_SLIDE} words" in manual
    continued = 0
    for name, data in room_decks.items():
        counts = [(title_of(s), _body_words(s)) for s in open_deck(data).slides]
        over = [(t, n) for t, n in counts if n > WORDS_PER_SLIDE and not t.startswith("Sources")]
        assert over == [], (name, over)
        runs: list[tuple[str, list[int]]] = []
        for title, count in counts:
            if runs and title != runs[-1][0] and title.startswith(runs[-1][0] + " ("):
                runs[-1][1].append(count)
            else:
                runs.append((title, [count]))
        for title, run in runs:
            if len(run) > 1 and not title.startswith("Sources"):
                continued += 1
                assert min(run) * 2 >= max(run), (name, title, run)
    assert continued >= 3  # the budget continues text (the crowded sections at least)


def _plans() -> Iterator[tuple[str, Any]]:
    import tempfile

    from generator.render.deck_plan import plan_deck

    with tempfile.TemporaryDirectory() as tmp:
        cases = [(name, edition, tmpl) for name, edition, tmpl in _default_project_decks()]
        cases.append(("crowded", crowded_edition(content_root(Path(tmp))), templates()))
        for name, edition, tmpl in cases:
            geometry = _DeckWriter(edition, _open_master(tmpl)[0], tmpl).geometry()
            yield name, plan_deck(edition, geometry)


def test_a_heading_never_ends_a_slide_and_short_paragraphs_are_not_split() -> None:
    """A heading (a collaboration's benefit category, a source's collaboration) moves
    to the next slide with what it heads, and a collaboration's sources stay together
    under its title; a paragraph that fits a slide is not cut between two (its
    continued tail would start the next box without a gap)."""
    from generator.render.deck_plan import TextPlan

    boxes = 0
    for name, plan in _plans():
        for number, slide in enumerate(plan.slides, 1):
            title = next(i.paras[0].text for i in slide.items
                         if isinstance(i, TextPlan) and i.target == "title")
            for item in slide.items:
                if not isinstance(item, TextPlan) or item.target == "title":
                    continue
                boxes += 1
                if len(item.paras) > 1:
                    last = item.paras[-1]
                    assert not (last.heading or last.keep), (name, number, last.text)
                if item.paras and slide.kind == "bullets" and title.startswith("Sources"):
                    assert item.paras[0].heading, (name, number)  # sources under their title
                if item.paras:  # not the tail of a paragraph cut short
                    assert item.paras[0].gap, (name, number, item.paras[0].text)
    assert boxes > 100


def test_slides_of_a_kind_share_one_body_size(room_decks: dict[str, bytes]) -> None:
    """Every collaboration's slide sets its text at one size: the deck does not jump
    from size to size between slides of a kind."""
    from generator.render.deck_plan import TextPlan

    for name, plan in _plans():
        collaborations = {item.size for slide in plan.slides if slide.kind == "two_content"
                          for item in slide.items
                          if isinstance(item, TextPlan) and item.target == "body"}
        assert len(collaborations) == (name != "delegation-zahran"), (name, collaborations)
    # and as a reader sees it: the largest run of each collaboration slide's text column
    minister = open_deck(room_decks["minister"])
    _, edition, tmpl = next(c for c in _default_project_decks() if c[0] == "minister")
    two = _DeckWriter(edition, _open_master(tmpl)[0], tmpl).layouts["two_content"].name
    sizes = {max(_run_sizes(sh._element.find(f"{P_NS}txBody")))
             for s in minister.slides if s.slide_layout.name == two
             for sh in s.shapes if sh.is_placeholder and sh != s.shapes.title
             and sh.has_text_frame and sh.text_frame.text.strip()}
    assert len(sizes) == 1, sizes


def test_sources_are_an_appendix_in_two_columns(room_decks: dict[str, bytes]) -> None:
    """The sources of a full deck: after the recommendations, in two columns side by side
    at 12 pt or more (14, the body floor), every source once."""
    prs = open_deck(room_decks["minister"])
    titles = [title_of(s) for s in prs.slides]
    first = titles.index("Sources")
    assert titles.index("Recommendations") < first
    slides = [s for s in prs.slides if title_of(s).startswith("Sources")]
    assert len(slides) < 3
    left, right = (sh for sh in slides[0].shapes if sh.has_text_frame
                   and sh != slides[0].shapes.title and sh.name not in FURNITURE)
    assert left.top == right.top and left.left + left.width <= right.left
    for slide in slides:
        for shape in slide.shapes:
            if shape.has_text_frame and shape.name not in FURNITURE:
                assert min(_run_sizes(shape._element.find(f"{P_NS}txBody"))) >= 14
    text = "\n".join(t for s in slides for t in slide_texts(s))
    assert "Port Sallah hub annual report 2026" in text


# ---------------------------------------------------------------------------- vocabulary

QUOTED = 'the "quoted" plan, don\'t wait'


def _quoted_edition(root: Path, language: str = "en") -> Edition:
    """Straight quotes and an apostrophe in a slide title, a bullet, a table cell (a
    partner's name), speaker notes and code (which keeps them)."""
    edition = sample_edition(root, language=language)
    section = dataclasses.replace(
        edition.sections[0], title=f"Context: {QUOTED}",
        key_points=(Item(f"Say {QUOTED} and `x = \"as typed\"`.", P),), notes=QUOTED)
    partner = dataclasses.replace(edition.partners[0], name=f"Norvia ({QUOTED})")
    return dataclasses.replace(edition, sections=(section,),
                               partners=(partner, *edition.partners[1:]))


def _everything_said(prs: Any) -> tuple[list[str], list[str], list[str], list[str]]:
    """Titles, body texts, table cells and notes of a deck, as python-pptx reads them."""
    titles, bodies, cells, notes = [], [], [], []
    for slide in prs.slides:
        titles.append(title_of(slide))
        for shape in slide.shapes:
            if shape.has_text_frame and shape != slide.shapes.title:
                bodies.append(shape.text_frame.text)
            if shape.has_table:
                cells += [c.text for row in shape.table.rows for c in row.cells]
        if slide.has_notes_slide:
            notes.append(slide.notes_slide.notes_text_frame.text)
    return titles, bodies, cells, notes


@pytest.mark.parametrize(("language", "opening", "closing"),
                         [("en", "“", "”"), ("ar", "«", "»")])
def test_quotes_on_slides_are_typographic_as_in_the_brief(
        tmp_path: Path, language: str, opening: str, closing: str) -> None:
    """One vocabulary with the brief (typeset.smart_quotes): straight quotes and
    apostrophes on slides (titles, bullets, table cells, notes) become the language's
    typographic ones; code keeps what was typed."""
    from generator.render.typeset import smart_quotes

    prs = open_deck(render_deck(_quoted_edition(content_root(tmp_path), language),
                                templates()))
    want = f"the {opening}quoted{closing} plan, don’t wait"
    assert smart_quotes(QUOTED, language) == want  # the brief's rule
    titles, bodies, cells, notes = _everything_said(prs)
    for name, texts in (("title", titles), ("bullet", bodies), ("cell", cells),
                        ("notes", notes)):
        assert any(want in t for t in texts), (name, texts)
        assert not any(QUOTED in t for t in texts), (name, texts)
    assert any('`x = "as typed"`'.strip("`") in t for t in bodies)  # code as written


# ---------------------------------------------------------------------------- the plan alone

ORDER = ["Relief", "Security", "Cyber", "Humanitarian"]  # neither built-in nor a-z order


def test_render_deck_alone_gives_the_builds_deck(tmp_path: Path) -> None:
    """The plan sorts benefit categories in the Edition's declared order and cites its
    sources itself: ``render_deck(edition, templates)`` called directly (as a test or
    another executor may) gives the build's bytes, categories in the declared order and
    author-date citations printed."""
    from generator.build import build, plan
    from generator.content import load_project
    from generator.tailor import tailor

    from .projects import BRIEFING, write_project

    briefing = BRIEFING.replace(
        "key_messages:\n", "key_messages:\n  - Crossings fell by half [@smith].\n") + \
        "citations: author-date\nsources:\n  - id: smith\n    author: Smith\n" \
        "    year: 2024\n    text: Review of the coast\n" \
        "benefit_categories:\n" + "".join(f"  - id: {c.lower()}\n    label: {c}\n"
                                          for c in ORDER)
    relief = ("title: Flood relief exchange\nkind: humanitarian\npartners: [NRV]\n"
              "status: active\nsummary: Shared flood response.\nbenefits:\n"
              "  - category: humanitarian\n    text: Medical teams deployed together.\n"
              "  - category: cyber\n    text: Hardened the flood warning network.\n"
              "  - category: relief\n    text: Shelters opened within a day.\n")
    root = write_project(tmp_path, {
        "content/briefing.yaml": briefing, "content/collaborations/relief.yaml": relief,
        "templates/audiences/minister.yaml": "title: Minister\nclearance: SECRET\n"
                                             "length: full\nformats: [pptx]\n"})
    build(root, ["minister"], jobs=1)
    built = (root / "output/minister/deck.pptx").read_bytes()
    project = load_project(root)
    (job,) = plan(project, {"minister": tailor(project, "minister")}, ["pptx"])
    alone = render_deck(job.edition, job.templates)
    prs = open_deck(alone)
    texts = [" ".join(t.split()) for slide in prs.slides for t in slide_texts(slide)]
    assert any("Crossings fell by half (Smith 2024)." in t for t in texts), texts
    slide = next(s for s in prs.slides if title_of(s).endswith("Flood relief exchange"))
    shown = [p.text for shape in slide.shapes if shape.has_text_frame
             for p in shape.text_frame.paragraphs if p.text in ORDER]
    assert shown == ["Relief", "Cyber", "Humanitarian"]  # the declared order
    assert alone == built


# ---------------------------------------------------------------------------- slide fill

MIN_FILL = 0.4  # a slide but the last of its group is at least this full


def test_on_a_small_master_no_slide_is_left_half_empty(tmp_path: Path) -> None:
    """On a 4:3 master, a collaboration whose text is a little too long for its column
    beside the metrics is not set over two slides each about half full: its text takes
    one slide across, its metrics table whole under it (or on a slide of its own), not
    overlapping. Every slide of the default
    project's decks but the last of its group (a title and its continuations) is at
    least 40 % full, as the plan measures it (its tallest text or table over the room
    it has); nothing is left out."""
    from generator.render.deck_plan import (
        BODY_SIZES,
        WORDS_PER_SLIDE,
        TablePlan,
        TextPlan,
        _overlap,
    )

    tmpl = templates(str(corporate_master(tmp_path)), tmp_path)
    checked = 0
    for name, edition, _ in _default_project_decks():
        prs, _ = _open_master(tmpl)
        writer = _DeckWriter(edition, prs, tmpl)
        assert writer.prs.slide_width * 3 == writer.prs.slide_height * 4  # 4:3
        planner = _Planner(edition, writer.geometry())
        planner.plan()
        titles = [next(i.paras[0].text for i in s.items
                       if isinstance(i, TextPlan) and i.target == "title")
                  for s in planner.slides]
        continued, metrics = edition.label("continued"), f" — {edition.label('metrics')}"
        for collab in edition.collaborations:
            title = planner.content.collaboration_title(collab)
            group = [s for s, t in zip(planner.slides, titles, strict=True)
                     if t == title or t.startswith((f"{title} {continued}",
                                                    f"{title}{metrics}"))]
            across = planner.body_fit.fit(planner.content.collaboration(collab),
                                          planner._text_box("bullets", title), BODY_SIZES,
                                          max_words=WORDS_PER_SLIDE)[1]
            if len(across) == 1:  # text that fits one slide is not continued
                assert f"{title} {continued}" not in titles, (name, title)
            if collab.metrics:  # its metrics are on one of its slides
                assert any(not isinstance(i, TextPlan) for s in group for i in s.items), \
                    (name, title)
            for slide in group:  # a table under the text does not overlap it
                tables = [i.rect for i in slide.items if isinstance(i, TablePlan)]
                texts = [i.rect for i in slide.items if isinstance(i, TextPlan)
                         and i.target != "title" and i.rect is not None]
                assert not any(_overlap(a, b) for a in tables for b in texts), (name, title)
            checked += 1
        groups: dict[str, list[Any]] = {}
        for slide, title in zip(planner.slides, titles, strict=True):
            base = title.split(f" {continued}")[0].split(metrics)[0]
            groups.setdefault(base, []).append(slide)
        for base, slides in groups.items():
            for n, slide in enumerate(slides[:-1], 1):
                assert slide.fill >= MIN_FILL, (name, base, n, round(slide.fill, 2))
    assert checked >= 10
