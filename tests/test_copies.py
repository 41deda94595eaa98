"""Numbered copies: one per recipient of each output, stamped on the finished bytes.

Read back as a reader sees them: pdftotext page by page, LibreOffice slide by slide,
the HTML page's text; the copies' page content streams compared with the audience's
own file; a bad recipients file refused at its position with nothing written."""

from __future__ import annotations

import io
import re
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from lxml import etree

from generator import copies, verify
from generator.build import build, plan
from generator.cli import main
from generator.content import load_project
from generator.tailor import tailor

from .conftest import libreoffice, require_tool
from .projects import MINISTER, write_project

PEOPLE = 25
CSV_HEAD = "name,organisation,email\n"


def people_csv(count: int = PEOPLE) -> str:
    rows = [f"Member {chr(65 + i % 26)}. Example{i + 1},Defence Committee,m{i + 1}@example.org"
            for i in range(count)]
    if count > 6:
        rows[6] = "Ms A. Example,Defence Committee,"
    return CSV_HEAD + "\n".join(rows) + "\n"


def committee_project(root: Path, extra: str = "watermark: true\n",
                      csv: str | None = None) -> Path:
    return write_project(root, {
        "templates/audiences/minister.yaml": MINISTER + "recipients: data/people.csv\n" + extra,
        "templates/audiences/norvia.yaml": None,
        "content/data/people.csv": csv if csv is not None else people_csv()})


def pdf_pages(path: Path, mode: str = "-layout") -> list[str]:
    """The text of each page (``-raw``: in the order drawn, for rotated text)."""
    text = subprocess.run(["pdftotext", mode, str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    return text.split("\f")[:-1]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_tool("pdftotext")
    root = committee_project(tmp_path_factory.mktemp("copies"))
    build(root, jobs=2)
    return root


def _copy_lines(root: Path) -> list[tuple[str, str]]:
    project = load_project(root)
    return [(c.folder, c.line) for c in copies.copies_of(project, "minister")]


def test_every_page_of_every_pdf_copy_shows_its_own_line_and_banner(built: Path) -> None:
    out = built / "output" / "minister"
    lines = _copy_lines(built)
    assert len(lines) == PEOPLE
    assert lines[6] == ("07-ms-a-example", "Copy 7 of 25 \u2014 Ms A. Example, Defence Committee")
    base_pages = len(pdf_pages(out / "brief.pdf"))
    for folder, line in lines:
        pages = pdf_pages(out / "copies" / folder / "brief.pdf")
        assert len(pages) == base_pages
        for number, text in enumerate(pages, 1):
            flat = " ".join(text.split())
            assert flat.count(line) == 1, (folder, number)
            assert flat.count("SECRET") >= 2, (folder, number)
            others = [other for f, other in lines if f != folder and other in flat]
            assert not others, (folder, number, others)


def test_pdf_copies_differ_from_the_output_only_in_the_stamp(built: Path) -> None:
    out = built / "output" / "minister"
    with pikepdf.open(out / "brief.pdf") as base:
        originals = [[s.read_bytes() for s in _streams(page)] for page in base.pages]
    seen: set[bytes] = set()
    for folder in ("01-member-a-example1", "07-ms-a-example"):
        with pikepdf.open(out / "copies" / folder / "brief.pdf") as copy:
            assert not copy.is_encrypted
            for page, original in zip(copy.pages, originals, strict=True):
                streams = [s.read_bytes() for s in _streams(page)]
                # a `q` first, the page's own streams unchanged, then the stamp
                assert streams[0] == b"q\n" and streams[1:-1] == original
                stamp = streams[-1]
                assert stamp.startswith(b"Q\n/Artifact <</Type /Pagination /Subtype /Footer>>")
                assert b"/Subtype /Watermark" in stamp  # the profile asks for one
                seen.add(stamp)
            fonts = [f for f in copy.pages[0].Resources.Font.values()
                     if f.get("/Subtype") == "/Type0"]
            assert fonts and fonts[0].DescendantFonts[0].FontDescriptor.get("/FontFile2")
    assert len(seen) == 2 * len(originals) or len(seen) >= 2  # each copy its own stamp


def _streams(page: pikepdf.Page) -> list[pikepdf.Stream]:
    contents = page.obj.Contents
    return list(contents) if isinstance(contents, pikepdf.Array) else [contents]


def test_unsigned_copies_are_byte_reproducible(built: Path) -> None:
    out = built / "output" / "minister"
    project = load_project(built)
    copy = copies.copies_of(project, "minister")[6]
    for name, fmt in (("brief.pdf", "pdf"), ("deck.pptx", "pptx"), ("brief.html", "html")):
        again = copies.stamp(fmt, (out / name).read_bytes(), copy, watermark=True)
        assert again == (out / "copies" / copy.folder / name).read_bytes(), name


@pytest.fixture(scope="module")
def drawn(built: Path, docx_built: Path, arabic_built: Path,
          tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Copies as LibreOffice prints them (PDF): two deck copies, a Word brief's second
    copy and an Arabic deck copy, in one run (its start is most of the time)."""
    docx_folder = _copy_lines(docx_built)[1][0]
    return libreoffice({
        "02-member-b-example2": built / "output/minister/copies/02-member-b-example2/deck.pptx",
        "07-ms-a-example": built / "output/minister/copies/07-ms-a-example/deck.pptx",
        "docx": docx_built / "output/minister/copies" / docx_folder / "brief.docx",
        "arabic": arabic_built / "output/minister/copies/01/deck.pptx",
    }, tmp_path_factory.mktemp("drawn"))


def test_every_slide_of_a_deck_copy_shows_its_line_in_libreoffice(
        built: Path, drawn: dict[str, Path]) -> None:
    lines = dict(_copy_lines(built))
    for folder in ("02-member-b-example2", "07-ms-a-example"):
        slides = pdf_pages(drawn[folder], "-raw")
        assert len(slides) > 5
        for number, text in enumerate(slides, 1):
            flat = " ".join(text.split())
            assert lines[folder] in flat, (folder, number)
            assert flat.count("SECRET") >= 2, (folder, number)
            assert f"Copy {int(folder[:2])} \u2014" in flat  # the watermark


def test_html_copy_has_its_line_first_and_passes_the_gate(built: Path) -> None:
    out = built / "output" / "minister"
    lines = dict(_copy_lines(built))
    page = (out / "copies" / "07-ms-a-example" / "brief.html").read_text("utf-8")
    body = page[page.index("<body"):]
    first = re.sub(r"<[^>]+>", "", body.split("</div>", 1)[0]).strip()
    assert first == lines["07-ms-a-example"]
    assert 'class="briefgen-watermark"' in page
    assert page.replace(body, "") == (out / "brief.html").read_text("utf-8").split(
        "<body")[0]


def test_the_gate_refuses_a_copy_without_its_line(built: Path) -> None:
    out = built / "output" / "minister"
    line = "Copy 3 of 25 \u2014 Nobody, Nowhere"
    pdf = verify.check_pdf_copy_line((out / "brief.pdf").read_bytes(), line, "x.pdf")
    assert pdf and "not show its copy line" in pdf[0] and "not in the page's text" in pdf[0]
    deck = verify.check_deck_copy_line((out / "deck.pptx").read_bytes(), line, "x.pptx")
    assert deck and deck[0].startswith("slides 1-")
    html = verify.check_html_copy_line((out / "brief.html").read_bytes(), line, "x.html")
    assert html == [f"x.html does not show its copy line `{line}`: no element holds it"]
    # a copy line drawn white on white is not seen
    copy = copies.stamp_pdf((out / "brief.pdf").read_bytes(), line)
    with pikepdf.open(io.BytesIO(copy)) as pdf:
        for page in pdf.pages:
            stamp = _streams(page)[-1]
            stamp.write(stamp.read_bytes().replace(b"0 0 0 rg 1 0 0 1", b"1 1 1 rg 1 0 0 1"))
        buffer = io.BytesIO()
        pdf.save(buffer)
        pale = buffer.getvalue()
    assert "transparent, low-contrast or covered" in " ".join(
        verify.check_pdf_copy_line(pale, line, "x.pdf"))


def test_rebuild_keeps_copies_and_withdraws_a_removed_recipient(
        built: Path, tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "p"
    shutil.copytree(built, root)
    csv = people_csv().splitlines()
    del csv[25]  # the last recipient
    (root / "content" / "data" / "people.csv").write_text("\n".join(csv) + "\n")
    report = build(root, jobs=1)
    # 24 of 25: every copy says "of 24" now, so each is stamped again
    assert len(report.copies) == 24 * 3
    assert sorted(report.withdrawn) == [f"minister/copies/25-member-y-example25/{n}"
                                        for n in ("brief.html", "brief.pdf", "deck.pptx")]
    assert not (root / "output" / "minister" / "copies" / "25-member-y-example25").exists()
    rows = _register(root)
    assert [r["event"] for r in rows] == ["issued"] * 75 + ["reissued"] * 72 + ["withdrawn"] * 3
    assert {r["file"] for r in rows[-3:]} == set(report.withdrawn)
    assert all(r["sha256"] == "" for r in rows[-3:])
    sheet = (root / "output" / "_review" / "minister.md").read_text("utf-8")
    assert "`minister/copies/25-member-y-example25/brief.pdf` | its recipient is no " \
           "longer listed" in sheet
    again = build(root, jobs=1)
    assert again.copies == [] and again.withdrawn == []
    assert len(_register(root)) == 150  # nothing issued: nothing recorded
    # without recipients, no copies are left
    (root / "templates" / "audiences" / "minister.yaml").write_text(MINISTER)
    final = build(root, jobs=1)
    assert len(final.withdrawn) == 24 * 3
    assert not (root / "output" / "minister" / "copies").exists()
    rows = _register(root)  # the record stays, and says what was withdrawn
    assert len(rows) == 150 + 72 and {r["event"] for r in rows[150:]} == {"withdrawn"}


def _register(root: Path) -> list[dict[str, str]]:
    import csv

    path = root / "output" / "_review" / "minister-register.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["copy", "recipient", "organisation", "email", "file", "sha256",
                             "signer", "time", "event"]
    return rows


def test_the_register_records_each_copy_and_its_hash(built: Path) -> None:
    import hashlib

    from generator.build import source_date_epoch
    from generator.register import timestamp

    rows = _register(built)
    assert len(rows) == PEOPLE * 3
    when = timestamp(source_date_epoch(), "2026-11-27")
    for row in rows:
        data = (built / "output" / row["file"]).read_bytes()
        assert row["sha256"] == hashlib.sha256(data).hexdigest()
        assert (row["event"], row["time"], row["signer"]) == ("issued", when, "")
    seventh = [r for r in rows if r["copy"] == "7"]
    assert {(r["recipient"], r["organisation"], r["email"]) for r in seventh} == {
        ("Ms A. Example", "Defence Committee", "")}
    assert rows[0]["email"] == "m1@example.org"
    sheet = (built / "output" / "_review" / "minister.md").read_text("utf-8")
    assert "## Distribution register" in sheet
    assert f"| 7 | Ms A. Example, Defence Committee | `minister/copies/07-ms-a-example/" \
           f"brief.pdf` | {seventh[1]['sha256']} |" in sheet or seventh[0]["sha256"] in sheet


def test_the_register_time_comes_from_source_date_epoch(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    root = committee_project(tmp_path, extra="formats: [html]\n", csv=people_csv(3))
    build(root, jobs=1)
    assert {r["time"] for r in _register(root)} == {"2026-01-01T00:00:00Z"}


@pytest.mark.parametrize(("csv", "error"), [
    (CSV_HEAD + "Ms A. Example,Defence Committee,\nDr B,,b@example.org\n",
     "content/data/people.csv:3:6: error: organisation: is empty (every recipient needs "
     "an organisation)"),
    ("name,organization\nMs A,Cttee\n",
     "content/data/people.csv:1:6: error: unknown column `organization` (did you mean "
     "`organisation`?)"),
    (CSV_HEAD + "Ms A,Cttee,not-an-address\n",
     "content/data/people.csv:2:12: error: email: `not-an-address` is not an e-mail "
     "address (leave it empty if unknown)"),
    (CSV_HEAD + "Ms A,Cttee,\nMs A,Cttee,\n",
     "content/data/people.csv:3:1: error: Ms A, Cttee is listed twice (also on line 2) "
     "(each recipient gets one numbered copy)"),
    (CSV_HEAD + "Ms \u738b,Cttee,\n",
     "content/data/people.csv:2:1: error: name: `Ms \u738b` holds characters the copy "
     "line's fonts cannot print: \u738b (copy lines are printed in Liberation Sans"),
    (CSV_HEAD + "Ms A,Cttee\n",
     "content/data/people.csv:2:1: error: row has 2 values, the heading has 3"),
    # the register is opened in spreadsheets: nothing that would run as a formula
    (CSV_HEAD + "=HYPERLINK(\"x\"),Cttee,\n",
     "content/data/people.csv:2:1: error: name: `=HYPERLINK(\"x\")` starts with `=` (a "
     "spreadsheet opening the distribution register would run it as a formula"),
    (CSV_HEAD + "Ms A,Cttee,=cmd@example.org\n",
     "content/data/people.csv:2:12: error: email: `=cmd@example.org` is not an e-mail"),
])
def test_a_bad_recipients_file_is_refused_at_its_position_and_nothing_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], csv: str, error: str) -> None:
    root = committee_project(tmp_path, csv=csv)
    assert main(["build", str(root)]) == 1
    err = capsys.readouterr().err
    assert error in err, err
    assert not (root / "output").exists()


@pytest.mark.parametrize(("profile", "error"), [
    ("recipients:\n  - {name: Ms A}\n",
     "templates/audiences/minister.yaml:5:5: error:"),
    ("recipients: []\n",
     "templates/audiences/minister.yaml:4:13: error: no recipients are listed"),
    ("recipients: data/nobody.csv\n",
     "templates/audiences/minister.yaml:4:13: error: recipients file `data/nobody.csv` "
     "does not exist"),
    ("recipients:\n  - {name: Ms A, organisation: X}\n  - {name: ms a, organisation: x}\n",
     "templates/audiences/minister.yaml:6:5: error: ms a, x is listed twice"),
    ("watermark: yes please\n", "templates/audiences/minister.yaml:4:12: error:"),
    ("recipients:\n  - {name: Ms A, organisation: '@SUM(1)'}\n",
     "templates/audiences/minister.yaml:5:32: error: `@SUM(1)` starts with `@`"),
])
def test_bad_inline_recipients_are_refused_at_their_position(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], profile: str, error: str) -> None:
    root = write_project(tmp_path, {"templates/audiences/minister.yaml": MINISTER + profile})
    assert main(["check", str(root)]) == 1
    assert error in capsys.readouterr().err


def test_the_recipients_limit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = committee_project(tmp_path, csv=people_csv(12))
    briefing = root / "content" / "briefing.yaml"
    briefing.write_text(briefing.read_text() + "limits: {recipients: 10}\n")
    assert main(["check", str(root)]) == 1
    assert ("content/data/people.csv:12:1: error: more than 10 recipients (limits.recipients "
            "is 10; set `limits: {recipients: N}` in content/briefing.yaml)"
            ) in capsys.readouterr().err


def test_without_recipients_nothing_changes(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"templates/audiences/minister.yaml": MINISTER
                                    + "formats: [html]\n", "templates/audiences/norvia.yaml": None})
    report = build(root, jobs=1)
    assert report.copies == []
    assert sorted(p.relative_to(root / "output").as_posix()
                  for p in (root / "output").rglob("*") if p.is_file()
                  and ".briefgen" not in p.parts) == ["_review/minister.md",
                                                      "minister/brief.html"]


def test_deck_copy_shapes_are_deterministic_and_above_nothing_they_cover(built: Path) -> None:
    out = built / "output" / "minister" / "copies" / "07-ms-a-example" / "deck.pptx"
    with zipfile.ZipFile(io.BytesIO(out.read_bytes())) as archive:
        slide = archive.read("ppt/slides/slide2.xml").decode()
        dates = {info.date_time for info in archive.infolist()}
        slides = [archive.read(n).decode() for n in archive.namelist()
                  if re.fullmatch(r"ppt/slides/slide\d+\.xml", n)]
    assert 'name="Copy Line"' in slide and 'name="Copy Watermark"' in slide
    assert len(dates) == 1
    for xml in slides:  # the shapes added have ids no other shape of the slide has
        ids = re.findall(r'<p:cNvPr id="(\d+)"', xml)
        assert len(ids) == len(set(ids)) and 'name="Copy Line"' in xml


def _repack(data: bytes, changes: dict[str, bytes]) -> bytes:
    """The package with the members in ``changes`` replaced (the deck writer's
    compression level, so that the other members keep their bytes)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info, changes.get(info.filename, source.read(info)),
                            compresslevel=1)
    return out.getvalue()


def test_the_gate_refuses_a_deck_copy_altered_after_stamping(built: Path) -> None:
    """A deck copy is checked against the render it was stamped from: anything but the
    copy's own shapes differing, or those shapes hiding a banner or missing, fails."""
    project = load_project(built)
    job = next(j for j in plan(project, {"minister": tailor(project, "minister")})
               if j.format == "pptx")
    base = (built / "output" / job.path).read_bytes()
    copy = copies.copies_of(project, "minister")[6]
    path = copy.path(job.path)
    data = (built / "output" / path).read_bytes()
    slide = "ppt/slides/slide3.xml"
    xml = zipfile.ZipFile(io.BytesIO(data)).read(slide)

    def gate(changes: dict[str, bytes]) -> str:
        found = verify.check_copy(job, _repack(data, changes), path, copy.line, base,
                                  copy.mark)
        return "\n".join(d.message for d in found)

    assert gate({}) == ""  # repacked, the copy is still its render plus its shapes
    # the copy line taken off a slide
    no_line = re.sub(rb'<p:sp xmlns:p="[^"]+" xmlns:a="[^"]+"><p:nvSpPr><p:cNvPr id="\d+" '
                     rb'name="Copy Line"/>.*?</p:sp>', b"", xml)
    assert no_line != xml
    assert "slide 3 of " in gate({slide: no_line}) and "copy line" in gate({slide: no_line})
    # the copy line stretched over the top banner
    wide = re.sub(rb'(name="Copy Line"/>.*?<a:off) x="\d+"', rb'\1 x="0"', xml)
    wide = re.sub(rb'(name="Copy Line"/>.*?<a:ext) cx="\d+"', rb'\1 cx="12192000"', wide)
    assert "shape `Copy Line` lies over it" in gate({slide: wide})
    # a word of the slide changed, or a shape of the render's moved
    assert "slide 3 differs from the render's" in gate({slide: xml.replace(b"SECRET", b"SECRE", 1)})
    assert "slide 3 differs from the render's" in gate({slide: re.sub(
        rb'<a:off x="(\d+)"', rb'<a:off x="1\1"', xml, count=1)})
    # another part changed: the deck's properties, a layout
    core = zipfile.ZipFile(io.BytesIO(data)).read("docProps/core.xml")
    assert "docProps/core.xml differs" in gate({"docProps/core.xml": core + b" "})
    # a shape slipped in beside the copy's
    extra = xml.replace(b'name="Copy Watermark"', b'name="Logo"')
    assert "more than the copy's shapes added" in gate({slide: extra})
    # the copy's own shapes saying more than the copy: other text would pass unchecked
    said = copy.mark.split(" \u2014 ")[1].encode()
    assert said in xml
    assert "copy watermark saying other than the copy's" in gate(
        {slide: xml.replace(said, said + b" (S) Qx secret", 1)})


def test_a_copy_shape_given_an_id_the_render_animates_is_refused(built: Path) -> None:
    """A render whose slide animates a shape id no shape has yet (a hostile master) would
    show or hide the copy line given that id: the copy is refused."""
    project = load_project(built)
    job = next(j for j in plan(project, {"minister": tailor(project, "minister")})
               if j.format == "pptx")
    copy = copies.copies_of(project, "minister")[6]
    slide = "ppt/slides/slide3.xml"
    base, data = ((built / "output" / path).read_bytes() for path in (job.path,
                                                                      copy.path(job.path)))
    line_id = re.search(rb'<p:cNvPr id="(\d+)" name="Copy Line"',
                        zipfile.ZipFile(io.BytesIO(data)).read(slide))[1]
    timing = (b'<p:timing><p:tnLst><p:par><p:cTn id="1"><p:childTnLst><p:set><p:cBhvr>'
              b'<p:cTn id="2"/><p:tgtEl><p:spTgt spid="' + line_id + b'"/></p:tgtEl>'
              b'</p:cBhvr></p:set></p:childTnLst></p:cTn></p:par></p:tnLst></p:timing>')

    def animated(package: bytes) -> bytes:
        xml = zipfile.ZipFile(io.BytesIO(package)).read(slide)
        return _repack(package, {slide: xml.replace(b"</p:sld>", timing + b"</p:sld>")})

    assert verify.check_deck(animated(base), job.edition, job.path) == []  # no such shape
    found = verify.check_copy(job, animated(data), copy.path(job.path), copy.line,
                              animated(base), copy.mark)
    assert "slide 3 has a shape added whose id the slide already uses" in "\n".join(
        d.message for d in found)


def test_a_deck_whose_slide_hides_its_shape_tree_end_in_a_comment_is_copied(
        built: Path) -> None:
    """A master's placeholder may bring an XML comment into a slide; one that reads like
    the shape tree's end tag does not misplace the copy's shapes: that slide is written
    without its comments, and the copy is gated in full."""
    project = load_project(built)
    job = next(j for j in plan(project, {"minister": tailor(project, "minister")})
               if j.format == "pptx")
    rendered = (built / "output" / job.path).read_bytes()
    slide = "ppt/slides/slide2.xml"
    xml = zipfile.ZipFile(io.BytesIO(rendered)).read(slide)
    tricky = xml.replace(b"<p:spTree>", b"<p:spTree><!-- </p:spTree> -->", 1)
    assert tricky != xml
    base = _repack(rendered, {slide: tricky})
    copy = copies.copies_of(project, "minister")[0]
    data = copies.stamp("pptx", base, copy, watermark=True)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        stamped = etree.fromstring(archive.read(slide))
    p = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
    tree = stamped.find(f"{p}cSld/{p}spTree")
    names = [next(shape.iter(f"{p}cNvPr")).get("name") for shape in tree[-2:]]
    assert names == ["Copy Watermark", "Copy Line"]  # last in the tree: above all else
    assert verify.check_copy(job, data, copy.path(job.path), copy.line, base,
                             copy.mark) == []



# -- DOCX ------------------------------------------------------------------------------

DOCX_PEOPLE = 3


@pytest.fixture(scope="module")
def docx_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = committee_project(tmp_path_factory.mktemp("docx-copies"),
                             extra="watermark: true\nformats: [pdf, docx]\n",
                             csv=people_csv(DOCX_PEOPLE))
    report = build(root, jobs=2)
    assert sorted(p.rsplit("/", 1)[-1] for p in report.copies) == \
        ["brief.docx"] * DOCX_PEOPLE + ["brief.pdf"] * DOCX_PEOPLE
    return root


def _header_parts(path: Path) -> dict[str, str]:
    """Every ``word/header*.xml`` of the file, as unzip reads it."""
    unzip = require_tool("unzip")
    names = subprocess.run([unzip, "-Z1", str(path)], capture_output=True, text=True,
                           check=True).stdout.split()
    return {name: subprocess.run([unzip, "-p", str(path), name], capture_output=True,
                                 text=True, check=True).stdout
            for name in names if re.fullmatch(r"word/header\d*\.xml", name)}


def test_every_header_of_every_docx_copy_shows_its_own_line(docx_built: Path) -> None:
    import docx

    out = docx_built / "output" / "minister"
    lines = _copy_lines(docx_built)
    assert len(lines) == DOCX_PEOPLE
    for folder, line in lines:
        path = out / "copies" / folder / "brief.docx"
        document = docx.Document(str(path))
        for section in document.sections:
            for header in (section.header, section.first_page_header,
                           section.even_page_header):
                assert not header.is_linked_to_previous
                texts = [p.text for p in header.paragraphs]
                assert len(texts) == 2 and "SECRET" in texts[0] and texts[1] == line, texts
                run = header.paragraphs[1].runs[-1]
                assert run.font.size.pt == copies.COPY_POINTS and not run.font.hidden
        parts = _header_parts(path)
        assert len(parts) >= 3
        number = int(folder.split("-")[0])
        for name, xml in parts.items():
            assert xml.count(f">{line}</w:t>") == 1, (folder, name)
            assert f'string="Copy {number} \u2014 ' in xml  # the watermark
            assert "PowerPlusWaterMarkObject" in xml and "rotation:315" in xml
            others = [other for f, other in lines if f != folder and other in xml]
            assert not others, (folder, name)
        assert verify.check_docx_copy_line(path.read_bytes(), line, "x.docx") == []


def test_a_docx_copy_shows_its_line_on_every_page_in_libreoffice(
        docx_built: Path, drawn: dict[str, Path]) -> None:
    _folder, line = _copy_lines(docx_built)[1]  # the copy `drawn` printed
    pages = pdf_pages(drawn["docx"])
    assert len(pages) > 3
    for number, text in enumerate(pages, 1):
        flat = " ".join(text.split())
        assert flat.count(line) == 1, (number, flat[:200])
        assert flat.count("SECRET") >= 2, number


def test_docx_copies_are_byte_reproducible_and_keep_the_package(docx_built: Path) -> None:
    out = docx_built / "output" / "minister"
    base = (out / "brief.docx").read_bytes()
    for copy in copies.copies_of(load_project(docx_built), "minister"):
        written = (out / "copies" / copy.folder / "brief.docx").read_bytes()
        assert copies.stamp("docx", base, copy, watermark=True) == written
        with zipfile.ZipFile(io.BytesIO(base)) as one, \
                zipfile.ZipFile(io.BytesIO(written)) as two:
            assert [(i.filename, i.date_time, i.external_attr) for i in one.infolist()] == \
                [(i.filename, i.date_time, i.external_attr) for i in two.infolist()]
            changed = [n for n in one.namelist() if one.read(n) != two.read(n)]
        assert changed and all(re.fullmatch(r"word/header\d*\.xml", n) for n in changed)


def test_the_gate_refuses_a_docx_copy_without_its_line(docx_built: Path) -> None:
    folder, line = _copy_lines(docx_built)[0]
    data = (docx_built / "output" / "minister" / "copies" / folder / "brief.docx").read_bytes()
    base = (docx_built / "output" / "minister" / "brief.docx").read_bytes()
    missing = verify.check_docx_copy_line(base, line, "x.docx")
    assert missing and all("no paragraph of it holds it" in m for m in missing)

    def altered(change: str, by: str) -> bytes:
        """``data`` with ``change`` replaced by ``by`` in its first header part."""
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as source, \
                zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            first = min(n for n in source.namelist() if n.startswith("word/header"))
            for info in source.infolist():
                body = source.read(info)
                if info.filename == first:
                    assert change.encode() in body
                    body = body.replace(change.encode(), by.encode())
                target.writestr(info, body)
        return out.getvalue()

    removed = verify.check_docx_copy_line(altered(line, ""), line, "x.docx")
    assert len(removed) == 1 and "does not show its copy line" in removed[0]
    assert removed[0].endswith("no paragraph of it holds it")
    hidden = verify.check_docx_copy_line(
        altered('<w:vanish w:val="0"/>', '<w:vanish w:val="1"/>'), line, "x.docx")
    assert len(hidden) == 1 and hidden[0].endswith("its text is hidden (w:vanish)")
    small = verify.check_docx_copy_line(
        altered('<w:sz w:val="14"/>', '<w:sz w:val="10"/>'), line, "x.docx")
    assert len(small) == 1 and "its text is 5 pt" in small[0]


# -- Arabic names ----------------------------------------------------------------------

#: A name that joins (initial, medial and final forms), and one with the lam-alef and
#: Allah ligatures whose organisation is Arabic too (the line then mostly right to left).
SARA, SALAM, MINISTRY = "سارة الحمدان", "سلام عبد الله", "وزارة الدفاع"
_MARKS = re.compile("[\u202a-\u202e]")  # the embeddings pdftotext puts around RTL text


@pytest.fixture(scope="module")
def arabic_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_tool("pdftotext")
    root = committee_project(tmp_path_factory.mktemp("arabic"), csv=(
        f"{CSV_HEAD}{SARA},Defence Committee,\n{SALAM},{MINISTRY},s@example.org\n"))
    build(root, jobs=2)
    return root


def test_arabic_names_build_and_read_in_logical_order(arabic_built: Path) -> None:
    """Each page of the PDF copy holds the name as written (pdftotext and pypdf)."""
    import pypdf

    out = arabic_built / "output" / "minister"
    lines = _copy_lines(arabic_built)
    assert [line for _, line in lines] == [
        f"Copy 1 of 2 \u2014 {SARA}, Defence Committee",
        f"Copy 2 of 2 \u2014 {SALAM}, {MINISTRY}"]
    base_pages = len(pdf_pages(out / "brief.pdf"))
    for (folder, _line), name in zip(lines, (SARA, SALAM), strict=True):
        path = out / "copies" / folder / "brief.pdf"
        pages = pdf_pages(path)
        assert len(pages) == base_pages
        reader = pypdf.PdfReader(path)
        for number, (text, page) in enumerate(zip(pages, reader.pages, strict=True), 1):
            flat = " ".join(_MARKS.sub("", text).split())
            assert flat.count(name) >= 2, (folder, number)  # the line and the watermark
            assert flat.count("SECRET") >= 2, (folder, number)
            assert page.extract_text().count(name) == 2, (folder, number)
    # pdftotext reads the first line as written, Latin and Arabic in their order
    first = " ".join(_MARKS.sub("", pdf_pages(out / "copies" / lines[0][0] / "brief.pdf")[0])
                     .split())
    assert lines[0][1] in first


def _stamp_glyphs(path: Path) -> tuple[set[int], Any]:
    """The glyph ids the stamp of the first page shows in its Arabic font, and that
    font's dictionary."""
    with pikepdf.open(path) as pdf:
        page = pdf.pages[0]
        font = page.Resources.Font["/BGCopyA"]
        glyphs: set[int] = set()
        current = ""
        for operands, operator in pikepdf.parse_content_stream(_streams(page)[-1]):
            if str(operator) == "Tf":
                current = str(operands[0])
            elif str(operator) == "TJ" and current == "/BGCopyA":
                for item in operands[0]:
                    if isinstance(item, pikepdf.String):
                        data = bytes(item)
                        glyphs |= {int.from_bytes(data[i:i + 2], "big")
                                   for i in range(0, len(data), 2)}
        return glyphs, font.ToUnicode.read_bytes().decode()


def test_the_arabic_name_is_shaped_with_the_fonts_joined_forms(arabic_built: Path) -> None:
    """Not the letters' nominal (isolated) glyphs, one per character: HarfBuzz's
    positional forms and ligatures, which the ToUnicode map gives back as characters."""
    from fontTools.ttLib import TTFont

    font = TTFont(copies.ARABIC_FONT_FILE)
    cmap, order = font.getBestCmap(), font.getGlyphOrder()
    out = arabic_built / "output" / "minister" / "copies"
    for folder, name in (("01", SARA), ("02", SALAM)):
        glyphs, to_unicode = _stamp_glyphs(out / folder / "brief.pdf")
        names = {order[g] for g in glyphs}
        nominal = {cmap[ord(c)] for c in name if not c.isspace()}
        assert glyphs and names != nominal
        if name == SARA:
            # seen initial, hah medial, dal final: joined forms, not isolated letters
            assert {"uniFEB3", "uniFEA4", "uniFEAA"} <= names
            assert not {"uni0633", "uni062D", "uni062F"} & names
        else:
            lam_alef = font.getGlyphID("uniFEFC")  # the final lam-alef ligature
            assert lam_alef in glyphs
            # one glyph for two characters, in logical order (lam, alef)
            assert f"<{lam_alef:04X}> <06440627>" in to_unicode


def test_the_gate_passes_arabic_copies_and_refuses_them_altered(arabic_built: Path) -> None:
    project = load_project(arabic_built)
    job = next(j for j in plan(project, {"minister": tailor(project, "minister")})
               if j.format == "pdf")
    base = (arabic_built / "output" / job.path).read_bytes()
    for copy in copies.copies_of(project, "minister"):
        data = copies.stamp("pdf", base, copy, watermark=True)
        assert verify.check_copy(job, data, copy.path(job.path), copy.line) == []
        # the Arabic run drawn white: not seen
        with pikepdf.open(io.BytesIO(data)) as pdf:
            for page in pdf.pages:
                stamp = _streams(page)[-1]
                stamp.write(stamp.read_bytes().replace(
                    b"/BGCopyA 7 Tf", b"/BGCopyA 7 Tf 1 1 1 rg", 1))
            buffer = io.BytesIO()
            pdf.save(buffer)
        found = verify.check_copy(job, buffer.getvalue(), copy.path(job.path), copy.line)
        assert found and "transparent, low-contrast or covered" in found[0].message
        # another copy's line is not this copy's
        other = copies.copies_of(project, "minister")[2 - copy.number]
        assert "not in the page's text" in verify.check_copy(
            job, data, copy.path(job.path), other.line)[0].message


def test_arabic_copies_are_byte_reproducible(arabic_built: Path) -> None:
    out = arabic_built / "output" / "minister"
    project = load_project(arabic_built)
    for copy in copies.copies_of(project, "minister"):
        copies._layout.cache_clear()  # shaped and subset again: the same bytes
        copies._glyph_subset.cache_clear()
        for name, fmt in (("brief.pdf", "pdf"), ("deck.pptx", "pptx")):
            again = copies.stamp(fmt, (out / name).read_bytes(), copy, watermark=True)
            assert again == (out / "copies" / copy.folder / name).read_bytes(), name


def test_an_arabic_deck_copy_shows_the_name(arabic_built: Path,
                                            drawn: dict[str, Path]) -> None:
    """python-pptx reads the line, its Arabic run in Arabic with a font that has Arabic
    letters; LibreOffice shows it (its PDF's text holds the name)."""
    from pptx import Presentation

    path = arabic_built / "output" / "minister" / "copies" / "01" / "deck.pptx"
    lines = dict(_copy_lines(arabic_built))
    for slide in Presentation(str(path)).slides:
        shape = next(s for s in slide.shapes if s.name == "Copy Line")
        assert " ".join(shape.text_frame.text.split()) == lines["01"]
        runs = [r for p in shape.text_frame.paragraphs for r in p.runs]
        arabic = [r for r in runs if SARA.split()[0] in r.text]
        assert arabic and all(r._r.rPr.get("lang") == "ar-SA" for r in arabic)
        assert all(r._r.rPr.find(f"{{{copies._A}}}cs").get("typeface") == "Noto Sans Arabic"
                   for r in arabic)
    # (-layout: pdftotext orders a line's mixed directions; -raw keeps the drawn order)
    slides = pdf_pages(drawn["arabic"], "-layout")
    assert len(slides) > 5
    for number, text in enumerate(slides, 1):
        assert lines["01"] in " ".join(_MARKS.sub("", text).split()), number


PERSIAN = "\u0645\u062d\u0645\u062f\u200c\u0631\u0636\u0627 \u06a9\u0631\u06cc\u0645\u06cc"


@pytest.mark.parametrize(("name", "organisation"), [
    (PERSIAN, "Defence Committee"),  # with a zero-width non-joiner
    (PERSIAN, MINISTRY),
    (f"{SALAM}\u200f", "Defence Committee"),  # a right-to-left mark: drawn as nothing
    (f"{SALAM}\u200f", MINISTRY),
    ("\u05d3\u05d5\u05d3 \u05db\u05d4\u05df", "Defence Committee"),  # Hebrew, unshaped
])
def test_other_right_to_left_names_pass_the_gate(arabic_built: Path, name: str,
                                                 organisation: str) -> None:
    base = (arabic_built / "output" / "minister" / "brief.pdf").read_bytes()
    line = f"Copy 3 of 12 \u2014 {name}, {organisation}"
    data = copies.stamp_pdf(base, line, f"Copy 3 \u2014 {name}")
    assert verify.check_pdf_copy_line(data, line, "x.pdf") == []
