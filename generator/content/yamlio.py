"""Reading the user's files strictly: UTF-8, no control characters, YAML 1.2 with positions.

Every problem becomes a :class:`~generator.errors.Diagnostic` pointing at the offending
byte, key or value. YAML anchors, aliases and tags are refused (content is data, and an
alias makes one edit change many places silently); duplicate keys are refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import pickle
import re
import stat
from collections.abc import Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    NodeEvent,
    ScalarEvent,
)

from ..errors import Diagnostic
from ..limits import DEFAULT
from ..limits import hint as limit_hint

# C0 controls except tab/newline, DEL, C1 controls, and U+FFFE/U+FFFF (which XML, and so
# the PDF's and the deck's text, cannot hold). A CR is allowed only in CRLF.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202d\u202e\ufffe\uffff]"
                      "|\r(?!\n)")
# The same in a value a double-quoted YAML string spells with escapes ("\x01", "\uffff",
# "\N"), and half of a surrogate pair ("\ud800"), which no encoding can write.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202d\u202e\ufffe\uffff"
                         "\ud800-\udfff]|\r(?!\n)")


# Anchors, aliases and tags can only start after a space, a line start or a flow bracket.
_MAYBE_SPECIAL = re.compile(r"(?:^|[\s\[\{,])[&*!]", re.MULTILINE)


class FileProblems(Exception):
    """Raised by the readers with every diagnostic found in one file."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("; ".join(d.format() for d in diagnostics))
        self.diagnostics = diagnostics


def _error(file: str, line: int, col: int, message: str, hint: str = "") -> Diagnostic:
    return Diagnostic(file, line, col, "error", message, hint)


def read_bytes(path: Path, rel: str, max_bytes: int, hint: str) -> bytes:
    """A user's file, at most ``max_bytes`` long, which must be a regular file.

    Opened without blocking and checked on the open descriptor: a FIFO, device or socket
    (which would hang the build or never end) is refused, and a file over the limit is
    refused from its size before it is read.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise FileProblems([_error(rel, 1, 1, "not a regular file (a pipe, device or "
                                       "socket)", "only regular files are read")])
        if info.st_size > max_bytes:
            raise FileProblems([too_large(rel, info.st_size, max_bytes, hint)])
        # in pieces: `read(max_bytes + 1)` would allocate the whole limit at once (a
        # project may raise it far), and the file may have grown since fstat
        pieces: list[bytes] = []
        total = 0
        while total <= max_bytes:
            piece = file.read(min(1 << 20, max_bytes + 1 - total))
            if not piece:
                break
            pieces.append(piece)
            total += len(piece)
        data = b"".join(pieces)
    if len(data) > max_bytes:
        raise FileProblems([too_large(rel, len(data), max_bytes, hint)])
    return data


def too_large(rel: str, size: int, max_bytes: int, hint: str, line: int = 1,
              col: int = 1) -> Diagnostic:
    return _error(rel, line, col, f"file is too large: {size:,} bytes, more than "
                  f"{max_bytes:,}", hint)


def read_text(path: Path, rel: str, max_bytes: int = DEFAULT.file_bytes,
              hint: str = "") -> str:
    """A user's text file: strict UTF-8 (a BOM is allowed), no control characters.

    CRLF line endings are accepted and normalised to LF.
    """
    data = read_bytes(path, rel, max_bytes, hint or limit_hint("file_bytes", max_bytes))
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        message = f"file is not UTF-8 (byte 0x{data[exc.start]:02x})"
        raise FileProblems([_error(rel, line, col, message,
                                   "save the file with UTF-8 encoding")]) from None
    problems = []
    for match in _CONTROL.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        col = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
        char = match.group()[0]
        problems.append(_error(rel, line, col, _character_message(char),
                               _OVERRIDE_HINT if char in _OVERRIDES
                               else "only tab and newline are allowed"))
    if problems:
        raise FileProblems(problems)
    return text.replace("\r\n", "\n")


# The bidirectional overrides force the order of the letters after them (so that text
# reads other than it is written: "Trojan Source"); no language needs them. The marks
# U+200E/U+200F and the embeddings and isolates stay allowed.
_OVERRIDES = {"\u202d": "LEFT-TO-RIGHT OVERRIDE", "\u202e": "RIGHT-TO-LEFT OVERRIDE"}
_OVERRIDE_HINT = ("it makes the text after it read in another order than it is written: "
                  "delete it; U+200F RIGHT-TO-LEFT MARK sets the direction of a neutral "
                  "character")


def _character_message(ch: str) -> str:
    if ch in _OVERRIDES:
        return f"character U+{ord(ch):04X} ({_OVERRIDES[ch]}) in text"
    kind = "control character" if ord(ch) < 0xA0 else "character"
    return f"{kind} U+{ord(ch):04X} in text"


@dataclass(frozen=True)
class Source:
    """Where a YAML document came from: positions of nodes map back to the file."""

    file: str  # relative to the project
    line_offset: int = 0  # lines before the YAML text in the file (front matter)

    def at(self, node: Any, path: tuple[Any, ...] = (), *, key: bool = False) -> tuple[int, int]:
        """1-based (line, col) of ``node[path...]``; of the key itself when ``key``."""
        line, col = _position(node, path, key)
        return line + 1 + self.line_offset, col + 1

    def error(self, node: Any, path: tuple[Any, ...], message: str, hint: str = "",
              *, key: bool = False, severity: str = "error") -> Diagnostic:
        line, col = self.at(node, path, key=key)
        return Diagnostic(self.file, line, col, severity, message, hint)  # type: ignore[arg-type]


def _position(node: Any, path: tuple[Any, ...], key: bool) -> tuple[int, int]:
    """0-based position of the deepest node of ``path`` that exists."""
    pos = _start(node)
    for i, step in enumerate(path):
        last = i == len(path) - 1
        if isinstance(node, CommentedMap) and step in node:
            if last and key:
                return tuple(node.lc.key(step))  # type: ignore[return-value]
            pos = tuple(node.lc.value(step))  # type: ignore[assignment]
            node = node[step]
        elif isinstance(node, CommentedSeq) and isinstance(step, int) and 0 <= step < len(node):
            pos = tuple(node.lc.item(step))  # type: ignore[assignment]
            node = node[step]
        else:
            break
    return pos


def _start(node: Any) -> tuple[int, int]:
    lc = getattr(node, "lc", None)
    if lc is not None and lc.line is not None:
        return (lc.line, lc.col)
    return (0, 0)


class _Constructor(RoundTripConstructor):  # type: ignore[misc]
    """ruamel's, except that a scalar it cannot make into its value — a date that is no
    day of the calendar (`2026-13-45`), a whole number of more than 4,300 digits, `+_` or
    `._` (which ruamel's rules take for numbers) — stays
    the text it is, for the models to refuse at its position (ruamel raised ValueError)."""

    def construct_yaml_timestamp(self, node: Any, values: Any = None) -> Any:
        try:
            return super().construct_yaml_timestamp(node, values)
        except ValueError:
            return self.construct_scalar(node)

    def construct_yaml_int(self, node: Any) -> Any:
        try:
            return super().construct_yaml_int(node)
        except (ValueError, IndexError):  # IndexError: `+_`, which ruamel's rule calls a number
            return self.construct_scalar(node)

    def construct_yaml_float(self, node: Any) -> Any:
        try:
            return super().construct_yaml_float(node)
        except (ValueError, IndexError):  # `._`
            return self.construct_scalar(node)


_Constructor.add_constructor("tag:yaml.org,2002:timestamp",
                             _Constructor.construct_yaml_timestamp)
_Constructor.add_constructor("tag:yaml.org,2002:int", _Constructor.construct_yaml_int)
_Constructor.add_constructor("tag:yaml.org,2002:float", _Constructor.construct_yaml_float)


def _yaml() -> YAML:
    yaml = YAML(typ="rt")  # round-trip: keeps line/column of every node; YAML 1.2 rules
    yaml.allow_duplicate_keys = False
    yaml.Constructor = _Constructor
    return yaml


def _events(text: str) -> Iterator[Any]:
    return _yaml().parse(text)


# The start of a line: indentation and block indicators (`- `, `? `, `: `).
_LINE_PREFIX = re.compile(r"^[ \t?:-]*", re.MULTILINE)


def _depth_bound(text: str) -> int:
    """An upper bound of a YAML text's nesting, in linear time without parsing.

    A nested block collection starts further right than its parent, or on the same line
    after an indicator, or (a list in a mapping) at the same indentation once: at most two
    levels per column of a line's prefix. A flow collection needs its own bracket, and
    counting every bracket (even in quotes) only overestimates.
    """
    prefix = max((len(m.group()) for m in _LINE_PREFIX.finditer(text)), default=0)
    return 2 * prefix + 2 + text.count("[") + text.count("{")


# Documents parsed before in this process, pickled, by the hash of their text and the
# depth allowed: the preview server reloads the project on every save, and parsing (pure
# Python) costs a hundred times what unpickling does. Each caller gets its own copy.
_PARSED: dict[tuple[bytes, int], bytes] = {}
_PARSED_BYTES = 0
_PARSED_MAX_BYTES = 64 * 2**20


def load_yaml(text: str, source: Source, max_depth: int = DEFAULT.yaml_depth) -> Any:
    """Parse one YAML document. Raises :class:`FileProblems` listing every problem.

    Nesting deeper than ``max_depth`` is refused from the parser's events (which ruamel
    makes without recursion) before anything recursive builds or walks the document.
    A text parsed without a problem before is not parsed again (the positions of its
    nodes are the text's own; ``source`` places them in a file).
    """
    key = _key(text, max_depth)
    if key in _PARSED:
        return pickle.loads(_PARSED[key])
    data = _parse_yaml(text, source, max_depth)
    # kept only if it can be: the document itself is returned either way
    with suppress(pickle.PicklingError, RecursionError, MemoryError):
        remember(key, pickle.dumps(data, pickle.HIGHEST_PROTOCOL))
    return data


def _key(text: str, max_depth: int) -> tuple[bytes, int]:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest(), max_depth


def remember(key: tuple[bytes, int], parsed: bytes, budget: int | None = None) -> bool:
    """Keep ``parsed`` (a pickled document) as the parse of the text ``key`` names, the
    oldest kept first out, if it fits ``budget`` bytes (default: the cache's size);
    whether it is kept."""
    global _PARSED_BYTES
    if key in _PARSED:
        return True
    if len(parsed) > (_PARSED_MAX_BYTES if budget is None else budget):
        return False
    while _PARSED and _PARSED_BYTES + len(parsed) > _PARSED_MAX_BYTES:
        _PARSED_BYTES -= len(_PARSED.pop(next(iter(_PARSED))))
    _PARSED[key] = parsed
    _PARSED_BYTES += len(parsed)
    return True


def prefetched(results: Iterable[tuple[tuple[bytes, int], bytes] | None]) -> None:
    """Keep the parses helpers made (:func:`parse_for_cache`), in the order the loader
    will ask for them, up to half the cache: the loader's own parses push the oldest out
    first, which are then either older than these or already used, never one still to be
    asked for (a full cache filled in reading order would lose each next one)."""
    budget = _PARSED_MAX_BYTES // 2
    for result in results:
        if result is not None:
            if not remember(*result, budget=budget):
                return
            budget -= len(result[1])


def parse_for_cache(item: tuple[str, int]) -> tuple[tuple[bytes, int], bytes] | None:
    """In a helper process: the text of ``item = (text, max_depth)`` parsed and pickled,
    for the loading process to keep (:func:`prefetched`); None when the text has a
    problem, or anything else goes wrong (the loader parses it itself, and reports it)."""
    text, max_depth = item
    try:
        data = _parse_yaml(text, Source("", 0), max_depth)
        return _key(text, max_depth), pickle.dumps(data, pickle.HIGHEST_PROTOCOL)
    except Exception:  # a problem, or a fault of the parser's: the loader meets it again
        return None


def _parse_yaml(text: str, source: Source, max_depth: int) -> Any:
    problems: list[Diagnostic] = []
    try:
        # The event scan costs almost as much as loading: skip it when no `&`, `*` or `!`
        # stands where YAML could read it as an anchor, alias or tag, and the text
        # cannot nest deeper than allowed.
        deep = _depth_bound(text) > max_depth
        events = _events(text) if deep or _MAYBE_SPECIAL.search(text) else iter(())
        depth = 0
        # An alias bomb (billion laughs) has thousands of aliases: one error, at the
        # first, counts the rest rather than listing each.
        aliases = 0
        first_alias: tuple[int, int, int, str] | None = None  # index in problems, line, col, name
        for event in events:
            mark = event.start_mark
            line, col = mark.line + 1 + source.line_offset, mark.column + 1
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > max_depth:
                    raise FileProblems([_error(
                        source.file, line, col,
                        f"lists and mappings nested more than {max_depth} deep",
                        limit_hint("yaml_depth", max_depth))])
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
            if isinstance(event, AliasEvent):
                aliases += 1
                if first_alias is None:
                    first_alias = (len(problems), line, col, event.anchor)
            elif isinstance(event, NodeEvent) and event.anchor:
                problems.append(_error(source.file, line, col,
                                       f"YAML anchor `&{event.anchor}` is not allowed",
                                       "write the value out in full"))
            if isinstance(event, (ScalarEvent, CollectionStartEvent)) and _explicit_tag(event):
                tag = str(event.tag).replace("tag:yaml.org,2002:", "!!")
                problems.append(_error(source.file, line, col,
                                       f"YAML tag `{tag}` is not allowed",
                                       "content is plain data: remove the tag"))
    except MarkedYAMLError as exc:
        raise FileProblems([_syntax_error(exc, source, text)]) from None
    except YAMLError as exc:  # pragma: no cover - ruamel always marks parse errors
        raise FileProblems([_error(source.file, 1, 1, f"YAML syntax error: {exc}")]) from None
    if first_alias is not None:
        at, line, col, name = first_alias
        more = aliases - 1
        counted = f" (and {more} more {'alias' if more == 1 else 'aliases'} in this file)" \
            if more else ""
        # inserted where the alias stands among the anchors and tags: the file's order
        problems.insert(at, _error(source.file, line, col,
                                   f"YAML alias `*{name}` is not allowed{counted}",
                                   "write the value out in full"))
    if problems:
        raise FileProblems(problems)
    try:
        data = _yaml().load(text)
    except DuplicateKeyError as exc:
        mark = exc.problem_mark
        key = _duplicate_key(exc)
        raise FileProblems([_error(source.file, mark.line + 1 + source.line_offset,
                                   mark.column + 1, f"duplicate key `{key}`",
                                   "each key may appear once in a mapping")]) from None
    except MarkedYAMLError as exc:
        raise FileProblems([_syntax_error(exc, source, text)]) from None
    except TypeError:
        # ruamel cannot hash a mapping or list used as a key (`? [a, b]: x`)
        found = re.search(r"^[ \t-]*\?(?=\s|$)", text, re.MULTILINE)
        line = text.count("\n", 0, found.start()) + 1 if found else 1
        col = found.end() - found.start() if found else 1
        raise FileProblems([_error(source.file, line + source.line_offset, col,
                                   "a key must be plain text, not a list or mapping",
                                   "write `key: value`")]) from None
    if "\\" in text:  # only an escape can spell what the file's text may not hold
        problems = list(_unwritable(data, source))
        if problems:
            raise FileProblems(problems)
    return data


def _unwritable(node: Any, source: Source, path: tuple[Any, ...] = (),
                root: Any = None) -> Iterator[Diagnostic]:
    """A diagnostic for each string of a loaded document (key or value) that holds a
    character no output can: the file's text was checked before parsing, but a
    double-quoted string can spell one with an escape."""
    root = node if root is None else root
    items = node.items() if isinstance(node, dict) else \
        enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        if isinstance(key, str) and (found := _UNWRITABLE.search(key)):
            yield source.error(root, (*path, key), _character_message(found.group()[0]),
                               "remove the escape that writes it", key=True)
        if isinstance(value, str):
            if found := _UNWRITABLE.search(value):
                yield source.error(root, (*path, key), _character_message(found.group()[0]),
                                   "remove the escape that writes it")
        else:
            yield from _unwritable(value, source, (*path, key), root)


def _explicit_tag(event: Any) -> bool:
    # ruamel leaves the tag of an untagged node (plain or quoted) empty; `!x`, `!!str`
    # and the bare non-specific `!` are all written by the user
    return bool(getattr(event, "tag", None))


def _duplicate_key(exc: DuplicateKeyError) -> str:
    match = re.search(r'found duplicate key "([^"]*)"', str(exc))
    return match.group(1) if match else "?"


def _syntax_error(exc: MarkedYAMLError, source: Source, text: str = "") -> Diagnostic:
    """A YAML syntax error in the user's words: tabs, quotes left open, text with ': '
    in it, and indentation (naming the block it broke); YAML's own words otherwise."""
    mark = exc.problem_mark or exc.context_mark
    line = (mark.line + 1 + source.line_offset) if mark else 1
    col = (mark.column + 1) if mark else 1
    problem = exc.problem or exc.context or "syntax error"
    lines = text.split("\n")
    row = mark.line if mark else 0
    here = lines[row] if row < len(lines) else ""
    if "'\\t'" in problem or "'\t'" in problem:
        before = here[:mark.column] if mark else ""
        if before.strip():
            return _error(source.file, line, col, f"a tab after `{before.strip()}`",
                          "YAML separates with spaces only: replace the tab with a space")
        return _error(source.file, line, col, "a tab in the indentation",
                      "YAML indents with spaces only: replace the tab with spaces")
    cut = _comment_in_flow(lines[:row + 1])
    if cut is not None:
        at_row, at_col, opener = cut
        return _error(source.file, at_row + 1 + source.line_offset, at_col + 1,
                      f"`#` starts a comment here, so the `{opener}` before it is never "
                      "closed", 'quote a value that starts with #, such as a colour: '
                      '"#0b3d2e"')
    if exc.context == "while scanning a quoted scalar" and exc.context_mark is not None:
        opened = exc.context_mark
        quote = lines[opened.line][opened.column] if opened.line < len(lines) and \
            opened.column < len(lines[opened.line]) else '"'
        return _error(source.file, opened.line + 1 + source.line_offset, opened.column + 1,
                      f"the quote {quote} opened here is never closed",
                      f"end the text with {quote} on the same line")
    if problem == "mapping values are not allowed here" and mark is not None:
        before = here[:mark.column]
        key = re.match(r"^([ \t]*(?:-[ \t]+)?)([^:#\s][^:#]*?):[ \t]+(\S.*)$", here)
        if key and ": " in key[3] and ": " in before:
            return _error(source.file, line, col, "quote text that contains ': '",
                          f'write {key[1].strip()}{" " if key[1].strip() else ""}'
                          f'{key[2]}: "{key[3].rstrip()}"'.strip())
        return _indentation(source, lines, row)
    if problem.startswith("expected <block end>") and mark is not None:
        return _indentation(source, lines, row)
    return _error(source.file, line, col, f"YAML syntax error: {problem}")


def _comment_in_flow(lines: list[str]) -> tuple[int, int, str] | None:
    """(row, column, bracket) of the first ``#`` that starts a comment inside an open
    ``{`` or ``[`` on its line and swallows its closing bracket (``theme: {primary:
    #0b3d2e}``): YAML reports the damage only further on, often at the end of the file."""
    for row, text in enumerate(lines):
        depth: list[str] = []
        quote = ""
        for col, ch in enumerate(text):
            if quote:
                if ch == quote:
                    quote = ""
            elif ch in "\"'" and (col == 0 or text[col - 1] in " \t[{,:"):
                quote = ch
            elif ch in "[{":
                depth.append(ch)
            elif ch in "]}" and depth:
                depth.pop()
            elif ch == "#" and (col == 0 or text[col - 1] in " \t"):
                # a comment is allowed in a flow spread over lines: the mistake is one
                # that swallows the flow's closing bracket
                if depth and {"[": "]", "{": "}"}[depth[-1]] in text[col:]:
                    return row, col, depth[-1]
                break
    return None


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def _indentation(source: Source, lines: list[str], row: int) -> Diagnostic:
    """Bad indentation at ``row``, said as which block it broke and where the line
    should start."""
    def content(i: int) -> bool:
        return bool(lines[i].strip()) and not lines[i].lstrip().startswith("#")

    here = _indent(lines[row])
    above = next((i for i in range(row - 1, -1, -1) if content(i)), None)
    if above is not None and here > _indent(lines[above]):
        siblings = _indent(lines[above])
        parent = next((i for i in range(above - 1, -1, -1)
                       if content(i) and _indent(lines[i]) < siblings), None)
    else:
        parent = next((i for i in range(row - 1, -1, -1)
                       if content(i) and _indent(lines[i]) < here), None)
        first = next((i for i in range((parent if parent is not None else -1) + 1, row)
                      if content(i)), row)
        siblings = _indent(lines[first])
    line = row + 1 + source.line_offset
    spaces = "space" if here == 1 else "spaces"
    if parent is None:
        return _error(source.file, line, here + 1,
                      f"bad indentation: this line is indented {here} {spaces}, but the "
                      f"file's top-level keys start at column {siblings + 1}",
                      f"indent it by {siblings}" if siblings else "remove the spaces before it")
    name = re.match(r"^[ \t]*(?:-[ \t]+)?([^:#]*?)[ \t]*:", lines[parent])
    block = f"`{name[1]}`" if name and name[1] else f"line {parent + 1 + source.line_offset}"
    end = f", or by {_indent(lines[parent])} to end it" if here < siblings else ""
    return _error(source.file, line, here + 1,
                  f"bad indentation: this line is indented {here} {spaces}, but the block "
                  f"of {block} is indented {siblings}",
                  f"indent it by {siblings} to keep it in {block}{end}")


def plain(node: Any) -> Any:
    """The plain Python value of a ruamel node (dicts, lists, str, int, float, bool, date)."""
    if isinstance(node, dict):
        return {plain(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, str):
        return str(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, dt.datetime):
        return dt.datetime(node.year, node.month, node.day, node.hour, node.minute, node.second)
    if isinstance(node, dt.date):
        return dt.date(node.year, node.month, node.day)
    return node
