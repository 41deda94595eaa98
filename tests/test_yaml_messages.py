"""YAML mistakes are reported in the writer's words, not YAML's (exact texts)."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from generator.content import load_project
from generator.errors import ContentError

from .projects import BRIEFING, MINISTER, SECTION, write_project


def _errors(root: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_project(root)
    return [d.format() for d in caught.value.diagnostics]


@pytest.mark.parametrize(("file", "text", "expected"), [
    ("content/briefing.yaml", BRIEFING.replace("  - Shared training", "\t- Shared training"),
     "content/briefing.yaml:11:1: error: a tab in the indentation (YAML indents with spaces "
     "only: replace the tab with spaces)"),
    ("content/briefing.yaml", BRIEFING.replace("summary: Collaboration pays.",
                                               "summary: Deliverable 1: improved readiness"),
     "content/briefing.yaml:9:23: error: quote text that contains ': ' (write summary: "
     "\"Deliverable 1: improved readiness\")"),
    ("content/briefing.yaml", BRIEFING.replace("title: Benefits", 'title: "Benefits'),
     "content/briefing.yaml:1:8: error: the quote \" opened here is never closed (end the "
     "text with \" on the same line)"),
    ("content/briefing.yaml", BRIEFING.replace("  - text: Intelligence", " - text: Intelligence"),
     "content/briefing.yaml:12:2: error: bad indentation: this line is indented 1 space, but "
     "the block of `key_messages` is indented 2 (indent it by 2 to keep it in "
     "`key_messages`, or by 0 to end it)"),
    ("content/partners.yaml", "- code: NRV\n  name: Norvia\n   kind: state\n",
     "content/partners.yaml:3:4: error: bad indentation: this line is indented 3 spaces, but "
     "the block of `code` is indented 2 (indent it by 2 to keep it in `code`)"),
    ("content/sections/01-context.md", SECTION.replace(
        "  - Regional threats cross borders.", "  - Deliverable 1: improved readiness"),
     "content/sections/01-context.md:6:5: error: quote text that contains ': ' (write - "
     "\"Deliverable 1: improved readiness\")"),
    ("content/briefing.yaml", BRIEFING.replace("  - Renew the border agreement.",
                                               '  - Say "no": then stop'),
     "content/briefing.yaml:15:5: error: quote text that contains ': ' (write - "
     "\"Say \\\"no\\\": then stop\")"),
])
def test_yaml_mistakes_in_the_writers_words(tmp_path: Path, file: str, text: str,
                                            expected: str) -> None:
    assert _errors(write_project(tmp_path, {file: text})) == [expected]


def test_an_alias_bomb_is_one_error_at_its_first_alias_counting_the_rest(
        tmp_path: Path) -> None:
    """Billion laughs: 81 aliases are one error (not 81), each anchor still its own."""
    names = "abcdefghij"
    bomb = "variables:\n  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"  {name}: &{name} [{', '.join([f'*{inner}'] * 9)}]\n"
        for inner, name in itertools.pairwise(names))
    errors = _errors(write_project(tmp_path, {"templates/audiences/minister.yaml":
                                              MINISTER + bomb}))
    file = "templates/audiences/minister.yaml"
    hint = "(write the value out in full)"
    assert errors[2] == (f"{file}:6:10: error: YAML alias `*a` is not allowed (and 80 more "
                         f"aliases in this file) {hint}")
    assert errors[:2] + errors[3:] == [
        f"{file}:{line}:6: error: YAML anchor `&{name}` is not allowed {hint}"
        for line, name in enumerate(names, 5)]


@pytest.mark.parametrize(("aliases", "counted"), [
    ("[*t]", ""), ("[*t, *t]", " (and 1 more alias in this file)")])
def test_an_alias_error_counts_the_files_other_aliases(
        tmp_path: Path, aliases: str, counted: str) -> None:
    errors = _errors(write_project(tmp_path, {"templates/audiences/minister.yaml":
                                              f"title: &t M\nclearance: SECRET\n"
                                              f"variables: {{x: {aliases}}}\n"}))
    assert errors[1] == (f"templates/audiences/minister.yaml:3:17: error: YAML alias `*t` is "
                         f"not allowed{counted} (write the value out in full)")


def test_a_list_of_mappings_is_still_a_list_of_mappings(tmp_path: Path) -> None:
    # `- text: ...` and `- en: ...` are keys the item may have: no quoting advice
    briefing = BRIEFING.replace("  - Renew the border agreement.",
                                "  - en: Renew the agreement.\n  - text: Renew it.")
    load_project(write_project(tmp_path, {"content/briefing.yaml": briefing}))


def _check(root: Path, *options: str) -> tuple[int, list[str]]:
    import contextlib
    import io

    from generator.cli import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()) as out:
        status = main(["check", str(root), *options])
    return status, (out.getvalue() if "--json" in options else err.getvalue()).splitlines()


FRENCH = "title: Délégation\nclearance: PUBLIC\nlanguage: fr\nlength: summary\n"


def test_warnings_of_one_kind_are_one_line_per_file_and_every_one_counts(
        tmp_path: Path) -> None:
    import json

    root = write_project(tmp_path, {"templates/audiences/french.yaml": FRENCH})
    status, lines = _check(root)
    assert status == 0
    briefing = [line for line in lines if line.startswith("content/briefing.yaml")]
    assert briefing == [
        "content/briefing.yaml:1:8: warning: no `fr` translation of `title`; using `en` "
        "(audience `french`) [and 8 more like it in this file; --verbose lists them]"]
    assert "templates/audiences/french.yaml:3:11: warning: no interface catalogue for `fr`: "\
        "headings and labels are in English (add generator/catalogs/fr.yaml: a copy of "\
        "en.yaml, translated)" in lines
    total = int(re.search(r"0 errors, (\d+) warnings", lines[-1])[1])  # type: ignore[index]
    _, verbose = _check(root, "--verbose")
    assert len([line for line in verbose if line.startswith("content/briefing.yaml")]) == 9
    assert len(verbose) - 1 == total
    _, printed = _check(root, "--json")
    assert len(json.loads("\n".join(printed))) == total
    status, strict = _check(root, "--strict")
    assert status == 1 and strict[-1].endswith(f": {total} errors, 0 warnings")
    assert len(strict) - 1 == total


def test_a_text_parsed_again_gives_its_own_copy_at_the_same_positions() -> None:
    """A text parsed before comes from the process's cache: an equal document whose
    nodes sit where the text puts them, and a copy of its own (a caller that changed
    the first would not change the second); a different text is parsed afresh."""
    from generator.content.yamlio import Source, load_yaml

    text = "title: A\nbenefits:\n  - category: security\n    text: B\n"
    first = load_yaml(text, Source("a.yaml"))
    first["benefits"][0]["text"] = "changed"
    again = load_yaml(text, Source("b.yaml", line_offset=5))
    assert again["benefits"][0]["text"] == "B"
    assert again is not first
    assert (again.lc.key("benefits"), again["benefits"].lc.item(0),
            again["benefits"][0].lc.value("text")) == ((1, 0), (2, 4), (3, 10))
    assert load_yaml(text.replace("B", "C"), Source("a.yaml"))["benefits"][0]["text"] == "C"
