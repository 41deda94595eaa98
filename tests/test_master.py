"""The default PowerPoint master and ``check_master``: what a designer and ``briefgen
check`` see."""

from __future__ import annotations

import dataclasses
import html
import importlib.util
import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from lxml import etree
from PIL import Image
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE, MSO_SHAPE_TYPE, PP_PLACEHOLDER
from pptx.opc.constants import RELATIONSHIP_TYPE as RT

from generator.edition import Item
from generator.errors import RenderError, TemplateError
from generator.master import check_master
from generator.render.deck import render_deck
from generator.templates import SLIDE_KINDS, TemplateSet, builtin_templates

from .conftest import libreoffice, require_tool
from .factories import P, sample_edition
from .projects import write_project

DECK = builtin_templates() / "deck"
MASTER = DECK / "master.pptx"
LAYOUTS = ("Title", "Agenda", "Section", "Bullets", "Two Content", "Table", "Chart",
           "Key Message", "Closing")


def make_master() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_master", DECK / "make_master.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def layout_named(prs: Any, name: str) -> Any:
    layout = prs.slide_layouts.get_by_name(name)
    assert layout is not None, name
    return layout


def project_master(tmp_path: Path, prs: object) -> TemplateSet:
    path = tmp_path / "templates" / "deck" / "master.pptx"
    path.parent.mkdir(parents=True, exist_ok=True)
    prs.save(str(path))  # type: ignore[attr-defined]
    return TemplateSet((), str(path), (), str(tmp_path))


def test_master_is_generated_reproducibly_by_its_script() -> None:
    assert make_master().build() == MASTER.read_bytes(), \
        "master.pptx is stale: run python generator/templates/deck/make_master.py"


def test_master_is_16_9_with_the_named_layouts_and_no_slides() -> None:
    prs = Presentation(str(MASTER))
    assert (prs.slide_width, prs.slide_height) == (12192000, 6858000)
    assert len(prs.slides) == 0
    assert [layout.name for layout in prs.slide_layouts] == list(LAYOUTS)
    assert check_master(TemplateSet((), str(MASTER), (), "")) == []


def test_each_layout_has_the_placeholders_its_slides_need() -> None:
    prs: Any = Presentation(str(MASTER))
    titles = (PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE)
    bodies = (PP_PLACEHOLDER.BODY, PP_PLACEHOLDER.OBJECT, PP_PLACEHOLDER.SUBTITLE)
    for layout in prs.slide_layouts:
        types = [ph.placeholder_format.type for ph in layout.placeholders]
        assert any(t in titles for t in types), layout.name
        needed = {"Two Content": 2, "Agenda": 1, "Bullets": 1, "Key Message": 1,
                  "Title": 1, "Section": 1, "Closing": 1}.get(layout.name, 0)
        assert sum(t in bodies for t in types) == needed, layout.name
        footers = (PP_PLACEHOLDER.DATE, PP_PLACEHOLDER.FOOTER, PP_PLACEHOLDER.SLIDE_NUMBER)
        assert not any(t in footers for t in types), layout.name


def test_layouts_leave_the_banner_bands_free_and_stay_on_the_slide() -> None:
    prs: Any = Presentation(str(MASTER))
    band = 365760  # 0.4 in
    height, width = prs.slide_height, prs.slide_width
    for layout in [prs.slide_master, *prs.slide_layouts]:
        for shape in layout.shapes:
            assert shape.left >= 0 and shape.left + shape.width <= width, shape.name
            assert shape.top >= band and shape.top + shape.height <= height - band, \
                (getattr(layout, "name", "master"), shape.name)


def test_theme_uses_fonts_every_powerpoint_has() -> None:
    with zipfile.ZipFile(MASTER) as archive:
        theme = archive.read("ppt/theme/theme1.xml").decode()
    assert theme.count('<a:latin typeface="Calibri"/>') == 2
    assert theme.count('<a:cs typeface="Arial"/>') == 2
    assert '<a:font script="Arab" typeface="Arial"/>' in theme
    assert 'name="briefgen"' in theme


def test_master_carries_no_sample_text_or_stray_parts() -> None:
    with zipfile.ZipFile(MASTER) as archive:
        names = archive.namelist()
        for name in names:
            if name.startswith(("ppt/slideLayouts/", "ppt/slideMasters/",
                                "ppt/notesMasters/")) and name.endswith(".xml"):
                assert b"<a:t>" not in archive.read(name), name
        core = archive.read("docProps/core.xml")
    assert not [n for n in names if "thumbnail" in n or "printerSettings" in n]
    assert b"python-pptx" not in core and b"Steve" not in core


# ---------------------------------------------------------------------------- check_master


def test_standard_master_checks_clean(tmp_path: Path) -> None:
    assert check_master(project_master(tmp_path, Presentation())) == []


def test_missing_layout_is_reported_with_file_and_candidates(tmp_path: Path) -> None:
    prs = Presentation()
    # Neither a layout of the names nor one with a title and two bodies or more
    for name in ("Two Content", "Comparison", "Content with Caption"):
        prs.slide_layouts.remove(layout_named(prs, name))
    problems = check_master(project_master(tmp_path, prs))
    assert [p.format() for p in problems] == [
        "templates/deck/master.pptx: error: no layout for two content slides: the master "
        "has none of 'Two Content', 'Title, 2 Content' (its layouts are 'Blank', "
        "'Picture with Caption', 'Section Header', "
        "'Title Only', 'Title Slide', "
        "'Title and Content', 'Title and Vertical Text', 'Vertical Title and Text'; rename "
        "one, or name one in templates/deck/layouts.yaml)"]


def test_a_layout_of_the_right_placeholders_serves_when_none_has_the_name(
        tmp_path: Path) -> None:
    """Without "Two Content", the first layout with a title and exactly two bodies
    (PowerPoint's Content with Caption) serves two-content slides, before one with more
    (Comparison), with a warning saying so; the deck is built on it."""
    prs = Presentation()
    prs.slide_layouts.remove(layout_named(prs, "Two Content"))
    templates = project_master(tmp_path, prs)
    assert [p.format() for p in check_master(templates)] == [
        "templates/deck/master.pptx: warning: two content slides use layout "
        "'Content with Caption', chosen by its placeholders (a title and 2 bodies): no "
        "layout is named "
        "'Two Content' or 'Title, 2 Content' (rename a layout, or name one in "
        "templates/deck/layouts.yaml)"]
    deck = Presentation(io.BytesIO(render_deck(sample_edition(tmp_path), templates)))
    assert "Content with Caption" in {slide.slide_layout.name for slide in deck.slides}


def test_a_master_changed_in_place_is_checked_again(tmp_path: Path) -> None:
    """Check results are kept per process for the file's contents: the same path with
    other contents (a designer saving over it) is checked afresh, either way round."""
    templates = project_master(tmp_path, Presentation())
    assert check_master(templates) == []
    broken = Presentation()
    for name in ("Two Content", "Comparison", "Content with Caption"):
        broken.slide_layouts.remove(layout_named(broken, name))
    project_master(tmp_path, broken)
    assert [p.severity for p in check_master(templates)] == ["error"]
    project_master(tmp_path, Presentation())
    assert check_master(templates) == []


def test_missing_title_and_body_placeholders_are_reported(tmp_path: Path) -> None:
    prs = Presentation()
    only = layout_named(prs, "Title Only")
    only.placeholders[0]._element.getparent().remove(only.placeholders[0]._element)
    content = layout_named(prs, "Title and Content")
    body = next(ph for ph in content.placeholders if ph.placeholder_format.idx == 1)
    body._element.getparent().remove(body._element)
    messages = [p.message for p in check_master(project_master(tmp_path, prs))]
    assert "layout 'Title Only' has no title placeholder" in messages
    assert "layout 'Title and Content' has no body placeholder" in messages


def test_layouts_yaml_names_a_layout_of_the_masters_choosing(tmp_path: Path) -> None:
    templates = project_master(tmp_path, Presentation())
    chosen = TemplateSet((), templates.master, (("bullets", "Comparison"),), str(tmp_path))
    assert check_master(chosen) == []
    missing = TemplateSet((), templates.master, (("chart", "Graph"),), str(tmp_path))
    [problem] = check_master(missing)
    assert "no layout for chart slides: the master has none of 'Graph'" in problem.message


def test_fixed_text_in_a_layout_is_a_warning(tmp_path: Path) -> None:
    prs = Presentation()
    layout = layout_named(prs, "Title Only")
    box = layout.shapes._spTree.add_textbox(99, "Stamp", 0, 0, 100, 100)
    box.get_or_add_txBody().p_lst[0].add_r().text = "COMPANY SECRET"
    [problem] = check_master(project_master(tmp_path, prs))
    assert problem.severity == "warning"
    assert "'COMPANY SECRET'" in problem.message


def test_unreadable_master_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "templates" / "deck" / "master.pptx"
    path.parent.mkdir(parents=True)
    path.write_text("not a zip")
    [problem] = check_master(TemplateSet((), str(path), (), str(tmp_path)))
    assert problem.file == "templates/deck/master.pptx"
    assert problem.message.startswith("not a readable PowerPoint file")


@pytest.mark.parametrize("kind", sorted(SLIDE_KINDS))
def test_every_slide_kind_finds_a_layout_in_the_default_master(kind: str) -> None:
    names = [layout.name for layout in Presentation(str(MASTER)).slide_layouts]
    candidates = TemplateSet((), str(MASTER)).layout_candidates(kind)
    assert candidates[0] in names


# ------------------------------------------------------- placeholders that share an idx


P_NS = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
R_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
A_NS = "{http://schemas.openxmlformats.org/drawingml/2006/main}"


def placeholder_rects(slide: Any) -> dict[str, tuple[int, int, int, int]]:
    """Each placeholder of a built slide by type: (left, top, right, bottom), as
    python-pptx reads it (its own geometry, else the layout's of its idx)."""
    found = {}
    for shape in slide.placeholders:
        kind = str(shape.placeholder_format.type).split()[0].replace("CENTER_TITLE", "TITLE")
        found[kind] = (shape.left, shape.top, shape.left + shape.width,
                                       shape.top + shape.height)
    return found


def cover_deck(master: Path, root: Path) -> Any:
    data = render_deck(sample_edition(), TemplateSet((), str(master), (), str(root)))
    return Presentation(io.BytesIO(data))


@pytest.fixture(scope="module")
def saved_by_impress(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The default master ("master") and Impress's own templates ("Focus" …) as LibreOffice
    Impress saves them as PowerPoint files: one run for all (its start is most of the
    time), a fresh profile."""
    shipped = Path(require_tool("soffice")).resolve().parent.parent / "share" / "template" \
        / "common" / "presnt"
    sources = {"master": MASTER, **{name: shipped / f"{name}.otp"
                                    for name in LIBREOFFICE_TEMPLATES}}
    for source in sources.values():
        assert source.is_file(), f"{source.name} is not installed"
    return libreoffice(sources, tmp_path_factory.mktemp("impress"), to="pptx")


@pytest.fixture(scope="module")
def libreoffice_master(saved_by_impress: dict[str, Path],
                       tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default master opened and saved again by LibreOffice Impress: its layouts
    are LibreOffice's, whose title and subtitle placeholders carry no idx (both 0)."""
    tmp = tmp_path_factory.mktemp("lo-master")
    target = tmp / "templates" / "deck" / "master.pptx"
    target.parent.mkdir(parents=True)
    shutil.copyfile(saved_by_impress["master"], target)
    return target


def test_libreoffice_master_checks_with_a_warning_and_its_cover_is_laid_out_apart(
        libreoffice_master: Path, tmp_path: Path) -> None:
    """A master saved from LibreOffice needs no layouts.yaml (its layout names are
    candidates); check warns that title and subtitle share idx 0; the deck's cover puts
    the subtitle below the title, as python-pptx and LibreOffice both read it."""
    root = libreoffice_master.parents[2]
    problems = check_master(TemplateSet((), str(libreoffice_master), (), str(root)))
    assert {p.severity for p in problems} == {"warning"}
    assert ("templates/deck/master.pptx: warning: layout 'Title Slide': placeholders "
            "'PlaceHolder 1' and 'PlaceHolder 2' share idx 0") in [
                p.format().split(" (")[0] for p in problems]
    prs = cover_deck(libreoffice_master, root)
    rects = placeholder_rects(prs.slides[0])
    assert rects["SUBTITLE"][1] >= rects["TITLE"][3], rects
    idxs = [ph.placeholder_format.idx for ph in prs.slides[0].placeholders]
    assert len(idxs) == len(set(idxs))
    # What a presenter sees: LibreOffice's rendering of the cover, title above subtitle.
    deck = tmp_path / "rendered.pptx"
    deck.write_bytes(render_deck(sample_edition(),
                                 TemplateSet((), str(libreoffice_master), (), str(root))))
    words = cover_words(libreoffice({"deck": deck}, tmp_path)["deck"])
    title_bottom = max(y_max for word, _, y_max in words if word in ("Benefits", "cross-border"))
    subtitle_top = min(y_min for word, y_min, _ in words if word in ("Annual", "review"))
    assert subtitle_top >= title_bottom, words


def cover_words(pdf: Path) -> list[tuple[str, float, float]]:
    """(word, yMin, yMax) of each word on the PDF's first page (pdftotext -bbox)."""
    tool = require_tool("pdftotext")
    out = subprocess.run([tool, "-f", "1", "-l", "1", "-bbox", str(pdf), "-"],
                         check=True, capture_output=True, text=True).stdout
    found = re.findall(
        r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>',
        out)
    return [(html.unescape(word), float(y_min), float(y_max)) for y_min, y_max, word in found]


def test_placeholders_sharing_an_idx_are_reported_and_given_their_own(tmp_path: Path) -> None:
    """A master edited so that the subtitle has the title's idx (as LibreOffice saves
    it): check warns, and the deck's subtitle does not inherit the title's place."""
    prs = Presentation()
    layout = layout_named(prs, "Title Slide")
    subtitle = next(ph for ph in layout.placeholders if ph.placeholder_format.idx == 1)
    subtitle._element.find(f".//{P_NS}ph").set("idx", "0")
    templates = project_master(tmp_path, prs)
    [problem] = check_master(templates)
    assert problem.severity == "warning"
    assert problem.message == ("layout 'Title Slide': placeholders 'Title 1' and "
                               "'Subtitle 2' share idx 0")
    rects = placeholder_rects(cover_deck(Path(templates.master), tmp_path).slides[0])
    assert rects["SUBTITLE"][1] >= rects["TITLE"][3], rects


def test_overlapping_placeholders_are_reported_and_the_cover_keeps_them_apart(
        tmp_path: Path) -> None:
    """A master made with python-pptx whose subtitle box sits on its title box."""
    prs = Presentation()
    layout = layout_named(prs, "Title Slide")
    title, subtitle = layout.placeholders[0], layout.placeholders[1]
    subtitle.left, subtitle.top = title.left, title.top + title.height // 2
    subtitle.width, subtitle.height = title.width, title.height
    templates = project_master(tmp_path, prs)
    [problem] = check_master(templates)
    assert (problem.severity, problem.message) == (
        "warning", "layout 'Title Slide': placeholders 'Title 1' and 'Subtitle 2' overlap")
    rects = placeholder_rects(cover_deck(Path(templates.master), tmp_path).slides[0])
    assert rects["SUBTITLE"][1] >= rects["TITLE"][3], rects
    assert rects["SUBTITLE"][3] > rects["SUBTITLE"][1]


def test_check_and_build_report_a_master_problem_in_the_same_words(tmp_path: Path) -> None:
    """`briefgen check` and `briefgen build` read the master through one code path:
    the same diagnostic, and the build writes nothing."""
    root = write_project(tmp_path / "p", {
        "templates/audiences/minister.yaml":
            "title: M\nclearance: SECRET\nformats: [pptx]\n",
        "templates/audiences/norvia.yaml": None})
    prs = Presentation()
    for name in ("Two Content", "Comparison", "Content with Caption"):
        prs.slide_layouts.remove(layout_named(prs, name))
    (root / "templates/deck").mkdir(parents=True)
    prs.save(str(root / "templates/deck/master.pptx"))
    expected = ("templates/deck/master.pptx: error: no layout for two content slides: the "
                "master has none of 'Two Content', 'Title, 2 Content'")
    checked = run_cli("check", str(root))
    built = run_cli("build", str(root), "-o", str(tmp_path / "out"))
    assert checked.returncode == built.returncode == 1
    assert expected in checked.stderr and expected in built.stderr
    assert "Traceback" not in checked.stderr + built.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.pptx"))


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "generator.cli", *args], capture_output=True,
                          text=True, timeout=300)


# ---------------------------------------------------------------------------- bounds

GB = 1024 ** 3


def with_members(master: Path, target: Path, add: dict[str, bytes],
                 declared: dict[str, int] | None = None) -> Path:
    """A copy of ``master`` with members added and the inflated sizes its central
    directory declares changed: a zip bomb's header without its gigabytes. (zipfile
    rewrites the central directory on close when told it changed.)"""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(master.read_bytes())
    with zipfile.ZipFile(target, "a") as archive:
        for name, data in add.items():
            archive.writestr(name, data, zipfile.ZIP_DEFLATED)
        for info in archive.filelist:
            if declared and info.filename in declared:
                info.file_size = declared[info.filename]
        archive._didModify = True  # write the central directory with the sizes above
    return target


def master_problems(tmp_path: Path, master: Path) -> list[str]:
    return [p.format() for p in check_master(TemplateSet((), str(master), (), str(tmp_path)))]


def project_with_master(tmp_path: Path) -> Path:
    return write_project(tmp_path / "p", {
        "templates/audiences/minister.yaml": "title: M\nclearance: SECRET\nformats: [pptx]\n",
        "templates/audiences/norvia.yaml": None})


def test_a_referenced_part_declared_to_inflate_to_1_5_gb_is_refused_by_check_and_build(
        tmp_path: Path) -> None:
    root = project_with_master(tmp_path)
    with_members(MASTER, root / "templates/deck/master.pptx", {},
                 {"ppt/slideLayouts/slideLayout1.xml": 3 * GB // 2})
    expected = ("templates/deck/master.pptx: error: part ppt/slideLayouts/slideLayout1.xml "
                "inflates to 1.5 GB, more than the 100 MB one part may hold")
    checked = run_cli("check", str(root))
    built = run_cli("build", str(root), "-o", str(tmp_path / "out"))
    assert checked.returncode == built.returncode == 1
    assert expected in checked.stderr and expected in built.stderr, built.stderr
    assert "Traceback" not in checked.stderr + built.stderr
    assert not any((tmp_path / "out").rglob("*.pptx"))


def test_an_unreferenced_5_gb_member_is_refused_unread(tmp_path: Path) -> None:
    """Its header says 5 GB; it holds 100 bytes. Had anything inflated it, the reader
    would have found the data short (a damaged part), not the declared size."""
    master = with_members(MASTER, tmp_path / "templates/deck/master.pptx",
                          {"ppt/media/huge.bin": b"x" * 100}, {"ppt/media/huge.bin": 5 * GB})
    assert master_problems(tmp_path, master) == [
        "templates/deck/master.pptx: error: part ppt/media/huge.bin inflates to 5 GB, more "
        "than the 100 MB one part may hold (remove large pictures or media from the master, "
        "or save it again; or raise limits.master_part_bytes (104,857,600) in "
        "content/briefing.yaml)"]


def test_parts_that_together_inflate_beyond_the_total_are_refused(tmp_path: Path) -> None:
    names = {f"ppt/media/part{i}.bin": 90 * 1024 * 1024 for i in range(3)}
    master = with_members(MASTER, tmp_path / "templates/deck/master.pptx",
                          dict.fromkeys(names, b"x"), names)
    # (each also inflates too many times: its header lies about 1 byte)
    assert ("templates/deck/master.pptx: error: the master's parts inflate to 270.1 MB "
            "together, more than the 200 MB a master may hold (remove large pictures or "
            "media from the master, or save it again; or raise limits.master_bytes "
            "(209,715,200) in content/briefing.yaml)") in master_problems(tmp_path, master)


def test_too_many_members_are_refused(tmp_path: Path) -> None:
    master = with_members(MASTER, tmp_path / "templates/deck/master.pptx",
                          {f"ppt/media/m{i}.bin": b"" for i in range(2000)})
    [problem] = master_problems(tmp_path, master)
    assert "the master has 2033 parts, more than the 2000 a master may have" in problem


def test_the_project_limits_bound_the_master(tmp_path: Path) -> None:
    """`limits:` in briefing.yaml sets the master's bounds, in check as in build: a master
    of 2,033 parts passes with `master_members: 3000`, and a default master is refused
    under `master_members: 10`."""
    root = project_with_master(tmp_path)
    briefing = root / "content/briefing.yaml"
    plain = briefing.read_text("utf-8")
    with_members(MASTER, root / "templates/deck/master.pptx",
                 {f"ppt/media/m{i}.bin": b"" for i in range(2000)})
    briefing.write_text(plain + "limits: {master_members: 3000}\n", "utf-8")
    assert run_cli("check", str(root)).returncode == 0
    briefing.write_text(plain + "limits: {master_members: 10}\n", "utf-8")
    checked = run_cli("check", str(root))
    built = run_cli("build", str(root), "-o", str(tmp_path / "out"))
    assert checked.returncode == built.returncode == 1
    expected = ("templates/deck/master.pptx: error: the master has 2033 parts, more than "
                "the 10 a master may have")
    assert expected in checked.stderr and expected in built.stderr, built.stderr
    assert "limits.master_members (10)" in checked.stderr


def test_a_member_that_inflates_too_many_times_is_refused(tmp_path: Path) -> None:
    """2 MB of zeros deflate to about 2 KB: a thousand times, where XML is 5-20."""
    master = with_members(MASTER, tmp_path / "templates/deck/master.pptx",
                          {"ppt/media/zeros.bin": bytes(2 * 1024 * 1024)})
    [problem] = master_problems(tmp_path, master)
    assert re.search(r"part ppt/media/zeros\.bin inflates \d{3,} times \(to 2 MB\), more "
                     r"than the 100 times a part may", problem), problem


def test_a_member_longer_than_its_header_says_is_a_damaged_master(tmp_path: Path) -> None:
    """Python's zip reader stops at the declared size: what lies beyond is never
    inflated, and the master is reported as damaged rather than read."""
    master = with_members(MASTER, tmp_path / "templates/deck/master.pptx",
                          {"ppt/media/long.bin": b"y" * 5000}, {"ppt/media/long.bin": 10})
    assert master_problems(tmp_path, master) == [
        "templates/deck/master.pptx: error: not a readable PowerPoint file: its part "
        "ppt/media/long.bin is damaged (save it again from PowerPoint or LibreOffice as "
        ".pptx)"]
    with pytest.raises(TemplateError):
        render_deck(sample_edition(), TemplateSet((), str(master), (), str(tmp_path)))


def test_a_master_that_is_not_a_regular_file_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "templates/deck/master.pptx"
    fifo.parent.mkdir(parents=True)
    os.mkfifo(fifo)
    assert master_problems(tmp_path, fifo) == [
        "templates/deck/master.pptx: error: the master is not a regular file (put a .pptx "
        "file there)"]


def huge_png(width: int, height: int) -> bytes:
    """A 4 × 4 PNG whose header says ``width`` × ``height`` (decoding it would need
    gigabytes; reading its header, nothing)."""
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "#0b3d2e").save(out, "PNG")
    data = bytearray(out.getvalue())
    struct.pack_into(">II", data, 16, width, height)  # IHDR's width and height
    struct.pack_into(">I", data, 29, zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def logo_edition(tmp_path: Path, name: str, data: bytes) -> Any:
    logo = tmp_path / "content" / "images" / name
    logo.parent.mkdir(parents=True, exist_ok=True)
    logo.write_bytes(data)
    edition = sample_edition(tmp_path / "content")
    theme = dataclasses.replace(edition.audience.theme, logo=str(logo))
    return dataclasses.replace(edition, audience=dataclasses.replace(edition.audience,
                                                                     theme=theme))


def test_a_40000_pixel_square_logo_is_a_clean_error(tmp_path: Path) -> None:
    edition = logo_edition(tmp_path, "logo.png", huge_png(40000, 40000))
    with pytest.raises(RenderError) as error:
        render_deck(edition, TemplateSet((), str(MASTER)))
    [problem] = error.value.diagnostics
    assert problem.file == "content/images/logo.png"
    assert problem.message == ("the logo cannot go into a deck: it has more than the "
                               "50,000,000 pixels a picture may have")
    edition = logo_edition(tmp_path, "wide.png", huge_png(12000, 5000))
    with pytest.raises(RenderError) as error:
        render_deck(edition, TemplateSet((), str(MASTER)))
    assert error.value.diagnostics[0].format() == (
        "content/images/wide.png: error: the logo cannot go into a deck: it is 12000 × "
        "5000 pixels, more than the 50,000,000 pixels a picture may have (save it smaller)")


def test_an_svg_logo_drawn_too_large_is_refused_before_drawing(tmp_path: Path) -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="400in" height="400in"/>'
    edition = logo_edition(tmp_path, "logo.svg", svg)
    with pytest.raises(RenderError) as error:
        render_deck(edition, TemplateSet((), str(MASTER)))
    assert error.value.diagnostics[0].format() == (
        "content/images/logo.svg: error: the logo would be drawn 120000 × 120000 pixels, "
        "more than the 50,000,000 pixels a picture may have (give the SVG a width and "
        "height of a few inches)")


def test_a_picture_in_the_master_too_large_to_decode_is_refused(tmp_path: Path) -> None:
    prs: Any = Presentation()
    layout = layout_named(prs, "Title Only")
    picture_on_layout(prs, layout, tmp_path)
    saved = tmp_path / "saved.pptx"
    prs.save(str(saved))
    master = replace_members(saved, tmp_path / "templates/deck/master.pptx",
                             {"ppt/media/image1.png": huge_png(9000, 9000)})
    [problem] = master_problems(tmp_path, master)
    assert problem.startswith("templates/deck/master.pptx: error: picture ppt/media/image1.png "
                              "cannot go into a deck: it is 9000 × 9000 pixels")


def picture_on_layout(prs: Any, layout: Any, tmp_path: Path) -> Any:
    """A small picture on ``layout`` (python-pptx adds pictures to slides only: one is
    made on a slide and moved), returned as its ``p:pic`` element."""
    png = tmp_path / "small.png"
    Image.new("RGB", (8, 8), "#c8a951").save(png)
    slide = prs.slides.add_slide(layout)
    picture = slide.shapes.add_picture(str(png), 0, 0)
    blip = picture._element.blipFill.blip
    image_part = slide.part.related_part(blip.rEmbed)
    blip.set(f"{R_NS}embed", layout.part.relate_to(image_part, RT.IMAGE))
    layout.shapes._spTree.append(picture._element)
    return picture._element


def replace_members(source: Path, target: Path, members: dict[str, bytes]) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            new.writestr(info.filename, members.get(info.filename, old.read(info.filename)),
                         zipfile.ZIP_DEFLATED)
    return target


# ---------------------------------------------------------------------------- links

WATERMARK = "http://example.org/watermark.png"
INTRANET = "http://intranet.example.org/"
CONTENT_LINK = "https://example.org/report"


def external_links_master(tmp_path: Path) -> Path:
    """python-pptx's default master with a picture on the 'Title Only' layout linked to
    an outside address (not embedded) and a shape on the slide master whose click
    opens an outside address."""
    prs: Any = Presentation()
    layout = layout_named(prs, "Title Only")
    blip = picture_on_layout(prs, layout, tmp_path).find(f".//{A_NS}blip")
    del blip.attrib[f"{R_NS}embed"]
    blip.set(f"{R_NS}link", layout.part.relate_to(WATERMARK, RT.IMAGE, is_external=True))
    box = prs.slides[0].shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, 0, 91440, 91440)
    box.name = "Intranet button"
    rid = prs.slide_master.part.relate_to(INTRANET, RT.HYPERLINK, is_external=True)
    box._element.find(f".//{P_NS}cNvPr").append(
        etree.Element(f"{A_NS}hlinkClick", {f"{R_NS}id": rid}))
    prs.slide_master.shapes._spTree.append(box._element)
    path = tmp_path / "templates" / "deck" / "master.pptx"
    path.parent.mkdir(parents=True, exist_ok=True)
    prs.save(str(path))
    return path


def test_external_links_of_a_master_are_reported_and_never_reach_a_deck(
        tmp_path: Path) -> None:
    """Every `.rels` part of the deck has no outside address but the links the content
    itself makes (which the Edition carries); the linked picture is gone, the shape that
    had a hyperlink stays without it."""
    master = external_links_master(tmp_path)
    templates = TemplateSet((), str(master), (), str(tmp_path))
    warnings = check_master(templates)
    assert [(p.severity, p.message) for p in warnings] == [
        ("warning", "ppt/slideLayouts/slideLayout6.xml links to an outside address (image "
                    f"'{WATERMARK}'): it is left out of every deck"),
        ("warning", "ppt/slideMasters/slideMaster1.xml links to an outside address "
                    f"(hyperlink '{INTRANET}'): it is left out of every deck")]
    edition = sample_edition()
    section = dataclasses.replace(edition.sections[0], key_points=(
        Item(f"See [the report]({CONTENT_LINK}).", P),))
    deck = render_deck(dataclasses.replace(edition, sections=(section,)), templates)
    external: set[str] = set()
    with zipfile.ZipFile(io.BytesIO(deck)) as archive:
        for name in archive.namelist():
            data = archive.read(name)
            assert WATERMARK.encode() not in data and INTRANET.encode() not in data, name
            if name.endswith(".rels"):
                rels = etree.fromstring(data)
                external |= {rel.get("Target") for rel in rels
                             if rel.get("TargetMode") == "External"}
                if "/slideLayouts/" in name or "/slideMasters/" in name:
                    assert b'TargetMode="External"' not in data, name
    assert external == {CONTENT_LINK}
    prs: Any = Presentation(io.BytesIO(deck))
    master_shapes = {s.name: s for s in prs.slide_master.shapes}
    assert master_shapes["Intranet button"]._element.find(f".//{A_NS}hlinkClick") is None
    used = {slide.slide_layout.name: slide.slide_layout for slide in prs.slides}
    assert not [s for s in used["Title Only"].shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]


def test_a_master_linked_from_outside_the_project_is_refused(tmp_path: Path) -> None:
    """`templates/deck/master.pptx -> /elsewhere/master.pptx`: named as the project names
    it, and not read."""
    elsewhere = tmp_path / "elsewhere" / "master.pptx"
    elsewhere.parent.mkdir()
    Presentation().save(str(elsewhere))
    root = tmp_path / "project"
    link = root / "templates" / "deck" / "master.pptx"
    link.parent.mkdir(parents=True)
    link.symlink_to(elsewhere)
    assert master_problems(root, link) == [
        "templates/deck/master.pptx: error: the master is a link to a file outside the "
        "project (copy the file into the project instead of linking to it)"]
    inside = root / "templates" / "audiences" / "press" / "deck" / "master.pptx"
    inside.parent.mkdir(parents=True)
    inside.symlink_to(link.parent / "real.pptx")
    Presentation().save(str(link.parent / "real.pptx"))
    assert master_problems(root, inside) == []


LAYOUT_PIECES = ['<p:ph type="title"/>', '<p:ph/>', 'idx="', '"', "99999999999999999999",
                 "-1", "abc", "<", ">", "/>", "<a:xfrm>", "</p:spTree>", " ", "x",
                 '<a:off x="1" y="1"/>', "&amp;", "&bogus;"]


@settings(max_examples=25, deadline=None)
@given(layout=st.integers(1, 9), start=st.floats(0, 1), length=st.integers(0, 400),
       insert=st.lists(st.sampled_from(LAYOUT_PIECES), max_size=6))
@example(layout=8, start=0.109375, length=1, insert=[])  # the p: namespace URI cut short
def test_a_damaged_layout_is_a_diagnostic_never_a_traceback(
        layout: int, start: float, length: int, insert: list[str]) -> None:
    """A layout's XML cut and spliced at random: `check` gives diagnostics (it never
    raises) and the deck is built or refused with an error of briefgen's."""
    import tempfile

    name = f"ppt/slideLayouts/slideLayout{layout}.xml"
    with zipfile.ZipFile(MASTER) as archive:
        xml = archive.read(name).decode("utf-8")
    at = int(start * len(xml))
    spliced = xml[:at] + "".join(insert) + xml[at + length:]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        master = replace_members(MASTER, root / "templates/deck/master.pptx",
                                 {name: spliced.encode("utf-8")})
        templates = TemplateSet((), str(master), (), str(root))
        problems = check_master(templates)
        assert all(p.file == "templates/deck/master.pptx" for p in problems)
        try:
            render_deck(sample_edition(), templates)
        except (TemplateError, RenderError) as error:
            assert error.diagnostics
            assert [d for d in problems if d.severity == "error"] or \
                "not a readable PowerPoint file" in str(error), (problems, str(error))


# ---------------------------------------------------------------------------- other masters

LIBREOFFICE_TEMPLATES = ("Focus", "Blue_Curve", "Grey_Elegant", "Beehive")


def _renamed_layouts(source: Path, target: Path) -> None:
    """``source`` with every layout renamed ``Layout N``: a master whose names say
    nothing (as Google Slides' and Keynote's exports, or a designer's own, do)."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            found = re.fullmatch(r"ppt/slideLayouts/slideLayout(\d+)\.xml", info.filename)
            if found:
                data = re.sub(rb'(<p:cSld[^>]*?name=")[^"]*"',
                              b"\\g<1>Layout " + found.group(1).encode() + b'"', data)
            zout.writestr(info, data)


@pytest.fixture(scope="module")
def foreign_masters(saved_by_impress: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
                    ) -> dict[str, Path]:
    """LibreOffice Impress's templates saved as PowerPoint by LibreOffice, pandoc's
    reference deck, and two of them with their layouts renamed."""
    pandoc = require_tool("pandoc")
    tmp = tmp_path_factory.mktemp("foreign")
    masters = {name: tmp / f"{name}.pptx" for name in LIBREOFFICE_TEMPLATES}
    for name, path in masters.items():
        shutil.copyfile(saved_by_impress[name], path)
    masters["pandoc"] = tmp / "pandoc.pptx"
    subprocess.run([pandoc, "-o", str(masters["pandoc"]), "--print-default-data-file",
                    "reference.pptx"], check=True, capture_output=True, timeout=120)
    for name in ("Focus", "pandoc"):
        masters[f"{name} renamed"] = tmp / f"{name}-renamed.pptx"
        _renamed_layouts(masters[name], masters[f"{name} renamed"])
    for name, path in masters.items():
        assert path.is_file(), f"no {name} master was made"
    return masters


def test_other_masters_build_with_banners_on_every_slide_and_nothing_off_a_slide(
        foreign_masters: dict[str, Path], tmp_path: Path) -> None:
    from generator.verify import check_deck

    edition = sample_edition(tmp_path)
    for name, path in foreign_masters.items():
        templates = TemplateSet((), str(path), (), str(path.parent))
        assert [d for d in check_master(templates) if d.severity == "error"] == [], name
        data = render_deck(edition, templates)
        assert check_deck(data, edition, "deck.pptx") == [], name  # the release gate
        prs = Presentation(io.BytesIO(data))
        assert len(prs.slides) >= 10, name
        for number, slide in enumerate(prs.slides, 1):
            banners = sorted(s.top for s in slide.shapes
                             if s.has_text_frame and s.text_frame.text == edition.banner)
            assert len(banners) == 2 and banners[0] == 0, (name, number)
            for shape in slide.shapes:
                assert shape.left >= 0 and shape.top >= 0, (name, number, shape.name)
                assert shape.left + shape.width <= prs.slide_width, (name, number, shape.name)
                assert shape.top + shape.height <= prs.slide_height, (name, number, shape.name)
        # The closing slide's text takes the colour its layout gives (dark or light
        # ground): no run of its body sets a colour of its own.
        closing = [slide for slide in prs.slides if slide.shapes.title is not None
                   and slide.shapes.title.text_frame.text.startswith("Questions")]
        assert closing, name
        for slide in closing:
            for shape in slide.placeholders:
                if shape.has_text_frame and shape != slide.shapes.title:
                    assert b"solidFill" not in etree.tostring(shape._element.txBody), name
        # The cover's title and subtitle (at the same idx in LibreOffice's masters) are
        # laid out apart.
        cover = [s for s in prs.slides[0].placeholders]
        title = next(s for s in cover if s.text_frame.text == edition.title)
        below = [s for s in cover if s is not title and s.has_text_frame
                 and edition.subtitle in s.text_frame.text]
        assert below and all(s.top >= title.top + title.height for s in below), name


def test_layouts_are_chosen_by_placeholders_when_no_name_matches(
        foreign_masters: dict[str, Path]) -> None:
    from generator.master import layout_choices

    expected = {"title": (0, 1), "closing": (0, 1), "section": (0, 1), "agenda": (1, 0),
                "bullets": (1, 0), "two_content": (2, 0), "table": (0, 0), "chart": (0, 0),
                "key_message": (0, 0)}  # (bodies, subtitles) of the layout chosen
    for name in ("Focus", "pandoc"):
        named = layout_choices(TemplateSet((), str(foreign_masters[name]), (), ""))
        assert named is not None and all(c and c.by == "name" for c in named.values())
        path = foreign_masters[f"{name} renamed"]
        templates = TemplateSet((), str(path), (), "")
        chosen = layout_choices(templates)
        assert chosen is not None
        for kind, (bodies, subtitles) in expected.items():
            choice = chosen[kind]
            assert choice is not None and choice.by == "structure", (name, kind)
            assert choice.name.startswith("Layout "), (name, kind)
            assert (choice.structure.titles, choice.structure.bodies,
                    choice.structure.subtitles) == (1, bodies, subtitles), (name, kind)
        said = [d.message for d in check_master(templates) if "chosen by its placeholders"
                in d.message]
        assert len(said) == len(SLIDE_KINDS), name  # one warning per kind
        # A name still wins: the layout layouts.yaml names is used, not a guess.
        renamed = TemplateSet((), str(path), (("bullets", chosen["two_content"].name),), "")
        again = layout_choices(renamed)
        assert again is not None and again["bullets"] is not None
        assert (again["bullets"].name, again["bullets"].by) == (chosen["two_content"].name,
                                                                 "name")
        missing = TemplateSet((), str(path), (("bullets", "No Such Layout"),), "")
        assert any(d.severity == "error" and "bullets slides" in d.message
                   for d in check_master(missing))


def test_audiences_show_the_layout_of_each_slide_kind(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from generator.cli import cli

    root = Path(__file__).resolve().parent.parent
    result = CliRunner().invoke(cli, ["audiences", "--json", str(root)])
    assert result.exit_code == 0, result.output
    rows = {row["audience"]: row for row in json.loads(result.output)}
    assert rows["minister"]["deck_layouts"]["bullets"] == {"layout": "Bullets", "by": "name"}
    assert rows["committee"]["deck_layouts"] == {}  # no deck
