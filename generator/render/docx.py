"""The Word brief: an Edition as a ``.docx`` (python-docx) on a reference document.

The reference document (``templates/audiences/NAME/brief/reference.docx``, else
``templates/brief/reference.docx``, else python-docx's built-in default) gives the styles,
page set-up and theme, as Pandoc's ``--reference-doc`` does: its content is dropped, its
styles are used by name (``Title``, ``Subtitle``, ``Heading 1``-``3``, ``List Bullet``,
``List Continue``, ``Caption``, ``Quote`` or Pandoc's ``Block Text``, ``Table Grid`` or
Pandoc's ``Table``, ``Header``, ``Footer``). Without a list or quotation style, items are
indented and bullets written out; without a title, heading or caption style, the default
paragraph style is used, with a warning. The brief follows the PDF brief's parts and its
length policy (:func:`generator.edition.brief_parts`): cover, contents (a ``TOC`` field),
summary and key messages, sections, partners, collaborations, the benefits matrix,
figures (the charts drawn from the same data as the PDF's, as pictures),
recommendations, the annex of sources and the back page. Every header and footer of
every section carries the banner; every marked item its portion mark.

What python-docx has no API for is in :mod:`generator.render.docx_ooxml`. The package is
deterministic: dates from the Edition (or ``SOURCE_DATE_EPOCH``), fixed zip timestamps.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from functools import lru_cache
from typing import Any

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Inches, Pt, RGBColor
from markdown_it.token import Token

from generator.edition import Edition, Item, Mark, Section, brief_parts
from generator.errors import Diagnostic, RenderError, TemplateError
from generator.i18n import format_date, format_number
from generator.render import docx_ooxml as ox
from generator.render.markdown import (
    Apparatus,
    Run,
    footnote_tokens,
    inline_runs,
    parser,
    to_plain,
)
from generator.render.numbering import document_apparatus
from generator.render.typeset import smart_quote_texts
from generator.templates import TemplateSet, shown_path

#: Paragraph styles the Word brief uses, by name (as in Word's and Pandoc's documents).
PARAGRAPH_STYLES = ("Title", "Subtitle", "Heading 1", "Heading 2", "Heading 3",
                    "List Bullet", "List Bullet 2", "List Bullet 3", "List Continue",
                    "List Continue 2", "List Continue 3", "Caption", "Quote", "Header",
                    "Footer")
#: Styles with no stand-in: a reference document without them gets a warning. Lists, a
#: quotation, headers and footers have one (bullets and indents written directly; Pandoc's
#: reference document has none of Word's list styles).
WARNED_STYLES = ("Title", "Subtitle", "Heading 1", "Heading 2", "Heading 3", "Caption")
#: A style's name in Pandoc's reference document, when it differs from Word's.
ALTERNATIVES = {"Quote": "Block Text", "Table Grid": "Table"}
TABLE_STYLE = "Table Grid"
BULLETS = ("\u2022", "\u25e6", "\u25aa")  # by list depth, when no List Bullet style
LIST_INDENT_IN = 0.3  # per list depth, when no list style
BANNER_POINTS = 10.0  # the release gate asks for 7 pt or more
CHART_WIDTH_IN = 6.3  # a chart's width on the page (A4 and Letter text widths exceed it)
CHART_DPI = 192  # pixels per inch of a chart's picture
MONOSPACE = "Courier New"
LINK_BLUE = RGBColor(0x05, 0x63, 0xC1)
DEFINITION_INDENT_IN = 0.5  # a definition list's definitions
FOOTNOTE_POINTS = 9.0  # a footnote's text when the reference has no "Footnote Text"
_RTL_CHAR = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")


def open_reference(templates: TemplateSet) -> Any:
    """The reference document as a python-docx ``Document``; a file that is not one is a
    :class:`TemplateError` naming it."""
    if not templates.reference_docx:
        return Document()
    try:
        return Document(templates.reference_docx)
    except Exception as error:  # python-docx raises many kinds for a broken package
        shown = shown_path(templates.reference_docx, templates.project_root or None)
        # the library's message names the file's absolute path: only its kind is shown
        why = ("not a .docx package" if type(error).__name__ in ("PackageNotFoundError",
                                                                  "BadZipFile")
               else f"python-docx: {type(error).__name__}")
        raise TemplateError([Diagnostic(
            shown, 0, 0, "error", f"`{shown}` is not a Word document that can be opened "
            f"({why})",
            "save it from Word or LibreOffice as .docx, or start from "
            "`pandoc -o reference.docx --print-default-data-file reference.docx`")]) from None


def check_reference(templates: TemplateSet) -> list[Diagnostic]:
    """``briefgen check``: the reference document opens, and which styles it lacks."""
    try:
        document = open_reference(templates)
    except TemplateError as error:
        return list(error.diagnostics)
    shown = (shown_path(templates.reference_docx, templates.project_root or None)
             if templates.reference_docx else "")
    return [Diagnostic(shown, 0, 0, "warning", message)
            for message in _missing_styles(document)] if shown else []


def _missing_styles(document: Any) -> list[str]:
    names = {style.name for style in document.styles}
    found = [f"reference.docx has no paragraph style `{name}`; the default paragraph style "
             "is used" for name in WARNED_STYLES if name not in names]
    if TABLE_STYLE not in names and ALTERNATIVES[TABLE_STYLE] not in names:
        found.append(f"reference.docx has no table style `{TABLE_STYLE}`; tables have no "
                     "borders")
    return found


def render_docx(edition: Edition, templates: TemplateSet, *,
                warnings: list[str] | None = None) -> bytes:
    """The Word brief of ``edition`` (already cut to what a brief prints)."""
    document = open_reference(templates)
    writer = _Writer(edition, document)
    if warnings is not None:
        warnings += writer.warnings
    return writer.write()


class _Writer:
    def __init__(self, edition: Edition, document: Any) -> None:
        self.e = edition
        self.doc = document
        self.rtl = edition.audience.rtl
        self.lang = edition.audience.language
        self.parts = brief_parts(edition)
        # name -> id of each paragraph style (python-docx's name lookup is slow)
        self.styles = {style.name: style.style_id for style in document.styles
                       if style.type == WD_STYLE_TYPE.PARAGRAPH}
        tables = {s.name: s for s in document.styles if s.type == WD_STYLE_TYPE.TABLE}
        self.table_style = tables.get(TABLE_STYLE, tables.get(ALTERNATIVES[TABLE_STYLE]))
        self.warnings = _missing_styles(document)
        self._images: Callable[[str], Any] | None = None  # the content's pictures, once read
        self.headings: list[tuple[int, str]] = []  # for the contents field's result
        self.new_page = False  # the next paragraph starts a page
        # the apparatus: numbers shared with the PDF brief, real Word footnotes
        self.app, _ = document_apparatus(edition)
        self.footnotes = ox.Footnotes(document)
        self.note_style = next((self.styles[n] for n in ("Footnote Text", "footnote text")
                                if n in self.styles), None)
        self.note_mark_style = next(
            (s.name for s in document.styles if s.type == WD_STYLE_TYPE.CHARACTER
             and s.name in ("Footnote Reference", "footnote reference")), None)
        # the footnote definitions in scope (label -> tokens, the mark of their part)
        self.notes: dict[str, tuple[list[Token], Mark | None]] = {}
        self.part_mark: Mark | None = None  # the mark of the part being written
        self.in_note = False  # writing a footnote's text (no footnotes inside)
        self.bookmarks: dict[str, str] = {}  # anchor ("#fig-map") -> bookmark name

    # -- the document ------------------------------------------------------------------

    def write(self) -> bytes:
        e, show = self.e, self.parts
        ox.clear_body(self.doc)
        contents_at = None
        if "cover" in show:
            self.cover()
        if "contents" in show:
            contents_at = self.paragraph(e.label("contents"), "TOC Heading" if "TOC Heading"
                                         in self.styles else "Heading 1", outline=False)
            self.new_page = True
        if "summary" in show:
            self.summary()
        if "sections" in show and e.sections:
            self.sections()
        if "partners" in show and e.partners:
            self.partners()
        if "collaborations" in show and e.collaborations:
            self.collaborations()
        if "benefits" in show and e.benefit_categories():
            self.matrix()
        if "charts" in show and e.charts:
            self.charts()
        if "recommendations" in show and e.recommendations:
            self.heading(1, e.label("recommendations"))
            for number, item in enumerate(e.recommendations, 1):
                self.item(item, "List Continue", prefix=f"{number}. ")
        if "annex" in show:
            self.annex()
        if "references" in show and e.sources:
            self.references()
        if "back_page" in show:
            self.back_page()
        if contents_at is not None:
            self.contents(contents_at)
        for section in self.doc.sections:
            self.banners(section)
        self.properties()
        saved = io.BytesIO()
        self.doc.save(saved)
        return ox.repackage(saved.getvalue(), self.moment().timetuple()[:6])

    def moment(self) -> dt.datetime:
        """The document's time: SOURCE_DATE_EPOCH, else the briefing's date (never the
        clock); a zip cannot hold a time before 1980."""
        if self.e.source_date_epoch is not None:
            moment = dt.datetime.fromtimestamp(self.e.source_date_epoch, dt.UTC)
        else:
            moment = dt.datetime.fromisoformat(self.e.date).replace(tzinfo=dt.UTC)
        return max(moment, dt.datetime(1980, 1, 1, tzinfo=dt.UTC))

    def properties(self) -> None:
        """Core properties from the Edition only, each a text the brief prints."""
        e = self.e
        ox.clear_core_properties(self.doc)
        props = self.doc.core_properties
        props.title = to_plain(e.title)
        props.author = to_plain(e.issuer)
        props.subject = to_plain(e.subtitle) if e.subtitle else to_plain(e.title)
        props.keywords = ", ".join(k.replace(",", " ") for k in (e.banner, e.reference) if k)
        props.language = e.audience.language
        props.revision = 1
        created = dt.datetime.fromisoformat(e.date).replace(tzinfo=dt.UTC)
        props.created = created
        props.modified = max(self.moment(), created)
        # python-docx's default template names a thumbnail of its own: not this document
        rels = self.doc.part.package.rels
        for r_id in [r for r, rel in rels.items() if rel.reltype.endswith("/thumbnail")]:
            rels.pop(r_id)

    # -- building blocks -----------------------------------------------------------------

    def add_paragraph(self, style: str | None = None) -> Any:
        """A new paragraph at the end of the body, in the paragraph style ``style`` (or
        its Pandoc name; the default paragraph style when the reference has neither)."""
        paragraph = self.doc.add_paragraph()
        name = style if style in self.styles else ALTERNATIVES.get(style or "")
        if name in self.styles:
            ox.set_style(paragraph, self.styles[name])
        return paragraph

    def stand_in(self, paragraph: Any, style: str | None, runs: list[Run]) -> list[Run]:
        """What a list item or quotation looks like when the reference document lacks
        its style: indented by its depth, a bullet written before a list item's text."""
        if not style or style in self.styles or ALTERNATIVES.get(style) in self.styles:
            return runs
        if style.startswith("List "):
            depth = int(style[-1]) if style[-1].isdigit() else 1
            paragraph.paragraph_format.left_indent = Inches(LIST_INDENT_IN * depth)
            if style.startswith("List Bullet"):
                paragraph.paragraph_format.first_line_indent = Inches(-0.18)
                return [Run(f"{BULLETS[depth - 1]}\u00a0"), *runs]
        elif style == "Quote":
            paragraph.paragraph_format.left_indent = Inches(0.5)
        return runs

    def paragraph(self, text: str | Sequence[Run] = "", style: str | None = None, *,
                  outline: bool = True) -> Any:
        """A paragraph of inline Markdown (or runs) in ``style``."""
        paragraph = self.add_paragraph(style)
        if self.new_page:  # a page break before, not an empty paragraph holding one
            paragraph.paragraph_format.page_break_before = True
            self.new_page = False
        runs = _inline(text) if isinstance(text, str) else list(text)
        self.runs(paragraph, self.stand_in(paragraph, style, runs))
        if self.rtl:
            ox.paragraph_rtl(paragraph)
        if outline and style and style.startswith("Heading "):
            self.headings.append((int(style.split()[-1]), "".join(r.text for r in runs)))
        return paragraph

    def bookmark_name(self, anchor: str) -> str:
        """The bookmark of an anchor (``#fig-map``): ``_bg1``, ``_bg2`` ... in the order
        first met (hidden in Word's list of bookmarks, like its own ``_Toc`` ones)."""
        return self.bookmarks.setdefault(anchor, f"_bg{len(self.bookmarks) + 1}")

    def bookmark(self, paragraph: Any, anchor: str) -> None:
        ox.bookmark(paragraph, self.bookmark_name(anchor),
                    list(self.bookmarks).index(anchor) + 1)

    def footnote(self, paragraph: Any, label: str) -> None:
        """A Word footnote at the end of ``paragraph`` for the footnote ``label`` in
        scope: its text starts with its portion mark, the higher of its definition's
        and its reference's, as in the PDF brief. A footnote whose definition is not in
        scope (withheld) is not printed."""
        found = self.notes.get(label)
        if found is None or self.in_note:
            return
        tokens, own = found
        marks = [m for m in (own, self.part_mark) if m is not None]
        mark = max(marks, key=lambda m: m.rank) if marks else None
        number, note = self.footnotes.add(self.note_style)
        ox.Footnotes.mark(note, self.note_mark_style)
        runs = list(_pm(mark))
        for n, tok in enumerate(t for t in tokens if t.type == "inline"):
            runs += ([Run("\n")] if n else []) + inline_runs(tok.children or [], self.app)
        self.in_note = True
        self.runs(note, runs)
        self.in_note = False
        if self.note_style is None:
            for run in note.runs:
                run.font.size = Pt(FOOTNOTE_POINTS)
        if self.rtl:
            ox.paragraph_rtl(note)
        reference = paragraph.add_run()
        if self.note_mark_style:
            reference.style = self.note_mark_style
        reference.font.superscript = True
        ox.footnote_reference(reference, number)

    def runs(self, paragraph: Any, runs: Iterable[Run]) -> None:
        runs = list(runs)
        # Typographic quotes as in the PDF and HTML briefs (the same function): code and
        # a link that shows its address are left as written.
        texts = smart_quote_texts(((r.text, r.code or r.text == r.href) for r in runs),
                                  self.lang)
        runs = [replace(r, text=t) if t != r.text else r for r, t in zip(runs, texts,
                                                                       strict=True)]
        for one in runs:
            if one.note is not None:
                self.footnote(paragraph, one.note)
                continue
            if one.href and one.href.startswith("#"):
                target = ox.internal_link(paragraph, self.bookmark_name(one.href))
            else:
                target = ox.hyperlink(paragraph, one.href) if one.href else paragraph
            run = target.add_run(one.text)
            run.bold = one.bold or None
            run.italic = one.italic or None
            if one.baseline > 0:
                run.font.superscript = True
            elif one.baseline < 0:
                run.font.subscript = True
            if one.strike:
                run.font.strike = True
            if one.code:
                run.font.name = MONOSPACE
            if one.href:
                run.font.underline = True
                run.font.color.rgb = LINK_BLUE
            if _RTL_CHAR.search(one.text):
                ox.run_rtl(run)

    def heading(self, level: int, text: str | Sequence[Run], mark: Mark | None = None
                ) -> Any:
        return self.paragraph([*_pm(mark), *(_inline(text) if isinstance(text, str)
                                             else text)], f"Heading {level}")

    def item(self, item: Item, style: str = "List Bullet", prefix: str = "") -> Any:
        runs = [Run(prefix)] if prefix else []
        return self.paragraph([*runs, *_pm(item.mark), *_inline(item.text)], style)

    def section_notes(self, section: Section) -> None:
        """The footnotes of ``section``: defined in any of its visible parts (the first
        definition of a label wins), each with the mark of its part."""
        self.notes = {}
        for part in section.body:
            for label, tokens in footnote_tokens(part.markdown).items():
                self.notes.setdefault(label, (tokens, part.mark or section.mark))

    def blocks(self, markdown: str, mark: Mark | None = None, level: int = 2,
               section: Section | None = None) -> None:
        """Block Markdown: paragraphs, headings (below ``level``), lists, quotes, code,
        tables, definition lists, page breaks, captions and footnotes. A marked block's
        first paragraph starts with its portion mark. A part of ``section`` numbers its
        labelled figures and tables as the document does and finds its footnotes in
        the section (:meth:`section_notes`); a text of its own has its own footnotes,
        unmarked, and captions without numbers (as in the PDF brief)."""
        lead = _pm(mark)
        own = Apparatus()
        tokens = parser().parse(markdown, {"apparatus": own}) if markdown else []
        if section is None:
            self.notes = {label: (found, None) for label, found in own.note_tokens.items()}
            self.part_mark = None
        else:
            self.part_mark = mark or section.mark
        numbered = section is not None
        lists: list[list[int]] = []  # [ordered?, counter] per open list
        quote = term = definition = 0
        figure = ""  # the label of the figure being written
        index = 0
        while index < len(tokens):
            tok = tokens[index]
            kind = tok.type
            if kind == "page_break":
                self.new_page = True
            elif kind == "dt_open":
                term += 1
            elif kind == "dt_close":
                term -= 1
            elif kind == "dd_open":
                definition += 1
            elif kind == "dd_close":
                definition -= 1
            elif kind == "figure_open":
                figure = str(tok.attrGet("id") or "")
            elif kind == "figure_caption":
                self.caption(figure if numbered else "", str(tok.meta.get("title") or ""))
                figure = ""
            elif kind == "bullet_list_open":
                lists.append([0, 0])
            elif kind == "ordered_list_open":
                lists.append([1, int(tok.attrGet("start") or 1) - 1])
            elif kind in ("bullet_list_close", "ordered_list_close"):
                lists.pop()
            elif kind == "list_item_open" and lists:
                lists[-1][1] += 1
            elif kind == "blockquote_open":
                quote += 1
            elif kind == "blockquote_close":
                quote -= 1
            elif kind == "heading_open":
                depth = min(level + int(tok.tag[1:]), 3)
                heading = self.heading(depth, [*lead, *inline_runs(
                    tokens[index + 1].children or [], self.app)])
                if numbered and tok.attrGet("id"):
                    self.bookmark(heading, f"#{tok.attrGet('id')}")
                lead = []
                index += 2
            elif kind == "inline" and not (lists or quote or term or definition) \
                    and (image := _lone_image(tok)) is not None \
                    and self.picture(image, lead):
                lead = []
            elif kind == "inline":
                runs = [*lead, *inline_runs(tok.children or [], self.app)]
                lead = []
                depth = min(len(lists), 3)
                suffix = f" {depth}" if depth > 1 else ""
                if lists and lists[-1][0]:
                    self.paragraph([Run(f"{lists[-1][1]}. "), *runs], f"List Continue{suffix}")
                elif lists:
                    self.paragraph(runs, f"List Bullet{suffix}")
                elif term:
                    self.paragraph([replace(r, bold=True) for r in runs])
                elif definition:
                    paragraph = self.paragraph(runs)
                    paragraph.paragraph_format.left_indent = Inches(
                        DEFINITION_INDENT_IN * definition)
                else:
                    self.paragraph(runs, "Quote" if quote else None)
            elif kind in ("fence", "code_block"):
                for line in tok.content.rstrip("\n").split("\n"):
                    self.paragraph([*lead, Run(line, code=True)])
                    lead = []
            elif kind == "table_open":
                index = self.markdown_table(tokens, index, lead, numbered)
                lead = []
            index += 1
        if lead:  # a marked block with no text of its own still shows its mark
            self.paragraph(lead)

    def picture(self, image: Token, lead: Sequence[Run]) -> bool:
        """A paragraph that holds only an image: the picture, read as the PDF brief reads
        it (a file of content/ this audience's content refers to; an SVG in the
        audience's colours, drawn by CairoSVG), its alternative text as the picture's
        (an image with a title is a figure: its ``figure_caption`` follows). False, and
        nothing written, when the file cannot be read: the paragraph then shows the
        alternative text."""
        from .brief import RefusedURL, content_images

        src, title = str(image.attrGet("src") or ""), str(image.attrGet("title") or "")
        alt = to_plain(image.content) or title
        try:
            if self._images is None:
                self._images = content_images(self.e)
            found = self._images(src)
            svg = found.content_type == "image/svg+xml"
            # an SVG drawn at the charts' resolution (its CSS pixels are 1/96 in)
            data = (_png(found.body.decode("utf-8"), src, CHART_DPI / 96) if svg
                    else found.body)
        except (RefusedURL, RenderError, OSError, UnicodeDecodeError) as error:
            self.warnings.append(f"image `{src}`: not shown in the Word brief ({error})")
            return False
        paragraph = self.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if lead:  # a marked block's portion mark, before its picture
            self.runs(paragraph, [*lead, Run(" ")])
        try:
            shape = paragraph.add_run().add_picture(io.BytesIO(data))
        except Exception as error:  # a picture python-docx cannot read (its own errors)
            ox.remove_paragraph(paragraph)
            self.warnings.append(f"image `{src}`: not shown in the Word brief ({error})")
            return False
        if self.new_page:
            paragraph.paragraph_format.page_break_before = True
            self.new_page = False
        if svg:  # its own size in CSS pixels (the PNG's width: bytes 16-19 of its header)
            width = Inches(int.from_bytes(data[16:20], "big") / CHART_DPI)
            shape.height, shape.width = int(shape.height * width / shape.width), width
        if shape.width > Inches(CHART_WIDTH_IN):  # no wider than a chart
            shape.height = int(shape.height * Inches(CHART_WIDTH_IN) / shape.width)
            shape.width = Inches(CHART_WIDTH_IN)
        ox.describe_picture(shape, title or alt, alt)
        return True

    def caption(self, label: str, title: str | Sequence[Run], lead: Sequence[Run] = ()
                ) -> None:
        """A figure's or table's caption: ``Figure 2: title`` when it is labelled (the
        PDF brief's number, bookmarked for its cross-references), else its title alone."""
        number = self.app.refs.get(label) if label else None
        runs = [*lead, *([Run(f"{number[0]}: ")] if number else []),
                *([Run(title)] if isinstance(title, str) else title)]
        paragraph = self.paragraph(runs, "Caption")
        if number:
            self.bookmark(paragraph, number[1])

    def markdown_table(self, tokens: list[Token], index: int, lead: list[Run],
                       numbered: bool = False) -> int:
        """A Markdown table from ``tokens[index]`` (``table_open``), after its caption;
        returns the index of its ``table_close``."""
        if tokens[index + 1].type == "table_caption":
            label = str(tokens[index].attrGet("id") or "") if numbered else ""
            self.caption(label, inline_runs(tokens[index + 1].children or [], self.app), lead)
            lead = []
        rows: list[list[tuple[list[Run], bool]]] = []
        while tokens[index].type != "table_close":
            tok = tokens[index]
            if tok.type == "tr_open":
                rows.append([])
            elif tok.type == "inline" and rows:
                header = tokens[index - 1].type == "th_open"
                rows[-1].append((inline_runs(tok.children or [], self.app), header))
            index += 1
        if lead:
            self.paragraph(lead)
        self.table([[runs for runs, _ in row] for row in rows],
                   header=bool(rows and rows[0] and rows[0][0][1]))
        return index

    def table(self, rows: Sequence[Sequence[Sequence[Run]]], header: bool = True,
              centred: Iterable[int] = ()) -> None:
        """A table of runs; the first row bold when it is a header."""
        if not rows:
            return
        columns = max(len(row) for row in rows)
        table = self.doc.add_table(rows=len(rows), cols=columns)
        if self.table_style is not None:
            table.style = self.table_style
        if self.rtl:
            ox.table_rtl(table)
        middle = set(centred)
        for r, (row, table_row) in enumerate(zip(rows, table.rows, strict=True)):
            cells = table_row.cells  # once per row: table.cell() walks the whole table
            for c, runs in enumerate(row):
                paragraph = cells[c].paragraphs[0]
                if r == 0 and header:
                    runs = [Run(x.text, True, x.italic, x.code, x.strike, x.href) for x in runs]
                self.runs(paragraph, runs)
                if c in middle:
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
                if self.rtl:
                    ox.paragraph_rtl(paragraph)
        self.doc.add_paragraph()  # Word joins two tables that touch

    # -- the parts -----------------------------------------------------------------------

    def cover(self) -> None:
        e = self.e
        self.paragraph(e.issuer)
        self.paragraph(e.title, "Title", outline=False)
        if e.subtitle:
            self.paragraph(e.subtitle, "Subtitle")
        self.paragraph([Run(f"{e.label('prepared_for')}: "), Run(e.audience.title, bold=True)])
        for key, value in (("reference", e.reference),
                           ("date", format_date(e.date, self.lang)),
                           ("classification", e.banner)):
            if value:
                self.paragraph([Run(f"{e.label(key)}: ", bold=True), Run(value)])
        self.new_page = True

    def contents(self, heading: Any) -> None:
        """The contents: a ``TOC`` field after ``heading`` whose current result lists the
        headings (Word adds page numbers when it updates fields)."""
        entries = [(level, text) for level, text in self.headings if level <= 2]
        paragraphs = []
        for level, text in entries or [(1, self.e.label("contents"))]:
            paragraph = self.doc.add_paragraph()
            if level == 2:
                paragraph.paragraph_format.left_indent = Inches(0.25)
            self.runs(paragraph, [Run(text)])
            if self.rtl:
                ox.paragraph_rtl(paragraph)
            paragraphs.append(paragraph)
        ox.field_begin(paragraphs[0], 'TOC \\o "1-2" \\h \\z \\u')
        ox.field_end(paragraphs[-1])
        ox.move_after(heading, paragraphs)

    def summary(self) -> None:
        e = self.e
        self.heading(1, e.label("executive_summary"))
        self.blocks(e.summary)
        if e.key_messages:
            self.heading(2, e.label("key_messages"))
            for item in e.key_messages:
                self.item(item)

    def sections(self) -> None:
        self.heading(1, self.e.label("sections"))
        for section in self.e.sections:
            self.heading(2, section.title, section.mark)
            for point in section.key_points:
                self.item(point)
            self.section_notes(section)
            for part in section.body:
                self.blocks(part.markdown, part.mark, section=section)

    def partners(self) -> None:
        e = self.e
        self.heading(1, e.label("partners_overview"))
        header = [[Run(e.label(k))] for k in ("code", "name", "kind", "region", "since")]
        rows = [[[Run(p.code)], [*_pm(p.mark), Run(p.name)],
                 [Run(e.label(f"partner_kind.{p.kind}"))], [Run(p.region)],
                 [Run(str(p.since) if p.since else "")]] for p in e.partners]
        self.table([header, *rows])

    def collaborations(self) -> None:
        e = self.e
        self.heading(1, e.label("collaborations"))
        for collab in e.collaborations:
            self.heading(2, collab.title, collab.mark)
            facts = [(e.label("kind"), e.label(f"kind.{collab.kind}")),
                     (e.label("status"), e.label(f"status.{collab.status}"))]
            if collab.since:
                facts.append((e.label("since"), str(collab.since)))
            if collab.partners:
                facts.append((e.label("partners"),
                              ", ".join(e.partner_name(code) for code in collab.partners)))
            runs: list[Run] = []
            for n, (key, value) in enumerate(facts):
                runs += [Run(("; " if n else "") + f"{key}: ", bold=True), Run(value)]
            self.paragraph(runs)
            self.blocks(collab.summary)
            if collab.benefits:
                self.heading(3, e.label("benefits"))
                groups: dict[str, list[Item]] = {}
                for benefit in collab.benefits:
                    groups.setdefault(benefit.category, []).append(
                        Item(benefit.text, benefit.mark))
                for category in e.benefit_categories():
                    if category in groups:
                        self.paragraph([Run(e.label(f"category.{category}"), bold=True)])
                        for item in groups[category]:
                            self.item(item)
            if "metrics" in self.parts and collab.metrics:
                self.heading(3, e.label("metrics"))
                periods = list(dict.fromkeys(p for m in collab.metrics for p, _ in m.values))
                header = [[Run(e.label("metrics"))], *([Run(p)] for p in periods)]
                rows = []
                for metric in collab.metrics:
                    values = dict(metric.values)
                    label = f"{metric.label} ({metric.unit})" if metric.unit else metric.label
                    rows.append([[*_pm(metric.mark), *_inline(label)],
                                 *([Run(format_number(values[p], self.lang))]
                                   if p in values else [] for p in periods)])
                self.table([header, *rows], centred=range(1, len(periods) + 1))

    def matrix(self) -> None:
        e = self.e
        categories = e.benefit_categories()
        self.heading(1, e.label("benefits_matrix"))
        header = [[Run(e.label("collaboration"))],
                  *([Run(e.label(f"category.{c}"))] for c in categories)]
        rows = []
        for row in e.benefits_matrix():
            cells: list[list[Run]] = [[*_pm(row.collaboration.mark),
                                       *_inline(row.collaboration.title)]]
            for mark in row.cells:
                cells.append([Run("\u2022"), *([Run(f" {mark.portion}")]
                                               if mark and mark.portion else [])]
                             if mark else [])
            rows.append(cells)
        self.table([header, *rows], centred=range(1, len(categories) + 1))

    def charts(self) -> None:
        from .charts import chart_svg

        e = self.e
        self.heading(1, e.label("charts"))
        for chart in e.charts:
            svg = chart_svg(chart, e.audience.theme, rtl=self.rtl, language=self.lang)
            picture = _chart_png(svg, chart.id)
            paragraph = self.doc.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            shape = paragraph.add_run().add_picture(io.BytesIO(picture),
                                                    width=Inches(CHART_WIDTH_IN))
            title = to_plain(chart.title)
            ox.describe_picture(shape, title, chart.description or title)
            # numbered after the sections' figures, as in the PDF brief
            number, anchor = self.app.refs[f"fig-{chart.id}"]
            caption = self.paragraph([Run(f"{number}: "), *_pm(chart.mark),
                                      *_inline(chart.title)], "Caption")
            self.bookmark(caption, anchor)

    def annex(self) -> None:
        e = self.e
        self.heading(1, f"{e.label('annex')}: {e.label('sources')}")
        for collab in (c for c in e.collaborations if c.sources):  # some has (brief_parts)
            self.heading(2, collab.title, collab.mark)
            for number, source in enumerate(collab.sources, 1):
                self.paragraph([Run(f"{number}. "), *_inline(source)], "List Continue")

    def references(self) -> None:
        """The sources cited in the text, numbered as the citations are (or by author and
        year), each with its URL (a hyperlink) and bookmarked for the citations' links."""
        e = self.e
        self.heading(1, e.label("references"))
        for source in e.sources:
            if e.citations == "author-date":  # Smith (2024a). Its title.
                runs = [*_pm(source.mark), *_inline(source.author),
                        Run(f" ({source.dated}). "), *_inline(source.text)]
            else:
                runs = [Run(f"{self.app.sources[source.id]}. "), *_pm(source.mark),
                        *_inline(source.text)]
            if source.url:
                runs += [Run(" "), Run(source.url, href=source.url)]
            paragraph = self.paragraph(runs, "List Continue")
            self.bookmark(paragraph, f"#ref-{source.id}")

    def back_page(self) -> None:
        e = self.e
        self.new_page = True
        self.heading(1, e.label("handling_instructions"))
        self.blocks(e.handling)
        if e.contact:
            self.heading(1, e.label("contact"))
            self.blocks(e.contact)
        for key, value in (("issuer", to_plain(e.issuer)), ("reference", e.reference),
                           ("date", format_date(e.date, self.lang)),
                           ("audience", e.audience.title)):
            if value:
                self.paragraph([Run(f"{e.label(key)}: ", bold=True), Run(value)])

    def banners(self, section: Any) -> None:
        """The banner alone in every header and footer of ``section`` (default, first
        page and even pages, whichever Word shows), none linked to the previous section."""
        if self.rtl:
            ox.section_rtl(section)
        for story, style in ((section.header, "Header"), (section.first_page_header, "Header"),
                             (section.even_page_header, "Header"), (section.footer, "Footer"),
                             (section.first_page_footer, "Footer"),
                             (section.even_page_footer, "Footer")):
            story.is_linked_to_previous = False
            ox.clear_story(story)
            paragraph = story.add_paragraph()
            if style in self.styles:
                ox.set_style(paragraph, self.styles[style])
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = paragraph.add_run(self.e.banner)
            run.bold = True
            run.font.size = Pt(BANNER_POINTS)
            if self.rtl:
                ox.paragraph_rtl(paragraph)


def _inline(text: str) -> list[Run]:
    """Inline Markdown -> runs (a text of several paragraphs joined by spaces)."""
    if not text:
        return []
    tokens = [t for t in parser().parse(text) if t.type == "inline"]
    runs: list[Run] = []
    for n, tok in enumerate(tokens):
        runs += ([Run(" ")] if n else []) + inline_runs(tok.children or [])
    return runs


def _lone_image(tok: Token) -> Token | None:
    """The image an ``inline`` token holds alone (white space aside), if it does."""
    found = [c for c in tok.children or () if c.type not in ("softbreak", "hardbreak")
             and (c.type != "text" or c.content.strip())]
    return found[0] if len(found) == 1 and found[0].type == "image" else None


def _pm(mark: Mark | None) -> list[Run]:
    """A portion mark and a space, or nothing."""
    return [Run(f"{mark.portion} ")] if mark is not None and mark.portion else []


@lru_cache(maxsize=32)
def _chart_png(svg: str, chart_id: str) -> bytes:
    """A chart's picture, drawn once per process for the same drawing: the Word briefs
    of the audiences with the same theme and language show the same charts."""
    return _png(svg, chart_id)


def _png(svg: str, chart_id: str, scale: float = 1) -> bytes:
    """An SVG as a PNG picture (CairoSVG), ``scale`` times its size in pixels."""
    import cairosvg

    try:
        data = cairosvg.svg2png(bytestring=svg.encode("utf-8"), dpi=CHART_DPI, scale=scale)
    except Exception as error:  # a drawing CairoSVG cannot read is briefgen's fault
        raise RenderError(f"chart `{chart_id}`: could not be drawn as a picture "
                          f"({type(error).__name__})") from None
    if not isinstance(data, bytes):
        raise RenderError(f"chart `{chart_id}`: could not be drawn as a picture")
    return data
