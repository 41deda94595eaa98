"""HTML5 parsing with tinyhtml5, the parser WeasyPrint lays out from and the release gate
reads the HTML brief with, made to keep the regular expressions it means to keep.

tinyhtml5 2.x caches the expression matching "every character up to one of these" per
set of characters, but stores each under the compiled expression instead of the set
(``characters = cache[(characters, opposite)] = regex`` assigns ``characters`` first;
html5lib, which it comes from, named the two apart), so every lookup misses and builds
the expression again: about 40 % of parsing a brief's HTML. A cache that makes the
missing entry on lookup never reaches that line. The parse is the same; only the time
changes. Only the versions known to have the mistake get the cache (2.x: a later one
may build its expressions otherwise).
"""

from __future__ import annotations

import re
from typing import Any


class _Expressions(dict[tuple[Any, bool], "re.Pattern[str]"]):
    """The expressions matching a run of characters not in (``opposite``: in) a set,
    keyed by the set, made on first lookup as tinyhtml5's ``chars_until`` makes them."""

    def __missing__(self, key: tuple[Any, bool]) -> re.Pattern[str]:
        characters, opposite = key
        escaped = "".join(f"\\x{ord(character):02x}" for character in characters)
        expression = re.compile(f"[{escaped}]+" if opposite else f"[^{escaped}]+")
        self[key] = expression
        return expression


def keep_tinyhtml5_expressions() -> None:
    """Give tinyhtml5 a cache that keeps its expressions (once per process; nothing if
    its input stream no longer has that cache)."""
    import tinyhtml5
    from tinyhtml5 import inputstream

    if not str(getattr(tinyhtml5, "__version__", "")).startswith("2."):
        return
    cache = getattr(inputstream, "characters_until_regex", None)
    if isinstance(cache, dict) and not isinstance(cache, _Expressions):
        inputstream.characters_until_regex = _Expressions()


def parse(text: str) -> Any:
    """``text`` parsed as an HTML5 document: its root element (ElementTree)."""
    import tinyhtml5

    keep_tinyhtml5_expressions()
    return tinyhtml5.parse(text)
