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
from generator.templates import TemplateSet

from .conftest import require_tool
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


def test_libreoffice_shows_the_banner_on_every_page(built: Path, tmp_path: Path) -> None:
    soffice = require_tool("soffice")
    require_tool("pdftotext")
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path),
                    str(built / "output/norvia/brief.docx")],
                   check=True, capture_output=True, timeout=240)
    pdf = tmp_path / "brief.pdf"
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                           text=True, check=True).stdout.split("\f")
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
