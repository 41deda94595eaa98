"""The Word brief (generator/render/docx.py) and its release gate (verify.check_docx),
read back from built files with python-docx, by unzipping every part, and through
LibreOffice."""

from __future__ import annotations

import dataclasses
import io
import re
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.shared import Inches, Pt, RGBColor
from lxml import etree

from generator import verify
from generator.build import BuildFailed, build
from generator.cli import main
from generator.content import load_project
from generator.render.docx import render_docx
from generator.tailor import tailor
from generator.templates import TemplateSet, resolve_templates

from .conftest import libreoffice, require_tool
from .factories import sample_edition
from .projects import write_project

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
RICH = """\
---
title: Rich text
marking: PUBLIC
length: summary
---
A paragraph with *emphasis*, **strong** and a [link](https://example.org/report).

- first point
- second point
  - nested point

1. one
2. two

| Year | Count |
|---|---|
| 2024 | 3 |

> A quotation.
"""
PROFILES = {
    "templates/audiences/minister.yaml": "title: Minister\nclearance: SECRET\nlength: full\n"
                                         "formats: [docx, pdf]\n",
    "templates/audiences/norvia.yaml": "title: Norvian delegation\nclearance: RESTRICTED\n"
                                       "country: NRV\nformats: [docx]\n",
    "templates/audiences/qamar.yaml": "title: Qamari delegation\nclearance: RESTRICTED\n"
                                      "country: QAM\nlanguage: ar\nformats: [docx]\n",
    "content/sections/02-rich.md": RICH,
}
EMPTY = TemplateSet((), "")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_project(tmp_path_factory.mktemp("docx"), PROFILES)
    build(root, jobs=1)
    return root


def _parts(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n).decode("utf-8", "replace") for n in archive.namelist()}


def _texts(document: docx.document.Document) -> list[str]:
    return [p.text for p in document.paragraphs]


def test_the_word_brief_holds_the_edition(built: Path) -> None:
    document = docx.Document(str(built / "output/minister/brief.docx"))
    texts = _texts(document)
    styles = {p.text: p.style.name for p in document.paragraphs}
    assert styles["Benefits of cross-border defence collaboration"] == "Title"
    assert styles["Annual review 2026"] == "Subtitle"
    assert styles["(P) Strategic context"] == "Heading 2"
    assert styles["(S) Intelligence sharing stopped two plots."] == "List Bullet"
    assert styles["nested point"] == "List Bullet 2"
    assert styles["1. one"] == "List Continue" and "2. two" in texts
    assert styles["A quotation."] == "Quote"
    assert "(C) Cleared para." in texts  # a marked block starts with its portion mark
    assert "Figure 1: (P) Joint exercises per year" in texts
    assert "1. (P) Renew the border agreement." in texts
    link = next(p for p in document.paragraphs if p.text.startswith("A paragraph with"))
    assert link.text == "A paragraph with emphasis, strong and a link."
    assert [r.text for r in link.runs if r.italic] == ["emphasis"]
    assert [r.text for r in link.runs if r.bold] == ["strong"]
    assert [h.url for h in link.hyperlinks] == ["https://example.org/report"]
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in document.tables]
    assert [["Year", "Count"], ["2024", "3"]] in tables
    partners = next(t for t in tables if t[0][0] == "Code")
    assert partners[1][:2] == ["NRV", "(P) Federation of Norvia"]
    matrix = next(t for t in tables if t[0][0] == "Collaboration")
    assert matrix == [["Collaboration", "Security"], ["(R) Joint border patrols", "• (C)"]]
    metrics = next(t for t in tables if t[0][0] == "Metrics")
    assert metrics[1] == ["(R) Joint patrols (patrols)", "40", "55", "72"]
    # the chart as a picture, with its description as alternative text
    [shape] = document.inline_shapes
    body = etree.tostring(document.element.body).decode()
    assert 'title="Joint exercises per year" descr="Joint exercises per year"' in body
    assert shape.width > 0
    # the contents: a TOC field whose current result lists the headings
    instr = "".join(t.text for t in document.element.body.iter(f"{W}instrText"))
    assert instr.strip().startswith("TOC ")
    assert texts.index("Contents") < texts.index("Executive summary")


def test_banner_in_every_header_and_footer(built: Path) -> None:
    for audience, banner in (("minister", "SECRET"),
                             ("norvia", "RESTRICTED // REL TO HOM, NRV")):
        document = docx.Document(str(built / f"output/{audience}/brief.docx"))
        for section in document.sections:
            for story in (section.header, section.footer, section.first_page_header,
                          section.first_page_footer, section.even_page_header,
                          section.even_page_footer):
                assert not story.is_linked_to_previous
                [paragraph] = story.paragraphs
                assert paragraph.text == banner
                assert all(r.font.size >= Pt(7) for r in paragraph.runs)


def test_core_properties_come_from_the_edition_only(built: Path) -> None:
    path = built / "output/minister/brief.docx"
    props = docx.Document(str(path)).core_properties
    assert props.title == "Benefits of cross-border defence collaboration"
    assert props.author == "Directorate of International Defence Cooperation"
    assert props.subject == "Annual review 2026"
    assert props.keywords == "SECRET, DIDC/2026/014"
    assert (props.comments, props.last_modified_by, props.category) == ("", "", "")
    assert props.created.isoformat().startswith("2026-11-27")
    parts = _parts(path)
    everything = "\n".join(parts.values())
    assert "python-docx" not in everything and "Macintosh" not in everything
    assert "docProps/thumbnail.jpeg" not in parts


def test_what_is_withheld_is_in_no_part(built: Path) -> None:
    everything = "\n".join(_parts(built / "output/norvia/brief.docx").values())
    assert "Body para" in everything and "Coordinated patrols" in everything
    # cleared to RESTRICTED: neither the CONFIDENTIAL block nor the SECRET message
    assert "Cleared para" not in everything and "Intelligence sharing" not in everything


def test_right_to_left_for_arabic(built: Path) -> None:
    path = built / "output/qamar/brief.docx"
    document = docx.Document(str(path))
    for section in document.sections:
        assert section._sectPr.find(f"{W}bidi") is not None
    assert all(p._p.pPr is not None and p._p.pPr.find(f"{W}bidi") is not None
               for p in document.paragraphs if p.text)
    assert "إمارة قمر" in "\n".join(c.text for t in document.tables for r in t.rows
                                    for c in r.cells)
    for table in document.tables:
        assert table._tbl.tblPr.find(f"{W}bidiVisual") is not None


def test_the_package_is_deterministic() -> None:
    templates = EMPTY
    edition = sample_edition()
    first = render_docx(edition, templates)
    assert render_docx(edition, templates) == first
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        infos = archive.infolist()
    assert {i.date_time for i in infos} == {(2026, 11, 27, 0, 0, 0)}
    names = [i.filename for i in infos]
    assert names[:2] == ["[Content_Types].xml", "_rels/.rels"] and names[2:] == sorted(names[2:])
    stamped = render_docx(dataclasses.replace(edition, source_date_epoch=1_800_000_000),
                          templates)
    with zipfile.ZipFile(io.BytesIO(stamped)) as archive:
        assert archive.infolist()[0].date_time == (2027, 1, 15, 8, 0, 0)


def test_builds_in_other_processes_are_byte_identical(built: Path, tmp_path: Path) -> None:
    """Worker processes (-j 2), another output folder, later: the same bytes."""
    build(built, out=tmp_path / "again", jobs=2, formats=["docx"])
    for audience in ("minister", "norvia", "qamar"):
        first = (built / "output" / audience / "brief.docx").read_bytes()
        assert (tmp_path / "again" / audience / "brief.docx").read_bytes() == first, audience


def test_a_reference_docx_gives_styles_not_content(tmp_path: Path) -> None:
    reference = docx.Document()
    reference.add_paragraph("REFERENCE BODY TEXT")
    reference.styles["Heading 1"].font.color.rgb = RGBColor(0x12, 0x34, 0x56)
    reference.sections[0].header.paragraphs[0].text = "REFERENCE HEADER"
    # a title page and different odd and even pages: each of those headers has the banner
    reference.sections[0].different_first_page_header_footer = True
    reference.settings.odd_and_even_pages_header_footer = True
    (tmp_path / "templates/brief").mkdir(parents=True)
    reference.save(str(tmp_path / "templates/brief/reference.docx"))
    root = write_project(tmp_path, {**PROFILES, "templates/audiences/qamar.yaml": None})
    build(root, jobs=1)
    parts = _parts(root / "output/minister/brief.docx")
    assert "123456" in parts["word/styles.xml"]
    everything = "\n".join(parts.values())
    assert "REFERENCE BODY TEXT" not in everything and "REFERENCE HEADER" not in everything
    section = docx.Document(str(root / "output/minister/brief.docx")).sections[0]
    assert section.different_first_page_header_footer
    assert [p.text for p in section.first_page_header.paragraphs] == ["SECRET"]
    assert [p.text for p in section.even_page_footer.paragraphs] == ["SECRET"]
    # an audience's own reference wins over the project's
    own = docx.Document()
    own.styles["Heading 1"].font.color.rgb = RGBColor(0x65, 0x43, 0x21)
    (root / "templates/audiences/minister/brief").mkdir(parents=True)
    own.save(str(root / "templates/audiences/minister/brief/reference.docx"))
    build(root, jobs=1)
    assert "654321" in _parts(root / "output/minister/brief.docx")["word/styles.xml"]
    assert "123456" in _parts(root / "output/norvia/brief.docx")["word/styles.xml"]


def test_a_reference_docx_that_hides_the_header_style_is_refused(tmp_path: Path) -> None:
    reference = docx.Document()
    reference.styles["Header"].font.hidden = True
    (tmp_path / "templates/brief").mkdir(parents=True)
    reference.save(str(tmp_path / "templates/brief/reference.docx"))
    root = write_project(tmp_path, {**PROFILES, "templates/audiences/qamar.yaml": None})
    with pytest.raises(BuildFailed) as failed:
        build(root, jobs=1, formats=["docx"])
    [first, *_] = [d.format() for d in failed.value.diagnostics]
    assert first.startswith("templates/brief/reference.docx: error: minister/brief.docx: the "
                            "banner `SECRET` is missing from the header of section 1: its "
                            "text is hidden (w:vanish) (reference document in use: "
                            "templates/brief/reference.docx)")
    assert not (root / "output").exists()


def test_a_broken_reference_docx_is_a_diagnostic(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    root = write_project(tmp_path, {**PROFILES, "templates/audiences/qamar.yaml": None,
                                    "templates/brief/reference.docx": b"not a zip"})
    assert main(["build", str(root), "-j", "1"]) == 1
    err = capsys.readouterr().err
    assert "templates/brief/reference.docx: error: `templates/brief/reference.docx` " \
           "is not a Word document that can be opened (not a .docx package)" in err
    assert "Traceback" not in err and str(tmp_path) not in err
    assert not (root / "output/minister").exists()
    assert main(["check", str(root)]) == 1
    assert "is not a Word document that can be opened" in capsys.readouterr().err


def _tampered(data: bytes, part: str, change: Callable[[str], str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            blob = source.read(info.filename)
            if re.fullmatch(part, info.filename):
                blob = change(blob.decode("utf-8")).encode("utf-8")
            target.writestr(info, blob)
    return out.getvalue()


MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


@pytest.mark.parametrize(("part", "change", "reason"), [
    (r"word/header\d\.xml", ("<w:b/>", '<w:b/><w:w w:val="1"/>'), "set with `w:w`"),
    (r"word/header\d\.xml", ("<w:b/>", '<w:b/><w:position w:val="-20000"/>'),
     "set with `w:position`"),
    (r"word/header\d\.xml", ("<w:b/>", '<w:b/><w:shd w:val="clear" w:fill="000000"/>'),
     "set with `w:shd`"),
    (r"word/header\d\.xml", ("<w:b/>", '<w:b/><w:highlight w:val="black"/>'),
     "set with `w:highlight`"),
    (r"word/header\d\.xml", ("<w:b/>", '<w:b/><w:webHidden/>'), "set with `w:webHidden`"),
    (r"word/header\d\.xml", ("<w:b/>", '<w:b/><w:color w:val="000000" '
                                        'w:themeColor="background1"/>'), "a theme colour"),
    (r"word/header\d\.xml", ("<w:b/>", '<w:b/><w:color w:val="FEFEFE"/>'),
     "colour FEFEFE does not stand out"),
    (r"word/header\d\.xml", ("<w:b/>", '<w:b/><w:cs/><w:szCs w:val="2"/>'), "1 pt"),
    (r"word/header\d\.xml", ("</w:p>", '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
                                        '<w:r><w:instrText> IF 1 = 2 </w:instrText></w:r>'
                                        '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'),
     "a `IF` field"),
    (r"word/header\d\.xml", ("<w:p>", f'<mc:AlternateContent xmlns:mc="{MC}"/><w:p>'),
     "`AlternateContent`"),
    (r"word/header\d\.xml", ("<w:p>", '<w:p><w:pPr><w:framePr w:x="-40000"/></w:pPr>'),
     "set with `w:framePr`"),
    (r"word/header\d\.xml", ("<w:rPr><w:b/>", '<w:rPr><w:rFonts w:ascii="Wingdings" '
                                               'w:hAnsi="Wingdings"/><w:b/>'),
     "a symbol typeface (Wingdings)"),
])
def test_a_word_banner_set_in_ways_the_gate_does_not_compute_is_refused(
        part: str, change: tuple[str, str], reason: str) -> None:
    """Each of these passed the gate (an adversarial review found them): now refused."""
    edition = sample_edition()
    data = render_docx(edition, EMPTY)
    tampered = _tampered(data, part, lambda x: x.replace(*change, 1))
    assert tampered != data
    findings = verify.check_docx(tampered, edition, "m/brief.docx")
    assert findings and reason in findings[0], findings


def test_metadata_found_only_in_hidden_text_is_not_printed() -> None:
    edition = sample_edition()
    data = render_docx(edition, EMPTY)
    told = _tampered(data, "docProps/core.xml", lambda x: x.replace(
        "<dc:title>", "<dc:title>Operation Nightjar "))
    hidden = _tampered(told, "word/document.xml", lambda x: x.replace(
        "</w:body>", '<w:p><w:r><w:rPr><w:vanish/></w:rPr><w:t>Operation Nightjar</w:t>'
        "</w:r></w:p></w:body>", 1))
    [finding] = verify.check_docx(hidden, edition, "m/brief.docx")
    assert "(core.xml title) holds `Operation Nightjar" in finding


def test_a_word_file_whose_relationships_name_another_document_is_refused() -> None:
    edition = sample_edition()
    data = render_docx(edition, EMPTY)
    moved = _tampered(data, r"_rels/\.rels", lambda x: x.replace("word/document.xml",
                                                                 "word/main.xml"))
    [finding] = verify.check_docx(moved, edition, "m/brief.docx")
    assert "its officeDocument part is word/main.xml" in finding


def test_a_word_file_whose_styles_are_another_part_is_refused() -> None:
    """A relationship's target is relative to its part's folder: `word/styles.xml` from
    word/document.xml is word/word/styles.xml, not the styles the gate reads."""
    edition = sample_edition()
    data = render_docx(edition, EMPTY)
    moved = _tampered(data, r"word/_rels/document\.xml\.rels", lambda x: x.replace(
        'Target="styles.xml"', 'Target="word/styles.xml"'))
    assert moved != data
    [finding] = verify.check_docx(moved, edition, "m/brief.docx")
    assert "its styles part is word/word/styles.xml" in finding


def test_the_release_gate_refuses_unseen_banners_and_unprinted_metadata() -> None:
    edition = sample_edition()
    data = render_docx(edition, EMPTY)
    assert verify.check_docx(data, edition, "m/brief.docx") == []
    hidden = _tampered(data, r"word/header\d\.xml", lambda x: x.replace(
        "<w:b/>", "<w:b/><w:vanish/>"))
    [finding] = verify.check_docx(hidden, edition, "m/brief.docx")
    assert "missing from the header of section 1: its text is hidden (w:vanish)" in finding
    tiny = _tampered(data, r"word/footer\d\.xml", lambda x: x.replace(
        '<w:sz w:val="20"/>', '<w:sz w:val="12"/>'))
    [finding] = verify.check_docx(tiny, edition, "m/brief.docx")
    assert "footer of section 1: its text is 6 pt (at least 7 pt needed)" in finding
    gone = _tampered(data, "word/document.xml", lambda x: re.sub(
        r'<w:footerReference w:type="default"[^>]*/>', "", x))
    [finding] = verify.check_docx(gone, edition, "m/brief.docx")
    assert "missing from the footer of section 1: there is none" in finding
    told = _tampered(data, "docProps/core.xml", lambda x: x.replace(
        "<dc:title>", "<dc:title>Operation Nightjar "))
    [finding] = verify.check_docx(told, edition, "m/brief.docx")
    assert "(core.xml title) holds `Operation Nightjar Benefits" in finding
    unmarked = _tampered(data, "word/document.xml", lambda x: x.replace(
        "(C) </w:t>", "</w:t>"))
    assert any("marked (C) without (C) before it" in f
               for f in verify.check_docx(unmarked, edition, "m/brief.docx"))


@pytest.fixture(scope="module")
def word_drawn(built: Path, apparatus: dict[str, Any],
               tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Norvia's Word brief and the apparatus project's minister brief as LibreOffice
    prints them (PDF): one run for both (its start is most of the time), a fresh profile."""
    return libreoffice({"norvia": built / "output/norvia/brief.docx",
                        "apparatus": Path(apparatus["minister"]["docx"])},
                       tmp_path_factory.mktemp("word-pdf"))


def test_libreoffice_shows_the_banner_on_every_page(word_drawn: dict[str, Path]) -> None:
    pages = subprocess.run([require_tool("pdftotext"), "-layout", str(word_drawn["norvia"]),
                            "-"], capture_output=True, text=True, check=True
                           ).stdout.split("\f")
    pages = [p for p in pages if p.strip()]
    assert len(pages) >= 3
    for number, page in enumerate(pages, 1):
        assert page.count("RESTRICTED // REL TO HOM, NRV") >= 2, number
    assert "Joint border patrols" in "".join(pages)


def test_build_fails_on_a_gate_finding_and_writes_nothing(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    from generator.render import docx as renderer

    monkeypatch.setattr(renderer, "BANNER_POINTS", 5.0)
    root = write_project(tmp_path, {**PROFILES, "templates/audiences/qamar.yaml": None})
    with pytest.raises(BuildFailed) as failed:
        build(root, jobs=1)
    messages = [d.format() for d in failed.value.diagnostics]
    assert any(m.startswith("<built-in>/reference.docx: error: minister/brief.docx: "
                            "the banner `SECRET` is missing from the header") for m in messages), \
        messages
    assert not (root / "output").exists() or not list((root / "output").rglob("*.docx"))


def test_the_review_sheet_lists_the_word_brief(built: Path) -> None:
    sheet = (built / "output/_review/minister.md").read_text("utf-8")
    assert "docx" in sheet
    edition = tailor(load_project(built), "norvia").edition.shown_in("docx")
    assert edition.banner == "RESTRICTED // REL TO HOM, NRV"


def test_the_cache_key_of_a_word_brief_is_its_reference(tmp_path: Path) -> None:
    """Editing the reference rebuilds the Word briefs that use it, and nothing else."""
    root = write_project(tmp_path, {**PROFILES, "templates/audiences/qamar.yaml": None})
    build(root, jobs=1)
    own = docx.Document()
    (root / "templates/audiences/norvia/brief").mkdir(parents=True)
    own.save(str(root / "templates/audiences/norvia/brief/reference.docx"))
    report = build(root, jobs=1)
    assert [r.job.path for r in report.built] == ["norvia/brief.docx"]


def test_editing_a_picture_rebuilds_the_word_briefs_that_show_it(tmp_path: Path) -> None:
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">' \
          '<rect width="40" height="20" fill="{}"/></svg>'
    root = write_project(tmp_path, {
        **PROFILES, "templates/audiences/qamar.yaml": None,
        "content/images/map.svg": svg.format("#336699"),
        "content/sections/03-map.md": "---\ntitle: Map\nmarking: PUBLIC\n---\n"
                                      "![The region](images/map.svg)\n"})
    build(root, jobs=1, formats=["docx"])
    before = (root / "output/norvia/brief.docx").read_bytes()
    (root / "content/images/map.svg").write_text(svg.format("#993366"), "utf-8")
    report = build(root, jobs=1, formats=["docx"])
    assert sorted(r.job.path for r in report.built) == ["minister/brief.docx",
                                                        "norvia/brief.docx"]
    assert (root / "output/norvia/brief.docx").read_bytes() != before


def test_check_names_the_styles_a_reference_lacks(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    reference = docx.Document()
    reference.styles["Caption"].delete()
    reference.styles["Quote"].delete()  # has a stand-in: no warning
    (tmp_path / "templates/brief").mkdir(parents=True)
    reference.save(str(tmp_path / "templates/brief/reference.docx"))
    root = write_project(tmp_path, {**PROFILES, "templates/audiences/qamar.yaml": None})
    assert main(["check", str(root)]) == 0
    warning = ("templates/brief/reference.docx: warning: reference.docx has no paragraph "
               "style `Caption`; the default paragraph style is used")
    err = capsys.readouterr().err
    assert warning in err and "`Quote`" not in err
    report = build(root, jobs=1, formats=["docx"])
    assert report.built[0].warnings == [
        "reference.docx has no paragraph style `Caption`; the default paragraph style is used"]
    paragraphs = docx.Document(str(root / "output/minister/brief.docx")).paragraphs
    quoted = next(p for p in paragraphs if p.text == "A quotation.")
    assert quoted.style.name == "Normal" and quoted.paragraph_format.left_indent > 0
    caption = next(p for p in paragraphs if p.text.startswith("Figure 1: "))
    assert caption.style.name == "Normal"


def test_pandocs_reference_docx_works_as_it_is(tmp_path: Path) -> None:
    pandoc = require_tool("pandoc")
    (tmp_path / "templates/brief").mkdir(parents=True)
    subprocess.run([pandoc, "-o", str(tmp_path / "templates/brief/reference.docx"),
                    "--print-default-data-file", "reference.docx"], check=True, timeout=60)
    root = write_project(tmp_path, {**PROFILES, "templates/audiences/qamar.yaml": None})
    report = build(root, jobs=1, formats=["docx"])  # the release gate passed
    assert report.built and all(not r.warnings for r in report.built)
    document = docx.Document(str(root / "output/minister/brief.docx"))
    styles = {p.text: p.style.name for p in document.paragraphs}
    assert styles["(P) Strategic context"] == "Heading 2"
    assert styles["Benefits of cross-border defence collaboration"] == "Title"
    assert styles["A quotation."] == "Block Text"  # Pandoc's name for a quotation
    # Pandoc's reference has no list styles: bullets are written, items indented
    bullet = next(p for p in document.paragraphs if p.text.endswith("nested point"))
    assert bullet.text == "\u25e6\u00a0nested point"
    assert bullet.paragraph_format.left_indent == Inches(0.6)
    assert document.tables[0].style.name == "Table"
    # its own sample footnote is its content, not the brief's: the footnotes part is new
    parts = _parts(root / "output/minister/brief.docx")
    assert "Footnote Text." not in parts["word/footnotes.xml"]
    assert parts["[Content_Types].xml"].count("/word/footnotes.xml") == 1


# --- the writer's apparatus: footnotes, citations, cross-references, captions -----------

APPARATUS_AUDIENCES = ("minister", "norvia")  # the delegation does not see the cleared figure


@pytest.fixture(scope="module")
def apparatus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The apparatus project of tests/test_apparatus.py as Word and PDF briefs, for an
    audience that sees the cleared figure and one that does not."""
    from generator.render.brief import render_brief

    from .test_apparatus import FILES

    root = write_project(tmp_path_factory.mktemp("docx-apparatus"), FILES)
    project = load_project(root)
    out: dict[str, Any] = {"root": root}
    for audience in APPARATUS_AUDIENCES:
        edition = tailor(project, audience).edition
        templates = resolve_templates(root, audience)
        data = render_docx(edition.shown_in("docx"), templates)
        assert verify.check_docx(data, edition.shown_in("docx"), f"{audience}/brief.docx") == []
        (root / f"{audience}.docx").write_bytes(data)
        pdf = root / f"{audience}.pdf"
        pdf.write_bytes(render_brief(edition.shown_in("pdf"), templates))
        out[audience] = {
            "docx": root / f"{audience}.docx", "bytes": data,
            "pdf": " ".join(subprocess.run([require_tool("pdftotext"), str(pdf), "-"],
                                           capture_output=True, text=True,
                                           check=True).stdout.split())}
    return out


_CAPTIONED = r"(?:Cleared overview|The northern coast|Costs by year|Joint exercises per year)"


def _numbers(text: str) -> dict[str, str]:
    """Caption title -> its "Figure N" / "Table N", as printed (PDF: "Figure 2 The
    northern coast"; Word: "Figure 2: The northern coast"; a chart's with its mark)."""
    return {title: number for number, title in re.findall(
        rf"((?:Figure|Table) \d+):? (?:\(\w\) )?({_CAPTIONED})", text)}


def test_word_numbers_equal_the_pdf_briefs_for_each_audience(apparatus: dict[str, Any]
                                                             ) -> None:
    sentence = re.compile(r"as (Figure \d) shows; costs are in (Table \d), the detail in "
                          r"(Section \d) and the trend in (Figure \d)")
    for audience in APPARATUS_AUDIENCES:
        document = docx.Document(str(apparatus[audience]["docx"]))
        text = " ".join(_texts(document))
        pdf = apparatus[audience]["pdf"]
        assert _numbers(text) == _numbers(pdf), audience
        assert sentence.search(text).groups() == sentence.search(pdf).groups()  # type: ignore[union-attr]
    minister = " ".join(_texts(docx.Document(str(apparatus["minister"]["docx"]))))
    norvia = " ".join(_texts(docx.Document(str(apparatus["norvia"]["docx"]))))
    assert _numbers(minister) == {"Cleared overview": "Figure 1",
                                  "The northern coast": "Figure 2",
                                  "Costs by year": "Table 1",
                                  "Joint exercises per year": "Figure 3"}
    assert _numbers(norvia) == {"The northern coast": "Figure 1", "Costs by year": "Table 1",
                                "Joint exercises per year": "Figure 2"}
    assert "as Figure 1 shows" in norvia and "Cleared overview" not in norvia
    captions = [p for p in docx.Document(str(apparatus["minister"]["docx"])).paragraphs
                if p.style.name == "Caption"]
    assert [p.text for p in captions] == ["Figure 1: Cleared overview",
                                          "Figure 2: The northern coast",
                                          "Table 1: Costs by year",
                                          "Figure 3: (P) Joint exercises per year"]


def _bookmarks(body: Any) -> dict[str, str]:
    """Bookmark name -> the text of the paragraph it marks."""
    return {start.get(f"{W}name"): "".join(t.text or "" for t in start.getparent().iter(
        f"{W}t")) for start in body.iter(f"{W}bookmarkStart")}


def _internal_links(body: Any) -> list[tuple[str, str]]:
    """(text, bookmark) of every link inside the document."""
    return [("".join(t.text or "" for t in link.iter(f"{W}t")), link.get(f"{W}anchor"))
            for link in body.iter(f"{W}hyperlink") if link.get(f"{W}anchor")]


def test_footnotes_are_word_footnotes_marked_like_the_brief(apparatus: dict[str, Any]
                                                            ) -> None:
    parts = _parts(apparatus["minister"]["docx"])
    assert "word/footnotes.xml" in parts
    assert ('PartName="/word/footnotes.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.wordprocessingml.footnotes+xml"') in parts["[Content_Types].xml"]
    assert 'relationships/footnotes" Target="footnotes.xml"' in \
        parts["word/_rels/document.xml.rels"]
    notes = etree.fromstring(parts["word/footnotes.xml"].encode())
    texts = {note.get(f"{W}id"): "".join(t.text or "" for t in note.iter(f"{W}t")).strip()
             for note in notes.iter(f"{W}footnote")
             if note.get(f"{W}type") is None}
    assert texts == {"1": "(P) Border Commission figures, 2026.",
                     "2": "(C) A cleared note about sources.",
                     "3": "(C) A note defined in public text."}  # the higher of the two marks
    assert all(note.find(f".//{W}footnoteRef") is not None for note in notes
               if note.get(f"{W}type") is None)
    body = etree.fromstring(parts["word/document.xml"].encode())
    references = [r.get(f"{W}id") for r in body.iter(f"{W}footnoteReference")]
    assert references == ["1", "2", "3"]
    smuggling = next(p for p in body.iter(f"{W}p")
                     if "Smuggling rose sharply" in "".join(t.text or "" for t in p.iter(f"{W}t")))
    assert smuggling.find(f".//{W}footnoteReference") is not None
    # the delegation: only the public note; the cleared block's notes went with it
    norvia = _parts(apparatus["norvia"]["docx"])
    assert "Border Commission figures" in norvia["word/footnotes.xml"]
    assert "cleared note" not in norvia["word/footnotes.xml"]
    assert "defined in public text" not in "\n".join(norvia.values())
    # deterministic: rendered again, the same bytes
    root = apparatus["root"]
    edition = tailor(load_project(root), "minister").edition.shown_in("docx")
    assert render_docx(edition, resolve_templates(root, "minister")) == \
        apparatus["minister"]["bytes"]


def test_citations_and_cross_references_link_inside_the_document(apparatus: dict[str, Any]
                                                                 ) -> None:
    document = docx.Document(str(apparatus["minister"]["docx"]))
    texts = _texts(document)
    at = len(texts) - 1 - texts[::-1].index("References")  # not the contents' entry
    assert document.paragraphs[at].style.name == "Heading 1"
    assert texts[at + 1:at + 3] == [
        "1. (P) Alliance review of border security, 2024 https://example.org/review",
        "2. (P) Cleared assessment 2026"]
    assert [h.url for h in document.paragraphs[at + 1].hyperlinks] == \
        ["https://example.org/review"]
    assert "A report nobody cites" not in texts  # not cited: not listed
    body = document.element.body
    marks = _bookmarks(body)
    links = _internal_links(body)
    shown = {text: marks[name] for text, name in links}
    assert shown["1"].startswith("1. (P) Alliance review")  # the citation [1]
    assert shown["2"].startswith("2. (P) Cleared assessment")
    assert shown["Figure 2"] == "Figure 2: The northern coast"
    assert shown["Table 1"] == "Table 1: Costs by year"
    assert shown["Section 1"] == "The detail"
    assert shown["Figure 3"] == "Figure 3: (P) Joint exercises per year"
    assert "Smuggling rose sharply as Figure 2 shows; costs are in Table 1, the detail in " \
           "Section 1 and the trend in Figure 3 [1]." in texts
    # the delegation: the cleared source went with its block, the numbers follow
    norvia = _texts(docx.Document(str(apparatus["norvia"]["docx"])))
    assert "Cleared assessment" not in " ".join(norvia)
    assert norvia[len(norvia) - norvia[::-1].index("References")].startswith(
        "1. (P) Alliance review")


def test_definition_lists_scripts_and_page_breaks_in_word(apparatus: dict[str, Any]) -> None:
    paragraphs = docx.Document(str(apparatus["minister"]["docx"])).paragraphs
    by_text = {p.text: p for p in paragraphs}
    assert [r.bold for r in by_text["Term"].runs] == [True]
    assert by_text["Its definition"].paragraph_format.left_indent == Inches(0.5)
    area = by_text["Area is 103 km."]
    assert [r.text for r in area.runs if r.font.superscript] == ["3"]
    water = by_text["(P) Water is H2O ."]  # a key point: no citation marks, as in the PDF
    assert [r.text for r in water.runs if r.font.subscript] == ["2"]
    assert by_text["After the break."].paragraph_format.page_break_before
    assert "\\pagebreak" not in "\n".join(_parts(apparatus["minister"]["docx"]).values())


def test_libreoffice_prints_the_footnotes(word_drawn: dict[str, Path]) -> None:
    pages = subprocess.run([require_tool("pdftotext"), str(word_drawn["apparatus"]), "-"],
                           capture_output=True, text=True, check=True).stdout.split("\f")
    page = next(p for p in pages if "Smuggling rose sharply" in p)
    words = " ".join(page.split())
    # the footnote at the foot of the page that calls it, after the text that calls it
    assert "(P) Border Commission figures, 2026." in words
    assert words.index("Border Commission figures") > words.index("Smuggling rose sharply")
    assert "as Figure 2 shows" in words


# --------------------------------------------------------------------------- one vocabulary
#
# The Word brief sets its text and pictures with the PDF and HTML briefs' own functions:
# typographic quotes (typeset.smart_quotes) and images in the audience's colours
# (charts.themed_svg).

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def default_word_briefs() -> dict[str, bytes]:
    """The default project's Word briefs for two audiences of different themes."""
    project = load_project(REPO)
    return {name: render_docx(tailor(project, name).edition.shown_in("docx"),
                              resolve_templates(REPO, name))
            for name in ("committee", "minister")}


def test_the_word_brief_has_typographic_quotes(default_word_briefs: dict[str, bytes]
                                               ) -> None:
    document = docx.Document(io.BytesIO(default_word_briefs["committee"]))
    text = "\n".join([*_texts(document), *(c.text for t in document.tables
                                             for row in t.rows for c in row.cells)])
    assert "Valdoria’s" in text and "Partners’" in text
    assert "'" not in text and '"' not in text


def _map_colours(data: bytes) -> set[str]:
    """The colours of the Word brief's first picture (the section's map), as #rrggbb."""
    from PIL import Image

    document = docx.Document(io.BytesIO(data))
    body = etree.tostring(document.element.body).decode()
    assert 'descr="Schematic map of Valdoria' in body
    shape = document.inline_shapes[0]
    blip = shape._inline.graphic.graphicData.pic.blipFill.blip.embed
    png = document.part.related_parts[blip].blob
    with Image.open(io.BytesIO(png)) as image:
        found = image.convert("RGB").getcolors(1 << 20) or []
        return {"#{:02x}{:02x}{:02x}".format(*colour) for _, colour in found}


def test_the_word_briefs_map_takes_the_audiences_colours(
        default_word_briefs: dict[str, bytes]) -> None:
    committee = _map_colours(default_word_briefs["committee"])
    minister = _map_colours(default_word_briefs["minister"])
    # the home nation in each audience's primary colour (templates/audiences/*.yaml)
    assert "#4a1c2c" in committee and "#14213d" not in committee
    assert "#14213d" in minister
    document = docx.Document(io.BytesIO(default_word_briefs["committee"]))
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    assert captions[0].startswith("Valdoria (darkest), its neighbouring partner states")
    assert not captions[1].startswith("Valdoria (darkest)")  # once
