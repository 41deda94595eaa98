"""The deck's fast paths: the one module that touches python-pptx's internals.

python-pptx builds a deck correctly but slowly: it walks every part for each new part
name, parses an XML snippet for each relationship, looks placeholders up dozens of times
for each slide, and deflates a package that is then rewritten. What is here does the
same work with python-pptx's private names (``_element``, ``_spTree``, ``_rels``, part
constructors, ``_PhysPkgWriter``, ``next_partname``) and gives the same bytes:
``tests/test_deck.py`` builds every test deck both ways (``fast=False`` takes
python-pptx's public API: ``slides.add_slide``, ``slide.notes_slide``,
``Presentation.save``) and compares the packages byte for byte.

The version of python-pptx is pinned (``<1.1`` in ``pyproject.toml``) because of this
module; nothing else in the package may import a private name of python-pptx.
"""

from __future__ import annotations

import io
import posixpath
import re
import threading
import zipfile
from collections.abc import Sequence
from copy import deepcopy
from functools import lru_cache
from typing import Any

from lxml import etree
from pptx.opc.constants import CONTENT_TYPE as CT
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.opc.packuri import CONTENT_TYPES_URI, PACKAGE_URI, PackURI
from pptx.opc.serialized import _PhysPkgWriter
from pptx.opc.spec import default_content_types
from pptx.oxml.table import CT_TableCell
from pptx.parts.slide import NotesSlidePart, SlidePart
from pptx.shapes.placeholder import _BaseSlidePlaceholder
from pptx.table import _Cell

NS = {
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "p": "http://schemas.openxmlformats.org/presentationml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
}
_PR = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"


# Markup the deck writes itself (see _DeckBuilder._paragraphs_markup, draw_table).
_NS_DECLS = " ".join(f'xmlns:{prefix}="{NS[prefix]}"' for prefix in ("a", "p", "r"))
_TABLE_URI = "http://schemas.openxmlformats.org/drawingml/2006/table"
_TABLE_STYLE = "{5C22544A-7EE6-4342-B048-85BDC9FD1C3A}"  # python-pptx's new tables
_PARSERS = threading.local()  # an lxml parser is for one thread at a time
# What XML would not keep as written: markup characters, and white space an attribute
# value would have normalised (and a carriage return, which text would lose).
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTR_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                               "\r": "&#13;", "\n": "&#10;", "\t": "&#9;"})


def _xml_text(text: str) -> str:
    return text.translate(_TEXT_ESCAPES)


def _xml_attr(value: str) -> str:
    """``value`` as a quoted attribute value."""
    return f'"{value.translate(_ATTR_ESCAPES)}"'


def _markup_parser() -> Any:
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _PARSERS.parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return parser


def _elements(markup: str) -> list[Any]:
    """The elements of ``markup`` (DrawingML with ``a:``, ``p:`` and ``r:`` prefixes),
    to be moved into a part's XML (which then gives them python-pptx's classes)."""
    return list(etree.fromstring(f"<a:x {_NS_DECLS}>{markup}</a:x>", _markup_parser()))


def _element(markup: str) -> Any:
    """The one element of ``markup``, which declares its namespaces itself."""
    return etree.fromstring(markup, _markup_parser())


def _count_partnames(package: Any) -> None:
    """Give ``package`` a ``next_partname`` that remembers the names it has handed out.

    python-pptx's walks every part of the package for each new notes page, chart and
    embedded workbook (quadratic in the deck's size). While a deck is built, those parts
    are added only through this method, so the names taken can be listed once and kept.
    """
    taken: set[str] = set()

    def next_partname(template: str) -> Any:
        if not taken:
            taken.update(str(part.partname) for part in package.iter_parts())
        n = 1
        while template % n in taken:
            n += 1
        taken.add(template % n)
        return PackURI(template % n)

    package.next_partname = next_partname


def normalise_package(data: bytes, date_time: tuple[int, int, int, int, int, int]) -> bytes:
    """``data`` (a zip) rewritten with a fixed entry order (``[Content_Types].xml`` and
    ``_rels/.rels`` first, then by name), a fixed ``date_time``, attributes and
    compression: the same parts give the same bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    return _normalised_zip([(name, source.read(name)) for name in source.namelist()],
                           date_time)


def _normalised_zip(members: Sequence[tuple[str, bytes]],
                    date_time: tuple[int, int, int, int, int, int]) -> bytes:
    """A zip of ``members`` (name, data), as :func:`normalise_package` writes it (a name
    given twice: written twice, with the data given last, as a zip read back gives)."""
    data = dict(members)
    first = ("[Content_Types].xml", "_rels/.rels")
    names = sorted((name for name, _ in members),
                   key=lambda n: (first.index(n) if n in first else 2, n))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in names:
            info = zipfile.ZipInfo(name, date_time)
            # Pictures and embedded workbooks are compressed already: stored as they are.
            # XML is deflated at level 1: within a few per cent of the default level's
            # size, in two thirds of its time.
            info.compress_type = (zipfile.ZIP_STORED if name.lower().endswith(_COMPRESSED)
                                  else zipfile.ZIP_DEFLATED)
            info.create_system = 0
            info.external_attr = 0
            target.writestr(info, data[name], compresslevel=1)
    return out.getvalue()


# Parts whose formats are compressed themselves (ZIP-based packages among them).
_COMPRESSED = (".png", ".jpg", ".jpeg", ".gif", ".tif", ".tiff", ".xlsx", ".docx", ".pptx",
               ".mp4", ".m4a", ".mp3")


class _Members(_PhysPkgWriter):
    """Collects what python-pptx's package writer would put in its zip."""

    def __init__(self) -> None:
        self.members: list[tuple[str, bytes]] = []

    def write(self, pack_uri: Any, blob: bytes) -> None:
        self.members.append((pack_uri.membername, blob))


def _package_members(prs: Any) -> list[tuple[str, bytes]]:
    """The (name, data) entries ``prs.save()`` would write, without zipping them: the deck
    is zipped once, by :func:`_normalised_zip`, rather than deflated, inflated and
    deflated again."""
    package = prs.part.package
    parts = tuple(package.iter_parts())
    members = _Members()  # PackageWriter._write, with a collector for its zip writer
    members.write(CONTENT_TYPES_URI, _content_types_xml(parts))
    members.write(PACKAGE_URI.rels_uri, _rels_xml(package._rels))
    for part in parts:  # PackageWriter._write_parts
        members.write(part.partname, part.blob)
        if part._rels:
            members.write(part.partname.rels_uri, _rels_xml(part._rels))
    return members.members


def _content_types_xml(parts: Sequence[Any]) -> bytes:
    """``[Content_Types].xml`` for ``parts``, as python-pptx's ``PackageWriter`` writes it
    (the same bytes), made without its element classes."""
    defaults = {"rels": CT.OPC_RELATIONSHIPS, "xml": CT.XML}  # by extension, lower case
    overrides = {}
    for part in parts:
        partname, content_type = part.partname, part.content_type
        if (partname.ext.lower(), content_type) in default_content_types:
            defaults[partname.ext.lower()] = content_type
        else:
            overrides[str(partname)] = content_type
    root = etree.Element(f"{{{_CT_NS}}}Types", nsmap={None: _CT_NS})
    for ext, content_type in sorted(defaults.items()):
        etree.SubElement(root, f"{{{_CT_NS}}}Default", Extension=ext, ContentType=content_type)
    for partname, content_type in sorted(overrides.items()):
        etree.SubElement(root, f"{{{_CT_NS}}}Override", PartName=partname,
                         ContentType=content_type)
    return etree.tostring(root, encoding="UTF-8", standalone=True)


@lru_cache(maxsize=4096)
def _relative_ref(partname: str, base_uri: str) -> str:
    """``PackURI(partname).relative_ref(base_uri)`` (``posixpath.relpath``, worked out
    once for each pair of part names rather than for each relationship of each deck)."""
    return partname[1:] if base_uri == "/" else posixpath.relpath(partname, base_uri)


def _rels_xml(rels: Any) -> bytes:
    """``rels.xml`` (python-pptx's ``_Relationships.xml``, the same bytes), made without
    parsing an XML snippet for each relationship as python-pptx does."""
    root = etree.Element(f"{{{_PR}}}Relationships", nsmap={None: _PR})

    def numerical(rid: str) -> tuple[int, str]:  # rId2 before rId10, as python-pptx
        return (int(rid[3:]) if rid.startswith("rId") and rid[3:].isdigit() else 0, rid)

    for rid in sorted(rels.keys(), key=numerical):
        rel = rels[rid]
        element = etree.SubElement(root, f"{{{_PR}}}Relationship")
        element.set("Id", rid)
        element.set("Type", rel.reltype)
        element.set("Target", rel.target_ref if rel.is_external else
                    _relative_ref(str(rel.target_partname), rel._base_uri))
        if rel.is_external:
            element.set("TargetMode", "External")
    return etree.tostring(root, encoding="UTF-8", standalone=True)


# Blank slides python-pptx made (see _DeckBuilder._add_slide, _notes_slide), by what they
# were made from: ("slide", the layout's XML) or ("notes", the notes master's XML). Never
# changed: each deck gets copies.
_BLANKS: dict[tuple[str, bytes], Any] = {}
_BLANKS_KEPT = 64
_BLANKS_LOCK = threading.Lock()


def _add_slide_id(id_list: Any, rid: str) -> None:
    """``id_list.add_sldId(rid)``: python-pptx's next id (one above the highest, from
    256), without compiling an XPath for each slide."""
    ids = [int(element.get("id")) for element in id_list if element.get("id", "").isdigit()]
    next_id = max([255, *ids]) + 1
    if next_id > 2147483647:  # pragma: no cover - a deck of two billion slides
        id_list.add_sldId(rid)
        return
    element = etree.SubElement(id_list, f"{{{NS['p']}}}sldId")
    element.set("id", str(next_id))
    element.set(f"{{{NS['r']}}}id", rid)


_EMBED_MARK = '"embed-rid"'  # where a band logo's image relationship goes
_FIRST_ID = re.compile(r' id="\d+"')


def _split_at_id(element: Any) -> tuple[str, str]:
    """The markup of a shape element, split where the value of its (first) ``id`` goes."""
    markup = etree.tostring(element, encoding="unicode")
    found = _FIRST_ID.search(markup)
    assert found is not None  # every shape's cNvPr has an id
    return markup[:found.start()] + ' id="', '"' + markup[found.end():]


_IDS = etree.XPath("//@id")


def _max_shape_id(tree: Any) -> int:
    """python-pptx's ``max_shape_id`` of a shape tree (the highest numeric ``id`` in its
    document), with its XPath compiled once rather than on every call."""
    return max((int(value) for value in _IDS(tree) if value.isdigit()), default=0)


def _append_shapes(slide: Any, markup: Sequence[str]) -> None:
    """Add shapes written as markup to ``slide``, as python-pptx adds a shape (before
    any ``p:extLst``)."""
    if not markup:
        return
    tree = slide.shapes._spTree
    ext = tree.find(f"{{{NS['p']}}}extLst")
    for element in _elements("".join(markup)):
        if ext is None:
            tree.append(element)
        else:
            ext.addprevious(element)


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")  # what python-pptx writes as _xHHHH_
_NOTES_BODY = etree.XPath(
    "./p:cSld/p:spTree/*[./*[1]/p:nvPr/p:ph[@type='body']][1]/p:txBody",
    namespaces={"p": NS["p"]})


def _notes_body(notes: Any) -> Any:
    """The ``p:txBody`` of a notes slide's body placeholder (its first), or None (as
    ``notes_slide.notes_text_frame`` finds it, when it has one)."""
    found = _NOTES_BODY(notes)
    return found[0] if found else None


def _keep_blank(key: tuple[str, bytes], element: Any) -> None:
    blank = deepcopy(element)
    with _BLANKS_LOCK:
        if len(_BLANKS) >= _BLANKS_KEPT:
            _BLANKS.pop(next(iter(_BLANKS)))  # the oldest
        _BLANKS[key] = blank


def add_slide(prs: Any, layout: Any, keys: dict[Any, tuple[str, bytes]]) -> Any:
    """``prs.slides.add_slide(layout)``.

    A new slide is python-pptx's blank slide with the layout's placeholders cloned
    (ids and names counted on the blank slide): the same ``p:sld`` every time for
    the same layout. The first is made by python-pptx and kept (see :data:`_BLANKS`);
    later ones are copies of it, in a part made and related as python-pptx makes it
    (``PresentationPart.add_slide``, ``SlidePart.new``, ``Slides.add_slide``), without
    the dozens of placeholder look-ups python-pptx makes for each slide. ``keys``
    remembers, for one deck, each layout's key in :data:`_BLANKS`.
    """
    slides = prs.slides
    key = keys.get(layout._element)
    if key is None:
        key = keys[layout._element] = ("slide", etree.tostring(layout._element))
    made = _BLANKS.get(key)
    if made is None:
        slide = slides.add_slide(layout)
        _keep_blank(key, slide._element)
        return slide
    presentation = prs.part
    part = SlidePart(presentation._next_slide_partname, CT.PML_SLIDE, presentation.package,
                     deepcopy(made))
    part.relate_to(layout.part, RT.SLIDE_LAYOUT)
    # relate_to, without its search for a relationship the new part cannot have yet
    _add_slide_id(slides._sldIdLst, presentation._rels._add_relationship(RT.SLIDE, part))
    return part.slide


def notes_slide(slide: Any, keys: dict[Any, tuple[str, bytes]]) -> Any:
    """``slide.notes_slide``.

    A new notes slide, too, is the same every time for the same notes master:
    python-pptx's blank notes slide with the master's placeholders cloned. The first
    is made by python-pptx and kept; later ones are copies of it, in a part made and
    related as python-pptx makes it (``SlidePart._add_notes_slide_part``,
    ``NotesSlidePart.new``).
    """
    if slide.has_notes_slide:
        return slide.notes_slide
    slide_part = slide.part
    package = slide_part.package
    master = package.presentation_part.notes_master_part  # made if need be, as by pptx
    key = keys.get(master._element)
    if key is None:
        key = keys[master._element] = ("notes", etree.tostring(master._element))
    made = _BLANKS.get(key)
    if made is None:
        notes = slide.notes_slide
        _keep_blank(key, notes._element)
        return notes
    part = NotesSlidePart(package.next_partname("/ppt/notesSlides/notesSlide%d.xml"),
                          CT.PML_NOTES_SLIDE, package, deepcopy(made))
    part.relate_to(master, RT.NOTES_MASTER)
    part.relate_to(slide_part, RT.SLIDE)
    slide_part.relate_to(part, RT.NOTES_SLIDE)
    return slide.notes_slide


#: The class of every placeholder on a slide that inherits from its layout's.
SLIDE_PLACEHOLDER = _BaseSlidePlaceholder


def loose_cell() -> Any:
    """A table cell of no table (python-pptx's ``_Cell`` on a new ``a:tc``): only its own
    XML is touched, to make a cell style once."""
    parent: Any = None
    return _Cell(CT_TableCell.new(), parent)


def cell_xml(cell: Any) -> Any:
    """The ``a:tc`` of a table cell."""
    return cell._tc


def base_placeholder(shape: Any) -> Any:
    """The placeholder ``shape`` (of a slide or layout) inherits from, or None; raises
    as python-pptx does at the end of the chain (a master's placeholder)."""
    return shape._base_placeholder


def next_shape_id(shapes: Any) -> int:
    """The id python-pptx gives the next shape added to ``shapes``."""
    return int(shapes._next_shape_id)


def count_shape_ids(shapes: Any) -> None:
    """python-pptx's ``turbo_add_enabled``, with the highest id found by a compiled
    XPath: every shape added to ``shapes`` from here on must be added through it."""
    shapes._cached_max_shape_id = _max_shape_id(shapes.element)


def package_rels(package: Any) -> Any:
    """The package's own relationships (``_rels/.rels``), to remove some."""
    return package._rels


def core_properties_xml(props: Any) -> Any:
    """The ``cp:coreProperties`` element of the core properties part."""
    return props._element


@lru_cache(maxsize=2)
def pinned_chart_data(created: str) -> type:
    """python-pptx's ``CategoryChartData`` with an embedded workbook that carries the
    fixed date ``created`` (ISO; xlsxwriter stamps "now"), so the same chart gives the
    same deck bytes."""
    import datetime as dt

    from pptx.chart.data import CategoryChartData
    from pptx.chart.xlsx import CategoryWorkbookWriter
    from pptx.util import lazyproperty

    when = dt.datetime.fromisoformat(created)

    class PinnedWorkbookWriter(CategoryWorkbookWriter):  # type: ignore[misc]
        def _populate_worksheet(self, workbook: Any, worksheet: Any) -> None:
            workbook.set_properties({"created": when})
            super()._populate_worksheet(workbook, worksheet)

    class PinnedChartData(CategoryChartData):  # type: ignore[misc]
        @lazyproperty
        def _workbook_writer(self) -> PinnedWorkbookWriter:
            return PinnedWorkbookWriter(self)

    return PinnedChartData
