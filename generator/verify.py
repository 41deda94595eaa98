"""The release gate: each output's final bytes are checked against its Edition.

Templates, stylesheets and masters belong to users and may be wrong or hostile, so the
guarantees of an output are proven on what a reader will open, not on what the renderer
was asked to do. :func:`check_output` runs on every job of every build, after rendering
and before anything is staged; any finding fails the job (exit 1, nothing written).

- **PDF** (pypdfium2): on every page, the banner text stands in the page's text layer in
  the top band and in the bottom band, inside the page box, at 7 pt or more, and each of
  its glyphs changes the rendered page (the banner strip is rasterised with and without
  the banner's text objects: text that is transparent, white on white, low-contrast or
  painted over changes nothing, or too little).
- **Deck** (zip + lxml): every slide holds a top and a bottom banner shape with the
  banner text, inside the slide, not hidden, every run at 7 pt or more in an opaque
  colour that contrasts with the shape's own opaque fill, and no later shape in the
  z-order overlapping its text.
- **Word** (zip + lxml): every section's headers and footers that Word prints (its own
  or inherited; first-page and even-page ones when the document has them) hold a
  paragraph that is the banner, every run at 7 pt or more (as the styles resolve it),
  not hidden (``w:vanish``) and not white; every marked item its portion mark.
- **HTML** (tinycss2 + cssselect2): the banner elements, on the page's own cascade, are
  displayed, visible, opaque, at 7 pt or more, in place, and at the top and the bottom.
- **Metadata** (PDF info and XMP, pptx and docx docProps, HTML ``<title>`` and ``<meta>``): every
  descriptive value is text the output prints.
"""

from __future__ import annotations

import ctypes
import functools
import html
import math
import posixpath
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from . import htmlparse
from .errors import Diagnostic
from .templates import builtin_templates

if TYPE_CHECKING:
    from .build import Job
    from .edition import Edition
    from .templates import TemplateSet

MIN_POINTS = 7.0  # the smallest banner type size a reader is trusted to see
MIN_CONTRAST = 4.5  # WCAG 2 AA for body text, between the banner and what is behind it
# The top and bottom bands: this fraction of the page height from each edge (A4: 24 mm).
# The built-in banner lies within 13 mm of the edge; the cover's own facts ("SECRET" at
# the foot of the cover's text) lie beyond 25 mm, so they cannot stand in for a banner.
BAND = 0.08
RASTER_SCALE = 4.0  # pixels per point when the banner strips are rasterised
GLYPH_INK = 0.04  # a glyph is seen if this share of its box (>= 2 px) changes visibly


# --------------------------------------------------------------------------------------
# The gate
# --------------------------------------------------------------------------------------


def check_output(job: Job, data: bytes) -> list[Diagnostic]:
    """Every way ``data`` (the job's final bytes) breaks a promise, as diagnostics naming
    the template files in use; empty when the output may be released."""
    from .formats import REGISTRY  # the table names this module's checks

    fmt = REGISTRY.get(job.format)
    if fmt is None:  # a format without a gate is not released
        findings = [f"{job.path}: briefgen has no release check for `{job.format}` files"]
    else:
        findings = fmt.check(data, job.edition, job.path)
    if not findings:
        return []
    where, hint = _templates_in_use(job.templates, job.format)
    return [Diagnostic(where, 0, 0, "error", finding, hint) for finding in findings]


def check_copy(job: Job, data: bytes, path: str, line: str, base: bytes | None = None,
               mark: str | None = None) -> list[Diagnostic]:
    """The release gate for a numbered copy (``path``) of ``job``'s output: every check of
    :func:`check_output`, and its copy line ``line`` shown on every page or slide (in
    HTML, at least once), visibly, at 7 pt or more. A deck copy stamped from ``base`` is
    checked as ``base`` plus the copy's shapes (:func:`check_deck_against`): its line, and
    its watermark ``mark`` if it has one."""
    edition = job.edition
    if job.format == "pdf":
        findings = check_pdf(data, edition, path, line)
    elif job.format == "pptx":
        against = None if base is None else check_deck_against(
            base, data, edition.banner, path, line, mark)
        findings = against if against is not None else (
            check_deck(data, edition, path) + check_deck_copy_line(data, line, path))
    elif job.format == "docx":
        findings = check_docx(data, edition, path) + check_docx_copy_line(data, line, path)
    else:
        findings = check_html(data, edition, path) + check_html_copy_line(data, line, path)
    if not findings:
        return []
    where, hint = _templates_in_use(job.templates, job.format)
    return [Diagnostic(where, 0, 0, "error", finding, hint) for finding in findings]


def _templates_in_use(templates: TemplateSet, fmt: str) -> tuple[str, str]:
    """The file to name (the most likely culprit: an override of the stylesheet, then the
    base template, then any override) and a hint listing every override in use."""
    root = Path(templates.project_root).resolve() if templates.project_root else None
    builtin = builtin_templates().resolve()

    def shown(path: Path) -> str:
        resolved = path.resolve()
        if resolved.is_relative_to(builtin):
            return f"<built-in>/{resolved.relative_to(builtin).as_posix()}"
        if root is not None and resolved.is_relative_to(root):
            return resolved.relative_to(root).as_posix()
        return path.name

    from .formats import REGISTRY

    kind = REGISTRY[fmt].templates if fmt in REGISTRY else "brief"
    if kind == "deck":
        master = Path(templates.master)
        return shown(master), f"master in use: {shown(master)}"
    if kind == "docx":
        if not templates.reference_docx:
            return "<built-in>/reference.docx", "reference document in use: python-docx's default"
        reference = Path(templates.reference_docx)
        return shown(reference), f"reference document in use: {shown(reference)}"
    overrides: list[Path] = []
    for folder in templates.brief_dirs:
        if Path(folder).resolve().is_relative_to(builtin):
            continue
        overrides += sorted(p for p in Path(folder).rglob("*") if p.is_file())
    ranked = sorted(overrides, key=lambda p: (p.name != "brief.css", p.name != "base.html.j2"))
    if not ranked:
        return "<built-in>/brief/brief.css", "templates in use: the built-in ones"
    return shown(ranked[0]), ("templates in use: " + ", ".join(shown(p) for p in overrides)
                              + "; built-in for the rest")


def page_ranges(pages: Iterable[int], unit: str = "page") -> str:
    """``[2, 3, 4, 7]`` -> ``"pages 2-4, 7"`` (1-based numbers)."""
    numbers = sorted(set(pages))
    runs: list[str] = []
    start = prev = numbers[0]
    for n in [*numbers[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        runs.append(f"{start}-{prev}" if prev > start else str(start))
        if n is not None:
            start = prev = n
    return f"{unit}{'s' * (len(numbers) > 1)} " + ", ".join(runs)


def squash(text: str) -> str:
    """Letters and digits only, case-folded: how two renderings of one text are compared
    (line breaks, hyphenation, letter-spacing and ``text-transform`` differ)."""
    return "".join(c for c in unicodedata.normalize("NFKC", text).casefold() if c.isalnum())


def words(text: str) -> list[str]:
    """The words of ``text`` (runs of letters and digits), case-folded: metadata values
    are compared word by word with what an output prints, so that `north` is not found
    in `northern`."""
    return re.findall(r"[^\W_]+", unicodedata.normalize("NFKC", text).casefold())


def _banner_pattern(banner: str) -> re.Pattern[str]:
    """The banner as the text layer spells it: any white space between its words (a
    wrapped banner is still read), any case (``text-transform``)."""
    words = banner.split()
    return re.compile(r"\s+".join(re.escape(w) for w in words), re.IGNORECASE)


def _copy_line_pattern(line: str) -> re.Pattern[str]:
    """A copy line as a PDF's text layer spells it (:func:`_banner_pattern`). A line
    with right-to-left letters (an Arabic name) may also be read as a right-to-left
    line: pdfium takes a line with more right-to-left than left-to-right letters for
    one and gives its words and punctuation from the right, "الدفاع وزارة ,الله عبد
    سلام — 12 of 3 Copy"; that order, exactly, is accepted too."""
    from .bidi import has_rtl

    plain = _banner_pattern(line)
    if not has_rtl(line):
        return plain
    # an invisible control (a right-to-left mark, a zero-width non-joiner) draws nothing:
    # the text layer may or may not hold it, where it was or beside its word
    plain_pattern = "".join(f"(?:{c})?" if unicodedata.category(c) == "Cf" else c
                            for c in plain.pattern)
    visible = "".join(" " if unicodedata.category(c) == "Cf" else c for c in line)
    tokens = re.findall(r"\w+|[^\w\s]", visible)  # pdfium parts words at a control
    backwards = _INVISIBLE.join(re.escape(t) for t in reversed(tokens))
    return re.compile(f"{plain_pattern}|{backwards}", re.IGNORECASE)


#: Between the words of a line read backwards: white space, and invisible controls.
_INVISIBLE = "[\\s\u061c\u200b-\u200f\u2060-\u2064\ufeff]*"


# --------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------


@dataclass
class _Candidate:
    """One occurrence of the banner text on a page: what is wrong with it, if anything."""

    band: str  # "top" | "bottom" | ""
    problem: str  # "" when the occurrence is a visible banner


def check_pdf(data: bytes, edition: Edition, path: str, line: str | None = None
              ) -> list[str]:
    """The PDF's banners on every page, its metadata and portion marks; with ``line`` (a
    numbered copy's), that line on every page too (:func:`check_pdf_copy_line`), in the
    same pass over the pages."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        return [f"{path} is not a readable PDF ({error})"]
    try:
        texts: list[str] = []
        findings, lines = _check_pdf_pages(pdf, edition.banner, path, texts, line)
        printed = "\n".join(texts)
        findings += _check_pdf_document(data, printed, path)
        findings += check_portion_marks(printed, edition, path)
    finally:
        pdf.close()
    return findings + lines


def _check_pdf_pages(pdf: Any, banner: str | None, path: str, texts: list[str],
                     line: str | None = None) -> tuple[list[str], list[str]]:
    """The banners of every page (unless ``banner`` is None), and ``line`` on every page
    if given; each page's text is appended to ``texts``."""
    import pypdfium2.raw as pdfium_c

    pattern = _banner_pattern(banner) if banner is not None else None
    wanted = _copy_line_pattern(line) if line is not None else None
    failures: dict[tuple[str, str], list[int]] = {}
    missing: dict[str, list[int]] = {}
    for index in range(len(pdf)):
        page = pdf[index]
        try:
            textpage = page.get_textpage()
            try:
                found = (_page_banners(page, textpage, pattern, texts)
                         if pattern is not None else [])
                if wanted is not None:
                    problem = _copy_line_problem(pdfium_c, page, textpage, wanted)
                    if problem:
                        missing.setdefault(problem, []).append(index + 1)
            finally:
                textpage.close()
        finally:
            page.close()
        for band in ("top", "bottom") if pattern is not None else ():
            ours = [c for c in found if c.band == band]
            if any(not c.problem for c in ours):
                continue
            problems = [c.problem for c in ours] or [
                next((c.problem for c in found if not c.band), "it is not in the page's text")]
            failures.setdefault((band, problems[0]), []).append(index + 1)
    return (_band_findings(failures, "page", path, banner or ""),
            [f"{page_ranges(numbers)} of {path} {'do' if len(numbers) > 1 else 'does'} not "
             f"show its copy line `{line}`: {problem}"
             for problem, numbers in sorted(missing.items())])


def _band_findings(failures: dict[tuple[str, str], list[int]], unit: str, path: str,
                   banner: str) -> list[str]:
    """One finding per (pages, problem): "pages 2-20 of X do not show the S banner at the
    top and the bottom: it is not in the page's text"."""
    merged: dict[tuple[tuple[int, ...], str], list[str]] = {}
    for (band, problem), numbers in failures.items():
        merged.setdefault((tuple(numbers), problem), []).append(band)
    return [f"{page_ranges(numbers, unit)} of {path} {'do' if len(numbers) > 1 else 'does'} "
            f"not show the {banner} banner at {' and '.join('the ' + b for b in bands)}: "
            f"{problem}"
            for (numbers, problem), bands in sorted(merged.items())]


def _page_banners(page: Any, textpage: Any, pattern: re.Pattern[str], texts: list[str]
                  ) -> list[_Candidate]:
    import pypdfium2.raw as pdfium_c

    width, height = page.get_size()
    count = textpage.count_chars()
    text = textpage.get_text_range(0, count) if count else ""
    # printed: without the characters of text set invisible or only as a clip path
    hidden = (pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE, pdfium_c.FPDF_TEXTRENDERMODE_CLIP)
    texts.append("".join(
        char for index, char in enumerate(text[:count])
        if not (obj := pdfium_c.FPDFText_GetTextObject(textpage.raw, index))
        or pdfium_c.FPDFTextObj_GetTextRenderMode(obj) not in hidden))
    found: list[_Candidate] = []
    for match in pattern.finditer(text):
        chars = [i for i in range(match.start(), match.end()) if not text[i].isspace()]
        boxes = [textpage.get_charbox(i) for i in chars]
        left = min(b[0] for b in boxes)
        bottom = min(b[1] for b in boxes)
        right = max(b[2] for b in boxes)
        top = max(b[3] for b in boxes)
        band = ("top" if bottom >= height * (1 - BAND) else
                "bottom" if top <= height * BAND else "")
        if left < -0.5 or bottom < -0.5 or right > width + 0.5 or top > height + 0.5:
            found.append(_Candidate(band, "it lies outside the page"))
            continue
        if not band:
            found.append(_Candidate("", "it is not in the top or bottom band of the page"))
            continue
        size = min(_char_points(pdfium_c, textpage, i) for i in chars)
        if size < MIN_POINTS - 0.01:
            found.append(_Candidate(band, f"it is set at {size:.1f} pt (the least is "
                                          f"{MIN_POINTS:g} pt)"))
            continue
        if not _glyphs_seen(pdfium_c, page, textpage, chars, boxes, (left, bottom, right, top)):
            found.append(_Candidate(band, "it is transparent, low-contrast or covered"))
            continue
        found.append(_Candidate(band, ""))
    return found


def check_pdf_copy_line(data: bytes, line: str, path: str) -> list[str]:
    """On every page, ``line`` in the text layer, inside the page, at 7 pt or more, and
    seen (its glyphs change the rendered page, as a banner's must)."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        return [f"{path} is not a readable PDF ({error})"]
    try:
        return _check_pdf_pages(pdf, None, path, [], line)[1]
    finally:
        pdf.close()


def _copy_line_problem(pdfium_c: Any, page: Any, textpage: Any,
                       pattern: re.Pattern[str]) -> str:
    """What keeps the page from showing its copy line (``pattern``), or ``""``."""
    width, height = page.get_size()
    count = textpage.count_chars()
    text = textpage.get_text_range(0, count) if count else ""
    problem = "it is not in the page's text"
    for match in pattern.finditer(text):
        chars = [i for i in range(match.start(), match.end()) if not text[i].isspace()]
        boxes = [textpage.get_charbox(i) for i in chars]
        area = (min(b[0] for b in boxes), min(b[1] for b in boxes),
                max(b[2] for b in boxes), max(b[3] for b in boxes))
        if area[0] < -0.5 or area[1] < -0.5 or area[2] > width + 0.5 \
                or area[3] > height + 0.5:
            problem = "it lies outside the page"
            continue
        size = min(_char_points(pdfium_c, textpage, i) for i in chars)
        if size < MIN_POINTS - 0.01:
            problem = f"it is set at {size:.1f} pt (the least is {MIN_POINTS:g} pt)"
            continue
        if not _glyphs_seen(pdfium_c, page, textpage, chars, boxes, area, spelled_ok=True):
            problem = "it is transparent, low-contrast or covered"
            continue
        return ""
    return problem


def _char_points(pdfium_c: Any, textpage: Any, index: int) -> float:
    """A character's size on the page: its font size scaled by its text matrix."""
    matrix = pdfium_c.FS_MATRIX()
    pdfium_c.FPDFText_GetMatrix(textpage.raw, index, matrix)
    scale = math.sqrt(abs(matrix.a * matrix.d - matrix.b * matrix.c))
    return float(pdfium_c.FPDFText_GetFontSize(textpage.raw, index)) * scale


def _luminance(pixels: Any) -> Any:
    import numpy as np

    channel = pixels[..., :3].astype(np.float32) / 255.0
    linear = np.where(channel <= 0.04045, channel / 12.92,
                      ((channel + 0.055) / 1.055) ** 2.4)
    return linear @ np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)


def _glyphs_seen(pdfium_c: Any, page: Any, textpage: Any, chars: Sequence[int],
                 boxes: Sequence[tuple[float, float, float, float]],
                 area: tuple[float, float, float, float], spelled_ok: bool = False) -> bool:
    """Whether every glyph of the occurrence shows on the rendered page.

    The strip is rendered as it is, then with the occurrence's text objects made
    invisible; a glyph is seen if enough pixels of its box differ between the two at
    :data:`MIN_CONTRAST` or more. What the renderer paints over the text, or the text's
    own transparency or colour, is in both renderings alike.

    Text spelled by an ActualText (the text layer says what the glyphs do not) is seen
    only with ``spelled_ok`` (a copy line's shaped Arabic run, checked run by run), never
    in a banner: there the glyphs drawn must be the words read.
    """
    import numpy as np

    width, height = page.get_size()
    pad = 2.0
    left, bottom = max(area[0] - pad, 0.0), max(area[1] - pad, 0.0)
    right, top = min(area[2] + pad, width), min(area[3] + pad, height)
    crop = (left, bottom, width - right, height - top)
    objects: dict[int, Any] = {}
    owners: list[int] = []
    for index in chars:
        obj = pdfium_c.FPDFText_GetTextObject(textpage.raw, index)
        if not obj:
            return False
        owners.append(ctypes.addressof(obj.contents))
        objects[owners[-1]] = obj
    spelled = {key for key, obj in objects.items() if _actual_text(pdfium_c, obj)}
    if spelled and not spelled_ok:
        return False
    modes = {key: pdfium_c.FPDFTextObj_GetTextRenderMode(obj) for key, obj in objects.items()}
    shown = page.render(scale=RASTER_SCALE, crop=crop, may_draw_forms=False).to_numpy()
    try:
        for obj in objects.values():
            pdfium_c.FPDFTextObj_SetTextRenderMode(obj, pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE)
        hidden = page.render(scale=RASTER_SCALE, crop=crop, may_draw_forms=False).to_numpy()
    finally:
        for key, obj in objects.items():
            pdfium_c.FPDFTextObj_SetTextRenderMode(obj, modes[key])
    a, b = _luminance(shown), _luminance(hidden)
    contrast = (np.maximum(a, b) + 0.05) / (np.minimum(a, b) + 0.05)
    seen = contrast >= MIN_CONTRAST
    rows, cols = seen.shape

    def cell(box: tuple[float, float, float, float]) -> Any:
        return seen[max(int((top - box[3]) * RASTER_SCALE), 0):
                    min(math.ceil((top - box[1]) * RASTER_SCALE), rows),
                    max(int((box[0] - left) * RASTER_SCALE), 0):
                    min(math.ceil((box[2] - left) * RASTER_SCALE), cols)]

    for index, box, owner in zip(chars, boxes, owners, strict=True):
        if owner in spelled:
            continue
        if box[2] - box[0] < 0.2 or box[3] - box[1] < 0.2:
            if chr(pdfium_c.FPDFText_GetUnicode(textpage.raw, index)).isspace():
                continue  # a space, which the font draws as nothing
            return False  # a letter drawn as nothing (a glyph the font does not have)
        ink = cell(box)
        if ink.size == 0 or int(ink.sum()) < max(2, GLYPH_INK * ink.size):
            return False
    for key in spelled:
        own = [box for box, owner in zip(boxes, owners, strict=True) if owner == key]
        if not _run_seen(cell((min(b[0] for b in own), min(b[1] for b in own),
                               max(b[2] for b in own), max(b[3] for b in own)))):
            return False
    return True


def _actual_text(pdfium_c: Any, obj: Any) -> bool:
    """Whether a text object is marked with an ActualText (a copy line's Arabic run):
    pdfium spreads the span's characters evenly over it, so their boxes are not where
    the glyphs are."""
    for k in range(pdfium_c.FPDFPageObj_CountMarks(obj)):
        mark = pdfium_c.FPDFPageObj_GetMark(obj, k)
        length = ctypes.c_ulong(0)
        if mark and pdfium_c.FPDFPageObjMark_GetParamStringValue(
                mark, b"ActualText", None, 0, ctypes.byref(length)):
            return True
    return False


def _run_seen(ink: Any) -> bool:
    """Whether a run whose glyphs' boxes are not known is seen: every stretch of it as
    wide as it is high (about an em: wider than a word space, narrower than a word)
    changes visibly, as a glyph's box must."""
    import numpy as np

    rows, cols = ink.shape
    if ink.size == 0:
        return False
    width = min(cols, max(rows, 1))
    sums = np.concatenate(([0], np.cumsum(ink.sum(axis=0))))
    windows = sums[width:] - sums[:-width]
    return int(windows.min()) >= max(2, GLYPH_INK * rows * width)


def _check_pdf_document(data: bytes, printed: str, path: str) -> list[str]:
    """The document's own parts, read once: what may act beyond the pages
    (:func:`_pdf_active_content`), and its Info and XMP metadata, which must be words it
    prints."""
    import io

    import pikepdf
    from lxml import etree

    findings: list[str] = []
    with pikepdf.open(io.BytesIO(data)) as document:
        metadata = document.Root.get("/Metadata")
        xmp = metadata.read_bytes() if isinstance(metadata, pikepdf.Stream) else b""
        # every Info value but the tools and dates (a custom /Classification is read)
        values = [(str(key), str(value)) for key, value in document.docinfo.items()
                  if str(key) not in _PDF_INFO_PLAIN and isinstance(value, pikepdf.String)]
        findings += _pdf_active_content(document, path)
    if xmp:
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        root = etree.fromstring(xmp, parser)
        for element in root.iter():
            if not isinstance(element.tag, str):
                continue
            # a value in an rdf:li belongs to the property holding its Alt/Seq/Bag
            owner = element
            while owner is not None and "rdf-syntax" in (etree.QName(owner).namespace or ""):
                owner = owner.getparent()
                if owner is not None and owner.getparent() is not None and \
                        "rdf-syntax" not in (etree.QName(owner).namespace or ""):
                    break
            pairs = list(element.attrib.items())
            if owner is not None:
                pairs.append((owner.tag, element.text or ""))
            for name, value in pairs:
                qname = etree.QName(name)
                if value.strip() and _xmp_checked(qname.namespace or "", qname.localname,
                                                  value):
                    values.append((f"XMP {qname.localname}", value))
    return findings + _unprinted(values, printed, path)


def _signature(field: Any) -> bool:
    """Whether a form field (or its widget) is a digital signature's."""
    while field is not None:
        if field.get("/FT") is not None:
            return str(field.get("/FT")) == "/Sig"
        field = field.get("/Parent")
    return False


#: Info entries that name tools and dates, not the document.
_PDF_INFO_PLAIN = frozenset({"/Creator", "/Producer", "/CreationDate", "/ModDate", "/Trapped"})


def _pdf_active_content(document: Any, path: str) -> list[str]:
    """What a viewer may draw over the pages, or show or hide when printing, beyond the
    rendering the gate checks: refused on any PDF (annotations other than links, forms,
    optional content, document actions)."""
    form = document.Root.get("/AcroForm")
    fields = list(form.get("/Fields") or []) if form is not None else []
    found = [f"{path} has {what}, which the release gate does not check"
             for key, what in (("/OCProperties", "optional content (layers)"),
                               ("/OpenAction", "an action run when it opens"),
                               ("/AA", "actions run on events"))
             if key in document.Root]
    if form is not None and not all(_signature(field) for field in fields):
        found.append(f"{path} has a form, which the release gate does not check")
    names = document.Root.get("/Names")
    if names is not None and "/JavaScript" in names:
        found.append(f"{path} has JavaScript, which the release gate does not check")
    kinds: dict[str, list[int]] = {}
    for number, page in enumerate(document.pages, 1):
        box = [float(v) for v in page.mediabox]
        low, high = box[1] + (box[3] - box[1]) * BAND, box[3] - (box[3] - box[1]) * BAND
        for annotation in page.obj.get("/Annots") or []:
            kind = str(annotation.get("/Subtype", "/?"))
            rect = [float(v) for v in annotation.get("/Rect") or [0, 0, 0, 0]]
            # a signature's field (briefgen --sign-visible) in the body, clear of the bands
            signed = kind == "/Widget" and _signature(annotation) and (
                low <= min(rect[1], rect[3]) and max(rect[1], rect[3]) <= high)
            if kind != "/Link" and not signed:
                kinds.setdefault(kind, []).append(number)
    found += [f"{path} has {kind[1:]} annotations on {page_ranges(numbers)}, which the "
              "release gate does not check" for kind, numbers in sorted(kinds.items())]
    return found


def _marked_items(edition: Edition) -> list[tuple[str, str]]:
    """(portion mark, plain text) of every marked item the brief's length prints."""
    from .edition import brief_parts
    from .render.markdown import to_plain

    shown = brief_parts(edition)
    items: list[tuple[Any, str]] = []
    if "summary" in shown:
        items += [(i.mark, i.text) for i in edition.key_messages]
    if "recommendations" in shown:
        items += [(i.mark, i.text) for i in edition.recommendations]
    if "sections" in shown:
        for section in edition.sections:
            items.append((section.mark, section.title))
            items += [(i.mark, i.text) for i in section.key_points]
            items += [(part.mark, part.markdown) for part in section.body if part.mark]
    if "collaborations" in shown:
        for collab in edition.collaborations:
            items.append((collab.mark, collab.title))
            items += [(b.mark, b.text) for b in collab.benefits]
    if "charts" in shown:
        items += [(chart.mark, chart.title) for chart in edition.charts]
    return [(mark.portion, to_plain(text)) for mark, text in items if mark and mark.portion]


def check_portion_marks(printed: str, edition: Edition, path: str) -> list[str]:
    """Each marked item the output prints shows its portion mark just before its text.

    An item is found by its first words (up to four) in the output's words; where it is
    found, one of its occurrences must follow its mark within the three words before it
    (a figure's number may stand between). An item not found is not printed (a template
    may leave parts out) and needs no mark. In a right-to-left brief the text layer holds
    an isolated left-to-right mark out of order: there the mark may stand anywhere on the
    item's first line or a line next to it.
    """
    if not edition.audience.portion_marks:
        return []
    lines = [words(line) for line in printed.splitlines()]
    text = [word for line in lines for word in line]
    line_of = [n for n, line in enumerate(lines) for _ in line]
    at: dict[str, list[int]] = {}  # where each word stands
    for index, word in enumerate(text):
        at.setdefault(word, []).append(index)
    rtl = edition.audience.rtl
    missing: dict[str, list[str]] = {}
    for portion, plain in _marked_items(edition):
        mark, head = words(portion), words(plain)[:4]
        if not mark or not head:
            continue
        starts = [i for i in at.get(head[0], ()) if text[i:i + len(head)] == head]
        if not starts:
            continue

        def marked(i: int, mark: list[str] = mark) -> bool:
            if rtl:  # anywhere on the item's line, or a line next to it
                line = line_of[i]
                windows = lines[max(line - 1, 0):line + 2]
            else:
                windows = [text[max(i - 3 - len(mark), 0):i]]
            return any(window[j:j + len(mark)] == mark for window in windows
                       for j in range(len(window) - len(mark) + 1))

        if not any(marked(i) for i in starts):
            missing.setdefault(portion, []).append(plain)
    return [f"{path} prints {len(items)} item{'s' * (len(items) > 1)} marked {portion} "
            f"without {portion} before it, e.g. `{_excerpt(items[0])}`"
            for portion, items in sorted(missing.items())]


#: XMP properties that are not descriptions: tools, dates, conformance, structure.
_XMP = {"pdfaid": "http://www.aiim.org/pdfa/ns/id/", "pdf": "http://ns.adobe.com/pdf/1.3/",
        "xmp": "http://ns.adobe.com/xap/1.0/", "dc": "http://purl.org/dc/elements/1.1/",
        "xmpMM": "http://ns.adobe.com/xap/1.0/mm/", "pdfuaid": "http://www.aiim.org/pdfua/ns/id/",
        "x": "adobe:ns:meta/", "xml": "http://www.w3.org/XML/1998/namespace"}
#: XMP properties that are not descriptions, each in its own namespace only: the same
#: local name in another namespace (`pdfx:Description`) is checked.
_XMP_TECHNICAL = {
    (_XMP["pdfaid"], "part"), (_XMP["pdfaid"], "conformance"), (_XMP["pdfaid"], "amd"),
    (_XMP["pdfuaid"], "part"), (_XMP["pdf"], "Producer"), (_XMP["pdf"], "PDFVersion"),
    (_XMP["pdf"], "Trapped"), (_XMP["xmp"], "CreatorTool"), (_XMP["xmp"], "CreateDate"),
    (_XMP["xmp"], "ModifyDate"), (_XMP["xmp"], "MetadataDate"),
    (_XMP["xmpMM"], "DocumentID"), (_XMP["xmpMM"], "InstanceID"),
    (_XMP["xmpMM"], "VersionID"), (_XMP["x"], "xmpmeta"), (_XMP["xml"], "lang")}


def _xmp_checked(namespace: str, local: str, value: str = "") -> bool:
    """Whether an XMP property (element or attribute) holds a description to check."""
    if "rdf-syntax" in namespace or (not namespace and local == "about"):
        return False
    if (namespace, local) == (_XMP["dc"], "format"):
        return value.strip() != "application/pdf"  # its one value: anything else says more
    return (namespace, local) not in _XMP_TECHNICAL


def _unprinted(values: Iterable[tuple[str, str]], printed: str, path: str) -> list[str]:
    """Findings for metadata values that are not text the output prints. A list
    (keywords) is checked item by item; comparison ignores case, spacing and hyphens."""
    # a word hyphenated at a line's end is printed whole as well as in two
    joined = re.sub(r"[-\u00ad\x02]\s*[\r\n]+\s*", "", printed)
    shown = f" {' '.join(words(printed))} \n {' '.join(words(joined))} "
    findings: list[str] = []
    for field_name, value in values:
        items = [value] if "keyword" not in field_name.lower() else value.split(",")
        for item in items:
            wanted = " ".join(words(item))
            finding = (f"the metadata of {path} ({field_name}) holds `{_excerpt(item)}`, "
                       f"which {path} does not print")
            if wanted and f" {wanted} " not in shown and finding not in findings:
                findings.append(finding)
    return findings


def _excerpt(text: str, size: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1] + "\u2026"


# --------------------------------------------------------------------------------------
# Deck
# --------------------------------------------------------------------------------------

_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_P = "http://schemas.openxmlformats.org/presentationml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PR = "http://schemas.openxmlformats.org/package/2006/relationships"
_SHAPES = {f"{{{_P}}}{tag}" for tag in ("sp", "grpSp", "graphicFrame", "cxnSp", "pic",
                                         "contentPart")}
_ALTERNATE = "{http://schemas.openxmlformats.org/markup-compatibility/2006}AlternateContent"
_DEFAULT_INSETS = (91440, 45720, 91440, 45720)  # DrawingML's text insets: l, t, r, b

Rect = tuple[int, int, int, int]  # left, top, right, bottom (EMU)


def _xml(archive: zipfile.ZipFile, name: str) -> Any:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    return etree.fromstring(archive.read(name), parser)


def _slide_names(archive: zipfile.ZipFile) -> list[str]:
    """The slides' part names, in the presentation's order."""
    presentation = _xml(archive, "ppt/presentation.xml")
    rels = _xml(archive, "ppt/_rels/presentation.xml.rels")
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels.iter(f"{{{_PR}}}Relationship")}
    names = []
    for sld in presentation.iter(f"{{{_P}}}sldId"):
        target = targets.get(sld.get(f"{{{_R}}}id"), "")
        names.append(target.lstrip("/") if target.startswith("/") else f"ppt/{target}")
    return names


def _shape_rect(shape: Any) -> Rect | None:
    """A shape's own box, or None when it has none (it inherits its layout's)."""
    xfrm = _own_xfrm(shape)
    if xfrm is None:
        return None
    off, ext = xfrm.find(f"{{{_A}}}off"), xfrm.find(f"{{{_A}}}ext")
    if off is None or ext is None:
        return None
    x, y = int(off.get("x", "0")), int(off.get("y", "0"))
    return (x, y, x + int(ext.get("cx", "0")), y + int(ext.get("cy", "0")))


def _own_xfrm(shape: Any) -> Any:
    """A shape's own position: its properties' ``a:xfrm`` (a graphic frame's ``p:xfrm``),
    never one met elsewhere inside it (an extension list may hold any)."""
    for path in (f"{{{_P}}}xfrm", f"{{{_P}}}spPr/{{{_A}}}xfrm",
                 f"{{{_P}}}grpSpPr/{{{_A}}}xfrm"):
        found = shape.find(path)
        if found is not None:
            return found
    return None


def _turned(shape: Any) -> bool:
    xfrm = _own_xfrm(shape)
    return xfrm is not None and (int(xfrm.get("rot", "0")) % 21600000 != 0
                                 or xfrm.get("flipH") in ("1", "true")
                                 or xfrm.get("flipV") in ("1", "true"))


def _c_nv_pr(shape: Any) -> Any:
    """A shape's non-visual properties (its id, name and ``hidden`` flag), or None."""
    return next((e for e in shape.iter() if e.tag.endswith("}cNvPr")), None)


def _shape_name(shape: Any) -> str:
    c_nv_pr = _c_nv_pr(shape)
    return "" if c_nv_pr is None else str(c_nv_pr.get("name", ""))


def _shape_id(shape: Any) -> str | None:
    c_nv_pr = _c_nv_pr(shape)
    return None if c_nv_pr is None else c_nv_pr.get("id")


def _hidden(shape: Any) -> bool:
    c_nv_pr = _c_nv_pr(shape)
    return c_nv_pr is not None and c_nv_pr.get("hidden", "0") in ("1", "true")


def _srgb(fill: Any) -> tuple[tuple[int, int, int], float] | None:
    """An opaque-or-not sRGB colour of a ``solidFill`` (``None``: not an sRGB value)."""
    if fill is None:
        return None
    colour = fill.find(f"{{{_A}}}srgbClr")
    rgb = _hex_rgb(colour.get("val", "")) if colour is not None else None
    if rgb is None:
        return None
    alpha = colour.find(f"{{{_A}}}alpha")
    opacity = int(alpha.get("val", "100000")) / 100000 if alpha is not None else 1.0
    if any(child.tag != f"{{{_A}}}alpha" for child in colour):
        return None  # lumMod, tint ...: a colour this check does not compute
    return rgb, opacity



def _illegible(state: Any) -> str:
    """Why text in ``state`` (its computed font size, colour and background on the
    page's cascade) cannot be read, or ``""``: under 7 pt, or under 4.5:1 contrast."""
    if state.font_px < MIN_POINTS * 4 / 3 - 0.01:
        return (f"it is set at {state.font_px * 0.75:.1f} pt (the least is "
                f"{MIN_POINTS:g} pt)")
    ink = tuple(state.colour[3] * state.colour[i] + (1 - state.colour[3])
                * state.background[i] for i in range(3))
    ratio = contrast(_bytes(ink), _bytes(state.background))
    if ratio < MIN_CONTRAST:
        return (f"its text contrasts {ratio:.1f}:1 with its background (the "
                f"least is {MIN_CONTRAST:g}:1)")
    return ""

def contrast(one: tuple[int, int, int], two: tuple[int, int, int]) -> float:
    """WCAG 2's contrast ratio of two sRGB colours (1 to 21)."""

    def luminance(rgb: tuple[int, int, int]) -> float:
        linear = [c / 255 / 12.92 if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4
                  for c in rgb]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(one), luminance(two)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _banner_shape_problem(shape: Any, later: Sequence[Any], size: tuple[int, int]) -> str:
    """What keeps one banner shape from being seen, or ``""``."""
    problem, text_area = _banner_own_problem(shape, size)
    return problem or _covering(text_area, later)


def _banner_own_problem(shape: Any, size: tuple[int, int]) -> tuple[str, Rect]:
    """What in a banner shape itself keeps it from being seen (or ``""``), and the box
    its text stands in."""
    nowhere = (0, 0, 0, 0)
    if shape.getparent().tag != f"{{{_P}}}spTree":
        return "it is inside a group", nowhere
    if _hidden(shape):
        return "it is hidden", nowhere
    # an entrance or exit effect shows or hides a shape when the show plays it
    slide = shape.getroottree().getroot()
    if _shape_id(shape) in {t.get("spid") for t in slide.iter(f"{{{_P}}}spTgt")}:
        return "an animation plays on it (not checked by the gate)", nowhere
    rect = _shape_rect(shape)
    if rect is None:
        return "it has no position of its own", nowhere
    if rect[0] < 0 or rect[1] < 0 or rect[2] > size[0] or rect[3] > size[1]:
        return "it lies outside the slide", nowhere
    odd = _odd_banner_shape(shape)
    if odd:
        return odd, nowhere
    body_pr = shape.find(f"{{{_P}}}txBody/{{{_A}}}bodyPr")
    scale = 1.0
    autofit = body_pr.find(f"{{{_A}}}normAutofit") if body_pr is not None else None
    if autofit is not None:
        scale = int(autofit.get("fontScale", "100000")) / 100000
    sp_pr = shape.find(f"{{{_P}}}spPr")
    fill = _srgb(sp_pr.find(f"{{{_A}}}solidFill") if sp_pr is not None else None)
    if fill is None or fill[1] < 1.0:
        return ("its box has no opaque colour fill of its own (what shows behind it is "
                "unknown)", nowhere)
    for run in shape.iter(f"{{{_A}}}r"):
        if not (run.findtext(f"{{{_A}}}t") or "").strip():
            continue
        r_pr = run.find(f"{{{_A}}}rPr")
        if r_pr is None or not r_pr.get("sz"):
            return "its text has no size of its own (the master's would apply)", nowhere
        points = int(r_pr.get("sz")) / 100 * scale
        if points < MIN_POINTS - 0.01:
            return f"it is set at {points:.1f} pt (the least is {MIN_POINTS:g} pt)", nowhere
        colour = _srgb(r_pr.find(f"{{{_A}}}solidFill"))
        if colour is None:
            return "its text has no colour of its own", nowhere
        if colour[1] < 1.0:
            return "its text is transparent", nowhere
        if contrast(colour[0], fill[0]) < MIN_CONTRAST:
            return (f"its text contrasts {contrast(colour[0], fill[0]):.1f}:1 with its fill "
                    f"(the least is {MIN_CONTRAST:g}:1)", nowhere)
    insets = [int(body_pr.get(k, d)) if body_pr is not None else d
              for k, d in zip(("lIns", "tIns", "rIns", "bIns"), _DEFAULT_INSETS, strict=True)]
    return "", (rect[0] + insets[0], rect[1] + insets[1], rect[2] - insets[2],
                rect[3] - insets[3])


#: Typefaces that draw symbols for letters: a banner set in one does not read.
_SYMBOL_FONTS = ("wingdings", "webdings", "symbol", "marlett", "dingbat", "mt extra")
#: Run properties (elements) whose effect on a banner's text the gate knows; any other
#: (`a:highlight`, `a:effectLst`, `a:ln` outlines, gradient or no fills …) is refused.
_PLAIN_TEXT_RUN = frozenset(f"{{{_A}}}{name}" for name in (
    "solidFill", "latin", "ea", "cs", "sym", "extLst"))


def _odd_banner_shape(shape: Any) -> str:
    """What in a banner shape the gate does not compute (``""``: nothing): a turned or
    non-rectangular box, a fill taken from the background, a field for text, text
    raised, squeezed, highlighted or in a symbol font, space that pushes it out."""
    if _turned(shape):
        return "it is rotated or flipped"
    if shape.get("useBgFill") in ("1", "true"):
        return "its fill is the slide's background"
    geometry = shape.find(f"{{{_P}}}spPr/{{{_A}}}prstGeom")
    if geometry is None or geometry.get("prst") != "rect":
        return "its shape is not a rectangle"
    body = shape.find(f"{{{_P}}}txBody")
    if body is None or next(body.iter(f"{{{_A}}}fld"), None) is not None:
        return "its text is a field (not checked by the gate)"
    for paragraph in body.iter(f"{{{_A}}}p"):
        if not "".join(t.text or "" for t in paragraph.iter(f"{{{_A}}}t")).strip():
            return "it holds an empty paragraph (which may push its text out)"
        p_pr = paragraph.find(f"{{{_A}}}pPr")
        if p_pr is not None and any(p_pr.find(f"{{{_A}}}{name}") is not None
                                    for name in ("lnSpc", "spcBef", "spcAft")):
            return "its paragraph spacing is set (not checked by the gate)"
    sizes = [int(r.get("sz", "0")) for r in body.iter(f"{{{_A}}}rPr")]
    for end in body.iter(f"{{{_A}}}endParaRPr"):
        if int(end.get("sz", "0")) > max(sizes, default=0):
            return "its paragraph ends larger than its text (which may push it out)"
    for r_pr in body.iter(f"{{{_A}}}rPr", f"{{{_A}}}endParaRPr", f"{{{_A}}}defRPr"):
        if int(r_pr.get("baseline", "0")) != 0:
            return "its text is raised or lowered (baseline)"
        if int(r_pr.get("spc", "0")) < 0:
            return "its letters are run together (spc)"
        odd = next((e.tag for e in r_pr if e.tag not in _PLAIN_TEXT_RUN), None)
        if odd is not None:
            return f"its text is set with `{odd.rpartition('}')[2]}` (not checked by the gate)"
        for face in r_pr:
            if any(f in face.get("typeface", "").lower() for f in _SYMBOL_FONTS):
                return f"its text is set in a symbol typeface ({face.get('typeface')})"
    return ""


def _covering(text_area: Rect, later: Sequence[Any]) -> str:
    """Which of the shapes above a banner (``later``) may hide its text, or ``""``."""
    for other in later:
        if _hidden(other) and other.tag != _ALTERNATE:  # (which alternative is drawn?)
            continue  # not drawn
        box = _shape_rect(other)
        name = _shape_name(other)
        if other.tag in (_ALTERNATE, f"{{{_P}}}grpSp", f"{{{_P}}}graphicFrame",
                         f"{{{_P}}}contentPart"):
            # what these draw reaches beyond their box (a group's children, a table's
            # rows, the alternative an application picks): not computed
            return f"a {other.tag.rpartition('}')[2]} `{name}` lies above it"
        if box is not None and _turned(other):  # the box it is drawn in, turned
            xfrm = _own_xfrm(other)
            angle = math.radians(int(xfrm.get("rot", "0")) / 60000)
            half_w, half_h = (box[2] - box[0]) / 2, (box[3] - box[1]) / 2
            reach_x = abs(half_w * math.cos(angle)) + abs(half_h * math.sin(angle))
            reach_y = abs(half_w * math.sin(angle)) + abs(half_h * math.cos(angle))
            centre_x, centre_y = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
            box = (math.floor(centre_x - reach_x), math.floor(centre_y - reach_y),
                   math.ceil(centre_x + reach_x), math.ceil(centre_y + reach_y))
        effects = other.find(f"{{{_P}}}spPr/{{{_A}}}effectLst")
        line = other.find(f"{{{_P}}}spPr/{{{_A}}}ln")
        if (effects is not None and len(effects)) or (
                line is not None and int(line.get("w", "0")) > 12700 * 6):
            return f"shape `{name}` above it draws beyond its box (a shadow or wide line)"
        if box is None:
            return f"shape `{name}` above it has no position of its own"
        if (box[0] < text_area[2] and text_area[0] < box[2] and box[1] < text_area[3]
                and text_area[1] < box[3]):
            return f"shape `{name}` lies over it"
    return ""


def check_deck(data: bytes, edition: Edition, path: str) -> list[str]:
    return _check_deck(data, edition.banner, path)


def _check_deck(data: bytes, banner: str, path: str) -> list[str]:
    import io

    from lxml import etree

    failures: dict[tuple[str, str], list[int]] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _package_parts(archive, "ppt/presentation.xml")
            size, slides = _deck_slides(archive)
            findings = _check_deck_metadata(archive, [slide for _, slide in slides], path)
    except (KeyError, zipfile.BadZipFile, etree.XMLSyntaxError, AttributeError,
            TypeError, ValueError) as error:
        return [f"{path} is not a readable PowerPoint file ({error})"]
    for number, (_, slide) in enumerate(slides, 1):
        tree = slide.find(f"{{{_P}}}cSld/{{{_P}}}spTree")
        for band, found in _deck_banners(tree, banner, size).items():
            problems = [problem for _shape, problem in found]
            if "" in problems:
                continue
            problem = problems[0] if problems else "no shape on the slide holds it"
            failures.setdefault((band, problem), []).append(number)
    return _band_findings(failures, "slide", path, banner) + findings


def _deck_slides(archive: zipfile.ZipFile) -> tuple[tuple[int, int], list[tuple[str, Any]]]:
    """The slide size, and each slide's part name and XML, in the presentation's order."""
    presentation = _xml(archive, "ppt/presentation.xml")
    sld_sz = presentation.find(f"{{{_P}}}sldSz")
    size = (int(sld_sz.get("cx")), int(sld_sz.get("cy")))
    return size, [(name, _xml(archive, name)) for name in _slide_names(archive)]


def _top_shapes(tree: Any) -> list[Any]:
    """The shapes of a shape tree in z-order (the later, the higher)."""
    return [] if tree is None else [e for e in tree if e.tag in _SHAPES or e.tag == _ALTERNATE]


def _deck_banners(tree: Any, banner: str, size: tuple[int, int]
                  ) -> dict[str, list[tuple[Any, str]]]:
    """Per band, each shape of the slide's shape tree that holds ``banner`` and what
    keeps it from being seen (``""``: nothing)."""
    wanted = squash(banner)
    shapes = _top_shapes(tree)
    found: dict[str, list[tuple[Any, str]]] = {"top": [], "bottom": []}
    for shape in (tree.iter(f"{{{_P}}}sp") if tree is not None and wanted else ()):
        if squash("".join(t.text or "" for t in shape.iter(f"{{{_A}}}t"))) != wanted:
            continue
        rect = _shape_rect(shape)
        band = "top" if rect is None or rect[1] + rect[3] < size[1] else "bottom"
        later = shapes[shapes.index(shape) + 1:] if shape in shapes else []
        found[band].append((shape, _banner_shape_problem(shape, later, size)))
    return found


def _line_problems(tree: Any, line: str, size: tuple[int, int]) -> list[str]:
    """What keeps each shape of the shape tree that holds ``line`` from being seen."""
    wanted = squash(line)
    shapes = _top_shapes(tree)
    problems = []
    for shape in (tree.iter(f"{{{_P}}}sp") if tree is not None else ()):
        if squash("".join(t.text or "" for t in shape.iter(f"{{{_A}}}t"))) != wanted:
            continue
        later = shapes[shapes.index(shape) + 1:] if shape in shapes else []
        problems.append(_banner_shape_problem(shape, later, size))
    return problems


def check_deck_copy_line(data: bytes, line: str, path: str) -> list[str]:
    """On every slide, a shape of its own holding ``line``, seen as a banner must be
    (opaque fill, contrasting text at 7 pt or more, nothing above it)."""
    import io

    failures: dict[str, list[int]] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        size, slides = _deck_slides(archive)
    for number, (_, slide) in enumerate(slides, 1):
        problems = _line_problems(slide.find(f"{{{_P}}}cSld/{{{_P}}}spTree"), line, size)
        if "" not in problems:
            failures.setdefault(problems[0] if problems else "no shape on the slide holds it",
                                []).append(number)
    return [f"{page_ranges(numbers, 'slide')} of {path} "
            f"{'do' if len(numbers) > 1 else 'does'} not show its copy line `{line}`: "
            f"{problem}" for problem, numbers in sorted(failures.items())]


# -- a deck copy, against the render it was stamped from --------------------------------

#: The names of the shapes a copy adds to each slide (generator/copies.py).
COPY_SHAPES = frozenset({"Copy Line", "Copy Watermark"})


@dataclass(frozen=True)
class _RenderedSlide:
    head: bytes  # the slide's bytes before its shape tree's end tag
    tail: bytes  # from it on
    scope: str  # the shape tree's start tag as written, with every namespace in scope
    tag: str  # the shape tree's tag as written (``p:spTree``)
    next_id: int  # the first shape id the slide does not use (nor animates)
    banners: tuple[tuple[Rect, ...], ...]  # per band, where the text of each banner seen is


@dataclass(frozen=True)
class _RenderedDeck:
    """A deck that passed :func:`check_deck`, taken apart to check its copies against."""

    size: tuple[int, int]
    names: tuple[str, ...]  # its members, in order
    #: every member but the slides: its directory entry and its local record (header,
    #: name, compressed bytes)
    records: dict[str, tuple[tuple[int, ...], bytes]]
    slides: dict[str, _RenderedSlide]  # by part name, in the presentation's order


def _local_record(data: bytes, info: zipfile.ZipInfo) -> bytes:
    start = info.header_offset
    name = int.from_bytes(data[start + 26:start + 28], "little")
    extra = int.from_bytes(data[start + 28:start + 30], "little")
    return data[start:start + 30 + name + extra + info.compress_size]


def _entry(info: zipfile.ZipInfo) -> tuple[int, ...]:
    return (info.compress_type, info.flag_bits, info.CRC, info.compress_size, info.file_size)


@functools.lru_cache(maxsize=4)
def _rendered_deck(base: bytes, banner: str) -> _RenderedDeck | None:
    """``base`` taken apart, or None when it does not pass the gate itself or a copy
    could not be told apart from it by its bytes."""
    import io

    from .copies import shape_tree_end

    if _check_deck(base, banner, "render"):
        return None
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        size, parsed = _deck_slides(archive)
        infos = archive.infolist()
        contents = {name: archive.read(name) for name, _ in parsed}
    slides: dict[str, _RenderedSlide] = {}
    for name, slide in parsed:
        tree = slide.find(f"{{{_P}}}cSld/{{{_P}}}spTree")
        xml = contents[name]
        cut = shape_tree_end(xml, tree)
        if cut < 0 or name in slides:
            return None
        tag = f"{tree.prefix}:spTree" if tree.prefix else "spTree"
        scope = "".join(f' xmlns{":" + prefix if prefix else ""}="{html.escape(uri)}"'
                        for prefix, uri in sorted(tree.nsmap.items(), key=lambda kv: kv[0] or ""))
        # ids in use: its shapes', and those its animations play on (a copy's shape given
        # one would be shown or hidden by the show): a copy's shapes must come after them
        ids = [int(e.get(attribute, "0")) for tag, attribute in (("cNvPr", "id"),
                                                                 ("spTgt", "spid"))
               for e in slide.iter(f"{{{_P}}}{tag}") if e.get(attribute, "").isdigit()]
        banners = tuple(tuple(_banner_own_problem(shape, size)[1]
                              for shape, problem in found if not problem)
                        for found in _deck_banners(tree, banner, size).values())
        slides[name] = _RenderedSlide(xml[:cut], xml[cut:], f"<{tag}{scope}>", tag,
                                      max(ids, default=1) + 1, banners)
    names = tuple(info.filename for info in infos)
    if len(set(names)) != len(names):
        return None
    return _RenderedDeck(size, names, {
        info.filename: (_entry(info), _local_record(base, info))
        for info in infos if info.filename not in slides}, slides)


@dataclass
class _Added:
    """What a copy adds to a slide, parsed: the shapes, or what else it is."""

    problem: str
    shapes: list[Any]
    least_id: int
    shows_line: bool


def check_deck_against(base: bytes, data: bytes, banner: str, path: str, line: str,
                       mark: str | None = None) -> list[str] | None:
    """The gate for a deck copy (``data``) stamped from ``base``, a render that passes
    :func:`check_deck`, without reading the render again: the copy must be ``base`` with,
    on each slide, only the copy's shapes added at the top of the z-order (every other
    member the same bytes), and those shapes must say exactly ``line`` (the Copy Line) or
    ``mark`` (the Copy Watermark), cover no banner, and show ``line`` as a banner is
    shown. Then :func:`check_deck` and :func:`check_deck_copy_line` would find nothing
    either. Returns the ways the copy differs from ``base``, or None when the
    full checks must tell (``base`` fails the gate, or a banner or the copy line is not
    seen)."""
    import io

    render = _rendered_deck(base, banner)
    if render is None:
        return None
    differs = f"{path} is not its deck's render with its copy's shapes added"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if tuple(info.filename for info in infos) != render.names:
                return [f"{differs}: its parts are not the render's"]
            for info in infos:
                record = render.records.get(info.filename)
                if record is not None and (record[0] != _entry(info)
                                           or record[1] != _local_record(data, info)):
                    return [f"{differs}: {info.filename} differs"]
            slides = {name: archive.read(name) for name in render.slides}
    except (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, ValueError,
            EOFError, OSError) as error:
        return [f"{path} is not a readable PowerPoint file ({error})"]
    # a copy adds the same shapes to most slides: each is parsed and checked once
    parsed: dict[tuple[str, bytes], _Added] = {}
    covered: dict[tuple[int, Rect], bool] = {}
    seen = True
    for number, (name, slide) in enumerate(render.slides.items(), 1):
        xml = slides[name]
        end = len(xml) - len(slide.tail)
        if end < len(slide.head) or not xml.startswith(slide.head) \
                or not xml.endswith(slide.tail):
            return [f"{differs}: slide {number} differs from the render's"]
        key = (slide.scope, xml[len(slide.head):end])
        if key not in parsed:
            parsed[key] = _added(*key, slide.tag, line, mark, render.size)
        added = parsed[key]
        if added.problem or added.least_id < slide.next_id:
            return [f"{differs}: slide {number} "
                    f"{added.problem or 'has a shape added whose id the slide already uses'}"]
        for areas in slide.banners:
            for area in areas:
                if (id(added), area) not in covered:
                    covered[id(added), area] = bool(_covering(area, added.shapes))
            seen = seen and any(not covered[id(added), area] for area in areas)
        seen = seen and added.shows_line
    return [] if seen else None


def _added(scope: str, xml: bytes, tag: str, line: str, mark: str | None,
           size: tuple[int, int]) -> _Added:
    """What a copy adds to a slide (``xml``), parsed where it stands: inside the shape
    tree (``scope``: its start tag, with the namespaces in scope there)."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        tree = etree.fromstring(scope.encode() + xml + f"</{tag}>".encode(), parser)
    except etree.XMLSyntaxError as error:
        return _Added(f"has more than shapes added ({error})", [], 0, False)
    ids: set[int] = set()
    if (tree.text or "").strip():
        return _Added("has text added", [], 0, False)
    for shape in tree:
        name = _shape_name(shape)
        if shape.tag != f"{{{_P}}}sp" or name not in COPY_SHAPES or (shape.tail or "").strip():
            return _Added("has more than the copy's shapes added", [], 0, False)
        for c_nv_pr in shape.iter(f"{{{_P}}}cNvPr"):
            number = c_nv_pr.get("id", "")
            if not number.isdigit() or int(number) in ids:
                return _Added("has a shape added whose id another shape has", [], 0, False)
            ids.add(int(number))
        # what only the copy says: text beyond it would skip the checks of the render
        said = squash("".join(t.text or "" for t in shape.iter(f"{{{_A}}}t")))
        expected = {"Copy Line": line, "Copy Watermark": mark}[name]
        if expected is None or said != squash(expected):
            return _Added(f"has a {name.lower()} saying other than the copy's", [], 0, False)
    return _Added("", list(tree), min(ids, default=0), "" in _line_problems(tree, line, size))


def _check_deck_metadata(archive: zipfile.ZipFile, slides: Sequence[Any], path: str
                         ) -> list[str]:
    """docProps: every descriptive core and extended property is text a slide prints."""
    printed = "\n".join(t.text or "" for slide in slides for shape in slide.iter(
        f"{{{_P}}}sp", f"{{{_P}}}graphicFrame") if not _hidden(shape)
        for t in shape.iter(f"{{{_A}}}t"))  # a hidden shape's text is not printed
    return _unprinted(_office_properties(archive), printed, path)


def _office_properties(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(label, value) of an Office package's descriptive properties: core and extended
    ones that describe the document, and every custom one."""
    values: list[tuple[str, str]] = []
    for part in ("docProps/core.xml", "docProps/app.xml", "docProps/custom.xml"):
        if part not in archive.namelist():
            continue
        for element in _xml(archive, part).iter():
            if not isinstance(element.tag, str):
                continue
            local = element.tag.rsplit("}", 1)[-1]
            if part.endswith("custom.xml") and element.get("name"):
                values.append(("custom.xml property name", element.get("name", "")))
            text = element.text or ""
            if len(element) or not text.strip():
                continue
            # Closed: any value with a letter in it is a description, but for the few
            # that name the application or the file's format.
            if part.endswith("custom.xml") or local in DECK_PROPERTIES_CHECKED or (
                    re.search(r"[^\W\d_]", text) and local not in _PLAIN_PROPERTIES):
                values.append((f"{part.split('/')[-1]} {local}", text))
    return values


#: docProps values with letters in them that do not describe the document.
_PLAIN_PROPERTIES = frozenset({"Application", "AppVersion", "DocSecurity",
                               "PresentationFormat", "language", "created", "modified",
                               "lastPrinted"})


#: docProps values that describe the deck (the rest: dates, revision, counts, language,
#: the application's name); every custom property is checked too.
DECK_PROPERTIES_CHECKED = frozenset({
    "title", "subject", "creator", "keywords", "description", "category", "lastModifiedBy",
    "identifier", "contentStatus", "Company", "Manager", "HyperlinkBase", "lpstr"})


# --------------------------------------------------------------------------------------
# Word (DOCX)
# --------------------------------------------------------------------------------------

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_STORY_TYPES = ("default", "first", "even")
_DEFAULT_HALF_POINTS = 20  # a run's size when neither it nor a style gives one (10 pt)


def _w(tag: str) -> str:
    return f"{{{_W}}}{tag}"


def _on(element: Any) -> bool:
    """An on/off property (``w:vanish``, ``w:titlePg`` ...) that is present and not off."""
    return element is not None and element.get(_w("val"), "true") not in ("0", "false", "off")


class _WordStyles:
    """Run properties as a Word document resolves them: the run's own, its character
    style's chain, its paragraph style's chain, the document defaults."""

    def __init__(self, styles: Any) -> None:
        self.by_id = {} if styles is None else {
            s.get(_w("styleId")): s for s in styles.iter(_w("style"))}
        defaults = None if styles is None else styles.find(
            f"{_w('docDefaults')}/{_w('rPrDefault')}/{_w('rPr')}")
        self.defaults = defaults
        # the paragraph style of a paragraph that names none: the default one, which
        # need not be "Normal"
        self.default_paragraph = next(
            (sid for sid, style in self.by_id.items()
             if style.get(_w("type")) == "paragraph"
             and style.get(_w("default")) in ("1", "true", "on")), "Normal")

    def chain(self, style_id: str | None) -> list[Any]:
        """The style ``style_id`` and those it is based on, the nearest first."""
        found: list[Any] = []
        while style_id and style_id in self.by_id and self.by_id[style_id] not in found:
            found.append(self.by_id[style_id])
            based = found[-1].find(_w("basedOn"))
            style_id = based.get(_w("val")) if based is not None else None
        return found

    def _chain(self, style_id: str | None) -> list[Any]:
        """The run properties of :meth:`chain`'s styles."""
        return [rpr for style in self.chain(style_id)
                if (rpr := style.find(_w("rPr"))) is not None]

    def run_properties(self, run: Any, paragraph: Any) -> list[Any]:
        """Every ``w:rPr`` that applies to ``run``, the strongest first."""
        own = run.find(_w("rPr"))
        chain = [] if own is None else [own]
        r_style = own.find(_w("rStyle")) if own is not None else None
        chain += self._chain(r_style.get(_w("val")) if r_style is not None else None)
        p_style = paragraph.find(f"{_w('pPr')}/{_w('pStyle')}")
        chain += self._chain(p_style.get(_w("val")) if p_style is not None
                             else self.default_paragraph)
        return [*chain, *([self.defaults] if self.defaults is not None else [])]


#: Run properties whose effect on a banner run the gate knows: any other on the run, in
#: its styles or the document's defaults (`w:w` scaling, `w:position`, `w:shd`,
#: `w:highlight`, `w:webHidden`, `w14:textFill` …) is refused.
_PLAIN_RUN = frozenset(_w(name) for name in (
    "rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "color", "sz", "szCs",
    "lang", "noProof", "kern", "spacing", "u", "vanish", "rtl", "cs", "strike", "dstrike"))
#: Paragraph properties likewise (`w:framePr`, `w:shd`, `w:ind` far out … are refused).
_PLAIN_PARAGRAPH = frozenset(_w(name) for name in (
    "pStyle", "keepNext", "keepLines", "pageBreakBefore", "widowControl", "jc", "spacing",
    "ind", "bidi", "tabs", "rPr", "pBdr", "snapToGrid", "contextualSpacing", "outlineLvl",
    "suppressAutoHyphens", "suppressLineNumbers", "textAlignment", "adjustRightInd",
    "autoSpaceDE", "autoSpaceDN", "wordWrap", "kinsoku", "overflowPunct", "topLinePunct",
    "sectPr", "numPr", "mirrorIndents"))
_TWIPS_OUT = 2000  # an indent beyond 100 pt moves a banner out of its band


def _run_problem(run: Any, paragraph: Any, styles: _WordStyles) -> str:
    """Why a banner run would not be seen: too small, hidden, faint, or set with what
    the gate does not compute; "" if it would be seen."""
    chain = styles.run_properties(run, paragraph)
    for rpr in chain:
        odd = next((e.tag for e in rpr if isinstance(e.tag, str) and e.tag not in _PLAIN_RUN),
                   None)
        if odd is not None:
            return f"its text is set with `{_short(odd)}` (not checked by the gate)"
        spacing = rpr.find(_w("spacing"))
        if spacing is not None and int(float(spacing.get(_w("val"), "0"))) < 0:
            return "its letters are run together (w:spacing)"
        color = rpr.find(_w("color"))
        if color is not None and any(k.startswith(f"{{{_W}}}theme") for k in color.attrib):
            return "its colour is a theme colour (not checked by the gate)"
        fonts = rpr.find(_w("rFonts"))
        face = next((v for v in (fonts.attrib.values() if fonts is not None else ())
                     if any(f in v.lower() for f in _SYMBOL_FONTS)), None)
        if face is not None:
            return f"its text is set in a symbol typeface ({face})"
    sizes = [int(float(e.get(_w("val"), "0"))) for name in ("sz", "szCs")
             for e in [next((r.find(_w(name)) for r in chain if r.find(_w(name)) is not None),
                            None)] if e is not None]
    size = min(sizes, default=_DEFAULT_HALF_POINTS)
    if size / 2 < MIN_POINTS:
        return f"its text is {size / 2:g} pt (at least {MIN_POINTS:g} pt needed)"
    vanish = next((rpr.find(_w("vanish")) for rpr in chain
                   if rpr.find(_w("vanish")) is not None), None)
    if _on(vanish):
        return "its text is hidden (w:vanish)"
    colour = next((e.get(_w("val"), "") for rpr in chain for e in [rpr.find(_w("color"))]
                   if e is not None), "")
    rgb = _hex_rgb(colour)
    if colour.lower() not in ("", "auto") and (
            rgb is None or contrast(rgb, (255, 255, 255)) < MIN_CONTRAST):
        return f"its text colour {colour} does not stand out from the white page"
    return ""


def _hex_rgb(value: str) -> tuple[int, int, int] | None:
    found = re.fullmatch(r"[0-9A-Fa-f]{6}", value)
    return None if found is None else (int(value[:2], 16), int(value[2:4], 16),
                                       int(value[4:], 16))


def _short(tag: str) -> str:
    """``w:shd`` for a Word element's ``{namespace}shd``."""
    namespace, _, name = tag[1:].partition("}")
    return f"w:{name}" if namespace == _W else name


def _paragraph_problem(paragraph: Any, styles: _WordStyles) -> str:
    """What around a banner paragraph the gate does not compute, or ``""``."""
    ancestor = paragraph.getparent()
    while ancestor is not None:
        if ancestor.tag not in (_w("hdr"), _w("ftr"), _w("body"), _w("document")):
            return f"it is inside `{_short(ancestor.tag)}` (not checked by the gate)"
        ancestor = ancestor.getparent()
    ppr = paragraph.find(_w("pPr"))
    style = ppr.find(_w("pStyle")) if ppr is not None else None
    chain = [ppr] if ppr is not None else []
    chain += [one for based in styles.chain(style.get(_w("val")) if style is not None
                                            else styles.default_paragraph)
              if (one := based.find(_w("pPr"))) is not None]
    for one in chain:
        odd = next((e.tag for e in one if isinstance(e.tag, str)
                    and e.tag not in _PLAIN_PARAGRAPH), None)
        if odd is not None:
            return f"its paragraph is set with `{_short(odd)}` (not checked by the gate)"
        ind = one.find(_w("ind"))
        if ind is not None and any(abs(int(float(v))) > _TWIPS_OUT for k, v in ind.attrib.items()
                                   if k != _w("hangingChars") and v.lstrip("-").isdigit()):
            return "its paragraph is indented out of its band (w:ind)"
        spacing = one.find(_w("spacing"))
        if spacing is not None and spacing.get(_w("lineRule")) == "exact":
            return "its line height is exact (w:spacing lineRule): it may cut its text"
    return ""


#: Field instructions a header or footer may hold (page numbers); any other (an `IF`
#: field shows what it computes) is refused.
_PLAIN_FIELDS = ("PAGE", "NUMPAGES", "SECTIONPAGES")


def _story_problem(story: Any, wanted: str, styles: _WordStyles) -> str:
    """"" when a paragraph of the header or footer ``story`` is the banner, seen."""
    for element in story.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag == _w("instrText") or element.tag == _w("fldSimple"):
            instruction = (element.text or "") if element.tag == _w("instrText") else (
                element.get(_w("instr"), ""))
            words = instruction.split()
            if words and words[0].upper() not in _PLAIN_FIELDS:
                return f"it holds a `{words[0]}` field (not checked by the gate)"
        elif element.tag in (_w("dataBinding"), _ALTERNATE, _w("altChunk"),
                             _w("subDoc")):
            return f"it holds `{_short(element.tag)}` (not checked by the gate)"
    problems = []
    for paragraph in story.iter(_w("p")):
        runs = [r for r in paragraph.iter(_w("r")) if "".join(
            t.text or "" for t in r.iter(_w("t"))).strip()]
        text = "".join(t.text or "" for r in runs for t in r.iter(_w("t")))
        if not wanted or squash(text) != wanted:
            continue
        problem = _paragraph_problem(paragraph, styles) or next(
            (p for r in runs for p in [_run_problem(r, paragraph, styles)] if p), "")
        if not problem:
            return ""
        problems.append(problem)
    return problems[0] if problems else "no paragraph of it holds it"


def _load_word(data: bytes, path: str) -> tuple[Any, dict[str, Any], _WordStyles, bool,
                                                 list[str]]:
    """The document part, its header and footer parts by relationship id, its styles,
    whether even pages have their own headers, and the metadata findings. Raises on a
    file that is not a readable Word document."""
    import io

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        _package_parts(archive, "word/document.xml")
        _standard_parts(archive, {"styles": "word/styles.xml",
                                  "settings": "word/settings.xml"}, "word/document.xml")
        document = _xml(archive, "word/document.xml")
        rels = _xml(archive, "word/_rels/document.xml.rels")
        targets = {rel.get("Id"): rel.get("Target", "")
                   for rel in rels.iter(f"{{{_PR}}}Relationship")}
        styles = _WordStyles(_xml(archive, "word/styles.xml")
                             if "word/styles.xml" in names else None)
        settings = (_xml(archive, "word/settings.xml")
                    if "word/settings.xml" in names else None)
        stories: dict[str, Any] = {}
        for r_id, target in targets.items():
            name = _part_named("word/document.xml", target)
            if name in names and re.search(r"(header|footer)\d*\.xml$", name):
                stories[r_id] = _xml(archive, name)
        findings = _check_office_metadata(archive, [document, *stories.values()], path,
                                          styles)
    even = settings is not None and _on(settings.find(_w("evenAndOddHeaders")))
    return document, stories, styles, even, findings


_WORD_ERRORS = (KeyError, zipfile.BadZipFile, AttributeError, TypeError, ValueError)
#: The package parts an Office file's relationships must name where the gate reads them:
#: an application opens the parts the relationships name, whatever their names.
_PACKAGE_PARTS = {"core-properties": "docProps/core.xml",
                  "extended-properties": "docProps/app.xml",
                  "custom-properties": "docProps/custom.xml"}


def _part_named(source: str, target: str) -> str:
    """The part a relationship of the part ``source`` names by ``target``: from the
    package's root if it starts with ``/``, else from ``source``'s folder (OPC)."""
    if target.startswith("/"):
        return posixpath.normpath(target).lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def _standard_parts(archive: zipfile.ZipFile, wanted: dict[str, str], source: str = "",
                    ) -> None:
    """Raise ValueError unless the relationships of the part ``source`` (the package's
    own: ``""``) name each ``wanted`` kind of part where the gate reads it."""
    folder, name = posixpath.split(source)
    rels = posixpath.join(folder, "_rels", f"{name}.rels")
    for rel in _xml(archive, rels).iter(f"{{{_PR}}}Relationship"):
        kind = rel.get("Type", "").rpartition("/")[2]
        target = _part_named(source, rel.get("Target", ""))
        if kind in wanted and target != wanted[kind]:
            raise ValueError(f"its {kind} part is {target}, not {wanted[kind]}")


def _package_parts(archive: zipfile.ZipFile, main: str) -> None:
    """:func:`_standard_parts` of the package: its main part and its properties."""
    _standard_parts(archive, {"officeDocument": main, **_PACKAGE_PARTS})


def _printed_stories(document: Any, stories: dict[str, Any], even: bool, kind: str
                     ) -> Iterable[tuple[int, str, Any]]:
    """Each section's ``kind`` (header or footer) stories Word may print: (the section's
    number, the band's name, the story or None), inherited from an earlier section when
    the section names none of its own."""
    current: dict[str, str] = {}  # type -> rId, inherited
    # a w:sectPr inside w:sectPrChange is a tracked change's old value, not a section
    sections = [sect for sect in document.iter(_w("sectPr"))
                if sect.getparent().tag in (_w("body"), _w("pPr"))]
    for number, sect in enumerate(sections, 1):
        for ref in sect.findall(_w(f"{kind}Reference")):
            current[ref.get(_w("type"), "default")] = ref.get(f"{{{_R}}}id", "")
        needed = ["default"] + ["first"] * _on(sect.find(_w("titlePg"))) + ["even"] * even
        for story_type in needed:
            band = f"{kind} ({story_type} pages)" if story_type != "default" else kind
            yield number, band, stories.get(current.get(story_type) or "")


def check_docx(data: bytes, edition: Edition, path: str) -> list[str]:
    """Every section of the Word document shows the banner in each header and footer
    Word may print (default; first page with a title page; even pages when the document
    has different odd and even pages), inherited or its own, at 7 pt or more, not hidden;
    every marked item its portion mark; core and extended properties only printed text."""
    from lxml import etree

    wanted = squash(edition.banner)
    try:
        document, stories, styles, even, findings = _load_word(data, path)
    except (*_WORD_ERRORS, etree.XMLSyntaxError) as error:
        return [f"{path} is not a readable Word file ({error})"]
    failures: dict[tuple[str, str], list[int]] = {}
    for kind in ("header", "footer"):
        for number, band, story in _printed_stories(document, stories, even, kind):
            problem = ("there is none" if story is None
                       else _story_problem(story, wanted, styles))
            if problem:
                failures.setdefault((band, problem), []).append(number)
    out = [f"{path}: the banner `{edition.banner}` is missing from the {band} of "
           f"{page_ranges(numbers, 'section')}: {problem}"
           for (band, problem), numbers in sorted(failures.items())]
    paragraphs = ["".join(t.text or "" for t in p.iter(_w("t")))
                  for p in document.iter(_w("p"))]
    out += check_portion_marks("\n".join(paragraphs), edition, path)
    return out + findings


def check_docx_copy_line(data: bytes, line: str, path: str) -> list[str]:
    """Every header Word may print, in every section (each carries the banner: see
    :func:`check_docx`), has a paragraph that is ``line``, not hidden, at 7 pt or more
    and not white: the line is on every page."""
    from lxml import etree

    wanted = squash(line)
    try:
        document, stories, styles, even, _ = _load_word(data, path)
    except (*_WORD_ERRORS, etree.XMLSyntaxError) as error:
        return [f"{path} is not a readable Word file ({error})"]
    failures: dict[tuple[str, str], list[int]] = {}
    for number, band, story in _printed_stories(document, stories, even, "header"):
        problem = ("there is none" if story is None
                   else _story_problem(story, wanted, styles))
        if problem:
            failures.setdefault((band, problem), []).append(number)
    return [f"the {band} of {page_ranges(numbers, 'section')} of {path} "
            f"{'do' if len(numbers) > 1 else 'does'} not show its copy line `{line}`: "
            f"{problem}" for (band, problem), numbers in sorted(failures.items())]


def _check_office_metadata(archive: zipfile.ZipFile, parts: Sequence[Any], path: str,
                           styles: _WordStyles) -> list[str]:
    """docProps of a Word document: every descriptive property is text it prints (a
    hidden run's text is not printed)."""
    hiding = (_w("vanish"), _w("webHidden"), _w("specVanish"))

    def shown(run: Any, paragraph: Any) -> bool:
        for rpr in styles.run_properties(run, paragraph):
            found = next((e for e in rpr if e.tag in hiding), None)
            if found is not None:
                return not _on(found)
        return True

    printed = "\n".join("".join(t.text or "" for r in p.iter(_w("r")) if shown(r, p)
                                for t in r.iter(_w("t")))
                        for part in parts for p in part.iter(_w("p")))
    return _unprinted(_office_properties(archive), printed, path)


# --------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------

_XHTML = "{http://www.w3.org/1999/xhtml}"
_SVG = "{http://www.w3.org/2000/svg}"
_STYLE_ELEMENTS = (f"{_XHTML}style", f"{_SVG}style")
_UNITS_PX = {"px": 1.0, "pt": 4 / 3, "pc": 16.0, "in": 96.0, "cm": 96 / 2.54,
             "mm": 96 / 25.4, "q": 96 / 101.6}
_SIZE_KEYWORDS = {"xx-small": 9.0, "x-small": 10.0, "small": 13.0, "medium": 16.0,
                  "large": 18.0, "x-large": 24.0, "xx-large": 32.0, "xxx-large": 48.0}
#: The payload of a base64 data URL that ends at a quote or bracket: the only text cut
#: before parsing a page (opaque to every check, and half of the parsing time). Nothing
#: else: a cut that took in a comment's end, a backslash or a semicolon would let the
#: gate read another style sheet than the browser does.
_DATA_PAYLOAD = re.compile(r"(data:[\w.+-]+/[\w.+-]+(?:;[\w.+-]+=[\w.+-]+)*;base64,)"
                           r"[A-Za-z0-9+/]{64,}={0,2}(?=[\"')])")
MAX_OFFSET_PX = 100.0  # a banner may sit this far in from the window's edge
_MOVING = ("transform", "translate", "scale", "rotate")
_MASKING = ("filter", "clip-path", "mask", "mask-image", "backdrop-filter")
_ANIMATING = ("animation", "animation-name")  # a keyframe may hide it a moment later
#: Properties the gate computes on the banner and the elements around it (a value it
#: cannot compute is refused), and those that cannot hide or move text; any other set
#: there is refused (`-webkit-text-fill-color`, `box-shadow`, `background-image`,
#: `overflow`, `mix-blend-mode`, vendor prefixes …).
_CHECKED_PROPERTIES = frozenset({
    "display", "visibility", "content-visibility", "opacity", "color", "background-color",
    "font-size", "position", "top", "right", "bottom", "left", "margin", "margin-top",
    "margin-right", "margin-bottom", "margin-left", "text-indent", "width", "height",
    "max-width", "max-height", "zoom", "clip", *_MOVING, *_MASKING, *_ANIMATING,
    "letter-spacing", "word-spacing", "line-height", "unicode-bidi", "overflow",
    "overflow-x", "overflow-y", "padding", "padding-top", "padding-right",
    "padding-bottom", "padding-left", "border", "border-top", "border-right",
    "border-bottom", "border-left", "border-width", "border-top-width",
    "border-right-width", "border-bottom-width", "border-left-width", "writing-mode",
    "background-image"})
_HARMLESS_PROPERTIES = frozenset({
    "font-family", "font-weight", "font-style", "font-variant", "font-stretch",
    "font-kerning", "font-feature-settings", "font-variant-ligatures",
    "font-variant-numeric", "font-variant-caps", "font-synthesis", "text-align",
    "text-align-last", "text-transform", "text-decoration-line",
    "text-decoration-color", "text-decoration-style", "text-rendering", "white-space",
    "overflow-wrap", "word-wrap", "word-break", "hyphens", "direction", "border-color",
    "border-style", "border-top-color", "border-right-color", "border-bottom-color",
    "border-left-color", "border-top-style", "border-right-style", "border-bottom-style",
    "border-left-style", "border-radius", "border-collapse", "border-spacing", "outline",
    "outline-color", "outline-style", "outline-width", "outline-offset", "box-sizing",
    "z-index", "float", "clear", "list-style", "list-style-type", "list-style-position",
    "cursor", "user-select", "break-before", "break-after", "break-inside",
    "page-break-before", "page-break-after", "page-break-inside", "orphans", "widows",
    "quotes", "counter-reset", "counter-increment", "tab-size", "stroke-linecap",
    "stroke-linejoin", "min-width", "min-height", "flex", "flex-direction", "flex-wrap",
    "flex-flow", "flex-grow", "flex-shrink", "flex-basis", "align-items", "align-content",
    "align-self", "justify-content", "justify-items", "justify-self", "place-items",
    "place-content", "gap", "row-gap", "column-gap", "grid-template-columns",
    "grid-template-rows", "grid-column", "grid-row", "grid-area", "scroll-margin-top",
    "scroll-behavior", "print-color-adjust", "accent-color", "caret-color", "string-set",
    "bookmark-level", "bookmark-label", "bookmark-state"})
#: The displays that show an element's text (others hide it: `table-column`; or are not
#: computed by the gate).
_SHOWING_DISPLAYS = frozenset({
    "block", "inline", "inline-block", "flex", "inline-flex", "grid", "inline-grid",
    "flow-root", "list-item", "table", "inline-table", "table-row-group",
    "table-header-group", "table-footer-group", "table-row", "table-cell",
    "table-caption", "block flow", "inline flow", "block flow-root"})
#: Keyword properties: the values the gate knows to keep text in place and readable
#: (the first is the initial value).
_KEYWORDS = {
    "unicode-bidi": ("normal", "embed", "isolate", "plaintext"),
    "overflow": ("visible",), "overflow-x": ("visible",), "overflow-y": ("visible",),
    "writing-mode": ("horizontal-tb",),
    "background-image": ("none",),
}
_SPACING = ("letter-spacing", "word-spacing")
_PADDING = ("padding", "padding-top", "padding-right", "padding-bottom", "padding-left",
            "border", "border-top", "border-right", "border-bottom", "border-left",
            "border-width", "border-top-width", "border-right-width",
            "border-bottom-width", "border-left-width")


def _media(prelude: Sequence[Any]) -> str:
    """Whether an ``@media`` rule applies on a screen: "always" (screen, all, or no
    query), "never" (print only), or "maybe" (a condition, ``not``, another media type:
    what the gate does not decide)."""
    import tinycss2

    kinds = set()
    for query in tinycss2.serialize(prelude).lower().split(","):
        tokens = [t for t in query.split() if t != "only"]
        if tokens in ([], ["all"], ["screen"]):
            kinds.add("always")
        elif tokens == ["print"]:
            kinds.add("never")
        else:
            kinds.add("maybe")
    return "always" if "always" in kinds else "maybe" if "maybe" in kinds else "never"


#: At-rules a page's style sheets may hold; any other is refused (`@layer`, `@supports`,
#: `@container`, `@scope`, `@property`, `@starting-style` … change what applies in ways
#: the gate does not compute).
_AT_RULES = frozenset({"media", "font-face", "page", "keyframes", "charset"})
#: Pseudo-elements that are boxes of their own, not part of the element's text
#: (`::before`/`::after`: not checked, docs/promises.md; footnote calls and markers are
#: WeasyPrint's, which a browser drops): any other (`::first-line`, `::first-letter`,
#: `::selection` …) styles the text itself.
_OWN_BOXES = (None, "before", "after", "marker", "footnote-call", "footnote-marker")
_FONT_METRICS = ("size-adjust", "ascent-override", "descent-override", "line-gap-override")


class _Sheet(NamedTuple):
    #: (compiled selectors, declarations, whether a condition the gate does not decide
    #: guards the rule)
    rules: tuple[tuple[tuple[Any, ...], list[Any], bool], ...]
    refused: tuple[str, ...]  # what in it the gate does not check: the page is refused


@functools.lru_cache(maxsize=32)
def _style_sheet(css: str) -> _Sheet:
    """Every rule of the style sheet ``css`` that may apply on a screen, and what in it
    the gate does not check. Kept for the next page with the same sheet (the other
    audiences' briefs, their numbered copies); read only."""
    import cssselect2
    import tinycss2

    found: list[tuple[tuple[Any, ...], list[Any], bool]] = []
    refused: list[str] = []
    refuse = refused.append

    def walk(rules: Iterable[Any], maybe: bool) -> None:
        for rule in rules:
            if rule.type == "qualified-rule":
                items = tinycss2.parse_blocks_contents(rule.content, skip_comments=True,
                                                       skip_whitespace=True)
                if any(d.type in ("qualified-rule", "at-rule") for d in items):
                    refuse("nests rules inside a rule (CSS nesting)")
                try:  # compiled once a sheet, not once a page (each compile is an eval)
                    selectors = tuple(cssselect2.compile_selector_list(rule.prelude))
                except cssselect2.SelectorError:
                    # a browser may know the selector (`:defined`, a forgiving `:is()`)
                    refuse(f"has a selector the gate does not read "
                           f"(`{tinycss2.serialize(rule.prelude).strip()[:60]}`)")
                    continue
                found.append((selectors, [d for d in items if d.type == "declaration"],
                              maybe))
            elif rule.type == "at-rule":
                name = rule.lower_at_keyword
                if name == "font-face" and rule.content is not None and any(
                        d.type == "declaration" and d.lower_name in _FONT_METRICS
                        for d in tinycss2.parse_blocks_contents(rule.content)):
                    refuse("resizes a font in its `@font-face` (`size-adjust`, `…-override`)")
                if name == "import":
                    refuse("imports a style sheet (`@import`)")
                elif name not in _AT_RULES:
                    refuse(f"uses `@{name}`")
                elif name == "media" and rule.content is not None:
                    applies = _media(rule.prelude)
                    if applies != "never":
                        walk(tinycss2.parse_rule_list(rule.content, skip_comments=True,
                                                      skip_whitespace=True),
                             maybe or applies == "maybe")
            elif rule.type == "error":
                refuse("holds CSS that does not parse")

    top = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    walk(top, False)
    for url in _urls(token for rule in top if rule.type != "error"
                     for token in [*rule.prelude, *(rule.content or ())]):
        if not url.startswith(("data:", "#")):
            refuse(f"loads a file (`url({url[:60]})`)")
    return _Sheet(tuple(found), tuple(dict.fromkeys(refused)))


def _urls(tokens: Iterable[Any]) -> Iterator[str]:
    """The URLs of ``url()`` and ``src()`` in CSS tokens, at any depth."""
    for token in tokens:
        if token.type == "url":
            yield token.value.strip()
        elif token.type == "function":
            if token.lower_name in ("url", "src"):
                yield "".join(t.value for t in token.arguments
                              if t.type == "string").strip()
            yield from _urls(token.arguments)
        elif token.type in ("() block", "[] block", "{} block"):
            yield from _urls(token.content)


class _Cascade:
    """The declared values of a page's elements for the screen, by CSS's cascade
    (importance, inline style, specificity, order); ``var()`` resolved."""

    def __init__(self, root: Any) -> None:
        import cssselect2

        self.matcher = cssselect2.Matcher()
        # Each <style> element is a style sheet of its own, as in a browser: a block or
        # comment left open ends with its element, and the next element's rules apply.
        # An inline SVG's <style> styles the whole page too.
        sheets = [_style_sheet("".join(e.itertext())) for e in root.iter()
                  if e.tag in _STYLE_ELEMENTS]
        self.refused = list(dict.fromkeys(what for sheet in sheets for what in sheet.refused))
        rules = [rule for sheet in sheets for rule in sheet.rules]
        for order, (selectors, declarations, maybe) in enumerate(rules):
            for selector in selectors:
                self.matcher.add_selector(selector, (order, declarations, maybe))

    def declared(self, wrapper: Any) -> tuple[dict[str, str], str]:
        """The element's declared values, and what styles it that the gate does not
        decide (``""`` when nothing does)."""
        import tinycss2

        entries: list[tuple[tuple[Any, ...], str, str]] = []
        unsure = ""

        def add(key: tuple[Any, ...], declarations: Iterable[Any]) -> None:
            for index, d in enumerate(declarations):
                value = tinycss2.serialize(d.value).strip()
                name = d.name if d.name.startswith("--") else d.lower_name
                for prop, part in _longhands(name, value):
                    entries.append(((d.important, *key, index), prop, part))

        for specificity, _order, pseudo, (order, declarations, maybe) in self.matcher.match(
                wrapper):
            if pseudo is None:
                add((0, specificity, order), declarations)
            if declarations and (maybe or pseudo not in _OWN_BOXES):
                # a rule that applies only on some screens, or styles part of its text
                unsure = unsure or (
                    "a rule under a condition the gate does not decide (`@media` with a "
                    "feature, `not`, or another media type) styles it" if maybe else
                    f"a `::{pseudo}` rule styles it")
        style = wrapper.etree_element.get("style")
        if style:
            add((1, (0, 0, 0), 0), [d for d in tinycss2.parse_blocks_contents(
                style, skip_comments=True, skip_whitespace=True) if d.type == "declaration"])
        won: dict[str, tuple[tuple[Any, ...], str]] = {}
        for key, prop, value in entries:
            if prop not in won or key >= won[prop][0]:
                won[prop] = (key, value)
        return {prop: value for prop, (_, value) in won.items()}, unsure


def _css_words(value: str) -> list[str]:
    """The space-separated parts of a value, a function call (`rgb(0, 0, 0)`) as one."""
    return re.findall(r"[\w.#%+-]*\([^()]*\)|[^\s()]+", value)


def _longhands(name: str, value: str) -> list[tuple[str, str]]:
    """The properties a declaration sets that the gate reads (shorthands expanded as far
    as needed: ``font`` sets ``font-size``, ``background`` its colour, ``inset`` the
    offsets)."""
    lowered = value.lower()
    if name == "font":
        if lowered in ("inherit", "unset", "revert"):
            return []
        size = next((w for w in re.split(r"[\s/]+", lowered)
                     if _length_px(w, 16.0, 16.0) is not None or w in _SIZE_KEYWORDS), None)
        # a size the gate cannot read (`calc(1px)`) is refused as the font size
        return [("font-size", size or ("medium" if lowered in ("initial", "caption", "icon",
                                                              "menu", "message-box",
                                                              "small-caption",
                                                              "status-bar") else value))]
    if name == "background":
        image = re.search(r"(gradient|url|image|element|cross-fade|paint)\s*\(", lowered)
        return [("background-color", _colour_in(lowered) or "transparent"),
                ("background-image", value if image else "none")]
    if name == "inset":
        parts = lowered.split()
        sides = (parts * 4)[:4] if len(parts) == 1 else (parts + parts)[:4]
        return list(zip(("top", "right", "bottom", "left"), sides, strict=True))
    return [(name, value)]


def _colour_in(value: str) -> str | None:
    """The first token of a ``background`` shorthand that is a colour."""
    import tinycss2
    import tinycss2.color4

    for token in tinycss2.parse_component_value_list(value):
        if token.type in ("whitespace", "comment"):
            continue
        if tinycss2.color4.parse_color(token) is not None:
            return tinycss2.serialize([token])
    return None


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def _length_px(value: str, em: float, rem: float) -> float | None:
    """A CSS length in px (``em`` and ``rem`` relative to the sizes given); None for
    anything else (``calc()``, viewport units ...)."""
    match = re.fullmatch(r"([+-]?(?:\d+\.?\d*|\.\d+))(%|[a-z]*)", value.strip().lower())
    if not match:
        return None
    number, unit = float(match[1]), match[2]
    if unit in _UNITS_PX:
        return number * _UNITS_PX[unit]
    if unit == "em":
        return number * em
    if unit == "rem":
        return number * rem
    if unit == "%":
        return number / 100 * em
    if unit == "" and number == 0:
        return 0.0
    return None


def _rgba(value: str, current: tuple[float, float, float, float]
          ) -> tuple[float, float, float, float] | None:
    import tinycss2.color4

    if value.lower() == "currentcolor":
        return current
    colour = tinycss2.color4.parse_color(value)
    if colour is None or isinstance(colour, str):
        return None
    red, green, blue = colour.to("srgb").coordinates
    return (red, green, blue, colour.alpha)


def _resolve_vars(value: str, custom: dict[str, str]) -> str | None:
    """``var(--name[, fallback])`` replaced by the inherited custom property (None when
    a variable has no value and no fallback)."""
    pattern = re.compile(r"var\(\s*(--[\w-]+)\s*(?:,\s*([^()]*))?\)")
    for _ in range(16):  # variables may name variables
        match = pattern.search(value)
        if match is None:
            return value
        replacement = custom.get(match[1], match[2])
        if replacement is None:
            return None
        value = value[:match.start()] + replacement.strip() + value[match.end():]
    return None


@dataclass
class _Computed:
    custom: dict[str, str]
    visibility: str = "visible"
    colour: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 1.0)
    font_px: float = 16.0
    background: tuple[float, float, float] = (1.0, 1.0, 1.0)
    opacity: float = 1.0


#: The elements a banner (or copy line) and the elements around it may be: a browser's
#: own style sheet hides or replaces others (`<dialog>`, `<details>`, `<template>`,
#: `<video>` …), and the gate does not model it.
_PLAIN_ELEMENTS = frozenset({"html", "body", "div", "span", "p", "header", "footer",
                             "main", "section", "article", "aside", "nav", "strong", "b",
                             "em", "i", "a"})
#: Their attributes the gate knows to change nothing it checks (`hidden`, `popover`,
#: `inert` … would).
_PLAIN_ATTRIBUTES = frozenset({"class", "id", "dir", "lang", "role", "style", "title",
                               "translate", "href", "xmlns"})


def _shown(cascade: _Cascade, wrapper: Any) -> tuple[str, dict[str, str]]:
    """Why the element's text is not shown on the page's cascade, or ``""``: its
    elements and those around it, from the root down; and its own declared values."""
    own = cascade.declared(wrapper)
    state = _Computed(custom={})
    root_px = 16.0
    for number, one in enumerate([wrapper, *wrapper.ancestors][::-1]):
        element = one.etree_element
        name = element.tag.rpartition("}")[2].lower()
        if name not in _PLAIN_ELEMENTS:
            return f"it is inside a `<{name}>`, whose showing the gate does not check", own[0]
        odd = sorted(a for a in (k.rpartition("}")[2].lower() for k in element.attrib)
                     if a not in _PLAIN_ATTRIBUTES and not a.startswith(("aria-", "data-")))
        if odd:
            return f"the `{odd[0]}` attribute of a `<{name}>` around it is not checked", own[0]
        declared, unsure = own if one is wrapper else cascade.declared(one)
        problem = unsure or _element_problem(declared, state, root_px)
        if number == 0:
            root_px = state.font_px
        if problem:
            return problem, own[0]
    return _illegible(state), own[0]


def _element_problem(declared: dict[str, str], state: _Computed, root_px: float) -> str:
    """What this element's own declarations do to hide what it holds, or ``""``;
    updates ``state`` with what its children inherit."""

    def get(prop: str, default: str = "") -> str:
        value = declared.get(prop)
        # a var() without a value makes the declaration unset (CSS Variables 1, 3.1)
        resolved = None if value is None else _resolve_vars(value, state.custom)
        return default if resolved is None else resolved.lower().strip()

    for prop, value in declared.items():
        if prop.startswith("--"):
            state.custom[prop] = _resolve_vars(value, state.custom) or ""
        elif prop not in _CHECKED_PROPERTIES and prop not in _HARMLESS_PROPERTIES:
            return f"`{prop}: {value}` is set on it or around it (not checked by the gate)"
        elif value.lower().count("var(") > 1:
            return f"`{prop}: {value}` cannot be checked (a variable within a variable)"
    if get("display") in ("none", "contents"):
        return f"`display: {get('display')}` hides it"
    if get("content-visibility") == "hidden":
        return "`content-visibility: hidden` hides it"
    if get("display", "block") not in _SHOWING_DISPLAYS:
        return f"`display: {get('display')}` cannot be checked"
    for prop, allowed in _KEYWORDS.items():
        if get(prop, allowed[0]) not in allowed:
            return f"`{prop}: {get(prop)}` cannot be checked"
    for prop in _SPACING:
        value = get(prop, "normal")
        px = 0.0 if value == "normal" else _length_px(value, state.font_px, root_px)
        if px is None or px < 0:
            return f"`{prop}: {value}` may run its letters together"
    for prop in _PADDING:
        for value in _css_words(get(prop)):
            px = 0.0 if value in ("thin", "medium", "thick", "none", "solid", "dashed",
                                  "dotted", "double") or _colour_in(value) else (
                _length_px(value, state.font_px, root_px))
            if px is None or not 0 <= px <= MAX_OFFSET_PX:
                return f"`{prop}: {get(prop)}` moves it out of place"
    height = get("line-height", "normal")
    if height != "normal":
        number = _number(height)
        px = number * state.font_px if number is not None else _length_px(
            height, state.font_px, root_px)
        if px is None or px < 0.8 * state.font_px:
            return f"`line-height: {height}` cannot be checked"
    visibility = get("visibility", state.visibility)
    if visibility in ("hidden", "collapse"):
        return f"`visibility: {visibility}` hides it"
    state.visibility = visibility
    opacity = get("opacity", "1")
    number = _number(opacity.rstrip("%"))
    if number is None or not math.isfinite(number):
        return f"its opacity `{opacity}` cannot be checked"
    state.opacity *= number / 100 if opacity.endswith("%") else number
    if state.opacity < 0.5:
        return f"it is {state.opacity:.0%} opaque"
    for prop in (*_MOVING, *_MASKING, "clip", *_ANIMATING):
        value = get(prop)
        if value not in ("", "none", "auto"):
            return f"`{prop}: {value}` changes how it is drawn (not checked by the gate)"
    zoom = get("zoom")
    if zoom not in ("", "1", "normal", "100%"):
        return f"`zoom: {zoom}` scales it"
    size = get("font-size")
    if size:
        px = _SIZE_KEYWORDS.get(size) or _length_px(size, state.font_px, root_px)
        if size == "larger":
            px = state.font_px * 1.2
        elif size == "smaller":
            px = state.font_px / 1.2
        if px is None:
            return f"its font size `{size}` cannot be checked"
        state.font_px = px
    position = get("position", "static")
    for side in ("top", "right", "bottom", "left"):
        value = get(side, "auto")
        if position == "static" or value == "auto":
            continue
        px = _length_px(value, state.font_px, root_px)
        if px is None or not 0 <= px <= MAX_OFFSET_PX:
            return f"`{side}: {value}` moves it out of place"
    for prop in ("margin-top", "margin-left", "margin-right", "margin-bottom", "margin",
                 "text-indent"):
        for value in _css_words(get(prop)):
            px = None if value == "auto" else _length_px(value, state.font_px, root_px)
            if value != "auto" and (px is None or abs(px) > MAX_OFFSET_PX):
                return f"`{prop}: {get(prop)}` moves it out of place"
    for prop in ("height", "max-height", "width", "max-width"):
        px = _length_px(get(prop) or "auto", state.font_px, root_px)
        if px is not None and px < 1.0:
            return f"`{prop}: {get(prop)}` leaves it no room"
    colour = get("color")
    if colour:
        parsed = _rgba(colour, state.colour)
        if parsed is None:
            return f"its colour `{colour}` cannot be checked"
        state.colour = parsed
    background = get("background-color")
    if background:
        parsed = _rgba(background, state.colour)
        if parsed is None:
            return f"its background `{background}` cannot be checked"
        alpha = parsed[3]
        state.background = tuple(  # type: ignore[assignment]
            alpha * parsed[i] + (1 - alpha) * state.background[i] for i in range(3))
    return ""


def check_html(data: bytes, edition: Edition, path: str) -> list[str]:
    """The banner elements on the page's cascade for a screen; see docs/promises.md for
    what is and is not checked."""
    import cssselect2

    # The payloads of embedded fonts and images are cut before parsing (_DATA_PAYLOAD).
    try:
        page = _DATA_PAYLOAD.sub(r"\1", data.decode("utf-8"))
    except UnicodeDecodeError:
        return [f"{path} is not UTF-8 text"]
    root = htmlparse.parse(page)
    wanted = squash(edition.banner)
    cascade = _Cascade(root)
    top_wrapper = cssselect2.ElementWrapper.from_html_root(root)
    body = root.find(f"{_XHTML}body")
    flow = "".join(body.itertext()) if body is not None else ""

    def holds_banner(element: Any) -> bool:
        return bool(wanted) and squash("".join(element.itertext())) == wanted

    # The innermost elements whose text is the banner. Only elements holding the
    # banner's first word are looked at (the whole page's text is not squashed for
    # each of its elements).
    first = (words(edition.banner) or [""])[0]
    holders = {e for e in root.iter() if isinstance(e.tag, str) and first
               and first in (e.text or "").casefold()}
    candidates = [w for w in top_wrapper.iter_subtree()
                  if (w.etree_element in holders or any(
                      c in holders for c in w.etree_element)) and holds_banner(w.etree_element)
                  and not any(holds_banner(c) for c in w.etree_element)]
    problems: dict[str, list[str]] = {"top": [], "bottom": []}
    for wrapper in candidates:
        problem, own = _shown(cascade, wrapper)
        before, after = _flow_position(flow, body, wrapper.etree_element)
        position = (own.get("position") or "static").lower()
        pinned = position in ("fixed", "sticky")
        top = pinned and (own.get("top") or "auto") != "auto"
        bands = []
        if top or not before.strip():
            bands.append("top")
        # pinned to both edges, its text shows at the top only
        if (pinned and not top and (own.get("bottom") or "auto") != "auto") or (
                not after.strip() and not top):
            bands.append("bottom")
        for band in bands or ["top", "bottom"]:
            problems[band].append(problem if bands else
                                  "it is neither first nor last on the page, nor pinned "
                                  "to the top or bottom of the window")
    findings = []
    for band, found in problems.items():
        if "" not in found:
            reason = found[0] if found else "no element holds it"
            findings.append(f"{path} does not show the {edition.banner} banner at the {band}: "
                            f"{reason}")
    # Text runs of adjacent elements read as separate words (a <dt> and its <dd>) or as
    # one (<strong>B</strong>order): both readings count as printed.
    spaced = " ".join(body.itertext()) if body is not None else ""
    findings += _check_html_metadata(root, f"{flow}\n{spaced}", path)
    return findings + _active_content(root, cascade, path)


#: Elements that hold another document, or markup a browser does not show as the page
#: (the gate would read their `<style>` as the page's).
_EMBEDDING = frozenset({"iframe", "frame", "frameset", "object", "embed", "portal",
                        "fencedframe", "template", "noscript"})


def _charset(meta: Any) -> str | None:
    """The encoding a ``<meta>`` declares, lower case, or None."""
    if meta.get("charset") is not None:
        return str(meta.get("charset")).strip().lower()
    if meta.get("http-equiv", "").strip().lower() == "content-type":
        found = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", meta.get("content", ""), re.I)
        return found[1].lower() if found else None
    return None


#: ``<link rel>`` values that load a style sheet, a script or another page.
_LOADING_LINKS = frozenset({"stylesheet", "import", "preload", "modulepreload", "prefetch",
                            "prerender"})
#: What the URL of a script looks like once a browser has dropped its white space and
#: control characters.
_SCRIPT_URL = re.compile(r"(?i)^(?:javascript|vbscript):")


def _active_content(root: Any, cascade: _Cascade, path: str) -> list[str]:
    """What could change the page after it is read, or style it from elsewhere, beyond
    what the gate reads: refused, whatever it does (a script could remove the banner,
    an imported sheet hide it, a refresh show another page)."""
    found = list(cascade.refused)
    refuse = found.append
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        name = element.tag.rpartition("}")[2].lower()
        if name == "script":
            refuse("runs a script (`<script>`)")
        elif name in _EMBEDDING:
            refuse(f"holds another document or hidden markup (`<{name}>`)")
        elif element.tag in _STYLE_ELEMENTS and (
                element.get("media", "all").strip().lower() not in ("all", "screen", "")
                or element.get("type", "text/css").strip().lower() not in ("text/css", "")):
            refuse("has a `<style>` for some media or of another type")
        elif name == "meta" and (charset := _charset(element)) not in (None, "utf-8",
                                                                        "utf8"):
            refuse(f"declares the encoding `{charset}` (it is UTF-8)")
        for attribute, value in element.attrib.items():
            local = attribute.rpartition("}")[2].lower()
            if local.startswith("on"):
                refuse(f"runs a script (the `{local}` attribute of `<{name}>`)")
            elif scheme := _SCRIPT_URL.match("".join(c for c in value if c > " ")):
                refuse(f"runs a script (a `{scheme[0].lower()}` URL in `<{name}>`)")
        if name == "link" and _LOADING_LINKS & set(element.get("rel", "").lower().split()):
            refuse(f"loads a file with `<link rel=\"{element.get('rel')}\">`")
        if name == "meta" and element.get("http-equiv", "").strip().lower() == "refresh":
            refuse("sends the reader to another page (`<meta http-equiv=\"refresh\">`)")
    return [f"{path} {what}, which the release gate does not check: not allowed in an "
            "HTML brief" for what in dict.fromkeys(found)]


def check_html_copy_line(data: bytes, line: str, path: str) -> list[str]:
    """An element holding ``line``, displayed and visible on the page's cascade (the
    checks of a banner element, without its place)."""
    import cssselect2

    try:
        root = htmlparse.parse(_DATA_PAYLOAD.sub(r"\1", data.decode("utf-8")))
    except UnicodeDecodeError:
        return [f"{path} is not UTF-8 text"]
    wanted = squash(line)
    cascade = _Cascade(root)
    reasons = []
    for wrapper in cssselect2.ElementWrapper.from_html_root(root).iter_subtree():
        element = wrapper.etree_element
        if squash("".join(element.itertext())) != wanted or any(
                squash("".join(c.itertext())) == wanted for c in element):
            continue
        problem, _ = _shown(cascade, wrapper)
        if not problem:
            return []
        reasons.append(problem)
    return [f"{path} does not show its copy line `{line}`: "
            f"{reasons[0] if reasons else 'no element holds it'}"]


def _bytes(rgb: Sequence[float]) -> tuple[int, int, int]:
    return (round(rgb[0] * 255), round(rgb[1] * 255), round(rgb[2] * 255))


def _flow_position(flow: str, body: Any, element: Any) -> tuple[str, str]:
    """The body's text before and after ``element``, in document order."""
    if body is None:
        return "", ""
    before: list[str] = []
    for node in body.iter():
        if node is element:
            break
        before.append(node.text or "")
        if element not in node.iter():
            before.append(node.tail or "")
    # the text before, as the body's text reads it, then what follows the element
    start = len("".join(before))
    end = start + len("".join(element.itertext()))
    return flow[:start], flow[end:]


def _check_html_metadata(root: Any, flow: str, path: str) -> list[str]:
    values: list[tuple[str, str]] = []
    title = root.find(f"{_XHTML}head/{_XHTML}title")
    if title is not None:
        values.append(("<title>", "".join(title.itertext())))
    for meta in root.iter(f"{_XHTML}meta"):
        name = (meta.get("name") or meta.get("property") or "").lower()
        if name in HTML_META_CHECKED or (name.startswith(("dc.", "og:", "twitter:")) and
                                         not name.endswith(("created", "modified", "date",
                                                            "type", "locale"))):
            values.append((f'<meta name="{name}">', meta.get("content") or ""))
    return _unprinted(values, flow, path)


#: ``<meta>`` names that describe the page (the rest: generator, dates, viewport).
HTML_META_CHECKED = frozenset({"author", "description", "keywords", "subject", "title",
                               "dcterms.title", "dcterms.subject", "dcterms.description",
                               "dcterms.creator", "application-name"})
