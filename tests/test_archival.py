"""The archival variant (`pdf_variant: pdf/a-3u`), read back with pikepdf: veraPDF is not
available here, so these are the PDF/A properties that can be read from the file."""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest

from generator.build import build
from generator.cli import main

from .projects import MINISTER, write_project


@pytest.fixture(scope="module")
def archival(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_project(tmp_path_factory.mktemp("archival"), {
        "templates/audiences/minister.yaml": MINISTER.replace("full", "standard")
        + "formats: [pdf]\npdf_variant: pdf/a-3u\nwatermark: true\n"
          "recipients:\n  - {name: Ms A. Example, organisation: Defence Committee}\n",
        "templates/audiences/norvia.yaml": None})
    build(root, jobs=1)
    return root / "output" / "minister"


def _fonts(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    found: dict[tuple[int, int], pikepdf.Dictionary] = {}
    for page in pdf.pages:
        for font in (page.Resources.get("/Font") or {}).values():
            for one in [font, *(font.get("/DescendantFonts") or [])]:
                found[one.objgen] = one
    return list(found.values())


@pytest.mark.parametrize("name", ["brief.pdf", "copies/01-ms-a-example/brief.pdf"])
def test_the_archival_brief_and_its_copies_keep_the_pdfa_properties(
        archival: Path, name: str) -> None:
    with pikepdf.open(archival / name) as pdf:
        meta = pdf.open_metadata()
        assert (meta.get("pdfaid:part"), meta.get("pdfaid:conformance")) == ("3", "U")
        intents = pdf.Root.OutputIntents
        assert len(intents) == 1 and intents[0].S == "/GTS_PDFA1"
        assert intents[0].DestOutputProfile.read_bytes()[36:40] == b"acsp"  # an ICC profile
        assert not pdf.is_encrypted
        assert "/StructTreeRoot" in pdf.Root and pdf.Root.MarkInfo.Marked  # still tagged
        names = pdf.Root.get("/Names") or {}
        assert "/JavaScript" not in names and "/EmbeddedFiles" not in names
        assert "/OpenAction" not in pdf.Root and "/AA" not in pdf.Root
        fonts = _fonts(pdf)
        assert len(fonts) > 2
        for font in fonts:
            if font.Subtype == "/Type0":
                continue  # its descendant carries the descriptor
            descriptor = font.FontDescriptor
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), \
                font.get("/BaseFont")
        links = [a for page in pdf.pages for a in page.get("/Annots") or []
                 if a.Subtype == "/Link"]
        assert links and all("/Dest" in a or "/A" in a for a in links)
        for page in pdf.pages:
            for annot in page.get("/Annots") or []:
                assert "/JavaScript" not in str(annot.get("/A", {}).get("/S", ""))
    if name.startswith("copies"):
        with pikepdf.open(archival / name) as pdf:
            stamp = pdf.pages[0].Resources.Font.BGCopy
            assert stamp.DescendantFonts[0].FontDescriptor.FontFile2.read_bytes()


def test_the_default_brief_stays_pdf_ua(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"templates/audiences/minister.yaml": MINISTER.replace(
        "full", "summary") + "formats: [pdf]\n", "templates/audiences/norvia.yaml": None})
    build(root, jobs=1)
    with pikepdf.open(root / "output" / "minister" / "brief.pdf") as pdf:
        meta = pdf.open_metadata()
        assert meta.get("pdfuaid:part") == "1" and meta.get("pdfaid:part") is None


def test_an_unknown_variant_is_refused_at_its_position(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_project(tmp_path, {"templates/audiences/minister.yaml": MINISTER
                                    + "pdf_variant: pdf/a-1b\n"})
    assert main(["check", str(root)]) == 1
    assert "templates/audiences/minister.yaml:4:14: error:" in capsys.readouterr().err
