"""Where the text and drawings of a PDF sit, page by page, read with PDFium (pypdfium2:
the release gate's own reader) for the page-flow tests.

Each character is reported as pdfminer (pdfplumber) reports it, in top-down points: a
box from its origin to its advance wide, and one font size tall from the font's descent
below its baseline. That box is what tells two lines of 7.5 pt text apart; PDFium's own
boxes are either the glyph's ink or the font's full ascent-to-descent height, under
which consecutive lines of a running header would overlap and count as one.
"""

from __future__ import annotations

import ctypes
import dataclasses
import functools
import itertools
import math
from pathlib import Path
from typing import Any

#: PDFium's page object types that draw (FPDF_PAGEOBJ_PATH, _IMAGE, _SHADING, _FORM).
_DRAWING = (2, 3, 4, 5)


@dataclasses.dataclass(frozen=True)
class Char:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    fontname: str
    mcid: int | None  # the marked-content id it is tagged with, if any


@dataclasses.dataclass(frozen=True)
class Box:
    top: float
    bottom: float


@dataclasses.dataclass(frozen=True)
class Word:
    text: str
    top: float
    size: float
    fontname: str


@dataclasses.dataclass(frozen=True)
class Page:
    height: float
    chars: list[Char]
    drawn: list[Box]  # paths, images, shadings and form XObjects

    def words(self, x_tolerance: float = 1.5) -> list[Word]:
        """The chars grouped into words: left to right within a line, broken at spaces,
        at gaps wider than ``x_tolerance`` and where the font or its size changes."""
        words: list[Word] = []
        for _top, line in itertools.groupby(_by_line(self.chars), key=lambda c: c.top):
            run: list[Char] = []
            for char in [*line, None]:
                if run and (char is None or char.text.isspace()
                            or char.x0 - run[-1].x1 > x_tolerance
                            or (char.fontname, char.size) != (run[-1].fontname, run[-1].size)):
                    words.append(Word("".join(c.text for c in run), run[0].top, run[0].size,
                                      run[0].fontname))
                    run = []
                if char is not None and not char.text.isspace():
                    run.append(char)
        return words

    def lines_between(self, top: float, bottom: float, tolerance: float = 3) -> list[str]:
        """The lines of text whose chars lie between ``top`` and ``bottom``, top first,
        each left to right (a right-to-left line in visual order), a space put where
        chars are more than ``tolerance`` apart."""
        inside = [c for c in self.chars if c.top >= top and c.bottom <= bottom]
        lines: list[list[Char]] = []
        for char in sorted(inside, key=lambda c: c.top):
            if lines and char.top - lines[-1][0].top <= tolerance:
                lines[-1].append(char)
            else:
                lines.append([char])
        found = []
        for line in lines:
            text, last = "", None
            for char in sorted(line, key=lambda c: c.x0):
                if last is not None and char.x0 - last.x1 > tolerance and not (
                        text.endswith(" ") or char.text == " "):
                    text += " "
                text, last = text + char.text, char
            found.append(text)
        return found


def _by_line(chars: list[Char]) -> list[Char]:
    return sorted(chars, key=lambda c: (c.top, c.x0))


def read(path: Path) -> list[Page]:
    """The pages of the PDF at ``path``; several tests read the same built brief, which
    is read once (again if the file changes)."""
    stat = path.stat()
    return _read(path, stat.st_mtime_ns, stat.st_size)


@functools.cache
def _read(path: Path, _mtime: int, _size: int) -> list[Page]:
    import pypdfium2 as pdfium
    import pypdfium2.raw as c

    pages = []
    document = pdfium.PdfDocument(path)
    try:
        for page in document:
            height = page.get_height()
            textpage = page.get_textpage()
            fonts: dict[int, tuple[str, float]] = {}  # by handle: name, descent per point
            chars = []
            origin_x, origin_y = ctypes.c_double(), ctypes.c_double()
            loose, matrix = c.FS_RECTF(), c.FS_MATRIX()
            for index in range(c.FPDFText_CountChars(textpage.raw)):
                if c.FPDFText_IsGenerated(textpage.raw, index) == 1:
                    continue  # a space or line break PDFium inferred: not in the PDF
                text = chr(c.FPDFText_GetUnicode(textpage.raw, index))
                c.FPDFText_GetMatrix(textpage.raw, index, matrix)  # the page's scale too
                size = c.FPDFText_GetFontSize(textpage.raw, index) * math.hypot(matrix.c,
                                                                                matrix.d)
                obj = c.FPDFText_GetTextObject(textpage.raw, index)
                font = c.FPDFTextObj_GetFont(obj)
                key = ctypes.cast(font, ctypes.c_void_p).value or 0
                if key not in fonts:
                    fonts[key] = _font(c, font)
                name, descent = fonts[key]
                c.FPDFText_GetCharOrigin(textpage.raw, index, origin_x, origin_y)
                c.FPDFText_GetLooseCharBox(textpage.raw, index, loose)
                y0 = origin_y.value + descent * size
                mcid = c.FPDFPageObj_GetMarkedContentID(obj)
                chars.append(Char(text, loose.left, loose.right, height - y0 - size,
                                  height - y0, size, name, mcid if mcid >= 0 else None))
            drawn = []
            left, bottom, right, top = (ctypes.c_float() for _ in range(4))
            for index in range(c.FPDFPage_CountObjects(page.raw)):
                obj = c.FPDFPage_GetObject(page.raw, index)
                if c.FPDFPageObj_GetType(obj) in _DRAWING and c.FPDFPageObj_GetBounds(
                        obj, left, bottom, right, top):
                    drawn.append(Box(height - top.value, height - bottom.value))
            textpage.close()
            page.close()
            pages.append(Page(height, chars, drawn))
    finally:
        document.close()
    return pages


def _font(c: Any, font: Any) -> tuple[str, float]:
    """A font's base name and its descent for a size of one point (negative: below)."""
    buffer = ctypes.create_string_buffer(256)
    length = c.FPDFFont_GetBaseFontName(font, buffer, len(buffer))
    descent = ctypes.c_float()
    c.FPDFFont_GetDescent(font, ctypes.c_float(1000.0), descent)
    return buffer.value[:max(length - 1, 0)].decode("utf-8", "replace"), descent.value / 1000
