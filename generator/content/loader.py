"""The load stage: a project folder -> a validated :class:`Project`.

Everything is read and checked before anything is built, and every problem in every file
is collected (Pelican's ``is_valid()`` spirit): the caller gets one :class:`ContentError`
listing them all, each at its ``FILE:LINE:COL``.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import os
import re
import stat
import warnings
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from ..errors import ContentError, Diagnostic, did_you_mean
from ..limits import BRIEFING_CEILING, DEFAULT, Limits, excerpt
from ..limits import hint as limit_hint
from ..render.charts import theme_colour_problems
from ..render.markdown import (
    CITATION,
    LABEL,
    XREF,
    block_tokens,
    image_sources,
    is_relative_path,
    table_sizes,
    too_deep,
)
from ..templates import LOOP, LOOP_HINT, resolved
from . import models as m
from .recipients import read_recipients
from .yamlio import FileProblems, Source, load_yaml, plain, read_text, too_large

T = TypeVar("T", bound=BaseModel)

AUDIENCE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]*$")
SECTION_FILE = re.compile(r"^(?P<name>[^.]+)(\.(?P<lang>[a-z]{2,3}(-[A-Za-z0-9]{2,8})*))?\.md$")
FENCE_OPEN = re.compile(r"^:::(?P<attrs>.*)$")
# A line that a reader would take for a marked block's fence but that is not one: `:::`
# after indentation, quote markers or list markers. Markdown would print it (and the
# paragraphs it seems to enclose) as text, so it is refused: `:::` lines are reserved.
FENCE_LOOKALIKE = re.compile(r"^(?:[ \t>]|(?:[-*+]|\d{1,9}[.)])(?=[ \t]))*:::")
# CommonMark's fenced code blocks: a backtick fence's info string holds no backtick
# (else the line is inline code, not a fence); it closes with a run as long or longer.
CODE_FENCE = re.compile(r"^ {0,3}(?P<run>`{3,}(?!.*`)|~{3,})")
BLOCK_ATTRS = ("marking", "releasable_to")


@dataclass
class Entry(Generic[T]):
    """A validated model with the YAML node and file it came from (for diagnostics)."""

    model: T
    node: Any
    source: Source

    def error(self, path: tuple[Any, ...], message: str, hint: str = "", *,
              key: bool = False, severity: str = "error") -> Diagnostic:
        return self.source.error(self.node, path, message, hint, key=key, severity=severity)

    def where(self, path: tuple[Any, ...] = ()) -> str:
        line, _ = self.source.at(self.node, path)
        return f"{self.source.file}:{line}"


@dataclass(frozen=True)
class Block:
    """A marked fenced block (``::: marking=... releasable_to=...``) in a section body."""

    marking: str | None
    releasable_to: tuple[str, ...] | None
    file: str
    line: int
    col: int


@dataclass(frozen=True)
class Part:
    """A run of a section body inside the same nest of fenced blocks (outermost first)."""

    markdown: str
    blocks: tuple[Block, ...] = ()


@dataclass
class SectionFile:
    id: str
    entry: Entry[m.SectionFront] | Entry[m.SectionTranslationFront]
    parts: list[Part]
    body: str = ""  # the Markdown after the front matter, as written
    body_line: int = 1  # the body's first line in the file
    fences_ok: bool = True  # False: a `:::` line was refused, so `parts` are not all blocks


@dataclass(frozen=True)
class Mention:
    """Where a label (``{#fig-map}``) is set or referred to (``@fig-map``)."""

    label: str
    file: str
    line: int
    col: int
    section: str = ""  # the section's id ("" for a chart of briefing.yaml)

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class Section:
    id: str
    main: SectionFile
    translations: dict[str, SectionFile] = field(default_factory=dict)

    @property
    def front(self) -> m.SectionFront:
        return self.main.entry.model  # type: ignore[return-value]


@dataclass
class ChartData:
    """A chart of briefing.yaml (at ``path``) with the columns of its CSV file."""

    entry: Entry[m.Briefing]
    path: tuple[Any, ...]  # ("charts", index)
    categories: list[str]
    columns: dict[str, list[float]]

    @property
    def spec(self) -> m.ChartSpec:
        return self.entry.model.charts[self.path[1]]


@dataclass
class Project:
    """Everything in a project, validated, with cross-references resolved."""

    root: Path
    briefing: Entry[m.Briefing]
    partners: list[Entry[m.Partner]]
    collaborations: list[tuple[str, Entry[m.Collaboration]]]  # (id, entry), sorted by file
    sections: list[Section]
    charts: list[ChartData]
    audiences: dict[str, Entry[m.Audience]]
    layouts: dict[str, dict[str, str]]  # layouts.yaml per audience name ("" = project's)
    warnings: list[Diagnostic] = field(default_factory=list)
    labels: dict[str, Mention] = field(default_factory=dict)  # {#label}s and chart figures
    xrefs: list[Mention] = field(default_factory=list)  # every @label in section bodies
    #: Each audience's recipients of numbered copies (generator/content/recipients.py).
    recipients: dict[str, tuple[m.Recipient, ...]] = field(default_factory=dict)

    @property
    def limits(self) -> Limits:
        """The project's ``limits:`` (briefing.yaml), defaults for what it leaves out."""
        return self.briefing.model.limits

    @property
    def content(self) -> Path:
        return self.root / "content"

    @property
    def levels(self) -> list[str]:
        return list(self.briefing.model.classification.levels)

    @property
    def default_level(self) -> str:
        return self.briefing.model.classification.default or self.levels[0]

    @property
    def default_language(self) -> str:
        return self.briefing.model.default_language

    def layouts_for(self, audience: str) -> tuple[tuple[str, str], ...]:
        """The deck layout names chosen for ``audience``: its own layouts.yaml over the
        project's."""
        chosen = {**self.layouts.get("", {}), **self.layouts.get(audience, {})}
        return tuple(sorted(chosen.items()))

    def partner(self, code: str) -> Entry[m.Partner] | None:
        return next((p for p in self.partners if p.model.code == code), None)


class _Collector:
    """Collects diagnostics for a whole project."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.diagnostics: list[Diagnostic] = []
        self.limits = DEFAULT  # until briefing.yaml's own `limits:` block is read

    def add(self, diagnostic: Diagnostic) -> None:
        self.diagnostics.append(diagnostic)

    def extend(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics.extend(diagnostics)

    def rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]


# --- reading one file ------------------------------------------------------------------


def _inside(path: Path, col: _Collector) -> None:
    """A user's file must really be inside the project (a symlink may not lead out:
    nothing outside the project is read)."""
    target = resolved(path)
    if target is None:
        raise FileProblems([Diagnostic(col.rel(path), 1, 1, "error", f"file {LOOP}",
                                       LOOP_HINT)])
    if col.root.resolve() not in target.parents:
        raise FileProblems([Diagnostic(col.rel(path), 1, 1, "error", "file leaves the "
                                       "project (a symbolic link to somewhere else)",
                                       "copy the file into the project instead")])


def _read(path: Path, col: _Collector, max_bytes: int | None = None, key: str = "file_bytes"
          ) -> str:
    """A user's text file inside the project, at most ``limits.file_bytes`` long (or
    ``max_bytes``, the limit named ``key``)."""
    rel = col.rel(path)
    _inside(path, col)
    limit = col.limits.file_bytes if max_bytes is None else max_bytes
    try:
        return read_text(path, rel, limit, limit_hint(key, limit))
    except OSError as exc:
        raise FileProblems([Diagnostic(rel, 1, 1, "error",
                                       f"cannot read file: {exc.strerror}")]) from None


def _read_yaml(path: Path, col: _Collector, line_offset: int = 0, text: str | None = None
               ) -> tuple[Any, Source] | None:
    rel = col.rel(path)
    source = Source(rel, line_offset)
    try:
        if text is None:
            text = _read(path, col)
        return load_yaml(text, source, col.limits.yaml_depth), source
    except FileProblems as exc:
        col.extend(exc.diagnostics)
    return None


# A top-level `limits:` key and the indented (or blank) lines under it.
_LIMITS_BLOCK = re.compile(r"^limits:[^\n]*\n?(?:(?:[ \t][^\n]*)?\n)*", re.MULTILINE)


def _read_briefing(path: Path, col: _Collector) -> tuple[Any, Source] | None:
    """briefing.yaml, under the limits its own `limits:` block sets.

    The block is found and read on its own first (it is small), so that the rest of the
    file, and every other file, is held to the project's limits."""
    rel = col.rel(path)
    try:
        text = _read(path, col, BRIEFING_CEILING)
    except FileProblems as exc:
        col.extend(exc.diagnostics)
        return None
    found = _LIMITS_BLOCK.search(text)
    if found:
        try:
            offset = text.count("\n", 0, found.start())
            node = load_yaml(found.group(), Source(rel, offset))
            col.limits = Limits.model_validate(plain(node["limits"]))
        except (FileProblems, ValidationError, TypeError, KeyError):
            pass  # reported with its position when the whole file is validated
    size = len(text.encode("utf-8"))
    if size > col.limits.file_bytes:
        col.add(too_large(rel, size, col.limits.file_bytes,
                          limit_hint("file_bytes", col.limits.file_bytes)))
        return None
    return _read_yaml(path, col, text=text)


_TYPE_WORDS = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "bool_type": "true or false",
    "date_type": "a date (YYYY-MM-DD)",
    "date_from_datetime_inexact": "a date (YYYY-MM-DD)",
    "finite_number": "a finite number",
}


def _model_at(cls: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class that validates the mapping at ``loc`` (for key hints)."""
    current: Any = cls
    for step in loc:
        if isinstance(step, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        info = current.model_fields.get(step)
        if info is None:
            return None
        current = _inner_model(info.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    origin = getattr(annotation, "__origin__", None)
    if origin is not None and hasattr(annotation, "__metadata__"):
        return _inner_model(origin)
    return None


_UNION_TAG = re.compile(r"^(function-[a-z]+\[.*\]|[a-z_]+(\[.*\])?)$")
# pydantic's tag of a union member in an error's location: a model's class name, a
# constrained or plain type's name
_MEMBER_TAG = re.compile(r"^(?:[A-Z][A-Za-z]*|constrained-[a-z]+|function-[a-z]+\[.*\]"
                         r"|str|int|float|bool|(?:list|dict|tuple)\[.*\])$")


def _user_path(loc: tuple[Any, ...], node: Any) -> tuple[Any, ...]:
    """Pydantic's error location without its union-member tags (``str``,
    ``function-plain[...]``, ``Margins``): only the keys and indexes of the user's file,
    down to the deepest one pydantic names (``theme.margins.top``, not ``margins``)."""
    path: list[Any] = []
    for step in loc:
        if (isinstance(node, dict) and step in node) or (
                isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node)):
            node = node[step]
        elif isinstance(step, str) and (_MEMBER_TAG.match(step) or (
                _UNION_TAG.match(step) and not isinstance(node, dict))):
            # a tag, not a key of the user's mapping: the walk stays on the node, so that
            # the member's own keys after it (`Margins`, `top`) are found in the file
            continue
        else:
            node = None
        path.append(step)
    return tuple(path)


def _key_path(loc: tuple[Any, ...]) -> str | None:
    """The dotted keys from the innermost list item (or the file's top) down to the key
    ``loc`` ends with (``theme.margins.top``); None when it ends with no plain key."""
    keys: list[str] = []
    for step in reversed(loc):
        if not isinstance(step, str):
            break
        keys.append(step)
    if not keys or not all(re.fullmatch(r"[\w\-]+", k) for k in keys):
        return None  # `[key]`, or a key YAML read as a list: its last step names it
    return ".".join(reversed(keys))


def _text_with_colon(cls: type[BaseModel], node: Any, loc: tuple[Any, ...]
                     ) -> tuple[Any, ...] | None:
    """The path of a list item along ``loc`` that YAML read as a one-key mapping but a
    writer meant as text: ``- Deliverable 1: improved readiness`` (its key is none of the
    keys that item may have, nor a language code)."""
    for i, step in enumerate(loc):
        if not isinstance(step, int) or not isinstance(node, list) or step >= len(node):
            node = node.get(step) if isinstance(node, dict) else None
            continue
        item = node[step]
        if isinstance(item, dict) and len(item) == 1:
            ((key, value),) = item.items()
            model = _model_at(cls, loc[:i + 1])
            if isinstance(key, str) and not (model and key in model.model_fields) \
                    and not m.LANG_CODE.match(key) and isinstance(value, (str, int, float)) \
                    and not isinstance(value, bool):
                return loc[:i + 1]
        node = item
    return None




def _member_kind(member: str) -> str:
    if member[:1].isupper() or member.startswith("dict["):
        return "mapping"
    return "list" if member.startswith(("list[", "tuple[")) else "text"


def _one_union_member(errors: list[Any]) -> list[Any]:
    """A value that matches no member of a union (`margins: -5mm`: neither a length nor a
    mapping) gets errors from every member, each located under the member's tag
    (`constrained-str`, `Margins`): keep those of the member the value was written as
    (a mapping's, a list's, else the text's)."""
    def split(err: Any) -> tuple[tuple[Any, ...], str] | None:
        for i, step in enumerate(err["loc"]):
            if isinstance(step, str) and _MEMBER_TAG.match(step):
                return tuple(err["loc"][:i]), step
        return None

    groups: dict[tuple[Any, ...], list[tuple[Any, str]]] = {}
    for err in errors:
        where = split(err)
        if where:
            groups.setdefault(where[0], []).append((err, where[1]))
    chosen: dict[tuple[Any, ...], str] = {}
    for prefix, group in groups.items():
        if len({member for _, member in group}) < 2:
            continue
        nested = [member for err, member in group if len(err["loc"]) > len(prefix) + 1]
        if nested:  # the value had the member's shape: its own keys or items are wrong
            chosen[prefix] = _member_kind(nested[0])
        else:
            value = group[0][0].get("input")
            chosen[prefix] = ("mapping" if isinstance(value, dict) else
                              "list" if isinstance(value, list) else "text")
            if chosen[prefix] not in {_member_kind(m) for _, m in group}:
                chosen[prefix] = _member_kind(group[0][1])
    kept = []
    for err in errors:
        where = split(err)
        if where and where[0] in chosen and _member_kind(where[1]) != chosen[where[0]]:
            continue
        kept.append(err)
    return kept


def _validation_diagnostics(exc: ValidationError, cls: type[BaseModel], node: Any,
                            source: Source) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    quoted: set[tuple[Any, ...]] = set()
    errors = _one_union_member(exc.errors(include_url=False))
    for err in errors:
        loc = _user_path(err["loc"], node)
        item = _text_with_colon(cls, node, loc)
        if item is not None:
            if item not in quoted:
                quoted.add(item)
                ((key, value),) = _node_at(node, item).items()
                text = f"{key}: {value}".replace("\\", "\\\\").replace('"', '\\"')
                found.append(source.error(node, item, "quote text that contains ': '",
                                          f'write - "{text}"', key=True))
            continue
        kind = err["type"]
        name = next((str(s) for s in reversed(loc)
                     if isinstance(s, str) and not _MEMBER_TAG.match(s)), "value")
        key = _key_path(loc) or name  # the subject of a message: the whole nested key
        value = err.get("input")
        ctx = err.get("ctx") or {}
        if kind == "extra_forbidden":
            model = _model_at(cls, loc[:-1])
            allowed = list(model.model_fields) if model else []
            hint = did_you_mean(str(loc[-1]), allowed) or (
                f"allowed keys: {', '.join(allowed)}" if allowed else "")
            found.append(source.error(node, loc, f"unknown key `{loc[-1]}`", hint, key=True))
        elif kind == "marking_empty":
            found.append(source.error(node, loc, "`marking` is empty",
                                      "give a level, or remove the key for the default level",
                                      key=True))  # a null value has no position of its own
        elif kind == "missing":
            found.append(source.error(node, loc[:-1], f"missing required key `{loc[-1]}`"))
        elif kind == "literal_error":
            expected = str(ctx.get("expected", "")).replace("'", "")
            choices = re.findall(r"[\w\-]+", expected)
            hint = did_you_mean(str(value), choices)
            found.append(source.error(node, loc, f"`{excerpt(value)}` is not a valid {name}: "
                                                 f"expected one of {expected}", hint))
        elif kind == "string_pattern_mismatch":
            what = {"code": "a partner code (2-4 upper-case letters, e.g. NRV)",
                    "country": "a partner code (2-4 upper-case letters, e.g. NRV)",
                    "primary": "a colour like #0b3d2e", "accent": "a colour like #c8a951",
                    "margins": "a length like 20mm (or a mapping of top, right, bottom and "
                               "left lengths)",
                    "id": "an identifier (letters, digits, - _ .)",
                    "default_language": "a language code like en or ar",
                    "language": "a language code like en or ar"}.get(name)
            if what is None and len(loc) > 1:  # an item of a list, a side of the margins
                what = {"partners": "a partner code (2-4 upper-case letters, e.g. NRV)",
                        "levels": "a level name in capitals, e.g. RESTRICTED",
                        "margins": "a length like 20mm, 2.5cm, 1in or 54pt"}.get(str(loc[-2]))
            found.append(source.error(node, loc,
                                      f"`{excerpt(value)}` is not {what or 'valid here'}"))
        elif isinstance(value, int | float) and not isinstance(value, bool) and (
                (kind in ("less_than_equal", "greater_than_equal")
                and abs(float(ctx.get("le", ctx.get("ge", 0)))) == m.NUMBER_MAGNITUDE)
                or kind == "float_type"):  # an integer too large to be a float at all
            shown = (f"{value:g}" if isinstance(value, float) or abs(value) < 10**300
                     else f"a {len(str(abs(value)))}-digit number")  # no float holds it
            found.append(source.error(node, loc, f"`{key}`: {shown} is larger than a table "
                                                 "or chart can show (at most 10^15 either "
                                                 "side of 0)",
                                      "give the values in a larger unit, e.g. millions"))
        elif kind in _TYPE_WORDS:
            found.append(source.error(
                node, loc, f"`{key}` must be {_TYPE_WORDS[kind]}, found {m.type_name(value)}",
                "write the value after the colon; one that starts with # must be quoted "
                '("#0b3d2e"): an unquoted # starts a comment'
                if value is None and loc[-1] != "[key]" else ""))
        elif kind == "too_short" and ctx.get("min_length") and isinstance(value, list):
            least = ctx["min_length"]
            found.append(source.error(node, loc, f"`{key}` is empty: it needs at least "
                                                 f"{least} {'entry' if least == 1 else 'entries'}"))
        elif kind in ("too_short", "too_long"):
            found.append(source.error(node, loc, f"`{key}`: {err['msg'].lower()}"))
        else:
            message = err["msg"]
            if message.startswith("Value error, "):
                message = message.removeprefix("Value error, ")
            found.append(source.error(node, loc, f"`{key}`: {message}"))
    return found


def _node_at(node: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        node = node[step]
    return node


def _validate(cls: type[T], node: Any, source: Source, col: _Collector) -> Entry[T] | None:
    if not isinstance(node, dict):
        found = "an empty file" if node is None else m.type_name(node)
        col.add(source.error(node, (), f"expected a mapping of keys (like `title: ...`), "
                                       f"found {found}"))
        return None
    try:
        model = cls.model_validate(plain(node))
    except ValidationError as exc:
        col.extend(_validation_diagnostics(exc, cls, node, source))
        return None
    return Entry(model, node, source)


# --- files the content may reference ---------------------------------------------------


def _content_file(value: str, content: Path, entry: Entry[Any], path: tuple[Any, ...],
                  col: _Collector, what: str) -> Path | None:
    """Resolve a path given in content; refuse URLs and anything outside content/."""
    line, column = entry.source.at(entry.node, path)
    return _check_reference(value, content, entry.source.file, line, column, col, what)


def _check_theme_page(theme: m.Theme, content: Path, entry: Entry[Any],
                      col: _Collector) -> None:
    """A theme's fonts must load (never a silent fallback) and its margins leave room
    for the banners (see generator/templates.py)."""
    from ..templates import font_problem, margin_problem

    for role in ("body", "headings", "monospace"):
        value = getattr(theme.fonts, role)
        path = ("theme", "fonts", role)
        target = _content_file(value, content, entry, path, col, "font") if value else None
        problem = font_problem(target) if target else None
        if problem:
            col.add(entry.error(path, f"font `{value}` {problem}",
                                "give a .ttf, .otf, .woff or .woff2 file under content/"))
    margins = theme.margins
    sides = {side: margins for side in ("top", "right", "bottom", "left")} \
        if isinstance(margins, str) else (margins.model_dump() if margins else {})
    for side, value in sides.items():
        problem = margin_problem(side, value) if value else None
        if problem:
            where = ("theme", "margins") if isinstance(margins, str) else \
                ("theme", "margins", side)
            col.add(entry.error(where, problem))


def _check_reference(value: str, content: Path, file: str, line: int, column: int,
                     col: _Collector, what: str) -> Path | None:
    def fail(message: str, hint: str = "") -> None:
        col.add(Diagnostic(file, line, column, "error", message, hint))

    original = value
    value = excerpt(value)  # messages echo this: a data: URL can be megabytes long
    stripped = original.strip()
    if not is_relative_path(stripped):
        scheme = stripped.split(":", 1)[0].lower() if ":" in stripped else "//"
        if scheme == "file":
            fail(f"{what} `{value}` is a file: URL; give a path relative to content/",
                 "nothing outside the project is read")
        else:
            fail(f"{what} `{value}` is not a file under content/",
                 "remote and data: URLs are not fetched; copy the file into content/")
        return None
    if stripped.startswith("/") or re.match(r"^[A-Za-z]:[\\/]", stripped):
        fail(f"{what} `{value}` is an absolute path; give a path relative to content/")
        return None
    root = content.resolve()
    target = resolved(content / stripped.split("#", 1)[0].split("?", 1)[0])
    if target is None:
        fail(f"{what} `{value}` {LOOP}", LOOP_HINT)
        return None
    if root != target and root not in target.parents:
        fail(f"{what} `{value}` leaves content/", "files must stay inside content/")
        return None
    try:
        info = target.stat()
    except OSError:
        fail(f"{what} `{value}` does not exist", f"looked for content/{excerpt(stripped)}")
        return None
    if not stat.S_ISREG(info.st_mode):
        fail(f"{what} `{value}` is not a regular file",
             "a pipe, device, socket or folder cannot be read")
        return None
    if what in ("image", "flag", "logo"):
        try:
            problem = _image_problem(target, what, col.limits)
        except OSError as exc:
            problem = (f"cannot be read: {exc.strerror}", "")
        if problem:
            fail(f"{what} `{value}` {problem[0]}", problem[1])
            return None
    return target


_SVG_TAG = re.compile(rb"<svg\b[^>]*>", re.IGNORECASE)
_SVG_LENGTH = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(px)?\s*$")


def _svg_size(head: bytes) -> tuple[float, float] | None:
    """An SVG's drawing size from its root element (width/height in px, else viewBox)."""
    tag = _SVG_TAG.search(head)
    if not tag:
        return None
    attrs = dict(re.findall(r'([\w:-]+)\s*=\s*["\']([^"\']*)["\']',
                            tag.group().decode("utf-8", "replace")))
    width, height = (_SVG_LENGTH.match(attrs.get(k, "")) for k in ("width", "height"))
    if width and height:
        return float(width.group(1)), float(height.group(1))
    box = attrs.get("viewBox", "").replace(",", " ").split()
    try:
        return (float(box[2]), float(box[3])) if len(box) == 4 else None
    except ValueError:
        return None


_SVG_REFERENCE = re.compile(
    r"""(?:\b(?:xlink:)?href|\bsrc)\s*=\s*(?:"([^"]*)"|'([^']*)')|url\(\s*["']?([^"')]*)"""
    r"""|(@import)\b|<(script)\b|<!(DOCTYPE)[^>\[]*\[|<!(ENTITY)\b|<\?(xml-stylesheet)\b""",
    re.IGNORECASE)
_SVG_PICTURES = ("data:image/png;", "data:image/jpeg;", "data:image/jpg;")
_SVG_HINT = ("an SVG may draw only what it holds itself: no links to files or addresses, "
             "no scripts, no entity declarations: save it as plain SVG")


def _svg_refused(data: bytes) -> tuple[str, str] | None:
    """Why an SVG may not be drawn, or None: a reference to anything but one of its own
    elements (``#id``) or an embedded PNG or JPEG ``data:`` picture, a script, an entity
    declaration (a DOCTYPE's internal subset), a style sheet import. A renderer would
    otherwise try to read the target, or run or expand it (the PDF's fetcher refuses it,
    but late and without a position): refused here, at the image's reference, in
    ``check`` as in ``build``."""
    text = data.decode("utf-8", "replace")
    for found in _SVG_REFERENCE.finditer(text):
        target = next((g for g in found.groups()[:3] if g is not None), None)
        if target is not None:
            target = target.strip()
            if target.startswith("#") or target.lower().startswith(_SVG_PICTURES):
                continue
            return (f"refers to `{target[:80]}`", _SVG_HINT)
        word = next(g for g in found.groups()[3:] if g)
        what = {"script": "holds a script", "@import": "imports a style sheet",
                "xml-stylesheet": "links a style sheet"}.get(
            word.lower(), "declares entities")
        return (what, _SVG_HINT)
    return None


def _image_problem(target: Path, what: str, limits: Limits) -> tuple[str, str] | None:
    """Why an image may not be used (too many bytes or pixels, not an image), or None.

    Only a raster file's header is read: its size is known before anything is decoded.
    An SVG (at most ``image_bytes``) is read whole, for what it refers to."""
    from PIL import Image, UnidentifiedImageError

    fd = os.open(target, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as file:
        size = os.fstat(fd).st_size
        if size > limits.image_bytes:
            return (f"is too large: {size:,} bytes, more than {limits.image_bytes:,}",
                    limit_hint("image_bytes", limits.image_bytes))
        image_format, data = None, b""
        if target.suffix.lower() == ".svg":
            data = file.read()
            refused = _svg_refused(data)
            if refused:
                return refused
            dims = _svg_size(data[:65536])
            raster = False
        else:
            raster = True
            try:
                with warnings.catch_warnings():
                    # Pillow's own bomb check warns (or raises) on the size: ours decides
                    warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                    with Image.open(file) as image:
                        dims, image_format = image.size, image.format
                        try:
                            # the chunks and their checksums, without decoding a pixel: a
                            # cut-off or damaged file is refused here, not left out later
                            image.verify()
                        except Exception:  # Pillow raises many kinds for a damaged file
                            image_format = "damaged"  # (not a format Pillow names)
            except Image.DecompressionBombError as exc:
                # Pillow refuses before our limit can: its message holds the pixel count
                found = re.search(r"\((\d+) pixels\)", str(exc))
                return (f"has {int(found.group(1)) if found else 0:,} pixels, more than "
                        f"{limits.image_pixels:,}", limit_hint("image_pixels", limits.image_pixels))
            except (UnidentifiedImageError, OSError, ValueError):
                dims = None
    kind = "a logo" if what == "logo" else "an image"
    if dims is None and not raster and what != "logo" and _SVG_TAG.search(data[:65536]):
        return None  # an SVG without a size of its own: drawn at the renderer's default
    if image_format == "damaged":
        return ("is damaged or cut off (its data does not read to the end)",
                "save or export it again")
    if dims is None or (raster and image_format not in ("PNG", "JPEG")):
        # every renderer would leave it out (the PDF with only a warning): refused here
        return ("is not a readable PNG, JPEG or SVG image",
                f"{kind} is a .png, .jpg or .svg file")
    width, height = dims
    if width * height > limits.image_pixels:
        return (f"has {width:g} x {height:g} pixels, more than {limits.image_pixels:,}",
                limit_hint("image_pixels", limits.image_pixels))
    if raster and target.suffix.lower() not in (".png", ".jpg", ".jpeg"):
        return ("is not a PNG, JPEG or SVG file", f"{kind} is a .png, .jpg or .svg file")
    return None


def _check_images(text: Any, content: Path, file: str, line: int, column: int,
                  col: _Collector) -> None:
    """Images referenced in a Markdown field must be files inside content/."""
    texts = text.values() if isinstance(text, dict) else [text]
    for one in texts:
        if not isinstance(one, str) or "![" not in one:
            continue
        for src, offset in image_sources(one):
            _check_reference(src, content, file, line + offset, column if not offset else 1,
                             col, "image")


def _check_markdown(text: str, file: str, line: int, column: int, col: _Collector,
                    tokens_ok: bool = True) -> bool:
    """Refuse Markdown that would cost unbounded time or recursion to parse or lay out: a
    table of too many cells, lists, quotes or emphasis nested too deep. ``line`` is where
    the text starts; True if the text may be parsed."""
    limits = col.limits
    for at, columns, rows in table_sizes(text):
        if columns * rows > limits.table_cells:
            col.add(Diagnostic(file, line + at, column if not at else 1, "error",
                               f"table of {columns} columns and {rows} rows has "
                               f"{columns * rows:,} cells, more than {limits.table_cells:,}",
                               limit_hint("table_cells", limits.table_cells)))
            return False
    deep = too_deep(text, limits.markdown_depth) if tokens_ok else None
    if deep is not None:
        col.add(Diagnostic(file, line + deep, column if not deep else 1, "error",
                           f"lists, quotes, emphasis or links nested more than "
                           f"{limits.markdown_depth} deep",
                           limit_hint("markdown_depth", limits.markdown_depth)))
        return False
    return True


def _walk_texts(entry: Entry[Any], col: _Collector, content: Path) -> None:
    """Check image references in every text field of an entry's YAML."""
    def visit(node: Any, path: tuple[Any, ...]) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                visit(value, (*path, key))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                visit(value, (*path, i))
        elif isinstance(node, str):
            if "![" in node:
                line, column = entry.source.at(entry.node, path)
                _check_images(node, content, entry.source.file, line, column, col)
            _check_markdown(node, entry.source.file, *entry.source.at(entry.node, path), col)
            if ":::" in node and any(FENCE_LOOKALIKE.match(one) or FENCE_OPEN.match(one)
                                     for one in node.split("\n")):
                # A YAML text cannot hold marked blocks; printing the fence would release
                # what its author meant to mark.
                col.add(entry.error(path, "a marked block (`:::`) is only possible in a "
                                          "section body",
                                    "give the item its own `marking:` instead"))

    visit(entry.node, ())


# --- sections --------------------------------------------------------------------------


def _split_front_matter(text: str, rel: str) -> tuple[str, str, int]:
    """(front matter YAML, body, 1-based line where the body starts)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise FileProblems([Diagnostic(rel, 1, 1, "error",
                                       "a section starts with front matter between `---` lines",
                                       "put `---`, then `title: ...`, then `---` at the top")])
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            return "\n".join(lines[1:i]) + "\n", "\n".join(lines[i + 1:]), i + 2
    raise FileProblems([Diagnostic(rel, 1, 1, "error", "front matter is not closed",
                                   "end it with a line `---`")])


def _parse_blocks(body: str, rel: str, first_line: int) -> tuple[list[Part], list[Diagnostic]]:
    """Split a body into parts by marked fenced blocks (which may nest)."""
    problems: list[Diagnostic] = []
    parts: list[Part] = []
    stack: list[Block] = []
    buffer: list[str] = []
    as_code: list[int] = []  # indexes in buffer of `:::` lines kept as code
    in_code: str | None = None

    def flush(lineno: int) -> None:
        text = "\n".join(buffer).strip("\n")
        if text.strip():
            parts.append(Part(text + "\n", tuple(stack)))
            # A `:::` line kept in the text as code must be code to Markdown too (a ```
            # in a list item, say, does not open a code block at the top level).
            if as_code:
                start = lineno - len(buffer)
                for at in code_fence_lines(buffer, as_code):
                    problems.append(Diagnostic(
                        rel, start + at, 1, "error", "this `:::` line would be printed as "
                        "text: the ``` or ~~~ line before it does not open a code block here",
                        "close the code block, or start the marked block outside it"))
        buffer.clear()
        as_code.clear()

    for index, line in enumerate(body.split("\n")):
        lineno = first_line + index
        fence = CODE_FENCE.match(line)
        if fence:
            run = fence.group("run")
            if in_code is None:
                in_code = run
            elif run[0] == in_code[0] and len(run) >= len(in_code) and \
                    not line[fence.end():].strip():
                in_code = None
            buffer.append(line)
            continue
        opened = FENCE_OPEN.match(line) if in_code is None else None
        if not opened:
            lookalike = FENCE_LOOKALIKE.match(line) if in_code is None else None
            if lookalike:
                problems.append(Diagnostic(
                    rel, lineno, lookalike.end() - 2, "error",
                    "`:::` must start its line: a marked block cannot be indented, quoted "
                    "or inside a list",
                    "move `:::` to column 1; lines starting with `:::` are reserved for "
                    "marked blocks"))
            elif in_code is not None and (FENCE_OPEN.match(line) or FENCE_LOOKALIKE.match(line)):
                as_code.append(len(buffer))
            buffer.append(line)
            continue
        attrs = opened.group("attrs").strip()
        flush(lineno)
        if not attrs:
            if stack:
                stack.pop()
            else:
                problems.append(Diagnostic(rel, lineno, 1, "error",
                                           "`:::` closes no marked block"))
            continue
        marking: str | None = None
        releasable: tuple[str, ...] | None = None
        offset = line.index(attrs)
        seen_keys: set[str] = set()
        for match in re.finditer(r"(\S+?)=(\S*)|(\S+)", attrs):
            column = offset + match.start() + 1
            if match.group(3):
                problems.append(Diagnostic(
                    rel, lineno, column, "error",
                    f"`{excerpt(match.group(3))}` in a marked block: expected key=value",
                    "write `::: marking=LEVEL releasable_to=CODE,CODE`"))
                continue
            key, value = match.group(1), match.group(2)
            if key in BLOCK_ATTRS and key in seen_keys:
                problems.append(Diagnostic(rel, lineno, column, "error",
                                           f"`{excerpt(key)}` appears twice in a marked block",
                                           "give each attribute once"))
                continue
            seen_keys.add(key)
            if key in BLOCK_ATTRS and not value:
                problems.append(Diagnostic(rel, lineno, column, "error",
                                           f"`{key}=` without a value in a marked block",
                                           "write `::: marking=LEVEL releasable_to=CODE,CODE`"))
                marking = "" if key == "marking" else marking
                continue
            if key == "marking":
                marking = value
            elif key == "releasable_to":
                releasable = tuple(v for v in value.split(",") if v)
            else:
                problems.append(Diagnostic(rel, lineno, column, "error",
                                           f"unknown attribute `{excerpt(key)}` of a marked block",
                                           did_you_mean(key, BLOCK_ATTRS)))
        stack.append(Block(marking, releasable, rel, lineno, 1))
    flush(first_line + body.count("\n") + 1)
    for block in stack:
        problems.append(Diagnostic(rel, block.line, 1, "error",
                                   "marked block is not closed", "end it with a line `:::`"))
    return parts, problems


def code_fence_lines(lines: list[str], suspects: list[int]) -> list[int]:
    """Those of the ``suspects`` (0-based indexes of lines that look like a marked block's
    fence) that Markdown does not read as code in ``lines``."""
    code: set[int] = set()
    for token in block_tokens("\n".join(lines)):
        if token.type in ("fence", "code_block") and token.map:
            code.update(range(*token.map))
    return [i for i in suspects if i not in code]


def _home_hint(code: str, home: str) -> str:
    """The hint for the home nation's code in a list of partners."""
    return (f"`{code}` is the home nation (`home:` in content/briefing.yaml), not a "
            "partner: list only the partners") if code == home else ""


def pie_total(categories: list[str], columns: dict[str, list[float]],
               series: list[str] | None) -> float:
    """What a pie of all its series adds up to, as the renderer draws it: the first
    series across the categories, or with one category, every series' value."""
    drawn = [name for name in (series or columns) if name in columns]
    if not drawn:
        return 1.0  # a series that is not a column is reported on its own
    values = ([v for name in drawn for v in columns[name]]
              if len(categories) == 1 and len(drawn) > 1 else list(columns[drawn[0]]))
    return math.fsum(v for v in values if not math.isnan(v))


def _nearest_label(label: str, labels: dict[str, Mention], section_id: str) -> str | None:
    """The original section's label closest to a translation's unknown one: the nearest
    spelling, else its only label of the same kind (``fig-map`` for ``fig-carte``)."""
    own = [name for name, at in labels.items() if at.section == section_id]
    close = difflib.get_close_matches(label, own, n=1, cutoff=0.6)
    same_kind = [name for name in own if name.split("-", 1)[0] == label.split("-", 1)[0]]
    return close[0] if close else same_kind[0] if len(same_kind) == 1 else None


def _read_section(path: Path, col: _Collector, translation: bool, text: str | None = None
                  ) -> SectionFile | None:
    """A section file (``text``: already read by :func:`_read`)."""
    rel = col.rel(path)
    try:
        if text is None:
            text = _read(path, col)
        front, body, body_line = _split_front_matter(text, rel)
    except FileProblems as exc:
        col.extend(exc.diagnostics)
        return None
    loaded = _read_yaml(path, col, line_offset=1, text=front)
    if loaded is None:
        return None
    node, source = loaded
    cls: type[m.SectionFront] | type[m.SectionTranslationFront] = (
        m.SectionTranslationFront if translation else m.SectionFront)
    entry: Entry[Any] | None = _validate(cls, node, source, col)
    parts, problems = _parse_blocks(body, rel, body_line)
    col.extend(problems)
    for part in parts:
        # the part's text starts at a line we can recover from the body
        start = _line_of(body, part.markdown, body_line)
        if not _check_markdown(part.markdown, rel, start, 1, col):
            continue
        for src, offset in image_sources(part.markdown):
            _check_reference(src, col.root / "content", rel, start + offset, 1, col, "image")
    if entry is None:
        return None
    match = SECTION_FILE.match(path.name)
    assert match  # the caller filtered names
    return SectionFile(match.group("name"), entry, parts, body, body_line,
                       fences_ok=not any(p.severity == "error" for p in problems))


def _line_of(body: str, fragment: str, first_line: int) -> int:
    head = fragment.strip("\n").split("\n", 1)[0]
    index = body.find(head)
    return first_line + (body.count("\n", 0, index) if index >= 0 else 0)


# --- CSV -------------------------------------------------------------------------------


def _field_columns(line: str) -> list[int]:
    """1-based start column of each comma-separated field of a raw CSV line."""
    columns, in_quotes = [1], False
    for i, char in enumerate(line):
        if char == '"':
            in_quotes = not in_quotes
        elif char == "," and not in_quotes:
            columns.append(i + 2)
    return columns


def _column(raw_lines: list[str], line: int, index: int) -> int:
    """1-based column of field ``index`` on a 1-based line, or 1 where a quoted field
    spans lines (the CSV reader and a naive split then disagree)."""
    starts = _field_columns(raw_lines[line - 1]) if 0 < line <= len(raw_lines) else []
    return starts[index] if index < len(starts) else 1


def csv_rows(path: Path, col: _Collector, limit: int, key: str, too_many: str,
             empty: tuple[str, str]
             ) -> tuple[list[str], list[tuple[int, list[str]]]] | None:
    """The CSV file at ``path`` (at most the ``csv_bytes`` limit): its lines as written (for
    columns in messages) and its non-blank rows with their line numbers, the heading and
    at most ``limit`` more (the limit ``key``), read in one pass; ``None`` when it cannot
    be read, has too many rows or is ``empty`` (message, hint), with the problem in
    ``col``. Data files and recipient lists are both read so."""
    rel = col.rel(path)
    try:
        text = _read(path, col, col.limits.csv_bytes, "csv_bytes")
    except FileProblems as exc:
        col.extend(exc.diagnostics)
        return None
    reader = csv.reader(io.StringIO(text))
    rows: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            if not row or not any(cell.strip() for cell in row):
                continue
            if len(rows) > limit:  # the heading, then at most `limit` rows
                col.add(Diagnostic(rel, reader.line_num, 1, "error", too_many,
                                   limit_hint(key, limit)))
                return None
            rows.append((reader.line_num, row))
    except csv.Error as exc:
        col.add(Diagnostic(rel, reader.line_num, 1, "error", f"cannot read the CSV: {exc}"))
        return None
    if not rows:
        col.add(Diagnostic(rel, 1, 1, "error", *empty))
        return None
    return text.split("\n"), rows


def _read_csv(path: Path, col: _Collector) -> tuple[list[str], dict[str, list[float]]] | None:
    rel = col.rel(path)
    limits = col.limits
    read = csv_rows(path, col, limits.csv_rows, "csv_rows",
                    f"the data file has more than {limits.csv_rows:,} rows",
                    ("the data file is empty",
                     "first row: a category heading, then one column per series"))
    if read is None:
        return None
    raw_lines, rows = read
    header_line, header = rows[0]
    names = [cell.strip() for cell in header]
    ok = True
    if len(names) < 2:
        col.add(Diagnostic(rel, header_line, 1, "error",
                           "a data file needs a category column and at least one series column"))
        return None
    for i, name in enumerate(names):
        if not name:
            col.add(Diagnostic(rel, header_line, _column(raw_lines, header_line, i),
                               "error", "empty column heading"))
            ok = False
        elif name in names[:i]:
            col.add(Diagnostic(rel, header_line, _column(raw_lines, header_line, i),
                               "error", f"duplicate column `{name}`"))
            ok = False
    categories: list[str] = []
    columns: dict[str, list[float]] = {name: [] for name in names[1:]}
    for lineno, row in rows[1:]:
        if len(row) != len(names):
            col.add(Diagnostic(rel, lineno, 1, "error",
                               f"row has {len(row)} values, the heading has {len(names)}"))
            ok = False
            continue
        categories.append(row[0].strip())
        for i, cell in enumerate(row[1:], start=1):
            try:
                value = float(cell.strip())
                if value != value or value in (float("inf"), float("-inf")) or "_" in cell:
                    raise ValueError
            except ValueError:
                # positions only for an error: measuring every row would double the work
                column = _column(raw_lines, lineno, i)
                col.add(Diagnostic(rel, lineno, column, "error",
                                   f"`{cell.strip()}` in column `{names[i]}` is not a number",
                                   "write numbers like 42 or 3.5, without units")
                        if cell.strip() else
                        Diagnostic(rel, lineno, column, "error",
                                   f"empty cell in column `{names[i]}`",
                                   "write a number: 0 if there was none"))
                ok = False
                continue
            if abs(value) > m.NUMBER_MAGNITUDE:
                # a stack or a pie adds the values up: past this, the sum could overflow
                col.add(Diagnostic(rel, lineno, _column(raw_lines, lineno, i), "error",
                                   f"`{cell.strip()}` in column `{names[i]}` is larger than a "
                                   f"chart can draw (at most 10^15 either side of 0)",
                                   "give the values in a larger unit, e.g. millions"))
                ok = False
                continue
            columns[names[i]].append(value)
    if ok and not categories:
        col.add(Diagnostic(rel, header_line, 1, "error", "the data file has no rows"))
        ok = False
    return (categories, columns) if ok else None


# --- the project -----------------------------------------------------------------------


def _prefetched(content: Path, col: _Collector, prefetch: Prefetch) -> dict[Path, str]:
    """The collaborations and sections, read as the loader reads them, their YAML (a
    section's front matter) handed to ``prefetch`` to parse: the texts, for the loader
    to go on with. A file with a problem is left out (the loader reads it again, and
    reports it)."""
    texts: dict[Path, str] = {}
    for path in [*_yaml_files(content / "collaborations"), *_section_files(content)]:
        if path.suffix == ".md" and not SECTION_FILE.match(path.name):
            continue  # not read at all
        with suppress(FileProblems):
            texts[path] = _read(path, col)
    yaml = []
    for path, text in texts.items():
        with suppress(FileProblems):
            yaml.append(_split_front_matter(text, "")[0] if path.suffix == ".md" else text)
    prefetch([(text, col.limits.yaml_depth) for text in yaml])
    return texts


def _section_files(content: Path) -> list[Path]:
    """content/sections/*.md, in order (each named NAME.md or NAME.LANG.md, or reported)."""
    folder = content / "sections"
    return sorted(folder.glob("*.md")) if folder.is_dir() else []


def _yaml_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir()
                  if p.suffix in (".yaml", ".yml") and not p.name.startswith("."))


def _too_many_files(root: Path, col: _Collector) -> Diagnostic | None:
    """An error if content/ and templates/audiences/ hold more than ``limits.files``
    files (counting stops there; symlinked folders are not entered)."""
    limit, count = col.limits.files, 0
    stack = [root / "templates" / "audiences", root / "content"]
    while stack:
        folder = stack.pop()
        try:
            entries = os.scandir(folder)
        except OSError:
            continue
        with entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                    continue
                count += 1
                if count > limit:
                    return Diagnostic(col.rel(folder), 0, 0, "error",
                                      f"more than {limit:,} files in content/ and "
                                      "templates/audiences/ (counting stopped in this folder)",
                                      limit_hint("files", limit))
    return None


#: Parses YAML texts (each with its depth limit) elsewhere, into this process's parse
#: cache (generator/content/yamlio.py): helper processes of a `-j N` build, while this
#: one waits.
Prefetch = Callable[[list[tuple[str, int]]], None]


def load_project(root: Path | str, prefetch: Prefetch | None = None) -> Project:
    """Read and validate the project at ``root``. Raises :class:`ContentError`.

    With ``prefetch``, the collaborations and the sections' front matter are read first
    and their YAML handed to it to parse; the reading and checking below is the same,
    and what ``prefetch`` did not parse is parsed here."""
    root = Path(root).absolute()
    col = _Collector(root)
    content = root / "content"
    if not content.is_dir():
        raise ContentError([Diagnostic("content", 0, 0, "error",
                                       "no content/ folder in the project",
                                       f"looked in {root}; `briefgen init DIR` makes one")])

    # briefing.yaml
    briefing: Entry[m.Briefing] | None = None
    briefing_path = content / "briefing.yaml"
    if os.path.lexists(briefing_path):
        loaded = _read_briefing(briefing_path, col)
        if loaded:
            briefing = _validate(m.Briefing, *loaded, col)
    else:
        col.add(Diagnostic("content/briefing.yaml", 0, 0, "error",
                           "content/briefing.yaml is missing", "it holds the document's title, "
                           "issuer, marking scheme and summary"))

    too_many = _too_many_files(root, col)
    if too_many:  # reading them all is the work the limit is there to prevent
        raise ContentError([*col.diagnostics, too_many])
    # with prefetch: the collaborations and sections, read (and their YAML parsed) ahead
    texts = _prefetched(content, col, prefetch) if prefetch is not None else {}

    # partners.yaml
    partners: list[Entry[m.Partner]] = []
    before = len(col.errors)
    partners_path = content / "partners.yaml"
    if os.path.lexists(partners_path):
        loaded = _read_yaml(partners_path, col)
        if loaded:
            node, source = loaded
            if node is None:
                pass
            elif not isinstance(node, list):
                col.add(source.error(node, (), "partners.yaml must be a list of partners "
                                               "(each starting with `- code: ...`)"))
            else:
                for item in node:
                    entry = _validate(m.Partner, item, source, col)
                    if entry:
                        partners.append(entry)

    partners_complete = len(col.errors) == before

    # collaborations
    collaborations: list[tuple[str, Entry[m.Collaboration]]] = []
    for path in _yaml_files(content / "collaborations"):
        loaded = _read_yaml(path, col, text=texts.get(path))
        if loaded:
            collab = _validate(m.Collaboration, *loaded, col)
            if collab:
                collaborations.append((collab.model.id or path.stem, collab))

    # sections and their translations
    sections: list[Section] = []
    translations: list[tuple[str, str, SectionFile]] = []
    unread: set[str] = set()  # sections whose own file has an error already reported
    for path in _section_files(content):
        match = SECTION_FILE.match(path.name)
        if not match:
            col.add(Diagnostic(col.rel(path), 0, 0, "error",
                               "a section file is named NAME.md or NAME.LANG.md"))
            continue
        lang = match.group("lang")
        read = _read_section(path, col, translation=bool(lang), text=texts.get(path))
        if read is None:
            if not lang:
                unread.add(match.group("name"))
            continue
        if lang:
            translations.append((match.group("name"), lang, read))
        else:
            sections.append(Section(read.id, read))
    by_id = {s.id: s for s in sections}
    for name, lang, read in translations:
        if name in by_id:
            by_id[name].translations[lang] = read
        elif name not in unread:
            col.add(read.entry.error((), f"translation of a section that does not exist: "
                                         f"sections/{name}.md",
                                     did_you_mean(name, list(by_id))))

    # audiences
    audiences: dict[str, Entry[m.Audience]] = {}
    profiles = _yaml_files(root / "templates" / "audiences")
    by_name: dict[str, list[Path]] = {}
    for path in profiles:
        by_name.setdefault(path.stem.lower(), []).append(path)
    for same in by_name.values():
        if len(same) > 1:
            # Which one would win is an accident of ordering: refuse rather than guess
            # the audience's clearance.
            names = " and ".join(col.rel(p) for p in same)
            for path in same:
                col.add(Diagnostic(col.rel(path), 1, 1, "error",
                                   f"two profiles for one audience: {names}",
                                   "keep one file per audience name"))
    for path in profiles:
        if len(by_name[path.stem.lower()]) > 1:
            continue
        rel = col.rel(path)
        if not AUDIENCE_NAME.match(path.stem):
            col.add(Diagnostic(rel, 0, 0, "error", f"`{path.stem}` is not a usable audience "
                                                   "name (letters, digits, - and _, not "
                                                   "starting with _: rename the file)"))
            continue
        loaded = _read_yaml(path, col)
        if loaded:
            audience = _validate(m.Audience, *loaded, col)
            if audience:
                audiences[path.stem] = audience

    # layouts.yaml (project-wide and per audience)
    layouts: dict[str, dict[str, str]] = {}
    candidates = [("", root / "templates" / "deck" / "layouts.yaml")]
    candidates += [(name, root / "templates" / "audiences" / name / "deck" / "layouts.yaml")
                   for name in audiences]
    for name, path in candidates:
        if os.path.lexists(path):
            loaded = _read_yaml(path, col)
            if loaded:
                entry_l = _validate(m.Layouts, *loaded, col)
                if entry_l:
                    layouts[name] = {k: v for k, v in entry_l.model.model_dump().items() if v}

    charts: list[ChartData] = []
    labels: dict[str, Mention] = {}
    xrefs: list[Mention] = []
    if briefing is not None:
        charts = _cross_check(root, briefing, partners, collaborations, sections, audiences, col,
                              partners_complete)
        labels, xrefs = _check_apparatus(briefing, collaborations, sections, col)
    recipients = read_recipients(content, audiences, col)

    errors = col.errors
    if errors or briefing is None:
        raise ContentError(col.diagnostics)
    return Project(root, briefing, partners, collaborations, sections, charts, audiences,
                   layouts, [d for d in col.diagnostics if d.severity == "warning"],
                   labels, xrefs, recipients)


# --- footnotes, citations, labels and cross-references ----------------------------------

_BRACES = r"(\{[^{}\n]*\})"
# an image's target may hold one level of parentheses (a title "… (dark blue) …")
_IMAGE_BRACES = re.compile(r"!\[[^\]\n]*\]\((?:[^()\n]|\([^()\n]*\))*\)" + _BRACES)
_HEADING_BRACES = re.compile(r"^ {0,3}#{1,6}[ \t].*?" + _BRACES + r"[ \t]*$")
_CAPTION_BRACES = re.compile(r"^: .*?" + _BRACES + r"[ \t]*$")
_NOTE_DEF = re.compile(r"^ {0,3}\[\^([^\]\s]+)\]:")
_NOTE_REF = re.compile(r"\[\^([^\]\s]+)\](?!:)")
_LABEL_PREFIX = {"image": "fig-", "heading": "sec-", "caption": "tbl-"}
_WHAT = {"image": "an image", "heading": "a heading", "caption": "a table caption"}


def _prose_lines(body: str, first_line: int) -> Iterable[tuple[int, str]]:
    """(line number, text) of a section body's lines outside fenced code blocks."""
    fence = ""
    for number, line in enumerate(body.split("\n"), start=first_line):
        opened = CODE_FENCE.match(line)
        if fence:
            if opened and opened["run"][0] == fence[0] and len(opened["run"]) >= len(fence) \
                    and not line.strip().strip(fence[0]):
                fence = ""
            continue
        if opened:
            fence = opened["run"]
            continue
        yield number, line


def _check_apparatus(briefing: Entry[m.Briefing],
                     collaborations: list[tuple[str, Entry[m.Collaboration]]],
                     sections: list[Section], col: _Collector
                     ) -> tuple[dict[str, Mention], list[Mention]]:
    """Labels (``{#fig-x}``: only that form in braces), cross-references (``@fig-x``),
    citations (``[@id]``) and footnotes (``[^n]``) of the section bodies, each checked
    against what the project defines. Returns the labels and the cross-references."""
    b = briefing.model
    sources: dict[str, str] = {}  # id -> where it is first defined
    undated: dict[str, tuple[Entry[Any], int, list[str]]] = {}  # id -> lacking author/year

    def source(entry: Entry[Any], i: int, id_: str | None, url: str | None,
               author: object = None, year: object = None) -> None:
        if id_ is None:  # a collaboration's plain-string source: nothing cites it
            return
        if id_ in sources:
            col.add(entry.error(("sources", i, "id"), f"duplicate source id `{id_}`",
                                f"first at {sources[id_]}"))
        sources.setdefault(id_, entry.where(("sources", i)))
        lacking = [key for key, value in (("author", author), ("year", year)) if value is None]
        if lacking:
            undated.setdefault(id_, (entry, i, lacking))
        if url is not None and not re.match(r"^https?://", url, re.IGNORECASE):
            col.add(entry.error(("sources", i, "url"), "a source's `url` must be a web "
                                "address starting with http:// or https://"))

    for i, one in enumerate(b.sources):
        source(briefing, i, one.id, one.url, one.author, one.year)
    for _, entry in collaborations:
        for i, item in enumerate(entry.model.sources):
            source(entry, i, item.id, item.url, item.author, item.year)
    labels: dict[str, Mention] = {}
    for i, chart in enumerate(b.charts):
        at_line, at_col = briefing.source.at(briefing.node, ("charts", i, "id"))
        labels.setdefault(f"fig-{chart.id}", Mention(f"fig-{chart.id}", briefing.source.file,
                                                      at_line, at_col))
    files = [(s.id, s.main, True) for s in sections] + [
        (s.id, t, False) for s in sections for t in s.translations.values()]
    refs: list[Mention] = []
    cites: list[Mention] = []
    written: dict[str, set[str]] = {}  # the labels each original section writes
    for section_id, sf, main in files:
        file = sf.entry.source.file
        defined: set[str] = set()
        used: list[Mention] = []
        for number, text in _prose_lines(sf.body, sf.body_line):
            found = _NOTE_DEF.match(text)
            if found:
                if found[1] in defined:
                    col.add(Diagnostic(file, number, found.start(1) - 1, "error",
                                       f"footnote `[^{found[1]}]` is defined twice in this "
                                       "section", "give each note its own label"))
                defined.add(found[1])
            used += [Mention(n[1], file, number, n.start() + 1) for n in _NOTE_REF.finditer(text)
                     if not (found and n.start() == found.start())]
            for kind, pattern in (("image", _IMAGE_BRACES), ("heading", _HEADING_BRACES),
                                  ("caption", _CAPTION_BRACES)):
                for braces in pattern.finditer(text):
                    at = Mention("", file, number, braces.start(1) + 1, section_id)
                    label = _label_in(braces[1], kind, at, col)
                    if label and main:
                        written.setdefault(section_id, set()).add(label)
                        if label in labels:
                            col.add(Diagnostic(file, number, at.col, "error",
                                               f"label `{label}` is used twice",
                                               f"first at {labels[label].where}"))
                        else:
                            labels[label] = Mention(label, file, number, at.col, section_id)
                    elif label and label not in written.get(section_id, set()):
                        # a translation's figures and headings are the original's: its
                        # labels name them (the translation adds none of its own)
                        col.add(Diagnostic(
                            file, number, at.col, "error",
                            f"label `{label}` is not one of sections/{section_id}.md",
                            "a translation keeps the original's labels, so that every "
                            "language's @-references agree" + (
                                f"; did you mean `{near}`?" if (near := _nearest_label(
                                    label, labels, section_id)) else "")))
            for xref in XREF.finditer(text):
                before = text[xref.start() - 1] if xref.start() else " "
                if not (before.isalnum() or before in "_.@-"):
                    refs.append(Mention(xref[1], file, number, xref.start() + 1, section_id))
            for cited in CITATION.finditer(text):
                for name in cited[1].split(";"):
                    cites.append(Mention(name.strip().lstrip("@"), file, number,
                                         cited.start() + 1, section_id))
        for note in used:
            if note.label not in defined:
                col.add(Diagnostic(note.file, note.line, note.col, "error",
                                   f"footnote `[^{note.label}]` has no definition in this "
                                   "section", f"add a line `[^{note.label}]: the note's text` "
                                   "to this file" + (f" ({did_you_mean(note.label, defined)})"
                                                     if did_you_mean(note.label, defined)
                                                     else "")))
    # citations and cross-references in the YAML files' texts (a summary, a key message)
    entries: list[Entry[Any]] = [briefing, *(e for _, e in collaborations),
                                 *(s.main.entry for s in sections),
                                 *(t.entry for s in sections for t in s.translations.values())]
    for entry in entries:
        for path, text in _texts_of(entry.node):
            line, column = entry.source.at(entry.node, path)
            if "[@" in text:
                cites += [Mention(name.strip().lstrip("@"), entry.source.file, line, column)
                          for cited in CITATION.finditer(text) for name in cited[1].split(";")]
            if "@" in text:
                refs += [Mention(x[1], entry.source.file, line, column)
                         for x in XREF.finditer(text)
                         if not x.start() or not (text[x.start() - 1].isalnum()
                                                  or text[x.start() - 1] in "_.@-")]
            if "[^" in text:
                # a note is defined in the same text (a summary's notes follow it); in a
                # one-line text (a key message, a title) a reference is never printed
                lines = text.split("\n")
                defined = {found[1] for row in lines if (found := _NOTE_DEF.match(row))}
                for row in lines:
                    for ref_ in _NOTE_REF.finditer(row):
                        if ref_[1] not in defined and not _NOTE_DEF.match(row[:ref_.end() + 1]):
                            col.add(Diagnostic(
                                entry.source.file, line, column, "error",
                                f"footnote `[^{ref_[1]}]` has no definition in this text",
                                f"add a line `[^{ref_[1]}]: the note's text` after it, in a "
                                "text of several paragraphs such as a summary; or write the "
                                "note in words"))
    for ref in refs:
        if ref.label not in labels:
            col.add(Diagnostic(ref.file, ref.line, ref.col, "error",
                               f"cross-reference `@{ref.label}` names no label",
                               did_you_mean(ref.label, labels) or "label a figure "
                               "`![…](…){#fig-name}`, a table's caption `: Caption "
                               "{#tbl-name}` or a heading `## Title {#sec-name}`"))
    for cite in cites:
        if cite.label not in sources:
            col.add(Diagnostic(cite.file, cite.line, cite.col, "error",
                               f"citation `[@{cite.label}]` names no source",
                               did_you_mean(cite.label, sources) or "add it to `sources:` in "
                               "content/briefing.yaml, with its `id` and `text`"))
    if b.citations == "author-date":  # the text prints each cited source's author and year
        first = {cite.label: cite for cite in reversed(cites)}
        for id_, (entry, i, lacking) in undated.items():
            if id_ in first:
                what = " and ".join(f"`{key}`" for key in lacking)
                col.add(entry.error(("sources", i), f"source `{id_}` has no {what}: "
                                    "`citations: author-date` cites it as (Author Year)",
                                    f"add {what} to it; it is cited at {first[id_].file}:"
                                    f"{first[id_].line}:{first[id_].col}"))
    return labels, [r for r in refs if r.label in labels]


def _texts_of(node: Any, path: tuple[Any, ...] = ()) -> Iterable[tuple[tuple[Any, ...], str]]:
    """(path, text) of every string value of a YAML document."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _texts_of(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _texts_of(value, (*path, i))
    elif isinstance(node, str):
        yield path, node


def _label_in(braces: str, kind: str, at: Mention, col: _Collector) -> str | None:
    """The label of ``{#fig-x}`` after an image (heading, caption), or None with an error:
    content is data, so nothing but a label may be written in braces there."""
    found = LABEL.fullmatch(braces)
    if not found:
        col.add(Diagnostic(at.file, at.line, at.col, "error",
                           f"only a label like `{{#{_LABEL_PREFIX[kind]}name}}` may follow "
                           f"{_WHAT[kind]} in braces, not `{excerpt(braces)}`",
                           "classes, sizes and other attributes are not supported: "
                           "the stylesheet decides how things look"))
        return None
    label = found[1]
    if not label.startswith(_LABEL_PREFIX[kind]):
        col.add(Diagnostic(at.file, at.line, at.col, "error",
                           f"the label of {_WHAT[kind]} starts with `{_LABEL_PREFIX[kind]}`: "
                           f"`{braces}`", f"write {{#{_LABEL_PREFIX[kind]}"
                           f"{label.split('-', 1)[-1]}}}"))
        return None
    return label


def _cross_check(root: Path, briefing: Entry[m.Briefing], partners: list[Entry[m.Partner]],
                 collaborations: list[tuple[str, Entry[m.Collaboration]]],
                 sections: list[Section], audiences: dict[str, Entry[m.Audience]],
                 col: _Collector, partners_complete: bool = True) -> list[ChartData]:
    content = root / "content"
    b = briefing.model
    levels = list(b.classification.levels)
    home = b.home.code

    # the scheme itself
    for i, level in enumerate(levels):
        if level in levels[:i]:
            col.add(briefing.error(("classification", "levels", i),
                                   f"level `{level}` appears twice"))
    if b.classification.default and b.classification.default not in levels:
        col.add(briefing.error(("classification", "default"),
                               f"`{b.classification.default}` is not one of the levels",
                               did_you_mean(b.classification.default, levels)))
    for level, abbrev in (b.classification.abbreviations or {}).items():
        if level not in levels:
            col.add(briefing.error(("classification", "abbreviations", level),
                                   f"`{level}` is not one of the levels",
                                   did_you_mean(level, levels), key=True))
        elif not abbrev.strip():
            col.add(briefing.error(("classification", "abbreviations", level),
                                   "an abbreviation cannot be empty"))

    # the project's vocabulary: declared kinds and categories, or the built-in ones
    vocabulary: dict[str, list[str]] = {}
    for key, builtin in (("collaboration_kinds", m.KINDS), ("benefit_categories",
                                                             m.CATEGORIES)):
        terms = getattr(b, key)
        words: list[str] = []
        for i, term in enumerate(terms or ()):
            if term.id in words:
                col.add(briefing.error((key, i, "id"), f"`{term.id}` appears twice in `{key}`"))
            words.append(term.id)
        vocabulary[key] = words or list(builtin)

    def check_word(entry: Entry[Any], path: tuple[Any, ...], value: str, key: str,
                   name: str) -> None:
        words = vocabulary[key]
        if value not in words:
            listed = "one of " + ", ".join(words[:-1]) + f" or {words[-1]}" \
                if len(words) > 1 else words[0]
            col.add(entry.error(path, f"`{value}` is not a valid {name}: expected {listed}",
                                did_you_mean(value, words)
                                or f"a project may declare its own in `{key}:` of "
                                   "content/briefing.yaml"))

    for _, c in collaborations:
        check_word(c, ("kind",), c.model.kind, "collaboration_kinds", "kind")
        for i, benefit in enumerate(c.model.benefits):
            check_word(c, ("benefits", i, "category"), benefit.category,
                       "benefit_categories", "category")

    # partners
    codes: list[str] = []
    for p in partners:
        code = p.model.code
        if code in codes:
            col.add(p.error(("code",), f"duplicate partner code `{code}`"))
        if code == home:
            col.add(p.error(("code",), f"`{code}` is the home nation's code, not a partner"))
        codes.append(code)
        if p.model.flag:
            _content_file(p.model.flag, content, p, ("flag",), col, "flag")
    known = sorted(set(codes))
    # With partners.yaml broken, every code would look unknown: report only its own errors.
    unknown = (lambda code: code not in known) if partners_complete else (lambda code: False)

    default = b.classification.default or levels[0]

    def check_marking(entry: Entry[Any], path: tuple[Any, ...], marking: str | None,
                      releasable: list[str] | tuple[str, ...] | None) -> None:
        if releasable and (marking or default) == levels[0]:
            col.add(entry.error((*path, "releasable_to"), f"releasable_to has no effect on an "
                                f"item at {levels[0]}: it is releasable to all",
                                "give the item a higher marking, or remove releasable_to",
                                key=True, severity="warning"))
        if marking is not None and marking not in levels:
            col.add(entry.error((*path, "marking"), f"unknown marking `{excerpt(marking)}`",
                                did_you_mean(marking, levels) or f"levels: {', '.join(levels)}"))
        for j, code in enumerate(releasable or ()):
            if code != "ALL" and code != home and unknown(code):
                col.add(entry.error((*path, "releasable_to", j),
                                    f"unknown partner `{excerpt(code)}` in releasable_to",
                                    did_you_mean(code, [*known, "ALL"])
                                    or f"known partners: {', '.join(known) or 'none'}, or ALL"))

    def check_items(entry: Entry[Any], path: tuple[Any, ...], items: list[Any]) -> None:
        for j, item in enumerate(items):
            check_marking(entry, (*path, j), item.marking, item.releasable_to)

    def check_notes(entry: Entry[Any], path: tuple[Any, ...], notes: list[m.Note]) -> None:
        # `notes` is one note or a list of them: point into the list only when it is one
        node = entry.node
        for step in path:
            node = node.get(step) if isinstance(node, dict) else \
                node[step] if isinstance(node, list) and isinstance(step, int) else None
        for j, note in enumerate(notes):
            at = (*path, j) if isinstance(node, list) else path
            if note.marking is not None or note.releasable_to:
                check_marking(entry, at, note.marking, note.releasable_to)

    for p in partners:
        check_marking(p, (), p.model.marking, p.model.releasable_to)

    # briefing items
    check_items(briefing, ("key_messages",), b.key_messages)
    check_items(briefing, ("recommendations",), b.recommendations)
    _walk_texts(briefing, col, content)

    # collaborations
    seen: dict[str, str] = {}
    for cid, c in collaborations:
        if cid in seen:
            col.add(c.error(("id",) if c.model.id else (),
                            f"duplicate collaboration id `{cid}` (also in {seen[cid]})"))
        seen.setdefault(cid, c.source.file)
        if c.model.since is not None and c.model.until is not None \
                and c.model.until < c.model.since:
            col.add(c.error(("until",), f"`until` {c.model.until} is before `since` "
                                        f"{c.model.since}",
                            "`until` is the year the collaboration ended or ends"))
        check_marking(c, (), c.model.marking, c.model.releasable_to)
        for j, code in enumerate(c.model.partners):
            if unknown(code):
                col.add(c.error(("partners", j), f"unknown partner `{code}`",
                                _home_hint(code, home) or did_you_mean(code, known)
                                or f"known partners: {', '.join(known) or 'none'}"))
        check_items(c, ("benefits",), c.model.benefits)
        check_items(c, ("metrics",), c.model.metrics)
        check_notes(c, ("notes",), c.model.notes)
        _walk_texts(c, col, content)

    # sections
    for s in sections:
        front = s.front
        check_marking(s.main.entry, (), front.marking, front.releasable_to)
        check_items(s.main.entry, ("key_points",), front.key_points)
        check_notes(s.main.entry, ("notes",), front.notes)
        _walk_texts(s.main.entry, col, content)
        for sf in [s.main, *s.translations.values()]:
            for part in sf.parts:
                for block in part.blocks:
                    _check_block(block, levels, known if partners_complete else None, home,
                                 col)
        for lang, t in s.translations.items():
            tm: m.SectionTranslationFront = t.entry.model  # type: ignore[assignment]
            check_items(t.entry, ("key_points",), tm.key_points)
            _walk_texts(t.entry, col, content)
            for key in ("marking", "releasable_to", "length"):
                if getattr(tm, key) is not None and getattr(tm, key) != getattr(front, key):
                    col.add(t.entry.error((key,), f"`{key}` of a translation is ignored: it "
                                                  f"comes from sections/{s.id}.md",
                                          "remove it from the translation", key=True,
                                          severity="warning"))
            if len(tm.key_points) != len(front.key_points):
                col.add(t.entry.error(("key_points",), f"the {lang} translation has "
                                      f"{len(tm.key_points)} key points, sections/{s.id}.md "
                                      f"has {len(front.key_points)}",
                                      "translate each key point, in the same order"))
            if len(tm.notes) != len(front.notes):  # notes take the original's markings
                col.add(t.entry.error(("notes",), f"the {lang} translation has "
                                      f"{len(tm.notes)} speaker notes, sections/{s.id}.md "
                                      f"has {len(front.notes)}",
                                      "translate each note, in the same order; markings "
                                      "come from the original"))
            main_blocks = [p.blocks for p in s.main.parts if p.blocks]
            t_blocks = [p.blocks for p in t.parts if p.blocks]
            # (a refused `:::` line in either file is reported there; counting the blocks
            # it left would add a second, wrong error)
            if s.main.fences_ok and t.fences_ok and len(main_blocks) != len(t_blocks):
                col.add(t.entry.error((), f"the {lang} translation has {len(t_blocks)} marked "
                                      f"parts, sections/{s.id}.md has {len(main_blocks)}",
                                      "keep the same ::: blocks as the original"))

    # charts
    charts: list[ChartData] = []
    chart_ids: list[str] = []
    for i, chart in enumerate(b.charts):
        path = ("charts", i)
        if chart.id in chart_ids:
            col.add(briefing.error((*path, "id"), f"duplicate chart id `{chart.id}`"))
        chart_ids.append(chart.id)
        check_marking(briefing, path, chart.marking, chart.releasable_to)
        check_notes(briefing, (*path, "notes"), chart.notes)
        data_path = _content_file(chart.data, content, briefing, (*path, "data"), col,
                                  "data file")
        if data_path is None:
            continue
        table = _read_csv(data_path, col)
        if table is None:
            continue
        categories, columns = table
        for j, name in enumerate(chart.series or ()):
            if name not in columns:
                col.add(briefing.error((*path, "series", j),
                                       f"series `{name}` is not a column of {chart.data}",
                                       did_you_mean(name, columns)
                                       or f"columns: {', '.join(columns)}"))
        if chart.type == "pie" and any(v < 0 for values in columns.values() for v in values):
            col.add(briefing.error((*path, "type"), "a pie chart cannot show negative values"))
        elif chart.type == "pie" and not pie_total(categories, columns, chart.series) > 0:
            col.add(briefing.error((*path, "data"), f"a pie chart needs values that add up "
                                   f"to more than 0, and those of {chart.data} do not",
                                   "draw it as a bar chart, or leave the chart out"))
        charts.append(ChartData(briefing, path, categories, columns))

    # audiences
    for name, a in audiences.items():
        am = a.model
        if am.clearance not in levels:
            col.add(a.error(("clearance",), f"unknown clearance `{am.clearance}`",
                            did_you_mean(am.clearance, levels) or f"levels: {', '.join(levels)}"))
        if am.country and am.country != home and unknown(am.country):
            col.add(a.error(("country",), f"unknown country `{am.country}`",
                            did_you_mean(am.country, known)
                            or f"known partners: {', '.join(known)}; omit it for {home}"))
        for j, code in enumerate(am.partners):
            if unknown(code):
                col.add(a.error(("partners", j), f"unknown partner `{code}`",
                                _home_hint(code, home) or did_you_mean(code, known)
                                or f"known partners: {', '.join(known) or 'none'}"))
        if am.theme.logo:
            _content_file(am.theme.logo, content, a, ("theme", "logo"), col, "logo")
        _check_theme_page(am.theme, content, a, col)
        if b.charts:  # the theme's two colours draw the first two series of every chart
            key = "accent" if "accent" in am.theme.model_fields_set else "primary"
            for problem in theme_colour_problems(am.theme):
                col.add(a.error(("theme", key), problem,
                                "choose one dark colour and one light one",
                                severity="warning"))
        tags = {t for _, c in collaborations for t in c.model.tags}
        for key in ("include_tags", "exclude_tags"):
            for j, tag in enumerate(getattr(am, key)):
                if tag not in tags:
                    col.add(a.error((key, j), f"no collaboration has the tag `{excerpt(tag)}`",
                                    did_you_mean(tag, sorted(tags)), severity="warning"))
        if name.startswith("_"):
            col.add(a.error((), f"audience names cannot start with `_` ({name})"))
    return charts


def _check_block(block: Block, levels: list[str], known: list[str] | None, home: str,
                 col: _Collector) -> None:
    if block.marking is None:
        col.add(Diagnostic(block.file, block.line, block.col, "error",
                           "a marked block needs `marking=LEVEL`"))
    elif block.marking and block.marking not in levels:  # "" was reported when parsed
        col.add(Diagnostic(block.file, block.line, block.col, "error",
                           f"unknown marking `{excerpt(block.marking)}`",
                           did_you_mean(block.marking, levels) or f"levels: {', '.join(levels)}"))
    for code in block.releasable_to or ():
        if known is not None and code != "ALL" and code != home and code not in known:
            col.add(Diagnostic(block.file, block.line, block.col, "error",
                               f"unknown partner `{excerpt(code)}` in releasable_to",
                               did_you_mean(code, [*known, "ALL"])
                               or f"known partners: {', '.join(known)}, or ALL"))
