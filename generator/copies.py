"""Numbered copies: each recipient of an audience gets its own stamped copy of each output.

An output is rendered once per audience; each copy is that output's finished bytes with
a copy line ("Copy 7 of 25 — Ms A. Example, Defence Committee") added on every page,
slide or page top, and optionally a light diagonal watermark naming the recipient:

- **PDF** (pikepdf): a content stream appended to every page, marked as an
  ``/Artifact`` (pagination, so a tagged or archival PDF stays valid), drawn in an
  embedded subset of Liberation Sans, and an Arabic name shaped by HarfBuzz in a subset
  of Noto Sans Arabic, in the order of the bidi algorithm (generator/bidi.py); the
  page's own content streams are untouched (the stamp's stream follows them, after a
  ``q``/``Q`` pair that isolates their state).
- **Deck** (on the package's bytes): a text box on the top band's free end (where no
  logo stands), filled and coloured like the banner, and a rotated, translucent
  watermark box between the banner bands, inserted before each slide's shape tree ends;
  every other byte of the package is the rendered deck's, so that the release gate
  checks a copy against the render (``verify.check_deck_against``).
- **HTML**: a line right after ``<body>``, and a fixed watermark.
- **DOCX** (lxml on the package's XML): a paragraph after the banner in every header part
  (``word/header*.xml``: docx.py writes every header of every section), and a VML
  text-path watermark in it, as Word draws its own watermarks.

Copies live in ``OUT/AUDIENCE/copies/NN-slug/``; each passes the release gate (its
banners, and its copy line on every page and slide) before anything is staged. Stamping
is deterministic: an unsigned copy is byte-for-byte the same on every build.
"""

from __future__ import annotations

import functools
import hashlib
import html
import io
import itertools
import json
import logging
import math
import re
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import bidi
from .errors import Diagnostic

if TYPE_CHECKING:
    from .build import JobResult
    from .content import Project
    from .content.models import Recipient
    from .signing import Signing

COPIES_DIR = "copies"
#: Part of each copy's cache key: a change in how copies are stamped restamps them all
#: (4: right-to-left names are shaped and reordered; a Latin line's bytes are unchanged).
STAMP_VERSION = "4"
FONT_FILE = Path(__file__).parent / "fonts" / "LiberationSans-Regular.ttf"
#: The copy line's Arabic-script letters (Liberation Sans has none): the Noto Sans Arabic
#: shipped to measure decks with (generator/fonts/README.md).
ARABIC_FONT_FILE = Path(__file__).parent / "fonts" / "NotoSansArabic-Regular.ttf"
DECK_FONT_FILE = Path(__file__).parent / "fonts" / "Carlito-Regular.ttf"
COPY_POINTS = 7.0  # the copy line's size: the least the release gate accepts
COPY_PATH = re.compile(r"^(?P<audience>[^/.][^/]*)/" + COPIES_DIR
                       + r"/(?P<folder>\d{2,}(-[a-z0-9-]+)?)/(?P<file>[^/]+)$")


@dataclass(frozen=True)
class Copy:
    """Copy ``number`` of ``total`` of an audience's outputs, for one recipient."""

    audience: str
    number: int
    total: int
    recipient: Recipient

    @property
    def folder(self) -> str:
        """``07-ms-a-example``: the number (as wide as the highest, at least 2 digits) and
        the name in ASCII letters and digits."""
        width = max(2, len(str(self.total)))
        ascii_name = unicodedata.normalize("NFKD", self.recipient.name).encode(
            "ascii", "ignore").decode().lower()
        slug = re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")[:40].strip("-")
        return f"{self.number:0{width}d}" + (f"-{slug}" if slug else "")

    @property
    def line(self) -> str:
        r = self.recipient
        return f"Copy {self.number} of {self.total} \u2014 {r.name}, {r.organisation}"

    @property
    def mark(self) -> str:
        """The watermark's text."""
        return f"Copy {self.number} \u2014 {self.recipient.name}"

    def path(self, output: str) -> str:
        """Where this copy of ``output`` (``AUDIENCE/brief.pdf``) goes."""
        return f"{self.audience}/{COPIES_DIR}/{self.folder}/{output.rsplit('/', 1)[-1]}"


def copies_of(project: Project, audience: str) -> list[Copy]:
    """The audience's copies, numbered in the order its recipients are listed."""
    people = project.recipients.get(audience, ())
    return [Copy(audience, n, len(people), person) for n, person in enumerate(people, 1)]


def is_copy_path(rel: str) -> bool:
    return COPY_PATH.match(rel) is not None


@dataclass
class Made:
    """One copy of one output: ``data`` is None when the copy in the folder is current."""

    copy: Copy
    path: str
    key: str
    sha256: str
    data: bytes | None
    content: str = ""  # SHA-256 of the copy before it was signed (= sha256 if unsigned)
    signer: str = ""  # who signed it, if it was


def make(project: Project, results: Sequence[JobResult], out: Path,
         manifest: dict[str, dict[str, str]], signing: Signing | None = None
         ) -> tuple[list[Made], list[Diagnostic]]:
    """Every copy of every output in ``results`` (built or skipped), stamped, passed
    through the release gate, then (a PDF, with ``signing``) signed; a copy whose inputs
    did not change and whose file is still the one written is not made again. Returns
    the copies and the gate's findings."""
    from . import verify

    made: list[Made] = []
    problems: list[Diagnostic] = []
    for result in results:
        job = result.job
        copies = copies_of(project, job.audience)
        if not copies:
            continue
        watermark = project.audiences[job.audience].model.watermark
        signer = signing if signing is not None and job.format == "pdf" else None
        base: bytes | None = result.data
        for copy in copies:
            path = copy.path(job.path)
            mark = copy.mark if watermark else None
            key = hashlib.sha256(json.dumps(
                [STAMP_VERSION, job.key, copy.line, mark or "",
                 signer.fingerprint if signer else ""]
            ).encode()).hexdigest()
            entry = manifest.get(path)
            if entry and entry.get("key") == key and _sha256(out / path) == entry.get("sha256"):
                made.append(Made(copy, path, key, entry["sha256"], None,
                                 entry.get("content", entry["sha256"]), entry.get("signer", "")))
                continue
            if base is None:
                # skipped: the file is the one written, signed if it was: a copy is made
                # from the revision the release gate passed, without that signature
                base = unsigned((out / job.path).read_bytes())
            data = stamp(job.format, base, copy, watermark, job.edition.audience.rtl)
            found = verify.check_copy(job, data, path, copy.line, base, mark)
            if found:
                problems += found
                continue
            content = hashlib.sha256(data).hexdigest()
            if signer is not None:
                data = signer.sign(data)
            made.append(Made(copy, path, key, hashlib.sha256(data).hexdigest(), data, content,
                             signer.name if signer else ""))
    return made, problems


def unsigned(data: bytes) -> bytes:
    """A PDF as it was before briefgen signed it: the bytes its first signature covers
    (a signature is an incremental update after them), or ``data`` when unsigned."""
    from .signing import FIELD

    marker = f"/T ({FIELD})".encode()
    if not data.startswith(b"%PDF") or marker not in data:
        return data
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        form: Any = pdf.Root.get("/AcroForm")
        for field in (form.get("/Fields") or []) if form is not None else []:
            value = field.get("/V")
            if str(field.get("/T", "")) == FIELD and value is not None:
                start, length = int(value.ByteRange[0]), int(value.ByteRange[1])
                # the signed revision ends where the signature's update begins
                end = data.rfind(b"%%EOF", 0, start + length)
                return data[:end + len(b"%%EOF")] + b"\n" if end >= 0 else data
    return data


def withdrawals(outputs: Iterable[str], project: Project, built: Iterable[str]
                ) -> dict[str, str]:
    """Copies an earlier build wrote (``outputs``, the manifest's paths) that the
    audiences being built (``built``) no longer have: a recipient removed or renumbered,
    or a format dropped. Copies of audiences without a profile are withdrawn with their
    audience by the build."""
    chosen = set(built)
    withdraw: dict[str, str] = {}
    for rel in outputs:
        match = COPY_PATH.match(rel)
        if not match or match["audience"] not in chosen \
                or match["audience"] not in project.audiences:
            continue
        audience = match["audience"]
        formats = project.audiences[audience].model.formats
        wanted = {c.folder for c in copies_of(project, audience)}
        if match["folder"] not in wanted:
            withdraw[rel] = ("its recipient is no longer listed" if wanted
                             else "the audience no longer lists recipients")
        elif not any(rel.endswith("/" + name) for name in _file_names(formats)):
            withdraw[rel] = "its format is no longer among the audience's formats"
    return withdraw


def _file_names(formats: Iterable[str]) -> list[str]:
    from .formats import get_format

    return [get_format(f).file_name for f in formats]


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
    except OSError:
        return None


def stamp(fmt: str, data: bytes, copy: Copy, watermark: bool, rtl: bool = False) -> bytes:
    """``data`` (an output's finished bytes) stamped as ``copy``."""
    mark = copy.mark if watermark else None
    if fmt == "pdf":
        return stamp_pdf(data, copy.line, mark)
    if fmt == "pptx":
        return stamp_deck(data, copy.line, mark, rtl)
    if fmt == "docx":
        return stamp_docx(data, copy.line, mark)
    return stamp_html(data, copy.line, mark)


# -- fonts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Font:
    data: bytes
    cmap: dict[int, str]  # code point -> glyph name
    gids: dict[str, int]
    widths: dict[str, float]  # glyph name -> advance in 1/1000 em
    ascent: int
    descent: int
    bbox: tuple[int, int, int, int]

    gid_widths: dict[int, float]  # glyph id -> advance in 1/1000 em

    def advance(self, text: str) -> float:
        """Width of ``text`` at 1 pt (no kerning: the stamp sets no kerning either); a
        character this font lacks is measured in the Arabic font, which sets it (unjoined:
        an estimate for wrapping and sizing, not what the PDF stamp draws)."""
        total = 0.0
        for c in text:
            font = self if ord(c) in self.cmap else _font(ARABIC_FONT_FILE)
            total += font.widths.get(font.cmap.get(ord(c), ".notdef"), 0.0)
        return total / 1000


@functools.cache
def _font(path: Path = FONT_FILE) -> _Font:
    from fontTools.ttLib import TTFont

    logging.getLogger("fontTools").setLevel(logging.ERROR)
    data = path.read_bytes()
    font = TTFont(io.BytesIO(data))
    scale = 1000 / font["head"].unitsPerEm
    head, hhea = font["head"], font["hhea"]
    gids = {name: font.getGlyphID(name) for name in font.getGlyphOrder()}
    widths = {name: metrics[0] * scale for name, metrics in font["hmtx"].metrics.items()}
    return _Font(data, dict(font.getBestCmap()), gids, widths,
                 round(hhea.ascent * scale), round(hhea.descent * scale),
                 (round(head.xMin * scale), round(head.yMin * scale),
                  round(head.xMax * scale), round(head.yMax * scale)),
                 {gid: widths[name] for name, gid in gids.items()})


def unprintable(text: str) -> list[str]:
    """The characters of ``text`` neither of the copy line's fonts (Liberation Sans,
    Noto Sans Arabic) has a glyph for, and the explicit bidi controls (embeddings,
    overrides, isolates), which the stamp's bidi (generator/bidi.py) does not apply."""
    latin, arabic = _font().cmap, _font(ARABIC_FONT_FILE).cmap
    return sorted({c for c in text if c in bidi.EXPLICIT or (
        ord(c) not in latin and ord(c) not in arabic and not c.isspace())})


#: The characters every stamp's embedded font holds (Latin letters of western and central
#: Europe, dashes and quotes): subsetting is most of a stamp's cost, so the font is
#: subset once per process for these, and again only for a name that needs more.
REPERTOIRE = frozenset(chr(c) for r in ((0x20, 0x7F), (0xA0, 0x180), (0x2010, 0x2027))
                       for c in range(*r))


def _subset(font: _Font, text: str) -> tuple[str, bytes]:
    """A subset of the font holding :data:`REPERTOIRE` and the characters of ``text``,
    and the subset's tag (six letters, from what it holds)."""
    return _subset_of("".join(sorted(set(text) - REPERTOIRE)), font.data)


@functools.lru_cache(maxsize=64)
def _subset_of(extra: str, data: bytes) -> tuple[str, bytes]:
    """Glyph ids are kept, so the content stream can name them directly. Deterministic:
    the font's timestamp is kept, not set to the clock."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    # fontTools logs each table it drops or cannot subset: not a reader's concern.
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    options = subset.Options()
    options.retain_gids = True
    options.recalc_timestamp = False
    options.layout_features = []
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6]
    options.notdef_outline = True
    ttf = TTFont(io.BytesIO(data), recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes={ord(c) for c in REPERTOIRE | set(extra)})
    subsetter.subset(ttf)
    buffer = io.BytesIO()
    ttf.save(buffer)
    tag = "".join(chr(65 + b % 26) for b in hashlib.sha256(extra.encode()).digest()[:6])
    return tag, buffer.getvalue()


# -- shaping ---------------------------------------------------------------------------

#: What a Latin-font character drawn right to left shows (HarfBuzz mirrors an Arabic run's).
_MIRRORED = str.maketrans("()[]{}<>«»‹›", ")(][}{><»«›‹")


@dataclass(frozen=True)
class _Run:
    """Glyphs of one font in one direction, in the order they are drawn (left to right)."""

    arabic: bool  # set in the Arabic font, else in Liberation Sans
    rtl: bool
    text: str  # its characters in logical order
    glyphs: tuple[int, ...]
    advances: tuple[float, ...]  # in 1/1000 em
    offsets: tuple[tuple[float, float], ...]  # each glyph's shift from its pen position
    chars: tuple[str, ...]  # what each glyph stands for, in logical order ("" for nothing)

    @property
    def width(self) -> float:
        """At 1 pt."""
        return sum(self.advances) / 1000


@functools.lru_cache(maxsize=256)
def _layout(text: str) -> tuple[_Run, ...]:
    """``text`` as drawn, from left to right: runs of one bidi level and one font, in
    the order UAX #9 draws them (generator/bidi.py). The line is left to right in every
    audience, as an untranslated English paragraph of an Arabic brief is ("Copy 3 of 12
    —" is English): an Arabic name reads right to left inside it (and PDF readers' own
    bidi, pdfium's and poppler's, read a right-to-left line with Latin words in it out
    of order). An Arabic run is shaped by HarfBuzz (joined forms, ligatures); a Latin one
    is drawn a glyph per character without kerning, as the stamp always has (a Latin
    line's stamp is unchanged)."""
    levels = bidi.levels(text)
    arabic = _in_arabic(text, levels)
    spans: list[tuple[int, int]] = []
    start = 0
    for end in range(1, len(text) + 1):
        if end == len(text) or (levels[end], arabic[end]) != (levels[start], arabic[start]):
            spans.append((start, end))
            start = end
    order = bidi.visual([levels[s] for s, _ in spans])
    return tuple(_shape(text[s:e], levels[s] % 2 == 1, arabic[s])
                 for s, e in (spans[k] for k in order))


def _in_arabic(text: str, levels: Sequence[int]) -> list[bool]:
    """Which characters are set in the Arabic font: those only it has, right-to-left
    letters and Arabic digits; the ones both have (spaces, punctuation, digits, marks)
    go with the character before them at their level (else the one after), so that an
    Arabic name is shaped as one run, spaces included."""
    latin, arabic = _font().cmap, _font(ARABIC_FONT_FILE).cmap
    which: list[bool | None] = []
    for c in text:
        kind = unicodedata.bidirectional(c)
        which.append(ord(c) in arabic if ord(c) not in latin else
                     False if ord(c) not in arabic or kind == "L" else
                     True if kind in ("R", "AL", "AN") else None)
    for indices, step in ((range(len(text)), -1), (range(len(text) - 1, -1, -1), 1)):
        for i in indices:
            near = i + step
            if which[i] is None and 0 <= near < len(text) and levels[near] == levels[i]:
                which[i] = which[near]
    return [bool(levels[i] % 2) if w is None else w for i, w in enumerate(which)]


def _shape(text: str, rtl: bool, arabic: bool) -> _Run:
    if not arabic:
        font = _font()
        shown = text[::-1].translate(_MIRRORED) if rtl else text
        glyphs = tuple(font.gids[font.cmap.get(ord(c), ".notdef")] for c in shown)
        return _Run(False, rtl, text, glyphs, tuple(font.gid_widths[g] for g in glyphs),
                    ((0.0, 0.0),) * len(glyphs), tuple(shown))
    import uharfbuzz as hb

    buffer = hb.Buffer()
    buffer.add_codepoints([ord(c) for c in text])  # clusters: indices into text
    buffer.direction = "rtl" if rtl else "ltr"
    buffer.script = "Arab"
    buffer.language = "ar"
    # a mark its own cluster: fewer glyphs stand for several characters
    buffer.cluster_level = hb.BufferClusterLevel.MONOTONE_CHARACTERS
    # invisible controls (a right-to-left mark, a zero-width non-joiner) do their work
    # and draw nothing, not even a zero-width space glyph, which would then stand for
    # them in the ToUnicode map instead of for a space
    buffer.flags = hb.BufferFlags.REMOVE_DEFAULT_IGNORABLES
    font, scale = _hb_font()
    hb.shape(font, buffer, {})
    infos, positions = buffer.glyph_infos, buffer.glyph_positions
    ends = dict(itertools.pairwise([*sorted({info.cluster for info in infos}), len(text)]))
    chars = [""] * len(infos)
    seen: set[int] = set()
    # each cluster's characters go to its first glyph in logical order (HarfBuzz gives a
    # right-to-left run's glyphs in visual order: the last first)
    for i in (range(len(infos) - 1, -1, -1) if rtl else range(len(infos))):
        cluster = infos[i].cluster
        if cluster not in seen:
            seen.add(cluster)
            chars[i] = "".join(c for c in text[cluster:ends[cluster]]
                               if unicodedata.category(c) != "Cf")
    return _Run(True, rtl, text, tuple(info.codepoint for info in infos),
                tuple(p.x_advance * scale for p in positions),
                tuple((p.x_offset * scale, p.y_offset * scale) for p in positions),
                tuple(chars))


@functools.cache
def _hb_font() -> tuple[Any, float]:
    """The Arabic font for HarfBuzz, and its units' size in 1/1000 em."""
    import uharfbuzz as hb

    face = hb.Face(_font(ARABIC_FONT_FILE).data)
    return hb.Font(face), 1000 / face.upem


# -- PDF -------------------------------------------------------------------------------


def _pdf_font(pdf: Any, font: _Font, text: str) -> Any:
    """A Type 0 font (Identity-H, glyph ids as codes) embedding the subset of ``text``,
    with a ToUnicode map so that the copy line is extracted as text."""
    used = sorted({c for c in text})
    glyphs = {c: font.gids[font.cmap[ord(c)]] for c in used if ord(c) in font.cmap}
    tag, program = _subset(font, text)
    return _type0(pdf, font, f"{tag}+LiberationSans", program,
                  {gid: c for c, gid in glyphs.items()})


def _pdf_arabic_font(pdf: Any, runs: Sequence[_Run]) -> Any:
    """The Type 0 font of the Arabic runs: the Arabic font cut down to the glyphs they
    show, each glyph mapped back to the characters it stands for (a ligature to all of
    them, in logical order); a glyph that stands for different characters in two places
    keeps the first (the runs' ActualText still reads right)."""
    font = _font(ARABIC_FONT_FILE)
    meaning: dict[int, str] = {}
    for run in runs:
        for gid, chars in zip(run.glyphs, run.chars, strict=True):
            if chars:
                meaning.setdefault(gid, chars)
    gids = tuple(sorted({g for run in runs for g in run.glyphs}))
    tag = "".join(chr(65 + b % 26) for b in hashlib.sha256(repr(gids).encode()).digest()[:6])
    return _type0(pdf, font, f"{tag}+NotoSansArabic", _glyph_subset(font.data, gids),
                  meaning, gids)


@functools.lru_cache(maxsize=64)
def _glyph_subset(data: bytes, gids: tuple[int, ...]) -> bytes:
    """The font with only the glyphs ``gids`` (and .notdef), at their ids, as drawn
    (layout tables dropped). A name's shaped glyphs are known only once it is shaped, so
    each name is subset once (cached), by HarfBuzz's subsetter, in well under a
    millisecond; deterministic (nothing from the clock)."""
    import uharfbuzz as hb

    wanted = hb.SubsetInput()
    wanted.glyph_set.update(gids)
    wanted.drop_table_tag_set.update(
        int.from_bytes(t, "big") for t in (b"GSUB", b"GPOS", b"GDEF", b"DSIG"))
    wanted.flags = (hb.SubsetFlags.RETAIN_GIDS | hb.SubsetFlags.NOTDEF_OUTLINE
                    | hb.SubsetFlags.NO_LAYOUT_CLOSURE)
    face = hb.subset(hb.Face(data), wanted)
    if face is None:
        raise ValueError("the copy line's Arabic font could not be subset")
    return bytes(face.blob.data)


def _type0(pdf: Any, font: _Font, name: str, program: bytes, meaning: dict[int, str],
           gids: Iterable[int] | None = None) -> Any:
    """A Type 0 font embedding ``program``, with a width for each glyph of ``gids``
    (else of ``meaning``) and a ToUnicode map giving each glyph's ``meaning``."""
    import pikepdf
    from pikepdf import Array, Dictionary, Name

    base = Name(f"/{name}")
    file = _deflated(pdf, program)
    descriptor = pdf.make_indirect(Dictionary(
        Type=Name.FontDescriptor, FontName=base, Flags=32,
        FontBBox=Array(list(font.bbox)), ItalicAngle=0, Ascent=font.ascent,
        Descent=font.descent, CapHeight=font.ascent, StemV=80, FontFile2=file))
    widths: list[Any] = []
    for gid in sorted(set(meaning if gids is None else gids)):
        widths += [gid, Array([round(font.gid_widths[gid])])]
    cid = pdf.make_indirect(Dictionary(
        Type=Name.Font, Subtype=Name.CIDFontType2, BaseFont=base,
        CIDSystemInfo=Dictionary(Registry=pikepdf.String("Adobe"),
                                 Ordering=pikepdf.String("Identity"), Supplement=0),
        FontDescriptor=descriptor, W=Array(widths), CIDToGIDMap=Name.Identity, DW=0))
    entries = "\n".join(f"<{gid:04X}> <{''.join(f'{u:04X}' for u in _utf16(chars))}>"
                        for gid, chars in sorted(meaning.items()))
    cmap = (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        f"{len(meaning)} beginbfchar\n{entries}\nendbfchar\n"
        "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
    return pdf.make_indirect(Dictionary(
        Type=Name.Font, Subtype=Name.Type0, BaseFont=base, Encoding=Name("/Identity-H"),
        DescendantFonts=Array([cid]), ToUnicode=_deflated(pdf, cmap.encode("ascii"))))


def _deflated(pdf: Any, data: bytes) -> Any:
    """A stream of ``data``, deflated."""
    from pikepdf import Name

    stream = pdf.make_stream(zlib.compress(data, 9))
    stream.Filter = Name.FlateDecode
    return stream


def _utf16(text: str) -> list[int]:
    data = text.encode("utf-16-be")
    return [int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2)]


def _shown(runs: Sequence[_Run], size: float) -> str:
    """The operators drawing ``runs`` at ``size`` from the text position on, the Latin
    font (``/BGCopy``) being the current one; an Arabic run in ``/BGCopyA``, placed as
    HarfBuzz shaped it. A right-to-left run is in a span whose ActualText is its
    characters: pdfium and poppler read a span's text instead of its glyphs, spread over
    it from left to right, and then apply their bidi to it as to drawn glyphs, so the
    span holds the characters in the order drawn, which those readers turn back to
    logical order (a word space in a drawn run would break their bidi into words). pypdf
    reads the glyphs' ToUnicode (a ligature's characters in logical order) and reverses
    the run itself."""
    ops: list[str] = []
    current = "/BGCopy"
    for run in runs:
        name = "/BGCopyA" if run.arabic else "/BGCopy"
        if name != current:
            ops.append(f"{name} {_num(size)} Tf")
            current = name
        if run.rtl:
            drawn = run.text[::-1].translate(_MIRRORED)
            ops.append("/Span <</ActualText <FEFF"
                       + "".join(f"{u:04X}" for u in _utf16(drawn)) + ">>> BDC")
        if run.arabic:
            ops += _positioned(run, size)
        else:
            ops.append("<" + "".join(f"{g:04X}" for g in run.glyphs) + "> Tj")
        if run.rtl:
            ops.append("EMC")
    return " ".join(ops)


def _positioned(run: _Run, size: float) -> list[str]:
    """``TJ`` operators drawing a shaped run: each glyph advances by its shaped width
    (the font's own, mostly: a ``TJ`` number corrects the rest) and is shifted by its
    offset (across: ``TJ`` numbers around it; up: the text rise, ``Ts``)."""
    font = _font(ARABIC_FONT_FILE)
    ops: list[str] = []
    items: list[str] = []

    def flush() -> None:
        if items:
            ops.append("[" + " ".join(items).replace("> <", "") + "] TJ")
            items.clear()

    for gid, advance, (dx, dy) in zip(run.glyphs, run.advances, run.offsets, strict=True):
        if dy:
            flush()
            ops.append(f"{_num(dy * size / 1000)} Ts")
        if dx:
            items.append(_num(-dx))
        items.append(f"<{gid:04X}>")
        # a TJ number moves the next glyph back by that many thousandths of an em
        rest = font.gid_widths.get(gid, 0.0) + dx - advance
        if abs(rest) >= 0.0005:
            items.append(_num(rest))
        if dy:
            flush()
            ops.append("0 Ts")
    flush()
    return ops


def _num(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


#: The watermark's opacity and grey: light enough to read the page through.
WATERMARK_OPACITY = 0.12
WATERMARK_ANGLE = 40.0  # degrees, counter-clockwise
COPY_BASELINE = 10.0  # points above the page's bottom edge (the built-in banner: 23+)


def stamp_pdf(data: bytes, line: str, mark: str | None = None) -> bytes:
    """Every page of the PDF with ``line`` centred at its foot (and ``mark`` across it)."""
    import pikepdf
    from pikepdf import Dictionary, Name

    runs = _layout(line)
    marks = _layout(mark) if mark else ()
    arabic = [run for run in (*runs, *marks) if run.arabic]
    with pikepdf.open(io.BytesIO(data)) as pdf:
        type0 = _pdf_font(pdf, _font(), "".join(r.text for r in (*runs, *marks)
                                                if not r.arabic))
        fonts = [("/BGCopy", type0)]
        if arabic:
            fonts.append(("/BGCopyA", _pdf_arabic_font(pdf, arabic)))
        state = pdf.make_indirect(Dictionary(Type=Name.ExtGState, ca=WATERMARK_OPACITY,
                                             CA=WATERMARK_OPACITY))
        save = pdf.make_stream(b"q\n")
        for page in pdf.pages:
            left, bottom, right, top = (float(v) for v in page.mediabox)
            width, height = right - left, top - bottom
            size = COPY_POINTS
            x = left + (width - sum(r.width for r in runs) * size) / 2
            ops = ["Q",  # the page's own graphics state ends here
                   "/Artifact <</Type /Pagination /Subtype /Footer>> BDC",
                   f"q BT /BGCopy {_num(size)} Tf 0 0 0 rg 1 0 0 1 {_num(x)} "
                   f"{_num(bottom + COPY_BASELINE)} Tm {_shown(runs, size)} ET Q", "EMC"]
            if mark:
                ops += _watermark_ops(marks, (left, bottom, width, height))
            resources = page.obj.get("/Resources")
            if resources is None:
                resources = page.obj.Resources = Dictionary()
            for kind, key, value in (*(("/Font", k, f) for k, f in fonts),
                                     ("/ExtGState", "/BGCopyGS", state)):
                if kind not in resources:
                    resources[kind] = Dictionary()
                resources[kind][key] = value
            page.contents_add(save, prepend=True)
            page.contents_add(_deflated(pdf, ("\n".join(ops) + "\n").encode("ascii")))
        out = io.BytesIO()
        # The file's /ID is a hash of its content: a copy is the same bytes every time.
        pdf.save(out, deterministic_id=True)
    return out.getvalue()


def _watermark_ops(runs: Sequence[_Run], box: tuple[float, float, float, float]
                   ) -> list[str]:
    """The diagonal watermark, centred, kept out of the top and bottom 12 % of the page
    (where the banners and the copy line stand)."""
    left, bottom, width, height = box
    angle = math.radians(WATERMARK_ANGLE)
    cos, sin = math.cos(angle), math.sin(angle)
    length = sum(r.width for r in runs)
    size = min(60.0, 0.8 * width / (length * cos + sin),
               0.7 * height / (length * sin + cos))
    cx, cy = left + width / 2, bottom + height / 2
    half, rise = length * size / 2, size * 0.35
    tx = cx - cos * half + sin * rise
    ty = cy - sin * half - cos * rise
    return ["/Artifact <</Type /Pagination /Subtype /Watermark>> BDC",
            f"q /BGCopyGS gs BT /BGCopy {_num(size)} Tf 0.3 g {_num(cos)} {_num(sin)} "
            f"{_num(-sin)} {_num(cos)} {_num(tx)} {_num(ty)} Tm {_shown(runs, size)} ET Q",
            "EMC"]


# -- deck ------------------------------------------------------------------------------

_P = "http://schemas.openxmlformats.org/presentationml/2006/main"
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
EMU_PER_INCH = 914400
EMU_PER_POINT = 12700
BAND = int(0.4 * EMU_PER_INCH)  # the deck's banner bands (generator/render/deck.py)
BAND_SIDE = int(2.4 * EMU_PER_INCH)  # the ends of a band
INSET_X = int(0.1 * EMU_PER_INCH)
INSET_Y = int(0.05 * EMU_PER_INCH)


def stamp_deck(data: bytes, line: str, mark: str | None = None, rtl: bool = False) -> bytes:
    """Every slide with ``line`` on the top band's free end, and ``mark`` across it.

    Only the slides change: each is the rendered slide's bytes with the copy's shapes
    inserted before its shape tree's end tag, and every other member of the package is
    copied as it is, compressed bytes and all (so that the release gate can check a copy
    against the verified render, and a copy costs a small part of a render)."""
    deck = _deck_parts(data)
    stamp = _DeckStamp.of(line, mark, deck.width, deck.height, rtl)
    out = bytearray()
    central = bytearray()
    deflated: dict[bytes, bytes] = {}  # most slides end alike
    for info, part in deck.members:
        offset = len(out)
        if isinstance(part, tuple):
            record, entry = part
            out += record
            central += entry[:42] + offset.to_bytes(4, "little") + entry[46:]
            continue
        added = stamp.xml(deck.first_id, part.fill, part.ink) + part.tail
        if added not in deflated:
            squeeze = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
            deflated[added] = squeeze.compress(added) + squeeze.flush()
        body = part.deflated + deflated[added]
        crc = zlib.crc32(added, part.crc)
        size = part.size + len(added)
        name = _zip_name(info)
        out += _LOCAL.pack(b"PK\x03\x04", info.extract_version, info.reserved,
                           info.flag_bits, zipfile.ZIP_DEFLATED, *_dos_time(info), crc,
                           len(body), size, len(name), 0) + name + body
        central += _central_record(info, crc, len(body), size, offset, zipfile.ZIP_DEFLATED)
    count = len(deck.members)
    return bytes(out + central + _END.pack(b"PK\x05\x06", 0, 0, count, count, len(central),
                                           len(out), 0))


_LOCAL = struct.Struct("<4s2B4HL2L2H")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_END = struct.Struct("<4s4H2LH")


def _zip_name(info: zipfile.ZipInfo) -> bytes:
    return info.filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437")


def _dos_time(info: zipfile.ZipInfo) -> tuple[int, int]:
    year, month, day, hour, minute, second = info.date_time
    return (hour << 11 | minute << 5 | second // 2,
            (year - 1980) << 9 | month << 5 | day)


def _central_record(info: zipfile.ZipInfo, crc: int, packed: int, size: int, offset: int,
                    method: int | None = None) -> bytes:
    name = _zip_name(info)
    return _CENTRAL.pack(
        b"PK\x01\x02", info.create_version, info.create_system, info.extract_version,
        info.reserved, info.flag_bits, info.compress_type if method is None else method,
        *_dos_time(info), crc, packed, size, len(name), len(info.extra), len(info.comment),
        0, info.internal_attr, info.external_attr, offset) + name + info.extra + info.comment


@dataclass(frozen=True)
class _DeckSlide:
    """A rendered slide split where a copy's shapes go (its shape tree's end tag)."""

    deflated: bytes  # the part before, raw-deflated and flushed to a byte boundary
    crc: int  # CRC-32 of the part before
    size: int  # its length
    tail: bytes  # the part from the end tag on
    fill: str  # the top banner's fill and text colour (the copy line wears them)
    ink: str


@dataclass(frozen=True)
class _Deck:
    width: int
    height: int
    #: The first shape id no slide uses: the copy's shapes have the same ids on every
    #: slide, so that most slides get the same shapes (the gate checks each once).
    first_id: int
    #: Each member of the package in order: a slide, or (any other part) its local file
    #: record as it stands in the rendered package (header, name, compressed bytes) and
    #: its central directory entry (its offset to be set).
    members: tuple[tuple[zipfile.ZipInfo, _DeckSlide | tuple[bytes, bytes]], ...]


@functools.lru_cache(maxsize=4)
def _deck_parts(data: bytes) -> _Deck:
    """The rendered deck taken apart once for all its copies."""
    from lxml import etree

    source = zipfile.ZipFile(io.BytesIO(data))
    presentation = etree.fromstring(source.read("ppt/presentation.xml"))
    size = presentation.find(f"{{{_P}}}sldSz")
    members: list[tuple[zipfile.ZipInfo, _DeckSlide | tuple[bytes, bytes]]] = []
    ids = [1]
    for info in source.infolist():
        if info.flag_bits & 0x9 or info.extra or info.file_size >= 0xFFFFFFFF:
            # encrypted, sizes after the data, ZIP64: not what the deck writer makes
            raise ValueError(f"{info.filename}: a zip member briefgen cannot copy as it is")
        if not re.fullmatch(r"ppt/slides/slide\d+\.xml", info.filename):
            start = info.header_offset
            header = _LOCAL.unpack_from(data, start)
            end = start + _LOCAL.size + header[10] + header[11] + info.compress_size
            members.append((info, (data[start:end], _central_record(
                info, info.CRC, info.compress_size, info.file_size, 0))))
            continue
        xml = source.read(info)
        root = etree.fromstring(xml)
        tree = root.find(f"{{{_P}}}cSld/{{{_P}}}spTree")
        cut = shape_tree_end(xml, tree)
        if cut < 0 and tree is not None:
            # the tag also stands in a comment or the like (a master's placeholder may
            # bring one): the slide without them; its copies are then gated in full
            etree.strip_elements(root, etree.Comment, etree.ProcessingInstruction,
                                 with_tail=False)
            xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                 standalone=True)
            cut = shape_tree_end(xml, tree)
        if cut < 0:
            raise ValueError(f"{info.filename}: no shape tree to add a copy's shapes to")
        ids += [int(e.get("id", "0")) for e in root.iter(f"{{{_P}}}cNvPr")
                if e.get("id", "").isdigit()]
        squeeze = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
        head = xml[:cut]
        # a full flush ends the stream on a byte boundary without history: each copy's
        # rest of the slide is deflated on its own and appended
        deflated = squeeze.compress(head) + squeeze.flush(zlib.Z_FULL_FLUSH)
        members.append((info, _DeckSlide(deflated, zlib.crc32(head), len(head), xml[cut:],
                                         *_banner_colours(tree))))
    return _Deck(int(size.get("cx")), int(size.get("cy")), max(ids) + 1, tuple(members))


def shape_tree_end(xml: bytes, tree: Any) -> int:
    """Where the end tag of ``tree`` (a slide's ``p:spTree``, parsed from ``xml``) begins
    in ``xml``, or -1 if it cannot be told for sure. The tag is written with the element's
    own prefix; ``<`` stands for itself nowhere but in markup, comments, CDATA and
    processing instructions, and the tag found there as well would make two: so one
    occurrence is the end tag."""
    if tree is None or not len(tree):
        return -1
    tag = f"</{tree.prefix}:spTree" if tree.prefix else "</spTree"
    found = [m.start() for m in re.finditer(re.escape(tag.encode()) + rb"[ \t\r\n]*>", xml)]
    return found[0] if len(found) == 1 else -1


@dataclass(frozen=True)
class _DeckStamp:
    """A copy's shapes, laid out once for every slide of its deck."""

    lines: tuple[str, ...]
    watermark: str  # the watermark shape after its id, or "" for none
    width: int
    side: int
    box_height: int
    rtl: bool

    @staticmethod
    @functools.lru_cache(maxsize=64)
    def of(line: str, mark: str | None, width: int, height: int, rtl: bool) -> _DeckStamp:
        side = min(BAND_SIDE, width // 4)
        lines = _wrap(_font(DECK_FONT_FILE), line, (side - 2 * INSET_X) / EMU_PER_POINT,
                      COPY_POINTS)
        box_height = max(BAND, round(len(lines) * COPY_POINTS * 1.2 * EMU_PER_POINT)
                         + 2 * INSET_Y)
        return _DeckStamp(tuple(lines), _watermark_shape(mark, width, height) if mark else "",
                          width, side, box_height, rtl)

    def xml(self, first_id: int, fill: str, ink: str) -> bytes:
        """The shapes for a slide whose shapes' ids are below ``first_id`` and whose top
        banner is ``ink`` on ``fill``: the watermark (if any) and, last, above all else,
        the copy line."""
        left = 0 if self.rtl else self.width - self.side
        runs = "<a:br/>".join(
            _deck_runs(text, f'sz="{int(COPY_POINTS * 100)}" b="1" dirty="0"',
                       f'<a:solidFill><a:srgbClr val="{ink}"/></a:solidFill>')
            for text in self.lines)
        watermark = f"{_SHAPE_OPEN}{first_id + 1}{self.watermark}" if self.watermark else ""
        shapes = watermark + (
            f'{_SHAPE_OPEN}{first_id}" name="Copy Line"/><p:cNvSpPr txBox="1"/><p:nvPr/>'
            f"</p:nvSpPr><p:spPr>"
            f'<a:xfrm><a:off x="{left}" y="0"/><a:ext cx="{self.side}" '
            f'cy="{self.box_height}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/>'
            f'</a:prstGeom><a:solidFill><a:srgbClr val="{fill}"/></a:solidFill></p:spPr>'
            f'<p:txBody><a:bodyPr wrap="square" lIns="{INSET_X}" tIns="{INSET_Y}" '
            f'rIns="{INSET_X}" bIns="{INSET_Y}" anchor="ctr"><a:noAutofit/></a:bodyPr>'
            f'<a:lstStyle/><a:p><a:pPr algn="{"l" if self.rtl else "r"}"/>{runs}</a:p>'
            f"</p:txBody></p:sp>")
        return shapes.encode("utf-8")


def _banner_colours(tree: Any) -> tuple[str, str]:
    """The fill and text colour of the slide's top banner (the copy line wears them), or
    white and black."""
    for shape in tree.iter(f"{{{_P}}}sp"):
        name = next((e.get("name") for e in shape.iter(f"{{{_P}}}cNvPr")), "")
        if name != "Banner Top":
            continue
        fill = shape.find(f"{{{_P}}}spPr/{{{_A}}}solidFill/{{{_A}}}srgbClr")
        ink = next(shape.iter(f"{{{_A}}}rPr"), None)
        colour = ink.find(f"{{{_A}}}solidFill/{{{_A}}}srgbClr") if ink is not None else None
        if fill is not None and colour is not None and fill.get("val") and colour.get("val"):
            return str(fill.get("val")), str(colour.get("val"))
    return "FFFFFF", "000000"


def _wrap(font: _Font, text: str, width: float, size: float) -> list[str]:
    """``text`` broken at spaces into lines at most ``width`` points wide (the copy line
    is bold in the deck: its width is estimated 8 % wider than regular)."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if current and font.advance(candidate) * size * 1.08 > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    return [*lines, current]


#: How every shape a copy adds begins, up to its id.
_SHAPE_OPEN = f'<p:sp xmlns:p="{_P}" xmlns:a="{_A}"><p:nvSpPr><p:cNvPr id="'


def _watermark_shape(mark: str, width: int, height: int) -> str:
    """A translucent text box turned 30 degrees, between the banner bands: the shape's
    XML after its id (which differs from slide to slide)."""
    font = _font(DECK_FONT_FILE)
    angle = math.radians(30)
    cos, sin = math.cos(angle), math.sin(angle)
    length = font.advance(mark) * 1.08  # bold
    room_w, room_h = 0.85 * width / EMU_PER_POINT, 0.8 * (height - 2 * BAND) / EMU_PER_POINT
    size = min(54.0, room_w / (length * cos + 1.6 * sin), room_h / (length * sin + 1.6 * cos))
    box_w = round((length * size + 20) * EMU_PER_POINT)
    box_h = round(size * 1.6 * EMU_PER_POINT)
    x, y = (width - box_w) // 2, (height - box_h) // 2
    return (
        '" name="Copy Watermark"/><p:cNvSpPr txBox="1"/><p:nvPr/></p:nvSpPr><p:spPr>'
        f'<a:xfrm rot="-{30 * 60000}"><a:off x="{x}" y="{y}"/>'
        f'<a:ext cx="{box_w}" cy="{box_h}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/>'
        f'</a:prstGeom><a:noFill/></p:spPr><p:txBody><a:bodyPr wrap="none" lIns="0" '
        f'tIns="0" rIns="0" bIns="0" anchor="ctr"><a:noAutofit/></a:bodyPr><a:lstStyle/>'
        f'<a:p><a:pPr algn="ctr"/>'
        + _deck_runs(mark, f'sz="{int(size * 100)}" b="1" dirty="0"',
                     '<a:solidFill><a:srgbClr val="808080"><a:alpha val="22000"/>'
                     "</a:srgbClr></a:solidFill>")
        + "</a:p></p:txBody></p:sp>")


#: The complex-script typeface of a deck copy's Arabic runs: Noto Sans Arabic, whose
#: metrics the stamp wraps with (the deck's own text names Arial, which LibreOffice
#: replaces with Liberation Sans and then takes Arabic letters from a fallback it
#: exports without their text). Where it is not installed, the Arabic character set and
#: the sans-serif family let PowerPoint substitute a sans-serif font with Arabic.
DECK_COMPLEX_FONT = '<a:cs typeface="Noto Sans Arabic" pitchFamily="34" charset="-78"/>'


def _deck_runs(text: str, props: str, fill: str) -> str:
    """``text`` as DrawingML runs with the attributes ``props`` and the fill ``fill``.
    A stretch in Arabic script (a name) is a run of its own, in Arabic (``lang``) and in
    the complex-script typeface: PowerPoint and LibreOffice shape it and set it right to
    left inside the left-to-right line themselves (as in the PDF copy)."""
    arabic = _in_arabic(text, bidi.levels(text))
    runs = []
    start = 0
    for end in range(1, len(text) + 1):
        if end < len(text) and arabic[end] == arabic[start]:
            continue
        script = (' lang="ar-SA" altLang="en-GB"', DECK_COMPLEX_FONT
                  ) if arabic[start] else (' lang="en-GB"', "")
        runs.append(f"<a:r><a:rPr{script[0]} {props}>{fill}{script[1]}</a:rPr>"
                    f"<a:t>{html.escape(text[start:end], quote=False)}</a:t></a:r>")
        start = end
    return "".join(runs)


# -- HTML ------------------------------------------------------------------------------

_BODY = re.compile(rb"<body\b[^>]*>", re.IGNORECASE)
COPY_STYLE = ("display:block;margin:0;padding:0.3rem 1rem;font:600 0.8rem/1.3 sans-serif;"
              "color:#000;background:#fff;text-align:center;border-bottom:1px solid #000")
WATERMARK_STYLE = ("position:fixed;top:50%;left:50%;transform:translate(-50%,-50%) "
                   "rotate(-30deg);font:700 3.5rem/1 sans-serif;color:rgba(0,0,0,0.08);"
                   "white-space:nowrap;pointer-events:none;z-index:1")


def stamp_html(data: bytes, line: str, mark: str | None = None) -> bytes:
    """The page with ``line`` first in its body (and ``mark`` fixed across the window)."""
    found = _BODY.search(data)
    if found is None:  # the gate refuses a page without a body anyway
        return data
    added = (f'\n<div class="briefgen-copy" role="note" style="{COPY_STYLE}">'
             f"{html.escape(line, quote=False)}</div>")
    if mark:
        added += (f'\n<div class="briefgen-watermark" aria-hidden="true" '
                  f'style="{WATERMARK_STYLE}">{html.escape(mark, quote=False)}</div>')
    return data[:found.end()] + added.encode("utf-8") + data[found.end():]


# -- DOCX ------------------------------------------------------------------------------

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_V = "urn:schemas-microsoft-com:vml"
_O = "urn:schemas-microsoft-com:office:office"
_W10 = "urn:schemas-microsoft-com:office:word"
_HEADER_PART = re.compile(r"word/header\d*\.xml")
DOCX_FONT = "Liberation Sans"
#: The watermark's turn (Word's own diagonal watermark: 315, i.e. 45 degrees up) and fill.
DOCX_WATERMARK_ROTATION = 315
DOCX_WATERMARK_FILL = "#C0C0C0"
DOCX_WATERMARK_OPACITY = ".5"
TWIPS_PER_POINT = 20
#: Word's text-path shape type (the one its *Design ▸ Watermark* writes).
_TEXT_PATH_TYPE = (
    f'<v:shapetype xmlns:v="{_V}" xmlns:o="{_O}" id="_x0000_t136" coordsize="21600,21600" '
    'o:spt="136" adj="10800" path="m@7,l@8,m@5,21600l@6,21600e"><v:formulas>'
    + "".join(f'<v:f eqn="{eqn}"/>' for eqn in (
        "sum #0 0 10800", "prod #0 2 1", "sum 21600 0 @1", "sum 0 0 @2", "sum 21600 0 @3",
        "if @0 @3 0", "if @0 21600 @1", "if @0 0 @2", "if @0 @4 21600", "mid @5 @6",
        "mid @8 @5", "mid @7 @8", "mid @6 @7", "sum @6 0 @5"))
    + '</v:formulas><v:path textpathok="t" o:connecttype="custom" '
    'o:connectlocs="@9,0;@10,10800;@11,21600;@12,10800" '
    'o:connectangles="270,180,90,0"/><v:textpath on="t" fitshape="t"/><v:handles>'
    '<v:h position="#0,bottomRight" xrange="6629,14971"/></v:handles>'
    '<o:lock v:ext="edit" text="t" shapetype="t"/></v:shapetype>')


def stamp_docx(data: bytes, line: str, mark: str | None = None) -> bytes:
    """Every header part of the Word document with ``line`` as a paragraph after its
    banner (and ``mark`` as a light diagonal watermark anchored in it). The package keeps
    its member order, timestamps and file attributes."""
    from lxml import etree

    source = zipfile.ZipFile(io.BytesIO(data))
    text_width = _docx_text_width(etree.fromstring(source.read("word/document.xml")))
    out = io.BytesIO()
    number = 0
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info)
            if _HEADER_PART.fullmatch(info.filename):
                number += 1
                body = _stamp_header(body, line, mark, number, text_width)
            copy = zipfile.ZipInfo(info.filename, info.date_time)
            copy.compress_type = info.compress_type
            copy.create_system = info.create_system
            copy.external_attr = info.external_attr
            target.writestr(copy, body, compresslevel=6)
    return out.getvalue()


def _docx_text_width(document: Any) -> float:
    """The narrowest text width of the document's sections, in points (6.5 in if none
    says)."""
    widths = []
    for sect in document.iter(f"{{{_W}}}sectPr"):
        size, margins = sect.find(f"{{{_W}}}pgSz"), sect.find(f"{{{_W}}}pgMar")
        try:
            width = int(size.get(f"{{{_W}}}w"))
            if margins is not None:
                width -= int(margins.get(f"{{{_W}}}left", "0")) + int(
                    margins.get(f"{{{_W}}}right", "0"))
        except (AttributeError, TypeError, ValueError):
            continue
        if width > 0:
            widths.append(width / TWIPS_PER_POINT)
    return min(widths, default=468.0)


def _stamp_header(xml: bytes, line: str, mark: str | None, number: int,
                  text_width: float) -> bytes:
    from copy import deepcopy

    from lxml import etree

    root = etree.fromstring(xml)
    w = f"{{{_W}}}"
    banner = next((p for p in root.iter(f"{w}p")
                   if "".join(t.text or "" for t in p.iter(f"{w}t")).strip()), None)
    paragraph = etree.Element(f"{w}p")
    own = banner.find(f"{w}pPr") if banner is not None else None
    if own is not None:  # the banner's style, alignment and direction
        props = deepcopy(own)
        for child in props.findall(f"{w}rPr"):
            props.remove(child)
        paragraph.append(props)
    else:
        props = etree.SubElement(paragraph, f"{w}pPr")
        etree.SubElement(props, f"{w}jc").set(f"{w}val", "center")
    if mark:
        paragraph.append(_docx_watermark(mark, number, text_width))
    run = etree.SubElement(paragraph, f"{w}r")
    run_props = etree.SubElement(run, f"{w}rPr")
    fonts = etree.SubElement(run_props, f"{w}rFonts")
    for slot in ("ascii", "hAnsi", "cs"):
        fonts.set(f"{w}{slot}", DOCX_FONT)
    etree.SubElement(run_props, f"{w}vanish").set(f"{w}val", "0")
    etree.SubElement(run_props, f"{w}color").set(f"{w}val", "000000")
    half_points = str(round(COPY_POINTS * 2))
    etree.SubElement(run_props, f"{w}sz").set(f"{w}val", half_points)
    etree.SubElement(run_props, f"{w}szCs").set(f"{w}val", half_points)
    text = etree.SubElement(run, f"{w}t")
    text.text = line
    text.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    if banner is not None and banner.getparent() is root:
        banner.addnext(paragraph)
    else:
        root.append(paragraph)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _docx_watermark(mark: str, number: int, text_width: float) -> Any:
    """A run holding Word's watermark shape: ``mark`` on a VML text path, turned 45
    degrees, centred on the page's text area, behind the text, light grey at half
    opacity."""
    from lxml import etree

    length = _font().advance(mark)  # the text's width at 1 pt
    turn = math.cos(math.radians(45))
    size = min(60.0, 0.9 * text_width / ((length + 1) * turn))
    shape = (
        f'<w:r xmlns:w="{_W}" xmlns:v="{_V}" xmlns:o="{_O}" xmlns:w10="{_W10}"><w:rPr>'
        f'<w:noProof/></w:rPr><w:pict>{_TEXT_PATH_TYPE}'
        f'<v:shape id="PowerPlusWaterMarkObject{number}" o:spid="_x0000_s{2048 + number}" '
        f'type="#_x0000_t136" style="position:absolute;margin-left:0;margin-top:0;'
        f"width:{_num(length * size)}pt;height:{_num(size)}pt;"
        f"rotation:{DOCX_WATERMARK_ROTATION};z-index:-251657216;"
        "mso-position-horizontal:center;mso-position-horizontal-relative:margin;"
        'mso-position-vertical:center;mso-position-vertical-relative:margin" '
        f'o:allowincell="f" fillcolor="{DOCX_WATERMARK_FILL}" stroked="f">'
        f'<v:fill opacity="{DOCX_WATERMARK_OPACITY}"/>'
        f'<v:textpath style="font-family:&quot;{DOCX_FONT}&quot;;font-size:1pt" '
        f'string="{html.escape(mark)}"/>'
        '<w10:wrap anchorx="margin" anchory="margin"/></v:shape></w:pict></w:r>')
    return etree.fromstring(shape)
