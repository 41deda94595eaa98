"""Tailoring: the visibility rule, tested exhaustively against an oracle written here."""

from __future__ import annotations

import dataclasses
import itertools
import json
import tempfile
from pathlib import Path

import markdown_it
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.content import load_project
from generator.errors import Diagnostic
from generator.review import review_sheet
from generator.tailor import abbreviations, tailor

from .projects import BRIEFING, PARTNERS, write_project
from .test_limits import png

LEVELS = ["PUBLIC", "RESTRICTED", "CONFIDENTIAL", "SECRET"]
RELEASABILITY: list[list[str] | None] = [None, ["NRV"], ["ALT"], ["ALL"], ["NRV", "ALT"]]
COUNTRIES: list[str | None] = [None, "NRV", "ALT"]


def visible(marking: str, releasable: list[str] | None, clearance: str,
            country: str | None) -> bool:
    """The oracle: the spec's rule for one item, written independently of the code."""
    if LEVELS.index(marking) > LEVELS.index(clearance):
        return False
    if country is None or marking == LEVELS[0]:
        return True
    return releasable is not None and ("ALL" in releasable or country in releasable)


def _flow(values: list[str] | None, indent: str = "    ") -> str:
    return "" if values is None else f"\n{indent}releasable_to: [{', '.join(values)}]"


def test_visibility_table_every_combination(tmp_path: Path) -> None:
    """marking x releasability x clearance x country x nesting (collaboration > benefit)."""
    combos = list(itertools.product(LEVELS, range(len(RELEASABILITY))))
    files: dict[str, str | bytes | None] = {
        "content/collaborations/patrols.yaml": None, "content/sections/01-context.md": None,
        "templates/audiences/minister.yaml": None, "templates/audiences/norvia.yaml": None,
    }
    for p, (pm, pr) in enumerate(combos):
        benefits = "".join(
            f"  - category: security\n    text: benefit-{p}-{c}\n    marking: {cm}"
            f"{_flow(RELEASABILITY[cr])}\n"
            for c, (cm, cr) in enumerate(combos))
        rel = RELEASABILITY[pr]
        files[f"content/collaborations/c{p:02d}.yaml"] = (
            f"title: collab-{p}\nkind: other\npartners: [NRV, ALT]\nsummary: s\n"
            f"marking: {pm}\n" + (f"releasable_to: [{', '.join(rel)}]\n" if rel else "")
            + "benefits:\n" + benefits)
    for clearance, country in itertools.product(LEVELS, COUNTRIES):
        files[f"templates/audiences/{clearance.lower()}-{country or 'home'}.yaml"] = (
            f"title: t\nclearance: {clearance}\n" + (f"country: {country}\n" if country else ""))
    project = load_project(write_project(tmp_path, files))
    checked = 0
    for clearance, country in itertools.product(LEVELS, COUNTRIES):
        edition = tailor(project, f"{clearance.lower()}-{country or 'home'}").edition
        got = {b.text for c in edition.collaborations for b in c.benefits}
        titles = {c.title for c in edition.collaborations}
        for p, (pm, pr) in enumerate(combos):
            parent_ok = visible(pm, RELEASABILITY[pr], clearance, country)
            assert (f"collab-{p}" in titles) == parent_ok, (clearance, country, pm, pr)
            for c, (cm, cr) in enumerate(combos):
                expected = parent_ok and visible(cm, RELEASABILITY[cr], clearance, country)
                assert (f"benefit-{p}-{c}" in got) == expected, (clearance, country, p, c)
                checked += 1
    assert checked == 12 * 20 * 20


def test_banner_is_the_highest_marking_included(tmp_path: Path) -> None:
    project = load_project(write_project(tmp_path))
    minister = tailor(project, "minister").edition
    norvia = tailor(project, "norvia").edition
    assert minister.banner == "SECRET"
    assert norvia.banner == "RESTRICTED // REL TO HOM, NRV"
    assert [k.text for k in norvia.key_messages] == ["Shared training has cut response times."]


def test_lowest_level_foreign_banner_has_no_rel_to(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"templates/audiences/alt.yaml":
                                    "title: A\nclearance: SECRET\ncountry: ALT\n"})
    edition = tailor(load_project(root), "alt").edition
    assert edition.banner == "PUBLIC"
    assert edition.collaborations == ()


def test_fenced_blocks_follow_the_rule_and_nest(tmp_path: Path) -> None:
    section = ("---\ntitle: T\nmarking: RESTRICTED\nreleasable_to: [NRV, ALT]\n---\nopen\n\n"
               "::: marking=CONFIDENTIAL releasable_to=NRV\nnrv-only\n\n"
               "::: marking=SECRET releasable_to=ALL\nsecret-inner\n:::\n:::\n\nclosing\n")
    root = write_project(tmp_path, {
        "content/sections/01-context.md": section,
        "templates/audiences/alt.yaml": "title: A\nclearance: SECRET\ncountry: ALT\n",
        "templates/audiences/norvia.yaml": "title: N\nclearance: CONFIDENTIAL\ncountry: NRV\n",
    })
    project = load_project(root)
    texts = {name: [p.markdown.strip() for s in tailor(project, name).edition.sections
                    for p in s.body] for name in ("minister", "norvia", "alt")}
    assert texts["minister"] == ["open", "nrv-only", "secret-inner", "closing"]
    assert texts["norvia"] == ["open", "nrv-only", "closing"]  # SECRET above clearance
    assert texts["alt"] == ["open", "closing"]  # inner ALL cannot widen the NRV-only parent


def test_hidden_partner_disappears_everywhere(tmp_path: Path) -> None:
    partners = PARTNERS.replace("  kind: alliance\n", "  kind: alliance\n  marking: SECRET\n")
    collab = ("title: Joint thing\nkind: other\npartners: [NRV, ALT]\nsummary: s\n")
    root = write_project(tmp_path, {"content/partners.yaml": partners,
                                    "content/collaborations/joint.yaml": collab,
                                    "templates/audiences/press.yaml":
                                        "title: P\nclearance: PUBLIC\nlength: summary\n"})
    tailored = tailor(load_project(root), "press")
    e = tailored.edition
    assert [p.code for p in e.partners] == ["NRV", "QAM"]
    assert [c.partners for c in e.collaborations] == [("NRV",)]
    assert [s.name for c in e.charts for s in c.series] == ["NRV"]
    blob = json.dumps(dataclasses.asdict(e))
    assert "Altmark" not in blob and '"ALT"' not in blob
    assert any(w.kind == "chart series" for w in tailored.withheld)


def test_length_tags_and_partner_filters(tmp_path: Path) -> None:
    root = write_project(tmp_path, {
        "content/sections/02-full.md": "---\ntitle: Deep dive\nlength: full\n---\nx\n",
        "content/collaborations/other.yaml": "title: Other\nkind: other\npartners: [ALT]\n"
                                             "summary: s\ntags: [south]\n",
        "templates/audiences/a.yaml": "title: A\nclearance: SECRET\nlength: summary\n"
                                      "exclude_tags: [north]\n",
        "templates/audiences/b.yaml": "title: B\nclearance: SECRET\npartners: [NRV]\n",
    })
    project = load_project(root)
    a = tailor(project, "a")
    assert [s.title for s in a.edition.sections] == ["Strategic context"]
    assert [c.title for c in a.edition.collaborations] == ["Other"]
    reasons = {w.label: w.reason for w in a.withheld}
    assert reasons["Deep dive"].startswith("length: full")
    assert reasons["Joint border patrols"] == "tags: excluded north"
    b = tailor(project, "b")
    assert [c.title for c in b.edition.collaborations] == ["Joint border patrols"]


def test_language_fallback_warns_with_file_and_field(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"templates/audiences/qamar.yaml":
                                    "title: Q\nclearance: PUBLIC\ncountry: QAM\nlanguage: ar\n"})
    t = tailor(load_project(root), "qamar")
    assert [p.name for p in t.edition.partners][2] == "إمارة قمر"
    messages = [d.format() for d in t.warnings]
    assert ("content/briefing.yaml:1:8: warning: no `ar` translation of `title`; using `en` "
            "(audience `qamar`)") in messages
    assert any("sections/01-context.ar.md" in m for m in messages)
    assert t.edition.label("contents") == "المحتويات"


def test_portion_marks_and_abbreviations() -> None:
    assert abbreviations(["UNCLASSIFIED", "SECRET", "SENSITIVE", "TOP SECRET"]) == {
        "UNCLASSIFIED": "U", "SECRET": "S", "SENSITIVE": "SE", "TOP SECRET": "TS"}
    assert abbreviations(["PUBLIC", "SECRET"], {"PUBLIC": "UNCL"})["PUBLIC"] == "UNCL"


# --- property: random projects x random audiences ---------------------------------------

levels = st.sampled_from(LEVELS)
releasability = st.sampled_from(RELEASABILITY)
item = st.tuples(levels, releasability)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    collabs=st.lists(st.tuples(item, st.lists(item, max_size=3), st.sampled_from(
        [["NRV"], ["ALT"], ["NRV", "ALT"]])), min_size=1, max_size=5),
    messages=st.lists(item, max_size=4),
    partner_marks=st.tuples(item, item),
    audience=st.tuples(levels, st.sampled_from(COUNTRIES)),
)
def test_property_edition_holds_exactly_what_the_rule_allows(
        collabs: list, messages: list, partner_marks: tuple, audience: tuple) -> None:
    clearance, country = audience
    files: dict[str, str | bytes | None] = {"content/collaborations/patrols.yaml": None}
    (nm, nr), (am, ar) = partner_marks
    files["content/partners.yaml"] = (
        f"- code: NRV\n  name: partner-canary-NRV\n  marking: {nm}{_flow(nr, '  ')}\n"
        f"- code: ALT\n  name: partner-canary-ALT\n  marking: {am}{_flow(ar, '  ')}\n")
    partner_ok = {"NRV": visible(nm, nr, clearance, country),
                  "ALT": visible(am, ar, clearance, country)}
    expected: set[str] = set()
    canaries: set[str] = set()
    for i, ((cm, cr), benefits, partners) in enumerate(collabs):
        body = "".join(f"  - category: economic\n    text: canary-b{i}-{j}\n    marking: {bm}"
                       f"{_flow(br)}\n" for j, (bm, br) in enumerate(benefits))
        files[f"content/collaborations/c{i}.yaml"] = (
            f"title: canary-c{i}\nkind: other\npartners: [{', '.join(partners)}]\n"
            f"summary: s\nmarking: {cm}\n" + (f"releasable_to: [{', '.join(cr)}]\n" if cr else "")
            + ("benefits:\n" + body if body else ""))
        c_ok = visible(cm, cr, clearance, country) and any(partner_ok[p] for p in partners)
        canaries.add(f"canary-c{i}")
        if c_ok:
            expected.add(f"canary-c{i}")
        for j, (bm, br) in enumerate(benefits):
            canaries.add(f"canary-b{i}-{j}")
            if c_ok and visible(bm, br, clearance, country):
                expected.add(f"canary-b{i}-{j}")
    key_messages = "".join(f"  - text: canary-k{i}\n    marking: {km}{_flow(kr)}\n"
                           for i, (km, kr) in enumerate(messages))
    for i, (km, kr) in enumerate(messages):
        canaries.add(f"canary-k{i}")
        if visible(km, kr, clearance, country):
            expected.add(f"canary-k{i}")
    files["content/briefing.yaml"] = BRIEFING.replace(
        "key_messages:\n  - Shared training has cut response times.\n  - text: Intelligence "
        "sharing stopped two plots.\n    marking: SECRET\n",
        "key_messages:\n" + key_messages if key_messages else "key_messages: []\n")
    files["templates/audiences/minister.yaml"] = None
    files["templates/audiences/norvia.yaml"] = (
        f"title: t\nclearance: {clearance}\n" + (f"country: {country}\n" if country else ""))
    with tempfile.TemporaryDirectory() as tmp:
        tailored = tailor(load_project(write_project(Path(tmp), files)), "norvia")
    blob = json.dumps(dataclasses.asdict(tailored.edition), ensure_ascii=False)
    present = {c for c in canaries if f'"{c}"' in blob}
    assert present == expected
    for code, ok in partner_ok.items():
        assert (f"partner-canary-{code}" in blob) == ok
    sheet = review_sheet(tailored)
    for canary in canaries - expected:
        # every withheld item is explained on the review sheet (a benefit by its own line,
        # or by the line of its withheld collaboration)
        parent = canary.replace("canary-b", "canary-c").rsplit("-", 1)[0] \
            if canary.startswith("canary-b") else canary
        assert canary in sheet or f"| {parent} |" in sheet


def test_the_review_sheet_shows_a_content_authors_markup_as_written(tmp_path: Path) -> None:
    """The sheet is Markdown a releasing officer previews: a withheld title's HTML, images
    and links must not become markup there (an <img> would be fetched by the preview)."""
    hostile = "**b** <img src=https://example.org/b.png> ![i](images/x.png) [l](javascript:x)"
    files: dict[str, str | bytes | None] = {"content/briefing.yaml": BRIEFING.replace(
        "key_messages:\n", f"key_messages:\n  - text: '{hostile}'\n    marking: SECRET\n"),
        "content/images/x.png": png(2, 2)}
    tailored = tailor(load_project(write_project(tmp_path, files)), "norvia")
    html = markdown_it.MarkdownIt("commonmark").enable("table").render(review_sheet(tailored))
    # (the sheet shortens a long label)
    assert "**b** &lt;img src=https://example.org/b.png&gt; ![i](images/x.png) [l](java" in html
    assert "<img" not in html and "<a " not in html and "<strong>" not in html


@pytest.mark.parametrize("text", ["no catalogue for `fr`", "``a`` ```b", "`x`", "a | b`",
                                  " spaced ", "`"])
def test_the_review_sheet_shows_text_with_backticks_whole_in_its_code_spans(
        tmp_path: Path, text: str) -> None:
    """A warning, a withheld item's place or a withdrawn output's path holding backticks
    keeps its code span whole (CommonMark: a longer fence, padded at a backtick; text
    with a space at both ends keeps them)."""
    files: dict[str, str | bytes | None] = {"content/briefing.yaml": BRIEFING.replace(
        "key_messages:\n", "key_messages:\n  - text: Kept back.\n    marking: SECRET\n")}
    tailored = tailor(load_project(write_project(tmp_path, files)), "norvia")
    assert tailored.withheld
    tailored = dataclasses.replace(
        tailored, warnings=(Diagnostic("f.yaml", 1, 2, "warning", text),),
        withheld=tuple(dataclasses.replace(w, where=text)
                       for w in tailored.withheld))
    md = markdown_it.MarkdownIt("commonmark").enable("table")
    sheet = review_sheet(tailored, [(text, "not asked for")])
    codes = [t.content for token in md.parse(sheet) if token.type == "inline"
             for t in token.children or [] if t.type == "code_inline"]
    assert f"f.yaml:1:2: warning: {text}" in codes
    assert codes.count(text) == len(tailored.withheld) + 1  # their places, the output
