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

The deck's layers: :mod:`generator.master` (the master: opened, checked, each slide
kind's layout chosen by name or by its placeholders), :mod:`generator.render.deck_plan`
(pure: from the Edition and the master's geometry, every slide's plan: what goes on it,
where, at which size, and what continues on further slides), this module (the writer:
reads the master's geometry, then draws each plan with python-pptx, deciding nothing
about content) and :mod:`generator.render.deck_fast` (the only module that touches
python-pptx's private names: shortcuts that give the bytes python-pptx's public API
gives, which ``render_deck(..., fast=False)`` takes instead).

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
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from copy import deepcopy
from dataclasses import replace
from functools import cache
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
from pptx.util import Inches, Pt

from ..edition import Edition
from ..errors import Diagnostic, RenderError, TemplateError
from ..master import (
    DROPPED_PACKAGE_RELS,
    DROPPED_PRESENTATION_RELS,
    choose_layouts,
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
    base_placeholder,
    cell_xml,
    core_properties_xml,
    count_shape_ids,
    loose_cell,
    next_shape_id,
    normalise_package,
    notes_slide,
    package_rels,
)
from .deck_plan import (
    CELL_X,
    CELL_Y,
    CODE_FONT,
    COMPLEX_FONT,
    INSET_X,
    INSET_Y,
    LANGUAGE_TAGS,
    BandPlan,
    ChartPlan,
    DeckPlan,
    Geometry,
    LayoutGeometry,
    LogoPlan,
    Para,
    Rect,
    SlidePlan,
    TableLayout,
    TablePlan,
    TextPlan,
    _Fitter,
    _hang,
    _indent,
    logo_alt,
    plan_deck,
)
from .logo import load_logo
from .markdown import Run, merged_runs

WHITE = RGBColor(0xFF, 0xFF, 0xFF)
INK = RGBColor(0x1E, 0x25, 0x2B)
MUTED = RGBColor(0x5F, 0x6B, 0x76)

# Placeholder types by role.
TITLE_TYPES = (PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE)
BODY_TYPES = (PP_PLACEHOLDER.BODY, PP_PLACEHOLDER.OBJECT, PP_PLACEHOLDER.SUBTITLE)
AREA_TYPES = (*BODY_TYPES, PP_PLACEHOLDER.TABLE, PP_PLACEHOLDER.CHART,
              PP_PLACEHOLDER.PICTURE)

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
    writer = _DeckWriter(edition, prs, templates, fast=fast)
    plan = plan_deck(edition, writer.geometry())
    writer.draw(plan)
    return writer.save()


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
        found = _ph_elm(ph.element)
        return None if found is None else found.type
    except (AttributeError, ValueError, TypeError):
        return None


# --------------------------------------------------------------------------- the deck


class _DeckWriter:
    """Writes one deck's plan: slides first, then markings, then package hygiene. It
    decides nothing about content: each slide is drawn as its :class:`SlidePlan` says."""

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
        chosen = choose_layouts([(layout.name, layout.element) for layout in layouts],
                                templates)
        self.layouts = {kind: layouts[choice.position] for kind, choice in chosen.items()
                        if choice is not None}
        _apply_theme_fonts(self.prs, edition.audience.theme.fonts)
        self.logo = load_logo(edition)
        self.slides: list[tuple[Any, str]] = []  # (slide, kind)
        self.fit: _Fitter | None = None  # the plan's line spacing (see draw)
        # Read once per deck: layouts and masters do not change while slides are built
        # (they are mirrored before and pruned after). Keyed on the elements and parts
        # themselves, which the presentation keeps alive as long as this writer.
        self._layout_phs: dict[Any, list[tuple[Any, Any, int]]] = {}
        self._layout_rects: dict[Any, tuple[Any, Any, Any, Any]] = {}
        self._masters: dict[Any, Any] = {}  # layout part -> its master's p:sldMaster
        self._aligns: dict[tuple[Any, int, bool], str | None] = {}
        self._proxies: dict[Any, Any] = {}  # slide placeholder element -> its shape
        self._band_boxes: dict[tuple[str, Rect, int, bool], Any] = {}  # see _band_box
        self._band_pic: tuple[Rect, Any, Any] | None = None  # see _band_logo
        self._blank_keys: dict[Any, tuple[str, bytes]] = {}  # see _add_slide, _notes_slide
        self._pprs: dict[tuple[Any, ...], Any] = {}  # see _ppr_markup
        self._rprs: dict[tuple[Any, ...], str] = {}  # see _rpr_markup
        self._band_markup: dict[BandPlan, str] = {}  # see _band_text
        self._body_prs: dict[tuple[bytes, Any], Any] = {}  # see _frame_properties

    # ----------------------------------------------------------------- geometry

    def geometry(self) -> Geometry:
        """What the plan needs of the master: the slide size, where each slide kind's
        layout puts its placeholders, the theme's faces, the logo's size."""
        found: dict[str, LayoutGeometry] = {}
        for kind, layout in self.layouts.items():
            placeholders = self._placeholders(layout)
            title = next((ph for ph, ph_type, _ in placeholders if ph_type in TITLE_TYPES),
                         None)
            by_idx = sorted(placeholders, key=lambda found: found[2])
            bodies = [self._rect(ph) for ph, ph_type, _ in by_idx if ph_type in BODY_TYPES]
            area = next((rect for ph, ph_type, _ in by_idx if ph_type in AREA_TYPES
                         and (rect := self._rect(ph)) is not None), None)
            found[kind] = LayoutGeometry(title is not None,
                                         self._rect(title) if title is not None else None,
                                         tuple(bodies), area)
        logo = (self.logo[1], self.logo[2]) if self.logo is not None else None
        return Geometry(self.width, self.height, found, _theme_fonts(self.prs), logo)

    # ----------------------------------------------------------------- drawing

    def draw(self, plan: DeckPlan) -> None:
        e = self.edition
        _apply_theme_colours(self.prs, e.audience.theme.primary, e.audience.theme.accent)
        self.fit = plan.fit
        for slide_plan in plan.slides:
            self.draw_slide(slide_plan)
        for (slide, _), slide_plan in zip(self.slides, plan.slides, strict=True):
            self.markings(slide, slide_plan)

    def draw_slide(self, plan: SlidePlan) -> None:
        slide = self.new_slide(plan.kind)
        kept: list[Any] = []
        for n, item in enumerate(plan.items):
            if n == plan.clear_after:
                self.drop_unused(slide, kept)
            if isinstance(item, TextPlan):
                kept.append(self.draw_text(slide, item))
            elif isinstance(item, TablePlan):
                self.draw_table(slide, item.table, item.page, item.rect, item.alt)
            elif isinstance(item, ChartPlan):
                self.draw_chart(slide, item)
            else:
                self.draw_logo_card(slide, item)
        if plan.clear_after is None or plan.clear_after >= len(plan.items):
            self.drop_unused(slide, kept)
        self.set_notes(slide, plan.notes)

    def draw_text(self, slide: Any, item: TextPlan) -> Any:
        """The box ``item`` says, with its text; returns it."""
        shape: Any = None
        if item.target == "title":
            shape = self.title_placeholder(slide)
        elif item.target in ("body", "copy"):
            bodies = self.body_placeholders(slide)
            shape = bodies[item.index] if item.target == "body" else _copy_shape(slide,
                                                                                 bodies[0])
        if shape is None:
            rect = item.rect
            assert rect is not None  # a new box is always placed
            shape = slide.shapes.add_textbox(rect.left, rect.top, rect.width, rect.height)
            if item.name:
                shape.name = item.name
        else:
            if item.fill:
                _fill_theme(shape, item.fill)
            if item.rect is not None:
                _place(shape, item.rect)
        self.write(shape, item.paras, item.size, anchor=MSO_ANCHOR.TOP if item.top else None,
                   dark=item.dark, title=item.target == "title", align=item.align)
        return shape

    def draw_chart(self, slide: Any, item: ChartPlan) -> None:
        rect = item.rect
        frame = add_native_chart(slide, item.chart, rect.left, rect.top, rect.width,
                                 rect.height, self.edition.audience.theme, rtl=self.rtl)
        _set_alt_text(frame, item.alt)

    def draw_logo_card(self, slide: Any, item: LogoPlan) -> None:
        assert self.logo is not None
        card = slide.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, item.card.left,
                                      item.card.top, item.card.width, item.card.height)
        card.name = "Logo Card"
        card.adjustments[0] = 0.08
        card.fill.solid()
        card.fill.fore_color.rgb = WHITE
        card.line.fill.background()
        card.shadow.inherit = False
        rect = item.picture
        pic = slide.shapes.add_picture(io.BytesIO(self.logo[0]), rect.left, rect.top,
                                       rect.width, rect.height)
        pic.name = "Logo"
        _set_alt_text(pic, item.alt)

    def draw_table(self, slide: Any, layout: TableLayout, page: int, area: Rect,
                   alt: str) -> None:
        """Page ``page`` of ``layout`` as a native table filling ``area``'s width: the
        ``p:graphicFrame`` python-pptx's ``add_table`` makes, with column widths, row
        heights, cell styles and text set, written as one piece of markup."""
        rows = layout.pages[page]
        widths = [int(Pt(w)) for w in layout.widths]
        widths[-1] += area.width - sum(widths)  # rounding
        heights = [int(Pt(layout.header_height))] + [int(Pt(h)) for _, h in rows]
        tree = slide.shapes.element
        shape_id = _max_shape_id(tree) + 1  # as shapes._next_shape_id
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
                out.append(self._paragraphs_markup(paras, layout.size, align=spec.align,
                                                   dark=False, part=part))
                out.append(f"</a:txBody>{style}</a:tc>")
            out.append("</a:tr>")
        out.append("</a:tbl></a:graphicData></a:graphic></p:graphicFrame>")
        tree.insert_element_before(_element("".join(out)), "p:extLst")

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
            found = self._layout_phs.get(owner.element)
            if found is None:
                found = []
                for element in collection.element.iter_shape_elms():
                    ph = _ph_elm(element)
                    if ph is not None:  # as LayoutPlaceholders (_LayoutShapeFactory) has it
                        shape: Any = LayoutPlaceholder(element, collection) \
                            if isinstance(element, CT_Shape) else BaseShapeFactory(element,
                                                                                   collection)
                        found.append((shape, _type_of(ph), ph.idx))
                self._layout_phs[owner.element] = found
            return found
        if not isinstance(owner, Slide):
            return [(ph, _ph_type(ph), ph.placeholder_format.idx) for ph in collection]
        elements = []
        for element in collection.element.iter_shape_elms():
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
        """:func:`_rect` of a layout's placeholder: its own offset and size, else what it
        inherits from the master, read once per deck."""
        if isinstance(shape, LayoutPlaceholder) and isinstance(shape.element, CT_Shape):
            try:
                return _rect_of(self._layout_geometry(shape))
            except (AttributeError, ValueError):
                return None
        return _rect(shape)

    def _layout_geometry(self, shape: Any) -> tuple[Any, Any, Any, Any]:
        """(left, top, width, height) of a layout placeholder as python-pptx gives them:
        its own, else those of the master placeholder it inherits from (looked up once,
        where python-pptx looks it up for each of the four)."""
        found = self._layout_rects.get(shape.element)
        if found is None:
            found = _own_geometry(shape.element)
            if None in found:
                found = _merged_geometry(found, self._master_geometry(shape))
            self._layout_rects[shape.element] = found
        return found

    def _master_geometry(self, shape: Any) -> tuple[Any, Any, Any, Any]:
        """The geometry of the master placeholder a layout placeholder inherits from
        (the master's first placeholder of the base type), found in the master's XML
        rather than through a proxy for each of its shapes."""
        kind = _BASE_TYPES.get(_type_of(_ph_elm(shape.element)))
        master = self._masters.get(shape.part)
        if master is None:
            master = self._masters[shape.part] = shape.part.slide_master.element
        if kind is not None:
            for element in master.cSld.spTree.iter_shape_elms():
                ph = _ph_elm(element)
                if ph is None or _type_of(ph) != kind:
                    continue
                if element.tag in (_SP, _PIC):
                    return _own_geometry(element)
                break  # another kind of shape: as python-pptx reads it
        base = base_placeholder(shape)  # raises, or finds, as python-pptx would
        return (None, None, None, None) if base is None else \
            (base.left, base.top, base.width, base.height)

    def _inherited_align(self, shape: Any, title: bool) -> str | None:
        """:func:`_inherited_align`, once per layout placeholder (what a slide placeholder
        inherits comes from the layout's placeholder with its idx)."""
        if not isinstance(shape, SLIDE_PLACEHOLDER):
            return _inherited_align(shape, title)
        key = (shape.part.part_related_by(RT.SLIDE_LAYOUT), _ph_elm(shape.element).idx,
               title)
        if key not in self._aligns:
            self._aligns[key] = _inherited_align(shape, title)
        return self._aligns[key]

    def write(self, shape: Any, paras: Sequence[Para], size: float, *,
              anchor: Any = None, dark: bool = False, title: bool = False,
              align: str | None = None) -> None:
        """Replace the text of ``shape`` with ``paras`` at ``size`` (exact line pitch,
        explicit indents and bullets, so it sets as it was measured), in a frame that
        wraps, never autofits and has the standard insets."""
        frame = shape.text_frame  # (a text body made if it has none)
        txBody = shape.element.txBody
        self._frame_properties(frame, txBody, anchor)
        if align is None and self.rtl:
            align = self._inherited_align(shape, title)
        for p in txBody.findall(_a("p")):
            txBody.remove(p)
        txBody.extend(_elements(self._paragraphs_markup(paras, size, align=align, dark=dark,
                                                        part=shape.part)))

    def _frame_properties(self, frame: Any, txBody: Any, anchor: Any) -> None:
        """Word wrap, no autofit, ``anchor`` and the standard insets, as python-pptx sets
        them on the frame's ``a:bodyPr``. What that makes of a ``bodyPr`` depends on
        nothing but the ``bodyPr`` (and ``anchor``): it is worked out once for each."""
        body_pr = txBody.bodyPr
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
        self._body_prs[key] = deepcopy(txBody.bodyPr)

    # Text is written as DrawingML markup and parsed once per frame or table: building
    # the same elements one lxml call at a time costs several times as much.

    def _paragraphs_markup(self, paras: Sequence[Para], size: float, *,
                           align: str | None, dark: bool, part: Any) -> str:
        """``a:p`` elements of ``paras`` at ``size``; hyperlinks are related to ``part``
        (none when it is None)."""
        if not paras:
            return "<a:p/>"
        if self.rtl and align is None:
            align = "r"
        fit = self.fit
        assert fit is not None
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
        kept = {id(s.element) for s in keep if s is not None}
        for ph, _, _ in self._placeholders(slide):
            if id(ph.element) not in kept:
                ph.element.getparent().remove(ph.element)

    def set_notes(self, slide: Any, text: str) -> None:
        if not text:
            return
        notes = self._notes_slide(slide)
        body = _notes_body(notes.element)
        if body is None:  # no text body yet: python-pptx adds one
            notes.notes_text_frame  # noqa: B018 - made on first use
            body = _notes_body(notes.element)
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

    # ----------------------------------------------------------------- markings

    def markings(self, slide: Any, plan: SlidePlan) -> None:
        """The banner top and bottom, slide number and logo the plan gives the slide."""
        # Every shape added to the slide from here on is added here, through this one
        # SlideShapes, so python-pptx may count shape ids on from the highest instead
        # of searching the slide for it before each shape: the same ids.
        count_shape_ids(slide.shapes)
        pending: list[str] = []
        for band in plan.bands:
            self._band_text(slide, pending, band)
        if plan.band_logo is not None:
            self._band_logo(slide, plan.band_logo, pending)
        _append_shapes(slide, pending)
        slide.shapes.turbo_add_enabled = False

    def _band_text(self, slide: Any, pending: list[str], band: BandPlan) -> None:
        """A band's text box: added to the slide, or (once one like it has been made)
        its markup added to ``pending``, for :func:`_append_shapes`."""
        markup = self._band_markup.get(band)
        if markup is None:  # the banner reads the same on every slide: written once
            text = band.text
            rtl = ' rtl="1"' if self.rtl and _has_rtl_text(text) else ""  # "12 / 15"
            weight = ' b="1"' if band.bold else ""
            script = f"<a:cs typeface={_xml_attr(COMPLEX_FONT)}/>" if self.rtl else ""
            colour = INK if band.colour == "ink" else MUTED
            markup = self._band_markup[band] = (
                f"<a:p><a:pPr algn={_xml_attr(band.align)}{rtl}><a:buNone/></a:pPr><a:r>"
                f'<a:rPr lang={self.lang_attr} sz="{int(band.size * 100)}"{weight}>'
                f'<a:solidFill><a:srgbClr val="{colour}"/></a:solidFill>{script}'
                f"</a:rPr><a:t>{_xml_text(text)}</a:t></a:r></a:p>")
        key = (band.name, band.rect, band.side, band.fill)
        made = self._band_boxes.get(key)
        if made is not None:  # the box python-pptx made, with an id of its own
            head, tail = made
            pending.append(f"{head}{next_shape_id(slide.shapes)}{tail}".replace(
                "</p:txBody>", f"{markup}</p:txBody>"))
            return
        _append_shapes(slide, pending)  # the shapes before it first, in order
        pending.clear()
        txBody = self._band_box(slide, band.name, band.rect, band.side, band.fill)
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
        txBody = box.element.txBody
        for p in txBody.findall(_a("p")):
            txBody.remove(p)
        self._band_boxes[(name, rect, side, fill)] = _split_at_id(box.element)
        return txBody

    def _band_logo(self, slide: Any, place: Rect, pending: list[str]) -> None:
        assert self.logo is not None
        shapes = slide.shapes
        if self._band_pic is not None and self._band_pic[0] == place:
            # As add_picture would: the image part it made for the first slide (the one
            # it finds by the image's hash), related to this slide, and the same picture.
            _, image_part, (head, tail) = self._band_pic
            rid = slide.part.relate_to(image_part, RT.IMAGE)
            pending.append(f"{head}{next_shape_id(shapes)}{tail}".replace(
                _EMBED_MARK, _xml_attr(rid)))
            return
        _append_shapes(slide, pending)
        pending.clear()
        shape = shapes.add_picture(io.BytesIO(self.logo[0]), place.left, place.top,
                                   place.width, place.height)
        shape.name = "Logo"
        _set_alt_text(shape, logo_alt(self.edition))
        blip = shape.element.blipFill.blip
        rid = blip.rEmbed
        blip.set(f"{{{NS['r']}}}embed", _EMBED_MARK.strip('"'))
        self._band_pic = (place, slide.part.related_part(rid), _split_at_id(shape.element))
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
    return cell_xml(cell).tcPr


@cache
def _cell_style_markup(band: str) -> str:
    """:func:`_cell_style` as markup, for :meth:`_DeckBuilder.draw_table`."""
    return re.sub(r' xmlns:\w+="[^"]*"', "",  # declared where it is used
                  etree.tostring(_cell_style(band), encoding="unicode"))


# --------------------------------------------------------------------------- XML helpers


def _copy_shape(slide: Any, shape: Any) -> Any:
    """A copy of ``shape`` (as it is now) added to ``slide`` with an id and name of its
    own, as python-pptx adds a shape (before any ``p:extLst``)."""
    element = deepcopy(shape.element)
    shape_id = next_shape_id(slide.shapes)
    c_nv_pr = element.find(".//p:cNvPr", NS)
    c_nv_pr.set("id", str(shape_id))
    c_nv_pr.set("name", f"{c_nv_pr.get('name', 'Shape')} {shape_id}")
    slide.shapes.element.insert_element_before(element, "p:extLst")
    return SlideShapeFactory(element, slide.shapes)


def _set_alt_text(shape: Any, text: str) -> None:
    """Alt text (``descr``) of a picture, chart or table."""
    c_nv_pr = shape.element.find(".//p:cNvPr", NS)
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
            layout_ph = base_placeholder(shape)
        except (AttributeError, KeyError):
            layout_ph = None
        chain: list[Any] = []
        while layout_ph is not None and len(chain) < 3:
            chain.append(layout_ph)
            try:
                layout_ph = base_placeholder(layout_ph)
            except (AttributeError, KeyError, NotImplementedError):
                # python-pptx raises NotImplementedError for a master placeholder, the
                # end of the chain: not a missing feature of ours.
                layout_ph = None
        for ph in chain:
            lvl = ph.element.find(".//a:lstStyle/a:lvl1pPr", NS)
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
        parts.append(master.element)
        parts += [layout.element for layout in master.slide_layouts]
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


# --------------------------------------------------------------------------- package hygiene


def _remove_slides(prs: Any) -> None:
    """Remove every slide the master file contains (and, with them, their notes,
    comments and media): a deck holds only the slides built from the Edition."""
    id_list = prs.slides.element
    for sld_id in list(id_list):
        prs.part.drop_rel(sld_id.rId)
        id_list.remove(sld_id)


def _remove_unused_layouts(prs: Any) -> None:
    """Drop layouts no slide uses, and masters none of whose layouts are used."""
    # layout.used_by_slides, for all layouts at once (it walks every slide per layout)
    used = {id(slide.slide_layout.element) for slide in prs.slides}
    for master in list(prs.slide_masters):
        for layout in list(master.slide_layouts):
            if id(layout.element) not in used:
                master.slide_layouts.remove(layout)
    id_list = prs.element.find("p:sldMasterIdLst", NS)
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
    for node in prs.element.findall("p:notesMasterIdLst", NS):
        prs.element.remove(node)


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
    for rid, rel in list(package_rels(package).items()):
        if rel.reltype in DROPPED_PACKAGE_RELS:
            package.drop_rel(rid)
    for rid, rel in list(prs.part.rels.items()):
        if rel.reltype in DROPPED_PRESENTATION_RELS:
            prs.part.rels.pop(rid)
    pres = prs.element
    for tag in ("p:handoutMasterIdLst", "p:custShowLst", "p:custDataLst", "p:extLst",
                "p:photoAlbum"):
        for node in pres.findall(tag, NS):
            pres.remove(node)
    for master in prs.slide_masters:
        _blank_placeholder_text(master.element)
        for layout in master.slide_layouts:
            _blank_placeholder_text(layout.element)
    if any(rel.reltype == RT.NOTES_MASTER for rel in prs.part.rels.values()):
        _blank_placeholder_text(prs.notes_master.element)
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
    element = core_properties_xml(props)
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
    for rel in package_rels(package).values():
        if rel.reltype == RT.EXTENDED_PROPERTIES:
            rel.target_part.blob = xml.encode()
            return
