"""Each output has the banner and the metadata of what it prints: an item that a length or
a format leaves out neither raises its banner nor reaches its metadata, and the tailoring's
table of what each output prints (``edition.SHOWN``) is what the renderers print."""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from pathlib import Path

import pytest
from pptx import Presentation
from pypdf import PdfReader

from generator import edition as ed
from generator.build import build
from generator.content import load_project
from generator.render.brief import brief_html
from generator.render.deck import render_deck
from generator.tailor import tailor
from generator.templates import resolve_templates

from .conftest import require_tool
from .projects import BRIEFING, write_project

COVERT = """\
title: Covert programme
kind: intelligence-sharing
partners: [NRV]
tags: [covert]
marking: SECRET
summary: Only for the few.
"""
# The fixture's only SECRET item besides the collaboration above is a key message.
BRIEFING_NO_SECRET = BRIEFING.replace("    marking: SECRET\n", "    marking: PUBLIC\n")


def _project(root: Path, length: str) -> Path:
    return write_project(root, {
        "content/briefing.yaml": BRIEFING_NO_SECRET,
        "content/collaborations/covert.yaml": COVERT,
        "templates/audiences/minister.yaml": f"title: Minister\nclearance: SECRET\n"
                                             f"length: {length}\n",
        "templates/audiences/norvia.yaml": None,
    })


@pytest.fixture(scope="module")
def summary_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_tool("pdftotext")
    root = _project(tmp_path_factory.mktemp("summary"), "summary")
    build(root, jobs=1)
    return root / "output"


def test_what_a_summary_does_not_print_does_not_raise_its_banner(summary_build: Path) -> None:
    out = summary_build / "minister"
    # The brief prints the section's CONFIDENTIAL block; the deck prints no section body.
    pdf = PdfReader(out / "brief.pdf")
    for number, page in enumerate(pdf.pages, 1):
        text = page.extract_text() or ""
        assert text.count("CONFIDENTIAL") >= 2 and "SECRET" not in text, number
    html = (out / "brief.html").read_text("utf-8")
    assert "CONFIDENTIAL" in html and "SECRET" not in html and "Covert" not in html
    deck = Presentation(str(out / "deck.pptx"))
    for number, slide in enumerate(deck.slides, 1):
        texts = [s.text_frame.text for s in slide.shapes if s.has_text_frame]
        assert texts.count("PUBLIC") >= 2, number  # the banner, top and bottom
        assert not [t for t in texts if "CONFIDENTIAL" in t or "SECRET" in t], number
    sheet = (summary_build / "_review" / "minister.md").read_text("utf-8")
    assert "| Banner | CONFIDENTIAL (highest of the outputs) |" in sheet
    assert re.search(r"\| pdf \| CONFIDENTIAL \| fenced block: Strategic context: Cleared para. \| "
                     r"\d+ of \d+ \|", sheet), sheet
    assert "| pptx | PUBLIC | the document itself (nothing marked higher) |" in sheet


def test_metadata_lists_only_what_a_summary_prints(summary_build: Path) -> None:
    out = summary_build / "minister"
    reader = PdfReader(out / "brief.pdf")
    info = reader.metadata
    assert info is not None
    assert info["/Keywords"] == "CONFIDENTIAL, DIDC/2026/014"  # no collaboration's tags
    assert reader.xmp_metadata is not None
    xmp = reader.xmp_metadata.stream.get_data().decode("utf-8")
    assert "<pdf:Keywords>CONFIDENTIAL, DIDC/2026/014</pdf:Keywords>" in xmp
    assert "covert" not in xmp and "north" not in xmp
    html = (out / "brief.html").read_text("utf-8")
    assert '<meta name="keywords" content="CONFIDENTIAL, DIDC/2026/014">' in html
    with zipfile.ZipFile(out / "deck.pptx") as archive:
        core = archive.read("docProps/core.xml").decode("utf-8")
    assert "<cp:keywords>" not in core and "covert" not in core  # no tags at all
    assert "<cp:category>PUBLIC</cp:category>" in core


def test_a_standard_length_prints_the_collaborations_and_is_marked_for_them(
        tmp_path: Path) -> None:
    """The counterpart: the same content at standard length prints the SECRET
    collaboration, so its banner and keywords say so."""
    project = load_project(_project(tmp_path, "standard"))
    tailored = tailor(project, "minister")
    for output in tailored.outputs():
        assert output.banner == "SECRET"
        assert [c.title for c in output.collaborations] == ["Covert programme",
                                                            "Joint border patrols"]
    templates = resolve_templates(project.root, "minister", project.layouts_for("minister"))
    html = brief_html(tailored.edition.shown_in("html"), templates).decode("utf-8")
    # Collaborations' tags choose what an audience sees; no output prints them, so no
    # output's metadata lists them (the release gate allows only printed values).
    assert '<meta name="keywords" content="SECRET, DIDC/2026/014">' in html


CANARY_BRIEFING = """\
title: T
issuer: I
reference: R/1
date: 2026-11-27
home: {code: HOM, name: Home}
classification: {levels: [PUBLIC, RESTRICTED, CONFIDENTIAL, SECRET]}
summary: S.
key_messages: [Qkeymsgz]
recommendations: [Qrecz]
charts:
  - id: ex
    title: Qcharttitlez
    data: data/exercises.csv
    notes: Qchartnotez
"""
CANARY_PARTNERS = "- code: NRV\n  name: Qpartnerz\n- code: ALT\n  name: Qaltz\n"
CANARY_COLLAB = """\
title: Qcollabz
kind: other
partners: [NRV]
tags: [Qtagz]
summary: Qcsummaryz
benefits:
  - category: security
    text: Qbenefitz
metrics:
  - label: Qmetricz
    values: {2023: 1, 2024: 2}
notes: Qcnotez
sources: [Qsourcez]
"""
CANARY_SECTION = """\
---
title: Qsectionz
length: summary
key_points: [Qpointz]
notes: Qsnotez
---
Qbodyz

::: marking=RESTRICTED
Qblockz
:::
"""


@pytest.mark.parametrize("length", ed.LENGTHS)
def test_renderers_print_exactly_what_the_cut_edition_holds(tmp_path: Path,
                                                            length: str) -> None:
    """The uncut Edition rendered at each length: a canary appears in the output exactly
    when the Edition cut for that output holds it. So the banner (computed from the cut)
    covers everything printed and nothing more."""
    root = write_project(tmp_path, {
        "content/briefing.yaml": CANARY_BRIEFING, "content/partners.yaml": CANARY_PARTNERS,
        "content/collaborations/patrols.yaml": CANARY_COLLAB,
        "content/sections/01-context.md": CANARY_SECTION,
        "templates/audiences/norvia.yaml": None,
    })
    project = load_project(root)
    whole = tailor(project, "minister").edition
    whole = dataclasses.replace(whole, audience=dataclasses.replace(whole.audience,
                                                                    length=length))
    canaries = set(re.findall(r"Q[a-z]+z", "\n".join(t for i in ed.walk(whole)
                                                     for t in i.texts)))
    assert len(canaries) == 18
    templates = resolve_templates(root, "minister", project.layouts_for("minister"))
    with zipfile.ZipFile(io.BytesIO(render_deck(whole, templates))) as deck:
        every_part = "\n".join(deck.read(n).decode("utf-8", "replace")
                               for n in deck.namelist())
    printed = {"html": brief_html(whole, templates).decode("utf-8"), "pptx": every_part}
    for fmt, text in printed.items():
        cut = "\n".join(t for i in ed.walk(whole.shown_in(fmt)) for t in i.texts)
        held = {c for c in canaries if c in cut} - {"Qtagz"}  # tags select, never print
        shown = {c for c in canaries if c in text}
        assert shown == held, f"{fmt} at {length}: printed but cut {sorted(shown - held)}, " \
                              f"cut but not printed {sorted(held - shown)}"
