"""Hostile input: whatever bytes a user's file holds, loading ends in diagnostics, never a
traceback."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from generator.content import load_project
from generator.errors import ContentError
from generator.tailor import tailor

from .projects import PARTNERS, PATROLS, SECTION, write_project

# Text built from the characters YAML, Markdown and our ::: blocks care about.
ALPHABET = [*"abc: -[]{},&*!|>'\"#\n\t\\%@`~?=.1209", "\u00e9", "\u0627", "\x00", "\x85",
            "\ufeff"]
yamlish = st.text(alphabet=st.sampled_from(ALPHABET), max_size=200)
FILES = ["content/partners.yaml", "content/collaborations/patrols.yaml",
         "content/sections/01-context.md", "content/data/exercises.csv",
         "templates/audiences/minister.yaml", "content/briefing.yaml"]


def _load(files: dict[str, str | bytes | None]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = write_project(Path(tmp), files)
        try:
            project = load_project(root)
        except ContentError as exc:
            assert exc.diagnostics
            assert all(d.severity in ("error", "warning") for d in exc.diagnostics)
            return
        for name in project.audiences:
            tailor(project, name)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(target=st.sampled_from(FILES), text=yamlish)
@example(target="content/partners.yaml", text="! [")  # found by this test: a bare `!` tag
@example(target="content/data/exercises.csv", text='0",')  # a quote hiding the comma
def test_random_text_in_any_file_gives_diagnostics_not_tracebacks(target: str, text: str) -> None:
    _load({target: text})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(target=st.sampled_from([("content/partners.yaml", PARTNERS),
                               ("content/collaborations/patrols.yaml", PATROLS),
                               ("content/sections/01-context.md", SECTION)]),
       position=st.integers(min_value=0, max_value=400), insert=yamlish)
# found by this test: a user key that looks like a pydantic union tag, and a `?` complex key
@example(target=("content/collaborations/patrols.yaml", PATROLS), position=1, insert="[")
@example(target=("content/collaborations/patrols.yaml", PATROLS), position=353, insert="?")
def test_damaged_valid_files_give_diagnostics_not_tracebacks(
        target: tuple[str, str], position: int, insert: str) -> None:
    name, text = target
    at = min(position, len(text))
    _load({name: text[:at] + insert + text[at:]})


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=120))
@example(data=b"+_")  # found by this test: ruamel's rule reads `+_` and `._` as numbers
@example(data=b"id: ._")
def test_random_bytes_give_diagnostics(data: bytes) -> None:
    _load({"content/collaborations/patrols.yaml": data})


markdownish = st.text(alphabet=st.sampled_from([*"ab *_`#-|:>[]()!\n\t1.+~<>&{}%\\\"'", "\u0627",
                                                "\u200f", " "]), max_size=300)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=markdownish, point=markdownish, title=markdownish,
       language=st.sampled_from(["en", "ar"]))
def test_renderers_take_any_markdown(body: str, point: str, title: str, language: str) -> None:
    """Whatever Markdown a user writes, the HTML and the deck render (no traceback)."""
    import dataclasses

    from generator.edition import BodyPart, Item
    from generator.render.brief import render_html
    from generator.render.deck import render_deck
    from generator.templates import resolve_templates

    from .factories import sample_edition

    with tempfile.TemporaryDirectory() as tmp:
        content = Path(tmp) / "content"
        content.mkdir()
        edition = sample_edition(content, language=language)
        section = dataclasses.replace(
            edition.sections[0], title=title or "x", body=(BodyPart(body),),
            key_points=(Item(point, edition.sections[0].mark),) * 3)
        edition = dataclasses.replace(edition, sections=(section,), summary=body,
                                      key_messages=(Item(point, edition.key_messages[0].mark),))
        templates = resolve_templates(Path(tmp), "minister")
        assert "<html" in render_html(edition, templates, for_print=True)
        assert render_deck(edition, templates)[:2] == b"PK"


# Plain words with every character that could make them Markdown, and white space of
# several kinds, so that the plain-text shortcut meets its edge cases.
plainish = st.one_of(
    st.text(alphabet=st.sampled_from([*"ab -+=>09.):(\n", "\u00a0", "\u3000", "\u0627",
                                      "é"]), max_size=12),
    st.lists(st.text(alphabet=st.sampled_from([*"ab -+=>09.):(#*", "\u00a0"]), max_size=6),
             max_size=4).map("\n".join),
    st.text(alphabet=st.sampled_from([*"ab -+=>09.)*_`#|:[]()!~<&\\\n\t\r", "\x00",
                                      "\u00a0", "\u2028", "\u3000", "\u0627", "é", "\x85"]),
            max_size=12))


@settings(max_examples=3000, deadline=None)
@given(text=plainish)
@example(text="a")
@example(text="2026. A year")
@example(text="a\u00a0")
@example(text="a\n===")
@example(text="a\nb\n")
def test_plain_text_shortcut_gives_what_markdown_gives(text: str) -> None:
    """Text with nothing of Markdown in it skips the parser: only where the parser
    would give the same paragraph."""
    from generator.render import markdown

    shortcut = all(markdown._PLAIN.fullmatch(line)
                   for line in text.rstrip("\n").split("\n"))
    parsed = markdown.to_paragraphs(text)
    if shortcut:
        original = markdown._PLAIN
        try:
            markdown._PLAIN = re.compile(r"(?!)")  # matches nothing: always parse
            assert markdown.to_paragraphs(text) == parsed
        finally:
            markdown._PLAIN = original


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(code=st.one_of(st.integers(0, 0x3000), st.integers(0xD700, 0xE100),
                      st.integers(0xFFF0, 0x10FFFF)))
@example(code=0xFFFF)
@example(code=0xD800)
@example(code=0x0085)
def test_any_character_a_yaml_escape_spells_is_refused_or_rendered(code: int) -> None:
    """A double-quoted YAML string can spell any code point with an escape: one no
    output can hold is a diagnostic; any other reaches the deck and the HTML."""
    from generator.render.brief import render_html
    from generator.render.deck import render_deck
    from generator.templates import resolve_templates

    from .projects import BRIEFING

    escape = f"\\U{code:08x}"
    briefing = BRIEFING.replace("summary: Collaboration pays.",
                                f'summary: "Collaboration {escape} pays."').replace(
        "  - Shared training has cut response times.",
        f'  - "Shared {escape} training."')
    with tempfile.TemporaryDirectory() as tmp:
        root = write_project(Path(tmp), {"content/briefing.yaml": briefing})
        try:
            project = load_project(root)
        except ContentError as exc:
            assert all(d.file == "content/briefing.yaml" and d.line for d in exc.diagnostics)
            return
        edition = tailor(project, "minister").edition
        templates = resolve_templates(root, "minister")
        assert render_deck(edition, templates)[:2] == b"PK"
        assert "<html" in render_html(edition, templates, for_print=True)


PREFIXES = ["", "", " ", "  ", "   ", "\t", "    ", "> ", ">", "- ", "* ", "1. ", "2) ", "> - "]
LINES = [":::", "::: marking=SECRET", "::: markng=SECRET", ":::marking=SECRET",
         "::: marking=SECRET releasable_to=ALL", "Text.", "", "```", "````", "~~~", "```a`b"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(st.tuples(st.sampled_from(PREFIXES), st.sampled_from(LINES)),
                      max_size=12))
def test_a_fence_line_never_reaches_a_reader_as_text(lines: list[tuple[str, str]]) -> None:
    """Whatever mix of marked blocks, misplaced fences and code fences a body holds, it is
    refused, or no `:::` line is printed outside a code block (which its author wrote to
    show code)."""
    from generator.render.markdown import to_html

    body = "\n".join(prefix + line for prefix, line in lines)
    with tempfile.TemporaryDirectory() as tmp:
        root = write_project(Path(tmp), {"content/sections/01-context.md":
                                         SECTION.replace("Body para.", body)})
        try:
            project = load_project(root)
        except ContentError:
            return
        for part in project.sections[0].main.parts:
            shown = re.sub(r"<pre>.*?</pre>", "", to_html(part.markdown), flags=re.DOTALL)
            assert ":::" not in shown, (body, shown)
