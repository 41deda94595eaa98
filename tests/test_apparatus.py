"""The writer's apparatus: footnotes, citations, labels and cross-references, captions,
definition lists, sub/superscript and page breaks, read back from real built files."""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from generator.checks import check_project
from generator.content import load_project
from generator.errors import ContentError
from generator.render.markdown import Apparatus, to_html, to_paragraphs
from generator.tailor import tailor
from generator.templates import resolve_templates

from .conftest import require_tool
from .projects import BRIEFING, write_project

SOURCES = BRIEFING + """\
sources:
  - id: review-2024
    text: Alliance review of border security, 2024
    url: https://example.org/review
  - id: unused
    text: A report nobody cites
  - id: cleared-only
    text: Cleared assessment 2026
"""

SECTION = """\
---
title: Strategic context
length: summary
key_points:
  - Water is H~2~O [@review-2024].
---
Smuggling rose sharply[^rise] as @fig-coast shows; costs are in @tbl-costs, the detail
in @sec-detail and the trend in @fig-exercises [@review-2024].

::: marking=CONFIDENTIAL
![Cleared map](images/map.svg "Cleared overview"){#fig-cleared}

Only for the cleared [@cleared-only].[^cleared][^shared]

[^cleared]: A cleared note about sources.
:::

![Coast map](images/map.svg "The northern coast"){#fig-coast}

| Year | Cost |
|---|---|
| 2024 | 3 |

: Costs by year {#tbl-costs}

## The detail {#sec-detail}

Term
: Its definition

Area is 10^3^ km.

### Finer point

A detail of the detail.

\\pagebreak

After the break.

[^rise]: Border Commission figures, 2026.

[^shared]: A note defined in public text.
"""

SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
       '<rect width="40" height="20" fill="#345"/></svg>')
FILES: dict[str, str | bytes | None] = {
    "content/briefing.yaml": SOURCES,
    "content/sections/01-context.md": SECTION,
    "content/images/map.svg": SVG,
    "templates/audiences/minister.yaml": "title: Minister\nclearance: SECRET\nlength: full\n"
                                         "list_of_figures: true\nlist_of_tables: true\n",
    "templates/audiences/norvia.yaml": "title: Norvian delegation\nclearance: RESTRICTED\n"
                                       "country: NRV\nlength: standard\ncontents_depth: 3\n",
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_project(tmp_path_factory.mktemp("apparatus"), FILES)


def _html(root: Path, audience: str) -> str:
    from generator.render.brief import render_html

    edition = tailor(load_project(root), audience).edition.shown_in("html")
    return render_html(edition, resolve_templates(root, audience))


@pytest.fixture(scope="module")
def pdf(project: Path) -> dict[str, Any]:
    from generator.render.brief import render_brief

    edition = tailor(load_project(project), "minister").edition.shown_in("pdf")
    path = project / "minister.pdf"
    path.write_bytes(render_brief(edition, resolve_templates(project, "minister")))
    text = subprocess.run([require_tool("pdftotext"), "-layout", str(path), "-"],
                          capture_output=True, text=True, check=True).stdout
    return {"path": path, "pages": text.split("\f")}


def _words(text: str) -> str:
    return " ".join(text.split())


def test_numbers_follow_what_each_audience_sees(project: Path) -> None:
    minister = _html(project, "minister")
    norvia = _html(project, "norvia")
    # the minister sees the cleared figure first: the coast is Figure 2, the chart 3
    assert '<a class="xref" href="#fig-coast">Figure 2</a>' in minister
    assert '<a class="xref" href="#figure-3">Figure 3</a>' in minister
    assert '<span class="figure-number">Figure 1</span> Cleared overview' in minister
    # the delegation does not: the coast is its Figure 1, and the reference follows
    assert '<a class="xref" href="#fig-coast">Figure 1</a>' in norvia
    assert '<a class="xref" href="#figure-2">Figure 2</a>' in norvia
    assert "Cleared overview" not in norvia and "fig-cleared" not in norvia
    for html in (minister, norvia):
        assert '<table id="tbl-costs">' in html
        assert '<caption><span class="table-number">Table 1</span> Costs by year</caption>' \
            in html
        assert '<a class="xref" href="#sec-detail">Section 1</a>' in html
        assert '<h2 id="sec-detail">The detail</h2>' in html


def test_html_footnotes_are_linked_endnotes_and_withheld_ones_go(project: Path) -> None:
    minister = _html(project, "minister")
    norvia = _html(project, "norvia")
    assert '<sup class="footnote-ref"><a href="#fn-1" id="fnref-1">1</a></sup>' in minister
    pm = '<bdi class="pm" dir="ltr">({})</bdi> '
    assert re.search(r'<li id="fn-1" value="1">' + re.escape(pm.format("P")) +
                     r'Border Commission figures, 2026\. '
                     r'<a class="footnote-back" href="#fnref-1"', minister)
    assert pm.format("C") + "A cleared note about sources." in minister
    # a note is marked the higher of its reference's and its definition's
    assert pm.format("C") + "A note defined in public text." in minister
    assert "Border Commission figures" in norvia
    assert "cleared note" not in norvia and "[^" not in norvia
    assert "defined in public text" not in norvia  # referenced only from withheld text


def test_citations_number_the_references_and_withheld_sources_go(project: Path) -> None:
    minister = _html(project, "minister")
    norvia = _html(project, "norvia")
    assert '<span class="citation">[<a href="#ref-review-2024">1</a>]</span>' in minister
    assert '<span class="citation">[<a href="#ref-cleared-only">2</a>]</span>' in minister
    refs = minister[minister.index('id="references"'):]
    assert 'id="ref-review-2024"' in refs and "Cleared assessment 2026" in refs
    assert '<a class="url" href="https://example.org/review">' in refs
    assert "A report nobody cites" not in minister  # not cited: not listed
    # cited only from the cleared block: withheld with it, and said so on the review sheet
    assert "Cleared assessment" not in norvia
    withheld = tailor(load_project(project), "norvia").withheld
    assert any(w.kind == "source" and "cleared-only" in w.label for w in withheld)


def test_definition_lists_scripts_and_page_breaks(project: Path) -> None:
    html = _html(project, "minister")
    assert "<dl>\n<dt>Term</dt>\n<dd>Its definition</dd>\n</dl>" in html
    assert "10<sup>3</sup> km" in html
    assert "H<sub>2</sub>O" in html  # in a key point too
    assert '<div class="page-break" aria-hidden="true"></div>' in html
    assert "\\pagebreak" not in html and "{#" not in html


def test_the_pdf_prints_the_apparatus(pdf: dict[str, Any]) -> None:
    pages = pdf["pages"]
    text = _words("\n".join(pages))
    assert "as Figure 2 shows; costs are in Table 1, the detail in Section 1" in text
    assert "Figure 2 The northern coast" in text and "Table 1 Costs by year" in text
    assert "References" in text and "1. (P) Alliance review of border security, 2024" in text
    # the footnote is at the foot of the page that calls it, after the body's lines
    page = next(p for p in pages if "Smuggling rose sharply" in p)
    lines = [line.strip() for line in page.splitlines() if line.strip()]
    note = next(i for i, line in enumerate(lines) if "Border Commission figures" in line)
    assert note > next(i for i, line in enumerate(lines) if "Smuggling rose" in line)
    assert "Border Commission figures" not in _words(page).split("Smuggling rose")[0]
    # the page break: "After the break." starts a page of its own
    after = next(i for i, p in enumerate(pages) if "After the break." in p)
    assert "Its definition" not in pages[after]
    # the lists of figures and tables, with page numbers
    listing = next(p for p in pages if "List of figures" in p)
    assert re.search(r"Figure 2: The northern coast\s*\.*\s*\d+", listing)
    assert re.search(r"Table 1: Costs by year\s*\.*\s*\d+", _words("\n".join(pages)))


def test_headings_inside_sections_are_in_the_contents_and_bookmarks_to_the_depth(
        project: Path, pdf: dict[str, Any]) -> None:
    from pypdf import PdfReader

    contents = next(p for p in pdf["pages"] if "Contents" in p and "Strategic context" in p)
    assert re.search(r"The detail\s*\.*\s*\d+", contents)
    assert "Finer point" not in contents  # the minister's depth is 2: ## only

    def titles(outline: list[Any]) -> list[Any]:
        return [titles(item) if isinstance(item, list) else item.title for item in outline]

    outline = titles(PdfReader(pdf["path"]).outline)
    at = outline.index("(P) Strategic context")
    assert outline[at + 1] == ["The detail"]
    norvia = _html(project, "norvia")  # contents_depth: 3
    listing = norvia[norvia.index('id="contents"'):norvia.index("</nav>")]
    assert '<li class="depth-2"><a class="entry-row" href="#sec-detail">' in listing
    assert '<li class="depth-3"><a class="entry-row" href="#section-1-heading-2">' in listing
    assert '<h3 id="section-1-heading-2">Finer point</h3>' in norvia


def test_pdf_cross_references_are_links_inside_the_document(pdf: dict[str, Any]) -> None:
    from pypdf import PdfReader

    reader = PdfReader(pdf["path"])
    index = next(i for i, p in enumerate(reader.pages)
                 if "Smuggling rose" in (p.extract_text() or ""))
    annots = [a.get_object() for a in reader.pages[index].get("/Annots", [])]
    internal = [a for a in annots if a.get("/Subtype") == "/Link" and "/Dest" in a]
    # @fig-coast, @tbl-costs, @sec-detail, @fig-exercises, the citation (twice: the
    # cleared block's too) and the lists' entries are on other pages
    assert len(internal) >= 5


def test_the_deck_prints_scripts_and_leaves_out_citation_marks(project: Path) -> None:
    from generator.render.deck import render_deck

    edition = tailor(load_project(project), "minister").edition.shown_in("pptx")
    data = render_deck(edition, resolve_templates(project, "minister"))
    path = project / "deck.pptx"
    path.write_bytes(data)
    with zipfile.ZipFile(path) as deck:
        xml = "".join(deck.read(n).decode() for n in deck.namelist()
                      if n.startswith("ppt/slides/slide"))
    # the key point "Water is H~2~O [@review-2024]": a subscript run, no citation marks
    assert re.search(r'Water is H</a:t></a:r><a:r><a:rPr [^>]*baseline="-25000"/>'
                     r"<a:t>2</a:t>", xml)
    assert "[@review" not in xml and "~2~" not in xml
    assert [r.baseline for r in to_paragraphs("x^2^ H~2~O")[0].runs] == [0, 30000, 0, -25000, 0]
    assert [p.text for p in to_paragraphs("a[^1] b\n\n[^1]: note")] == ["a b"]


def test_a_withheld_figure_referenced_from_visible_text_is_an_error_naming_both(
        tmp_path: Path) -> None:
    body = SECTION.replace("as @fig-coast shows", "as @fig-cleared shows")
    root = write_project(tmp_path, {**FILES, "content/sections/01-context.md": body})
    found = [d for d in check_project(root) if d.severity == "error"]
    assert [(d.file, d.line, d.message) for d in found] == [
        ("content/sections/01-context.md", 7,
         "`@fig-cleared` refers to what audience `norvia` may not see "
         "(at content/sections/01-context.md:11)")]
    assert found[0].col == 34


@pytest.mark.parametrize(("line", "message", "hint"), [
    ("See @fig-cost.", "cross-reference `@fig-cost` names no label",
     "did you mean `fig-coast`?"),
    ("As said [@review-2042].", "citation `[@review-2042]` names no source",
     "did you mean `review-2024`?"),
    ("A claim[^nope].", "footnote `[^nope]` has no definition in this section",
     "add a line `[^nope]: the note's text` to this file"),
    ("![Map](images/map.svg){.wide}", "only a label like `{#fig-name}` may follow an image "
     "in braces, not `{.wide}`", "classes, sizes and other attributes are not supported: "
     "the stylesheet decides how things look"),
    ("![Map](images/map.svg){#fig-x width=3}", "only a label like `{#fig-name}` may follow "
     "an image in braces, not `{#fig-x width=3}`", "classes, sizes and other attributes are "
     "not supported: the stylesheet decides how things look"),
    ("![Map](images/map.svg){#map}", "the label of an image starts with `fig-`: `{#map}`",
     "write {#fig-map}"),
    ("## Again {#sec-detail}", "label `sec-detail` is used twice",
     "first at content/sections/01-context.md:26"),
    ("[^rise]: Again.", "footnote `[^rise]` is defined twice in this section",
     "give each note its own label"),
])
def test_apparatus_mistakes_are_errors_at_their_place(tmp_path: Path, line: str, message: str,
                                                      hint: str) -> None:
    root = write_project(tmp_path, {**FILES, "content/sections/01-context.md":
                                    SECTION + "\n" + line + "\n"})
    with pytest.raises(ContentError) as caught:
        load_project(root)
    (d,) = caught.value.diagnostics
    assert (d.file, d.line, d.message, d.hint) == (
        "content/sections/01-context.md", SECTION.count("\n") + 2, message, hint)


def test_content_in_braces_or_notes_never_becomes_markup() -> None:
    html = to_html('Text <b>x</b>[^1]\n\n[^1]: <script>alert(1)</script> *note*\n')
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<em>note</em>" in html
    alone = to_html("![a](x.png){#fig-a onload=alert(1)}")
    assert "onload" not in alone.split(">")[0] and "<figure" not in alone
    app = Apparatus(refs={"fig-a": ('"><script>', "#fig-a")})
    assert "<script>" not in to_html("@fig-a", app)


def test_citations_and_references_in_yaml_texts_are_checked_too(tmp_path: Path) -> None:
    briefing = SOURCES.replace("summary: Collaboration pays.",
                               "summary: Collaboration pays [@reveiw-2024].")
    root = write_project(tmp_path, {**FILES, "content/briefing.yaml": briefing})
    with pytest.raises(ContentError) as caught:
        load_project(root)
    assert [d.format() for d in caught.value.diagnostics] == [
        "content/briefing.yaml:9:10: error: citation `[@reveiw-2024]` names no source "
        "(did you mean `review-2024`?)"]
    briefing = SOURCES.replace("summary: Collaboration pays.",
                               "summary: Collaboration pays, as @fig-cleared shows.")
    root = write_project(tmp_path / "b", {**FILES, "content/briefing.yaml": briefing})
    found = [d for d in check_project(root) if d.severity == "error"]
    assert [(d.file, d.line, d.message) for d in found] == [
        ("content/briefing.yaml", 9, "`@fig-cleared` refers to what audience `norvia` may "
         "not see (at content/sections/01-context.md:11)")]


def test_numbers_are_localised(tmp_path: Path) -> None:
    arabic = "title: Qamari delegation\nclearance: PUBLIC\ncountry: QAM\nlanguage: ar\n"
    root = write_project(tmp_path, {**FILES, "templates/audiences/qamar.yaml": arabic})
    html = _html(root, "qamar")
    assert '<a class="xref" href="#fig-coast">الشكل 1</a>' in html
    assert '<caption><span class="table-number">الجدول 1</span> Costs by year</caption>' in html
    assert '<a class="xref" href="#sec-detail">القسم 1</a>' in html
