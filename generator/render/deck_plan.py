"""The deck's plan: what goes on which slide, at which size, fitted and split.

Pure: no python-pptx. It holds the deck's type scale (every size a slide's text may be
set at, and the floors fitting never goes below), the word budget of a slide
(:data:`WORDS_PER_SLIDE`), the text model (:class:`Para`), the fitter that wraps
paragraphs into lines and lines into slides (:class:`Fitter`, measured with
:mod:`generator.render.textfit`), slide geometry (:class:`Rect`, in EMU), table
layout, what each slide says (:class:`Content`) and, from these and the master's
:class:`Geometry`, the deck's plan (:func:`plan_deck`): a :class:`SlidePlan` per slide,
each drawn as it says by :mod:`generator.render.deck` (the writer, python-pptx's public
API) and :mod:`generator.render.deck_fast` (what touches python-pptx's internals).

A new slide kind is a method of :class:`_Planner` called from its ``plan``: the writer
draws any plan, and needs no change.
"""

from __future__ import annotations

import dataclasses
import math
from collections import deque
from collections.abc import Callable, Iterable, Sequence
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
)
from ..i18n import format_date, format_number
from .charts import MISSING, metric_label  # one vocabulary with the brief
from .markdown import Paragraph, Run, merged_runs, to_paragraphs
from .textfit import Line, Measurer, Span, line_text
from .typeset import quote_text, smart_quote_texts

EMU_PER_PT = 12700

# --------------------------------------------------------------------------- constants

#: A summary deck (``length: summary``) has at most this many slides, unless its text
#: cannot fit at the minimum size (nothing is ever dropped): title, executive summary,
#: key messages, recommendations and closing, and four for the sections and charts.
SUMMARY_MAX_SLIDES = 9

# The type scale (pt): a deck read from the back of a room. Fitting takes the largest
# size of a list that fits and never goes below its last: what does not fit at the floor
# continues on further slides, never smaller.
TITLE_MIN = 28  # slide titles
BODY = 18  # body text is set at 18 pt or more ...
BODY_MIN = 14  # ... and no run of body text or table cell below 14 (secondary lines)
SOURCES_MIN = 12  # sources on appendix slides ...
SOURCES_SIZES = (16, BODY_MIN)  # ... are set in two columns at these, never below 14
FURNITURE_MIN = 9  # banners, slide numbers, the reference

# Type sizes to try, largest first; the last is the floor.
TITLE_SIZES = (32, TITLE_MIN)
COVER_TITLE_SIZES = (40, 36, 32, TITLE_MIN)
COVER_TEXT_SIZES = (24, 22, 20, BODY)
LEAD_SIZES = (24, 22, 20, BODY)
KEY_SIZES = (28, 26, 24, 22, 20, BODY)
BODY_SIZES = (24, 22, 20, BODY)
TABLE_SIZES = (20, 18, 16, BODY_MIN)
#: At most this many words of body text on a slide (the title, banners, slide number,
#: tables and charts not counted): one message a slide, read from the back of a room.
#: Longer text continues on further slides, shared out evenly; the sources, an
#: appendix read on paper rather than projected, are not held to it.
WORDS_PER_SLIDE = 80
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
BENEFIT_MARK = "●"  # one per benefit in the benefits matrix, as the brief's dots
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
    keep: bool = False  # kept on one slide with the next paragraph (as a heading is)

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)

    # Fitting looks paragraphs up by value thousands of times per deck: the hash and the
    # measured spans are worked out once per paragraph (a frozen value, so they hold).
    def __hash__(self) -> int:
        found: int | None = self.__dict__.get("_hash")
        if found is None:
            found = hash((self.runs, self.level, self.bullet, self.number, self.heading,
                          self.scale, self.min_pt, self.gap, self.colour, self.italic,
                          self.keep))
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


def _from_markdown(p: Paragraph, *, base: int, scale: float) -> Para:
    if p.kind == "heading":
        return Para(p.runs, base, heading=True, scale=scale, colour="accent1")
    if p.kind in ("bullet", "number"):
        return Para(p.runs, base + p.level, "number" if p.kind == "number" else "bullet",
                    p.number or 1, scale=scale)
    return Para(p.runs, base + p.level, scale=scale)


def _heading(text: str, *, scale: float = 1.0) -> Para:
    return Para((Run(text),), 0, heading=True, scale=scale, colour="accent1")


def _plain(text: str, *, scale: float = 1.0, level: int = 0, italic: bool = False,
           min_pt: float = BODY_MIN) -> Para:
    return Para((Run(text, italic=italic),), level, scale=scale, italic=italic, min_pt=min_pt)


# --------------------------------------------------------------------------- fitting


def words(text: str) -> int:
    """The words of ``text``, as the word budget counts them: runs of characters between
    white space (a portion mark such as ``(R)`` is one)."""
    return len(text.split())


Box = Callable[[int], tuple[float, float]]  # page number -> (width, height) in points
# Slides of text, planned: (slide kind, type size, paragraphs per slide).
_Pages = tuple[str, float, list[list["Para"]]]
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

    def paginate(self, paras: Sequence[Para], box: Box, size: float, *,
                 max_words: int = 0) -> list[list[Para]]:
        """``paras`` set at ``size`` into as many boxes as they need, in order, each
        holding at most ``max_words`` words (0: no limit; see :func:`words`). A paragraph
        that does not fit the room left moves to the next box whole when it fits one
        (and this box is half full), else it is split between lines, two at least on
        each side; a heading (or a paragraph to ``keep`` with the next) never ends a box
        (it moves with what follows it)."""
        pages: list[list[Para]] = []
        page: list[Para] = []
        used = 0.0
        count = 0  # words on the page
        queue = deque(paras)
        while queue:
            para = queue.popleft()
            width, height = box(len(pages))
            lines = self.lines(para, width, size)
            pitch = self.pitch(para, size)
            before = self.gap(para, size) if page else 0.0
            need = before + len(lines) * pitch
            said = words(para.text)
            follow, follow_words = 0.0, 0
            if para.heading and queue:
                nxt = queue[0]
                follow = self.gap(nxt, size) + self.pitch(nxt, size)
                follow_words = self._words_within(nxt, self.lines(nxt, width, size), 1)
            in_words = not max_words or count + said + follow_words <= max_words
            if in_words and used + need + follow <= height + EPSILON:
                page.append(para)
                used += need
                count += said
                continue
            room = int((height - used - before + EPSILON) // pitch)
            if max_words:
                room = min(room, self._lines_in_words(para, lines, max_words - count))
            whole = len(lines) * pitch <= height + EPSILON and \
                (not max_words or said <= max_words)  # fits a box of its own
            # ... and moves there whole unless that leaves this box less than half full
            full = used * 2 >= height or (max_words and count * 2 >= max_words)
            if page and (para.heading or (whole and full) or room < 2
                         or len(lines) - room < 2):
                carried = [para]
                while len(page) > 1 and (page[-1].heading or page[-1].keep):  # with its text
                    carried.insert(0, page.pop())
                pages.append(page)
                page, used, count = [], 0.0, 0
                queue.extendleft(reversed(carried))
                continue
            if not page:
                room = max(1, int((height + EPSILON) // pitch))
                if max_words:
                    room = max(1, min(room, self._lines_in_words(para, lines, max_words)))
                if room >= len(lines):  # a heading alone at the foot: keep it anyway
                    page.append(para)
                    used += need
                    count += said
                    continue
            head, tail = self.split(para, lines, room)
            page.append(head)
            pages.append(page)
            page, used, count = [], 0.0, 0
            queue.appendleft(tail)
        if page or not pages:
            pages.append(page)
        return pages

    def _lines_in_words(self, para: Para, lines: Sequence[Line], budget: int) -> int:
        """How many of ``para``'s first ``lines`` hold at most ``budget`` words."""
        spans = _spans(para)
        total = 0
        for n, line in enumerate(lines):
            total += words(line_text(line, spans))
            if total > budget:
                return n
        return len(lines)

    def _words_within(self, para: Para, lines: Sequence[Line], count: int) -> int:
        """The words of ``para``'s first ``count`` lines."""
        spans = _spans(para)
        return sum(words(line_text(line, spans)) for line in lines[:count])

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
            max_pages: int = 1, fallback: float | None = None, max_words: int = 0,
            ) -> tuple[float, list[list[Para]]]:
        """The largest size at which ``paras`` take at most ``max_pages`` boxes (or as
        many as ``max_words`` words a box asks for); if none, ``fallback`` (default:
        :data:`CONTINUED_SIZE` or the largest size below it), paginated over as many
        boxes as needed. Text that needs several boxes for its words shares them out
        evenly (no box left with a line or two)."""
        if max_words:
            max_words, needed = self.word_budget(paras, box, sizes[0], max_words)
            max_pages = max(max_pages, needed)
        boxes = [box(n) for n in range(max_pages)]  # the first max_pages boxes
        for size in sizes:
            if self._overflows(paras, boxes, size):
                continue
            pages = self.paginate(paras, box, size, max_words=max_words)
            if len(pages) <= max_pages:
                return size, self._balanced(paras, box, size, pages, max_words)
        if fallback is None:
            fallback = next((s for s in sizes if s <= CONTINUED_SIZE), sizes[-1])
        pages = self.paginate(paras, box, fallback, max_words=max_words)
        return fallback, self._balanced(paras, box, fallback, pages, max_words)

    def _balanced(self, paras: Sequence[Para], box: Box, size: float,
                  pages: list[list[Para]], max_words: int) -> list[list[Para]]:
        """``pages`` filled evenly: text over several boxes paginated again into boxes
        as low as still gives as many (so that the last is not left with a line or
        two while the others are full)."""
        if len(pages) < 2:
            return pages
        def lower(share: float) -> Box:
            return lambda n: (box(n)[0], box(n)[1] * share)

        low, high = 0.3, 1.0
        for _ in range(7):  # the lowest share of the boxes' height that gives as many
            middle = (low + high) / 2
            if len(self.paginate(paras, lower(middle), size, max_words=max_words)) \
                    <= len(pages):
                high = middle
            else:
                low = middle
        if high >= 1.0:
            return pages
        return self.paginate(paras, lower(high), size, max_words=max_words)

    def word_budget(self, paras: Sequence[Para], box: Box, size: float,
                    max_words: int) -> tuple[int, int]:
        """(words a box, boxes) for ``paras`` held to ``max_words`` words a box: the
        fewest boxes the words need, and the smallest budget that still gives that few,
        so that they are evenly filled."""
        def tall(n: int) -> tuple[float, float]:
            return box(n)[0], 1e9

        needed = len(self.paginate(paras, tall, size, max_words=max_words))
        if needed < 2:
            return max_words, needed
        total = sum(words(p.text) for p in paras)
        for budget in range(math.ceil(total / needed), max_words):
            if len(self.paginate(paras, tall, size, max_words=budget)) <= needed:
                return budget, needed
        return max_words, needed


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


def _table_height(table: TableLayout, page: int) -> float:
    """The height in points of slide ``page`` of ``table``, its header row included."""
    return table.header_height + sum(height for _, height in table.pages[page])


def _up_to(sizes: Sequence[float], chosen: Sequence[float]) -> tuple[float, ...]:
    """``sizes`` no larger than the smallest of ``chosen`` (all of them if none is)."""
    least = min(chosen, default=sizes[0])
    return tuple(s for s in sizes if s <= least) or (sizes[-1],)


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


# --------------------------------------------------------------------------- content


class Content:
    """What the deck's slides say, composed from one Edition: the paragraphs of each
    kind of slide and the cells of its tables, each in the audience's language with its
    portion marks. Where the text goes and at which size is the writer's; what it is,
    and in which order, is decided here (a new kind of slide starts here)."""

    def __init__(self, edition: Edition) -> None:
        self.edition = edition
        self.language = edition.audience.language
        # the deck has no references list: an author-date citation prints who and when
        # ("(Smith 2024a)"), a numbered one nothing
        self.cites = {s.id: s.cite for s in edition.sources if s.cite}
        self._numbers: dict[float, str] = {}  # see number
        self._cells: dict[tuple[str, bool, str | None, int], Cell] = {}  # see cell
        self._paragraphs: dict[str, list[Paragraph]] = {}  # see paragraphs

    # ----------------------------------------------------------------- text

    def quote(self, text: str) -> str:
        """Plain ``text`` with typographic quotes and apostrophes for the audience's
        language (’ “ ”, « » in Arabic and French), as the brief sets them."""
        return quote_text(text, self.language)

    def paragraphs(self, text: str) -> list[Paragraph]:
        """Markdown -> paragraphs: citations as the Edition cites its sources, quotes
        typographic (code as written)."""
        found = self._paragraphs.get(text)
        if found is None:
            found = self._paragraphs[text] = [
                replace(p, runs=self._quoted_runs(p.runs))
                for p in to_paragraphs(text, self.cites)]
        return found

    def _quoted_runs(self, runs: tuple[Run, ...]) -> tuple[Run, ...]:
        texts = smart_quote_texts(((run.text, run.code) for run in runs), self.language)
        return tuple(replace(run, text=text) if text != run.text else run
                     for run, text in zip(runs, texts, strict=True))

    def inline_text(self, text: str) -> str:
        """A title-like Markdown field as plain text (list numbers kept: a title such as
        ``2026. A year`` is not a list)."""
        parts = []
        for p in self.paragraphs(text):
            prefix = f"{p.number}. " if p.kind == "number" and p.number is not None else ""
            parts.append(prefix + p.text.replace("\n", " "))
        return " ".join(parts).strip() or self.quote(text.strip())

    def plain_paras(self, text: str) -> list[str]:
        """Markdown -> plain paragraphs (for speaker notes)."""
        out = []
        for p in self.paragraphs(text):
            prefix = f"{p.number}. " if p.kind == "number" else "• " \
                if p.kind == "bullet" else ""
            out.append("    " * max(p.level - 1, 0) + prefix + p.text)
        return out

    def md_paras(self, text: str, *, base: int = 0, scale: float = 1.0,
                 prefix: str = "") -> list[Para]:
        """Block Markdown -> paragraphs; list items indented ``base`` + their depth; the
        first paragraph starts with ``prefix`` (a portion mark)."""
        out: list[Para] = []
        for p in self.paragraphs(text):
            out.append(_from_markdown(p, base=base, scale=scale))
        if prefix:
            if out:
                first = out[0]
                out[0] = replace(first, runs=(Run(prefix + " "), *first.runs))
            else:
                out.append(Para((Run(prefix),), base, scale=scale))
        return out

    def item_paras(self, item: Item, *, level: int = 1,
                   bullet: Literal["bullet", "number"] = "bullet", number: int = 1,
                   scale: float = 1.0) -> list[Para]:
        """A key point, message or recommendation: a bullet (its portion mark first); any
        further paragraphs or nested lists of the item sit under it."""
        paras = self.md_paras(item.text, base=level, scale=scale)
        portion = _portion(item.mark)
        if not paras:
            paras = [Para((), level, scale=scale)]
        first = paras[0]
        runs = (Run(portion + " "), *first.runs) if portion else first.runs
        paras[0] = Para(runs, level, bullet, number, scale=scale)
        return paras

    def notes(self, parts: Iterable[tuple[Sequence[Item], str | None]]) -> str:
        """Speaker notes as plain text: each note (already tailored: only those the
        audience may see are here) with its own portion mark, headed by its item's title
        when several items share a slide."""
        blocks = []
        for notes, heading in parts:
            lines = []
            for note in notes:
                paras = self.plain_paras(note.text)
                if paras:
                    paras[0] = _with_portion(paras[0], note.mark)
                lines += paras
            if not lines:
                continue
            if heading:
                lines.insert(0, heading)
            blocks.append("\n".join(lines))
        return "\n\n".join(blocks)

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
            found = self._cells[key] = Cell.of(self.quote(text), header=header, align=align,
                                               lines=lines)
        return found

    def title(self) -> str:
        return self.quote(self.edition.title)

    def section_title(self, section: Section) -> str:
        return _with_portion(self.inline_text(section.title), section.mark)

    def collaboration_title(self, collab: Collaboration) -> str:
        return _with_portion(self.inline_text(collab.title), collab.mark)

    def chart_title(self, chart: Chart) -> str:
        return _with_portion(self.inline_text(chart.title), chart.mark)

    def chart(self, chart: Chart) -> Chart:
        """``chart`` as the slide draws it: its words (title, categories, legend, unit)
        with typographic quotes."""
        series = tuple(s if self.quote(s.shown) == s.shown else
                       replace(s, label=self.quote(s.shown)) for s in chart.series)
        return replace(chart, title=self.quote(chart.title), unit=self.quote(chart.unit),
                       description=self.quote(chart.description),
                       categories=tuple(self.quote(c) for c in chart.categories),
                       series=series)

    # ----------------------------------------------------------------- text slides

    def cover(self) -> list[Para]:
        """The cover's text under its title: subtitle, then who it is for, when, the
        reference and the issuer, smaller."""
        e = self.edition
        paras: list[Para] = []
        if e.subtitle:
            paras.append(_plain(self.inline_text(e.subtitle)))
        meta = [f"{e.label('prepared_for')}: {self.quote(e.audience.title)}",
                format_date(e.date, e.audience.language)]
        if e.reference:
            meta.append(f"{e.label('reference')}: {e.reference}")
        if e.issuer:
            meta.append(self.quote(e.issuer))
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

    def key_messages(self) -> list[Para]:
        paras: list[Para] = []
        for item in self.edition.key_messages:
            paras += self.item_paras(item)
        return paras

    def recommendations(self) -> list[Para]:
        paras: list[Para] = []
        for i, item in enumerate(self.edition.recommendations, 1):
            paras += self.item_paras(item, bullet="number", number=i)
        return paras

    def section_points(self, section: Section) -> list[Para]:
        return [p for item in section.key_points for p in self.item_paras(item)]

    def sections_together(self, sections: Sequence[Section]) -> list[Para]:
        """Sections sharing slides: each under its own heading."""
        paras: list[Para] = []
        for section in sections:
            paras.append(_heading(self.section_title(section)))
            for item in section.key_points:
                paras += self.item_paras(item)
        return paras

    def collaboration(self, collab: Collaboration) -> list[Para]:
        """A collaboration's facts line and its benefits by category: what it delivers,
        its one message. Its summary is said in the speaker notes
        (:meth:`collaboration_notes`), and shown only when it has no benefits or the
        audience's decks have no notes."""
        e = self.edition
        facts = [self.term("kind", collab.kind), self.term("status", collab.status)]
        if collab.since:
            facts.append(f"{e.label('since')} {collab.since}")
        if collab.partners:
            facts.append(", ".join(e.partner_name(code) for code in collab.partners))
        paras = [_plain(self.quote(" · ".join(facts)), scale=0.8, italic=True)]
        if not self._summary_in_notes(collab):
            paras += self.md_paras(collab.summary)
        by_category: dict[str, list[Para]] = {}
        for benefit in collab.benefits:
            by_category.setdefault(benefit.category, []).extend(
                self.item_paras(Item(benefit.text, benefit.mark)))
        if by_category:
            # Under the summary, "Benefits" heads the categories; alone on the slide
            # they need no heading over them (two headings in a row read as one).
            alone = self._summary_in_notes(collab)
            if not alone:
                paras.append(_heading(e.label("benefits")))
            for category in sorted(by_category, key=e.category_key):
                paras.append(Para((Run(self.term("category", category)),), 0, heading=True,
                                  colour="accent1" if alone else None))
                paras += by_category[category]
        return paras

    def collaboration_notes(self, collab: Collaboration) -> list[tuple[Sequence[Item], None]]:
        """What the speaker notes of a collaboration's slide say: its summary (with the
        collaboration's portion mark; on the slide only when it has no benefits), then
        its notes, each note with its own."""
        summary = (Item(collab.summary, collab.mark),) if self._summary_in_notes(collab) \
            else ()
        return [(summary, None), (collab.notes, None)]

    def _summary_in_notes(self, collab: Collaboration) -> bool:
        return bool(collab.benefits and collab.summary.strip()) and \
            self.edition.audience.speaker_notes != "omit"

    def sources(self) -> list[Para]:
        """Each collaboration's sources under its title (an appendix)."""
        paras: list[Para] = []
        for collab in self.edition.collaborations:
            if not collab.sources:
                continue
            paras.append(_heading(self.collaboration_title(collab)))
            items: list[Para] = []
            for source in collab.sources:
                items += self.item_paras(Item(source, collab.mark))
            # a collaboration's sources stay together, under its title
            paras += [replace(p, keep=True) for p in items[:-1]] + items[-1:]
        return paras

    def closing(self) -> list[list[Para]]:
        """The closing slide's blocks: who to contact, and how to handle the deck, each
        under its bold heading, all in the colour the master's layout gives its text (a
        closing slide may be dark or light)."""
        e = self.edition
        contact: list[Para] = []
        if e.contact or e.issuer:
            contact.append(replace(_heading(e.label("contact")), colour=None))
            contact += self.md_paras(e.contact) if e.contact else []
            contact += [_plain(self.quote(e.issuer), scale=0.85)] if e.issuer else []
        handling: list[Para] = []
        if e.handling_text():  # as the brief's back page: none built in at the lowest level
            handling.append(replace(_heading(e.label("handling_instructions")), colour=None))
            handling += self.md_paras(e.handling_text(), scale=0.85)
        return [block for block in (contact, handling) if block]

    # ----------------------------------------------------------------- tables and charts

    def metric_chart(self, collab: Collaboration) -> Chart | None:
        """A collaboration's single metric as a chart for the column beside its text
        (None when it has several metrics, or one with fewer than two values)."""
        metrics = collab.metrics
        if len(metrics) != 1 or len(metrics[0].values) < 2:
            return None
        metric = metrics[0]
        label = self.quote(metric.label)
        heading = metric_label(_with_portion(label, metric.mark), self.quote(metric.unit))
        return Chart(id=f"{collab.id}-metric", title=label,
                     type="bar" if len(metric.values) <= 8 else "line",
                     categories=tuple(p for p, _ in metric.values),
                     series=(Series(label, tuple(v for _, v in metric.values)),),
                     mark=metric.mark, description=heading, unit=self.quote(metric.unit))

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
        benefit and the highest portion mark among them, as every output has it (the
        Edition's matrix; no rows when no collaboration has benefits)."""
        e = self.edition
        categories = e.benefit_categories()
        header = [self.cell(e.label("collaboration"), header=True)]
        header += [self.cell(self.term("category", category), header=True, align="ctr")
                   for category in categories]
        rows = []
        for row in e.benefits_matrix():
            if not any(row.counts):
                continue
            cells = [self.cell(self.collaboration_title(row.collaboration))]
            for mark, count in zip(row.cells, row.counts, strict=True):
                dots = BENEFIT_MARK * count
                cells.append(self.cell(f"{dots} {_portion(mark)}".strip() if count else "",
                                       align="ctr"))
            rows.append(cells)
        return header, rows

    def benefits_key(self) -> list[Para]:
        """The key to the benefits matrix's marks (the brief's words)."""
        return [_plain(f"{BENEFIT_MARK} {self.edition.label('benefit_key')}")]


# --------------------------------------------------------------------------- master geometry

EMU_PER_INCH = 914400


def _inches(value: float) -> int:
    """EMU of ``value`` inches (as python-pptx's ``Inches``)."""
    return int(value * EMU_PER_INCH)


def _pt(value: float) -> int:
    """EMU of ``value`` points (as python-pptx's ``Pt``)."""
    return int(value * EMU_PER_PT)


@dataclass(frozen=True)
class LayoutGeometry:
    """Where one slide kind's layout puts its placeholders (EMU, as the layout places
    them, before any are moved; None where a placeholder's place is unknown).

    ``bodies`` are its body placeholders by ``idx``; ``area`` is the place of its first
    content placeholder (body, table, chart or picture, by ``idx``) that has one."""

    has_title: bool = False
    title: Rect | None = None
    bodies: tuple[Rect | None, ...] = ()
    area: Rect | None = None


@dataclass(frozen=True)
class Geometry:
    """What the plan needs of the master: the slide's size, the layout of each slide
    kind, the theme's heading and body faces (to measure text), and the logo's size in
    pixels (None: no logo)."""

    width: int
    height: int
    layouts: dict[str, LayoutGeometry]
    fonts: tuple[str, str]  # (major, minor) Latin typefaces
    logo: tuple[int, int] | None = None


# --------------------------------------------------------------------------- slide plans

#: Slide kinds set on the layout's dark (primary colour) background, at cover sizes.
DARK_KINDS = frozenset({"title", "section", "closing"})


@dataclass(frozen=True)
class TextPlan:
    """Paragraphs set at ``size`` in a box: the layout's title placeholder (``title``),
    its body placeholder ``index`` (``body``), a copy of its first body placeholder
    (``copy``: the layout's text style, in another place) or a new text box (``box``).
    ``rect`` is where the box goes (None: where the layout puts it)."""

    paras: tuple[Para, ...]
    size: float
    target: Literal["title", "body", "copy", "box"]
    rect: Rect | None = None
    index: int = 0
    top: bool = False  # anchored at the top (else as the layout says)
    align: str | None = None  # None: the layout's, mirrored in a right-to-left deck
    dark: bool = False  # on a dark background (bullets in the accent colour)
    fill: str | None = None  # a theme colour behind the box
    name: str = ""  # a new box's name


@dataclass(frozen=True)
class TablePlan:
    """Slide ``page`` of ``table``, filling ``rect``'s width, described by ``alt``."""

    table: TableLayout
    page: int
    rect: Rect
    alt: str


@dataclass(frozen=True)
class ChartPlan:
    """A native chart of ``chart`` in ``rect``, described by ``alt``."""

    chart: Chart
    rect: Rect
    alt: str


@dataclass(frozen=True)
class LogoPlan:
    """The logo on a white card (the cover's)."""

    card: Rect
    picture: Rect
    alt: str


@dataclass(frozen=True)
class BandPlan:
    """A line of furniture in a banner band: the banner, the slide number, the
    reference. ``side`` is kept clear at both ends (for the logo and the number)."""

    name: str
    text: str
    rect: Rect
    side: int
    align: str
    size: float
    colour: Literal["ink", "muted"]
    bold: bool = False
    fill: bool = False


Drawn = TextPlan | TablePlan | ChartPlan | LogoPlan


@dataclass
class SlidePlan:
    """One slide: its kind (which layout), what is drawn on it in order, its speaker
    notes and its furniture. The layout's placeholders nothing is drawn in are removed
    after the first ``clear_after`` items (None: after all; shape ids count on from the
    shapes left)."""

    kind: str
    items: list[Drawn] = dataclasses.field(default_factory=list)
    notes: str = ""
    clear_after: int | None = None
    bands: list[BandPlan] = dataclasses.field(default_factory=list)
    band_logo: Rect | None = None  # the logo in the top band
    # How full the slide's body is, as the plan measured it: the tallest of its blocks of
    # body text and tables over the height each has (0: none; a chart fills its room).
    fill: float = 0.0

    def filled(self, used: float, room: float) -> None:
        """A block of ``used`` points drawn in ``room`` points of height."""
        self.fill = max(self.fill, min(used / room, 1.0) if room > 0 else 1.0)


@dataclass(frozen=True)
class DeckPlan:
    """The deck's slides, and how their lines are spaced (:meth:`_Fitter.size`,
    ``pitch`` and ``gap``, which the writer sets as measured here)."""

    slides: list[SlidePlan]
    fit: _Fitter
    rtl: bool


def plan_deck(edition: Edition, geometry: Geometry) -> DeckPlan:
    """The slides of ``edition``'s deck on a master of ``geometry``."""
    planner = _Planner(edition, geometry)
    planner.plan()
    return DeckPlan(planner.slides, planner.body_fit, planner.rtl)


class _Planner:
    """Decides every slide: what goes on it, where and at which size, and what
    continues on further slides. A new slide kind is a method here, called from
    :meth:`plan` (and a layout for it in ``SLIDE_KINDS`` if it needs one of its own)."""

    def __init__(self, edition: Edition, geometry: Geometry) -> None:
        self.edition = edition
        self.geometry = geometry
        self.rtl = edition.audience.rtl
        self.width, self.height = geometry.width, geometry.height
        self.layouts = geometry.layouts
        major, minor = geometry.fonts
        self.title_fit = _Fitter(Measurer(major, CODE_FONT), self.rtl)
        self.body_fit = _Fitter(Measurer(minor, CODE_FONT), self.rtl)
        self.content = Content(edition)
        self.slides: list[SlidePlan] = []
        self._bands: dict[tuple[Any, ...], float] = {}  # see _band

    # ----------------------------------------------------------------- the deck

    def plan(self) -> None:
        e = self.edition
        self.title_slide()
        if e.audience.length == "summary":
            self.summary_body()
        else:
            self.agenda_slide()
            self.executive_summary_slide()
            self.key_messages_slide()
            self.partners_slides()
            # Slides of one kind share one body size (the largest every one of them is
            # set at), not a size each: the deck reads evenly from slide to slide.
            sizes = _up_to(BODY_SIZES, [self._section_pages(s, max_pages=1)[1]
                                        for s in e.sections if s.key_points])
            for section in e.sections:
                self.section_slides(section, sizes)
            sizes = _up_to(BODY_SIZES, [self.collaboration_slides(c, emit=False)
                                        for c in e.collaborations])
            for collab in e.collaborations:
                self.collaboration_slides(collab, sizes)
            self.benefits_matrix_slides()
            for chart in e.charts:
                self.chart_slides([chart])
            self.recommendations_slide()
            if e.audience.length == "full":
                self.sources_slides()
        self.closing_slide()
        self.markings()

    def summary_body(self) -> None:
        """The executive summary and key messages (a slide each: one title per idea),
        sections, charts and recommendations within the slide budget: a slide per
        section while they fit, else sections share slides under their own headings;
        charts one per slide, else two or four to a slide."""
        e = self.edition
        fixed = 2 + self.executive_summary_slide(fallback=LEAD_SIZES[-1], emit=False) + \
            self.key_messages_slide(fallback=KEY_SIZES[-1], emit=False) + \
            self.recommendations_slide(emit=False)  # the slides their words need
        budget = max(SUMMARY_MAX_SLIDES - fixed, 0)
        charts = list(e.charts)
        # Within budget first, then fewest slides; a slide per section beats a slide
        # per chart; then the fewest charts to a slide.
        best: tuple[tuple[bool, int, bool], int, list[_Plan]] | None = None
        for per_slide in ((1, 2, 4) if charts else (1,)):
            chart_slides = math.ceil(len(charts) / per_slide)
            plans = self._summary_sections(max(budget - chart_slides, 1))
            total = chart_slides + sum(len(plan[2][2]) for plan in plans)
            shared = len(plans) < len(e.sections)
            key = (total > budget, total if total > budget else 0, shared)
            if best is None or key < best[0]:
                best = (key, per_slide, plans)
        assert best is not None
        _, per_slide, plans = best

        self.executive_summary_slide(fallback=LEAD_SIZES[-1])
        self.key_messages_slide(fallback=KEY_SIZES[-1])
        for title, notes, plan in plans:
            self._emit_text("bullets", plan, title, notes=notes)
        for start in range(0, len(charts), per_slide):
            self.chart_slides(charts[start:start + per_slide])
        self.recommendations_slide()

    def _summary_sections(self, budget: int) -> list[_Plan]:
        """The sections' slides within ``budget``: one each, or all sharing slides."""
        sections = self.edition.sections
        if not sections:
            return []
        if len(sections) <= budget:
            plans = [(self.content.section_title(s), self._notes([(s.notes, None)]),
                      self._section_pages(s, max_pages=1)) for s in sections]
            if sum(len(plan[2][2]) for plan in plans) <= budget:
                return plans
        paras = self.content.sections_together(sections)
        title = self.edition.label("sections")
        size, pages = self.body_fit.fit(paras, self._text_box("bullets", title), BODY_SIZES,
                                        max_pages=budget, fallback=BODY_SIZES[-1],
                                        max_words=WORDS_PER_SLIDE)
        notes = self._notes([(s.notes, self.content.section_title(s)) for s in sections])
        return [(title, notes, ("bullets", size, pages))]

    # ----------------------------------------------------------------- slides

    def title_slide(self) -> None:
        slide = self.new_slide("title")
        layout = self.layouts["title"]
        cover = self._logo_card(slide, layout)
        title_rect = self.set_title(slide, "title", self.content.title(), COVER_TITLE_SIZES,
                                    floor=cover)
        paras = self.content.cover()
        rect, target = self._text_target("title", 0)
        if layout.has_title and _overlap(rect, title_rect):
            # A master whose subtitle sits on (or shares an idx with) the title: the
            # text goes below the title, keeping its height where the slide has room.
            top = title_rect.bottom + GAP
            rect = Rect(rect.left, top, rect.width,
                        max(rect.bottom - top, min(rect.height, self.height - BAND - top), 0))
        size, pages = self.body_fit.fit(paras, _fixed_box(*rect.text_box()), COVER_TEXT_SIZES,
                                        fallback=COVER_TEXT_SIZES[-1])
        if len(pages) > 1:  # the cover is one slide: its text box grows down instead
            rect = Rect(rect.left, rect.top, rect.width, self.height - BAND - rect.top)
        self._text(slide, target, paras, size, rect, top=True)

    def agenda_slide(self) -> None:
        e = self.edition
        paras = self.content.agenda()
        if not paras:
            return
        title = e.label("agenda")
        if len(paras) > AGENDA_ONE_COLUMN:  # a long agenda: two columns on one slide
            half = math.ceil(len(paras) / 2)
            if self._two_columns("agenda", title, [paras[:half], paras[half:]],
                                 self._body_area("agenda"), LEAD_SIZES):
                return
        self.text_slides("agenda", title, paras, LEAD_SIZES)

    def executive_summary_slide(self, *, fallback: float | None = None,
                                emit: bool = True) -> int:
        """The executive summary on slides of its own (``fallback``: the size it is set
        at when it does not fit one slide; a summary deck keeps it to one at the floor).
        These and the next return how many slides they take (planning none when not
        ``emit``)."""
        if not self.edition.summary:
            return 0
        return self.text_slides("bullets", self.edition.label("executive_summary"),
                                self.content.md_paras(self.edition.summary), LEAD_SIZES,
                                fallback=fallback, emit=emit)

    def key_messages_slide(self, *, fallback: float | None = None, emit: bool = True) -> int:
        paras = self.content.key_messages()
        if not paras:
            return 0
        return self.text_slides("key_message", self.edition.label("key_messages"), paras,
                                KEY_SIZES, fallback=fallback, emit=emit)

    def recommendations_slide(self, *, emit: bool = True) -> int:
        paras = self.content.recommendations()
        if not paras:
            return 0
        return self.text_slides("bullets", self.edition.label("recommendations"), paras,
                                LEAD_SIZES, emit=emit)

    def section_slides(self, section: Section, sizes: Sequence[float] = BODY_SIZES) -> None:
        title = self.content.section_title(section)
        notes = self._notes([(section.notes, None)])
        if not section.key_points:
            slide = self.new_slide("section")
            self.set_title(slide, "section", title, COVER_TITLE_SIZES)
            slide.notes = notes
            return
        self._emit_text("bullets", self._section_pages(section, max_pages=1, sizes=sizes),
                        title,
                        notes=notes)

    def _section_pages(self, section: Section, *, max_pages: int,
                       sizes: Sequence[float] = BODY_SIZES) -> _Pages:
        paras = self.content.section_points(section)
        box = self._text_box("bullets", self.content.section_title(section))
        size, pages = self.body_fit.fit(paras, box, sizes, max_pages=max_pages,
                                        max_words=WORDS_PER_SLIDE)
        return "bullets", size, pages

    def collaboration_slides(self, collab: Collaboration,
                             sizes: Sequence[float] = BODY_SIZES, *, emit: bool = True
                             ) -> float:
        """A collaboration's slide (its text, its metrics beside it) and any continued,
        its text at the largest of ``sizes`` that fits; returns that size (and plans
        nothing when not ``emit``)."""
        title = self.content.collaboration_title(collab)
        paras = self.content.collaboration(collab)
        notes = self._notes(self.content.collaboration_notes(collab))

        columns = self.layouts["two_content"].bodies
        column = columns[1] if len(columns) > 1 else None
        area = self._clamp(column) if column else None
        if area is not None:  # below the title, which a long one grows
            title_rect, _, grown = self._title_fit("two_content", title, TITLE_SIZES)
            if grown and area.top < title_rect.bottom + GAP:
                top = title_rect.bottom + GAP
                area = Rect(area.left, top, area.width, max(area.bottom - top, 0))
        beside = self._metrics_beside(collab, area) if collab.metrics and area else None
        beside_dims = (area.width, area.height) if area else None
        across = self.body_fit.fit(paras, self._text_box("bullets", title), sizes,
                                   max_words=WORDS_PER_SLIDE)  # text across the slide
        if beside is not None:
            first_box = self._body_box("two_content", 0, title)
            rest_box = self._body_box("bullets", 0, self._continued(title, 1))
            size, pages = self.body_fit.fit(
                paras, lambda n: first_box(0) if n == 0 else rest_box(0), sizes,
                max_words=WORDS_PER_SLIDE)
            if len(pages) > 1 and len(across[1]) == 1:
                # Text a little too long for its column beside the metrics: rather than
                # two slides each about half full, it takes one slide across and the
                # metrics one of their own, whole (one idea a slide).
                beside = None
        if beside is None:  # text across the slide; metrics (if any) under it or on
            size, pages = across  # slides of their own
            if emit and not (collab.metrics and len(pages) == 1 and
                             self._metrics_below(collab, title, pages[0], size, notes)):
                self._emit_text("bullets", ("bullets", size, pages), title, notes=notes)
                if collab.metrics:
                    self.metrics_table_slides(collab, title)
            return size
        if not emit:
            return size
        slide = self.new_slide("two_content")
        bottom = self.set_title(slide, "two_content", title, TITLE_SIZES).bottom
        rect, target = self._text_target("two_content", 0, below=bottom)  # as first_box
        self._text(slide, target, pages[0], size, rect, top=True)
        area = self._clamp(column or area)
        if area.top < bottom:
            area = Rect(area.left, bottom, area.width, max(area.bottom - bottom, 0))
        if isinstance(beside, Chart):
            top = self.small_heading(slide, beside.description, area)
            self.add_chart(slide, beside, Rect(area.left, top, area.width, area.bottom - top))
        else:  # no larger than the text beside it
            sizes = [s for s in TABLE_SIZES if s <= size] or [TABLE_SIZES[-1]]
            if beside.size in sizes and beside_dims == (area.width, area.height):
                table = beside  # what laying it out again from the sizes left would give
            else:
                table = self.table_layout(beside.header, beside.rows, area, sizes)
                if len(table.pages) > 1 or table.cramped:
                    table = beside
            slide.items.append(TablePlan(table, 0, area, self.edition.label("metrics")))
            slide.filled(_table_height(table, 0), area.height / EMU_PER_PT)
        slide.notes = notes
        if len(pages) > 1:
            self._emit_text("bullets", ("bullets", size, pages[1:]), title, continued=True)
        return size

    def _metrics_below(self, collab: Collaboration, title: str, paras: Sequence[Para],
                       size: float, notes: str) -> bool:
        """A collaboration's slide with its text across it and its metrics table in the
        room the text leaves below (set no larger than the text, whole, its labels
        uncramped); False, and no slide, when the table does not fit there."""
        bottom = self._title_fit("bullets", title, TITLE_SIZES)[0].bottom  # as set_title
        rect, target = self._text_target("bullets", 0, below=bottom)
        used = _pt(self.body_fit.height(paras, rect.text_box()[0], size)) + 2 * INSET_Y
        top = rect.top + used + GAP
        if rect.bottom - top <= 0:
            return False
        room = Rect(rect.left, top, rect.width, rect.bottom - top)
        header, rows = self.content.metrics_table(collab.metrics)
        table = self.table_layout(header, rows, room,
                                  [s for s in TABLE_SIZES if s <= size] or TABLE_SIZES[-1:])
        if len(table.pages) > 1 or table.cramped:
            return False
        slide = self.new_slide("bullets")
        self.set_title(slide, "bullets", title, TITLE_SIZES)
        self._text(slide, target, paras, size, Rect(rect.left, rect.top, rect.width, used),
                   top=True)
        slide.items.append(TablePlan(table, 0, room, self.edition.label("metrics")))
        slide.fill = min((used + GAP + _pt(_table_height(table, 0))) / rect.height, 1.0)
        slide.notes = notes
        return True

    def _metrics_beside(self, collab: Collaboration, area: Rect) -> Chart | TableLayout | None:
        """A collaboration's metrics for the column beside its text: a chart for a single
        metric, a small table for several; None when the table would not fit there."""
        chart = self.content.metric_chart(collab)
        if chart is not None:
            return chart
        for transposed in (False, True):  # periods across, else (narrow column) down
            header, rows = self.content.metrics_table(collab.metrics, transposed=transposed)
            layout = self.table_layout(header, rows, area, TABLE_SIZES)
            if len(layout.pages) == 1 and not layout.cramped:
                return layout
        return None

    def metrics_table_slides(self, collab: Collaboration, title: str) -> None:
        header, rows = self.content.metrics_table(collab.metrics)
        self.table_slides(f"{title} — {self.edition.label('metrics')}", header, rows)

    def partners_slides(self) -> None:
        if self.edition.partners:
            self.table_slides(self.edition.label("partners_overview"), *self.content.partners())

    def benefits_matrix_slides(self) -> None:
        header, rows = self.content.benefits_matrix()
        if rows:
            self.table_slides(self.edition.label("benefits_matrix"), header, rows,
                              key=self.content.benefits_key())

    def sources_slides(self) -> None:
        """The sources: an appendix, read on paper or on screen rather than from the
        back of the room, so set smaller (:data:`SOURCES_SIZES`) in two columns, each
        collaboration's under its title, continued on further slides."""
        paras = self.content.sources()
        if not paras:
            return
        title = self.edition.label("sources")
        columns = _grid(self._body_area("bullets"), 2, rtl=self.rtl)
        boxes = [column.text_box() for column in columns]
        size, pages = self.body_fit.fit(paras, lambda n: boxes[n % 2], SOURCES_SIZES,
                                        max_pages=2, fallback=SOURCES_SIZES[-1])
        has_body = bool(self.layouts["bullets"].bodies)
        for n in range(0, len(pages), 2):
            slide = self.new_slide("bullets")
            self.set_title(slide, "bullets", self._continued(title, n // 2), TITLE_SIZES)
            for i, (page, column) in enumerate(zip(pages[n:n + 2], columns, strict=False)):
                target: Literal["body", "copy", "box"] = \
                    ("body" if i == 0 else "copy") if has_body else "box"
                slide.items.append(TextPlan(tuple(page), size, target, column, top=True))
                slide.filled(self.body_fit.height(page, column.text_box()[0], size),
                             column.text_box()[1])

    def _body_area(self, kind: str) -> Rect:
        """The body of a slide of ``kind`` below its title as the layout places it: its
        first body placeholder (inside the safe area), else the content area."""
        below = self._title_bottom(kind)
        bodies = self.layouts[kind].bodies
        area = self._clamp(bodies[0]) if bodies and bodies[0] else self._area(kind, below=below)
        if area.top < below:
            area = Rect(area.left, below, area.width, area.bottom - below)
        return area

    def closing_slide(self) -> None:
        """Questions, then who to contact and how to handle the deck: two blocks under
        their own headings, side by side below the title when both fit there at a lead
        size, else one after the other (continuing on further slides), set flush
        rather than centred, at body sizes."""
        title = self.edition.label("closing")
        blocks = self.content.closing()
        area = self._closing_area(title)
        align = "r" if self.rtl else "l"
        if len(blocks) == 2 and self._two_columns("closing", title, blocks, area,
                                                   LEAD_SIZES, align=align):
            return
        paras = [p for block in blocks for p in block]
        size, pages = self.body_fit.fit(paras, _fixed_box(*area.text_box()), LEAD_SIZES)
        self._emit_text("closing", ("closing", size, pages), title, align=align, rect=area)

    def _two_columns(self, kind: str, title: str, blocks: Sequence[Sequence[Para]],
                     area: Rect, sizes: Sequence[float], *, align: str | None = None
                     ) -> bool:
        """One slide of ``kind`` with ``blocks`` side by side in ``area`` (reading order
        mirrored right to left), at the largest of ``sizes`` at which each fits its
        column; False (and no slide) when none does."""
        columns = _grid(area, 2, rtl=self.rtl)
        shared = next((size for size in sizes if all(
            len(self.body_fit.paginate(block, _fixed_box(*column.text_box()), size)) == 1
            for block, column in zip(blocks, columns, strict=True))), None)
        if shared is None:
            return False
        slide = self.new_slide(kind)
        self.set_title(slide, kind, title,
                       COVER_TITLE_SIZES if kind in DARK_KINDS else TITLE_SIZES)
        # Further columns are copies of the body placeholder, so that they inherit the
        # layout's text style (colour, font) as the first does, on any master.
        has_body = bool(self.layouts[kind].bodies)
        for n, (block, column) in enumerate(zip(blocks, columns, strict=True)):
            target: Literal["body", "copy", "box"] = \
                ("body" if n == 0 else "copy") if has_body else "box"
            slide.filled(self.body_fit.height(block, column.text_box()[0], shared),
                         column.text_box()[1])
            slide.items.append(TextPlan(tuple(block), shared, target, column, top=True,
                                        align=align, dark=kind in DARK_KINDS))
        return True

    def _closing_area(self, title: str) -> Rect:
        """Below the closing slide's title, down to the bottom band, as wide as the
        wider of its title and body placeholders (or the content area)."""
        title_rect, _, _ = self._title_fit("closing", title, COVER_TITLE_SIZES)
        bodies = self.layouts["closing"].bodies
        body = bodies[0] if bodies else None
        top = title_rect.bottom + GAP
        if body is None:
            return self._area(None, below=title_rect.bottom)
        body = self._clamp(body)
        top = max(top, body.top)  # below what the layout draws between title and body
        left = min(body.left, title_rect.left)  # as wide as the title or the body
        right = max(body.right, title_rect.right)
        return Rect(left, top, right - left, max(self.height - BAND - GAP - top, 0))

    # ----------------------------------------------------------------- charts

    def chart_slides(self, charts: Sequence[Chart]) -> None:
        e = self.edition
        if len(charts) == 1:
            chart = charts[0]
            title = self.content.chart_title(chart)
        else:
            title = e.label("charts")
        slide = self.new_slide("chart")
        bottom = self.set_title(slide, "chart", title, TITLE_SIZES).bottom
        slide.clear_after = 1  # the chart placeholder goes: the charts take its place
        area = self._area("chart", below=bottom)
        cells = _grid(area, len(charts), rtl=self.rtl)
        for chart, cell in zip(charts, cells, strict=False):
            if len(charts) > 1:
                top = self.small_heading(slide, self.content.chart_title(chart), cell)
                cell = Rect(cell.left, top, cell.width, cell.bottom - top)
            self.add_chart(slide, chart, cell)
        slide.notes = self._notes(
            [(c.notes, None if len(charts) == 1 else self.content.inline_text(c.title))
             for c in charts])

    def add_chart(self, slide: SlidePlan, chart: Chart, rect: Rect) -> None:
        slide.fill = 1.0  # a chart fills its room
        slide.items.append(ChartPlan(self.content.chart(chart), rect,
                                     self.content.inline_text(chart.description or chart.title)))

    # ----------------------------------------------------------------- tables

    def table_slides(self, title: str, header: list[Cell], rows: list[list[Cell]], *,
                     key: Sequence[Para] = ()) -> None:
        """A table over as many slides as it needs, its header repeated; ``key`` (a
        key to its marks) under it on each, at the body floor."""
        # Laid out in the room below the title as set (a long one grows its box), on
        # the first slide and on those continued.
        below = max(self._title_fit("table", self._continued(title, n), TITLE_SIZES)[0].bottom
                    for n in (0, 1))
        area = self._area("table", below=below)
        key_height = 0
        if key:  # the table leaves room for the key below it
            text = self.body_fit.height(key, (area.width - 2 * INSET_X) / EMU_PER_PT, BODY_MIN)
            key_height = _pt(text + 2 * INSET_Y / EMU_PER_PT)
        table = self.table_layout(header, rows, Rect(area.left, area.top, area.width,
                                                     area.height - key_height - GAP // 2),
                                  TABLE_SIZES)
        for n in range(len(table.pages)):
            slide = self.new_slide("table")
            bottom = self.set_title(slide, "table", self._continued(title, n),
                                    TITLE_SIZES).bottom
            slide.clear_after = 1  # the table placeholder goes: the table takes its place
            rect = self._area("table", below=bottom)
            slide.items.append(TablePlan(table, n, rect, title))
            slide.filled(_table_height(table, n), rect.height / EMU_PER_PT)
            if key:
                drawn = sum(_pt(h) for h in (table.header_height,
                                             *(h for _, h in table.pages[n])))
                slide.items.append(TextPlan(tuple(key), BODY_MIN, "box",
                                            Rect(rect.left, rect.top + drawn + GAP // 2,
                                                 rect.width, key_height), name="Key"))

    def table_layout(self, header: list[Cell], rows: list[list[Cell]], area: Rect,
                     sizes: Sequence[float]) -> TableLayout:
        """``header`` and ``rows`` laid out in ``area`` at the largest of ``sizes`` at
        which the table fits one slide, uncramped; else at a continued size, over as
        many slides as it needs (the header repeated)."""
        fit = self.body_fit
        width = area.width / EMU_PER_PT
        height = area.height / EMU_PER_PT
        margin_x = 2 * CELL_X / EMU_PER_PT
        margin_y = 2 * CELL_Y / EMU_PER_PT
        best: TableLayout | None = None
        for attempt, size in enumerate(sizes):
            minimum = [0.0] * len(header)
            for row in [header, *rows]:
                for c, cell in enumerate(row):
                    for para in cell.paras:
                        least = fit.width_for(para, size, cell.lines) if cell.lines else \
                            fit.longest_word(para, size)
                        minimum[c] = max(minimum[c], least + margin_x)
            if attempt < len(sizes) - 1 and \
                    sum(minimum) > width + len(minimum) * EPSILON + 1e-6:
                continue  # surely cramped: no sharing of the width gives every column its
                # longest word (the last size is laid out whatever: see below)
            natural = [0.0] * len(header)
            for row in [header, *rows]:
                for c, cell in enumerate(row):
                    for para in cell.paras:
                        natural[c] = max(natural[c], fit.natural_width(para, size) + margin_x)
            widths = _share(natural, minimum, width)
            cramped = any(w + EPSILON < m for w, m in zip(widths, minimum, strict=True))

            def row_height(row: list[Cell], size: float = size,
                           widths: list[float] = widths) -> float:
                return max(fit.height(cell.paras, w - margin_x, size) + margin_y
                           for cell, w in zip(row, widths, strict=True))

            head_h = row_height(header)
            room = height - head_h
            pages: list[list[tuple[list[Cell], float]]] = [[]]
            used = 0.0
            for row in rows:
                for piece in self._split_row(row, widths, size, room - margin_y):
                    h = row_height(piece)
                    if pages[-1] and used + h > room + EPSILON:
                        pages.append([])
                        used = 0.0
                    pages[-1].append((piece, h))
                    used += h
            best = TableLayout(size, widths, header, head_h, pages, cramped, rows)
            if len(pages) == 1 and not cramped:
                return best
        assert best is not None
        if len(sizes) > 1 and (len(best.pages) > 1 or best.cramped):
            size = next((s for s in sizes if s <= CONTINUED_TABLE_SIZE), sizes[-1])
            return self.table_layout(header, rows, area, (size,))
        return best

    def _split_row(self, row: list[Cell], widths: list[float], size: float,
                   room: float) -> list[list[Cell]]:
        """A row, or the pieces of a row too tall for a slide (each cell's text split)."""
        fit = self.body_fit
        margin_x = 2 * CELL_X / EMU_PER_PT
        chunks = []
        for cell, w in zip(row, widths, strict=True):
            # A cell whose text is lower than the room is one piece, as paginate would
            # find (the margin covers summing the same heights in another order).
            if fit.height(cell.paras, w - margin_x, size) <= room + EPSILON - 1e-6:
                chunks.append([list(cell.paras)])
                continue
            chunks.append(fit.paginate(cell.paras, _fixed_box(w - margin_x, room), size))
        count = max(len(c) for c in chunks)
        if count == 1:
            return [row]
        return [[replace(cell, paras=tuple(chunks[c][n]) if n < len(chunks[c]) else ())
                 for c, cell in enumerate(row)] for n in range(count)]

    # ----------------------------------------------------------------- text slides

    def text_slides(self, kind: str, title: str, paras: list[Para],
                    sizes: Sequence[float], *, fallback: float | None = None,
                    align: str | None = None, emit: bool = True) -> int:
        """``paras`` on slides of ``kind`` titled ``title`` (continued as they need);
        returns how many (planning none when not ``emit``)."""
        size, pages = self.body_fit.fit(paras, self._text_box(kind, title), sizes,
                                        fallback=fallback, max_words=WORDS_PER_SLIDE)
        if emit:
            self._emit_text(kind, (kind, size, pages), title, align=align)
        return len(pages)

    def _text_box(self, kind: str, title: str) -> Box:
        """The body box of slides of ``kind`` titled ``title``: the first below the
        title, the continuation slides below ``title (cont.)``."""
        sizes = COVER_TITLE_SIZES if kind in DARK_KINDS else TITLE_SIZES
        first = self._body_box(kind, 0, title, sizes)
        rest = self._body_box(kind, 0, self._continued(title, 1), sizes)
        return lambda n: first(n) if n == 0 else rest(n)

    def _emit_text(self, kind: str, plan: _Pages, title: str,
                   *, notes: str = "", continued: bool = False,
                   align: str | None = None, rect: Rect | None = None) -> None:
        _kind, size, pages = plan
        for n, page in enumerate(pages):
            slide = self.new_slide(kind)
            shown = self._continued(title, n + (1 if continued else 0))
            bottom = self.set_title(slide, kind, shown, COVER_TITLE_SIZES
                                    if kind in DARK_KINDS else TITLE_SIZES).bottom
            where, target = self._text_target(kind, 0, below=bottom)
            self._text(slide, target, page, size, rect or where, top=True, align=align)
            if n == 0:
                slide.notes = notes

    def _body_box(self, kind: str, index: int, title: str = "",
                  title_sizes: Sequence[float] = TITLE_SIZES) -> Box:
        """The text area of body placeholder ``index`` of the layout of ``kind``
        (points), as :meth:`_text_target` places it: below ``title`` as
        :meth:`set_title` sets it (a long title grows its box; the body starts below)."""
        bodies = self.layouts[kind].bodies
        bottom = self._title_bottom(kind)
        if title:
            title_rect, _, grown = self._title_fit(kind, title, title_sizes)
            if grown:
                bottom = max(bottom, title_rect.bottom)
        rect = bodies[index] if len(bodies) > index else None
        rect = self._clamp(rect) if rect else self._area(kind, below=bottom)
        if rect.top < bottom:
            rect = Rect(rect.left, bottom, rect.width, rect.bottom - bottom)
        return _fixed_box(*rect.text_box())

    def _text_target(self, kind: str, index: int, *, below: int = 0
                     ) -> tuple[Rect, Literal["body", "box"]]:
        """Where a slide's body text goes: body placeholder ``index`` of its layout
        (kept inside the safe area and below the title), else a new text box under the
        title."""
        bodies = self.layouts[kind].bodies
        if index < len(bodies):
            rect = self._clamp(bodies[index] or self._area(kind, below=below))
            if rect.top < below:
                rect = Rect(rect.left, below, rect.width, max(rect.bottom - below, 0))
            return rect, "body"
        return self._area(kind, below=below), "box"

    def _text(self, slide: SlidePlan, target: Literal["body", "box"],
              paras: Sequence[Para], size: float, rect: Rect, *, top: bool = False,
              align: str | None = None) -> None:
        """Body text in the first body placeholder (moved only when ``rect`` is not
        where the layout puts it) or a new text box."""
        placed = self.layouts[slide.kind].bodies[0] if target == "body" else None
        slide.filled(self.body_fit.height(paras, rect.text_box()[0], size), rect.text_box()[1])
        slide.items.append(TextPlan(tuple(paras), size, target,
                                    None if placed == rect else rect, top=top, align=align,
                                    dark=slide.kind in DARK_KINDS))

    def _continued(self, title: str, n: int) -> str:
        return f"{title} {self.edition.label('continued')}" if n else title

    # ----------------------------------------------------------------- titles

    def new_slide(self, kind: str) -> SlidePlan:
        slide = SlidePlan(kind)
        self.slides.append(slide)
        return slide

    def _title_bottom(self, kind: str) -> int:
        layout = self.layouts[kind]
        rect = layout.title if layout.has_title else None
        return self._clamp(rect).bottom if rect else BAND + GAP

    def set_title(self, slide: SlidePlan, kind: str, text: str, sizes: Sequence[float],
                  *, floor: int = 0) -> Rect:
        """``text`` in the title placeholder at the largest size that fits (the box
        grows within the safe area if even the smallest does not). Returns its box."""
        layout = self.layouts[kind]
        rect, chosen, grown = self._title_fit(kind, text, sizes, floor=floor)
        para = Para((Run(text),), 0)  # bold or not as the layout says
        if layout.has_title:
            slide.items.append(TextPlan((para,), chosen, "title",
                                        None if rect == layout.title else rect,
                                        fill="accent1" if grown else None))
        else:
            slide.items.append(TextPlan((para,), chosen, "box", rect))
        return rect

    def _title_fit(self, kind: str, text: str, sizes: Sequence[float], *,
                   floor: int = 0) -> tuple[Rect, float, bool]:
        """Where a title goes and its size: the largest of ``sizes`` at which it fits
        the layout's title placeholder, else the smallest, the box grown up into the
        room above and then down. True when it grew."""
        layout = self.layouts[kind]
        rect = self._clamp(layout.title if layout.has_title else
                           Rect(_inches(0.6), BAND + GAP, self.width - _inches(1.2),
                                _inches(1.0)))
        if floor and rect.top < floor:
            rect = Rect(rect.left, floor, rect.width, max(rect.bottom - floor, _inches(0.6)))
        measured = [Para((Run(text, bold=True),), 0)]  # measured as bold, to be safe
        fit = self.title_fit
        width, height = rect.text_box()
        chosen = next((size for size in sizes
                       if fit.height(measured, width, size) <= height + EPSILON), None)
        if chosen is not None:
            return rect, chosen, False
        chosen = sizes[-1]
        need = _pt(fit.height(measured, width, chosen)) + 2 * INSET_Y
        grow = min(need - rect.height, rect.top - (floor or BAND))
        rect = Rect(rect.left, rect.top - max(grow, 0), rect.width,
                    rect.height + max(grow, 0))
        if need > rect.height:  # still too long: extend downwards
            rect = Rect(rect.left, rect.top, rect.width,
                        min(need, self.height - BAND - rect.top))
        return rect, chosen, True

    def small_heading(self, slide: SlidePlan, text: str, area: Rect) -> int:
        """A one- or two-line heading at the top of ``area``; returns the top of what
        goes under it."""
        para = Para((Run(text, bold=True),), 0)
        width = (area.width - 2 * INSET_X) / EMU_PER_PT
        height = self.body_fit.height([para], width, HEADING_SIZE) + 2 * INSET_Y / EMU_PER_PT
        slide.items.append(TextPlan((replace(para, colour="accent1"),), HEADING_SIZE, "box",
                                    Rect(area.left, area.top, area.width, _pt(height)),
                                    name="Heading"))
        return area.top + _pt(height) + _inches(0.05)

    def _notes(self, parts: Iterable[tuple[Sequence[Item], str | None]]) -> str:
        return self.content.notes(parts)

    # ----------------------------------------------------------------- areas

    def _clamp(self, rect: Rect | None) -> Rect:
        """``rect`` moved and cut to lie inside the slide, between the banner bands."""
        if rect is None:
            return self._area(None, below=0)
        top = max(rect.top, BAND)
        bottom = min(rect.bottom, self.height - BAND)
        left = max(rect.left, 0)
        right = min(rect.right, self.width)
        return Rect(left, top, max(right - left, 0), max(bottom - top, 0))

    def _area(self, kind: str | None, *, below: int) -> Rect:
        """The content area of a slide of ``kind``: its layout's first content
        placeholder (table, chart, body ...), else the space under the title down to
        the bottom band."""
        found = self.layouts[kind].area if kind is not None else None
        if found is not None:
            rect = self._clamp(found)
            top = max(rect.top, below + (GAP if below else 0))
            return Rect(rect.left, top, rect.width, max(rect.bottom - top, 0))
        margin = _inches(0.6)
        top = max(below + GAP, BAND + GAP)
        bottom = self.height - BAND - GAP
        return Rect(margin, top, self.width - 2 * margin, max(bottom - top, 0))

    # ----------------------------------------------------------------- markings

    def _logo_card(self, slide: SlidePlan, layout: LayoutGeometry) -> int:
        """The logo on the cover, on a white card above the title; returns the lowest
        point the title may start at (0 when there is no logo)."""
        if self.geometry.logo is None:
            return 0
        px_w, px_h = self.geometry.logo
        title_rect = self._clamp(layout.title) if layout.has_title else None
        scale = min(_inches(3.2) / px_w, _inches(0.85) / px_h)
        w, h = int(px_w * scale), int(px_h * scale)
        card_w, card_h = w + 2 * LOGO_CARD_PAD, h + 2 * LOGO_CARD_PAD
        margin = title_rect.left if title_rect else _inches(0.6)
        left = self.width - margin - card_w if self.rtl else margin
        top = BAND + _inches(0.3)
        slide.items.append(LogoPlan(Rect(left, top, card_w, card_h),
                                    Rect(left + LOGO_CARD_PAD, top + LOGO_CARD_PAD, w, h),
                                    logo_alt(self.edition)))
        return top + card_h + GAP

    def markings(self) -> None:
        """Banner top and bottom, slide number and logo on every slide."""
        e = self.edition
        total = len(self.slides)
        side = min(BAND_SIDE, self.width // 4)
        band_logo = self._band_logo(side)
        bottom = self.height - BAND
        for number, slide in enumerate(self.slides, 1):
            for name, top in (("Banner Top", 0), ("Banner Bottom", bottom)):
                slide.bands.append(self._band(name, e.banner, Rect(0, top, self.width, BAND),
                                              side, "ctr", BANNER_SIZES, "ink", bold=True,
                                              fill=True))
            left = 0 if self.rtl else self.width - side
            slide.bands.append(self._band(
                "Slide Number", e.label("slide_x_of_y", slide=number, slides=total),
                Rect(left, bottom, side, BAND), 0, "l" if self.rtl else "r", NUMBER_SIZES,
                "muted"))
            if e.reference:
                left = self.width - side if self.rtl else 0
                slide.bands.append(self._band("Reference", e.reference,
                                              Rect(left, bottom, side, BAND), 0,
                                              "r" if self.rtl else "l", REFERENCE_SIZES,
                                              "muted"))
            if slide.kind != "title":
                slide.band_logo = band_logo

    def _band(self, name: str, text: str, rect: Rect, side: int, align: str,
              sizes: Sequence[float], colour: Literal["ink", "muted"], *, bold: bool = False,
              fill: bool = False) -> BandPlan:
        """A band's text at the largest of ``sizes`` at which it takes one line."""
        key = (text, bold, rect.width, rect.height, side, tuple(sizes))
        size = self._bands.get(key)
        if size is None:  # the banner reads the same on every slide: sized once
            para = Para((Run(text, bold=bold),), 0, min_pt=FURNITURE_MIN)
            width = (rect.width - 2 * (side + INSET_X)) / EMU_PER_PT
            height = rect.height / EMU_PER_PT
            size = self._bands[key] = next(
                (s for s in sizes if self.body_fit.height([para], width, s) <= height + EPSILON
                 and len(self.body_fit.lines(para, width, s)) == 1), sizes[-1])
        return BandPlan(name, text, rect, side, align, size, colour, bold, fill)

    def _band_logo(self, side: int) -> Rect | None:
        """The logo's place in the top band (at the end the reading starts from)."""
        if self.geometry.logo is None:
            return None
        px_w, px_h = self.geometry.logo
        pad = _inches(0.06)
        scale = min((side - 2 * INSET_X) / px_w, (BAND - 2 * pad) / px_h)
        w, h = int(px_w * scale), int(px_h * scale)
        left = self.width - INSET_X - w if self.rtl else INSET_X
        return Rect(left, (BAND - h) // 2, w, h)


def logo_alt(edition: Edition) -> str:
    """The logo's alt text: the catalogue's, else the issuer."""
    text = edition.label("logo_alt", issuer=edition.issuer)
    return text if text != "logo_alt" else edition.issuer


def _overlap(a: Rect, b: Rect) -> bool:
    """Whether two boxes share an area (touching edges do not)."""
    return min(a.right, b.right) > max(a.left, b.left) and \
        min(a.bottom, b.bottom) > max(a.top, b.top)
