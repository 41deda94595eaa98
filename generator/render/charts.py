"""One chart spec, two renderings: a vector SVG for the brief, a native chart for the deck.

:func:`render_svg` draws a :class:`~generator.edition.Chart` with matplotlib's SVG backend
(an explicit :class:`~matplotlib.figure.Figure`, never pyplot) into a self-contained
``<svg>`` that can be inlined in the brief's HTML: no XML prolog, text kept as text so
WeasyPrint shapes it with the page's fonts (Arabic included), ``<title>``/``<desc>`` and
``role="img"`` for accessibility, and ids that are stable and unique per chart.

:func:`add_native_chart` puts the same chart on a python-pptx slide as a native, editable
PowerPoint chart. Both take their colours from :func:`palette`, so brief and deck match.

Both are deterministic: the same chart gives the same bytes on every run and machine (a
user's ``matplotlibrc`` is ignored; the chart's embedded workbook carries no clock date).
matplotlib and python-pptx are imported lazily, so importing this module is cheap.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import textwrap
import threading
from collections.abc import Sequence
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any, Protocol
from xml.sax.saxutils import escape, quoteattr

from generator.edition import Chart, Series, Theme
from generator.errors import RenderError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.typing import LegendLocType

CHART_TYPES = ("bar", "line", "stacked-bar", "pie")

#: The fonts the SVG asks for, first match wins (per glyph): Latin, then Arabic and
#: Hebrew script, then DejaVu Sans, which matplotlib always has.
FONT_STACK = ("Noto Sans", "Noto Sans Arabic", "Noto Sans Hebrew", "DejaVu Sans")
CSS_FONT_FAMILY = ", ".join(f"'{name}'" for name in FONT_STACK) + ", sans-serif"

# Type sizes in points: for a chart printed about 6.5 in wide, and for a slide.
SVG_FONT_PT = 8.5
SLIDE_FONT_PT = 14
SLIDE_SMALL_FONT_PT = 12
MAX_VALUE_LABELS = 12  # bars labelled with their values up to this many
MAX_CATEGORY_LABELS = 24  # beyond this, every second (third ...) category is labelled
MAX_WRAPPED_CATEGORIES = 8  # long labels of more categories are turned, not wrapped

# Neutral colours that sit with any theme.
INK = "#2b3137"  # tick labels and value labels
MUTED = "#5f6b76"  # axis titles, legend text
RULE = "#8a949e"  # the category axis baseline
GRID = "#dde1e5"  # light horizontal gridlines
SLATE = "#6b7785"
SILVER = "#aab3bc"
WHITE = "#ffffff"

# A fixed date for the workbook python-pptx embeds in a chart (xlsxwriter stamps "now").
_WORKBOOK_DATE = "2000-01-01T00:00:00Z"

# matplotlib keeps its settings in a process-wide dict; rc_context swaps it in and out,
# so renders within one process take turns (the build's workers are processes anyway).
_RENDER_LOCK = threading.Lock()

# Scripts whose letters change shape with their neighbours or run right to left
# (Hebrew, Arabic, Syriac, Thaana, N'Ko, the Indic scripts, Thai, Tibetan, Myanmar,
# Khmer, Mongolian ... and their presentation forms). WeasyPrint draws SVG text letter by
# letter, which breaks them, so a chart with such text draws its text as paths, shaped
# by matplotlib (libraqm).
_COMPLEX_SCRIPT = re.compile(
    "[\u0590-\u1cff\ua800-\uabff\ufb1d-\ufdff\ufe70-\ufeff"
    "\U00010800-\U00010fff\U0001e800-\U0001efff]")
# Characters XML 1.0 forbids; a stray one in a label would make the SVG unparsable.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_HEX = re.compile(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


#: What every output prints for a missing value (brief tables, deck tables, charts).
MISSING = "—"


def metric_label(label: str, unit: str) -> str:
    """A metric's label with its unit in brackets, unless the label already names it:
    "Patrol distance (km)", but "People assisted", not "People assisted (people)"."""
    if not unit:
        return label
    words = {w.lower() for w in re.findall(r"\w+", label)}
    unit_words = [w.lower() for w in re.findall(r"\w+", unit)]
    if unit_words and all(w in words or w.rstrip("s") in words or w + "s" in words
                          for w in unit_words):
        return label
    return f"{label} ({unit})"


# --------------------------------------------------------------------------- palette


#: Colours the palette adds to a theme's two: Okabe and Ito's set for colour-blind
#: readers, then tints and shades of it and of the theme (see :func:`palette`).
OKABE_ITO = ("#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7")
#: The bounds the default palette keeps for up to ``PLAIN_SERIES`` series (CIE76 ΔE in
#: CIELAB): between any two colours, seen with normal vision and through the Machado
#: (2009) simulation of deuteranopia and protanopia at full severity; and in lightness
#: alone (greyscale print). tests/test_charts.py checks them for the default themes.
MIN_DELTA_E = 15.0
MIN_DELTA_L = 7.0
#: Beyond this many series colours alone do not tell them apart: bars get patterns and
#: lines marker shapes.
PLAIN_SERIES = 6
VISIONS = ("normal", "deuteranopia", "protanopia", "greyscale")
# Machado, Oliveira and Fernandes (2009), severity 1.0, on linear RGB.
_MACHADO = {
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216),
                   (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413),
                     (-0.011820, 0.042940, 0.968881)),
}
_MAX_LIGHTNESS = 82.0  # paler colours vanish on white paper


def palette(theme: Theme, n: int) -> list[str]:
    """``n`` distinct series colours (``#rrggbb``) for an audience's theme.

    The theme's primary and accent colours come first (so a two-series chart is drawn in
    exactly the audience's colours); each further colour is the one, among Okabe and
    Ito's colour-blind-safe set and tints and shades of it and of the theme, that lies
    farthest from those already chosen, in CIELAB, for a reader with normal vision,
    with deuteranopia or protanopia, and in greyscale (lightness counting double). The
    same theme and ``n`` always give the same list, and a shorter list is the start of a
    longer one.
    """
    if n <= 0:
        return []
    primary = _legible(_parse_hex(theme.primary, "primary"))
    accent = _legible(_parse_hex(theme.accent, "accent"))
    chosen = [primary]
    if _delta_e(primary, accent, "normal") > 5:
        chosen.append(accent)
    pool = [c for c in _candidates(primary, accent) if c not in chosen]
    while len(chosen) < n:
        if not pool:  # more series than candidates: lighter and darker steps of the hues
            pool = [_mix(c, WHITE if i % 2 else "#000000", 0.2)
                    for i, c in enumerate(chosen) if _mix(c, WHITE, 0.2) not in chosen]
            pool = [c for c in dict.fromkeys(pool) if c not in chosen] or ["#000000"]
        best = max(pool, key=lambda c: (_separation(c, chosen), c))
        chosen.append(best)
        pool.remove(best)
    return chosen[:n]


def _candidates(primary: str, accent: str) -> list[str]:
    out = list(OKABE_ITO)
    for base in (primary, accent, *OKABE_ITO):
        out += [_mix(base, WHITE, t) for t in (0.3, 0.55, 0.75)]
        out += [_mix(base, "#000000", t) for t in (0.3, 0.5)]
    return [c for c in dict.fromkeys(out) if _lab(c, "normal")[0] <= _MAX_LIGHTNESS]


def _separation(colour: str, chosen: Sequence[str]) -> float:
    """How far ``colour`` is from the nearest of ``chosen`` for the worst-off reader."""
    hue = min(_delta_e(colour, c, v) for c in chosen for v in VISIONS[:3])
    grey = min(_delta_e(colour, c, "greyscale") for c in chosen)
    return min(hue, 2 * grey)


@cache
def _lab(colour: str, vision: str) -> tuple[float, float, float]:
    """CIELAB (D65) of ``colour`` as a reader with ``vision`` sees it."""

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _rgb01(colour))
    if vision in _MACHADO:
        m = _MACHADO[vision]
        r, g, b = (min(max(m[i][0] * r + m[i][1] * g + m[i][2] * b, 0.0), 1.0)
                   for i in range(3))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(v: float) -> float:
        return v ** (1 / 3) if v > 216 / 24389 else (24389 / 27 * v + 16) / 116

    fx, fy, fz = f(x), f(y), f(z)
    if vision == "greyscale":
        return 116 * fy - 16, 0.0, 0.0
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def _delta_e(a: str, b: str, vision: str) -> float:
    return math.dist(_lab(a, vision), _lab(b, vision))


def colour_distances(colours: Sequence[str]) -> dict[str, float]:
    """The smallest pairwise ΔE among ``colours`` for each of :data:`VISIONS`
    (greyscale: the difference in lightness)."""
    pairs = [(a, b) for i, a in enumerate(colours) for b in colours[i + 1:]]
    return {vision: min((_delta_e(a, b, vision) for a, b in pairs), default=math.inf)
            for vision in VISIONS}


class ThemeColours(Protocol):
    """A theme's two colours: an Edition's :class:`~generator.edition.Theme`, or the
    loader's model of an audience's ``theme:``."""

    @property
    def primary(self) -> str: ...

    @property
    def accent(self) -> str: ...


def theme_colour_problems(theme: ThemeColours) -> list[str]:
    """Why the theme's primary and accent colours, the first two series of every chart,
    are hard to tell apart (empty when they are not): a warning for the build."""
    primary = _legible(_parse_hex(theme.primary, "primary"))
    accent = _legible(_parse_hex(theme.accent, "accent"))
    distances = colour_distances([primary, accent])
    problems = []
    for vision, distance in distances.items():
        bound = MIN_DELTA_L if vision == "greyscale" else MIN_DELTA_E
        if distance < bound:
            seen = "in greyscale print" if vision == "greyscale" else (
                "to most readers" if vision == "normal" else f"to readers with {vision}")
            problems.append(f"theme colours {theme.primary} and {theme.accent} are hard to "
                            f"tell apart in charts {seen} (ΔE {distance:.1f} < {bound:g})")
    return problems


def _parse_hex(value: str, what: str) -> str:
    match = _HEX.match(value.strip())
    if not match:
        raise RenderError(f"theme {what} colour {value!r} is not a hex colour like #0b3d2e")
    digits = match.group(1).lower()
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return "#" + digits


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _rgb01(colour: str) -> tuple[float, float, float]:
    r, g, b = _rgb(colour)
    return r / 255, g / 255, b / 255


def _hex01(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(min(max(c, 0.0), 1.0) * 255):02x}" for c in rgb)


def _mix(colour: str, other: str, amount: float) -> str:
    """``colour`` moved ``amount`` (0..1) of the way towards ``other``."""
    a, b = _rgb01(colour), _rgb01(other)
    r, g, bl = (x + (y - x) * amount for x, y in zip(a, b, strict=True))
    return _hex01((r, g, bl))


def _distance(a: str, b: str) -> float:
    return math.dist(_rgb(a), _rgb(b))


def _luminance(colour: str) -> float:
    """WCAG relative luminance (0 = black, 1 = white)."""

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb01(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _legible(colour: str) -> str:
    """A theme colour too pale to see on white paper, darkened until it shows."""
    while _luminance(colour) > 0.8:
        colour = _mix(colour, "#000000", 0.15)
    return colour


def _text_on(colour: str) -> str:
    """Black or white text, whichever reads better on ``colour``."""
    return INK if _luminance(colour) > 0.4 else WHITE


# ------------------------------------------------------------- themed images

#: How many palette colours an image may name (``chart-1`` ... ``chart-12``).
IMAGE_PALETTE = 12
#: How far a ``-light`` colour is mixed towards white: pale enough for land on a map or a
#: panel behind text, dark enough to see on white paper.
LIGHT_MIX = 0.55
# An element that names a theme colour for its fill or stroke, and each name it gives:
# data-theme-fill="primary", data-theme-stroke="chart-3-light". Its own fill="#…" stays
# what any other viewer shows (CSS variables would draw black in some, such as resvg).
_THEMED_TAG = re.compile(r"<[^<>]*\bdata-theme-(?:fill|stroke)\s*=[^<>]*>")
_THEME_ATTR = re.compile(r"\bdata-theme-(fill|stroke)\s*=\s*[\"']"
                         r"(primary|accent|chart-(?:1[0-2]|[1-9]))(-light)?[\"']")


def theme_colours(theme: Theme) -> dict[str, str]:
    """The colours an SVG image under ``content/`` may name, by name: ``primary`` and
    ``accent`` as the theme gives them, ``chart-1`` ... ``chart-12`` the chart
    :func:`palette`, and each of them with ``-light`` (a tint of it)."""
    base = {"primary": _parse_hex(theme.primary, "primary"),
            "accent": _parse_hex(theme.accent, "accent")}
    base |= {f"chart-{i}": c for i, c in enumerate(palette(theme, IMAGE_PALETTE), start=1)}
    return base | {f"{name}-light": _mix(c, WHITE, LIGHT_MIX) for name, c in base.items()}


def themed_svg(svg: bytes, theme: Theme) -> bytes:
    """An SVG image with the fill or stroke of each element that names a colour of
    :func:`theme_colours` (``data-theme-fill="primary"``) set to the audience's, so a map
    or diagram takes each audience's theme. Bytes that are not UTF-8 or name no colour
    come back unchanged."""
    if b"data-theme-" not in svg:
        return svg
    try:
        text = svg.decode("utf-8")
        colours = theme_colours(theme)
    except (UnicodeDecodeError, RenderError):  # not UTF-8; a colour with alpha
        return svg

    def recolour(tag: re.Match[str]) -> str:
        element = tag[0]
        for attribute, name, light in _THEME_ATTR.findall(element):
            colour = colours[name + light]
            element, found = re.subn(rf"(?<![\w-]){attribute}\s*=\s*(\"[^\"]*\"|'[^']*')",
                                     f'{attribute}="{colour}"', element)
            if not found:  # no colour of its own: given one after the element's name
                element = re.sub(r"^<([\w:.-]+)", rf'<\1 {attribute}="{colour}"', element)
        return element

    return _THEMED_TAG.sub(recolour, text).encode("utf-8")


# --------------------------------------------------------------------------- data


def _check(chart: Chart) -> None:
    """Refuse a chart no renderer could draw, with a message naming the chart."""
    where = f"chart `{chart.id}`"
    if chart.type not in CHART_TYPES:
        raise RenderError(f"{where}: unknown type {chart.type!r} "
                          f"(expected one of: {', '.join(CHART_TYPES)})")
    if not chart.categories:
        raise RenderError(f"{where}: no categories")
    if not chart.series:
        raise RenderError(f"{where}: no series")
    for series in chart.series:
        if len(series.values) != len(chart.categories):
            raise RenderError(f"{where}: series `{series.name}` has {len(series.values)} "
                              f"values for {len(chart.categories)} categories")
        if any(math.isinf(v) for v in series.values):
            raise RenderError(f"{where}: series `{series.name}` has an infinite value")
    if chart.type == "pie":
        _, (series,) = _pie_data(chart)
        if any(v < 0 for v in series.values if not math.isnan(v)):
            raise RenderError(f"{where}: a pie chart cannot show negative values")
        if not sum(v for v in series.values if not math.isnan(v)) > 0:
            raise RenderError(f"{where}: a pie chart needs values that add up to more than 0")


def _pie_data(chart: Chart) -> tuple[tuple[str, ...], tuple[Series]]:
    """What a pie shows: the first series across the categories, or, with a single
    category, each series' total."""
    if len(chart.categories) == 1 and len(chart.series) > 1:
        names = tuple(s.shown for s in chart.series)
        totals = tuple(math.fsum(v for v in s.values if not math.isnan(v))
                       for s in chart.series)
        return names, (Series(chart.categories[0], totals),)
    return chart.categories, (chart.series[0],)


def _values(chart: Chart) -> list[float]:
    return [v for s in chart.series for v in s.values if not math.isnan(v)]


def stack_totals(chart: Chart) -> list[float]:
    """Each category's total (missing values count as 0): what a stacked bar's top
    reads, in the brief and on the deck."""
    return [math.fsum(s.values[i] for s in chart.series if not math.isnan(s.values[i]))
            for i in range(len(chart.categories))]


def value_scale(chart: Chart) -> tuple[float, float, float]:
    """The value axis of a bar, stacked-bar or line chart: where it starts and ends and
    the step between its gridlines. The brief's SVG and the deck's native chart both
    use it, so a figure reads the same in both. Round steps (1, 2 or 5 times a power of
    ten, about six of them), from zero for bars, and for lines unless zero is far below
    the data; the axis ends on the gridline at or above the highest value."""
    if chart.type == "stacked-bar":
        values = [math.fsum(v for s in chart.series
                            if not math.isnan(v := s.values[i]) and v > 0)
                  for i in range(len(chart.categories))]
        values += [math.fsum(v for s in chart.series
                             if not math.isnan(v := s.values[i]) and v < 0)
                   for i in range(len(chart.categories))]
    else:
        values = _values(chart)
    low, high = min(values, default=0.0), max(values, default=0.0)
    if (chart.type != "line" or (low >= 0 and low < 0.5 * high)
            or high - low <= 1e-9 * max(abs(low), abs(high))):
        low, high = min(low, 0.0), max(high, 0.0)
    if high == low:
        high = low + 1
    raw = (high - low) / 6
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw * (1 - 1e-9))
    if _decimals(_values(chart)) == 0 and high - low >= 4:
        step = max(step, 1.0)
    start = math.floor(low / step + 1e-9) * step
    end = math.ceil(high / step - 1e-9) * step
    return _round(start), _round(end), _round(step)


def _round(value: float) -> float:
    """``value`` without float noise (0.30000000000000004 -> 0.3)."""
    return float(f"{value:.10g}")


def _decimals(values: Sequence[float]) -> int:
    """How many decimals show the data: as many as it has, but no more than show the
    smallest value to three significant figures (and at least 2), at most 6."""
    smallest = min((abs(v) for v in values if v), default=1.0)
    cap = min(6, max(2, 2 - math.floor(math.log10(smallest))))
    for places in range(cap):
        scale = 10**places
        if all(abs(v * scale - round(v * scale)) < 1e-9 * max(1.0, abs(v * scale))
               for v in values):
            return places
    return cap


def _number(value: float, decimals: int | None = None) -> str:
    """``12,345`` / ``0.25`` / ``-3``: grouped, never scientific, no trailing zeros,
    no ``-0``."""
    text = (f"{value:,.6f}".rstrip("0").rstrip(".") if decimals is None
            else f"{value:,.{decimals}f}")
    if text.lstrip("-").strip("0.,") == "":
        text = text.lstrip("-")
    return text  # an ASCII minus: U+2212 is missing from many fonts (Noto Sans among them)


def _clean(text: str) -> str:
    return _XML_ILLEGAL.sub("", text)


# --------------------------------------------------------------------------- SVG


@lru_cache(maxsize=128)
def chart_svg(chart: Chart, theme: Theme, *, rtl: bool, language: str) -> str:
    """:func:`render_svg` at the briefs' size, drawn once per process for the same
    arguments, of which it is a pure function: the PDF, HTML and Word briefs of an
    audience, the audiences with the same theme and language, and every rebuild of
    `briefgen serve` share the drawing (matplotlib, about a tenth of a small brief's
    render)."""
    return render_svg(chart, theme, rtl=rtl, language=language)


def render_svg(chart: Chart, theme: Theme, *, rtl: bool = False, language: str = "en",
               width_in: float = 6.5, height_in: float = 3.0) -> str:
    """The chart as an ``<svg>`` element to inline in the brief's HTML.

    The title is not drawn (the brief prints it as the figure's caption) but carried as
    the SVG's ``<title>``, with ``chart.description`` as ``<desc>``. Text stays text in
    the ``FONT_STACK`` fonts, except in a chart with Arabic, Hebrew or another script
    that needs shaping: WeasyPrint draws SVG text letter by letter, so there matplotlib
    shapes the text and writes it as outlines (the words kept as XML comments).

    ``rtl`` mirrors the chart for a right-to-left reader: categories run right to left,
    the value axis and legend sit on the right; numbers stay left-to-right. The SVG is
    ``width_in`` × ``height_in`` inches (in ``pt``, with a ``viewBox``, so CSS may scale
    it). The same arguments always give the same string.
    """
    _check(chart)
    if not (width_in > 0 and height_in > 0):
        raise RenderError(f"chart `{chart.id}`: size must be positive, "
                          f"got {width_in} × {height_in} in")

    import matplotlib
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    with _RENDER_LOCK, matplotlib.rc_context():
        matplotlib.rcdefaults()  # a user's matplotlibrc must not change the output
        matplotlib.rcParams.update(_rc_params(language, _text_as_paths(chart)))
        fig = Figure(figsize=(width_in, height_in), layout="constrained")
        fig.patch.set_visible(False)  # transparent: the page shows through
        canvas = FigureCanvasSVG(fig)
        if chart.type == "pie":
            _draw_pie(fig, chart, theme, rtl)
        else:
            _draw_cartesian(fig, chart, theme, rtl, width_in)
        out = io.StringIO()
        # print_svg rather than savefig: savefig draws the whole figure once just to lay
        # it out, then again to write it; here the layout runs inside the one real draw.
        canvas.print_svg(out, metadata={"Date": None, "Creator": None, "Format": None,
                                        "Type": None})
    return _finish_svg(out.getvalue(), chart)


def _text_as_paths(chart: Chart) -> bool:
    """True when the chart has text WeasyPrint cannot draw as SVG text (see
    ``_COMPLEX_SCRIPT``); it is then drawn as glyph outlines."""
    texts = (chart.unit, *chart.categories, *(s.shown for s in chart.series))
    return any(_COMPLEX_SCRIPT.search(text) for text in texts)


def _rc_params(language: str, text_as_paths: bool) -> dict[Any, Any]:
    lang = language if re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*", language) else None
    return {
        # Text stays text (selectable, searchable in the PDF, in the page's fonts) unless
        # WeasyPrint could not shape it; then it is outlines, with the text as a comment.
        "svg.fonttype": "path" if text_as_paths else "none",
        "svg.hashsalt": "briefgen",
        "text.parse_math": False,  # "$5m to $10m" is money, not mathtext
        "text.language": lang,
        "axes.unicode_minus": False,
        "font.family": _installed_fonts(),  # a list of names: matplotlib falls back per glyph
        "font.size": SVG_FONT_PT,
        "text.color": INK,
        "axes.labelcolor": MUTED,
        "axes.labelsize": SVG_FONT_PT,
        "axes.edgecolor": RULE,
        "axes.linewidth": 0.8,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.spines.left": False,
        "axes.grid": True,
        "axes.grid.axis": "y",
        "axes.axisbelow": True,
        "axes.facecolor": "none",
        "grid.color": GRID,
        "grid.linewidth": 0.7,
        "xtick.color": INK,
        "ytick.color": INK,
        "xtick.labelsize": SVG_FONT_PT,
        "ytick.labelsize": SVG_FONT_PT,
        "xtick.major.size": 0,
        "ytick.major.size": 0,
        "xtick.major.pad": 4,
        "ytick.major.pad": 4,
        "legend.frameon": False,
        "legend.fontsize": SVG_FONT_PT,
        "legend.labelcolor": INK,
        "legend.handlelength": 1.0,
        "legend.handleheight": 1.0,
        "legend.columnspacing": 1.6,
        "figure.constrained_layout.h_pad": 0.04,
        "figure.constrained_layout.w_pad": 0.04,
    }


@cache
def _installed_fonts() -> list[str]:
    """The ``FONT_STACK`` fonts matplotlib can measure with here (it logs a warning for
    each missing one otherwise). The SVG still names the whole stack."""
    from matplotlib import font_manager

    present = {font.name for font in font_manager.fontManager.ttflist}
    return [name for name in FONT_STACK if name in present] or ["DejaVu Sans"]


def _draw_cartesian(fig: Figure, chart: Chart, theme: Theme, rtl: bool,
                    width_in: float) -> None:
    import numpy as np
    from matplotlib.ticker import FixedLocator, FuncFormatter

    ax = fig.add_subplot()
    n_cat, n_series = len(chart.categories), len(chart.series)
    colours = palette(theme, n_series)
    x = np.arange(n_cat, dtype=float)
    values = _values(chart)
    decimals = _decimals(values)

    if chart.type == "bar":
        group = 0.8 if n_series > 1 else 0.62
        width = group / n_series
        for i, (series, colour) in enumerate(zip(chart.series, colours, strict=True)):
            offset = (i - (n_series - 1) / 2) * width
            bars = ax.bar(x + offset, _nan_to_zero(series.values), width * 0.9,
                          color=colour, label=_clean(series.shown), zorder=2,
                          hatch=_hatch(i, n_series), edgecolor=WHITE, linewidth=0)
            if n_cat * n_series <= MAX_VALUE_LABELS:
                ax.bar_label(bars, [_value_label(v, decimals) for v in series.values],
                             padding=2, color=MUTED, fontsize=SVG_FONT_PT - 1)
    elif chart.type == "stacked-bar":
        above = np.zeros(n_cat)
        below = np.zeros(n_cat)
        for i, (series, colour) in enumerate(zip(chart.series, colours, strict=True)):
            heights = np.array(_nan_to_zero(series.values))
            bottoms = np.where(heights >= 0, above, below)
            ax.bar(x, heights, 0.62, bottom=bottoms, color=colour,
                   label=_clean(series.shown), zorder=2, edgecolor=WHITE, linewidth=0.5,
                   hatch=_hatch(i, n_series))
            above += np.where(heights >= 0, heights, 0)
            below += np.where(heights < 0, heights, 0)
        if n_cat <= MAX_VALUE_LABELS:  # the total on top of each stack
            for position, total in zip(x, above, strict=True):
                if total > 0:
                    ax.annotate(_number(total, decimals), (position, total),
                                xytext=(0, 2), textcoords="offset points", ha="center",
                                va="bottom", color=MUTED, fontsize=SVG_FONT_PT - 1)
        values = [*above, *below]
    else:  # line
        for i, (series, colour) in enumerate(zip(chart.series, colours, strict=True)):
            ax.plot(x, series.values, color=colour, linewidth=2, marker=_marker(i, n_series),
                    markersize=4.5,
                    markeredgecolor=WHITE, markeredgewidth=0.8, label=_clean(series.shown),
                    zorder=3, solid_capstyle="round", clip_on=False)

    # Value axis: round ticks (whole numbers for whole-number data) with a gridline
    # above the highest value; from zero for bars, and for lines unless zero is far
    # below the data.
    pad = 0.25 if chart.type == "line" else 0.5
    ax.set_xlim(-pad, n_cat - 1 + pad)
    low, high, step = value_scale(chart)  # the deck's native chart uses the same
    ax.set_ylim(low, high)
    ax.yaxis.set_major_locator(FixedLocator(
        [_round(low + k * step) for k in range(round((high - low) / step) + 1)]))
    if low < 0:  # the zero line is the baseline
        ax.axhline(0, color=RULE, linewidth=0.8, zorder=2.5)
        ax.spines["bottom"].set_visible(False)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _number(v)))
    if chart.unit:
        ax.set_ylabel(_clean(chart.unit), labelpad=6)

    # Category axis: labels wrapped to the room each category has, else turned.
    step = max(1, math.ceil(n_cat / MAX_CATEGORY_LABELS))
    labels, rotate = _category_labels(chart.categories, width_in, step)
    ax.set_xticks(x[::step], labels[::step])
    if rotate:
        for label in ax.get_xticklabels():
            label.set(rotation=-35 if rtl else 35, rotation_mode="anchor",
                      ha="left" if rtl else "right", va="top")
    ax.tick_params(axis="x", length=0)

    if rtl:
        ax.invert_xaxis()
        ax.yaxis.tick_right()
        ax.yaxis.set_label_position("right")
    if chart.type == "stacked-bar":  # one column beside the bars, top of the stack first
        _legend(fig, ax, n_series, rtl, loc_ltr="outside right upper",
                loc_rtl="outside left upper", ncols=1, reverse=True)
    else:
        handle = 1.8 if chart.type == "line" else 1.0
        _legend(fig, ax, n_series, rtl, loc_ltr="outside upper left",
                loc_rtl="outside upper right",
                ncols=_legend_columns(chart, width_in, handle), handlelength=handle)


#: Patterns and marker shapes that tell series apart beyond ``PLAIN_SERIES``.
HATCHES = ("", "////", "....", "\\\\\\\\", "xxxx", "----", "||||", "oo", "++++")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "h")
#: The same marker shapes as DrawingML names them (the deck's line charts).
NATIVE_MARKERS = ("circle", "square", "triangle", "diamond", "triangle", "plus", "x",
                  "star", "circle")
#: The same patterns as DrawingML preset patterns (the deck's bars).
NATIVE_PATTERNS = ("", "wdUpDiag", "pct20", "wdDnDiag", "openDmnd", "narHorz", "narVert",
                   "smConfetti", "smCheck")


def _hatch(index: int, count: int) -> str | None:
    """The pattern of series ``index``: none up to ``PLAIN_SERIES`` series."""
    return HATCHES[index % len(HATCHES)] or None if count > PLAIN_SERIES else None


def _marker(index: int, count: int) -> str:
    return MARKERS[index % len(MARKERS)] if count > PLAIN_SERIES else "o"


def _value_label(value: float, decimals: int) -> str:
    return "" if math.isnan(value) else _number(value, decimals)


def _nan_to_zero(values: Sequence[float]) -> list[float]:
    return [0.0 if math.isnan(v) else v for v in values]


def _category_labels(categories: Sequence[str], width_in: float,
                     step: int) -> tuple[list[str], bool]:
    """Category labels fitted to the room each shown label has (every ``step``-th is
    shown): as they are, wrapped onto up to three lines when there are few categories,
    else ``True``: the labels are to be turned."""
    labels = [_clean(c) for c in categories]
    shown = math.ceil(len(labels) / step)
    chars = int(width_in * 72 * 0.85 / shown / (SVG_FONT_PT * 0.55))
    if all(len(label) <= chars for label in labels):
        return labels, False
    if shown <= MAX_WRAPPED_CATEGORIES:
        wrapped = [textwrap.fill(label, max(chars, 6), break_long_words=False)
                   for label in labels]
        fits = all(len(line) <= max(chars, 6) for w in wrapped for line in w.splitlines())
        if fits and max(w.count("\n") + 1 for w in wrapped) <= 3:
            return wrapped, False
    return labels, True


def _draw_pie(fig: Figure, chart: Chart, theme: Theme, rtl: bool) -> None:
    ax = fig.add_subplot()
    labels, (series,) = _pie_data(chart)
    sizes = _nan_to_zero(series.values)
    colours = palette(theme, len(sizes))

    def percent(p: float) -> str:
        return f"{p:.0f}%" if p >= 4 else ""

    wedges, _texts, autotexts = ax.pie(
        sizes, colors=colours, startangle=90, counterclock=rtl, autopct=percent,
        pctdistance=0.7, wedgeprops={"edgecolor": WHITE, "linewidth": 1.2},
        textprops={"fontsize": SVG_FONT_PT})
    for text, colour in zip(autotexts, colours, strict=True):
        text.set_color(_text_on(colour))
    ax.set_aspect("equal")
    for wedge, label in zip(wedges, labels, strict=True):
        wedge.set_label(_clean(label))
    # The legend hugs the pie on the reader's far side (the pie's box is square).
    ax.legend(loc="center right" if rtl else "center left",
              bbox_to_anchor=(-0.04, 0.5) if rtl else (1.04, 0.5),
              markerfirst=not rtl, handletextpad=0.6, labelspacing=0.7)


def _legend_columns(chart: Chart, width_in: float, handle: float) -> int:
    """As many legend columns (at most five) as the longest entry leaves room for
    across the chart's width, so that no entry is cut off."""
    longest = max(len(_clean(s.shown)) for s in chart.series)
    entry_pt = (longest * 0.56 + handle + 0.5 + 1.6) * SVG_FONT_PT
    return max(1, min(len(chart.series), 5, int(width_in * 72 * 0.95 // entry_pt)))


def _legend(fig: Figure, ax: Axes, count: int, rtl: bool, *, loc_ltr: LegendLocType,
            loc_rtl: LegendLocType, ncols: int, handlelength: float = 1.0,
            reverse: bool = False) -> None:
    """A legend outside the plot (first entry on the reader's side) when there is more
    than one series; ``reverse`` lists the last series first (a stack's top)."""
    if count < 2:
        return
    handles, labels = ax.get_legend_handles_labels()
    if reverse:
        handles, labels = handles[::-1], labels[::-1]
    if rtl and ncols > 1:  # the first entry is read first: on the right
        handles, labels = handles[::-1], labels[::-1]
    fig.legend(handles, labels, loc=loc_rtl if rtl else loc_ltr, ncols=ncols,
               markerfirst=not rtl, handletextpad=0.5, handlelength=handlelength)


_TAG = re.compile(r"<[^<>]+>")
_ID_ATTR = re.compile(r'\bid="([^"]*)"')
_URL_REF = re.compile(r"url\(#([^)]*)\)")
_HREF = re.compile(r'(\bxlink:href|\bhref)="#([^"]*)"')
_FONT_FAMILY = re.compile(r"font-family:[^;\"]*")


def _finish_svg(svg: str, chart: Chart) -> str:
    """matplotlib's SVG document → an accessible ``<svg>`` element to inline in HTML.

    Only tags are edited (matplotlib escapes ``<`` and ``>`` in text and attribute
    values, so every ``<...>`` here is a real tag): ids get a per-chart prefix so several
    charts can share a page, the font stack is the full ``FONT_STACK``.
    """
    svg = re.sub(r"^\s*<\?xml[^>]*\?>\s*", "", svg)
    svg = re.sub(r"^<!DOCTYPE[^>]*>\s*", "", svg)
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, count=1, flags=re.DOTALL)
    prefix = _id_prefix(chart.id)

    def fix_tag(match: re.Match[str]) -> str:
        tag = match.group(0)
        if tag.startswith("<!--"):  # a label's text, kept as a comment by matplotlib
            return tag
        tag = _ID_ATTR.sub(lambda m: f'id="{prefix}{m.group(1)}"', tag)
        tag = _URL_REF.sub(lambda m: f"url(#{prefix}{m.group(1)})", tag)
        tag = _HREF.sub(lambda m: f'{m.group(1)}="#{prefix}{m.group(2)}"', tag)
        return _FONT_FAMILY.sub(f"font-family: {CSS_FONT_FAMILY}", tag)

    svg = _TAG.sub(fix_tag, svg)
    title = _clean(chart.title)
    description = _clean(chart.description)
    root = re.search(r"<svg\b[^>]*>", svg)
    if root is None:  # pragma: no cover - matplotlib always writes one
        raise RenderError(f"chart `{chart.id}`: matplotlib wrote no <svg> element")
    label = title if not description else f"{title}: {description}" if title else description
    attributes = f' role="img" aria-label={quoteattr(label)} direction="ltr"'
    inner = f'\n <title id="{prefix}title">{escape(title)}</title>'
    if description:
        inner += f'\n <desc id="{prefix}desc">{escape(description)}</desc>'
    start = root.group(0)
    svg = svg[:root.start()] + start[:-1] + attributes + ">" + inner + svg[root.end():]
    return svg.strip() + "\n"


def _id_prefix(chart_id: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", chart_id).strip("-")[:40] or "chart"
    digest = hashlib.sha256(chart_id.encode("utf-8")).hexdigest()[:6]
    return f"chart-{slug}-{digest}-"


# --------------------------------------------------------------------------- PPTX


def add_native_chart(slide: Any, chart: Chart, left: int, top: int, width: int, height: int,
                     theme: Theme, *, rtl: bool = False) -> Any:
    """Add the chart to a python-pptx ``slide`` as a native, editable chart.

    ``left``/``top``/``width``/``height`` are EMU. Colours come from :func:`palette`,
    as in the brief; the chart has no title of its own (the slide's title names it).
    ``rtl`` runs the categories right to left (the value axis moves to the right).
    Returns the graphic frame (``frame.chart`` is the chart).
    """
    _check(chart)
    from pptx.enum.chart import XL_CHART_TYPE

    series_list: tuple[Series, ...]
    chart_type = {
        "bar": XL_CHART_TYPE.COLUMN_CLUSTERED,
        "stacked-bar": XL_CHART_TYPE.COLUMN_STACKED,
        "line": XL_CHART_TYPE.LINE_MARKERS,
        "pie": XL_CHART_TYPE.PIE,
    }[chart.type]
    if chart.type == "pie":
        categories, series_list = _pie_data(chart)
        values = [v for v in series_list[0].values if not math.isnan(v)]
    else:
        categories, series_list = chart.categories, chart.series
        values = _values(chart)
    decimals = _decimals(values)
    number_format = "#,##0" + ("." + "0" * decimals if decimals else "")

    from .deck_fast import pinned_chart_data

    data = pinned_chart_data(_WORKBOOK_DATE)(number_format=number_format)
    data.categories = [_clean(c) for c in categories]
    for series in series_list:
        data.add_series(_clean(series.shown),
                        [None if math.isnan(v) else v for v in series.values])
    # python-pptx writes the chart's data, its workbook and the parts; the styling is
    # then written into its XML directly (python-pptx's object API for the same settings
    # costs more than the rest of the chart together).
    frame = slide.shapes.add_chart(chart_type, left, top, width, height, data)
    space = frame.chart.element
    colours = palette(theme, len(categories) if chart.type == "pie" else len(series_list))
    _style_text(space.find(_c("txPr")), SLIDE_FONT_PT, INK)
    space.find(f"{_c('chart')}/{_c('autoTitleDeleted')}").set("val", "1")
    if chart.type == "pie":
        _style_pie(space, colours, rtl)
    else:
        _style_cartesian(space, chart, len(categories), len(series_list), colours, values,
                         number_format, rtl)
    return frame


# DrawingML written into python-pptx's chart XML. Elements of a chart have a fixed order
# (ECMA-376 part 1, 21.2); each is put before the first sibling that must follow it.

_C_NS = "http://schemas.openxmlformats.org/drawingml/2006/chart"
_A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"


def _c(tag: str) -> str:
    return f"{{{_C_NS}}}{tag}"


def _xml(markup: str) -> list[Any]:
    """Elements of a chart from ``markup`` (``c:`` and ``a:`` prefixes), parsed by
    python-pptx so that they are its element classes."""
    from pptx.oxml import parse_xml

    return list(parse_xml(f'<c:x xmlns:c="{_C_NS}" xmlns:a="{_A_NS}">{markup}</c:x>'))


def _put(parent: Any, markup: str, *, before: Sequence[str] = ()) -> None:
    """Insert the elements of ``markup`` into ``parent`` before its first child named in
    ``before`` (at the end when there is none)."""
    at = next((i for i, child in enumerate(parent) if child.tag in {_c(t) for t in before}),
              len(parent))
    for offset, element in enumerate(_xml(markup)):
        parent.insert(at + offset, element)


def _hex_val(colour: str) -> str:
    return colour.lstrip("#").upper()


def _fill(colour: str) -> str:
    return f'<a:solidFill><a:srgbClr val="{_hex_val(colour)}"/></a:solidFill>'


def _line(colour: str | None, width: int | None = None) -> str:
    w = f' w="{width}"' if width is not None else ""
    return f"<a:ln{w}>{_fill(colour) if colour else '<a:noFill/>'}</a:ln>"


def _defrpr(size: float, colour: str | None = None, bold: bool | None = None,
            tag: str = "defRPr") -> str:
    b = "" if bold is None else f' b="{int(bold)}"'
    if colour is None:
        return f'<a:{tag} sz="{round(size * 100)}"{b}/>'
    return f'<a:{tag} sz="{round(size * 100)}"{b}>{_fill(colour)}</a:{tag}>'


def _txpr(size: float, colour: str | None = None, bold: bool | None = None) -> str:
    return ("<c:txPr><a:bodyPr/><a:lstStyle/><a:p><a:pPr>"
            f"{_defrpr(size, colour, bold)}</a:pPr></a:p></c:txPr>")


def _flags(*, value: bool, percent: bool, leader_lines: bool) -> str:
    shown = {"showLegendKey": False, "showVal": value, "showCatName": False,
             "showSerName": False, "showPercent": percent, "showBubbleSize": False}
    out = "".join(f'<c:{name} val="{int(on)}"/>' for name, on in shown.items())
    return out + ('<c:showLeaderLines val="1"/>' if leader_lines else "")


def _style_text(tx_pr: Any, size: float, colour: str) -> None:
    """The chart's default text: ``size`` points in ``colour``."""
    default = tx_pr.find(f"{{{_A_NS}}}p/{{{_A_NS}}}pPr/{{{_A_NS}}}defRPr")
    default.set("sz", str(round(size * 100)))
    default.extend(_xml(_fill(colour)))


def _native_legend(chart_el: Any, position: str | None) -> None:
    """A legend at ``position`` (``None``: the default, on the right) outside the plot."""
    for old in chart_el.findall(_c("legend")):
        chart_el.remove(old)
    where = "<c:legendPos/>" if position is None else f'<c:legendPos val="{position}"/>'
    layout = "<c:layout/>" if chart_el.find(_c("plotVisOnly")) is not None else ""
    _put(chart_el, f'<c:legend>{where}{layout}<c:overlay val="0"/>{_txpr(SLIDE_FONT_PT)}'
                   "</c:legend>",
         before=("plotVisOnly", "dispBlanksAs", "showDLblsOverMax", "extLst"))


def _style_pie(space: Any, colours: Sequence[str], rtl: bool) -> None:
    """Wedges in the palette with white edges, each labelled with its percentage in a
    colour that reads on it; the legend beside the pie, where the reader starts."""
    chart_el = space.find(_c("chart"))
    pie = chart_el.find(f"{_c('plotArea')}/{_c('pieChart')}")
    ser = pie.find(_c("ser"))
    points = "".join(f'<c:dPt><c:idx val="{i}"/><c:spPr>{_fill(colour)}{_line(WHITE)}'
                     "</c:spPr></c:dPt>" for i, colour in enumerate(colours))
    labels = "".join(
        f'<c:dLbl><c:idx val="{i}"/><c:spPr/>'
        f"{_txpr(SLIDE_FONT_PT, _text_on(colour), True)}"
        f"{_flags(value=False, percent=True, leader_lines=False)}</c:dLbl>"
        for i, colour in enumerate(colours))
    _put(ser, points + f"<c:dLbls>{labels}"
                       f"{_flags(value=False, percent=False, leader_lines=True)}</c:dLbls>",
         before=("cat", "val", "extLst"))
    _put(pie, f"<c:dLbls>{_txpr(SLIDE_FONT_PT, bold=True)}"
              f"{_flags(value=False, percent=True, leader_lines=True)}</c:dLbls>",
         before=("firstSliceAng", "extLst"))
    _native_legend(chart_el, "l" if rtl else None)


def _style_cartesian(space: Any, chart: Chart, n_categories: int, n_series: int,
                     colours: Sequence[str], values: Sequence[float], number_format: str,
                     rtl: bool) -> None:
    """Bars or lines in the palette, light gridlines and no axis line on the value axis,
    value labels on bars when there are few; in a right-to-left deck the categories run
    from the right and the value axis stands there."""
    chart_el = space.find(_c("chart"))
    plot_area = chart_el.find(_c("plotArea"))
    plot = plot_area.find(_c("lineChart" if chart.type == "line" else "barChart"))
    patterned = n_series > PLAIN_SERIES
    for i, (ser, colour) in enumerate(zip(plot.findall(_c("ser")), colours, strict=True)):
        if chart.type == "line":
            symbol = NATIVE_MARKERS[i % len(NATIVE_MARKERS)] if patterned else "circle"
            markup = (f"<c:spPr>{_line(colour, 31750)}</c:spPr>"
                      f'<c:marker><c:symbol val="{symbol}"/><c:size val="7"/>'
                      f"<c:spPr>{_fill(colour)}{_line(WHITE)}</c:spPr></c:marker>")
        else:
            pattern = NATIVE_PATTERNS[i % len(NATIVE_PATTERNS)] if patterned else ""
            fill = (f'<a:pattFill prst="{pattern}"><a:fgClr><a:srgbClr val="{_hex_val(WHITE)}"/>'
                    f'</a:fgClr><a:bgClr><a:srgbClr val="{_hex_val(colour)}"/></a:bgClr>'
                    "</a:pattFill>" if pattern else _fill(colour))
            markup = f'<c:spPr>{fill}</c:spPr><c:invertIfNegative val="0"/>'
        _put(ser, markup, before=("dPt", "dLbls", "trendline", "errBars", "cat", "val"))
    if chart.type != "line":
        for old in plot.findall(_c("overlap")) + plot.findall(_c("gapWidth")):
            plot.remove(old)
        markup = ""
        if chart.type == "bar" and n_categories * n_series <= MAX_VALUE_LABELS:
            markup += (f'<c:dLbls><c:numFmt formatCode="{escape(number_format)}" '
                       f'sourceLinked="0"/>{_txpr(SLIDE_SMALL_FONT_PT, MUTED)}'
                       '<c:dLblPos val="outEnd"/>'
                       f"{_flags(value=True, percent=False, leader_lines=True)}</c:dLbls>")
        markup += '<c:gapWidth val="60"/>'
        overlap = 100 if chart.type == "stacked-bar" else -10 if n_series > 1 else 0
        if overlap:
            markup += f'<c:overlap val="{overlap}"/>'
        _put(plot, markup, before=("serLines", "axId", "extLst"))

    text = _txpr(SLIDE_FONT_PT, INK)
    value_axis = plot_area.find(_c("valAx"))
    value_axis.find(_c("majorGridlines")).extend(
        _xml(f"<c:spPr>{_line(GRID, 9525)}</c:spPr>"))
    spread = max([0.0, *values]) - min([0.0, *values])
    axis_format = "#,##0" if spread >= 5 else number_format
    markup = ""
    if chart.unit:
        markup += ("<c:title><c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:pPr>"
                   f"{_defrpr(SLIDE_SMALL_FONT_PT, MUTED, False)}</a:pPr><a:r>"
                   f"{_defrpr(SLIDE_SMALL_FONT_PT, MUTED, False, tag='rPr')}"
                   f"<a:t>{escape(_clean(chart.unit))}</a:t></a:r></a:p></c:rich></c:tx>"
                   '<c:layout/><c:overlay val="0"/></c:title>')
    markup += f'<c:numFmt formatCode="{escape(axis_format)}" sourceLinked="0"/>'
    _put(value_axis, markup, before=("majorTickMark",))
    _put(value_axis, f"<c:spPr>{_line(None)}</c:spPr>{text}", before=("crossAx",))
    # The brief's scale (value_scale): the same axis, gridlines and top in both.
    low, high, step = value_scale(chart)
    scaling = value_axis.find(_c("scaling"))
    for old in scaling.findall(_c("max")) + scaling.findall(_c("min")):
        scaling.remove(old)
    scaling.extend(_xml(f'<c:max val="{high!r}"/><c:min val="{low!r}"/>'))
    _put(value_axis, f'<c:majorUnit val="{step!r}"/>',
         before=("minorUnit", "dispUnits", "extLst"))
    if rtl:  # the value axis (and its title) on the right, where the reader starts
        value_axis.find(_c("axPos")).set("val", "r")

    if chart.type == "stacked-bar" and n_categories <= MAX_VALUE_LABELS:
        _native_totals(plot_area, plot, chart, n_series, number_format)

    category_axis = plot_area.find(_c("catAx"))
    _put(category_axis, f"<c:spPr>{_line(RULE)}</c:spPr>{text}", before=("crossAx",))
    scaling = category_axis.find(_c("scaling"))
    for orientation in scaling.findall(_c("orientation")):
        scaling.remove(orientation)
    if rtl:
        scaling.extend(_xml('<c:orientation val="maxMin"/>'))

    for axis in (value_axis, category_axis):
        axis.find(_c("majorTickMark")).set("val", "none")
        axis.find(_c("minorTickMark")).set("val", "none")

    if n_series > 1 and chart.type == "stacked-bar":
        # In one column beside the stacks, on the reader's far side, as in the brief;
        # the totals' series is not listed.
        _native_legend(chart_el, "l" if rtl else "r")
        if plot_area.find(_c("lineChart")) is not None:
            _put(chart_el.find(_c("legend")), f'<c:legendEntry><c:idx val="{n_series}"/>'
                 '<c:delete val="1"/></c:legendEntry>', before=("layout", "overlay", "txPr"))
    elif n_series > 1:
        # A row under the plot reads left to right in PowerPoint whatever the language:
        # a right-to-left deck lists the series in a column on the reader's side.
        _native_legend(chart_el, "r" if rtl else "b")
    else:
        for old in chart_el.findall(_c("legend")):
            chart_el.remove(old)


def _native_totals(plot_area: Any, plot: Any, chart: Chart, n_series: int,
                   number_format: str) -> None:
    """Each stack's total above it, as the brief prints it: a line series with neither
    line nor markers, on the bars' axes, labelled with its values and left out of the
    legend (its values are literals: the chart's workbook keeps the data as given)."""
    totals = stack_totals(chart)
    points = "".join(f'<c:pt idx="{i}"><c:v>{total!r}</c:v></c:pt>'
                     for i, total in enumerate(totals))
    names = "".join(f'<c:pt idx="{i}"><c:v>{escape(_clean(c))}</c:v></c:pt>'
                    for i, c in enumerate(chart.categories))
    axes = "".join(f'<c:axId val="{axis.get("val")}"/>' for axis in plot.findall(_c("axId")))
    _put(plot_area, (
        '<c:lineChart><c:grouping val="standard"/><c:varyColors val="0"/>'
        f'<c:ser><c:idx val="{n_series}"/><c:order val="{n_series}"/>'
        "<c:tx><c:v>Total</c:v></c:tx>"
        f"<c:spPr>{_line(None)}</c:spPr>"
        '<c:marker><c:symbol val="none"/></c:marker>'
        f'<c:dLbls><c:numFmt formatCode="{escape(number_format)}" sourceLinked="0"/>'
        f"<c:spPr/>{_txpr(SLIDE_SMALL_FONT_PT, MUTED)}"
        '<c:dLblPos val="t"/>'
        f"{_flags(value=True, percent=False, leader_lines=False)}</c:dLbls>"
        f'<c:cat><c:strLit><c:ptCount val="{len(chart.categories)}"/>{names}</c:strLit></c:cat>'
        f'<c:val><c:numLit><c:formatCode>General</c:formatCode>'
        f'<c:ptCount val="{len(totals)}"/>{points}</c:numLit></c:val>'
        '<c:smooth val="0"/></c:ser>'
        f'<c:marker val="1"/>{axes}</c:lineChart>'),
         before=("catAx", "valAx", "dateAx", "serAx", "dTable", "spPr", "extLst"))
