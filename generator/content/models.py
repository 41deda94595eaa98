"""The schema of the files users write, declared once (pydantic).

These models validate the *shape* of each file (keys, types, allowed words) and generate
the JSON Schema of ``briefgen schema``. Rules that depend on other files (marking names
from the scheme, partner codes, duplicate ids, data files) are checked by the loader.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    StrictBool,
    StrictInt,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

from ..limits import Limits, excerpt

LANG_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def type_name(value: Any) -> str:
    """What a value is, in a staff officer's words, for "expected X, found Y" messages."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, (list, tuple)):  # ruamel gives a list used as a key as a tuple
        return "a list"
    if isinstance(value, (dict, Mapping)):  # (a mapping used as a key is no dict)
        return "a mapping"
    if value is None:
        return "nothing"
    if isinstance(value, (dt.date, dt.datetime)):
        return "a date"
    if isinstance(value, str):
        return f"the text `{excerpt(value)}`"
    return type(value).__name__


def _local_text(value: Any) -> str | dict[str, str]:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and value:
        for lang, text in value.items():
            if not isinstance(lang, str) or not LANG_CODE.match(lang):
                raise PydanticCustomError(
                    "language_code", "`{lang}` is not a language code (like en, ar, fr)",
                    {"lang": lang})
            if not isinstance(text, str):
                raise PydanticCustomError(
                    "text_type", "the `{lang}` text must be text, found {found}",
                    {"lang": lang, "found": type_name(text)})
        return dict(value)
    raise PydanticCustomError(
        "text_type",
        "expected text, or a mapping from language code to text, found {found}",
        {"found": type_name(value)},
    )


LocalText = Annotated[
    str | dict[str, str],
    PlainValidator(_local_text),
    WithJsonSchema({
        "anyOf": [
            {"type": "string"},
            {"type": "object", "minProperties": 1,
             "propertyNames": {"pattern": LANG_CODE.pattern},
             "additionalProperties": {"type": "string"}},
        ],
        "description": "Markdown text, or a mapping from language code to Markdown text",
    }),
]
"""A text field: a string, or ``{en: ..., ar: ...}``."""

Code = Annotated[str, Field(pattern=r"^[A-Z]{2,4}$",
                            description="2-4 upper-case letters, e.g. NRV")]
Identifier = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", max_length=80)]
Colour = Annotated[str, Field(pattern=r"^#[0-9A-Fa-f]{6}$", description="#RRGGBB")]
Year = Annotated[StrictInt, Field(ge=1900, le=2200)]
#: A source's year of publication (author-date citations): older sources are cited too.
PublishedYear = Annotated[StrictInt, Field(ge=1000, le=2200)]
#: A metric's value: finite, and (like a data file's) at most 10^15 either side of 0, so
#: that formatting and adding values up never overflows.
NUMBER_MAGNITUDE = 1e15  # the largest number (either side of 0) a table or chart shows
Number = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=-NUMBER_MAGNITUDE,
                                le=NUMBER_MAGNITUDE)]

Length = Literal["summary", "standard", "full"]
#: The collaboration kinds and benefit categories of a project that declares none.
KINDS = ("intelligence-sharing", "joint-training", "technology", "border-security",
         "counter-terrorism", "humanitarian", "other")
CATEGORIES = ("security", "diplomatic", "economic", "technological", "humanitarian")
Status = Literal["planned", "active", "completed", "suspended"]
PartnerKind = Literal["state", "alliance", "organisation"]
ChartType = Literal["bar", "line", "stacked-bar", "pie"]
def _known_format(name: str) -> str:
    """A name of :data:`generator.formats.REGISTRY` (read when validating, so a format
    added to the table is accepted without editing this file)."""
    from ..formats import format_names

    known = format_names()
    if name not in known:  # reported as pydantic reports a Literal's mismatch
        quoted = [f"'{n}'" for n in known]
        expected = " or ".join([", ".join(quoted[:-1]), quoted[-1]] if len(quoted) > 1
                               else quoted)
        raise PydanticCustomError("literal_error", "Input should be {expected}",
                                  {"expected": expected})
    return name


def _format_enum(schema: dict[str, Any]) -> None:
    from ..formats import format_names

    schema["enum"] = list(format_names())


FormatName = Annotated[str, AfterValidator(_known_format),
                       Field(json_schema_extra=_format_enum)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Marked(Strict):
    """Any item that can carry content may carry a marking and a releasability."""

    marking: str | None = Field(None, description="a level of the briefing's scheme")
    releasable_to: list[str] | None = Field(
        None, description="partner codes this item may be released to; ALL for every partner")

    @field_validator("marking", mode="before")
    @classmethod
    def _marking_given(cls, value: Any) -> Any:
        # `marking:` left empty is a mistake, not a request for the default level: fail
        # closed rather than release the item at the lowest level.
        if value is None or (isinstance(value, str) and not value.strip()):
            raise PydanticCustomError("marking_empty", "`marking` is empty")
        return value


def _text_item(value: Any) -> Any:
    # `- Some text` and `- {en: ..., ar: ...}` are both a bare (unmarked) text
    if isinstance(value, str):
        return {"text": value}
    if isinstance(value, dict) and value and "text" not in value and all(
            isinstance(k, str) and LANG_CODE.match(k) for k in value):
        return {"text": value}
    return value


class TextItem(Marked):
    """A key message, recommendation or key point: a string or {text, marking, ...}."""

    text: LocalText


MarkedText = Annotated[TextItem, BeforeValidator(_text_item, json_schema_input_type=str | TextItem)]


class Note(Marked):
    """One entry of speaker notes. Without ``marking`` it takes its item's marking."""

    text: LocalText


def _notes(value: Any) -> Any:
    # `notes: text`, `notes: {en: ..}`, `notes: {text, marking}` or a list of these
    if value is None:
        return []
    if isinstance(value, list):
        return [_text_item(one) for one in value]
    return [_text_item(value)]


Notes = Annotated[list[Note], BeforeValidator(
    _notes, json_schema_input_type=LocalText | Note | list[LocalText | Note])]
"""Speaker notes: a text, ``{text, marking, releasable_to}``, or a list of these."""


class Classification(Strict):
    levels: list[Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9 _\-]*$")]] = Field(min_length=1)
    default: str | None = Field(None, description="the level of unmarked items; the lowest "
                                                  "level when omitted")
    abbreviations: dict[str, str] | None = Field(
        None, description="portion-mark letters per level, e.g. {RESTRICTED: R}")


class Home(Strict):
    code: Code
    name: LocalText


class ChartSpec(Marked):
    id: Identifier
    title: LocalText
    type: ChartType = "bar"
    data: str = Field(description="a CSV file under content/, e.g. data/exercises.csv")
    series: list[str] | None = None
    description: LocalText | None = Field(None, description="accessible description (alt text)")
    unit: LocalText | None = None
    notes: Notes = []


class Source(Marked):
    """An entry of ``sources:`` in briefing.yaml, cited in Markdown as ``[@id]``."""

    id: Identifier
    text: LocalText
    url: str | None = Field(None, description="a web address (http: or https:), printed as "
                                              "a link")
    author: LocalText | None = Field(None, description="who wrote it: cited as (Author "
                                                       "2024) in author-date style")
    year: PublishedYear | None = Field(None, description="its year, for author-date style")


class CollaborationSource(Strict):
    """A source of a collaboration: a text, or ``{id, text, url}`` to cite it as
    ``[@id]``; it takes its collaboration's marking."""

    id: Identifier | None = None
    text: LocalText
    url: str | None = None
    author: LocalText | None = None
    year: PublishedYear | None = None


def _source_item(value: Any) -> Any:
    if isinstance(value, dict) and "text" in value:
        return value
    return {"text": value}


SourceItem = Annotated[CollaborationSource, BeforeValidator(
    _source_item, json_schema_input_type=LocalText | CollaborationSource)]


class Term(Strict):
    """A word of the project's vocabulary: a collaboration kind or a benefit category."""

    id: Identifier
    label: LocalText


class Briefing(Strict):
    title: LocalText
    subtitle: LocalText | None = None
    issuer: LocalText
    reference: str | None = None
    date: dt.date
    home: Home
    default_language: Annotated[str, Field(pattern=LANG_CODE.pattern)] = "en"
    classification: Classification
    summary: LocalText
    key_messages: list[MarkedText] = []
    recommendations: list[MarkedText] = []
    contact: LocalText | None = None
    handling: LocalText | None = Field(None, description="handling instructions (back page)")
    charts: list[ChartSpec] = []
    sources: list[Source] = Field([], description="sources cited in Markdown as [@id]")
    citations: Literal["numbered", "author-date"] = Field(
        "numbered", description="how the text cites a source: [1] and a numbered "
                                "references list, or (Author 2024) and a list by author")
    collaboration_kinds: list[Term] | None = Field(
        None, min_length=1, description="the kinds a collaboration may have, with their "
                                        "labels (default: the built-in list)")
    benefit_categories: list[Term] | None = Field(
        None, min_length=1, description="the categories a benefit may have, with their "
                                        "labels (default: the built-in list)")
    limits: Limits = Field(default_factory=Limits,
                           description="resource limits on the project's files")


class Partner(Marked):
    code: Code
    name: LocalText
    kind: PartnerKind = "state"
    region: LocalText | None = None
    since: Year | None = None
    flag: str | None = Field(None, description="an image under content/")


class Benefit(Marked):
    category: Identifier = Field(description="one of the project's benefit categories")
    text: LocalText


class Metric(Marked):
    label: LocalText
    unit: LocalText | None = None
    values: dict[Annotated[str, BeforeValidator(lambda v: str(v) if isinstance(v, int)
                                                and not isinstance(v, bool) else v)],
                 Number] = Field(min_length=1)


class Collaboration(Marked):
    id: Identifier | None = None
    title: LocalText
    kind: Identifier = Field(description="one of the project's collaboration kinds")
    partners: list[Code] = Field(min_length=1)
    status: Status = "active"
    since: Year | None = None
    until: Year | None = None
    tags: list[str] = []
    summary: LocalText
    benefits: list[Benefit] = []
    metrics: list[Metric] = []
    notes: Notes = []
    sources: list[SourceItem] = []


class SectionFront(Marked):
    """The front matter of ``sections/NAME.md``."""

    title: LocalText
    length: Length = "standard"
    key_points: list[MarkedText] = []
    notes: Notes = []


class SectionTranslationFront(Strict):
    """The front matter of ``sections/NAME.LANG.md``: only what a translation replaces.

    ``marking``, ``releasable_to`` and ``length`` are accepted (a translator often copies
    the whole header) but always come from ``NAME.md``.
    """

    title: LocalText
    key_points: list[MarkedText] = []
    notes: Notes = []
    marking: str | None = None
    releasable_to: list[str] | None = None
    length: Length | None = None


PageSize = Literal["A4", "A5", "A3", "Letter", "Legal"]
PageLength = Annotated[str, Field(pattern=r"^\d{1,3}(\.\d{1,2})?(mm|cm|in|pt)$",
                                  description="a length: 20mm, 2.5cm, 1in, 54pt")]
FontFile = Annotated[str, Field(description="a font file under content/ (.ttf, .otf, .woff, "
                                            ".woff2)")]


class ThemeFonts(Strict):
    body: FontFile | None = None
    headings: FontFile | None = None
    monospace: FontFile | None = None


class Margins(Strict):
    top: PageLength | None = None
    right: PageLength | None = None
    bottom: PageLength | None = None
    left: PageLength | None = None


class Theme(Strict):
    primary: Colour = "#0b3d2e"
    accent: Colour = "#c8a951"
    logo: str | None = Field(None, description="an image under content/")
    fonts: ThemeFonts = Field(default_factory=ThemeFonts)
    page_size: PageSize = "A4"
    margins: PageLength | Margins | None = Field(
        None, description="one length for every side, or {top, right, bottom, left}")


class Recipient(Strict):
    """One named recipient of an audience's numbered copies."""

    name: Annotated[str, Field(min_length=1, max_length=60,
                               description="as printed on the copy, e.g. Ms A. Example")]
    organisation: Annotated[str, Field(min_length=1, max_length=60,
                                       description="e.g. Defence Committee")]
    email: Annotated[str, Field(pattern=r"^[^@\s=+-][^@\s]*@[^@\s]+$",
                                max_length=254)] | None = None


class Audience(Strict):
    """``templates/audiences/NAME.yaml``: who the audience is and what it may see."""

    title: LocalText
    clearance: str = Field(description="the highest level this audience may see")
    country: Code | None = Field(None, description="a partner code; omit for the home nation")
    language: Annotated[str, Field(pattern=LANG_CODE.pattern)] | None = None
    length: Length = "standard"
    formats: list[FormatName] = Field(["pdf", "pptx", "html"], min_length=1,
                                      description="pdf, pptx, html, docx")
    include_tags: list[str] = []
    exclude_tags: list[str] = []
    partners: list[Code] = []
    portion_marks: StrictBool = True
    speaker_notes: Literal["include", "omit"] = Field(
        "include", description="omit: the deck carries no speaker notes at all")
    list_of_figures: StrictBool = Field(False, description="a list of figures after the "
                                                           "contents of the brief")
    list_of_tables: StrictBool = Field(False, description="a list of tables after the "
                                                          "contents of the brief")
    contents_depth: Annotated[StrictInt, Field(ge=1, le=3)] = Field(
        2, description="1: sections only; 2: and their ## headings; 3: and ### headings "
                       "(the contents and the PDF's bookmarks)")
    theme: Theme = Field(default_factory=Theme)
    variables: dict[str, Any] = {}
    recipients: list[Recipient] | str | None = Field(
        None, description="numbered copies, one per recipient: a list of {name, organisation, "
                          "email}, or a CSV file under content/ with those columns")
    pdf_variant: Literal["pdf/a-2b", "pdf/a-2u", "pdf/a-3b", "pdf/a-3u"] | None = Field(
        None, description="an archival PDF (PDF/A), tagged as the default PDF/UA brief is")
    watermark: StrictBool = Field(
        False, description="a light diagonal watermark naming the recipient on every page "
                           "and slide of each numbered copy")


class Layouts(Strict):
    """``templates/deck/layouts.yaml``: the master's layout name for each kind of slide."""

    title: str | None = None
    agenda: str | None = None
    section: str | None = None
    bullets: str | None = None
    two_content: str | None = None
    table: str | None = None
    chart: str | None = None
    key_message: str | None = None
    closing: str | None = None


def json_schema() -> dict[str, Any]:
    """One JSON Schema document with a definition per file kind."""
    from pydantic.json_schema import models_json_schema

    _, defs = models_json_schema(
        [(m, "validation") for m in (Briefing, Partner, Collaboration, SectionFront,
                                     SectionTranslationFront, Audience, Layouts)],
        ref_template="#/$defs/{model}",
    )
    defs["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    defs["title"] = "briefgen content files"
    defs["$defs"]["PartnersFile"] = {"type": "array", "items": {"$ref": "#/$defs/Partner"}}
    defs["description"] = (
        "Definitions: Briefing (content/briefing.yaml), PartnersFile (content/partners.yaml), "
        "Collaboration (content/collaborations/*.yaml), SectionFront (front matter of "
        "content/sections/*.md), Audience (templates/audiences/*.yaml), Layouts "
        "(templates/deck/layouts.yaml)."
    )
    return defs


#: The kinds of file a project holds: (schema file name, model, the files' glob in a
#: project, for the editor's mapping; ``None``: Markdown front matter, not mappable).
FILE_KINDS: tuple[tuple[str, type[BaseModel] | None, str | None], ...] = (
    ("briefing", Briefing, "content/briefing.yaml"),
    ("partners", None, "content/partners.yaml"),
    ("collaboration", Collaboration, "content/collaborations/*.yaml"),
    ("section", SectionFront, None),
    ("section-translation", SectionTranslationFront, None),
    ("audience", Audience, "templates/audiences/*.yaml"),
    ("layouts", Layouts, "templates/deck/layouts.yaml"),
)


def _with_enums(node: Any, enums: dict[str, list[str]], lists: dict[str, list[str]]) -> Any:
    """``node`` (a JSON Schema) with the project's own words as enums: each property named
    in ``enums`` takes one of its values, each named in ``lists`` is a list of them."""
    if isinstance(node, list):
        return [_with_enums(one, enums, lists) for one in node]
    if not isinstance(node, dict):
        return node
    out = {key: _with_enums(value, enums, lists) for key, value in node.items()}
    properties = out.get("properties")
    if isinstance(properties, dict):
        for name, prop in list(properties.items()):
            keep = {k: v for k, v in prop.items() if k in ("description", "title", "default")}
            if name in enums:
                properties[name] = {**keep, "enum": enums[name]}
            elif name in lists:
                properties[name] = {**keep, "type": "array",
                                    "items": {"enum": lists[name]}}
    return out


def file_schemas(levels: list[str] | None = None, partners: list[str] | None = None,
                 home: str | None = None, kinds: list[str] | None = None,
                 categories: list[str] | None = None) -> dict[str, dict[str, Any]]:
    """One JSON Schema per kind of file (see :data:`FILE_KINDS`), with the project's
    marking levels, partner codes, countries, collaboration kinds and benefit categories
    as enums when given."""
    enums: dict[str, list[str]] = {}
    lists: dict[str, list[str]] = {}
    if levels:
        enums["marking"] = enums["clearance"] = enums["default"] = list(levels)
    if partners is not None:
        codes = sorted(partners)
        lists["releasable_to"] = [*codes, "ALL"]
        lists["partners"] = codes
        enums["country"] = sorted({*codes, *([home] if home else [])})
    out: dict[str, dict[str, Any]] = {}
    for name, model, _ in FILE_KINDS:
        if model is None:
            item = Partner.model_json_schema(ref_template="#/$defs/{model}")
            schema = {"type": "array", "items": item, "$defs": item.pop("$defs", {})}
        else:
            schema = model.model_json_schema(ref_template="#/$defs/{model}")
        if name == "briefing":
            # the scheme itself names the levels: only `default` must be one of them
            schema = _with_enums(schema, {k: v for k, v in enums.items() if k != "default"},
                                 lists)
            classification = schema.get("$defs", {}).get("Classification")
            if classification and levels:
                classification["properties"]["default"] = {"enum": list(levels)}
        else:
            words = {k: v for k, v in enums.items() if k != "default"}
            if name == "collaboration":  # a partner's `kind` is another word
                words.update({"kind": kinds} if kinds else {})
                words.update({"category": categories} if categories else {})
            schema = _with_enums(schema, words, lists)
        out[name] = {"$schema": "https://json-schema.org/draft/2020-12/schema",
                     "$id": f"{name}.schema.json", **schema}
    return out


def editor_mapping(folder: str) -> dict[str, Any]:
    """VS Code's YAML extension settings (``yaml.schemas``): each schema in ``folder``
    (relative to the project) for the files of its kind."""
    return {"yaml.schemas": {f"{folder}/{name}.schema.json": glob
                             for name, _, glob in FILE_KINDS if glob}}
