"""The Edition: what one audience may see, already tailored, localised and resolved.

This is the security boundary of briefgen. Renderers receive an :class:`Edition` and
nothing else, so they cannot leak an item withheld from the audience: it is simply not
here. Every text is already in the audience's language (Markdown source, rendered by
:mod:`generator.render.markdown`), every marking is the item's *effective* marking, and
the overall banner is computed.

Everything is a frozen dataclass of plain values so an Edition pickles (for the build's
process pool) and hashes stably (for the build cache).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from .errors import Diagnostic
from .i18n import format_label

Length = Literal["summary", "standard", "full"]
LENGTHS: tuple[Length, ...] = ("summary", "standard", "full")
RTL_LANGUAGES = frozenset({"ar", "fa", "ur", "he", "yi", "ps", "sd", "ug", "dv", "ckb"})


@dataclass(frozen=True)
class Mark:
    """The effective marking of one portion.

    ``level`` is the scheme's level name (``RESTRICTED``), ``rank`` its index in the
    scheme (0 = lowest), ``portion`` the short portion mark (``(R)``), or ``""`` when the
    audience's profile turns portion marks off.
    """

    level: str
    rank: int
    portion: str = ""


@dataclass(frozen=True)
class Item:
    """A marked piece of Markdown: a key message, recommendation, key point or one entry
    of speaker notes."""

    text: str
    mark: Mark


def _notes_of(owner: Any) -> None:
    """``notes`` given as one string is one note at its item's own mark (as a plain
    string is in the content files); stored as a tuple of :class:`Item`."""
    if isinstance(owner.notes, str):
        object.__setattr__(owner, "notes", (Item(owner.notes, owner.mark),) if owner.notes
                           else ())


@dataclass(frozen=True)
class BodyPart:
    """A run of a section body. ``mark`` is set for a marked fenced block (``:::``) and
    ``None`` for the section's own text (which carries the section's mark)."""

    markdown: str
    mark: Mark | None = None


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    mark: Mark
    length: Length
    key_points: tuple[Item, ...]
    body: tuple[BodyPart, ...]
    notes: tuple[Item, ...] = ()  # speaker notes, each entry with its effective mark

    def __post_init__(self) -> None:
        _notes_of(self)


@dataclass(frozen=True)
class Partner:
    code: str
    name: str
    kind: str  # state | alliance | organisation
    mark: Mark
    region: str = ""
    since: int | None = None
    flag: str | None = None  # absolute path of a file inside content/


@dataclass(frozen=True)
class Benefit:
    category: str  # security | diplomatic | economic | technological | humanitarian
    text: str
    mark: Mark


@dataclass(frozen=True)
class Metric:
    label: str
    unit: str
    values: tuple[tuple[str, float], ...]  # (period, value), in source order
    mark: Mark


@dataclass(frozen=True)
class Collaboration:
    id: str
    title: str
    kind: str
    partners: tuple[str, ...]  # codes of the partners this audience may see
    status: str
    mark: Mark
    summary: str
    since: int | None = None
    tags: tuple[str, ...] = ()
    benefits: tuple[Benefit, ...] = ()
    metrics: tuple[Metric, ...] = ()
    notes: tuple[Item, ...] = ()
    sources: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _notes_of(self)


@dataclass(frozen=True)
class Series:
    name: str  # the data's column: often a partner code
    values: tuple[float, ...]
    label: str = ""  # what legends print, localised (a partner's name); "" = the name

    @property
    def shown(self) -> str:
        return self.label or self.name


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    type: str  # bar | line | stacked-bar | pie
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    mark: Mark
    description: str = ""  # accessible description (alt text)
    unit: str = ""
    notes: tuple[Item, ...] = ()

    def __post_init__(self) -> None:
        _notes_of(self)


@dataclass(frozen=True)
class Source:
    """A source cited in the Edition's text (``[@id]``), for the references list."""

    id: str
    text: str
    mark: Mark
    url: str = ""  # an http(s) address, or ""
    author: str = ""  # author-date style: who wrote it (Markdown), and when
    year: int | None = None
    cite: str = ""  # author-date style: how the text cites it, "Smith 2024a"; else ""

    @property
    def dated(self) -> str:
        """Author-date style: its year as cited, "2024a"."""
        return self.cite.rsplit(" ", 1)[-1] if self.cite else ""


@dataclass(frozen=True)
class Theme:
    primary: str = "#0b3d2e"
    accent: str = "#c8a951"
    logo: str | None = None  # absolute path of a file inside content/
    # (role, absolute path inside content/): role is body | headings | monospace
    fonts: tuple[tuple[str, str], ...] = ()
    page_size: str = "A4"  # A4 | A5 | A3 | Letter | Legal
    margins: tuple[tuple[str, str], ...] = ()  # (side, CSS length), only those set


@dataclass(frozen=True)
class AudienceView:
    """The audience as the renderers see it."""

    name: str  # the profile's file name, e.g. "minister"
    title: str
    clearance: str
    country: str | None  # None for a home-nation audience
    country_name: str
    language: str
    length: Length
    formats: tuple[str, ...]  # names of generator.formats.REGISTRY
    portion_marks: bool
    theme: Theme
    variables: tuple[tuple[str, Any], ...] = ()
    speaker_notes: Literal["include", "omit"] = "include"
    list_of_figures: bool = False  # the brief lists its figures after the contents
    list_of_tables: bool = False
    contents_depth: int = 2  # 1 sections, 2 and their ## headings, 3 and ### headings
    pdf_variant: str | None = None  # an archival PDF/A variant; None: PDF/UA-1

    @property
    def rtl(self) -> bool:
        return self.language.split("-")[0].lower() in RTL_LANGUAGES

    @property
    def direction(self) -> str:
        return "rtl" if self.rtl else "ltr"


#: Benefit categories of a project that declares none, in the order outputs list them.
BENEFIT_CATEGORIES = ("security", "diplomatic", "economic", "technological", "humanitarian")


def category_order(category: str, order: tuple[str, ...]) -> tuple[int, str]:
    """Sort key of a benefit category: its place in ``order``; an unknown one after, by
    name (:meth:`Edition.category_key` sorts by the Edition's own)."""
    return (order.index(category) if category in order else len(order), category)


@dataclass(frozen=True)
class MatrixRow:
    """One collaboration of the benefits matrix: per category, the highest mark among its
    benefits in that category (``None`` when it has none) and how many there are (every
    output prints one mark per benefit, with a key)."""

    collaboration: Collaboration
    cells: tuple[Mark | None, ...]
    counts: tuple[int, ...] = ()  # per category, how many benefits


@dataclass(frozen=True)
class Edition:
    """One audience's version of the briefing. Nothing withheld is in here."""

    audience: AudienceView
    title: str
    subtitle: str
    issuer: str
    reference: str
    date: str  # ISO date of the briefing (the document date; never the clock)
    home_code: str
    home_name: str
    banner: str  # e.g. "RESTRICTED // REL TO HOM, NRV"
    banner_mark: Mark  # the highest marking included
    summary: str
    key_messages: tuple[Item, ...]
    recommendations: tuple[Item, ...]
    contact: str
    handling: str  # handling instructions for the back page
    sections: tuple[Section, ...]
    partners: tuple[Partner, ...]
    collaborations: tuple[Collaboration, ...]
    charts: tuple[Chart, ...]
    labels: tuple[tuple[str, str], ...]  # interface strings in the audience's language
    levels: tuple[str, ...]  # the marking scheme, lowest first
    content_root: str  # absolute path of content/: the only place images may come from
    source_date_epoch: int | None = None  # SOURCE_DATE_EPOCH, for file timestamps
    frame_mark: Mark | None = None  # the document's frame: the scheme's default level
    output: str = ""  # the format this Edition is cut to (see shown_in); "" = not cut
    # cited from the Edition's text, in declared order (author-date: by author, then year)
    sources: tuple[Source, ...] = ()
    citations: str = "numbered"  # or "author-date": how the text cites a source
    # the project's benefit categories in the order declared: every output's order
    categories: tuple[str, ...] = BENEFIT_CATEGORIES

    def handling_text(self) -> str:
        """The handling instructions every output prints: the project's own as written;
        the built-in text (which restricts copying) not on an output at the lowest level
        (a PUBLIC brief must not say "do not copy")."""
        if self.handling == self.label("default_handling") and self.banner_mark.rank == 0:
            return ""
        return self.handling

    def label(self, key: str, **values: Any) -> str:
        """An interface string (``label("page_x_of_y", page=1, pages=3)``).

        Templates can call this with a string of their own (an unknown key is shown as
        is), so it is filled by :func:`generator.i18n.format_label`, never ``str.format``.
        """
        table: dict[str, str] | None = self.__dict__.get("_label_table")
        if table is None:  # looked up hundreds of times per render: made once
            table = self.__dict__["_label_table"] = dict(self.labels)
        text = table.get(key, key)
        return format_label(text, **values) if values else text

    def partner_name(self, code: str) -> str:
        for partner in self.partners:
            if partner.code == code:
                return partner.name
        return self.home_name if code == self.home_code else code

    def shown_in(self, fmt: str) -> Edition:
        """This Edition cut to what output ``fmt`` prints at the audience's length (its
        :class:`generator.formats.Format`'s ``shown``), with the banner of what is left:
        an item an output does not print neither raises its banner nor reaches its
        metadata, and a template cannot print it, because it is not there."""
        from .formats import get_format

        shown = get_format(fmt).shown[self.audience.length]
        if self.citations == "author-date":  # every output prints who and when, a deck too
            shown = shown | {"sources"}
        cut = _cut(self, "", shown, _parts())
        if self.citations == "author-date":  # only the sources this output cites
            cites = cited(cut)
            cut = dataclasses.replace(cut, sources=tuple(s for s in cut.sources
                                                         if s.id in cites))
        banner, mark, _ = banner_of(cut)
        return dataclasses.replace(cut, banner=banner, banner_mark=mark, output=fmt)

    def benefit_categories(self) -> tuple[str, ...]:
        """The benefit categories present, in the project's declared order
        (:attr:`categories`): the one order every output lists them in."""
        present = {b.category for c in self.collaborations for b in c.benefits}
        return tuple(sorted(present, key=self.category_key))

    def category_key(self, category: str) -> tuple[int, str]:
        """Sort key of a benefit category: its place in :attr:`categories`."""
        return category_order(category, self.categories)

    def benefits_matrix(self) -> tuple[MatrixRow, ...]:
        """One row per collaboration, one cell per :meth:`benefit_categories`."""
        categories = self.benefit_categories()
        rows = []
        for collab in self.collaborations:
            cells, counts = [], []
            for category in categories:
                marks = [b.mark for b in collab.benefits if b.category == category]
                cells.append(max(marks, key=lambda m: m.rank) if marks else None)
                counts.append(len(marks))
            rows.append(MatrixRow(collab, tuple(cells), tuple(counts)))
        return tuple(rows)

    def fingerprint(self) -> str:
        """A stable hash of everything in the Edition (the build cache key's main part)."""
        data = json.dumps(dataclasses.asdict(self), sort_keys=True, default=str)
        return hashlib.sha256(data.encode("utf-8")).hexdigest()


# --- what each output prints --------------------------------------------------------

#: What a brief (PDF, HTML, DOCX) prints, by length: paths of Edition fields
#: (``sections.body``: every section's body). A summary prints no partners or
#: collaborations; metrics and sources are in a full brief's annex. No speaker notes.
BRIEF_SHOWN: dict[str, frozenset[str]] = {"summary": frozenset({
    "key_messages", "recommendations", "sections", "sections.key_points", "sections.body",
    "charts", "sources"})}
BRIEF_SHOWN["standard"] = BRIEF_SHOWN["summary"] | {"partners", "collaborations",
                                                    "collaborations.benefits"}
BRIEF_SHOWN["full"] = BRIEF_SHOWN["standard"] | {"collaborations.metrics",
                                                 "collaborations.sources"}
#: The parts of a brief (PDF, HTML, DOCX) each length shows, by name: what the brief
#: templates' ``show`` says and the Word brief follows (each length adds to the shorter).
BRIEF_PARTS: dict[str, frozenset[str]] = {"summary": frozenset(
    {"cover", "summary", "sections", "charts", "recommendations", "references",
     "back_page"})}
BRIEF_PARTS["standard"] = BRIEF_PARTS["summary"] | {"contents", "partners", "collaborations",
                                                    "benefits"}
BRIEF_PARTS["full"] = BRIEF_PARTS["standard"] | {"annex", "metrics"}


def brief_parts(edition: Edition) -> frozenset[str]:
    """The parts ``edition``'s briefs show (PDF, HTML, DOCX alike): its length's, less
    an annex of sources with no source to list (a page that would say "None")."""
    parts = BRIEF_PARTS[edition.audience.length]
    if not any(c.sources for c in edition.collaborations):
        parts -= {"annex"}
    return parts

#: What a deck prints, by length: no section bodies, speaker notes, metrics on any
#: deck's collaboration slides.
DECK_SHOWN: dict[str, frozenset[str]] = {"summary": frozenset({
    "key_messages", "recommendations", "sections", "sections.key_points", "sections.notes",
    "charts", "charts.notes"})}
DECK_SHOWN["standard"] = DECK_SHOWN["summary"] | {
    "partners", "collaborations", "collaborations.benefits", "collaborations.metrics",
    "collaborations.notes"}
DECK_SHOWN["full"] = DECK_SHOWN["standard"] | {"collaborations.sources"}
# Everything else (title, summary, contact, handling ...) is the document's frame, which
# every output prints. Each format names its table in generator/formats.py.


def __getattr__(name: str) -> Any:
    """``FORMATS`` (every format's name) and ``SHOWN`` (format -> length -> parts) are
    read from :data:`generator.formats.REGISTRY` when asked for, so they always match
    the table (generator.formats imports this module)."""
    if name == "FORMATS":
        from .formats import format_names

        return format_names()
    if name == "SHOWN":
        from .formats import REGISTRY

        return {fmt.name: dict(fmt.shown) for fmt in REGISTRY.values()}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _parts() -> frozenset[str]:
    """Every part some format's table names (a part none names is the frame)."""
    from .formats import REGISTRY

    return frozenset().union(*(s for f in REGISTRY.values() for s in f.shown.values()))


def _cut(obj: Any, path: str, shown: frozenset[str], parts: frozenset[str]) -> Any:
    """``obj`` (a dataclass at ``path``) without the ``parts`` that are not ``shown``."""
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(obj):
        sub = f"{path}.{f.name}" if path else f.name
        value = getattr(obj, f.name)
        if sub in parts and sub not in shown:
            if value:
                changes[f.name] = ()
        elif isinstance(value, tuple) and value and dataclasses.is_dataclass(value[0]):
            kept = tuple(_cut(v, sub, shown, parts) for v in value)
            if kept != value:
                changes[f.name] = kept
    return dataclasses.replace(obj, **changes) if changes else obj


# --- the walk of marked items ---------------------------------------------------------

#: What an item at a path of the Edition is called on the review sheet.
KINDS = {
    "": "document", "key_messages": "key message", "recommendations": "recommendation",
    "sections": "section", "sections.key_points": "key point", "sections.body": "fenced block",
    "sections.notes": "speaker note", "partners": "partner", "collaborations": "collaboration",
    "collaborations.benefits": "benefit", "collaborations.metrics": "metric",
    "collaborations.notes": "speaker note", "charts": "chart", "charts.notes": "speaker note",
    "sources": "source",
}


@dataclass(frozen=True)
class MarkedItem:
    """One marked item of an Edition, as :func:`walk` finds it."""

    kind: str  # "key message", "speaker note", ... ("document" for the frame)
    path: str  # where in the Edition: "collaborations.benefits" ("" for the frame)
    label: str  # a short description for the review sheet
    mark: Mark  # its effective marking
    texts: tuple[str, ...]  # every value of it a renderer can print (nested items apart)


def walk(edition: Edition) -> Iterator[MarkedItem]:
    """Every marked item of ``edition``, the document's frame first, each with its
    effective mark and every value it holds. Generic: any dataclass with a ``mark`` (a
    :class:`Mark`, not None) is an item, anything else belongs to the item holding it, so
    a new kind of content is walked (and marks the banner) without being named here."""
    frame = edition.frame_mark or Mark(edition.levels[0] if edition.levels else "", 0)
    yield from _walk_item(edition, "", frame)


def cited(edition: Edition) -> set[str]:
    """The ids of the sources that ``edition``'s text cites (``[@id]``)."""
    from .render.markdown import CITATION

    return {one.strip().lstrip("@") for item in walk(edition) if item.path != "sources"
            for text in item.texts if "[@" in text for found in CITATION.finditer(text)
            for one in found[1].split(";")}


def _walk_item(obj: Any, path: str, mark: Mark, within: str = "") -> Iterator[MarkedItem]:
    texts: list[str] = []
    nested: list[tuple[Any, str]] = []
    for f in dataclasses.fields(obj):
        if f.name != "mark":
            _collect(getattr(obj, f.name), f"{path}.{f.name}" if path else f.name, texts,
                     nested)
    label = next((str(getattr(obj, name)) for name in ("title", "label", "name", "text",
                                                        "markdown")
                  if isinstance(getattr(obj, name, None), str)), path)
    label = _short(f"{within}: {label}" if within else label)  # "Section: its block"
    yield MarkedItem(KINDS.get(path, path.rsplit(".", 1)[-1]), path, label, mark,
                     tuple(texts))
    for item, sub in nested:
        yield from _walk_item(item, sub, item.mark, label if path else "")


def _collect(value: Any, path: str, texts: list[str], nested: list[tuple[Any, str]]) -> None:
    if isinstance(value, Mark):
        return  # a marking, not content
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if isinstance(getattr(value, "mark", None), Mark):
            nested.append((value, path))
            return
        for f in dataclasses.fields(value):
            _collect(getattr(value, f.name), f"{path}.{f.name}", texts, nested)
    elif isinstance(value, (tuple, list)):
        for one in value:
            _collect(one, path, texts, nested)
    elif isinstance(value, dict):
        for key, one in value.items():
            _collect(key, path, texts, nested)
            _collect(one, path, texts, nested)
    elif isinstance(value, str):
        if value:
            texts.append(value)
    elif value is not None:
        texts.append(str(value))  # numbers: table cells, chart values, years


def banner_of(edition: Edition) -> tuple[str, Mark, MarkedItem]:
    """The banner of what ``edition`` holds: its highest marking (plus ``REL TO HOME,
    COUNTRY`` for a foreign audience above the lowest level), and the item that sets it
    (the first found at that level)."""
    top = max(walk(edition), key=lambda item: item.mark.rank)
    banner = top.mark.level
    if edition.audience.country and top.mark.rank > 0:
        banner += f" // REL TO {edition.home_code}, {edition.audience.country}"
    return banner, top.mark, top


def _short(text: str, size: int = 70) -> str:
    line = " ".join(text.split())
    return line if len(line) <= size else line[: size - 1] + "…"


@dataclass(frozen=True)
class Withheld:
    """An item left out of an audience's Edition, for the release review sheet."""

    kind: str  # "collaboration", "benefit", "section", "fenced block", ...
    label: str  # a human description of the item, e.g. its title
    where: str  # FILE:LINE of the item in the project
    reason: str  # "above clearance (SECRET > RESTRICTED)", "not releasable to NRV", ...


@dataclass(frozen=True)
class Tailored:
    """The result of tailoring: the Edition and what was left out of it."""

    edition: Edition
    withheld: tuple[Withheld, ...] = field(default=())
    warnings: tuple[Diagnostic, ...] = field(default=())  # e.g. missing translations

    @property
    def received(self) -> int:
        """How many marked items the audience receives (the document's frame apart)."""
        return sum(1 for item in walk(self.edition) if item.path)

    def outputs(self) -> tuple[Edition, ...]:
        """The Edition cut to each of the audience's formats (see ``Edition.shown_in``)."""
        return tuple(self.edition.shown_in(fmt) for fmt in self.edition.audience.formats)
