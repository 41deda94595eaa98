"""Build ``master.pptx``, the default PowerPoint master of briefgen decks.

Run ``python generator/templates/deck/make_master.py`` after changing this file; it
rewrites ``master.pptx`` next to it, byte for byte the same on every run.

The master starts from python-pptx's default template, which is then reshaped:

- 16:9 (13.333 x 7.5 in); theme ``briefgen``: Calibri for headings and body (Arial for
  Arabic script), a dark green primary (``accent1``/``dk2``) and a gold accent
  (``accent2``). The deck renderer replaces those two colours with each audience's theme.
- Named layouts, found by name by the deck renderer: ``Title``, ``Agenda``, ``Section``,
  ``Bullets``, ``Two Content``, ``Table``, ``Chart``, ``Key Message``, ``Closing``.
- Bands 0.4 in high at the top and bottom of every layout are left empty: the renderer
  draws the classification banner, slide number and logo there.
- No footer placeholders, no prompt text, no printer settings, no thumbnail, neutral
  document properties: nothing of the template ends up in a deck.

A designer may instead restyle ``master.pptx`` in PowerPoint or LibreOffice (or give an
audience its own): the renderer only needs the layout names and their title and body
placeholders (``briefgen check`` lists what is missing).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from lxml import etree
from pptx import Presentation
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.oxml import parse_xml
from pptx.util import Emu

HERE = Path(__file__).resolve().parent
OUT = HERE / "master.pptx"

NS = {
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "p": "http://schemas.openxmlformats.org/presentationml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
}
_NSDECL = " ".join(f'xmlns:{k}="{v}"' for k, v in NS.items())

SLIDE_W = Emu(12192000)  # 13.333 in: PowerPoint's own 16:9 "Widescreen"
SLIDE_H = Emu(6858000)  # 7.5 in
WIDE = SLIDE_W / 914400  # the width in inches

# Geometry of the content area (inches). The top and bottom 0.4 in belong to the renderer.
MARGIN = 0.6
CONTENT_W = WIDE - 2 * MARGIN
BAR_TOP, BAR_H = 0.4, 1.05  # the title bar under the top banner
RULE_H = 0.06
BODY_TOP = 1.75
BODY_H = 5.0  # down to 6.75 in, clear of the bottom band at 7.1 in
GUTTER = 0.3

# Theme colours: (name, RGB). accent1/dk2 and accent2 are replaced per audience.
COLOURS = (
    ("dk1", "1E252B"),
    ("lt1", "FFFFFF"),
    ("dk2", "0B3D2E"),
    ("lt2", "EEF1EF"),
    ("accent1", "0B3D2E"),
    ("accent2", "C8A951"),
    ("accent3", "4F7C6B"),
    ("accent4", "6B7785"),
    ("accent5", "2E5E8C"),
    ("accent6", "A4493D"),
    ("hlink", "1F5FA8"),
    ("folHlink", "6B4E9B"),
)
LATIN_FONT = "Calibri"
COMPLEX_FONT = "Arial"  # carries Arabic script on Windows and macOS

LAYOUT_NAMES = ("Title", "Agenda", "Section", "Bullets", "Two Content", "Table", "Chart",
                "Key Message", "Closing")


def emu(inches: float) -> int:
    return round(inches * 914400)


def xfrm(x: float, y: float, w: float, h: float) -> str:
    return (f'<a:xfrm><a:off x="{emu(x)}" y="{emu(y)}"/>'
            f'<a:ext cx="{emu(w)}" cy="{emu(h)}"/></a:xfrm>')


def fill(colour: str) -> str:
    return f'<a:solidFill><a:schemeClr val="{colour}"/></a:solidFill>'


def rect(shape_id: int, name: str, x: float, y: float, w: float, h: float,
         colour: str) -> str:
    """A decorative rectangle in a theme colour (not a placeholder)."""
    return (f'<p:sp><p:nvSpPr><p:cNvPr id="{shape_id}" name="{name}"/><p:cNvSpPr/>'
            f'<p:nvPr userDrawn="1"/></p:nvSpPr><p:spPr>{xfrm(x, y, w, h)}'
            f'<a:prstGeom prst="rect"><a:avLst/></a:prstGeom>{fill(colour)}'
            f'<a:ln><a:noFill/></a:ln></p:spPr></p:sp>')


def level(n: int, size: int, *, colour: str | None = None, bold: bool = False,
          algn: str = "l", bullet: bool = False) -> str:
    """One ``a:lvlNpPr`` text style."""
    if bullet:
        mar, indent = 342900 * n, -285750
        bu = (f'<a:buClr><a:schemeClr val="accent1"/></a:buClr>'
              f'<a:buFont typeface="Arial"/><a:buChar char="{"•" if n % 2 else "–"}"/>')
    else:
        mar, indent, bu = 0, 0, "<a:buNone/>"
    colour_xml = fill(colour) if colour else ""
    b = ' b="1"' if bold else ""
    return (f'<a:lvl{n}pPr marL="{mar}" indent="{indent}" algn="{algn}" rtl="0">'
            f'<a:lnSpc><a:spcPct val="100000"/></a:lnSpc>'
            f'<a:spcBef><a:spcPts val="{600 if bullet else 0}"/></a:spcBef>{bu}'
            f'<a:defRPr sz="{size * 100}"{b}>{colour_xml}</a:defRPr></a:lvl{n}pPr>')


def placeholder(shape_id: int, name: str, ph: str, x: float, y: float, w: float, h: float,
                *, anchor: str = "t", styles: str = "") -> str:
    """A placeholder with its own position, text anchor and list styles, and no text."""
    return (f'<p:sp><p:nvSpPr><p:cNvPr id="{shape_id}" name="{name}"/><p:cNvSpPr>'
            f'<a:spLocks noGrp="1"/></p:cNvSpPr><p:nvPr><p:ph {ph}/></p:nvPr></p:nvSpPr>'
            f'<p:spPr>{xfrm(x, y, w, h)}</p:spPr><p:txBody>'
            f'<a:bodyPr vert="horz" lIns="91440" tIns="45720" rIns="91440" bIns="45720" '
            f'rtlCol="0" anchor="{anchor}"><a:noAutofit/></a:bodyPr>'
            f'<a:lstStyle>{styles}</a:lstStyle><a:p><a:endParaRPr lang="en-GB"/></a:p>'
            f'</p:txBody></p:sp>')


def inherited(shape_id: int, name: str, ph: str) -> str:
    """A placeholder that takes position and styles from the master."""
    return (f'<p:sp><p:nvSpPr><p:cNvPr id="{shape_id}" name="{name}"/><p:cNvSpPr>'
            f'<a:spLocks noGrp="1"/></p:cNvSpPr><p:nvPr><p:ph {ph}/></p:nvPr></p:nvSpPr>'
            f'<p:spPr/><p:txBody><a:bodyPr/><a:lstStyle/><a:p><a:endParaRPr lang="en-GB"/>'
            f'</a:p></p:txBody></p:sp>')


def sp_tree(shapes: str) -> str:
    return ('<p:spTree><p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/>'
            '</p:nvGrpSpPr><p:grpSpPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/>'
            '<a:chOff x="0" y="0"/><a:chExt cx="0" cy="0"/></a:xfrm></p:grpSpPr>'
            f'{shapes}</p:spTree>')


PRIMARY_BG = ('<p:bg><p:bgPr><a:solidFill><a:schemeClr val="accent1"/></a:solidFill>'
              '<a:effectLst/></p:bgPr></p:bg>')


def layout(name: str, kind: str, shapes: str, *, dark: bool = False) -> str:
    """A whole ``p:sldLayout`` of layout type ``kind`` (each standard type once, the rest
    ``cust``); ``dark`` layouts have the primary colour as background and hide the
    master's title bar."""
    show = ' showMasterSp="0"' if dark else ""
    kind_attr = "" if kind == "cust" else f' type="{kind}"'
    return (f'<p:sldLayout {_NSDECL}{kind_attr} preserve="1"{show}>'
            f'<p:cSld name="{name}">{PRIMARY_BG if dark else ""}{sp_tree(shapes)}</p:cSld>'
            '<p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:sldLayout>')


def title_styles(size: int, algn: str = "l") -> str:
    return level(1, size, colour="bg1", bold=True, algn=algn)


def body_styles(size: int, *, colour: str = "bg1", algn: str = "l") -> str:
    return "".join(level(n, size if n == 1 else max(size - 2, 14), colour=colour, algn=algn)
                   for n in (1, 2, 3))


def layouts() -> dict[str, str]:
    """The XML of every layout, by name."""
    wide = round((CONTENT_W - GUTTER) * 0.58, 3)  # text on the first side, a figure beside
    narrow = CONTENT_W - GUTTER - wide
    title = inherited(2, "Title", 'type="title"')
    body = inherited(3, "Content", 'idx="1"')
    rule_y = 4.05
    return {
        "Title": layout("Title", "title", (
            rect(2, "Accent Rule", MARGIN, rule_y, 1.6, 0.07, "accent2")
            + placeholder(3, "Title", 'type="ctrTitle"', MARGIN, 1.85, CONTENT_W, 2.05,
                          anchor="b", styles=title_styles(40))
            + placeholder(4, "Subtitle", 'type="subTitle" idx="1"', MARGIN, 4.3, CONTENT_W,
                          2.3, styles=body_styles(24)))
        , dark=True),
        "Agenda": layout("Agenda", "cust", title + body),
        "Section": layout("Section", "secHead", (
            placeholder(2, "Title", 'type="title"', MARGIN, 2.0, CONTENT_W, 1.95, anchor="b",
                        styles=title_styles(40))
            + rect(3, "Accent Rule", MARGIN, rule_y, 1.6, 0.07, "accent2")
            + placeholder(4, "Text", 'type="body" idx="1"', MARGIN, 4.3, CONTENT_W, 2.3,
                          styles=body_styles(22))
        ), dark=True),
        "Bullets": layout("Bullets", "obj", title + body),
        "Two Content": layout("Two Content", "twoObj", (
            title
            + placeholder(3, "Left Content", 'sz="half" idx="1"', MARGIN, BODY_TOP, wide,
                          BODY_H)
            + placeholder(4, "Right Content", 'sz="half" idx="2"', MARGIN + wide + GUTTER,
                          BODY_TOP, narrow, BODY_H))),
        "Table": layout("Table", "tbl", (
            title + placeholder(3, "Table", 'type="tbl" idx="1"', MARGIN, BODY_TOP, CONTENT_W,
                                BODY_H))),
        "Chart": layout("Chart", "chart", (
            title + placeholder(3, "Chart", 'type="chart" idx="1"', MARGIN, BODY_TOP,
                                CONTENT_W, BODY_H))),
        "Key Message": layout("Key Message", "cust", (
            title
            + rect(3, "Accent Bar", MARGIN, BODY_TOP + 0.2, 0.1, BODY_H - 0.4, "accent2")
            + placeholder(4, "Message", 'idx="1"', MARGIN + 0.4, BODY_TOP + 0.1,
                          CONTENT_W - 0.4, BODY_H - 0.2,
                          styles=body_styles(28, colour="tx1")))),
        "Closing": layout("Closing", "cust", (
            placeholder(2, "Title", 'type="title"', MARGIN, 1.3, CONTENT_W, 1.8, anchor="b",
                        styles=title_styles(40, "ctr"))
            + rect(3, "Accent Rule", (WIDE - 1.6) / 2, 3.35, 1.6, 0.07, "accent2")
            + placeholder(4, "Text", 'type="body" idx="1"', MARGIN + 1.0, 3.7,
                          CONTENT_W - 2.0, 2.9, styles=body_styles(20, algn="ctr"))
        ), dark=True),
    }


def master_tree() -> str:
    """The master's shapes: the title bar, its accent rule, title and body placeholders."""
    return sp_tree(
        rect(2, "Title Bar", 0, BAR_TOP, WIDE, BAR_H, "accent1")
        + rect(3, "Title Rule", 0, BAR_TOP + BAR_H, WIDE, RULE_H, "accent2")
        + placeholder(4, "Title", 'type="title"', MARGIN, BAR_TOP + 0.05, CONTENT_W,
                      BAR_H - 0.1, anchor="ctr")
        + placeholder(5, "Content", 'type="body" idx="1"', MARGIN, BODY_TOP, CONTENT_W,
                      BODY_H))


def text_styles() -> str:
    """The master's title, body and other text styles."""
    font = ('<a:latin typeface="+mj-lt"/><a:ea typeface="+mj-ea"/><a:cs typeface="+mj-cs"/>')
    title = (f'<p:titleStyle><a:lvl1pPr algn="l" rtl="0"><a:lnSpc><a:spcPct val="90000"/>'
             f'</a:lnSpc><a:spcBef><a:spcPts val="0"/></a:spcBef><a:buNone/>'
             f'<a:defRPr sz="3200" b="1" kern="1200">{fill("bg1")}{font}</a:defRPr>'
             f'</a:lvl1pPr></p:titleStyle>')
    minor = font.replace("+mj-", "+mn-")
    levels = []
    for n in range(1, 10):
        size = (20, 18, 16)[min(n, 3) - 1]
        lvl = level(n, size, colour="tx1", bullet=True)
        levels.append(lvl.replace("</a:defRPr>", f"{minor}</a:defRPr>"))
    body = f'<p:bodyStyle>{"".join(levels)}</p:bodyStyle>'
    other = (f'<p:otherStyle><a:defPPr><a:defRPr lang="en-GB"/></a:defPPr>'
             f'<a:lvl1pPr marL="0" algn="l" rtl="0"><a:defRPr sz="1800">{fill("tx1")}'
             f'{minor}</a:defRPr></a:lvl1pPr></p:otherStyle>')
    return f'<p:txStyles {_NSDECL}>{title}{body}{other}</p:txStyles>'


def restyle_theme(blob: bytes) -> bytes:
    """The theme with briefgen's colours and fonts."""
    theme = etree.fromstring(blob)
    theme.set("name", "briefgen")
    scheme = theme.find("a:themeElements/a:clrScheme", NS)
    assert scheme is not None
    scheme.set("name", "briefgen")
    for name, rgb in COLOURS:
        slot = scheme.find(f"a:{name}", NS)
        assert slot is not None
        slot[:] = [etree.Element(f"{{{NS['a']}}}srgbClr", val=rgb)]
    fonts = theme.find("a:themeElements/a:fontScheme", NS)
    assert fonts is not None
    fonts.set("name", "briefgen")
    for which in ("a:majorFont", "a:minorFont"):
        group = fonts.find(which, NS)
        assert group is not None
        latin, _ea, cs = group[0], group[1], group[2]
        latin.set("typeface", LATIN_FONT)
        cs.set("typeface", COMPLEX_FONT)
        for script in group.findall("a:font", NS):
            if script.get("script") in ("Arab", "Hebr"):
                script.set("typeface", COMPLEX_FONT)
    fmt = theme.find("a:themeElements/a:fmtScheme", NS)
    if fmt is not None:
        fmt.set("name", "briefgen")
    return etree.tostring(theme, xml_declaration=True, encoding="UTF-8", standalone=True)


def _replace(element: etree._Element, xml: str) -> None:
    """Give ``element`` the attributes and children of ``xml`` (same tag), in place, so
    python-pptx's cached proxies stay valid."""
    new = parse_xml(xml)
    element.attrib.clear()
    element.attrib.update(dict(new.attrib))
    element[:] = list(new)


def _blank_text(element: etree._Element) -> None:
    """Remove the sample text (dates, prompts) from every paragraph of ``element``."""
    for tag in ("a:r", "a:fld", "a:br"):
        for node in element.findall(f".//{tag}", NS):
            node.getparent().remove(node)


APP_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    'extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/'
    'docPropsVTypes"><Application>briefgen</Application><PresentationFormat>Widescreen'
    '</PresentationFormat><Slides>0</Slides><Notes>0</Notes></Properties>'
)


def build() -> bytes:
    """The bytes of ``master.pptx``."""
    import datetime as dt

    from generator.render.deck import normalise_package

    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_W, SLIDE_H

    master = prs.slide_master
    master_el = master._element
    _replace(master_el.find("p:cSld", NS), f'<p:cSld {_NSDECL}>'
             f'<p:bg><p:bgRef idx="1001"><a:schemeClr val="bg1"/></p:bgRef></p:bg>'
             f'{master_tree()}</p:cSld>')
    _replace(master_el.find("p:txStyles", NS), text_styles())

    # Reshape the first nine layouts; drop the others.
    all_layouts = list(prs.slide_layouts)
    for old in all_layouts[len(LAYOUT_NAMES):]:
        prs.slide_layouts.remove(old)
    designs = layouts()
    for old, name in zip(all_layouts, LAYOUT_NAMES, strict=False):
        _replace(old._element, designs[name])

    theme_part = master.part.part_related_by(RT.THEME)
    theme_part.blob = restyle_theme(theme_part.blob)

    # A clean notes master, so decks with speaker notes carry no sample text.
    notes_master = prs.notes_master
    _blank_text(notes_master._element)

    # Nothing of python-pptx's own template: no printer settings, thumbnail, app info.
    pres_part = prs.part
    for rId, rel in list(pres_part.rels.items()):
        if rel.reltype == RT.PRINTER_SETTINGS:
            pres_part.drop_rel(rId)
    package = pres_part.package
    for rId, rel in list(package._rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            package.drop_rel(rId)
        elif rel.reltype == RT.EXTENDED_PROPERTIES:
            rel.target_part.blob = APP_XML.encode()

    fixed = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    props = prs.core_properties
    props.title = "briefgen deck master"
    props.subject = ""
    props.author = "briefgen"
    props.keywords = ""
    props.comments = ""
    props.last_modified_by = "briefgen"
    props.revision = 1
    props.created = props.modified = fixed.replace(tzinfo=None)
    for tag in ("dc:description", "cp:category", "cp:keywords", "dc:subject"):
        for node in props._element.findall(tag, props._element.nsmap):
            node.getparent().remove(node)

    buffer = io.BytesIO()
    prs.save(buffer)
    return normalise_package(buffer.getvalue(), (1980, 1, 1, 0, 0, 0))


def main() -> int:
    OUT.write_bytes(build())
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
