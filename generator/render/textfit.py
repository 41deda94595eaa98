"""Text measurement for the deck: how wide a run is, where lines break, how tall it gets.

PowerPoint does not tell a generator where its lines break, so the deck renderer measures
text itself, with open fonts whose advance widths match the fonts the deck asks for
(Carlito for Calibri, Liberation Sans for Arial, Liberation Mono for Courier New, Noto
Sans Arabic for Arabic script; see ``generator/fonts/README.md``). Pillow's FreeType
binding gives the advance widths (shaped with Raqm when available, so Arabic joins as it
will on screen).

Widths and sizes here are in points. Everything is deterministic and cached.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from PIL import ImageFont, features

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"

# Fonts are opened at this pixel size and their advances scaled linearly: large enough
# that hinting and 1/64-pixel rounding do not matter.
_REFERENCE_PX = 512

# Measurement faces: (regular, bold, italic, bold italic) file names in FONT_DIR.
_FACES: dict[str, tuple[str, str, str, str]] = {
    "carlito": ("Carlito-Regular.ttf", "Carlito-Bold.ttf", "Carlito-Italic.ttf",
                "Carlito-BoldItalic.ttf"),
    "liberation-sans": ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf",
                        "LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"),
    "liberation-mono": ("LiberationMono-Regular.ttf",) * 4,
    "arabic": ("NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf",
               "NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf"),
}

# Characters set in the complex-script (Arabic) font rather than the Latin one.
_ARABIC = re.compile("([\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]+)")
# A word and the white space after it; a forced line break on its own.
_TOKEN = re.compile(r"\n|[^\s]+[^\S\n]*|[^\S\n]+")


def face_for(typeface: str) -> tuple[str, float]:
    """The measurement face for a typeface a deck asks for, and a safety factor.

    Known typefaces are measured with a metric-compatible font (factor 1.0). Any other
    typeface (a corporate master's own) is measured with Liberation Sans, wider than most
    sans-serif faces, and 5 % more on top, so lines break early rather than overflow.
    """
    name = typeface.lower()
    if "calibri" in name or "carlito" in name:
        return "carlito", 1.0
    if any(n in name for n in ("arial", "helvetica", "liberation sans", "arimo")):
        return "liberation-sans", 1.0
    if any(n in name for n in ("courier", "liberation mono", "cousine")):
        return "liberation-mono", 1.0
    return "liberation-sans", 1.05


@lru_cache(maxsize=1)
def _raqm() -> bool:
    """Whether Pillow shapes text with Raqm (HarfBuzz)."""
    return bool(features.check("raqm"))


@lru_cache(maxsize=32)
def _font(file: str) -> ImageFont.FreeTypeFont:
    engine = ImageFont.Layout.RAQM if _raqm() else ImageFont.Layout.BASIC
    return ImageFont.truetype(str(FONT_DIR / file), _REFERENCE_PX, layout_engine=engine)


# Text whose width is the sum of its characters' widths: scripts whose letters keep their
# shape whatever their neighbours (Latin, Greek, Cyrillic, their punctuation and symbols),
# without combining marks or invisible formatting characters. PowerPoint sets them with
# neither kerning (see _advance) nor ligatures; a ligature ("fi") is narrower than its
# letters, so where a renderer does use one the text is narrower than measured.
_SIMPLE = re.compile("[\u0020-\u007e\u00a0-\u02ff\u0370-\u03ff\u0400-\u04ff"
                     "\u1e00-\u1eff\u2010-\u2027\u2030-\u205e\u20a0-\u20cf"
                     "\u2100-\u214f]+")


@lru_cache(maxsize=65536)
def _advance(file: str, text: str, rtl: bool) -> float:
    """Advance width of ``text`` in ems of the font in ``file``."""
    if not rtl and _SIMPLE.fullmatch(text):
        return math.fsum(map(_char_widths(file).__getitem__, text))
    return _shaped_advance(file, text, rtl)


class _CharWidths(dict[str, float]):
    """Advance widths in ems of single characters of one font, each measured when first
    asked for: a metric of the font."""

    def __init__(self, file: str) -> None:
        super().__init__()
        self.file = file

    def __missing__(self, ch: str) -> float:
        width = self[ch] = _shaped_advance(self.file, ch, False)
        return width


@lru_cache(maxsize=32)
def _char_widths(file: str) -> _CharWidths:
    return _CharWidths(file)


def _shaped_advance(file: str, text: str, rtl: bool) -> float:
    font = _font(file)
    if not _raqm():
        return font.getlength(text) / _REFERENCE_PX
    # PowerPoint kerns only runs that ask for it (``kern``), and the deck's runs do not:
    # measure without kerning (kerning mostly narrows, so this errs on the safe side).
    return font.getlength(text, direction="rtl" if rtl else None,
                          features=["-kern"]) / _REFERENCE_PX


class Span(NamedTuple):  # a tuple: made thousands of times per deck
    """A stretch of text with the formatting that changes its width."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False


# A piece of a line: (index of the span, start, end) character offsets into its text.
Piece = tuple[int, int, int]
Line = tuple[Piece, ...]


class Measurer:
    """Measures text set in ``typeface`` (code in ``mono_typeface``), in points."""

    def __init__(self, typeface: str, mono_typeface: str = "Courier New") -> None:
        self.face, self.factor = face_for(typeface)
        self.mono_face, self.mono_factor = face_for(mono_typeface)

    def width(self, text: str, size: float, *, bold: bool = False, italic: bool = False,
              code: bool = False) -> float:
        """The advance width of ``text`` at ``size`` points, in points."""
        if not text:
            return 0.0
        return self.em(text, bold=bold, italic=italic, code=code) * size

    def em(self, text: str, *, bold: bool = False, italic: bool = False,
           code: bool = False) -> float:
        """The advance width of ``text`` in ems (its width at 1 point)."""
        style = (2 if italic else 0) + (1 if bold else 0)
        if code:
            return _em(self.mono_face, self.mono_factor, style, text)
        return _em(self.face, self.factor, style, text)

    def span_width(self, span: Span, start: int, end: int, size: float) -> float:
        return self.width(span.text[start:end], size, bold=span.bold, italic=span.italic,
                          code=span.code)

    def min_lines(self, spans: Sequence[Span], width: float, size: float) -> int:
        """A lower bound on ``len(self.wrap(spans, width, size))``, found without placing
        words: every line holds words no wider together than ``width`` (a word wider
        than a line is counted as one line's width: it starts a line of its own), and
        each forced break ends a line."""
        cores, total, widest, forced = _word_cores(self.face, self.factor, self.mono_face,
                                                   self.mono_factor, tuple(spans))
        room = width / size  # in ems
        if widest >= room:  # some word counts as a whole line
            total = sum(core if core < room else room for core in cores)
        return max(forced + 1, math.ceil(total / room * (1 - 1e-9)))

    def wrap(self, spans: Sequence[Span], width: float, size: float) -> list[Line]:
        """Break ``spans`` into lines no wider than ``width`` points at ``size`` points.

        Lines break at white space; a word wider than a whole line breaks between
        characters (as PowerPoint does). ``\\n`` forces a break (and stays, as the last
        piece of its line). Trailing white space does not count against the width.
        Always returns at least one (possibly empty) line.
        """
        spans = tuple(spans)
        one = _one_line(self.face, self.factor, self.mono_face, self.mono_factor, spans)
        # Most paragraphs of a deck fit on one line: then no word needs placing (the
        # margin covers summing the same widths in another order).
        if one is not None and one[1] * size <= width * (1 - 1e-9):
            return [one[0]]
        lines: list[Line] = []
        line: list[Piece] = []
        used = 0.0  # width of the line so far, trailing spaces included
        for word, forced, core_ems, full_ems in _measured_words(
                self.face, self.factor, self.mono_face, self.mono_factor, spans):
            if forced:
                lines.append((*line, *word))
                line, used = [], 0.0
                continue
            # Summed piece by piece, as ``sum`` would: the same floats as measuring each
            # piece at ``size`` (most words are one piece).
            core = (core_ems[0] * size if len(core_ems) == 1
                    else sum(em * size for em in core_ems))
            full = (full_ems[0] * size if len(full_ems) == 1
                    else sum(em * size for em in full_ems))
            if line and used + core > width:
                lines.append(tuple(line))
                line, used = [], 0.0
            if not line and core > width:
                # Too wide for any line: break between characters.
                for piece in _chars(word):
                    w = self.span_width(spans[piece[0]], piece[1], piece[2], size)
                    blank = not spans[piece[0]].text[piece[1]:piece[2]].strip()
                    if line and used + w > width and not blank:
                        lines.append(tuple(line))
                        line, used = [], 0.0
                    _append(line, piece)
                    used += w
                continue
            for piece in word:  # _append, inline: most lines are many words
                if line:
                    last = line[-1]
                    if last[0] == piece[0] and last[2] == piece[1]:
                        line[-1] = (last[0], last[1], piece[2])
                        continue
                line.append(piece)
            used += full
        lines.append(tuple(line))
        return lines


# A word of a paragraph, ready to set: its pieces, whether it is a forced break, and the
# advance widths in ems of its pieces without and with its trailing white space.
_Word = tuple[tuple[Piece, ...], bool, tuple[float, ...], tuple[float, ...]]


@lru_cache(maxsize=32768)
def _em(face: str, factor: float, style: int, text: str) -> float:
    """Advance width of ``text`` in ems, set in measurement ``face`` (Arabic script in
    the Arabic face) with its safety ``factor``: the widths of a :class:`Measurer` at
    1 point."""
    total = 0.0
    for i, chunk in enumerate(_ARABIC.split(text)):
        if not chunk:
            continue
        if i % 2:  # an Arabic-script chunk
            total += _advance(_FACES["arabic"][style], chunk, True) * 1.05
        else:
            total += _advance(_FACES[face][style], chunk, False) * factor
    return total


@lru_cache(maxsize=2048)  # a few kB each; a deck has a few hundred paragraphs
def _measured_words(face: str, factor: float, mono_face: str, mono_factor: float,
                    spans: tuple[Span, ...]) -> tuple[_Word, ...]:
    """The words of ``spans`` (see :func:`_words`) with their widths in ems, for
    :meth:`Measurer.wrap`: independent of the width and size being tried, so a paragraph
    is split and measured once however often it is fitted."""
    out: list[_Word] = []

    def ems(pieces: Sequence[Piece]) -> tuple[float, ...]:
        widths = []
        for s, a, b in pieces:
            span = spans[s]
            text = span.text[a:b]
            if not text:
                widths.append(0.0)
                continue
            style = (2 if span.italic else 0) + (1 if span.bold else 0)
            widths.append(_em(mono_face, mono_factor, style, text) if span.code
                          else _em(face, factor, style, text))
        return tuple(widths)

    for word, forced in _words(spans):
        if forced:
            out.append((tuple(word), True, (), ()))
        else:
            out.append((tuple(word), False, ems(_strip(word, spans)), ems(word)))
    return tuple(out)


@lru_cache(maxsize=2048)
def _one_line(face: str, factor: float, mono_face: str, mono_factor: float,
              spans: tuple[Span, ...]) -> tuple[Line, float] | None:
    """``spans`` set on one line, and its width in ems with every word's trailing white
    space: what :meth:`Measurer.wrap` gives whenever that width fits. None when the text
    has a forced line break."""
    line: list[Piece] = []
    ems = 0.0
    for word, forced, _core, full in _measured_words(face, factor, mono_face, mono_factor,
                                                      spans):
        if forced:
            return None
        for piece in word:
            _append(line, piece)
        ems += sum(full)
    return tuple(line), ems


@lru_cache(maxsize=2048)
def _word_cores(face: str, factor: float, mono_face: str, mono_factor: float,
                spans: tuple[Span, ...]) -> tuple[tuple[float, ...], float, float, int]:
    """The widths in ems of the words of ``spans`` without their trailing white space,
    their sum and the widest, and the number of forced line breaks: for
    :meth:`Measurer.min_lines`."""
    words = _measured_words(face, factor, mono_face, mono_factor, spans)
    cores = tuple(sum(core) for _, forced, core, _ in words if not forced)
    return (cores, sum(cores), max(cores, default=0.0),
            sum(1 for _, forced, _, _ in words if forced))


def _words(spans: Sequence[Span]) -> list[tuple[list[Piece], bool]]:
    """Words (each a list of pieces, possibly across spans, with the white space after
    it), each flagged True when it is a forced line break (``\\n``)."""
    words: list[tuple[list[Piece], bool]] = []
    current: list[Piece] = []
    for index, span in enumerate(spans):
        for match in _TOKEN.finditer(span.text):
            start, end = match.span()
            token = match.group()
            if token == "\n":
                if current:
                    words.append((current, False))
                    current = []
                words.append(([(index, start, end)], True))
                continue
            current.append((index, start, end))
            if token[-1].isspace():  # white space ends the current word
                words.append((current, False))
                current = []
    if current:
        words.append((current, False))
    return words


def _strip(word: list[Piece], spans: Sequence[Span]) -> list[Piece]:
    """The word without its trailing white space."""
    pieces = list(word)
    while pieces:
        s, a, b = pieces[-1]
        text = spans[s].text[a:b]
        stripped = text.rstrip()
        if stripped:
            pieces[-1] = (s, a, a + len(stripped))
            break
        pieces.pop()
    return pieces


def _chars(word: Sequence[Piece]) -> list[Piece]:
    return [(s, i, i + 1) for s, a, b in word for i in range(a, b)]


def _append(line: list[Piece], piece: Piece) -> None:
    """Add a piece, merging it with the previous one when they are contiguous."""
    if line and line[-1][0] == piece[0] and line[-1][2] == piece[1]:
        line[-1] = (piece[0], line[-1][1], piece[2])
    else:
        line.append(piece)


def line_text(line: Line, spans: Sequence[Span]) -> str:
    """The text of one line (for tests and debugging)."""
    return "".join(spans[s].text[a:b] for s, a, b in line)
