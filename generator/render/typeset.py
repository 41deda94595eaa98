"""Typesetting touches for the brief's HTML: names that never hyphenate, numbers that stay
with their units, one-line running heads.

Each function takes HTML that markdown-it or Jinja escaped and edits only the text between
tags, so it never changes markup and never unescapes anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from generator.templates import builtin_templates

NBSP = "\u00a0"

# Units and scale words a number is kept on one line with ("212 km", "38 million").
_UNITS = (
    "km", "km²", "m", "cm", "mm", "kg", "t", "tonnes", "tons", "nm", "nmi", "knots", "kt",
    "ha", "h", "hours", "min", "days", "weeks", "months", "years", "%", "per cent",
    "percent", "million", "billion", "bn", "MW", "kW", "GW", "MWh", "GWh", "°C", "people",
    "personnel", "troops", "aircraft", "vessels", "vehicles", "flights", "sorties",
    "patrols", "exercises", "staff", "officers", "students",
)
_NUMBER_UNIT = re.compile(
    r"(?<=\d) (?=(?:" + "|".join(re.escape(u) for u in sorted(set(_UNITS), key=len,
                                                                reverse=True))
    + r")(?![\w²]))")
# A currency or other three-letter code before a number: "VCR 46 million".
_CODE_NUMBER = re.compile(r"(?<![\w&])([A-Z]{3}) (?=\d)")
_TEXT = re.compile(r"(<[^>]*>)|([^<]+)")
#: Words of names shorter than this hyphenate rarely enough not to matter.
_MIN_NAME_WORD = 5


def tie_units(html: str) -> str:
    """``html`` with a no-break space between a number and the unit after it, and
    between a currency code and the number after it."""
    if not any(c.isdigit() for c in html):
        return html

    def fix(match: re.Match[str]) -> str:
        if match[1]:
            return match[1]
        text = _NUMBER_UNIT.sub(NBSP, match[2])
        return _CODE_NUMBER.sub(lambda m: m[1] + NBSP, text)

    return _TEXT.sub(fix, html)


def tie_last_words(html: str) -> str:
    """``html`` (a title) with its last two words in a ``<span class="nowrap">`` (the
    stylesheet keeps it on one line), so that a wrapped title never ends with one word
    alone on its last line. A span, not a no-break space: the PDF's bookmark and the
    text a reader copies keep an ordinary space."""
    parts = _TEXT.findall(html)
    for index in range(len(parts) - 1, -1, -1):
        tag, text = parts[index]
        if tag or not text.strip():
            continue
        if index and parts[index - 1][0] == '<span class="nowrap">':
            break  # already kept together (tie_paragraph_ends)
        stripped = text.rstrip()
        words = stripped.split(" ")
        if len(words) >= 2 and all(words[-2:]):  # both words in this run of text
            kept = f'<span class="nowrap">{words[-2]} {words[-1]}</span>'
            parts[index] = ("", " ".join([*words[:-2], kept]) + text[len(stripped):])
        break
    return "".join(tag or text for tag, text in parts)


def name_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    """A pattern of the capitalised words of ``names`` (partner names, the home nation)
    followed by any ending ("Valdoria" also matches "Valdorian", "Valdoria's"), and of
    whole codes ("KES"); None when there is none."""
    words: set[str] = set()
    for name in names:
        for word in re.findall(r"\w+", name):
            if (word[:1].isupper() and len(word) >= _MIN_NAME_WORD) or \
                    (word.isupper() and len(word) >= 2):
                words.add(word)
    if not words:
        return None
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})\w*")


def protect_names(html: str, pattern: re.Pattern[str] | None) -> str:
    """``html`` with each word ``pattern`` matches in a ``<span class="nohy">`` (the
    stylesheet turns hyphenation off there)."""
    return html if pattern is None else _unhyphenated(html, pattern)


def _unhyphenated(html: str, pattern: re.Pattern[str]) -> str:
    """``html`` with each match of ``pattern`` in its text in a ``<span class="nohy">``."""

    def fix(match: re.Match[str]) -> str:
        if match[1]:
            return match[1]
        return pattern.sub(lambda m: f'<span class="nohy">{m[0]}</span>', match[2])

    return _TEXT.sub(fix, html)


# ------------------------------------------------------------------ addresses

# An e-mail or web address: hyphenating it ("partner- / ships@...") changes it.
_ADDRESS = re.compile(r"(?:https?://|www\.)[^\s<>\"]*[^\s<>\".,;:!?)]"
                      r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def protect_addresses(html: str) -> str:
    """``html`` with each e-mail and web address in running text in a
    ``<span class="nohy">`` (never hyphenated)."""
    if "@" not in html and "://" not in html and "www." not in html:
        return html
    return _unhyphenated(html, _ADDRESS)


# ------------------------------------------------------------------ paragraph ends

_PARAGRAPH_END = frozenset({"p", "li"})
_SENTENCE_END = frozenset(".;:!?…)»”’؟")
#: The last two words are tied only while they fit easily on a line of the measure.
_MAX_TIED = 24


def tie_paragraph_ends(html: str, *, inline: bool = False) -> str:
    """``html`` with the last two words of each paragraph and list item kept together
    and unhyphenated, so that none ends with a short word or part of a word alone on its
    last line (a runt: "remit / stops.", "dec- / ade."). Two long words stay free to
    part. ``inline``: ``html`` is the inside of one block, which ends where it ends; it
    is tied when it ends as a sentence does (a list item, not a title). Code is left as
    written."""
    # Inline text is tied when it is a sentence (list items, benefits), not a title.
    inline = inline and re.sub(r"<[^>]*>", "", html).rstrip()[-1:] in _SENTENCE_END
    parts = _TEXT.findall(html) + ([("</p>", "")] if inline else [])
    last: int | None = None  # the text run holding the block's last space so far
    verbatim = 0
    for index, (tag, text) in enumerate(parts):
        if not tag:
            if verbatim <= 0 and " " in text:
                last = index
            continue
        name = _TAG_NAME.match(tag)
        element = name[1].lower() if name else ""
        if element in _VERBATIM and not tag.endswith("/>"):
            verbatim += -1 if tag.startswith("</") else 1
        if element in _PARAGRAPH_END or element in ("ul", "ol", "table", "br"):
            if tag.startswith("</") and element in _PARAGRAPH_END and last is not None:
                _tie(parts, last, index)
            last = None
    if inline:  # the stand-in end of the block, less any </span> _tie put before it
        parts[-1] = (parts[-1][0].removesuffix("</p>"), "")
    return "".join(tag or text for tag, text in parts)


def _tie(parts: list[tuple[str, str]], last: int, end: int) -> None:
    """Put the block's last two words in one ``<span class="nowrap">`` (kept on one
    line, never hyphenated), when they are short: the word before the last space, in
    ``parts[last]``, and what follows it up to ``parts[end]``, the block's closing tag,
    through any inline elements that open and close there ("the <span>Compact</span>.").
    A span, not a no-break space: what a reader copies keeps an ordinary space, and
    WeasyPrint 70, given a no-break space before an inline box, breaks the line after a
    hyphenated first word instead ("Pro- / gress ...")."""
    text = parts[last][1]
    cut = text.rfind(" ")
    head = text[:cut].rsplit(" ", 1)[-1]
    tail = (text[cut + 1:] + "".join(t for g, t in parts[last + 1:end] if not g)).strip()
    if " " not in text[:cut] or not head or not tail or " " in tail or \
            len(head) + len(tail) > _MAX_TIED:
        return  # (the first word may begin in an element before: "H<sub>2</sub>O")
    opened: list[str] = []
    for tag, _ in parts[last + 1:end]:
        name = _TAG_NAME.match(tag) if tag else None
        if name is None or tag.endswith("/>"):
            continue
        if not tag.startswith("</"):
            opened.append(name[1].lower())
        elif not opened or opened.pop() != name[1].lower():
            return  # closes an element opened before the words: the span cannot nest
    if opened:
        return
    start = cut - len(head)
    parts[last] = ("", f'{text[:start]}<span class="nowrap">{text[start:]}')
    parts[end] = ("</span>" + parts[end][0], "")


# ------------------------------------------------------------------ quotation marks

#: Double quotation marks by language (opening, closing); others read “…”.
_DOUBLE_QUOTES = {"ar": ("«", "»"), "fr": ("«\u202f", "\u202f»"), "de": ("„", "“")}
# A straight quote as markdown-it or Jinja writes it: raw, or as an entity.
_STRAIGHT = re.compile(r"&quot;|&#34;|&#39;|&#x27;|[\"']")
_TAG_NAME = re.compile(r"</?\s*([a-zA-Z0-9]+)")
_VERBATIM = frozenset({"code", "pre", "kbd", "samp", "script", "style"})
_BLOCK = frozenset({"p", "li", "td", "th", "dt", "dd", "div", "br", "h1", "h2", "h3", "h4",
                    "h5", "h6", "figcaption", "caption", "blockquote", "section", "header"})


def smart_quotes(html: str, language: str = "en") -> str:
    """``html`` with typewriter quotes turned into typographic ones: an apostrophe
    ("Valdoria's", "partners'") into ’, quotes into ‘…’ and the language's double marks
    (“…” unless :data:`_DOUBLE_QUOTES` says otherwise). A quote opens after a space, an
    opening bracket or dash, or at the start of a block; else it closes. Code is left
    as written."""
    if not _STRAIGHT.search(html):
        return html
    marks = _double_quotes(language)
    out, verbatim, before = [], 0, " "
    for tag, text in _TEXT.findall(html):
        if tag:
            name = _TAG_NAME.match(tag)
            element = name[1].lower() if name else ""
            if element in _VERBATIM and not tag.endswith("/>"):
                verbatim += -1 if tag.startswith("</") else 1
            if element in _BLOCK:
                before = " "
            out.append(tag)
            continue
        if verbatim > 0:  # as written; a quote after it closes (`"run `ls`"`)
            out.append(text)
            before = text[-1] if text else before
            continue
        changed = _curl(text, before, marks)
        out.append(changed)
        if changed:
            before = changed[-1]
    return "".join(out)


def smart_quote_texts(texts: Iterable[tuple[str, bool]], language: str = "en") -> list[str]:
    """The texts of one block in order (a Word paragraph's runs: each with whether it is
    verbatim, such as code) with typographic quotes as :func:`smart_quotes` sets them in
    the PDF and HTML briefs: a quote's side is read across the texts' joins."""
    marks = _double_quotes(language)
    out, before = [], " "
    for text, verbatim in texts:
        changed = text if verbatim or not _STRAIGHT_PLAIN.search(text) \
            else _curl(text, before, marks, _STRAIGHT_PLAIN)
        out.append(changed)
        if changed:
            before = changed[-1]
    return out


def quote_text(text: str, language: str = "en", before: str = " ") -> str:
    """Plain ``text`` (no markup, no entities: a slide's run, a table cell, a note) with
    typographic quotes as :func:`smart_quotes` sets them; ``before`` is the character
    the text follows (a space at the start of a paragraph)."""
    if "'" not in text and '"' not in text:
        return text
    return _curl(text, before, _double_quotes(language), _STRAIGHT_PLAIN)


#: Straight quotes in plain text (``_STRAIGHT`` also reads HTML's entities for them).
_STRAIGHT_PLAIN = re.compile(r"[\"']")


def _double_quotes(language: str) -> tuple[str, str]:
    return _DOUBLE_QUOTES.get(language.split("-")[0].lower(), ("“", "”"))


def _curl(text: str, before: str, marks: tuple[str, str],
          straight: re.Pattern[str] = _STRAIGHT) -> str:
    """``text``'s straight quotes (each match of ``straight``) made typographic;
    ``before`` is the character before it (a space at the start of a block)."""
    opening, closing = marks
    pieces, last = [], 0
    for match in straight.finditer(text):
        previous = text[match.start() - 1] if match.start() else before
        opens = previous.isspace() or previous in "([{\u2014\u2013/“‘«„"
        double = match[0] in ('"', "&quot;", "&#34;")
        mark = (opening if opens else closing) if double else ("‘" if opens else "’")
        pieces += [text[last:match.start()], mark]
        last = match.end()
    pieces.append(text[last:])
    return "".join(pieces)


# ------------------------------------------------------------------ one-line running heads

_FONTS = {"latin": "NotoSans-Regular.ttf", "arabic": "NotoKufiArabic-Regular.ttf"}


@cache
def _advances(which: str) -> tuple[dict[int, float], float]:
    """Advance widths (in em) of a vendored font's characters, and its average."""
    from fontTools.ttLib import TTFont

    path = Path(builtin_templates(), "brief", "fonts", _FONTS[which])
    with TTFont(path, lazy=True) as font:
        units = font["head"].unitsPerEm
        metrics = font["hmtx"]
        widths = {code: metrics[glyph][0] / units for code, glyph in
                  font.getBestCmap().items()}
    average = sum(widths.values()) / max(len(widths), 1)
    return widths, average


def text_width_mm(text: str, size_pt: float) -> float:
    """About how wide ``text`` is set in the brief's sans-serif at ``size_pt``."""
    latin, latin_avg = _advances("latin")
    arabic, _ = _advances("arabic")
    em = 0.0
    for char in text:
        code = ord(char)
        em += latin.get(code) or arabic.get(code) or latin_avg
    return em * size_pt * 25.4 / 72


def fit_line(text: str, width_mm: float, size_pt: float = 7.5) -> str:
    """``text`` shortened to one line of ``width_mm`` (at ``size_pt``), ending in "…"
    when cut. Measured with the vendored font's widths and 5 % to spare, so a running
    head never wraps (WeasyPrint does not clip margin boxes)."""
    text = " ".join(str(text).split())
    room = width_mm * 0.95
    if text_width_mm(text, size_pt) <= room:
        return text
    words = text.split(" ")
    while len(words) > 1:
        words.pop()
        shorter = " ".join(words).rstrip(",;:–—-") + "…"
        if text_width_mm(shorter, size_pt) <= room:
            return shorter
    cut = text
    while cut and text_width_mm(cut + "…", size_pt) > room:
        cut = cut[:-1]
    return cut + "…"
