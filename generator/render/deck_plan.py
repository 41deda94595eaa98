"""The deck's plan: what goes on which slide, at which size, fitted and split.

Pure: no python-pptx. It holds the deck's type scale (every size a slide's text may be
set at, and the floors fitting never goes below), the text model (:class:`Para`), the
fitter that wraps paragraphs into lines and lines into slides (:class:`Fitter`, measured
with :mod:`generator.render.textfit`), slide geometry (:class:`Rect`, in EMU) and table
layout values. :mod:`generator.render.deck` composes slides from these and writes them
with python-pptx; :mod:`generator.render.deck_fast` holds what touches python-pptx's
internals.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from ..edition import (
    BENEFIT_CATEGORIES,
    Chart,
    Collaboration,
    Edition,
    Item,
    Mark,
    Metric,
    Section,
    Series,
    category_order,
)
from ..i18n import format_date, format_number
from .charts import MISSING, metric_label  # one vocabulary with the brief
from .markdown import Paragraph, Run, merged_runs, to_paragraphs
from .textfit import Line, Measurer, Span

EMU_PER_PT = 12700

# --------------------------------------------------------------------------- constants

#: A summary deck (``length: summary``) has at most this many slides, unless its text
#: cannot fit at the minimum size (nothing is ever dropped).
SUMMARY_MAX_SLIDES = 8

# The type scale (pt): a deck read from the back of a room. Fitting takes the largest
# size of a list that fits and never goes below its last: what does not fit at the floor
# continues on further slides, never smaller.
TITLE_MIN = 28  # slide titles
BODY = 18  # body text is set at 18 pt or more ...
BODY_MIN = 14  # ... and no run of body text or table cell below 14 (secondary lines)
SOURCES_MIN = 12  # sources on appendix slides
FURNITURE_MIN = 9  # banners, slide numbers, the reference

# Type sizes to try, largest first; the last is the floor.
TITLE_SIZES = (32, TITLE_MIN)
COVER_TITLE_SIZES = (40, 36, 32, TITLE_MIN)
COVER_TEXT_SIZES = (24, 22, 20, BODY)
LEAD_SIZES = (24, 22, 20, BODY)
KEY_SIZES = (28, 26, 24, 22, 20, BODY)
BODY_SIZES = (24, 22, 20, BODY)
TABLE_SIZES = (20, 18, 16, BODY_MIN)
# When text needs continuation slides anyway, it is set at this size.
CONTINUED_SIZE = 20
CONTINUED_TABLE_SIZE = 18
HEADING_SIZE = 16  # small headings over a chart or table in a column
AGENDA_ONE_COLUMN = 7  # a longer agenda is set in two columns
BANNER_SIZES = (14, 12, 11, 10, FURNITURE_MIN)
NUMBER_SIZES = (12, 10, FURNITURE_MIN)
REFERENCE_SIZES = (10, FURNITURE_MIN)

LINE = 1.2  # line pitch as a multiple of the type size (exact spacing)
LINE_RTL = 1.4  # Arabic script needs more room above and below
PARA_GAP = 0.4  # space before a paragraph, as a multiple of the type size
WRAP_SAFETY = 0.985  # lines are measured 1.5 % narrower than the box, for renderer rounding
EPSILON = 0.01

# Geometry (EMU: 914,400 to the inch).
BAND = 365760  # the banner bands at the top and bottom of every slide
BAND_SIDE = 2194560  # the ends of a band, for the logo and the slide number
INSET_X = 91440
INSET_Y = 45720
CELL_X = 73152
CELL_Y = 36576
GAP = 182880
BULLET_STEP = 0.35 * 72  # pt: indent of each list level
BULLET_HANG = 0.3 * 72  # pt: the bullet hangs this far left of the text
NUMBER_HANG = 0.5 * 72  # pt: room for "12."
LOGO_DPI = 300  # SVG logos are rasterised at this resolution
LOGO_MAX_BYTES = 20 * 1024 * 1024  # a logo file larger than this is refused unread
LOGO_CARD_PAD = 137160


CODE_FONT = "Courier New"  # Liberation Mono measures it
COMPLEX_FONT = "Arial"  # carries Arabic script on Windows and macOS
CATEGORIES = BENEFIT_CATEGORIES  # decided once, in the Edition
LANGUAGE_TAGS = {"en": "en-GB", "ar": "ar-SA", "fa": "fa-IR", "he": "he-IL", "ur": "ur-PK",
                 "fr": "fr-FR", "de": "de-DE", "es": "es-ES", "pt": "pt-PT", "ru": "ru-RU"}


# --------------------------------------------------------------------------- text model


@dataclass(frozen=True)
class Para:
    """A paragraph to set: its runs and how it sits in the text.

    ``level`` 0 is flush; ``level`` n is indented n list steps (a bullet or number
    hangs in the indent). ``heading`` paragraphs are bold, in the primary colour and kept
    with the next paragraph. The type size is the block's size times ``scale``, never less
    than ``min_pt``. ``gap`` is False for the tail of a paragraph split over two slides.
    """

    runs: tuple[Run, ...]
    level: int = 0
    bullet: Literal["none", "bullet", "number"] = "none"
    number: int = 1
    heading: bool = False
    scale: float = 1.0
    min_pt: float = BODY_MIN  # furniture, set smaller, says so
    gap: bool = True
    colour: str | None = None  # a theme colour name ("accent1") or None to inherit
    italic: bool = False

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)

    # Fitting looks paragraphs up by value thousands of times per deck: the hash and the
    # measured spans are worked out once per paragraph (a frozen value, so they hold).
    def __hash__(self) -> int:
        found: int | None = self.__dict__.get("_hash")
        if found is None:
            found = hash((self.runs, self.level, self.bullet, self.number, self.heading,
                          self.scale, self.min_pt, self.gap, self.colour, self.italic))
            self.__dict__["_hash"] = found
        return found

    @property
    def spans(self) -> tuple[Span, ...]:
        """The runs as :class:`Span` s, for measuring."""
        found: tuple[Span, ...] | None = self.__dict__.get("_spans")
        if found is None:
            heading, italic = self.heading, self.italic
            found = self.__dict__["_spans"] = tuple(
                Span(r.text, r.bold or heading, r.italic or italic, r.code) for r in self.runs)
        return found


def _portion(mark: Mark | None) -> str:
    return mark.portion if mark and mark.portion else ""


def _with_portion(text: str, mark: Mark | None) -> str:
    portion = _portion(mark)
    return f"{portion} {text}" if portion else text


def _inline_text(text: str) -> str:
    """A title-like Markdown field as plain text (list numbers kept: a title such as
    ``2026. A year`` is not a list)."""
    parts = []
    for p in to_paragraphs(text):
        prefix = f"{p.number}. " if p.kind == "number" and p.number is not None else ""
        parts.append(prefix + p.text.replace("\n", " "))
    return " ".join(parts).strip() or text.strip()


def _plain_paras(text: str) -> list[str]:
    """Markdown -> plain paragraphs (for speaker notes)."""
    out = []
    for p in to_paragraphs(text):
        prefix = f"{p.number}. " if p.kind == "number" else "• " if p.kind == "bullet" else ""
        out.append("    " * max(p.level - 1, 0) + prefix + p.text)
    return out


def _md_paras(text: str, *, base: int = 0, scale: float = 1.0,
              prefix: str = "") -> list[Para]:
    """Block Markdown -> paragraphs; list items indented ``base`` + their depth; the
    first paragraph starts with ``prefix`` (a portion mark)."""
    out: list[Para] = []
    for p in to_paragraphs(text):
        out.append(_from_markdown(p, base=base, scale=scale))
    if prefix:
        if out:
            first = out[0]
            out[0] = replace(first, runs=(Run(prefix + " "), *first.runs))
        else:
            out.append(Para((Run(prefix),), base, scale=scale))
    return out


def _from_markdown(p: Paragraph, *, base: int, scale: float) -> Para:
    if p.kind == "heading":
        return Para(p.runs, base, heading=True, scale=scale, colour="accent1")
    if p.kind in ("bullet", "number"):
        return Para(p.runs, base + p.level, "number" if p.kind == "number" else "bullet",
                    p.number or 1, scale=scale)
    return Para(p.runs, base + p.level, scale=scale)


def _item_paras(item: Item, *, level: int = 1, bullet: Literal["bullet", "number"] = "bullet",
                number: int = 1, scale: float = 1.0) -> list[Para]:
    """A key point, message or recommendation: a bullet (its portion mark first); any
    further paragraphs or nested lists of the item sit under it."""
    paras = _md_paras(item.text, base=level, scale=scale)
    portion = _portion(item.mark)
    if not paras:
        paras = [Para((), level, scale=scale)]
    first = paras[0]
    runs = (Run(portion + " "), *first.runs) if portion else first.runs
    paras[0] = Para(runs, level, bullet, number, scale=scale)
    return paras


def _heading(text: str, *, scale: float = 1.0) -> Para:
    return Para((Run(text),), 0, heading=True, scale=scale, colour="accent1")


def _plain(text: str, *, scale: float = 1.0, level: int = 0, italic: bool = False,
           min_pt: float = BODY_MIN) -> Para:
    return Para((Run(text, italic=italic),), level, scale=scale, italic=italic, min_pt=min_pt)


# --------------------------------------------------------------------------- fitting

Box = Callable[[int], tuple[float, float]]  # page number -> (width, height) in points
# Slides of text, planned: (layout, type size, paragraphs per slide).
_Pages = tuple[Any, float, list[list["Para"]]]
_Plan = tuple[str, str, _Pages]  # (title, speaker notes, pages)


def _indent(para: Para) -> float:
    """Left margin of the paragraph's text, in points."""
    if para.level <= 0:
        return 0.0
    if para.bullet == "number":
        return (para.level - 1) * BULLET_STEP + NUMBER_HANG
    return para.level * BULLET_STEP


def _hang(para: Para) -> float:
    if para.bullet == "number":
        return NUMBER_HANG
    return BULLET_HANG if para.bullet == "bullet" else 0.0


def _spans(para: Para) -> tuple[Span, ...]:
    return para.spans


class _Fitter:
    """Wraps paragraphs into lines, and lines into slides."""

    def __init__(self, measurer: Measurer, rtl: bool) -> None:
        self.measurer = measurer
        self.line = LINE_RTL if rtl else LINE
        self._lines: dict[tuple[Para, float, float], list[Line]] = {}
        self._natural: dict[tuple[Para, float], float] = {}
        self._longest: dict[tuple[Para, float], float] = {}
        self._ems: dict[Para, list[list[float]]] = {}  # see _line_ems
        self._widest_word: dict[Para, float] = {}  # see _longest_word
        self._for_lines: dict[tuple[Para, float, int], float] = {}  # see width_for

    def size(self, para: Para, size: float) -> float:
        return max(size * para.scale, para.min_pt)

    def pitch(self, para: Para, size: float) -> float:
        return round(self.size(para, size) * self.line, 1)

    def gap(self, para: Para, size: float) -> float:
        return round(self.size(para, size) * PARA_GAP, 1) if para.gap else 0.0

    def lines(self, para: Para, width: float, size: float) -> list[Line]:
        key = (para, width, size)
        found = self._lines.get(key)
        if found is None:
            room = max((width - _indent(para)) * WRAP_SAFETY, 1.0)
            found = self._lines[key] = self.measurer.wrap(_spans(para), room,
                                                          self.size(para, size))
        return found

    def height(self, paras: Sequence[Para], width: float, size: float) -> float:
        total = 0.0
        for i, para in enumerate(paras):  # gap() and pitch(), inline: a hot loop
            at = max(size * para.scale, para.min_pt)
            if i and para.gap:
                total += round(at * PARA_GAP, 1)
            total += len(self.lines(para, width, size)) * round(at * self.line, 1)
        return total

    def natural_width(self, para: Para, size: float) -> float:
        """Width of the paragraph set on one line (its longest forced line)."""
        key = (para, size)
        found = self._natural.get(key)
        if found is None:
            found = self._natural[key] = self._natural_width(para, size)
        return found

    def _natural_width(self, para: Para, size: float) -> float:
        widest = 0.0
        at = self.size(para, size)
        for ems in self._line_ems(para, size):  # each piece's width at ``at``, summed
            widest = max(widest, sum(em * at for em in ems))
        return widest / WRAP_SAFETY + _indent(para)

    def _line_ems(self, para: Para, size: float) -> list[list[float]]:
        """The widths in ems of the pieces of each line of ``para`` set without a width
        limit (its forced lines): the same at every size, so measured once."""
        found = self._ems.get(para)
        if found is None:
            spans = _spans(para)
            found = self._ems[para] = [
                [self.measurer.em(spans[s].text[a:b], bold=spans[s].bold,
                                  italic=spans[s].italic, code=spans[s].code)
                 if b > a else 0.0 for s, a, b in line]
                for line in self.lines(para, 1e9, size)]
        return found

    def longest_word(self, para: Para, size: float) -> float:
        key = (para, size)
        found = self._longest.get(key)
        if found is None:
            found = self._longest[key] = self._longest_word(para, size)
        return found

    def _longest_word(self, para: Para, size: float) -> float:
        widest = self._widest_word.get(para)
        if widest is None:  # in ems: scaling keeps the order (and the product is exact)
            widest = self._widest_word[para] = max(
                (self.measurer.em(word, bold=span.bold, italic=span.italic, code=span.code)
                 for span in _spans(para) for word in span.text.split()), default=0.0)
        return widest * self.size(para, size) / WRAP_SAFETY + _indent(para)

    def width_for(self, para: Para, size: float, lines: int) -> float:
        """The narrowest width (points, to a point) at which ``para`` takes at most
        ``lines`` lines at ``size`` (its longest word's width when no width does)."""
        key = (para, size, lines)
        found = self._for_lines.get(key)
        if found is None:
            low, high = self.longest_word(para, size), self.natural_width(para, size)
            while high - low > 1.0:
                middle = (low + high) / 2
                if len(self.lines(para, middle, size)) <= lines:
                    high = middle
                else:
                    low = middle
            found = self._for_lines[key] = max(high, self.longest_word(para, size))
        return found

    def split(self, para: Para, lines: list[Line], keep: int) -> tuple[Para, Para]:
        """The first ``keep`` lines of ``para``, and the rest as a continuation."""
        head = _runs_of(para, lines[:keep])
        tail = _runs_of(para, lines[keep:])
        return (replace(para, runs=head),
                replace(para, runs=tail, bullet="none", gap=False, heading=para.heading))

    def paginate(self, paras: Sequence[Para], box: Box, size: float) -> list[list[Para]]:
        """``paras`` set at ``size`` into as many boxes as they need, in order; a
        paragraph too long for the room left is split between lines."""
        pages: list[list[Para]] = []
        page: list[Para] = []
        used = 0.0
        queue = deque(paras)
        while queue:
            para = queue.popleft()
            width, height = box(len(pages))
            lines = self.lines(para, width, size)
            pitch = self.pitch(para, size)
            before = self.gap(para, size) if page else 0.0
            need = before + len(lines) * pitch
            follow = 0.0
            if para.heading and queue:
                nxt = queue[0]
                follow = self.gap(nxt, size) + self.pitch(nxt, size)
            if used + need + follow <= height + EPSILON:
                page.append(para)
                used += need
                continue
            room = int((height - used - before + EPSILON) // pitch)
            if page and (para.heading or room < 2 or used + need <= height + EPSILON):
                pages.append(page)
                page, used = [], 0.0
                queue.appendleft(replace(para, gap=para.gap))
                continue
            if not page:
                room = max(1, int((height + EPSILON) // pitch))
                if room >= len(lines):  # a heading alone at the foot: keep it anyway
                    page.append(para)
                    used += need
                    continue
            head, tail = self.split(para, lines, room)
            page.append(head)
            pages.append(page)
            page, used = [], 0.0
            queue.appendleft(tail)
        if page or not pages:
            pages.append(page)
        return pages

    def _overflows(self, paras: Sequence[Para], boxes: Sequence[tuple[float, float]],
                   size: float) -> bool:
        """True when ``paras`` at ``size`` surely take more than ``len(boxes)`` boxes
        (so :meth:`paginate` need not try): even their fewest possible lines, at the
        widest of the boxes, are taller than the boxes together. (:meth:`paginate` fills
        no box beyond its height unless one line is taller than a box; then this says
        False.)"""
        room = max(max(width for width, _ in boxes) * WRAP_SAFETY, 1.0)  # no indent: widest
        lowest = min(height for _, height in boxes)
        capacity = sum(height for _, height in boxes) + len(boxes) * EPSILON + 1e-6
        total = 0.0
        for para in paras:
            pitch = self.pitch(para, size)
            if pitch > lowest + EPSILON:
                return False
            total += self.measurer.min_lines(para.spans, room, self.size(para, size)) * pitch
            if total > capacity:
                return True
        return False

    def fit(self, paras: Sequence[Para], box: Box, sizes: Sequence[float], *,
            max_pages: int = 1, fallback: float | None = None,
            ) -> tuple[float, list[list[Para]]]:
        """The largest size at which ``paras`` take at most ``max_pages`` boxes; if none,
        ``fallback`` (default: :data:`CONTINUED_SIZE` or the largest size below it),
        paginated over as many boxes as needed."""
        boxes = [box(n) for n in range(max_pages)]  # the first max_pages boxes
        for size in sizes:
            if self._overflows(paras, boxes, size):
                continue
            pages = self.paginate(paras, box, size)
            if len(pages) <= max_pages:
                return size, pages
        if fallback is None:
            fallback = next((s for s in sizes if s <= CONTINUED_SIZE), sizes[-1])
        return fallback, self.paginate(paras, box, fallback)


def _runs_of(para: Para, lines: Sequence[Line]) -> tuple[Run, ...]:
    """The runs of ``para`` that make up ``lines`` (formatting kept, neighbours merged)."""
    runs = merged_runs(replace(para.runs[s], text=para.runs[s].text[a:b])
                   for line in lines for s, a, b in line)
    if runs:
        runs[-1] = replace(runs[-1], text=runs[-1].text.rstrip(" \n"))
    return tuple(r for r in runs if r.text)


# --------------------------------------------------------------------------- geometry


@dataclass(frozen=True)
class Rect:
    left: int
    top: int
    width: int
    height: int

    @property
    def right(self) -> int:
        return self.left + self.width

    @property
    def bottom(self) -> int:
        return self.top + self.height

    def text_box(self) -> tuple[float, float]:
        """(width, height) in points of the text area inside the standard insets."""
        return ((self.width - 2 * INSET_X) / EMU_PER_PT, (self.height - 2 * INSET_Y) / EMU_PER_PT)


# --------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class Cell:
    """One table cell: its paragraphs and alignment."""

    paras: tuple[Para, ...]
    align: str | None = None
    lines: int = 0  # a label: its column is made wide enough for it on this many lines

    @classmethod
    def of(cls, text: str, *, header: bool = False, align: str | None = None,
           lines: int = 0) -> Cell:
        para = Para((Run(text, bold=header),), 0)
        return cls((para,) if text else (), align, lines)


@dataclass(frozen=True)
class TableLayout:
    """A table set at ``size``: column widths and the rows of each slide."""

    size: float
    widths: list[float]  # points
    header: list[Cell]
    header_height: float
    pages: list[list[tuple[list[Cell], float]]]  # rows (cells, height in points) per slide
    cramped: bool  # a column narrower than its longest word
    rows: list[list[Cell]] = dataclasses.field(default_factory=list)  # as given


def _fixed_box(width: float, height: float) -> Box:
    return lambda _: (width, height)


def _share(natural: list[float], minimum: list[float], total: float) -> list[float]:
    """Column widths summing to ``total``: natural widths when they fit (the spare room
    shared out in proportion), else each column's minimum plus a share of the rest in
    proportion to how much more it wants."""
    want = sum(natural)
    if want <= total:
        return [w + (total - want) * w / want for w in natural] if want else \
            [total / len(natural)] * len(natural)
    floor = [min(m, n) for m, n in zip(minimum, natural, strict=True)]
    base = sum(floor)
    if base >= total:
        return [total * f / base for f in floor]
    extra = [n - f for n, f in zip(natural, floor, strict=True)]
    spare = total - base
    more = sum(extra)
    return [f + spare * x / more for f, x in zip(floor, extra, strict=True)]


def _grid(area: Rect, count: int, *, rtl: bool) -> list[Rect]:
    """``count`` (1, 2 or up to 4) cells side by side / in a 2 x 2 grid, reading order
    right to left when ``rtl``."""
    if count <= 1:
        return [area]
    cols = 2
    rows = 1 if count <= 2 else 2
    gap = GAP
    w = (area.width - gap * (cols - 1)) // cols
    h = (area.height - gap * (rows - 1)) // rows
    cells = []
    for i in range(count):
        r, c = divmod(i, cols)
        if rtl:
            c = cols - 1 - c
        cells.append(Rect(area.left + c * (w + gap), area.top + r * (h + gap), w, h))
    return cells


_category_order = category_order  # the Edition's order of benefit categories


# --------------------------------------------------------------------------- content


class Content:
    """What the deck's slides say, composed from one Edition: the paragraphs of each
    kind of slide and the cells of its tables, each in the audience's language with its
    portion marks. Where the text goes and at which size is the writer's; what it is,
    and in which order, is decided here (a new kind of slide starts here)."""

    def __init__(self, edition: Edition) -> None:
        self.edition = edition
        self._numbers: dict[float, str] = {}  # see number
        self._cells: dict[tuple[str, bool, str | None, int], Cell] = {}  # see cell

    # ----------------------------------------------------------------- vocabulary

    def term(self, group: str, value: str) -> str:
        """A vocabulary word in the audience's language (``kind.border-security`` ->
        "Border security"), or the value itself when the catalog has no entry."""
        key = f"{group}.{value}"
        text = self.edition.label(key)
        return value if text == key else text

    def number(self, value: float) -> str:
        """``value`` formatted for the audience's language (each value once per deck:
        a collaboration's metrics are laid out several ways to find the one that fits)."""
        found = self._numbers.get(value)
        if found is None:
            found = self._numbers[value] = format_number(value, self.edition.audience.language)
        return found

    def cell(self, text: str, *, header: bool = False, align: str | None = None,
             lines: int = 0) -> Cell:
        """``Cell.of``, each distinct cell made once per deck: a table is laid out at
        several sizes and shapes, and equal cells are then one object to the fitter."""
        key = (text, header, align, lines)
        found = self._cells.get(key)
        if found is None:
            found = self._cells[key] = Cell.of(text, header=header, align=align, lines=lines)
        return found

    def section_title(self, section: Section) -> str:
        return _with_portion(_inline_text(section.title), section.mark)

    def collaboration_title(self, collab: Collaboration) -> str:
        return _with_portion(_inline_text(collab.title), collab.mark)

    # ----------------------------------------------------------------- text slides

    def cover(self) -> list[Para]:
        """The cover's text under its title: subtitle, then who it is for, when, the
        reference and the issuer, smaller."""
        e = self.edition
        paras: list[Para] = []
        if e.subtitle:
            paras.append(_plain(_inline_text(e.subtitle)))
        meta = [f"{e.label('prepared_for')}: {e.audience.title}",
                format_date(e.date, e.audience.language)]
        if e.reference:
            meta.append(f"{e.label('reference')}: {e.reference}")
        if e.issuer:
            meta.append(e.issuer)
        return paras + [_plain(line, scale=0.75) for line in meta]

    def agenda(self) -> list[Para]:
        """The agenda's numbered entries, one per part the deck has (none when it would
        have fewer than two: an agenda of one item is no agenda)."""
        e = self.edition
        entries: list[str] = []
        if e.summary:
            entries.append(e.label("executive_summary"))
        if e.key_messages:
            entries.append(e.label("key_messages"))
        if e.partners:
            entries.append(e.label("partners_overview"))
        entries += [self.section_title(s) for s in e.sections]
        if e.collaborations:
            entries.append(e.label("collaborations"))
        if any(c.benefits for c in e.collaborations):
            entries.append(e.label("benefits_matrix"))
        if e.charts:
            entries.append(e.label("charts"))
        if e.recommendations:
            entries.append(e.label("recommendations"))
        if e.audience.length == "full" and any(c.sources for c in e.collaborations):
            entries.append(e.label("sources"))
        if len(entries) < 2:
            return []
        return [Para((Run(text),), 1, "number", i) for i, text in enumerate(entries, 1)]

    def key_messages(self, lead: Sequence[Para] = ()) -> list[Para]:
        paras = list(lead)
        for item in self.edition.key_messages:
            paras += _item_paras(item)
        return paras

    def recommendations(self) -> list[Para]:
        paras: list[Para] = []
        for i, item in enumerate(self.edition.recommendations, 1):
            paras += _item_paras(item, bullet="number", number=i)
        return paras

    def section_points(self, section: Section) -> list[Para]:
        return [p for item in section.key_points for p in _item_paras(item)]

    def sections_together(self, sections: Sequence[Section]) -> list[Para]:
        """Sections sharing slides: each under its own heading."""
        paras: list[Para] = []
        for section in sections:
            paras.append(_heading(self.section_title(section)))
            for item in section.key_points:
                paras += _item_paras(item)
        return paras

    def collaboration(self, collab: Collaboration) -> list[Para]:
        """A collaboration's facts line, summary, and benefits by category."""
        e = self.edition
        facts = [self.term("kind", collab.kind), self.term("status", collab.status)]
        if collab.since:
            facts.append(f"{e.label('since')} {collab.since}")
        if collab.partners:
            facts.append(", ".join(e.partner_name(code) for code in collab.partners))
        paras = [_plain(" · ".join(facts), scale=0.8, italic=True)]
        paras += _md_paras(collab.summary)
        by_category: dict[str, list[Para]] = {}
        for benefit in collab.benefits:
            by_category.setdefault(benefit.category, []).extend(
                _item_paras(Item(benefit.text, benefit.mark)))
        if by_category:
            paras.append(_heading(e.label("benefits")))
            for category in sorted(by_category, key=_category_order):
                paras.append(Para((Run(self.term("category", category)),), 0, heading=True))
                paras += by_category[category]
        return paras

    def sources(self) -> list[Para]:
        """Each collaboration's sources under its title (an appendix)."""
        paras: list[Para] = []
        for collab in self.edition.collaborations:
            if not collab.sources:
                continue
            paras.append(_heading(self.collaboration_title(collab)))
            for source in collab.sources:
                paras += _item_paras(Item(source, collab.mark), scale=0.9)
        return paras

    def closing(self) -> list[list[Para]]:
        """The closing slide's blocks: who to contact, and how to handle the deck, each
        under its bold heading, all in the colour the master's layout gives its text (a
        closing slide may be dark or light)."""
        e = self.edition
        contact: list[Para] = []
        if e.contact or e.issuer:
            contact.append(replace(_heading(e.label("contact")), colour=None))
            contact += _md_paras(e.contact) if e.contact else []
            contact += [_plain(e.issuer, scale=0.85)] if e.issuer else []
        handling: list[Para] = []
        if e.handling_text():  # as the brief's back page: none built in at the lowest level
            handling.append(replace(_heading(e.label("handling_instructions")), colour=None))
            handling += _md_paras(e.handling_text(), scale=0.85)
        return [block for block in (contact, handling) if block]

    # ----------------------------------------------------------------- tables and charts

    def metric_chart(self, collab: Collaboration) -> Chart | None:
        """A collaboration's single metric as a chart for the column beside its text
        (None when it has several metrics, or one with fewer than two values)."""
        metrics = collab.metrics
        if len(metrics) != 1 or len(metrics[0].values) < 2:
            return None
        metric = metrics[0]
        heading = metric_label(_with_portion(metric.label, metric.mark), metric.unit)
        return Chart(id=f"{collab.id}-metric", title=metric.label,
                     type="bar" if len(metric.values) <= 8 else "line",
                     categories=tuple(p for p, _ in metric.values),
                     series=(Series(metric.label, tuple(v for _, v in metric.values)),),
                     mark=metric.mark, description=heading, unit=metric.unit)

    def metrics_table(self, metrics: Sequence[Metric], *, transposed: bool = False,
                      ) -> tuple[list[Cell], list[list[Cell]]]:
        """Metrics as a table: a row per metric and a column per period, or (transposed)
        a row per period and a column per metric."""
        e = self.edition
        periods: list[str] = []
        for metric in metrics:
            periods += [p for p, _ in metric.values if p not in periods]
        if all(p.isdigit() for p in periods):  # years from several metrics, in order
            periods.sort(key=int)
        labels = []
        for metric in metrics:
            labels.append(metric_label(_with_portion(metric.label, metric.mark), metric.unit))
        values = [dict(metric.values) for metric in metrics]

        def value(m: int, period: str) -> Cell:
            found = values[m].get(period)
            return self.cell(MISSING if found is None else self.number(found), align="ctr")

        # Labels get room for two lines at most (a column of words stacked five deep
        # is not read from the back of a room): a table that cannot give it is cramped,
        # and goes on a slide of its own or is set smaller within the floor.
        if transposed:
            header = [self.cell(e.label("period"), header=True)]
            header += [self.cell(label, header=True, align="ctr", lines=2)
                       for label in labels]
            rows = [[self.cell(p), *(value(m, p) for m in range(len(metrics)))]
                    for p in periods]
        else:
            header = [self.cell(e.label("metrics"), header=True)]
            header += [self.cell(p, header=True, align="ctr") for p in periods]
            rows = [[self.cell(label, lines=2), *(value(m, p) for p in periods)]
                    for m, label in enumerate(labels)]
        return header, rows

    def partners(self) -> tuple[list[Cell], list[list[Cell]]]:
        e = self.edition
        header = [self.cell(e.label(k), header=True) for k in
                  ("code", "name", "kind", "region", "since")]
        rows = [[self.cell(partner.code),
                 self.cell(_with_portion(partner.name, partner.mark)),
                 self.cell(self.term("partner_kind", partner.kind)),
                 self.cell(partner.region),
                 self.cell(str(partner.since) if partner.since else "", align="ctr")]
                for partner in e.partners]
        return header, rows

    def benefits_matrix(self) -> tuple[list[Cell], list[list[Cell]]]:
        """A row per collaboration with benefits, a column per category, a dot per
        benefit (no rows when no collaboration has benefits)."""
        e = self.edition
        collabs = [c for c in e.collaborations if c.benefits]
        categories = sorted({b.category for c in collabs for b in c.benefits},
                            key=_category_order)
        header = [self.cell(e.label("collaboration"), header=True)]
        header += [self.cell(self.term("category", category), header=True, align="ctr")
                   for category in categories]
        rows = []
        for collab in collabs:
            row = [self.cell(self.collaboration_title(collab))]
            for category in categories:
                count = sum(1 for b in collab.benefits if b.category == category)
                row.append(self.cell("●" * count, align="ctr"))
            rows.append(row)
        return header, rows
