"""A project declares its own collaboration kinds and benefit categories (with labels in
each language); the built-in lists are the default."""

from __future__ import annotations

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
