"""The brief: Edition -> HTML (Jinja2, sandboxed) -> PDF (WeasyPrint), and the HTML preview.

Three public functions and one class:

- :func:`render_html` fills the brief templates (``base.html.j2`` and its partials, found
  file by file along ``TemplateSet.brief_dirs``) with one :class:`Edition`;
- :func:`render_brief` lays that HTML out with WeasyPrint and returns the PDF's bytes;
- :func:`brief_html` returns ``brief.html``: the same document as one self-contained page
  (CSS inlined, images and fonts embedded as ``data:`` URIs);
- :class:`BriefURLFetcher` is the only way WeasyPrint (and the HTML embedding) may read a
  file: it serves files inside ``content/`` and the template folders and refuses anything
  else (other paths, ``file:`` URLs outside them, any network address).

Content is data: the templates receive Edition values and render them through the filters
below (Markdown with raw HTML disabled, autoescaping everywhere else); no content string
is ever compiled as a template. All WeasyPrint calls of briefgen live in this module.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import gc
import html as html_lib
import io
import logging
import os
import re
import stat
import threading
import traceback
import unicodedata
import warnings as warnings_module
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit
from urllib.request import DataHandler, Request, pathname2url, url2pathname

import jinja2
import jinja2.bccache
import jinja2.runtime
from jinja2.loaders import split_template_path
from markupsafe import Markup

from generator import __version__, htmlparse
from generator.edition import (
    BENEFIT_CATEGORIES,
    BRIEF_PARTS,
    Benefit,
    Chart,
    Collaboration,
    Edition,
    Mark,
    MatrixRow,
    Metric,
    Section,
    Theme,
    brief_parts,
)
from generator.errors import Diagnostic, RenderError, TemplateError
from generator.i18n import format_date, format_number
from generator.render import parts
from generator.render.charts import (
    MISSING,
    chart_svg,
    metric_label,
    themed_svg,
)
from generator.render.markdown import (
    Apparatus,
    footnotes,
    headings,
    is_relative_path,
    to_html,
    to_inline_html,
    to_plain,
)
from generator.render.numbering import Caption, document_apparatus
from generator.render.sandbox import BriefSandbox, UnsafeFormat, bounded_render
from generator.render.typeset import (
    fit_line,
    name_pattern,
    protect_addresses,
    protect_names,
    smart_quotes,
    tie_last_words,
    tie_paragraph_ends,
    tie_units,
)
from generator.templates import (
    ASSET_SUFFIXES,
    TEMPLATE_SUFFIXES,
    RefusedFile,
    TemplateSet,
    builtin_templates,
    gated_file,
    shown_path,
)

BASE_TEMPLATE = "base.html.j2"
STYLESHEET = "brief.css"

#: What each brief length shows (decided once, in the Edition: the Word brief reads it too).
PARTS = BRIEF_PARTS

#: Benefit categories, in the order every output lists them (decided in the Edition).
CATEGORIES = BENEFIT_CATEGORIES

#: Media types of the files the fetcher serves, by suffix (a fixed table, not the
#: system's mime.types, so every machine serves the same thing).
MEDIA_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
    ".css": "text/css",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
}

_HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")
_IMG_SRC = re.compile(r'(<img\b[^>]*?\ssrc=")([^"]*)(")')
_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)""")
# The opening tags before a block's first words: `<p>`, `<ul>\n<li>`, `<blockquote>\n<p>`.
_FIRST_BLOCK = re.compile(r"^(?:<(?:ul|ol|li|blockquote)\b[^>]*>\s*)*<(?:p|h[1-6]|li)\b[^>]*>")
_BLOCK_OPEN = re.compile(r"<(p|li|h[1-6]|blockquote)\b([^>]*)>")
_NEXT_BLOCK = re.compile(r"</?(?:p|li|h[1-6]|td|th|tr|thead|tbody|table|ul|ol|blockquote)\b")
_TAG = re.compile(r"<[^>]*>")
# A paragraph that is only an image with a title: ![alt](src "title").
#: A Markdown table's tags (raw HTML is off: markdown-it writes the only ones).
_TABLE_TAGS = re.compile(r"<table\b[^>]*>|</table>")
_LONE_IMAGE = re.compile(r'<p>(<img src="[^"]*" alt="[^"]*" title="([^"]*)" ?/?>)</p>')


# --------------------------------------------------------------------------------------
# The URL fetcher: the only door to the file system
# --------------------------------------------------------------------------------------


def path2url(path: str | Path) -> str:
    """A ``file:`` URL of ``path`` (a folder's ends with ``/``), as WeasyPrint writes them."""
    text = os.path.abspath(str(path))
    if str(path).endswith(("/", os.sep)) or os.path.isdir(text):
        text += "/"
    return f"file://{pathname2url(text)}"


class RefusedURL(Exception):
    """A URL the brief may not read. The WeasyPrint side turns it into a fatal error,
    so that layout stops at once (see :func:`_weasyprint_fetcher`)."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"refused to read {url}: {reason}")
        self.url = url
        self.reason = reason


@dataclass(frozen=True)
class Fetched:
    """A file the fetcher read: what WeasyPrint's fetch response carries."""

    url: str
    body: bytes
    content_type: str

    def read(self) -> bytes:
        return self.body


class BriefURLFetcher:
    """Serves files inside ``roots`` (symlinks resolved) and ``data:`` URLs; refuses the rest.

    Every refusal raises :class:`RefusedURL` and is remembered in :attr:`refused`, so
    the caller can report it even where WeasyPrint swallows errors (inside an SVG).
    Nothing is ever read from a network: there are no HTTP handlers in play at all.
    A missing file inside the roots is an ordinary error: WeasyPrint logs it as a warning.
    This class imports no WeasyPrint, so ``briefgen check`` can render templates with it.
    """

    def __init__(self, roots: Iterable[str | Path], *, content: str | Path | None = None,
                 referenced: Iterable[str | Path] | None = None,
                 theme: Theme | None = None) -> None:
        self.roots: tuple[Path, ...] = tuple(dict.fromkeys(Path(r).resolve() for r in roots))
        # From content/, only the files the Edition references (when given): an audience
        # override must not embed another audience's images (a withheld partner's flag).
        self.content = Path(content).resolve() if content is not None else None
        self.referenced = (None if referenced is None
                           else frozenset(Path(r).resolve() for r in referenced))
        self.refused: list[RefusedURL] = []
        # SVG images take the audience's colours where they name them (charts.themed_svg).
        self.theme = theme

    def _read(self, path: Path) -> bytes:
        body = path.read_bytes()  # FileNotFoundError -> WeasyPrint warns "failed to load"
        if self.theme is not None and path.suffix.lower() == ".svg":
            return themed_svg(body, self.theme)
        return body

    def _refuse(self, url: str, reason: str) -> RefusedURL:
        refusal = RefusedURL(url, reason)
        self.refused.append(refusal)
        return refusal

    def allowed_path(self, url: str) -> Path:
        """The file a ``file:`` URL names, if it lies inside the roots; else refuse."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme in ("http", "https", "ftp", "ftps") or (not scheme and url.startswith("//")):
            raise self._refuse(url, "network addresses are never fetched")
        if scheme != "file":
            raise self._refuse(url, f"`{scheme or 'relative'}` URLs are not allowed")
        if parts.netloc not in ("", "localhost"):
            raise self._refuse(url, "network addresses are never fetched")
        path = Path(url2pathname(parts.path))  # url2pathname %-decodes
        if not path.is_absolute():
            raise self._refuse(url, "not an absolute file URL")
        resolved = path.resolve()
        if not any(resolved.is_relative_to(root) for root in self.roots):
            raise self._refuse(url, "outside content/ and the template folders")
        if resolved.suffix.lower() not in MEDIA_TYPES:
            # Only images, stylesheets and fonts: content/'s YAML, Markdown and CSV hold
            # items withheld from this audience, and must reach it only through the Edition.
            raise self._refuse(url, "only images, stylesheets and fonts are served")
        if self.referenced is not None and self.content is not None and \
                resolved.is_relative_to(self.content) and resolved not in self.referenced:
            raise self._refuse(url, "this audience's content does not refer to it")
        try:
            mode = resolved.stat().st_mode
        except OSError:
            return resolved  # missing: reading it fails, and WeasyPrint warns
        if not stat.S_ISREG(mode):
            raise self._refuse(url, "not a regular file")
        return resolved

    def fetch(self, url: str) -> Fetched:
        if url[:5].lower() == "data:":
            # Decoded in memory by urllib's DataHandler: reads no file, opens no socket.
            with DataHandler().data_open(Request(url)) as response:
                return Fetched(url, response.read(), response.headers.get_content_type())
        path = self.allowed_path(url)
        media = MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
        return Fetched(path2url(str(path)), self._read(path), media)

    def data_uri(self, url: str) -> str:
        """The file behind ``url`` as a ``data:`` URI (for the self-contained HTML)."""
        if url[:5].lower() == "data:":
            return url
        path = self.allowed_path(url)
        media = MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
        return _data_uri(self._read(path), media)


def content_images(edition: Edition) -> Callable[[str], Fetched]:
    """A reader of the images the content refers to (``src``, relative to ``content/``),
    as the brief reads them: only a file inside ``content/`` that this audience's content
    refers to, an SVG in the audience's colours (:func:`~generator.render.charts.
    themed_svg`). The Word brief's pictures come from here; what the content refers to is
    found once per reader. It raises :class:`RefusedURL`."""
    fetcher = BriefURLFetcher([edition.content_root], content=edition.content_root,
                              referenced=referenced_files(edition),
                              theme=checked_theme(edition.audience.theme)[0])
    base = _base_url(edition)

    def fetch(src: str) -> Fetched:
        return fetcher.fetch(urljoin(base, src) if is_relative_path(src) else src)

    return fetch


def _base_url(edition: Edition) -> str:
    """``content/`` as a ``file:`` URL: what relative references are relative to."""
    return path2url(str(Path(edition.content_root))).rstrip("/") + "/"


def _data_uri(body: bytes, media: str) -> str:
    return f"data:{media};base64,{base64.b64encode(body).decode('ascii')}"


def _refusal_diagnostics(refusals: Sequence[RefusedURL], where: str = "",
                         templates: TemplateSet | None = None) -> list[Diagnostic]:
    """One diagnostic per refused URL. ``where`` names the file that referred to it;
    without one (WeasyPrint fetching during layout), the project's template that
    mentions the file is named, with its line, when one does."""
    found = []
    for r in refusals:
        file, line = where or "content", 0
        if not where and templates is not None:
            file, line = _mentioned_in(templates, r.url) or ("brief.pdf", 0)
        found.append(Diagnostic(
            file, line, 0, "error", f"refused to read `{_shown_url(r.url, templates)}`: "
            f"{r.reason}", "images, logos and fonts must be files inside content/ that "
            "this audience's content refers to, or inside the template folders; nothing "
            "is fetched from a network"))
    return found


def _shown_url(url: str, templates: TemplateSet | None) -> str:
    """A ``file:`` URL as a project-relative path; other URLs as they are."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        return url
    # Inside the project: a project-relative path; outside, the URL as the template or
    # content wrote it (what the user needs to find it).
    if templates is None or not templates.project_root:
        return url
    shown = shown_path(Path(url2pathname(parts.path)), templates.project_root)
    return url if shown.endswith("(outside the project)") else shown


def _mentioned_in(templates: TemplateSet, url: str) -> tuple[str, int] | None:
    """The first project template (or stylesheet) line that mentions the file of
    ``url``: where an override wrote ``<img src="...">``."""
    name = unquote(urlsplit(url).path).rsplit("/", 1)[-1]
    if not name:
        return None
    for folder in templates.brief_dirs:
        if not templates.project_root or not Path(folder).resolve().is_relative_to(
                Path(templates.project_root).resolve()):
            continue
        for path in sorted(Path(folder).rglob("*")):
            try:
                gated = gated_file(folder, path.relative_to(folder).as_posix(),
                                   TEMPLATE_SUFFIXES | {".css"})
            except RefusedFile:
                continue
            if gated is None:
                continue
            for number, text in enumerate(gated.read_text("utf-8", "replace").splitlines(), 1):
                if name in text:
                    return shown_path(path, templates.project_root), number
    return None


def referenced_files(edition: Edition) -> frozenset[Path]:
    """The files under content/ this Edition refers to: the logo and fonts of its theme,
    its partners' flags and the images of its Markdown. The fetcher serves no other
    file of content/."""
    base = _base_url(edition)
    theme = edition.audience.theme
    found = {Path(p) for p in (theme.logo, *(path for _, path in theme.fonts),
                               *(partner.flag for partner in edition.partners)) if p}
    for text in _strings(edition):
        if "![" not in text:
            continue
        for match in _IMG_SRC.finditer(to_html(text)):
            url = html_lib.unescape(match[2])
            absolute = urljoin(base, url) if is_relative_path(url) else url
            parts = urlsplit(absolute)
            if parts.scheme.lower() == "file" and parts.netloc in ("", "localhost"):
                found.add(Path(url2pathname(parts.path)))
    return frozenset(path.resolve() for path in found)


def _strings(value: object) -> Iterator[str]:
    """Every string inside an Edition (its dataclasses and tuples)."""
    if isinstance(value, str):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            yield from _strings(getattr(value, item.name))
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _strings(item)


def _fetcher(edition: Edition, templates: TemplateSet) -> BriefURLFetcher:
    return BriefURLFetcher([edition.content_root, *templates.brief_dirs],
                           content=edition.content_root, referenced=referenced_files(edition),
                           theme=checked_theme(edition.audience.theme)[0])


def checked_theme(theme: Theme) -> tuple[Theme, list[str]]:
    """``theme`` with a colour that is not ``#rrggbb`` replaced by the default (a bad
    colour never reaches the CSS or an image), and a warning for each."""
    default, colours, warnings = Theme(), {}, []
    for name in ("primary", "accent"):
        value = getattr(theme, name)
        if _HEX_COLOUR.match(value or ""):
            colours[name] = value
        else:
            colours[name] = getattr(default, name)
            warnings.append(f"theme.{name} {value!r} is not a #rrggbb colour; "
                            f"using {colours[name]}")
    return dataclasses.replace(theme, **colours), warnings


# --------------------------------------------------------------------------------------
# The template context
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    """A heading inside a section's body, for the contents: ``depth`` 2 for ``##`` (and
    ``#``), 3 for ``###``; ``text`` is Markdown; ``anchor`` its id (its label, if any)."""

    depth: int
    text: str
    anchor: str


@dataclass(frozen=True)
class Figure:
    """A chart as the templates draw it: its number, and the SVG of
    :func:`generator.render.charts.render_svg` both as an ``<svg>`` element to inline
    (``svg``, for the screen page) and as a ``data:`` URI for an ``<img>`` (``src``, for
    the PDF: WeasyPrint tags an image with its alt text, and would otherwise read the
    SVG's presentation attributes as HTML styles). Both are empty when no chart renderer
    is available; templates then show the data as a table."""

    number: int
    chart: Chart
    svg: Markup
    src: str


@dataclass
class _Job:
    """Everything one rendering needs besides the templates, and what it found wrong."""

    edition: Edition
    templates: TemplateSet
    embed: bool  # True for brief.html: every resource becomes a data: URI
    charts: bool = True  # False for `check`: a stand-in SVG per chart, no matplotlib
    screen: bool = False  # the screen page (brief.html): tables in a box that scrolls
    fetcher: BriefURLFetcher = field(init=False)
    base_url: str = field(init=False)
    theme: Theme = field(init=False)
    names: re.Pattern[str] | None = field(init=False)
    problems: list[Diagnostic] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    apparatus: Apparatus = field(init=False)
    captions: list[Caption] = field(init=False)
    _section: str | None = field(default=None, init=False)  # whose footnotes are loaded
    headings: dict[str, list[Heading]] = field(init=False)  # by section id

    def __post_init__(self) -> None:
        self.fetcher = _fetcher(self.edition, self.templates)
        self.base_url = _base_url(self.edition)
        self.theme, warnings = checked_theme(self.edition.audience.theme)
        self.warnings += warnings
        self.apparatus, self.captions = self._apparatus()
        self.apparatus.depth = self.edition.audience.contents_depth
        self.headings = {}
        for index, section in enumerate(self.edition.sections, start=1):
            found = [h for part in section.body for h in headings(part.markdown)]
            self.headings[section.id] = [
                Heading(depth, text, label or f"section-{index}-heading-{n}")
                for n, (depth, text, label) in enumerate(found, start=1)]

        e = self.edition
        # The names the content defines: never hyphenated ("Val-dorian").
        self.names = name_pattern([e.home_name, e.home_code, *(p.name for p in e.partners),
                                   *(p.code for p in e.partners)])

    def section_headings(self, section: Section) -> list[Heading]:
        """The headings of ``section``'s body as deep as the audience's contents go."""
        depth = self.edition.audience.contents_depth
        return [h for h in self.headings.get(section.id, []) if h.depth <= depth]

    def _apparatus(self) -> tuple[Apparatus, list[Caption]]:
        """Numbers for this document (:func:`document_apparatus`, shared with the Word
        brief); footnotes at the page foot in the PDF, as endnotes on the screen page."""
        app, found = document_apparatus(self.edition)
        app.note_style = "end" if self.embed else "foot"
        return app, found

    def typeset(self, html: str, *, inline: bool = False) -> str:
        """Rendered Markdown with its names kept whole, numbers kept with their units, no
        paragraph (``inline``: no text, as a list item a template writes) ending in a
        word alone, and typographic quotation marks."""
        kept = protect_addresses(protect_names(html, self.names))
        tied = tie_paragraph_ends(tie_units(kept), inline=inline)
        return smart_quotes(tied, self.edition.audience.language)

    # -- resources ---------------------------------------------------------------------

    def resource(self, url: str, where: str) -> str:
        """The URL to write in the HTML for a resource reference, or ``""`` if refused.

        Relative references are relative to ``content/``. A refusal is recorded as a
        problem (reported after rendering, all at once) and nothing is read.
        """
        absolute = urljoin(self.base_url, url) if is_relative_path(url) else url
        try:
            if self.embed:
                return self.fetcher.data_uri(absolute)
            if absolute[:5].lower() != "data:":
                self.fetcher.allowed_path(absolute)
            return absolute
        except RefusedURL as refusal:
            self.problems += _refusal_diagnostics([refusal], where, self.templates)
            return ""
        except OSError as error:  # a missing file: the brief is still made, with a warning
            self.warnings.append(f"cannot read `{url}`: {error.strerror or error}")
            return ""

    def file_url(self, path: str | None) -> str:
        """A resource given as a path inside content/: absolute (``theme.logo``, flags),
        or relative to content/ (as a template may write it)."""
        if not path:
            return ""
        return self.resource(path2url(Path(self.edition.content_root, str(path))), "content")

    def rewrite_images(self, html: str, where: str) -> str:
        def swap(match: re.Match[str]) -> str:
            shown = self.resource(html_lib.unescape(match[2]), where)
            return match[1] + html_lib.escape(shown, quote=True) + match[3]

        return _IMG_SRC.sub(swap, html)

    # -- template filters ----------------------------------------------------------------

    def dir_attr(self, text: str) -> Markup:
        """`` dir="ltr"`` for a text that runs against the document's direction (an
        untranslated paragraph in an Arabic brief), else nothing."""
        found = first_strong_direction(text)
        if found and found != self.edition.audience.direction:
            return Markup(' dir="{}"').format(found)
        return Markup("")

    def directed(self, html: str) -> str:
        """Block HTML with ``dir`` set on each block whose text runs against the page.

        WeasyPrint orders a line's inline boxes by the paragraph's direction, so an
        English sentence with **bold** in it would come out in the wrong word order in an
        Arabic brief unless its paragraph is marked left to right. (Table cells keep the
        table's direction, so that a column stays aligned.)
        """
        out: list[str] = []
        cursor = 0
        for match in _BLOCK_OPEN.finditer(html):
            following = _NEXT_BLOCK.search(html, match.end())
            stop = following.start() if following else len(html)
            text = html_lib.unescape(_TAG.sub("", html[match.end():stop]))
            attribute = str(self.dir_attr(text))
            if attribute and "dir=" not in match[2]:
                out.append(html[cursor:match.end() - 1] + attribute + ">")
                cursor = match.end()
        out.append(html[cursor:])
        return "".join(out)

    def md(self, text: str, mark: Mark | None = None, where: str = "",
           section: Section | None = None) -> Markup:
        """Block Markdown as HTML. Given its ``section``, a part of a section's body is
        numbered with the document's figures and tables and finds its footnotes in any
        visible part of the section (their endnotes: ``section|endnotes``)."""
        app = self.apparatus
        if section is not None:
            if self._section != section.id:
                notes: dict[str, str] = {}
                marks: dict[str, tuple[int, str]] = {}
                for part in section.body:
                    own = part.mark or section.mark
                    for label, html in footnotes(part.markdown).items():
                        if label not in notes:
                            notes[label] = html
                            marks[label] = (own.rank, str(self.pm(own)))
                app.begin(notes, marks)
                app.heading_ids = [h.anchor for h in self.headings.get(section.id, [])]
                self._section = section.id
            shown = mark or section.mark
            app.numbered, app.part_mark = True, (shown.rank, str(self.pm(shown)))
            html = to_html(text, app)
            app.numbered, app.part_mark = False, (0, "")
        else:
            # A text of its own (a summary, a collaboration's): its footnotes stay with it.
            self._section = None
            app.begin({})
            html = to_html(text, app) + app.endnotes_html()
            app.endnotes = []
        html = self.typeset(self.rewrite_images(html, where))
        html = self.directed(_LONE_IMAGE.sub(_figure, html))
        if self.screen:  # as the templates' tables: a box that scrolls on a narrow screen
            html = _TABLE_TAGS.sub(lambda m: ('<div class="table-box">' + m[0]) if m[0][1] != "/"
                                   else m[0] + "</div>", html)
        if mark is not None and mark.portion:
            prefix = str(self.pm(mark))
            if _FIRST_BLOCK.match(html):
                html = _FIRST_BLOCK.sub(lambda m: m[0] + prefix, html, count=1)
            else:
                html = f'<p class="pm-line">{prefix}</p>\n{html}'
        return Markup(html)  # safe: markdown-it output with raw HTML disabled

    def endnotes(self, section: Section) -> Markup:
        """The footnotes of ``section`` as linked endnotes (the screen page; the PDF
        prints each at the foot of its page)."""
        if self._section != section.id:
            return Markup("")
        html = self.apparatus.endnotes_html()
        self.apparatus.endnotes = []
        return Markup(html)  # safe: rendered by to_html, raw HTML disabled

    def md_inline(self, text: str, where: str = "") -> Markup:
        return Markup(self.typeset(self.rewrite_images(to_inline_html(text), where),
                                   inline=True))

    def pm(self, mark: Mark | None) -> Markup:
        """A portion mark, ``(R)``, isolated so it reads left to right in any script."""
        if mark is None or not mark.portion:
            return Markup("")
        return Markup('<bdi class="pm" dir="ltr">{}</bdi> ').format(self.isolate(mark.portion))

    def isolate(self, text: object) -> str:
        """``text`` between Unicode's LEFT-TO-RIGHT ISOLATE and POP DIRECTIONAL ISOLATE,
        in a right-to-left brief (as is, in a left-to-right one).

        WeasyPrint 70 ignores ``unicode-bidi``, so ``<bdi>`` alone does not isolate a
        Latin code in a right-to-left line of the PDF; the control characters do (they
        are not drawn, and browsers honour them too)."""
        return f"\u2066{text}\u2069" if self.edition.audience.rtl else str(text)

    def bdi(self, text: object) -> Markup:
        """Text that keeps its own direction in a right-to-left line (codes, references).

        Not wrapped for the PDF of a left-to-right brief: WeasyPrint ignores
        ``unicode-bidi``, so there the element changes nothing but costs an inline box
        (thousands of them in a large brief)."""
        if not self.embed and not self.edition.audience.rtl:
            return Markup.escape(str(text))
        return Markup('<bdi dir="ltr">{}</bdi>').format(self.isolate(text))

    def label(self, key: str, **values: Any) -> str:
        return self.edition.label(key, **values)

    def date(self, iso: str) -> str:
        return format_date(iso, self.edition.audience.language)

    def number(self, value: float) -> str:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"the number filter takes a number, not {type(value).__name__}")
        return format_number(value, self.edition.audience.language)

    # -- derived values ------------------------------------------------------------------

    def figures(self) -> list[Figure]:
        audience = self.edition.audience
        figures = []
        first = sum(1 for c in self.captions if c.kind == "fig") - len(self.edition.charts)
        for number, chart in enumerate(self.edition.charts, start=first + 1):
            svg = (chart_svg(chart, self.theme, rtl=audience.rtl, language=audience.language)
                   if self.charts else _STAND_IN_SVG)
            # charts.py escapes every text it writes into the SVG (matplotlib does).
            src = _data_uri(svg.encode("utf-8"), "image/svg+xml") if svg else ""
            figures.append(Figure(number, chart, Markup(svg), src))
        return figures

    def benefits_matrix(self) -> tuple[tuple[str, ...], list[MatrixRow]]:
        return self.edition.benefit_categories(), list(self.edition.benefits_matrix())

    def handling(self) -> str:
        """The back page's handling instructions: the project's own as written; the
        built-in text (which restricts copying) not on a brief at the lowest level."""
        return self.edition.handling_text()

    def metadata(self) -> dict[str, Any]:
        """What the PDF's document information says: nothing that is not in the Edition."""
        e = self.edition
        # Only what the brief prints: collaborations' tags are not printed (the release
        # gate, generator/verify.py, checks every value against the PDF's text).
        keywords = [k for k in (e.banner, e.reference) if k]
        modified = e.date
        if e.source_date_epoch is not None:
            moment = dt.datetime.fromtimestamp(e.source_date_epoch, dt.UTC)
            modified = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        return {
            "title": to_plain(e.title),
            "author": to_plain(e.issuer),
            "subject": to_plain(e.subtitle) if e.subtitle else to_plain(e.title),
            "keywords": ", ".join(k.replace(",", " ") for k in keywords),
            "created": e.date,
            "modified": modified,
            "generator": f"briefgen {__version__}",
        }

    def stylesheets(self) -> list[Path]:
        """The ``brief.css`` files in cascade order: the built-in one, then the project's,
        then the audience's. A stylesheet adds to those before it, so a two-line
        ``brief.css`` cannot drop the banners' rules; one whose first line is
        ``/* briefgen: replace */`` replaces them (an explicit, documented choice)."""
        sheets: list[Path] = []
        for folder in reversed(self.templates.brief_dirs):
            try:
                found = gated_file(folder, STYLESHEET, ASSET_SUFFIXES,
                                   self.templates.project_root or None)
            except RefusedFile as refused:
                raise TemplateError([Diagnostic(refused.shown, 0, 0, "error",
                                                f"refused to read a stylesheet: "
                                                f"{refused.message}")]) from None
            if found is None:
                continue
            with found.open(encoding="utf-8", errors="replace") as stream:
                first = stream.readline()
            if _REPLACE_MARK.match(first):
                sheets.clear()
            sheets.append(Path(folder, STYLESHEET))
        if not sheets:
            raise TemplateError([Diagnostic(_relative(self.templates, Path(
                self.templates.brief_dirs[0]) / STYLESHEET), 0, 0, "error",
                f"no {STYLESHEET} in the brief templates")])
        return sheets

    def stylesheet(self, text: str = "") -> Markup:
        """Every ``brief.css`` of :meth:`stylesheets`, in order, with their ``url()``\\ s
        resolved: a relative URL names a file looked up along the template search path.

        Embedded (for brief.html), each font is cut down to the characters of ``text``
        (the rendered page), so the page carries kilobytes of fonts, not megabytes."""
        sheets = [self._one_stylesheet(path, text) for path in self.stylesheets()]
        theme = self.theme_css()
        if theme:  # after the first (the built-in one, unless replaced)
            sheets.insert(1, theme)
        return Markup("\n".join(sheets))

    def _one_stylesheet(self, css_path: Path, text: str) -> str:
        return self._process_css(css_path.read_text(encoding="utf-8"),
                                 _relative(self.templates, css_path), text)

    def theme_css(self) -> str:
        """The profile's ``theme`` as CSS: page size and margins, and its fonts (each a
        file under content/, loaded through the fetcher like any image). Comes right
        after the built-in stylesheet, so the project's and audience's stylesheets can
        still change it. Empty for a profile that sets none of these."""
        theme = self.edition.audience.theme
        rules: list[str] = []
        page = [f"size: {theme.page_size};"] if theme.page_size != "A4" else []
        page += [f"margin-{side}: {value};" for side, value in theme.margins]
        if page:
            rules.append("@page { " + " ".join(page) + " }")
        fonts = dict(theme.fonts)
        for role, path in theme.fonts:
            rules.append(f'@font-face {{ font-family: "{_THEME_FAMILIES[role]}"; '
                         f'src: url("{path2url(path)}"); }}')
        if "body" in fonts:
            rules.append('html, html[dir] { --body-font: "Theme Body", "Brief Serif", '
                         '"Brief Naskh", serif; }')
        if "headings" in fonts:
            rules.append('h1, h2, h3, h4, h5, h6 { font-family: "Theme Headings", '
                         "var(--ui-font); }")
        if "monospace" in fonts:
            rules.append('code, pre, kbd, samp { font-family: "Theme Monospace", monospace; }')
        if not rules:
            return ""
        if theme.page_size not in _PAGE_SIZES or not all(
                side in _SIDES and _PAGE_LENGTH.match(value) for side, value in theme.margins):
            raise TemplateError([Diagnostic(
                f"templates/audiences/{self.edition.audience.name}.yaml", 0, 0, "error",
                "theme: page_size must be one of A4, A5, A3, Letter, Legal and margins "
                "lengths such as 20mm")])
        return self._process_css("\n".join(rules) + "\n", f"templates/audiences/"
                                 f"{self.edition.audience.name}.yaml (theme)", text="")

    def _process_css(self, css: str, where: str, text: str) -> str:
        """One stylesheet's text, with its ``url()``\\ s checked and resolved (embedded
        as ``data:`` URIs for brief.html) and a comment naming ``where`` it came from."""
        if re.search(r"@import\b", css, re.IGNORECASE):
            raise TemplateError([Diagnostic(where, 0, 0, "error",
                                            "@import is not supported in brief.css",
                                            "put all rules in one brief.css")])

        def swap(match: re.Match[str]) -> str:
            url = next(g for g in match.groups() if g is not None)
            if url.startswith("#") or not url:
                return match[0]
            if is_relative_path(url):
                try:
                    found = _find_template_file(self.templates, unquote(url.split("#")[0]))
                except RefusedFile as refused:
                    self.problems.append(Diagnostic(where, 0, 0, "error",
                                                    f"refused to read a file: {refused.message}"))
                    return "url()"
                if found is None:
                    self.warnings.append(f"{where}: no file `{url}` in the brief templates")
                    return "url()"
                url = path2url(str(found))
            try:
                if not self.embed:
                    if url[:5].lower() != "data:":
                        self.fetcher.allowed_path(url)  # refuse now, not halfway through
                    shown = url
                elif url.lower().endswith((".ttf", ".otf")):
                    font = self.fetcher.allowed_path(url)
                    info = font.stat()  # in the key, so an edited font is read again
                    subset = _subset_font(font, info.st_mtime_ns, info.st_size,
                                          _font_chars(text))
                    shown = _data_uri(subset, "font/woff")
                else:
                    shown = self.fetcher.data_uri(url)
            except RefusedURL as refusal:
                self.problems += _refusal_diagnostics([refusal], where, self.templates)
                return "url()"
            return f'url("{shown}")'

        css = _CSS_URL.sub(swap, css)
        if re.search(r"</style", css, re.IGNORECASE):
            raise TemplateError([Diagnostic(where, 0, 0, "error", "`</style` in brief.css")])
        return f"/* {where.replace('*/', '* /')} */\n{css}"  # safe: template code

    def context(self, for_print: bool) -> dict[str, Any]:
        e = self.edition
        audience = e.audience
        categories, matrix = self.benefits_matrix()
        start, end = ("right", "left") if audience.rtl else ("left", "right")
        shown = brief_parts(e)
        show = {part: part in shown for part in PARTS["full"]}
        return {
            "edition": e,
            "audience": audience,
            "theme": self.theme,
            "show": show,
            "for_print": for_print,
            "lang": audience.language,
            "dir": audience.direction,
            "rtl": audience.rtl,
            "start": start,
            "end": end,
            "variables": dict(audience.variables),
            "figures": self.figures(),
            "list_of_figures": [c for c in self.captions if c.kind == "fig"],
            "list_of_tables": [c for c in self.captions if c.kind == "tbl"],
            "categories": categories,
            "matrix": matrix,
            "meta": self.metadata(),
            "logo": self.file_url(audience.theme.logo),
            "handling": self.handling(),
            # Embedded fonts are cut to the page's characters: filled in after rendering.
            "stylesheet": _STYLESHEET_SLOT if self.embed else self.stylesheet(),
        }


def _figure(match: re.Match[str]) -> str:
    """A lone image with a title becomes a figure captioned with its title (the title
    is already escaped: it was an attribute value)."""
    return (f'<figure class="image">{match[1]}'
            f"<figcaption>{match[2]}</figcaption></figure>")


#: Characters every embedded font keeps besides the page's own: what a browser may add
#: (hyphens, list markers, quotes, digits, capitals for ``text-transform``).
_ALWAYS_KEPT = "".join(chr(c) for c in range(0x20, 0x7F)) + "\u00a0\u00ad\u2010\u2011" \
    "\u2013\u2014\u2018\u2019\u201c\u201d\u2022\u2026\u2066\u2067\u2068\u2069\u25e6\u25aa"

_STYLESHEET_SLOT = Markup("/* briefgen: stylesheet */")
#: The font families a profile's ``theme.fonts`` are loaded as, by role.
_THEME_FAMILIES = {"body": "Theme Body", "headings": "Theme Headings",
                   "monospace": "Theme Monospace"}
_PAGE_SIZES = frozenset({"A4", "A5", "A3", "Letter", "Legal"})
_SIDES = frozenset({"top", "right", "bottom", "left"})
_PAGE_LENGTH = re.compile(r"^\d{1,3}(\.\d{1,2})?(mm|cm|in|pt)$")
#: The first line of a brief.css that replaces the stylesheets before it.
_REPLACE_MARK = re.compile(r"^\ufeff?\s*/\*\s*briefgen:\s*replace\s*\*/", re.IGNORECASE)


@lru_cache(maxsize=1)
def _font_chars(text: str) -> frozenset[str]:
    """The characters a font subset of a page keeps: worked out once a page, not once for
    each of its fonts (the page's text is long)."""
    chars = set(text) | set(_ALWAYS_KEPT)
    return frozenset(chars | {c.upper() for c in chars if len(c.upper()) == 1})


def _subset_font(path: Path, mtime_ns: int, size: int, chars: frozenset[str]) -> bytes:
    """The font file at ``path`` as a WOFF keeping only the glyphs of ``chars``, with
    every OpenType feature (so Arabic still joins), deterministically.

    HarfBuzz's subsetter takes milliseconds where fontTools' took a third of a second a
    font; results are remembered by the font's bytes and the characters, so a worker that
    renders several briefs subsets each font once per character set."""
    subset = _subset_bytes(_font_bytes(path, mtime_ns, size), chars)
    if subset is None:
        raise RenderError(f"the font {path.name} could not be cut down to the page's "
                          "characters (is it an OpenType font?)")
    return subset


@lru_cache(maxsize=32)
def _font_bytes(path: Path, mtime_ns: int, size: int) -> bytes:
    """A font file's bytes (``mtime_ns`` and ``size`` in the key: an edited font is read
    again)."""
    return path.read_bytes()


@lru_cache(maxsize=64)
def _subset_bytes(font: bytes, chars: frozenset[str]) -> bytes | None:
    """:func:`_subset_font` of a font's bytes: content-addressed (the key is the bytes
    themselves, so two copies of one font share their subsets)."""
    import uharfbuzz as hb

    subset_input = hb.SubsetInput()
    subset_input.unicode_set.update(sorted(ord(c) for c in chars))
    # Every feature and every name (the copyright and licence notices): an inverted empty
    # set is all of them.
    for kept in (subset_input.layout_feature_tag_set, subset_input.name_id_set,
                 subset_input.name_lang_id_set):
        kept.clear()
        kept.invert()
    subset_input.flags = hb.SubsetFlags.NOTDEF_OUTLINE | hb.SubsetFlags.NAME_LEGACY
    face = hb.subset(hb.Face(font), subset_input)
    return None if face is None else _woff(face.blob.data)


def _woff(sfnt: bytes) -> bytes:
    """An OpenType font (``sfnt``) as WOFF 1.0: each table zlib-compressed (kept as it
    was when that is no smaller), tables in the order of the sfnt's directory."""
    import struct
    import zlib

    flavor, count = struct.unpack(">4sH", sfnt[:6])
    tables = [struct.unpack(">4sLLL", sfnt[12 + 16 * i:28 + 16 * i]) for i in range(count)]
    directory = []
    data = bytearray()
    offset = 44 + 20 * count
    total_sfnt = 12 + 16 * count
    for tag, checksum, start, length in sorted(tables, key=lambda t: t[2]):
        original = sfnt[start:start + length]
        packed = zlib.compress(original, 6)
        if len(packed) >= length:
            packed = original
        directory.append((tag, offset + len(data), len(packed), length, checksum))
        data += packed + b"\0" * (-len(packed) % 4)
        total_sfnt += length + (-length % 4)
    header = struct.pack(">4s4sLHHLHHLLLLL", b"wOFF", flavor, offset + len(data), count, 0,
                         total_sfnt, 1, 0, 0, 0, 0, 0, 0)
    entries = b"".join(struct.pack(">4sLLLL", *entry) for entry in sorted(directory))
    return header + entries + bytes(data)


# --------------------------------------------------------------------------------------
# Template helpers (pure functions, shared by all renderings)
# --------------------------------------------------------------------------------------


def _find_template_file(templates: TemplateSet, name: str) -> Path | None:
    """The first ``name`` along ``brief_dirs`` (an asset: stylesheet, font, image).
    Raises :class:`RefusedFile` for one that leaves its folder or is not an asset."""
    for folder in templates.brief_dirs:
        found = gated_file(folder, name, ASSET_SUFFIXES, templates.project_root or None)
        if found is not None:
            return found
    return None


def _relative(templates: TemplateSet, path: Path | str) -> str:
    """``path`` as the user reads it (see :func:`generator.templates.shown_path`)."""
    return shown_path(path, templates.project_root or None)


def css_string(text: object) -> Markup:
    """A CSS string literal of ``text`` (every character but ASCII letters and digits
    escaped), safe in a ``<style>`` element and in ``content:``."""
    out = []
    for char in str(text):
        # A hex escape ends at the first whitespace after it, which it swallows: so
        # every escape carries its own terminating space, and spaces are escaped too.
        out.append(char if char.isascii() and char.isalnum() else f"\\{ord(char):06x} ")
    return Markup('"{}"').format(Markup("".join(out)))


def css_colour(value: object) -> Markup:
    """A colour for CSS, only if it is a hex colour (else a neutral grey)."""
    text = str(value)
    return Markup(text if _HEX_COLOUR.match(text) else "#555555")


def css_label(template: str, **counters: str) -> Markup:
    """A CSS ``content`` value for a label with ``{placeholders}`` bound to counters:
    ``"Page {page} of {pages}"`` -> ``"Page " counter(page) " of " counter(pages)``."""
    parts: list[str] = []
    for index, piece in enumerate(re.split(r"\{(\w+)\}", template)):
        if index % 2:
            parts.append(counters.get(piece, str(css_string("{" + piece + "}"))))
        elif piece:
            parts.append(str(css_string(piece)))
    return Markup(" ".join(parts) or '""')


def first_strong_direction(text: str) -> str | None:
    """``"ltr"`` or ``"rtl"`` after the first strongly directional letter of ``text``
    (what HTML's ``dir="auto"`` does), skipping isolated runs (portion marks, codes)."""
    depth = 0
    for char in text:
        if char in "\u2066\u2067\u2068":
            depth += 1
        elif char == "\u2069":
            depth = max(depth - 1, 0)
        elif not depth:
            kind = unicodedata.bidirectional(char)
            if kind == "L":
                return "ltr"
            if kind in ("R", "AL"):
                return "rtl"
    return None


def benefits_by_category(collab: Collaboration, edition: Edition
                         ) -> list[tuple[str, list[Benefit]]]:
    """A collaboration's benefits by category, in the order ``edition`` lists them."""
    groups: dict[str, list[Benefit]] = {}
    for benefit in collab.benefits:
        groups.setdefault(benefit.category, []).append(benefit)
    return [(category, groups[category])
            for category in sorted(groups, key=edition.category_key)]


def metric_periods(metrics: Sequence[Metric]) -> list[str]:
    """Every period of ``metrics``, as a table's columns: years in numeric order when all
    periods are numbers (metrics may list different years), else in order of appearance."""
    periods = list(dict.fromkeys(period for m in metrics for period, _ in m.values))
    if all(p.isdigit() for p in periods):
        periods.sort(key=int)
    return periods


def metric_value(metric: Metric, period: str) -> float | None:
    return dict(metric.values).get(period)


# --------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------


class _CompiledTemplates(jinja2.BytecodeCache):
    """Compiled brief templates, kept for the life of the process (a build worker renders
    several audiences, ``serve`` re-renders on every edit). Jinja keys each entry by the
    template's file and checks its source's checksum, so an edited template recompiles."""

    def __init__(self) -> None:
        self._store: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with self._lock:
            code = self._store.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with self._lock:
            self._store[bucket.key] = bucket.bytecode_to_string()


_COMPILED = _CompiledTemplates()


def _per_render(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` as a filter that is called at render time only.

    Jinja's compiler folds a filter applied to constants (``{{ "summary"|label }}``) into
    its result; compiled templates are shared between renders, so a filter whose result
    depends on the render (its language, its warnings) must never be folded. Jinja does
    not fold filters that take the context.
    """
    @jinja2.pass_context
    def filter_(_context: jinja2.runtime.Context, *args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)

    return filter_


class _RefusedTemplate(jinja2.TemplateError):
    """A template file the gate refused; ``shown`` is its project-relative path."""

    def __init__(self, shown: str, message: str) -> None:
        super().__init__(message)
        self.shown = shown


class _GatedLoader(jinja2.BaseLoader):
    """Jinja's file loader through the template file gate: only ``*.j2`` regular files
    that lie (symlinks resolved) inside the folder they were found in.

    A link ``templates/audiences/press/brief/leak.j2 -> content/collaborations/x.yaml``
    would otherwise put a withheld collaboration's source into the press brief."""

    def __init__(self, folders: Sequence[str], root: str) -> None:
        self.folders = tuple(folders)
        self.root = root or None

    def get_source(self, environment: jinja2.Environment,
                   template: str) -> tuple[str, str, Callable[[], bool]]:
        name = "/".join(split_template_path(template))  # TemplateNotFound for ".."
        for folder in self.folders:
            try:
                path = gated_file(folder, name, TEMPLATE_SUFFIXES, self.root)
            except RefusedFile as refused:
                raise _RefusedTemplate(refused.shown,
                                       f"refused to read a template: {refused.message}"
                                       ) from None
            if path is None:
                continue
            shown = Path(folder, name)
            try:
                source = path.read_text("utf-8")
            except UnicodeDecodeError:
                raise _RefusedTemplate(_relative_to(self.root, shown),
                                       f"`{_relative_to(self.root, shown)}` is not UTF-8 text"
                                       ) from None
            # Named by where it was found (not the link's target), so errors name the
            # file the user placed; compiled once per process (auto_reload is off).
            return source, str(shown), lambda: True
        raise jinja2.TemplateNotFound(template)


def _relative_to(root: str | None, path: Path) -> str:
    return shown_path(path, root)


def _environment(templates: TemplateSet, job: _Job) -> BriefSandbox:
    # A fresh environment per render (its filters are bound to this render), sharing
    # compiled templates with the other renders of the process.
    env = BriefSandbox(
        # An override may extend the built-in template of the same name as
        # "builtin/NAME" (extending "NAME" would be extending itself).
        loader=jinja2.ChoiceLoader([
            _GatedLoader(templates.brief_dirs, templates.project_root),
            jinja2.PrefixLoader({"builtin": _GatedLoader(
                [str(builtin_templates() / "brief")], templates.project_root)}),
        ]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
        bytecode_cache=_COMPILED,
    )
    env.max_output = dict(templates.limits).get("template_output")  # the project's, if set
    env.filters.update({
        "md": _per_render(job.md),
        "endnotes": _per_render(job.endnotes),
        "md_inline": _per_render(job.md_inline),
        "label": _per_render(job.label),
        "date": _per_render(job.date),
        "number": _per_render(job.number),
        "pm": _per_render(job.pm),
        "dir": _per_render(job.dir_attr),
        "bdi": _per_render(job.bdi),
        # Pure functions of their argument: folding them is harmless.
        "plain": to_plain,
        "css_string": css_string,
        "css_colour": css_colour,
        "css_label": css_label,
        "fit_line": fit_line,
        "tie_last_words": lambda html: Markup(tie_last_words(str(html))),
    })
    env.globals.update({  # Jinja never folds calls
        "label": job.label,
        "pm": job.pm,
        "benefits_by_category": lambda collab: benefits_by_category(collab, job.edition),
        "metric_periods": metric_periods,
        "metric_value": metric_value,
        "metric_label": metric_label,
        "missing": MISSING,
        "resource": job.file_url,
        "headings": job.section_headings,
    })
    return env


#: The longest template error message shown (it may quote a value the template made).
_MAX_MESSAGE = 300

_TEMPLATE_BUGS = (TypeError, ValueError, KeyError, AttributeError, IndexError, ArithmeticError,
                  MemoryError)


def _template_diagnostic(templates: TemplateSet, error: BaseException) -> Diagnostic:
    """Where in which template ``error`` happened, as a diagnostic."""
    file, line = "", 0
    if isinstance(error, jinja2.TemplateSyntaxError) and error.filename:
        file, line = error.filename, error.lineno or 0
    else:
        # Jinja rewrites tracebacks so that template frames name the template file.
        roots = [Path(d).resolve() for d in templates.brief_dirs]
        for frame in traceback.extract_tb(error.__traceback__):
            resolved = Path(frame.filename).resolve()
            if frame.filename.endswith(".j2") and any(resolved.is_relative_to(r) for r in roots):
                file, line = frame.filename, frame.lineno or 0
    if isinstance(error, jinja2.TemplateNotFound):
        message = f"template not found: {error.name}"
    elif isinstance(error, jinja2.TemplateError):
        message = error.message or type(error).__name__
    elif isinstance(error, UnsafeFormat):
        message = str(error)
    elif isinstance(error, MemoryError):
        message = "the template ran out of memory"
    else:
        message = f"{type(error).__name__}: {error}"
    if file:
        where = _relative(templates, file)
    elif isinstance(error, _RefusedTemplate):
        where = error.shown
    else:
        where = _relative(templates, Path(templates.brief_dirs[0]) / BASE_TEMPLATE)
    if len(message) > _MAX_MESSAGE:  # a template can put any value into an error
        message = message[:_MAX_MESSAGE] + "…"
    return Diagnostic(where, line, 0, "error", message.replace("\n", " "))


def _render(edition: Edition, templates: TemplateSet, *, for_print: bool, embed: bool,
            warnings: list[str] | None = None, charts: bool = True) -> str:
    job = _Job(edition, templates, embed, charts, screen=not for_print)
    env = _environment(templates, job)
    try:
        template = env.get_template(BASE_TEMPLATE)
        html = bounded_render(template.generate(job.context(for_print)), env)
    except jinja2.TemplateError as error:
        raise TemplateError([_template_diagnostic(templates, error)]) from None
    except RecursionError:
        raise TemplateError([Diagnostic(
            _relative(templates, templates.brief_dirs[0]), 0, 0, "error",
            "a brief template extends or includes itself",
            f'to build on the built-in one, write {{% extends "builtin/{BASE_TEMPLATE}" %}}'
        )]) from None
    except _TEMPLATE_BUGS as error:
        diagnostic = _template_diagnostic(templates, error)
        if not diagnostic.line:  # not a template's mistake: a bug of briefgen
            raise
        raise TemplateError([diagnostic]) from None
    if embed:
        html = html.replace(_STYLESHEET_SLOT, job.stylesheet(html), 1)
    if warnings is not None:
        warnings.extend(job.warnings)
    if job.problems:
        raise RenderError(job.problems)
    return html


#: What a chart is in `check`'s rendering: the same template branch as a drawn chart.
_STAND_IN_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"></svg>'


def check_brief(edition: Edition, templates: TemplateSet,
                formats: Iterable[str]) -> list[Diagnostic]:
    """What rendering the brief templates for ``edition`` would report, without laying
    anything out (for ``briefgen check``; imports no WeasyPrint, draws no chart): each
    template error with its file and line, each refused file, in the words of ``build``.
    The PDF's document and the screen page take different branches of the templates,
    so each format the audience receives is rendered."""
    found: list[Diagnostic] = []
    modes = [for_print for fmt, for_print in (("pdf", True), ("html", False)) if fmt in formats]
    for for_print in modes:
        try:
            _render(edition, templates, for_print=for_print, embed=False, charts=False)
        except (TemplateError, RenderError) as error:
            found += [d for d in error.diagnostics if d not in found]
    return found


def render_html(edition: Edition, templates: TemplateSet, *, for_print: bool = False) -> str:
    """The brief as HTML.

    ``for_print=True`` is the document WeasyPrint lays out: resources stay ``file:`` URLs
    (read later through :class:`BriefURLFetcher`). ``for_print=False`` is the screen
    page: every resource is embedded as a ``data:`` URI, so the page is self-contained.

    Raises :class:`TemplateError` for a broken template (with its file and line) and
    :class:`RenderError` for a resource that may not be read (naming its URL).
    """
    return _render(edition, templates, for_print=for_print, embed=not for_print)


def brief_html(edition: Edition, templates: TemplateSet, *,
               warnings: list[str] | None = None) -> bytes:
    """``brief.html``: one self-contained page (UTF-8), deterministic."""
    return _render(edition, templates, for_print=False, embed=True,
                   warnings=warnings).encode("utf-8")


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message not in self.messages:
            self.messages.append(message)


@contextmanager
def _collect_weasyprint_log() -> Iterator[_Collect]:
    logger = logging.getLogger("weasyprint")
    handler = _Collect()
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


@contextmanager
def layout_gc() -> Iterator[None]:
    """Collect garbage less often while WeasyPrint lays out a document.

    Layout creates millions of short-lived objects and few reference cycles; at Python's
    default threshold (a collection every 700 net allocations) the collector runs
    thousands of times and takes about a fifth of the layout time. Every 10,000 keeps
    peak memory where it was (measured on the default and 10x briefs).
    """
    previous = gc.get_threshold()
    gc.set_threshold(10_000, *previous[1:])
    try:
        yield
    finally:
        gc.set_threshold(*previous)


def _weasyprint_fetcher(fetcher: BriefURLFetcher) -> Any:
    """``fetcher`` as WeasyPrint's URL fetcher: a refusal stops the layout at once (a
    ``FatalURLFetchingError``) instead of being logged while layout carries on."""
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    class Fetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            try:
                found = fetcher.fetch(url)
            except RefusedURL as refusal:
                raise FatalURLFetchingError(str(refusal)) from None
            return URLFetcherResponse(found.url, found.body,
                                      {"Content-Type": found.content_type})

    return Fetcher(allowed_protocols=("file", "data"), allow_redirects=False,
                   fail_on_errors=False)


def render_brief(edition: Edition, templates: TemplateSet, *,
                 warnings: list[str] | None = None) -> bytes:
    """The brief as PDF bytes: tagged (PDF/UA-1), with bookmarks, no attachments.

    The same Edition and templates always give the same bytes: the PDF's dates come
    from the briefing date (and ``SOURCE_DATE_EPOCH`` for the modification date), and
    it carries no file identifier (an /ID is optional for unencrypted PDF, and pydyf
    would serialise the whole document twice to hash it). WeasyPrint's warnings (a
    missing image, an unsupported CSS property) are appended to ``warnings`` when given.

    A large brief is laid out in parts (see generator/render/parts.py): WeasyPrint holds
    about 3 MB per page until the PDF is written. Inside :func:`parts.deferring` those
    parts are handed back (:class:`parts.Deferred`) to be laid out as tasks of their own,
    with :func:`lay_out_brief_part` and :func:`lay_out_brief_overlay`, then joined.
    """
    job_warnings: list[str] = []
    html = _render(edition, templates, for_print=True, embed=False, warnings=job_warnings)
    # PDF/UA-1, or the profile's archival PDF/A variant, still tagged (pdf_tags): a PDF/A
    # brief keeps its structure tree, without PDF/UA's identification (one variant each)
    variant = edition.audience.pdf_variant or "pdf/ua-1"
    in_parts = parts.split(html) if parts.size_of(html) > 2 * parts.PART_SIZE else None
    if in_parts is not None:
        in_parts = dataclasses.replace(in_parts, variant=variant)
        if parts.deferred():
            raise parts.Deferred(in_parts, job_warnings)
    output = io.BytesIO()
    log: list[str] = []
    with _laying_out(edition, templates, log) as lay_out:
        if in_parts is not None:
            output.write(parts.render_in_parts(in_parts, lay_out))
        else:
            lay_out(html, True).write_pdf(output, pdf_variant=variant, pdf_tags=True,
                                          attachments=None, custom_metadata=False)
    if warnings is not None:
        warnings.extend(job_warnings + log)
    return output.getvalue()


def lay_out_brief_part(edition: Edition, templates: TemplateSet,
                       html: str) -> tuple[parts.Laid, list[str]]:
    """One part of a brief in parts (:class:`parts.Deferred`) laid out, and WeasyPrint's
    warnings."""
    log: list[str] = []
    with _laying_out(edition, templates, log) as lay_out:
        laid = parts.lay_out_part(html, lay_out, edition.audience.pdf_variant or "pdf/ua-1")
    return laid, log


def lay_out_brief_overlay(edition: Edition, templates: TemplateSet, split: parts.Split,
                          total: int) -> tuple[bytes | None, list[str]]:
    """The page-number overlay of a brief in parts of ``total`` pages
    (:func:`parts.lay_out_overlay`), and WeasyPrint's warnings."""
    log: list[str] = []
    with _laying_out(edition, templates, log) as lay_out:
        overlay = parts.lay_out_overlay(split, total, lay_out)
    return overlay, log


@contextmanager
def _laying_out(edition: Edition, templates: TemplateSet,
                log: list[str]) -> Iterator[parts.LayOut]:
    """A function laying out HTML as ``edition``'s brief (its fetcher, WeasyPrint's
    warnings collected into ``log``, the layout collector setting). A refused URL stops
    the layout and is raised as a :class:`RenderError` with every other refusal."""
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    htmlparse.keep_tinyhtml5_expressions()  # WeasyPrint parses the HTML with it
    fetcher = _fetcher(edition, templates)
    url_fetcher = _weasyprint_fetcher(fetcher)

    def lay_out(source: str, tagged: bool = True) -> Any:
        return HTML(string=source, base_url=_base_url(edition), url_fetcher=url_fetcher,
                    media_type="print").render(pdf_variant="pdf/ua-1" if tagged else None)

    with _collect_weasyprint_log() as collected, layout_gc(), \
            warnings_module.catch_warnings():
        # WeasyPrint leaves the sRGB profile of a PDF/A's output intent open (PIL reads
        # it and lets it go): a ResourceWarning about a file of its own, not ours.
        warnings_module.simplefilter("ignore", ResourceWarning)
        try:
            yield lay_out
        except FatalURLFetchingError:
            if not fetcher.refused:
                raise
            # reported below, with every other refusal
    if fetcher.refused:  # from a template, a stylesheet or inside an SVG image
        raise RenderError(_refusal_diagnostics(fetcher.refused, "", templates))
    log.extend(collected.messages)
