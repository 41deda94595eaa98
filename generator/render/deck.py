"""Edition -> PowerPoint deck (python-pptx).

:func:`render_deck` builds one audience's deck from the master's named layouts (see
:mod:`generator.templates`): title, agenda, key messages, partners, a slide or more per
section, one per collaboration, the benefits matrix, one per chart (native, editable),
recommendations, sources (``full``) and closing. A ``summary`` deck stays within
:data:`SUMMARY_MAX_SLIDES` slides.

Nothing overflows and nothing is dropped: text is measured with metric-compatible fonts
(:mod:`generator.render.textfit`), set from the type scale of
:mod:`generator.render.deck_plan` and never below its floors, and what does not fit
continues on further slides (``Title (cont.)``); tables repeat their header row.

The deck's layers: :mod:`generator.render.deck_plan` (pure: the type scale, the text
model, fitting, geometry), :mod:`generator.master` (the master: opened, checked, each
slide kind's layout chosen by name or by its placeholders), this module (composition,
written with python-pptx) and :mod:`generator.render.deck_fast` (the only module that
imports python-pptx's private names: shortcuts that give the bytes python-pptx's public
API gives, which ``render_deck(..., fast=False)`` takes instead).

Every slide carries the edition's banner top and bottom, its slide number, and each
marked portion its portion mark. The package holds nothing but what the Edition says:
the master's own slides, unused layouts, thumbnails, comments, custom properties and
sample text are removed, core properties come from the Edition, and the zip is written
with a fixed entry order and timestamps so the same Edition gives the same bytes.

The master is opened, bounded, checked and made safe (no links to outside addresses) by
:mod:`generator.master`, the same code ``briefgen check`` runs. This module imports
python-pptx at import time; only build workers import it.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import os
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from copy import deepcopy
from dataclasses import replace
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from lxml import etree
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.dml import MSO_THEME_COLOR
from pptx.enum.shapes import MSO_SHAPE, PP_PLACEHOLDER
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE
from pptx.exc import PackageNotFoundError
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.oxml.shapes.autoshape import CT_Shape
from pptx.shapes.placeholder import (
    ChartPlaceholder,
    LayoutPlaceholder,
    PicturePlaceholder,
    PlaceholderGraphicFrame,
    PlaceholderPicture,
    SlidePlaceholder,
    TablePlaceholder,
)
from pptx.shapes.shapetree import BaseShapeFactory, SlideShapeFactory
from pptx.slide import Slide, SlideLayout
from pptx.util import Emu, Inches, Pt

from ..edition import Chart, Collaboration, Edition, Item, Section
from ..errors import Diagnostic, RenderError, TemplateError
from ..master import (
    DROPPED_PACKAGE_RELS,
    DROPPED_PRESENTATION_RELS,
    MAX_IMAGE_PIXELS,
    boxes_overlap,
    choose_layouts,
    human_size,
    image_pixels_problem,
    master_path,
    open_master,
    unreadable,
)
from ..templates import TemplateSet
from .charts import add_native_chart
from .deck_fast import (  # noqa: F401 - also this module's names, for callers
    _BLANKS,
    _CONTROL,
    _EMBED_MARK,
    _NS_DECLS,
    _TABLE_STYLE,
    _TABLE_URI,
    SLIDE_PLACEHOLDER,
    _add_slide_id,
    _append_shapes,
    _count_partnames,
    _element,
    _elements,
    _keep_blank,
    _max_shape_id,
    _normalised_zip,
    _notes_body,
    _package_members,
    _split_at_id,
    _xml_attr,
    _xml_text,
    add_slide,
    loose_cell,
    normalise_package,
    notes_slide,
)
from .deck_plan import (
    AGENDA_ONE_COLUMN,
    BAND,
    BAND_SIDE,
    BANNER_SIZES,
    BODY_SIZES,
    CELL_X,
    CELL_Y,
    CODE_FONT,
    COMPLEX_FONT,
    CONTINUED_TABLE_SIZE,
    COVER_TEXT_SIZES,
    COVER_TITLE_SIZES,
    EPSILON,
    FURNITURE_MIN,
    GAP,
    HEADING_SIZE,
    INSET_X,
    INSET_Y,
    KEY_SIZES,
    LANGUAGE_TAGS,
    LEAD_SIZES,
    LOGO_CARD_PAD,
    LOGO_DPI,
    LOGO_MAX_BYTES,
    NUMBER_SIZES,
    REFERENCE_SIZES,
    SUMMARY_MAX_SLIDES,
    TABLE_SIZES,
    TITLE_SIZES,
    Box,
    Cell,
    Content,
    Para,
    Rect,
    TableLayout,
    _Fitter,
    _fixed_box,
    _grid,
    _hang,
    _indent,
    _inline_text,
    _md_paras,
    _Pages,
    _plain_paras,
    _Plan,
    _share,
    _with_portion,
)
from .markdown import Run, merged_runs
from .textfit import Measurer

WHITE = RGBColor(0xFF, 0xFF, 0xFF)
INK = RGBColor(0x1E, 0x25, 0x2B)
MUTED = RGBColor(0x5F, 0x6B, 0x76)

# Placeholder types by role.
TITLE_TYPES = (PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE)
BODY_TYPES = (PP_PLACEHOLDER.BODY, PP_PLACEHOLDER.OBJECT, PP_PLACEHOLDER.SUBTITLE)
AREA_TYPES = (*BODY_TYPES, PP_PLACEHOLDER.TABLE, PP_PLACEHOLDER.CHART,
              PP_PLACEHOLDER.PICTURE)

DARK_KINDS = frozenset({"title", "section", "closing"})

NS = {
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "p": "http://schemas.openxmlformats.org/presentationml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}
_HLINK_COLOUR_EXT = "{A12FA001-AC4F-418D-AE19-62706E023703}"
_HLINK_COLOUR_NS = "http://schemas.microsoft.com/office/drawing/2018/hyperlinkcolor"


_PR = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"


def _a(tag: str) -> str:
    return f"{{{NS['a']}}}{tag}"


# --------------------------------------------------------------------------- public API


def render_deck(edition: Edition, templates: TemplateSet, *, fast: bool = True) -> bytes:
    """The deck of ``edition`` as ``.pptx`` bytes, built from ``templates.master``.

    ``fast=False`` makes slides, notes pages and the package with python-pptx's public
    API only (``slides.add_slide``, ``slide.notes_slide``, ``Presentation.save``) rather
    than the shortcuts of :mod:`generator.render.deck_fast`: the same bytes, slower.

    Raises :class:`TemplateError` when the master lacks a layout or placeholder the deck
    needs, :class:`RenderError` when a file the edition names (the logo) cannot be used.
    """
    prs, problems = _open_master(templates)
    errors = [d for d in problems if d.severity == "error"]
    if errors or prs is None:
        raise TemplateError(errors)
    if fast:
        _count_partnames(prs.part.package)
    builder = _DeckBuilder(edition, prs, templates, fast=fast)
    builder.build()
    return builder.save()


def _open_master(templates: TemplateSet) -> tuple[Any, list[Diagnostic]]:
    """The master of ``templates`` opened with python-pptx (None when it cannot be
    used), and what ``briefgen check`` reports about it: the deck is built from the
    bytes :func:`generator.master.open_master` bounded, checked and made safe."""
    data, problems = open_master(templates)
    if data is None:
        return None, problems
    try:
        return Presentation(io.BytesIO(data)), problems
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, OSError, ValueError,
            etree.XMLSyntaxError) as exc:
        return None, [unreadable(master_path(templates), exc)]


def zip_date_time(edition: Edition) -> tuple[int, int, int, int, int, int]:
    """Zip timestamps: ``SOURCE_DATE_EPOCH`` when set (clamped to zip's 1980-2107),
    else 1980-01-01 00:00."""
    if edition.source_date_epoch is None:
        return (1980, 1, 1, 0, 0, 0)
    when = dt.datetime.fromtimestamp(edition.source_date_epoch, dt.UTC)
    when = min(max(when, dt.datetime(1980, 1, 1, tzinfo=dt.UTC)),
               dt.datetime(2107, 12, 31, 23, 59, 58, tzinfo=dt.UTC))
    return (when.year, when.month, when.day, when.hour, when.minute, when.second)


def document_time(edition: Edition) -> dt.datetime:
    """The deck's created/modified time: ``SOURCE_DATE_EPOCH`` when set, else the
    briefing's date at midnight UTC (never the clock)."""
    if edition.source_date_epoch is not None:
        when = dt.datetime.fromtimestamp(edition.source_date_epoch, dt.UTC)
    else:
        when = dt.datetime.combine(dt.date.fromisoformat(edition.date), dt.time(),
                                   dt.UTC)
    return when.replace(tzinfo=None)


def _rect(shape: Any) -> Rect | None:
    try:
        left, top, width, height = shape.left, shape.top, shape.width, shape.height
    except (AttributeError, ValueError):
        return None
    if None in (left, top, width, height):
        return None
    return Rect(int(left), int(top), int(width), int(height))


# python-pptx's ``ph`` look-up (``BaseShapeElement.ph``), compiled once: python-pptx
# compiles its XPath on every call, and placeholders are looked up thousands of times.
_PH = etree.XPath("./*[1]/p:nvPr/p:ph", namespaces={"p": NS["p"]})


def _ph_elm(element: Any) -> Any:
    """The ``p:ph`` of a shape element, or None (as ``element.ph``)."""
    found = _PH(element)
    return found[0] if found else None


_XFRM = f"{{{NS['p']}}}spPr/{{{NS['a']}}}xfrm"
_OFF, _EXT = f"{{{NS['a']}}}off", f"{{{NS['a']}}}ext"


def _own_geometry(element: Any) -> tuple[Any, Any, Any, Any]:
    """A shape element's own (x, y, cx, cy), None where it has none (as ``element.x``
    and so on, with the ``a:xfrm`` looked up once and plain EMU values read directly)."""
    xfrm = element.find(_XFRM)
    if xfrm is None:
        return (None, None, None, None)
    off, ext = xfrm.find(_OFF), xfrm.find(_EXT)
    values = ((off.get("x"), off.get("y")) if off is not None else (None, None)) + \
        ((ext.get("cx"), ext.get("cy")) if ext is not None else (None, None))
    if all(v is not None and v.lstrip("-").isdigit() for v in values):
        return tuple(int(v) for v in values)  # type: ignore[return-value]
    return (xfrm.x, xfrm.y, xfrm.cx, xfrm.cy)  # a unit ("1in"), or a part missing


def _merged_geometry(own: tuple[Any, Any, Any, Any], inherited: tuple[Any, Any, Any, Any],
                     ) -> tuple[Any, Any, Any, Any]:
    return (own[0] if own[0] is not None else inherited[0],
            own[1] if own[1] is not None else inherited[1],
            own[2] if own[2] is not None else inherited[2],
            own[3] if own[3] is not None else inherited[3])


def _rect_of(values: tuple[Any, Any, Any, Any]) -> Rect | None:
    """:func:`_rect`'s result for (left, top, width, height)."""
    if None in values:
        return None
    return Rect(int(values[0]), int(values[1]), int(values[2]), int(values[3]))


_PH_TYPES = {member.xml_value: member for member in PP_PLACEHOLDER if member.xml_value}


def _type_of(ph: Any) -> Any:
    """The type of a ``p:ph`` (None if it is not one python-pptx knows)."""
    value = ph.get("type")
    if value is None:
        return PP_PLACEHOLDER.OBJECT  # the schema's default, as python-pptx has it
    return _PH_TYPES.get(value)


_SP, _GRAPHIC_FRAME, _PIC = (f"{{{NS['p']}}}{tag}" for tag in ("sp", "graphicFrame", "pic"))
# The master placeholder type a layout placeholder inherits from (as python-pptx's
# LayoutPlaceholder._base_placeholder has it).
_BASE_TYPES = {
    PP_PLACEHOLDER.BODY: PP_PLACEHOLDER.BODY, PP_PLACEHOLDER.CHART: PP_PLACEHOLDER.BODY,
    PP_PLACEHOLDER.BITMAP: PP_PLACEHOLDER.BODY, PP_PLACEHOLDER.CENTER_TITLE: PP_PLACEHOLDER.TITLE,
    PP_PLACEHOLDER.ORG_CHART: PP_PLACEHOLDER.BODY, PP_PLACEHOLDER.DATE: PP_PLACEHOLDER.DATE,
    PP_PLACEHOLDER.FOOTER: PP_PLACEHOLDER.FOOTER, PP_PLACEHOLDER.MEDIA_CLIP: PP_PLACEHOLDER.BODY,
    PP_PLACEHOLDER.OBJECT: PP_PLACEHOLDER.BODY, PP_PLACEHOLDER.PICTURE: PP_PLACEHOLDER.BODY,
    PP_PLACEHOLDER.SLIDE_NUMBER: PP_PLACEHOLDER.SLIDE_NUMBER,
    PP_PLACEHOLDER.SUBTITLE: PP_PLACEHOLDER.BODY, PP_PLACEHOLDER.TABLE: PP_PLACEHOLDER.BODY,
    PP_PLACEHOLDER.TITLE: PP_PLACEHOLDER.TITLE}
_PLACEHOLDER_CLASSES: dict[Any, type] = {
    PP_PLACEHOLDER.BITMAP: PicturePlaceholder, PP_PLACEHOLDER.CHART: ChartPlaceholder,
    PP_PLACEHOLDER.PICTURE: PicturePlaceholder, PP_PLACEHOLDER.TABLE: TablePlaceholder}


def _slide_placeholder(element: Any, kind: Any, parent: Any) -> Any:
    """``SlideShapeFactory(element, parent)`` for a placeholder of type ``kind``: the
    class python-pptx picks, without the two XPath look-ups of ``p:ph`` it makes."""
    if element.tag == _SP:
        return _PLACEHOLDER_CLASSES.get(kind, SlidePlaceholder)(element, parent)
    if element.tag == _GRAPHIC_FRAME:
        return PlaceholderGraphicFrame(element, parent)
    if element.tag == _PIC:
        return PlaceholderPicture(element, parent)
    return SlideShapeFactory(element, parent)


def _ph_type(ph: Any) -> Any:
    """The placeholder type of a shape (``ph.placeholder_format.type``), or None."""
    try:
        found = _ph_elm(ph._element)
        return None if found is None else found.type
    except (AttributeError, ValueError, TypeError):
        return None


# --------------------------------------------------------------------------- the deck


class _DeckBuilder:
    """Builds one deck: slides first, then markings, then package hygiene."""

    def __init__(self, edition: Edition, prs: Any, templates: TemplateSet, *,
                 fast: bool = True) -> None:
        self.edition = edition
        self.fast = fast  # False: python-pptx's public API only (see render_deck)
        self.rtl = edition.audience.rtl
        self.lang = _language_tag(edition.audience.language)
        self.lang_attr = _xml_attr(self.lang)  # for markup
        self.prs = prs  # the master, checked (see _open_master)
        _remove_slides(self.prs)
        self.width = int(self.prs.slide_width or Inches(13.333))
        self.height = int(self.prs.slide_height or Inches(7.5))
        if self.rtl:
            _mirror_design(self.prs, self.width)
        # The layout of each kind, as the check chose it: by name, else by placeholders.
        layouts = [layout for master in self.prs.slide_masters
                   for layout in master.slide_layouts]
        chosen = choose_layouts([(layout.name, layout._element) for layout in layouts],
                                templates)
        self.layouts = {kind: layouts[choice.position] for kind, choice in chosen.items()
                        if choice is not None}
        _apply_theme_fonts(self.prs, edition.audience.theme.fonts)
        major, minor = _theme_fonts(self.prs)
        self.title_fit = _Fitter(Measurer(major, CODE_FONT), self.rtl)
        self.body_fit = _Fitter(Measurer(minor, CODE_FONT), self.rtl)
        self.logo = _load_logo(edition)
        self.content = Content(edition)  # what each slide says (the plan module)
        self.slides: list[tuple[Any, str]] = []  # (slide, kind)
        # Read once per deck: layouts and masters do not change while slides are built
        # (they are mirrored before and pruned after). Keyed on the elements and parts
        # themselves, which the presentation keeps alive as long as this builder.
        self._layout_phs: dict[Any, list[tuple[Any, Any, int]]] = {}
        self._layout_rects: dict[Any, tuple[Any, Any, Any, Any]] = {}
        self._masters: dict[Any, Any] = {}  # layout part -> its master's p:sldMaster
        self._inherited: dict[tuple[Any, int], tuple[Any, Any, Any, Any]] = {}
        self._aligns: dict[tuple[Any, int, bool], str | None] = {}
        self._proxies: dict[Any, Any] = {}  # slide placeholder element -> its shape
        self._band_boxes: dict[tuple[str, Rect, int, bool], Any] = {}  # see _band_box
        self._band_pic: tuple[tuple[int, ...], Any, Any] | None = None  # see _band_logo
        self._blank_keys: dict[Any, tuple[str, bytes]] = {}  # see _add_slide, _notes_slide
        self._pprs: dict[tuple[Any, ...], Any] = {}  # see _ppr_markup
        self._rprs: dict[tuple[Any, ...], str] = {}  # see _rpr_markup
        self._band_markup: dict[tuple[Any, ...], str] = {}  # see _band_text
        self._body_prs: dict[tuple[bytes, Any], Any] = {}  # see _frame_properties

    # ----------------------------------------------------------------- plan

    def build(self) -> None:
        e = self.edition
        _apply_theme_colours(self.prs, e.audience.theme.primary, e.audience.theme.accent)
        self.title_slide()
        if e.audience.length == "summary":
            self.summary_body()
        else:
            self.agenda_slide()
            if e.summary:
                self.text_slides("bullets", e.label("executive_summary"),
                                 _md_paras(e.summary), LEAD_SIZES)
            self.key_messages_slide([])
            self.partners_slides()
            for section in e.sections:
                self.section_slides(section)
            for collab in e.collaborations:
                self.collaboration_slides(collab)
            self.benefits_matrix_slides()
            for chart in e.charts:
                self.chart_slides([chart])
            self.recommendations_slide()
            if e.audience.length == "full":
                self.sources_slides()
        self.closing_slide()
        self.markings()

    def summary_body(self) -> None:
        """Key messages, sections, charts and recommendations within the slide budget:
        a slide per section while they fit, else sections share slides under their own
        headings; charts one per slide, else two or four to a slide."""
        e = self.edition
        lead = _md_paras(e.summary, scale=0.8) if e.summary else []
        fixed = 2 + (1 if e.key_messages or lead else 0) + (1 if e.recommendations else 0)
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

        if e.key_messages or lead:
            self.key_messages_slide(lead, fallback=KEY_SIZES[-1])
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
        layout = self.layouts["bullets"]
        size, pages = self.body_fit.fit(paras, self._text_box(layout, "bullets",
                                                              self.edition.label("sections")),
                                        BODY_SIZES, max_pages=budget, fallback=BODY_SIZES[-1])
        notes = self._notes([(s.notes, self.content.section_title(s)) for s in sections])
        return [(self.edition.label("sections"), notes, (layout, size, pages))]

    # ----------------------------------------------------------------- slides

    def title_slide(self) -> None:
        e = self.edition
        slide = self.new_slide("title")
        title_ph = self.title_placeholder(slide)
        cover = self._logo_card(slide, title_ph)
        self.set_title(slide, title_ph, e.title, COVER_TITLE_SIZES, floor=cover)
        paras = self.content.cover()
        body = self.body_placeholders(slide)
        rect, shape = self._text_target(slide, body[0] if body else None, "title")
        title_rect = self._rect(title_ph) if title_ph is not None else None
        if title_rect is not None and boxes_overlap(
                (rect.left, rect.top, rect.width, rect.height),
                (title_rect.left, title_rect.top, title_rect.width, title_rect.height)):
            # A master whose subtitle sits on (or shares an idx with) the title: the
            # text goes below the title, keeping its height where the slide has room.
            top = title_rect.bottom + GAP
            rect = Rect(rect.left, top, rect.width,
                        max(rect.bottom - top, min(rect.height, self.height - BAND - top), 0))
            _place(shape, rect)
        size, pages = self.body_fit.fit(paras, _fixed_box(*rect.text_box()), COVER_TEXT_SIZES,
                                        fallback=COVER_TEXT_SIZES[-1])
        if len(pages) > 1:  # the cover is one slide: its text box grows down instead
            rect = Rect(rect.left, rect.top, rect.width, self.height - BAND - rect.top)
            _place(shape, rect)
        self.write(shape, paras, size, anchor=MSO_ANCHOR.TOP, kind="title")
        self.drop_unused(slide, keep=(shape, title_ph))

    def agenda_slide(self) -> None:
        e = self.edition
        paras = self.content.agenda()
        if not paras:
            return
        title = e.label("agenda")
        if len(paras) > AGENDA_ONE_COLUMN:  # a long agenda: two columns on one slide
            layout = self.layouts["agenda"]
            bodies = self.body_placeholders(layout)
            below = self._title_bottom(layout)
            rect = self._rect(bodies[0]) if bodies else None
            area = self._clamp(rect) if rect else self._area(layout, below=below)
            if area.top < below:
                area = Rect(area.left, below, area.width, area.bottom - below)
            half = math.ceil(len(paras) / 2)
            if self._two_columns("agenda", title, [paras[:half], paras[half:]], area,
                                 LEAD_SIZES):
                return
        self.text_slides("agenda", title, paras, LEAD_SIZES)

    def key_messages_slide(self, lead: list[Para], *, fallback: float | None = None) -> None:
        e = self.edition
        paras = self.content.key_messages(lead)
        if paras:
            self.text_slides("key_message", e.label("key_messages"), paras, KEY_SIZES,
                             fallback=fallback)

    def recommendations_slide(self) -> None:
        e = self.edition
        paras = self.content.recommendations()
        if paras:
            self.text_slides("bullets", e.label("recommendations"), paras, LEAD_SIZES)

    def section_slides(self, section: Section) -> None:
        title = self.content.section_title(section)
        notes = self._notes([(section.notes, None)])
        if not section.key_points:
            slide = self.new_slide("section")
            title_ph = self.title_placeholder(slide)
            self.set_title(slide, title_ph, title, COVER_TITLE_SIZES)
            self.drop_unused(slide, keep=(title_ph,))
            self.set_notes(slide, notes)
            return
        self._emit_text("bullets", self._section_pages(section, max_pages=1), title,
                        notes=notes)

    def _section_pages(self, section: Section, *, max_pages: int) -> _Pages:
        paras = self.content.section_points(section)
        layout = self.layouts["bullets"]
        box = self._text_box(layout, "bullets", self.content.section_title(section))
        size, pages = self.body_fit.fit(paras, box, BODY_SIZES, max_pages=max_pages)
        return layout, size, pages

    def collaboration_slides(self, collab: Collaboration) -> None:
        title = self.content.collaboration_title(collab)
        paras = self.content.collaboration(collab)
        notes = self._notes([(collab.notes, None)])

        two = self.layouts["two_content"]
        full = self.layouts["bullets"]
        columns = self.body_placeholders(two)
        column = self._rect(columns[1]) if len(columns) > 1 else None
        area = self._clamp(column) if column else None
        if area is not None:  # below the title, which a long one grows
            title_rect, _, grown = self._title_fit(self.title_placeholder(two), title,
                                                   TITLE_SIZES)
            if grown and area.top < title_rect.bottom + GAP:
                top = title_rect.bottom + GAP
                area = Rect(area.left, top, area.width, max(area.bottom - top, 0))
        beside = self._metrics_beside(collab, area) if collab.metrics and area else None
        beside_dims = (area.width, area.height) if area else None
        if beside is None:  # text across the slide; metrics (if any) on slides of their own
            size, pages = self.body_fit.fit(paras, self._text_box(full, "bullets", title),
                                            BODY_SIZES)
            self._emit_text("bullets", (full, size, pages), title, notes=notes)
            if collab.metrics:
                self.metrics_table_slides(collab, title)
            return

        first_box = self._body_box(two, 0, title)
        rest_box = self._body_box(full, 0, self._continued(title, 1))
        size, pages = self.body_fit.fit(
            paras, lambda n: first_box(0) if n == 0 else rest_box(0), BODY_SIZES)
        slide = self.new_slide("two_content")
        title_ph = self.title_placeholder(slide)
        bottom = self.set_title(slide, title_ph, title, TITLE_SIZES)
        left, right = self.body_placeholders(slide)[:2]  # mirrored in an RTL deck
        self._text_target(slide, left, "two_content", below=bottom)  # as first_box has it
        self.write(left, pages[0], size, anchor=MSO_ANCHOR.TOP)
        area = self._clamp(self._rect(right) or area)
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
                table = self._table_layout(beside.header, beside.rows, area, sizes)
                if len(table.pages) > 1 or table.cramped:
                    table = beside
            self.draw_table(slide, table, 0, area, self.edition.label("metrics"))
        self.drop_unused(slide, keep=(title_ph, left))
        self.set_notes(slide, notes)
        if len(pages) > 1:
            self._emit_text("bullets", (full, size, pages[1:]), title, continued=True)

    def _metrics_beside(self, collab: Collaboration, area: Rect) -> Chart | TableLayout | None:
        """A collaboration's metrics for the column beside its text: a chart for a single
        metric, a small table for several; None when the table would not fit there."""
        chart = self.content.metric_chart(collab)
        if chart is not None:
            return chart
        metrics = collab.metrics
        for transposed in (False, True):  # periods across, else (narrow column) down
            header, rows = self.content.metrics_table(metrics, transposed=transposed)
            layout = self._table_layout(header, rows, area, TABLE_SIZES)
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
            self.table_slides(self.edition.label("benefits_matrix"), header, rows)

    def sources_slides(self) -> None:
        paras = self.content.sources()
        if paras:
            self.text_slides("bullets", self.edition.label("sources"), paras, BODY_SIZES)

    def closing_slide(self) -> None:
        """Questions, then who to contact and how to handle the deck: two blocks under
        their own headings, side by side below the title when both fit there at a lead
        size, else one after the other (continuing on further slides), set flush
        rather than centred, at body sizes."""
        title = self.edition.label("closing")
        blocks = self.content.closing()
        layout = self.layouts["closing"]
        area = self._closing_area(layout, title)
        align = "r" if self.rtl else "l"
        if len(blocks) == 2 and self._two_columns("closing", title, blocks, area,
                                                   LEAD_SIZES, align=align):
            return
        paras = [p for block in blocks for p in block]
        size, pages = self.body_fit.fit(paras, _fixed_box(*area.text_box()), LEAD_SIZES)
        self._emit_text("closing", (layout, size, pages), title, align=align, rect=area)

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
        title_ph = self.title_placeholder(slide)
        self.set_title(slide, title_ph, title,
                       COVER_TITLE_SIZES if kind in DARK_KINDS else TITLE_SIZES)
        bodies = self.body_placeholders(slide)
        shapes = [bodies[0]] if bodies else []
        while len(shapes) < len(columns):
            # Another column: a copy of the body placeholder, so that it inherits the
            # layout's text style (colour, font) as the first does, on any master.
            shapes.append(_copy_shape(slide, shapes[0]) if shapes else
                          slide.shapes.add_textbox(0, 0, columns[0].width, columns[0].height))
        for shape, block, column in zip(shapes, blocks, columns, strict=True):
            _place(shape, column)
            self.write(shape, block, shared, anchor=MSO_ANCHOR.TOP, kind=kind, align=align)
        self.drop_unused(slide, keep=(title_ph, *shapes))
        return True

    def _closing_area(self, layout: Any, title: str) -> Rect:
        """Below the closing slide's title, down to the bottom band, as wide as the
        wider of its title and body placeholders (or the content area)."""
        title_rect, _, _ = self._title_fit(self.title_placeholder(layout), title,
                                           COVER_TITLE_SIZES)
        bodies = self.body_placeholders(layout)
        body = self._rect(bodies[0]) if bodies else None
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
            title = _with_portion(_inline_text(chart.title), chart.mark)
        else:
            title = e.label("charts")
        slide = self.new_slide("chart")
        title_ph = self.title_placeholder(slide)
        bottom = self.set_title(slide, title_ph, title, TITLE_SIZES)
        area = self._area(slide, below=bottom)
        self.drop_unused(slide, keep=(title_ph,))
        cells = _grid(area, len(charts), rtl=self.rtl)
        for chart, cell in zip(charts, cells, strict=False):
            if len(charts) > 1:
                top = self.small_heading(
                    slide, _with_portion(_inline_text(chart.title), chart.mark), cell)
                cell = Rect(cell.left, top, cell.width, cell.bottom - top)
            self.add_chart(slide, chart, cell)
        self.set_notes(slide, self._notes(
            [(c.notes, None if len(charts) == 1 else _inline_text(c.title)) for c in charts]))

    def add_chart(self, slide: Any, chart: Chart, rect: Rect) -> None:
        frame = add_native_chart(slide, chart, rect.left, rect.top, rect.width, rect.height,
                                 self.edition.audience.theme, rtl=self.rtl)
        _set_alt_text(frame, _inline_text(chart.description or chart.title))

    # ----------------------------------------------------------------- tables

    def table_slides(self, title: str, header: list[Cell], rows: list[list[Cell]]) -> None:
        layout = self.layouts["table"]
        area = self._area(layout, below=self._title_bottom(layout))
        table = self._table_layout(header, rows, area, TABLE_SIZES)
        for n in range(len(table.pages)):
            slide = self.new_slide("table")
            title_ph = self.title_placeholder(slide)
            bottom = self.set_title(slide, title_ph, self._continued(title, n), TITLE_SIZES)
            rect = self._area(slide, below=bottom)
            self.drop_unused(slide, keep=(title_ph,))
            self.draw_table(slide, table, n, rect, title)

    def _table_layout(self, header: list[Cell], rows: list[list[Cell]], area: Rect,
                      sizes: Sequence[float]) -> TableLayout:
        fit = self.body_fit
        width = Emu(area.width).pt
        height = Emu(area.height).pt
        margin_x = Emu(2 * CELL_X).pt
        margin_y = Emu(2 * CELL_Y).pt
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
            return self._table_layout(header, rows, area, (size,))
        return best

    def _split_row(self, row: list[Cell], widths: list[float], size: float,
                   room: float) -> list[list[Cell]]:
        """A row, or the pieces of a row too tall for a slide (each cell's text split)."""
        fit = self.body_fit
        margin_x = Emu(2 * CELL_X).pt
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

    def draw_table(self, slide: Any, layout: TableLayout, page: int, area: Rect,
                   alt: str) -> None:
        """Page ``page`` of ``layout`` as a native table filling ``area``'s width: the
        ``p:graphicFrame`` python-pptx's ``add_table`` makes, with column widths, row
        heights, cell styles and text set, written as one piece of markup."""
        rows = layout.pages[page]
        widths = [int(Pt(w)) for w in layout.widths]
        widths[-1] += area.width - sum(widths)  # rounding
        heights = [int(Pt(layout.header_height))] + [int(Pt(h)) for _, h in rows]
        shape_id = _max_shape_id(slide.shapes._spTree) + 1  # as shapes._next_shape_id
        rtl = ' rtl="1"' if self.rtl else ""
        out = [f"<p:graphicFrame {_NS_DECLS}><p:nvGraphicFramePr>"
               f'<p:cNvPr id="{shape_id}" name="Table {shape_id - 1}" descr={_xml_attr(alt)}/>'
               '<p:cNvGraphicFramePr><a:graphicFrameLocks noGrp="1"/></p:cNvGraphicFramePr>'
               f'<p:nvPr/></p:nvGraphicFramePr><p:xfrm><a:off x="{area.left}" '
               f'y="{area.top}"/><a:ext cx="{sum(widths)}" cy="{sum(heights)}"/></p:xfrm>'
               f'<a:graphic><a:graphicData uri="{_TABLE_URI}"><a:tbl>'
               f'<a:tblPr firstRow="1" bandRow="1"{rtl}>'
               f"<a:tableStyleId>{_TABLE_STYLE}</a:tableStyleId></a:tblPr><a:tblGrid>"]
        out += [f'<a:gridCol w="{w}"/>' for w in widths]
        out.append("</a:tblGrid>")
        part = slide.part
        for r, (cells, h) in enumerate(zip([layout.header, *(row for row, _ in rows)],
                                           heights, strict=True)):
            style = _cell_style_markup("header" if r == 0 else
                                       "banded" if r % 2 == 0 else "plain")
            out.append(f'<a:tr h="{h}">')
            for spec in cells:
                paras = [replace(p, colour="bg1") if r == 0 else p for p in spec.paras]
                out.append("<a:tc><a:txBody><a:bodyPr/><a:lstStyle/>")
                out.append(self._paragraphs_markup(paras, layout.size, self.body_fit,
                                                   align=spec.align, dark=False, part=part))
                out.append(f"</a:txBody>{style}</a:tc>")
            out.append("</a:tr>")
        out.append("</a:tbl></a:graphicData></a:graphic></p:graphicFrame>")
        frame = _element("".join(out))
        slide.shapes._spTree.insert_element_before(frame, "p:extLst")

    # ----------------------------------------------------------------- text slides

    def text_slides(self, kind: str, title: str, paras: list[Para],
                    sizes: Sequence[float], *, fallback: float | None = None,
                    align: str | None = None) -> None:
        layout = self.layouts[kind]
        size, pages = self.body_fit.fit(paras, self._text_box(layout, kind, title), sizes,
                                        fallback=fallback)
        self._emit_text(kind, (layout, size, pages), title, align=align)

    def _text_box(self, layout: Any, kind: str, title: str) -> Box:
        """The body box of slides of ``kind`` titled ``title``: the first below the
        title, the continuation slides below ``title (cont.)``."""
        sizes = COVER_TITLE_SIZES if kind in DARK_KINDS else TITLE_SIZES
        first = self._body_box(layout, 0, title, sizes)
        rest = self._body_box(layout, 0, self._continued(title, 1), sizes)
        return lambda n: first(n) if n == 0 else rest(n)

    def _emit_text(self, kind: str, plan: _Pages, title: str,
                   *, notes: str = "", continued: bool = False,
                   align: str | None = None, rect: Rect | None = None) -> None:
        _layout, size, pages = plan
        for n, page in enumerate(pages):
            slide = self.new_slide(kind)
            title_ph = self.title_placeholder(slide)
            shown = self._continued(title, n + (1 if continued else 0))
            bottom = self.set_title(slide, title_ph,
                                    shown, COVER_TITLE_SIZES if kind in DARK_KINDS
                                    else TITLE_SIZES)
            bodies = self.body_placeholders(slide)
            _, shape = self._text_target(slide, bodies[0] if bodies else None, kind,
                                            below=bottom)
            if rect is not None:  # the box the text was fitted to
                _place(shape, rect)
            self.write(shape, page, size, anchor=MSO_ANCHOR.TOP, kind=kind, align=align)
            self.drop_unused(slide, keep=(title_ph, shape))
            if n == 0:
                self.set_notes(slide, notes)

    def _body_box(self, layout: Any, index: int, title: str = "",
                  title_sizes: Sequence[float] = TITLE_SIZES) -> Box:
        """The text area of body placeholder ``index`` of ``layout`` (points), as
        :meth:`_text_target` will place it: below ``title`` as :meth:`set_title` sets
        it (a long title grows its box; the body starts below it)."""
        bodies = self.body_placeholders(layout)
        bottom = self._title_bottom(layout)
        if title:
            title_rect, _, grown = self._title_fit(self.title_placeholder(layout), title,
                                                   title_sizes)
            if grown:
                bottom = max(bottom, title_rect.bottom)
        target = bodies[index] if len(bodies) > index else None
        rect = self._rect(target) if target is not None else None
        rect = self._clamp(rect) if rect else self._area(layout, below=bottom)
        if rect.top < bottom:
            rect = Rect(rect.left, bottom, rect.width, rect.bottom - bottom)
        return _fixed_box(*rect.text_box())

    def _text_target(self, slide: Any, placeholder: Any, kind: str, *,
                     below: int = 0) -> tuple[Rect, Any]:
        """Where a slide's body text goes: its body placeholder (kept inside the safe
        area and below the title), else a new text box under the title."""
        if placeholder is not None:
            rect = self._clamp(self._rect(placeholder) or self._area(slide, below=below))
            if rect.top < below:
                rect = Rect(rect.left, below, rect.width, max(rect.bottom - below, 0))
            if rect != self._rect(placeholder):
                _place(placeholder, rect)
            return rect, placeholder
        rect = self._area(slide, below=below)
        return rect, slide.shapes.add_textbox(rect.left, rect.top, rect.width, rect.height)

    def _continued(self, title: str, n: int) -> str:
        return f"{title} {self.edition.label('continued')}" if n else title

    # ----------------------------------------------------------------- shapes

    def new_slide(self, kind: str) -> Any:
        slide = self._add_slide(self.layouts[kind])
        self.slides.append((slide, kind))
        return slide

    def _add_slide(self, layout: Any) -> Any:
        """``prs.slides.add_slide(layout)``, or its shortcut (:func:`deck_fast.add_slide`)."""
        if not self.fast:
            return self.prs.slides.add_slide(layout)
        return add_slide(self.prs, layout, self._blank_keys)

    def _notes_slide(self, slide: Any) -> Any:
        """``slide.notes_slide``, or its shortcut (:func:`deck_fast.notes_slide`)."""
        if not self.fast:
            return slide.notes_slide
        return notes_slide(slide, self._blank_keys)

    def title_placeholder(self, slide: Any) -> Any:
        return next((ph for ph, kind, _ in self._placeholders(slide) if kind in TITLE_TYPES),
                    None)

    def body_placeholders(self, slide: Any) -> list[Any]:
        found = [(ph, idx) for ph, kind, idx in self._placeholders(slide) if kind in BODY_TYPES]
        return [ph for ph, _ in sorted(found, key=lambda found: found[1])]

    def _placeholders(self, owner: Any) -> list[tuple[Any, Any, int]]:
        """(shape, type, idx) of each placeholder of a slide or layout, in the order
        ``owner.placeholders`` gives them (a slide's by idx, a layout's as in the file).

        python-pptx finds them with an XPath compiled afresh for every shape and every
        question; here each ``p:ph`` is found once, a layout's once per deck, and a slide
        placeholder's shape object is made once.
        """
        collection = owner.placeholders
        if isinstance(owner, SlideLayout):
            found = self._layout_phs.get(owner._element)
            if found is None:
                found = []
                for element in collection._element.iter_shape_elms():
                    ph = _ph_elm(element)
                    if ph is not None:  # as LayoutPlaceholders (_LayoutShapeFactory) has it
                        shape: Any = LayoutPlaceholder(element, collection) \
                            if isinstance(element, CT_Shape) else BaseShapeFactory(element,
                                                                                   collection)
                        found.append((shape, _type_of(ph), ph.idx))
                self._layout_phs[owner._element] = found
            return found
        if not isinstance(owner, Slide):
            return [(ph, _ph_type(ph), ph.placeholder_format.idx) for ph in collection]
        elements = []
        for element in collection._element.iter_shape_elms():
            ph = _ph_elm(element)
            if ph is not None:
                elements.append((ph.idx, element, ph))
        elements.sort(key=lambda found: found[0])  # stable: as SlidePlaceholders sorts
        out = []
        for idx, element, ph in elements:
            kind = _type_of(ph)
            shape = self._proxies.get(element)
            if shape is None:
                shape = self._proxies[element] = _slide_placeholder(element, kind, collection)
            out.append((shape, kind, idx))
        return out

    def _rect(self, shape: Any) -> Rect | None:
        """:func:`_rect` of ``shape``, python-pptx's geometry of a placeholder (its own
        offset and size, else what it inherits) with what a slide placeholder inherits
        from its layout, and a layout placeholder from the master, read once per deck."""
        element = getattr(shape, "_element", None)
        if not isinstance(element, CT_Shape):
            return _rect(shape)
        if isinstance(shape, LayoutPlaceholder):
            try:
                return _rect_of(self._layout_geometry(shape))
            except (AttributeError, ValueError):
                return None
        if not isinstance(shape, SLIDE_PLACEHOLDER):
            return _rect(shape)
        own = _own_geometry(element)
        if None in own:  # each missing value from the layout placeholder of the same idx
            layout_part: Any = shape.part.part_related_by(RT.SLIDE_LAYOUT)
            key = (layout_part, _ph_elm(element).idx)
            inherited = self._inherited.get(key)
            if inherited is None:
                try:  # as _BaseSlidePlaceholder._base_placeholder
                    base = next((ph for ph, _, idx in self._placeholders(layout_part.slide_layout)
                                 if idx == key[1]), None)
                    inherited = (None, None, None, None) if base is None else \
                        self._layout_geometry(base) if isinstance(base, LayoutPlaceholder) \
                        else (base.left, base.top, base.width, base.height)
                except (AttributeError, ValueError, KeyError):
                    return _rect(shape)  # as python-pptx would fail (or not)
                self._inherited[key] = inherited
            own = _merged_geometry(own, inherited)
        return _rect_of(own)

    def _layout_geometry(self, shape: Any) -> tuple[Any, Any, Any, Any]:
        """(left, top, width, height) of a layout placeholder as python-pptx gives them:
        its own, else those of the master placeholder it inherits from (looked up once,
        where python-pptx looks it up for each of the four)."""
        found = self._layout_rects.get(shape._element)
        if found is None:
            found = _own_geometry(shape._element)
            if None in found:
                found = _merged_geometry(found, self._master_geometry(shape))
            self._layout_rects[shape._element] = found
        return found

    def _master_geometry(self, shape: Any) -> tuple[Any, Any, Any, Any]:
        """The geometry of the master placeholder a layout placeholder inherits from
        (``shape._base_placeholder``: the master's first placeholder of the base type),
        found in the master's XML rather than through a proxy for each of its shapes."""
        kind = _BASE_TYPES.get(_type_of(_ph_elm(shape._element)))
        master = self._masters.get(shape.part)
        if master is None:
            master = self._masters[shape.part] = shape.part.slide_master._element
        if kind is not None:
            for element in master.cSld.spTree.iter_shape_elms():
                ph = _ph_elm(element)
                if ph is None or _type_of(ph) != kind:
                    continue
                if element.tag in (_SP, _PIC):
                    return _own_geometry(element)
                break  # another kind of shape: as python-pptx reads it
        base = shape._base_placeholder  # raises, or finds, as it would have
        return (None, None, None, None) if base is None else \
            (base.left, base.top, base.width, base.height)

    def _inherited_align(self, shape: Any, title: bool) -> str | None:
        """:func:`_inherited_align`, once per layout placeholder (what a slide placeholder
        inherits comes from the layout's placeholder with its idx)."""
        if not isinstance(shape, SLIDE_PLACEHOLDER):
            return _inherited_align(shape, title)
        key = (shape.part.part_related_by(RT.SLIDE_LAYOUT), _ph_elm(shape._element).idx,
               title)
        if key not in self._aligns:
            self._aligns[key] = _inherited_align(shape, title)
        return self._aligns[key]

    def _title_bottom(self, slide: Any) -> int:
        title = self.title_placeholder(slide)
        rect = self._rect(title) if title is not None else None
        return self._clamp(rect).bottom if rect else BAND + GAP

    def set_title(self, slide: Any, placeholder: Any, text: str, sizes: Sequence[float],
                  *, floor: int = 0) -> int:
        """Put ``text`` in the title placeholder at the largest size that fits (the box
        grows within the safe area if even the smallest does not). Returns its bottom."""
        rect, chosen, grown = self._title_fit(placeholder, text, sizes, floor=floor)
        para = Para((Run(text),), 0)  # bold or not as the layout says
        if grown:
            _fill_theme(placeholder, "accent1")
        if placeholder is None:
            placeholder = slide.shapes.add_textbox(rect.left, rect.top, rect.width,
                                                   rect.height)
        if rect != self._rect(placeholder):
            _place(placeholder, rect)
        self.write(placeholder, [para], chosen, fit=self.title_fit, title=True)
        return rect.bottom

    def _title_fit(self, placeholder: Any, text: str, sizes: Sequence[float], *,
                   floor: int = 0) -> tuple[Rect, float, bool]:
        """Where a title goes and its size: the largest of ``sizes`` at which it fits
        the placeholder (of a slide or of a layout: the same box), else the smallest,
        the box grown up into the room above and then down. True when it grew."""
        rect = self._clamp(self._rect(placeholder) if placeholder is not None else None
                           or Rect(Inches(0.6), BAND + GAP, self.width - Inches(1.2),
                                   Inches(1.0)))
        if floor and rect.top < floor:
            rect = Rect(rect.left, floor, rect.width, max(rect.bottom - floor, Inches(0.6)))
        measured = [Para((Run(text, bold=True),), 0)]  # measured as bold, to be safe
        fit = self.title_fit
        width, height = rect.text_box()
        chosen = next((size for size in sizes
                       if fit.height(measured, width, size) <= height + EPSILON), None)
        if chosen is not None:
            return rect, chosen, False
        chosen = sizes[-1]
        need = int(Pt(fit.height(measured, width, chosen))) + 2 * INSET_Y
        grow = min(need - rect.height, rect.top - (floor or BAND))
        rect = Rect(rect.left, rect.top - max(grow, 0), rect.width,
                    rect.height + max(grow, 0))
        if need > rect.height:  # still too long: extend downwards
            rect = Rect(rect.left, rect.top, rect.width,
                        min(need, self.height - BAND - rect.top))
        return rect, chosen, True

    def small_heading(self, slide: Any, text: str, area: Rect) -> int:
        """A one- or two-line heading at the top of ``area``; returns the top of what
        goes under it."""
        para = Para((Run(text, bold=True),), 0)
        width = Emu(area.width - 2 * INSET_X).pt
        height = self.body_fit.height([para], width, HEADING_SIZE) + Emu(2 * INSET_Y).pt
        box = slide.shapes.add_textbox(area.left, area.top, area.width, int(Pt(height)))
        box.name = "Heading"
        self.write(box, [replace(para, colour="accent1")], HEADING_SIZE)
        return area.top + int(Pt(height)) + Inches(0.05)

    def write(self, shape: Any, paras: Sequence[Para], size: float, *,
              anchor: Any = None, kind: str = "", fit: _Fitter | None = None,
              title: bool = False, align: str | None = None) -> None:
        frame = shape.text_frame
        self._frame_properties(frame, anchor)
        if align is None and self.rtl:
            align = self._inherited_align(shape, title)
        self.write_frame(frame, paras, size, align=align, fit=fit, dark=kind in DARK_KINDS,
                         insets=False)  # set above

    def _frame_properties(self, frame: Any, anchor: Any) -> None:
        """Word wrap, no autofit, ``anchor`` and the standard insets, as python-pptx sets
        them on the frame's ``a:bodyPr``. What that makes of a ``bodyPr`` depends on
        nothing but the ``bodyPr`` (and ``anchor``): it is worked out once for each."""
        body_pr = frame._txBody.bodyPr
        # Keyed on the ``bodyPr`` as written (a placeholder's is most often empty).
        key = (b"" if not len(body_pr) and not body_pr.attrib else etree.tostring(body_pr),
               anchor)
        made = self._body_prs.get(key)
        if made is not None:
            body_pr.getparent().replace(body_pr, deepcopy(made))
            return
        frame.word_wrap = True
        frame.auto_size = MSO_AUTO_SIZE.NONE
        if anchor is not None:
            frame.vertical_anchor = anchor
        frame.margin_left = frame.margin_right = INSET_X
        frame.margin_top = frame.margin_bottom = INSET_Y
        self._body_prs[key] = deepcopy(frame._txBody.bodyPr)

    def write_frame(self, frame: Any, paras: Sequence[Para], size: float, *,
                    align: str | None = None, fit: _Fitter | None = None,
                    insets: bool = True, dark: bool = False) -> None:
        """Replace the text of ``frame`` with ``paras`` at ``size`` (exact line pitch,
        explicit indents and bullets, so it sets as it was measured)."""
        if insets:
            frame.margin_left = frame.margin_right = INSET_X
            frame.margin_top = frame.margin_bottom = INSET_Y
        txBody = frame._txBody
        for p in txBody.findall(_a("p")):
            txBody.remove(p)
        part = frame.part if hasattr(frame, "part") else None
        txBody.extend(_elements(self._paragraphs_markup(
            paras, size, fit or self.body_fit, align=align, dark=dark, part=part)))

    # Text is written as DrawingML markup and parsed once per frame or table: building
    # the same elements one lxml call at a time costs several times as much.

    def _paragraphs_markup(self, paras: Sequence[Para], size: float, fit: _Fitter, *,
                           align: str | None, dark: bool, part: Any) -> str:
        """``a:p`` elements of ``paras`` at ``size``; hyperlinks are related to ``part``
        (none when it is None)."""
        if not paras:
            return "<a:p/>"
        if self.rtl and align is None:
            align = "r"
        out = []
        for i, para in enumerate(paras):
            sz = round(fit.size(para, size) * 100)
            out.append("<a:p>")
            out.append(self._ppr_markup(para, size, fit, first=i == 0, align=align,
                                        dark=dark))
            for run in merged_runs(para.runs):  # fewer run boundaries for RTL shaping
                for j, piece in enumerate(run.text.split("\n")):
                    if j:
                        out.append(f"<a:br>{self._rpr_markup(run, para, sz)}</a:br>")
                    if piece:
                        out.append(f"<a:r>{self._rpr_markup(run, para, sz, part, dark)}"
                                   f"<a:t>{_xml_text(piece)}</a:t></a:r>")
            out.append(f'<a:endParaRPr lang={self.lang_attr} sz="{sz}"/></a:p>')
        return "".join(out)

    def _ppr_markup(self, para: Para, size: float, fit: _Fitter, *, first: bool,
                    align: str | None, dark: bool) -> str:
        """The ``a:pPr`` of a paragraph. Decks repeat a handful of paragraph styles
        hundreds of times: each is written once."""
        pitch = fit.pitch(para, size)
        before = 0.0 if first else fit.gap(para, size)
        key = (para.level, para.bullet, para.number, para.colour, align, dark, pitch, before)
        made = self._pprs.get(key)
        if made is None:
            made = self._pprs[key] = self._make_ppr_markup(para, pitch, before, align=align,
                                                           dark=dark)
        return made

    def _make_ppr_markup(self, para: Para, pitch: float, before: float, *,
                         align: str | None, dark: bool) -> str:
        attrs = f'marL="{int(Pt(_indent(para)))}" indent="' + (
            f'{-int(Pt(_hang(para)))}"' if para.bullet != "none" else '0"')
        if para.level > 1:
            attrs += f' lvl="{min(para.level - 1, 8)}"'
        if align:
            attrs += f" algn={_xml_attr(align)}"
        if self.rtl:
            attrs += ' rtl="1"'
        spacing = (f'<a:lnSpc><a:spcPts val="{round(pitch * 100)}"/></a:lnSpc>'
                   f'<a:spcBef><a:spcPts val="{round(before * 100)}"/></a:spcBef>'
                   '<a:spcAft><a:spcPts val="0"/></a:spcAft>')
        if para.bullet == "none":
            return f"<a:pPr {attrs}>{spacing}<a:buNone/></a:pPr>"
        # Bullets in the primary colour; on a dark (primary) background, in the accent.
        colour = para.colour or ("accent2" if dark else "accent1")
        bullet = f"<a:buClr><a:schemeClr val={_xml_attr(colour)}/></a:buClr>"
        if para.bullet == "number":
            start = f' startAt="{para.number}"' if para.number != 1 else ""
            bullet += ('<a:buFont typeface="+mj-lt"/>'
                       f'<a:buAutoNum type="arabicPeriod"{start}/>')
        else:
            char = "•" if para.level % 2 else "–"
            bullet += f'<a:buFont typeface="Arial"/><a:buChar char="{char}"/>'
        return f"<a:pPr {attrs}>{spacing}{bullet}</a:pPr>"

    def _rpr_markup(self, run: Run, para: Para, sz: int, part: Any = None,
                    dark: bool = False) -> str:
        """The ``a:rPr`` of a run (its hyperlink related to ``part``, if given). A run
        without a link has one of a few formats: each is written once."""
        if run.href and part is not None:
            return self._make_rpr_markup(run, para, sz, part, dark)
        key = (run.bold, run.italic, run.code, run.strike, bool(run.href), para.heading,
               para.italic, para.colour, sz, run.baseline)
        made = self._rprs.get(key)
        if made is None:
            made = self._rprs[key] = self._make_rpr_markup(run, para, sz, None, dark)
        return made

    def _make_rpr_markup(self, run: Run, para: Para, sz: int, part: Any,
                         dark: bool) -> str:
        attrs = f'lang={self.lang_attr} sz="{sz}"'
        if run.bold or para.heading:
            attrs += ' b="1"'
        if run.italic or para.italic:
            attrs += ' i="1"'
        if run.strike:
            attrs += ' strike="sngStrike"'
        if run.href:
            attrs += ' u="sng"'
        if run.baseline:  # ~sub~ and ^super^ (generator/render/markdown.py)
            attrs += f' baseline="{run.baseline}"'
        inner = ""
        if para.colour:
            inner += f"<a:solidFill><a:schemeClr val={_xml_attr(para.colour)}/></a:solidFill>"
        if run.code:
            inner += f"<a:latin typeface={_xml_attr(CODE_FONT)}/>"
        if self.rtl:
            inner += f"<a:cs typeface={_xml_attr(COMPLEX_FONT)}/>"
        if run.href and part is not None:
            rid = part.relate_to(run.href, RT.HYPERLINK, is_external=True)
            if dark or para.colour == "bg1":
                # Office 2019+: the link keeps the text colour (legible on dark).
                inner += (f"<a:hlinkClick r:id={_xml_attr(rid)}><a:extLst>"
                          f"<a:ext uri={_xml_attr(_HLINK_COLOUR_EXT)}><ahyp:hlinkClr "
                          f'xmlns:ahyp={_xml_attr(_HLINK_COLOUR_NS)} val="tx"/></a:ext>'
                          "</a:extLst></a:hlinkClick>")
            else:
                inner += f"<a:hlinkClick r:id={_xml_attr(rid)}/>"
        return f"<a:rPr {attrs}>{inner}</a:rPr>" if inner else f"<a:rPr {attrs}/>"

    def drop_unused(self, slide: Any, keep: Iterable[Any]) -> None:
        """Remove the placeholders the layout gave this slide that hold nothing."""
        kept = {id(s._element) for s in keep if s is not None}
        for ph, _, _ in self._placeholders(slide):
            if id(ph._element) not in kept:
                ph._element.getparent().remove(ph._element)

    def set_notes(self, slide: Any, text: str) -> None:
        if not text:
            return
        notes = self._notes_slide(slide)
        body = _notes_body(notes._element)
        if body is None:  # no text body yet: python-pptx adds one
            body = notes.notes_text_frame._txBody
        # As ``notes_text_frame.text = text`` writes it: a paragraph per line, a run per
        # stretch between vertical tabs (which become breaks), control characters
        # written as "_xHHHH_".
        ppr = '<a:pPr rtl="1" algn="r"/>' if self.rtl else ""
        markup = []
        for line in text.split("\n"):
            pieces = [_CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", piece)
                      for piece in re.split("\v", line)]
            content = "<a:br/>".join(f"<a:r><a:t>{_xml_text(piece)}</a:t></a:r>" if piece
                                     else "" for piece in pieces)
            markup.append(f"<a:p>{ppr}{content}</a:p>")
        for p in body.findall(_a("p")):
            body.remove(p)
        body.extend(_elements("".join(markup)))

    def _notes(self, parts: Iterable[tuple[Sequence[Item], str | None]]) -> str:
        """Speaker notes as plain text: each note (already tailored: only those the
        audience may see are here) with its own portion mark, headed by its item's title
        when several items share a slide."""
        blocks = []
        for notes, heading in parts:
            lines = []
            for note in notes:
                paras = _plain_paras(note.text)
                if paras:
                    paras[0] = _with_portion(paras[0], note.mark)
                lines += paras
            if not lines:
                continue
            if heading:
                lines.insert(0, heading)
            blocks.append("\n".join(lines))
        return "\n\n".join(blocks)

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

    def _area(self, slide: Any, *, below: int) -> Rect:
        """The content area of a slide: its first non-title placeholder (table, chart,
        body ...), else the space under the title down to the bottom band."""
        if slide is not None:
            for ph, kind, _ in sorted(self._placeholders(slide), key=lambda found: found[2]):
                if kind in AREA_TYPES and self._rect(ph) is not None:
                    rect = self._clamp(self._rect(ph))
                    top = max(rect.top, below + (GAP if below else 0))
                    return Rect(rect.left, top, rect.width, max(rect.bottom - top, 0))
        margin = Inches(0.6)
        top = max(below + GAP, BAND + GAP)
        bottom = self.height - BAND - GAP
        return Rect(margin, top, self.width - 2 * margin, max(bottom - top, 0))

    # ----------------------------------------------------------------- markings

    def _logo_card(self, slide: Any, title_ph: Any) -> int:
        """The logo on the cover, on a white card above the title; returns the lowest
        point the title may start at (0 when there is no logo)."""
        if self.logo is None:
            return 0
        data, px_w, px_h = self.logo
        title_rect = self._clamp(self._rect(title_ph)) if title_ph is not None else None
        max_h = Inches(0.85)
        max_w = Inches(3.2)
        scale = min(max_w / px_w, max_h / px_h)
        w, h = int(px_w * scale), int(px_h * scale)
        card_w, card_h = w + 2 * LOGO_CARD_PAD, h + 2 * LOGO_CARD_PAD
        margin = title_rect.left if title_rect else Inches(0.6)
        left = self.width - margin - card_w if self.rtl else margin
        top = BAND + Inches(0.3)
        card = slide.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, left, top, card_w, card_h)
        card.name = "Logo Card"
        card.adjustments[0] = 0.08
        card.fill.solid()
        card.fill.fore_color.rgb = WHITE
        card.line.fill.background()
        card.shadow.inherit = False
        pic = slide.shapes.add_picture(io.BytesIO(data), left + LOGO_CARD_PAD,
                                       top + LOGO_CARD_PAD, w, h)
        pic.name = "Logo"
        _set_alt_text(pic, self._logo_alt())
        return top + card_h + GAP

    def _logo_alt(self) -> str:
        text = self.edition.label("logo_alt", issuer=self.edition.issuer)
        return text if text != "logo_alt" else self.edition.issuer

    def markings(self) -> None:
        """Banner top and bottom, slide number and logo on every slide."""
        total = len(self.slides)
        side = min(BAND_SIDE, self.width // 4)
        for number, (slide, kind) in enumerate(self.slides, 1):
            # Every shape added to the slide from here on is added here, through this one
            # SlideShapes, so python-pptx may count shape ids on from the highest instead
            # of searching the slide for it before each shape: the same ids.
            slide.shapes._cached_max_shape_id = _max_shape_id(slide.shapes._spTree)  # turbo
            pending: list[str] = []
            self._slide_markings(slide, kind, number, total, side, pending)
            _append_shapes(slide, pending)
            slide.shapes.turbo_add_enabled = False

    def _slide_markings(self, slide: Any, kind: str, number: int, total: int,
                        side: int, pending: list[str]) -> None:
        e = self.edition
        for name, top in (("Banner Top", 0), ("Banner Bottom", self.height - BAND)):
            self._band_text(slide, pending, name, e.banner, Rect(0, top, self.width, BAND),
                            side=side, bold=True, fill=True, align="ctr",
                            sizes=BANNER_SIZES, colour=INK)
        label = e.label("slide_x_of_y", slide=number, slides=total)
        left = 0 if self.rtl else self.width - side
        self._band_text(slide, pending, "Slide Number", label,
                        Rect(left, self.height - BAND, side, BAND), side=0,
                        align="l" if self.rtl else "r", sizes=NUMBER_SIZES,
                        colour=MUTED)
        if e.reference:
            left = self.width - side if self.rtl else 0
            self._band_text(slide, pending, "Reference", e.reference,
                            Rect(left, self.height - BAND, side, BAND), side=0,
                            align="r" if self.rtl else "l", sizes=REFERENCE_SIZES,
                            colour=MUTED)
        if self.logo is not None and kind != "title":
            self._band_logo(slide, side, pending)

    def _band_text(self, slide: Any, pending: list[str], name: str, text: str, rect: Rect,
                   *, side: int, align: str, sizes: Sequence[float], colour: RGBColor,
                   bold: bool = False, fill: bool = False) -> None:
        """A band's text box: added to the slide, or (once one like it has been made)
        its markup added to ``pending``, for :func:`_append_shapes`."""
        # The banner reads the same on every slide: sized and written once.
        markup_key = (text, bold, rect.width, rect.height, side, tuple(sizes), align,
                      str(colour))
        markup = self._band_markup.get(markup_key)
        if markup is None:
            para = Para((Run(text, bold=bold),), 0, min_pt=FURNITURE_MIN)
            width = Emu(rect.width - 2 * (side + INSET_X)).pt
            height = Emu(rect.height).pt
            size = next((s for s in sizes if self.body_fit.height([para], width, s)
                         <= height + EPSILON and len(self.body_fit.lines(para, width, s)) == 1),
                        sizes[-1])
            rtl = ' rtl="1"' if self.rtl and _has_rtl_text(text) else ""  # "12 / 15"
            weight = ' b="1"' if bold else ""
            script = f"<a:cs typeface={_xml_attr(COMPLEX_FONT)}/>" if self.rtl else ""
            markup = self._band_markup[markup_key] = (
                f"<a:p><a:pPr algn={_xml_attr(align)}{rtl}><a:buNone/></a:pPr><a:r>"
                f'<a:rPr lang={self.lang_attr} sz="{int(size * 100)}"{weight}>'
                f'<a:solidFill><a:srgbClr val="{colour}"/></a:solidFill>{script}'
                f"</a:rPr><a:t>{_xml_text(text)}</a:t></a:r></a:p>")
        key = (name, rect, side, fill)
        made = self._band_boxes.get(key)
        if made is not None:  # the box python-pptx made, with an id of its own
            head, tail = made
            pending.append(f"{head}{slide.shapes._next_shape_id}{tail}".replace(
                "</p:txBody>", f"{markup}</p:txBody>"))
            return
        _append_shapes(slide, pending)  # the shapes before it first, in order
        pending.clear()
        txBody = self._band_box(slide, name, rect, side, fill)
        txBody.extend(_elements(markup))

    def _band_box(self, slide: Any, name: str, rect: Rect, side: int, fill: bool) -> Any:
        """A text box for a band, made with python-pptx, without paragraphs; returns its
        ``p:txBody``. Its markup is kept for the same box on later slides (what
        python-pptx would make, without its dozen element look-ups for each property)."""
        box = slide.shapes.add_textbox(rect.left, rect.top, rect.width, rect.height)
        box.name = name
        if fill:
            box.fill.solid()
            box.fill.fore_color.rgb = WHITE
        frame = box.text_frame
        frame.word_wrap = True
        frame.auto_size = MSO_AUTO_SIZE.NONE
        frame.vertical_anchor = MSO_ANCHOR.MIDDLE
        frame.margin_left = frame.margin_right = side + INSET_X
        frame.margin_top = frame.margin_bottom = 0
        txBody = frame._txBody
        for p in txBody.findall(_a("p")):
            txBody.remove(p)
        self._band_boxes[(name, rect, side, fill)] = _split_at_id(box._element)
        return txBody

    def _band_logo(self, slide: Any, side: int, pending: list[str]) -> None:
        assert self.logo is not None
        data, px_w, px_h = self.logo
        pad = Inches(0.06)
        scale = min((side - 2 * INSET_X) / px_w, (BAND - 2 * pad) / px_h)
        w, h = int(px_w * scale), int(px_h * scale)
        left = self.width - INSET_X - w if self.rtl else INSET_X
        shapes = slide.shapes
        place = (left, (BAND - h) // 2, w, h)
        if self._band_pic is not None and self._band_pic[0] == place:
            # As add_picture would: the image part it made for the first slide (the one
            # it finds by the image's hash), related to this slide, and the same picture.
            _, image_part, (head, tail) = self._band_pic
            rid = slide.part.relate_to(image_part, RT.IMAGE)
            pending.append(f"{head}{shapes._next_shape_id}{tail}".replace(
                _EMBED_MARK, _xml_attr(rid)))
            return
        _append_shapes(slide, pending)
        pending.clear()
        shape = shapes.add_picture(io.BytesIO(data), *place)
        shape.name = "Logo"
        _set_alt_text(shape, self._logo_alt())
        blip = shape._element.blipFill.blip
        rid = blip.rEmbed
        blip.set(f"{{{NS['r']}}}embed", _EMBED_MARK.strip('"'))
        self._band_pic = (place, slide.part.related_part(rid), _split_at_id(shape._element))
        blip.set(f"{{{NS['r']}}}embed", rid)

    # ----------------------------------------------------------------- package

    def save(self) -> bytes:
        _remove_unused_layouts(self.prs)
        _scrub_template(self.prs)
        if self.edition.audience.speaker_notes == "omit":
            _drop_notes_master(self.prs)
        _set_core_properties(self.prs, self.edition)
        _set_app_properties(self.prs, len(self.slides),
                            sum(1 for s, _ in self.slides if s.has_notes_slide))
        if not self.fast:
            out = io.BytesIO()
            self.prs.save(out)
            return normalise_package(out.getvalue(), zip_date_time(self.edition))
        return _normalised_zip(_package_members(self.prs), zip_date_time(self.edition))


def _apply_cell_style(cell: Any, band: str) -> None:
    """Margins, anchor and fill of a table cell: ``header``, ``banded`` (even rows) or
    ``plain``."""
    cell.margin_left = cell.margin_right = CELL_X
    cell.margin_top = cell.margin_bottom = CELL_Y
    cell.vertical_anchor = MSO_ANCHOR.MIDDLE
    cell.fill.solid()
    if band == "header":
        cell.fill.fore_color.theme_color = MSO_THEME_COLOR.ACCENT_1
    elif band == "banded":
        cell.fill.fore_color.theme_color = MSO_THEME_COLOR.ACCENT_1
        cell.fill.fore_color.brightness = 0.9
    else:
        cell.fill.fore_color.rgb = WHITE


@cache
def _cell_style(band: str) -> Any:
    """The ``a:tcPr`` :func:`_apply_cell_style` makes of a new cell's (empty) one, made
    once with python-pptx on a cell of its own."""
    cell = loose_cell()
    _apply_cell_style(cell, band)
    return cell._tc.tcPr


@cache
def _cell_style_markup(band: str) -> str:
    """:func:`_cell_style` as markup, for :meth:`_DeckBuilder.draw_table`."""
    return re.sub(r' xmlns:\w+="[^"]*"', "",  # declared where it is used
                  etree.tostring(_cell_style(band), encoding="unicode"))


# --------------------------------------------------------------------------- XML helpers


def _copy_shape(slide: Any, shape: Any) -> Any:
    """A copy of ``shape`` (as it is now) added to ``slide`` with an id and name of its
    own, as python-pptx adds a shape (before any ``p:extLst``)."""
    element = deepcopy(shape._element)
    shape_id = slide.shapes._next_shape_id
    c_nv_pr = element.find(".//p:cNvPr", NS)
    c_nv_pr.set("id", str(shape_id))
    c_nv_pr.set("name", f"{c_nv_pr.get('name', 'Shape')} {shape_id}")
    slide.shapes._spTree.insert_element_before(element, "p:extLst")
    return SlideShapeFactory(element, slide.shapes)


def _set_alt_text(shape: Any, text: str) -> None:
    """Alt text (``descr``) of a picture, chart or table."""
    c_nv_pr = shape._element.find(".//p:cNvPr", NS)
    if c_nv_pr is not None:
        c_nv_pr.set("descr", text)


def _place(shape: Any, rect: Rect) -> None:
    shape.left, shape.top, shape.width, shape.height = (rect.left, rect.top, rect.width,
                                                        rect.height)


def _fill_theme(shape: Any, colour: str) -> None:
    if shape is None:
        return
    shape.fill.solid()
    shape.fill.fore_color.theme_color = getattr(MSO_THEME_COLOR, colour.upper().replace(
        "ACCENT", "ACCENT_"))


def _inherited_align(shape: Any, title: bool) -> str | None:
    """The alignment a placeholder's first level inherits (layout, then master), mirrored
    for right-to-left text: centred stays centred, anything else becomes right."""
    found = None
    if getattr(shape, "is_placeholder", False):
        try:
            layout_ph = shape._base_placeholder
        except (AttributeError, KeyError):
            layout_ph = None
        chain: list[Any] = []
        while layout_ph is not None and len(chain) < 3:
            chain.append(layout_ph)
            try:
                layout_ph = layout_ph._base_placeholder
            except (AttributeError, KeyError, NotImplementedError):
                # python-pptx raises NotImplementedError for a master placeholder, the
                # end of the chain: not a missing feature of ours.
                layout_ph = None
        for ph in chain:
            lvl = ph._element.find(".//a:lstStyle/a:lvl1pPr", NS)
            if lvl is not None and lvl.get("algn"):
                found = lvl.get("algn")
                break
    return "ctr" if found == "ctr" else "r"


def _mirror_design(prs: Any, width: int) -> None:
    """Mirror every master and layout left to right, for a right-to-left deck: shapes
    placed at the left move to the right (logo, accent bars, the first of two columns)
    and left-aligned text styles become right-aligned."""
    parts = []
    for master in prs.slide_masters:
        parts.append(master._element)
        parts += [layout._element for layout in master.slide_layouts]
    for element in parts:
        tree = element.find("p:cSld/p:spTree", NS)
        for shape in (tree if tree is not None else ()):
            off = shape.find("./*/a:xfrm/a:off", NS)
            ext = shape.find("./*/a:xfrm/a:ext", NS)
            if off is None or ext is None:
                continue
            off.set("x", str(width - int(off.get("x", "0")) - int(ext.get("cx", "0"))))
        for level in element.iter():
            if isinstance(level.tag, str) and level.tag.startswith(_a("lvl")) and \
                    level.tag.endswith("pPr"):
                level.set("rtl", "1")
                if level.get("algn", "l") == "l":
                    level.set("algn", "r")


def _has_rtl_text(text: str) -> bool:
    return any("\u0590" <= ch <= "\u08ff" or "\ufb1d" <= ch <= "\ufefc" for ch in text)


def _language_tag(language: str) -> str:
    if "-" in language:
        return language
    return LANGUAGE_TAGS.get(language.lower(), language.lower())


def _layouts_by_name(prs: Any) -> dict[str, Any]:
    """Every layout of every master by name (the first of a name wins)."""
    found: dict[str, Any] = {}
    for master in prs.slide_masters:
        for layout in master.slide_layouts:
            found.setdefault(layout.name, layout)
    return found


def _theme_fonts(prs: Any) -> tuple[str, str]:
    """The (major, minor) Latin typefaces of the first master's theme."""
    theme = etree.fromstring(prs.slide_master.part.part_related_by(RT.THEME).blob)
    major = theme.find(".//a:fontScheme/a:majorFont/a:latin", NS)
    minor = theme.find(".//a:fontScheme/a:minorFont/a:latin", NS)
    return (major.get("typeface", "") if major is not None else "",
            minor.get("typeface", "") if minor is not None else "")


def _family_name(path: str) -> str:
    """The family name a font file declares (what PowerPoint looks the font up by)."""
    from fontTools.ttLib import TTFont, TTLibError

    try:  # (the loader has opened it once already: this is for a file changed since)
        with TTFont(path, lazy=True, fontNumber=0) as font:
            return str(font["name"].getBestFamilyName() or "")
    except (OSError, KeyError, ValueError, TTLibError) as exc:
        raise RenderError(f"theme font {Path(path).name}: not a readable font "
                          f"({type(exc).__name__})") from None


def _apply_theme_fonts(prs: Any, fonts: tuple[tuple[str, str], ...]) -> None:
    """The theme's heading and body fonts (a profile's ``theme.fonts``) as the family
    names of the masters' theme fonts: PowerPoint cannot carry the files, so the deck
    names the families (the reader's machine needs them installed; where it has not,
    PowerPoint substitutes). Text is then measured as for any unknown face: with
    Liberation Sans and 5 % to spare, so lines break early rather than overflow."""
    families = {"majorFont": "", "minorFont": ""}
    for role, path in fonts:
        if role in ("headings", "body"):
            families["majorFont" if role == "headings" else "minorFont"] = _family_name(path)
    if not any(families.values()):
        return
    for theme in _edited_themes(prs):
        for slot, family in families.items():
            latin = theme.find(f".//a:fontScheme/a:{slot}/a:latin", NS)
            if family and latin is not None:
                latin.set("typeface", family)
                for attribute in ("panose", "pitchFamily", "charset"):  # the old face's
                    latin.attrib.pop(attribute, None)


def _edited_themes(prs: Any) -> Iterator[Any]:
    """The theme of every master, once each (masters may share one), as XML to edit in
    place: each is written back to its part when the caller moves on."""
    seen = set()
    for master in prs.slide_masters:
        part = master.part.part_related_by(RT.THEME)
        if id(part) in seen:
            continue
        seen.add(id(part))
        theme = etree.fromstring(part.blob)
        yield theme
        part.blob = etree.tostring(theme, xml_declaration=True, encoding="UTF-8",
                                   standalone=True)


def _hex(colour: str, what: str) -> str:
    value = colour.strip().lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    if len(value) != 6 or any(c not in "0123456789abcdefABCDEF" for c in value):
        raise RenderError(f"theme {what} colour {colour!r} is not a #RRGGBB colour")
    return value.upper()


def _apply_theme_colours(prs: Any, primary: str, accent: str) -> None:
    """The audience's primary colour as the theme's accent 1 and dark 2, its accent as
    accent 2, in every master's theme: title bars, bullets and tables follow."""
    colours = {"accent1": _hex(primary, "primary"), "dk2": _hex(primary, "primary"),
               "accent2": _hex(accent, "accent")}
    for theme in _edited_themes(prs):
        scheme = theme.find(".//a:themeElements/a:clrScheme", NS)
        for name, rgb in colours.items():
            slot = scheme.find(f"a:{name}", NS) if scheme is not None else None
            if slot is not None:
                slot[:] = [etree.Element(_a("srgbClr"), val=rgb)]


def _load_logo(edition: Edition) -> tuple[bytes, int, int] | None:
    """The audience's logo as PNG/JPEG bytes and its pixel size (SVG rasterised at
    :data:`LOGO_DPI`, without fetching anything it references). Its size is read from
    its header before anything is decoded (at most :data:`MAX_IMAGE_PIXELS`)."""
    logo = edition.audience.theme.logo
    if not logo:
        return None
    path = Path(logo)
    root = Path(edition.content_root)
    name = _project_name(path, root.parent)
    try:
        inside = path.resolve().is_relative_to(root.resolve())
    except OSError:
        inside = False
    if not inside:
        raise RenderError([Diagnostic(name, 0, 0, "error",
                                      "the logo is outside the project's content folder",
                                      "put it under content/")])
    try:
        stat = path.stat()
    except OSError:
        return _read_logo(logo, name)  # raises as reading it does
    # Read and drawn once per process while the file is unchanged (a build worker renders
    # a deck per audience, most with the same logo).
    return _cached_logo(logo, name, str(path.resolve()), stat.st_mtime_ns, stat.st_size)


def _project_name(path: Path, project: Path) -> str:
    """``path`` as diagnostics name it: relative to the project folder."""
    try:
        return Path(os.path.relpath(path.resolve(), project.resolve())).as_posix()
    except (OSError, ValueError):
        return path.name


@lru_cache(maxsize=16)
def _cached_logo(logo: str, name: str, resolved: str, mtime_ns: int, size: int,
                 ) -> tuple[bytes, int, int]:
    """:func:`_read_logo`, keyed on the file (where it resolves to, when it was modified,
    its size) as well as its name."""
    return _read_logo(logo, name)


def _read_logo(logo: str, name: str) -> tuple[bytes, int, int]:
    def refused(message: str, hint: str = "") -> RenderError:
        return RenderError([Diagnostic(name, 0, 0, "error", message, hint)])

    path = Path(logo)
    try:
        if path.exists() and not path.is_file():  # a FIFO or device would never end
            raise refused("the logo is not a regular file")
        if path.is_file() and path.stat().st_size > LOGO_MAX_BYTES:
            raise refused(f"the logo is {human_size(path.stat().st_size)}, more than the "
                          f"{human_size(LOGO_MAX_BYTES)} a logo may be", "save it smaller")
        data = path.read_bytes()
    except OSError as exc:
        raise refused(f"cannot read the logo: {exc.strerror}") from exc
    suffix = path.suffix.lower()
    if suffix == ".svg":
        try:
            data = _draw_svg(data)
        except _TooLarge as exc:
            raise refused(f"the logo would be drawn {exc.width} × {exc.height} pixels, more "
                          f"than the {MAX_IMAGE_PIXELS:,} pixels a picture may have",
                          "give the SVG a width and height of a few inches") from exc
        except (ValueError, etree.XMLSyntaxError, OSError, MemoryError) as exc:
            raise refused(f"cannot draw the logo: {exc}") from exc
    elif suffix not in (".png", ".jpg", ".jpeg"):
        raise refused("the logo is not a PNG, JPEG or SVG file")
    too_large = image_pixels_problem(data)
    if too_large:
        raise refused(f"the logo cannot go into a deck: {too_large}", "save it smaller")
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:  # the header only
            width, height = image.size
    except (UnidentifiedImageError, OSError) as exc:
        raise refused("the logo is not a readable image") from exc
    if not width or not height:
        raise refused("the logo is empty")
    return data, width, height


class _TooLarge(Exception):
    def __init__(self, width: float, height: float) -> None:
        super().__init__(f"{width} x {height}")
        self.width, self.height = int(width), int(height)


def _draw_svg(data: bytes) -> bytes:
    """An SVG logo as PNG bytes at :data:`LOGO_DPI`, fetching nothing it references."""
    return bytes(_bounded_png().convert(bytestring=data, scale=LOGO_DPI / 96, unsafe=False))


@cache
def _bounded_png() -> Any:
    """cairosvg's PNG surface, refusing before it allocates a surface of more than
    :data:`MAX_IMAGE_PIXELS` (an SVG says its own size: ``width="40000in"``). Made on
    first use: cairosvg is imported only for SVG logos."""
    from cairosvg.surface import PNGSurface

    class BoundedPNG(PNGSurface):  # type: ignore[misc]
        def _create_surface(self, width: float, height: float) -> Any:
            if width * height > MAX_IMAGE_PIXELS:
                raise _TooLarge(width, height)
            return super()._create_surface(width, height)

    return BoundedPNG


# --------------------------------------------------------------------------- package hygiene


def _remove_slides(prs: Any) -> None:
    """Remove every slide the master file contains (and, with them, their notes,
    comments and media): a deck holds only the slides built from the Edition."""
    id_list = prs.slides._sldIdLst
    for sld_id in list(id_list):
        prs.part.drop_rel(sld_id.rId)
        id_list.remove(sld_id)


def _remove_unused_layouts(prs: Any) -> None:
    """Drop layouts no slide uses, and masters none of whose layouts are used."""
    # layout.used_by_slides, for all layouts at once (it walks every slide per layout)
    used = {id(slide.slide_layout._element) for slide in prs.slides}
    for master in list(prs.slide_masters):
        for layout in list(master.slide_layouts):
            if id(layout._element) not in used:
                master.slide_layouts.remove(layout)
    id_list = prs.part._element.find("p:sldMasterIdLst", NS)
    if id_list is None:
        return
    for master_id in list(id_list):
        rid = master_id.get(f"{{{NS['r']}}}id")
        master = prs.part.related_part(rid).slide_master
        if len(master.slide_layouts) == 0 and len(id_list) > 1:
            id_list.remove(master_id)
            prs.part.drop_rel(rid)


def _drop_notes_master(prs: Any) -> None:
    """No notes parts at all (``speaker_notes: omit``): the notes master the master file
    brings goes too, with its theme (a part no relationship reaches is not written)."""
    for rid, rel in list(prs.part.rels.items()):
        if rel.reltype == RT.NOTES_MASTER:
            prs.part.drop_rel(rid)
    for node in prs.part._element.findall("p:notesMasterIdLst", NS):
        prs.part._element.remove(node)


def _blank_placeholder_text(element: Any) -> None:
    """Remove prompt and sample text (runs, fields, breaks) from the placeholders in a
    master, layout or notes master; drawn shapes keep theirs."""
    for sp in element.iter(f"{{{NS['p']}}}sp"):
        if sp.find("p:nvSpPr/p:nvPr/p:ph", NS) is None:
            continue
        for tag in ("r", "fld", "br"):
            for node in sp.findall(f".//a:{tag}", NS):
                node.getparent().remove(node)


def _scrub_template(prs: Any) -> None:
    """Remove what the master file brings but the Edition does not say."""
    package = prs.part.package
    for rid, rel in list(package._rels.items()):
        if rel.reltype in DROPPED_PACKAGE_RELS:
            package.drop_rel(rid)
    for rid, rel in list(prs.part.rels.items()):
        if rel.reltype in DROPPED_PRESENTATION_RELS:
            prs.part._rels.pop(rid)
    pres = prs.part._element
    for tag in ("p:handoutMasterIdLst", "p:custShowLst", "p:custDataLst", "p:extLst",
                "p:photoAlbum"):
        for node in pres.findall(tag, NS):
            pres.remove(node)
    for master in prs.slide_masters:
        _blank_placeholder_text(master._element)
        for layout in master.slide_layouts:
            _blank_placeholder_text(layout._element)
    if any(rel.reltype == RT.NOTES_MASTER for rel in prs.part.rels.values()):
        _blank_placeholder_text(prs.notes_master._element)
    for rel in prs.part.rels.values():
        if rel.reltype == RT.VIEW_PROPS:
            rel.target_part.blob = _VIEW_PROPS.encode()


_VIEW_PROPS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<p:viewPr xmlns:a="{NS["a"]}" xmlns:r="{NS["r"]}" xmlns:p="{NS["p"]}">'
    '<p:gridSpacing cx="76200" cy="76200"/></p:viewPr>'
)


def _set_core_properties(prs: Any, edition: Edition) -> None:
    """Core properties from the Edition only; every other field of the template's is
    removed."""
    props = prs.core_properties
    element = props._element
    for child in list(element):
        element.remove(child)
    when = document_time(edition)
    props.title = edition.title
    props.subject = edition.subtitle or edition.title
    props.author = edition.issuer
    props.last_modified_by = edition.issuer
    # No keywords: collaborations' tags are printed on no slide, and the release gate
    # (generator/verify.py) allows only values the deck prints.
    if edition.reference:
        props.identifier = edition.reference
    props.category = edition.banner
    props.language = _language_tag(edition.audience.language)
    props.revision = 1
    props.created = when
    props.modified = when


def _set_app_properties(prs: Any, slides: int, notes: int) -> None:
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        'extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/'
        '2006/docPropsVTypes"><Application>briefgen</Application>'
        f'<Slides>{slides}</Slides><Notes>{notes}</Notes></Properties>'
    )
    package = prs.part.package
    for rel in package._rels.values():
        if rel.reltype == RT.EXTENDED_PROPERTIES:
            rel.target_part.blob = xml.encode()
            return
