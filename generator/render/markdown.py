"""Markdown -> HTML (for the brief) and Markdown -> paragraphs of runs (for the deck).

Content is data: raw HTML in Markdown is shown as literal text (``html=False``), and only
``http``, ``https`` and ``mailto`` links (and in-document ``#anchors``) become links;
``javascript:``, ``data:``, ``file:`` and anything else stay plain text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

_SAFE_LINK = re.compile(r"^(https?:|mailto:|#)", re.IGNORECASE)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*:", re.IGNORECASE)


def is_safe_link(url: str) -> bool:
    """True for links a reader may follow: web, mail and in-document anchors."""
    return bool(_SAFE_LINK.match(url.strip()))


def is_relative_path(url: str) -> bool:
    """True for an image/data reference that names a file (no scheme, not ``//host``)."""
    url = url.strip()
    return bool(url) and not _SCHEME.match(url) and not url.startswith("//")


def _validate_link(url: str) -> bool:
    # Images are validated separately (they must be files inside content/), so here a
    # relative path passes: markdown-it uses the same hook for both.
    return is_safe_link(url) or is_relative_path(url)


def _unlink_unsafe(state: StateCore) -> None:
    """A core rule: links that are not web/mail/anchor links become their plain text.

    markdown-it's ``validateLink`` hook serves images too, which may be relative paths,
    so relative *links* are turned back into text here.
    """
    for block in state.tokens:
        stack: list[bool] = []
        for tok in block.children or ():
            if tok.type == "link_open":
                safe = is_safe_link(str(tok.attrGet("href") or ""))
                stack.append(safe)
                if not safe:
                    tok.type, tok.tag, tok.content, tok.attrs = "text", "", "", {}
            elif tok.type == "link_close" and stack and not stack.pop():
                tok.type, tok.tag, tok.content = "text", "", ""


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.validateLink = _validate_link  # type: ignore[method-assign]
    md.core.ruler.push("unlink_unsafe", _unlink_unsafe)
    return md


def to_html(text: str) -> str:
    """Block Markdown -> safe HTML."""
    return parser().render(text) if text else ""


def to_inline_html(text: str) -> str:
    """One line of Markdown (a title, a list item) -> safe inline HTML, without ``<p>``."""
    return parser().renderInline(text) if text else ""


@lru_cache(maxsize=1)
def _permissive_parser() -> MarkdownIt:
    # Accepts every URL, so that image_sources() sees `file:` and `data:` images too
    # (the loader refuses them with a clear error instead of silently showing text).
    md = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    return md


@lru_cache(maxsize=1)
def _block_parser() -> MarkdownIt:
    # Blocks only (no inline parse): where code blocks, lists and quotes are.
    md = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    md.disable("inline")
    return md


def block_tokens(text: str) -> list[Token]:
    """The block tokens of a Markdown text (with their line ``map``), inline left unparsed."""
    return _block_parser().parse(text)


def image_sources(text: str) -> list[tuple[str, int]]:
    """Every image reference in a Markdown text, with its 0-based line within the text."""
    found: list[tuple[str, int]] = []
    for token in _permissive_parser().parse(text):
        line = token.map[0] if token.map else 0
        cursor = 0
        for child in token.children or ():
            if child.type == "image":
                src = str(child.attrGet("src") or "")
                at = token.content.find(src, cursor)
                if at >= 0:
                    cursor = at + len(src)
                found.append((src, line + token.content.count("\n", 0, max(at, 0))))
    return found


@dataclass(frozen=True)
class Run:
    """A stretch of text with one formatting, for a PowerPoint run."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    strike: bool = False
    href: str | None = None


@dataclass(frozen=True)
class Paragraph:
    """A paragraph for the deck. ``level`` is the list depth (0 = not in a list)."""

    runs: tuple[Run, ...]
    level: int = 0
    kind: Literal["plain", "bullet", "number", "heading"] = "plain"
    number: int | None = None

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)


def _inline_runs(children: list[Token]) -> list[Run]:
    runs: list[Run] = []
    bold = italic = strike = 0
    href: list[str | None] = []
    for tok in children:
        t = tok.type
        link = href[-1] if href else None
        if t == "strong_open":
            bold += 1
        elif t == "strong_close":
            bold -= 1
        elif t == "em_open":
            italic += 1
        elif t == "em_close":
            italic -= 1
        elif t == "s_open":
            strike += 1
        elif t == "s_close":
            strike -= 1
        elif t == "link_open":
            url = str(tok.attrGet("href") or "")
            href.append(url if is_safe_link(url) and not url.startswith("#") else None)
        elif t == "link_close":
            if href:
                href.pop()
        elif t in ("text", "html_inline"):
            if tok.content:
                runs.append(Run(tok.content, bold > 0, italic > 0, False, strike > 0, link))
        elif t == "code_inline":
            runs.append(Run(tok.content, bold > 0, italic > 0, True, strike > 0, link))
        elif t in ("softbreak", "hardbreak"):
            runs.append(Run(" " if t == "softbreak" else "\n"))
        elif t == "image":
            alt = tok.content or "".join(c.content for c in tok.children or ())
            if alt:
                runs.append(Run(alt, italic=True))
    return merged_runs(runs)


def inline_runs(children: list[Token]) -> list[Run]:
    """The runs of an ``inline`` token's children (links kept only when safe; an image
    as its alternative text, in italics)."""
    return _inline_runs(children)


def merged_runs(runs: Iterable[Run]) -> list[Run]:
    """Neighbouring runs with the same formatting (every field but the text) as one."""
    out: list[Run] = []
    for run in runs:
        if out and format_of(out[-1]) == format_of(run):
            out[-1] = replace(out[-1], text=out[-1].text + run.text)
        else:
            out.append(run)
    return out


def format_of(run: Run) -> tuple[object, ...]:
    """Everything of a run but its text."""
    return (run.bold, run.italic, run.code, run.strike, run.href)


# Text that Markdown leaves as it is: no character with a meaning inline (escapes, code,
# emphasis, links, images, autolinks and HTML, entities, strikethrough, table pipes), no
# control character, nothing at the start of a line that opens a block (a list marker
# or number, a heading, a quote, indentation, a heading's underline) and no white space
# at either end of a line. Most fields of a briefing are such text, on one line or
# several (one paragraph): they need no parse.
_INERT = r"[^\\`*_\[\]<>&!~|#\x00-\x1f\x7f-\x9f\u2028\u2029]"
_PLAIN = re.compile(rf"(?![\s+=>0-9-]){_INERT}+(?<!\s)")


def to_paragraphs(text: str) -> list[Paragraph]:
    """Block Markdown -> paragraphs of runs (lists flattened with their depth)."""
    if not text:
        return []
    lines = text.rstrip("\n").split("\n")  # a paragraph's lines: joined by a space
    if all(_PLAIN.fullmatch(line) for line in lines):
        return [Paragraph((Run(" ".join(lines)),))]
    paragraphs: list[Paragraph] = []
    lists: list[list[int]] = []  # stack of [kind(0 bullet/1 number), counter]
    heading = False
    for tok in parser().parse(text):
        t = tok.type
        if t == "bullet_list_open":
            lists.append([0, 0])
        elif t == "ordered_list_open":
            start = int(tok.attrGet("start") or 1)
            lists.append([1, start - 1])
        elif t in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif t == "list_item_open" and lists:
            lists[-1][1] += 1
        elif t == "heading_open":
            heading = True
        elif t == "heading_close":
            heading = False
        elif t == "inline":
            runs = tuple(_inline_runs(tok.children or []))
            if not runs:
                continue
            if heading:
                paragraphs.append(Paragraph(tuple(Run(r.text, True, r.italic, r.code, r.strike,
                                                      r.href) for r in runs), 0, "heading"))
            elif lists:
                kind, counter = lists[-1]
                paragraphs.append(Paragraph(runs, len(lists), "number" if kind else "bullet",
                                            counter if kind else None))
            else:
                paragraphs.append(Paragraph(runs))
        elif t in ("fence", "code_block"):
            for line in tok.content.rstrip("\n").split("\n"):
                paragraphs.append(Paragraph((Run(line, code=True),), len(lists)))
    return paragraphs


def to_plain(text: str) -> str:
    """Markdown -> plain text (for PDF metadata, alt text, slide titles)."""
    # a title such as "2026. A year" parses as a numbered list: keep its number
    return "\n".join(f"{p.number}. {p.text}" if p.kind == "number" else p.text
                     for p in to_paragraphs(text)).strip()


# Every level of Markdown nesting needs one of these characters: emphasis (`*`, `_`),
# strikethrough (`~`), a link (`[`, or `<` for an autolink), a quote (`>`), a list marker
# (`-`, `+`, `*`, or `.` / `)` after a number).
_NESTING_MARKS = "*_~[<>+-.)"
_NESTS = {"blockquote_open", "bullet_list_open", "ordered_list_open", "em_open",
          "strong_open", "s_open", "link_open"}
_UNNESTS = {"blockquote_close", "bullet_list_close", "ordered_list_close", "em_close",
            "strong_close", "s_close", "link_close"}


def too_deep(text: str, limit: int) -> int | None:
    """The 0-based line (within ``text``) where lists, quotes, emphasis and links nest
    more than ``limit`` deep, or None. Texts with too few marks to nest that deep (nearly
    all) are not parsed."""
    if sum(text.count(mark) for mark in _NESTING_MARKS) <= limit:
        return None
    depth = 0
    for token in _permissive_parser().parse(text):
        if token.type in _NESTS:
            depth += 1
        elif token.type in _UNNESTS:
            depth -= 1
        inner = depth
        for child in token.children or ():
            if child.type in _NESTS:
                inner += 1
            elif child.type in _UNNESTS:
                inner -= 1
            if inner > limit:
                return token.map[0] if token.map else 0
        if depth > limit:
            return token.map[0] if token.map else 0
    return None


# A table's delimiter row (`|---|:--:|`), after any quote or list prefix.
_PREFIX = re.compile(r"^(?:[ \t>]|(?:[-*+]|\d{1,9}[.)])(?=[ \t]))*")
_DELIMITER_ROW = re.compile(r"^\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")


def table_sizes(text: str) -> list[tuple[int, int, int]]:
    """(0-based line of the heading row, columns, rows) of every table in ``text``, read
    line by line without parsing: a table has its delimiter row's number of columns and
    runs to the next blank line (at most: a table may end earlier), so a huge table is
    found before the Markdown parser spends time on it."""
    if "|" not in text or "-" not in text:
        return []
    lines = text.split("\n")
    found: list[tuple[int, int, int]] = []
    i = 1
    while i < len(lines):
        line = lines[i][_PREFIX.match(lines[i]).end():]  # type: ignore[union-attr]
        if "-" in line and "|" in lines[i - 1] and _DELIMITER_ROW.match(line):
            columns = line.strip().strip("|").count("|") + 1
            end = i + 1
            while end < len(lines) and lines[end].strip(" \t>"):
                end += 1
            found.append((i - 1, columns, end - i))  # heading + body rows
            i = end
        i += 1
    return found
