"""Markdown -> HTML (for the brief) and Markdown -> paragraphs of runs (for the deck).

Content is data: raw HTML in Markdown is shown as literal text (``html=False``), and only
``http``, ``https`` and ``mailto`` links (and in-document ``#anchors``) become links;
``javascript:``, ``data:``, ``file:`` and anything else stay plain text.

Besides CommonMark, tables and strikethrough, a writer has the apparatus of a Pandoc or
Quarto brief: footnotes (``[^1]``), definition lists, ``~sub~`` and ``^super^`` scripts
(mdit-py-plugins), and, as small rules of our own, citations (``[@id]``), cross-references
(``@fig-x``, ``@tbl-x``, ``@sec-x``) to labels (``{#fig-x}`` after an image, at the end of
a heading or of a table's caption line ``: Caption``) and a page break (a line
``\\pagebreak``). Only ``{#id}`` is structure inside braces; anything else stays text (and
the loader refuses it). What those resolve to (numbers, sources, footnote texts) comes
from a :class:`Apparatus` passed as the render's ``env``: the document's, not one text's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Literal

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markupsafe import escape
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.subscript import sub_plugin
from mdit_py_plugins.superscript import superscript_plugin

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


# --- the writer's apparatus: footnotes, citations, labels, cross-references -----------

#: A label in braces: only ``{#id}`` becomes structure (an anchor and a number).
LABEL = re.compile(r"\{#([A-Za-z][A-Za-z0-9_-]*)\}")
_TRAILING_LABEL = re.compile(r"[ \t]*\{#([A-Za-z][A-Za-z0-9_-]*)\}[ \t]*$")
_LEADING_LABEL = re.compile(r"^[ \t]*\{#([A-Za-z][A-Za-z0-9_-]*)\}[ \t]*$")
#: A cross-reference: ``@fig-map``, ``@tbl-costs``, ``@sec-context``.
XREF = re.compile(r"@((?:fig|tbl|sec)-[A-Za-z0-9_-]*[A-Za-z0-9])")
_SOURCE_ID = r"[A-Za-z0-9][A-Za-z0-9_.:-]*"
#: A citation: ``[@nato-2024]`` or ``[@a; @b]``.
CITATION = re.compile(rf"\[@({_SOURCE_ID}(?:[ \t]*;[ \t]*@{_SOURCE_ID})*)\]")
PAGE_BREAK = "\\pagebreak"
#: What each kind of label numbers, as the catalogue key of its word ("Figure 3").
KINDS = {"fig": "figure", "tbl": "table", "sec": "section"}


#: How a citation is written: (opening, between two sources, closing), by author-date.
_CITE_MARKS = {False: ("[", ", ", "]"), True: ("(", "; ", ")")}
@dataclass
class Apparatus:
    """What a document's footnotes, citations and cross-references resolve to; passed to
    the renderer as ``env["apparatus"]``. One per rendered document (numbers run through
    it), with the footnote definitions of the text or section being rendered."""

    refs: dict[str, tuple[str, str]] = field(default_factory=dict)  # label -> (text, href)
    sources: dict[str, str] = field(default_factory=dict)  # source id -> "3", "Smith 2024a"
    author_date: bool = False  # citations as (Smith 2024a; Jones 2023), else [3, 4]
    words: dict[str, str] = field(default_factory=dict)  # "figure" -> "Figure" (localised)
    note_style: Literal["foot", "end"] = "end"  # foot: at the page foot (PDF)
    notes: dict[str, str] = field(default_factory=dict)  # footnote label -> its HTML
    noted: dict[str, int] = field(default_factory=dict)  # label -> number (this section)
    endnotes: list[tuple[int, str]] = field(default_factory=list)  # (number, HTML)
    count: int = 0  # footnotes numbered so far in the document
    numbered: bool = False  # captions numbered (section bodies), else captions alone
    seen: dict[str, int] = field(default_factory=dict)  # captions numbered so far, by kind
    current: dict[str, int] = field(default_factory=dict)  # the number being captioned
    heading_ids: list[str] = field(default_factory=list)  # this section's, in order
    # Portion marks, as (rank, portion-mark HTML): of each footnote's definition and of
    # the part being rendered. A footnote is marked the higher of the two.
    note_marks: dict[str, tuple[int, str]] = field(default_factory=dict)
    part_mark: tuple[int, str] = (0, "")
    depth: int = 3  # headings deeper than this (## = 2, ### = 3) get no bookmark
    # footnote label -> its definition's block tokens (for the Word brief's footnotes)
    note_tokens: dict[str, list[Token]] = field(default_factory=dict)

    def next_number(self, kind: str) -> int:
        self.seen[kind] = self.seen.get(kind, 0) + 1
        return self.seen[kind]

    def begin(self, notes: dict[str, str],
              marks: dict[str, tuple[int, str]] | None = None) -> None:
        """A new section (or standalone text): its footnote definitions (and their
        marks), fresh endnotes."""
        self.notes, self.noted, self.endnotes = dict(notes), {}, []
        self.note_marks = dict(marks or {})

    def endnotes_html(self) -> str:
        if not self.endnotes:
            return ""
        items = "".join(
            f'<li id="fn-{n}" value="{n}">{html} <a class="footnote-back" href="#fnref-{n}" '
            f'aria-label="{n}">↑</a></li>\n' for n, html in self.endnotes)
        return f'<ol class="endnotes">\n{items}</ol>\n'


def _apparatus(env: Any) -> Apparatus:
    app = env.get("apparatus") if isinstance(env, dict) else None
    if app is None:
        app = Apparatus()
        if isinstance(env, dict):
            env["apparatus"] = app
    return app  # type: ignore[no-any-return]


def _page_break(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """A line ``\\pagebreak`` (alone, not indented as code): the page ends here."""
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    begin = state.bMarks[start] + state.tShift[start]
    if state.src[begin:state.eMarks[start]].rstrip() != PAGE_BREAK:
        return False
    if not silent:
        token = state.push("page_break", "div", 0)
        token.map = [start, start + 1]
        token.block = True
    state.line = start + 1
    return True


def _xref(state: StateInline, silent: bool) -> bool:
    pos = state.pos
    if state.src[pos] != "@" or (pos > 0 and (state.src[pos - 1].isalnum()
                                              or state.src[pos - 1] in "_.@-")):
        return False  # an e-mail address or a handle, not a cross-reference
    match = XREF.match(state.src, pos)
    if not match:
        return False
    if not silent:
        token = state.push("xref", "", 0)
        token.meta = {"label": match[1]}
        token.content = match[0]
    state.pos = match.end()
    return True


def _cite(state: StateInline, silent: bool) -> bool:
    if not state.src.startswith("[@", state.pos):
        return False
    match = CITATION.match(state.src, state.pos)
    if not match:
        return False
    if not silent:
        token = state.push("citation", "", 0)
        token.meta = {"ids": [one.strip().lstrip("@") for one in match[1].split(";")]}
        token.content = match[0]
    state.pos = match.end()
    return True


def _strip_trailing_label(children: list[Token]) -> str | None:
    if children and children[-1].type == "text":
        found = _TRAILING_LABEL.search(children[-1].content)
        if found:
            children[-1].content = children[-1].content[:found.start()]
            return found[1]
    return None


def _labels(state: StateCore) -> None:
    """A core rule: labelled headings get their id, a captioned or labelled image alone in
    its paragraph becomes a figure, a ``: Caption`` paragraph after a table its caption."""
    tokens = state.tokens
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if tok.type == "heading_open" and nxt is not None and nxt.children:
            label = _strip_trailing_label(nxt.children)
            if label:
                tok.attrSet("id", label)
                nxt.content = "".join(c.content for c in nxt.children if c.type == "text")
        elif tok.type == "paragraph_open" and nxt is not None and nxt.children:
            kids = [c for c in nxt.children if not (c.type == "text" and not c.content.strip())]
            label = None
            if len(kids) == 2 and kids[0].type == "image" and kids[1].type == "text":
                found = _LEADING_LABEL.match(kids[1].content)
                label = found[1] if found else None
                if found:
                    kids = kids[:1]
            if len(kids) == 1 and kids[0].type == "image" and (
                    label or kids[0].attrGet("title")):
                image = kids[0]
                tok.type, tok.tag = "figure_open", "figure"
                tok.attrSet("class", "image")
                if label:
                    tok.attrSet("id", label)
                nxt.children = [image]
                caption = Token("figure_caption", "figcaption", 0)
                caption.meta = {"title": str(image.attrGet("title") or ""), "label": label,
                                "kind": "fig"}
                tokens.insert(i + 2, caption)
                close = tokens[i + 3]
                close.type, close.tag = "figure_close", "figure"
        elif tok.type == "table_close" and i + 3 < len(tokens) \
                and tokens[i + 1].type == "paragraph_open" \
                and tokens[i + 2].content.startswith(": ") and tokens[i + 2].children:
            inline = tokens[i + 2]
            kids = inline.children or []
            if kids[0].type == "text":
                kids[0].content = kids[0].content[2:]
            label = _strip_trailing_label(kids)
            start = max(j for j in range(i) if tokens[j].type == "table_open")
            if label:
                tokens[start].attrSet("id", label)
            del tokens[i + 1:i + 4]
            number = Token("table_caption", "caption", 0)
            number.meta = {"label": label, "kind": "tbl"}
            number.children = kids
            tokens.insert(start + 1, number)
            i += 1
        i += 1


def _collect_notes(state: StateCore) -> None:
    """A core rule: footnote definitions leave the text (they are printed where they are
    referenced, or as endnotes), each kept, rendered, in the apparatus."""
    app = _apparatus(state.env)
    kept: list[Token] = []
    inside: list[Token] | None = None
    label = ""
    for tok in state.tokens:
        if tok.type == "footnote_reference_open":
            inside, label = [], str(tok.meta.get("label", ""))
        elif tok.type == "footnote_reference_close":
            html = state.md.renderer.render(inside or [], state.md.options, state.env)
            html = re.sub(r"</p>\s*<p>", "<br>", html.strip())
            html = re.sub(r"^<p>|</p>$", "", html)
            app.notes.setdefault(label, html)
            app.note_tokens.setdefault(label, inside or [])
            inside = None
        elif inside is not None:
            inside.append(tok)
        else:
            kept.append(tok)
    state.tokens = kept


def _caption_number(app: Apparatus, kind: str) -> str:
    number = app.current.pop(kind, 0)
    if not number:
        return ""
    word = app.words.get(KINDS[kind], KINDS[kind].capitalize())
    return f"{escape(word)} {number}"


def _open_numbered(self: Any, tokens: list[Token], idx: int, options: Any, env: Any,
                   kind: str) -> str:
    """A figure or captioned table's opening tag: a labelled one is numbered here, in the
    order printed (as in Quarto, a caption without a label is not numbered)."""
    app = _apparatus(env)
    if app.numbered and tokens[idx].attrGet("id"):
        app.current[kind] = app.next_number(kind)
    return str(self.renderToken(tokens, idx, options, env))


def _render_rules(md: MarkdownIt) -> None:
    def footnote_ref(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
        app = _apparatus(env)
        label = str(tokens[idx].meta.get("label", ""))
        html = app.notes.get(label)
        if html is None:
            return ""  # its definition is withheld: so is the footnote
        own = app.note_marks.get(label, app.part_mark)
        html = max(own, app.part_mark, key=lambda mark: mark[0])[1] + html
        if app.note_style == "foot":
            return f'<span class="footnote">{html}</span>'
        number = app.noted.get(label)
        if number is None:
            app.count += 1
            number = app.noted[label] = app.count
            app.endnotes.append((number, html))
            anchor = f' id="fnref-{number}"'
        else:
            anchor = ""
        return (f'<sup class="footnote-ref"><a href="#fn-{number}"{anchor}>{number}</a>'
                f"</sup>")

    def xref(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
        found = _apparatus(env).refs.get(str(tokens[idx].meta["label"]))
        if found is None:
            return str(escape(tokens[idx].content))
        return f'<a class="xref" href="{escape(found[1])}">{escape(found[0])}</a>'

    def citation(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
        app = _apparatus(env)
        links = [f'<a href="#ref-{escape(one)}">{escape(app.sources[one])}</a>'
                 for one in tokens[idx].meta["ids"] if one in app.sources]
        if not links:
            return ""
        opening, between, closing = _CITE_MARKS[app.author_date]
        return f'<span class="citation">{opening}{between.join(links)}{closing}</span>'

    def figure_caption(self: Any, tokens: list[Token], idx: int, options: Any,
                       env: Any) -> str:
        meta = tokens[idx].meta
        number = _caption_number(_apparatus(env), "fig")
        shown = f'<span class="figure-number">{number}</span>' if number else ""
        title = str(escape(meta["title"]))
        return f"<figcaption>{shown}{' ' if shown and title else ''}{title}</figcaption>\n"

    def table_caption(self: Any, tokens: list[Token], idx: int, options: Any,
                      env: Any) -> str:
        tok = tokens[idx]
        number = _caption_number(_apparatus(env), "tbl")
        shown = f'<span class="table-number">{number}</span> ' if number else ""
        return f"<caption>{shown}{self.renderInline(tok.children or [], options, env)}" \
               f"</caption>\n"

    def page_break(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
        return '<div class="page-break" aria-hidden="true"></div>\n'

    def figure_open(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
        return _open_numbered(self, tokens, idx, options, env, "fig")

    def table_open(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
        if idx + 1 < len(tokens) and tokens[idx + 1].type == "table_caption":
            return _open_numbered(self, tokens, idx, options, env, "tbl")
        return str(self.renderToken(tokens, idx, options, env))

    def heading_open(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
        # A section's headings get the ids the contents link to, in order; those deeper
        # than the audience's depth are left out of the PDF's bookmarks.
        app, tok = _apparatus(env), tokens[idx]
        if app.numbered and app.heading_ids:
            given = app.heading_ids.pop(0)
            if not tok.attrGet("id"):
                tok.attrSet("id", given)
            if heading_depth(tok.tag) > app.depth:
                tok.attrSet("class", "beyond-depth")
        return str(self.renderToken(tokens, idx, options, env))

    md.add_render_rule("heading_open", heading_open)
    md.add_render_rule("figure_open", figure_open)
    md.add_render_rule("table_open", table_open)
    md.add_render_rule("footnote_ref", footnote_ref)
    md.add_render_rule("xref", xref)
    md.add_render_rule("citation", citation)
    md.add_render_rule("figure_caption", figure_caption)
    md.add_render_rule("table_caption", table_caption)
    md.add_render_rule("page_break", page_break)


def _extended(md: MarkdownIt) -> MarkdownIt:
    """CommonMark with the writer's apparatus (the same block structure for every use)."""
    md.enable(["table", "strikethrough"])
    md.use(footnote_plugin, inline=False, move_to_end=False, always_match_refs=True)
    md.use(deflist_plugin).use(sub_plugin).use(superscript_plugin)
    md.block.ruler.before("paragraph", "page_break", _page_break, {"alt": ["paragraph"]})
    md.inline.ruler.before("link", "citation", _cite)
    md.inline.ruler.before("emphasis", "xref", _xref)
    return md


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    md = _extended(MarkdownIt("commonmark", {"html": False, "typographer": False}))
    md.validateLink = _validate_link  # type: ignore[method-assign]
    md.core.ruler.push("unlink_unsafe", _unlink_unsafe)
    md.core.ruler.push("labels", _labels)
    md.core.ruler.push("collect_notes", _collect_notes)
    _render_rules(md)
    return md


def to_html(text: str, apparatus: Apparatus | None = None) -> str:
    """Block Markdown -> safe HTML. With no ``apparatus`` the text stands alone: its own
    footnotes become endnotes after it, its captions are not numbered."""
    if not text:
        return ""
    if apparatus is not None:
        return parser().render(text, {"apparatus": apparatus})
    alone = Apparatus()
    html = parser().render(text, {"apparatus": alone})
    return html + alone.endnotes_html()


def footnotes(text: str) -> dict[str, str]:
    """The footnote definitions of a text (label -> HTML), for a section whose notes are
    referenced from another of its parts."""
    if "[^" not in text:
        return {}
    app = Apparatus()
    parser().parse(text, {"apparatus": app})
    return app.notes


def footnote_tokens(text: str) -> dict[str, list[Token]]:
    """The footnote definitions of a text (label -> its block tokens), for a renderer
    that writes them itself (the Word brief)."""
    if "[^" not in text:
        return {}
    app = Apparatus()
    parser().parse(text, {"apparatus": app})
    return app.note_tokens


def captions(text: str) -> list[tuple[str, str, str]]:
    """(kind ``fig``/``tbl``, label, caption text) of every labelled (so numbered) figure
    and table of a text, in order: what numbering and the lists of figures and tables
    see."""
    if "![" not in text and ": " not in text and "{#" not in text:
        return []
    found: list[tuple[str, str, str]] = []
    for tok in parser().parse(text, {"apparatus": Apparatus()}):
        if not tok.meta or not tok.meta.get("label"):
            continue
        if tok.type == "figure_caption":
            found.append(("fig", tok.meta["label"], tok.meta["title"]))
        elif tok.type == "table_caption":
            found.append(("tbl", tok.meta["label"],
                          "".join(c.content for c in tok.children or ())))
    return found


def heading_depth(tag: str) -> int:
    """How deep a heading of a section body sits under its section: ``#`` and ``##`` are
    2, ``###`` 3, and so on (the section's own title is 1)."""
    return max(2, int(tag[1:]))


def headings(text: str) -> list[tuple[int, str, str | None]]:
    """(depth, plain text, label or None) of every heading of a text, in order."""
    if "#" not in text:
        return []
    tokens = parser().parse(text, {"apparatus": Apparatus()})
    return [(heading_depth(tok.tag), tokens[i + 1].content.strip(),
             str(tok.attrGet("id")) if tok.attrGet("id") else None)
            for i, tok in enumerate(tokens) if tok.type == "heading_open"]


def heading_labels(text: str) -> list[tuple[str, str]]:
    """(label, heading text) of every labelled heading of a text."""
    if "{#" not in text:
        return []
    tokens = parser().parse(text, {"apparatus": Apparatus()})
    return [(str(tok.attrGet("id")), tokens[i + 1].content.strip())
            for i, tok in enumerate(tokens) if tok.type == "heading_open" and tok.attrGet("id")]


def to_inline_html(text: str) -> str:
    """One line of Markdown (a title, a list item) -> safe inline HTML, without ``<p>``."""
    return parser().renderInline(text, {"apparatus": Apparatus()}) if text else ""


@lru_cache(maxsize=1)
def _permissive_parser() -> MarkdownIt:
    # Accepts every URL, so that image_sources() sees `file:` and `data:` images too
    # (the loader refuses them with a clear error instead of silently showing text).
    md = _extended(MarkdownIt("commonmark", {"html": False}))
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    return md


@lru_cache(maxsize=1)
def _block_parser() -> MarkdownIt:
    # Blocks only (no inline parse): where code blocks, lists and quotes are.
    md = _extended(MarkdownIt("commonmark", {"html": False}))
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
    baseline: int = 0  # DrawingML's, in thousandths of a percent: 30000 sup, -25000 sub
    note: str | None = None  # a footnote reference (its label), for the Word brief


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


def _inline_runs(children: list[Token], app: Apparatus | None = None,
                 cites: Mapping[str, str] | None = None) -> list[Run]:
    runs: list[Run] = []
    bold = italic = strike = 0
    href: list[str | None] = []
    scripts: list[int] = []  # sub/superscripts open, innermost last
    for tok in children:
        t = tok.type
        link = href[-1] if href else None
        if t in ("sup_open", "sub_open"):
            scripts.append(30000 if t == "sup_open" else -25000)
        elif t in ("sup_close", "sub_close"):
            if scripts:
                scripts.pop()
        elif t == "strong_open":
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
                runs.append(Run(tok.content, bold > 0, italic > 0, False, strike > 0, link,
                                scripts[-1] if scripts else 0))
        elif t == "code_inline":
            runs.append(Run(tok.content, bold > 0, italic > 0, True, strike > 0, link))
        elif t == "xref" and app is not None and tok.meta["label"] in app.refs:
            shown, anchor = app.refs[tok.meta["label"]]
            runs.append(Run(shown, bold > 0, italic > 0, False, strike > 0, anchor))
        elif t == "xref":  # no numbers on a slide: the reference as written
            runs.append(Run(tok.content, bold > 0, italic > 0, False, strike > 0, link))
        elif t == "citation" and app is not None:
            opening, between, closing = _CITE_MARKS[app.author_date]
            cited = [one for one in tok.meta["ids"] if one in app.sources]
            for n, one in enumerate(cited):
                runs += [Run(between if n else opening),
                         Run(app.sources[one], href=f"#ref-{one}")]
            if cited:
                runs.append(Run(closing))
        elif t == "citation" and cites:  # a deck, author-date: (Smith 2024)
            named = [cites[one] for one in tok.meta["ids"] if one in cites]
            if named:
                runs.append(Run(f"({'; '.join(named)})", bold > 0, italic > 0, False,
                                strike > 0, link))
        elif t == "footnote_ref" and app is not None:
            runs.append(Run("", note=str(tok.meta.get("label", ""))))
        elif t in ("softbreak", "hardbreak"):
            runs.append(Run(" " if t == "softbreak" else "\n"))
        elif t == "image":
            alt = tok.content or "".join(c.content for c in tok.children or ())
            if alt:
                runs.append(Run(alt, italic=True))
    return merged_runs(runs)


def inline_runs(children: list[Token], apparatus: Apparatus | None = None) -> list[Run]:
    """The runs of an ``inline`` token's children (links kept only when safe; an image
    as its alternative text, in italics). Given the document's ``apparatus`` (the Word
    brief), a cross-reference is its words and number linked to ``#label``, a citation
    its numbers linked to ``#ref-ID``, and a footnote reference a run with ``note``."""
    return _inline_runs(children, apparatus)


def merged_runs(runs: Iterable[Run]) -> list[Run]:
    """Neighbouring runs with the same formatting (every field but the text) as one."""
    out: list[Run] = []
    for run in runs:
        if out and format_of(out[-1]) == format_of(run) and run.note is None:
            out[-1] = replace(out[-1], text=out[-1].text + run.text)
        else:
            out.append(run)
    return out


def format_of(run: Run) -> tuple[object, ...]:
    """Everything of a run but its text."""
    return (run.bold, run.italic, run.code, run.strike, run.href, run.baseline, run.note)


# Text that Markdown leaves as it is: no character with a meaning inline (escapes, code,
# emphasis, links, images, autolinks and HTML, entities, strikethrough and subscript,
# superscript, table pipes), no control character, nothing at the start of a line that
# opens a block (a list marker or number, a heading, a quote, indentation, a heading's
# underline, a definition's `:`) and no white space
# at either end of a line. Most fields of a briefing are such text, on one line or
# several (one paragraph): they need no parse.
_INERT = r"[^\\`*_\[\]<>&!~^|#\x00-\x1f\x7f-\x9f\u2028\u2029]"
_PLAIN = re.compile(rf"(?![\s+=>0-9:-]){_INERT}+(?<!\s)")


def to_paragraphs(text: str, cites: Mapping[str, str] | None = None) -> list[Paragraph]:
    """Block Markdown -> paragraphs of runs (lists flattened with their depth). A
    citation prints as ``(Smith 2024a)`` by ``cites`` (source id -> who and when: a
    deck's author-date citations; a deck has no references list), else nothing."""
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
            runs = tuple(_inline_runs(tok.children or [], cites=cites))
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
