"""The release gate (generator/verify.py): hostile templates either build with visible
banners everywhere or fail with the gate's error, and nothing reaches the output folder.

PDF cases are real builds of a small project with an audience override of brief.css,
read back with pdftotext; deck cases post-edit the bytes of a built deck.
"""

from __future__ import annotations

import io
import re
import subprocess
import zipfile
from collections.abc import Callable
from copy import deepcopy
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from pptx.dml.color import RGBColor

from generator.build import BuildFailed, Job, build, plan, render
from generator.content import load_project
from generator.tailor import tailor
from generator.templates import builtin_templates
from generator.verify import check_output, page_ranges, squash
from tests.conftest import require_tool
from tests.projects import write_project

A = "http://schemas.openxmlformats.org/drawingml/2006/main"
P = "http://schemas.openxmlformats.org/presentationml/2006/main"
BUILTIN_CSS = (builtin_templates() / "brief" / "brief.css").read_text("utf-8")
CSS_FILE = "templates/audiences/minister/brief/brief.css"

HOSTILE = (
    ".banner-bottom { display: none }",
    ".banner { visibility: hidden }",
    ".banner-top { opacity: 0 }",
    ".banner { color: #fff; background: #fff }",
    ".banner { color: #c8c8c8 }",
    ".banner { font-size: 1px }",
    ".banner-top { position: relative; top: -40mm }",
    "@page { margin: 0 }",
    ".banner { position: relative } .banner::after { content: ''; position: absolute;"
    " left: 0; right: 0; top: 0; bottom: 0; background: #fff }",
)
BENIGN = (
    "h2 { color: #900 }",
    ".banner { font-size: 8pt; letter-spacing: 0 }",
    ".banner { color: #222; background: #ffe }",
    "p { line-height: 1.6 }",
)
GATE_ERROR = re.compile(
    rf"^{re.escape(CSS_FILE)}: error: (pages? [0-9, -]+) of minister/brief\.pdf "
    r"(?:do|does) not show the SECRET banner at the (?:top|bottom)")


def _pdf_pages_text(path: Path) -> list[str]:
    pdftotext = require_tool("pdftotext")
    text = subprocess.run([pdftotext, "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout
    return text.split("\f")[:-1]


def _build_with_css(root: Path, css: str) -> BuildFailed | None:
    write_project(root, {CSS_FILE: css})
    try:
        build(root, audiences=["minister"], formats=["pdf"], jobs=1)
    except BuildFailed as failure:
        return failure
    return None


def test_page_ranges_reads_as_a_person_would() -> None:
    assert page_ranges([3]) == "page 3"
    assert page_ranges([2, 3, 4, 7, 9, 10]) == "pages 2-4, 7, 9-10"


def test_a_two_line_stylesheet_fails_naming_it_and_the_unmarked_pages(tmp_path: Path) -> None:
    # An audience's brief.css that replaces the built-in one (its first line says so)
    # takes the banners' margin boxes with it: pages 2+ would be unmarked.
    failure = _build_with_css(tmp_path, "/* briefgen: replace */\n"
                              "body { font-family: serif }\nh2 { color: red }\n")
    assert failure is not None
    lines = [d.format() for d in failure.diagnostics]
    assert any(re.match(rf"{re.escape(CSS_FILE)}: error: pages 2-\d+ of minister/brief\.pdf "
                        r"do not show the SECRET banner", line) for line in lines), lines
    assert all(CSS_FILE in line for line in lines)
    assert not (tmp_path / "output" / "minister").exists()


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rules=st.lists(st.sampled_from(HOSTILE + BENIGN), min_size=1, max_size=2, unique=True))
def test_hostile_stylesheets_build_marked_or_fail(tmp_path_factory: pytest.TempPathFactory,
                                                  rules: list[str]) -> None:
    root = tmp_path_factory.mktemp("hostile")
    failure = _build_with_css(root, BUILTIN_CSS + "\n" + "\n".join(rules) + "\n")
    pdf = root / "output" / "minister" / "brief.pdf"
    if failure is not None:
        assert not pdf.exists() and not (root / "output" / "minister").exists()
        lines = [d.format() for d in failure.diagnostics]
        assert lines and all(GATE_ERROR.match(line) for line in lines), lines
        return
    # What a reader sees: the banner is the first and the last line of every page, and
    # its strips have dark ink in poppler's rendering.
    pages = _pdf_pages_text(pdf)
    for number, page in enumerate(pages, 1):
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        assert "SECRET" in lines[0] and "SECRET" in lines[-1], (number, lines[:2], lines[-2:])
    for number, (top, bottom) in enumerate(_banner_strip_ink(pdf, len(pages)), 1):
        assert top and bottom, number


@pytest.mark.parametrize("rule", HOSTILE)
def test_each_hostile_rule_alone_fails_the_build(tmp_path: Path, rule: str) -> None:
    failure = _build_with_css(tmp_path, BUILTIN_CSS + "\n" + rule + "\n")
    assert failure is not None, rule
    lines = [d.format() for d in failure.diagnostics]
    assert all(GATE_ERROR.match(line) for line in lines), lines
    assert not (tmp_path / "output" / "minister").exists()


def _banner_strip_ink(pdf: Path, pages: int) -> list[tuple[bool, bool]]:
    """Per page: whether the middle of its top and bottom 5 % holds dark pixels (pdftoppm)."""
    import numpy as np
    from PIL import Image

    pdftoppm = require_tool("pdftoppm")
    out = pdf.parent.parent.parent / "pages"
    subprocess.run([pdftoppm, "-gray", "-r", "60", str(pdf), str(out)], check=True)
    found = []
    for image_path in sorted(out.parent.glob("pages-*.pgm"))[:pages]:
        with Image.open(image_path) as image:
            pixels = np.asarray(image)
        height, width = pixels.shape
        strip, middle = int(height * 0.05), slice(width // 3, 2 * width // 3)
        found.append((bool(pixels[:strip, middle].min() < 96),
                      bool(pixels[height - strip:, middle].min() < 96)))
    return found


def test_the_gate_reads_the_banner_in_any_case_and_wrapping() -> None:
    assert squash("Rel to\nHOM,\u00ad NRV") == squash("REL TO HOM, NRV")


# ---------------------------------------------------------------------------- decks


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Job, bytes]]:
    """The small project's minister outputs, rendered once (not yet gated)."""
    root = write_project(tmp_path_factory.mktemp("built"))
    loaded = load_project(root)
    tailored = {"minister": tailor(loaded, "minister")}
    outputs = {}
    for job in plan(loaded, tailored, ["pptx", "html", "pdf"]):
        data, _ = render(job)
        outputs[job.format] = (job, data)
    return outputs


def _edit_part(data: bytes, name: str, change: Callable[[bytes], bytes]) -> bytes:
    """``data`` with its part ``name`` changed by ``change`` (the rest byte for byte)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            body = source.read(info)
            target.writestr(info, change(body) if info.filename == name else body)
    return out.getvalue()


def _edit_slide(data: bytes, number: int, edit: Callable[[Any], None]) -> bytes:
    """``data`` with slide ``number``'s XML changed by ``edit`` (the rest byte for byte)."""
    def change(body: bytes) -> bytes:
        root = etree.fromstring(body)
        edit(root)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    return _edit_part(data, f"ppt/slides/slide{number}.xml", change)


def _banner(root: Any, name: str = "Banner Top") -> Any:
    return next(sp for sp in root.iter(f"{{{P}}}sp")
                if sp.find(f".//{{{P}}}cNvPr").get("name") == name)


def _remove(root: Any) -> None:
    shape = _banner(root)
    shape.getparent().remove(shape)


def _hide(root: Any) -> None:
    _banner(root).find(f".//{{{P}}}cNvPr").set("hidden", "1")


def _shrink(root: Any) -> None:
    for r_pr in _banner(root, "Banner Bottom").iter(f"{{{A}}}rPr"):
        r_pr.set("sz", "400")


def _whiten(root: Any) -> None:
    for colour in _banner(root).iter(f"{{{A}}}srgbClr"):
        colour.set("val", "FFFFFF")


def _cover(root: Any) -> None:
    cover = deepcopy(_banner(root, "Slide Number"))
    cover.find(f".//{{{P}}}cNvPr").set("name", "Cover")
    cover.find(f".//{{{P}}}cNvPr").set("id", "999")
    xfrm = cover.find(f".//{{{A}}}xfrm")
    xfrm.find(f"{{{A}}}off").set("x", "0")
    xfrm.find(f"{{{A}}}off").set("y", "0")
    xfrm.find(f"{{{A}}}ext").set("cx", "12192000")
    xfrm.find(f"{{{A}}}ext").set("cy", "6858000")
    root.find(f".//{{{P}}}spTree").append(cover)


@pytest.mark.parametrize(("edit", "slide", "expected"), [
    (_remove, 3, "slide 3 of minister/deck.pptx does not show the SECRET banner at the top: "
                 "no shape on the slide holds it"),
    (_hide, 2, "slide 2 of minister/deck.pptx does not show the SECRET banner at the top: "
               "it is hidden"),
    (_shrink, 4, "slide 4 of minister/deck.pptx does not show the SECRET banner at the "
                 "bottom: it is set at 4.0 pt (the least is 7 pt)"),
    (_whiten, 1, "slide 1 of minister/deck.pptx does not show the SECRET banner at the top: "
                 "its text contrasts 1.0:1 with its fill (the least is 4.5:1)"),
    (_cover, 5, "slide 5 of minister/deck.pptx does not show the SECRET banner at the top "
                "and the bottom: shape `Cover` lies over it"),
])
def test_a_post_edited_deck_is_refused(built: dict[str, tuple[Job, bytes]],
                                       edit: Callable[[Any], None], slide: int,
                                       expected: str) -> None:
    job, data = built["pptx"]
    assert check_output(job, data) == []
    problems = check_output(job, _edit_slide(data, slide, edit))
    assert [d.message for d in problems] == [expected]
    assert problems[0].file == "<built-in>/deck/master.pptx"


def _top_runs(root: Any) -> list[Any]:
    return list(_banner(root).iter(f"{{{A}}}rPr"))


def _set_runs(**attributes: str) -> Callable[[Any], None]:
    def edit(root: Any) -> None:
        for r_pr in _top_runs(root):
            for key, value in attributes.items():
                r_pr.set(key, value)
    return edit


def _run_child(tag: str, **attributes: str) -> Callable[[Any], None]:
    def edit(root: Any) -> None:
        for r_pr in _top_runs(root):
            r_pr.insert(0, etree.Element(f"{{{A}}}{tag}", attributes))
    return edit


def _geometry(root: Any) -> None:
    _banner(root).find(f".//{{{A}}}prstGeom").set("prst", "line")


def _turn(root: Any) -> None:
    _banner(root).find(f"{{{P}}}spPr/{{{A}}}xfrm").set("rot", "5400000")


def _background_fill(root: Any) -> None:
    _banner(root).set("useBgFill", "1")


def _decoy_position(root: Any) -> None:
    """The real position off the slide, an on-slide one in an extension list first."""
    shape = _banner(root)
    real = shape.find(f"{{{P}}}spPr/{{{A}}}xfrm")
    c_nv_pr = shape.find(f".//{{{P}}}cNvPr")
    ext = etree.SubElement(etree.SubElement(c_nv_pr, f"{{{A}}}extLst"), f"{{{A}}}ext",
                           uri="{00000000-0000-0000-0000-000000000000}")
    ext.append(deepcopy(real))
    real.find(f"{{{A}}}off").set("y", "-99999999")


def _field(root: Any) -> None:
    for run in list(_banner(root).iter(f"{{{A}}}r")):
        field = etree.Element(f"{{{A}}}fld", id="{5C6B2A47-7C1A-4B0A-9C1E-3B1C1F0D9E11}",
                              type="slidenum")
        field.extend(list(run))
        run.getparent().replace(run, field)


def _group_above(root: Any) -> None:
    group = etree.SubElement(root.find(f".//{{{P}}}spTree"), f"{{{P}}}grpSp")
    props = etree.SubElement(group, f"{{{P}}}nvGrpSpPr")
    etree.SubElement(props, f"{{{P}}}cNvPr", id="999", name="Cover Group")


def _alternate_above(root: Any) -> None:
    """An opaque cover as the fallback of alternate content whose choice is hidden."""
    mc = "http://schemas.openxmlformats.org/markup-compatibility/2006"
    alternate = etree.SubElement(root.find(f".//{{{P}}}spTree"), f"{{{mc}}}AlternateContent")
    choice = etree.SubElement(alternate, f"{{{mc}}}Choice", Requires="x")
    hidden = deepcopy(_banner(root))
    hidden.find(f".//{{{P}}}cNvPr").set("hidden", "1")
    choice.append(hidden)
    etree.SubElement(alternate, f"{{{mc}}}Fallback")


def _animate(root: Any) -> None:
    spid = _banner(root).find(f".//{{{P}}}cNvPr").get("id")
    timing = etree.SubElement(root, f"{{{P}}}timing")
    etree.SubElement(etree.SubElement(timing, f"{{{P}}}tgtEl"), f"{{{P}}}spTgt", spid=spid)


@pytest.mark.parametrize(("edit", "reason"), [
    (_set_runs(baseline="-3000000"), "its text is raised or lowered (baseline)"),
    (_set_runs(spc="-100000"), "its letters are run together (spc)"),
    (_run_child("highlight"), "its text is set with `highlight`"),
    (_run_child("latin", typeface="Wingdings"), "a symbol typeface (Wingdings)"),
    (_geometry, "its shape is not a rectangle"),
    (_turn, "it is rotated or flipped"),
    (_background_fill, "its fill is the slide's background"),
    (_decoy_position, "it lies outside the slide"),
    (_field, "its text is a field"),
    (_group_above, "a grpSp `Cover Group` lies above it"),
    (_animate, "an animation plays on it"),
    (_alternate_above, "a AlternateContent"),
], ids=["baseline", "spacing", "highlight", "symbol font", "a line", "turned",
        "background fill", "a decoy position", "a field", "a group above", "an animation",
        "alternate content above"])
def test_a_deck_banner_set_in_ways_the_gate_does_not_compute_is_refused(
        built: dict[str, tuple[Job, bytes]], edit: Callable[[Any], None], reason: str) -> None:
    """Each of these passed the gate (an adversarial review found them): now refused."""
    job, data = built["pptx"]
    messages = [d.message for d in check_output(job, _edit_slide(data, 2, edit))]
    assert messages and reason in messages[0], messages


def test_a_deck_whose_relationships_name_another_presentation_is_refused(
        built: dict[str, tuple[Job, bytes]]) -> None:
    job, data = built["pptx"]
    moved = _edit_part(data, "_rels/.rels", lambda body: body.replace(
        b"ppt/presentation.xml", b"ppt/presentation2.xml"))
    [problem] = check_output(job, moved)
    assert "its officeDocument part is ppt/presentation2.xml" in problem.message


CUSTOM = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns='
          b'"http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
          b'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
          b'<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" '
          b'name="Nightfall"><vt:bool>true</vt:bool></property></Properties>')


@pytest.mark.parametrize(("part", "change"), [
    ("docProps/core.xml", lambda b: b.replace(b"</cp:coreProperties>",
                                              b"<cp:version>Nightfall</cp:version>"
                                              b"</cp:coreProperties>")),
    ("docProps/core.xml", lambda b: b.replace(b"</cp:coreProperties>",
                                              b"<cp:keywords><cp:value>Nightfall</cp:value>"
                                              b"</cp:keywords></cp:coreProperties>")),
    ("docProps/app.xml", lambda b: b.replace(b"</Properties>",
                                             b"<Template>Nightfall.potx</Template>"
                                             b"</Properties>")),
    ("docProps/custom.xml", lambda b: CUSTOM),
], ids=["a version", "a keyword inside keywords", "a template", "a custom property's name"])
def test_any_worded_property_the_slides_do_not_print_is_refused(
        built: dict[str, tuple[Job, bytes]], part: str, change: Callable[[bytes], bytes]
        ) -> None:
    """Closed: a property value with a letter in it is a description, but for the
    application's name and the like (each of these passed before)."""
    job, data = built["pptx"]
    if part == "docProps/custom.xml":  # the package has none: add it
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "a") as target:
            for info in source.infolist():
                target.writestr(info, source.read(info))
            target.writestr(part, CUSTOM)
        told = out.getvalue()
    else:
        told = _edit_part(data, part, change)
    assert told != data
    messages = [d.message for d in check_output(job, told)]
    assert any("`Nightfall" in m and "does not print" in m for m in messages), messages


def _pdf_edited(data: bytes, edit: Callable[[Any], None]) -> bytes:
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        edit(pdf)
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()


def _print_only_cover(pdf: Any) -> None:
    import pikepdf

    page = pdf.pages[1]
    box = [float(v) for v in page.mediabox]
    cover = pdf.make_stream(b"1 g 0 0 1000 1000 re f")
    cover.Type, cover.Subtype = pikepdf.Name.XObject, pikepdf.Name.Form
    cover.BBox = pikepdf.Array([0, 0, 1000, 1000])
    page.Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Square, F=36,
        Rect=pikepdf.Array([0, box[3] - 60, box[2], box[3]]),
        AP=pikepdf.Dictionary(N=cover)))]))


def _form(pdf: Any) -> None:
    import pikepdf

    field = pdf.make_indirect(pikepdf.Dictionary(FT=pikepdf.Name.Tx, T="Cover"))
    pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array([field]))


def _layers(pdf: Any) -> None:
    import pikepdf

    group = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.OCG, Name="Banner"))
    pdf.Root.OCProperties = pikepdf.Dictionary(
        OCGs=pikepdf.Array([group]), D=pikepdf.Dictionary(OFF=pikepdf.Array([group])))


def _custom_info(pdf: Any) -> None:
    import pikepdf

    pdf.docinfo[pikepdf.Name("/Classification")] = "Nightfall"


def _xmp_in_another_namespace(pdf: Any) -> None:
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta.register_xml_namespace("http://ns.adobe.com/pdfx/1.3/", "pdfx")
        meta["pdfx:Description"] = "Nightfall"


@pytest.mark.parametrize(("edit", "reason"), [
    (_print_only_cover, "has Square annotations on page 2"),
    (_form, "has a form"),
    (_layers, "has optional content (layers)"),
    (_custom_info, "(/Classification) holds `Nightfall`"),
    (_xmp_in_another_namespace, "(XMP Description) holds `Nightfall`"),
], ids=["a print-only cover", "a form", "layers", "a custom Info entry",
        "XMP in another namespace"])
def test_a_pdf_with_what_the_gate_does_not_compute_is_refused(
        built: dict[str, tuple[Job, bytes]], edit: Callable[[Any], None], reason: str) -> None:
    """Each of these passed the gate (an adversarial review found them): now refused."""
    job, data = built["pdf"]
    messages = [d.message for d in check_output(job, _pdf_edited(data, edit))]
    assert any(reason in m for m in messages), messages


def test_a_master_with_a_full_slide_opaque_shape_cannot_cover_the_banner(
        tmp_path: Path) -> None:
    # Shapes of the master and its layouts are drawn beneath a slide's own: the renderer
    # puts the banners on the slide, so the deck builds, and the banners stay on top.
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE
    from pptx.util import Emu

    prs = Presentation(str(builtin_templates() / "deck" / "master.pptx"))
    # python-pptx adds shapes to slides only: one made on a scratch slide is copied last
    # into the master's and every layout's shape tree (the top of their z-order).
    width, height = prs.slide_width, prs.slide_height
    assert width is not None and height is not None
    scratch = prs.slides.add_slide(prs.slide_layouts[0])
    box = scratch.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, 0, Emu(width), Emu(height))
    box.fill.solid()
    box.fill.fore_color.rgb = RGBColor(0x11, 0x11, 0x11)
    for owner in [prs.slide_master, *prs.slide_layouts]:
        owner.shapes._spTree.append(deepcopy(box._element))
    slide_ids = prs.slides._sldIdLst
    prs.part.drop_rel(slide_ids[-1].rId)
    slide_ids.remove(slide_ids[-1])
    master = tmp_path / "templates" / "audiences" / "minister" / "deck" / "master.pptx"
    master.parent.mkdir(parents=True)
    prs.save(str(master))
    write_project(tmp_path)
    build(tmp_path, audiences=["minister"], formats=["pptx"], jobs=1)
    deck = Presentation(str(tmp_path / "output" / "minister" / "deck.pptx"))
    for number, slide in enumerate(deck.slides, 1):
        names = [shape.name for shape in slide.shapes]
        banners = [s for s in slide.shapes if s.name.startswith("Banner")]
        assert [s.text_frame.text for s in banners] == ["SECRET", "SECRET"], number
        after = names[names.index("Banner Top"):]
        assert set(after) <= {"Banner Top", "Banner Bottom", "Slide Number", "Reference",
                              "Logo"}, (number, after)


def test_deck_metadata_that_the_slides_do_not_print_is_refused(
        built: dict[str, tuple[Job, bytes]]) -> None:
    job, data = built["pptx"]
    told = _edit_part(data, "docProps/core.xml", lambda body: body.replace(
        b"<cp:category>", b"<cp:keywords>nightfall, SECRET</cp:keywords><cp:category>"))
    assert [d.message for d in check_output(job, told)] == [
        "the metadata of minister/deck.pptx (core.xml keywords) holds `nightfall`, which "
        "minister/deck.pptx does not print"]


# ---------------------------------------------------------------------------- HTML


@pytest.mark.parametrize(("rule", "reason"), [
    (".banner { display: none }", "`display: none` hides it"),
    (".banner-bottom { visibility: hidden }", "`visibility: hidden` hides it"),
    ("main, .banner { opacity: 0.2 }", "it is 20% opaque"),
    (":root { --tiny: 1px } .banner { font-size: var(--tiny) }",
     "it is set at 0.8 pt (the least is 7 pt)"),
    ("@media screen { .banner { color: #fff } }",
     "its text contrasts 1.0:1 with its background (the least is 4.5:1)"),
    (".banner-top { position: fixed; top: -200px }", "`top: -200px` moves it out of place"),
    (".banner { transform: translateX(-9999px) }",
     "`transform: translatex(-9999px)` changes how it is drawn (not checked by the gate)"),
])
def test_html_banners_hidden_by_the_cascade_are_refused(
        built: dict[str, tuple[Job, bytes]], rule: str, reason: str) -> None:
    job, data = built["html"]
    assert check_output(job, data) == []
    hostile = data.replace(b"</style>", f"\n{rule}\n</style>".encode(), 1)
    messages = [d.message for d in check_output(job, hostile)]
    assert messages and all(m.startswith("minister/brief.html does not show the SECRET "
                                         "banner at the ") and m.endswith(reason)
                            for m in messages), messages


@pytest.mark.parametrize("opened", ["a { color: red", "/* a comment", "a { b: url(x"])
def test_each_style_element_is_a_style_sheet_of_its_own(
        built: dict[str, tuple[Job, bytes]], opened: str) -> None:
    """A browser ends a block, comment or URL left open with its <style> element and
    applies the next element's rules; so does the gate (it once read all the elements as
    one sheet, in which the hiding rule below was swallowed by the open block)."""
    job, data = built["html"]
    hostile = data.replace(b"</head>", f"<style>{opened}</style>\n"
                           "<style>.banner { display: none }</style></head>".encode(), 1)
    messages = [d.message for d in check_output(job, hostile)]
    assert [m for m in messages if m.endswith("`display: none` hides it")], messages


@pytest.mark.parametrize("sheet", [
    "/* data:" + "A" * 70 + "*/ .banner { display: none }",  # the comment's end
    ".banner { font-family: data:" + "A" * 70 + ";display: none }",  # a semicolon
    ".banner { display: none; background: url(data:image/png;base64," + "A" * 70 + ") }",
])
def test_data_url_payloads_are_cut_only_where_nothing_else_goes_with_them(
        built: dict[str, tuple[Job, bytes]], sheet: str) -> None:
    """The gate cuts base64 payloads out before parsing a page (they are half of its
    size): a cut that went on to a comment's end or a semicolon hid the rule after it
    from the gate, not from a browser."""
    job, data = built["html"]
    hostile = data.replace(b"</head>", f"<style>{sheet}</style></head>".encode(), 1)
    messages = [d.message for d in check_output(job, hostile)]
    assert messages and all(m.endswith("`display: none` hides it") for m in messages), messages


@pytest.mark.parametrize(("markup", "reason"), [
    ("<script>document.querySelectorAll('.banner').forEach(e => e.remove())</script>",
     "runs a script (`<script>`)"),
    ("<svg><script>document.body.remove()</script></svg>", "runs a script (`<script>`)"),
    ('<img src="data:," onerror="document.body.innerHTML = \'\'">',
     "runs a script (the `onerror` attribute of `<img>`)"),
    ('<a href=" java\tscript:document.body.remove()">Read on</a>',
     "runs a script (a `javascript:` URL in `<a>`)"),
    ('<iframe hidden srcdoc="<script>parent.document.body.remove()</script>"></iframe>',
     "holds another document or hidden markup (`<iframe>`)"),
    ('<link rel="Alternate StyleSheet" href="data:text/css,.banner{display:none}">',
     'loads a file with `<link rel="Alternate StyleSheet">`'),
    ('<style>@import url("data:text/css,.banner{display:none}");</style>',
     "imports a style sheet (`@import`)"),
    ('<meta http-equiv="Refresh" content="0; url=https://example.org/">',
     'sends the reader to another page (`<meta http-equiv="refresh">`)'),
])
def test_html_that_acts_after_it_is_read_is_refused(
        built: dict[str, tuple[Job, bytes]], markup: str, reason: str) -> None:
    """What would change the page once a browser has it, or style it from a file the
    gate does not read, is refused whatever it does: the gate checks the page as read."""
    job, data = built["html"]
    hostile = data.replace(b"</body>", f"{markup}</body>".encode(), 1)
    assert [d.message for d in check_output(job, hostile)] == [
        f"minister/brief.html {reason}, which the release gate does not check: not allowed "
        "in an HTML brief"]


@pytest.mark.parametrize(("markup", "reason"), [
    ("<svg><style>.banner { display: none }</style></svg>", "`display: none` hides it"),
    ("<style>@keyframes out { to { opacity: 0 } } .banner { animation: out 1s forwards }"
     "</style>", "`animation: out 1s forwards` changes how it is drawn"),
])
def test_html_styles_from_an_inline_svg_and_animations_are_read(
        built: dict[str, tuple[Job, bytes]], markup: str, reason: str) -> None:
    job, data = built["html"]
    hostile = data.replace(b"</body>", f"{markup}</body>".encode(), 1)
    messages = [d.message for d in check_output(job, hostile)]
    assert messages and all(reason in m for m in messages), messages


#: Ways a browser would hide the banner that the gate does not compute: each is refused
#: (it once passed). A style sheet added to the page, or an edit of the page.
UNCOMPUTED = {
    "an invalid value after a hiding one": ".banner { display: none } .banner { display: x }",
    "opacity nan": ".banner { opacity: 0 } .banner { opacity: nan }",
    "a display that hides": ".banner { display: table-column }",
    "a rule under a media feature": ".banner { display: none } @media (min-width: 99999px) "
                                    "{ .banner { display: block !important } }",
    "a layer": "@layer a { .banner.banner { display: block } } .banner { display: none }",
    "@supports": ".banner { display: none } @supports (x: y) { .banner { display: block } }",
    "nesting": "body { & .banner { display: none } }",
    "a variable in a variable": ".banner { --a: none; display: var(--a, var(--zz)) }",
    "a selector the gate cannot read": ".banner:defined { display: none }",
    "a text fill": ".banner { -webkit-text-fill-color: transparent }",
    "a vendor-prefixed transform": ".banner { -webkit-transform: translateX(-9999px) }",
    "a gradient background": ".banner { background: linear-gradient(#000, #000) }",
    "an inset shadow": ".banner { box-shadow: inset 0 0 0 99em #000 }",
    "a first-line rule": ".banner::first-line { color: #fff }",
    "bidi override": ".banner { unicode-bidi: bidi-override; direction: rtl }",
    "negative letter spacing": ".banner { letter-spacing: -1em }",
    "a resized font": '@font-face { font-family: Z; src: local("DejaVu Sans"); '
                      "size-adjust: 1% } .banner { font-family: Z }",
    "a size the gate cannot read": ".banner { font: 700 calc(1px) serif }",
    "overflow": ".banner { height: 1px; overflow: hidden }",
    "an indent in calc()": ".banner { text-indent: calc(-9999px) }",
    "a logical margin": ".banner { margin-inline-start: -9999px }",
    "a font from elsewhere": "@font-face { font-family: W; src: url(https://example.org/w.woff) }",
    "a raised inline box": ".banner { display: inline-block; vertical-align: 9999px }",
    "a thick line through": ".banner { text-decoration: line-through 40px #000 }",
    "a dark colour scheme": "html { color-scheme: dark }",
}


@pytest.mark.parametrize("sheet", UNCOMPUTED.values(), ids=UNCOMPUTED.keys())
def test_html_styles_the_gate_does_not_compute_are_refused(
        built: dict[str, tuple[Job, bytes]], sheet: str) -> None:
    job, data = built["html"]
    hostile = data.replace(b"</head>", f"<style>{sheet}</style></head>".encode(), 1)
    assert check_output(job, hostile)


@pytest.mark.parametrize("edit", [
    (b'<div class="banner banner-top"', b'<div hidden class="banner banner-top"'),
    (b'<meta charset="utf-8">', b'<meta charset="iso-2022-kr">'),
    (b"</head>", b'<style media="print">.banner { display: block !important }</style>'
                 b"<style>.banner { display: none }</style></head>"),
    (b"</body>", b"<template><style>.banner { display: block !important }</style>"
                 b"</template></body>"),
    (b'<div class="banner banner-bottom" dir="ltr" role="note">SECRET</div>', b""),
], ids=["hidden attribute", "another encoding", "a style for print", "a template",
        "no bottom banner"])
def test_html_markup_the_gate_does_not_compute_is_refused(
        built: dict[str, tuple[Job, bytes]], edit: tuple[bytes, bytes]) -> None:
    job, data = built["html"]
    assert edit[0] in data
    hostile = data.replace(*edit)
    if not edit[1]:  # the top one pinned to both edges stands for both: it shows at the top
        hostile = hostile.replace(b"</head>", b"<style>.banner-top { position: fixed; "
                                  b"top: 0; bottom: 100px }</style></head>", 1)
    assert check_output(job, hostile)


def test_html_rules_for_print_only_or_overridden_do_not_fail(
        built: dict[str, tuple[Job, bytes]]) -> None:
    job, data = built["html"]
    harmless = (b"@media print { .banner { display: none } }\n"
                b".banner { display: none }\n.banner.banner { display: block !important }\n")
    assert check_output(job, data.replace(b"</style>", harmless + b"</style>", 1)) == []


def test_html_metadata_that_the_page_does_not_print_is_refused(
        built: dict[str, tuple[Job, bytes]]) -> None:
    job, data = built["html"]
    edited = re.sub(rb'<meta name="description" content="[^"]*">',
                    b'<meta name="description" content="Operation Nightfall">', data)
    problems = check_output(job, edited)
    assert [d.message for d in problems] == [
        'the metadata of minister/brief.html (<meta name="description">) holds '
        "`Operation Nightfall`, which minister/brief.html does not print"]
    assert problems[0].file == "<built-in>/brief/brief.css"
    assert problems[0].hint == "templates in use: the built-in ones"


# ---------------------------------------------------------------------------- PDF metadata


def test_pdf_metadata_that_the_pages_do_not_print_is_refused(
        built: dict[str, tuple[Job, bytes]]) -> None:
    import pikepdf

    job, data = built["pdf"]
    assert check_output(job, data) == []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        with pdf.open_metadata(set_pikepdf_as_editor=False) as xmp:
            xmp["dc:description"] = "Operation Nightfall"
        pdf.docinfo["/Keywords"] = "SECRET, nightfall"  # after: the XMP is synced to it
        out = io.BytesIO()
        pdf.save(out)
    # pikepdf copies the XMP description into the info dictionary's /Subject as well
    assert sorted(d.message for d in check_output(job, out.getvalue())) == [
        f"the metadata of minister/brief.pdf ({field}) holds `{value}`, which "
        "minister/brief.pdf does not print"
        for field, value in (("/Keywords", "nightfall"), ("/Subject", "Operation Nightfall"),
                             ("XMP description", "Operation Nightfall"))]


def test_portion_marks_hidden_by_a_stylesheet_fail_the_build(tmp_path: Path) -> None:
    failure = _build_with_css(tmp_path, BUILTIN_CSS + "\n.pm { display: none }\n")
    assert failure is not None
    lines = sorted(d.format() for d in failure.diagnostics)
    assert lines and all(re.match(
        rf"{re.escape(CSS_FILE)}: error: minister/brief\.pdf prints \d+ items? marked "
        r"\((P|R|C|S)\) without \(\1\) before it, e\.g\. `", line) for line in lines), lines
    assert any("marked (S)" in line and "Intelligence sharing stopped two plots" in line
               for line in lines), lines
    assert not (tmp_path / "output" / "minister").exists()


def test_the_gate_names_the_project_s_own_templates(tmp_path: Path) -> None:
    # A project-wide base template and an audience stylesheet: the stylesheet is named.
    base = (builtin_templates() / "brief" / "base.html.j2").read_text("utf-8")
    write_project(tmp_path, {
        "templates/brief/base.html.j2": base.replace(
            '<div class="banner banner-bottom" dir="ltr" role="note">{{ edition.banner }}</div>',
            ""),
        "templates/audiences/minister/brief/brief.css": BUILTIN_CSS,
    })
    with pytest.raises(BuildFailed) as failed:
        build(tmp_path, audiences=["minister"], formats=["html"], jobs=1)
    assert [d.format() for d in failed.value.diagnostics] == [
        f"{CSS_FILE}: error: minister/brief.html does not show the SECRET banner at the "
        "bottom: it is neither first nor last on the page, nor pinned to the top or bottom "
        f"of the window (templates in use: {CSS_FILE}, templates/brief/base.html.j2; "
        "built-in for the rest)"]
    assert not (tmp_path / "output" / "minister").exists()


def _banner_page(spelled: bool) -> bytes:
    """One A4 page with a 9 pt banner in its top and bottom bands, in Helvetica: the
    words SECRET drawn, or (``spelled``) PUBLIC drawn under an ActualText saying SECRET."""
    import pikepdf

    pdf = pikepdf.new()
    font = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica))

    def banner(y: int) -> bytes:
        draw = b"BT /F 9 Tf 270 %d Td (%s) Tj ET" % (y, b"PUBLIC" if spelled else b"SECRET")
        return (b"/Span <</ActualText (SECRET)>> BDC " + draw + b" EMC\n") if spelled \
            else draw + b"\n"

    page = pikepdf.Page(pikepdf.Dictionary(
        Type=pikepdf.Name.Page, MediaBox=[0, 0, 595, 842],
        Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F=font)),
        Contents=pdf.make_stream(banner(820) + banner(15))))
    pdf.pages.append(page)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_a_banner_spelled_by_actual_text_over_other_glyphs_is_refused() -> None:
    """The text layer may say SECRET while the page draws PUBLIC (an ActualText span):
    a banner must be the glyphs drawn, not what a span says they are."""
    import pypdfium2 as pdfium

    from generator.verify import _check_pdf_pages

    def problems(data: bytes) -> list[str]:
        pdf = pdfium.PdfDocument(data)
        try:
            return _check_pdf_pages(pdf, "SECRET", "x.pdf", [])[0]
        finally:
            pdf.close()

    assert problems(_banner_page(spelled=False)) == []
    assert problems(_banner_page(spelled=True))
