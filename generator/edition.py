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
from dataclasses import dataclass, field
from typing import Any, Literal

from .errors import Diagnostic
from .i18n import format_label

Length = Literal["summary", "standard", "full"]
LENGTHS: tuple[Length, ...] = ("summary", "standard", "full")
Format = Literal["pdf", "pptx", "html"]
FORMATS: tuple[Format, ...] = ("pdf", "pptx", "html")
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
    """A marked piece of Markdown: a key message, recommendation or key point."""

    text: str
    mark: Mark


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
    notes: str = ""


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
    notes: str = ""
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float, ...]


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
    notes: str = ""


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
    formats: tuple[Format, ...]
    portion_marks: bool
    theme: Theme
    variables: tuple[tuple[str, Any], ...] = ()

    @property
    def rtl(self) -> bool:
        return self.language.split("-")[0].lower() in RTL_LANGUAGES

    @property
    def direction(self) -> str:
        return "rtl" if self.rtl else "ltr"


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

    def fingerprint(self) -> str:
        """A stable hash of everything in the Edition (the build cache key's main part)."""
        data = json.dumps(dataclasses.asdict(self), sort_keys=True, default=str)
        return hashlib.sha256(data.encode("utf-8")).hexdigest()


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
        e = self.edition
        count = len(e.key_messages) + len(e.recommendations) + len(e.partners)
        count += len(e.charts)
        for section in e.sections:
            count += 1 + len(section.key_points) + sum(1 for p in section.body if p.mark)
        for collab in e.collaborations:
            count += 1 + len(collab.benefits) + len(collab.metrics)
        return count
