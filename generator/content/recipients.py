"""The recipients of an audience's numbered copies: inline in the profile, or a CSV file.

``recipients:`` in ``templates/audiences/NAME.yaml`` is a list of ``{name, organisation,
email}`` (validated by :class:`generator.content.models.Recipient`) or the path of a CSV
file under ``content/`` with the columns ``name``, ``organisation`` and, optionally,
``email``. Either way every problem is reported at its ``FILE:LINE:COL``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import Diagnostic, did_you_mean
from ..limits import excerpt
from ..limits import hint as limit_hint
from . import models as m

if TYPE_CHECKING:
    from .loader import Entry, _Collector

COLUMNS = ("name", "organisation", "email")
_EMAIL = re.compile(r"^[^@\s=+-][^@\s]*@[^@\s]+$")  # (not a spreadsheet formula's start)
_LONGEST = {"name": 60, "organisation": 60, "email": 254}


def read_recipients(content: Path, audiences: dict[str, Entry[m.Audience]], col: _Collector
                    ) -> dict[str, tuple[m.Recipient, ...]]:
    """Each audience's recipients, in the order given (copy 1 first); problems go to
    ``col``."""
    found: dict[str, tuple[m.Recipient, ...]] = {}
    for name, entry in audiences.items():
        given = entry.model.recipients
        if given is None:
            continue
        if isinstance(given, str):
            people = _from_csv(given, content, entry, col)
            if people is None:
                continue
        else:
            people = list(given)
            seen: dict[tuple[str, str], int] = {}
            for i, person in enumerate(people):
                for key in ("name", "organisation"):
                    problem = _text_problem(getattr(person, key))
                    if problem:
                        col.add(entry.error(("recipients", i, key), problem[0], problem[1]))
                same = (person.name.casefold(), person.organisation.casefold())
                if same in seen:
                    col.add(entry.error(("recipients", i), f"{person.name}, "
                                        f"{person.organisation} is listed twice (also "
                                        f"recipient {seen[same] + 1})",
                                        "each recipient gets one numbered copy"))
                seen.setdefault(same, i)
        if not people:
            col.add(entry.error(("recipients",), "no recipients are listed",
                                "name at least one, or remove `recipients`"))
            continue
        if len(people) > col.limits.recipients:
            col.add(entry.error(("recipients",), f"{len(people):,} recipients, more than "
                                f"{col.limits.recipients:,}",
                                limit_hint("recipients", col.limits.recipients)))
            continue
        found[name] = tuple(people)
    return found


def _text_problem(text: str) -> tuple[str, str] | None:
    """Why a name or organisation cannot be printed on a copy line, if it cannot."""
    from ..copies import unprintable

    if not text.strip():
        return "is empty", "write the name as it should be printed"
    if any(c in text for c in "\r\n\t"):
        return "holds a line break or tab", "a copy line is one line"
    if text.lstrip()[:1] in ("=", "+", "-", "@"):
        # the distribution register is a CSV file a releasing officer opens in a
        # spreadsheet, which would run such a cell as a formula (CSV injection)
        return (f"`{excerpt(text)}` starts with `{text.lstrip()[0]}`",
                "a spreadsheet opening the distribution register would run it as a "
                "formula: begin it with a letter or digit")
    missing = unprintable(text)
    if missing:
        shown = " ".join(c if c.isprintable() else f"U+{ord(c):04X}" for c in missing)
        return (f"`{excerpt(text)}` holds characters the copy line's fonts cannot print: "
                f"{shown}", "copy lines are printed in Liberation Sans (Latin, Greek, "
                "Cyrillic and Hebrew letters) and Noto Sans Arabic (Arabic script), without "
                "direction controls")
    return None


def _from_csv(value: str, content: Path, entry: Entry[m.Audience], col: _Collector
              ) -> list[m.Recipient] | None:
    from .loader import _column, _content_file, csv_rows

    path = _content_file(value, content, entry, ("recipients",), col, "recipients file")
    if path is None:
        return None
    rel = col.rel(path)
    read = csv_rows(path, col, col.limits.recipients, "recipients",
                    f"more than {col.limits.recipients:,} recipients",
                    ("the recipients file is empty",
                     "first row: name,organisation,email; then one row per recipient"))
    if read is None:
        return None
    raw_lines, rows = read
    header_line, header = rows[0]
    names = [cell.strip().lower() for cell in header]
    ok = True
    for i, heading in enumerate(names):
        where = (rel, header_line, _column(raw_lines, header_line, i))
        if heading not in COLUMNS:
            col.add(Diagnostic(*where, "error", f"unknown column `{excerpt(heading)}`",
                               did_you_mean(heading, list(COLUMNS))
                               or "columns: name, organisation, email (optional)"))
            ok = False
        elif heading in names[:i]:
            col.add(Diagnostic(*where, "error", f"duplicate column `{heading}`"))
            ok = False
    for needed in ("name", "organisation"):
        if needed not in names:
            col.add(Diagnostic(rel, header_line, 1, "error", f"no `{needed}` column",
                               "first row: name,organisation,email"))
            ok = False
    if not ok:
        return None
    people: list[m.Recipient] = []
    seen: dict[tuple[str, str], int] = {}
    for lineno, row in rows[1:]:
        if len(row) != len(names):
            col.add(Diagnostic(rel, lineno, 1, "error",
                               f"row has {len(row)} values, the heading has {len(names)}"))
            ok = False
            continue
        values: dict[str, Any] = {}
        for i, heading in enumerate(names):
            cell = row[i].strip()
            problem = _cell_problem(heading, cell)
            if problem:
                col.add(Diagnostic(rel, lineno, _column(raw_lines, lineno, i), "error",
                                   f"{heading}: {problem[0]}", problem[1]))
                ok = False
            elif cell:
                values[heading] = cell
        if "name" in values and "organisation" in values:
            key = (values["name"].casefold(), values["organisation"].casefold())
            if key in seen:
                col.add(Diagnostic(rel, lineno, 1, "error",
                                   f"{values['name']}, {values['organisation']} is listed "
                                   f"twice (also on line {seen[key]})",
                                   "each recipient gets one numbered copy"))
                ok = False
            seen.setdefault(key, lineno)
            people.append(m.Recipient(**values))
    return people if ok else None


def _cell_problem(heading: str, cell: str) -> tuple[str, str] | None:
    if heading == "email":
        if cell and not _EMAIL.match(cell):
            return f"`{excerpt(cell)}` is not an e-mail address", "leave it empty if unknown"
    elif not cell:
        article = "an" if heading[0] in "aeiou" else "a"
        return "is empty", f"every recipient needs {article} {heading}"
    if len(cell) > _LONGEST[heading]:
        return (f"is {len(cell)} characters long, more than {_LONGEST[heading]}",
                "a copy line must fit one line of the page")
    if heading != "email":
        return _text_problem(cell)
    return None
