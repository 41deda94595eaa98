"""Diagnostics and the small exception tree.

A user's mistake is a :class:`Diagnostic` (``FILE:LINE:COL: error: MESSAGE``), never a
traceback. Stages collect every diagnostic they find and raise one :class:`BriefgenError`
subclass carrying all of them at the end.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem in the user's files. ``line``/``col`` are 1-based; 0 means unknown."""

    file: str  # relative to the project folder, with forward slashes
    line: int
    col: int
    severity: Severity
    message: str
    hint: str = ""

    def format(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}"
            if self.col:
                where += f":{self.col}"
        # a problem of no file (the command line, a folder given to init) has no place
        text = f"{where}: {self.severity}: {self.message}" if where else \
            f"{self.severity}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text

    def as_json(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "col": self.col,
            "severity": self.severity,
            "message": self.message,
            "hint": self.hint,
        }


class BriefgenError(Exception):
    """Base of every error briefgen reports to a user."""

    def __init__(self, diagnostics: Iterable[Diagnostic] | str) -> None:
        if isinstance(diagnostics, str):
            diagnostics = [Diagnostic("", 0, 0, "error", diagnostics)]
        self.diagnostics: list[Diagnostic] = sorted(set(diagnostics))
        super().__init__("\n".join(d.format() for d in self.diagnostics))

    def __reduce__(self) -> tuple[type[BriefgenError], tuple[list[Diagnostic]]]:
        # Build workers send errors back through pickle: keep the diagnostics whole.
        return (type(self), (self.diagnostics,))


class ContentError(BriefgenError):
    """The project's content or audience files are invalid."""


class TemplateError(BriefgenError):
    """A template (HTML, CSS, master.pptx, layouts.yaml) is missing or broken."""


class RenderError(BriefgenError):
    """Rendering failed for a reason in the project's files (e.g. a refused URL)."""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A hint for a near miss: ``did you mean `summary`?``, or ``""``."""
    choices = list(choices)
    same = [c for c in choices if c.casefold() == word.casefold()]  # `secret` for `SECRET`
    close = same or difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"did you mean `{close[0]}`?" if close else ""


class UsageProblem(BriefgenError):
    """The command line names something the project does not have (exit status 2)."""
