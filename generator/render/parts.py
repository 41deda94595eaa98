"""A large brief laid out in parts and assembled into one PDF, so memory stays bounded.

WeasyPrint keeps the boxes of every page of a document until its PDF is written: about
3 MB a page, so a 1,400-page brief would need 4 GB. Above :data:`PART_SIZE` characters of
HTML, :func:`render_in_parts` lays the brief out in parts of about that size instead
(each part starts a page), writes each part's PDF and lets its layout go, then joins the
PDFs with pikepdf (qpdf):

- cuts: a part begins only where the brief laid out as one document starts a new page
  anyway (a forced break of the stylesheet: ``break-before: page`` on the part, or
  ``break-after: page`` on the one before), so the joined brief is that document page for
  page. Only a stretch without any forced break of more than :data:`STRETCH` times the
  part size is cut between its parts or children (memory first): there the joined brief
  starts a page the single document may not;

- page numbers: the parts are laid out without the margin box that shows the page
  number; a document of as many empty pages, with only that box, is stamped onto the
  pages as an artifact, so "Page X of Y" counts the whole brief;
- contents: entries get their page numbers written in, from where each part's anchors
  fell; the front part (cover and contents) is laid out last, its length found first;
- links between parts become named destinations, bookmarks are rebuilt from each part's,
  and the parts' structure trees are joined under one Document element (tagged PDF);
- the join runs in a child process, whose memory goes back to the system when it ends.

Only a brief with the built-in shape is split (a ``<main>`` of parts; contents entries
whose page number comes from ``data-target``); for anything else :func:`split` returns
None and the caller lays out one document.
"""

from __future__ import annotations

import copy
import io
import pickle
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import lxml.html
from lxml import etree

from generator.errors import RenderError

#: Characters of HTML per part (without its URLs of files, see _NOT_WEIGHED): about 100
#: pages, 0.3 GB of layout.
PART_SIZE = 300_000
#: A stretch of the brief without a forced page break is kept in one part up to this many
#: times the part size; only a longer one is cut where the single layout may not break.
STRETCH = 3
# Forced breaks that start one new page (left, right... may add a blank one: not cut there).
_FORCED = {"page", "always"}

_PX_TO_PT = 0.75
_BOXES = [f"@{edge}-{place}" for edge in ("top", "bottom")
          for place in ("left", "center", "right")] + [
    "@top-left-corner", "@top-right-corner", "@bottom-left-corner", "@bottom-right-corner",
    "@left-top", "@left-middle", "@left-bottom", "@right-top", "@right-middle",
    "@right-bottom"]
# The margin box that shows the page number (its last definition wins, as in CSS).
_NUMBER_BOX = re.compile(r"(@(?:top|bottom)-(?:left|right|center))\s*\{[^{}]*counter\(page")
_LINK = "x-dest:"  # an internal link, kept by WeasyPrint as a URI until the merge
_PLACEHOLDER = "briefgen-page:"
_FILLED = re.compile('data-page="' + _PLACEHOLDER + '([^"]*)"')
# The contents rules of brief.css, whose page numbers the front part gets written in.
_KNOWN_PAGE_REFERENCES = (".contents a::after", ".contents a.entry-row > .page::after")


@dataclass
class Split:
    """The brief cut into documents: ``front`` (cover and contents, with a function of
    the page numbers) and ``body`` (the rest, in parts), plus the page-number overlay.
    Picklable: its parts may be laid out in other processes (:class:`Deferred`)."""

    front: _Front | None
    body: list[str]
    number_box: str | None
    overlay_head: str
    # PDF/UA-1, or the audience's archival PDF/A variant (still tagged: pdf_tags)
    variant: str = "pdf/ua-1"


@dataclass(frozen=True)
class _Front:
    """The front part's document with the page numbers of the contents written in."""

    template: str

    def __call__(self, numbers: dict[str, int] | None) -> str:
        return _FILLED.sub(lambda m: 'data-page="{}"'.format(
            "9999" if numbers is None else numbers.get(m.group(1), "")), self.template)


@dataclass
class Laid:
    pdf: bytes
    # per page: its height, its anchors (name -> x, y) and its bookmarks, in CSS px
    pages: list[tuple[float, dict[str, tuple[float, float]], list[Any]]]


def split(html: str, part_size: int | None = None) -> Split | None:
    """``html`` cut into parts of about ``part_size`` characters (default:
    :data:`PART_SIZE`, read when called), or None when it has not the shape this module
    knows."""
    doc = lxml.html.document_fromstring(html)
    main = doc.find(".//main")
    head = doc.find("head")
    if main is None or head is None or len(main) == 0:
        return None
    styles = "".join(style.text or "" for style in head.iter("style"))
    found = _NUMBER_BOX.findall(styles)
    number_box = found[-1] if found else None
    if "target-counter" in _without(styles, _KNOWN_PAGE_REFERENCES):
        return None  # page references this module would not fill in

    # where the brief laid out as one document starts a new page anyway (before the front
    # parts leave <main>: a rule may name a part's neighbour)
    starts_page = dict(zip(list(main), _forced_breaks(styles, main), strict=True))
    for anchor in doc.iter("a"):  # links may lead to another part
        href = anchor.get("href", "")
        if href.startswith("#") and len(href) > 1:
            anchor.set("href", _LINK + href[1:])
    front_parts = []
    for part in list(main):
        if not ({"cover", "contents"} & set((part.get("class") or "").split())):
            break
        front_parts.append(part)
        main.remove(part)
    for part in front_parts:
        for anchor in part.iter("a"):
            if anchor.get("href", "").startswith(_LINK) and not any(
                    el.get("data-target") for el in anchor.iter()):
                return None  # a contents entry without the built-in page number
        for el in part.iter():
            target = el.get("data-target", "")
            if target.startswith("#"):
                el.set("data-page", _PLACEHOLDER + target[1:])
    no_number = f"@page {{ {number_box} {{ content: none }} }}" if number_box else ""
    fill = ".contents .page::after { content: attr(data-page) !important; }"
    extra = etree.SubElement(head, "style")
    extra.text = no_number
    units = list(main)
    for part in units:
        main.remove(part)

    def document(parts: list[Any], css: str) -> str:
        extra.text = no_number + css
        for part in parts:
            main.append(part)
        text = "<!DOCTYPE html>\n" + lxml.html.tostring(doc, encoding="unicode")
        for part in parts:
            main.remove(part)
        return text

    forced = [starts_page[unit] for unit in units]
    body = [document(parts, "") for parts in _groups(units, forced, part_size or PART_SIZE)]
    front = _Front(document(front_parts, fill)) if front_parts else None

    overlay_head = ""
    if number_box:
        others = " ".join(f"{box} {{ content: none }}" for box in _BOXES if box != number_box)
        extra.text = f"@page {{ {others} }}"
        overlay_head = lxml.html.tostring(head, encoding="unicode")
    overlay_html = ("<!DOCTYPE html>\n" + etree.tostring(
        etree.Element("html", {k: v for k, v in doc.attrib.items() if k in ("lang", "dir")}),
        encoding="unicode").replace("</html>", "").replace("<html/>", "<html>")
        + overlay_head)
    return Split(front, body, number_box, overlay_html)


def _without(styles: str, selectors: tuple[str, ...]) -> str:
    """``styles`` without the rules of ``selectors``."""
    for selector in selectors:
        styles = re.sub(re.escape(selector) + r"\s*\{[^{}]*\}", "", styles)
    return styles


#: The URLs a part's size leaves out: embedded files (their size is not layout), and the
#: paths of files, which differ from one machine or folder to another (a Dask worker
#: keeps the files it is sent under their content hash): counted, they would move the
#: cuts of a long stretch, and the same brief would come out different elsewhere.
_NOT_WEIGHED = re.compile(r"(?<=[\"'(=])\s*(?:data|file):[^\"')\s]*")  # where a URL starts


def size_of(html: str) -> int:
    """The size of ``html`` that parts are measured by: its characters, its URLs of files
    left out (the same on every machine)."""
    return len(_NOT_WEIGHED.sub("", html))


def _weight(element: Any) -> int:
    return size_of(lxml.html.tostring(element, encoding="unicode"))


def _forced_breaks(styles: str, main: Any) -> list[bool]:
    """For each child of ``main``, in order, whether the brief laid out as one document
    starts a new page before it: its ``break-before`` or the previous child's
    ``break-after`` is ``page`` (or ``page-break-*: always``), by the cascade of ``styles``
    for print. Only declarations on the children themselves count, as the built-in
    stylesheet and an audience's override write them; a break this does not see only
    means one place fewer to cut."""
    import cssselect2
    import tinycss2

    matcher = cssselect2.Matcher()
    order = 0

    def add(rules: list[Any]) -> None:
        nonlocal order
        for rule in rules:
            if rule.type == "at-rule" and rule.lower_at_keyword == "media" and rule.content:
                media = {token.lower_value for token in rule.prelude
                         if token.type == "ident"}
                if "not" not in media and (media & {"print", "all"} or not media):
                    add(tinycss2.parse_rule_list(rule.content, skip_comments=True,
                                                 skip_whitespace=True))
            elif rule.type == "qualified-rule":
                declarations = {}
                for item in tinycss2.parse_blocks_contents(rule.content, skip_comments=True,
                                                           skip_whitespace=True):
                    if item.type != "declaration":
                        continue
                    name = item.lower_name.replace("page-break-", "break-")
                    if name in ("break-before", "break-after"):
                        value = tinycss2.serialize(item.value).strip().lower()
                        declarations[name] = (value, item.important)
                if not declarations:
                    continue
                try:
                    selectors = cssselect2.compile_selector_list(rule.prelude)
                except cssselect2.SelectorError:
                    continue
                for selector in selectors:
                    if selector.pseudo_element is None:
                        matcher.add_selector(selector, (order, declarations))
                order += 1

    add(tinycss2.parse_stylesheet(styles, skip_comments=True, skip_whitespace=True))
    wrapped = next(element for element in cssselect2.ElementWrapper.from_html_root(
        main.getroottree().getroot()).iter_subtree() if element.etree_element is main)
    breaks: list[dict[str, str]] = []
    for element in wrapped.iter_children():
        chosen: dict[str, tuple[tuple[bool, Any, int], str]] = {}
        for specificity, _order, _pseudo, (source_order, declarations) in matcher.match(
                element):
            for name, (value, important) in declarations.items():
                rank = (important, specificity, source_order)
                if name not in chosen or rank >= chosen[name][0]:
                    chosen[name] = (rank, value)
        breaks.append({name: value for name, (_, value) in chosen.items()})
    return [breaks[index].get("break-before", "auto") in _FORCED
            or (index > 0 and breaks[index - 1].get("break-after", "auto") in _FORCED)
            for index in range(len(breaks))]


def _groups(units: list[Any], forced: list[bool], size: int) -> Iterator[list[Any]]:
    """The parts in groups of about ``size`` characters, each beginning at a forced page
    break (see :func:`_forced_breaks`; the first unit begins one anyway: the front ends in
    a page break, or there is none). A stretch between forced breaks longer than
    :data:`STRETCH` times ``size`` is cut between its units and children (:func:`_fill`)."""
    stretches: list[list[Any]] = []
    for unit, starts_page in zip(units, forced, strict=True):
        if starts_page or not stretches:
            stretches.append([])
        stretches[-1].append(unit)
    group: list[Any] = []
    used = 0
    for stretch in stretches:
        weight = sum(_weight(unit) for unit in stretch)
        if weight > STRETCH * size:
            if group:
                yield group
                group, used = [], 0
            yield from _fill(stretch, size)
            continue
        if group and used + weight > size:
            yield group
            group, used = [], 0
        group.extend(stretch)
        used += weight
    if group:
        yield group


def _fill(units: list[Any], size: int) -> Iterator[list[Any]]:
    """``units`` in groups of about ``size`` characters, cut anywhere between them; a unit
    larger than that is cut between its children (a table between its rows, its header
    repeated)."""
    group: list[Any] = []
    used = 0
    for unit in units:
        weight = _weight(unit)
        if used + weight <= size:
            group.append(unit)
            used += weight
            continue
        if group and weight <= size:
            yield group
            group, used = [unit], weight
            continue
        for piece in _cut(unit, size - used if group else size, size):
            piece_weight = _weight(piece)
            if group and used + piece_weight > size:
                yield group
                group, used = [], 0
            group.append(piece)
            used += piece_weight
    if group:
        yield group


def _cut(unit: Any, first: int, size: int) -> Iterator[Any]:
    """``unit`` as shells each holding some of its children (the first keeps its id and
    the children before the repeated ones), of about ``size`` characters each."""
    table = unit.find(".//tbody")
    if table is not None and len(unit.findall(".//tbody")) == 1:
        yield from _cut_table(unit, table, first, size)
        return
    children = list(unit)
    shell = _shell(unit, keep_id=True)
    budget, used = first, 0
    for child in children:
        weight = _weight(child)
        if len(shell) and used + weight > budget:
            yield shell
            shell, budget, used = _shell(unit, keep_id=False), size, 0
        shell.append(child)
        used += weight
    yield shell


def _shell(unit: Any, *, keep_id: bool) -> Any:
    shell = etree.Element(unit.tag, dict(unit.attrib))
    if not keep_id:
        for name in ("id", "aria-labelledby"):
            shell.attrib.pop(name, None)
    shell.text = unit.text if keep_id else None
    return shell


def _cut_table(unit: Any, tbody: Any, first: int, size: int) -> Iterator[Any]:
    """``unit`` whole with the first rows of its table, then shells holding only the
    table (its header and caption repeated) with the following rows."""
    rows = list(tbody)
    for row in rows:
        tbody.remove(row)
    empty = copy.deepcopy(tbody.getparent())  # the table with its header, no rows
    weight = max((_weight(row) for row in rows), default=1)
    start, budget, piece = 0, first - _weight(unit), unit
    while True:
        count = max(1, int(budget // weight))
        body = piece.find(".//tbody")
        for row in rows[start:start + count]:
            body.append(row)
        yield piece
        start += count
        if start >= len(rows):
            return
        piece = _shell(unit, keep_id=False)
        piece.append(copy.deepcopy(empty))
        budget = size - _weight(empty)


# --------------------------------------------------------------------------- layout and merge


LayOut = Callable[[str, bool], Any]


def render_in_parts(parts: Split, lay_out: LayOut) -> bytes:
    """The brief's PDF from ``parts``. ``lay_out(html, tagged)`` returns the laid-out
    WeasyPrint ``Document`` of ``html`` (with the caller's fetcher), tagged for PDF/UA or
    not; each part is written and let go before the next is laid out.

    The same steps, :func:`lay_out_part` for the front (a first time) and each body part,
    then :func:`assemble`, may run in different processes (``briefgen build -j N``): the
    result is the same bytes."""
    front_pages = 0
    if parts.front is not None:
        front_pages = len(lay_out_part(parts.front(None), lay_out, parts.variant).pages)
    return assemble(parts, front_pages,
                    [lay_out_part(html, lay_out, parts.variant) for html in parts.body], lay_out)


def lay_out_part(html: str, lay_out: LayOut, variant: str = "pdf/ua-1") -> Laid:
    """One part laid out and written (as ``variant``, tagged): its PDF and where its
    anchors and bookmarks fell."""
    document = lay_out(html, True)
    pages = [(page.height, {name: tuple(pos[:2]) for name, pos in page.anchors.items()},
              list(page.bookmarks)) for page in document.pages]
    out = io.BytesIO()
    document.write_pdf(out, pdf_variant=variant, pdf_tags=True, attachments=None,
                       custom_metadata=False)
    del document
    from generator.executors import release_memory

    release_memory()  # the layout's memory back to the system before the next part
    return Laid(out.getvalue(), pages)


def assemble(parts: Split, front_pages: int, body: list[Laid], lay_out: LayOut) -> bytes:
    """The brief from its body parts laid out: the front part laid out (again, until its
    page count is stable) with the contents' page numbers, the page-number overlay, and
    the join. ``front_pages`` is the length of the front laid out without numbers. (Under
    ``-j N`` the executor runs the same steps as tasks: the front and the overlay at once.)"""
    front: Laid | None = None
    if parts.front is not None:
        while True:
            front = lay_out_part(parts.front(front_numbers(body, front_pages)), lay_out,
                                 parts.variant)
            if len(front.pages) == front_pages:
                break
            front_pages = len(front.pages)  # the numbers made it longer or shorter
    overlay = lay_out_overlay(parts, total_pages(front_pages, body), lay_out)
    return join(front, body, overlay)


def total_pages(front_pages: int, body: list[Laid]) -> int:
    return front_pages + sum(len(part.pages) for part in body)


def lay_out_overlay(parts: Split, total: int, lay_out: LayOut) -> bytes | None:
    """The page numbers of a brief of ``total`` pages, as a PDF of as many pages showing
    only them (None when the stylesheet shows no page number)."""
    if not parts.number_box:
        return None
    empty_pages = "<div style='break-after: page'></div>" * (total - 1) + "<div></div>"
    return bytes(lay_out(f"{parts.overlay_head}<body>{empty_pages}</body></html>",
                         False).write_pdf())


def join(front: Laid | None, body: list[Laid], overlay: bytes | None) -> bytes:
    """The front, the body parts and the page-number overlay as one PDF."""
    laid = ([front] if front is not None else []) + list(body)
    return _merge_in_child(laid, overlay, sum(len(part.pages) for part in laid))


# -- parts laid out as tasks of their own (generator/executors.py) --------------------------

_DEFER: ContextVar[bool] = ContextVar("briefgen_defer_parts", default=False)


class Deferred(Exception):
    """Raised by :func:`generator.render.brief.render_brief` inside :func:`deferring`
    when the brief is to be laid out in parts: the parts, and the warnings so far, go
    back to the executor, which lays each part out as a task of its own."""

    def __init__(self, split: Split, warnings: list[str]) -> None:
        super().__init__("the brief is laid out in parts")
        self.split = split
        self.warnings = warnings

    def __reduce__(self) -> Any:  # pickled back from a worker with its arguments
        return (Deferred, (self.split, self.warnings))


@contextmanager
def deferring() -> Iterator[None]:
    """Within this block (of one thread), a brief in parts raises :class:`Deferred`."""
    token = _DEFER.set(True)
    try:
        yield
    finally:
        _DEFER.reset(token)


def deferred() -> bool:
    return _DEFER.get()


def _merge_in_child(laid: list[Laid], overlay: bytes | None, total: int) -> bytes:
    """:func:`_merge` in a child process. Joining a 1,400-page brief takes qpdf about
    0.5 GB, and this process's memory, fragmented by layout, would not shrink to make
    room: in a child, the two peaks do not add up, and the memory goes back on exit."""
    job = pickle.dumps((laid, overlay, total))
    done = subprocess.run([sys.executable, "-m", __name__], input=job, capture_output=True,
                          check=False)
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RenderError(f"joining the parts of the brief failed: "
                          f"{message[-1] if message else done.returncode}")
    return done.stdout


def front_numbers(body: list[Laid], front_pages: int) -> dict[str, int]:
    """The page of each anchor of the body, after a front of ``front_pages`` pages."""
    numbers: dict[str, int] = {}
    page = front_pages
    for part in body:
        for _, anchors, _ in part.pages:
            page += 1
            for name in anchors:
                numbers.setdefault(name, page)
    return numbers


def _merge(laid: list[Laid], overlay: bytes | None, total: int) -> bytes:
    import pikepdf
    from pikepdf import Array, Dictionary, Name, OutlineItem, Pdf, String

    # pikepdf's objects are dynamic (a PDF dictionary's keys are attributes): typed Any.
    out: Any = Pdf.new()
    document_element: Any = None
    struct_root: Any = None
    nums: list[tuple[int, Any]] = []
    annotations: list[tuple[Any, Any]] = []
    for n, part in enumerate(laid):
        source: Any = Pdf.open(io.BytesIO(part.pdf))
        first = len(out.pages)
        out.pages.extend(source.pages)
        tree = out.copy_foreign(source.Root.StructTreeRoot)
        if n == 0:
            struct_root, document_element = tree, tree.K[0]
            for entry in ("/Lang", "/MarkInfo", "/ViewerPreferences", "/Metadata"):
                if entry in source.Root:
                    value = source.Root[entry]
                    if not value.is_indirect:  # copy_foreign takes indirect objects
                        value = source.make_indirect(value)
                    out.Root[entry] = out.copy_foreign(value)
            out.docinfo = out.copy_foreign(source.docinfo)
        else:
            for kid in tree.K[0].K:
                kid.P = document_element
                document_element.K.append(kid)
        flat = tree.ParentTree.Nums
        parents = {int(flat[i]): flat[i + 1] for i in range(0, len(flat), 2)}
        for i in range(len(source.pages)):
            page = out.pages[first + i]
            nums.append((first + i, parents[i]))
            page.obj.StructParents = first + i
            for annotation in page.obj.get("/Annots", []):
                if "/StructParent" in annotation:
                    annotations.append((annotation, parents[int(annotation.StructParent)]))
                action = annotation.get("/A")
                uri = str(action.get("/URI", "")) if action is not None else ""
                if uri.startswith(_LINK):
                    del annotation["/A"]
                    annotation.Dest = String(uri[len(_LINK):])
        # Closed now (half the memory of the join): since qpdf 10, copied objects keep
        # what they need of their source, and the buffer here is ours, not closed.
        source.close()
    assert struct_root is not None
    for key, (annotation, parent) in enumerate(annotations, start=total):
        annotation.StructParent = key
        nums.append((key, parent))
    struct_root.ParentTree = out.make_indirect(Dictionary(
        Nums=Array([x for pair in nums for x in pair])))
    struct_root.ParentTreeNextKey = total + len(annotations)
    out.Root.StructTreeRoot = struct_root

    if overlay is not None:  # the page numbers, drawn as page furniture
        stamps: Any = Pdf.open(io.BytesIO(overlay))
        for number, (page, stamp) in enumerate(zip(out.pages, stamps.pages, strict=True)):
            form = out.copy_foreign(stamp.as_form_xobject())
            # Named by number, not at random (same bytes every time); WeasyPrint's pages
            # may share one resource dictionary.
            resource = page.add_resource(form, Name.XObject, Name(f"/BriefgenPage{number + 1}"),
                                         replace_existing=False)
            page.contents_add(b"q\n", prepend=True)
            page.contents_add(f"\nQ\n/Artifact BMC q {resource} Do Q EMC\n".encode())

    destinations: dict[str, Any] = {}
    number = 0
    for part in laid:
        for height, anchors, _ in part.pages:
            for name, (x, y) in anchors.items():
                destinations.setdefault(name, Array([
                    out.pages[number].obj, Name.XYZ, x * _PX_TO_PT,
                    (height - y) * _PX_TO_PT, 0]))
            number += 1
    out.Root.Names = Dictionary(Dests=out.make_indirect(Dictionary(Names=Array(
        [x for name in sorted(destinations) for x in (String(name), destinations[name])]))))
    with out.open_outline() as outline:
        stack: list[tuple[int, Any]] = []
        number = 0
        for part in laid:
            for height, _, bookmarks in part.pages:
                for level, label, (x, y), _state in bookmarks:
                    while stack and stack[-1][0] >= level:
                        stack.pop()
                    item = OutlineItem(label, number, "XYZ", left=x * _PX_TO_PT,
                                       top=(height - y) * _PX_TO_PT)
                    (stack[-1][1].children if stack else outline.root).append(item)
                    stack.append((level, item))
                number += 1
    out.Root.PageMode = Name.UseOutlines
    result = io.BytesIO()
    out.save(result, object_stream_mode=pikepdf.ObjectStreamMode.generate,
             compress_streams=True, deterministic_id=True)
    return result.getvalue()


if __name__ == "__main__":  # the child of _merge_in_child: parts on stdin, the PDF on stdout
    sys.stdout.buffer.write(_merge(*pickle.loads(sys.stdin.buffer.read())))
