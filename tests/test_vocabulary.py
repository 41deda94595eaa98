"""A project declares its own collaboration kinds and benefit categories (with labels in
each language); the built-in lists are the default."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.content import load_project
from generator.errors import ContentError
from generator.tailor import tailor
from generator.templates import resolve_templates

from .projects import BRIEFING, PATROLS, write_project

VOCABULARY = BRIEFING + """\
collaboration_kinds:
  - id: cyber-defence
    label: {en: Cyber defence, ar: الدفاع السيبراني}
  - id: disaster-relief
    label: Disaster relief
benefit_categories:
  - id: resilience
    label: {en: Resilience, ar: المرونة}
"""

CYBER = PATROLS.replace("kind: border-security", "kind: cyber-defence") \
    .replace("category: security", "category: resilience")
ARABIC = "title: Qamari delegation\nclearance: PUBLIC\ncountry: QAM\nlanguage: ar\n" \
         "length: standard\n"


def test_declared_kinds_and_categories_are_printed_with_their_labels(tmp_path: Path) -> None:
    from generator.render.brief import render_html

    root = write_project(tmp_path, {
        "content/briefing.yaml": VOCABULARY,
        "content/collaborations/patrols.yaml": CYBER.replace(
            "marking: RESTRICTED\nreleasable_to: [NRV]\n", ""),
        "templates/audiences/qamar.yaml": ARABIC})
    project = load_project(root)
    html = render_html(tailor(project, "minister").edition.shown_in("html"),
                       resolve_templates(root, "minister"))
    assert '<p class="card-kind">Cyber defence' in html
    assert "<h5>Resilience</h5>" in html
    arabic = render_html(tailor(project, "qamar").edition.shown_in("html"),
                         resolve_templates(root, "qamar"))
    assert "الدفاع السيبراني" in arabic and "cyber-defence" not in arabic.split("<main>")[1]


def test_a_project_with_its_own_list_refuses_the_built_in_words(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"content/briefing.yaml": VOCABULARY})
    with pytest.raises(ContentError) as caught:
        load_project(root)
    assert [d.format() for d in caught.value.diagnostics] == [
        "content/collaborations/patrols.yaml:3:7: error: `border-security` is not a valid "
        "kind: expected one of cyber-defence or disaster-relief (a project may declare its "
        "own in `collaboration_kinds:` of content/briefing.yaml)",
        "content/collaborations/patrols.yaml:12:15: error: `security` is not a valid "
        "category: expected resilience (a project may declare its own in "
        "`benefit_categories:` of content/briefing.yaml)"]


ORDERED = BRIEFING + """\
benefit_categories:
  - id: humanitarian
    label: Humanitarian
  - id: cyber
    label: Cyber
  - id: security
    label: Security
  - id: relief
    label: Relief
"""
RELIEF = """\
title: Flood relief exchange
kind: humanitarian
partners: [ALT]
summary: Shared flood response.
benefits:
  - category: relief
    text: Shelters opened within a day.
  - category: cyber
    text: Hardened the flood warning network.
  - category: humanitarian
    text: Medical teams deployed together.
"""
DECLARED = ["Humanitarian", "Cyber", "Security", "Relief"]  # neither built-in nor a-z order


def _in_order(text: str) -> list[str]:
    """The category labels in ``text``, in the order they first appear."""
    return sorted(DECLARED, key=lambda label: text.index(label))


def test_categories_are_listed_in_the_declared_order_everywhere(tmp_path: Path) -> None:
    import subprocess

    from pptx import Presentation

    from generator.build import build

    from .conftest import require_tool

    root = write_project(tmp_path, {
        "content/briefing.yaml": ORDERED,
        "content/collaborations/relief.yaml": RELIEF,
        "templates/audiences/minister.yaml": "title: Minister\nclearance: SECRET\n"
                                             "length: full\nformats: [pdf, html, pptx]\n"})
    build(root, ["minister"], jobs=1)
    out = root / "output/minister"
    html = (out / "brief.html").read_text("utf-8")
    matrix = html[html.index('<table class="data matrix">'):]
    assert _in_order(matrix[:matrix.index("</thead>")]) == DECLARED
    card = html[html.index("Flood relief exchange</h3>"):]
    groups = re.findall(r"<h5>(\w+)</h5>", card[:card.index("</article>")])
    assert groups == ["Humanitarian", "Cyber", "Relief"]  # its benefits, declared order
    text = subprocess.run([require_tool("pdftotext"), "-layout", str(out / "brief.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    header = next(line for line in text.splitlines() if all(w in line for w in DECLARED))
    assert _in_order(header) == DECLARED
    deck = Presentation(str(out / "deck.pptx"))
    headers = [[cell.text for cell in shape.table.rows[0].cells] for slide in deck.slides
               for shape in slide.shapes if shape.has_table]
    matrix_header = next(row for row in headers if "Cyber" in row)
    assert [c for c in matrix_header if c in DECLARED] == DECLARED
