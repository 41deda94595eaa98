"""Citation styles (``citations:`` in briefing.yaml): numbered, the default, or
author-date, "(Smith 2024a)" in the text and a references list by author then year, read
back from the PDF, the HTML page, the deck and the Word brief of one build."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from generator.build import build
from generator.errors import ContentError

from .conftest import require_tool
from .projects import BRIEFING, write_project

AUTHOR_DATE = BRIEFING.replace("key_messages:\n", "key_messages:\n"
                               "  - Crossings fell by half [@smith-coast].\n") + """\
citations: author-date
sources:
  - id: smith-border
    author: Smith
    year: 2024
    text: Review of the border, first part
    marking: CONFIDENTIAL
  - id: smith-coast
    author: Smith
    year: 2024
    text: Review of the coast, second part
    url: https://example.org/coast
  - id: adams
    author: Adams and Okafor
    year: 2019
    text: An early study of patrols
  - id: zeta
    author: Zeta Institute
    year: 2023
    text: A report nobody cites
"""

SECTION = """\
---
title: Strategic context
length: summary
---
Patrols rose [@adams; @smith-coast] along the coast.

::: marking=CONFIDENTIAL
The border saw the same [@smith-border].
:::
"""

FILES: dict[str, str | bytes | None] = {
    "content/briefing.yaml": AUTHOR_DATE,
    "content/sections/01-context.md": SECTION,
    "templates/audiences/minister.yaml": "title: Minister\nclearance: SECRET\nlength: full\n"
                                         "formats: [pdf, html, pptx, docx]\n",
    "templates/audiences/norvia.yaml": "title: Norvian delegation\nclearance: RESTRICTED\n"
                                       "country: NRV\nlength: standard\nformats: [html]\n",
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = write_project(tmp_path_factory.mktemp("author-date"), FILES)
    build(root, jobs=1)
    out = root / "output"
    pdf = subprocess.run([require_tool("pdftotext"), str(out / "minister/brief.pdf"), "-"],
                         capture_output=True, text=True, check=True).stdout
    return {"root": root, "out": out, "pdf": " ".join(pdf.split())}


def _after(text: str, start: str) -> str:
    return text[text.rindex(start):]


def test_the_pdf_cites_author_and_year_and_lists_by_author(built: dict[str, Any]) -> None:
    text = built["pdf"]
    assert "Patrols rose (Adams and Okafor 2019; Smith 2024b) along the coast." in text
    assert "The border saw the same (Smith 2024a)." in text
    references = _after(text, "References")
    assert ("References (P) Adams and Okafor (2019). An early study of patrols "
            "(C) Smith (2024a). Review of the border, first part "
            "(P) Smith (2024b). Review of the coast, second part https://example.org/coast"
            ) in references
    assert "nobody cites" not in text and "[@" not in text


def test_the_html_links_each_citation_to_its_reference(built: dict[str, Any]) -> None:
    html = (built["out"] / "minister/brief.html").read_text("utf-8")
    assert ('<span class="citation">(<a href="#ref-adams">Adams and Okafor 2019</a>; '
            '<a href="#ref-smith-coast">Smith 2024b</a>)</span>') in html
    references = html[html.index('id="references"'):]
    ids = [references.index(f'id="ref-{one}"') for one in ("adams", "smith-border",
                                                            "smith-coast")]
    assert ids == sorted(ids)
    # the delegation does not see the border review: its Smith 2024 needs no letter
    norvia = (built["out"] / "norvia/brief.html").read_text("utf-8")
    assert '<a href="#ref-smith-coast">Smith 2024</a>' in norvia
    assert "Smith 2024b" not in norvia and "border, first part" not in norvia


def test_the_deck_prints_author_and_year(built: dict[str, Any]) -> None:
    from pptx import Presentation

    deck = Presentation(str(built["out"] / "minister/deck.pptx"))
    texts = [" ".join(shape.text_frame.text.split()) for slide in deck.slides
             for shape in slide.shapes if shape.has_text_frame]
    assert any("Crossings fell by half (Smith 2024b)." in text for text in texts), texts


def test_the_word_brief_cites_and_lists_by_author(built: dict[str, Any]) -> None:
    from docx import Document

    paragraphs = [" ".join(p.text.split())
                  for p in Document(str(built["out"] / "minister/brief.docx")).paragraphs]
    assert "Patrols rose (Adams and Okafor 2019; Smith 2024b) along the coast." in paragraphs
    start = len(paragraphs) - 1 - paragraphs[::-1].index("References")  # not the contents
    assert paragraphs[start + 1:start + 4] == [
        "(P) Adams and Okafor (2019). An early study of patrols",
        "(C) Smith (2024a). Review of the border, first part",
        "(P) Smith (2024b). Review of the coast, second part https://example.org/coast"]


def test_a_cited_source_without_author_or_year_is_an_error_at_its_place(
        tmp_path: Path) -> None:
    briefing = AUTHOR_DATE.replace("    author: Adams and Okafor\n    year: 2019\n", "")
    root = write_project(tmp_path, {**FILES, "content/briefing.yaml": briefing})
    with pytest.raises(ContentError) as caught:
        build(root, jobs=1)
    lines = briefing.splitlines()
    line = lines.index("  - id: adams") + 1
    assert [d.format() for d in caught.value.diagnostics] == [
        f"content/briefing.yaml:{line}:5: error: source `adams` has no `author` and `year`: "
        "`citations: author-date` cites it as (Author Year) (add `author` and `year` to it; "
        "it is cited at content/sections/01-context.md:5:14)"]
    assert not (root / "output").exists()
