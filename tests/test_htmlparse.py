"""The HTML5 parser's expressions are kept (generator/htmlparse.py), and the parse is
the one tinyhtml5 makes without the fix."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
import tinyhtml5
from tinyhtml5 import inputstream

from generator import htmlparse

PAGE = ('<!doctype html><html lang="en"><head><style>p{color:red}</style></head><body>'
        '<p class="a" title="x &amp; y">One &amp; two<br>three</p><!-- c -->'
        "<table><tr><td>cell</table><script>if (a < b) {}</script></body></html>")


def test_each_expression_is_made_once_and_the_parse_is_unchanged(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inputstream, "characters_until_regex", {})  # tinyhtml5's own
    plain = ET.tostring(tinyhtml5.parse(PAGE))
    assert any(isinstance(chars, re.Pattern) for chars, _ in inputstream.characters_until_regex)
    fixed = ET.tostring(htmlparse.parse(PAGE))
    assert fixed == plain
    cache = inputstream.characters_until_regex
    assert cache and not any(isinstance(chars, re.Pattern) for chars, _ in cache)
    kept = dict(cache)
    htmlparse.parse(PAGE)
    assert all(cache[key] is expression for key, expression in kept.items())
    assert len(cache) == len(kept)
