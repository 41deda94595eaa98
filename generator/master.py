"""The PowerPoint master, read one way for ``briefgen check`` and for the deck.

:func:`open_master` is the only place a master is opened. It

1. bounds the file before inflating anything: a regular file, at most
   :data:`MAX_MEMBERS` zip members, each at most :data:`MAX_PART_BYTES` and all together
   at most :data:`MAX_TOTAL_BYTES` once inflated (the sizes the zip declares: Python's
   zip reader never inflates a member beyond its declared size), and no member over
   :data:`RATIO_FLOOR` that inflates more than :data:`MAX_RATIO` times;
2. reads its parts with zipfile and lxml (no python-pptx: ``briefgen check`` stays
   light) and checks what the deck needs: a layout for every kind of slide
   (:func:`choose_layouts`: by name, else by its placeholders, with a warning) with its
   title and body placeholders (errors), fixed text in a layout, placeholders of a
   layout that share an ``idx`` or overlap, links to outside addresses, and (errors)
   pictures larger than :data:`MAX_IMAGE_PIXELS`;
3. makes the package safe to build from: every relationship with
   ``TargetMode="External"`` is removed with the element that uses it (opening a deck
   must never fetch anything), and placeholders of a layout that share an ``idx`` are
   given their own, so a slide's placeholders each inherit their own place.

:func:`check_master` is what ``briefgen check`` reports; the deck renderer opens the
bytes :func:`open_master` returns with python-pptx and raises the same errors. Every
limit is a constant of this module.
"""

from __future__ import annotations

import hashlib
import io
import os
import posixpath
import stat
import threading
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from lxml import etree

from .errors import Diagnostic
from .templates import REQUIRED_BODIES, SLIDE_KINDS, TemplateSet, builtin_templates, resolved

MB = 1024 * 1024

# --------------------------------------------------------------------------- limits
#: Zip members a master may hold (the default master has 33; LibreOffice's about 40).
MAX_MEMBERS = 2_000
#: What one member of a master may inflate to.
MAX_PART_BYTES = 100 * MB
#: What all members of a master together may inflate to (also the largest master file).
MAX_TOTAL_BYTES = 200 * MB
#: A member larger than RATIO_FLOOR inflated may be at most this many times its
#: compressed size (XML compresses 5-20 times; a zip bomb thousands of times).
MAX_RATIO = 100
RATIO_FLOOR = 1 * MB
#: Pixels (width × height, read from the file's header) of a picture in the master or of
#: the logo a deck embeds: 50 million is a 10000 × 5000 picture.
MAX_IMAGE_PIXELS = 50_000_000

# Relationships of the package and of the presentation that never reach a deck (the
# deck renderer drops them); the master's own slides do not either.
_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
DROPPED_PACKAGE_RELS = frozenset({
    "http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail",
    f"{_RT}/custom-properties"})
DROPPED_PRESENTATION_RELS = frozenset({
    f"{_RT}/printerSettings", f"{_RT}/commentAuthors", f"{_RT}/customXml",
    f"{_RT}/handoutMaster", f"{_RT}/tags",
    "http://schemas.microsoft.com/office/2006/relationships/vbaProject",
    "http://schemas.microsoft.com/office/2017/10/relationships/person",
    "http://schemas.microsoft.com/office/2015/10/relationships/revisionInfo"})
_SLIDE_REL = f"{_RT}/slide"

_P = "http://schemas.openxmlformats.org/presentationml/2006/main"
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_NS = {"p": _P, "a": _A, "r": _RT}
_PR = "http://schemas.openxmlformats.org/package/2006/relationships"
# Placeholders slides do not get a copy of (python-pptx's cloneable placeholders).
_NOT_CLONED = {"dt", "ftr", "sldNum"}
_HARDENED = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def master_path(templates: TemplateSet) -> str:
    """The master's path as diagnostics name it: relative to the project (as the
    project names it, a link not followed), else ``<built-in>/deck/master.pptx``."""
    path = Path(templates.master)
    for base, prefix in ((Path(templates.project_root), ""), (builtin_templates(),
                                                               "<built-in>/")):
        if base == Path("") and not prefix:
            continue
        for mine, theirs in ((path.absolute(), base.absolute()),
                             (resolved(path) or path, resolved(base) or base)):
            try:
                return prefix + mine.relative_to(theirs).as_posix()
            except (ValueError, OSError):
                pass
    return path.name


def _outside(templates: TemplateSet) -> bool:
    """Whether the master resolves (links followed) outside both the project and the
    built-in templates: a link to someone else's file is not a template."""
    if not templates.project_root:
        return False
    followed = resolved(Path(templates.master))
    return followed is None or not any(  # a loop of links is no one's template
        followed.is_relative_to(resolved(base) or base)
        for base in (Path(templates.project_root), builtin_templates()))


def human_size(n: int) -> str:
    """``1.5 GB``, ``200 MB``, ``12 KB``: sizes as an error message gives them."""
    for unit, size in (("GB", 1024 * MB), ("MB", MB), ("KB", 1024)):
        if n >= size:
            return f"{n / size:.1f}".rstrip("0").rstrip(".") + f" {unit}"
    return f"{n} bytes"


def unreadable(where: str, reason: object) -> Diagnostic:
    return Diagnostic(where, 0, 0, "error", f"not a readable PowerPoint file: {reason}",
                      "save it again from PowerPoint or LibreOffice as .pptx")


# --------------------------------------------------------------------------- bounds


class Bounds(NamedTuple):
    """The bounds of a master: zip members, one part's and all parts' inflated bytes
    (the project's ``limits:`` ``master_members``, ``master_part_bytes``,
    ``master_bytes``; by default :data:`MAX_MEMBERS`, :data:`MAX_PART_BYTES`,
    :data:`MAX_TOTAL_BYTES`)."""

    members: int = MAX_MEMBERS
    part_bytes: int = MAX_PART_BYTES
    total_bytes: int = MAX_TOTAL_BYTES

    @classmethod
    def of(cls, templates: TemplateSet) -> Bounds:
        return cls(templates.limit("master_members", MAX_MEMBERS),
                   templates.limit("master_part_bytes", MAX_PART_BYTES),
                   templates.limit("master_bytes", MAX_TOTAL_BYTES))


DEFAULT_BOUNDS = Bounds()


def _limit_hint(key: str, value: int) -> str:
    return (f"remove large pictures or media from the master, or save it again; or raise "
            f"limits.{key} ({value:,}) in content/briefing.yaml")


def read_bounded(path: Path, where: str, bounds: Bounds = DEFAULT_BOUNDS
                 ) -> tuple[bytes | None, list[Diagnostic]]:
    """The bytes of the master at ``path``, or None and why not: it must be a regular
    file within ``bounds.total_bytes`` whose zip passes :func:`check_package`."""
    try:
        info = os.stat(path)
    except OSError as exc:
        return None, [unreadable(where, exc.strerror or exc)]
    if not stat.S_ISREG(info.st_mode):  # a FIFO or device would block or never end
        return None, [Diagnostic(where, 0, 0, "error", "the master is not a regular file",
                                 "put a .pptx file there")]
    if info.st_size > bounds.total_bytes:
        return None, [Diagnostic(
            where, 0, 0, "error",
            f"the master is {human_size(info.st_size)}, more than the "
            f"{human_size(bounds.total_bytes)} a master may be",
            _limit_hint("master_bytes", bounds.total_bytes))]
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [unreadable(where, exc.strerror or exc)]
    problems = check_package(data, where, bounds)
    return (None if problems else data), problems


def check_package(data: bytes, where: str, bounds: Bounds = DEFAULT_BOUNDS) -> list[Diagnostic]:
    """The zip of a master checked from its central directory, before anything is
    inflated: member count, each member's and the total declared inflated size, and
    the compression ratio of large members."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        return [unreadable(where, exc)]
    hint = "remove large pictures or media from the master, or save it again"
    if len(members) > bounds.members:
        return [Diagnostic(where, 0, 0, "error",
                           f"the master has {len(members)} parts, more than the "
                           f"{bounds.members} a master may have",
                           _limit_hint("master_members", bounds.members))]
    problems: list[Diagnostic] = []
    total = 0
    for member in members:
        size = member.file_size
        total += size
        if size > bounds.part_bytes:
            problems.append(Diagnostic(
                where, 0, 0, "error",
                f"part {_excerpt(member.filename)} inflates to {human_size(size)}, more "
                f"than the {human_size(bounds.part_bytes)} one part may hold",
                _limit_hint("master_part_bytes", bounds.part_bytes)))
        elif size > RATIO_FLOOR and size > MAX_RATIO * max(member.compress_size, 1):
            problems.append(Diagnostic(
                where, 0, 0, "error",
                f"part {_excerpt(member.filename)} inflates {size // max(member.compress_size, 1)}"
                f" times (to {human_size(size)}), more than the {MAX_RATIO} times a part may",
                hint))
    if total > bounds.total_bytes and all(m.file_size <= bounds.part_bytes for m in members):
        problems.append(Diagnostic(
            where, 0, 0, "error",
            f"the master's parts inflate to {human_size(total)} together, more than the "
            f"{human_size(bounds.total_bytes)} a master may hold",
            _limit_hint("master_bytes", bounds.total_bytes)))
    return problems


def image_pixels_problem(data: bytes) -> str:
    """Why a picture may not go into a deck ("" when it may): read from its header,
    never decoded. Pictures Pillow cannot identify (EMF, WMF, SVG) pass."""
    from PIL import Image, UnidentifiedImageError

    try:
        # The header only: Image.open reads the size without decoding the pixels; its
        # own bomb check raises for the largest (and is the same refusal).
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except Image.DecompressionBombError:  # Pillow's own limit is above ours
        return f"it has more than the {MAX_IMAGE_PIXELS:,} pixels a picture may have"
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return ""
    if width * height > MAX_IMAGE_PIXELS:
        return (f"it is {width} × {height} pixels, more than the "
                f"{MAX_IMAGE_PIXELS:,} pixels a picture may have")
    return ""


def _excerpt(value: str, limit: int = 60) -> str:
    """At most ``limit`` characters of a value a message quotes."""
    return value if len(value) <= limit else value[:limit - 1] + "…"


# --------------------------------------------------------------------------- the package


class _Unreadable(Exception):
    """A part the master needs is missing or is not well-formed XML."""


@dataclass(frozen=True, slots=True)
class _Rel:
    """One relationship: its id, type, and target (a part name, or an outside address
    when ``external``)."""

    rid: str
    kind: str
    target: str
    external: bool


class _Package:
    """A master's zip read part by part (XML parsed once each, with entities and
    network access off), after :func:`check_package` has bounded it."""

    def __init__(self, data: bytes) -> None:
        self.archive = zipfile.ZipFile(io.BytesIO(data))
        self.names = set(self.archive.namelist())
        self._xml: dict[str, Any] = {}
        self._rels: dict[str, list[_Rel]] = {}
        self.changed: set[str] = set()  # parts (and .rels) whose XML was changed

    def xml(self, name: str) -> Any:
        if name not in self._xml:
            if name not in self.names:
                raise _Unreadable(f"its part {_excerpt(name)} is missing")
            try:
                self._xml[name] = etree.fromstring(self.archive.read(name), _HARDENED)
            except etree.XMLSyntaxError as exc:
                raise _Unreadable(f"{_excerpt(name)}: {exc}") from exc
        return self._xml[name]

    @staticmethod
    def rels_name(part: str) -> str:
        folder, base = posixpath.split(part)
        return posixpath.join(folder, "_rels", f"{base}.rels")

    def rels(self, part: str) -> list[_Rel]:
        """The relationships of ``part`` ("" for the package's own)."""
        if part not in self._rels:
            name = self.rels_name(part)
            found: list[_Rel] = []
            if name in self.names:
                for rel in self.xml(name).iter(f"{{{_PR}}}Relationship"):
                    target = rel.get("Target", "")
                    external = rel.get("TargetMode") == "External"
                    if not external:
                        target = (target.lstrip("/") if target.startswith("/") else
                                  posixpath.normpath(posixpath.join(
                                      posixpath.dirname(part), target)))
                    found.append(_Rel(rel.get("Id", ""), rel.get("Type", ""), target,
                                      external))
            self._rels[part] = found
        return self._rels[part]

    def related(self, part: str, rid: str) -> str:
        rel = next((r for r in self.rels(part) if r.rid == rid and not r.external), None)
        if rel is None:
            raise _Unreadable(f"{_excerpt(part)} names a relationship {rid!r} it does not have")
        return rel.target

    def presentation(self) -> str:
        if "[Content_Types].xml" not in self.names:  # python-pptx cannot open it either
            raise _Unreadable("it has no [Content_Types].xml")
        rel = next((r for r in self.rels("") if r.kind.endswith("/officeDocument")
                    and not r.external), None)
        if rel is None:
            raise _Unreadable("it has no presentation part")
        return rel.target

    def layouts(self) -> list[tuple[str, str]]:
        """(layout name, part) of every layout of every master, in the file's order."""
        pres = self.presentation()
        found = []
        for master_id in self.xml(pres).iterfind("p:sldMasterIdLst/p:sldMasterId", _NS):
            master = self.related(pres, master_id.get(f"{{{_RT}}}id", ""))
            for layout_id in self.of_kind(master, "sldMaster").iterfind(
                    "p:sldLayoutIdLst/p:sldLayoutId", _NS):
                layout = self.related(master, layout_id.get(f"{{{_RT}}}id", ""))
                csld = self.of_kind(layout, "sldLayout").find("p:cSld", _NS)
                found.append((csld.get("name", "") if csld is not None else "", layout))
        return found

    def of_kind(self, part: str, kind: str) -> Any:
        """The root of ``part``, which must be a ``p:KIND`` (python-pptx reads any other
        element, such as one whose namespace was damaged, as an element without the
        kind's attributes, and fails on the first it asks for)."""
        root = self.xml(part)
        if root.tag != f"{{{_P}}}{kind}":
            raise _Unreadable(f"{_excerpt(part)} is not a slide {kind[3:].lower()}")
        return root

    def deck_parts(self) -> list[str]:
        """Each part a deck may carry: all but the master's own slides and what only the
        package and presentation relationships a deck drops lead to."""
        pres = self.presentation()
        seen: list[str] = []
        stack = [r.target for r in reversed(self.rels("")) if not r.external
                 and r.kind not in DROPPED_PACKAGE_RELS]
        while stack:
            part = stack.pop()
            if part in seen or part not in self.names:
                continue
            seen.append(part)
            for rel in reversed(self.rels(part)):
                if rel.external or (part == pres and (rel.kind in DROPPED_PRESENTATION_RELS
                                                      or rel.kind == _SLIDE_REL)):
                    continue
                stack.append(rel.target)
        return seen

    def external(self) -> list[tuple[str, _Rel]]:
        """(part, relationship) of each link to an outside address a deck may carry;
        the part is "" for the package's own relationships."""
        return [(part, rel) for part in ["", *self.deck_parts()]
                for rel in self.rels(part) if rel.external]

    def rewritten(self) -> bytes:
        """The package with the changed parts written back: members stored, for
        python-pptx to read (the deck is zipped afresh when it is saved)."""
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as target:
            for info in self.archive.infolist():
                name = info.filename
                data = (etree.tostring(self._xml[name], xml_declaration=True,
                                       encoding="UTF-8", standalone=True)
                        if name in self.changed else self.archive.read(name))
                target.writestr(name, data)
        return out.getvalue()


# --------------------------------------------------------------------------- opening


def check_master(templates: TemplateSet) -> list[Diagnostic]:
    """Problems with the master of ``templates`` (see :func:`open_master`)."""
    return open_master(templates)[1]


def open_master(templates: TemplateSet) -> tuple[bytes | None, list[Diagnostic]]:
    """The master of ``templates`` as bytes safe to build a deck from (None when it
    cannot be used), and what :func:`check_master` reports about it. Reads the file with
    zipfile and lxml only: ``briefgen check`` does not import python-pptx."""
    where = master_path(templates)
    if _outside(templates):
        return None, [Diagnostic(where, 0, 0, "error",
                                 "the master is a link to a file outside the project",
                                 "copy the file into the project instead of linking to it")]
    data, problems = read_bounded(Path(templates.master), where, Bounds.of(templates))
    if data is None:
        return None, problems
    # What the check finds depends on nothing but the file and the layout names asked
    # for: found once per process for each (as a compiled template is kept).
    key = (hashlib.sha256(data).digest(), where,
           tuple(templates.layout_candidates(kind) for kind in SLIDE_KINDS))
    with _CHECKED_LOCK:
        cached = _CHECKED.get(key)
    if cached is None:
        try:
            package = _Package(data)
            damaged = package.archive.testzip()  # inflates member by member, bounded
            if damaged is not None:
                raise _Unreadable(f"its part {_excerpt(damaged)} is damaged")
            found = (_check_layouts(package, templates, where) + _check_links(package, where)
                     + _check_pictures(package, where))
            _drop_external_links(package)
            _separate_indexes(package)
            safe = package.rewritten() if package.changed else None
        except _Unreadable as exc:
            return None, [unreadable(where, exc)]
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error) as exc:
            # a member whose data is not what the zip declares (bad CRC, short stream)
            return None, [unreadable(where, exc)]
        cached = (found, safe)
        if len(data) <= _CACHED_BYTES:
            with _CHECKED_LOCK:
                if len(_CHECKED) >= 16:
                    _CHECKED.pop(next(iter(_CHECKED)))
                _CHECKED[key] = cached
    found, safe = cached
    return (data if safe is None else safe), list(found)


_CHECKED: dict[tuple[Any, ...], tuple[list[Diagnostic], bytes | None]] = {}
_CHECKED_LOCK = threading.Lock()
_CACHED_BYTES = 16 * MB  # larger masters are checked afresh rather than kept in memory


# --------------------------------------------------------------------------- layouts

_TITLES = {"title", "ctrTitle"}
_BODIES = {"body", "obj", "subTitle"}
# The master placeholder type a layout placeholder takes missing geometry from (as
# python-pptx's LayoutPlaceholder._base_placeholder has it).
_BASE_TYPES = {"ctrTitle": "title", "title": "title", "dt": "dt", "ftr": "ftr",
               "sldNum": "sldNum"}


def _placeholders(tree: Any) -> list[tuple[Any, Any]]:
    """(shape element, its ``p:ph``) of each placeholder on a master or layout."""
    found = []
    for shape in tree.iterfind("p:cSld/p:spTree/*", _NS):
        ph = shape.find("./*[1]/p:nvPr/p:ph", _NS) if len(shape) else None
        if ph is not None:
            found.append((shape, ph))
    return found


def _kind(ph: Any) -> str:
    return str(ph.get("type", "obj"))


def _idx(ph: Any) -> int:
    value = ph.get("idx", "0")
    return int(value) if value.isdigit() else -1


def _geometry(shape: Any) -> list[int | None]:
    """(x, y, cx, cy) of a shape's own ``a:xfrm``, None where it has none."""
    xfrm = shape.find("p:spPr/a:xfrm", _NS)
    off = xfrm.find("a:off", _NS) if xfrm is not None else None
    ext = xfrm.find("a:ext", _NS) if xfrm is not None else None
    values = [off.get("x") if off is not None else None, off.get("y") if off is not None
              else None, ext.get("cx") if ext is not None else None,
              ext.get("cy") if ext is not None else None]
    return [int(v) if v is not None and v.lstrip("-").isdigit() else None for v in values]


@dataclass(frozen=True)
class LayoutStructure:
    """What a layout offers a slide, counted from its placeholders: titles (``title``,
    ``ctrTitle``; ``centred`` when one is a ``ctrTitle``), bodies (``body`` and content
    placeholders without a type), subtitles, and placeholders for anything else
    (pictures, tables, charts, media); dates, footers and slide numbers do not count."""

    titles: int
    centred: bool
    bodies: int
    subtitles: int
    others: int

    def describe(self) -> str:
        """``a title and 2 bodies``, ``a centred title and a subtitle``."""
        parts = ["a centred title" if self.centred else "a title" if self.titles else
                 "no title"]
        if self.bodies:
            parts.append("one body" if self.bodies == 1 else f"{self.bodies} bodies")
        if self.subtitles:
            parts.append("a subtitle")
        return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]


def layout_structure(layout: Any) -> LayoutStructure:
    """The :class:`LayoutStructure` of a ``p:sldLayout`` element (read from the package
    here, or python-pptx's ``layout._element`` in the deck: the same XML)."""
    kinds = [_kind(ph) for _, ph in _placeholders(layout)]
    return LayoutStructure(
        titles=sum(k in _TITLES for k in kinds), centred="ctrTitle" in kinds,
        bodies=sum(k in ("body", "obj") for k in kinds),
        subtitles=kinds.count("subTitle"),
        others=sum(k not in _TITLES | _BODIES | _NOT_CLONED for k in kinds))


# What each kind of slide looks for when no layout has one of its names: the first test
# that some layout passes picks the first such layout in the master's order. Exact
# shapes first (a layout with nothing else on it), then looser ones.
def _exactly(titles: int, bodies: int, subtitles: int, *, centred: bool | None = None
             ) -> Any:
    def test(s: LayoutStructure) -> bool:
        return (s.titles == titles and s.bodies == bodies and s.subtitles == subtitles
                and s.others == 0 and (centred is None or s.centred == centred))
    return test


_COVER = (_exactly(1, 0, 1, centred=True), _exactly(1, 0, 1), _exactly(1, 0, 0, centred=True),
          _exactly(1, 1, 0, centred=True), _exactly(1, 0, 0))
_TEXT = (_exactly(1, 1, 0), lambda s: s.titles == 1 and s.bodies + s.subtitles == 1,
         lambda s: s.titles == 1 and s.bodies >= 1)
_TITLE_ONLY = (_exactly(1, 0, 0), _exactly(1, 0, 0, centred=True), *_TEXT)
STRUCTURES: dict[str, tuple[Any, ...]] = {
    "title": _COVER,
    "closing": _COVER,
    "section": (_exactly(1, 0, 1), _exactly(1, 0, 0, centred=True), _exactly(1, 0, 1,
                centred=True), _exactly(1, 1, 0, centred=True), _exactly(1, 0, 0)),
    "agenda": _TEXT,
    "bullets": _TEXT,
    "two_content": (_exactly(1, 2, 0), lambda s: s.titles == 1 and s.bodies >= 2),
    "table": _TITLE_ONLY,
    "chart": _TITLE_ONLY,
    "key_message": _TITLE_ONLY,
}


@dataclass(frozen=True)
class LayoutChoice:
    """The layout a kind of slide uses: its name, its position among the master's
    layouts, and whether its name or (``structure``) its placeholders chose it."""

    kind: str
    name: str
    position: int
    by: str  # "name" or "structure"
    structure: LayoutStructure


def choose_layouts(layouts: list[tuple[str, Any]], templates: TemplateSet
                   ) -> dict[str, LayoutChoice | None]:
    """The layout of each kind of slide among ``layouts`` ((name, ``p:sldLayout``) in
    the master's order): by name first (the layout ``layouts.yaml`` names, else one of
    the kind's usual names, the first layout of a name winning); when none has one of
    those names, by its placeholders (:data:`STRUCTURES`). A layout that
    ``layouts.yaml`` names and the master lacks is not replaced: None."""
    first: dict[str, int] = {}
    for i, (layout_name, _) in enumerate(layouts):
        first.setdefault(layout_name, i)
    structures = [layout_structure(tree) for _, tree in layouts]
    chosen: dict[str, LayoutChoice | None] = {}
    for kind in SLIDE_KINDS:
        candidates = templates.layout_candidates(kind)
        name = next((c for c in candidates if c in first), None)
        if name is not None:
            chosen[kind] = LayoutChoice(kind, name, first[name], "name",
                                        structures[first[name]])
            continue
        chosen[kind] = None
        if dict(templates.layouts).get(kind):
            continue  # the project named a layout: that one or an error, not a guess
        for test in STRUCTURES[kind]:
            found = next((i for i, s in enumerate(structures)
                          if test(s) and first[layouts[i][0]] == i), None)
            if found is not None:
                chosen[kind] = LayoutChoice(kind, layouts[found][0], found, "structure",
                                            structures[found])
                break
    return chosen


def layout_choices(templates: TemplateSet) -> dict[str, LayoutChoice | None] | None:
    """:func:`choose_layouts` on the master of ``templates`` (None when it cannot be
    read): what ``briefgen audiences`` shows."""
    data, _ = open_master(templates)
    if data is None:
        return None
    try:
        package = _Package(data)
        return choose_layouts([(name, package.xml(part)) for name, part in package.layouts()],
                              templates)
    except (_Unreadable, zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error):
        return None


def _check_layouts(package: _Package, templates: TemplateSet, where: str) -> list[Diagnostic]:
    """Each slide kind's layout, its title and body placeholders, text of its own, and
    placeholders that share an ``idx`` or overlap."""
    names: dict[str, str] = {}
    layouts = package.layouts()
    for layout_name, part in layouts:
        names.setdefault(layout_name, part)  # the first of a name wins, as in the deck
    chosen = choose_layouts([(n, package.xml(part)) for n, part in layouts], templates)
    problems: list[Diagnostic] = []
    checked: set[str] = set()  # layouts whose placeholders and text were checked
    for kind in SLIDE_KINDS:
        candidates = templates.layout_candidates(kind)
        choice = chosen[kind]
        if choice is None:
            problems.append(Diagnostic(
                where, 0, 0, "error",
                f"no layout for {kind.replace('_', ' ')} slides: the master has none of "
                f"{', '.join(repr(c) for c in candidates)}",
                f"its layouts are {', '.join(repr(n) for n in sorted(names))}; rename one, "
                "or name one in templates/deck/layouts.yaml"))
            continue
        name = choice.name
        if choice.by == "structure":
            problems.append(Diagnostic(
                where, 0, 0, "warning",
                f"{kind.replace('_', ' ')} slides use layout {name!r}, chosen by its "
                f"placeholders ({choice.structure.describe()}): no layout is named "
                f"{' or '.join(repr(c) for c in candidates)}",
                "rename a layout, or name one in templates/deck/layouts.yaml"))
        tree = package.xml(names[name])
        kinds = [_kind(ph) for _, ph in _placeholders(tree)]
        bodies = sum(k in _BODIES for k in kinds)
        needed = REQUIRED_BODIES.get(kind, 0)
        if bodies < needed:
            problems.append(Diagnostic(
                where, 0, 0, "error",
                f"layout {name!r} has no body placeholder" if needed == 1 else
                f"layout {name!r} needs {needed} body placeholders, it has {bodies}",
                f"{kind.replace('_', ' ')} slides put their text there; add "
                f"{'one' if needed == 1 else 'them'}"))
        if name in checked:
            continue
        checked.add(name)
        if not _TITLES & set(kinds):
            problems.append(Diagnostic(where, 0, 0, "error",
                                       f"layout {name!r} has no title placeholder",
                                       "every slide puts its title there; add one"))
        for shape in tree.iterfind("p:cSld/p:spTree/p:sp", _NS):
            text = _own_text(shape)
            if text:
                problems.append(Diagnostic(
                    where, 0, 0, "warning",
                    f"layout {name!r} has text of its own ({text[:40]!r}) "
                    "that every slide built from it will show",
                    "markings and titles come from the content; remove it from the layout"))
        problems += _placeholder_clashes(package, names[name], name, where)
    return list(dict.fromkeys(problems))  # a layout serving several kinds: said once


def _own_text(shape: Any) -> str:
    """The text of a shape that is not a placeholder (as python-pptx's ``text_frame.text``
    reads it: paragraphs joined by line feeds, a line break as a vertical tab)."""
    if shape.find("p:nvSpPr/p:nvPr/p:ph", _NS) is not None:
        return ""
    body = shape.find("p:txBody", _NS)
    if body is None:
        return ""
    paragraphs = []
    for p in body.iterfind("a:p", _NS):
        paragraphs.append("".join(
            "\v" if child.tag == f"{{{_A}}}br" else "".join(child.itertext())
            for child in p if child.tag in (f"{{{_A}}}r", f"{{{_A}}}fld", f"{{{_A}}}br")))
    return "\n".join(paragraphs)


def _placeholder_clashes(package: _Package, part: str, name: str,
                         where: str) -> list[Diagnostic]:
    """Warnings for placeholders a slide gets a copy of that share an ``idx`` (a slide's
    placeholder takes its place from the layout's of the same idx: all would land on the
    first) or whose boxes overlap."""
    master = next((r.target for r in package.rels(part)
                   if r.kind.endswith("/slideMaster") and not r.external), "")
    bases = _placeholders(package.xml(master)) if master in package.names else []
    found: list[tuple[str, int, tuple[int, int, int, int] | None]] = []
    for shape, ph in _placeholders(package.xml(part)):
        kind = _kind(ph)
        if kind in _NOT_CLONED:
            continue
        geometry = _geometry(shape)
        if None in geometry:  # the rest from the master's placeholder of its base type
            base_kind = _BASE_TYPES.get(kind, "body")
            base = next((s for s, p in bases if _kind(p) == base_kind), None)
            if base is not None:
                inherited = _geometry(base)
                geometry = [g if g is not None else i for g, i in zip(geometry, inherited,
                                                                      strict=True)]
        box = None if None in geometry else tuple(geometry)
        label = shape.find("./*[1]/p:cNvPr", _NS)
        found.append((label.get("name", "") if label is not None else "", _idx(ph),
                      box))  # type: ignore[arg-type]
    problems: list[Diagnostic] = []
    by_idx: dict[int, list[str]] = {}
    for shape_name, idx, _ in found:
        by_idx.setdefault(idx, []).append(repr(shape_name))
    for idx, shared in by_idx.items():
        if len(shared) > 1:
            problems.append(Diagnostic(
                where, 0, 0, "warning",
                f"layout {name!r}: placeholders {', '.join(shared[:-1])} and {shared[-1]} "
                f"share idx {idx}",
                "a slide's placeholder takes its place from the layout's of the same idx, "
                "so all would land on the first; the deck gives each its own idx, but "
                "give each its own in the master"))
    for i, (first, first_idx, first_box) in enumerate(found):
        for second, second_idx, second_box in found[i + 1:]:
            if first_idx != second_idx and first_box and second_box \
                    and boxes_overlap(first_box, second_box):
                problems.append(Diagnostic(
                    where, 0, 0, "warning",
                    f"layout {name!r}: placeholders {first!r} and {second!r} overlap",
                    "their texts would print on top of each other; the deck puts a "
                    "cover's text below its title, but move them apart in the master"))
    return problems


def boxes_overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    """Whether boxes (left, top, width, height) share an area (touching edges do not)."""
    return (min(a[0] + a[2], b[0] + b[2]) > max(a[0], b[0])
            and min(a[1] + a[3], b[1] + b[3]) > max(a[1], b[1]))


def _separate_indexes(package: _Package) -> None:
    """Give each placeholder of a layout an ``idx`` of its own. LibreOffice saves title
    and subtitle both without one (idx 0): a slide placeholder takes its place from the
    layout's of the same idx, so both would land where the title is."""
    for _, part in package.layouts():
        phs = [ph for _, ph in _placeholders(package.xml(part))]
        taken = {_idx(ph) for ph in phs}
        seen: set[int] = set()
        for ph in phs:
            idx = _idx(ph)
            if idx in seen:
                idx = max(taken | seen) + 1
                ph.set("idx", str(idx))
                taken.add(idx)
                package.changed.add(part)
            seen.add(idx)


# --------------------------------------------------------------------------- links, media

# Elements that only carry a link: removed with it, leaving the text or shape they were on.
_LINK_TAGS = {f"{{{_A}}}{tag}" for tag in ("hlinkClick", "hlinkHover", "hlinkMouseOver")}
# What goes when a picture, sound or object it needs is an outside address.
_SHAPE_TAGS = {f"{{{_P}}}{tag}" for tag in ("pic", "sp", "graphicFrame", "cxnSp", "grpSp",
                                            "bg")}
_BLIP = f"{{{_A}}}blip"
_R_EMBED, _R_LINK = f"{{{_RT}}}embed", f"{{{_RT}}}link"
_USES = etree.XPath("//*[@r:*=$rid]", namespaces={"r": _RT})
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp")


def _check_links(package: _Package, where: str) -> list[Diagnostic]:
    problems = []
    for part, rel in package.external():
        owner = package.rels_name(part) if part == "" else part
        problems.append(Diagnostic(
            where, 0, 0, "warning",
            f"{owner} links to an outside address ({rel.kind.rsplit('/', 1)[-1]} "
            f"{_excerpt(rel.target)!r}): it is left out of every deck",
            "a deck never fetches anything when it is opened; embed the picture or "
            "media in the master, or remove the link"))
    return sorted(set(problems))


def _check_pictures(package: _Package, where: str) -> list[Diagnostic]:
    problems = []
    for part in package.deck_parts():
        if not part.lower().endswith(_IMAGE_SUFFIXES):
            continue
        why = image_pixels_problem(package.archive.read(part))
        if why:
            problems.append(Diagnostic(where, 0, 0, "error",
                                       f"picture {part} cannot go into a deck: {why}",
                                       "save it smaller in the master"))
    return problems


def _drop_external_links(package: _Package) -> None:
    """Remove every link to an outside address a deck may carry, with what uses it:
    a hyperlink leaves its text, a linked picture or object its shape (or the
    background it fills); a picture also embedded keeps the embedded copy."""
    for part, rel in package.external():
        if part and part.lower().endswith(".xml") and _remove_uses(package.xml(part),
                                                                    rel.rid):
            package.changed.add(part)
        rels_name = package.rels_name(part)
        rels = package.xml(rels_name)
        for element in list(rels):
            if element.get("Id") == rel.rid:
                rels.remove(element)
        package.changed.add(rels_name)


def _remove_uses(root: Any, rid: str) -> bool:
    """Remove the elements of ``root`` that use relationship ``rid``; whether any did."""
    used = _USES(root, rid=rid)
    for node in used:
        if node.tag in _LINK_TAGS:
            target = node
        elif node.tag == _BLIP and node.get(_R_LINK) == rid and node.get(_R_EMBED):
            del node.attrib[_R_LINK]
            continue
        else:
            target = next((a for a in node.iterancestors() if a.tag in _SHAPE_TAGS), node)
        parent = target.getparent()
        if parent is not None:
            parent.remove(target)
    return bool(used)
