"""The output formats: one :class:`Format` per kind of file, registered in :data:`REGISTRY`.

Everything that depends on the format reads this table: the CLI's ``-f`` choices, the
``formats:`` key of an audience profile, the build (file names, rendering, scheduling),
the build cache's list of files a renderer reads, ``briefgen check``'s template checks
and the release gate. Adding a format is one :class:`Format` here and one renderer under
``generator/render/`` (see docs/design.md, "A new output format").

This module imports no renderer: each ``render`` function imports its renderer when
called, so ``briefgen --help`` never loads WeasyPrint, python-pptx or python-docx.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import verify
from .edition import BRIEF_SHOWN, DECK_SHOWN, Edition
from .errors import Diagnostic
from .inputs import brief_files, deck_files, docx_files

if TYPE_CHECKING:
    from .templates import TemplateSet

#: ``render(edition, templates, warnings) -> bytes``; appends warnings as plain text.
Renderer = Callable[[Edition, "TemplateSet", list[str]], bytes]
#: ``check(data, edition, path) -> findings``: the release gate (generator/verify.py).
Check = Callable[[bytes, Edition, str], list[str]]
#: The files rendering may read, for the build cache: ``(edition, templates, images)``
#: where ``images`` is :func:`generator.inputs.image_files` when already known.
Reads = Callable[[Edition, "TemplateSet", "list[Path] | None"], list[Path]]
#: ``check_templates(templates)``: problems in the templates ``briefgen check`` reports.
TemplateCheck = Callable[["TemplateSet"], list[Diagnostic]]


@dataclass(frozen=True)
class Format:
    """One output format."""

    name: str  # as in ``-f`` and ``formats:``, e.g. "pdf"
    file_name: str  # in OUT/AUDIENCE/, e.g. "brief.pdf"
    media_type: str
    templates: str  # the template kind it reads: "brief" (Jinja + CSS), "deck", "docx"
    shown: Mapping[str, frozenset[str]]  # by length: the Edition parts it prints
    render: Renderer
    check: Check
    reads: Reads
    check_templates: TemplateCheck
    cost: int = 0  # relative render cost: the costliest jobs are started first


# -- renderers, imported when called ------------------------------------------------------


def _render_pdf(edition: Edition, templates: TemplateSet, warnings: list[str]) -> bytes:
    from .render.brief import render_brief

    return render_brief(edition, templates, warnings=warnings)


def _render_html(edition: Edition, templates: TemplateSet, warnings: list[str]) -> bytes:
    from .render.brief import brief_html

    return brief_html(edition, templates, warnings=warnings)


def _render_pptx(edition: Edition, templates: TemplateSet, warnings: list[str]) -> bytes:
    from .render.deck import render_deck

    return render_deck(edition, templates)


def _render_docx(edition: Edition, templates: TemplateSet, warnings: list[str]) -> bytes:
    from .render.docx import render_docx

    return render_docx(edition, templates, warnings=warnings)


# -- template checks for `briefgen check` ---------------------------------------------------


def _check_brief_templates(templates: TemplateSet) -> list[Diagnostic]:
    from .templates import check_brief_templates

    return check_brief_templates(templates)


def _check_master(templates: TemplateSet) -> list[Diagnostic]:
    from .master import check_master  # imports python-pptx: only for decks

    return check_master(templates)


def _check_reference(templates: TemplateSet) -> list[Diagnostic]:
    from .render.docx import check_reference  # imports python-docx: only for DOCX

    return check_reference(templates)


REGISTRY: dict[str, Format] = {
    fmt.name: fmt for fmt in (
        Format("pdf", "brief.pdf", "application/pdf", "brief", BRIEF_SHOWN, _render_pdf,
               verify.check_pdf, brief_files, _check_brief_templates, cost=2),
        Format("pptx", "deck.pptx",
               "application/vnd.openxmlformats-officedocument.presentationml.presentation",
               "deck", DECK_SHOWN, _render_pptx, verify.check_deck, deck_files,
               _check_master),
        Format("html", "brief.html", "text/html", "brief", BRIEF_SHOWN, _render_html,
               verify.check_html, brief_files, _check_brief_templates, cost=1),
        Format("docx", "brief.docx",
               "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
               "docx", BRIEF_SHOWN, _render_docx, verify.check_docx, docx_files,
               _check_reference),
    )
}
#: The formats an audience receives when its profile names none (DOCX is opt-in).
DEFAULT_FORMATS: tuple[str, ...] = ("pdf", "pptx", "html")


def get_format(name: str) -> Format:
    """The format called ``name`` (a KeyError for an unknown one: names are validated
    where they are read, in the profile and on the command line)."""
    return REGISTRY[name]


def format_names() -> tuple[str, ...]:
    """Every format's name, in the table's order."""
    return tuple(REGISTRY)


def file_names() -> dict[str, str]:
    """Format name -> its file name."""
    return {fmt.name: fmt.file_name for fmt in REGISTRY.values()}


def format_of(file_name: str) -> str | None:
    """The format whose file is called ``file_name``, if any."""
    return next((f.name for f in REGISTRY.values() if f.file_name == file_name), None)
