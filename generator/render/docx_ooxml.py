"""The OOXML the Word brief needs that python-docx has no API for.

Every use of python-docx's internals (the ``_p``, ``_r``, ``_element`` attributes of its
proxies) and every element written by hand is here, so that ``render/docx.py`` reads as
python-docx's public API. Each element follows ECMA-376 Part 1 (WordprocessingML), in
the child order its schema prescribes:

- right to left: ``w:bidi`` (paragraph §17.3.1.6, section §17.6.1), ``w:rtl`` (run
  §17.3.2.30), ``w:bidiVisual`` (table §17.4.1);
- hyperlinks: ``w:hyperlink`` with an external relationship (§17.16.22);
- the contents: a complex field ``TOC`` (``w:fldChar`` begin / ``w:instrText`` /
  separate / end, §17.16.5, §17.16.18, §17.16.23), its result the headings' titles,
  which Word replaces (with page numbers) when fields are updated;
- footnotes: a ``word/footnotes.xml`` part (§17.11.12) related to the document
  (``.../relationships/footnotes``, content type ``...wordprocessingml.footnotes+xml``),
  its separator and continuation separator footnotes (ids -1 and 0), then one
  ``w:footnote`` per reference (§17.11.10), each starting with ``w:footnoteRef``
  (§17.11.13); the reference a run holding ``w:footnoteReference`` (§17.11.14);
- bookmarks ``w:bookmarkStart``/``w:bookmarkEnd`` (§17.13.6.2) and hyperlinks to them
  (``w:hyperlink/@w:anchor``), for cross-references and citations;
- a picture's alternative text: ``wp:docPr/@descr`` (DrawingML §20.4.2.5);
- the package written deterministically: fixed zip timestamps, parts in a fixed order,
  fixed extended properties.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from typing import Any

from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import XmlPart
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.text.paragraph import Paragraph
from docx.text.run import Run

#: Child order of ``w:pPr``, ``w:rPr``, ``w:sectPr`` and ``w:tblPr`` (ECMA-376 Part 1).
_ORDER = {
    "pPr": ("pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl",
            "numPr", "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens",
            "kinsoku", "wordWrap", "overflowPunct", "topLinePunct", "autoSpaceDE",
            "autoSpaceDN", "bidi", "adjustRightInd", "snapToGrid", "spacing", "ind",
            "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc", "textDirection",
            "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr",
            "sectPr", "pPrChange"),
    "rPr": ("rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike",
            "dstrike", "outline", "shadow", "emboss", "imprint", "noProof", "snapToGrid",
            "vanish", "webHidden", "color", "spacing", "w", "kern", "position", "sz", "szCs",
            "highlight", "u", "effect", "bdr", "shd", "fitText", "vertAlign", "rtl", "cs",
            "em", "lang", "eastAsianLayout", "specVanish", "oMath"),
    "sectPr": ("headerReference", "footerReference", "footnotePr", "endnotePr", "type",
               "pgSz", "pgMar", "paperSrc", "pgBorders", "lnNumType", "pgNumType", "cols",
               "formProt", "vAlign", "noEndnote", "titlePg", "textDirection", "bidi",
               "rtlGutter", "docGrid", "printerSettings", "sectPrChange"),
    "tblPr": ("tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize",
              "tblStyleColBandSize", "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders",
              "shd", "tblLayout", "tblCellMar", "tblLook", "tblCaption", "tblDescription"),
}


def _flag(parent: Any, name: str) -> None:
    """Put the on/off element ``w:NAME`` into ``parent`` (once), in schema order."""
    if parent.find(qn(f"w:{name}")) is not None:
        return
    order = _ORDER[parent.tag.rsplit("}", 1)[-1]]
    element = OxmlElement(f"w:{name}")
    after = order[order.index(name) + 1:]
    for child in parent:
        if child.tag.rsplit("}", 1)[-1] in after:
            child.addprevious(element)
            return
    parent.append(element)


def set_style(paragraph: Paragraph, style_id: str) -> None:
    """Give ``paragraph`` the style ``style_id`` (``w:pStyle``). python-docx's
    ``style=NAME`` searches the styles part by name for every paragraph, a few
    milliseconds each; the renderer looks each name up once."""
    paragraph._p.style = style_id


def paragraph_rtl(paragraph: Paragraph) -> None:
    """A right-to-left paragraph (``w:pPr/w:bidi``)."""
    _flag(paragraph._p.get_or_add_pPr(), "bidi")


def run_rtl(run: Run) -> None:
    """A run of right-to-left text (``w:rPr/w:rtl``)."""
    _flag(run._r.get_or_add_rPr(), "rtl")


def section_rtl(section: Any) -> None:
    """A right-to-left section: columns and page furniture mirror (``w:sectPr/w:bidi``)."""
    _flag(section._sectPr, "bidi")


def table_rtl(table: Any) -> None:
    """A table whose columns run right to left (``w:tblPr/w:bidiVisual``)."""
    _flag(table._tbl.tblPr, "bidiVisual")


def hyperlink(paragraph: Paragraph, url: str) -> Paragraph:
    """A ``w:hyperlink`` to ``url`` at the end of ``paragraph``; returns a proxy whose
    ``add_run`` puts runs inside the link."""
    r_id = paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), r_id)
    paragraph._p.append(link)
    return _LinkRuns(link, paragraph)


def internal_link(paragraph: Paragraph, bookmark: str) -> Paragraph:
    """A ``w:hyperlink`` to the bookmark ``bookmark`` of this document, at the end of
    ``paragraph``; its ``add_run`` puts runs inside the link."""
    link = OxmlElement("w:hyperlink")
    link.set(qn("w:anchor"), bookmark)
    link.set(qn("w:history"), "1")
    paragraph._p.append(link)
    return _LinkRuns(link, paragraph)


def bookmark(paragraph: Paragraph, name: str, number: int) -> None:
    """Bookmark the whole of ``paragraph`` as ``name`` (``number`` its unique id)."""
    p = paragraph._p
    start = OxmlElement("w:bookmarkStart")
    start.set(qn("w:id"), str(number))
    start.set(qn("w:name"), name)
    end = OxmlElement("w:bookmarkEnd")
    end.set(qn("w:id"), str(number))
    p.insert(1 if p.pPr is not None else 0, start)
    p.append(end)


def footnote_reference(run: Run, number: int) -> None:
    """Make ``run`` the reference to footnote ``number`` (``w:footnoteReference``)."""
    reference = OxmlElement("w:footnoteReference")
    reference.set(qn("w:id"), str(number))
    run._r.append(reference)


class _Story:
    """The parent of a footnote's paragraphs: what python-docx asks it for (``part``)."""

    def __init__(self, part: XmlPart) -> None:
        self.part = part


_FOOTNOTES = (f"<w:footnotes {nsdecls('w', 'r')}>"
              '<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr><w:spacing w:after="0" '
              'w:line="240" w:lineRule="auto"/></w:pPr><w:r><w:separator/></w:r></w:p>'
              '</w:footnote><w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr>'
              '<w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr><w:r>'
              "<w:continuationSeparator/></w:r></w:p></w:footnote></w:footnotes>")


class Footnotes:
    """The document's footnotes part, made afresh (a reference document's own
    footnotes are its content, not the brief's): footnotes are numbered 1, 2 ... in the
    order they are added, which is the order of their references."""

    def __init__(self, document: Any) -> None:
        main = document.part
        for r_id in [r for r, rel in main.rels.items() if rel.reltype == RT.FOOTNOTES]:
            main.rels.pop(r_id)
        self.part = XmlPart(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES,
                            parse_xml(_FOOTNOTES), main.package)
        main.relate_to(self.part, RT.FOOTNOTES)
        self.count = 0

    def add(self, style_id: str | None) -> tuple[int, Paragraph]:
        """A new footnote: its number and its paragraph (in the paragraph style
        ``style_id``), which starts with the footnote's mark and a space."""
        self.count += 1
        note = OxmlElement("w:footnote")
        note.set(qn("w:id"), str(self.count))
        p = OxmlElement("w:p")
        note.append(p)
        self.part.element.append(note)
        paragraph = Paragraph(p, _Story(self.part))  # type: ignore[arg-type]
        if style_id:
            set_style(paragraph, style_id)
        return self.count, paragraph

    @staticmethod
    def mark(paragraph: Paragraph, character_style: str | None) -> None:
        """The footnote's own mark (``w:footnoteRef``), raised, at its start."""
        run = paragraph.add_run()
        if character_style:
            run.style = character_style
        run.font.superscript = True
        run._r.append(OxmlElement("w:footnoteRef"))
        paragraph.add_run(" ")


class _LinkRuns(Paragraph):
    """``add_run`` into a ``w:hyperlink`` (the link's runs take the "Hyperlink" look from
    the caller: python-docx has no hyperlink object before 1.2's read-only one)."""

    def __init__(self, link: Any, paragraph: Paragraph) -> None:
        self._link = link
        super().__init__(paragraph._p, paragraph._parent)

    def add_run(self, text: str | None = None, style: Any = None) -> Run:
        r = OxmlElement("w:r")
        self._link.append(r)
        run = Run(r, self)
        if text:
            run.text = text
        if style:
            run.style = style
        return run


def field_begin(paragraph: Paragraph, instruction: str) -> None:
    """Open a complex field with ``instruction`` (e.g. ``TOC \\o "1-2" \\h``) at the
    start of ``paragraph``: what follows, up to :func:`field_end`, is its current
    result."""
    p = paragraph._p
    at = 1 if p.pPr is not None else 0
    for kind, text in (("begin", None), (None, instruction), ("separate", None)):
        r = OxmlElement("w:r")
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            r.append(char)
        else:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = f" {text} "
            r.append(instr)
        p.insert(at, r)
        at += 1


def field_end(paragraph: Paragraph) -> None:
    """Close the field :func:`field_begin` opened, at the end of ``paragraph``."""
    r = OxmlElement("w:r")
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), "end")
    r.append(char)
    paragraph._p.append(r)


def describe_picture(shape: Any, title: str, description: str) -> None:
    """A picture's name and alternative text (``wp:docPr/@title``, ``@descr``)."""
    doc_pr = shape._inline.docPr
    doc_pr.set("title", title)
    doc_pr.set("descr", description)


def clear_core_properties(document: Any) -> None:
    """Empty docProps/core.xml, so that only what the renderer sets is there (the
    template's author, description and dates are not the brief's)."""
    element = document.core_properties._element
    for child in list(element):
        element.remove(child)


def remove_paragraph(paragraph: Paragraph) -> None:
    """``paragraph`` taken out of its story (python-docx has no public way)."""
    element = paragraph._p
    element.getparent().remove(element)


def move_after(anchor: Paragraph, paragraphs: Sequence[Paragraph]) -> None:
    """Move ``paragraphs`` (in order) to just after ``anchor``."""
    at = anchor._p
    for paragraph in paragraphs:
        at.addnext(paragraph._p)
        at = paragraph._p


def clear_story(story: Any) -> None:
    """Empty a header or footer (its paragraphs and tables), before the banner goes in."""
    element = story._element
    for child in list(element):
        element.remove(child)


def clear_body(document: Any) -> None:
    """Remove the reference document's content, keeping its last section's properties
    (page size, margins, header and footer references): Pandoc's reference-doc rule."""
    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)


#: docProps/app.xml of every Word brief: the application, nothing of the template's.
APP_XML = (b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
           b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
           b'extended-properties"><Application>briefgen</Application>'
           b"<DocSecurity>0</DocSecurity></Properties>")


def repackage(data: bytes, date_time: tuple[int, int, int, int, int, int],
              first: Sequence[str] = ("[Content_Types].xml", "_rels/.rels")) -> bytes:
    """``data`` (a package python-docx saved, stamped with the clock) with every member
    at ``date_time``, in a fixed order (``first``, then sorted), the same compression and
    file attributes, and the fixed :data:`APP_XML`."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        names = source.namelist()
        ordered = [n for n in first if n in names] + sorted(n for n in names if n not in first)
        for name in ordered:
            blob = APP_XML if name == "docProps/app.xml" else source.read(name)
            info = zipfile.ZipInfo(name, date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            target.writestr(info, blob, compresslevel=6)
    return out.getvalue()
